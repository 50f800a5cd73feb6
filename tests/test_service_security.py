"""Who may call the service: the EHR's signed JWT (CDS Hooks 2.0, "Trusting CDS Clients").

The specification requires `kid` and `typ` in the header and `iss`, `aud` (exactly the service
endpoint called), `exp`, `iat` and `jti` in the payload, signed by the EHR's key (ES384 or
RS384); this service also caps the lifetime (service.security.MAX_LIFETIME_S). Unsigned calls
are refused unless the development flag CDS_ALLOW_UNSIGNED=1 is set; CORS answers the public
sandbox's origin. Request limits (size 413, nesting 400) and bounded feedback counts close the
file.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jwt
import pytest

from service import app as app_module
from service import limits, security
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


# ---------------------------------------------------------------------------------------------
# The security table: one row per rule, refused (401) or accepted (200) as the specification
# says. Spec: CDS Hooks 2.0.1 (HL7/cds-hooks tag v2.0.1, input/pagecontent/index.md, "Trusting
# CDS Clients": the JWT header and payload tables and the aud paragraph). "tool" rows are this
# service's settings, with the reason in service/security.py.

SPEC = "CDS Hooks 2.0.1 Trusting CDS Clients"
LIFETIME = security.MAX_LIFETIME_S
ROWS: list[tuple[str, dict[str, object], int, str, str]] = [
    # (row, h.sign keyword arguments, status, words in the 401 detail, source)
    ("kid present", {}, 200, "", f"{SPEC}: kid REQUIRED"),
    ("kid missing", {"header": {"kid": None}}, 401, "kid", f"{SPEC}: kid REQUIRED"),
    ("kid empty", {"header": {"kid": ""}}, 401, "kid", f"{SPEC}: kid REQUIRED"),
    ("typ JWT", {}, 200, "", f"{SPEC}: typ fixed value JWT"),
    ("typ jwt (case)", {"header": {"typ": "jwt"}}, 200, "", "RFC 7519 5.1: typ case-insensitive"),
    ("typ missing", {"header": {"typ": None}}, 401, "typ", f"{SPEC}: typ REQUIRED"),
    ("typ at+jwt", {"header": {"typ": "at+jwt"}}, 401, "typ", f"{SPEC}: typ fixed value JWT"),
    ("typ JOSE", {"header": {"typ": "JOSE"}}, 401, "typ", f"{SPEC}: typ fixed value JWT"),
    ("lifetime at the limit", {"exp_in": LIFETIME}, 200, "", "tool: MAX_LIFETIME_S"),
    ("lifetime 1 s over", {"exp_in": LIFETIME + 1}, 401, "lives", "tool: MAX_LIFETIME_S"),
    ("lifetime 10 years", {"exp_in": 10 * 365 * 86400}, 401, "lives", "tool: MAX_LIFETIME_S"),
    (
        "issued 4 min ago, 1 min left",
        {"iat_in": -240, "exp_in": 60},
        200,
        "",
        "tool: MAX_LIFETIME_S is exp - iat",
    ),
    ("expired beyond leeway", {"exp_in": -120, "iat_in": -300}, 401, "expired", f"{SPEC}: exp"),
    ("iat in the future", {"iat_in": 600, "exp_in": 700}, 401, "refused", f"{SPEC}: iat"),
    ("aud the feedback URL", {"aud": "feedback"}, 401, "aud", f"{SPEC}: aud the endpoint invoked"),
    ("aud another service", {"aud": "other"}, 401, "aud", f"{SPEC}: aud the endpoint invoked"),
    ("aud as [endpoint]", {"aud": "list"}, 200, "", f"{SPEC}: aud string or array of string"),
    ("aud [endpoint, other]", {"aud": "list+other"}, 401, "aud", f"{SPEC}: aud MUST be the URL"),
    ("aud base URL only", {"aud": "base"}, 401, "aud", f"{SPEC}: aud the endpoint invoked"),
    ("jti missing", {"drop": ("jti",)}, 401, "jti", f"{SPEC}: jti REQUIRED"),
    ("exp missing", {"drop": ("exp",)}, 401, "exp", f"{SPEC}: exp REQUIRED"),
    ("iat missing", {"drop": ("iat",)}, 401, "iat", f"{SPEC}: iat REQUIRED"),
    ("iss missing", {"drop": ("iss",)}, 401, "allow-list", f"{SPEC}: iss REQUIRED, allowlist"),
    ("iss untrusted", {"iss": "https://evil.example"}, 401, "allow-list", f"{SPEC}: allowlist"),
]


def _audience(server: h.Server, which: object) -> object:
    url = server.url(SERVICE)
    return {
        None: url,
        "feedback": url + "/feedback",
        "other": server.url("back-pain-order-sign"),
        "list": [url],
        "list+other": [url, server.url("back-pain-order-sign")],
        "base": server.base,
    }[which]  # type: ignore[index]


@pytest.mark.parametrize(
    ("row", "kwargs", "status", "words", "source"), ROWS, ids=[r[0] for r in ROWS]
)
def test_security_table(server, keys, row, kwargs, status, words, source) -> None:
    kwargs = dict(kwargs)
    aud = _audience(server, kwargs.pop("aud", None))
    response = post(server, h.sign(keys[0], aud, **kwargs))  # type: ignore[arg-type]
    assert response.status_code == status, (row, source, response.text)
    if status == 401:
        assert words in response.json()["detail"], (row, response.text)
        assert response.headers["www-authenticate"] == "Bearer"


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


def test_unsigned_algorithm_none_is_refused(server) -> None:
    """CDS Hooks 2.0.1: JWTs SHALL NOT be signed with the none algorithm."""
    claims = {"iss": h.ISSUER, "aud": server.url(SERVICE), "jti": "none-alg"}
    token = jwt.encode(claims, None, algorithm="none", headers={"kid": "ehr-es384"})
    response = post(server, token)
    assert response.status_code == 401
    assert "algorithm" in response.json()["detail"]


def test_replayed_jti_is_refused(server, keys) -> None:
    token = h.sign(keys[0], server.url(SERVICE), jti="once-only-0001")
    assert post(server, token).status_code == 200
    again = post(server, token)
    assert again.status_code == 401
    assert "replay" in again.json()["detail"]


def test_garbage_token_is_refused(server) -> None:
    assert post(server, "not.a.jwt").status_code == 401


FEEDBACK = {
    "feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "2026-12-01T00:00:00Z"}]
}


def test_feedback_needs_a_token_too(server) -> None:
    response = httpx.post(server.url(SERVICE) + "/feedback", json=FEEDBACK, timeout=30)
    assert response.status_code == 401


def test_feedback_token_must_name_the_feedback_endpoint(server, keys) -> None:
    """aud is exactly the endpoint invoked: a token for the service is not one for feedback."""
    url = server.url(SERVICE) + "/feedback"
    wrong = h.sign(keys[0], server.url(SERVICE))
    right = h.sign(keys[0], url)
    refused = httpx.post(url, json=FEEDBACK, headers={"Authorization": f"Bearer {wrong}"})
    assert refused.status_code == 401
    assert "aud" in refused.json()["detail"]
    accepted = httpx.post(url, json=FEEDBACK, headers={"Authorization": f"Bearer {right}"})
    assert accepted.status_code == 200


def test_feedback_counts_need_a_token(server, keys) -> None:
    url = server.url(SERVICE) + "/feedback"
    assert httpx.get(url, timeout=30).status_code == 401
    token = h.sign(keys[0], url)
    response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200
    assert response.json()["service"] == SERVICE


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


# ---------------------------------------------------------------------------------------------
# Request limits, before parsing (service.limits)


def nested_extension(levels: int, odd: bool) -> dict:
    """An extension nested `levels` deep (each level an object in an array); `odd` gives the
    innermost one a CodeableConcept value, one level more."""
    value = {"valueCodeableConcept": {"text": "x"}} if odd else {"valueString": "x"}
    inner: dict = {"url": "https://example.org/x", **value}
    for _ in range(levels - 1):
        inner = {"url": "https://example.org/x", "extension": [inner]}
    return inner


def body_with_depth(depth: int) -> dict:
    """The reference request with a Patient.extension chain making the whole body `depth`."""
    for levels in range(1, depth):
        for odd in (False, True):
            body = json.loads(json.dumps(BODY))
            body["prefetch"]["patient"]["extension"] = [nested_extension(levels, odd)]
            if limits.json_depth(json.dumps(body).encode()) == depth:
                return body
    raise AssertionError(f"no body of depth {depth}")


def test_json_depth_counts_brackets_outside_strings() -> None:
    assert limits.json_depth(b"{}") == 1
    assert limits.json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert limits.json_depth(b'{"a": "[[[[{{{{ \\" [[["}') == 1  # inside a string, escaped quote
    assert limits.json_depth(b"[" * 70 + b"]" * 70) == 70


def test_body_at_the_nesting_limit_is_read_not_refused(server, keys) -> None:
    body = body_with_depth(limits.MAX_JSON_DEPTH)
    response = post_body(server, body, h.sign(keys[0], server.url(SERVICE)))
    assert response.status_code in (200, 400), response.text  # never a 500
    assert "nests deeper" not in response.text


@pytest.mark.parametrize("depth", [limits.MAX_JSON_DEPTH + 1, 150, 5000])
def test_body_nested_over_the_limit_is_400(server, keys, depth) -> None:
    body = body_with_depth(depth) if depth < 200 else None
    if body is None:  # too deep for json.dumps to build quickly: written as text
        text = json.dumps(BODY)[:-1] + ', "extension": ' + "[" * depth + "]" * depth + "}"
        content = text.encode()
    else:
        content = json.dumps(body).encode()
    token = h.sign(keys[0], server.url(SERVICE))
    response = httpx.post(
        server.url(SERVICE),
        content=content,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert f"deeper than {limits.MAX_JSON_DEPTH}" in response.json()["detail"]


def padded(size: int) -> bytes:
    """The reference request padded with spaces to exactly `size` bytes (still valid JSON)."""
    text = json.dumps(BODY).encode()
    return text[:-1] + b" " * (size - len(text)) + b"}"


@pytest.mark.parametrize(
    ("size", "status"),
    [(limits.MAX_BODY_BYTES, 200), (limits.MAX_BODY_BYTES + 1, 413)],
    ids=["at the limit", "1 byte over"],
)
def test_body_size_limit(server, keys, size, status) -> None:
    token = h.sign(keys[0], server.url(SERVICE))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = httpx.post(server.url(SERVICE), content=padded(size), headers=headers, timeout=60)
    assert response.status_code == status, response.text[:200]
    if status == 413:
        assert str(limits.MAX_BODY_BYTES) in response.json()["detail"]


def test_body_size_limit_holds_without_content_length(server, keys) -> None:
    """A chunked body (no Content-Length) is counted as it streams in."""
    token = h.sign(keys[0], server.url(SERVICE))
    chunk = b" " * 65536

    def stream():
        yield json.dumps(BODY).encode()[:-1]
        for _ in range(limits.MAX_BODY_BYTES // len(chunk) + 1):
            yield chunk
        yield b"}"

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = httpx.post(server.url(SERVICE), content=stream(), headers=headers, timeout=60)
    assert response.status_code == 413


# ---------------------------------------------------------------------------------------------
# Feedback: bounded counts


def feedback_post(server: h.Server, keys, items: list[dict]) -> httpx.Response:
    url = server.url(SERVICE) + "/feedback"
    token = h.sign(keys[0], url)
    return httpx.post(
        url, json={"feedback": items}, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def feedback_counts(server: h.Server, keys) -> dict[str, int]:
    url = server.url(SERVICE) + "/feedback"
    token = h.sign(keys[0], url)
    response = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return response.json()["counts"]


def item(card: str, outcome: str = "overridden", code: str | None = None) -> dict:
    out: dict = {"card": card, "outcome": outcome, "outcomeTimestamp": "2026-12-01T00:00:00Z"}
    if code is not None:
        out["overrideReason"] = {"reason": {"code": code, "system": "https://x.example"}}
    return out


def test_feedback_items_per_request_are_capped(server, keys) -> None:
    cap = app_module.MAX_FEEDBACK_ITEMS
    ok = feedback_post(server, keys, [item(f"cap-{i}") for i in range(cap)])
    assert ok.status_code == 200
    over = feedback_post(server, keys, [item(f"cap-over-{i}") for i in range(cap + 1)])
    assert over.status_code == 400


def test_a_cards_outcome_is_counted_once(server, keys) -> None:
    before = feedback_counts(server, keys).get("accepted", 0)
    for _ in range(3):
        assert feedback_post(server, keys, [item("same-card", "accepted")] * 5).status_code == 200
    assert feedback_counts(server, keys).get("accepted", 0) == before + 1


def test_override_codes_of_other_systems_do_not_grow_the_counter(server, keys) -> None:
    before = feedback_counts(server, keys)
    codes = [f"caller-code-{i}" for i in range(40)]
    response = feedback_post(server, keys, [item(f"other-{c}", code=c) for c in codes])
    assert response.status_code == 200
    after = feedback_counts(server, keys)
    assert set(after) - set(before) <= {"overridden", "overridden:other"}
    assert after["overridden:other"] == before.get("overridden:other", 0) + 40
    assert not any("caller-code" in k for k in after)
