"""Unit conversions used once by the page (logic/engine/units.py)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic.engine import units

# (value, unit, expected in the engine's unit). Sources: NIST SP 811 appendix B.8 (lb, in, exact);
# KDIGO 2012 / SI conversion tables (creatinine 88.4 µmol/L per mg/dL).
WEIGHTS = [(80, "kg", 80.0), (1, "lb", 0.45359237), (180, "lb", 81.6466266), (220, "lb", 99.79)]
HEIGHTS = [(175, "cm", 175.0), (1, "in", 2.54), (70, "in", 177.8)]
CREATININES = [(1.0, "mg/dL", 1.0), (88.4, "µmol/L", 1.0), (442, "µmol/L", 5.0)]


@pytest.mark.parametrize(("value", "unit", "expected"), WEIGHTS)
def test_weight_to_kg(value, unit, expected):
    """Pounds convert to kilograms with the exact 1959 factor; kilograms pass through."""
    assert units.weight_to_kg(value, unit) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(("value", "unit", "expected"), HEIGHTS)
def test_height_to_cm(value, unit, expected):
    """Inches convert to centimetres at exactly 2.54 cm per inch."""
    assert units.height_to_cm(value, unit) == pytest.approx(expected)


@pytest.mark.parametrize(("value", "unit", "expected"), CREATININES)
def test_creatinine_to_mg_dl(value, unit, expected):
    """µmol/L divides by 88.4 to give mg/dL; mg/dL passes through."""
    assert units.creatinine_to_mg_dl(value, unit) == pytest.approx(expected)


def test_exact_factors():
    """The definitional factors are exact, not rounded."""
    assert units.KG_PER_LB == 0.45359237
    assert units.CM_PER_INCH == 2.54
    assert units.CREATININE_UMOL_PER_MG_DL == 88.4


@pytest.mark.parametrize(
    "call",
    [
        lambda: units.weight_to_kg(1, "stone"),
        lambda: units.height_to_cm(1, "ft"),
        lambda: units.creatinine_to_mg_dl(1, "mmol/L"),
        lambda: units.kg_to_unit(1, "g"),
        lambda: units.cm_to_unit(1, "m"),
        lambda: units.mg_dl_to_unit(1, "g/L"),
    ],
)
def test_unknown_unit_raises(call):
    """An unknown unit is a programming error and raises instead of guessing."""
    with pytest.raises(ValueError, match="unknown"):
        call()


finite = st.floats(min_value=0.01, max_value=10_000, allow_nan=False)


@given(finite, st.sampled_from(["kg", "lb"]))
def test_weight_round_trip(value, unit):
    """Converting a weight to kg and back returns what was typed."""
    assert math.isclose(units.kg_to_unit(units.weight_to_kg(value, unit), unit), value)


@given(finite, st.sampled_from(["cm", "in"]))
def test_height_round_trip(value, unit):
    """Converting a height to cm and back returns what was typed."""
    assert math.isclose(units.cm_to_unit(units.height_to_cm(value, unit), unit), value)


@given(finite, st.sampled_from(["mg/dL", "µmol/L"]))
def test_creatinine_round_trip(value, unit):
    """Converting a creatinine to mg/dL and back returns what was typed."""
    assert math.isclose(units.mg_dl_to_unit(units.creatinine_to_mg_dl(value, unit), unit), value)
