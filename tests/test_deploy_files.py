"""The container files, checked as far as a machine without Docker can, and deploy/start's modes.

No Docker daemon here, so the image is never built by these tests (README says so). What is
checked instead: the Dockerfile's promises (slim Python 3.11 base, a non-root user, the pinned
service requirements, a health check, deploy/start as the command), that .dockerignore keeps
every file the page and the service read, that docker-compose runs only modes deploy/start has
and shares one replay store between workers, and that deploy/start runs the page and the service
outside Docker with the image's health probe (deploy/healthcheck) saying healthy.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests import deploy_harness as d

ROOT = d.ROOT
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
MODES = {"page", "pages", "service"}  # deploy/start's case statement
# What the running image reads: the entry point, the packages, the pages' content and cases,
# Streamlit's configuration and the start scripts.
NEEDED = [
    "app.py",
    "logic/engine/plan.py",
    "ui/page.py",
    "service/app.py",
    "content",
    "cases/reference.toml",
    "assets/icon.png",
    ".streamlit/config.toml",
    "deploy/start",
    "deploy/healthcheck",
    "deploy/nginx.conf.template",
    "requirements-service.txt",
]


def instructions(name: str) -> list[str]:
    text = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in text.splitlines() if line.startswith(name + " ")]


def test_dockerfile_uses_the_slim_python_3_11_base() -> None:
    assert instructions("FROM") == ["python:3.11-slim"]  # the version CI and Cloud run


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = instructions("USER")
    assert users, "no USER: the container would run as root"
    assert users[-1] not in ("root", "0")
    assert re.search(rf"useradd\b.*\b{users[-1]}\b", DOCKERFILE)


def test_dockerfile_installs_exactly_the_pinned_service_requirements() -> None:
    (install,) = [r for r in instructions("RUN") if "pip install" in r]
    assert "-r requirements-service.txt" in install
    assert "--no-deps" in install  # the pinned file is complete: nothing resolved at build time
    pins = [
        line
        for line in (ROOT / "requirements-service.txt").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    assert pins
    assert all("==" in line for line in pins)


def test_dockerfile_checks_health_and_starts_through_deploy_start() -> None:
    (health,) = instructions("HEALTHCHECK")
    assert "deploy/healthcheck" in health
    assert instructions("ENTRYPOINT") == ['["/app/deploy/start"]']
    (command,) = instructions("CMD")
    assert set(yaml.safe_load(command)) <= MODES


@pytest.mark.parametrize("path", NEEDED)
def test_dockerignore_keeps_what_the_image_reads(path) -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        for prefix in prefixes:
            assert not fnmatch.fnmatch(prefix, pattern.removeprefix("**/")), (pattern, path)
    assert (ROOT / path).exists()


def test_compose_runs_only_modes_deploy_start_has() -> None:
    for name, service in COMPOSE["services"].items():
        if service.get("image", "").startswith("redis"):
            continue
        assert set(service["command"]) <= MODES, name


def test_compose_service_workers_share_one_persistent_replay_store() -> None:
    service = COMPOSE["services"]["service"]["environment"]
    assert int(service["WEB_CONCURRENCY"]) > 1
    store = service["CDS_REPLAY_STORE"]
    assert store.startswith("redis://redis:")  # the compose service below, not in-process
    redis = COMPOSE["services"]["redis"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"


def test_the_readme_quotes_the_nginx_configuration_the_tests_run() -> None:
    """README's nginx lines are the template's, so the documented proxy is the tested one."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```nginx\n(.*?)```", readme, re.S)
    assert blocks, "README has no nginx block"
    template = {line.strip() for line in (ROOT / "deploy" / "nginx.conf.template").open()}
    for block in blocks:
        for line in block.splitlines():
            assert line.strip() in template, line


# ---------------------------------------------------------------------------------------------
# deploy/start outside Docker


def test_deploy_start_refuses_an_unknown_mode_and_a_bad_replica_count(tmp_path) -> None:
    start = ["bash", str(d.START)]
    wrong = subprocess.run([*start, "pagez"], capture_output=True, text=True, timeout=30)
    assert wrong.returncode == 2
    assert "usage: deploy/start page|pages|service" in wrong.stderr
    for replicas in ("0", "two", "100"):
        env = d.deploy_env(REPLICAS=replicas, RUN_DIR=str(tmp_path / replicas))
        bad = subprocess.run([*start, "pages"], env=env, capture_output=True, text=True, timeout=30)
        assert bad.returncode == 2, replicas
        assert "REPLICAS must be a whole number from 1 to 99" in bad.stderr


def healthcheck(pid: int, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck"), "--pid", str(pid)],
        env=d.deploy_env(PORT=str(port)),
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "path"), [("page", "/_stcore/health"), ("service", "/cds-services")]
)
def test_deploy_start_runs_each_mode_and_the_probe_sees_it(tmp_path, mode, path) -> None:
    port = d.free_port()
    env = d.deploy_env(HOST="127.0.0.1", PORT=str(port), CDS_ALLOW_UNSIGNED="1")
    process = d.start_deploy(mode, env, tmp_path / f"{mode}.log")
    try:
        d.wait_until(
            lambda: process.poll() is None and d.http_ok(f"http://127.0.0.1:{port}{path}"),
            90,
            f"deploy/start {mode} did not answer",
        )
        probe = healthcheck(process.pid, port)
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.startswith(f"{mode}: http://127.0.0.1:{port}{path} ok")
    finally:
        d.stop(process)


def test_the_probe_fails_when_nothing_answers() -> None:
    # This test's own process names neither streamlit nor uvicorn: probed as `pages`, and no
    # nginx listens on a fresh free port.
    port = d.free_port()
    probe = healthcheck(os.getpid(), port)
    assert probe.returncode == 1
    assert f"pages: http://127.0.0.1:{port}/_stcore/health unreachable" in probe.stderr


@pytest.mark.parametrize(
    ("ci", "outcome"), [(None, pytest.skip.Exception), ("1", pytest.fail.Exception)]
)
def test_a_missing_binary_skips_with_its_package_but_fails_in_ci(monkeypatch, ci, outcome):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=r"apt-get install redis-server"):
        d.need("/nonexistent/redis-server-not-installed", "redis-server")


def test_an_installed_binary_is_found_by_its_path() -> None:
    assert d.need(sys.executable, "python3") == sys.executable
