"""Harm reviews of opioids given this visit, and a patch entered without a strength (issue 20).

* An extended-release or long-acting opioid given this visit (CDC 2022 rec 3: never for acute
  pain) is reviewed as harm that may already have been done, with the opioid watch (sedation
  scale, respiratory rate, naloxone at the bedside) and no further opioid offered, not as an
  ordinary rescue dose. The same drug as the patient's own regular long-acting opioid, or
  methadone for opioid use disorder, is not.
* A fentanyl or buprenorphine patch with no strength entered is not counted as nothing: the plan
  says its MME is unknown (the MME shown is a lower bound), treats the patient as possibly
  opioid tolerant (the patch is not stopped on the opioid-naive row), keeps every new opioid dose
  at the opioid-naive limit and offers naloxone.
"""

from __future__ import annotations

import pytest

from logic import build_plan
from logic.engine.review import REASONABLE, UNSAFE
from logic.models import Condition, PatientCase, Route, TreatmentPlan

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}
WATCH = ("sedation scale", "respiratory rate", "naloxone at the bedside")


def plan_of(**changes: object) -> TreatmentPlan:
    return build_plan(PatientCase(**{**BASE, **changes}))


def _opioid_orders(plan: TreatmentPlan) -> list[str]:
    return [o.generic for o in (*plan.give_now, *plan.discharge) if o.is_opioid]


# (name entered, dose, the product's own duration words from its label, words that belong to
#  another product and must not appear)
ER_GIVEN = [
    # OxyContin label: every 12 hours.
    ("OxyContin", 20, "OxyContin is dosed every 12 hours", ("MS Contin", "methadone")),
    # MS Contin label: every 8 to 12 hours.
    ("MS Contin", 30, "MS Contin is dosed every 8 to 12 hours", ("OxyContin", "methadone")),
    # Exalgo label: once a day.
    ("Exalgo", 8, "Exalgo is dosed once a day", ("OxyContin", "MS Contin")),
    # Dolophine label: half-life 8 to 59 hours.
    ("methadone", 10, "half-life is 8 to 59 hours", ("OxyContin", "MS Contin")),
    # Duragesic label: a patch delivers drug for 72 hours.
    ("Duragesic", 12, "72 hours", ("OxyContin", "Butrans patch delivers")),
    # Butrans label: a patch delivers drug for 7 days.
    ("Butrans", 5, "7 days", ("OxyContin", "Duragesic label)")),
]


@pytest.mark.parametrize(("name", "dose", "own", "foreign"), ER_GIVEN)
def test_an_er_opioid_given_this_visit_is_harm_not_a_rescue_dose(
    name: str, dose: float, own: str, foreign: tuple[str, ...]
) -> None:
    plan = plan_of(tried=[{"drug": name, "dose": dose}])
    (review,) = plan.tried_review
    assert review.verdict == UNSAFE
    assert review.reason.startswith("Harm may already have been done")
    assert review.reason.count("Harm may already have been done") == 1
    assert "harm-er-opioid-acute" in review.rule_ids
    assert "CDC 2022 rec 3" in review.reason
    assert "An opioid rescue dose was given" not in review.reason
    assert all(w in " ".join(review.monitor) for w in WATCH)
    assert own in review.reason
    assert not any(f in review.reason for f in foreign), review.reason
    # No further opioid is offered, and the withholding names its row.
    assert _opioid_orders(plan) == []
    withheld = [a for a in plan.avoid if a.rule_ids and a.rule_ids[0].startswith(("er-", "dose-"))]
    assert withheld


@pytest.mark.parametrize(
    ("tried", "current", "conditions"),
    [
        # The other side: the immediate-release form of the same drug is a rescue dose.
        ({"drug": "oxycodone", "dose": 10}, [], []),
        # The patient's own regular OxyContin given at its time: continuation, not acute use.
        ({"drug": "OxyContin", "dose": 20}, [{"drug": "OxyContin", "dose": 20}], []),
        # Methadone for opioid use disorder is MOUD (CDC 2022 rec 12).
        ({"drug": "methadone", "dose": 60}, [], [Condition.opioid_use_disorder]),
    ],
)
def test_not_an_er_harm(tried: dict[str, object], current: list, conditions: list) -> None:
    plan = plan_of(tried=[tried], current_medications=current, conditions=conditions)
    (review,) = plan.tried_review
    assert "harm-er-opioid-acute" not in review.rule_ids
    if not current and not conditions:
        assert review.verdict == REASONABLE
        assert _opioid_orders(plan)  # rescue options stay on offer


# ---- A patch with no strength -------------------------------------------------------------------


def test_a_fentanyl_patch_without_a_dose_is_not_counted_as_nothing() -> None:
    plan = plan_of(current_medications=[{"drug": "Duragesic"}])
    codes = {w.code: w for w in plan.warnings}
    warning = codes["patch-dose-unknown"]
    assert warning.rule_ids == ("patch-dose-unknown",)
    assert "MME is unknown" in warning.message
    assert "lower bound" in warning.message
    assert "possibly opioid tolerant" in warning.message
    # Not stopped on the opioid-naive row (the patient may be tolerant)...
    assert "dose-limit-fentanyl" not in codes
    assert "home-mme-fentanyl" not in codes  # said once, by the patch warning
    assert plan.home_mme_per_day is None
    # ...but naloxone is offered for it, and new opioid doses stay at the naive limit
    # (Dilaudid injection label: opioid-naive 0.2-1 mg IV).
    assert plan.naloxone
    assert "naloxone-patch-dose-unknown" in plan.naloxone_rule_ids
    assert "naloxone-home-opioid-uncounted" not in plan.naloxone_rule_ids
    for order in (*plan.give_now, *plan.discharge):
        if order.generic == "hydromorphone" and order.route is Route.iv:
            assert order.dose_mg <= 1


def test_a_buprenorphine_patch_without_a_dose_names_only_its_own_facts() -> None:
    plan = plan_of(current_medications=[{"drug": "Butrans"}])
    warning = next(w for w in plan.warnings if w.code == "patch-dose-unknown")
    assert "no MME factor" in warning.message
    assert "fentanyl" not in warning.message.lower()
    assert "Duragesic" not in warning.message
    assert "naloxone-patch-dose-unknown" in plan.naloxone_rule_ids


@pytest.mark.parametrize(
    ("med", "patch_warning", "naive_row"),
    [
        # The other side: a strength entered is counted (CDC 2022: fentanyl patch 25 mcg/h =
        # 60 MME); worn 4 weeks at 25 mcg/h the patient is tolerant (Duragesic label).
        ({"drug": "Duragesic", "dose": 25, "weeks": 4}, False, False),
        # A strength without a duration: tolerance cannot be assumed, the naive row applies.
        ({"drug": "Duragesic", "dose": 25}, False, True),
        ({"drug": "Duragesic"}, True, False),
    ],
)
def test_patch_with_and_without_a_strength(
    med: dict[str, object], patch_warning: bool, naive_row: bool
) -> None:
    plan = plan_of(current_medications=[med])
    codes = {w.code for w in plan.warnings}
    assert ("patch-dose-unknown" in codes) is patch_warning
    assert ("dose-limit-fentanyl" in codes) is naive_row
    if "dose" in med:
        assert plan.home_mme_per_day == pytest.approx(60)


def test_every_medicine_step_row_is_applied_somewhere() -> None:
    """Each row of MEDICINE_STEP_RULES is named by the code that applies it."""
    from pathlib import Path

    from logic.engine.rules import MEDICINE_STEP_RULES

    root = Path(__file__).resolve().parents[1] / "logic" / "engine"
    files = ("plan.py", "review.py", "med_checks.py", "timing.py")
    code = "".join((root / n).read_text() for n in files)
    dead = [r.id for r in MEDICINE_STEP_RULES if f'"{r.id}"' not in code]
    assert dead == []
