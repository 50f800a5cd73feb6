"""Medicines read by their RxNorm code: every code of the CDC opioid CDS medication value sets
lands in its class and form.

Independent source: the five ValueSet resources of the CDC Opioid Prescribing Support IG, copied
unmodified into tests/data/cdc-opioid-cds/ (cqframework/opioid-cds-r4, CC0; SOURCE.md there).
The value set a code belongs to is the expectation: a code in Extended_Release_Opioid... must be
read as an opioid in an extended-release form (or a patch), one in Benzodiazepine_Medications as
a benzodiazepine, and so on. Each code is sent as the EHR would send a coded order: a
MedicationRequest whose medicationCodeableConcept holds only the RxNorm coding, no text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from logic.drugs.catalogue import DrugClass, Formulation, Trait, resolve_drug
from logic.drugs.catalogue import drug as catalogue_drug
from logic.drugs.rxnorm import RXNORM, TABLE, parse
from logic.formats.fhir.read import case_from_resources

ROOT = Path(__file__).resolve().parents[1]
VALUESETS = ROOT / "tests" / "data" / "cdc-opioid-cds" / "medication-valuesets.json"
TODAY = dt.date(2026, 12, 1)

OPIOID_CLASSES = {DrugClass.opioid, DrugClass.atypical_opioid, DrugClass.partial_opioid}
#: ValueSet.name -> the classes its codes must land in (the set's own definition).
EXPECTED: dict[str, set[DrugClass]] = {
    "Extended_Release_Opioid_With_Ambulatory_Misuse_Potential": OPIOID_CLASSES,
    "Opioid_Analgesics_With_Ambulatory_Misuse_Potential": OPIOID_CLASSES,
    "Benzodiazepine_Medications": {DrugClass.benzodiazepine},
    "Buprenorphine_And_Methadone_Medications": OPIOID_CLASSES,
    "Naloxone Medications": {DrugClass.opioid_reversal, *OPIOID_CLASSES},
}


def valueset_codes() -> list[tuple[str, str, str]]:
    bundle = json.loads(VALUESETS.read_text())
    return [
        (entry["resource"]["name"], item["code"], item.get("display", ""))
        for entry in bundle["entry"]
        for item in entry["resource"]["expansion"]["contains"]
        if item["system"] == RXNORM
    ]


CODES = valueset_codes()

BASE: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1970-05-01"},
    *(
        {
            "resourceType": "Observation",
            "status": "final",
            "effectiveDateTime": "2026-11-30",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            **value,
        }
        for code, value in (
            ("29463-7", {"valueQuantity": {"value": 70, "unit": "kg"}}),
            ("72514-3", {"valueInteger": 7}),
        )
    ),
]


def coded_request(code: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
    }


def read_back(code: str) -> Any:
    result = case_from_resources([*BASE, coded_request(code)], today=TODAY)
    assert result.case is not None, result.missing
    return result


def test_the_value_sets_hold_the_codes_the_issue_counted() -> None:
    """Guard against a truncated copy: 1,831 memberships over 1,466 codes (counted by hand from
    the bundle's expansions: 249 ER, 1,177 opioid, 181 benzodiazepine, 77 naloxone, 147 MOUD)."""
    assert len(CODES) == 249 + 1177 + 181 + 77 + 147
    assert len({code for _, code, _ in CODES}) == 1466


def test_the_shipped_table_is_what_the_build_script_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", ROOT / "scripts/build_rxnorm_table.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert TABLE.read_text() == build.table_text(json.loads(VALUESETS.read_text()))


@pytest.mark.parametrize("valueset", list(EXPECTED))
def test_every_code_of_a_value_set_is_read_in_its_class(valueset: str) -> None:
    wrong = []
    for name, code, display in CODES:
        if name != valueset:
            continue
        (med,) = read_back(code).case.current_medications
        generic = resolve_drug(med.drug)
        cls = catalogue_drug(str(generic)).drug_class
        if cls not in EXPECTED[valueset]:
            wrong.append((code, display, med.drug, cls))
        if valueset == "Naloxone Medications" and "naloxone" not in parse(code, display).generics:
            wrong.append((code, display, "no naloxone ingredient"))
    assert wrong == []


def test_every_extended_release_code_is_read_as_extended_release_or_a_patch() -> None:
    """CDC 2022 rec 3 and the engine's own rule (no ER/LA opioid for acute pain) turn on this.
    Methadone is long-acting in every form (Dolophine label), which the catalogue says."""
    wrong = []
    for name, code, display in CODES:
        if name != "Extended_Release_Opioid_With_Ambulatory_Misuse_Potential":
            continue
        (med,) = read_back(code).case.current_medications
        long_acting = Trait.long_acting in catalogue_drug(str(resolve_drug(med.drug))).traits
        if med.formulation not in (Formulation.er, Formulation.patch) and not long_acting:
            wrong.append((code, display, med.drug, med.formulation))
    assert wrong == []


def test_a_code_outside_the_value_sets_falls_back_to_the_text() -> None:
    request = coded_request("0000000")
    request["medicationCodeableConcept"]["text"] = "Oxycodone Hydrochloride 5 MG Oral Tablet"
    result = case_from_resources([*BASE, request], today=TODAY)
    assert result.case is not None
    assert [m.drug for m in result.case.current_medications] == ["oxycodone"]


def test_the_code_wins_over_a_misleading_text() -> None:
    """An EHR's text can be truncated or wrong; RxNorm 1860157 is 'Abuse-Deterrent 12 HR
    Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet' (CDC ER value set)."""
    request = coded_request("1860157")
    request["medicationCodeableConcept"]["text"] = "Oxy 10"
    (med,) = read_back_with(request).case.current_medications
    assert (med.drug, med.formulation) == ("oxycodone", Formulation.er)


def read_back_with(request: dict[str, Any]) -> Any:
    result = case_from_resources([*BASE, request], today=TODAY)
    assert result.case is not None, result.missing
    return result


# Tablet counts and unitless doses: dose = count x the strength RxNorm's name gives the
# ingredient whose dose is entered (hand calculation from each product's name).
COUNT_DOSES = [
    # code, dose quantity (value, unit), expected (drug, dose, unit)
    ("1049621", (2, "{tbl}"), ("oxycodone", 10.0, "mg")),  # Oxycodone HCl 5 MG Oral Tablet
    ("1049621", (1, ""), ("oxycodone", 5.0, "mg")),
    ("1860157", (1, "TAB"), ("oxycodone", 10.0, "mg")),  # 12 HR oxycodone 10 MG ER tablet
]


@pytest.mark.parametrize(("code", "dose", "expected"), COUNT_DOSES)
def test_a_count_dose_is_the_count_times_the_products_strength(
    code: str, dose: tuple[float, str], expected: tuple[str, float, str]
) -> None:
    request = coded_request(code)
    request["dosageInstruction"] = [
        {"doseAndRate": [{"doseQuantity": {"value": dose[0], "unit": dose[1]}}]}
    ]
    (med,) = read_back_with(request).case.current_medications
    assert (med.drug, med.dose, med.unit) == expected


def test_a_patch_count_is_the_patch_rate() -> None:
    """RxNorm 245134 '72 HR Fentanyl 0.025 MG/HR Transdermal System': one patch = 25 mcg/h
    (0.025 mg/h x 1000), the unit the Duragesic label and CDC 2022's factor use."""
    request = coded_request("245134")
    request["dosageInstruction"] = [
        {"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "patch"}}]}
    ]
    (med,) = read_back_with(request).case.current_medications
    assert (med.drug, med.dose, med.unit, med.formulation) == (
        "fentanyl",
        25.0,
        "mcg/h",
        Formulation.patch,
    )


@pytest.mark.parametrize(
    ("text", "generic"),
    [
        # RxNorm name prefixes (issue 26): a duration, abuse-deterrent, a volume, a pack.
        ("12 HR Oxycodone Hydrochloride 10 MG Extended Release Oral Tablet", "oxycodone"),
        ("72 HR Fentanyl 0.05 MG/HR Transdermal System", "fentanyl"),
        ("Abuse-Deterrent 12 HR Oxycodone 36 MG Extended Release Oral Capsule", "oxycodone"),
        ("2 ML Naloxone Hydrochloride 1 MG/ML Prefilled Syringe", "naloxone"),
        ("{2 (0.1 ML) (Diazepam 100 MG/ML Nasal Spray) } Pack", "diazepam"),
        # Several ingredients and no known product: the opioid is the one entered.
        (
            "Aspirin 325 MG / butalbital 50 MG / Caffeine 40 MG / Codeine Phosphate 30 MG "
            "Oral Capsule",
            "codeine",
        ),
    ],
)
def test_rxnorm_names_resolve_to_the_ingredient_that_matters(text: str, generic: str) -> None:
    from logic.formats.fhir.read import resolve_medication_name

    name = resolve_medication_name(text)
    assert name is not None
    assert resolve_drug(name) == generic


def test_a_truncated_combination_display_is_the_combination() -> None:
    """'Acetaminophen/Hydrocodone' (issue 26: a truncated display) is hydrocodone with
    acetaminophen, the Norco family of the catalogue."""
    from logic.drugs.catalogue import combination_of
    from logic.formats.fhir.read import resolve_medication_name

    product = combination_of(frozenset({"acetaminophen", "hydrocodone"}))
    assert product is not None
    name = resolve_medication_name("Acetaminophen/Hydrocodone")
    assert name is not None
    assert resolve_drug(name) == "hydrocodone"
