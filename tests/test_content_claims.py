"""Every sentence a content page writes about what the tool does, proven on the engine.

The evidence pages (content/*.md) say, in "In this tool:" sentences, what the plan does. Each
row of CLAIMS names the page, quotes the sentence (the test first checks the page still says it,
so an edited page cannot drift silently from its proof) and proves it with `build_plan`: on a
table of cases with both sides of every boundary, or as a Hypothesis property over generated
medicine lists. The expectation in each row comes from the source the sentence cites (drug
label, CDC 2022, Beers 2023, NICE NG59, WHO 2023, OPAL), not from the engine's own tables.

Each property has a control case showing the behaviour it forbids is otherwise possible
(tramadol is offered to a plain severe case; an opioid option exists without an MAOI), so
none of them can pass by the plan simply never offering anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from logic import build_plan
from logic.drugs.catalogue import DrugClass, Trait, drug_class, known_names, resolve_drug, traits
from logic.library.evidence import load_evidence
from logic.models import (
    Condition,
    CurrentMedication,
    Order,
    PatientCase,
    RedFlag,
    TreatmentPlan,
    TriageLevel,
    TriedMedication,
)
from tests.strategies import cases

LIBRARY = load_evidence()
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Classes that are opioids for "is this a new opioid?" (full, atypical, partial agonists).
OPIOID_CLASSES = {DrugClass.opioid, DrugClass.atypical_opioid, DrugClass.partial_opioid}
#: A new gabapentinoid or tricyclic is the second sedating drug the issue forbids with an opioid.
SEDATING_ADJUVANTS = {DrugClass.gabapentinoid, DrugClass.tricyclic}
ANTIDEPRESSANT_CLASSES = {
    DrugClass.tricyclic,
    DrugClass.snri,
    DrugClass.ssri,
    DrugClass.maoi,
    DrugClass.other_antidepressant,
}
#: Acetaminophen IV label: adults under 50 kg, 15 mg/kg a dose and 75 mg/kg a day.
APAP_WEIGHT_LIMIT_KG = 50
APAP_MG_PER_KG_DOSE = 15
APAP_MG_PER_KG_DAY = 75
APAP_STANDARD_DAY_MG = 4000
#: AGS 2009: reduce the maximum by 50-75% in hepatic insufficiency or alcohol abuse (about 2 g).
APAP_LOWER_DAY_MG = 2000
#: Reid et al., Br J Clin Pharmacol 2022 (PMID 35535712), citing Australian consensus guidance:
#: frail older people at most 3 g a day; older people under 50 kg at most 60 mg/kg a day.
APAP_FRAIL_DAY_MG = 3000
APAP_OLDER_LIGHT_MG_PER_KG_DAY = 60
#: CDC 2022: naloxone at 50 MME/day or more; chronic pain lasts more than 12 weeks.
NALOXONE_MME = 50
CHRONIC_WEEKS = 12


# ---------------------------------------------------------------------------------------------
# Helpers


def case(**fields: object) -> PatientCase:
    """A plain adult with severe acute back pain in the ED, changed by `fields`."""
    base: dict[str, object] = {
        "age_years": 40,
        "sex": "male",
        "weight_kg": 80,
        "pain_score": 8,
        "pain_duration_weeks": 1,
        "setting": "ed",
    }
    return PatientCase(**{**base, **fields})


def generic(order: Order) -> str | None:
    """The catalogue generic an order is for ('oxycodone (immediate release)' -> oxycodone)."""
    for attribute in ("generic", "generic_name"):
        value = getattr(order, attribute, None)
        if isinstance(value, str) and value:
            return value
    for name in (order.drug, order.drug.split(" (")[0], order.drug.split()[0]):
        found = resolve_drug(name)
        if found:
            return found
    return None


def order_class(order: Order) -> DrugClass | None:
    name = generic(order)
    return drug_class(name) if name else None


def orders(plan: TreatmentPlan) -> tuple[Order, ...]:
    return (*plan.give_now, *plan.discharge)


def opioids(items: tuple[Order, ...]) -> list[Order]:
    return [o for o in items if order_class(o) in OPIOID_CLASSES]


def named(items: tuple[Order, ...], drug: str) -> list[Order]:
    return [o for o in items if generic(o) == drug]


def avoided(plan: TreatmentPlan, word: str) -> list[str]:
    """Avoid-list reasons whose drug label mentions `word` (case-insensitive)."""
    return [a.reason for a in plan.avoid if word.lower() in a.drug.lower()]


def with_trait(*wanted: Trait) -> list[str]:
    return sorted(n for n in _generics() if traits(n) & set(wanted))


def _generics() -> set[str]:
    return {g for g in (resolve_drug(n) for n in known_names()) if g}


# ---------------------------------------------------------------------------------------------
# Proofs: each takes no argument and raises AssertionError if the engine breaks the claim.


def no_default_opioid_at_any_score() -> None:
    """Pain 0-10, no take-home chosen: no opioid at discharge, every opioid now is an option."""
    for score in range(11):
        plan = build_plan(case(pain_score=score))
        assert not opioids(plan.discharge), score
        for order in opioids(plan.give_now):
            assert order.shared_decision, (score, order.drug)


def rescue_opioid_is_shared_decision_with_opal() -> None:
    """Severe pain: the rescue options exist, each a shared decision with OPAL's numbers."""
    plan = build_plan(case(pain_score=8))
    rescue = [o for o in opioids(plan.give_now) if generic(o) != "tramadol"]
    assert rescue, "a severe case should see the rescue option"
    for order in rescue:
        assert order.shared_decision
        assert "OPAL" in order.tradeoff
        assert re.search(r"20\s?%", order.tradeoff)
        assert re.search(r"10\s?%", order.tradeoff)
        assert "extended" not in order.drug.lower(), order.sig  # CDC 2022 rec 3
    for order in named(plan.give_now, "hydromorphone"):
        if order.route.value == "iv":
            assert order.dose_mg <= 1, order.sig  # label: 0.2-1 mg IV in opioid-naive adults
    for order in named(plan.give_now, "tramadol"):
        assert order.shared_decision
        assert "Wewege" in order.tradeoff, order.tradeoff


def rescue_opioid_only_for_severe_pain() -> None:
    """NRS 7-10 is severe (Serlin 1995): a rescue option at 7, none at 6."""
    assert opioids(build_plan(case(pain_score=7)).give_now)
    assert not opioids(build_plan(case(pain_score=6)).give_now)


def take_home_only_when_chosen_and_not_chronic() -> None:
    """Take-home opioid: only with take_home_opioid=True, and never past 12 weeks (12 vs 12.5)."""
    assert not opioids(build_plan(case(take_home_opioid=False)).discharge)
    chosen = opioids(build_plan(case(take_home_opioid=True, pain_duration_weeks=12)).discharge)
    assert chosen, "chosen at 12 weeks (not yet chronic): the course is added"
    for order in chosen:
        assert order.days is not None, order.sig
        assert order.days <= 3, order.sig  # CDC 2022 rec 6
    for weeks in (12.5, 13, 20, 52):
        plan = build_plan(case(take_home_opioid=True, pain_duration_weeks=weeks))
        assert not opioids(plan.discharge), weeks
        assert avoided(plan, "opioid"), "the avoid list says why"


def no_new_opioid_when_chronic() -> None:
    """Pain > 12 weeks, not an emergency: no opioid in any step, even when one is asked for."""
    for weeks in (13, 20, 104):
        plan = build_plan(case(take_home_opioid=True, pain_duration_weeks=weeks))
        assert not opioids(orders(plan)), weeks


@PROPERTY
@given(
    score=st.integers(7, 10),
    weeks=st.sampled_from([1, 4, 6, 8, 12]),
    radicular=st.booleans(),
    age=st.integers(18, 90),
    chosen=st.booleans(),
)
def never_new_opioid_with_new_gabapentinoid_or_tca(
    score: int, weeks: float, radicular: bool, age: int, chosen: bool
) -> None:
    """The take-home plan never holds a new opioid and a new gabapentinoid or tricyclic."""
    plan = build_plan(
        case(
            pain_score=score,
            pain_duration_weeks=weeks,
            radicular=radicular,
            age_years=age,
            take_home_opioid=chosen,
        )
    )
    home = plan.discharge
    if opioids(home):
        assert not [o for o in home if order_class(o) in SEDATING_ADJUVANTS], [o.sig for o in home]
        assert plan.gabapentin is None


def radicular_chosen_opioid_defers_gabapentin() -> None:
    """Radicular pain, take-home chosen: the opioid course is added and gabapentin waits."""
    plan = build_plan(case(radicular=True, take_home_opioid=True))
    assert opioids(plan.discharge)
    assert plan.gabapentin is None
    assert not named(plan.discharge, "gabapentin")


_SEROTONERGIC_OR_SEIZURE = with_trait(Trait.serotonergic, Trait.lowers_seizure_threshold)
_NOT_TRAMADOL = [n for n in _SEROTONERGIC_OR_SEIZURE if n not in {"tramadol", "tapentadol"}]


@PROPERTY
@given(
    drugs=st.lists(st.sampled_from(_NOT_TRAMADOL), min_size=1, max_size=3, unique=True),
    where=st.sampled_from(["current", "tried", "both"]),
)
def never_tramadol_with_serotonergic_or_seizure_drug(drugs: list[str], where: str) -> None:
    """Tramadol label: not with a serotonergic or seizure-threshold drug, in either list."""
    try:
        current = tuple(CurrentMedication(drug=d) for d in drugs) if where != "tried" else ()
        tried = tuple(TriedMedication(drug=d) for d in drugs) if where != "current" else ()
        patient = case(current_medications=current, tried=tried, **_TRAMADOL_OFFERED)
    except ValueError:
        reject()
    assert not named(orders(build_plan(patient)), "tramadol"), (drugs, where)


#: A severe case where the plan offers tramadol: at 40 the cyclobenzaprine discharge order
#: keeps the tramadol option out (interaction table, ix-tramadol-serotonergic); at 70 no muscle
#: relaxant is offered (Beers 2023), so tramadol is.
_TRAMADOL_OFFERED: dict[str, object] = {"age_years": 70}


def tramadol_control() -> None:
    """Control: a plain severe case is offered tramadol, so the property above can fail."""
    assert named(build_plan(case(**_TRAMADOL_OFFERED)).give_now, "tramadol")


_MAOIS = with_trait(Trait.maoi)


@PROPERTY
@given(maoi=st.sampled_from(_MAOIS), where=st.sampled_from(["current", "tried"]))
def nothing_labelled_against_an_maoi(maoi: str, where: str) -> None:
    """Opioid, SSRI/SNRI/TCA and triptan labels: not with an MAOI or within 14 days."""
    medicine = {"current_medications": (CurrentMedication(drug=maoi),)}
    if where == "tried":
        medicine = {"tried": (TriedMedication(drug=maoi),)}
    plan = build_plan(case(take_home_opioid=True, radicular=True, **medicine))
    offered = [
        o for o in orders(plan) if (g := generic(o)) and Trait.maoi_contraindicated in traits(g)
    ]
    assert not offered, (maoi, [o.sig for o in offered])


def maoi_control() -> None:
    """Control: without an MAOI the same case is offered an opioid option."""
    assert opioids(orders(build_plan(case(take_home_opioid=True, radicular=True))))


def naloxone_at_total_mme_50() -> None:
    """CDC 2022: naloxone at >= 50 MME/day counting the patient's own opioid (morphine 49 vs 50)."""
    below = case(
        pain_score=5,
        current_medications=(CurrentMedication(drug="morphine", dose=24.5, doses_per_day=2),),
    )
    at = case(
        pain_score=5,
        current_medications=(CurrentMedication(drug="morphine", dose=25, doses_per_day=2),),
    )
    assert not build_plan(below).naloxone
    assert build_plan(at).naloxone


def naloxone_home_plus_plan() -> None:
    """Home morphine 20 MME + the chosen oxycodone course 30 MME = 50: naloxone; 19 + 30: none."""

    def plan_with_home_morphine(dose: float) -> TreatmentPlan:
        home = (CurrentMedication(drug="morphine", dose=dose, doses_per_day=2),)
        plan = build_plan(case(current_medications=home, take_home_opioid=True))
        assert opioids(plan.discharge), "the chosen course is in the plan"
        return plan

    assert not plan_with_home_morphine(9.5).naloxone
    assert plan_with_home_morphine(10).naloxone


def naloxone_rec8_all() -> None:
    for fields in (
        {"prior_overdose": True},
        {"conditions": (Condition.opioid_use_disorder,)},
        {"conditions": (Condition.benzodiazepine_use,)},
        {"conditions": (Condition.sleep_apnea,)},
        {"current_medications": (CurrentMedication(drug="diazepam"),)},
        {"current_medications": (CurrentMedication(drug="pregabalin"),)},  # FDA DSC 2020
    ):
        assert build_plan(case(take_home_opioid=True, **fields)).naloxone, fields
    assert not build_plan(case(pain_score=5)).naloxone, "control: no trigger, no opioid"
    # A past overdose or a use disorder counts at any time; sleep apnoea or a benzodiazepine
    # only once an opioid is on board (no opioid at pain 5 and none at home: no naloxone).
    assert build_plan(case(pain_score=5, prior_overdose=True)).naloxone
    assert build_plan(case(pain_score=5, conditions=(Condition.opioid_use_disorder,))).naloxone
    assert not build_plan(case(pain_score=5, conditions=(Condition.sleep_apnea,))).naloxone
    pregabalin = (CurrentMedication(drug="pregabalin"),)
    assert not build_plan(case(pain_score=5, current_medications=pregabalin)).naloxone


def _apap(plan: TreatmentPlan) -> list[Order]:
    return named(orders(plan), "acetaminophen")


@PROPERTY
@given(weight=st.floats(25, 49.9), score=st.integers(0, 10), nsaid_tried=st.booleans())
def acetaminophen_by_weight_under_50kg(weight: float, score: int, nsaid_tried: bool) -> None:
    """IV label: under 50 kg, at most 15 mg/kg a dose and 75 mg/kg a day."""
    tried = (TriedMedication(drug="ketorolac", dose_mg=15),) if nsaid_tried else ()
    for order in _apap(build_plan(case(weight_kg=weight, pain_score=score, tried=tried))):
        assert order.dose_mg <= APAP_MG_PER_KG_DOSE * weight + 1e-6, (weight, order.sig)
        if order.max_daily_mg is not None:
            assert order.max_daily_mg <= APAP_MG_PER_KG_DAY * weight + 1e-6, (weight, order.sig)


def acetaminophen_weight_boundary() -> None:
    """49 kg is dosed by weight (<= 735 mg a dose); 50 kg may have the standard 1 g dose."""
    light = build_plan(case(weight_kg=49, conditions=(Condition.gi_bleed_history,)))
    heavy = build_plan(case(weight_kg=50, conditions=(Condition.gi_bleed_history,)))
    assert _apap(light)
    assert _apap(heavy)
    assert max(o.dose_mg for o in _apap(light)) <= 15 * 49
    assert max(o.dose_mg for o in _apap(heavy)) > 15 * 49


def acetaminophen_lower_ceiling() -> None:
    """AGS 2009 (cut the maximum by 50-75%): 2 g a day with cirrhosis or heavy alcohol use."""
    gi = (Condition.gi_bleed_history,)  # NSAIDs out, so acetaminophen is in the plan

    def daily(extra: tuple[Condition, ...] = (), **fields: object) -> float:
        plan = build_plan(case(conditions=(*gi, *extra), **fields))
        ceilings = [o.max_daily_mg for o in _apap(plan) if o.max_daily_mg is not None]
        assert ceilings, fields
        return max(ceilings)

    standard = daily()
    assert APAP_LOWER_DAY_MG < standard <= APAP_STANDARD_DAY_MG
    assert daily(heavy_alcohol_use=True) <= APAP_LOWER_DAY_MG
    assert daily((Condition.cirrhosis,)) <= APAP_LOWER_DAY_MG


#: Percocet, Norco, Vicodin, Ultracet and Tylenol with Codeine labels: each holds acetaminophen
#: with its opioid; FDA 2011: do not take two acetaminophen-containing products together.
_COMBINATION_PRODUCTS = (
    ("Percocet", "oxycodone", 10),
    ("Norco", "hydrocodone", 10),
    ("Vicodin", "hydrocodone", 5),
    ("Ultracet", "tramadol", 37.5),
    ("Tylenol with codeine", "codeine", 30),
    ("oxycodone-acetaminophen", "oxycodone", 5),
)


def acetaminophen_not_added_to_a_combination_product() -> None:
    """A regular combination product means no new acetaminophen order at all, one given this
    episode no dose now; the avoid entry names the product either way. The same opioid alone
    leaves acetaminophen in the plan (control)."""
    for name, generic, dose in _COMBINATION_PRODUCTS:
        for alone, field in ((False, name), (True, generic)):
            regular = CurrentMedication(drug=field, dose=dose, doses_per_day=4)
            given = TriedMedication(drug=field, dose=dose)
            for meds in ({"current_medications": (regular,)}, {"tried": (given,)}):
                plan = build_plan(case(conditions=_GI, **meds))  # type: ignore[arg-type]
                reasons = " ".join(a.reason for a in plan.avoid if a.drug == "Acetaminophen")
                if alone:
                    assert _apap(plan), (generic, meds)
                    continue
                label = regular.product_label
                new_now = [o for o in plan.give_now if o.generic == "acetaminophen"]
                assert not new_now, (name, meds)
                assert f"acetaminophen in {label}" in reasons, (name, reasons)
                if "current_medications" in meds:
                    assert not _apap(plan), (name, [o.sig for o in _apap(plan)])


def _scheduled_apap(plan: TreatmentPlan) -> list[Order]:
    scheduled = [o for o in _apap(plan) if o.every_hours is not None]
    assert scheduled, [o.sig for o in orders(plan)]
    return scheduled


_GI = (Condition.gi_bleed_history,)  # NSAIDs out, so acetaminophen is the take-home step


@PROPERTY
@given(age=st.integers(18, 110), weight=st.floats(25, 200), clinic=st.booleans())
def acetaminophen_frail_at_most_3g(age: int, weight: float, clinic: bool) -> None:
    """Frail, any age, weight or setting: every acetaminophen ceiling is 3 g a day or less, and
    the order says frailty is why."""
    plan = build_plan(
        case(
            frail=True,
            age_years=age,
            weight_kg=weight,
            setting="clinic" if clinic else "ed",
            conditions=_GI,
        )
    )
    for order in _scheduled_apap(plan):
        assert order.max_daily_mg is not None
        assert order.max_daily_mg <= APAP_FRAIL_DAY_MG, order.sig
        assert "Frail" in order.note


def acetaminophen_frailty_box_boundary() -> None:
    """Only the ticked box brings the frailty ceiling and its reason."""
    for frail in (False, True):
        (order,) = _scheduled_apap(build_plan(case(frail=frail, conditions=_GI)))
        assert ("Frail" in order.note) is frail


@PROPERTY
@given(age=st.integers(65, 110), weight=st.floats(25, 49.9))
def acetaminophen_older_light_60_mg_per_kg(age: int, weight: float) -> None:
    """From 65 and under 50 kg: at most 60 mg/kg a day."""
    for order in _scheduled_apap(build_plan(case(age_years=age, weight_kg=weight, conditions=_GI))):
        assert order.max_daily_mg is not None
        assert order.max_daily_mg <= APAP_OLDER_LIGHT_MG_PER_KG_DAY * weight + 1e-6, order.sig


def acetaminophen_60_mg_per_kg_boundary() -> None:
    """At 49 kg, 64 keeps the label's 75 mg/kg (above 60 mg/kg: 2940 mg); 65 gets 60 mg/kg."""
    (young,) = _scheduled_apap(build_plan(case(age_years=64, weight_kg=49, conditions=_GI)))
    (old,) = _scheduled_apap(build_plan(case(age_years=65, weight_kg=49, conditions=_GI)))
    assert young.max_daily_mg is not None
    assert old.max_daily_mg is not None
    assert APAP_OLDER_LIGHT_MG_PER_KG_DAY * 49 < young.max_daily_mg <= APAP_MG_PER_KG_DAY * 49
    assert old.max_daily_mg <= APAP_OLDER_LIGHT_MG_PER_KG_DAY * 49


def acetaminophen_lowest_ceiling_wins() -> None:
    """Several ceilings at once: the lowest, hand-computed, rounded down by less than 25 mg."""
    table: list[tuple[dict[str, object], float]] = [
        ({"weight_kg": 38}, APAP_MG_PER_KG_DAY * 38),  # 2850: the label beats 3 g
        ({"weight_kg": 45, "age_years": 70}, APAP_OLDER_LIGHT_MG_PER_KG_DAY * 45),  # 2700
        ({"weight_kg": 45, "heavy_alcohol_use": True}, APAP_LOWER_DAY_MG),  # 2 g beats all
        ({"weight_kg": 80}, APAP_FRAIL_DAY_MG),
    ]
    for fields, ceiling in table:
        (order,) = _scheduled_apap(build_plan(case(frail=True, conditions=_GI, **fields)))
        assert order.max_daily_mg is not None
        assert ceiling - 25 < order.max_daily_mg <= ceiling, (fields, order.sig)


def muscle_relaxant_is_an_option_without_a_reason() -> None:
    """ACP 2017: with no reason against it, a relaxant is an option and not on the avoid list."""
    plan = build_plan(case(pain_score=6))
    assert [o for o in plan.discharge if order_class(o) is DrugClass.muscle_relaxant]
    assert not avoided(plan, "muscle relaxant")


def muscle_relaxant_withheld_for_a_true_reason(fields: dict[str, object], word: str) -> None:
    """Withheld, with a reason that names why (tried / Beers / sedation)."""
    plan = build_plan(case(pain_score=6, **fields))
    assert not [o for o in orders(plan) if order_class(o) is DrugClass.muscle_relaxant]
    reasons = avoided(plan, "muscle relaxant")
    assert reasons
    assert any(word.lower() in r.lower() for r in reasons), reasons


def muscle_relaxant_reasons() -> None:
    muscle_relaxant_is_an_option_without_a_reason()
    for fields, word in (
        ({"tried": (TriedMedication(drug="orphenadrine", dose_mg=60, doses_given=2),)}, "already"),
        ({"age_years": 65}, "Beers"),
        ({"conditions": (Condition.benzodiazepine_use,)}, "sedat"),
    ):
        muscle_relaxant_withheld_for_a_true_reason(fields, word)
    # Offered from 4/10: at 3/10 there is nothing to add, and nothing is withheld either.
    mild = build_plan(case(pain_score=3))
    assert not [o for o in mild.discharge if order_class(o) is DrugClass.muscle_relaxant]
    assert not avoided(mild, "muscle relaxant")
    assert [
        o
        for o in build_plan(case(pain_score=4)).discharge
        if order_class(o) is DrugClass.muscle_relaxant
    ]
    # Beers applies from 65: at 64 the relaxant is still an option.
    plan = build_plan(case(pain_score=6, age_years=64))
    assert [o for o in plan.discharge if order_class(o) is DrugClass.muscle_relaxant]
    relaxant_withheld_only_with_a_true_reason()


@PROPERTY
@given(cases(medicines=True))
def never_suzetrigine_steroid_or_benzodiazepine(patient: PatientCase) -> None:
    """No plan orders suzetrigine, a systemic steroid or a benzodiazepine."""
    plan = build_plan(patient)
    for order in orders(plan):
        assert generic(order) != "suzetrigine", order.sig
        assert order_class(order) not in {DrugClass.corticosteroid, DrugClass.benzodiazepine}
    assert avoided(plan, "corticosteroid")
    assert avoided(plan, "benzodiazepine")


@PROPERTY
@given(cases(medicines=True))
def non_drug_advice_in_every_non_emergency_plan(patient: PatientCase) -> None:
    plan = build_plan(patient)
    if plan.triage.level is TriageLevel.emergency:
        return
    text = " ".join(p.text for p in plan.non_drug).lower()
    assert "bed rest" in text
    assert "heat" in text
    assert "activ" in text


def follow_up_referral_by_radicular() -> None:
    """NICE NG59: early spine referral for severe sciatica; no injections without sciatica."""
    radicular = " ".join(p.text for p in build_plan(case(radicular=True)).follow_up)
    assert "spine" in radicular
    assert "4-6 weeks" in radicular
    assert "MRI only" in radicular
    plain = " ".join(p.text for p in build_plan(case(radicular=False)).follow_up)
    assert "Spinal injections are not for back pain without sciatica" in plain


@PROPERTY
@given(cases(medicines=True))
def gabapentin_flagged_and_within_renal_limit(patient: PatientCase) -> None:
    """Neurontin label: day 1 at most 300 mg, never above the CrCl band; NICE flag shown."""
    plan = build_plan(patient)
    if plan.gabapentin is None or not plan.gabapentin.steps:
        return
    assert any(w.code == "gabapentin-guidelines-disagree" for w in plan.warnings)
    assert plan.gabapentin.steps[0].total_daily_mg <= 300
    # FDA 2019: the lowest starting dose with older age, lung disease or other sedatives.
    sensitive = {"copd", "sleep_apnea", "fall_risk"} & {c.value for c in patient.conditions}
    if patient.older_adult or patient.frail or sensitive:
        assert plan.gabapentin.steps[0].total_daily_mg <= 100
    assert all(s.total_daily_mg <= plan.gabapentin.max_daily_mg for s in plan.gabapentin.steps)


@PROPERTY
@given(
    drug=st.sampled_from(sorted(n for n in _generics() if drug_class(n) in ANTIDEPRESSANT_CLASSES)),
    where=st.sampled_from(["current", "tried"]),
)
def never_tramadol_with_any_antidepressant(drug: str, where: str) -> None:
    medicine = {"current_medications": (CurrentMedication(drug=drug),)}
    if where == "tried":
        medicine = {"tried": (TriedMedication(drug=drug),)}
    assert not named(orders(build_plan(case(**medicine))), "tramadol"), drug


def never_tramadol_with_planned_antidepressant() -> None:
    """Radicular pain for 6 weeks or pain for 20 weeks: whenever the plan starts an
    antidepressant, tramadol is not offered beside it."""
    for fields in ({"radicular": True, "pain_duration_weeks": 6}, {"pain_duration_weeks": 20}):
        plan = build_plan(case(**fields))
        started = [o for o in plan.discharge if order_class(o) in ANTIDEPRESSANT_CLASSES]
        if started:
            assert not named(orders(plan), "tramadol"), fields


def tramadol_ceilings() -> None:
    """Tramadol label: at most 300 mg/day over 75 and 200 mg/day with CrCl < 30; the cap (and
    its warning) applies at 76 but not 75, at CrCl 30 but not 31."""

    def tramadol(**fields: object) -> tuple[Order, set[str]]:
        plan = build_plan(case(**{**_TRAMADOL_OFFERED, **fields}))
        found = named(plan.give_now, "tramadol")
        assert found, fields
        return found[0], {w.code for w in plan.warnings}

    older, older_codes = tramadol(age_years=76, crcl_ml_min=80)
    assert older.max_daily_mg is not None
    assert older.max_daily_mg <= 300
    assert "age75-tramadol-cap" in older_codes
    assert "age75-tramadol-cap" not in tramadol(age_years=75, crcl_ml_min=80)[1]
    renal, renal_codes = tramadol(crcl_ml_min=29)
    assert renal.max_daily_mg is not None
    assert renal.max_daily_mg <= 200
    assert "renal-tramadol-cap" in renal_codes
    # Exactly 30 is capped too: the label's middle band starts above 30, so 30 is read as the
    # 15-29 band (the renal-dosing page's gap rule); 31 is not capped.
    assert "renal-tramadol-cap" in tramadol(crcl_ml_min=30)[1]
    assert "renal-tramadol-cap" not in tramadol(crcl_ml_min=31)[1]


#: The reasons the muscle-relaxant page lists (sedation conflict, substance use, cyclobenzaprine
#: label contraindications), as condition boxes.
_RELAXANT_REASON_BOXES = {
    Condition.benzodiazepine_use,
    Condition.sleep_apnea,
    Condition.copd,
    Condition.fall_risk,
    Condition.opioid_use_disorder,
    Condition.substance_use_disorder,
    Condition.cirrhosis,
    Condition.cardiac_conduction_disease,
    Condition.qt_prolongation,
    Condition.recent_mi,
    Condition.heart_failure,
    Condition.glaucoma,
    Condition.urinary_retention_history,
    Condition.serotonergic_drug_use,
}


def _relaxant_reason_holds(patient: PatientCase, plan: TreatmentPlan) -> bool:
    """Independently of the engine: does any reason the page names hold for this patient?"""
    listed = [m.drug for m in (*patient.tried, *patient.current_medications)]
    generics = [g for g in (resolve_drug(d) for d in listed) if g]
    new_sedating = bool(opioids(plan.discharge)) or plan.gabapentin is not None
    new_sedating |= any(order_class(o) in ANTIDEPRESSANT_CLASSES for o in plan.discharge)
    return (
        any(drug_class(g) is DrugClass.muscle_relaxant for g in generics)
        or any(
            (g := resolve_drug(a)) is not None and drug_class(g) is DrugClass.muscle_relaxant
            for a in patient.allergic_to
        )
        or patient.older_adult
        or bool(set(patient.conditions) & _RELAXANT_REASON_BOXES)
        or patient.child_pugh is not None  # liver disease: the cyclobenzaprine label
        or bool(patient.red_flags)  # IV drug use counts as a use disorder; others are work-ups
        or patient.pain_duration_weeks > CHRONIC_WEEKS
        or patient.pregnant
        or any(traits(g) & {Trait.cns_depressant, Trait.serotonergic} for g in generics)
        or new_sedating
    )


@PROPERTY
@given(cases(medicines=True))
def relaxant_withheld_only_with_a_true_reason(patient: PatientCase) -> None:
    plan = build_plan(patient)
    if avoided(plan, "muscle relaxant"):
        assert _relaxant_reason_holds(patient, plan), patient


def beers_relaxant_from_65() -> None:
    older = build_plan(case(pain_score=6, age_years=65))
    assert any("Beers" in r for r in avoided(older, "muscle relaxant"))
    younger = build_plan(case(pain_score=6, age_years=64))
    assert not avoided(younger, "muscle relaxant")


def renal_gaps_go_to_the_lower_band() -> None:
    """Neurontin label bands ">30-59", ">15-29", "15": each gap goes to the safer band."""
    edges = [(60, "≥60"), (59.9, "30–59"), (30.1, "30–59"), (30, "15–29"), (15.1, "15–29")]
    edges += [(15, "<15"), (14.9, "<15")]
    for crcl, band in edges:
        assert build_plan(case(crcl_ml_min=crcl)).renal.band == band, crcl


def renal_assumed_without_creatinine() -> None:
    """No creatinine: CKD is read as 15-29, age 65+ as 30-59 (64 stays normal), until measured."""
    assert build_plan(case(conditions=(Condition.ckd,))).renal.band == "15–29"
    assert build_plan(case(age_years=65)).renal.band == "30–59"
    assert build_plan(case(age_years=64)).renal.band == "≥60"


def egfr_only_without_creatinine() -> None:
    """eGFR 25 alone is used (15-29 band); de-indexed by Mosteller BSA when height is known;
    ignored once a creatinine is entered (Cockcroft-Gault)."""
    alone = build_plan(case(pain_score=6, egfr_ml_min_1_73m2=25)).renal
    assert alone.band == "15–29"
    assert alone.method.startswith("eGFR")
    assert alone.crcl_ml_min == 25
    tall = build_plan(case(pain_score=6, egfr_ml_min_1_73m2=25, height_cm=180)).renal
    bsa = (180 * 80 / 3600) ** 0.5  # Mosteller 1987: 2.0 m2
    assert tall.crcl_ml_min == pytest.approx(25 * bsa / 1.73, rel=1e-3)
    with_creatinine = build_plan(
        case(pain_score=6, egfr_ml_min_1_73m2=25, serum_creatinine_mg_dl=1.0)
    ).renal
    assert with_creatinine.method.startswith("Cockcroft-Gault")
    assert with_creatinine.crcl_ml_min == pytest.approx((140 - 40) * 80 / 72)


def renal_three_weights_shown() -> None:
    """Cockcroft-Gault 1976 by hand for a 70-year-old woman, 90 kg, 150 cm, SCr 1.2: BMI 40, so
    adjusted weight (Winter 2012); under 5 feet Devine's base value 45.5 kg is the IBW."""
    renal = build_plan(
        case(
            age_years=70,
            sex="female",
            weight_kg=90,
            height_cm=150,
            serum_creatinine_mg_dl=1.2,
            pain_score=6,
        )
    ).renal

    def cockcroft_gault(weight: float) -> float:
        return (140 - 70) * weight / (72 * 1.2) * 0.85

    ibw = 45.5
    adjusted = ibw + 0.4 * (90 - ibw)
    assert renal.ideal_body_weight_kg == pytest.approx(ibw)
    assert renal.crcl_actual_weight == pytest.approx(cockcroft_gault(90))
    assert renal.crcl_ideal_weight == pytest.approx(cockcroft_gault(ibw))
    assert renal.crcl_adjusted_weight == pytest.approx(cockcroft_gault(adjusted))
    assert renal.weight_basis is not None
    assert "adjusted" in renal.weight_basis
    assert renal.crcl_ml_min == pytest.approx(cockcroft_gault(adjusted))


def lidocaine_control() -> None:
    """Control: lidocaine is a catalogue drug (the Lidoderm row), so the property below is
    about the engine's choice, not a name it cannot produce."""
    assert resolve_drug("lidoderm") == "lidocaine"


@PROPERTY
@given(cases(medicines=True))
def never_lidocaine(patient: PatientCase) -> None:
    """No plan orders lidocaine: labelled only for post-herpetic neuralgia (Lidoderm label);
    IV lidocaine no better than ketorolac for radicular pain (Tanen 2014)."""
    for order in orders(build_plan(patient)):
        assert generic(order) != "lidocaine", order.sig


def mimics_follow_the_patient() -> None:
    """The first mimic is the one the patient's facts point to, with the fact and a source:
    age 50 or over puts the aorta first (Rubano 2013 enrolled patients over 50), 49 does not
    name it; an anticoagulant puts bleeding first; injection drug use the abscess (Davis 2011)."""
    from logic.engine.mimics import why_it_might_still_hurt

    def top(**fields: object) -> tuple[str, tuple[str, ...], str]:
        line = why_it_might_still_hurt(case(**fields))[0]
        return line.mimic.id, line.because, line.mimic.source

    assert top(age_years=50) == ("aorta", ("age 50 or over",), "Rubano 2013")
    assert why_it_might_still_hurt(case(age_years=49))[0].because == ()
    assert top(conditions=(Condition.anticoagulant_use,))[:2] == (
        "bleed",
        ("takes an anticoagulant",),
    )
    assert top(red_flags=(RedFlag.iv_drug_use,))[::2] == ("abscess", "Davis 2011")


# ---------------------------------------------------------------------------------------------
# The table: page, the sentence it writes, the behaviour, the proof.


@dataclass(frozen=True)
class Claim:
    page: str
    sentence: str
    behaviour: str
    proof: Callable[[], None]


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "opioids-acute-pain",
        "no opioid is a default order at any pain score",
        "no default opioid",
        no_default_opioid_at_any_score,
    ),
    Claim(
        "opioids-acute-pain",
        "A rescue opioid for severe pain appears only as an option labelled a shared decision, "
        "with OPAL's trade-off",
        "rescue opioid = shared decision with OPAL numbers, severe pain only",
        lambda: (
            rescue_opioid_is_shared_decision_with_opal(),
            rescue_opioid_only_for_severe_pain(),
        ),
    ),
    Claim(
        "opioids-acute-pain",
        "A take-home opioid is added only when the clinician chooses it after that discussion, "
        "and never when pain has lasted more than 12 weeks",
        "take-home only when chosen; never > 12 weeks",
        take_home_only_when_chosen_and_not_chronic,
    ),
    Claim(
        "opioids-acute-pain",
        "The take-home plan never pairs a new opioid with a new gabapentinoid or tricyclic",
        "one new sedating drug at a time",
        lambda: (
            never_new_opioid_with_new_gabapentinoid_or_tca(),
            radicular_chosen_opioid_defers_gabapentin(),
        ),
    ),
    Claim(
        "chronic-low-back-pain",
        "the plan never sends the patient home with a new opioid, even when the clinician asks "
        "for a take-home course",
        "no new opioid > 12 weeks",
        take_home_only_when_chosen_and_not_chronic,
    ),
    Claim(
        "chronic-low-back-pain",
        "Outside an emergency it offers no rescue opioid either",
        "no rescue opioid > 12 weeks",
        no_new_opioid_when_chronic,
    ),
    Claim(
        "tramadol",
        "tramadol is never offered when either medicine list",
        "no tramadol with a serotonergic or seizure-threshold drug",
        lambda: (tramadol_control(), never_tramadol_with_serotonergic_or_seizure_drug()),
    ),
    Claim(
        "tramadol",
        "nor alongside an antidepressant the plan itself starts",
        "no tramadol beside a planned antidepressant",
        never_tramadol_with_planned_antidepressant,
    ),
    Claim(
        "tramadol",
        "nothing the labels rule out with an MAOI is offered to a patient taking one",
        "MAOI conflicts",
        lambda: (maoi_control(), nothing_labelled_against_an_maoi()),
    ),
    Claim(
        "tramadol",
        "When tramadol is offered, the ceilings are applied: 300 mg/day over 75 and 200 mg/day",
        "tramadol age and renal ceilings",
        tramadol_ceilings,
    ),
    Claim(
        "opioid-safety",
        "offers naloxone when that total is 50 MME/day or more or when any CDC rec 8 risk "
        "factor is present",
        "naloxone: total MME >= 50 or a rec 8 trigger",
        lambda: (naloxone_at_total_mme_50(), naloxone_home_plus_plan(), naloxone_rec8_all()),
    ),
    Claim(
        "opioid-safety",
        "The take-home plan never pairs a new opioid with a new gabapentinoid or tricyclic",
        "one new sedating drug at a time",
        never_new_opioid_with_new_gabapentinoid_or_tca,
    ),
    Claim(
        "opioid-safety",
        "it offers nothing whose label rules it out with an MAOI",
        "MAOI conflicts",
        lambda: (maoi_control(), nothing_labelled_against_an_maoi()),
    ),
    Claim(
        "acetaminophen",
        "acetaminophen is dosed by weight for adults under 50 kg, at most 15 mg/kg a dose and "
        "75 mg/kg a day",
        "acetaminophen by weight",
        lambda: (acetaminophen_by_weight_under_50kg(), acetaminophen_weight_boundary()),
    ),
    Claim(
        "acetaminophen",
        "the daily total is capped at 2 g with cirrhosis or heavy alcohol use",
        "acetaminophen lower ceilings",
        acetaminophen_lower_ceiling,
    ),
    Claim(
        "acetaminophen",
        "With the frailty box ticked the daily total is capped at 3 g at any age",
        "acetaminophen 3 g when frail",
        lambda: (acetaminophen_frail_at_most_3g(), acetaminophen_frailty_box_boundary()),
    ),
    Claim(
        "acetaminophen",
        "from 65 a patient under 50 kg gets at most 60 mg/kg a day",
        "acetaminophen 60 mg/kg from 65 under 50 kg",
        lambda: (acetaminophen_older_light_60_mg_per_kg(), acetaminophen_60_mg_per_kg_boundary()),
    ),
    Claim(
        "acetaminophen",
        "when several ceilings apply, the lowest one is used",
        "acetaminophen lowest ceiling wins",
        acetaminophen_lowest_ceiling_wins,
    ),
    Claim(
        "acetaminophen",
        "counts as acetaminophen already taken: the plan adds no second acetaminophen product "
        "and names the product that holds it",
        "no second acetaminophen with a regular combination product",
        acetaminophen_not_added_to_a_combination_product,
    ),
    Claim(
        "acetaminophen",
        "After one given this episode there is no separate acetaminophen dose now, and the "
        "avoid list names the product",
        "no acetaminophen now after a combination product given today",
        acetaminophen_not_added_to_a_combination_product,
    ),
    Claim(
        "muscle-relaxants",
        "a muscle relaxant is withheld only for a reason that holds for this patient",
        "relaxant withheld only with a true reason, else an option",
        muscle_relaxant_reasons,
    ),
    Claim(
        "older-adults-pregnancy",
        "from 65 a muscle relaxant is withheld with the Beers reason",
        "Beers 65/64 boundary",
        beers_relaxant_from_65,
    ),
    Claim(
        "older-adults-pregnancy",
        "at any age the take-home plan never pairs a new opioid with a new gabapentinoid or "
        "tricyclic",
        "one new sedating drug at a time",
        never_new_opioid_with_new_gabapentinoid_or_tca,
    ),
    Claim(
        "antidepressants",
        "the take-home plan never pairs a new tricyclic with a new opioid",
        "one new sedating drug at a time",
        never_new_opioid_with_new_gabapentinoid_or_tca,
    ),
    Claim(
        "antidepressants",
        "tramadol is never offered alongside an antidepressant the patient takes or the plan "
        "starts",
        "no tramadol with any antidepressant",
        lambda: (
            tramadol_control(),
            never_tramadol_with_any_antidepressant(),
            never_tramadol_with_planned_antidepressant(),
        ),
    ),
    Claim(
        "gabapentinoids-sciatica",
        "a gabapentin plan appears only as an option flagged that guidelines disagree",
        "gabapentin flagged, label day 1, renal limit",
        gabapentin_flagged_and_within_renal_limit,
    ),
    Claim(
        "gabapentinoids-sciatica",
        "the take-home plan never pairs a new gabapentinoid with a new opioid",
        "one new sedating drug at a time",
        lambda: (
            never_new_opioid_with_new_gabapentinoid_or_tca(),
            radicular_chosen_opioid_defers_gabapentin(),
        ),
    ),
    Claim(
        "renal-dosing",
        "59.x goes to the 30–59 band; exactly 30 goes to the 15–29 band",
        "label gaps to the lower band",
        renal_gaps_go_to_the_lower_band,
    ),
    Claim(
        "renal-dosing",
        "known CKD is treated as CrCl 15–29 and age 65+ as 30–59 until measured",
        "assumed bands without creatinine",
        renal_assumed_without_creatinine,
    ),
    Claim(
        "renal-dosing",
        "eGFR is used only when neither a CrCl nor a creatinine is entered",
        "eGFR only as a fallback, de-indexed with height",
        egfr_only_without_creatinine,
    ),
    Claim(
        "renal-dosing",
        "The tool shows all three estimates and names the one used",
        "three Cockcroft-Gault weights shown, one named",
        renal_three_weights_shown,
    ),
    Claim(
        "suzetrigine",
        "suzetrigine is never ordered in any plan",
        "no suzetrigine",
        never_suzetrigine_steroid_or_benzodiazepine,
    ),
    Claim(
        "systemic-corticosteroids",
        "no systemic steroid is offered, and the avoid list gives the reason",
        "no steroid; avoid list says why",
        never_suzetrigine_steroid_or_benzodiazepine,
    ),
    Claim(
        "benzodiazepines",
        "a benzodiazepine is never offered, and the avoid list says why",
        "no benzodiazepine; avoid list says why",
        never_suzetrigine_steroid_or_benzodiazepine,
    ),
    Claim(
        "non-drug-care",
        "every plan that is not an emergency includes the non-drug advice",
        "non-drug advice",
        non_drug_advice_in_every_non_emergency_plan,
    ),
    Claim(
        "lidocaine",
        "no lidocaine patch or IV lidocaine is ordered in any plan",
        "no lidocaine",
        lambda: (lidocaine_control(), never_lidocaine()),
    ),
    Claim(
        "acep-opioids-ed",
        "no opioid is a default order at any pain score",
        "no default opioid",
        no_default_opioid_at_any_score,
    ),
    Claim(
        "acep-opioids-ed",
        "A take-home opioid is added only when the clinician chooses it after that discussion, "
        "and never when pain has lasted more than 12 weeks",
        "take-home only when chosen; never > 12 weeks",
        take_home_only_when_chosen_and_not_chronic,
    ),
    Claim(
        "acep-opioids-ed",
        "The take-home plan never pairs a new opioid with a new gabapentinoid or tricyclic",
        "one new sedating drug at a time",
        never_new_opioid_with_new_gabapentinoid_or_tca,
    ),
    Claim(
        "back-pain-mimics",
        'the "Why might it still hurt?" list in the plan\'s Why tab puts first the conditions '
        "this patient's own facts point to, and names the fact and the source for each",
        "mimics ordered by the patient's facts",
        mimics_follow_the_patient,
    ),
    Claim(
        "epidural-steroids-referral",
        "for radicular pain the follow-up advises spine referral early",
        "referral by radicular status",
        follow_up_referral_by_radicular,
    ),
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.page}:{c.behaviour}" for c in CLAIMS])
def test_page_still_makes_the_claim(claim: Claim) -> None:
    """The quoted sentence is on the page, so the proof below is proving what readers see."""
    page = LIBRARY[claim.page]
    body = _normalise(" ".join((page.bottom_line, page.summary, *page.sections.values())))
    assert _normalise(claim.sentence) in body, f"{claim.page}: sentence not found"


@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.page}:{c.behaviour}" for c in CLAIMS])
def test_engine_does_what_the_page_claims(claim: Claim) -> None:
    """build_plan behaves as the sentence says (tables of cases and Hypothesis properties)."""
    claim.proof()


def test_every_tool_sentence_has_a_proof_row() -> None:
    """Every 'In this tool:' paragraph on a page is covered by at least one row above."""
    pages_with_claims = {
        topic_id
        for topic_id, topic in LIBRARY.items()
        if "In this tool:" in " ".join(topic.sections.values())
    }
    proved = {c.page for c in CLAIMS}
    assert pages_with_claims <= proved, sorted(pages_with_claims - proved)


def test_no_page_speaks_of_the_reference_answer() -> None:
    """Pages name the guideline, trial or label, or say 'a common escalation'."""
    for topic_id, topic in LIBRARY.items():
        text = " ".join((topic.bottom_line, topic.summary, *topic.sections.values())).lower()
        assert "reference answer" not in text, topic_id
        assert "pitfall #4" not in text, topic_id
        assert "pitfall no" not in text, topic_id
