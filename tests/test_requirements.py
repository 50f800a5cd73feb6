"""The three requirements files are one pinned set: a fresh machine installs what the tests ran.

Each file is compiled from its short `*.in` input by `scripts/pin-requirements` (uv pip compile).
These tests read the files as pip would (`packaging`'s requirement parser), so a range, a
package that resolves to two versions in two files, or an input that no longer matches its
compiled file fails here instead of on a fresh machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
COMPILED = {
    "requirements.txt": "requirements.in",
    "requirements-service.txt": "requirements-service.in",
    "requirements-dev.txt": "requirements-dev.in",
}


def _lines(path: Path) -> list[str]:
    """Requirement lines: comments, blank lines and pip options (-r, -c) left out."""
    out = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            out.append(line)
    return out


def pins(name: str) -> dict[str, str]:
    """Package -> exact version, for one compiled file."""
    result: dict[str, str] = {}
    for line in _lines(ROOT / name):
        req = Requirement(line)
        (spec,) = req.specifier  # exactly one specifier ...
        assert spec.operator == "==", f"{name}: {line} is not pinned exactly"  # ... and ==
        result[canonicalize_name(req.name)] = spec.version
    return result


def direct(name: str) -> dict[str, str | None]:
    """Package -> pinned version (None when the input leaves it to a constraint), for an input
    file and the inputs it includes with -r."""
    result: dict[str, str | None] = {}
    for raw in (ROOT / name).read_text().splitlines():
        included = re.match(r"-r\s+(\S+)", raw.strip())
        if included:
            result.update(direct(included.group(1)))
    for line in _lines(ROOT / name):
        req = Requirement(line)
        exact = [s.version for s in req.specifier if s.operator == "=="]
        result[canonicalize_name(req.name)] = exact[0] if exact else None
    return result


@pytest.mark.parametrize("compiled", list(COMPILED))
def test_every_line_of_a_compiled_file_is_an_exact_pin(compiled: str):
    found = pins(compiled)
    assert len(found) >= 40, f"{compiled} looks truncated: {len(found)} packages"


@pytest.mark.parametrize(("compiled", "source"), list(COMPILED.items()))
def test_compiled_file_holds_every_input_at_its_pinned_version(compiled: str, source: str):
    """An input edited without recompiling (scripts/pin-requirements) fails here."""
    found = pins(compiled)
    for package, version in direct(source).items():
        assert package in found, f"{source} lists {package}, {compiled} does not"
        if version is not None:
            assert found[package] == version, f"{package}: {source} {version}, {compiled}"


def test_no_package_has_two_versions_across_the_files():
    """The page, the service and the tests run one version of each package (the service and
    dev files are compiled with -c requirements.txt)."""
    seen: dict[str, tuple[str, str]] = {}
    for compiled in COMPILED:
        for package, version in pins(compiled).items():
            if package in seen:
                assert seen[package][0] == version, (
                    f"{package}: {seen[package][1]} has {seen[package][0]}, {compiled} {version}"
                )
            else:
                seen[package] = (version, compiled)


def test_each_file_contains_the_one_it_builds_on():
    """Installing the service or dev file gives everything the page needs, at the same pins."""
    page, service, dev = (pins(name) for name in COMPILED)
    assert page.items() <= service.items()
    assert service.items() <= dev.items()


def test_the_installed_test_tools_are_the_pinned_ones():
    """The environment running this suite was installed from requirements-dev.txt (the README's
    test command): what runs here is what a fresh machine gets."""
    from importlib.metadata import PackageNotFoundError, version

    dev = pins("requirements-dev.txt")
    for package in ("pytest", "hypothesis", "schemathesis", "streamlit", "pydantic", "uvicorn"):
        try:
            installed = version(package)
        except PackageNotFoundError:  # pragma: no cover - the README command installs it
            pytest.fail(f"{package} is not installed; run the README's test command")
        assert installed == dev[package], f"{package}: installed {installed}, pinned {dev[package]}"
