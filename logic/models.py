"""Typed boundary of the clinical engine: the patient case in, the treatment plan out.

Every model is frozen and forbids unknown fields so that a typo in a caller (a URL, a test, the
page) fails loudly instead of being silently ignored. Ranges are plausibility limits: a value
outside them is almost always a unit mix-up (pounds for kilograms, µmol/L for mg/dL).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from logic.catalogue import resolve_drug


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RedFlag(StrEnum):
    """Features that point to serious pathology (AHCPR 1994 table; ACP/APS 2007; NICE NG59)."""

    saddle_anesthesia = "saddle_anesthesia"
    urinary_retention = "urinary_retention"
    fecal_incontinence = "fecal_incontinence"
    progressive_motor_deficit = "progressive_motor_deficit"
    bilateral_sciatica = "bilateral_sciatica"
    fever = "fever"
    iv_drug_use = "iv_drug_use"
    immunosuppression = "immunosuppression"
    recent_spinal_procedure = "recent_spinal_procedure"
    cancer_history = "cancer_history"
    unexplained_weight_loss = "unexplained_weight_loss"
    significant_trauma = "significant_trauma"
    osteoporosis_or_chronic_steroids = "osteoporosis_or_chronic_steroids"
    pulsatile_abdominal_mass = "pulsatile_abdominal_mass"


class Condition(StrEnum):
    """Comorbidities and co-medications that change what is safe to give."""

    ckd = "ckd"
    gi_bleed_history = "gi_bleed_history"
    peptic_ulcer = "peptic_ulcer"
    anticoagulant_use = "anticoagulant_use"
    antiplatelet_use = "antiplatelet_use"
    heart_failure = "heart_failure"
    recent_mi = "recent_mi"
    cirrhosis = "cirrhosis"
    sleep_apnea = "sleep_apnea"
    copd = "copd"
    opioid_use_disorder = "opioid_use_disorder"
    substance_use_disorder = "substance_use_disorder"
    benzodiazepine_use = "benzodiazepine_use"
    serotonergic_drug_use = "serotonergic_drug_use"
    seizure_disorder = "seizure_disorder"
    cardiac_conduction_disease = "cardiac_conduction_disease"
    glaucoma = "glaucoma"
    urinary_retention_history = "urinary_retention_history"
    fall_risk = "fall_risk"
    opioid_tolerant = "opioid_tolerant"


class Relief(StrEnum):
    none = "none"
    minimal = "minimal"
    partial = "partial"


class Route(StrEnum):
    po = "po"
    iv = "iv"
    im = "im"
    sc = "sc"
    topical = "topical"
    transdermal = "transdermal"
    intranasal = "intranasal"


class TriedMedication(_Frozen):
    """One medicine already given for this episode. Brand names resolve to the generic name."""

    drug: Annotated[str, Field(min_length=2, max_length=60, description="Generic or brand name")]
    dose_mg: Annotated[float | None, Field(default=None, gt=0, le=5000)] = None
    route: Route | None = None
    doses_given: Annotated[int, Field(ge=1, le=100)] = 1
    relief: Relief = Relief.minimal

    @field_validator("drug", mode="before")
    @classmethod
    def _generic_name(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        generic = resolve_drug(value)
        if generic is None:
            raise ValueError(
                f"'{value.strip()}' is not a medicine this tool knows; "
                "choose it from the list (generic or brand name)"
            )
        return generic


class PatientCase(_Frozen):
    """What the clinician knows about the patient. Validated once, then read-only."""

    age_years: Annotated[int, Field(ge=18, le=110, description="Age in whole years (adults only)")]
    sex: Literal["female", "male"]
    weight_kg: Annotated[float, Field(ge=25, le=350, description="Actual body weight, kg")]
    height_cm: Annotated[float | None, Field(ge=100, le=250)] = None
    serum_creatinine_mg_dl: Annotated[float | None, Field(ge=0.1, le=25)] = None
    crcl_ml_min: Annotated[float | None, Field(ge=0, le=250)] = None
    on_hemodialysis: bool = False
    pregnant: bool = False
    setting: Literal["ed", "clinic"] = "ed"
    pain_duration_weeks: Annotated[float, Field(ge=0, le=520)] = 1
    pain_score: Annotated[int, Field(ge=0, le=10)] = 8
    radicular: bool = False
    red_flags: tuple[RedFlag, ...] = ()
    conditions: tuple[Condition, ...] = ()
    tried: tuple[TriedMedication, ...] = ()

    @field_validator("red_flags", "conditions", mode="after")
    @classmethod
    def _unique_in_order(cls, values: tuple[StrEnum, ...]) -> tuple[StrEnum, ...]:
        return tuple(dict.fromkeys(values))

    @model_validator(mode="after")
    def _consistent(self) -> PatientCase:
        if self.pregnant and self.sex != "female":
            raise ValueError("pregnancy can only be recorded for a female patient")
        if self.pregnant and self.age_years > 60:
            raise ValueError("pregnancy was ticked for a patient over 60: please check the inputs")
        if self.on_hemodialysis and self.crcl_ml_min is not None and self.crcl_ml_min > 30:
            raise ValueError(
                "a patient on haemodialysis cannot have a creatinine clearance above 30 mL/min: "
                "check the dialysis box or the CrCl value"
            )
        return self

    def has(self, item: RedFlag | Condition) -> bool:
        """True when the red flag or condition is present."""
        return item in self.red_flags or item in self.conditions

    @property
    def older_adult(self) -> bool:
        """AGS Beers Criteria 2023 apply from age 65."""
        return self.age_years >= 65


# ---------------------------------------------------------------------------------------------
# The plan


class Severity(StrEnum):
    info = "info"
    caution = "caution"
    danger = "danger"


class TriageLevel(StrEnum):
    emergency = "emergency"
    urgent = "urgent"
    routine = "routine"


class Triage(_Frozen):
    level: TriageLevel
    findings: tuple[str, ...] = ()
    action: str
    evidence: tuple[str, ...] = ()


class RenalAssessment(_Frozen):
    """Creatinine clearance and where it came from, so the reader can judge it."""

    crcl_ml_min: float | None
    method: str
    band: str
    weight_used_kg: float | None = None
    weight_basis: str | None = None
    crcl_actual_weight: float | None = None
    crcl_ideal_weight: float | None = None
    crcl_adjusted_weight: float | None = None
    ideal_body_weight_kg: float | None = None
    adjusted_body_weight_kg: float | None = None
    bmi: float | None = None
    note: str = ""


class TriedReview(_Frozen):
    drug: str
    drug_class: str
    verdict: str
    reason: str
    evidence: tuple[str, ...] = ()


class Order(_Frozen):
    """One medicine order. `dose_mg` is the top of the range, `dose_mg_low` its bottom."""

    drug: str
    dose_mg_low: float
    dose_mg: float
    route: Route
    every_hours: float | None = None
    max_daily_mg: float | None = None
    days: int | None = None
    prn: bool = False
    choice: str | None = None
    note: str = ""
    evidence: tuple[str, ...] = ()
    #: True for an order that is only an option to discuss with the patient (an opioid): it is
    #: given only if clinician and patient choose it after weighing `tradeoff`.
    shared_decision: bool = False
    #: One line: the expected benefit and harm, with the source (e.g. the OPAL trial's numbers).
    tradeoff: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sig(self) -> str:
        """The order as a clinician writes it, e.g. 'oxycodone 5 mg PO every 6 h as needed'."""
        dose = (
            _fmt(self.dose_mg)
            if self.dose_mg_low == self.dose_mg
            else (f"{_fmt(self.dose_mg_low)}-{_fmt(self.dose_mg)}")
        )
        route = self.route.value.upper() if len(self.route.value) <= 2 else self.route.value
        parts = [f"{self.drug} {dose} mg {route}"]
        if self.every_hours is None:
            parts.append("once")
        elif self.every_hours == 24:
            parts.append("once daily")
        else:
            parts.append(f"every {_fmt(self.every_hours)} h")
        if self.prn:
            parts.append("as needed")
        if self.max_daily_mg is not None:
            parts.append(f"(max {_fmt(self.max_daily_mg)} mg/day)")
        if self.days is not None:
            parts.append(f"for {self.days} day{'s' if self.days != 1 else ''}")
        return " ".join(parts)


class Avoid(_Frozen):
    drug: str
    reason: str
    evidence: tuple[str, ...] = ()


class Warning(_Frozen):
    code: str
    severity: Severity
    message: str
    source: str = ""


class GabapentinStep(_Frozen):
    day: int
    total_daily_mg: float
    doses: tuple[float, ...]


class GabapentinPlan(_Frozen):
    max_daily_mg: float
    target_daily_mg: float
    doses_per_day: int
    band: str
    start_mg: float
    dialysis_supplement_mg: float | None = None
    steps: tuple[GabapentinStep, ...]
    note: str = ""


class Point(_Frozen):
    """A teaching or counselling point with its evidence ids."""

    title: str = ""
    text: str
    evidence: tuple[str, ...] = ()


class Departure(_Frozen):
    """One place where this plan departs from a common escalation, and why."""

    common_practice: str
    this_plan: str
    why: str
    source: str


class TreatmentPlan(_Frozen):
    triage: Triage
    renal: RenalAssessment
    tried_review: tuple[TriedReview, ...]
    give_now: tuple[Order, ...]
    discharge: tuple[Order, ...]
    non_drug: tuple[Point, ...]
    avoid: tuple[Avoid, ...]
    warnings: tuple[Warning, ...]
    gabapentin: GabapentinPlan | None
    mme_per_day: float | None
    naloxone: bool
    naloxone_reasons: tuple[str, ...] = ()
    safety: tuple[Point, ...]
    pitfalls: tuple[Point, ...]
    follow_up: tuple[Point, ...]
    evidence_ids: tuple[str, ...] = ()
    #: Where this plan departs from common practice for this case, each with its reason.
    departures: tuple[Departure, ...] = ()


def _fmt(value: float) -> str:
    """12.0 -> '12', 2.5 -> '2.5', for doses in prose."""
    return f"{value:g}"
