"""One focused test per safety rule, each checked against the source the rule cites.

The table below pairs every rule id in `logic.engine.rules.RULES` with a minimal case that should
trigger it and an expectation written from the source (clinical-facts.md section in brackets),
not from the engine's output. A new rule without a row here fails
`test_every_rule_has_at_least_one_row`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from logic import PatientCase, TreatmentPlan, build_plan, daily_mme
from logic.drugs.catalogue import CATALOGUE, DrugClass
from logic.engine.plan import MME_CAUTION, MME_DANGER, _Draft, _mme_warnings
from logic.engine.renal import assess_renal
from logic.engine.rules import RULES, TARGET_LABELS, Facts, Gate, When, fired, indexed_by
from logic.models import Order, Severity

# ---- Helpers ------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "age_years": 40,
    "sex": "male",
    "weight_kg": 80,
    "crcl_ml_min": 90,
    "setting": "ed",
    "pain_score": 8,
    "pain_duration_weeks": 1,
}
PREGNANT = {"age_years": 30, "sex": "female", "pregnant": True}
CHRONIC = {"pain_duration_weeks": 20}  # > 12 weeks: the adjuvant would be duloxetine (ACP 2017)
# Radicular pain for 6 weeks: the case where amitriptyline would be started (NICE CG173).
TCA_CASE = {"radicular": True, "pain_duration_weeks": 6}


def make_case(**overrides: Any) -> PatientCase:
    return PatientCase(**{**BASE, **overrides})


def _generics(*classes: DrugClass) -> frozenset[str]:
    return frozenset(d.generic for d in CATALOGUE if d.drug_class in classes)


NSAIDS = _generics(DrugClass.nsaid)
OPIOIDS = _generics(DrugClass.opioid, DrugClass.atypical_opioid) | {"methadone", "oxymorphone"}
BENZODIAZEPINES = _generics(DrugClass.benzodiazepine)
MUSCLE_RELAXANTS = _generics(DrugClass.muscle_relaxant)
STEROIDS = _generics(DrugClass.corticosteroid)


def generic(order: Order) -> str:
    """'oxycodone (immediate release)' -> 'oxycodone'."""
    return order.drug.split(" (")[0].strip().lower()


def orders(plan: TreatmentPlan, drug: str, step: str | None = None) -> list[Order]:
    steps = ("give_now", "discharge") if step is None else (step,)
    return [o for s in steps for o in getattr(plan, s) if generic(o) == drug]


def all_orders(plan: TreatmentPlan) -> tuple[Order, ...]:
    return (*plan.give_now, *plan.discharge)


def in_class(plan: TreatmentPlan, names: frozenset[str]) -> list[Order]:
    return [o for o in all_orders(plan) if generic(o) in names]


def avoid_entry(plan: TreatmentPlan, word: str) -> str:
    """The reason of the first avoid entry whose drug label mentions `word` ('' if none)."""
    for a in plan.avoid:
        if word.lower() in a.drug.lower():
            assert a.reason.strip(), f"avoid entry {a.drug!r} has no reason"
            return a.reason
    return ""


def warning_codes(plan: TreatmentPlan) -> dict[str, Severity]:
    return {w.code: w.severity for w in plan.warnings}


def fired_ids(case: PatientCase) -> set[str]:
    return {r.id for r in fired(Facts(case=case, renal=assess_renal(case)))}


# ---- Expectations, each from a source ------------------------------------------------------


def no_nsaid(plan: TreatmentPlan) -> None:
    assert not in_class(plan, NSAIDS), [o.sig for o in in_class(plan, NSAIDS)]
    assert avoid_entry(plan, "NSAIDs")


def no_ketorolac(plan: TreatmentPlan) -> None:
    assert not orders(plan, "ketorolac")
    assert avoid_entry(plan, "ketorolac")


def no_opioid_anywhere(plan: TreatmentPlan) -> None:
    assert not in_class(plan, OPIOIDS), [o.sig for o in in_class(plan, OPIOIDS)]
    assert plan.mme_per_day is None
    assert avoid_entry(plan, "opioid")


def no_tramadol(plan: TreatmentPlan) -> None:
    assert not orders(plan, "tramadol")
    assert avoid_entry(plan, "tramadol")


def no_amitriptyline(plan: TreatmentPlan) -> None:
    assert not orders(plan, "amitriptyline")
    assert avoid_entry(plan, "amitriptyline")


def no_duloxetine(plan: TreatmentPlan) -> None:
    assert not orders(plan, "duloxetine")
    assert avoid_entry(plan, "duloxetine")


def no_gabapentin(plan: TreatmentPlan) -> None:
    assert not orders(plan, "gabapentin")
    assert plan.gabapentin is None
    assert avoid_entry(plan, "gabapentin")


def reduced_opioid_doses(plan: TreatmentPlan) -> None:
    """Reduced rows: oxycodone <= 5 mg now and <= 2.5 mg take-home; hydromorphone IV <= 0.5 mg.

    Oxycodone/hydromorphone labels (reduced start); CDC 2022 rec 4; Chang 2013 (0.5 mg IV
    hydromorphone in adults >= 65) [clinical-facts §3.3, §10 row 2].
    """
    now_oxy = orders(plan, "oxycodone", "give_now")
    now_hm = orders(plan, "hydromorphone", "give_now")
    assert now_oxy or now_hm, "expected an opioid rescue option"
    assert all(o.dose_mg <= 5 for o in now_oxy)
    assert all(o.route == "iv" and o.dose_mg <= 0.5 for o in now_hm)
    assert all(o.dose_mg <= 2.5 for o in orders(plan, "oxycodone", "discharge"))
    assert all(o.dose_mg <= 50 for o in orders(plan, "tramadol"))


def danger_and_naloxone(code: str) -> Callable[[TreatmentPlan], None]:
    """CDC 2022 recs 8, 11: respiratory-depression risk -> danger warning, lower dose, naloxone."""

    def check(plan: TreatmentPlan) -> None:
        reduced_opioid_doses(plan)
        assert warning_codes(plan).get(code) is Severity.danger
        assert plan.naloxone
        assert orders(plan, "naloxone nasal spray", "discharge")

    return check


def no_take_home_opioid(plan: TreatmentPlan) -> None:
    """CDC 2022 rec 11, sleep-disordered breathing: observed rescue dose only, none to take home."""
    assert not [o for o in plan.discharge if o.drug.startswith(("oxycodone", "hydromorphone"))]
    assert not orders(plan, "tramadol", "discharge")
    assert any(a.drug == "Take-home opioid" for a in plan.avoid)
    assert plan.mme_per_day is None


def naproxen_reduced(plan: TreatmentPlan) -> None:
    """Naproxen 250 mg q12h, max 500 mg/day: lowest dose for the shortest time (label, NG59)."""
    (naproxen,) = orders(plan, "naproxen", "discharge")
    assert naproxen.dose_mg == 250
    assert naproxen.every_hours == 12
    assert naproxen.max_daily_mg == 500


def renal_nsaid_reduce(plan: TreatmentPlan) -> None:
    naproxen_reduced(plan)
    assert "renal-nsaid-reduce" in warning_codes(plan)


def ppi_with_nsaid(plan: TreatmentPlan) -> None:
    """Beers 2023: NSAID at 65+ or after corticosteroids only with gastroprotection (PPI)."""
    assert orders(plan, "naproxen", "discharge")
    (ppi,) = orders(plan, "omeprazole", "discharge")
    assert ppi.dose_mg == 20


def tramadol_renal(plan: TreatmentPlan) -> None:
    """Tramadol label, CrCl < 30: every 12 h, at most 200 mg/day [§3.3]."""
    (tramadol,) = orders(plan, "tramadol", "give_now")
    assert tramadol.dose_mg <= 50  # the reduced row, never the standard 100 mg top
    assert tramadol.every_hours is None or tramadol.every_hours >= 12
    assert tramadol.max_daily_mg is None or tramadol.max_daily_mg <= 200
    message = next(w.message for w in plan.warnings if w.code == "renal-tramadol-cap")
    assert "12 hours" in message
    assert "200 mg" in message


def tramadol_hepatic(plan: TreatmentPlan) -> None:
    """Tramadol label, cirrhosis: 50 mg every 12 h [§3.3]."""
    (tramadol,) = orders(plan, "tramadol", "give_now")
    assert tramadol.dose_mg <= 50
    assert tramadol.every_hours is None or tramadol.every_hours >= 12


def tramadol_offered(plan: TreatmentPlan) -> None:
    """A warn row keeps the drug: tramadol is still in the plan."""
    assert orders(plan, "tramadol")


def tramadol_over_75(plan: TreatmentPlan) -> None:
    """Tramadol label, age > 75: at most 300 mg/day [§3.3]."""
    (tramadol,) = orders(plan, "tramadol", "give_now")
    assert "300 mg" in tramadol.note
    assert tramadol.max_daily_mg is None or tramadol.max_daily_mg <= 300


def no_morphine(plan: TreatmentPlan) -> None:
    """Dean 2004: morphine and codeine metabolites accumulate in severe renal impairment."""
    assert not orders(plan, "morphine")
    assert not orders(plan, "codeine")
    assert avoid_entry(plan, "morphine")


def hepatic_opioid(plan: TreatmentPlan) -> None:
    """Oxycodone label, hepatic impairment: 1/3-1/2 of the usual dose, longer interval.

    Take-home oxycodone <= 2.5 mg at >= 8 h; the give-now dose at most half the standard 10 mg
    top; hydromorphone at the reduced IV row.
    """
    (take_home,) = orders(plan, "oxycodone", "discharge")
    assert take_home.dose_mg <= 2.5
    assert take_home.every_hours is not None
    assert take_home.every_hours >= 8
    assert all(o.dose_mg <= 5 for o in orders(plan, "oxycodone", "give_now"))
    assert all(o.dose_mg <= 0.5 for o in orders(plan, "hydromorphone", "give_now"))


def acetaminophen_2g(plan: TreatmentPlan) -> None:
    """Cirrhosis: acetaminophen no more than 2 g a day (hepatology guidance) [§10 / regimens]."""
    apap = orders(plan, "acetaminophen")
    assert apap
    for order in apap:
        assert order.dose_mg <= 2000
        if order.every_hours is not None:
            assert order.max_daily_mg is not None
            assert order.max_daily_mg <= 2000


def no_steroid(plan: TreatmentPlan) -> None:
    """ACP 2017, NICE NG59, Cochrane 2022: no systemic corticosteroids."""
    assert not in_class(plan, STEROIDS)
    assert avoid_entry(plan, "corticosteroid")


def no_benzodiazepine(plan: TreatmentPlan) -> None:
    """Friedman 2017, NICE NG59, CDC 2022 rec 11."""
    assert not in_class(plan, BENZODIAZEPINES)
    assert avoid_entry(plan, "benzodiazepine")


def no_muscle_relaxant(plan: TreatmentPlan) -> None:
    """Friedman 2015/2019: adding a relaxant to an NSAID did not help."""
    assert not in_class(plan, MUSCLE_RELAXANTS)
    assert avoid_entry(plan, "muscle relaxant")


def no_muscle_relaxant_because(word: str) -> Callable[[TreatmentPlan], None]:
    """No muscle relaxant, and the avoid entry gives this patient's reason (`word`)."""

    def check(plan: TreatmentPlan) -> None:
        no_muscle_relaxant(plan)
        assert word.lower() in avoid_entry(plan, "muscle relaxant").lower()

    return check


def immediate_release_only(plan: TreatmentPlan) -> None:
    """CDC 2022 rec 3: immediate-release opioids only for acute pain."""
    for order in in_class(plan, OPIOIDS):
        text = order.drug.lower()
        for marker in ("extended", "contin", " er", "long-acting"):
            assert marker not in text
        assert order.route in ("po", "iv")
    assert all("immediate release" in o.drug for o in orders(plan, "oxycodone"))
    assert avoid_entry(plan, "extended-release")


def no_gabapentin_for_falls(plan: TreatmentPlan) -> None:
    """AGS Beers 2023, history of falls or fractures: avoid antiepileptics (gabapentin) except
    for seizure or mood disorders [clinical-facts §7, confirmed]."""
    no_gabapentin(plan)
    assert "falls" in avoid_entry(plan, "gabapentin").lower()


def gabapentin_kept_no_take_home_opioid(plan: TreatmentPlan) -> None:
    """Beers 2023: avoid opioid + gabapentinoid at 65+; the plan keeps gabapentin."""
    assert orders(plan, "gabapentin", "discharge")
    assert not [o for o in plan.discharge if generic(o) in OPIOIDS]
    assert plan.mme_per_day is None
    reason = avoid_entry(plan, "take-home opioid")
    assert "Beers" in reason


def gabapentin_band(
    max_daily: float, doses_per_day: int, *, target: float | None = None, supplement: bool = False
) -> Callable[[TreatmentPlan], None]:
    """Neurontin label Table 1 (§1.1): renal maximum and frequency per CrCl band."""

    def check(plan: TreatmentPlan) -> None:
        gaba = plan.gabapentin
        assert gaba is not None
        assert gaba.max_daily_mg == pytest.approx(max_daily)
        assert gaba.doses_per_day == doses_per_day
        assert all(s.total_daily_mg <= max_daily + 1e-9 for s in gaba.steps)
        assert all(len(s.doses) <= doses_per_day for s in gaba.steps)
        (order,) = orders(plan, "gabapentin", "discharge")
        assert order.max_daily_mg is not None
        assert order.max_daily_mg <= max_daily + 1e-9
        if target is not None:
            assert gaba.target_daily_mg == target
            assert gaba.steps[-1].total_daily_mg == target
        if supplement:
            assert gaba.dialysis_supplement_mg in (125, 150, 200, 250, 350)
        else:
            assert gaba.dialysis_supplement_mg is None

    return check


def gabapentin_start_low(plan: TreatmentPlan) -> None:
    """FDA DSC 19 Dec 2019: lowest starting dose (100 mg) for the older or respiratory-risk."""
    gaba = plan.gabapentin
    assert gaba is not None
    assert gaba.start_mg == 100
    assert gaba.steps[0].total_daily_mg == 100


def warns(code: str, severity: Severity | None = None) -> Callable[[TreatmentPlan], None]:
    def check(plan: TreatmentPlan) -> None:
        codes = warning_codes(plan)
        assert code in codes, sorted(codes)
        if severity is not None:
            assert codes[code] is severity

    return check


def pregnancy_opioid(plan: TreatmentPlan) -> None:
    """Opioid labels (NOWS boxed warning); CDC 2022: caution warning with the opioid."""
    assert in_class(plan, OPIOIDS)
    warns("pregnancy-opioid", Severity.caution)(plan)


def oud(plan: TreatmentPlan) -> None:
    """CDC 2022 recs 8 and 12: no opioid without addiction medicine; naloxone."""
    no_opioid_anywhere(plan)
    assert plan.naloxone
    assert orders(plan, "naloxone nasal spray", "discharge")


def opioid_tolerant(plan: TreatmentPlan) -> None:
    """CDC 2022 rec 5 (warning) and rec 8 (naloxone for patients already on opioids)."""
    warns("opioid-tolerant")(plan)
    assert plan.naloxone


def tricyclic_seizure_caution(plan: TreatmentPlan) -> None:
    """Amitriptyline label: seizure disorder -> use with caution (kept, with a warning)."""
    assert orders(plan, "amitriptyline", "discharge")
    warns("seizure-tricyclic")(plan)


def both(*checks: Callable[[TreatmentPlan], None]) -> Callable[[TreatmentPlan], None]:
    def check(plan: TreatmentPlan) -> None:
        for c in checks:
            c(plan)

    return check


# ---- Expectations for the medicine rules (logic.engine.medications), each from its source --


def current(*items: Any) -> dict[str, Any]:
    """Regular medicines: a name, or a dict of CurrentMedication fields."""
    return {"current_medications": [i if isinstance(i, dict) else {"drug": i} for i in items]}


def no_tramadol_because(*words: str) -> Callable[[TreatmentPlan], None]:
    def check(plan: TreatmentPlan) -> None:
        no_tramadol(plan)
        reason = avoid_entry(plan, "tramadol").lower()
        for word in words:
            assert word.lower() in reason, (word, reason)

    return check


def no_opioid_because(*words: str) -> Callable[[TreatmentPlan], None]:
    """No opioid anywhere, the avoid list says why, and a non-opioid step is given instead."""

    def check(plan: TreatmentPlan) -> None:
        assert not in_class(plan, OPIOIDS), [o.sig for o in in_class(plan, OPIOIDS)]
        reason = " ".join(a.reason for a in plan.avoid if "opioid" in a.drug.lower()).lower()
        for word in words:
            assert word.lower() in reason, (word, reason)
        assert plan.give_now, "a non-opioid step is given instead"

    return check


def moud_plan(plan: TreatmentPlan) -> None:
    """CDC 2022 rec 12: continue buprenorphine, treat pain on top (non-opioid), tell the
    prescriber, naloxone (rec 8); buprenorphine has no MME (CDC 2022 table footnote)."""
    no_opioid_because("continue", "prescriber")(plan)
    assert plan.naloxone
    assert plan.mme_per_day is None
    assert warning_codes(plan).get("moud-continue") is Severity.danger


def home_morphine_counted(plan: TreatmentPlan) -> None:
    """CDC 2022: MME counts every opioid; morphine ER 30 mg twice a day = 60 MME (factor 1)."""
    take_home = [o for o in plan.discharge if generic(o) in OPIOIDS]
    plan_mme = sum(
        daily_mme(generic(o), o.dose_mg, min(24 / o.every_hours, o.max_daily_mg / o.dose_mg))
        for o in take_home
        if o.every_hours is not None and o.max_daily_mg is not None
    )
    assert plan.home_mme_per_day == pytest.approx(60)
    assert plan.mme_per_day == pytest.approx(60 + plan_mme)
    assert plan.naloxone  # >= 50 MME/day in total (CDC 2022 rec 8)
    assert "home-opioid-continue" in warning_codes(plan)


def no_oxycodone_hydromorphone_kept(plan: TreatmentPlan) -> None:
    """Oxycodone label boxed warning (CYP3A4 inhibitors); hydromorphone is not CYP-metabolised."""
    assert not orders(plan, "oxycodone")
    assert "cyp3a4" in avoid_entry(plan, "oxycodone").lower()
    assert orders(plan, "hydromorphone", "give_now")


def not_offered(drug: str, *words: str) -> Callable[[TreatmentPlan], None]:
    def check(plan: TreatmentPlan) -> None:
        assert not orders(plan, drug), [o.sig for o in orders(plan, drug)]
        reason = avoid_entry(plan, drug)
        assert reason
        for word in words:
            assert word.lower() in reason.lower(), (word, reason)

    return check


def no_gabapentin_on_pregabalin(plan: TreatmentPlan) -> None:
    """Neurontin/Lyrica labels: two gabapentinoids add CNS depression, not benefit."""
    assert plan.gabapentin is None
    not_offered("gabapentin", "pregabalin")(plan)


def oxycodone_higher_than_failed(plan: TreatmentPlan) -> None:
    """Oxycodone 2.5 mg failed: the 5-10 mg dose is higher, so it may be offered again."""
    assert any(o.dose_mg > 2.5 for o in orders(plan, "oxycodone", "give_now"))
    assert not avoid_entry(plan, "oxycodone")


def no_nsaid_allergy(plan: TreatmentPlan) -> None:
    no_nsaid(plan)
    assert "hypersensitivity" in avoid_entry(plan, "NSAIDs").lower()


def acetaminophen_by_weight(kg: float) -> Callable[[TreatmentPlan], None]:
    """Ofirmev label, adults under 50 kg: 15 mg/kg a dose, 75 mg/kg a day."""

    def check(plan: TreatmentPlan) -> None:
        apap = orders(plan, "acetaminophen")
        assert apap
        for order in apap:
            assert order.dose_mg <= 15 * kg
            if order.every_hours is not None:
                assert order.max_daily_mg is not None
                assert order.max_daily_mg <= 75 * kg

    return check


def ketorolac_low_weight(plan: TreatmentPlan) -> None:
    """Ketorolac label, under 50 kg: 15 mg IV a dose at most."""
    (ketorolac,) = orders(plan, "ketorolac", "give_now")
    assert ketorolac.dose_mg <= 15
    assert "15 mg" in ketorolac.note


def reduced_and_warned(code: str) -> Callable[[TreatmentPlan], None]:
    def check(plan: TreatmentPlan) -> None:
        reduced_opioid_doses(plan)
        assert warning_codes(plan).get(code) is Severity.danger

    return check


def no_nsaid_acetaminophen_instead(*words: str) -> Callable[[TreatmentPlan], None]:
    """No NSAID (ketorolac or naproxen), the avoid entry gives this reason, and acetaminophen
    takes the NSAID's place now and at discharge (label 1000 mg, at most 3000 mg a day here)."""

    def check(plan: TreatmentPlan) -> None:
        no_nsaid(plan)
        reason = avoid_entry(plan, "NSAIDs").lower()
        for word in words:
            assert word.lower() in reason, (word, reason)
        (take_home,) = orders(plan, "acetaminophen", "discharge")
        assert take_home.max_daily_mg is not None
        assert take_home.max_daily_mg <= 3000
        assert orders(plan, "acetaminophen", "give_now")

    return check


def naproxen_kept_with(code: str, *words: str) -> Callable[[TreatmentPlan], None]:
    """The NSAID is kept at the label's 500 mg every 12 hours (max 1000 mg a day) with a
    caution warning that names what to check."""

    def check(plan: TreatmentPlan) -> None:
        (naproxen,) = orders(plan, "naproxen", "discharge")
        assert (naproxen.dose_mg, naproxen.every_hours, naproxen.max_daily_mg) == (500, 12, 1000)
        assert warning_codes(plan).get(code) is Severity.caution
        message = next(w.message for w in plan.warnings if w.code == code).lower()
        for word in words:
            assert word.lower() in message, (word, message)

    return check


def co_sedated(*names: str) -> Callable[[TreatmentPlan], None]:
    """Opioid labels' boxed warning (benzodiazepines and other CNS depressants: lowest dose,
    shortest time); FDA DSC 23 Jul 2020 (naloxone with other CNS depressants): the reduced
    opioid rows, a danger warning naming the sedating medicines, and naloxone with that reason."""

    def check(plan: TreatmentPlan) -> None:
        reduced_opioid_doses(plan)
        assert orders(plan, "oxycodone", "discharge")  # the chosen course, at the reduced row
        assert warning_codes(plan).get("cns-depressant-opioid") is Severity.danger
        message = next(w.message for w in plan.warnings if w.code == "cns-depressant-opioid")
        reason = " ".join(plan.naloxone_reasons)
        for name in names:
            assert name in message, (name, message)
            assert name in reason, (name, reason)
        assert plan.naloxone
        assert orders(plan, "naloxone nasal spray", "discharge")

    return check


GI = {"conditions": ["gi_bleed_history"]}  # NSAIDs out, so acetaminophen is the step
FEMALE = {"sex": "female", "age_years": 30}
FENTANYL_25 = {"drug": "Duragesic", "dose": 25, "weeks": 4}


class Row(NamedTuple):
    rule_id: str
    case: dict[str, Any]
    expect: Callable[[TreatmentPlan], None]
    source: str


ROWS: tuple[Row, ...] = (
    # ---- Always (the reference's avoid list) -------------------------------------------------
    Row("always-corticosteroids", {"tried": [{"drug": "prednisone"}]}, no_steroid, "ACP 2017"),
    Row("always-benzodiazepines", {}, no_benzodiazepine, "Friedman 2017; CDC 2022 rec 11"),
    # ---- Muscle relaxants: withheld only for a reason true of this patient (ACP 2017 allows
    # one for acute or subacute pain) -------------------------------------------------------
    Row(
        "muscle-relaxant-tried",
        {"tried": [{"drug": "orphenadrine"}]},
        no_muscle_relaxant_because("already given"),
        "Friedman 2015/2019: no added benefit; the class was tried this episode",
    ),
    Row(
        "beers-muscle-relaxant",
        {"age_years": 65},
        no_muscle_relaxant_because("Beers"),
        "AGS Beers 2023: avoid SMRs at 65+",
    ),
    Row(
        "sedation-muscle-relaxant",
        {"conditions": ["sleep_apnea"]},
        no_muscle_relaxant_because("sedation"),
        "ACEP 2020: harms of combining sedatives",
    ),
    Row(
        "sedation-muscle-relaxant",
        {"current_medications": [{"drug": "oxycodone", "dose": 5, "doses_per_day": 2}]},
        no_muscle_relaxant_because("sedating regular medicine"),
        "ACEP 2020: harms of combining opioids with muscle relaxants",
    ),
    Row(
        "sud-muscle-relaxant",
        {"conditions": ["substance_use_disorder"]},
        no_muscle_relaxant_because("misused"),
        "carisoprodol label (abuse)",
    ),
    Row(
        "sud-muscle-relaxant",
        current({"drug": "Suboxone", "dose": 16, "doses_per_day": 1, "weeks": 50}),
        no_muscle_relaxant_because("misused"),
        "Suboxone label (indicated for opioid dependence); carisoprodol label (abuse)",
    ),
    Row(
        "chronic-muscle-relaxant",
        {"pain_duration_weeks": 12.1},
        no_muscle_relaxant_because("12 weeks"),
        "ACP 2017 (acute/subacute only); WHO 2023",
    ),
    Row(
        "cyclobenzaprine-contraindicated",
        {"conditions": ["recent_mi"]},
        no_muscle_relaxant_because("label"),
        "cyclobenzaprine label (contraindicated after recent MI)",
    ),
    Row(
        "pregnancy-muscle-relaxant",
        PREGNANT,
        no_muscle_relaxant_because("Pregnancy"),
        "cyclobenzaprine label (pregnancy); ACP 2017",
    ),
    Row("always-er-opioids", {}, immediate_release_only, "CDC 2022 rec 3"),
    Row("nonradicular-gabapentinoid", {}, no_gabapentin, "Enke 2018; NICE NG59"),
    # ---- Renal -------------------------------------------------------------------------------
    Row("renal-nsaid-avoid", {"crcl_ml_min": 25}, no_nsaid, "Beers 2023: NSAIDs CrCl<30"),
    Row(
        "renal-nsaid-avoid",
        {"crcl_ml_min": None, "on_hemodialysis": True},
        no_nsaid,
        "Beers 2023 (dialysis is below CrCl 30)",
    ),
    Row("renal-nsaid-reduce", {"crcl_ml_min": 45}, renal_nsaid_reduce, "naproxen label; NG59"),
    Row("renal-ketorolac-avoid", {"crcl_ml_min": 45}, no_ketorolac, "ketorolac label"),
    Row(
        "renal-tramadol-cap",
        {"crcl_ml_min": 25, "conditions": ["glaucoma"]},  # glaucoma: no TCA, so tramadol stays
        tramadol_renal,
        "tramadol label: CrCl<30 q12h, max 200 mg/day",
    ),
    Row("renal-morphine-avoid", {"crcl_ml_min": 25}, no_morphine, "Dean 2004"),
    Row("renal-opioid-reduce", {"crcl_ml_min": 45}, reduced_opioid_doses, "opioid labels"),
    Row(
        "renal-gabapentin-cap",
        {"crcl_ml_min": 45, "radicular": True},
        gabapentin_band(1400, 2),
        "Neurontin Table 1: >30-59 -> 400-1400 mg/day BID",
    ),
    Row(
        "renal-gabapentin-cap",
        {"crcl_ml_min": 25, "radicular": True},
        gabapentin_band(700, 1),
        "Neurontin Table 1: >15-29 -> 200-700 mg/day QD",
    ),
    Row(
        "renal-gabapentin-cap",
        {"crcl_ml_min": 7.5, "radicular": True},
        gabapentin_band(150, 1),
        "Neurontin Table 1: <15 -> 300 mg/day QD scaled by CrCl/15 (7.5 -> 150)",
    ),
    Row(
        "renal-gabapentin-cap",
        {"crcl_ml_min": None, "on_hemodialysis": True, "radicular": True},
        gabapentin_band(300, 1, supplement=True),
        "Neurontin Table 1: haemodialysis supplement after each 4 h",
    ),
    Row("renal-duloxetine-avoid", {"crcl_ml_min": 25, **CHRONIC}, no_duloxetine, "Beers 2023"),
    # ---- Hepatic -----------------------------------------------------------------------------
    Row("hepatic-nsaid-avoid", {"conditions": ["cirrhosis"]}, no_nsaid, "AASLD 2021"),
    Row(
        "hepatic-tramadol",
        {"conditions": ["cirrhosis"]},  # acute pain: no antidepressant, so tramadol is offered
        tramadol_hepatic,
        "tramadol label: cirrhosis 50 mg q12h",
    ),
    Row(
        "hepatic-opioid",
        {"conditions": ["cirrhosis"], "take_home_opioid": True},
        hepatic_opioid,
        "oxycodone label",
    ),
    Row("hepatic-acetaminophen", {"conditions": ["cirrhosis"]}, acetaminophen_2g, "2 g/day"),
    Row(
        "hepatic-duloxetine-avoid",
        {"conditions": ["cirrhosis"], **CHRONIC},
        no_duloxetine,
        "duloxetine label",
    ),
    # Issue 20: ketorolac labels, boxed warning: combined use at most 5 days (day 6 is over).
    Row(
        "ketorolac-past-5-days",
        {"tried": [{"drug": "ketorolac", "dose_mg": 15, "days_since_first_dose": 5}]},
        no_ketorolac,
        "ketorolac labels, boxed warning (5 days in total)",
    ),
    # Issue 20: cirrhosis with no Child-Pugh class is read as class A, and the plan says so.
    Row(
        "hepatic-class-unknown",
        {"conditions": ["cirrhosis"]},
        warns("hepatic-class-unknown", Severity.info),
        "Pugh 1973 (classes); Celebrex, Flexeril, Nucynta labels (class B/C limits)",
    ),
    # ---- Older adults (AGS Beers 2023) ---------------------------------------------------------
    Row("beers-ketorolac", {"age_years": 70}, no_ketorolac, "Beers 2023"),
    Row("beers-nsaid-reduce", {"age_years": 70}, naproxen_reduced, "Beers 2023; naproxen label"),
    Row("beers-nsaid-protect", {"age_years": 70}, ppi_with_nsaid, "Beers 2023 gastroprotection"),
    Row(
        "beers-nsaid-protect",
        {"tried": [{"drug": "prednisone"}, {"drug": "dexamethasone"}]},
        ppi_with_nsaid,
        "Beers 2023: NSAID with corticosteroid only with gastroprotection",
    ),
    Row("beers-tricyclic", {"age_years": 70, **TCA_CASE}, no_amitriptyline, "Beers 2023"),
    Row("beers-opioid-reduce", {"age_years": 70}, reduced_opioid_doses, "CDC 2022; Chang 2013"),
    Row(
        "beers-opioid-gabapentinoid",
        {"age_years": 70, "radicular": True},
        gabapentin_kept_no_take_home_opioid,
        "Beers 2023: opioid + gabapentinoid",
    ),
    Row(
        "beers-opioid-benzodiazepine",
        {"age_years": 70, "conditions": ["benzodiazepine_use"]},
        no_opioid_anywhere,
        "Beers 2023: opioid + benzodiazepine",
    ),
    Row("age75-tramadol-cap", {"age_years": 80}, tramadol_over_75, "tramadol label: >75"),
    Row(
        "gabapentin-start-low",
        {"age_years": 70, "radicular": True},
        gabapentin_start_low,
        "FDA DSC 2019",
    ),
    Row(
        "gabapentin-start-low",
        {"conditions": ["copd"], "radicular": True},
        gabapentin_start_low,
        "FDA DSC 2019 (COPD)",
    ),
    Row("fall-risk-opioid", {"conditions": ["fall_risk"]}, reduced_opioid_doses, "Beers falls"),
    Row(
        "beers-falls-gabapentin",
        {"age_years": 70, "radicular": True, "conditions": ["fall_risk"]},
        no_gabapentin_for_falls,
        "Beers 2023: history of falls -> avoid antiepileptics (§7)",
    ),
    Row(
        "fall-risk-tricyclic",
        {"conditions": ["fall_risk"], **TCA_CASE},
        no_amitriptyline,
        "Beers falls",
    ),
    # ---- Pregnancy ---------------------------------------------------------------------------
    Row("pregnancy-nsaid", PREGNANT, no_nsaid, "FDA DSC 15 Oct 2020"),
    Row("pregnancy-opioid", PREGNANT, pregnancy_opioid, "opioid labels (NOWS)"),
    Row("pregnancy-tramadol", PREGNANT, no_tramadol, "tramadol label"),
    Row("pregnancy-gabapentin", {**PREGNANT, "radicular": True}, no_gabapentin, "Neurontin"),
    Row("pregnancy-antidepressant", {**PREGNANT, **TCA_CASE}, no_amitriptyline, "NICE NG59"),
    Row("pregnancy-antidepressant", {**PREGNANT, **CHRONIC}, no_duloxetine, "NICE NG59"),
    # ---- NSAID contraindications, each on its own ----------------------------------------------
    Row("gi-nsaid", {"conditions": ["gi_bleed_history"]}, no_nsaid, "ketorolac label"),
    Row("gi-nsaid", {"conditions": ["peptic_ulcer"]}, no_nsaid, "ketorolac label"),
    Row("anticoagulant-nsaid", {"conditions": ["anticoagulant_use"]}, no_nsaid, "NSAID labels"),
    Row("antiplatelet-nsaid", {"conditions": ["antiplatelet_use"]}, no_nsaid, "ketorolac label"),
    Row("heart-failure-nsaid", {"conditions": ["heart_failure"]}, no_nsaid, "AHA/ACC/HFSA 2022"),
    Row("recent-mi-nsaid", {"conditions": ["recent_mi"]}, no_nsaid, "FDA 2015 boxed warning"),
    # Issue 20: NSAID class labelling, boxed warning and 4 Contraindications (setting of CABG).
    Row("cabg-nsaid", {"conditions": ["recent_cabg"]}, no_nsaid, "NSAID labels: CABG setting"),
    Row("ckd-nsaid-caution", {"conditions": ["ckd"]}, naproxen_reduced, "NICE NG59"),
    # ---- NSAIDs with regular medicines (interactions) ----------------------------------------
    Row(
        "nsaid-triple-whammy",
        current("lisinopril", "furosemide"),
        no_nsaid_acetaminophen_instead("ACE inhibitor or ARB", "diuretic", "kidney"),
        "Lapi et al., BMJ 2013 (ACE inhibitor or ARB + diuretic + NSAID: AKI rate ratio 1.31); "
        "ramipril label (NSAIDs with diuretics: acute renal failure)",
    ),
    Row(
        "nsaid-triple-whammy",
        current("Cozaar", "hctz"),
        no_nsaid_acetaminophen_instead("kidney"),
        "Lapi et al., BMJ 2013 (ARB + thiazide + NSAID counts the same)",
    ),
    Row(
        "nsaid-kidney-risk-warn",
        current("lisinopril"),
        naproxen_kept_with("nsaid-kidney-risk-warn", "creatinine", "potassium"),
        "Ramipril label (NSAIDs: attenuated antihypertensive effect; renal function in the "
        "elderly or volume-depleted)",
    ),
    Row(
        "nsaid-kidney-risk-warn",
        current("furosemide"),
        naproxen_kept_with("nsaid-kidney-risk-warn", "diuretic", "creatinine"),
        "Naproxen label 7 (diuretics: reduced natriuretic effect; watch renal function)",
    ),
    Row(
        "nsaid-lithium",
        current("lithium"),
        no_nsaid_acetaminophen_instead("lithium", "4-5 days"),
        "Naproxen label 7 (lithium: level up ~15 %, clearance down ~20 %); lithium label "
        "(monitor levels when an NSAID starts); Ragheb 1990 (levels every 4-5 days)",
    ),
    Row(
        "nsaid-lithium",
        current("Lithobid"),
        no_nsaid_acetaminophen_instead("lithium"),
        "Lithobid is lithium carbonate (label)",
    ),
    Row(
        "nsaid-methotrexate",
        current({"drug": "methotrexate", "dose": 15, "doses_per_day": 1}),
        naproxen_kept_with("nsaid-methotrexate", "methotrexate", "creatinine", "high"),
        "Naproxen label 7 (methotrexate: caution); methotrexate label 7.1 (NSAIDs: monitor "
        "closely; severe toxicity mainly at high dose); Colebatch 2012 (low dose: no rise in "
        "major toxicity)",
    ),
    # ---- Substance use -------------------------------------------------------------------------
    Row("oud-opioid", {"conditions": ["opioid_use_disorder"]}, oud, "CDC 2022 recs 8, 12"),
    Row("oud-opioid", {"conditions": ["substance_use_disorder"]}, oud, "CDC 2022 recs 8, 12"),
    Row(
        "oud-gabapentin",
        {"conditions": ["opioid_use_disorder"], "radicular": True},
        warns("oud-gabapentin"),
        "Neurontin label (abuse and dependence)",
    ),
    Row(
        "oud-gabapentin",
        {**current({"drug": "buprenorphine", "dose": 8, "doses_per_day": 2}), "radicular": True},
        warns("oud-gabapentin"),
        "Subutex label (sublingual buprenorphine: opioid dependence); Neurontin label",
    ),
    # ---- Respiratory depression (age < 65) -------------------------------------------------------
    Row(
        "benzodiazepine-opioid",
        {"conditions": ["benzodiazepine_use"]},
        danger_and_naloxone("benzodiazepine-opioid"),
        "CDC 2022 rec 11; FDA 2016",
    ),
    Row(
        "sleep-apnea-opioid",
        {"conditions": ["sleep_apnea"]},
        danger_and_naloxone("sleep-apnea-opioid"),
        "CDC 2022",
    ),
    Row(
        "no-take-home-opioid-sedation",
        {"conditions": ["benzodiazepine_use"]},
        no_take_home_opioid,
        "CDC 2022 rec 11",
    ),
    Row(
        "no-take-home-opioid-sedation",
        {"conditions": ["sleep_apnea"]},
        no_take_home_opioid,
        "CDC 2022 (sleep-disordered breathing)",
    ),
    Row(
        "copd-opioid",
        {"conditions": ["copd"]},
        danger_and_naloxone("copd-opioid"),
        "opioid labels; CDC 2022",
    ),
    Row(
        "cns-depressant-opioid",
        {**current("pregabalin"), "take_home_opioid": True},
        co_sedated("pregabalin"),
        "Oxycodone label boxed warning (other CNS depressants); FDA DSC 19 Dec 2019 "
        "(gabapentinoids with opioids); FDA DSC 23 Jul 2020 (naloxone)",
    ),
    Row(
        "cns-depressant-opioid",
        {**current("Ambien", "quetiapine"), "take_home_opioid": True},
        co_sedated("zolpidem", "quetiapine"),
        "Oxycodone label boxed warning (non-benzodiazepine hypnotics, antipsychotics); FDA DSC "
        "23 Jul 2020",
    ),
    Row("opioid-tolerant", {"conditions": ["opioid_tolerant"]}, opioid_tolerant, "CDC 2022 rec 5"),
    # ---- Serotonin, seizures, anticholinergic and cardiac harm ----------------------------------
    Row(
        "serotonergic-tramadol",
        {"conditions": ["serotonergic_drug_use"]},
        no_tramadol,
        "tramadol label",
    ),
    Row("seizure-tramadol", {"conditions": ["seizure_disorder"]}, no_tramadol, "tramadol label"),
    Row(
        "serotonergic-antidepressant",
        {"conditions": ["serotonergic_drug_use"], **TCA_CASE},
        no_amitriptyline,
        "amitriptyline label",
    ),
    Row(
        "serotonergic-antidepressant",
        {"conditions": ["serotonergic_drug_use"], **CHRONIC},
        no_duloxetine,
        "duloxetine label",
    ),
    Row(
        "seizure-tricyclic",
        {"conditions": ["seizure_disorder"], **TCA_CASE},
        tricyclic_seizure_caution,
        "amitriptyline label",
    ),
    Row(
        "conduction-tricyclic",
        {"conditions": ["cardiac_conduction_disease"], **TCA_CASE},
        no_amitriptyline,
        "amitriptyline label",
    ),
    Row(
        "conduction-tricyclic",
        {"conditions": ["recent_mi"], **TCA_CASE},
        no_amitriptyline,
        "amitriptyline label (acute recovery after MI)",
    ),
    # Issue 20: long QT. Amitriptyline label (arrhythmias, prolonged conduction; QT on the UK
    # SmPC); cyclobenzaprine label (contraindicated with arrhythmias or conduction
    # disturbances); Ultram label 6.2 (QT prolongation/torsades reported).
    Row(
        "qt-tricyclic",
        {"conditions": ["qt_prolongation"], **TCA_CASE},
        no_amitriptyline,
        "amitriptyline label (arrhythmias, QT)",
    ),
    Row(
        "qt-cyclobenzaprine",
        {"conditions": ["qt_prolongation"]},
        no_muscle_relaxant_because("long QT"),
        "cyclobenzaprine label (contraindicated with arrhythmias or conduction disturbances)",
    ),
    Row(
        "qt-tramadol",
        {"conditions": ["qt_prolongation"]},  # acute pain: tramadol is offered, with the warning
        both(tramadol_offered, warns("qt-tramadol")),
        "Ultram label 6.2 (QT prolongation/torsade de pointes)",
    ),
    Row(
        "glaucoma-tricyclic",
        {"conditions": ["glaucoma"], **TCA_CASE},
        no_amitriptyline,
        "amitriptyline label",
    ),
    Row(
        "retention-tricyclic",
        {"conditions": ["urinary_retention_history"], **TCA_CASE},
        no_amitriptyline,
        "amitriptyline label",
    ),
)


MEDICINE_ROWS: tuple[Row, ...] = (
    Row(
        "serotonergic-tramadol",
        current("sertraline"),
        no_tramadol_because("serotonin"),
        "tramadol label (SSRIs)",
    ),
    Row(
        "serotonergic-tramadol",
        current({"drug": "Cymbalta", "dose": 60, "doses_per_day": 1}),
        no_tramadol_because("serotonin"),
        "tramadol label (SNRIs)",
    ),
    Row(
        "serotonergic-tramadol",
        {"tried": [{"drug": "Flexeril", "dose_mg": 10}]},
        no_tramadol_because("serotonin", "seizure"),
        "tramadol label (tricyclic compounds); cyclobenzaprine label",
    ),
    Row(
        "serotonergic-tramadol",
        {"tried": [{"drug": "ondansetron", "dose_mg": 4}]},
        no_tramadol_because("serotonin"),
        "tramadol label (5-HT3 receptor antagonists)",
    ),
    Row(
        "seizure-threshold-tramadol",
        current("Wellbutrin"),
        no_tramadol_because("seizure"),
        "tramadol label (drugs that lower the seizure threshold); bupropion label",
    ),
    Row(
        "seizure-threshold-tramadol",
        {"tried": [{"drug": "amitriptyline", "dose_mg": 10}]},
        no_tramadol_because("seizure"),
        "tramadol label (TCAs)",
    ),
    Row("maoi-opioid", current("Nardil"), no_opioid_because("MAOI"), "oxycodone, Dilaudid labels"),
    Row(
        "maoi-opioid",
        {"tried": [{"drug": "Zyvox", "dose_mg": 600}]},
        no_opioid_because("linezolid"),
        "FDA DSC 2011 (linezolid is an MAOI); opioid labels (within 14 days)",
    ),
    Row(
        "maoi-opioid",
        {"tried": [{"drug": "methylene blue", "dose_mg": 100}]},
        no_opioid_because("methylene blue"),
        "FDA DSC 2011 (methylene blue)",
    ),
    Row(
        "maoi-antidepressant",
        {**current("selegiline"), **CHRONIC},
        no_duloxetine,
        "Cymbalta label (contraindicated with MAOIs)",
    ),
    Row(
        "naltrexone-opioid",
        current("Vivitrol"),
        no_opioid_because("blocks"),
        "Vivitrol label (opioid blockade)",
    ),
    Row(
        "moud-opioid",
        current({"drug": "Suboxone", "dose": 16, "doses_per_day": 1, "weeks": 50}),
        moud_plan,
        "CDC 2022 rec 12; CDC 2022 MME footnote (buprenorphine excluded)",
    ),
    Row(
        "moud-continue",
        current({"drug": "methadone", "dose": 80, "doses_per_day": 1, "weeks": 100}),
        warns("moud-continue", Severity.danger),
        "CDC 2022 rec 12",
    ),
    Row(
        "home-opioid-continue",
        current({"drug": "MS Contin", "dose": 30, "doses_per_day": 2, "weeks": 8}),
        home_morphine_counted,
        "CDC 2022 MME table (morphine 1.0); CDC 2022 recs 5 and 8",
    ),
    Row(
        "cyp3a4-oxycodone",
        current("clarithromycin"),
        no_oxycodone_hydromorphone_kept,
        "oxycodone label (CYP3A4 inhibitors); Dilaudid label",
    ),
    Row(
        "cyp3a4-home-opioid",
        current("Paxlovid", FENTANYL_25),
        warns("cyp3a4-home-opioid", Severity.danger),
        "Duragesic label (boxed warning: CYP3A4 inhibitors)",
    ),
    Row(
        "duplicate-current",
        {**current({"drug": "Lyrica", "dose": 75, "doses_per_day": 2}), "radicular": True},
        no_gabapentin_on_pregabalin,
        "Neurontin and Lyrica labels",
    ),
    Row(
        "duplicate-current",
        {**current({"drug": "duloxetine", "dose": 60, "doses_per_day": 1}), **CHRONIC},
        no_duloxetine,
        "Cymbalta label (already on it: nothing to start)",
    ),
    Row(
        "duplicate-current",
        current({"drug": "ibuprofen", "dose": 400, "doses_per_day": 3}),
        not_offered("naproxen", "ibuprofen"),
        "NSAID labels (do not combine NSAIDs)",
    ),
    Row(
        "duplicate-current",
        {**current({"drug": "Tylenol", "dose": 1000, "doses_per_day": 3}), **GI},
        not_offered("acetaminophen", "acetaminophen"),
        "acetaminophen label (one acetaminophen product at a time)",
    ),
    Row(
        "failed-same-or-lower-dose",
        {"tried": [{"drug": "oxycodone", "dose_mg": 10, "route": "po", "relief": "none"}]},
        not_offered("oxycodone", "failed", "10 mg"),
        "CDC 2022 rec 1 (reassess; do not repeat what failed)",
    ),
    Row(
        "failed-same-or-lower-dose",
        {"tried": [{"drug": "oxycodone", "dose_mg": 2.5, "route": "po", "relief": "none"}]},
        oxycodone_higher_than_failed,
        "the failed dose was lower: a higher dose is a new trial",
    ),
    Row(
        "failed-same-or-lower-dose",
        {"tried": [{"drug": "acetaminophen", "dose_mg": 1000, "doses_given": 2}], **GI},
        not_offered("acetaminophen", "failed"),
        "PACE (acetaminophen alone no better than placebo); it failed at 1 g",
    ),
    Row("allergy-nsaid", {"allergies": ["nsaid"]}, no_nsaid_allergy, "NSAID labels"),
    Row(
        "allergy-nsaid",
        {"allergic_to": ["Advil"]},
        no_nsaid_allergy,
        "NSAID labels (cross-reactivity)",
    ),
    Row(
        "allergy-opioid",
        {"allergies": ["opioid"]},
        no_opioid_because("allergy"),
        "opioid labels (hypersensitivity)",
    ),
    Row(
        "allergy-drug",
        {"allergic_to": ["tramadol"]},
        no_tramadol_because("allergy"),
        "tramadol label (hypersensitivity)",
    ),
    Row(
        "breastfeeding-tramadol",
        {**FEMALE, "breastfeeding": True},
        no_tramadol_because("breastfeeding", "FDA"),
        "FDA DSC 20 Apr 2017",
    ),
    Row(
        "breastfeeding-opioid",
        {**FEMALE, "breastfeeding": True},
        warns("breastfeeding-opioid"),
        "oxycodone label (lactation)",
    ),
    Row(
        "pregnancy-nsaid",
        {**PREGNANT, "pregnancy_weeks": 19},
        no_nsaid,
        "FDA DSC 2020 (under 20 weeks: this tool does not start one)",
    ),
    Row(
        "pregnancy-nsaid-20-weeks",
        {**PREGNANT, "pregnancy_weeks": 20},
        no_nsaid,
        "FDA DSC 15 Oct 2020 (from 20 weeks)",
    ),
    Row(
        "pregnancy-nsaid-20-weeks",
        {**PREGNANT, "pregnancy_weeks": 29},
        no_nsaid,
        "FDA DSC 15 Oct 2020 (20-30 weeks)",
    ),
    Row(
        "pregnancy-nsaid-30-weeks",
        {**PREGNANT, "pregnancy_weeks": 30},
        no_nsaid,
        "FDA DSC 2020; NSAID labels (30 weeks: ductus arteriosus)",
    ),
    Row(
        "alcohol-acetaminophen",
        {"heavy_alcohol_use": True, **GI},
        acetaminophen_2g,
        "acetaminophen label (liver warning); AGS 2009",
    ),
    Row(
        "alcohol-opioid",
        {"heavy_alcohol_use": True},
        reduced_and_warned("alcohol-opioid"),
        "opioid labels (boxed warning: alcohol and CNS depressants)",
    ),
    Row(
        "weight-acetaminophen",
        {"weight_kg": 30, **GI},
        acetaminophen_by_weight(30),
        "Ofirmev label (under 50 kg)",
    ),
    Row(
        "weight-acetaminophen",
        {"weight_kg": 49.9, **GI},
        acetaminophen_by_weight(49.9),
        "Ofirmev label (under 50 kg)",
    ),
    Row(
        "weight-ketorolac",
        {"weight_kg": 45},
        ketorolac_low_weight,
        "ketorolac label (under 50 kg)",
    ),
)


def acetaminophen_daily_at_most(mg: float) -> Callable[[TreatmentPlan], None]:
    """Every scheduled acetaminophen order has a daily ceiling of at most `mg` (hand-computed)."""

    def check(plan: TreatmentPlan) -> None:
        scheduled = [o for o in orders(plan, "acetaminophen") if o.every_hours is not None]
        assert scheduled, [o.sig for o in all_orders(plan)]
        for order in scheduled:
            assert order.max_daily_mg is not None
            assert order.max_daily_mg <= mg, (order.sig, mg)

    return check


FRAIL = {"frail": True}
#: Reid et al., Br J Clin Pharmacol 2022 (PMID 35535712), citing Australian consensus guidance:
#: frail older people <= 3000 mg/day; older people under 50 kg <= 60 mg/kg/day.
FRAILTY_ROWS: tuple[Row, ...] = (
    Row(
        "frail-acetaminophen",
        {**FRAIL, **GI},
        acetaminophen_daily_at_most(3000),
        "Reid 2022 / Australian consensus: <= 3000 mg/day when frail",
    ),
    Row(
        "frail-acetaminophen",
        {**FRAIL, **GI, "setting": "clinic"},
        acetaminophen_daily_at_most(3000),
        "the same ceiling in clinic",
    ),
    Row(
        "older-low-weight-acetaminophen",
        {"age_years": 65, "weight_kg": 49, **GI},
        acetaminophen_daily_at_most(60 * 49),
        "Reid 2022 / Australian consensus: <= 60 mg/kg/day, 65+ and under 50 kg",
    ),
    Row(
        "frail-opioid",
        FRAIL,
        reduced_opioid_doses,
        "oxycodone and hydromorphone labels (elderly, cachectic or debilitated patients)",
    ),
    Row(
        "gabapentin-start-low",
        {**FRAIL, "radicular": True},
        gabapentin_start_low,
        "FDA DSC 2019; Northern Ireland Formulary (100 mg if frail)",
    ),
)


# ---- Regular medicines that are themselves unsafe ---------------------------------------------
# A regular medicine can itself be the danger (not what this episode added). Each expectation is
# from the source: FDA DSC 20 Apr 2017 (codeine and tramadol not recommended while
# breastfeeding); Ultram, Nucynta, Demerol labels (contraindicated with an MAOI) and the other
# opioid labels (not recommended within 14 days of an MAOI); Ultram label (serotonin syndrome,
# seizures with SSRIs/SNRIs/TCAs); opioid boxed warning and CDC 2022 rec 11 (benzodiazepines);
# FDA DSC 15 Oct 2020 (NSAIDs from 20 weeks; 81 mg aspirin exempt) and NSAID labels (avoid from
# 30 weeks); NSAID labels and AGS Beers 2023 (anticoagulants, CrCl < 30, GI bleeding).


#: An instruction to carry on with a medicine ("continue the home regimen", "continue it
#: unchanged"); "do not simply continue it" is the opposite and does not match.
TELLS_TO_CONTINUE = re.compile(r"(?<!simply )\bcontinue (the home regimen|it|them)\b", re.I)


def warns_unsafe_home(
    code: str, severity: Severity, *names: str, stop: bool = False
) -> Callable[[TreatmentPlan], None]:
    """The plan-wide warning names the patient's own medicines, says why (the source) and what
    to do; no warning tells the clinician to continue the flagged home medicine."""

    def check(plan: TreatmentPlan) -> None:
        (warning,) = [w for w in plan.warnings if w.code == code]
        assert warning.severity is severity
        for name in names:
            assert name in warning.message, (name, warning.message)
        assert "do not simply continue" in warning.message or stop, warning.message
        if stop:
            assert "Stop" in warning.message
        assert warning.source.strip()
        assert "home-opioid-continue" not in warning_codes(plan)
        assert not [w.code for w in plan.warnings if TELLS_TO_CONTINUE.search(w.message)]

    return check


def home(drug: str, dose: float, per_day: float, weeks: float = 6) -> dict[str, Any]:
    return {"drug": drug, "dose": dose, "doses_per_day": per_day, "weeks": weeks}


TYLENOL_3 = home("Tylenol #3", 30, 4)  # codeine 30 mg with acetaminophen 300 mg
TRAMADOL_50 = home("tramadol", 50, 4)
OXYCODONE_5 = home("oxycodone", 5, 4)
IBUPROFEN_400 = home("ibuprofen", 400, 3)
NAPROXEN_500 = home("naproxen", 500, 2)
BREASTFEEDING = {**FEMALE, "breastfeeding": True}


def qt_drugs_named(*names: str) -> Callable[[TreatmentPlan], None]:
    """Long QT with QT-prolonging medicines on board: one danger warning naming each of them,
    asking for an ECG and electrolytes (methadone boxed warning; citalopram, ondansetron,
    hydroxyzine labels)."""

    def check(plan: TreatmentPlan) -> None:
        (warning,) = [w for w in plan.warnings if w.code == "qt-home-drug"]
        assert warning.severity is Severity.danger
        for name in names:
            assert name in warning.message, (name, warning.message)
        assert "ECG" in warning.message
        assert "potassium" in warning.message

    return check


UNSAFE_HOME_ROWS: tuple[Row, ...] = (
    Row(
        "qt-home-drug",
        {"conditions": ["qt_prolongation"], **current(home("methadone", 10, 3), "citalopram")},
        qt_drugs_named("methadone", "citalopram"),
        "Dolophine label, boxed warning (QT); citalopram label (congenital long QT)",
    ),
    Row(
        "qt-home-drug",
        {"conditions": ["qt_prolongation"], "tried": [{"drug": "ondansetron", "dose_mg": 4}]},
        qt_drugs_named("ondansetron"),
        "Zofran label, 5 Warnings (avoid in congenital long QT syndrome)",
    ),
    Row(
        "breastfeeding-home-codeine-tramadol",
        {**BREASTFEEDING, **current(TYLENOL_3)},
        warns_unsafe_home(
            "breastfeeding-home-codeine-tramadol", Severity.danger, "codeine", "FDA", stop=True
        ),
        "FDA DSC 20 Apr 2017: stop codeine while breastfeeding, switch analgesic",
    ),
    Row(
        "breastfeeding-home-codeine-tramadol",
        {**BREASTFEEDING, **current(TRAMADOL_50)},
        warns_unsafe_home(
            "breastfeeding-home-codeine-tramadol", Severity.danger, "tramadol", stop=True
        ),
        "FDA DSC 20 Apr 2017 (tramadol)",
    ),
    Row(
        "maoi-home-opioid",
        current("Nardil", OXYCODONE_5),
        warns_unsafe_home("maoi-home-opioid", Severity.danger, "oxycodone", "phenelzine", "14"),
        "oxycodone label (not recommended with or within 14 days of an MAOI)",
    ),
    Row(
        "maoi-home-opioid",
        current("phenelzine", TRAMADOL_50),
        warns_unsafe_home("maoi-home-opioid", Severity.danger, "tramadol", "contraindicates"),
        "Ultram label (contraindicated with MAOIs)",
    ),
    Row(
        "serotonergic-home-opioid",
        current("sertraline", TRAMADOL_50),
        warns_unsafe_home(
            "serotonergic-home-opioid", Severity.caution, "tramadol", "sertraline", "serotonin"
        ),
        "Ultram label (serotonin syndrome; seizure risk with SSRIs)",
    ),
    Row(
        "benzodiazepine-home-opioid",
        current("Xanax", OXYCODONE_5),
        warns_unsafe_home(
            "benzodiazepine-home-opioid", Severity.danger, "oxycodone", "alprazolam", "boxed"
        ),
        "opioid boxed warning (benzodiazepines); CDC 2022 rec 11",
    ),
    Row(
        "home-opioid-review",
        current("Nardil", OXYCODONE_5),
        warns_unsafe_home("home-opioid-review", Severity.caution, "oxycodone", "MME"),
        "CDC 2022 rec 5 (no abrupt stop) with the MAOI label statement: review, not continue",
    ),
    Row(
        "pregnancy-home-nsaid-20-weeks",
        {**PREGNANT, "pregnancy_weeks": 20, **current(IBUPROFEN_400)},
        warns_unsafe_home(
            "pregnancy-home-nsaid-20-weeks", Severity.caution, "ibuprofen", "20 weeks", stop=True
        ),
        "FDA DSC 15 Oct 2020 (avoid from 20 weeks)",
    ),
    Row(
        "pregnancy-home-nsaid-30-weeks",
        {**PREGNANT, "pregnancy_weeks": 32, **current(IBUPROFEN_400)},
        warns_unsafe_home(
            "pregnancy-home-nsaid-30-weeks", Severity.danger, "ibuprofen", "ductus", "32 weeks"
        ),
        "NSAID labels (avoid from 30 weeks: ductus arteriosus)",
    ),
    Row(
        "anticoagulant-home-nsaid",
        current("warfarin", IBUPROFEN_400),
        warns_unsafe_home(
            "anticoagulant-home-nsaid", Severity.caution, "ibuprofen", "warfarin", "bleeding"
        ),
        "NSAID labels (bleeding with anticoagulants); AGS Beers 2023",
    ),
    Row(
        "anticoagulant-home-nsaid",
        current("Eliquis", NAPROXEN_500),
        warns_unsafe_home("anticoagulant-home-nsaid", Severity.caution, "naproxen", "apixaban"),
        "NSAID labels (bleeding with anticoagulants)",
    ),
    Row(
        "renal-home-nsaid",
        {"crcl_ml_min": 25, **current(NAPROXEN_500)},
        warns_unsafe_home("renal-home-nsaid", Severity.caution, "naproxen", "Beers"),
        "AGS Beers 2023 (avoid NSAIDs at CrCl < 30)",
    ),
    Row(
        "gi-home-nsaid",
        {**GI, **current(NAPROXEN_500)},
        warns_unsafe_home("gi-home-nsaid", Severity.caution, "naproxen", "GI bleeding"),
        "NSAID labels (history of GI bleeding: > 10-fold risk); AGS Beers 2023",
    ),
)
ROWS = ROWS + MEDICINE_ROWS + FRAILTY_ROWS + UNSAFE_HOME_ROWS

_UNSAFE_HOME_IDS = frozenset(r.rule_id for r in UNSAFE_HOME_ROWS)


def unsafe_home_fired(**case: Any) -> set[str]:
    return fired_ids(make_case(**case)) & _UNSAFE_HOME_IDS


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # FDA DSC 2017: breastfeeding true/false; codeine and tramadol only, and only regular.
        ({**BREASTFEEDING, **current(TYLENOL_3)}, {"breastfeeding-home-codeine-tramadol"}),
        ({**FEMALE, **current(TYLENOL_3)}, set()),
        ({**BREASTFEEDING, **current(OXYCODONE_5)}, set()),
        ({**BREASTFEEDING, "tried": [{"drug": "tramadol", "dose_mg": 50}]}, set()),
        # Opioid labels: an MAOI in either list (within 14 days) vs none.
        (current("Nardil", OXYCODONE_5), {"maoi-home-opioid"}),
        (
            {**current(OXYCODONE_5), "tried": [{"drug": "Zyvox", "dose_mg": 600}]},
            {"maoi-home-opioid"},
        ),
        (current("sertraline", OXYCODONE_5), set()),
        (current(OXYCODONE_5), set()),
        # Ultram label: tramadol with an SSRI or a seizure disorder; tramadol alone is not its
        # own interaction, and oxycodone is not serotonergic in this label sense.
        (current("sertraline", TRAMADOL_50), {"serotonergic-home-opioid"}),
        (
            {**current(TRAMADOL_50), "conditions": ["seizure_disorder"]},
            {"serotonergic-home-opioid"},
        ),
        (current(TRAMADOL_50), set()),
        # Boxed warning: a regular benzodiazepine with a home opioid; not one given today (the
        # new-opioid rows cover that), and not buprenorphine or methadone for opioid use
        # disorder (FDA DSC 20 Sep 2017: do not withhold them from patients on benzodiazepines).
        (current("lorazepam", OXYCODONE_5), {"benzodiazepine-home-opioid"}),
        ({**current(OXYCODONE_5), "tried": [{"drug": "diazepam", "dose_mg": 5}]}, set()),
        (current("lorazepam", home("methadone", 80, 1, 100)), set()),
        # FDA DSC 2020: 19/20 and 29/30 weeks with a regular NSAID; 81 mg aspirin is exempt.
        ({**PREGNANT, "pregnancy_weeks": 19, **current(IBUPROFEN_400)}, set()),
        (
            {**PREGNANT, "pregnancy_weeks": 20, **current(IBUPROFEN_400)},
            {"pregnancy-home-nsaid-20-weeks"},
        ),
        (
            {**PREGNANT, "pregnancy_weeks": 29, **current(IBUPROFEN_400)},
            {"pregnancy-home-nsaid-20-weeks"},
        ),
        (
            {**PREGNANT, "pregnancy_weeks": 30, **current(IBUPROFEN_400)},
            {"pregnancy-home-nsaid-30-weeks"},
        ),
        ({**PREGNANT, **current(IBUPROFEN_400)}, {"pregnancy-home-nsaid-20-weeks"}),
        ({**PREGNANT, "pregnancy_weeks": 32, **current(home("aspirin", 81, 1))}, set()),
        (
            {**PREGNANT, "pregnancy_weeks": 32, **current(home("aspirin", 650, 4))},
            {"pregnancy-home-nsaid-30-weeks"},
        ),
        (
            {**PREGNANT, "pregnancy_weeks": 32, "tried": [{"drug": "ibuprofen", "dose_mg": 400}]},
            set(),
        ),
        # NSAID labels: anticoagulant with a regular NSAID vs either alone.
        (current("warfarin", IBUPROFEN_400), {"anticoagulant-home-nsaid"}),
        (
            {**current(IBUPROFEN_400), "conditions": ["anticoagulant_use"]},
            {"anticoagulant-home-nsaid"},
        ),
        (current("warfarin"), set()),
        (current(IBUPROFEN_400), set()),
        ({**current("warfarin"), "tried": [{"drug": "ibuprofen", "dose_mg": 400}]}, set()),
        # Beers 2023 CrCl < 30 (the engine puts exactly 30 in the 15-29 band, conservatively).
        ({"crcl_ml_min": 29, **current(NAPROXEN_500)}, {"renal-home-nsaid"}),
        ({"crcl_ml_min": 30, **current(NAPROXEN_500)}, {"renal-home-nsaid"}),
        ({"crcl_ml_min": 31, **current(NAPROXEN_500)}, set()),
        # NSAID labels / Beers: after GI bleeding or an ulcer, vs neither.
        ({**GI, **current(NAPROXEN_500)}, {"gi-home-nsaid"}),
        ({"conditions": ["peptic_ulcer"], **current(NAPROXEN_500)}, {"gi-home-nsaid"}),
        ({"conditions": ["gi_bleed_history"]}, set()),
        # Issue 20, long QT: a QT-prolonging medicine with the box, vs either alone (methadone
        # boxed warning; hydroxyzine label, contraindicated with a prolonged QT interval).
        ({"conditions": ["qt_prolongation"], **current("hydroxyzine")}, {"qt-home-drug"}),
        ({"conditions": ["qt_prolongation"], **current("sertraline")}, set()),
        (current("hydroxyzine"), set()),
        ({"conditions": ["cardiac_conduction_disease"], **current("hydroxyzine")}, set()),
    ],
)
def test_unsafe_regular_medicine_rows_fire_on_one_side_of_each_boundary(
    case: dict[str, Any], expected: set[str]
) -> None:
    assert unsafe_home_fired(**case) - {"home-opioid-review"} == expected


@pytest.mark.parametrize(
    ("case", "advice"),
    [
        (current(OXYCODONE_5), "home-opioid-continue"),
        (current("sertraline", OXYCODONE_5), "home-opioid-continue"),
        (current("Nardil", OXYCODONE_5), "home-opioid-review"),
        ({**BREASTFEEDING, **current(TYLENOL_3)}, "home-opioid-review"),
        ({**FEMALE, **current(TYLENOL_3)}, "home-opioid-continue"),
        (current("sertraline", TRAMADOL_50), "home-opioid-review"),
        (current("lorazepam", OXYCODONE_5), "home-opioid-review"),
    ],
)
def test_home_opioid_is_continued_only_when_no_row_flags_it(
    case: dict[str, Any], advice: str
) -> None:
    """CDC 2022 rec 5 (continue, do not stop abruptly) holds only when no label above rules the
    home opioid out for this patient; exactly one of the two rows fires."""
    ids = fired_ids(make_case(**case))
    assert advice in ids
    assert len({"home-opioid-continue", "home-opioid-review"} & ids) == 1


def test_moud_is_still_continued_with_a_benzodiazepine_but_reviewed_with_an_maoi() -> None:
    """FDA DSC 20 Sep 2017: buprenorphine or methadone is not withheld from a patient on a
    benzodiazepine (moud-continue stays); Dolophine label: not recommended within 14 days of an
    MAOI (review instead, never 'continue')."""
    methadone = home("methadone", 80, 1, 100)
    with_benzo = build_plan(make_case(**current("lorazepam", methadone)))
    assert "moud-continue" in warning_codes(with_benzo)
    with_maoi = build_plan(make_case(**current("Nardil", methadone)))
    codes = warning_codes(with_maoi)
    assert "moud-continue" not in codes
    assert codes.get("maoi-home-opioid") is Severity.danger
    assert not [w.code for w in with_maoi.warnings if TELLS_TO_CONTINUE.search(w.message)]


def test_a_flagged_long_acting_home_opioid_is_not_continued_unchanged() -> None:
    """CDC 2022 recs 3 and 5: a long-acting home opioid is continued unchanged, unless a label
    row flags it (here OxyContin with phenelzine): then the long-acting warning says review."""
    oxycontin = home("OxyContin", 10, 2)
    plain = {w.code: w.message for w in build_plan(make_case(**current(oxycontin))).warnings}
    assert "continue it unchanged" in plain["home-long-acting"]
    plan = build_plan(make_case(**current("Nardil", oxycontin)))
    flagged = {w.code: w.message for w in plan.warnings}
    assert "do not simply continue" in flagged["home-long-acting"]
    assert not [w.code for w in plan.warnings if TELLS_TO_CONTINUE.search(w.message)]


def _row_id(row: Row) -> str:
    extra = ",".join(f"{k}={v}" for k, v in row.case.items() if k != "tried")
    if "tried" in row.case:
        extra += "," + "+".join(str(t.get("drug")) for t in row.case["tried"])
    return f"{row.rule_id}[{extra}]" if extra else row.rule_id


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_rule_against_its_source(row: Row) -> None:
    """The minimal case fires the rule, and the plan does what the source says."""
    case = make_case(**row.case)
    assert row.rule_id in fired_ids(case)
    row.expect(build_plan(case))


# ---- The table itself ------------------------------------------------------------------------


def full_scan(facts: Facts) -> tuple[str, ...]:
    """Every rule's trigger evaluated, none skipped: what the index must reproduce."""
    return tuple(r.id for r in RULES if r.trigger(facts))


def test_only_rules_that_always_fire_are_indexed_as_always() -> None:
    """A new row must name the facts it reads (else every case evaluates it): rows left under
    Gate.always are the ones that fire for every patient, the plainest case included."""
    case = make_case()
    facts = Facts(case=case, renal=assess_renal(case))
    always = [r for r in RULES if indexed_by(r) == (Gate.always,)]
    assert [r.id for r in always if not r.trigger(facts)] == []


def test_a_when_trigger_is_its_own_index() -> None:
    """A `when(...)` row is indexed by its trigger's keys; a separate `reads=` there would be a
    second, unchecked statement of the same thing."""
    doubled = [r.id for r in RULES if isinstance(r.trigger, When) and r.reads != (Gate.always,)]
    assert doubled == []


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_rule_index_fires_what_a_full_scan_fires(row: Row) -> None:
    """`fired` evaluates only the rules whose `reads` keys are true of the patient; on every
    source-checked case (each rule fires in at least one) it returns exactly the full scan."""
    case = make_case(**row.case)
    facts = Facts(case=case, renal=assess_renal(case))
    assert tuple(r.id for r in fired(facts)) == full_scan(facts)


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_a_source_message_and_known_target(rule) -> None:
    """Each row cites a source and says why; an avoid row names its target for the avoid list."""
    assert rule.source.strip()
    assert rule.message.strip()
    assert rule.target in TARGET_LABELS


def test_every_rule_has_at_least_one_row() -> None:
    """A new rule without a source-checked row here fails."""
    missing = {r.id for r in RULES} - {row.rule_id for row in ROWS}
    assert not missing, f"rules without a test row: {sorted(missing)}"


def test_rows_name_only_existing_rules() -> None:
    unknown = {row.rule_id for row in ROWS} - {r.id for r in RULES}
    assert not unknown


# ---- NSAID interactions and co-sedation: the other side of each boundary ----------------------


def test_two_diuretics_without_an_ace_inhibitor_or_arb_keep_the_nsaid() -> None:
    """Lapi 2013's triple therapy needs an ACE inhibitor or ARB with the diuretic: furosemide
    with spironolactone is the warning's business (naproxen label 7), not the withholding's."""
    case = make_case(**current("furosemide", "spironolactone"))
    assert "nsaid-triple-whammy" not in fired_ids(case)
    naproxen_kept_with("nsaid-kidney-risk-warn", "potassium")(build_plan(case))


def test_an_ace_inhibitor_or_arb_alone_is_not_the_triple_combination() -> None:
    for drug in ("lisinopril", "ramipril", "losartan", "valsartan"):
        ids = fired_ids(make_case(**current(drug)))
        assert "nsaid-kidney-risk-warn" in ids, drug
        assert "nsaid-triple-whammy" not in ids, drug


def test_a_diuretic_given_this_episode_completes_the_triple_combination() -> None:
    """Both lists count (a drug given today is on board): IV furosemide today with a regular
    ACE inhibitor is the same kidney risk (Lapi 2013; ramipril label: on diuretic therapy)."""
    case = make_case(
        current_medications=[{"drug": "enalapril"}],
        tried=[{"drug": "furosemide", "route": "iv", "dose": 40}],
    )
    no_nsaid_acetaminophen_instead("diuretic")(build_plan(case))


def test_no_interaction_rule_fires_without_the_medicine() -> None:
    """The plainest case keeps naproxen at the label dose with none of these warnings."""
    case = make_case()
    ids = fired_ids(case)
    new = {"nsaid-triple-whammy", "nsaid-kidney-risk-warn", "nsaid-lithium", "nsaid-methotrexate"}
    assert not ids & new
    assert "cns-depressant-opioid" not in ids
    (naproxen,) = orders(build_plan(case), "naproxen", "discharge")
    assert (naproxen.dose_mg, naproxen.every_hours) == (500, 12)


def test_lithium_and_methotrexate_rules_are_each_their_own_drug() -> None:
    """Both carry the raises-level trait; lithium withholds the NSAID, methotrexate warns."""
    lithium = fired_ids(make_case(**current("lithium")))
    methotrexate = fired_ids(make_case(**current("methotrexate")))
    assert "nsaid-lithium" in lithium
    assert "nsaid-methotrexate" not in lithium
    assert "nsaid-methotrexate" in methotrexate
    assert "nsaid-lithium" not in methotrexate


def test_a_home_opioid_alone_is_not_a_co_sedating_medicine() -> None:
    """A regular opioid has its own rules (home regimen, MME, tolerance): it does not fire the
    co-sedation row, whose names would then include the opioid itself."""
    case = make_case(**current({"drug": "oxycodone", "dose": 5, "doses_per_day": 4}))
    assert "cns-depressant-opioid" not in fired_ids(case)


def test_a_regular_benzodiazepine_keeps_cdc_rec_11_and_not_the_co_sedation_row() -> None:
    """CDC 2022 rec 11 rules a benzodiazepine: reduced dose, no take-home opioid, naloxone for
    'takes a benzodiazepine'; the new row stays out (no second warning for the same drug)."""
    case = make_case(**current("diazepam"), take_home_opioid=True)
    ids = fired_ids(case)
    assert {"benzodiazepine-opioid", "no-take-home-opioid-sedation"} <= ids
    assert "cns-depressant-opioid" not in ids
    plan = build_plan(case)
    no_take_home_opioid(plan)
    assert plan.naloxone_reasons == ("takes a benzodiazepine",)


def test_pregabalin_given_only_this_episode_does_not_fire_the_regular_medicine_row() -> None:
    """The row reads regular medicines (what keeps sedating at home with the opioid)."""
    case = make_case(tried=[{"drug": "pregabalin", "dose": 75}], take_home_opioid=True)
    assert "cns-depressant-opioid" not in fired_ids(case)


def test_a_sedating_medicine_without_any_opioid_adds_no_warning_and_no_naloxone() -> None:
    """Pain 5/10 (below severe): no opioid is offered, so there is nothing to co-sedate with."""
    case = make_case(**current("pregabalin"), pain_score=5)
    assert "cns-depressant-opioid" in fired_ids(case)
    plan = build_plan(case)
    assert not in_class(plan, OPIOIDS)
    assert "cns-depressant-opioid" not in warning_codes(plan)
    assert not plan.naloxone


def test_a_sedating_medicine_with_a_home_opioid_means_naloxone() -> None:
    """FDA DSC 23 Jul 2020: an opioid patient also on another CNS depressant. Oxycodone 5 mg
    four times a day is 20 mg/day = 30 MME (factor 1.5), below 50 and not tolerance (30 mg/day
    for a week), so the co-sedation is the only naloxone reason."""
    case = make_case(
        current_medications=[
            {"drug": "oxycodone", "dose": 5, "doses_per_day": 4, "weeks": 0.5},
            {"drug": "pregabalin"},
        ],
        pain_score=5,
    )
    plan = build_plan(case)
    assert plan.home_mme_per_day == pytest.approx(30)
    assert plan.naloxone_reasons == ("takes pregabalin (a CNS depressant) with an opioid",)
    assert orders(plan, "naloxone nasal spray", "discharge")


def test_a_sedating_medicine_keeps_one_new_sedating_drug_at_a_time() -> None:
    """Regular quetiapine with a chosen opioid course and radicular pain: the reduced opioid
    course is the one new sedating drug, and gabapentin waits (FDA 2019; NICE CG173)."""
    case = make_case(**current("quetiapine"), take_home_opioid=True, radicular=True)
    plan = build_plan(case)
    co_sedated("quetiapine")(plan)
    assert not orders(plan, "gabapentin")
    assert "one-sedative-at-a-time" in warning_codes(plan)


# ---- Rules that act between orders ----------------------------------------------------------


def test_tramadol_never_with_amitriptyline() -> None:
    """Tramadol label: with a TCA it lowers the seizure threshold and risks serotonin syndrome
    [§3.3, §10 row 5]: the plan picks one and the avoid list says why."""
    plan = build_plan(make_case(**TCA_CASE))
    assert orders(plan, "amitriptyline", "discharge")
    assert not orders(plan, "tramadol")
    reason = avoid_entry(plan, "tramadol")
    assert "amitriptyline" in reason
    assert "seizure" in reason
    assert "serotonin" in reason


def test_chronic_pain_gets_duloxetine_and_no_opioid_at_all() -> None:
    """Pain > 12 weeks: duloxetine (ACP 2017 second line) and no new opioid, tramadol included
    (NICE NG59; CDC 2022 rec 2; WHO 2023), so tramadol never meets duloxetine."""
    plan = build_plan(make_case(**CHRONIC))
    assert orders(plan, "duloxetine", "discharge")
    assert not in_class(plan, OPIOIDS)
    assert "more than 12" in avoid_entry(plan, "Opioids (give now")


def test_gabapentin_normal_band_is_label_maximum_with_1800_target() -> None:
    """Neurontin Table 1: CrCl >= 60 -> up to 3600 mg/day TID; no added benefit above 1800."""
    plan = build_plan(make_case(radicular=True))
    gabapentin_band(3600, 3, target=1800)(plan)


# ---- MME thresholds ----------------------------------------------------------------------------


def test_mme_threshold_constants() -> None:
    """CDC 2022: >= 50 MME/day pause and offer naloxone; CDC 2016: >= 90 avoid or justify."""
    assert MME_CAUTION == 50
    assert MME_DANGER == 90


def _mme_codes(mme: float | None) -> dict[str, Severity]:
    case = make_case()
    draft = _Draft(facts=Facts(case=case, renal=assess_renal(case)), mask=0)
    _mme_warnings(draft, mme)
    return {code: w.severity for code, w in draft.warnings.items()}


@pytest.mark.parametrize(
    ("mme", "expected"),
    [
        (None, {}),
        (daily_mme("oxycodone", 5, 4), {}),  # 5 mg q6h = 30 MME (§3.2 worked example)
        (49.9, {}),
        (50, {"mme-50": Severity.caution}),
        (daily_mme("hydromorphone", 2, 6), {"mme-50": Severity.caution}),  # 60 MME (§3.2)
        (89.9, {"mme-50": Severity.caution}),
        (daily_mme("oxycodone", 10, 6), {"mme-90": Severity.danger}),  # 10 mg q4h = 90 (§3.2)
        (150, {"mme-90": Severity.danger}),
    ],
)
def test_mme_warnings_at_50_and_90(mme, expected) -> None:
    assert _mme_codes(mme) == expected


# ---- Frailty and low weight: acetaminophen ceilings, opioid and gabapentin starts -----------
# Hand-computed from the sources: Reid et al., Br J Clin Pharmacol 2022 (PMID 35535712), citing
# Australian consensus guidance (frail <= 3000 mg/day; 65+ and under 50 kg <= 60 mg/kg/day); the
# Ofirmev label (under 50 kg: 75 mg/kg/day); hepatology guidance (cirrhosis <= 2000 mg/day). The
# engine rounds a ceiling down to a measurable amount (25 mg steps), never up.


def _take_home_acetaminophen(plan: TreatmentPlan) -> Order:
    (order,) = [o for o in orders(plan, "acetaminophen", "discharge") if o.every_hours]
    return order


@pytest.mark.parametrize(("frail", "fires"), [(False, False), (True, True)])
def test_frailty_caps_acetaminophen_at_3_g_and_says_so(frail: bool, fires: bool) -> None:
    case = make_case(frail=frail, **GI)
    assert ("frail-acetaminophen" in fired_ids(case)) is fires
    plan = build_plan(case)
    order = _take_home_acetaminophen(plan)
    assert order.max_daily_mg is not None
    assert order.max_daily_mg <= 3000
    assert ("Frail" in order.note) is fires
    assert ("frail-acetaminophen" in warning_codes(plan)) is fires


@pytest.mark.parametrize(
    ("overrides", "ceiling_mg"),
    [
        ({"frail": True}, 3000),  # frail alone: 3 g
        ({"frail": True, "weight_kg": 38}, 75 * 38),  # label 75 mg/kg (2850) beats 3 g
        ({"frail": True, "weight_kg": 45, "age_years": 70}, 60 * 45),  # 60 mg/kg (2700) wins
        ({"frail": True, "weight_kg": 45, "conditions": ["gi_bleed_history", "cirrhosis"]}, 2000),
        ({"weight_kg": 49, "age_years": 65}, 60 * 49),  # 2940, measurable 2925
    ],
    ids=["frail", "frail-38kg", "frail-45kg-70y", "frail-45kg-cirrhosis", "49kg-65y"],
)
def test_strictest_acetaminophen_ceiling_wins(overrides: dict[str, Any], ceiling_mg: float) -> None:
    """Weight (75 mg/kg), older and light (60 mg/kg), frail (3 g) and liver (2 g) ceilings can
    all fire at once: the order carries the lowest of them."""
    order = _take_home_acetaminophen(build_plan(make_case(**{**GI, **overrides})))
    assert order.max_daily_mg is not None
    assert ceiling_mg - 25 < order.max_daily_mg <= ceiling_mg, (order.sig, ceiling_mg)


@pytest.mark.parametrize(
    ("age", "kg", "fires"),
    [(65, 49, True), (65, 50, False), (64, 49, False), (64, 50, False)],
)
def test_60_mg_per_kg_needs_both_65_and_under_50_kg(age: int, kg: float, fires: bool) -> None:
    case = make_case(age_years=age, weight_kg=kg, **GI)
    assert ("older-low-weight-acetaminophen" in fired_ids(case)) is fires
    order = _take_home_acetaminophen(build_plan(case))
    assert order.max_daily_mg is not None
    assert ("60 mg/kg" in order.note) is fires
    if fires:
        assert order.max_daily_mg <= 60 * kg
    elif kg < 50:
        # Age 64: only the label's 75 mg/kg applies, so the ceiling stays above 60 mg/kg.
        assert 60 * kg < order.max_daily_mg <= 75 * kg


@pytest.mark.parametrize("frail", [False, True])
def test_frailty_reduces_the_opioid_start(frail: bool) -> None:
    """Oxycodone and hydromorphone labels: respiratory depression is more likely in cachectic or
    debilitated patients. Standard ED starts are oxycodone up to 10 mg PO and hydromorphone up to
    1 mg IV; the reduced starts are at most 5 mg and 0.5 mg (as for age 65+)."""
    plan = build_plan(make_case(frail=frail))
    oxy = max(o.dose_mg for o in orders(plan, "oxycodone", "give_now"))
    hm = max(o.dose_mg for o in orders(plan, "hydromorphone", "give_now"))
    if frail:
        assert oxy <= 5
        assert hm <= 0.5
        assert "frail-opioid" in warning_codes(plan)
    else:
        assert oxy > 5
        assert hm > 0.5
        assert "frail-opioid" not in warning_codes(plan)


@pytest.mark.parametrize(("frail", "start_mg"), [(False, 300), (True, 100)])
def test_frailty_starts_gabapentin_at_100_mg(frail: bool, start_mg: float) -> None:
    """Northern Ireland Formulary: start 300 mg at night, or 100 mg if frail (FDA DSC 2019)."""
    gaba = build_plan(make_case(frail=frail, radicular=True)).gabapentin
    assert gaba is not None
    assert gaba.start_mg == start_mg
    assert gaba.steps[0].total_daily_mg == start_mg
