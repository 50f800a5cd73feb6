"""Typed boundary of the clinical engine: the patient case in, the treatment plan out.

Every model is frozen and forbids unknown fields so that a typo in a caller (a URL, a test, the
page) fails loudly instead of being silently ignored. Ranges are plausibility limits: a value
outside them is almost always a unit mix-up (pounds for kilograms, µmol/L for mg/dL).
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    computed_field,
    field_validator,
    model_validator,
)

from logic.case_fields import description as case_field_description
from logic.drugs.catalogue import (
    OPIOIDS,
    DrugClass,
    combination,
    default_unit,
    implied_formulation,
    implied_unit,
    order_label,
    parse_order_label,
    resolve_drug,
)

# DoseUnit and Formulation are re-exported: they are part of the model.
from logic.drugs.catalogue import DoseUnit as DoseUnit
from logic.drugs.catalogue import Formulation as Formulation
from logic.drugs.catalogue import drug as catalogue_drug
from logic.engine.thresholds import OLDER_ADULT_AGE_FROM


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
    #: Coronary artery bypass surgery recently (the perioperative setting the NSAID boxed
    #: warning names).
    recent_cabg = "recent_cabg"
    cirrhosis = "cirrhosis"
    sleep_apnea = "sleep_apnea"
    copd = "copd"
    opioid_use_disorder = "opioid_use_disorder"
    substance_use_disorder = "substance_use_disorder"
    benzodiazepine_use = "benzodiazepine_use"
    serotonergic_drug_use = "serotonergic_drug_use"
    seizure_disorder = "seizure_disorder"
    #: Heart block, bundle branch block or another conduction disturbance: the rows of the labels
    #: that name conduction (tricyclics, cyclobenzaprine).
    cardiac_conduction_disease = "cardiac_conduction_disease"
    #: A known long QT (congenital long QT syndrome or a prolonged QTc on an ECG). Kept beside
    #: conduction disease, not inside it: QT prolongation is delayed repolarisation, and the
    #: labels that warn about it (methadone boxed warning, citalopram, ondansetron, hydroxyzine,
    #: the fluoroquinolones and macrolides) say nothing about heart block, while the tricyclic
    #: and cyclobenzaprine labels name both (arrhythmias; conduction), so their rows read both.
    qt_prolongation = "qt_prolongation"
    glaucoma = "glaucoma"
    urinary_retention_history = "urinary_retention_history"
    fall_risk = "fall_risk"
    opioid_tolerant = "opioid_tolerant"


class ChildPugh(StrEnum):
    """Child-Pugh class of chronic liver disease (Pugh RNH et al., Br J Surg 1973;60:646-9):
    A mild (5-6 points), B moderate (7-9), C severe (10-15). The labels' hepatic-impairment
    doses are written by these classes (celecoxib, cyclobenzaprine, tapentadol)."""

    a = "A"
    b = "B"
    c = "C"


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


# ---------------------------------------------------------------------------------------------
# Medicines: what the patient takes regularly, and what was given for this episode


def _normalise_medicine(data: object, *, transdermal_is_patch: bool) -> object:
    """Before validation: the combination product a name stands for (Percocet), the
    formulation a brand implies, mcg/h implies a patch.

    The name itself is resolved by the `drug` field validator (so its error names the field).
    """
    if not isinstance(data, dict):
        return data
    data = dict(data)
    name = data.get("drug")
    if isinstance(name, str) and data.get("product") is None:
        product = combination(name)
        if product is not None:
            data["product"] = product.name
    product = data.get("product")
    if isinstance(product, str) and data.get("formulation") is None:
        data["formulation"] = implied_formulation(product)  # a product is an IR tablet
    if isinstance(name, str) and data.get("formulation") is None:
        implied = implied_formulation(name)
        if implied is not None:
            data["formulation"] = implied
    if isinstance(name, str) and data.get("unit") is None:
        unit = implied_unit(name)
        if unit is not None:
            data["unit"] = unit
    if data.get("formulation") is None:
        generic = resolve_drug(name) if isinstance(name, str) else None
        patchable = generic is not None and DoseUnit.mcg_per_h in catalogue_drug(generic).units
        if patchable and (
            data.get("unit") == DoseUnit.mcg_per_h
            or (transdermal_is_patch and data.get("route") == Route.transdermal)
        ):
            data["formulation"] = Formulation.patch
    return data


def _resolve_name(value: object) -> object:
    if not isinstance(value, str):
        return value
    generic = resolve_drug(value)
    if generic is None:
        raise ValueError(
            f"'{value.strip()}' is not a medicine this tool knows; "
            "choose it from the list (generic or brand name)"
        )
    return generic


def _check_formulation(value: Formulation | None, info: ValidationInfo) -> Formulation | None:
    generic = info.data.get("drug")
    if value is None or generic is None:
        return value
    entry = catalogue_drug(generic)
    if entry.forms and value not in entry.forms:
        have = ", ".join(sorted(f.value for f in entry.forms))
        raise ValueError(f"{generic} does not come as '{value.value}' (forms: {have})")
    return value


def _check_unit(value: DoseUnit | None, info: ValidationInfo) -> DoseUnit | None:
    """The dose's unit: the catalogue default when none is given, else one the drug can have."""
    generic = info.data.get("drug")
    if generic is None or info.data.get("dose") is None:
        return value
    entry = catalogue_drug(generic)
    patch = info.data.get("formulation") is Formulation.patch and DoseUnit.mcg_per_h in entry.units
    unit = value if value is not None else default_unit(generic, info.data.get("formulation"))
    if patch and unit is not DoseUnit.mcg_per_h:
        raise ValueError(
            f"a {generic} patch is dosed in mcg/h (the strength printed on the patch), "
            f"not {unit.value}"
        )
    if unit is DoseUnit.mcg_per_h and not patch:
        raise ValueError(f"mcg/h is a patch rate; {generic} here is not a patch")
    if unit not in entry.units:
        raise ValueError(f"{generic} is dosed in {allowed_units(generic)}, not {unit.value}")
    return unit


def allowed_units(generic: str) -> str:
    """The units a drug's dose may be entered in, in words: 'mcg (mcg/h for a patch)'."""
    entry = catalogue_drug(generic)
    masses = " or ".join(sorted(u.value for u in entry.units if u is not DoseUnit.mcg_per_h))
    if DoseUnit.mcg_per_h in entry.units:
        return f"{masses} (mcg/h for a patch)"
    return masses


def _dose_in_mg(dose: float | None, unit: DoseUnit | None) -> float | None:
    if dose is None or unit is None or unit is DoseUnit.mcg_per_h:
        return None
    return dose if unit is DoseUnit.mg else dose / 1000


class _Medicine(_Frozen):
    """What both medicine lists record: the drug (brand names resolve to the generic name), its
    form, route and dose in a unit the catalogue allows for it."""

    drug: Annotated[str, Field(min_length=2, max_length=60, description="Generic or brand name")]
    formulation: Formulation | None = None
    route: Route | None = None
    dose: Annotated[float | None, Field(default=None, gt=0, le=5000)] = None
    unit: Annotated[DoseUnit | None, Field(validate_default=True)] = None
    #: The combination product it was entered as ('percocet', 'hydrocodone/acetaminophen'),
    #: derived from the name: `drug` is the ingredient whose dose is entered (Percocet 10/325
    #: is oxycodone 10 mg) and `also_contains` the others (catalogue COMBINATIONS).
    product: str | None = None

    @field_validator("drug", mode="before")
    @classmethod
    def _generic_name(cls, value: object) -> object:
        return _resolve_name(value)

    @field_validator("product", mode="after")
    @classmethod
    def _known_product(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        found = combination(value)
        if found is None:
            raise ValueError(f"'{value.strip()}' is not a combination product this tool knows")
        generic = info.data.get("drug")
        if generic is not None and generic != found.drug:
            raise ValueError(
                f"{found.label} is {found.drug} with {', '.join(found.others)}, not {generic}"
            )
        return found.name

    @property
    def also_contains(self) -> tuple[str, ...]:
        """The other ingredients of a combination product (Percocet: acetaminophen)."""
        found = combination(self.product) if self.product is not None else None
        return found.others if found is not None else ()

    @property
    def product_label(self) -> str | None:
        """How the product is named in messages ('Percocet'), or None for a single drug."""
        found = combination(self.product) if self.product is not None else None
        return found.label if found is not None else None

    @field_validator("formulation", mode="after")
    @classmethod
    def _formulation(cls, value: Formulation | None, info: ValidationInfo) -> Formulation | None:
        return _check_formulation(value, info)

    @field_validator("unit", mode="after")
    @classmethod
    def _unit(cls, value: DoseUnit | None, info: ValidationInfo) -> DoseUnit | None:
        return _check_unit(value, info)


class CurrentMedication(_Medicine):
    """A medicine the patient takes regularly."""

    doses_per_day: Annotated[float | None, Field(default=None, gt=0, le=24)] = None
    weeks: Annotated[float | None, Field(default=None, ge=0, le=2600)] = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: object) -> object:
        return _normalise_medicine(data, transdermal_is_patch=True)

    @field_validator("doses_per_day", mode="after")
    @classmethod
    def _patch_worn_continuously(cls, value: float | None, info: ValidationInfo) -> float | None:
        if info.data.get("formulation") is Formulation.patch and value not in (None, 1):
            raise ValueError(
                "a patch is worn continuously: enter its strength in mcg/h and leave doses "
                "per day empty (or 1)"
            )
        return value

    @property
    def dose_mg(self) -> float | None:
        """The dose in mg when it is a mass (mg or mcg); None for a patch rate."""
        return _dose_in_mg(self.dose, self.unit)


class TriedMedication(_Medicine):
    """One medicine already given for this episode.

    `dose` is in `unit`. The legacy input `dose_mg=<x>` is still accepted (it means dose=x,
    unit=mg), and `dose_mg` is kept, always derived from `dose` and `unit`, for existing callers
    (None for a patch rate).
    """

    dose_mg: Annotated[float | None, Field(default=None, gt=0, le=5000, validate_default=True)] = (
        None
    )
    doses_given: Annotated[int, Field(ge=1, le=100)] = 1
    relief: Relief = Relief.minimal
    #: Hours since the last dose of it was given (optional): the plan says when the next dose
    #: may follow, from the label's dosing interval (logic.drugs.intervals).
    hours_ago: Annotated[float | None, Field(default=None, ge=0, le=72)] = None
    #: Days since the first dose of this course (0 = today; optional): which day of a limited
    #: course this is (ketorolac: combined IV, IM and oral use at most 5 days, label boxed
    #: warning).
    days_since_first_dose: Annotated[int | None, Field(default=None, ge=0, le=30)] = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: object) -> object:
        data = _normalise_medicine(data, transdermal_is_patch=False)
        if not isinstance(data, dict):
            return data
        legacy = data.get("dose_mg")
        if legacy is not None and data.get("dose") is None:
            if data.get("unit") not in (None, DoseUnit.mg):
                raise ValueError("dose_mg is a dose in mg: give dose and unit instead")
            name = data.get("drug")
            generic = resolve_drug(name) if isinstance(name, str) else None
            if generic is None or DoseUnit.mg in catalogue_drug(generic).units:
                data["dose"], data["unit"] = legacy, DoseUnit.mg
            # else: a drug never dosed in mg (fentanyl); the dose_mg check below says so.
        return data

    @model_validator(mode="after")
    def _times_agree(self) -> TriedMedication:
        """The last dose cannot be before the first: a course that began today (0 days ago)
        has its last dose within the last 24 hours, and so on."""
        days, hours = self.days_since_first_dose, self.hours_ago
        if days is not None and hours is not None and hours > 24 * (days + 1):
            raise ValueError(
                f"the last dose of {self.drug} was {hours:g} hours ago, before the first dose "
                f"({days} day{'s' if days != 1 else ''} ago): check the two times"
            )
        return self

    @field_validator("dose_mg", mode="after")
    @classmethod
    def _dose_mg_derived(cls, value: float | None, info: ValidationInfo) -> float | None:
        generic = info.data.get("drug")
        never_mg = generic is not None and DoseUnit.mg not in catalogue_drug(generic).units
        if value is not None and never_mg and info.data.get("dose") is None:
            raise ValueError(
                f"{generic} is dosed in {allowed_units(str(generic))}, never in mg: give the dose "
                "with its unit instead of dose_mg"
            )
        derived = _dose_in_mg(info.data.get("dose"), info.data.get("unit"))
        if value is not None and (derived is None or not math.isclose(value, derived)):
            raise ValueError("dose_mg does not match dose and unit: give one of them")
        return derived


#: Characters an unchecked medicine name keeps (letters of any script, digits, space and a few
#: name marks): no Markdown, directive, link or line syntax can be formed from them, so the name
#: reads as plain text wherever it is shown (the plan, the note, a link).
_UNCHECKED_DROP = re.compile(r"[^\w\s\-/.'+#%]|_")
UNCHECKED_NAME_MAX = 60


def clean_unchecked_name(value: object) -> str:
    """A medicine name the catalogue does not know, kept as plain text: other characters become
    spaces, whitespace runs one space, leading marks dropped, cut to 60 characters; a name with
    nothing readable left is 'unnamed medicine' (kept, so it is still counted as not checked)."""
    text = _UNCHECKED_DROP.sub(" ", str(value)[: 4 * UNCHECKED_NAME_MAX])
    text = " ".join(text.split())
    text = re.sub(r"^[^\w]+", "", text)[:UNCHECKED_NAME_MAX].strip()
    return text or "unnamed medicine"


def _is_unchecked(item: object) -> str | None:
    """The name of a medicine entry (a dict from a form, link or record) that the catalogue
    cannot resolve, or None for a known one (its own validators then check it)."""
    if not isinstance(item, dict):
        return None
    name = item.get("drug")
    if not isinstance(name, str) or not name.strip():
        return None
    if resolve_drug(name) is not None or combination(name) is not None:
        return None
    return clean_unchecked_name(name)


class Allergy(StrEnum):
    """Class-level allergies and intolerances. Drug-level ones go in `allergic_to`."""

    nsaid = "nsaid"  # NSAID or aspirin hypersensitivity (incl. aspirin-exacerbated resp. disease)
    opioid = "opioid"  # opioid allergy, whole class
    #: Sulfonamide ("sulfa") allergy: celecoxib is contraindicated (Celebrex label, section 4).
    sulfonamide = "sulfonamide"


class RadicularFeature(StrEnum):
    """Features that make back pain radicular (NICE NG59; ACP/APS 2007)."""

    leg_pain_below_knee = "leg_pain_below_knee"
    dermatomal_numbness = "dermatomal_numbness"
    positive_slr = "positive_slr"
    myotomal_weakness = "myotomal_weakness"
    reflex_change = "reflex_change"


def _words(name: str) -> Any:
    """A case field's description, from its row in logic.case_fields (the table the page's
    labels and the link's notices read too)."""
    return Field(description=case_field_description(name))


class PatientCase(_Frozen):
    """What the clinician knows about the patient. Validated once, then read-only."""

    age_years: Annotated[int, Field(ge=18, le=110), _words("age_years")]
    sex: Annotated[Literal["female", "male"], _words("sex")]
    weight_kg: Annotated[float, Field(ge=25, le=350), _words("weight_kg")]
    height_cm: Annotated[float | None, Field(ge=100, le=250), _words("height_cm")] = None
    serum_creatinine_mg_dl: Annotated[
        float | None, Field(ge=0.1, le=25), _words("serum_creatinine_mg_dl")
    ] = None
    crcl_ml_min: Annotated[float | None, Field(ge=0, le=250), _words("crcl_ml_min")] = None
    on_hemodialysis: Annotated[bool, _words("on_hemodialysis")] = False
    pregnant: Annotated[bool, _words("pregnant")] = False
    setting: Annotated[Literal["ed", "clinic"], _words("setting")] = "ed"
    pain_duration_weeks: Annotated[float, Field(ge=0, le=520), _words("pain_duration_weeks")] = 1
    pain_score: Annotated[int, Field(ge=0, le=10), _words("pain_score")] = 8
    radicular: Annotated[bool, _words("radicular")] = False
    red_flags: Annotated[tuple[RedFlag, ...], _words("red_flags")] = ()
    conditions: Annotated[tuple[Condition, ...], _words("conditions")] = ()
    tried: Annotated[tuple[TriedMedication, ...], _words("tried")] = ()
    current_medications: Annotated[
        tuple[CurrentMedication, ...], _words("current_medications")
    ] = ()
    allergies: Annotated[tuple[Allergy, ...], _words("allergies")] = ()
    #: Drug-level allergies, as catalogue generics (brand names resolve).
    allergic_to: Annotated[tuple[str, ...], _words("allergic_to")] = ()
    breastfeeding: Annotated[bool, _words("breastfeeding")] = False
    #: Weeks of pregnancy (1-42), only with `pregnant`.
    pregnancy_weeks: Annotated[int | None, Field(ge=1, le=42), _words("pregnancy_weeks")] = None
    #: eGFR in mL/min/1.73 m² (CKD-EPI): clearly not a creatinine clearance.
    egfr_ml_min_1_73m2: Annotated[
        float | None, Field(ge=0, le=200), _words("egfr_ml_min_1_73m2")
    ] = None
    prior_overdose: Annotated[bool, _words("prior_overdose")] = False
    heavy_alcohol_use: Annotated[bool, _words("heavy_alcohol_use")] = False
    #: Clinical frailty, cachexia or debilitation, as the clinician judges it (no score needed):
    #: lower acetaminophen ceiling, reduced opioid start, gabapentin from 100 mg.
    frail: Annotated[bool, _words("frail")] = False
    #: Any feature makes the pain radicular (`radicular` is set to True).
    radicular_features: Annotated[tuple[RadicularFeature, ...], _words("radicular_features")] = ()
    #: The clinician chose a take-home opioid after a shared decision (issue 11).
    take_home_opioid: Annotated[bool, _words("take_home_opioid")] = False
    #: Child-Pugh class of the patient's liver disease (None: not known or no liver disease).
    #: A class means liver disease, so every cirrhosis row applies with it; cirrhosis ticked
    #: without a class is read as class A (`hepatic_class`): the rows for moderate and severe
    #: impairment need the class entered, and the plan says so.
    child_pugh: Annotated[ChildPugh | None, _words("child_pugh")] = None
    #: Medicines (regular or given this episode) the catalogue cannot resolve: kept by name as
    #: plain text, never checked for interactions or doses, and named in the plan as such
    #: (issue 20: an unknown name never blocks the plan).
    unchecked_medicines: Annotated[tuple[str, ...], _words("unchecked_medicines")] = ()

    @model_validator(mode="before")
    @classmethod
    def _features_make_radicular(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("radicular_features"):
            data = {**data, "radicular": True}
        return data

    @model_validator(mode="before")
    @classmethod
    def _set_aside_unknown(cls, data: object) -> object:
        """Medicine entries whose name the catalogue cannot resolve move to
        `unchecked_medicines`; the plan is built on the rest."""
        if not isinstance(data, dict):
            return data
        moved: list[str] = []
        changed = dict(data)
        for list_name in ("current_medications", "tried"):
            items = data.get(list_name)
            if not isinstance(items, (list, tuple)):
                continue
            kept = []
            for item in items:
                name = _is_unchecked(item)
                if name is None:
                    kept.append(item)
                else:
                    moved.append(name)
            if len(kept) != len(items):
                changed[list_name] = tuple(kept)
        if not moved:
            return data
        prior = data.get("unchecked_medicines") or ()
        if isinstance(prior, str):
            prior = (prior,)
        changed["unchecked_medicines"] = (*prior, *moved)
        return changed

    @field_validator("unchecked_medicines", mode="before")
    @classmethod
    def _clean_unchecked(cls, values: object) -> object:
        if isinstance(values, str):
            values = (values,)
        if not isinstance(values, (list, tuple)):
            return values
        names = (clean_unchecked_name(v) for v in values)
        return tuple(dict.fromkeys(n for n in names))[:200]

    @field_validator("red_flags", "conditions", "allergies", "radicular_features", mode="after")
    @classmethod
    def _unique_in_order(cls, values: tuple[StrEnum, ...]) -> tuple[StrEnum, ...]:
        return tuple(dict.fromkeys(values))

    @field_validator("allergic_to", mode="before")
    @classmethod
    def _allergy_generics(cls, values: object) -> object:
        if isinstance(values, str):
            values = (values,)
        if not isinstance(values, (list, tuple)):
            return values
        return tuple(dict.fromkeys(_resolve_name(v) for v in values))

    @model_validator(mode="after")
    def _consistent(self) -> PatientCase:
        if self.pregnant and self.sex != "female":
            raise ValueError("pregnancy can only be recorded for a female patient")
        if self.pregnant and self.age_years > 60:
            raise ValueError("pregnancy was ticked for a patient over 60: please check the inputs")
        if self.pregnancy_weeks is not None and not self.pregnant:
            # In the page's words for the fields (ui/fields.py labels: "Pregnancy (weeks)",
            # "Pregnant"), never the field ids.
            raise ValueError(
                "weeks of pregnancy were given but 'Pregnant' is not ticked: tick 'Pregnant' "
                "or clear the weeks"
            )
        if self.on_hemodialysis and self.crcl_ml_min is not None and self.crcl_ml_min > 30:
            raise ValueError(
                "a patient on haemodialysis cannot have a creatinine clearance above 30 mL/min: "
                "check 'On haemodialysis' or the creatinine clearance"
            )
        return self

    def has(self, item: RedFlag | Condition) -> bool:
        """True when the red flag or condition is present."""
        return item in self.red_flags or item in self.conditions

    @property
    def hepatic_class(self) -> ChildPugh | None:
        """The Child-Pugh class the liver rows read: the class entered, else A when cirrhosis is
        ticked (the mildest class, so a ticked box is never read as no liver disease), else
        None."""
        if self.child_pugh is not None:
            return self.child_pugh
        return ChildPugh.a if Condition.cirrhosis in self.conditions else None

    @property
    def older_adult(self) -> bool:
        """AGS Beers Criteria 2023 apply from age 65 (logic.engine.thresholds)."""
        return self.age_years >= OLDER_ADULT_AGE_FROM


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
    #: When a dose given was contraindicated for this patient: what to watch for now.
    monitor: tuple[str, ...] = ()
    #: Ids of the table rows (rules, interactions, dose limits) that made this verdict.
    rule_ids: tuple[str, ...] = ()


class Order(_Frozen):
    """One medicine order. `dose_mg` is the top of the range, `dose_mg_low` its bottom.

    The order carries the catalogue generic name (and formulation where it matters); its class
    and its display label (`drug`) are computed from them, so "is this an opioid?" has one answer
    everywhere. For existing callers `Order(drug="oxycodone (immediate release)", ...)` is still
    accepted: the label is parsed into generic and formulation.
    """

    generic: str
    formulation: Formulation | None = None
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

    @model_validator(mode="before")
    @classmethod
    def _from_label(cls, data: object) -> object:
        if not isinstance(data, dict) or data.keys().isdisjoint(("drug", "drug_class", "sig")):
            return data
        data = dict(data)
        label = data.pop("drug", None)
        data.pop("drug_class", None)  # computed: a model_dump() reads back
        data.pop("sig", None)
        if "generic" not in data and isinstance(label, str):
            parsed = parse_order_label(label)
            if parsed is None:
                raise ValueError(f"drug: '{label}' is not a medicine this tool knows")
            data["generic"] = parsed[0]
            if data.get("formulation") is None and parsed[1] is not None:
                data["formulation"] = parsed[1]
        return data

    @field_validator("generic", mode="after")
    @classmethod
    def _known_generic(cls, value: str) -> str:
        resolved = resolve_drug(value)
        if resolved is None:
            raise ValueError(f"'{value}' is not a medicine this tool knows")
        return resolved

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drug(self) -> str:
        """The display label, e.g. 'oxycodone (immediate release)'."""
        return order_label(self.generic, self.formulation)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def drug_class(self) -> DrugClass:
        return catalogue_drug(self.generic).drug_class

    @property
    def is_opioid(self) -> bool:
        """An opioid agonist, full or partial (tramadol and tapentadol included)."""
        return self.generic in OPIOIDS

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
    #: Ids of the table rows (rules, interactions, dose limits) that withheld this medicine.
    rule_ids: tuple[str, ...] = ()


class Warning(_Frozen):
    code: str
    severity: Severity
    message: str
    source: str = ""
    #: Ids of the table rows (rules, interactions, dose limits) that raised this warning.
    rule_ids: tuple[str, ...] = ()


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
    #: Total MME/day: home opioids plus the take-home opioid at its top dose (CDC 2022 factors).
    mme_per_day: float | None
    #: MME/day of the home opioids alone (None: no countable home opioid).
    home_mme_per_day: float | None = None
    naloxone: bool
    naloxone_reasons: tuple[str, ...] = ()
    #: Ids of the table rows that made naloxone indicated, in the order of `naloxone_reasons`.
    naloxone_rule_ids: tuple[str, ...] = ()
    #: Medicines outside the catalogue (`PatientCase.unchecked_medicines`): not checked for
    #: interactions or doses; the plan names them in a caution.
    not_checked: tuple[str, ...] = ()
    #: Naloxone is indicated and the patient already has it (a current medicine): no new order;
    #: the safety advice says to check it is in date and that the household can use it.
    naloxone_at_home: bool = False
    safety: tuple[Point, ...]
    pitfalls: tuple[Point, ...]
    follow_up: tuple[Point, ...]
    evidence_ids: tuple[str, ...] = ()
    #: Where this plan departs from common practice for this case, each with its reason.
    departures: tuple[Departure, ...] = ()


def _fmt(value: float) -> str:
    """12.0 -> '12', 2.5 -> '2.5', for doses in prose."""
    return f"{value:g}"
