"""Plausibility cautions for rare, decisive values (logic/engine/plausibility.py).

Boundaries from the issue (CrCl under 10 without dialysis, weight under 35 kg, age over 100),
each tested on both sides; the Cockcroft-Gault case is hand-calculated.
"""

from __future__ import annotations

from typing import Any

import pytest

from logic.engine.plausibility import plausibility_warnings
from logic.engine.renal import assess_renal
from logic.models import PatientCase, Severity

BASE: dict[str, Any] = {"age_years": 50, "sex": "male", "weight_kg": 70}


def codes(**fields: Any) -> list[str]:
    case = PatientCase(**{**BASE, **fields})
    return [w.code for w in plausibility_warnings(case, assess_renal(case))]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"crcl_ml_min": 9.99}, ["confirm-crcl"]),
        ({"crcl_ml_min": 10}, []),
        ({"crcl_ml_min": 0}, ["confirm-crcl"]),  # the CrCl 0 without dialysis
        ({"crcl_ml_min": 5, "on_hemodialysis": True}, []),  # on dialysis: expected
        ({"egfr_ml_min_1_73m2": 10}, []),
        # an eGFR beside a measured CrCl: its own caution
        ({"egfr_ml_min_1_73m2": 9.9, "crcl_ml_min": 40}, ["confirm-egfr"]),
        ({"egfr_ml_min_1_73m2": 5, "crcl_ml_min": 20, "on_hemodialysis": True}, []),
        ({"weight_kg": 34.9}, ["confirm-weight"]),
        ({"weight_kg": 35}, []),
        ({"age_years": 101}, ["confirm-age"]),
        ({"age_years": 100}, []),
        ({}, []),
    ],
)
def test_each_boundary_on_both_sides(fields: dict[str, Any], expected: list[str]) -> None:
    assert codes(**fields) == expected


def test_egfr_alone_under_10_gives_one_caution_that_names_it() -> None:
    # Whether the plan used the eGFR as its clearance or not, one caution names the value.
    case = PatientCase(**{**BASE, "egfr_ml_min_1_73m2": 9.9})
    found = plausibility_warnings(case, assess_renal(case))
    assert len(found) == 1
    assert found[0].code in {"confirm-crcl", "confirm-egfr"}
    assert "eGFR" in found[0].message
    assert "9.9" in found[0].message


def test_cockcroft_gault_clearance_under_10_is_questioned() -> None:
    # Hand calculation: (140 - 80) x 50 / (72 x 5.0) = 8.3 mL/min (male, actual weight).
    case = PatientCase(age_years=80, sex="male", weight_kg=50, serum_creatinine_mg_dl=5.0)
    renal = assess_renal(case)
    assert renal.crcl_ml_min == pytest.approx(8.33, abs=0.01)
    (warning,) = plausibility_warnings(case, renal)
    assert warning.code == "confirm-crcl"
    assert "8.3 mL/min" in warning.message
    assert "Cockcroft-Gault" in warning.message
    # Same patient at creatinine 4.0: 3000 / 288 = 10.4 mL/min, no caution.
    ok = case.model_copy(update={"serum_creatinine_mg_dl": 4.0})
    assert plausibility_warnings(ok, assess_renal(ok)) == ()


def test_cautions_ask_to_confirm_and_name_a_source() -> None:
    case = PatientCase(age_years=104, sex="female", weight_kg=30, crcl_ml_min=4)
    found = plausibility_warnings(case, assess_renal(case))
    assert [w.code for w in found] == ["confirm-crcl", "confirm-weight", "confirm-age"]
    for warning in found:
        assert warning.severity is Severity.caution
        assert warning.message.startswith("Please confirm")
        assert warning.source


def test_the_plan_still_shows_and_carries_the_caution() -> None:
    """The issue's CrCl 0 without dialysis: a plan, with a caution asking to confirm."""
    from logic.engine.plan import build_plan

    plan = build_plan(PatientCase(**{**BASE, "crcl_ml_min": 0}))
    assert plan.give_now  # the plan is built
    assert "confirm-crcl" in [w.code for w in plan.warnings]
    plain = build_plan(PatientCase(**{**BASE, "crcl_ml_min": 10}))
    assert "confirm-crcl" not in [w.code for w in plain.warnings]
