"""Issue 20: hepatic impairment with its Child-Pugh class (`PatientCase.child_pugh`).

How it relates to the cirrhosis box (the model's `hepatic_class`): a class means liver disease,
so every cirrhosis row applies with it; cirrhosis ticked with no class is read as class A (the
mildest: a ticked box is never read as no liver disease), and the plan says the B and C limits
need the class. The limits are the labels' (Celebrex 2 and 8.6: B halve the daily dose, C not
recommended; Flexeril: mild 5 mg, moderate or severe not recommended; Nucynta 8.7: severe not
recommended; Cymbalta 8.9 and Zanaflex 8.7: avoid in hepatic impairment). The class reaches the
page, the link (only when sharing) and FHIR in and out.
"""

from __future__ import annotations

import datetime as dt

import pytest

from logic import build_plan
from logic.formats import share
from logic.formats.fhir.read import case_from_resources
from logic.formats.fhir.write import case_resources
from logic.models import ChildPugh, Condition, PatientCase, TreatmentPlan

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}
TODAY = dt.date(2026, 1, 1)


def _case(**extra: object) -> PatientCase:
    return PatientCase(**{**BASE, **extra})


def _ids(plan: TreatmentPlan) -> set[str]:
    found = {i for a in plan.avoid for i in a.rule_ids}
    found |= {i for w in plan.warnings for i in w.rule_ids}
    return found | {i for t in plan.tried_review for i in t.rule_ids}


@pytest.mark.parametrize(
    ("conditions", "child_pugh", "expected"),
    [
        ([], None, None),
        (["cirrhosis"], None, ChildPugh.a),  # ticked, no class: at least A
        (["cirrhosis"], "B", ChildPugh.b),  # the class entered wins
        ([], "C", ChildPugh.c),  # a class without the box is still liver disease
    ],
)
def test_hepatic_class_from_the_box_and_the_class(
    conditions: list[str], child_pugh: str | None, expected: ChildPugh | None
) -> None:
    assert _case(conditions=conditions, child_pugh=child_pugh).hepatic_class is expected


@pytest.mark.parametrize("child_pugh", ["A", "B", "C"])
def test_any_class_applies_every_cirrhosis_row(child_pugh: str) -> None:
    """AASLD 2021 (NSAIDs), tramadol, oxycodone, acetaminophen and duloxetine labels: the rows
    the cirrhosis box fires, fired by a class alone."""
    with_box = _ids(build_plan(_case(conditions=["cirrhosis"])))
    with_class = _ids(build_plan(_case(child_pugh=child_pugh)))
    hepatic = {i for i in with_box if i.startswith("hepatic-") and i != "hepatic-class-unknown"}
    assert hepatic >= {"hepatic-nsaid-avoid", "hepatic-acetaminophen", "hepatic-tramadol"}
    assert hepatic <= with_class
    # Only the box without a class says the class is missing.
    assert "hepatic-class-unknown" in with_box
    assert "hepatic-class-unknown" not in with_class


CELECOXIB_400 = [{"drug": "Celebrex", "dose": 200, "doses_per_day": 2}]


@pytest.mark.parametrize(
    ("extra", "row"),
    [
        # Celebrex label: 400 mg a day is the usual acute maximum; B halves it; C not at all.
        ({}, None),
        ({"conditions": ["cirrhosis"]}, None),  # read as A: no class-B limit
        ({"child_pugh": "A"}, None),
        ({"child_pugh": "B"}, "dose-celecoxib-child-pugh-b"),
        ({"child_pugh": "C"}, "dose-celecoxib-child-pugh-c"),
    ],
)
def test_regular_celecoxib_by_class(extra: dict[str, object], row: str | None) -> None:
    plan = build_plan(_case(current_medications=CELECOXIB_400, **extra))
    flagged = [w for w in plan.warnings if w.code == "dose-limit-celecoxib"]
    if row is None:
        assert flagged == []
        return
    (warning,) = flagged
    assert warning.rule_ids == (row,)
    assert "Do not continue" in warning.message


@pytest.mark.parametrize(
    ("extra", "harm"),
    [
        # Flexeril label: mild impairment 5 mg (10 mg is above it); moderate or severe: none.
        ({"child_pugh": "A"}, "dose-cyclobenzaprine-cirrhosis"),
        ({"child_pugh": "B"}, "dose-cyclobenzaprine-child-pugh-b"),
        ({"child_pugh": "C"}, "dose-cyclobenzaprine-child-pugh-b"),
        ({}, None),
    ],
)
def test_cyclobenzaprine_given_this_visit_by_class(
    extra: dict[str, object], harm: str | None
) -> None:
    plan = build_plan(
        _case(tried=[{"drug": "cyclobenzaprine", "dose": 10, "relief": "none"}], **extra)
    )
    (review,) = plan.tried_review
    if harm is None:
        assert not review.reason.startswith("Harm may already have been done")
        return
    assert review.reason.startswith("Harm may already have been done")
    assert harm in review.rule_ids


@pytest.mark.parametrize(("extra", "flagged"), [({"child_pugh": "A"}, True), ({}, False)])
def test_regular_tizanidine_and_duloxetine_with_liver_disease(
    extra: dict[str, object], flagged: bool
) -> None:
    """Zanaflex 8.7 and Cymbalta 8.9: avoid with hepatic impairment, from class A."""
    plan = build_plan(
        _case(
            current_medications=[
                {"drug": "tizanidine", "dose": 4, "doses_per_day": 3},
                {"drug": "duloxetine", "dose": 60, "doses_per_day": 1},
            ],
            **extra,
        )
    )
    codes = {w.code: w.rule_ids for w in plan.warnings}
    assert ("dose-limit-tizanidine" in codes) is flagged
    assert ("dose-limit-duloxetine" in codes) is flagged
    if flagged:
        assert codes["dose-limit-tizanidine"] == ("dose-tizanidine-hepatic",)
        assert codes["dose-limit-duloxetine"] == ("dose-duloxetine-hepatic",)


def test_a_class_that_is_not_a_b_or_c_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="child_pugh"):
        _case(child_pugh="D")


def test_the_page_offers_the_class() -> None:
    from ui.fields import FIELDS

    assert FIELDS["child_pugh"].kind == "choice"
    assert "Child-Pugh" in FIELDS["child_pugh"].label


@pytest.mark.parametrize("child_pugh", ["A", "B", "C"])
def test_the_link_carries_it_only_when_sharing(child_pugh: str) -> None:
    case = _case(child_pugh=child_pugh)
    assert share.share_query(case)["child_pugh"] == child_pugh
    assert "child_pugh" not in share.private_query(case)
    back = share.case_from_query(share.share_query(case)).case
    assert back is not None
    assert back.child_pugh == ChildPugh(child_pugh)


@pytest.mark.parametrize("child_pugh", [None, "A", "B", "C"])
def test_fhir_writes_and_reads_it_back(child_pugh: str | None) -> None:
    case = _case(child_pugh=child_pugh, conditions=[Condition.cirrhosis] if child_pugh else [])
    back = case_from_resources(case_resources(case, today=TODAY), today=TODAY).case
    assert back is not None
    assert back.child_pugh == (ChildPugh(child_pugh) if child_pugh else None)
    assert back.conditions == case.conditions


@pytest.mark.parametrize("child_pugh", [None, "A", "B", "C"])
def test_the_page_table_holds_the_class_both_ways(child_pugh: str | None) -> None:
    """ui.fields: the case -> widget values -> the case again."""
    from ui.fields import case_inputs, widget_values

    case = _case(child_pugh=child_pugh)
    state, notices = widget_values(case.model_dump(mode="json"))
    assert notices == []
    assert state["child_pugh"] == child_pugh
    raw, missing = case_inputs(state)
    assert missing == []
    assert PatientCase(**raw) == case
