"""Cards an EHR can act on, safety cards that need no plan, and no noise (issue 26).

Expectations and their sources:
* create actions (CDS Hooks 2.0.1, Action: "the resource attribute SHALL contain a new FHIR
  resource"): a MedicationRequest valid FHIR R4 (fhir.resources' R4B model, JSON as R4), for
  `Patient/{context.patientId}`, RxNorm-coded (an ingredient row of
  logic/data/rxnorm_ingredients.tsv), status `draft` and an intent from FHIR R4's required
  medicationrequest-intent value set;
* card links (CDS Hooks 2.0.1, Link): `absolute` links whose query holds none of the sensitive
  fields (logic.formats.share.SENSITIVE_FIELDS, the README: "the address bar never holds a
  sensitive field") and none of the request's identifiers;
* order-sign safety cards that need no plan (a benzodiazepine: ACP 2017, NICE NG59, CDC 2022
  rec 11; an ER/LA opioid: CDC 2022 rec 3; a dose above the label maximum: the Ultram label's
  400 mg a day and 100 mg a dose) come back even when no plan can be built;
* a field the engine treats as optional (pain duration, whose default is stated) gets no card.
The real requests are the CDC opioid CDS examples (tests/data/cdc-opioid-cds, CC0), replayed in
this process with unsigned calls allowed (the HTTP path: tests/test_cdc_requests.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.medicationrequest import MedicationRequest
from hypothesis import HealthCheck, given, settings

from logic import build_plan
from logic.drugs.rxnorm import RXNORM, ingredient_codes
from logic.engine.regimens import REGIMENS
from logic.formats.fhir.read import flatten
from logic.formats.share import SENSITIVE_FIELDS
from logic.models import Order, PatientCase
from service import cards as cd
from tests import service_harness as h
from tests.strategies import cases
from tests.test_cdc_requests import FILES, SERVICE_FOR_HOOK, coded, load, rekey

DATA = Path(__file__).parent / "data" / "fhir"
#: FHIR R4 medicationrequest-intent (required binding).
R4_INTENTS = {
    "proposal",
    "plan",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
}
#: Every RxNorm ingredient code the one ingredient table holds (logic/data/rxnorm_ingredients.tsv).
CODES = {row.code for row in ingredient_codes().values()}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from h.unsigned_test_client()


def cards_for(client: TestClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(f"/cds-services/{SERVICE_FOR_HOOK[body['hook']]}", json=body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]  # type: ignore[no-any-return]


def creates(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        a["resource"]
        for c in cards
        for s in c.get("suggestions", ())
        for a in s.get("actions", ())
        if a["type"] == "create"
    ]


def assert_actionable(resource: dict[str, Any], patient_id: str) -> None:
    MedicationRequest.model_validate(resource)  # valid FHIR (R4B's JSON is R4's here)
    assert resource["subject"] == {"reference": f"Patient/{patient_id}"}
    assert resource["status"] == "draft"
    assert resource["intent"] in R4_INTENTS
    codings = resource["medicationCodeableConcept"]["coding"]
    assert [c["system"] for c in codings] == [RXNORM]
    assert codings[0]["code"] in CODES


def reference_sign() -> dict[str, Any]:
    return h.load_request(DATA / "reference_order_sign.json")


def draft(rid: str, text: str, dose_mg: float | None = None, every_h: float | None = None):
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": text},
        "subject": {"reference": "Patient/example"},
    }
    dosage: dict[str, Any] = {}
    if dose_mg is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": dose_mg, "unit": "mg", "code": "mg"}}]
    if every_h is not None:
        dosage["timing"] = {"repeat": {"frequency": 1, "period": every_h, "periodUnit": "h"}}
    if dosage:
        resource["dosageInstruction"] = [dosage]
    return {"resource": resource}


# ---------------------------------------------------------------------------------------------
# Actionable


def test_the_er_opioid_replacement_is_an_order_the_ehr_can_file(client) -> None:
    cards = cards_for(client, reference_sign())
    made = creates(cards)
    assert made, [c["summary"] for c in cards]
    for resource in made:
        assert_actionable(resource, "example")
    er = next(c for c in cards if c["summary"].startswith("Extended-release"))
    (replacement,) = creates([er])
    assert replacement["medicationCodeableConcept"]["coding"][0]["code"] == "7804"  # oxycodone


def test_the_patient_prefix_of_the_context_is_not_doubled(client) -> None:
    body = reference_sign()
    body["context"]["patientId"] = "Patient/example"
    for resource in creates(cards_for(client, body)):
        assert resource["subject"] == {"reference": "Patient/example"}


def with_vitals(body: dict[str, Any]) -> dict[str, Any]:
    """The CDC request plus this visit's weight and pain score (reference.json's, for the
    request's own patient): most CDC examples carry neither, so no plan (and no create action)
    could be built without them."""
    patient = body["context"]["patientId"].removeprefix("Patient/")
    reference = h.load_request(DATA / "reference.json")["prefetch"]
    vitals = json.loads(
        json.dumps({k: reference[k] for k in ("weight", "painScore")}).replace(
            '"Patient/example"', json.dumps(f"Patient/{patient}")
        )
    )
    return {**body, "prefetch": {**body["prefetch"], **vitals}}


def test_every_create_action_over_the_cdc_requests_is_actionable(client) -> None:
    seen = 0
    for name in FILES:
        body = rekey(load(name))
        if body["prefetch"].get("patient") is None:
            continue
        body = with_vitals(body)
        response = client.post(f"/cds-services/{SERVICE_FOR_HOOK[body['hook']]}", json=body)
        if response.status_code != 200:
            continue  # the one 400 (another patient's Observation): tests/test_cdc_requests.py
        patient_id = body["context"]["patientId"].removeprefix("Patient/")
        for resource in creates(response.json()["cards"]):
            assert_actionable(resource, patient_id)
            seen += 1
    assert seen > 0


# ---------------------------------------------------------------------------------------------
# Links


def test_no_link_holds_a_sensitive_field_or_identifier(client) -> None:
    """buprenorphine.json: opioid use disorder treated with buprenorphine (both sensitive)."""
    text = json.dumps(h.load_request(DATA / "buprenorphine.json"))
    body = json.loads(text.replace('"Patient/example"', '"Patient/MRN-424242"'))
    body["context"]["patientId"] = "MRN-424242"
    body["prefetch"]["patient"]["id"] = "MRN-424242"
    links = [link for c in cards_for(client, body) for link in c.get("links", ())]
    assert links
    for link in links:
        assert link["type"] in ("absolute", "smart")
        query = urlsplit(link["url"]).query
        names = set(parse_qs(query))
        assert not names & SENSITIVE_FIELDS, names
        for value in ("opioid_use_disorder", "buprenorphine", "MRN", "424242", "iv_drug_use"):
            assert value not in unquote(link["url"]), (value, link["url"])


# ---------------------------------------------------------------------------------------------
# Safety cards that need no plan


def critical_for(cards: list[dict[str, Any]], words: str) -> list[dict[str, Any]]:
    return [c for c in cards if c["indicator"] == "critical" and words in c["summary"]]


@pytest.mark.parametrize(
    "remove",
    ["weight", "painScore", "birthDate"],
    ids=["no weight", "no pain score", "no age"],
)
def test_benzodiazepine_and_er_opioid_cards_fire_without_a_plan(client, remove) -> None:
    body = reference_sign()
    if remove == "birthDate":
        body["prefetch"]["patient"].pop("birthDate")
    else:
        body["prefetch"].pop(remove)
    cards = cards_for(client, body)
    assert any(c["summary"].startswith("No back-pain plan") for c in cards)
    assert critical_for(cards, "Benzodiazepine drafted")
    (er,) = critical_for(cards, "Extended-release/long-acting opioid drafted")
    assert [a["type"] for s in er["suggestions"] for a in s["actions"]] == ["delete"]
    assert "No plan could be built" in er["detail"]


# Ultram (tramadol) label, 2 Dosage and Administration: 50-100 mg every 4-6 h, not over 400 mg
# a day. Both sides of each limit.
LABEL_CASES = [
    ("100 mg once", 100, None, False),
    ("101 mg once", 101, None, True),
    ("100 mg every 6 h = 400 mg/day", 100, 6, False),
    ("100 mg every 4 h = 600 mg/day", 100, 4, True),
    ("50 mg every 3 h = 400 mg/day", 50, 3, False),
    ("50 mg every 2 h = 600 mg/day", 50, 2, True),
]


@pytest.mark.parametrize(
    ("label", "dose", "every_h", "fires"), LABEL_CASES, ids=[c[0] for c in LABEL_CASES]
)
@pytest.mark.parametrize("with_plan", [True, False], ids=["with plan", "no plan"])
def test_a_dose_above_the_label_maximum_fires_with_or_without_a_plan(
    client, label, dose, every_h, fires, with_plan
) -> None:
    body = reference_sign()
    body["context"]["draftOrders"]["entry"] = [draft("d-tram", "Tramadol 50 MG", dose, every_h)]
    if not with_plan:
        body["prefetch"].pop("weight")
    cards = cards_for(client, body)
    above = critical_for(cards, "above the label maximum")
    assert bool(above) is fires, (label, [c["summary"] for c in cards])
    if fires:
        assert "Ultram" in above[0]["detail"]


def test_cdc_requests_get_their_benzodiazepine_and_er_cards_even_without_a_plan(client) -> None:
    """Every coded benzodiazepine or ER opioid draft in the CDC's order-sign and order-select
    requests gets its critical card, whether or not the record allows a plan."""
    checked = without_plan = 0
    for name in FILES:
        body = rekey(load(name))
        orders = (body.get("context") or {}).get("draftOrders")
        if not orders or body["prefetch"].get("patient") is None:
            continue
        sets = [
            p.value_sets
            for r in flatten(orders)
            if r["resourceType"] == "MedicationRequest" and (p := coded(r)) is not None
        ]
        response = client.post(f"/cds-services/{SERVICE_FOR_HOOK[body['hook']]}", json=body)
        if response.status_code != 200:
            continue
        cards = response.json()["cards"]
        planless = any(c["summary"].startswith("No back-pain plan") for c in cards)
        if any("benzodiazepine" in s for s in sets):
            assert critical_for(cards, "Benzodiazepine drafted"), name
            checked += 1
            without_plan += planless
        if any("er_opioid" in s for s in sets):
            assert critical_for(cards, "Extended-release/long-acting opioid drafted"), name
            checked += 1
            without_plan += planless
    assert checked > 0
    assert without_plan > 0  # some of them are answered without a plan


# ---------------------------------------------------------------------------------------------
# No noise card for an optional field


def test_no_card_for_a_missing_pain_duration(client) -> None:
    """reference.json records no low back pain Condition onset: the engine's stated default
    (1 week) is said in the plan card, and no card of its own is made."""
    body = h.load_request(DATA / "reference.json")
    cards = cards_for(client, body)
    assert not any("pain duration" in c["summary"] for c in cards), [c["summary"] for c in cards]
    plan = next(c for c in cards if c.get("links"))
    assert "**Assumed**" in plan["detail"]
    assert "pain duration" in plan["detail"]


def test_no_cdc_request_gets_a_pain_duration_card(client) -> None:
    for name in FILES:
        body = rekey(load(name))
        if body["prefetch"].get("patient") is None:
            continue
        response = client.post(f"/cds-services/{SERVICE_FOR_HOOK[body['hook']]}", json=body)
        if response.status_code == 200:
            summaries = [c["summary"] for c in response.json()["cards"]]
            assert not any("pain duration" in s for s in summaries), (name, summaries)


def test_the_assumption_split_keeps_every_other_note() -> None:
    notes = [
        "pain duration: not recorded (no low back pain Condition with onsetDateTime); x",
        "pain duration: the Observation has no value in wk or d",  # a bad value: still said
        "regular medicine 'x': not in this tool's catalogue",
    ]
    assumed, rest = cd.split_assumed(notes)
    assert assumed == notes[:1]
    assert rest == notes[1:]


# ---------------------------------------------------------------------------------------------
# Every create action carries an RxNorm coding


#: The RxNorm ingredient (TTY IN) each medicine the engine orders is coded as, with where it was
#: checked (the source column of logic/data/rxnorm_ingredients.tsv; rxnav-in: RxNav's
#: allrelated ingredient rows in dhimmel/indications ehrlink/data/rxnorm-as-ingredient.tsv,
#: e.g. 312935 "sennosides, USP 8.6 MG Oral Tablet" -> ingredient 36387 "sennosides, USP";
#: cdc-mme and cdc-cpg: the CDC's MME ingredient list and opioid CPG naloxone rules).
ORDERED_CODES = {
    "acetaminophen": "161",  # rxnav-in
    "amitriptyline": "704",  # rxnav-in
    "cyclobenzaprine": "21949",  # rxnav-in
    "duloxetine": "72625",  # rxnav-in
    "gabapentin": "25480",  # RXNCONSO row (opendata.stackexchange.com q. 4858)
    "hydromorphone": "3423",  # cdc-mme
    "ketorolac": "35827",  # rxnav-in
    "naloxone": "7242",  # cdc-cpg
    "naproxen": "7258",  # rxnav-in
    "omeprazole": "7646",  # rxnav-in
    "oxycodone": "7804",  # cdc-mme
    "senna": "36387",  # rxnav-in (sennosides, USP)
    "tramadol": "10689",  # cdc-mme
}


def engine_orders() -> list[Order]:
    """Every order template the engine can emit (logic.engine.regimens.REGIMENS) and the
    gabapentin titration's take-home order."""
    from logic.engine.plan import _gabapentin_order

    return [r.order() for r in REGIMENS.values()] + [_gabapentin_order(100, 300, 8, 900, 100, 3600)]


def test_every_medicine_the_engine_orders_is_a_coded_create_action() -> None:
    plan = build_plan(PatientCase(age_years=40, sex="male", weight_kg=80, pain_score=6))
    seen = set()
    for order in engine_orders():
        action = cd._create("discharge", order, plan, "k", "p-1")
        assert action is not None, order.generic
        resource = action["resource"]
        assert_actionable(resource, "p-1")
        (coding,) = resource["medicationCodeableConcept"]["coding"]
        assert coding["code"] == ORDERED_CODES[order.generic], order.generic
        seen.add(order.generic)
    assert seen == set(ORDERED_CODES)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_every_planned_order_is_a_coded_create_action(case: PatientCase) -> None:
    """Whatever the case, each order of its plan can be proposed as a coded create action."""
    plan = build_plan(case)
    for step, orders in (("now", plan.give_now), ("discharge", plan.discharge)):
        for order in orders:
            action = cd._create(step, order, plan, "k", "p-1")
            assert action is not None, order.generic
            assert_actionable(action["resource"], "p-1")
