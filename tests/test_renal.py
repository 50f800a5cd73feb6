"""Cockcroft-Gault, body weights, label bands and the renal assessment of a case."""

from __future__ import annotations

import pytest

from logic.engine.renal import (
    RenalBand,
    adjusted_body_weight_kg,
    assess_renal,
    band_rank,
    body_mass_index,
    cockcroft_gault,
    crcl_weight,
    ideal_body_weight_kg,
    renal_band,
)
from logic.models import Condition, PatientCase


def case(**overrides: object) -> PatientCase:
    base: dict[str, object] = {"age_years": 40, "sex": "male", "weight_kg": 80}
    base.update(overrides)
    return PatientCase(**base)


# Hand-computed from Cockcroft & Gault 1976: (140 - age) x weight / (72 x SCr), x 0.85 if female.
CG_EXAMPLES = [
    # age, weight, SCr, female, expected
    (40, 80, 1.0, False, 8000 / 72),  # 100 x 80 / 72 = 111.11
    (35, 80, 1.0, False, 8400 / 72),  # 105 x 80 / 72 = 116.67
    (40, 80, 1.0, True, 8000 / 72 * 0.85),  # 94.44
    (80, 60, 2.0, False, 3600 / 144),  # 25.0
    (70, 50, 1.4, True, 3500 / 100.8 * 0.85),  # 29.51
]


@pytest.mark.parametrize(("age", "weight", "scr", "female", "expected"), CG_EXAMPLES)
def test_cockcroft_gault_matches_hand_computation(age, weight, scr, female, expected):
    """CG reproduces the published formula to floating-point precision."""
    assert cockcroft_gault(age, weight, scr, female) == pytest.approx(expected, rel=1e-12)


def test_cockcroft_gault_does_not_round():
    """Intermediate and final values are not rounded."""
    assert cockcroft_gault(40, 80, 1.0, False) == 8000 / 72


def test_cockcroft_gault_rejects_zero_creatinine():
    """A zero creatinine is a data error, not an infinite clearance."""
    with pytest.raises(ValueError, match="creatinine"):
        cockcroft_gault(40, 80, 0, False)


# Devine 1974: 50 kg (male) / 45.5 kg (female) + 2.3 kg per inch over 60 in; 2.54 cm per inch.
IBW_EXAMPLES = [
    (170, "male", 50 + 2.3 * (170 / 2.54 - 60)),  # ≈ 65.94
    (152.4, "male", 50.0),  # exactly 5 ft
    (152.4, "female", 45.5),
    (182.88, "male", 50 + 2.3 * 12),  # 6 ft = 77.6
    (165, "female", 45.5 + 2.3 * (165 / 2.54 - 60)),  # ≈ 56.91 (MedCalc-Bench row 176)
    (140, "female", 45.5),  # below 5 ft: base value, not an extrapolation
]


@pytest.mark.parametrize(("height", "sex", "expected"), IBW_EXAMPLES)
def test_ideal_body_weight_follows_devine(height, sex, expected):
    """Devine IBW per sex, with the base value below 5 ft."""
    assert ideal_body_weight_kg(height, sex) == pytest.approx(expected, rel=1e-12)


def test_ideal_body_weight_170_cm_male_is_about_66_kg():
    """The textbook example: 170 cm man ≈ 66.0 kg."""
    assert ideal_body_weight_kg(170, "male") == pytest.approx(66.0, abs=0.1)


def test_adjusted_body_weight_is_forty_percent_of_excess():
    """AdjBW = IBW + 0.4 × (actual − IBW)."""
    assert adjusted_body_weight_kg(70, 120) == pytest.approx(90)


def test_body_mass_index():
    """BMI = kg / m²."""
    assert body_mass_index(81, 180) == pytest.approx(25.0)


# Winter 2012 rule (MDCalc, MedCalc-Bench):
# BMI < 18.5 actual, 18.5-24.9 min(IBW, actual), ≥ 25 adjusted.
WEIGHT_RULE = [
    # weight, height, sex, weight that should be used, label prefix
    (80, None, "male", 80, "actual body weight (height not entered)"),
    (50, 175, "male", 50, "actual body weight (BMI < 18.5)"),  # BMI 16.3
    (70, 175, "male", 70, "actual body weight (BMI 18.5–24.9, below ideal)"),  # IBW 70.47
    (55, 160, "female", ideal_body_weight_kg(160, "female"), "ideal"),  # BMI 21.5, IBW 52.4
    (120, 175, "male", 50 + 2.3 * (175 / 2.54 - 60) + 0.4 * (120 - 70.47), "adjusted"),  # BMI 39
]


@pytest.mark.parametrize(("weight", "height", "sex", "expected", "label"), WEIGHT_RULE)
def test_crcl_weight_follows_bmi_rule(weight, height, sex, expected, label):
    """The weight used for CG depends on BMI, and the label says which weight it is."""
    used, basis = crcl_weight(weight, height, sex)
    assert used == pytest.approx(expected, abs=0.01)
    assert basis.startswith(label)


def test_crcl_weight_normal_bmi_takes_actual_when_below_ideal():
    """Normal BMI but actual < IBW → actual weight (the lower of the two)."""
    # 185 cm male, 65 kg: BMI 19.0; IBW ≈ 79.5 kg.
    used, basis = crcl_weight(65, 185, "male")
    assert used == 65
    assert basis.startswith("actual")


def test_crcl_weight_normal_bmi_takes_ideal_when_below_actual():
    """Normal BMI and IBW < actual → IBW."""
    used, basis = crcl_weight(75, 180, "male")  # BMI 23.1; IBW ≈ 75.0
    assert used == pytest.approx(ideal_body_weight_kg(180, "male"))
    assert basis.startswith("ideal")


def test_crcl_weight_bmi_25_uses_adjusted():
    """BMI exactly 25 is overweight: adjusted body weight."""
    used, basis = crcl_weight(81, 180, "male")
    assert used == pytest.approx(adjusted_body_weight_kg(ideal_body_weight_kg(180, "male"), 81))
    assert basis.startswith("adjusted")


# Gabapentin label bands (Neurontin §2.3 Table 1) with the gaps assigned to the lower band.
BAND_EDGES = [
    (200, RenalBand.normal),
    (60, RenalBand.normal),
    (59.9, RenalBand.moderate),
    (30.1, RenalBand.moderate),
    (30, RenalBand.severe),  # label: ">30–59" excludes 30
    (29.9, RenalBand.severe),
    (15.1, RenalBand.severe),
    (15, RenalBand.very_severe),  # label: ">15–29" excludes 15
    (14.9, RenalBand.very_severe),
    (0, RenalBand.very_severe),
]


@pytest.mark.parametrize(("crcl", "band"), BAND_EDGES)
def test_renal_band_edges_are_conservative(crcl, band):
    """Each gap in the label's bands goes to the lower (safer) band."""
    assert renal_band(crcl) is band


@pytest.mark.parametrize("crcl", [0, 10, 25])
def test_renal_band_dialysis_overrides_number(crcl):
    """On haemodialysis the band is haemodialysis whatever the CrCl."""
    assert renal_band(crcl, on_hemodialysis=True) is RenalBand.hemodialysis


def test_band_values_are_the_published_strings():
    """Band values are fixed strings other modules display."""
    assert [b.value for b in RenalBand] == ["≥60", "30–59", "15–29", "<15", "haemodialysis"]


def test_band_rank_orders_worse_function_higher():
    """band_rank lets the engine ask 'CrCl below 30?' on a band or its string value."""
    assert [band_rank(b) for b in RenalBand] == [0, 1, 2, 3, 4]
    assert band_rank("15–29") >= band_rank(RenalBand.severe)
    assert band_rank(RenalBand.moderate) < band_rank(RenalBand.severe)


def test_assess_direct_crcl_wins_over_creatinine():
    """A CrCl entered directly beats Cockcroft-Gault from creatinine."""
    renal = assess_renal(case(crcl_ml_min=42, serum_creatinine_mg_dl=1.0))
    assert renal.crcl_ml_min == 42
    assert renal.method == "entered directly"
    assert renal.band == RenalBand.moderate.value


def test_assess_from_creatinine_fills_weights():
    """CG from creatinine records every weight and the CrCl each would give."""
    renal = assess_renal(
        case(age_years=60, weight_kg=120, height_cm=175, serum_creatinine_mg_dl=1.2)
    )
    ibw = ideal_body_weight_kg(175, "male")
    adj = adjusted_body_weight_kg(ibw, 120)
    assert renal.method == "Cockcroft-Gault (adjusted body weight (BMI ≥ 25))"
    assert renal.weight_used_kg == pytest.approx(adj)
    assert renal.crcl_ml_min == pytest.approx(80 * adj / (72 * 1.2))
    assert renal.crcl_actual_weight == pytest.approx(80 * 120 / (72 * 1.2))
    assert renal.crcl_ideal_weight == pytest.approx(80 * ibw / (72 * 1.2))
    assert renal.crcl_adjusted_weight == pytest.approx(renal.crcl_ml_min)
    assert renal.ideal_body_weight_kg == pytest.approx(ibw)
    assert renal.bmi == pytest.approx(120 / 1.75**2)
    assert "acute kidney injury" in renal.note


def test_assess_from_creatinine_without_height_uses_actual_weight():
    """No height: actual weight, and no ideal/adjusted figures."""
    renal = assess_renal(case(serum_creatinine_mg_dl=1.0))
    assert renal.crcl_ml_min == pytest.approx(8000 / 72)
    assert renal.weight_basis == "actual body weight (height not entered)"
    assert renal.crcl_ideal_weight is None
    assert renal.crcl_adjusted_weight is None
    assert renal.bmi is None
    assert renal.band == RenalBand.normal.value


def test_assess_female_applies_085():
    """Female sex multiplies CG by 0.85."""
    renal = assess_renal(case(sex="female", serum_creatinine_mg_dl=1.0))
    assert renal.crcl_ml_min == pytest.approx(8000 / 72 * 0.85)


def test_assess_dialysis_keeps_entered_crcl():
    """On dialysis the band is haemodialysis and an entered CrCl is kept."""
    renal = assess_renal(case(crcl_ml_min=10, on_hemodialysis=True))
    assert renal.band == RenalBand.hemodialysis.value
    assert renal.crcl_ml_min == 10


def test_assess_dialysis_with_creatinine_gives_no_crcl():
    """Creatinine between dialysis sessions is not steady state: no CG estimate."""
    renal = assess_renal(case(serum_creatinine_mg_dl=8.0, on_hemodialysis=True))
    assert renal.band == RenalBand.hemodialysis.value
    assert renal.crcl_ml_min is None


# Assumptions when neither creatinine nor CrCl is known (conservative by design).
ASSUMPTIONS = [
    ({"on_hemodialysis": True}, RenalBand.hemodialysis, "haemodialysis"),
    ({"conditions": (Condition.ckd,)}, RenalBand.severe, "assumed (CKD, no creatinine entered)"),
    (
        {"conditions": (Condition.ckd,), "age_years": 80},
        RenalBand.severe,
        "assumed (CKD, no creatinine entered)",
    ),
    ({"age_years": 65}, RenalBand.moderate, "assumed (age ≥65, no creatinine entered)"),
    ({"age_years": 64}, RenalBand.normal, "assumed normal (no creatinine entered)"),
]


@pytest.mark.parametrize(("overrides", "band", "method"), ASSUMPTIONS)
def test_assess_without_creatinine_assumes_conservatively(overrides, band, method):
    """Without creatinine: dialysis > CKD (15–29) > age ≥ 65 (30–59) > normal."""
    renal = assess_renal(case(**overrides))
    assert renal.band == band.value
    assert renal.crcl_ml_min is None
    assert renal.method == method


@pytest.mark.parametrize("overrides", [{}, {"age_years": 70}, {"conditions": (Condition.ckd,)}])
def test_assumption_note_asks_for_creatinine(overrides):
    """An assumed band says plainly that it is an assumption and to measure creatinine."""
    note = assess_renal(case(**overrides)).note
    assert note.startswith("Assumption")
    assert "Measure serum creatinine" in note
