"""The CDS Hooks service over real HTTP: uvicorn on a free loopback port, signed EHR tokens.

Expectations:
* field rules from the CDS Hooks 2.0 specification (cds-hooks/docs, specification/current.md:
  Discovery, Card attributes, Suggestion, Action, Link, Feedback);
* each hand-written request in tests/data/fhir/ is read as the PatientCase written beside it
  here (an independent reading of the FHIR by hand: LOINC, SNOMED CT and UCUM codes as
  published), and the service must answer with exactly the cards `build_plan` gives for that
  case;
* the property test sends generated cases as FHIR and requires the same cards again.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logic import PatientCase, TriedMedication, build_plan
from logic.formats.fhir.write import case_resources
from logic.formats.share import case_from_query, private_query_string
from logic.models import CurrentMedication
from service import cards as cd
from tests import service_harness as h
from tests.markdown_check import MARKDOWN
from tests.strategies import cases

DATA = Path(__file__).parent / "data" / "fhir"
SETTINGS = cd.CardSettings(app_url=h.APP_URL)
HOOKS = {
    "back-pain-plan": "patient-view",
    "back-pain-order-select": "order-select",
    "back-pain-order-sign": "order-sign",
}


@pytest.fixture(scope="module")
def key() -> h.SigningKey:
    return h.ec_key()


@pytest.fixture(scope="module")
def server(key: h.SigningKey):
    srv = h.start(keys=(key, h.rsa_key()))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=30) as c:
        yield c


def call(
    client: httpx.Client, server: h.Server, key: h.SigningKey, service: str, body: Any
) -> httpx.Response:
    token = h.sign(key, server.url(service))
    return client.post(server.url(service), json=body, headers={"Authorization": f"Bearer {token}"})


def load(name: str) -> dict[str, Any]:
    return h.load_request(DATA / name)


def age_on(today: dt.date, born: str) -> int:
    b = dt.date.fromisoformat(born)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def weeks_since(today: dt.date, start: str) -> float:
    return (today - dt.date.fromisoformat(start)).days / 7


# ---------------------------------------------------------------------------------------------
# Card rules (CDS Hooks 2.0, Card attributes)


def assert_card_valid(card: dict[str, Any]) -> None:
    assert isinstance(card["summary"], str)
    assert 0 < len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    assert isinstance(card["source"]["label"], str)
    assert card["source"]["label"]
    assert isinstance(card.get("uuid"), str)
    if "detail" in card:
        assert isinstance(card["detail"], str)
    if card.get("suggestions"):
        assert card["selectionBehavior"] in ("at-most-one", "any")
        for suggestion in card["suggestions"]:
            assert suggestion["label"]
            for action in suggestion.get("actions", ()):
                assert action["type"] in ("create", "update", "delete")
                assert action["description"]
                if action["type"] == "delete":
                    assert re.fullmatch(r"[A-Za-z]+/[A-Za-z0-9\-.]{1,64}", action["resourceId"])
                else:
                    resource = action["resource"]
                    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for reason in card.get("overrideReasons", ()):
        assert reason["display"]
        assert reason["code"]
        assert reason["system"]
    for link in card.get("links", ()):
        assert link["label"]
        assert link["type"] in ("absolute", "smart")
        assert urlsplit(link["url"]).scheme in ("http", "https")


def shown(markdown: str) -> str:
    """A card detail's text as the EHR renders it (CommonMark: escapes read as the literal
    characters), one line per block."""
    out = []
    for token in MARKDOWN.parse(markdown):
        if token.type == "inline":
            out.append("".join(c.content for c in token.children or () if c.type != "softbreak"))
    return "\n".join(out)


def plan_link(cards: list[dict[str, Any]]) -> str:
    links = [link["url"] for c in cards for link in c.get("links", ())]
    assert len(links) == 1
    return links[0]


# ---------------------------------------------------------------------------------------------
# Discovery


def test_discovery_lists_the_three_hooks_with_prefetch_templates(client, server) -> None:
    """Discovery: services[] with hook, id, description and prefetch (CDS Hooks 2.0)."""
    response = client.get(f"{server.base}/cds-services")
    assert response.status_code == 200
    services = response.json()["services"]
    assert {s["id"]: s["hook"] for s in services} == HOOKS
    for service in services:
        assert service["description"]
        assert service["title"]
        prefetch = " ".join(service["prefetch"].values())
        for code in ("29463-7", "2160-0", "14682-9", "72514-3", "33914-3", "62238-1", "98979-8"):
            assert f"http://loinc.org|{code}" in prefetch
        for resource in (
            "Patient/",
            "Condition?",
            "AllergyIntolerance?",
            "MedicationRequest?",
            "MedicationStatement?",
            "MedicationAdministration?",
        ):
            assert resource in prefetch
        # Only prefetch tokens the specification defines (context fields).
        assert set(re.findall(r"{{(.*?)}}", prefetch)) <= {
            "context.patientId",
            "context.encounterId",
        }


# ---------------------------------------------------------------------------------------------
# Hand-written requests


def _expected_cases(today: dt.date) -> dict[str, PatientCase]:
    given_this_visit = (
        TriedMedication(drug="prednisone", dose=50, unit="mg", route="po"),
        TriedMedication(drug="orphenadrine", dose=60, unit="mg", route="iv", doses_given=2),
        TriedMedication(drug="gabapentin", dose=300, unit="mg", route="po"),
        TriedMedication(drug="ketorolac", dose=30, unit="mg", route="iv"),
        TriedMedication(drug="dexamethasone", dose=10, unit="mg", route="iv"),
    )
    reference = PatientCase(
        age_years=age_on(today, "1981-03-02"),
        sex="male",
        weight_kg=80,
        serum_creatinine_mg_dl=1.0,
        pain_score=8,
        setting="ed",
        tried=given_this_visit,
    )
    return {
        "reference.json": reference,
        # 88.4 umol/L = 1.0 mg/dL (KDIGO factor 88.4); SNOMED 23056005 Sciatica -> radicular.
        "radicular.json": reference.model_copy(update={"radicular": True}),
        "reference_order_sign.json": reference,
        # SNOMED 267064002 Retention of urine; own codes for saddle anaesthesia and bilateral
        # sciatica: cauda equina red flags (GIRFT pathway).
        "cauda_equina.json": PatientCase(
            age_years=age_on(today, "1974-05-20"),
            sex="female",
            weight_kg=70,
            serum_creatinine_mg_dl=0.9,
            pain_score=9,
            red_flags=("urinary_retention", "saddle_anesthesia", "bilateral_sciatica"),
        ),
        # Suboxone 8/2 mg twice daily since 2025-01-10 (sublingual is not an engine route);
        # SNOMED 75544000 Opioid dependence; ibuprofen 800 mg given this visit.
        "buprenorphine.json": PatientCase(
            age_years=age_on(today, "1988-07-14"),
            sex="male",
            weight_kg=90,
            serum_creatinine_mg_dl=1.1,
            pain_score=8,
            conditions=("opioid_use_disorder",),
            current_medications=(
                CurrentMedication(
                    drug="buprenorphine",
                    dose=8,
                    unit="mg",
                    doses_per_day=2,
                    weeks=weeks_since(today, "2025-01-10"),
                ),
            ),
            tried=(TriedMedication(drug="ibuprofen", dose=800, unit="mg", route="po"),),
        ),
        # Fentanyl 25 mcg/h patch since 2026-10-01 (a patch: doses per day not applicable);
        # clinic visit (Encounter.class AMB); SNOMED 13645005 COPD.
        "fentanyl_patch.json": PatientCase(
            age_years=age_on(today, "1959-02-11"),
            sex="female",
            weight_kg=58,
            height_cm=160,
            serum_creatinine_mg_dl=1.3,
            pain_score=9,
            setting="clinic",
            conditions=("copd",),
            current_medications=(
                CurrentMedication(
                    drug="fentanyl",
                    dose=25,
                    unit="mcg/h",
                    formulation="patch",
                    route="transdermal",
                    weeks=weeks_since(today, "2026-10-01"),
                ),
            ),
            tried=(TriedMedication(drug="oxycodone", dose=5, unit="mg", route="po"),),
        ),
    }


def _visit_day_only(body: dict[str, Any]) -> dict[str, Any]:
    """The request with each MedicationAdministration dated by its day only (no time of day)."""
    data = copy.deepcopy(body)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("resourceType") == "MedicationAdministration":
                when = node.get("effectiveDateTime")
                if isinstance(when, str):
                    node["effectiveDateTime"] = when[:10]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return data


PATIENT_VIEW_FILES = [
    "reference.json",
    "radicular.json",
    "cauda_equina.json",
    "buprenorphine.json",
    "fentanyl_patch.json",
]


@pytest.mark.parametrize("name", PATIENT_VIEW_FILES)
def test_hand_written_request_gives_the_plan_of_the_equivalent_case(
    client, server, key, name
) -> None:
    # The doses' times of day are left out here: the hours since each dose are read against
    # the server's clock (tests/test_dose_times.py tests them), and this test is about the case.
    body = _visit_day_only(load(name))
    response = call(client, server, key, "back-pain-plan", body)
    assert response.status_code == 200, response.text
    got = response.json()["cards"]
    for card in got:
        assert_card_valid(card)
    case = _expected_cases(dt.date.today())[name]
    plan = build_plan(case)
    no_duration = (
        "pain duration: not recorded (no low back pain Condition with onsetDateTime); "
        "the plan assumes an acute episode of 1 week"
    )
    expected = cd.response_cards(
        case, plan, (), (no_duration,), body["hookInstance"], SETTINGS, "example"
    )
    assert got == expected
    # The address holds no sensitive field (README: the address bar never does).
    assert plan_link(got) == f"{h.APP_URL}?{private_query_string(case)}"


def test_a_record_about_another_patient_is_a_400_naming_it(client, server, key) -> None:
    """The weight Observation's subject is not context.patientId: refused, never planned."""
    body = load("reference.json")
    body["prefetch"]["weight"]["entry"][0]["resource"]["subject"] = {"reference": "Patient/other"}
    response = call(client, server, key, "back-pain-plan", body)
    assert response.status_code == 400
    assert "its subject is another patient" in response.json()["detail"]


def test_cauda_equina_request_leads_with_a_critical_emergency_card(client, server, key) -> None:
    """Emergency red flags: the first card is critical and the plan has no discharge orders
    (GIRFT suspected cauda equina pathway)."""
    cards = call(client, server, key, "back-pain-plan", load("cauda_equina.json")).json()["cards"]
    assert cards[0]["indicator"] == "critical"
    assert cards[0]["summary"].startswith("EMERGENCY")
    plan_card = next(c for c in cards if c.get("links"))
    assert "**Discharge**" not in plan_card["detail"]


def test_link_carries_case_fields_only(client, server, key) -> None:
    """No identifier, name or date in the link (GUIDE: no identifier in a URL)."""
    body = load("reference.json")
    body["prefetch"]["patient"]["name"] = [{"family": "Doe", "given": ["Jane"]}]
    body["prefetch"]["patient"]["identifier"] = [{"system": "urn:mrn", "value": "MRN-424242"}]
    url = plan_link(call(client, server, key, "back-pain-plan", body).json()["cards"])
    assert url.startswith(h.APP_URL)
    query = urlsplit(url).query
    for forbidden in ("Doe", "Jane", "MRN", "424242", "example", "1981", "Practitioner", "visit"):
        assert forbidden not in query
    assert set(parse_qs(query)) <= set(PatientCase.model_fields)
    restored = case_from_query({k: v[0] for k, v in parse_qs(query).items()})
    assert restored.case is not None
    assert restored.case.weight_kg == 80


# ---------------------------------------------------------------------------------------------
# Draft orders


def test_order_sign_replaces_er_opioid_removes_benzodiazepine_and_names_unknown(
    client, server, key
) -> None:
    """CDC 2022 rec 3 (IR not ER/LA for acute pain); ACP 2017 / NICE NG59 (no benzodiazepine);
    an order outside the catalogue is named as not checked."""
    response = call(client, server, key, "back-pain-order-sign", load("reference_order_sign.json"))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    for card in cards:
        assert_card_valid(card)
    er = next(c for c in cards if "Extended-release" in c["summary"])
    assert er["indicator"] == "critical"
    actions = er["suggestions"][0]["actions"]
    assert actions[0] == {
        "type": "delete",
        "description": actions[0]["description"],
        "resourceId": "MedicationRequest/draft-oxycontin",
    }
    created = actions[1]["resource"]
    assert created["intent"] == "order"  # FHIR R4 medicationrequest-intent
    assert created["status"] == "draft"
    assert "immediate release" in created["medicationCodeableConcept"]["text"]
    assert created["subject"] == {"reference": "Patient/example"}
    assert er["overrideReasons"]
    assert er["selectionBehavior"] == "at-most-one"
    benzo = next(c for c in cards if "Benzodiazepine" in c["summary"])
    assert benzo["suggestions"][0]["actions"] == [
        {
            "type": "delete",
            "description": benzo["suggestions"][0]["actions"][0]["description"],
            "resourceId": "MedicationRequest/draft-diazepam",
        }
    ]
    unknown = next(c for c in cards if c["summary"].startswith("Not checked"))
    assert "Mupirocin" in unknown["summary"]  # amoxicillin is in the catalogue since issue 20
    assert unknown["indicator"] == "info"


def test_order_select_checks_only_the_selected_order(client, server, key) -> None:
    body = load("reference_order_sign.json")
    body["hook"] = "order-select"
    body["context"]["selections"] = ["MedicationRequest/draft-diazepam"]
    cards = call(client, server, key, "back-pain-order-select", body).json()["cards"]
    assert any("Benzodiazepine" in c["summary"] for c in cards)
    assert not any("Extended-release" in c["summary"] for c in cards)


def _with_oxycodone_draft(body: dict[str, Any]) -> dict[str, Any]:
    """`body` as an order-sign call with one outpatient IR oxycodone draft order."""
    body["hook"] = "order-sign"
    body["context"]["draftOrders"] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "oxy",
                    "status": "draft",
                    "intent": "order",
                    "subject": {"reference": "Patient/example"},
                    "medicationCodeableConcept": {
                        "text": "Oxycodone Hydrochloride 5 MG Oral Tablet"
                    },
                }
            }
        ],
    }
    return body


def test_order_sign_with_an_opioid_draft_offers_naloxone_when_the_plan_does(
    client, server, key
) -> None:
    """Fentanyl patch at 25 mcg/h (60 MME/day, CDC 2022 factor 2.4) with COPD: CDC 2022 rec 8
    triggers, so the plan offers naloxone; an IR oxycodone draft then gets a naloxone card with a
    create action."""
    body = _with_oxycodone_draft(load("fentanyl_patch.json"))
    case = _expected_cases(dt.date.today())["fentanyl_patch.json"]
    assert build_plan(case).naloxone
    cards = call(client, server, key, "back-pain-order-sign", body).json()["cards"]
    card = next(c for c in cards if "naloxone" in c["summary"].lower())
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert resource["resourceType"] == "MedicationRequest"
    assert resource["medicationCodeableConcept"]["text"].startswith("naloxone")


def test_no_naloxone_card_when_the_patient_already_has_naloxone(client, server, key) -> None:
    """The same patient as above (the plan offers naloxone) with Narcan already among the
    regular medicines: no card asks for a second one."""
    body = _with_oxycodone_draft(load("fentanyl_patch.json"))
    assert build_plan(_expected_cases(dt.date.today())["fentanyl_patch.json"]).naloxone
    body["prefetch"]["medicationStatements"]["entry"] = [
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": "narcan",
                "status": "active",
                "subject": {"reference": "Patient/example"},
                "medicationCodeableConcept": {"text": "Narcan 4 MG/ACTUAT Nasal Spray"},
            }
        }
    ]
    cards = call(client, server, key, "back-pain-order-sign", body).json()["cards"]
    assert not any("naloxone" in c["summary"].lower() for c in cards)


# ---------------------------------------------------------------------------------------------
# Missing, partial and malformed requests


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    body = copy.deepcopy(body)
    body["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset"}
    return body


def test_no_weight_gives_a_card_naming_the_loinc_code(client, server, key) -> None:
    cards = call(
        client, server, key, "back-pain-plan", _without(load("reference.json"), "weight")
    ).json()["cards"]
    assert len(cards) == 1
    assert_card_valid(cards[0])
    assert "body weight" in cards[0]["summary"]
    assert "29463-7" in cards[0]["detail"]


def test_creatinine_in_an_unknown_unit_is_named_and_not_used(client, server, key) -> None:
    body = load("reference.json")
    body["prefetch"]["creatinine"]["entry"][0]["resource"]["valueQuantity"] = {
        "value": 1.0,
        "unit": "mg/L",
        "system": "http://unitsofmeasure.org",
        "code": "mg/L",
    }
    cards = call(client, server, key, "back-pain-plan", body).json()["cards"]
    data = cards[-1]
    assert "serum creatinine" in data["summary"]
    assert "mg/L" in data["detail"]
    plan_card = next(c for c in cards if c.get("links"))
    assert "serum_creatinine_mg_dl" not in plan_link(cards)
    assert "assumed" in plan_card["detail"]  # the renal assessment says it was assumed


def test_medicine_not_in_the_catalogue_is_named(client, server, key) -> None:
    body = load("reference.json")
    body["prefetch"]["medicationAdministrations"]["entry"][0]["resource"][
        "medicationCodeableConcept"
    ] = {"text": "Unobtainium 5 MG Oral Tablet"}
    cards = call(client, server, key, "back-pain-plan", body).json()["cards"]
    assert "Unobtainium" in cards[-1]["detail"]


def test_missing_patient_prefetch_is_412(client, server, key) -> None:
    """CDS Hooks 2.0: a service that cannot obtain required data may answer 412."""
    body = load("reference.json")
    del body["prefetch"]["patient"]
    response = call(client, server, key, "back-pain-plan", body)
    assert response.status_code == 412
    assert "patient" in response.json()["detail"]


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda b: b["prefetch"]["weight"]["entry"][0]["resource"].pop("code"), "code"),
        (
            lambda b: b["prefetch"].update(patient={"resourceType": "Patientt"}),
            "not a FHIR resource type",
        ),
        (lambda b: b["prefetch"].update(patient=[1, 2]), "not a JSON object"),
        (lambda b: b["context"].pop("patientId"), "patientId"),
        (lambda b: b.update(hook="order-sign"), "answers 'patient-view'"),
        (lambda b: b.pop("hookInstance"), "hookInstance"),
    ],
)
def test_malformed_fhir_or_request_is_400_with_a_clear_message(
    client, server, key, mutate, words
) -> None:
    body = load("reference.json")
    mutate(body)
    response = call(client, server, key, "back-pain-plan", body)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_malformed_json_is_400(client, server, key) -> None:
    token = h.sign(key, server.url("back-pain-plan"))
    response = client.post(
        server.url("back-pain-plan"),
        content=b'{"hook": "patient-view",',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "the request body is not valid JSON"


def test_order_sign_without_draft_orders_is_400(client, server, key) -> None:
    body = load("reference.json")
    body["hook"] = "order-sign"
    response = call(client, server, key, "back-pain-order-sign", body)
    assert response.status_code == 400
    assert "draftOrders" in response.json()["detail"]


def test_unknown_service_is_404(client, server, key) -> None:
    response = call(client, server, key, "no-such-service", load("reference.json"))
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Feedback


def test_feedback_is_accepted_and_counted_without_patient_data(client, server, key) -> None:
    url = server.url("back-pain-plan") + "/feedback"

    def counts() -> dict[str, int]:
        auth = {"Authorization": f"Bearer {h.sign(key, url)}"}
        return client.get(url, headers=auth).json()["counts"]  # type: ignore[no-any-return]

    before = counts()
    body = {
        "feedback": [
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}],
                "outcomeTimestamp": "2026-12-01T00:00:00Z",
            },
            {
                "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"code": "shared-decision", "system": cd.OVERRIDE_SYSTEM},
                    "userComment": "Jane Doe MRN 424242 prefers it",
                },
                "outcomeTimestamp": "2026-12-01T00:00:00Z",
            },
        ]
    }
    token = h.sign(key, url)  # aud: exactly the feedback endpoint
    response = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"accepted": 2}
    after = counts()
    assert after.get("accepted", 0) == before.get("accepted", 0) + 1
    assert after.get("overridden", 0) == before.get("overridden", 0) + 1
    assert (
        after.get("overridden:shared-decision", 0)
        == before.get("overridden:shared-decision", 0) + 1
    )
    assert "Jane" not in json.dumps(after)
    assert "4e0a3a1e" not in json.dumps(after)


# ---------------------------------------------------------------------------------------------
# Property: generated cases -> FHIR -> service -> the same cards as build_plan


_MEDS = st.lists(
    st.sampled_from(
        [
            CurrentMedication(drug="fentanyl", dose=25, unit="mcg/h", formulation="patch", weeks=2),
            CurrentMedication(
                drug="fentanyl", dose=12, unit="mcg/h", formulation="patch", weeks=0.5
            ),
            CurrentMedication(drug="OxyContin", dose=20, doses_per_day=2, weeks=6),
            CurrentMedication(drug="oxycodone", dose=10, doses_per_day=4, weeks=1),
            CurrentMedication(drug="buprenorphine", dose=8, doses_per_day=2, weeks=40),
            CurrentMedication(drug="methadone", dose=60, doses_per_day=1, weeks=52),
            CurrentMedication(drug="duloxetine", dose=60, doses_per_day=1),
            CurrentMedication(drug="sertraline", dose=50, doses_per_day=1.5),
            CurrentMedication(drug="pregabalin", dose=75, doses_per_day=2),
            CurrentMedication(drug="apixaban", dose=5, doses_per_day=2),
            CurrentMedication(drug="lorazepam", dose=1, doses_per_day=3),
            CurrentMedication(drug="naltrexone", dose=50, doses_per_day=1),
            CurrentMedication(drug="phenelzine"),
        ]
    ),
    max_size=3,
)


@st.composite
def ehr_cases(draw: st.DrawFn) -> PatientCase:
    case = draw(cases(medicines=True))
    extra: dict[str, Any] = {
        "current_medications": tuple(draw(_MEDS)),
        "allergies": tuple(
            draw(st.lists(st.sampled_from(["nsaid", "opioid"]), max_size=2, unique=True))
        ),
        "allergic_to": tuple(
            draw(
                st.lists(
                    st.sampled_from(["codeine", "tramadol", "naproxen"]), max_size=2, unique=True
                )
            )
        ),
        "prior_overdose": draw(st.booleans()),
        "heavy_alcohol_use": draw(st.booleans()),
        "frail": draw(st.booleans()),
        "egfr_ml_min_1_73m2": draw(st.none() | st.floats(5, 120)),
        "radicular_features": tuple(
            draw(
                st.lists(
                    st.sampled_from(["positive_slr", "leg_pain_below_knee"]),
                    max_size=2,
                    unique=True,
                )
            )
        ),
    }
    if case.pregnant:
        extra["pregnancy_weeks"] = draw(st.none() | st.integers(1, 42))
    if case.sex == "female":
        extra["breastfeeding"] = draw(st.booleans())
    return PatientCase(**{**case.model_dump(exclude_defaults=True), **extra})


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=ehr_cases())
def test_generated_case_through_fhir_and_the_service_gives_the_same_cards(
    client, server, key, case
) -> None:
    today = dt.date.today()
    resources = case_resources(case, today=today, birth_date=True)
    body = {
        "hook": "patient-view",
        "hookInstance": "5e3f6f2e-2d0b-4f0a-9d7e-3a7b1c2d4e5f",
        # The same patient in the context as in the record (the service refuses a mismatch).
        "context": {"patientId": resources[0]["id"], "userId": "Practitioner/u"},
        "prefetch": {
            "patient": resources[0],
            "everything": {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": r} for r in resources[1:]],
            },
        },
    }
    response = call(client, server, key, "back-pain-plan", body)
    assert response.status_code == 200, response.text
    expected = cd.response_cards(
        case, build_plan(case), (), (), body["hookInstance"], SETTINGS, resources[0]["id"]
    )
    assert response.json()["cards"] == expected


# ---------------------------------------------------------------------------------------------
# Robustness: any single element of a valid request replaced by any JSON value


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaf_paths(v, (*path, k))] + [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaf_paths(v, (*path, i))] + [path]
    return [path]


_ORDER_SIGN = load("reference_order_sign.json")
_PATHS = [p for p in _leaf_paths(_ORDER_SIGN) if p]
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=int(__import__("os").environ.get("FUZZ_N", 60)),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(path=st.sampled_from(_PATHS), value=_JSON)
def test_one_element_replaced_by_any_json_never_gives_a_server_error(
    client, server, key, path, value
) -> None:
    body = copy.deepcopy(_ORDER_SIGN)
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    response = call(client, server, key, "back-pain-order-sign", body)
    assert response.status_code in (200, 400, 412), (path, value, response.text)
    if response.status_code == 200:
        for card in response.json()["cards"]:
            assert_card_valid(card)


def test_an_outpatient_opioid_draft_is_judged_as_the_take_home_choice(client, server, key) -> None:
    """Drafting an outpatient opioid is the clinician's take-home choice (on the page it is the
    take-home switch), so the plan card carries the chosen course: IR oxycodone 5 mg every 6 h
    for 3 days at most (CDC 2022 recs 4 and 6) with its bowel care, which the same case without
    the draft does not get (issue 11: never a default order)."""
    case = _expected_cases(dt.date.today())["reference.json"]
    chosen = build_plan(case.model_copy(update={"take_home_opioid": True}))
    (course,) = [o for o in chosen.discharge if o.is_opioid]
    assert not any(o.is_opioid for o in build_plan(case).discharge)
    cards = call(
        client, server, key, "back-pain-order-sign", _with_oxycodone_draft(load("reference.json"))
    ).json()["cards"]
    assert any(course.sig in shown(c.get("detail", "")) for c in cards), [
        c["summary"] for c in cards
    ]


# ---------------------------------------------------------------------------------------------
# Draft orders the plan withholds: "is this an opioid?" answered by the catalogue everywhere


def _with_draft(body: dict[str, Any], text: str) -> dict[str, Any]:
    """`body` as an order-sign call with one outpatient draft order for `text`."""
    body = _with_oxycodone_draft(body)
    body["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] = {
        "text": text
    }
    return body


def _taking(body: dict[str, Any], text: str) -> dict[str, Any]:
    """`body` with one active regular medicine (a MedicationStatement) named `text`."""
    body["prefetch"]["medicationStatements"]["entry"].append(
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": f"med-{len(body['prefetch']['medicationStatements']['entry'])}",
                "status": "active",
                "subject": {"reference": "Patient/example"},
                "medicationCodeableConcept": {"text": text},
            }
        }
    )
    return body


def _allergic_to(body: dict[str, Any], text: str) -> dict[str, Any]:
    body["prefetch"]["allergies"]["entry"].append(
        {
            "resource": {
                "resourceType": "AllergyIntolerance",
                "id": "allergy-1",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {"text": text},
                "patient": {"reference": "Patient/example"},
            }
        }
    )
    return body


def _withheld_cards(client, server, key, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = call(client, server, key, "back-pain-order-sign", body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    for card in cards:
        assert_card_valid(card)
    return [c for c in cards if "withheld for this patient" in c["summary"]]


SUBOXONE = "Buprenorphine 8 MG / Naloxone 2 MG Sublingual Tablet"
OXYCODONE = "Oxycodone Hydrochloride 5 MG Oral Tablet"


def test_drafted_buprenorphine_with_naltrexone_gets_a_card(client, server, key) -> None:
    """Naltrexone blocks opioid agonists and buprenorphine alike (Vivitrol label: precipitated
    withdrawal; opioids will not relieve pain): a drafted buprenorphine is an opioid order the plan
    withholds, so it gets a card naming naltrexone; without naltrexone it gets none."""
    body = _with_draft(_taking(load("reference.json"), "Naltrexone 50 MG Oral Tablet"), SUBOXONE)
    (card,) = _withheld_cards(client, server, key, body)
    assert card["summary"].startswith(SUBOXONE[:40])
    assert "Opioids" in card["summary"]
    assert "naltrexone" in card["detail"]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/oxy"
    assert not _withheld_cards(client, server, key, _with_draft(load("reference.json"), SUBOXONE))


def test_drafted_buprenorphine_with_an_opioid_allergy_gets_a_card(client, server, key) -> None:
    """An opioid (class) allergy withholds every opioid, buprenorphine included."""
    body = _with_draft(_allergic_to(load("reference.json"), "Opioid analgesic allergy"), SUBOXONE)
    (card,) = _withheld_cards(client, server, key, body)
    assert "Opioids" in card["summary"]


def test_drafted_buprenorphine_for_opioid_use_disorder_is_not_withheld(client, server, key) -> None:
    """The other side: for a patient with opioid use disorder already on Suboxone, continuing
    buprenorphine is the treatment (CDC 2022 rec 12), so the OUD reasons for withholding opioids
    give no card for it (they do for oxycodone)."""
    assert not _withheld_cards(
        client, server, key, _with_draft(load("buprenorphine.json"), SUBOXONE)
    )
    (card,) = _withheld_cards(
        client, server, key, _with_draft(load("buprenorphine.json"), OXYCODONE)
    )
    assert "Opioids" in card["summary"]


def test_drafted_oxycodone_with_an_oxycodone_allergy_gives_the_allergy_reason(
    client, server, key
) -> None:
    """A recorded oxycodone allergy withholds oxycodone (labels: contraindicated in known
    hypersensitivity); the draft's card says so. Without the allergy: no card."""
    body = _with_draft(_allergic_to(load("reference.json"), "Oxycodone"), OXYCODONE)
    (card,) = _withheld_cards(client, server, key, body)
    assert "Oxycodone" in card["summary"]
    assert "Allergy to oxycodone" in card["detail"]
    assert not _withheld_cards(client, server, key, _with_draft(load("reference.json"), OXYCODONE))


def test_drafted_oxycodone_with_clarithromycin_names_the_cyp3a4_interaction(
    client, server, key
) -> None:
    """Clarithromycin is a strong CYP3A4 inhibitor; the oxycodone label's boxed warning: raised
    oxycodone levels, fatal respiratory depression. The draft's card names the interaction."""
    body = _with_draft(
        _taking(load("reference.json"), "Clarithromycin 500 MG Oral Tablet"), OXYCODONE
    )
    (card,) = _withheld_cards(client, server, key, body)
    assert "Oxycodone" in card["summary"]
    assert "CYP3A4" in card["detail"]
    assert "clarithromycin" in card["detail"]


def test_every_withholding_target_the_engine_can_produce_reads_a_drafted_drug() -> None:
    """Each withholding target of logic.engine.rules has a reading of catalogue medicines (a trait,
    class or generic), so no avoid entry silently matches nothing; an opioid there is what
    logic.drugs.catalogue.OPIOIDS says."""
    from logic.drugs.catalogue import OPIOIDS, known_names
    from logic.engine.rules import PER_DRUG_TARGETS, RULES, STEP_RULES, Action, target_covers

    rows = (*RULES, *STEP_RULES)
    targets = {r.target for r in rows if r.action is Action.avoid} - PER_DRUG_TARGETS
    for target in targets - {"er_opioid"}:
        assert any(target_covers(target, g) for g in known_names()), target
    assert {g for g in known_names() if target_covers("opioid", g)} == OPIOIDS
    assert {g for g in known_names() if target_covers("discharge:opioid", g)} == OPIOIDS


def test_cards_read_rule_ids_not_engine_text() -> None:
    """The service matches drafts to the plan by rule id and catalogue, never by parsing the
    engine's prose: no regular expressions and no reason text in its matching."""
    import inspect

    source = inspect.getsource(cd)
    assert "import re\n" not in source
    assert "re.compile" not in source
    matching = inspect.getsource(cd._avoid_matches) + inspect.getsource(cd._row_withholds)
    assert ".reason" not in matching
    assert "rule_ids" in matching


def _draft(generic: str, *, er: bool = False, inpatient: bool = False) -> cd.Draft:
    return cd.Draft(
        resource_id="MedicationRequest/x",
        text=generic,
        generic=generic,
        extended_release=er,
        dose_mg=None,
        inpatient=inpatient,
    )


# (avoid label, rule ids, drafted generic, ER?, inpatient?, withheld?, why: the row's source)
DRAFT_VS_ROWS = [
    ("Opioids", ("allergy-opioid",), "buprenorphine", False, False, True, "opioid labels"),
    ("Opioids", ("oud-opioid",), "buprenorphine", False, False, False, "CDC 2022 rec 12: MOUD"),
    ("Opioids", ("oud-opioid",), "oxycodone", False, False, True, "CDC 2022 rec 12"),
    ("Opioids", ("oud-opioid", "allergy-opioid"), "methadone", False, False, True, "labels"),
    (
        "Take-home opioid",
        ("take-home-opioid-not-by-default",),
        "oxycodone",
        False,
        True,
        False,
        "OPAL 2023: a take-home row does not speak to an inpatient order",
    ),
    (
        "Take-home opioid",
        ("take-home-opioid-not-by-default",),
        "oxycodone",
        False,
        False,
        True,
        "OPAL 2023; CDC 2022 recs 1, 3, 4 and 6",
    ),
    ("Extended-release", ("always-er-opioids",), "oxycodone", True, False, True, "CDC 2022 rec 3"),
    ("Extended-release", ("always-er-opioids",), "oxycodone", False, False, False, "IR is fine"),
    ("NSAIDs", ("gi-nsaid",), "celecoxib", False, False, True, "NSAID class labelling"),
    ("NSAIDs", ("gi-nsaid",), "acetaminophen", False, False, False, "not an NSAID"),
    (
        "Morphine and codeine",
        ("renal-morphine-avoid",),
        "codeine",
        False,
        False,
        True,
        "codeine is metabolised to morphine",
    ),
    ("Tramadol", ("failed-same-or-lower-dose",), "tramadol", False, False, True, "per-drug row"),
    ("Tramadol", ("failed-same-or-lower-dose",), "oxycodone", False, False, False, "other drug"),
]


@pytest.mark.parametrize(
    ("label", "rule_ids", "generic", "er", "inpatient", "withheld", "why"), DRAFT_VS_ROWS
)
def test_a_draft_is_matched_by_the_rows_an_avoid_entry_names(
    label: str,
    rule_ids: tuple[str, ...],
    generic: str,
    er: bool,
    inpatient: bool,
    withheld: bool,
    why: str,
) -> None:
    """The service reads the rows behind an avoid entry, never its text: the reason here is
    nonsense and the answer still follows the rows' targets and the catalogue."""
    from logic.models import Avoid

    avoid = Avoid(drug=label, reason="(text the service must not read)", rule_ids=rule_ids)
    assert cd._avoid_matches(avoid, _draft(generic, er=er, inpatient=inpatient)) is withheld, why
