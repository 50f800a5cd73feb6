"""Renal function for dosing: Cockcroft-Gault creatinine clearance, body weights and label bands.

Gabapentin is cleared unchanged by the kidney, so its label doses by creatinine clearance (CrCl).
This module turns a patient case into one `RenalAssessment` that says what CrCl was used, which
weight went into it and whether any of it is an assumption, so the reader can judge the number.
Values are kept unrounded; round only for display.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any, Literal, NamedTuple

from logic.engine.thresholds import (
    CRCL_MODERATE_ABOVE,
    CRCL_NORMAL_FROM,
    CRCL_SEVERE_ABOVE,
    OLDER_ADULT_AGE_FROM,
)
from logic.engine.units import CM_PER_INCH as CM_PER_INCH
from logic.engine.units import CREATININE_UMOL_PER_MG_DL as CREATININE_UMOL_PER_MG_DL
from logic.models import Condition, PatientCase, RenalAssessment

Sex = Literal["female", "male"]

# Cockcroft DW, Gault MH. Nephron 1976;16:31-41:
# CrCl = (140 - age) x weight / (72 x SCr), x 0.85 if female.
CG_AGE_CONSTANT = 140  # Cockcroft & Gault 1976
CG_DENOMINATOR = 72  # Cockcroft & Gault 1976
CG_FEMALE_FACTOR = 0.85  # Cockcroft & Gault 1976

# Unit factors (inch, creatinine SI) come from the one table in logic.engine.units.


class DevineConstants(NamedTuple):
    base_kg: float
    kg_per_inch_over_60: float


# Devine BJ. Drug Intell Clin Pharm 1974;8:650-5.
DEVINE: dict[Sex, DevineConstants] = {
    "male": DevineConstants(50.0, 2.3),  # Devine 1974
    "female": DevineConstants(45.5, 2.3),  # Devine 1974
}
DEVINE_BASE_HEIGHT_IN = 60  # Devine 1974: the formula counts inches over 5 ft
ADJUSTED_WEIGHT_FRACTION = 0.4  # AdjBW = IBW + 0.4 x (actual - IBW) (Winter 2012; MDCalc)

# Winter MA, Guhr KN, Berg GM. Pharmacotherapy 2012;32:604-12 (as used by MDCalc, MedCalc-Bench).
BMI_UNDERWEIGHT_BELOW = 18.5  # WHO BMI class; Winter 2012: below this use actual weight
BMI_OVERWEIGHT_FROM = 25.0  # WHO BMI class; Winter 2012: from this use adjusted body weight


def cockcroft_gault(
    age_years: float, weight_kg: float, serum_creatinine_mg_dl: float, female: bool
) -> float:
    """Creatinine clearance in mL/min (not indexed to body surface), unrounded.

    Cockcroft & Gault 1976. Only valid when creatinine is stable (not in acute kidney injury).
    """
    if serum_creatinine_mg_dl <= 0:
        raise ValueError("serum creatinine must be positive (mg/dL)")
    if weight_kg <= 0:
        raise ValueError("weight must be positive (kg)")
    crcl = ((CG_AGE_CONSTANT - age_years) * weight_kg) / (CG_DENOMINATOR * serum_creatinine_mg_dl)
    return crcl * CG_FEMALE_FACTOR if female else crcl


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    """Devine 1974 ideal body weight.

    Devine is not validated below 5 ft and extrapolates to absurd (even negative) weights there, so
    below 60 in it returns the base value, as most calculators do (clinical-facts §2).
    """
    constants = DEVINE[sex]
    inches_over = max(0.0, height_cm / CM_PER_INCH - DEVINE_BASE_HEIGHT_IN)
    return constants.base_kg + constants.kg_per_inch_over_60 * inches_over


def adjusted_body_weight_kg(ideal_kg: float, actual_kg: float) -> float:
    """IBW + 0.4 × (actual − IBW): drug clearance grows with lean mass more than with fat."""
    return ideal_kg + ADJUSTED_WEIGHT_FRACTION * (actual_kg - ideal_kg)


def body_mass_index(weight_kg: float, height_cm: float) -> float:
    """kg/m², which picks the Cockcroft-Gault weight (Winter 2012)."""
    height_m = height_cm / 100
    return weight_kg / (height_m * height_m)


def crcl_weight(weight_kg: float, height_cm: float | None, sex: Sex) -> tuple[float, str]:
    """The weight to put into Cockcroft-Gault and a short label saying which one it is.

    Winter 2012 rule as used by MDCalc and MedCalc-Bench: underweight → actual; normal BMI → the
    lower of ideal and actual; overweight or obese → adjusted. Without height only actual weight
    is possible, which overestimates CrCl in obesity: the label says so.
    """
    if height_cm is None:
        return weight_kg, "actual body weight (height not entered)"
    bmi = body_mass_index(weight_kg, height_cm)
    if bmi < BMI_UNDERWEIGHT_BELOW:
        return weight_kg, "actual body weight (BMI < 18.5)"
    ideal = ideal_body_weight_kg(height_cm, sex)
    if bmi < BMI_OVERWEIGHT_FROM:
        if ideal <= weight_kg:
            return ideal, "ideal body weight (BMI 18.5–24.9)"
        return weight_kg, "actual body weight (BMI 18.5–24.9, below ideal)"
    return adjusted_body_weight_kg(ideal, weight_kg), "adjusted body weight (BMI ≥ 25)"


class RenalBand(StrEnum):
    """CrCl bands of the gabapentin label (Neurontin §2.3 Table 1), in mL/min."""

    normal = "≥60"
    moderate = "30–59"
    severe = "15–29"
    very_severe = "<15"
    hemodialysis = "haemodialysis"


# Worse renal function ranks higher, so the engine can ask "CrCl below 30?" on a band.
BAND_RANK: dict[RenalBand, int] = {
    RenalBand.normal: 0,
    RenalBand.moderate: 1,
    RenalBand.severe: 2,
    RenalBand.very_severe: 3,
    RenalBand.hemodialysis: 4,
}


def band_rank(band: RenalBand | str) -> int:
    """0 (CrCl ≥ 60) … 4 (haemodialysis); `band_rank(b) >= 2` means CrCl below 30."""
    try:
        return BAND_RANK[band]  # type: ignore[index]  # a StrEnum key is found by its value
    except KeyError:
        raise ValueError(f"{band!r} is not a renal band") from None


_BANDS: dict[str, RenalBand] = {b.value: b for b in RenalBand}
#: Each band's value as a plain str (on Python 3.11 `.value` costs a Python-level descriptor).
BAND_VALUE: dict[RenalBand, str] = {b: b.value for b in RenalBand}


def as_band(band: RenalBand | str) -> RenalBand:
    """The band for its value (a dict lookup: calling the enum costs more than the rules)."""
    try:
        return _BANDS[band]
    except KeyError:
        raise ValueError(f"{band!r} is not a renal band") from None


# Label band floors (Neurontin §2.3 Table 1: "≥60", ">30–59", ">15–29", "15"). The label leaves
# gaps (59–60, exactly 30, 29–30, exactly 15); each gap goes to the lower, safer band.
NORMAL_FROM = CRCL_NORMAL_FROM  # label: ≥60 (logic.engine.thresholds)
MODERATE_ABOVE = CRCL_MODERATE_ABOVE  # label: >30–59, so exactly 30 is not moderate
SEVERE_ABOVE = CRCL_SEVERE_ABOVE  # label: >15–29, so exactly 15 is very severe


def renal_band(crcl_ml_min: float, on_hemodialysis: bool = False) -> RenalBand:
    """Map a CrCl to its gabapentin label band, filling the label's gaps conservatively."""
    if on_hemodialysis:
        return RenalBand.hemodialysis
    if crcl_ml_min >= NORMAL_FROM:
        return RenalBand.normal
    if crcl_ml_min > MODERATE_ABOVE:
        return RenalBand.moderate
    if crcl_ml_min > SEVERE_ABOVE:
        return RenalBand.severe
    return RenalBand.very_severe


_CG_CAVEAT = (
    "Cockcroft-Gault assumes stable renal function: it is not valid in acute kidney injury "
    "(rising creatinine)."
)
_MEASURE = "Measure serum creatinine before relying on renally cleared drug doses."
ASSUMED_CKD_BAND = RenalBand.severe  # conservative assumption when CKD is known but unquantified
OLDER_ADULT_AGE = (
    OLDER_ADULT_AGE_FROM  # AGS Beers 2023 / gabapentin label (logic.engine.thresholds)
)


def assess_renal(case: PatientCase) -> RenalAssessment:
    """The CrCl used for dosing, how it was obtained, and any assumption made.

    Priority: a CrCl entered directly > Cockcroft-Gault from serum creatinine > an explicit,
    conservative assumption when neither is known. Dialysis always means the dialysis band.
    """
    female = case.sex == "female"
    if case.crcl_ml_min is not None:
        band = renal_band(case.crcl_ml_min, case.on_hemodialysis)
        note = "CrCl entered directly by the clinician." + _egfr_not_used(case)
        if case.on_hemodialysis:
            note += " On haemodialysis: dose by the dialysis rules of each drug."
        return RenalAssessment(
            crcl_ml_min=case.crcl_ml_min,
            method="entered directly",
            band=BAND_VALUE[band],
            note=note,
        )

    if case.serum_creatinine_mg_dl is not None:
        weight, label = crcl_weight(case.weight_kg, case.height_cm, case.sex)
        scr = case.serum_creatinine_mg_dl

        def cg(w: float) -> float:
            return cockcroft_gault(case.age_years, w, scr, female)

        ideal = adjusted = bmi = None
        if case.height_cm is not None:
            ideal = ideal_body_weight_kg(case.height_cm, case.sex)
            adjusted = adjusted_body_weight_kg(ideal, case.weight_kg)
            bmi = body_mass_index(case.weight_kg, case.height_cm)
        weights: dict[str, Any] = {
            "weight_used_kg": weight,
            "weight_basis": label,
            "crcl_actual_weight": cg(case.weight_kg),
            "crcl_ideal_weight": None if ideal is None else cg(ideal),
            "crcl_adjusted_weight": None if adjusted is None else cg(adjusted),
            "ideal_body_weight_kg": ideal,
            "adjusted_body_weight_kg": adjusted,
            "bmi": bmi,
        }
        if case.on_hemodialysis:
            # Between dialysis sessions creatinine is not at steady state: CG means nothing.
            return RenalAssessment(
                crcl_ml_min=None,
                method="haemodialysis (Cockcroft-Gault not valid on dialysis)",
                band=RenalBand.hemodialysis.value,
                note=(
                    "On haemodialysis: creatinine is not at steady state, so no CrCl is estimated. "
                    "Dose by the dialysis rules of each drug."
                ),
                **weights,
            )
        crcl = cg(weight)
        note = f"Cockcroft-Gault with {label}. {_CG_CAVEAT}{_egfr_not_used(case)}"
        if case.height_cm is None:
            note += " Enter height to use ideal or adjusted body weight (obesity inflates CrCl)."
        return RenalAssessment(
            crcl_ml_min=crcl,
            method=f"Cockcroft-Gault ({label})",
            band=BAND_VALUE[renal_band(crcl)],
            note=note,
            **weights,
        )

    if case.egfr_ml_min_1_73m2 is not None and not case.on_hemodialysis:
        return _from_egfr(case, case.egfr_ml_min_1_73m2)

    if case.on_hemodialysis:
        return RenalAssessment(
            crcl_ml_min=None,
            method="haemodialysis",
            band=RenalBand.hemodialysis.value,
            note="On haemodialysis: dose by the dialysis rules of each drug.",
        )
    if Condition.ckd in case.conditions:
        return RenalAssessment(
            crcl_ml_min=None,
            method="assumed (CKD, no creatinine entered)",
            band=ASSUMED_CKD_BAND.value,
            note=(
                "Assumption: chronic kidney disease with no creatinine entered, so CrCl 15–29 "
                f"mL/min is assumed to be safe. {_MEASURE} {_CG_CAVEAT}"
            ),
        )
    if case.age_years >= OLDER_ADULT_AGE:
        return RenalAssessment(
            crcl_ml_min=None,
            method="assumed (age ≥65, no creatinine entered)",
            band=RenalBand.moderate.value,
            note=(
                "Assumption: age 65 or over with no creatinine entered, so CrCl 30–59 mL/min is "
                f"assumed because renal function falls with age. {_MEASURE} {_CG_CAVEAT}"
            ),
        )
    return RenalAssessment(
        crcl_ml_min=None,
        method="assumed normal (no creatinine entered)",
        band=RenalBand.normal.value,
        note=(
            "Assumption: normal renal function (CrCl ≥ 60 mL/min) because no creatinine was "
            f"entered. {_MEASURE} {_CG_CAVEAT}"
        ),
    )


#: Mosteller RD. N Engl J Med 1987;317:1098: BSA (m²) = sqrt(height cm × weight kg / 3600).
MOSTELLER_DIVISOR = 3600
#: eGFR is reported per 1.73 m² of body surface area (KDIGO 2012).
STANDARD_BSA_M2 = 1.73


def body_surface_area_m2(height_cm: float, weight_kg: float) -> float:
    """Mosteller 1987."""
    return math.sqrt(height_cm * weight_kg / MOSTELLER_DIVISOR)


def _egfr_not_used(case: PatientCase) -> str:
    if case.egfr_ml_min_1_73m2 is None:
        return ""
    return (
        f" The eGFR entered ({case.egfr_ml_min_1_73m2:g} mL/min/1.73 m²) was not used: drug "
        "labels dose by creatinine clearance, which was available."
    )


def _from_egfr(case: PatientCase, egfr: float) -> RenalAssessment:
    """No CrCl or creatinine, but an eGFR: use it, de-indexed to the patient's body surface
    area when height is known (KDIGO 2012 CKD guideline, drug dosing; FDA 2024 guidance on
    renal impairment studies accepts eGFR or CrCl), and say so."""
    if case.height_cm is not None:
        bsa = body_surface_area_m2(case.height_cm, case.weight_kg)
        value = egfr * bsa / STANDARD_BSA_M2
        how = (
            f"eGFR {egfr:g} mL/min/1.73 m² de-indexed to this patient's body surface area "
            f"({bsa:.2f} m², Mosteller) = {value:.0f} mL/min"
        )
    else:
        value = egfr
        how = (
            f"eGFR {egfr:g} mL/min/1.73 m² used as mL/min (no height entered to de-index it "
            "to body surface area)"
        )
    return RenalAssessment(
        crcl_ml_min=value,
        method="eGFR (no CrCl or creatinine entered)",
        band=BAND_VALUE[renal_band(value)],
        note=(
            f"Used {how}, because no creatinine clearance or serum creatinine was entered. eGFR "
            "is not a creatinine clearance: drug labels dose by Cockcroft-Gault CrCl, and eGFR "
            f"can overestimate it in older or low-weight patients. {_MEASURE}"
        ),
    )
