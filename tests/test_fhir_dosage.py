"""Doses and timing read per FHIR R4 Dosage, at the most the order permits.

Expectations: HL7 FHIR R4 Timing (repeat.frequency/frequencyMax per period/periodUnit; the
timing-abbreviation value set: BID twice a day, TID three times, Q6H four times), Dosage.
doseAndRate.doseRange (low-high), and CDC 2022's MME rule for as-needed orders (the maximum
daily dose). MME by hand: oxycodone factor 1.5 (CDC 2022).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from logic import build_plan
from logic.formats.fhir.read import case_from_resources

TODAY = dt.date(2026, 12, 1)
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
BASE: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1970-02-01"},
    *(
        {
            "resourceType": "Observation",
            "status": "final",
            "effectiveDateTime": "2026-12-01",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            **value,
        }
        for code, value in (
            ("29463-7", {"valueQuantity": {"value": 80, "unit": "kg"}}),
            ("72514-3", {"valueInteger": 7}),
        )
    ),
]


def oxycodone_order(dosage: dict[str, Any]) -> dict[str, Any]:
    """RxNorm 1049621: Oxycodone Hydrochloride 5 MG Oral Tablet (CDC opioid value set)."""
    return {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1049621"}]},
        "dosageInstruction": [dosage],
    }


def tablets(count: float) -> dict[str, Any]:
    return {"doseAndRate": [{"doseQuantity": {"value": count, "unit": "tablet"}}]}


def read(dosage: dict[str, Any]) -> Any:
    result = case_from_resources([*BASE, oxycodone_order(dosage)], today=TODAY)
    assert result.case is not None, result.missing
    (med,) = result.case.current_medications
    return result.case, med


@pytest.mark.parametrize(
    ("code", "per_day"), [("QD", 1), ("BID", 2), ("TID", 3), ("QID", 4), ("Q6H", 4), ("Q4H", 6)]
)
def test_timing_code_gives_the_administrations_a_day(code: str, per_day: float) -> None:
    timing = {
        "code": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": code}
            ]
        }
    }
    _, med = read({**tablets(1), "timing": timing})
    assert med.doses_per_day == per_day


@pytest.mark.parametrize(
    ("repeat", "per_day"),
    [
        ({"frequency": 1, "period": 4, "periodMax": 6, "periodUnit": "h"}, 6),  # every 4-6 h
        ({"frequency": 1, "frequencyMax": 2, "period": 1, "periodUnit": "d"}, 2),  # 1-2 a day
        ({"frequency": 2, "period": 1, "periodUnit": "d"}, 2),
    ],
)
def test_a_timing_range_is_read_at_its_most(repeat: dict[str, Any], per_day: float) -> None:
    _, med = read({**tablets(1), "timing": {"repeat": repeat}})
    assert med.doses_per_day == per_day


def test_a_dose_range_is_read_at_its_top_and_counts_in_the_mme() -> None:
    """'1-2 tablets every 4-6 h as needed' of oxycodone 5 mg: at most 2 x 5 mg = 10 mg, 6 times
    a day: 60 mg/day x 1.5 = 90 MME/day."""
    dosage = {
        "asNeededBoolean": True,
        "timing": {"repeat": {"frequency": 1, "period": 4, "periodMax": 6, "periodUnit": "h"}},
        "doseAndRate": [
            {
                "doseRange": {
                    "low": {"value": 1, "unit": "tablet"},
                    "high": {"value": 2, "unit": "tablet"},
                }
            }
        ],
    }
    case, med = read(dosage)
    assert (med.drug, med.dose, med.doses_per_day) == ("oxycodone", 10.0, 6.0)
    assert build_plan(case).home_mme_per_day == pytest.approx(90.0)
