"""The decision aid: its trial figures against the published values and the content pages, and
its options against the plan (only what the plan offers, never what it withholds)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from logic import build_plan
from logic.drugs.catalogue import DrugClass, drug_class, resolve_drug
from logic.engine.decision_aid import (
    IMPROVE_ANYWAY,
    PEOPLE,
    TRIAL_ARMS,
    Option,
    Outcome,
    TrialArm,
    arm_line,
    decision_rows,
    discussed_note,
    headline,
    icon_array_alt,
    icon_array_spec,
    people,
    plain_line,
)
from logic.library.evidence import load_evidence
from logic.models import Condition, PatientCase, RedFlag, TreatmentPlan
from tests.strategies import cases

LIBRARY = load_evidence()

#: Hand-copied from each trial's published abstract (or, where marked, a secondary report),
#: independently of logic/engine/decision_aid.py: (trial, words in the arm, outcome, time, percent).
PUBLISHED: tuple[tuple[str, str, Outcome, str, float], ...] = (
    # Friedman BW et al. Ann Emerg Med 2017, doi:10.1016/j.annemergmed.2016.10.002 (naproxen +
    # placebo: moderate or severe pain 22% at 1 week, 9% at 3 months; UMEM pearl 3203).
    ("Friedman 2017", "naproxen", Outcome.pain, "1 week", 22),
    ("Friedman 2017", "naproxen", Outcome.pain, "3 months", 9),
    # Friedman BW et al. Ann Emerg Med 2019;74:512-20 (PMC6756993): moderate/severe LBP at 1
    # week 30% placebo, 33% baclofen, 37% metaxalone, 33% tizanidine.
    ("Friedman 2019", "placebo", Outcome.pain, "1 week", 30),
    ("Friedman 2019", "baclofen", Outcome.pain, "1 week", 33),
    ("Friedman 2019", "metaxalone", Outcome.pain, "1 week", 37),
    ("Friedman 2019", "tizanidine", Outcome.pain, "1 week", 33),
    # Friedman BW et al. Acad Emerg Med 2020, doi:10.1111/acem.13898: 16 of 57 (28%) with
    # acetaminophen, 15 of 53 (28%) with placebo.
    ("Friedman 2020", "acetaminophen", Outcome.pain, "1 week", 28),
    ("Friedman 2020", "placebo", Outcome.pain, "1 week", 28),
    # Friedman BW et al. Ann Emerg Med 2018;71:348-56: adverse events 17% placebo, 9%
    # orphenadrine, 19% methocarbamol (Clinical Pain Advisor summary: secondary report).
    ("Friedman 2018", "placebo", Outcome.side_effect, "1 week", 17),
    ("Friedman 2018", "orphenadrine", Outcome.side_effect, "1 week", 9),
    ("Friedman 2018", "methocarbamol", Outcome.side_effect, "1 week", 19),
    # Friedman BW et al. Spine 2008;33:E624-9: functional disability at 1 month 19% vs 49%.
    ("Friedman 2008", "methylprednisolone", Outcome.poor_function, "1 month", 19),
    ("Friedman 2008", "placebo", Outcome.poor_function, "1 month", 49),
    # Eskin B et al. J Emerg Med 2014;47:65-70: sought more care 40% vs 18%.
    ("Eskin 2014", "prednisone", Outcome.more_care, "5 days", 40),
    ("Eskin 2014", "placebo", Outcome.more_care, "5 days", 18),
    # Jones CMP et al. Lancet 2023;402:304-12 (OPAL): misuse at 52 weeks 20% vs 10%.
    ("OPAL", "oxycodone", Outcome.misuse, "52 weeks", 20),
    ("OPAL", "placebo", Outcome.misuse, "52 weeks", 10),
    # Mathieson S et al. NEJM 2017 (PRECISE): dizziness 40% pregabalin vs 13% placebo.
    ("PRECISE", "pregabalin", Outcome.dizziness, "8 weeks", 40),
    ("PRECISE", "placebo", Outcome.dizziness, "8 weeks", 13),
)

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Drug classes that make an option offered, for the independent check below.
OPTION_CLASSES: dict[Option, set[DrugClass]] = {
    Option.nsaid: {DrugClass.nsaid},
    Option.muscle_relaxant: {DrugClass.muscle_relaxant},
    Option.steroid: {DrugClass.corticosteroid},
    Option.opioid_rescue: {DrugClass.opioid, DrugClass.atypical_opioid, DrugClass.partial_opioid},
    Option.gabapentinoid: {DrugClass.gabapentinoid},
}


def case(**fields: object) -> PatientCase:
    base: dict[str, object] = {
        "age_years": 40,
        "sex": "male",
        "weight_kg": 80,
        "pain_score": 8,
        "pain_duration_weeks": 1,
        "setting": "ed",
    }
    return PatientCase(**{**base, **fields})


def plan_classes(plan: TreatmentPlan) -> set[DrugClass]:
    found = set()
    for order in (*plan.give_now, *plan.discharge):
        generic = resolve_drug(order.generic)
        if generic:
            found.add(drug_class(generic))
    return found


def expected_options(plan: TreatmentPlan) -> set[Option]:
    """The options a reader of the plan's orders would list, computed without the module."""
    classes = plan_classes(plan)
    expected = {o for o, wanted in OPTION_CLASSES.items() if classes & wanted}
    if DrugClass.acetaminophen in classes and DrugClass.nsaid in classes:
        expected.add(Option.acetaminophen_added)
    if plan.gabapentin is not None:
        expected.add(Option.gabapentinoid)
    return expected


def _key_number_bullets(page: str) -> list[str]:
    """Top-level 'Key numbers' bullets of a page, each with its sub-bullets."""
    text = LIBRARY[page].sections["Key numbers"]
    return [b for b in re.split(r"\n(?=- )", text) if b.strip()]


# ---------------------------------------------------------------------------------------------
# The table against the published values and the pages


@pytest.mark.parametrize(
    "arm", TRIAL_ARMS, ids=[f"{a.trial}:{a.arm}:{a.time_point}" for a in TRIAL_ARMS]
)
def test_every_figure_matches_its_published_value(arm: TrialArm) -> None:
    """Each row equals one hand-copied published figure (trial, arm, outcome, time, percent)."""
    matches = [
        p
        for p in PUBLISHED
        if p[0] == arm.trial and p[1] in arm.arm and p[2] is arm.outcome and p[3] == arm.time_point
    ]
    assert len(matches) == 1, matches
    assert arm.percent == matches[0][4]


def test_every_published_figure_is_in_the_table() -> None:
    """No hand-copied figure is missing from the table (so the table is not quietly trimmed)."""
    for trial, words, outcome, time_point, value in PUBLISHED:
        assert any(
            a.trial == trial
            and words in a.arm
            and a.outcome is outcome
            and a.time_point == time_point
            and a.percent == value
            for a in TRIAL_ARMS
        ), (trial, words, time_point)


@pytest.mark.parametrize(
    "arm", TRIAL_ARMS, ids=[f"{a.trial}:{a.arm}:{a.time_point}" for a in TRIAL_ARMS]
)
def test_every_figure_is_stated_on_its_page(arm: TrialArm) -> None:
    """The page's Key numbers bullet for the trial states the same percentage: one source."""
    bullets = [b for b in _key_number_bullets(arm.page) if arm.trial in b]
    assert bullets, f"{arm.page}: no Key numbers bullet names {arm.trial}"
    assert any(re.search(rf"(?<![\d.]){arm.percent:g}\s?%", b) for b in bullets), (
        f"{arm.page}: {arm.trial} {arm.percent:g}% not stated"
    )
    if not arm.confirmed:
        assert any("confirmed" in b for b in bullets), "the page must say it is unconfirmed"


@pytest.mark.parametrize(
    "arm", TRIAL_ARMS, ids=[f"{a.trial}:{a.arm}:{a.time_point}" for a in TRIAL_ARMS]
)
def test_every_source_is_cited_by_its_page(arm: TrialArm) -> None:
    """The row's DOI is one of the page's listed sources."""
    doi = re.search(r"doi:(\S+)", arm.source)
    assert doi, arm.source
    assert doi.group(1) in {s.doi for s in LIBRARY[arm.page].sources}


def test_each_option_compares_with_a_control_arm_where_one_exists() -> None:
    """Every option except an NSAID alone (itself the control) shows its trial's placebo arm."""
    for option in Option:
        arms = [a for a in TRIAL_ARMS if a.option is option]
        assert arms, option
        if option is not Option.nsaid:
            assert any(a.control for a in arms), option
            assert any(not a.control for a in arms), option


def test_most_people_improve_anyway_line_is_naproxen_at_3_months() -> None:
    """The 'most improve anyway' figure is the naproxen-alone arm at 3 months: 9 of 100."""
    assert (IMPROVE_ANYWAY.trial, IMPROVE_ANYWAY.time_point) == ("Friedman 2017", "3 months")
    assert people(IMPROVE_ANYWAY) == 9


# ---------------------------------------------------------------------------------------------
# Only what the plan offers


def test_resident_question_naproxen_alone_at_a_week() -> None:
    """'How many of 100 like this one still have moderate pain at a week with naproxen alone?'
    The plain ED case's NSAID row answers 22 (Friedman 2017 naproxen + placebo arm)."""
    rows = {r.option: r for r in decision_rows(build_plan(case()))}
    line = arm_line(headline(rows[Option.nsaid]))
    assert line.startswith("22 of 100 still had moderate or severe pain at 1 week")
    assert "Friedman 2017" in line
    assert "naproxen" in line


@pytest.mark.parametrize(
    ("fields", "shown", "hidden", "why"),
    [
        # Pain 8, age 40: relaxant offered (ACP 2017), opioid rescue offered for NRS >= 7.
        ({}, {Option.muscle_relaxant, Option.opioid_rescue}, {Option.steroid}, "plain"),
        # Beers 2023: no relaxant from 65; 64 still offered.
        ({"age_years": 65}, set(), {Option.muscle_relaxant}, "Beers 65"),
        ({"age_years": 64}, {Option.muscle_relaxant}, set(), "Beers 64"),
        # NRS 6 is not severe (Serlin 1995): no opioid rescue; 7 is.
        ({"pain_score": 6}, set(), {Option.opioid_rescue}, "NRS 6"),
        ({"pain_score": 7}, {Option.opioid_rescue}, set(), "NRS 7"),
        # Anticoagulant: no NSAID (label), so no NSAID row and no 'acetaminophen added' row.
        (
            {"conditions": (Condition.anticoagulant_use,)},
            set(),
            {Option.nsaid, Option.acetaminophen_added},
            "anticoagulant",
        ),
        # Radicular pain: the gabapentin titration is offered, and then no relaxant.
        ({"radicular": True}, {Option.gabapentinoid}, {Option.muscle_relaxant}, "radicular"),
    ],
)
def test_rows_follow_the_plan(fields, shown, hidden, why) -> None:
    plan = build_plan(case(**fields))
    options = {r.option for r in decision_rows(plan)}
    assert options == expected_options(plan), why
    assert shown <= options, why
    assert not (hidden & options), why


@PROPERTY
@given(patient=cases(medicines=True))
def test_only_offered_options_appear(patient: PatientCase) -> None:
    """Over generated cases: the rows are exactly the options the plan's orders offer; a row's
    drugs are all ordered in the plan; a steroid (never ordered) never appears."""
    plan = build_plan(patient)
    rows = decision_rows(plan)
    assert {r.option for r in rows} == expected_options(plan)
    ordered = {o.generic for o in (*plan.give_now, *plan.discharge)}
    if plan.gabapentin is not None:
        ordered.add("gabapentin")
    for row in rows:
        assert row.option is not Option.steroid
        assert set(row.drugs) <= ordered, (row.option, row.drugs)
        assert row.arms
        assert all(a.option is row.option for a in row.arms)


# ---------------------------------------------------------------------------------------------
# Drawing


@pytest.mark.parametrize("arm", TRIAL_ARMS[:4], ids=lambda a: f"{a.trial}:{a.time_point}")
def test_icon_array_draws_the_share(arm: TrialArm) -> None:
    """100 people, exactly people(arm) of them in the outcome's colour; alt text says the same."""
    spec = icon_array_spec(arm)
    values = spec["data"]["values"]
    assert len(values) == PEOPLE
    assert sum(v["status"] == arm.outcome.value for v in values) == people(arm)
    assert {(v["col"], v["row"]) for v in values} == {(c, r) for c in range(10) for r in range(10)}
    assert f"{people(arm)} of {PEOPLE}" in icon_array_alt(arm)
    assert arm.trial in icon_array_alt(arm)


def test_plain_line_and_note() -> None:
    """The patient line has the count without trial detail; the note names each option's trial."""
    rows = decision_rows(build_plan(case()))
    nsaid = next(r for r in rows if r.option is Option.nsaid)
    assert (
        plain_line(headline(nsaid))
        == "About 22 in 100 people still had moderate or bad pain after 1 week."
    )
    note = discussed_note(rows)
    assert note.startswith("Decision aid discussed:")
    for row in rows:
        assert row.option.value in note
    assert discussed_note(()) == "Decision aid: no option with trial figures was offered."


def test_note_records_the_options_the_aid_showed() -> None:
    """The clinical note names each option shown and the reasoning document gives its figure and
    trial; an emergency plan (no discharge choices) has no decision-aid section."""
    import datetime

    from logic.formats.export import clinical_note_markdown, reasoning_markdown

    day = datetime.date(2026, 12, 7)

    plan = build_plan(case())
    note = clinical_note_markdown(case(), plan, generated=day)
    assert "Decision aid shown" in note
    reasoning = reasoning_markdown(case(), plan, generated=day)
    for row in decision_rows(plan):
        assert row.option.value in note  # the record names the option (it is kept short) ...
        assert arm_line(headline(row)) in reasoning  # ... the reasoning gives its figure
    emergency = case(red_flags=(RedFlag.saddle_anesthesia,))
    assert "Decision aid shown" not in clinical_note_markdown(
        emergency, build_plan(emergency), generated=day
    )
