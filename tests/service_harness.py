"""Start the CDS Hooks service with uvicorn on a free loopback port, and sign EHR tokens.

Used by tests/test_service*.py and bench/service.py. The server is a real `uvicorn` process
(the command the README gives); readiness is polled on GET /cds-services within a bounded
time, never a fixed sleep.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
ISSUER = "https://ehr.test.example"
APP_URL = "https://backpain.test.example/"
START_TIMEOUT_S = 60.0


#: The day the hand-written requests in tests/data/fhir/ were written as "this visit".
VISIT_DAY = "2026-11-30"


def load_request(path: Path) -> dict[str, Any]:
    """A hand-written request with its visit moved to today: the service reads only a pain
    score recorded within a day (logic.formats.fhir.read.PAIN_MAX_AGE_DAYS), as an EHR's would
    be."""
    today = time.strftime("%Y-%m-%d", time.gmtime())
    text = path.read_text(encoding="utf-8").replace(f'"{VISIT_DAY}T', f'"{today}T')
    return json.loads(text)  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SigningKey:
    private: Any
    kid: str
    alg: str

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        jwk = json.loads(algorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


def ec_key(kid: str = "ehr-es384") -> SigningKey:
    return SigningKey(ec.generate_private_key(ec.SECP384R1()), kid, "ES384")


def rsa_key(kid: str = "ehr-rs384") -> SigningKey:
    return SigningKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), kid, "RS384")


def sign(
    key: SigningKey,
    aud: str,
    *,
    iss: str = ISSUER,
    exp_in: float = 300,
    iat_in: float = 0,
    jti: str | None = None,
    drop: tuple[str, ...] = (),
    header: dict[str, Any] | None = None,
) -> str:
    """A token as an EHR signs it (header alg, typ JWT, kid). `header` overrides header fields
    (a None value removes the field); `drop` removes claims."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": iss,
        "aud": aud,
        "exp": now + int(exp_in),
        "iat": now + int(iat_in),
        "jti": jti or str(uuid.uuid4()),
    }
    for name in drop:
        claims.pop(name, None)
    fields: dict[str, Any] = {"kid": key.kid, "typ": "JWT", **(header or {})}
    token = jwt.encode(
        claims,
        key.private,
        algorithm=key.alg,
        headers={k: v for k, v in fields.items() if v is not None and k != "typ"},
    )
    if fields.get("typ") == "JWT":
        return token
    return _with_typ(token, key, claims, fields)


def _with_typ(token: str, key: SigningKey, claims: dict[str, Any], fields: dict[str, Any]) -> str:
    """Re-sign with a header whose typ is other than JWT, or absent (PyJWT always writes typ
    JWT unless told otherwise; `jwt.api_jws` signs the exact header given)."""
    header = {k: v for k, v in fields.items() if v is not None}
    payload = json.dumps(claims, separators=(",", ":")).encode()
    algorithm = jwt.get_algorithm_by_name(key.alg)
    segments = [_b64(json.dumps({"alg": key.alg, **header}).encode()), _b64(payload)]
    signature = algorithm.sign(".".join(segments).encode(), algorithm.prepare_key(key.private))
    return ".".join([*segments, _b64(signature)])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    workers: int

    def url(self, service_id: str) -> str:
        return f"{self.base}/cds-services/{service_id}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def start(
    *,
    keys: tuple[SigningKey, ...] = (),
    allow_unsigned: bool = False,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    log_file: Path | None = None,
) -> Server:
    """`log_file`: run with uvicorn's access log and info level, everything written there."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDS_")}
    env.update(
        {
            "CDS_TRUSTED_ISSUERS": json.dumps(
                {ISSUER: {"jwks": {"keys": [k.public_jwk() for k in keys]}}}
            ),
            "CDS_APP_URL": APP_URL,
            "PYTHONPATH": str(ROOT),
        }
    )
    if allow_unsigned:
        env["CDS_ALLOW_UNSIGNED"] = "1"
    env.update(extra_env or {})
    command = [sys.executable, "-m", "uvicorn", "service.app:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    if log_file is None:
        command += ["--log-level", "warning", "--no-access-log"]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
    else:
        command += ["--log-level", "info"]
        with log_file.open("wb") as sink:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/cds-services", timeout=2).status_code == 200:
                return Server(base, process, workers)
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling interval while the server starts, not a wait for a result
    process.terminate()
    raise RuntimeError(f"uvicorn did not answer within {START_TIMEOUT_S:g} s")


def unsigned_test_client() -> Iterator[TestClient]:
    """The service in process, trusting unsigned calls (no issuer, no replay store), restoring
    the configured trust afterwards: for tests about cards, not about tokens."""
    from fastapi.testclient import TestClient

    from service import app as app_module
    from service.replay import store_from_url
    from service.security import Trust

    saved = app_module.TRUST
    app_module.TRUST = Trust(issuers={}, allow_unsigned=True, replay=store_from_url(""))
    try:
        with TestClient(app_module.app) as c:
            yield c
    finally:
        app_module.TRUST = saved
