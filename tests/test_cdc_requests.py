"""The CDC opioid CDS example requests (67 CDS Hooks calls nobody here wrote) read and answered.

Source: tests/data/cdc-opioid-cds/requests/, copied unmodified from cqframework/opioid-cds-r4
(`input/images/requests/**`, CC0; see ../SOURCE.md). As published, 62 of them are not valid
JSON: a stray closing brace ends the top-level object early. `repair` below removes those stray
braces and puts any `prefetch` members they pushed out back under `prefetch`, nothing else; the
requests use the prefetch keys `item1`, `item2`, ... rather than this service's template names,
so `rekey` names the Patient `patient`, as the service's discovery asks.

Expectations come from the CDC's own value sets (tests/data/cdc-opioid-cds/medication-
valuesets.json): a draft coded in the extended-release opioid set is an extended-release
opioid, one in the opioid analgesic set an opioid, one in the benzodiazepine set a
benzodiazepine. The service must answer every call: 200 with cards, or 412 when the call
carries no Patient (CDS Hooks 2.0: required prefetch missing), never a 500, and a 400 only for
the one call whose record holds another patient's Observation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from logic.drugs.catalogue import DrugClass, resolve_drug
from logic.drugs.catalogue import drug as catalogue_drug
from logic.drugs.rxnorm import RXNORM, product
from logic.formats.fhir.read import flatten
from service import cards as cd
from tests import service_harness as h

REQUESTS = Path(__file__).resolve().parent / "data" / "cdc-opioid-cds" / "requests"
FILES = sorted(p.name for p in REQUESTS.glob("*.json"))
SERVICE_FOR_HOOK = {
    "patient-view": "back-pain-plan",
    "order-select": "back-pain-order-select",
    "order-sign": "back-pain-order-sign",
}


ROOT_KEYS = {"hook", "hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch"}


def repair(text: str) -> tuple[Any, int]:
    """The request as JSON, and how many stray braces were removed to get there.

    Where the parser finds "extra data", the brace just before it closed the top-level object
    early; it is removed (at most three times). Where a stray brace had closed `prefetch` early,
    its `itemN` members then sit at the top level, and are put back under `prefetch`. Nothing
    else changes."""
    removed = 0
    while True:
        try:
            body = json.loads(text)
            break
        except json.JSONDecodeError as error:
            if not error.msg.startswith("Extra data") or removed == 3:
                raise
            before = text[: error.pos].rstrip()
            assert before.endswith("}")
            text = before[:-1] + text[error.pos :]
            removed += 1
    strays = {k: body.pop(k) for k in list(body) if k not in ROOT_KEYS}
    assert all(k.startswith("item") for k in strays), strays.keys()
    if strays:
        body["prefetch"] = {**(body.get("prefetch") or {}), **strays}
    return body, removed


def load(name: str) -> Any:
    return repair((REQUESTS / name).read_text(encoding="utf-8"))[0]


def test_all_67_requests_parse_after_removing_only_stray_braces() -> None:
    assert len(FILES) == 67
    removed = [repair((REQUESTS / name).read_text(encoding="utf-8"))[1] for name in FILES]
    assert sum(1 for n in removed if n) == 62  # counted when copying: 5 parse as published
    assert max(removed) == 2


def drafts() -> list[tuple[str, dict[str, Any], cd.Draft]]:
    found = []
    for name in FILES:
        orders = (load(name).get("context") or {}).get("draftOrders")
        if not orders:
            continue
        resources = flatten(orders)
        requests = [r for r in resources if r["resourceType"] == "MedicationRequest"]
        found += [(name, r, d) for r, d in zip(requests, cd.read_drafts(resources), strict=True)]
    return found


DRAFTS = drafts()
OPIOID = {DrugClass.opioid, DrugClass.atypical_opioid, DrugClass.partial_opioid}


def coded(request: dict[str, Any]) -> Any:
    for coding in request.get("medicationCodeableConcept", {}).get("coding", []):
        if coding.get("system") == RXNORM and (found := product(coding["code"])) is not None:
            return found
    return None


def test_the_requests_hold_the_drafts_counted() -> None:
    assert len(DRAFTS) == 50  # draft MedicationRequests across the 67 calls
    # Not in the CDC value sets: Pepto-bismol (1185223) and a hydrocodone cough syrup (1012727, x2)
    assert sum(1 for _, r, _ in DRAFTS if coded(r) is not None) == 47


@pytest.mark.parametrize(
    ("name", "request_", "draft"),
    [d for d in DRAFTS if coded(d[1]) is not None],
    ids=[d[0][:60] for d in DRAFTS if coded(d[1]) is not None],
)
def test_every_coded_draft_is_recognised_in_its_class_and_form(
    name: str, request_: dict[str, Any], draft: cd.Draft
) -> None:
    known = coded(request_)
    assert draft.generic is not None
    cls = catalogue_drug(str(resolve_drug(draft.generic))).drug_class
    if "benzodiazepine" in known.value_sets:
        assert cls is DrugClass.benzodiazepine
    else:
        assert cls in OPIOID
    if "er_opioid" in known.value_sets:
        assert draft.extended_release  # CDC 2022 rec 3: the order-sign card turns on this


def rekey(body: dict[str, Any]) -> dict[str, Any]:
    """The prefetch under this service's names: the Patient as `patient`, the rest kept."""
    prefetch = dict(body.get("prefetch") or {})
    for key, value in list(prefetch.items()):
        inner = value.get("resource", value) if isinstance(value, dict) else value
        if isinstance(inner, dict) and inner.get("resourceType") == "Patient":
            prefetch["patient"] = prefetch.pop(key)
        elif value is None:
            prefetch.pop(key)
    return {**body, "prefetch": prefetch}


@pytest.fixture(scope="module")
def service() -> Any:
    key = h.ec_key()
    srv = h.start(keys=(key,))
    with httpx.Client(timeout=60) as client:
        yield srv, key, client
    srv.stop()


def test_every_request_gets_cards_or_a_412_never_a_400(service: Any) -> None:
    srv, key, client = service
    answers: dict[int, list[str]] = {}
    for name in FILES:
        body = rekey(load(name))
        target = srv.url(SERVICE_FOR_HOOK[body["hook"]])
        response = client.post(
            target, json=body, headers={"Authorization": f"Bearer {h.sign(key, target)}"}
        )
        answers.setdefault(response.status_code, []).append(f"{name}: {response.text[:160]}")
        if response.status_code == 200:
            assert isinstance(response.json()["cards"], list)
    assert set(answers) <= {200, 400, 412}, {k: v[:3] for k, v in answers.items()}
    # One 400, and rightly: in rec-10-patient-view-2-illicit-drugs, Observation obs2's subject is
    # "Patient/xexample-rec-10-..." (line 343), another patient than context.patientId.
    (refused,) = answers.get(400, [])
    assert refused.startswith("OpioidCDSREC10PatientView__request-example-rec-10-patient-view-2-")
    assert "Observation/example-rec-10-2-illicit-drugs-obs2: its subject is another" in refused
    # Only the two calls that carry no Patient at all (HelloWorld, noPrefetch) get the 412.
    assert sorted(a.split(":")[0] for a in answers.get(412, [])) == [
        "HelloWorld__HelloWorld.json",
        "OpioidCDSREC08OrderSign__noPrefetch.json",
    ]
