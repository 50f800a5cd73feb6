"""Every decision in a plan names the table row that made it: rule id -> row -> source.

Over 3000 generated plans (the shared strategy, derandomised) each Avoid and Warning carries at
least one id that `logic.engine.rules.known_rule_ids()` holds, with the action the row says (a
withhold row behind an avoid entry, a keep-and-warn row behind a warning); each naloxone reason has
its row in the same order; each review of a contraindicated dose names its rows. The hand-picked
cases below answer "why was X withheld?" from the plan alone and check the answer against the
guideline or label the row cites.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from logic import PatientCase, TreatmentPlan, build_plan
from logic.drugs import dose_limits, interactions, intervals, steroids
from logic.drugs.interactions import Severity
from logic.engine.review import UNSAFE
from logic.engine.rules import STEP_RULES, Action, known_rule_ids, rule_by_id
from logic.models import Condition, Relief, Route, TriedMedication
from tests.strategies import cases

PLANS = 3000
ROOT = Path(__file__).resolve().parents[1]


def _check_plan(plan: TreatmentPlan) -> None:
    known = known_rule_ids()
    pairs = interactions.known_ids()
    # The rule table's own rows (the other tables' rows are checked by their own tests).
    rows = known - pairs - dose_limits.known_ids() - intervals.known_ids() - steroids.known_ids()
    for avoid in plan.avoid:
        assert avoid.rule_ids, f"avoid entry without a rule id: {avoid.drug}"
        assert set(avoid.rule_ids) <= known, avoid.rule_ids
        assert all(rule_by_id(i).action is Action.avoid for i in avoid.rule_ids if i in rows)
        # An interaction row withholds only at its withholding severities.
        assert all(
            interactions.row(i).severity in (Severity.contraindicated, Severity.avoid)
            for i in avoid.rule_ids
            if i in pairs
        ), avoid
    for warning in plan.warnings:
        assert warning.rule_ids, f"warning without a rule id: {warning.code}"
        assert set(warning.rule_ids) <= known, warning.rule_ids
        assert all(
            rule_by_id(i).action is not Action.avoid for i in warning.rule_ids if i in rows
        ), warning
    assert len(plan.naloxone_rule_ids) == len(plan.naloxone_reasons)
    assert all(i.startswith("naloxone-") and i in known for i in plan.naloxone_rule_ids)
    for review in plan.tried_review:
        if review.verdict == UNSAFE:
            assert review.rule_ids, review
            assert set(review.rule_ids) <= known, review


@pytest.mark.slow
@settings(
    max_examples=PLANS,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(cases())
def test_every_decision_in_generated_plans_names_a_known_row(case: PatientCase) -> None:
    _check_plan(build_plan(case))


def _case(**fields: object) -> PatientCase:
    base: dict[str, object] = {
        "age_years": 45,
        "sex": "male",
        "weight_kg": 80,
        "serum_creatinine_mg_dl": 1.0,
        "pain_score": 8,
        "pain_duration_weeks": 1,
        "setting": "ed",
    }
    return PatientCase.model_validate({**base, **fields})


def _avoid_ids(plan: TreatmentPlan, label_start: str) -> tuple[str, ...]:
    return next(a.rule_ids for a in plan.avoid if a.drug.startswith(label_start))


# (case fields, avoid label, the row expected, a word its source must cite, where that comes from)
WHY_WITHHELD = [
    (
        {"pain_duration_weeks": 13},
        "Opioids",
        "chronic-no-new-opioid",
        "NICE NG59",
        "NICE NG59 / CDC 2022 rec 2: no opioid for chronic (> 12 weeks) low back pain",
    ),
    (
        {"pain_duration_weeks": 13, "radicular": True},
        "Opioids",
        "chronic-no-new-opioid",
        "CDC 2022 rec 2",
        "same withhold with leg pain",
    ),
    (
        {"conditions": [Condition.gi_bleed_history]},
        "NSAIDs",
        "gi-nsaid",
        "Ketorolac label",
        "ketorolac label: contraindicated after GI bleeding",
    ),
    (
        {"pregnant": True, "sex": "female", "pregnancy_weeks": 24},
        "NSAIDs",
        "pregnancy-nsaid-20-weeks",
        "FDA",
        "FDA Drug Safety Communication 15 Oct 2020: avoid NSAIDs from 20 weeks",
    ),
    (
        {"pain_score": 8},
        "Take-home opioid",
        "take-home-opioid-not-by-default",
        "OPAL",
        "OPAL (Jones 2023): no take-home opioid by default",
    ),
]


@pytest.mark.parametrize(("fields", "label", "rule_id", "cited", "why"), WHY_WITHHELD)
def test_why_withheld_is_answered_from_the_plan(
    fields: dict[str, object], label: str, rule_id: str, cited: str, why: str
) -> None:
    plan = build_plan(_case(**fields))
    ids = _avoid_ids(plan, label)
    assert rule_id in ids, (why, ids)
    assert cited in rule_by_id(rule_id).source, why
    _check_plan(plan)


def test_tramadol_left_out_for_the_planned_antidepressant_names_its_row() -> None:
    # Radicular pain for 6 weeks: the plan starts amitriptyline (NICE CG173), so tramadol is
    # left out (tramadol label: seizures and serotonin syndrome with a tricyclic).
    plan = build_plan(_case(pain_duration_weeks=6, radicular=True))
    assert _avoid_ids(plan, "Tramadol") == ("tramadol-with-planned-antidepressant",)
    assert "Tramadol label" in rule_by_id("tramadol-with-planned-antidepressant").source


def test_naloxone_reasons_and_rows_in_the_same_order() -> None:
    # CDC 2022 rec 8: previous overdose and an opioid use disorder each call for naloxone.
    plan = build_plan(_case(prior_overdose=True, conditions=[Condition.opioid_use_disorder]))
    assert plan.naloxone_reasons[:2] == ("previous overdose", "opioid use disorder")
    assert plan.naloxone_rule_ids[:2] == (
        "naloxone-prior-overdose",
        "naloxone-opioid-use-disorder",
    )


def test_contraindicated_dose_review_names_its_rows() -> None:
    # Ketorolac label: contraindicated in advanced renal impairment; 15 mg IV is the label's
    # limit per dose at 65 and over, so 30 mg IV at 70 is above it.
    tried = TriedMedication(
        drug="ketorolac", dose_mg=30, route=Route.iv, doses_given=1, relief=Relief.none
    )
    plan = build_plan(_case(age_years=70, crcl_ml_min=20, tried=[tried]))
    review = plan.tried_review[0]
    assert review.verdict == UNSAFE
    assert review.rule_ids == ("harm-nsaid-renal", "harm-ketorolac-dose")


def test_every_step_row_is_applied_somewhere() -> None:
    """A step row no code names is dead text: each id appears in the plan, review or
    plausibility module that applies it."""
    code = "".join(
        (ROOT / "logic" / "engine" / name).read_text()
        for name in ("plan.py", "review.py", "plausibility.py")
    )
    named = set(re.findall(r'"([a-z0-9-]+)"', code))
    dead = [r.id for r in STEP_RULES if r.id not in named]
    assert not dead, dead


def test_rule_by_id_rejects_an_unknown_id() -> None:
    with pytest.raises(KeyError):
        rule_by_id("no-such-rule")
