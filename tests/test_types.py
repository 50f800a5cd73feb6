"""The engine, the page and the service type-check under `mypy --strict`, in the ordinary run.

logic/ is the one place every clinical decision lives and the boundary the page, the EHR service
and the FHIR mapping all call; a type error there is a wrong dose waiting for an input to reach
it. ui/ and service/ pass the engine's typed models on to the reader and the EHR, so they are
held to the same standard. The strictness and the three packages are set once, in pyproject's
[tool.mypy]; each package is also checked on its own command line so none can drop out.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("logic", "ui", "service")


def test_pyproject_runs_mypy_strict_over_the_three_packages() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True
    assert set(config["files"]) == set(PACKAGES)


@pytest.mark.slow
@pytest.mark.parametrize("package", PACKAGES)
def test_package_passes_mypy_strict(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", f"{package}/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
