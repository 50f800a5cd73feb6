"""Age enters triage (issue 21): the plan never says "no imaging is needed" without the age
red flags. Expectations from the sources, not from the code: AHCPR 1994 red-flag table (tumour
or infection: "age over 50"), AHCPR 1994 and ACP/APS 2007 (fracture: older age), the imaging
indication "age > 70" for fracture (Deyo-era criteria, table in Walsh). Both sides of each
boundary: 50/51 and 70/71."""

from __future__ import annotations

import pytest

from logic.engine.plan import build_plan
from logic.engine.triage import ROUTINE_ACTION, triage
from logic.models import PatientCase, RedFlag, TriageLevel

CANCER = "cancer and infection more likely"
FRACTURE = "vertebral fracture more likely"

# (age, cancer/infection age flag, fracture age flag, source)
AGES = [
    (18, False, False, "youngest adult the model takes"),
    (50, False, False, "AHCPR 1994: 'over 50' is strict"),
    (51, True, False, "AHCPR 1994: over 50"),
    (70, True, False, "fracture age flag from over 70"),
    (71, True, True, "over 70: fracture risk (older age, AHCPR 1994; ACP/APS 2007)"),
    (72, True, True, "the issue's 72-year-old"),
    (110, True, True, "oldest the model takes"),
]


def _case(age: int, **extra: object) -> PatientCase:
    return PatientCase(age_years=age, sex="female", weight_kg=60, crcl_ml_min=80, **extra)


@pytest.mark.parametrize(("age", "cancer", "fracture", "why"), AGES)
def test_age_red_flags_at_each_boundary(age: int, cancer: bool, fracture: bool, why: str) -> None:
    result = triage(_case(age))
    findings = " ".join(result.findings)
    assert (CANCER in findings) is cancer, why
    assert (FRACTURE in findings) is fracture, why
    assert result.level is TriageLevel.routine  # age alone is not urgent (ACP/APS 2007)
    if cancer:
        assert result.action != ROUTINE_ACTION
        assert "No imaging is needed" not in result.action
        assert "Otherwise no imaging" in result.action
        assert "cancer" in result.action
        assert "weight loss" in result.action
    else:
        assert result.action == ROUTINE_ACTION
    assert ("plain films" in result.action) is fracture, why


@pytest.mark.parametrize("age", [51, 71])
def test_age_findings_stay_beside_real_red_flags(age: int) -> None:
    """With a history of cancer the case is urgent (AHCPR 1994) and the age finding is kept."""
    plan = build_plan(_case(age, red_flags=[RedFlag.cancer_history]))
    assert plan.triage.level is TriageLevel.urgent
    assert any(CANCER in f for f in plan.triage.findings)
    assert any("malignancy" in f for f in plan.triage.findings)
