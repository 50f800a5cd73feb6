"""The two medicine loops of the FHIR reader (doses given this visit: MedicationAdministration;
regular medicines: MedicationRequest and MedicationStatement) say the same two things the same
way: a medicine the catalogue does not know is kept by name as not checked, with a line saying
so; a medicine whose text names another drug than its RxNorm code is read by the code, with a
line saying so.

Independent sources: the conflict is Synthea's (smart-on-fhir/generated-sample-data: RxNorm
833036, acetaminophen 750 mg with hydrocodone 7.5 mg in the CDC opioid value set, displayed as
captopril); the unknown medicine is Synthea's "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray"
(tests/data/synthea, Chet Thompson), which the catalogue does not hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from logic.drugs.rxnorm import RXNORM
from logic.formats.fhir.read import case_from_resources
from tests.test_rxnorm import BASE

TODAY = dt.date(2026, 12, 1)

#: resource type, extra fields, the reader's word for the list, the case field it fills.
KINDS = [
    ("MedicationAdministration", {"status": "completed", "effectiveDateTime": "2026-12-01"}),
    ("MedicationRequest", {"status": "active", "intent": "order"}),
    ("MedicationStatement", {"status": "active"}),
]
WHAT = {
    "MedicationAdministration": "medicine given",
    "MedicationRequest": "regular medicine",
    "MedicationStatement": "regular medicine",
}
#: What the plan does with it: a dose given is also left out of the reviews and the counts.
KEPT = {
    "MedicationAdministration": "kept as not checked for interactions, not reviewed and not "
    "counted",
    "MedicationRequest": "kept as not checked for interactions",
    "MedicationStatement": "kept as not checked for interactions",
}
FIELD = {
    "MedicationAdministration": "tried",
    "MedicationRequest": "current_medications",
    "MedicationStatement": "current_medications",
}


def medicine(rtype: str, extra: dict[str, Any], concept: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": rtype,
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": concept,
        **extra,
    }


@pytest.mark.parametrize(("rtype", "extra"), KINDS, ids=[k[0] for k in KINDS])
def test_an_unknown_medicine_is_kept_as_not_checked(rtype: str, extra: dict[str, Any]) -> None:
    text = "Nitroglycerin 0.4 MG/ACTUAT Mucosal Spray"
    result = case_from_resources([*BASE, medicine(rtype, extra, {"text": text})], today=TODAY)
    assert result.case is not None, result.missing
    assert result.case.unchecked_medicines == (text,)
    assert getattr(result.case, FIELD[rtype]) == ()
    (line,) = [i for i in result.ignored if text[:20] in i]
    assert line == f"{WHAT[rtype]} '{text[:40]}': not in this tool's catalogue; {KEPT[rtype]}"


@pytest.mark.parametrize(("rtype", "extra"), KINDS, ids=[k[0] for k in KINDS])
def test_an_unnamed_medicine_is_said_as_unnamed(rtype: str, extra: dict[str, Any]) -> None:
    result = case_from_resources([*BASE, medicine(rtype, extra, {})], today=TODAY)
    assert result.case is not None, result.missing
    assert result.case.unchecked_medicines == ()
    assert any(i.startswith(f"{WHAT[rtype]} 'unnamed': not in") for i in result.ignored)


@pytest.mark.parametrize(("rtype", "extra"), KINDS, ids=[k[0] for k in KINDS])
def test_a_code_that_contradicts_its_text_is_read_by_the_code(
    rtype: str, extra: dict[str, Any]
) -> None:
    concept = {
        "coding": [{"system": RXNORM, "code": "833036", "display": "Captopril 25 MG Oral Tablet"}],
        "text": "Captopril 25 MG Oral Tablet",
    }
    result = case_from_resources([*BASE, medicine(rtype, extra, concept)], today=TODAY)
    assert result.case is not None, result.missing
    (med,) = getattr(result.case, FIELD[rtype])
    assert (med.drug, med.also_contains) == ("hydrocodone", ("acetaminophen",))
    (line,) = [i for i in result.ignored if "833036" in i]
    display = "Acetaminophen 750 MG / Hydrocodone Bitartrate 7.5 MG Oral Tablet"  # the table's
    assert line == (
        f"medicine coded RxNorm 833036 ({display[:60]}) but described as 'Captopril 25 MG Oral "
        "Tablet': read by its code; check the record"
    )
