"""Who may call the service: the EHR's signed JWT (CDS Hooks 2.0, "Trusting CDS Clients").

The specification requires `iss`, `aud` (the service endpoint called), `exp`, `iat` and `jti`,
signed by the EHR's key (ES384 or RS384). Unsigned calls are refused unless the development
flag CDS_ALLOW_UNSIGNED=1 is set; CORS answers the public sandbox's origin.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests import service_harness as h

BODY = json.loads((Path(__file__).parent / "data" / "fhir" / "reference.json").read_text())
SERVICE = "back-pain-plan"


@pytest.fixture(scope="module")
def keys() -> tuple[h.SigningKey, h.SigningKey]:
    return h.ec_key(), h.rsa_key()


@pytest.fixture(scope="module")
def server(keys):
    srv = h.start(keys=keys)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def dev_server(keys):
    srv = h.start(keys=keys, allow_unsigned=True)
    yield srv
    srv.stop()


def post(server: h.Server, token: str | None, service: str = SERVICE) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(server.url(service), json=BODY, headers=headers, timeout=30)


@pytest.mark.parametrize("which", [0, 1], ids=["ES384", "RS384"])
def test_signed_by_a_trusted_key_is_accepted(server, keys, which) -> None:
    response = post(server, h.sign(keys[which], server.url(SERVICE)))
    assert response.status_code == 200, response.text


def test_unsigned_call_is_refused(server) -> None:
    response = post(server, None)
    assert response.status_code == 401
    assert "Authorization" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_signed_by_an_unknown_key_is_refused(server, keys) -> None:
    stranger = h.ec_key(kid=keys[0].kid)  # same kid, different key pair
    response = post(server, h.sign(stranger, server.url(SERVICE)))
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]


def test_untrusted_issuer_is_refused(server, keys) -> None:
    response = post(server, h.sign(keys[0], server.url(SERVICE), iss="https://evil.example"))
    assert response.status_code == 401
    assert "allow-list" in response.json()["detail"]


def test_expired_token_is_refused(server, keys) -> None:
    """Beyond the 60 s leeway."""
    response = post(server, h.sign(keys[0], server.url(SERVICE), exp_in=-120))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_token_for_another_endpoint_is_refused(server, keys) -> None:
    response = post(server, h.sign(keys[0], server.url("back-pain-order-sign")))
    assert response.status_code == 401
    assert "aud" in response.json()["detail"]


@pytest.mark.parametrize("claim", ["jti", "exp", "iat"])
def test_token_without_a_required_claim_is_refused(server, keys, claim) -> None:
    response = post(server, h.sign(keys[0], server.url(SERVICE), drop=(claim,)))
    assert response.status_code == 401
    assert claim in response.json()["detail"]


def test_replayed_jti_is_refused(server, keys) -> None:
    token = h.sign(keys[0], server.url(SERVICE), jti="once-only-0001")
    assert post(server, token).status_code == 200
    again = post(server, token)
    assert again.status_code == 401
    assert "replay" in again.json()["detail"]


def test_garbage_token_is_refused(server) -> None:
    assert post(server, "not.a.jwt").status_code == 401


def test_feedback_needs_a_token_too(server) -> None:
    body = {
        "feedback": [
            {"card": "x", "outcome": "overridden", "outcomeTimestamp": "2026-12-01T00:00:00Z"}
        ]
    }
    response = httpx.post(server.url(SERVICE) + "/feedback", json=body, timeout=30)
    assert response.status_code == 401


def test_dev_flag_accepts_unsigned_calls(dev_server) -> None:
    assert post(dev_server, None).status_code == 200


def test_dev_flag_still_verifies_a_token_that_is_sent(dev_server, keys) -> None:
    stranger = h.ec_key(kid="other")
    assert post(dev_server, h.sign(stranger, dev_server.url(SERVICE))).status_code == 401


def test_cors_preflight_allows_the_public_sandbox(server) -> None:
    response = httpx.options(
        server.url(SERVICE),
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://sandbox.cds-hooks.org"


def test_cors_refuses_other_origins(server) -> None:
    response = httpx.options(
        server.url(SERVICE),
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert "access-control-allow-origin" not in response.headers


def test_server_log_holds_no_patient_data(keys, tmp_path) -> None:
    """With uvicorn's access log on: good, bad, refused and failed-validation calls leave only
    method, path (service id) and status in the log (GUIDE: no patient data logged)."""
    log = tmp_path / "server.log"
    srv = h.start(keys=keys, log_file=log)
    try:
        # The same identifier in the context, the Patient and every subject (the service
        # refuses a record about another patient), so it reaches the service everywhere.
        body = json.loads(json.dumps(BODY).replace('"Patient/example"', '"Patient/MRN-424242"'))
        body["context"]["patientId"] = "MRN-424242"
        body["prefetch"]["patient"]["id"] = "MRN-424242"
        body["prefetch"]["patient"]["name"] = [{"family": "Zebedee", "given": ["Quentin"]}]
        token = h.sign(keys[0], srv.url(SERVICE))
        assert post_body(srv, body, token).status_code == 200
        body["prefetch"]["weight"]["entry"][0]["resource"].pop("code")
        assert post_body(srv, body, h.sign(keys[0], srv.url(SERVICE))).status_code == 400
        assert post_body(srv, body, None).status_code == 401
    finally:
        srv.stop()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /cds-services/back-pain-plan" in text  # the access log was on
    for secret in ("MRN-424242", "424242", "Zebedee", "Quentin", "1981-03-02", "Bearer"):
        assert secret not in text


def post_body(server: h.Server, body: dict, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(server.url(SERVICE), json=body, headers=headers, timeout=30)
