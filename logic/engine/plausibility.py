"""Plausibility cautions: values that are possible but rare, and that change the plan a lot.

A creatinine clearance under 10 mL/min in a patient not on dialysis, an adult weight under
35 kg, or an age over 100 can all be real, but each is far more often a typing or unit slip
(creatinine entered in the wrong unit, kilograms typed into a pounds box, 110 for 11), and each
moves doses a long way (gabapentin is scaled to CrCl below 15, every NSAID is withheld). The
model accepts them (they are inside its limits); the plan is still built, and these cautions
ask the user to confirm the value before relying on it.

`plausibility_warnings(case, renal)` is pure: the case and the renal assessment the plan used
in, `logic.models.Warning` items out, in a fixed order, with stable codes.
"""

from __future__ import annotations

from logic.models import PatientCase, RenalAssessment, Severity, Warning

__all__ = [
    "MAX_PLAUSIBLE_AGE_YEARS",
    "MIN_PLAUSIBLE_CRCL_ML_MIN",
    "MIN_PLAUSIBLE_WEIGHT_KG",
    "plausibility_warnings",
]

#: Under 10 mL/min is deep in kidney failure (KDIGO 2024 CKD guideline: G5 is GFR < 15), where
#: most patients are on or near dialysis; the Neurontin label scales gabapentin to CrCl below 15.
MIN_PLAUSIBLE_CRCL_ML_MIN = 10.0
#: Under 35 kg an adult has a BMI below about 13.7 even at 160 cm (WHO: under 16 is severe
#: thinness); weight-based limits (ketorolac and acetaminophen labels: under 50 kg) apply.
MIN_PLAUSIBLE_WEIGHT_KG = 35.0
#: Over 100 years: possible but rare, and every AGS Beers 2023 older-adult caution applies.
MAX_PLAUSIBLE_AGE_YEARS = 100


def _from_egfr(case: PatientCase, renal: RenalAssessment) -> bool:
    """True when the plan's clearance came from the eGFR (no CrCl and no creatinine given)."""
    return (
        renal.crcl_ml_min is not None
        and case.crcl_ml_min is None
        and case.serum_creatinine_mg_dl is None
        and case.egfr_ml_min_1_73m2 is not None
    )


def _crcl(case: PatientCase, renal: RenalAssessment) -> Warning | None:
    crcl = renal.crcl_ml_min
    if case.on_hemodialysis or crcl is None or crcl >= MIN_PLAUSIBLE_CRCL_ML_MIN:
        return None
    if case.crcl_ml_min is not None:
        source = "entered directly"
    elif case.serum_creatinine_mg_dl is not None:
        source = "from the serum creatinine by Cockcroft-Gault"
    elif _from_egfr(case, renal):
        source = f"from the eGFR of {case.egfr_ml_min_1_73m2:g} mL/min/1.73 m²"
    else:
        source = "as assessed"
    return Warning(
        code="confirm-crcl",
        severity=Severity.caution,
        message=(
            f"Please confirm: a creatinine clearance of {crcl:.1f} mL/min ({source}) without "
            "dialysis is kidney failure. Check the value and its unit, and whether the "
            "patient is on dialysis, before relying on the renal doses below."
        ),
        source="KDIGO 2024 CKD guideline (G5: GFR < 15); Neurontin label (CrCl < 15)",
    )


def _egfr(case: PatientCase, renal: RenalAssessment) -> Warning | None:
    egfr = case.egfr_ml_min_1_73m2
    if case.on_hemodialysis or egfr is None or egfr >= MIN_PLAUSIBLE_CRCL_ML_MIN:
        return None
    if _from_egfr(case, renal):
        return None  # the clearance caution already names this eGFR
    return Warning(
        code="confirm-egfr",
        severity=Severity.caution,
        message=(
            f"Please confirm: an eGFR of {egfr:g} mL/min/1.73 m² without dialysis is kidney "
            "failure. Check the value, and whether the patient is on dialysis."
        ),
        source="KDIGO 2024 CKD guideline (G5: GFR < 15)",
    )


def _weight(case: PatientCase) -> Warning | None:
    if case.weight_kg >= MIN_PLAUSIBLE_WEIGHT_KG:
        return None
    return Warning(
        code="confirm-weight",
        severity=Severity.caution,
        message=(
            f"Please confirm: {case.weight_kg:.1f} kg is a very low adult weight. Check the "
            "value and its unit (kilograms or pounds); weight-based dose limits apply."
        ),
        source="ketorolac and acetaminophen labels (limits under 50 kg); WHO BMI categories",
    )


def _age(case: PatientCase) -> Warning | None:
    if case.age_years <= MAX_PLAUSIBLE_AGE_YEARS:
        return None
    return Warning(
        code="confirm-age",
        severity=Severity.caution,
        message=(
            f"Please confirm: age {case.age_years} is over {MAX_PLAUSIBLE_AGE_YEARS}. Check the "
            "value; every older-adult caution (AGS Beers Criteria 2023) applies."
        ),
        source="AGS Beers Criteria 2023",
    )


def plausibility_warnings(case: PatientCase, renal: RenalAssessment) -> tuple[Warning, ...]:
    """Cautions asking the user to confirm rare, decisive values (see the module docstring)."""
    found = (_crcl(case, renal), _egfr(case, renal), _weight(case), _age(case))
    return tuple(warning for warning in found if warning is not None)
