"""Gabapentin renal caps, titration schedule and the schedule table."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logic.engine.gabapentin import (
    HD_SUPPLEMENT_MG,
    LABEL_TABLE_1,
    build_gabapentin_plan,
    capsules,
    gabapentin_max_daily_mg,
    gabapentin_schedule,
    schedule_csv,
    schedule_frame,
)
from logic.engine.renal import RenalBand, renal_band
from logic.models import GabapentinPlan

# FDA Neurontin label §2.3 Table 1: top of each band's daily range; below 15 mL/min the daily
# dose falls in proportion to CrCl (300 × CrCl / 15).
CAPS = [
    (200, 3600),  # ≥60: 900–3600
    (60, 3600),
    (59.9, 1400),  # >30–59: 400–1400
    (30.1, 1400),
    (30, 700),  # >15–29: 200–700 (exactly 30 assigned to the lower band)
    (15.1, 700),
    (15, 300),  # 15: 100–300
    (7.5, 150),  # label example: CrCl 7.5 gets half the CrCl-15 dose
    (3, 60),
    (0, 0),
]


@pytest.mark.parametrize(("crcl", "cap"), CAPS)
def test_max_daily_dose_follows_label_table(crcl, cap):
    """The renal maximum is the top of the label band, proportional below 15 mL/min."""
    assert gabapentin_max_daily_mg(crcl) == pytest.approx(cap)


def test_max_daily_dose_on_dialysis_without_crcl_is_lowest_row():
    """Dialysis without a CrCl uses the <15 row unscaled (300 mg/day)."""
    assert gabapentin_max_daily_mg(None, on_hemodialysis=True) == 300


def test_max_daily_dose_on_dialysis_uses_crcl_band():
    """Dialysis with a CrCl: maintenance per that CrCl's band (label)."""
    assert gabapentin_max_daily_mg(20, on_hemodialysis=True) == 700
    assert gabapentin_max_daily_mg(7.5, on_hemodialysis=True) == pytest.approx(150)


def test_max_daily_dose_refuses_unknown_crcl():
    """No CrCl and no dialysis: no band to read, so no guess."""
    with pytest.raises(ValueError, match="unknown"):
        gabapentin_max_daily_mg(None)


def test_label_table_rows_match_label():
    """Per-dose columns and frequencies as printed in label Table 1."""
    rows = {r.band: (r.doses_per_day, r.dose_mg) for r in LABEL_TABLE_1}
    assert rows == {
        RenalBand.normal: (3, (300, 400, 600, 800, 1200)),
        RenalBand.moderate: (2, (200, 300, 400, 500, 700)),
        RenalBand.severe: (1, (200, 300, 400, 500, 700)),
        RenalBand.very_severe: (1, (100, 125, 150, 200, 300)),
    }
    assert HD_SUPPLEMENT_MG == (125, 150, 200, 250, 350)


def totals(plan: GabapentinPlan) -> list[float]:
    return [s.total_daily_mg for s in plan.steps]


def test_normal_function_follows_phn_titration_then_reaches_1800_on_day_9():
    """Label PHN: 300 / 600 / 900 on days 1–3; then +1 regimen every 3 days to 1800 on day 9."""
    plan = build_gabapentin_plan(RenalBand.normal, 90)
    assert [s.doses for s in plan.steps[:3]] == [(300,), (300, 300), (300, 300, 300)]
    assert totals(plan)[:9] == [300, 600, 900, 900, 900, 1200, 1200, 1200, 1800]
    assert plan.steps[8].doses == (600, 600, 600)
    assert len(plan.steps) == 14
    assert plan.max_daily_mg == 3600
    assert plan.doses_per_day == 3


def test_low_start_ramps_from_100_with_600_rung():
    """Start 100 mg (FDA 2019 lowest dose): 100, 200, 300, then 600 (200 TID) before 900."""
    plan = build_gabapentin_plan(RenalBand.normal, None, start_mg=100)
    assert totals(plan)[:3] == [100, 200, 300]
    changes = sorted(set(totals(plan)))
    assert changes == [100, 200, 300, 600, 900, 1200, 1800]
    assert plan.steps[5].doses == (200, 200, 200)
    assert len(plan.steps) == max(14, plan.steps[-1].day)
    assert plan.steps[-1].day == 18  # 1800 reached on day 15, shown 3 more days
    assert "FDA 2019" in plan.note


def test_target_between_regimens_stops_at_highest_regimen_below():
    """Target 1500 with regimens 1200 and 1800: stop at 1200."""
    plan = build_gabapentin_plan(RenalBand.normal, 90, target_daily_mg=1500)
    assert max(totals(plan)) == 1200


# Frequencies from label Table 1.
FREQUENCIES = [
    (RenalBand.normal, 3),
    (RenalBand.moderate, 2),
    (RenalBand.severe, 1),
    (RenalBand.very_severe, 1),
    (RenalBand.hemodialysis, 1),
]


@pytest.mark.parametrize(("band", "per_day"), FREQUENCIES)
def test_maintenance_frequency_per_band(band, per_day):
    """TID ≥60, BID 30–59, once daily below 30 and on dialysis (no CrCl)."""
    plan = build_gabapentin_plan(band, None)
    assert plan.doses_per_day == per_day
    assert len(plan.steps[-1].doses) == per_day
    assert plan.band == band.value


def test_moderate_band_ramp_stops_at_twice_daily():
    """BID band: day 1 once, day 2 twice, no third dose; capped at 1400."""
    plan = build_gabapentin_plan(RenalBand.moderate, 45)
    assert [len(s.doses) for s in plan.steps[:3]] == [1, 2, 2]
    assert max(totals(plan)) == 1400
    assert "capped" in plan.note


def test_very_severe_proportional_cap_uses_label_regimen():
    """CrCl 7.5 → max 150 mg/day, given as the 150 mg QD regimen from day 1."""
    plan = build_gabapentin_plan(RenalBand.very_severe, 7.5)
    assert plan.max_daily_mg == pytest.approx(150)
    assert set(totals(plan)) == {150}


def test_crcl_below_5_gives_no_schedule():
    """Renal maximum below 100 mg/day: no steps, specialist/pharmacy note."""
    plan = build_gabapentin_plan(RenalBand.very_severe, 4)
    assert plan.steps == ()
    assert "specialist or pharmacy" in plan.note
    assert schedule_frame(plan).empty


# Label Table 1: supplemental post-dialysis dose in the column of the maintenance dose.
SUPPLEMENTS = [
    (300, 350),  # 300 QD (<15 row, column 5) → 350
    (200, 250),  # 200 QD → 250
    (150, 200),
    (125, 150),
    (100, 125),
]


@pytest.mark.parametrize(("target", "supplement"), SUPPLEMENTS)
def test_dialysis_supplement_lines_up_with_maintenance_column(target, supplement):
    """Post-HD supplement follows the maintenance column (label Table 1)."""
    plan = build_gabapentin_plan(RenalBand.hemodialysis, None, target_daily_mg=target, start_mg=100)
    assert plan.steps[-1].total_daily_mg == target
    assert plan.dialysis_supplement_mg == supplement
    frame = schedule_frame(plan)
    assert frame["note"].str.contains(f"plus {supplement} mg after each 4 h").all()


def test_dialysis_with_crcl_in_severe_band_uses_that_row():
    """On dialysis with CrCl 20, maintenance follows the 15–29 row; 700 QD → 350 supplement."""
    plan = build_gabapentin_plan(RenalBand.hemodialysis, 20)
    assert plan.max_daily_mg == 700
    assert plan.steps[-1].doses == (700,)
    assert plan.dialysis_supplement_mg == 350


def test_no_supplement_without_dialysis():
    """The supplement field is empty off dialysis."""
    assert build_gabapentin_plan(RenalBand.severe, 20).dialysis_supplement_mg is None


@settings(max_examples=300, deadline=None)
@given(
    crcl=st.floats(min_value=0, max_value=200, allow_nan=False),
    target=st.floats(min_value=300, max_value=3600, allow_nan=False),
    start=st.sampled_from([100, 300]),
    dialysis=st.booleans(),
    step_days=st.integers(min_value=1, max_value=7),
)
def test_no_day_ever_exceeds_renal_max(crcl, target, start, dialysis, step_days):
    """Property: every day ≤ renal max and ≤ target, equal doses, monotone, label frequency."""
    if dialysis:
        crcl = min(crcl, 30)  # the case model forbids CrCl > 30 on dialysis
    band = renal_band(crcl, dialysis)
    plan = build_gabapentin_plan(band, crcl, target, start, step_days)
    cap = gabapentin_max_daily_mg(crcl, dialysis)
    assert plan.max_daily_mg == pytest.approx(cap)
    previous = 0.0
    for day, step in enumerate(plan.steps, start=1):
        assert step.day == day
        assert step.total_daily_mg <= cap + 1e-9
        assert step.total_daily_mg <= target + 1e-9
        assert len(set(step.doses)) == 1
        assert sum(step.doses) == pytest.approx(step.total_daily_mg)
        assert len(step.doses) <= plan.doses_per_day
        assert step.total_daily_mg >= previous
        previous = step.total_daily_mg
    if cap >= 100:
        assert len(plan.steps) >= 14


# US presentations: capsules 100/300/400 mg, tablets 600/800 mg (label §3), greedy.
CAPSULES = [
    (300, "1 × 300 mg"),
    (400, "1 × 400 mg"),
    (200, "2 × 100 mg"),
    (500, "1 × 400 mg + 1 × 100 mg"),
    (700, "1 × 600 mg + 1 × 100 mg"),
    (1200, "1 × 800 mg + 1 × 400 mg"),
    (150, "3 mL oral solution 250 mg/5 mL"),  # no 50 mg capsule: oral solution
]


@pytest.mark.parametrize(("dose", "text"), CAPSULES)
def test_capsule_strings(dose, text):
    """Each dose is spelled out in whole capsules/tablets, largest first."""
    assert capsules(dose) == text


def test_schedule_from_crcl_matches_plan_frame():
    """gabapentin_schedule is schedule_frame of the plan for that CrCl's band."""
    frame = gabapentin_schedule(90)
    expected = schedule_frame(build_gabapentin_plan(RenalBand.normal, 90))
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame.columns) == [
        "day",
        "total_daily_mg",
        "doses_per_day",
        "dose_mg",
        "capsules",
        "note",
    ]
    assert frame.loc[0, "capsules"] == "1 × 300 mg"
    assert frame.loc[2, "doses_per_day"] == 3


def test_schedule_csv_round_trips():
    """CSV bytes are UTF-8 and parse back to the same table."""
    plan = build_gabapentin_plan(RenalBand.moderate, 45)
    data = schedule_csv(plan)
    assert isinstance(data, bytes)
    back = pd.read_csv(io.BytesIO(data), keep_default_na=False)
    assert back["total_daily_mg"].tolist() == [s.total_daily_mg for s in plan.steps]
    assert "1 × 300 mg" in data.decode("utf-8")
