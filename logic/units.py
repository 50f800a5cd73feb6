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


def weight_to_kg(value: float, unit: WeightUnit) -> float:
    """Weight in kilograms from a value in kg or lb: `weight_to_kg(180, "lb")` is 81.6466266."""
    if unit == "kg":
        return float(value)
    if unit == "lb":
        return value * KG_PER_LB
    raise ValueError(f"unknown weight unit {unit!r}")


def kg_to_unit(value_kg: float, unit: WeightUnit) -> float:
    """Inverse of `weight_to_kg`, used to keep a typed weight when the user switches units."""
    if unit == "kg":
        return float(value_kg)
    if unit == "lb":
        return value_kg / KG_PER_LB
    raise ValueError(f"unknown weight unit {unit!r}")


def height_to_cm(value: float, unit: HeightUnit) -> float:
    """Height in centimetres from a value in cm or inches: `height_to_cm(70, "in")` is 177.8."""
    if unit == "cm":
        return float(value)
    if unit == "in":
        return value * CM_PER_INCH
    raise ValueError(f"unknown height unit {unit!r}")


def cm_to_unit(value_cm: float, unit: HeightUnit) -> float:
    """Inverse of `height_to_cm`."""
    if unit == "cm":
        return float(value_cm)
    if unit == "in":
        return value_cm / CM_PER_INCH
    raise ValueError(f"unknown height unit {unit!r}")


def creatinine_to_mg_dl(value: float, unit: CreatinineUnit) -> float:
    """Serum creatinine in mg/dL from mg/dL or µmol/L: 88.4 µmol/L gives 1.0 mg/dL."""
    if unit == "mg/dL":
        return float(value)
    if unit == "µmol/L":
        return value / CREATININE_UMOL_PER_MG_DL
    raise ValueError(f"unknown creatinine unit {unit!r}")


def mg_dl_to_unit(value_mg_dl: float, unit: CreatinineUnit) -> float:
    """Inverse of `creatinine_to_mg_dl`."""
    if unit == "mg/dL":
        return float(value_mg_dl)
    if unit == "µmol/L":
        return value_mg_dl * CREATININE_UMOL_PER_MG_DL
    raise ValueError(f"unknown creatinine unit {unit!r}")
