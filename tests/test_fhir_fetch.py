"""A prefetch the EHR left out is fetched from its FHIR server, or the call is a 412.

CDS Hooks 2.0 ("Prefetch", "FHIR Resource Access"): a client may omit prefetch keys; the service
may fetch them from `fhirServer` with `fhirAuthorization.access_token`, and when it can neither
receive nor fetch the data it needs it answers 412 Precondition Failed.

The FHIR server is tests/fhir_server.py on loopback, serving the resources of real requests
nobody here wrote (the CDC's opioid CDS examples, tests/data/cdc-opioid-cds/SOURCE.md) and the
hand-written reference patient. The expectation is independent of the fetching code: the same
request with its prefetch gives the cards; without it, the fetched data must give the same.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from logic.formats.fhir.read import read_prefetch
from service.fhir_client import FetchError, FetchSettings, fetch_prefetch, render, server_base
from tests import service_harness as h
from tests.fhir_server import FhirServer
from tests.test_cdc_requests import FILES, SERVICE_FOR_HOOK, load, rekey

DATA = Path(__file__).resolve().parent / "data"
EMPTY = {"resourceType": "Bundle", "type": "searchset"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Path]]:
    log = tmp_path_factory.mktemp("log") / "service.log"
    key = h.ec_key()
    # A read timeout of 1 s: loopback answers in milliseconds; the held server never answers.
    srv = h.start(keys=(key,), log_file=log, extra_env={"CDS_FHIR_READ_TIMEOUT_S": "1"})
    yield srv, key, log
    srv.stop()


def post(service: Any, body: dict[str, Any]) -> httpx.Response:
    srv, key, _ = service
    target = srv.url(SERVICE_FOR_HOOK[body["hook"]])
    headers = {"Authorization": f"Bearer {h.sign(key, target)}"}
    return httpx.post(target, json=body, headers=headers, timeout=60)


def without_prefetch(body: dict[str, Any], fhir: FhirServer | None) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if k != "prefetch"}
    if fhir is not None:
        out |= {"fhirServer": fhir.base, "fhirAuthorization": fhir.authorization()}
    return out


def normalised(response: httpx.Response) -> Any:
    """The answer without the lines that describe the shape of the EHR's own prefetch ("prefetch
    'item2' is a Bundle entry ...": the CDC requests' keys and shapes, which a fetch replaces)."""
    answer = copy.deepcopy(response.json())
    for card in answer.get("cards", []):
        if isinstance(card.get("detail"), str):
            lines = card["detail"].split("\n")
            kept = "\n".join(x for x in lines if not x.startswith("- prefetch '"))
            # a heading left with no line under it (every line under it was about the prefetch)
            card["detail"] = re.sub(r"\s*Also not used:\s*$", "", kept).rstrip()
    return answer


def cdc_case(name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The CDC request as the service's keys name it (the Patient as `patient`, as in
    tests/test_cdc_requests.py) and the resources its prefetch holds. The CDC records hold no
    weight or pain score; an EHR answering those two templates sends an empty searchset."""
    body = rekey(load(name))
    body["prefetch"] = {"weight": EMPTY, "painScore": EMPTY, **body["prefetch"]}
    resources, _ = read_prefetch(body["prefetch"])
    return body, resources


WITH_PATIENT = [n for n in FILES if "patient" in (rekey(load(n)).get("prefetch") or {})]


@pytest.mark.parametrize("name", WITH_PATIENT, ids=[n[:70] for n in WITH_PATIENT])
def test_a_cdc_request_without_its_prefetch_is_fetched_and_gets_the_same_cards(
    service: Any, name: str
) -> None:
    body, resources = cdc_case(name)
    sent = post(service, body)
    fhir = FhirServer(resources).start()
    try:
        fetched = post(service, without_prefetch(body, fhir))
    finally:
        fhir.stop()
    held = {(r["resourceType"], r.get("id", "")) for r in resources}
    not_asked = held - set(fhir.served)
    # What this service's searches do not ask for (discovery's templates) is never fetched: the
    # CDC's drug-screen Observations, a Condition with no clinical status, an order in draft.
    # Those requests are compared with the same prefetch less exactly those resources.
    assert {t for t, _ in not_asked} <= {"Observation", "Condition", "MedicationRequest"}
    if not_asked:
        sent = post(service, {**body, "prefetch": prefetch_without(body["prefetch"], not_asked)})
    assert fetched.status_code == sent.status_code, fetched.text
    assert normalised(fetched) == normalised(sent)


def prefetch_without(prefetch: dict[str, Any], drop: set[tuple[str, str]]) -> dict[str, Any]:
    """The prefetch with the resources `drop` names taken out (a Bundle keeps its other
    entries; a resource on its own becomes an empty searchset)."""

    def named(resource: Any) -> bool:
        return isinstance(resource, dict) and (
            (resource.get("resourceType"), resource.get("id", "")) in drop
        )

    out: dict[str, Any] = {}
    for key, value in prefetch.items():
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            entries = [e for e in value.get("entry", []) if not named(e.get("resource"))]
            out[key] = {**value, "entry": entries} if "entry" in value else value
        elif named(value):
            out[key] = EMPTY
        else:
            out[key] = value
    return out


def test_most_cdc_requests_are_served_whole() -> None:
    """The comparison above is over the 65 calls that carry a Patient; counted when this test was
    written, 48 of them hold only what the service's searches ask for, 17 hold drug screens or
    other resources it never asks for (compared with those taken out of the prefetch)."""
    assert len(WITH_PATIENT) == 65


def reference(with_context: bool = True) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The hand-written reference patient (a whole plan, not just a data card). Its doses given
    this visit carry no `context`; an EHR's would name the encounter, so they do here."""
    body = h.load_request(DATA / "fhir" / "reference.json")
    resources, _ = read_prefetch(body["prefetch"])
    for r in resources:
        if r["resourceType"] == "MedicationAdministration" and with_context:
            r["context"] = {"reference": f"Encounter/{body['context']['encounterId']}"}
    return body, resources


def test_the_reference_patient_is_fetched_whole_and_planned_the_same(service: Any) -> None:
    body, resources = reference()
    sent = post(service, body)
    fhir = FhirServer(resources).start()
    try:
        fetched = post(service, without_prefetch(body, fhir))
    finally:
        fhir.stop()
    assert {(r["resourceType"], r["id"]) for r in resources} <= set(fhir.served)
    assert sent.status_code == fetched.status_code == 200
    assert any(c.get("links") for c in sent.json()["cards"])  # a plan, not a data card
    assert fetched.json() == sent.json()
    # Only the EHR's own server, with its token: every request went to that base.
    assert all(p.startswith("/fhir/") for p in fhir.requests)


def test_a_partial_prefetch_is_completed_and_a_null_key_is_not_fetched(service: Any) -> None:
    body, resources = reference()
    partial = dict(body)
    partial["prefetch"] = {"patient": body["prefetch"]["patient"], "conditions": None}
    fhir = FhirServer(resources).start()
    try:
        fetched = post(
            service,
            partial | {"fhirServer": fhir.base} | {"fhirAuthorization": fhir.authorization()},
        )
    finally:
        fhir.stop()
    assert fetched.status_code == 200
    assert fetched.json() == post(service, body).json()
    assert not any(p.startswith("/fhir/Patient") for p in fhir.requests)  # sent, not fetched
    assert not any(p.startswith("/fhir/Condition") for p in fhir.requests)  # null: none there


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda b, f: b, "names no fhirServer"),  # no fhirServer at all
        (lambda b, f: b | {"fhirServer": f.base}, "names no fhirServer with fhirAuthorization"),
        (
            lambda b, f: b | {"fhirServer": f.base, "fhirAuthorization": {"access_token": "wrong"}},
            "answered 401 for",
        ),
        (
            lambda b, f: b | {"fhirServer": f.base, "fhirAuthorization": {"token_type": "Bearer"}},
            "no access_token",
        ),
        (
            lambda b, f: (
                b
                | {
                    "fhirServer": "http://fhir.example.org/r4",
                    "fhirAuthorization": f.authorization(),
                }
            ),
            "must use https",
        ),
    ],
    ids=["no-server", "no-authorization", "token-refused", "no-token", "plain-http"],
)
def test_without_a_usable_server_a_missing_patient_is_412(
    service: Any, mutate: Any, words: str
) -> None:
    body, resources = reference()
    fhir = FhirServer(resources).start()
    try:
        response = post(service, mutate(without_prefetch(body, None), fhir))
    finally:
        fhir.stop()
    assert response.status_code == 412, response.text
    assert words in response.json()["detail"]
    if words.startswith("names no"):
        assert fhir.requests == []  # nothing fetched without the EHR's authorization


def test_a_server_that_does_not_answer_in_time_is_a_412_in_words(service: Any) -> None:
    body, resources = reference()
    fhir = FhirServer(resources, hold=threading.Event()).start()
    try:
        response = post(service, without_prefetch(body, fhir))
    finally:
        assert fhir.hold is not None
        fhir.hold.set()
        fhir.stop()
    assert response.status_code == 412
    assert "did not answer in time" in response.json()["detail"]
    assert "Traceback" not in service[2].read_text(encoding="utf-8", errors="replace")


def test_a_redirect_to_another_host_is_not_followed(service: Any) -> None:
    body, resources = reference()
    elsewhere = FhirServer(resources).start()
    fhir = FhirServer(resources, redirect_to=elsewhere.base.removesuffix("/fhir")).start()
    try:
        response = post(service, without_prefetch(body, fhir))
    finally:
        fhir.stop()
        elsewhere.stop()
    assert response.status_code == 412
    assert "redirects are not followed" in response.json()["detail"]
    assert elsewhere.requests == []  # the token never reached the other host


def test_nothing_about_the_patient_or_the_token_is_logged(service: Any) -> None:
    body, resources = reference()
    fhir = FhirServer(resources, token="secret-token-123").start()
    try:
        assert post(service, without_prefetch(body, fhir)).status_code == 200
    finally:
        fhir.stop()
    log = service[2].read_text(encoding="utf-8", errors="replace")
    assert "Patient/" not in log
    assert "patient=" not in log
    assert "secret-token-123" not in log
    assert fhir.base not in log


# ---------------------------------------------------------------------------------------------
# The guard rails on their own


@pytest.mark.parametrize(
    ("patient_id", "path"),
    [
        ("example", "Patient/example"),
        ("a/../../admin", "Patient/a%2F..%2F..%2Fadmin"),  # cannot climb out of the base
        ("x?_format=xml&y", "Patient/x%3F_format%3Dxml%26y"),  # cannot add a query
    ],
)
def test_context_values_are_percent_encoded(patient_id: str, path: str) -> None:
    assert render("Patient/{{context.patientId}}", {"patientId": patient_id}) == path


def test_a_template_whose_context_value_is_missing_is_not_fetched() -> None:
    assert render("Encounter/{{context.encounterId}}", {"patientId": "p"}) is None


@pytest.mark.parametrize(
    ("base", "ok"),
    [
        ("https://ehr.example.org/fhir/", True),
        ("http://127.0.0.1:8080/fhir", True),
        ("http://localhost/fhir", True),
        ("http://ehr.example.org/fhir", False),  # plain http off loopback
        ("https://user:pw@ehr.example.org/fhir", False),
        ("https://ehr.example.org/fhir?x=1", False),
        ("file:///etc/passwd", False),
    ],
)
def test_the_server_base_is_checked(base: str, ok: bool) -> None:
    if ok:
        assert server_base(base) == base.rstrip("/")
    else:
        with pytest.raises(FetchError):
            server_base(base)


def test_the_whole_fetch_has_its_own_deadline() -> None:
    _, resources = reference()
    fhir = FhirServer(resources, hold=threading.Event()).start()
    try:
        with pytest.raises(FetchError, match="did not answer"):
            fetch_prefetch(
                fhir.base,
                fhir.authorization(),
                {"patient": "Patient/{{context.patientId}}"},
                {"patientId": "example"},
                FetchSettings(read_s=5, total_s=0.2),
            )
    finally:
        assert fhir.hold is not None
        fhir.hold.set()
        fhir.stop()


def _conditions(fhir: FhirServer) -> Any:
    return fetch_prefetch(
        fhir.base,
        fhir.authorization(),
        {"conditions": "Condition?patient={{context.patientId}}"},
        {"patientId": "example-rec-08-order-sign-substance-abuse"},
    )["conditions"]


def test_a_next_page_is_followed_on_the_same_server_only() -> None:
    _, resources = cdc_case(
        "OpioidCDSREC08OrderSign__request-example-rec-08-order-sign-substance-abuse.json"
    )
    (condition,) = [r for r in resources if r["resourceType"] == "Condition"]
    same = FhirServer(resources, next_link="{base}/Condition?patient=nobody&page=2").start()
    try:
        bundle = _conditions(same)
    finally:
        same.stop()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [condition["id"]]
    assert len(same.requests) == 2  # the first page and the next
    other = FhirServer(resources).start()
    away = FhirServer(resources, next_link=other.base + "/Condition?page=2").start()
    try:
        with pytest.raises(FetchError, match="another server"):
            _conditions(away)
    finally:
        away.stop()
        other.stop()
    assert other.requests == []
