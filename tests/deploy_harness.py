"""Real deployment parts for the tests, started by the tests on free loopback ports.

`redis-server` (the shared replay store) and `deploy/start` (page replicas behind nginx, or the
service under uvicorn), each a real process waited for with a bounded poll, never a fixed sleep.
A missing binary skips its tests with the reason, except in CI (`CI` set), where it fails: CI
installs Debian's `nginx` and `redis-server`, so a skip there would hide an untested deployment.
"""

from __future__ import annotations

import os
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
