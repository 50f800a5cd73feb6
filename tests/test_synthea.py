"""Real generated patients (Synthea R4 bundles, tests/data/synthea/SOURCE.md) read as the
service reads a prefetch: nothing raises, decimal pain scores are read as their nearest point
and said, creatinine coded in blood is read, every RxNorm-coded opioid or benzodiazepine order
in them lands in its class, and a code whose display names another medicine is read by its
code and said.

Each bundle is read as of the day of its latest pain score (the visit), since a pain score from
another day is not today's (logic.formats.fhir.read.PAIN_MAX_AGE_DAYS).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from logic.drugs.catalogue import DrugClass, resolve_drug
from logic.drugs.catalogue import drug as catalogue_drug
from logic.drugs.rxnorm import RXNORM, product
from logic.formats.fhir.read import case_from_resources, flatten

DATA = Path(__file__).resolve().parent / "data" / "synthea"
BUNDLES = sorted(p.name for p in DATA.glob("*.json"))
PAIN = "72514-3"


@cache
def resources(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(flatten(json.loads((DATA / name).read_text())))


def visit_day(items: tuple[dict[str, Any], ...]) -> dt.date:
    """The date of the latest pain score, read straight from the record's dateTime text (all
    of Synthea's carry the same +00:00 offset, so the date is its first 10 characters)."""
    days = [
        r["effectiveDateTime"][:10]
        for r in items
        if r["resourceType"] == "Observation"
        and any(c.get("code") == PAIN for c in r["code"]["coding"])
    ]
    return dt.date.fromisoformat(max(days))


def raw_pain_on(items: tuple[dict[str, Any], ...], day: dt.date) -> float:
    values = [
        r["valueQuantity"]["value"]
        for r in items
        if r["resourceType"] == "Observation"
        and any(c.get("code") == PAIN for c in r["code"]["coding"])
        and r["effectiveDateTime"][:10] == day.isoformat()
    ]
    return values[-1]


def test_the_four_bundles_are_there() -> None:
    assert len(BUNDLES) == 4


@pytest.mark.parametrize("name", BUNDLES)
def test_a_synthea_patient_gives_a_case_with_its_decimal_pain_read(name: str) -> None:
    items = resources(name)
    day = visit_day(items)
    result = case_from_resources(items, today=day)
    assert result.case is not None, result.missing
    recorded = raw_pain_on(items, day)
    assert recorded != int(recorded)  # Synthea's are decimals: the point of this test
    assert result.case.pain_score == int(recorded + 0.5)  # nearest point, halves up
    assert any(line.startswith("pain score:") and "read as" in line for line in result.ignored)


def test_creatinine_coded_in_blood_is_read_from_a_synthea_patient() -> None:
    items = resources("Alfreda_Wyman_3287b938-4670-47eb-91e5-e0ce3df71405.json")
    (creatinine,) = [
        r
        for r in items
        if r["resourceType"] == "Observation"
        and any(c.get("code") == "38483-4" for c in r["code"]["coding"])
    ]
    result = case_from_resources(items, today=visit_day(items))
    assert result.case is not None
    assert creatinine["valueQuantity"]["unit"] == "mg/dL"
    assert result.case.serum_creatinine_mg_dl == creatinine["valueQuantity"]["value"]


CLASS_OF_SET = {
    "opioid": {DrugClass.opioid, DrugClass.atypical_opioid, DrugClass.partial_opioid},
    "benzodiazepine": {DrugClass.benzodiazepine},
}


def coded_orders() -> list[tuple[str, dict[str, Any], str]]:
    """Every MedicationRequest in the bundles whose RxNorm code is in the CDC value sets."""
    found = []
    for name in BUNDLES:
        for r in resources(name):
            if r["resourceType"] != "MedicationRequest":
                continue
            for coding in r.get("medicationCodeableConcept", {}).get("coding", []):
                known = product(coding["code"]) if coding.get("system") == RXNORM else None
                if known is not None:
                    tag = "benzodiazepine" if "benzodiazepine" in known.value_sets else "opioid"
                    found.append((name, r, tag))
    return found


def test_the_bundles_hold_coded_opioid_orders() -> None:
    # Read off the bundles: meperidine (Abdul), oxycodone-acetaminophen (Chet), 833036 (Alejandro)
    assert len(coded_orders()) == 3


@pytest.mark.parametrize("order", coded_orders(), ids=lambda o: o[1].get("id", "")[:8])
def test_every_coded_opioid_order_in_synthea_lands_in_its_class(
    order: tuple[str, dict[str, Any], str],
) -> None:
    """Re-sent as an active order (most in these histories are stopped), with its real
    dosage, text and codes."""
    name, request, tag = order
    items = resources(name)
    active = {**request, "status": "active", "intent": "order"}
    rest = [r for r in items if r["resourceType"] in ("Patient", "Observation")]
    result = case_from_resources([*rest, active], today=visit_day(items))
    assert result.case is not None, result.missing
    (med,) = result.case.current_medications
    generic = resolve_drug(med.drug)
    assert catalogue_drug(str(generic)).drug_class in CLASS_OF_SET[tag]


def test_a_code_displayed_as_another_medicine_is_read_by_its_code_and_said() -> None:
    """Synthea writes RxNorm 833036 with the display 'Captopril 25 MG Oral Tablet'; RxNorm and
    the CDC value set name 833036 acetaminophen 750 mg with hydrocodone 7.5 mg."""
    items = resources("Alejandro_Riojas_a9fcc685-c7a2-4474-bf25-26c8fe4b48f9.json")
    (request,) = [
        r
        for r in items
        if r["resourceType"] == "MedicationRequest"
        and any(c.get("code") == "833036" for c in r["medicationCodeableConcept"]["coding"])
    ][:1]
    assert request["medicationCodeableConcept"]["coding"][0]["display"].startswith("Captopril")
    rest = [r for r in items if r["resourceType"] in ("Patient", "Observation")]
    active = {**request, "status": "active", "intent": "order"}
    result = case_from_resources([*rest, active], today=visit_day(items))
    assert result.case is not None
    (med,) = result.case.current_medications
    assert resolve_drug(med.drug) == "hydrocodone"
    assert any("RxNorm 833036" in line and "Captopril" in line for line in result.ignored)
