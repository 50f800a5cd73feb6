"""Coded problems read as EHRs code them: ICD-10-CM as well as SNOMED CT, the descendants that
matter, the CDC value sets, and a line for every active condition the tool does not read.

Independent sources: the CDC opioid CDS condition value sets (tests/data/cdc-opioid-cds/,
CC0): every code of Opioid_Misuse_Disorders must read as opioid use disorder and every code of
Cdc_Malignant_Cancer_Conditions as a history of cancer; the ICD-10-CM tabular list (N18 chronic
kidney disease, Z99.2 dialysis, G83.4 cauda equina syndrome, T40 poisoning 6th characters);
SNOMED CT concept ids as Synthea R4 records them (tests/data/synthea).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from logic import build_plan
from logic.formats.fhir.codes import ICD10CM, SNOMED
from logic.formats.fhir.read import case_from_resources
from logic.models import Condition, RedFlag, TriageLevel

ROOT = Path(__file__).resolve().parents[1]
VALUESETS = ROOT / "tests" / "data" / "cdc-opioid-cds" / "condition-valuesets.json"
TODAY = dt.date(2026, 12, 1)
BASE: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1970-02-01"},
    {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": "2026-12-01",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "valueQuantity": {"value": 80, "unit": "kg"},
    },
    {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": "2026-12-01",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "valueInteger": 7,
    },
]


def cond(system: str, code: str, display: str = "", status: str = "active") -> dict[str, Any]:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p"},
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "code": {"coding": [coding]},
    }


def read(*conditions: dict[str, Any]) -> Any:
    result = case_from_resources([*BASE, *conditions], today=TODAY)
    assert result.case is not None, result.missing
    return result


def valueset(name: str) -> list[tuple[str, str]]:
    bundle = json.loads(VALUESETS.read_text())
    (found,) = [e["resource"] for e in bundle["entry"] if e["resource"]["name"] == name]
    return [(item["system"], item["code"]) for item in found["expansion"]["contains"]]


def test_the_shipped_condition_table_is_what_the_build_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("build", ROOT / "scripts/build_rxnorm_table.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    text = build.condition_table_text(json.loads(VALUESETS.read_text()))
    assert (ROOT / "logic" / "data" / "cdc_condition_codes.tsv").read_text() == text


def test_every_opioid_misuse_code_reads_as_opioid_use_disorder() -> None:
    codes = valueset("Opioid_Misuse_Disorders")
    assert len(codes) == 83  # 56 ICD-10-CM F11 codes and 27 SNOMED CT, counted in the bundle
    wrong = [
        c for c in codes if Condition.opioid_use_disorder not in read(cond(*c)).case.conditions
    ]
    assert wrong == []


def test_every_cdc_malignant_cancer_code_reads_as_a_history_of_cancer() -> None:
    codes = valueset("Cdc_Malignant_Cancer_Conditions")
    wrong = [c for c in codes if RedFlag.cancer_history not in read(cond(*c)).case.red_flags]
    assert wrong == []


def test_substance_misuse_codes_outside_opioids_read_as_other_substance_use_disorder() -> None:
    opioid = set(valueset("Opioid_Misuse_Disorders"))
    codes = [c for c in valueset("Conditions_Documenting_Substance_Misuse") if c not in opioid]
    wrong = [
        c for c in codes if Condition.substance_use_disorder not in read(cond(*c)).case.conditions
    ]
    assert wrong == []
    # An opioid code is opioid use disorder only: the form's box is "Other substance use".
    only_opioid = read(cond(ICD10CM, "F11.20")).case.conditions
    assert Condition.substance_use_disorder not in only_opioid


@pytest.mark.parametrize(
    ("system", "code", "field", "value"),
    [
        (SNOMED, "431857002", "conditions", Condition.ckd),  # CKD stage 4
        (SNOMED, "46177005", "conditions", Condition.ckd),  # End-stage renal disease
        (ICD10CM, "N18.4", "conditions", Condition.ckd),
        (ICD10CM, "N18.6", "conditions", Condition.ckd),
        (SNOMED, "88805009", "conditions", Condition.heart_failure),  # Chronic congestive HF
        (ICD10CM, "I50.22", "conditions", Condition.heart_failure),
        (SNOMED, "87433001", "conditions", Condition.copd),  # Pulmonary emphysema
        (ICD10CM, "J44.9", "conditions", Condition.copd),
        (ICD10CM, "G40.909", "conditions", Condition.seizure_disorder),
        (ICD10CM, "K25.4", "conditions", Condition.peptic_ulcer),
        (ICD10CM, "R33.9", "red_flags", RedFlag.urinary_retention),
        (ICD10CM, "M81.0", "red_flags", RedFlag.osteoporosis_or_chronic_steroids),
        (ICD10CM, "Z85.3", "red_flags", RedFlag.cancer_history),
    ],
)
def test_descendants_and_icd10_codes_read_as_their_finding(
    system: str, code: str, field: str, value: object
) -> None:
    assert value in getattr(read(cond(system, code)).case, field)


@pytest.mark.parametrize(
    ("code", "dialysis"), [("Z99.2", True), ("N18.6", False), ("Z99.89", False)]
)
def test_dialysis_is_read_from_z99_2_only(code: str, dialysis: bool) -> None:
    """End-stage renal disease (N18.6) does not say the patient is on dialysis; Z99.2 does."""
    assert read(cond(ICD10CM, code)).case.on_hemodialysis is dialysis


@pytest.mark.parametrize(
    ("code", "overdose"),
    [
        ("T40.2X1A", True),  # poisoning by other opioids, accidental
        ("T40.411A", True),  # poisoning by fentanyl, accidental (FY2023 subcategory)
        ("T40.1X4A", True),  # heroin, undetermined
        ("T40.2X5A", False),  # adverse effect of other opioids: not an overdose
        ("T40.2X6A", False),  # underdosing
        ("T39.1X1A", False),  # 4-aminophenol derivatives (acetaminophen): not an opioid
    ],
)
def test_opioid_poisoning_codes_are_an_overdose_only_by_their_sixth_character(
    code: str, overdose: bool
) -> None:
    assert read(cond(ICD10CM, code)).case.prior_overdose is overdose


@pytest.mark.parametrize(("system", "code"), [(SNOMED, "192970008"), (ICD10CM, "G83.4")])
def test_a_coded_cauda_equina_syndrome_is_an_emergency_never_a_routine_plan(
    system: str, code: str
) -> None:
    """Issue 26: a coded cauda equina syndrome got a routine plan with naproxen."""
    result = read(cond(system, code))
    plan = build_plan(result.case)
    assert plan.triage.level is TriageLevel.emergency
    assert plan.discharge == ()
    assert any("cauda equina syndrome is coded" in line for line in result.ignored)


def test_an_inactive_coded_condition_is_not_read() -> None:
    assert Condition.ckd not in read(cond(ICD10CM, "N18.4", status="resolved")).case.conditions


def test_active_conditions_the_tool_does_not_read_are_listed_in_one_line() -> None:
    result = read(
        cond(SNOMED, "15777000", "Prediabetes"),
        cond(ICD10CM, "J01.90", "Acute sinusitis"),
        cond(SNOMED, "431857002", "Chronic kidney disease stage 4"),
    )
    (line,) = [x for x in result.ignored if x.startswith("active conditions this tool")]
    assert "Prediabetes" in line
    assert "Acute sinusitis" in line
    assert "kidney" not in line


# --- allergies ------------------------------------------------------------------------------


def allergy(
    display: str, system: str = SNOMED, code: str = "0", category: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "patient": {"reference": "Patient/p"},
        "code": {"coding": [{"system": system, "code": code, "display": display}]},
    }
    if category:
        item["category"] = [category]
    return item


@pytest.mark.parametrize(
    ("item", "drug"),
    [
        (allergy("Allergy to aspirin", code="293586001"), "aspirin"),  # SNOMED CT wording
        (allergy("Naproxen (substance)", code="372588000"), "naproxen"),
        # RxNorm 993781: Acetaminophen 300 MG / Codeine Phosphate 30 MG Oral Tablet (CDC set)
        (
            allergy(
                "Tylenol-Codeine",
                system="http://www.nlm.nih.gov/research/umls/rxnorm",
                code="993781",
            ),
            "codeine",
        ),
    ],
)
def test_a_coded_medication_allergy_names_its_drug(item: dict[str, Any], drug: str) -> None:
    assert drug in read(item).case.allergic_to


def test_a_medication_allergy_not_recognised_is_listed_and_a_food_allergy_is_not() -> None:
    result = read(
        allergy("Allergy to iodinated contrast media", category="medication"),
        allergy("Shellfish allergy", code="300913006", category="food"),  # as Synthea codes it
    )
    (line,) = [x for x in result.ignored if x.startswith("medication allergies")]
    assert "iodinated contrast" in line
    assert "Shellfish" not in line
