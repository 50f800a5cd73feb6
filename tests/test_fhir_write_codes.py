"""The FHIR writer codes each medicine by RxNorm, and the reader reads the CDC's combination
product codes as the combination, with both ingredients and the strength.

Independent sources:
* the CDC opioid CDS value sets (tests/data/cdc-opioid-cds/medication-valuesets.json, CC0): each
  product code the writer emits must be a row there whose RxNorm name names the product's
  ingredients, the entered ingredient's strength and, for a brand, the brand; the combination
  rows there are read back as the combination (expectation: the name's own ingredients and
  strength, parsed here with a regular expression of RxNorm's naming convention, not with the
  service's parser);
* the ingredient codes: RxNav's ingredient rows (rxnav-in, see logic/data/rxnorm_ingredients.tsv)
  and the CDC MME ingredient list (cdc-mme), quoted in ORDERED_CODES (tests/test_cards_actions.py).
The round trip: a generated case written as FHIR, every coded medicine's text and display
removed, read back by the service's reader, is the same case and gets the same plan.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logic import build_plan
from logic.drugs.catalogue import COMBINATIONS, combination, combination_of
from logic.drugs.rxnorm import RXNORM, medicine_coding, product_for
from logic.formats.fhir.read import case_from_resources, flatten
from logic.formats.fhir.write import (
    bundle_resources,
    case_resources,
    plan_bundle,
    plan_bundle_json,
)
from logic.library.cases import load_cases
from logic.models import PatientCase, TriedMedication
from tests.strategies import cases, current_medications, tried_medications
from tests.test_cards_actions import ORDERED_CODES
from tests.test_rxnorm import BASE, VALUESETS

TODAY = dt.date(2026, 12, 7)
CASES = load_cases()
MEDICINES = ("MedicationAdministration", "MedicationStatement", "MedicationRequest")


def valueset_rows() -> dict[str, tuple[str, set[str]]]:
    """code -> (RxNorm name, the value sets holding it), from the CDC file."""
    rows: dict[str, tuple[str, set[str]]] = {}
    for entry in json.loads(VALUESETS.read_text())["entry"]:
        for item in entry["resource"]["expansion"]["contains"]:
            if item["system"] == RXNORM:
                row = rows.setdefault(item["code"], (item.get("display", ""), set()))
                row[1].add(entry["resource"]["name"])
    return rows


ROWS = valueset_rows()
OPIOID_SET = "Opioid_Analgesics_With_Ambulatory_Misuse_Potential"
#: RxNorm's salt names of the entered ingredients (RxNorm Technical Documentation: SCD names).
SALTS = {
    "oxycodone": "Oxycodone Hydrochloride",
    "hydrocodone": "Hydrocodone Bitartrate",
    "codeine": "Codeine Phosphate",
    "tramadol": "tramadol hydrochloride",
}
_NUM = r"(\d+(?:\.\d+)?)"
#: 'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet [Percocet]', and
#: 'Hydrocodone Bitartrate 7.5 MG / Ibuprofen 200 MG Oral Tablet [Vicoprofen]'.
APAP_ROW = re.compile(
    rf"^Acetaminophen {_NUM} MG / (?P<salt>{'|'.join(SALTS.values())}) {_NUM} MG Oral Tablet"
    r"(?: \[(?P<brand>[^\]]+)\])?$"
)
IBUPROFEN_ROW = re.compile(
    rf"^Hydrocodone Bitartrate {_NUM} MG / Ibuprofen 200 MG Oral Tablet(?: \[(?P<brand>[^\]]+)\])?$"
)


# ---------------------------------------------------------------------------------------------
# The writer's codes


# (product as entered, entered strength mg, expected code or None, why)
PRODUCT_CODES = [
    ("percocet", 5, "1049640", "the one Percocet 5 mg tablet row (325 mg acetaminophen)"),
    ("norco", 10, "857001", "Norco 10/325"),
    ("ultracet", 37.5, "836397", "Ultracet 37.5/325"),
    ("tylenol with codeine", 30, "993837", "Tylenol with Codeine 300/30"),
    ("vicoprofen", 7.5, "858838", "Vicoprofen 7.5/200"),
    ("hydrocodone-ibuprofen", 5, "858778", "the one generic hydrocodone 5 / ibuprofen 200 row"),
    ("tramadol/acetaminophen", 37.5, "836395", "the one generic tramadol 37.5 / APAP 325 row"),
    ("percocet", 7.5, None, "Percocet 7.5 rows with 325 and with 500 mg acetaminophen"),
    ("oxycodone-acetaminophen", 5, None, "generic rows with 300, 325 and 400 mg acetaminophen"),
    ("percocet", 6, None, "no 6 mg Percocet"),
    ("percocet", None, None, "no strength recorded"),
]


@pytest.mark.parametrize(
    ("product", "mg", "code", "why"), PRODUCT_CODES, ids=[f"{p} {m}" for p, m, *_ in PRODUCT_CODES]
)
def test_a_combination_is_coded_by_the_one_row_its_name_and_strength_pick(
    product: str, mg: float | None, code: str | None, why: str
) -> None:
    found = product_for(product, mg)
    assert (found.code if found else None) == code, why
    combo = combination(product)
    assert combo is not None
    coding = medicine_coding(combo.drug, combo.name, mg)
    assert (coding["code"] if coding else None) == code


def emitted_product_codes() -> dict[str, tuple[str, float]]:
    """Every product code the writer can emit: code -> (product, entered strength)."""
    out: dict[str, tuple[str, float]] = {}
    for combo in COMBINATIONS:
        for mg in (2.5, 5, 7.5, 8, 10, 12.8, 13.5, 15, 30, 37.5, 60):
            if (found := product_for(combo.name, mg)) is not None:
                out[found.code] = (combo.name, mg)
    return out


def test_every_product_code_written_is_a_cdc_row_naming_that_product() -> None:
    emitted = emitted_product_codes()
    assert len(emitted) >= 20
    for code, (product, mg) in emitted.items():
        name, sets = ROWS[code]  # a row of the CDC value sets
        assert OPIOID_SET in sets, code
        combo = combination(product)
        assert combo is not None
        match = APAP_ROW.match(name) if "acetaminophen" in combo.others else None
        match = match or IBUPROFEN_ROW.match(name)
        assert match is not None, name
        strength = float(match.groups()[-2] if "salt" in match.re.groupindex else match.group(1))
        assert strength == mg, name
        if "salt" in match.re.groupindex:
            assert match.group("salt") == SALTS[combo.drug], name
        else:
            assert combo.drug == "hydrocodone"
        brand = combo.label if combo.label != combo.name else None
        assert match.group("brand") == brand, (name, product)


def medication_concepts(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        r["medicationCodeableConcept"]
        for r in resources
        if r["resourceType"] in MEDICINES and "medicationCodeableConcept" in r
    ]


@pytest.mark.parametrize("case_id", list(CASES))
def test_every_order_in_the_export_carries_its_ingredient_code(case_id: str) -> None:
    case = CASES[case_id].case
    plan = build_plan(case)
    requests = [
        r
        for r in bundle_resources(plan_bundle(case, plan, generated=TODAY))
        if r["resourceType"] == "MedicationRequest"
    ]
    assert len(requests) == len(plan.give_now) + len(plan.discharge)
    for request, order in zip(requests, (*plan.give_now, *plan.discharge), strict=True):
        concept = request["medicationCodeableConcept"]
        assert concept["text"] == order.drug
        assert concept["coding"] == [{"system": RXNORM, "code": ORDERED_CODES[order.generic]}]


def test_a_medicine_the_tables_cannot_code_keeps_its_text_only() -> None:
    case = PatientCase(
        age_years=50,
        sex="female",
        weight_kg=70,
        pain_score=6,
        tried=[TriedMedication(drug="percocet", dose=7.5, unit="mg")],  # 325 or 500: not known
        unchecked_medicines=("Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray",),
    )
    concepts = medication_concepts(case_resources(case, today=TODAY))
    assert concepts == [
        {"text": "Percocet"},
        {"text": "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray"},
    ]


# ---------------------------------------------------------------------------------------------
# The round trip, text removed


#: (product, strength) pairs the writer codes, for drawing coded combination products.
CODED_PRODUCTS = sorted(set(emitted_product_codes().values()))


def _as_product(item: TriedMedication, pick: tuple[str, float]) -> TriedMedication:
    data = item.model_dump()
    data.update(drug=pick[0], product=None, dose=pick[1], unit="mg", formulation=None, route=None)
    data.pop("dose_mg", None)
    return TriedMedication.model_validate(data)


def writable(item: Any) -> bool:
    return medicine_coding(item.drug, item.product, item.dose_mg) is not None


@st.composite
def coded_cases(draw: st.DrawFn) -> PatientCase:
    """A generated case whose medicines the writer can code: single drugs with an ingredient
    code and combination products at a strength that picks one row."""
    case = draw(cases(medicines=True))
    tried = draw(st.lists(tried_medications().filter(writable), max_size=3))
    products = draw(
        st.lists(st.tuples(tried_medications(), st.sampled_from(CODED_PRODUCTS)), max_size=2)
    )
    current = draw(st.lists(current_medications().filter(writable), max_size=3))
    data = case.model_dump()
    data["tried"] = [t.model_dump() for t in tried] + [
        _as_product(t, p).model_dump() for t, p in products
    ]
    data["current_medications"] = [m.model_dump() for m in current]
    data["unchecked_medicines"] = ()
    return PatientCase.model_validate(data)


def without_text(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in resources:
        concept = r.get("medicationCodeableConcept")
        if concept is not None:
            assert "coding" in concept, concept  # every medicine of a coded case is coded
            codings = [{"system": c["system"], "code": c["code"]} for c in concept["coding"]]
            r = {**r, "medicationCodeableConcept": {"coding": codings}}
        out.append(r)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=coded_cases())
def test_the_written_case_read_by_its_codes_alone_is_the_same_case(case: PatientCase) -> None:
    resources = without_text(case_resources(case, today=TODAY))
    back = case_from_resources(resources, today=TODAY)
    assert back.case == case, back.ignored
    assert build_plan(back.case) == build_plan(case)


# ---------------------------------------------------------------------------------------------
# The reader: CDC combination rows


def combination_rows() -> list[tuple[str, str, str, float, str]]:
    """(code, name, entered drug, its strength, expected product) for every CDC row that is an
    oral tablet of acetaminophen or ibuprofen with oxycodone, hydrocodone, codeine or tramadol."""
    out = []
    by_salt = {v: k for k, v in SALTS.items()}
    for code, (name, _) in ROWS.items():
        if (m := APAP_ROW.match(name)) is not None:
            drug, strength, others = by_salt[m.group("salt")], float(m.group(3)), "acetaminophen"
        elif (m := IBUPROFEN_ROW.match(name)) is not None:
            drug, strength, others = "hydrocodone", float(m.group(1)), "ibuprofen"
        else:
            continue
        brand = combination(m.group("brand") or "")
        generic = combination_of(frozenset({drug, others}))
        assert generic is not None
        expected = brand.name if brand is not None else generic.name
        out.append((code, name, drug, strength, expected))
    return out


COMBINATION_ROWS = combination_rows()


def test_the_cdc_rows_hold_the_combinations() -> None:
    assert len(COMBINATION_ROWS) == 96  # counted in the file: Percocet, Norco, Tylenol #3 ...
    assert {r[2] for r in COMBINATION_ROWS} == set(SALTS)


@pytest.mark.parametrize(
    ("code", "name", "drug", "strength", "product"),
    COMBINATION_ROWS,
    ids=[r[0] for r in COMBINATION_ROWS],
)
def test_a_cdc_combination_code_is_read_as_the_combination_with_its_strength(
    code: str, name: str, drug: str, strength: float, product: str
) -> None:
    """One tablet of the coded product: the entered ingredient at the strength its name gives,
    the other ingredient on board, the brand kept when the catalogue knows it."""
    request = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}],
    }
    result = case_from_resources([*BASE, request], today=dt.date(2026, 12, 1))  # BASE's day
    assert result.case is not None, result.missing
    (med,) = result.case.current_medications
    assert (med.drug, med.dose, med.product) == (drug, strength, product), name
    assert med.also_contains == tuple(combination(product).others)  # type: ignore[union-attr]


def text_removed_where_coded(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in resources:
        concept = r.get("medicationCodeableConcept")
        if concept is not None and "coding" in concept:
            codings = [{"system": c["system"], "code": c["code"]} for c in concept["coding"]]
            r = {**r, "medicationCodeableConcept": {"coding": codings}}
        out.append(r)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=coded_cases())
def test_the_exported_bundle_read_by_its_codes_gives_the_same_medicines(case: PatientCase) -> None:
    """The page's download (plan_bundle_json, its plan's orders included), parsed as an EHR or the
    service would (`flatten`), the text of every coded medicine removed."""
    bundle = json.loads(plan_bundle_json(case, build_plan(case), generated=TODAY))
    back = case_from_resources(text_removed_where_coded(flatten(bundle)), today=TODAY).case
    assert back is not None
    assert (back.tried, back.current_medications) == (case.tried, case.current_medications)
    assert back == case


@pytest.mark.parametrize("case_id", list(CASES))
def test_each_teaching_case_export_read_by_its_codes_gives_the_same_medicines(
    case_id: str,
) -> None:
    """Teaching cases hold medicines the tables may not code (their text then stays): read back,
    the medicines are the case's."""
    case = CASES[case_id].case
    bundle = json.loads(plan_bundle_json(case, build_plan(case), generated=TODAY))
    back = case_from_resources(text_removed_where_coded(flatten(bundle)), today=TODAY).case
    assert back is not None
    assert (back.tried, back.current_medications) == (case.tried, case.current_medications)
