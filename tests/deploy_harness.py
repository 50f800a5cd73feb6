"""Real deployment parts for the tests, started by the tests on free loopback ports.

`redis-server` (the shared replay store) and `deploy/start` (page replicas behind nginx, or the
service under uvicorn), each a real process waited for with a bounded poll, never a fixed sleep.
A missing binary skips its tests with the reason, except in CI (`CI` set), where it fails: CI
installs Debian's `nginx` and `redis-server`, so a skip there would hide an untested deployment.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "deploy" / "start"
REDIS_SERVER = "/usr/bin/redis-server"
NGINX = "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def need(binary: str, package: str) -> str:
    """The binary's path (on PATH or at `binary`); skip, or fail in CI, when it is missing."""
    path = binary if os.access(binary, os.X_OK) else shutil.which(Path(binary).name)
    if path:
        return path
    reason = f"{Path(binary).name} not found (apt-get install {package})"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {reason}; the deployment tests would skip")
    pytest.skip(reason)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `check` every 50 ms until it is true; RuntimeError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout:g} s")
        time.sleep(0.05)  # polling interval, not a wait for a result


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a process we started (its whole group for deploy/start), kill it if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# Redis


@dataclass
class Redis:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        stop(self.process)


def start_redis(tmp: Path) -> Redis:
    """A throwaway redis-server on loopback: no persistence, its own directory."""
    binary = need(REDIS_SERVER, "redis-server")
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(tmp), "--protected-mode", "yes"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    server = Redis(port, process)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_until(answers, 20, "redis-server did not answer PING")
    except RuntimeError:
        server.stop()
        raise
    return server


# ---------------------------------------------------------------------------------------------
# deploy/start


def deploy_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDS_", "STREAMLIT_"))}
    env["PYTHON"] = sys.executable
    env.update(extra)
    return env


def start_deploy(mode: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`deploy/start <mode>` in its own process group, output to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            ["bash", str(START), mode],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def http_ok(url: str, body: bytes | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and (body is None or response.read().strip() == body)
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Page replicas behind nginx


@dataclass
class Pages:
    """A running `deploy/start pages`: nginx's URL, the replicas' ports and pids, its files."""

    url: str
    process: subprocess.Popen[bytes]
    replicas: dict[int, int]  # port -> pid
    run_dir: Path
    log: Path  # deploy/start's own output: the replicas' and nginx's stderr

    @property
    def access_log(self) -> Path:
        return self.run_dir / "access.log"

    def access_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []

    def stop(self) -> None:
        stop(self.process)


def _consecutive_free_ports(count: int) -> int:
    """A first port such that it and the next count-1 are free on loopback now."""
    for _ in range(50):
        first = free_port()
        if first + count >= 65535:
            continue
        socks = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def start_pages(tmp: Path, replicas: int = 2, timeout: float = 120) -> Pages:
    """`deploy/start pages` with `replicas` page processes, nginx on a free loopback port."""
    nginx = need(NGINX, "nginx")
    port = free_port()
    first = _consecutive_free_ports(replicas)
    run_dir = tmp / "nginx"
    log = tmp / "deploy.log"
    env = deploy_env(
        HOST="127.0.0.1",
        PORT=str(port),
        REPLICAS=str(replicas),
        REPLICA_PORT=str(first),
        RUN_DIR=str(run_dir),
        NGINX_BIN=nginx,
    )
    process = start_deploy("pages", env, log)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"deploy/start pages exited with {process.returncode}: {log}")
        return "nginx: pid" in log.read_text() and http_ok(f"{url}/_stcore/health", b"ok")

    try:
        wait_until(ready, timeout, "nginx and the replicas did not answer")
    except RuntimeError:
        stop(process)
        raise
    found = re.findall(r"^replica \d+: pid (\d+), 127\.0\.0\.1:(\d+)$", log.read_text(), re.M)
    pids = {int(port): int(pid) for pid, port in found}
    if len(pids) != replicas:
        stop(process)
        raise RuntimeError(f"deploy/start named {len(pids)} replicas, not {replicas}: {log}")
    return Pages(url, process, pids, run_dir, log)
