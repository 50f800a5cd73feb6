"""Teaching cases: vignettes in cases/*.toml, each with the plan its sources say it should get.

A case file holds an id, a title, a vignette, learning points, the sources behind its
expectations, a `[case]` table of `PatientCase` fields, an `[expect]` table and a `[quiz]`.
The expectations come from the sources (CDC 2022, AGS Beers 2023, FDA labels, NICE NG59,
GIRFT), not from what the engine happens to output: `check_expectations` reports every way a
plan falls short, so a disagreement shows up as a failing test rather than being edited away.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from logic.drugs.catalogue import CATALOGUE, DrugClass, resolve_drug
from logic.models import Order, PatientCase, TreatmentPlan, TriageLevel

__all__ = [
    "CASES_DIR",
    "Expectations",
    "Quiz",
    "QuizOption",
    "TeachingCase",
    "check_expectations",
    "load_cases",
]

CASES_DIR = Path(__file__).resolve().parents[2] / "cases"

ClassName = Annotated[str, Field(description="A DrugClass member name, e.g. 'nsaid'")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QuizOption(_Frozen):
    text: str = Field(min_length=1)
    correct: bool
    why: str = Field(min_length=1)


class Quiz(_Frozen):
    question: str = "What would you give now?"
    options: tuple[QuizOption, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _one_right_answer(self) -> Quiz:
        if not any(option.correct for option in self.options):
            raise ValueError("a quiz needs at least one correct option")
        return self


class Expectations(_Frozen):
    """What the plan must do for this case. Every field is optional; unset means "not checked"."""

    triage_level: TriageLevel | None = None
    triage_action_mentions: tuple[str, ...] = ()
    discharge_empty: bool | None = None
    gabapentin: bool | None = None
    gabapentin_max_daily_mg_at_most: float | None = None
    gabapentin_day1_mg_at_most: float | None = None
    gabapentin_doses_per_day: int | None = None
    renal_band: str | None = None
    no_opioid_in_discharge: bool | None = None
    opioid_max_days: int | None = None
    mme_per_day_below: float | None = None
    naloxone: bool | None = None
    naloxone_if_opioid: bool | None = None
    nsaid_avoided: bool | None = None
    no_opioid_with_gabapentinoid: bool | None = None
    #: Every opioid order is an option for a shared decision, never a default order (OPAL 2023).
    opioids_shared_decision: bool | None = None
    avoid_classes: tuple[ClassName, ...] = ()
    give_now_excludes_classes: tuple[ClassName, ...] = ()
    discharge_excludes_classes: tuple[ClassName, ...] = ()
    discharge_includes_classes: tuple[ClassName, ...] = ()
    excludes_drugs: tuple[str, ...] = ()
    max_daily_mg: dict[str, float] = Field(default_factory=dict)
    opioid_warning_mentions: tuple[str, ...] = ()
    plan_mentions_any: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known_classes(self) -> Expectations:
        for names in (
            self.avoid_classes,
            self.give_now_excludes_classes,
            self.discharge_excludes_classes,
            self.discharge_includes_classes,
        ):
            for name in names:
                if name not in DrugClass.__members__:
                    known = ", ".join(DrugClass.__members__)
                    raise ValueError(f"unknown drug class {name!r}; use one of {known}")
        for drug in (*self.excludes_drugs, *self.max_daily_mg):
            if resolve_drug(drug) is None:
                raise ValueError(f"unknown drug {drug!r}")
        return self


class TeachingCase(_Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str = Field(min_length=1)
    vignette: str = Field(min_length=1)
    learning_points: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = ()
    case: PatientCase
    expect: Expectations
    quiz: Quiz


class CaseFileError(ValueError):
    """A case file that cannot be read; the message names the file."""


def load_case(path: Path) -> TeachingCase:
    """One case file; raises CaseFileError naming the file on bad TOML or bad fields."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        case = TeachingCase.model_validate(data)
    except (tomllib.TOMLDecodeError, ValidationError, OSError) as error:
        raise CaseFileError(f"{path.name}: {error}") from error
    if case.id != path.stem:
        raise CaseFileError(f"{path.name}: id {case.id!r} must match the file name")
    return case


def load_cases(directory: Path = CASES_DIR) -> dict[str, TeachingCase]:
    """Every case in the folder, keyed by id, in file-name order."""
    return {case.id: case for case in map(load_case, sorted(Path(directory).glob("*.toml")))}


# ---------------------------------------------------------------------------------------------
# Checking a plan against a case's expectations

_GENERICS_LONGEST_FIRST = sorted((d.generic for d in CATALOGUE), key=len, reverse=True)
_CLASS_OF = {d.generic: d.drug_class for d in CATALOGUE}
# Words that name a whole class in an avoid-list entry such as "Systemic corticosteroids (...)".
_CLASS_WORDS: dict[DrugClass, tuple[str, ...]] = {
    DrugClass.nsaid: ("nsaid", "anti-inflammator"),
    DrugClass.corticosteroid: ("corticosteroid", "steroid"),
    DrugClass.muscle_relaxant: ("muscle relaxant",),
    DrugClass.benzodiazepine: ("benzodiazepine",),
    DrugClass.gabapentinoid: ("gabapentin", "pregabalin", "gabapentinoid"),
    DrugClass.opioid: ("opioid",),
    DrugClass.atypical_opioid: ("tramadol", "tapentadol"),
    DrugClass.acetaminophen: ("acetaminophen", "paracetamol"),
    DrugClass.tricyclic: ("tricyclic", "amitriptyline", "nortriptyline"),
    DrugClass.snri: ("snri", "duloxetine"),
    DrugClass.topical: ("topical",),
}


def generic_of(name: str) -> str | None:
    """Catalogue generic for an order's drug text, e.g. 'oxycodone (immediate release)'."""
    generic = resolve_drug(name)
    if generic is not None:
        return generic
    lowered = name.strip().lower()
    return next((g for g in _GENERICS_LONGEST_FIRST if lowered.startswith(g)), None)


def class_of(name: str) -> DrugClass | None:
    generic = generic_of(name)
    return None if generic is None else _CLASS_OF[generic]


def _names(orders: tuple[Order, ...], cls: DrugClass) -> list[str]:
    return [o.sig for o in orders if o.drug_class is cls]


def _avoids_class(plan: TreatmentPlan, cls: DrugClass) -> bool:
    for entry in plan.avoid:
        text = entry.drug.lower()
        if class_of(entry.drug) is cls or any(word in text for word in _CLASS_WORDS[cls]):
            return True
    return False


def _plan_text(plan: TreatmentPlan) -> str:
    parts = [plan.triage.action, *plan.naloxone_reasons]
    parts += [w.message for w in plan.warnings]
    for points in (plan.safety, plan.pitfalls, plan.follow_up, plan.non_drug):
        parts += [f"{p.title} {p.text}" for p in points]
    parts += [f"{o.drug} {o.note}" for o in (*plan.give_now, *plan.discharge)]
    parts += [f"{a.drug} {a.reason}" for a in plan.avoid]
    return " ".join(parts).lower()


def check_expectations(case: TeachingCase, plan: TreatmentPlan) -> list[str]:
    """Every way `plan` misses the case file's expectations; an empty list means it meets them."""
    e = case.expect
    failures: list[str] = []
    orders = (*plan.give_now, *plan.discharge)

    if e.triage_level is not None and plan.triage.level is not e.triage_level:
        failures.append(f"triage is {plan.triage.level.value}, expected {e.triage_level.value}")
    for word in e.triage_action_mentions:
        if word.lower() not in plan.triage.action.lower():
            failures.append(f"triage action does not mention {word!r}")
    if e.discharge_empty is not None and (not plan.discharge) is not e.discharge_empty:
        failures.append(
            "discharge orders present: " + "; ".join(o.sig for o in plan.discharge)
            if e.discharge_empty
            else "no discharge orders"
        )

    gaba = plan.gabapentin
    if e.gabapentin is not None and (gaba is not None) is not e.gabapentin:
        failures.append(
            "a gabapentin titration is planned" if gaba else "no gabapentin titration is planned"
        )
    if gaba is not None:
        if e.gabapentin_max_daily_mg_at_most is not None:
            top = max([gaba.max_daily_mg, *(s.total_daily_mg for s in gaba.steps)])
            cap = e.gabapentin_max_daily_mg_at_most
            if top > cap:
                failures.append(f"gabapentin reaches {top:g} mg/day, above {cap:g}")
        if e.gabapentin_day1_mg_at_most is not None:
            day1 = min(gaba.steps, key=lambda s: s.day).total_daily_mg if gaba.steps else 0
            if day1 > e.gabapentin_day1_mg_at_most:
                failures.append(
                    f"gabapentin day 1 is {day1:g} mg, above {e.gabapentin_day1_mg_at_most:g}"
                )
        if e.gabapentin_doses_per_day is not None:
            worst = max([gaba.doses_per_day, *(len(s.doses) for s in gaba.steps)])
            if worst > e.gabapentin_doses_per_day:
                failures.append(
                    f"gabapentin given {worst} times a day, expected at most "
                    f"{e.gabapentin_doses_per_day}"
                )
    if e.renal_band is not None and plan.renal.band != e.renal_band:
        failures.append(f"renal band is {plan.renal.band}, expected {e.renal_band}")

    discharge_opioids = [o for o in plan.discharge if o.is_opioid]
    any_opioid = discharge_opioids or [o for o in plan.give_now if o.is_opioid]
    if e.no_opioid_in_discharge and discharge_opioids:
        failures.append("opioid in discharge: " + "; ".join(o.sig for o in discharge_opioids))
    if e.opioid_max_days is not None:
        for order in discharge_opioids:
            if order.days is None or order.days > e.opioid_max_days:
                failures.append(
                    f"discharge opioid lasts {order.days or 'unlimited'} days, expected at most "
                    f"{e.opioid_max_days}: {order.sig}"
                )
    if (
        e.mme_per_day_below is not None
        and plan.mme_per_day is not None
        and plan.mme_per_day >= e.mme_per_day_below
    ):
        failures.append(f"MME/day is {plan.mme_per_day:g}, expected below {e.mme_per_day_below:g}")
    if e.naloxone is not None and plan.naloxone is not e.naloxone:
        failures.append(f"naloxone is {plan.naloxone}, expected {e.naloxone}")
    if e.naloxone_if_opioid and discharge_opioids and not plan.naloxone:
        failures.append("an opioid is prescribed for home without naloxone")
    if e.opioid_warning_mentions and any_opioid:
        warnings = " ".join(w.message for w in plan.warnings).lower()
        for word in e.opioid_warning_mentions:
            if word.lower() not in warnings:
                failures.append(f"an opioid is ordered but no warning mentions {word!r}")
    if e.no_opioid_with_gabapentinoid:
        gabapentinoid = gaba is not None or any(
            o.drug_class is DrugClass.gabapentinoid for o in plan.discharge
        )
        if discharge_opioids and gabapentinoid:
            failures.append("an opioid and a gabapentinoid are both prescribed for home")

    if e.opioids_shared_decision:
        defaults = [o.sig for o in orders if o.is_opioid and not o.shared_decision]
        if defaults:
            failures.append(
                "opioid ordered as a default, not a shared decision: " + "; ".join(defaults)
            )

    if e.nsaid_avoided:
        given = _names(orders, DrugClass.nsaid)
        if given:
            failures.append("NSAID ordered: " + "; ".join(given))
        if not _avoids_class(plan, DrugClass.nsaid):
            failures.append("NSAIDs are not on the avoid list")
    for name in e.avoid_classes:
        cls = DrugClass[name]
        if not _avoids_class(plan, cls):
            failures.append(f"{cls.value} is not on the avoid list")
    for label, group, names in (
        ("give now", plan.give_now, e.give_now_excludes_classes),
        ("discharge", plan.discharge, e.discharge_excludes_classes),
    ):
        for name in names:
            cls = DrugClass[name]
            found = _names(group, cls)
            if found:
                failures.append(f"{label} includes a {cls.value}: " + "; ".join(found))
    for name in e.discharge_includes_classes:
        cls = DrugClass[name]
        if not _names(plan.discharge, cls):
            failures.append(f"discharge has no {cls.value}")
    for drug in e.excludes_drugs:
        generic = resolve_drug(drug)
        found = [o.sig for o in orders if generic_of(o.drug) == generic]
        if found:
            failures.append(f"{generic} ordered: " + "; ".join(found))
    for drug, cap in e.max_daily_mg.items():
        generic = resolve_drug(drug)
        for order in orders:
            if generic_of(order.drug) != generic:
                continue
            if order.max_daily_mg is None or order.max_daily_mg > cap:
                failures.append(f"{order.sig}: daily maximum must be at most {cap:g} mg")
    if e.plan_mentions_any:
        text = _plan_text(plan)
        if not any(word.lower() in text for word in e.plan_mentions_any):
            failures.append("the plan mentions none of: " + ", ".join(e.plan_mentions_any))
    return failures
