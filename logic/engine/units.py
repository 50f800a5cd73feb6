"""Unit conversions for the page. Pure functions, each with its source.

The clinical engine works in one set of units (kg, cm, mg/dL, mL/min). The page converts what the
user typed exactly once, here, and shows the converted value next to the input.

Sources:
* Pound: exactly 0.453 592 37 kg (International Yard and Pound Agreement, 1959; NIST SP 811,
  appendix B.8).
* Inch: exactly 2.54 cm (same agreement; NIST SP 811, appendix B.8).
* Creatinine: 1 mg/dL = 88.4 µmol/L (molar mass of creatinine 113.12 g/mol; the factor used by
  KDIGO 2012 CKD guideline and SI unit conversion tables, e.g. AMA Manual of Style).
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "CM_PER_INCH",
    "CREATININE_UMOL_PER_MG_DL",
    "KG_PER_LB",
    "CreatinineUnit",
    "HeightUnit",
    "WeightUnit",
    "cm_to_unit",
    "creatinine_to_mg_dl",
    "height_to_cm",
    "kg_to_unit",
    "mg_dl_to_unit",
    "weight_to_kg",
]

KG_PER_LB = 0.45359237
"""Kilograms in one avoirdupois pound (exact by definition, 1959)."""

CM_PER_INCH = 2.54
"""Centimetres in one inch (exact by definition, 1959)."""

CREATININE_UMOL_PER_MG_DL = 88.4
"""µmol/L of creatinine in 1 mg/dL (10 dL/L × 1000 µmol/mmol / 113.12 g/mol)."""

WeightUnit = Literal["kg", "lb"]
HeightUnit = Literal["cm", "in"]
CreatinineUnit = Literal["mg/dL", "µmol/L"]


# Each unit as (multiply, divide) to reach the base unit (kg, cm, mg/dL). Keeping the factor on
# the side where its source states it means no reciprocal is ever rounded.
_TO_BASE: dict[str, dict[str, tuple[float, float]]] = {
    "weight": {"kg": (1.0, 1.0), "lb": (KG_PER_LB, 1.0)},
    "height": {"cm": (1.0, 1.0), "in": (CM_PER_INCH, 1.0)},
    "creatinine": {"mg/dL": (1.0, 1.0), "µmol/L": (1.0, CREATININE_UMOL_PER_MG_DL)},
}


def _factors(kind: str, unit: str) -> tuple[float, float]:
    try:
        return _TO_BASE[kind][unit]
    except KeyError:
        raise ValueError(f"unknown {kind} unit {unit!r}") from None


def weight_to_kg(value: float, unit: WeightUnit) -> float:
    """Weight in kilograms from a value in kg or lb: `weight_to_kg(180, "lb")` is 81.6466266."""
    mul, div = _factors("weight", unit)
    return float(value) * mul / div


def kg_to_unit(value_kg: float, unit: WeightUnit) -> float:
    """Inverse of `weight_to_kg`, used to keep a typed weight when the user switches units."""
    mul, div = _factors("weight", unit)
    return float(value_kg) * div / mul


def height_to_cm(value: float, unit: HeightUnit) -> float:
    """Height in centimetres from a value in cm or inches: `height_to_cm(70, "in")` is 177.8."""
    mul, div = _factors("height", unit)
    return float(value) * mul / div


def cm_to_unit(value_cm: float, unit: HeightUnit) -> float:
    """Inverse of `height_to_cm`."""
    mul, div = _factors("height", unit)
    return float(value_cm) * div / mul


def creatinine_to_mg_dl(value: float, unit: CreatinineUnit) -> float:
    """Serum creatinine in mg/dL from mg/dL or µmol/L: 88.4 µmol/L gives 1.0 mg/dL."""
    mul, div = _factors("creatinine", unit)
    return float(value) * mul / div


def mg_dl_to_unit(value_mg_dl: float, unit: CreatinineUnit) -> float:
    """Inverse of `creatinine_to_mg_dl`."""
    mul, div = _factors("creatinine", unit)
    return float(value_mg_dl) * div / mul
