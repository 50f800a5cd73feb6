"""Both sides of every clinical cut-off, each expectation from its source (not from the code).

Each row puts one case just below a line and one on it (or just past it, for an exclusive line)
and names what the source says changes there: a rule row that fires on one side only, an order
that appears, the renal band. The lines themselves live in logic.engine.thresholds; every copy that
used to sit in another module now reads them, and this table is what catches a copy drifting
or a comparison moved by one (`>=` for `>`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from logic import PatientCase, TreatmentPlan, build_plan
from logic.engine import thresholds as t
from logic.engine.renal import RenalBand, assess_renal
from logic.engine.rules import RULES, Facts

Observe = Callable[[TreatmentPlan], bool]

BASE: dict[str, Any] = {
    "age_years": 40,
    "sex": "male",
    "weight_kg": 80,
    "crcl_ml_min": 100,
    "pain_score": 8,
    "pain_duration_weeks": 1,
    "setting": "ed",
}


def rule(rule_id: str) -> Observe:
    """The plan names this row somewhere (avoid list, warnings, reviews or naloxone reasons)."""

    def seen(plan: TreatmentPlan) -> bool:
        ids = {
            *(i for a in plan.avoid for i in a.rule_ids),
            *(i for w in plan.warnings for i in w.rule_ids),
            *(i for r in plan.tried_review for i in r.rule_ids),
            *plan.naloxone_rule_ids,
        }
        return rule_id in ids

    seen.__name__ = rule_id
    return seen


def orders(generic: str) -> Observe:
    def seen(plan: TreatmentPlan) -> bool:
        return any(o.generic == generic for o in (*plan.give_now, *plan.discharge))

    return seen


def band(expected: RenalBand) -> Observe:
    return lambda plan: plan.renal.band == expected


KETOROLAC_30_IV = {"drug": "ketorolac", "dose": 30, "unit": "mg", "route": "iv"}
IBUPROFEN_400 = {"drug": "ibuprofen", "dose": 400, "unit": "mg", "route": "po"}


def morphine_daily(mg: float) -> dict[str, Any]:
    return {
        "current_medications": [
            {"drug": "morphine", "formulation": "ir", "dose": mg, "unit": "mg", "doses_per_day": 1}
        ]
    }


# (line, extra fields, field, value below, value on/past, what changes, below?, on?, source).
# The values are the sources' numbers written out, never read from logic.engine.thresholds, so a
# line moved there moves away from this table.
BOUNDARIES: list[tuple[str, dict[str, Any], str, Any, Any, Observe, bool, bool, str]] = [
    (
        "older adult 65",
        {},
        "age_years",
        64,
        65,
        rule("beers-opioid-reduce"),
        False,
        True,
        "AGS Beers 2023: the older-adult criteria apply from 65",
    ),
    (
        "older adult 65: no ketorolac now",
        {},
        "age_years",
        64,
        65,
        orders("ketorolac"),
        True,
        False,
        "Ketorolac label: lower doses from 65; the plan then starts naproxen instead",
    ),
    (
        "older adult 65: CrCl assumed without a creatinine",
        {"crcl_ml_min": None},
        "age_years",
        64,
        65,
        band(RenalBand.moderate),
        False,
        True,
        "Neurontin label / Beers 2023: from 65, CrCl 30-59 is assumed until it is measured",
    ),
    (
        "ketorolac review at 65",
        {"tried": [KETOROLAC_30_IV]},
        "age_years",
        64,
        65,
        rule("harm-ketorolac-dose"),
        False,
        True,
        "Ketorolac label: 65 and over, 15 mg IV a dose (30 mg is above it)",
    ),
    (
        "tramadol cap over 75",
        {},
        "age_years",
        75,
        76,
        rule("age75-tramadol-cap"),
        False,
        True,
        "Tramadol label (geriatric use): over 75, no more than 300 mg a day",
    ),
    (
        "antidepressant boxed warning under 25",
        {"pain_duration_weeks": 20},
        "age_years",
        24,
        25,
        rule("antidepressant-under-25"),
        True,
        False,
        "FDA boxed warning on antidepressants: suicidality in trials under age 25",
    ),
    (
        "subacute from 4 weeks",
        {"pain_score": 5},
        "pain_duration_weeks",
        3.9,
        4,
        rule("not-improving"),
        False,
        True,
        "CDC 2022: acute pain lasts under a month; ACP/APS 2007: not improving after a month",
    ),
    (
        "radicular pain from 4 weeks: amitriptyline",
        {"radicular": True, "pain_score": 5},
        "pain_duration_weeks",
        3.9,
        4,
        orders("amitriptyline"),
        False,
        True,
        "NICE CG173: a neuropathic-pain drug for radicular pain that persists (a month here)",
    ),
    (
        "chronic above 12 weeks: no new opioid",
        {},
        "pain_duration_weeks",
        12,
        12.1,
        rule("chronic-no-new-opioid"),
        False,
        True,
        "CDC 2022: chronic pain lasts more than 3 months; NICE NG59: no opioids for it",
    ),
    (
        "chronic above 12 weeks: no muscle relaxant",
        {},
        "pain_duration_weeks",
        12,
        12.1,
        rule("chronic-muscle-relaxant"),
        False,
        True,
        "ACP 2017: muscle relaxant evidence covers acute and subacute pain only",
    ),
    (
        "severe pain from NRS 7",
        {},
        "pain_score",
        6,
        7,
        rule("no-opioid-needed"),
        True,
        False,
        "Serlin 1995: NRS 7-10 is severe; CDC 2022 rec 1: opioids only for severe pain",
    ),
    (
        "low weight under 50 kg: acetaminophen per kg",
        {},
        "weight_kg",
        49.9,
        50,
        rule("weight-acetaminophen"),
        True,
        False,
        "Ofirmev label: under 50 kg, 15 mg/kg a dose and 75 mg/kg a day",
    ),
    (
        "low weight under 50 kg: ketorolac cap",
        {},
        "weight_kg",
        49.9,
        50,
        rule("weight-ketorolac"),
        True,
        False,
        "Ketorolac label: under 50 kg, 15 mg IV a dose and 60 mg a day",
    ),
    (
        "older and under 50 kg: acetaminophen 60 mg/kg",
        {"age_years": 70},
        "weight_kg",
        49.9,
        50,
        rule("older-low-weight-acetaminophen"),
        True,
        False,
        "Reid et al. 2022 (Australian consensus): 60 mg/kg/day for older people under 50 kg",
    ),
    (
        "under 50 kg and older: acetaminophen 60 mg/kg from 65",
        {"weight_kg": 45},
        "age_years",
        64,
        65,
        rule("older-low-weight-acetaminophen"),
        False,
        True,
        "Reid et al. 2022: 60 mg/kg/day for older people under 50 kg (older: 65+, AGS Beers 2023)",
    ),
    (
        "ketorolac review under 50 kg",
        {"tried": [KETOROLAC_30_IV]},
        "weight_kg",
        49.9,
        50,
        rule("harm-ketorolac-dose"),
        True,
        False,
        "Ketorolac label: under 50 kg, 15 mg IV a dose (30 mg is above it)",
    ),
    (
        "pregnancy: NSAIDs from 20 weeks",
        {"sex": "female", "age_years": 30, "pregnant": True},
        "pregnancy_weeks",
        19,
        20,
        rule("pregnancy-nsaid-20-weeks"),
        False,
        True,
        "FDA Drug Safety Communication 15 Oct 2020: avoid NSAIDs from 20 weeks",
    ),
    (
        "pregnancy: NSAID already given from 20 weeks",
        {"sex": "female", "age_years": 30, "pregnant": True, "tried": [IBUPROFEN_400]},
        "pregnancy_weeks",
        19,
        20,
        rule("harm-nsaid-pregnancy"),
        False,
        True,
        "FDA Drug Safety Communication 15 Oct 2020: avoid NSAIDs from 20 weeks",
    ),
    (
        "pregnancy: NSAIDs contraindicated from 30 weeks",
        {"sex": "female", "age_years": 30, "pregnant": True},
        "pregnancy_weeks",
        29,
        30,
        rule("pregnancy-nsaid-30-weeks"),
        False,
        True,
        "NSAID labels: avoid from 30 weeks (premature closure of the ductus arteriosus)",
    ),
    (
        "MME 50",
        {"pain_score": 5},
        "current_medications",
        morphine_daily(49)["current_medications"],
        morphine_daily(50)["current_medications"],
        rule("mme-50"),
        False,
        True,
        "CDC 2022 recs 4 and 8: 50 MME/day or more (oral morphine factor 1)",
    ),
    (
        "MME 90",
        {"pain_score": 5},
        "current_medications",
        morphine_daily(89)["current_medications"],
        morphine_daily(90)["current_medications"],
        rule("mme-90"),
        False,
        True,
        "CDC 2016 rec 5: avoid or justify 90 MME/day or more (oral morphine factor 1)",
    ),
    (
        "CrCl 60",
        {},
        "crcl_ml_min",
        59.9,
        60,
        rule("renal-nsaid-reduce"),
        True,
        False,
        "Neurontin label Table 1 bands: normal from 60 mL/min; below it NSAIDs are reduced",
    ),
    (
        "CrCl 30",
        {},
        "crcl_ml_min",
        30.0,
        30.1,
        rule("renal-nsaid-avoid"),
        True,
        False,
        "Neurontin label Table 1: moderate is above 30; Beers 2023: avoid NSAIDs below 30",
    ),
    (
        "CrCl 15",
        {},
        "crcl_ml_min",
        15.0,
        15.1,
        band(RenalBand.very_severe),
        True,
        False,
        "Neurontin label Table 1: severe is above 15; at 15 the very severe band applies",
    ),
]


@pytest.mark.parametrize(
    ("line", "extra", "field", "below", "on", "observe", "seen_below", "seen_on", "source"),
    BOUNDARIES,
    ids=[row[0] for row in BOUNDARIES],
)
def test_both_sides_of_each_line(
    line: str,
    extra: dict[str, Any],
    field: str,
    below: Any,
    on: Any,
    observe: Observe,
    seen_below: bool,
    seen_on: bool,
    source: str,
) -> None:
    fields = {**BASE, **extra}
    before = build_plan(PatientCase.model_validate({**fields, field: below}))
    after = build_plan(PatientCase.model_validate({**fields, field: on}))
    assert observe(before) is seen_below, f"{line}, {field}={below}: {source}"
    assert observe(after) is seen_on, f"{line}, {field}={on}: {source}"


def test_the_lines_are_the_sources_numbers() -> None:
    """Each line against its source, written out here rather than read from the module."""
    assert t.OLDER_ADULT_AGE_FROM == 65  # AGS Beers 2023
    assert t.TRAMADOL_OLDER_CAP_AGE_ABOVE == 75  # tramadol label
    assert t.ANTIDEPRESSANT_BOXED_WARNING_AGE_BELOW == 25  # FDA boxed warning
    assert t.SUBACUTE_PAIN_WEEKS_FROM == 4  # CDC 2022
    assert t.CHRONIC_PAIN_WEEKS_ABOVE == 12  # CDC 2022
    assert t.SEVERE_PAIN_SCORE_FROM == 7  # Serlin 1995
    assert t.LOW_WEIGHT_KG_BELOW == 50  # ketorolac and Ofirmev labels
    assert t.PREGNANCY_NSAID_AVOID_WEEKS_FROM == 20  # FDA 2020
    assert t.PREGNANCY_NSAID_CONTRAINDICATED_WEEKS_FROM == 30  # NSAID labels
    assert (t.MME_CAUTION_FROM, t.MME_DANGER_FROM) == (50, 90)  # CDC 2022 / 2016
    assert (t.CRCL_NORMAL_FROM, t.CRCL_MODERATE_ABOVE, t.CRCL_SEVERE_ABOVE) == (60, 30, 15)


# The older-low-weight acetaminophen row's own trigger, asked directly on both sides of both of
# its lines. Through build_plan the row is only evaluated when Gate.low_weight holds (the rule
# index, `reads=`), so a trigger that dropped or moved its weight test gave the same plans and
# only test_rules' full scan saw it; here the trigger itself is judged. (age, weight kg, fires?)
# from the row's source: Reid et al., Br J Clin Pharmacol 2022 (Australian consensus), 60 mg/kg a
# day for people 65 and over (AGS Beers 2023's older adult) who weigh under 50 kg (the Ofirmev
# label's low-weight line).
OLDER_LOW_WEIGHT_ACETAMINOPHEN: list[tuple[int, float, bool]] = [
    (64, 49, False),  # under 65: the adult label's 75 mg/kg applies instead
    (65, 49, True),  # 65 and under 50 kg: both lines crossed
    (64, 50, False),
    (65, 50, False),  # 50 kg is not under 50 kg
    (70, 49.9, True),
    (70, 50, False),
]


@pytest.mark.parametrize(("age", "weight", "fires"), OLDER_LOW_WEIGHT_ACETAMINOPHEN)
def test_older_low_weight_acetaminophen_trigger_on_both_lines(
    age: int, weight: float, fires: bool
) -> None:
    (row,) = [r for r in RULES if r.id == "older-low-weight-acetaminophen"]
    case = PatientCase.model_validate({**BASE, "age_years": age, "weight_kg": weight})
    facts = Facts(case=case, renal=assess_renal(case))
    assert bool(row.trigger(facts)) is fires, f"age {age}, {weight} kg: Reid et al. 2022"
