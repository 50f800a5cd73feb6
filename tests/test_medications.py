"""Medicine facts (logic.engine.medications): every medicine entered feeds the same facts as the
boxes.

Expectations are written from the sources named in each test (opioid labels' tolerance
definition, CDC 2022 MME table and recs 8 and 12, KDIGO 2012, Mosteller 1987, the ketorolac,
tramadol and Beers 2023 criteria), not read back from the engine.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from logic import PatientCase, TreatmentPlan, build_plan
from logic.engine.medications import medicine_facts
from logic.engine.regimens import REGIMENS
from logic.engine.renal import assess_renal
from logic.engine.rules import (
    Facts,
    breastfeeding_home_opioids,
    regular_nsaids,
    unsafe_home_opioids,
)
from logic.models import Order, Route

BASE: dict[str, Any] = {
    "age_years": 40,
    "sex": "male",
    "weight_kg": 80,
    "crcl_ml_min": 90,
    "pain_score": 8,
}
CHRONIC = {"pain_duration_weeks": 20}  # the adjuvant would be duloxetine (ACP 2017)


def case(**overrides: Any) -> PatientCase:
    return PatientCase(**{**BASE, **overrides})


def decisions(plan: TreatmentPlan) -> tuple[object, ...]:
    """What the clinician acts on: the orders, what is withheld, and naloxone."""
    return (
        tuple(o.sig for o in plan.give_now),
        tuple(o.sig for o in plan.discharge),
        tuple(sorted(a.drug for a in plan.avoid)),
        plan.naloxone,
        plan.gabapentin,
    )


# ---- The boxes and the medicines feed the same facts ------------------------------------------

#: (condition box, the medicine it stands for, extra case fields where the box matters).
BOX_AND_MEDICINE = [
    ("serotonergic_drug_use", {"drug": "sertraline"}, CHRONIC),  # tramadol and SNRI labels
    ("serotonergic_drug_use", {"drug": "Cymbalta", "dose": 60, "doses_per_day": 1}, {}),
    ("benzodiazepine_use", {"drug": "lorazepam"}, {}),  # CDC 2022 rec 11
    ("benzodiazepine_use", {"drug": "Ativan"}, {"age_years": 70}),  # Beers 2023
    ("anticoagulant_use", {"drug": "Eliquis"}, {}),  # NSAID labels (bleeding)
    ("antiplatelet_use", {"drug": "clopidogrel"}, {}),  # ketorolac label; Beers 2023
    ("opioid_tolerant", {"drug": "Duragesic", "dose": 25, "weeks": 2}, {}),  # opioid labels
    # Sublingual buprenorphine is indicated only for opioid dependence (Suboxone, Subutex labels).
    ("opioid_use_disorder", {"drug": "Suboxone", "dose": 16, "doses_per_day": 1}, {}),
    ("opioid_use_disorder", {"drug": "buprenorphine", "dose": 8}, {"radicular": True}),
]


@pytest.mark.parametrize(("box", "medicine", "extra"), BOX_AND_MEDICINE)
def test_a_box_and_its_medicine_give_the_same_plan(box: str, medicine: dict, extra: dict) -> None:
    """The ticked box alone and the medicine alone lead to the same orders, the same withheld
    drugs and the same naloxone decision (the medicine may add its own warnings and MME)."""
    by_box = build_plan(case(conditions=[box], **extra))
    by_medicine = build_plan(case(current_medications=[medicine], **extra))
    assert decisions(by_box) == decisions(by_medicine)


@pytest.mark.parametrize(("box", "medicine", "extra"), BOX_AND_MEDICINE)
def test_ticking_the_box_as_well_changes_nothing(box: str, medicine: dict, extra: dict) -> None:
    """The medicine already implies the box: adding the box gives an identical plan."""
    with_medicine = case(current_medications=[medicine], **extra)
    both = case(current_medications=[medicine], conditions=[box], **extra)
    assert build_plan(with_medicine) == build_plan(both)


def test_iv_drug_use_is_a_substance_use_disorder() -> None:
    """CDC 2022 recs 8 and 12: intravenous drug use is a substance use disorder: no opioid
    prescription without addiction-medicine input, and naloxone."""
    flag = build_plan(case(red_flags=["iv_drug_use"]))
    assert flag == build_plan(
        case(red_flags=["iv_drug_use"], conditions=["substance_use_disorder"])
    )
    assert not [o for o in (*flag.give_now, *flag.discharge) if o.is_opioid]
    assert flag.naloxone
    assert any("intravenous" in r for r in flag.naloxone_reasons)


@pytest.mark.parametrize(
    ("medicine", "use_disorder"),
    [
        # Suboxone, Subutex and Sublocade labels: indicated for opioid dependence only.
        ({"drug": "Suboxone", "dose": 16, "doses_per_day": 1}, True),
        ({"drug": "buprenorphine", "dose": 8, "doses_per_day": 2}, True),
        # Dolophine label: methadone is indicated for pain as well as for opioid addiction.
        ({"drug": "methadone", "dose": 10, "doses_per_day": 3}, False),
        # Butrans (mcg/h patch) and Belbuca (buccal film in mcg) are pain products.
        ({"drug": "Butrans", "dose": 10, "weeks": 4}, False),
        ({"drug": "Belbuca", "dose": 300, "doses_per_day": 2}, False),
    ],
)
def test_buprenorphine_for_opioid_dependence_means_an_opioid_use_disorder(
    medicine: dict, use_disorder: bool
) -> None:
    """Only the opioid-dependence forms of buprenorphine imply the disorder (and its rules:
    no muscle relaxant, gabapentin misuse warning); a pain product or methadone does not."""
    c = case(current_medications=[medicine])
    facts = Facts(case=c, renal=assess_renal(c))
    assert facts.has("opioid_use_disorder") is use_disorder  # type: ignore[arg-type]
    plan = build_plan(c)
    relaxant_withheld = any(
        "misused" in a.reason for a in plan.avoid if "muscle relaxant" in a.drug.lower()
    )
    assert relaxant_withheld is use_disorder
    if use_disorder:  # the reason is said once, by the medicine, not twice
        assert "opioid use disorder" not in plan.naloxone_reasons


def test_belbuca_is_dosed_in_micrograms_when_no_unit_is_given() -> None:
    """Belbuca label: buccal film 75-900 mcg. Without a unit, "Belbuca 300" is 300 mcg (a pain
    product), never 300 mg; plain buprenorphine keeps the catalogue's mg."""
    from logic.models import CurrentMedication, DoseUnit

    assert CurrentMedication(drug="Belbuca", dose=300).unit is DoseUnit.mcg
    assert CurrentMedication(drug="Belbuca", dose=0.3, unit="mg").unit is DoseUnit.mg
    assert CurrentMedication(drug="buprenorphine", dose=8).unit is DoseUnit.mg


def test_a_benzodiazepine_given_this_episode_counts_like_a_regular_one() -> None:
    """CDC 2022 rec 11: a benzodiazepine on board, from either list."""
    tried = build_plan(case(tried=[{"drug": "diazepam", "dose_mg": 5}]))
    regular = build_plan(case(current_medications=[{"drug": "diazepam"}]))
    assert decisions(tried)[:2] == decisions(regular)[:2]
    assert "takes a benzodiazepine" in tried.naloxone_reasons


# ---- Opioid tolerance: the labels' definition --------------------------------------------------


@pytest.mark.parametrize(
    ("medicine", "tolerant"),
    [
        # OxyContin/Dilaudid-HP labels: 30 mg oral oxycodone a day for a week or longer.
        ({"drug": "oxycodone", "dose": 15, "doses_per_day": 2, "weeks": 1}, True),
        ({"drug": "oxycodone", "dose": 14.5, "doses_per_day": 2, "weeks": 1}, False),
        ({"drug": "oxycodone", "dose": 15, "doses_per_day": 2, "weeks": 0.9}, False),
        ({"drug": "oxycodone", "dose": 15, "doses_per_day": 2}, False),  # duration unknown
        # 25 mcg/h transdermal fentanyl.
        ({"drug": "fentanyl patch", "dose": 25, "weeks": 1}, True),
        ({"drug": "fentanyl patch", "dose": 12, "weeks": 8}, False),
        # 60 mg oral morphine a day; 8 mg oral hydromorphone a day.
        ({"drug": "MS Contin", "dose": 30, "doses_per_day": 2, "weeks": 4}, True),
        ({"drug": "morphine", "dose": 29, "doses_per_day": 2, "weeks": 4}, False),
        ({"drug": "hydromorphone", "dose": 2, "doses_per_day": 4, "weeks": 2}, True),
        ({"drug": "hydromorphone", "dose": 2, "doses_per_day": 3, "weeks": 2}, False),
        # "an equianalgesic dose of another opioid": tapentadol 150 mg/day = 60 MME (0.4).
        ({"drug": "tapentadol", "dose": 50, "doses_per_day": 3, "weeks": 2}, True),
        ({"drug": "tapentadol", "dose": 50, "doses_per_day": 2, "weeks": 2}, False),
    ],
)
def test_opioid_tolerance_follows_the_label_definition(medicine: dict, tolerant: bool) -> None:
    c = case(current_medications=[medicine])
    assert medicine_facts(c).opioid_tolerant is tolerant
    facts = Facts(case=c, renal=assess_renal(c))
    assert facts.has("opioid_tolerant") is tolerant  # type: ignore[arg-type]


def test_two_opioids_add_up_to_tolerance() -> None:
    """Oxycodone 15 mg/day (half of 30) + morphine 30 mg/day (half of 60) for 2 weeks."""
    c = case(
        current_medications=[
            {"drug": "oxycodone", "dose": 7.5, "doses_per_day": 2, "weeks": 2},
            {"drug": "morphine", "dose": 15, "doses_per_day": 2, "weeks": 2},
        ]
    )
    assert medicine_facts(c).opioid_tolerant


# ---- MME: home opioids plus the plan (CDC 2022) -------------------------------------------------


@pytest.mark.parametrize(
    ("medicine", "mme"),
    [
        ({"drug": "Duragesic", "dose": 25}, 25 * 2.4),  # CDC 2022: 2.4 per mcg/h
        ({"drug": "methadone", "dose": 10, "doses_per_day": 3}, 30 * 4.7),  # 4.7
        ({"drug": "OxyContin", "dose": 20, "doses_per_day": 2}, 40 * 1.5),  # 1.5
        ({"drug": "Norco", "dose": 10, "doses_per_day": 4}, 40 * 1.0),  # hydrocodone 1.0
        ({"drug": "codeine", "dose": 30, "doses_per_day": 4}, 120 * 0.15),  # 0.15
        ({"drug": "tramadol", "dose": 50, "doses_per_day": 4}, 200 * 0.2),  # 0.2
    ],
)
def test_home_opioid_mme_uses_the_cdc_2022_factors(medicine: dict, mme: float) -> None:
    assert medicine_facts(case(current_medications=[medicine])).home_mme == pytest.approx(mme)


def test_buprenorphine_is_not_counted_in_mme() -> None:
    """CDC 2022 table footnote: buprenorphine is excluded (partial agonist, ceiling effect)."""
    facts = medicine_facts(case(current_medications=[{"drug": "Butrans", "dose": 10, "weeks": 10}]))
    assert facts.home_mme is None
    assert not facts.home_opioid_uncounted
    assert facts.moud == ()  # the patch is a pain product, not MOUD


@pytest.mark.parametrize(("morphine_mg_day", "naloxone"), [(19, False), (20, True)])
def test_naloxone_when_the_total_mme_reaches_50(morphine_mg_day: float, naloxone: bool) -> None:
    """CDC 2022 rec 8: offer naloxone at >= 50 MME/day in total: home morphine (factor 1) plus
    the take-home oxycodone 5 mg every 6 h, max 20 mg/day = 30 MME (CDC 2022 worked example)."""
    plan = build_plan(
        case(
            current_medications=[{"drug": "morphine", "dose": morphine_mg_day, "doses_per_day": 1}],
            take_home_opioid=True,  # chosen after a shared decision (issue 11: never a default)
        )
    )
    take_home = [o for o in plan.discharge if o.is_opioid]
    assert [(o.generic, o.dose_mg, o.max_daily_mg) for o in take_home] == [("oxycodone", 5, 20)]
    assert plan.mme_per_day == pytest.approx(morphine_mg_day + 30)
    assert plan.naloxone is naloxone


def test_a_home_opioid_without_a_dose_is_named_and_gets_naloxone() -> None:
    plan = build_plan(case(current_medications=[{"drug": "oxycodone"}]))
    assert any(w.code == "home-mme-oxycodone" for w in plan.warnings)
    assert plan.naloxone


@pytest.mark.parametrize(("prior_overdose", "naloxone"), [(False, False), (True, True)])
def test_prior_overdose_means_naloxone_even_without_an_opioid(
    prior_overdose: bool, naloxone: bool
) -> None:
    """CDC 2022 rec 8: a history of overdose is a reason to offer naloxone."""
    plan = build_plan(case(pain_score=3, prior_overdose=prior_overdose))
    assert not [o for o in (*plan.give_now, *plan.discharge) if o.is_opioid]
    assert plan.naloxone is naloxone


#: Home oxycodone 10 mg six times a day: 60 mg/day x 1.5 (CDC 2022 factor) = 90 MME/day, over the
#: CDC 2022 rec 8 threshold of 50.
HOME_OXYCODONE_90_MME = {"drug": "oxycodone", "dose": 10, "doses_per_day": 6, "weeks": 1}


@pytest.mark.parametrize("has_naloxone", [False, True])
def test_naloxone_at_home_is_not_ordered_again_but_checked(has_naloxone: bool) -> None:
    """CDC 2022 rec 8: at >= 50 MME/day naloxone is indicated. A patient who already has it gets
    no second order but a reminder to check it is in date and the household can use it; without
    it, the naloxone order is in the discharge plan."""
    home = [HOME_OXYCODONE_90_MME] + ([{"drug": "Narcan"}] if has_naloxone else [])
    plan = build_plan(case(current_medications=home))
    assert plan.mme_per_day == pytest.approx(10 * 6 * 1.5)
    assert plan.naloxone  # indicated either way, and the reasons still say why
    assert any("50 or more" in r for r in plan.naloxone_reasons)
    ordered = [o for o in (*plan.give_now, *plan.discharge) if o.generic == "naloxone"]
    assert len(ordered) == (0 if has_naloxone else 1)
    assert plan.naloxone_at_home is has_naloxone
    safety = " ".join(p.text for p in plan.safety)
    if has_naloxone:
        assert "already has naloxone" in safety
        assert "in date" in safety
        assert "how to use it" in safety
        assert "Prescribe naloxone" not in safety
    else:
        assert "Prescribe naloxone" in safety
        assert "already has naloxone" not in safety


def test_naloxone_at_home_without_an_indication_changes_nothing() -> None:
    """Naloxone in the list but no rec 8 trigger: nothing to order and nothing to remind."""
    plan = build_plan(case(pain_score=3, current_medications=[{"drug": "naloxone"}]))
    assert not plan.naloxone
    assert not plan.naloxone_at_home
    assert not any("naloxone" in p.text.lower() for p in plan.safety)


# ---- eGFR is not CrCl ---------------------------------------------------------------------------


def test_egfr_used_only_without_crcl_or_creatinine_and_de_indexed() -> None:
    """KDIGO 2012: for drug dosing de-index eGFR to the patient's BSA (Mosteller 1987)."""
    c = case(crcl_ml_min=None, egfr_ml_min_1_73m2=40, height_cm=160, weight_kg=50)
    renal = assess_renal(c)
    bsa = math.sqrt(160 * 50 / 3600)
    assert renal.crcl_ml_min == pytest.approx(40 * bsa / 1.73)  # 34.5 mL/min
    assert renal.band == "30–59"
    assert renal.method.startswith("eGFR")
    assert "not a creatinine clearance" in renal.note
    assert any(w.code == "renal-egfr" for w in build_plan(c).warnings)


@pytest.mark.parametrize(("egfr", "band"), [(31, "30–59"), (30, "15–29")])  # label: >30-59
def test_egfr_without_height_is_used_as_is(egfr: float, band: str) -> None:
    renal = assess_renal(case(crcl_ml_min=None, egfr_ml_min_1_73m2=egfr))
    assert renal.crcl_ml_min == egfr
    assert renal.band == band
    assert "no height" in renal.note


def test_creatinine_wins_over_egfr_and_the_plan_says_so() -> None:
    renal = assess_renal(case(crcl_ml_min=None, serum_creatinine_mg_dl=1.0, egfr_ml_min_1_73m2=20))
    assert renal.method.startswith("Cockcroft-Gault")
    assert "was not used" in renal.note


# ---- Bad input: a clear message naming the field, no plan ---------------------------------------


@pytest.mark.parametrize(
    ("overrides", "loc", "words"),
    [
        (
            {"current_medications": [{"drug": "Duragesic", "dose": 2, "unit": "mg"}]},
            ("current_medications", 0, "unit"),
            "mcg/h",
        ),
        (
            {
                "current_medications": [
                    {"drug": "fentanyl", "dose": 1, "unit": "mg", "route": "transdermal"}
                ]
            },
            ("current_medications", 0, "unit"),
            "mcg/h",
        ),
        # Fentanyl is dosed in mcg (Sublimaze injection; Actiq, Fentora transmucosal) or mcg/h
        # (Duragesic patch), never in mg: a dose in mg is an input error.
        (
            {
                "current_medications": [
                    {"drug": "fentanyl", "dose": 100, "unit": "mg", "doses_per_day": 1}
                ]
            },
            ("current_medications", 0, "unit"),
            "fentanyl is dosed in mcg (mcg/h for a patch), not mg",
        ),
        (
            {"tried": [{"drug": "fentanyl", "dose": 100, "unit": "mg"}]},
            ("tried", 0, "unit"),
            "fentanyl is dosed in mcg (mcg/h for a patch), not mg",
        ),
        (
            {"tried": [{"drug": "Sublimaze", "dose_mg": 100}]},
            ("tried", 0, "dose_mg"),
            "fentanyl is dosed in mcg (mcg/h for a patch), never in mg",
        ),
        (
            {"current_medications": [{"drug": "ketorolac", "dose": 10, "unit": "mcg/h"}]},
            ("current_medications", 0, "unit"),
            "patch",
        ),
        (
            {"tried": [{"drug": "ketorolac", "dose": 5000, "unit": "mcg"}]},
            ("tried", 0, "unit"),
            "mg",
        ),
        (
            {"current_medications": [{"drug": "oxycodone", "dose": 10, "formulation": "patch"}]},
            ("current_medications", 0, "formulation"),
            "patch",
        ),
        (
            {"current_medications": [{"drug": "Butrans", "dose": 10, "doses_per_day": 2}]},
            ("current_medications", 0, "doses_per_day"),
            "worn continuously",
        ),
        ({"allergic_to": ["zzz"]}, ("allergic_to",), "not a medicine"),
        ({"pregnancy_weeks": 20}, (), "'Pregnant' is not ticked"),
        ({"egfr_ml_min_1_73m2": -1}, ("egfr_ml_min_1_73m2",), "greater than or equal"),
    ],
)
def test_bad_medicine_input_is_rejected_naming_the_field(
    overrides: dict, loc: tuple, words: str
) -> None:
    with pytest.raises(ValidationError) as error:
        case(**overrides)
    (first,) = error.value.errors()
    assert tuple(first["loc"]) == loc
    assert words in first["msg"]


def test_fentanyl_in_mcg_and_buprenorphine_in_mg_are_accepted() -> None:
    """The other side of the fentanyl-in-mg error: mcg (Sublimaze, Fentora labels) and mcg/h
    (Duragesic) build a plan; buprenorphine keeps mg (Suboxone sublingual, 2-24 mg a day)."""
    c = case(
        current_medications=[
            {"drug": "fentanyl", "dose": 100, "unit": "mcg", "doses_per_day": 1},
            {"drug": "Suboxone", "dose": 8, "unit": "mg", "doses_per_day": 1},
        ],
        tried=[{"drug": "fentanyl", "dose": 50, "route": "iv"}],
    )
    fentanyl, suboxone = c.current_medications
    assert (fentanyl.unit, fentanyl.dose_mg) == ("mcg", 0.1)
    assert (suboxone.drug, suboxone.unit) == ("buprenorphine", "mg")
    assert (c.tried[0].unit, c.tried[0].dose_mg) == ("mcg", 0.05)
    assert build_plan(c).triage is not None


def test_brand_names_imply_the_formulation_and_unit() -> None:
    """OxyContin is extended release, Duragesic a patch in mcg/h (their labels)."""
    c = case(
        current_medications=[
            {"drug": "OXYCONTIN", "dose": 20, "doses_per_day": 2},
            {"drug": "duragesic", "dose": 50},
        ]
    )
    oxy, patch = c.current_medications
    assert (oxy.drug, oxy.formulation, oxy.unit) == ("oxycodone", "er", "mg")
    assert (patch.drug, patch.formulation, patch.unit) == ("fentanyl", "patch", "mcg/h")


def test_legacy_dose_mg_still_reads_as_mg() -> None:
    c = case(tried=[{"drug": "Toradol", "dose_mg": 30, "route": "iv"}])
    (item,) = c.tried
    assert (item.dose, item.unit, item.dose_mg) == (30, "mg", 30)
    assert PatientCase.model_validate_json(c.model_dump_json()) == c


# ---- What was given this episode, reviewed for harm ----------------------------------------------


def review(c: PatientCase, drug: str) -> Any:
    return next(r for r in build_plan(c).tried_review if r.drug == drug)


@pytest.mark.parametrize(
    ("overrides", "drug", "watch"),
    [
        # Ketorolac label: contraindicated after GI bleeding, and in advanced renal impairment.
        (
            {
                "conditions": ["gi_bleed_history"],
                "tried": [{"drug": "ketorolac", "dose_mg": 30, "doses_given": 8}],
            },
            "ketorolac",
            "bleeding",
        ),
        (
            {"crcl_ml_min": 20, "tried": [{"drug": "ketorolac", "dose_mg": 15}]},
            "ketorolac",
            "kidney",
        ),
        # Ketorolac label: 5 days at most (20 doses 6-hourly).
        (
            {"tried": [{"drug": "ketorolac", "dose_mg": 10, "doses_given": 21}]},
            "ketorolac",
            "kidney",
        ),
        # Ketorolac label: 15 mg IV a dose at 65+.
        (
            {
                "age_years": 70,
                "crcl_ml_min": 70,
                "tried": [{"drug": "ketorolac", "dose_mg": 30, "route": "iv"}],
            },
            "ketorolac",
            "kidney",
        ),
        # Tramadol label: serotonin syndrome with SSRIs.
        (
            {
                "current_medications": [{"drug": "Zoloft"}],
                "tried": [{"drug": "tramadol", "dose_mg": 50}],
            },
            "tramadol",
            "serotonin",
        ),
        # AGS Beers 2023: no benzodiazepine at 65+.
        ({"age_years": 80, "tried": [{"drug": "Valium", "dose_mg": 5}]}, "diazepam", "sedation"),
    ],
)
def test_a_contraindicated_dose_given_says_harm_may_be_done(
    overrides: dict, drug: str, watch: str
) -> None:
    r = review(case(**overrides), drug)
    assert r.verdict == "unsafe for this patient"
    assert r.reason.startswith("Harm may already have been done")
    assert any(watch in m for m in r.monitor), r.monitor


@pytest.mark.parametrize(
    ("overrides", "drug"),
    [
        ({"age_years": 64, "tried": [{"drug": "Valium", "dose_mg": 5}]}, "diazepam"),
        ({"tried": [{"drug": "ketorolac", "dose_mg": 10, "doses_given": 20}]}, "ketorolac"),
        (
            {"age_years": 70, "crcl_ml_min": 70, "tried": [{"drug": "ketorolac", "dose_mg": 15}]},
            "ketorolac",
        ),
        ({"tried": [{"drug": "tramadol", "dose_mg": 50}]}, "tramadol"),
    ],
)
def test_the_other_side_of_each_harm_boundary_is_not_called_harm(
    overrides: dict, drug: str
) -> None:
    r = review(case(**overrides), drug)
    assert not r.reason.startswith("Harm may already have been done")
    assert r.monitor == ()


# ---- Orders know their drug -------------------------------------------------------------------


def test_orders_carry_generic_and_class_and_the_label_is_computed() -> None:
    oxy = REGIMENS["oxycodone_po"].order()
    assert (oxy.generic, oxy.drug, oxy.is_opioid) == (
        "oxycodone",
        "oxycodone (immediate release)",
        True,
    )
    assert REGIMENS["tramadol_po_now"].order().is_opioid
    naloxone = REGIMENS["naloxone_in"].order()
    assert (naloxone.generic, naloxone.drug, naloxone.is_opioid) == (
        "naloxone",
        "naloxone nasal spray",
        False,
    )
    assert Order(**oxy.model_dump()) == oxy
    legacy = Order(drug="oxycodone (immediate release)", dose_mg_low=5, dose_mg=5, route=Route.po)
    assert legacy.generic == "oxycodone"
    assert legacy.drug == "oxycodone (immediate release)"


@pytest.mark.parametrize(
    ("weeks", "long_term"),
    [
        # ACR 2022 GIOP guideline: fracture risk from more than 3 months (> 12 weeks).
        (12, False),
        (13, True),
        (30, True),
        (None, True),  # a regular medicine with no duration entered: the safer reading
    ],
)
def test_regular_systemic_steroid_for_months_is_the_long_term_steroid_red_flag(
    weeks: float | None, long_term: bool
) -> None:
    """ACP/APS 2007: prolonged corticosteroid use is a risk factor for a vertebral compression
    fracture. The medicine gives the same triage as ticking the red flag; a short course does
    not."""
    medicine = {"drug": "prednisone", "dose": 10, "doses_per_day": 1, "weeks": weeks}
    plan = build_plan(case(current_medications=[medicine]))
    ticked = build_plan(
        case(current_medications=[medicine], red_flags=["osteoporosis_or_chronic_steroids"])
    )
    assert (plan.triage == ticked.triage) is long_term
    assert (plan.triage.level.value == "urgent") is long_term


def test_a_steroid_given_this_episode_is_not_the_long_term_red_flag() -> None:
    """One dose in the department is not prolonged use."""
    plan = build_plan(case(tried=[{"drug": "dexamethasone", "dose_mg": 10}]))
    assert plan.triage.level.value == "routine"


def test_a_regular_steroid_with_an_nsaid_gets_gastroprotection() -> None:
    """AGS Beers 2023: an NSAID with a systemic corticosteroid only with gastroprotection,
    whether the steroid is regular or was given this episode."""
    for entry in (
        {"current_medications": [{"drug": "prednisone", "dose": 5, "weeks": 4}]},
        {"tried": [{"drug": "prednisone", "dose_mg": 50}]},
    ):
        plan = build_plan(case(**entry))
        generics = [o.generic for o in plan.discharge]
        assert "naproxen" in generics, entry
        assert "omeprazole" in generics, entry
    plain = build_plan(case())
    assert "omeprazole" not in [o.generic for o in plain.discharge]


# ---- Combination products: the acetaminophen inside counts --------------------------------------

GI_BLEED = {"conditions": ["gi_bleed_history"]}  # no NSAID, so acetaminophen is the non-opioid


def _acetaminophen_orders(plan: TreatmentPlan) -> list[str]:
    return [o.sig for o in (*plan.give_now, *plan.discharge) if o.generic == "acetaminophen"]


def _acetaminophen_avoid(plan: TreatmentPlan) -> str:
    return " ".join(a.reason for a in plan.avoid if a.drug == "Acetaminophen")


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        # Percocet and Endocet labels: oxycodone and acetaminophen tablets.
        ("Percocet", "oxycodone"),
        ("Endocet", "oxycodone"),
        ("oxycodone-acetaminophen", "oxycodone"),
        ("Oxycodone/Acetaminophen", "oxycodone"),
        # Norco, Vicodin, Lortab labels: hydrocodone bitartrate and acetaminophen tablets.
        ("Norco", "hydrocodone"),
        ("Vicodin", "hydrocodone"),
        ("Lortab", "hydrocodone"),
        ("hydrocodone/acetaminophen", "hydrocodone"),
        # Ultracet label: tramadol 37.5 mg with acetaminophen 325 mg.
        ("Ultracet", "tramadol"),
        ("tramadol-acetaminophen", "tramadol"),
        # Tylenol with Codeine label: acetaminophen 300 mg with codeine 30 or 60 mg.
        ("Tylenol #3", "codeine"),
        ("Tylenol with codeine", "codeine"),
        ("acetaminophen-codeine", "codeine"),
    ],
)
def test_a_combination_product_is_its_opioid_with_acetaminophen_on_board(
    name: str, generic: str
) -> None:
    """The labels above: each product holds an opioid and acetaminophen. The name resolves to
    the opioid (whose dose is entered) and the medicine facts see the acetaminophen too, in
    either list; every one of these products is an immediate-release tablet."""
    from logic.drugs.catalogue import DrugClass, Formulation
    from logic.models import CurrentMedication

    med = CurrentMedication(drug=name)
    assert (med.drug, med.formulation, med.also_contains) == (
        generic,
        Formulation.ir,
        ("acetaminophen",),
    )
    for field in ("current_medications", "tried"):
        facts = medicine_facts(case(**{field: [{"drug": name}]}))
        names = facts.current if field == "current_medications" else facts.tried
        classes = facts.current_classes if field == "current_medications" else facts.tried_classes
        assert {generic, "acetaminophen"} <= names
        assert DrugClass.acetaminophen in classes


def test_plain_tylenol_is_acetaminophen_alone() -> None:
    """Tylenol label: acetaminophen only (Tylenol #3 is the codeine product)."""
    from logic.models import CurrentMedication

    med = CurrentMedication(drug="Tylenol", dose=1000, doses_per_day=3)
    assert (med.drug, med.product, med.also_contains) == ("acetaminophen", None, ())


@pytest.mark.parametrize(
    ("home", "acetaminophen_offered"),
    [
        # Percocet 10/325 six times a day is 1950 mg acetaminophen a day (Percocet label); the
        # labels say not to take it with another acetaminophen product (FDA 2011).
        ({"drug": "Percocet", "dose": 10, "doses_per_day": 6}, False),
        ({"drug": "Norco", "dose": 10, "doses_per_day": 4}, False),
        ({"drug": "oxycodone/acetaminophen", "dose": 5, "doses_per_day": 4}, False),
        # Plain oxycodone holds no acetaminophen: the plan's acetaminophen stands.
        ({"drug": "oxycodone", "dose": 10, "doses_per_day": 6}, True),
        ({"drug": "Roxicodone", "dose": 10, "doses_per_day": 6}, True),
    ],
)
def test_home_combination_product_withholds_a_second_acetaminophen(
    home: dict, acetaminophen_offered: bool
) -> None:
    """FDA Drug Safety Communication 13 Jan 2011 and the combination labels: no other
    acetaminophen-containing product with one. With GI bleeding (no NSAID), plain oxycodone
    gets acetaminophen now and at discharge; Percocet gets none, and the avoid list names it."""
    plan = build_plan(case(current_medications=[home], **GI_BLEED))
    assert bool(_acetaminophen_orders(plan)) is acetaminophen_offered
    reason = _acetaminophen_avoid(plan)
    if acetaminophen_offered:
        assert reason == ""
    else:
        product = _product_label(home["drug"])
        assert f"Already takes acetaminophen in {product}" in reason
        assert "FDA Drug Safety Communication 13 Jan 2011" in reason


def _product_label(name: str) -> str:
    from logic.models import CurrentMedication

    return str(CurrentMedication(drug=name).product_label)


@pytest.mark.parametrize(
    ("medicine", "mme"),
    [
        # CDC 2022: oxycodone factor 1.5; the Percocet dose is the oxycodone dose (10/325 is
        # 10 mg oxycodone): 10 mg x 6 = 60 mg/day = 90 MME, the same as plain oxycodone.
        ({"drug": "Percocet", "dose": 10, "doses_per_day": 6}, 90.0),
        ({"drug": "oxycodone", "dose": 10, "doses_per_day": 6}, 90.0),
        # CDC 2022: hydrocodone 1.0; codeine 0.15 (Tylenol #3: 30 mg codeine x 4 = 18 MME);
        # tramadol 0.2 (Ultracet 37.5 mg x 4 = 30 MME).
        ({"drug": "Norco", "dose": 10, "doses_per_day": 6}, 60.0),
        ({"drug": "Tylenol #3", "dose": 30, "doses_per_day": 4}, 18.0),
        ({"drug": "Ultracet", "dose": 37.5, "doses_per_day": 4}, 30.0),
    ],
)
def test_a_combination_product_counts_only_its_opioid_in_mme(medicine: dict, mme: float) -> None:
    """The acetaminophen adds nothing to MME: the plan's home MME is the opioid's alone."""
    facts = medicine_facts(case(current_medications=[medicine]))
    assert facts.home_mme is not None
    assert math.isclose(facts.home_mme, mme)
    assert math.isclose(build_plan(case(current_medications=[medicine])).home_mme_per_day, mme)


def test_percocet_and_plain_oxycodone_give_the_same_opioid_decisions() -> None:
    """Percocet is oxycodone for every opioid rule (tolerance at 30 mg/day for a week: opioid
    labels; MME, naloxone: CDC 2022); only the acetaminophen differs."""
    percocet = {"drug": "Percocet", "dose": 10, "doses_per_day": 3, "weeks": 2}
    plain = {**percocet, "drug": "oxycodone"}
    a = medicine_facts(case(current_medications=[percocet]))
    b = medicine_facts(case(current_medications=[plain]))
    assert a.opioid_tolerant
    assert b.opioid_tolerant
    assert (a.home_mme, a.moud, a.long_acting_home) == (b.home_mme, b.moud, b.long_acting_home)
    pa = build_plan(case(current_medications=[percocet]))
    pb = build_plan(case(current_medications=[plain]))
    assert (pa.naloxone, pa.mme_per_day) == (pb.naloxone, pb.mme_per_day)
    assert [o.sig for o in pa.give_now if o.is_opioid] == [
        o.sig for o in pb.give_now if o.is_opioid
    ]


@pytest.mark.parametrize(
    ("tried", "acetaminophen_now"),
    [
        # Percocet given today already held 325 mg acetaminophen (Percocet label): no separate
        # dose now (FDA 2011: count every acetaminophen product).
        ({"drug": "Percocet", "dose": 5}, False),
        ({"drug": "Tylenol #3", "dose": 30}, False),
        # Plain oxycodone given today: acetaminophen is still the non-opioid step (CDC 2022 rec 1).
        ({"drug": "oxycodone", "dose": 5}, True),
    ],
)
def test_a_combination_product_given_today_counts_as_acetaminophen_given(
    tried: dict, acetaminophen_now: bool
) -> None:
    plan = build_plan(case(tried=[tried], **GI_BLEED))
    assert any(o.generic == "acetaminophen" for o in plan.give_now) is acetaminophen_now
    reason = _acetaminophen_avoid(plan)
    review = plan.tried_review[0].reason
    if acetaminophen_now:
        assert reason == ""
        assert "acetaminophen" not in review
    else:
        label = _product_label(tried["drug"])
        assert f"Already given acetaminophen in {label} this episode" in reason
        assert f"{label} also contains acetaminophen" in review


def test_a_product_that_is_not_that_drug_is_rejected() -> None:
    """Norco is hydrocodone with acetaminophen (Norco label), never oxycodone."""
    from logic.models import CurrentMedication

    with pytest.raises(ValidationError, match="Norco is hydrocodone"):
        CurrentMedication(drug="oxycodone", product="norco")
    with pytest.raises(ValidationError, match="not a combination product"):
        CurrentMedication(drug="oxycodone", product="oxycodone")


# ---- Buprenorphine given this episode -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tried", "moud"),
    [
        # Subutex and Suboxone labels: sublingual buprenorphine in mg is for opioid dependence
        # (day 1 of induction: up to 8 mg).
        ({"drug": "buprenorphine", "dose": 8}, True),
        ({"drug": "Suboxone", "dose": 8}, True),
        ({"drug": "Subutex", "dose": 4, "route": "po"}, True),
        # Butrans (patch, mcg/h), Belbuca (buccal film, mcg) and Buprenex (0.3 mg IV or IM)
        # are pain products (their labels).
        ({"drug": "Butrans", "dose": 10, "unit": "mcg/h"}, False),
        ({"drug": "Belbuca", "dose": 300}, False),
        ({"drug": "buprenorphine", "dose": 0.3, "route": "iv"}, False),
        # Dolophine label: methadone is also a pain medicine; a dose given today alone does
        # not mean MOUD.
        ({"drug": "methadone", "dose": 10}, False),
    ],
)
def test_buprenorphine_for_opioid_dependence_given_today_counts_as_moud(
    tried: dict, moud: bool
) -> None:
    """CDC 2022 rec 12 (continue MOUD, non-opioid plan on top, prescriber told) and rec 8
    (naloxone): a sublingual dose given this episode means MOUD as a regular one does."""
    c = case(tried=[tried])
    facts = Facts(case=c, renal=assess_renal(c))
    assert bool(facts.meds.moud) is moud
    assert facts.has("opioid_use_disorder") is moud  # type: ignore[arg-type]
    plan = build_plan(c)
    opioids = [o.sig for o in (*plan.give_now, *plan.discharge) if o.is_opioid]
    warnings = {w.code: w.message for w in plan.warnings}
    if moud:
        assert opioids == []
        assert plan.naloxone
        assert "prescriber" in warnings.get("moud-continue", "")
        assert any("buprenorphine" in a.reason.lower() for a in plan.avoid if "Opioid" in a.drug)
    elif tried["drug"] in ("Butrans", "methadone"):
        # A patch or methadone given for acute pain is an ER/LA opioid (CDC 2022 rec 3): harm
        # may already have been done and no further opioid is offered (issue 20).
        assert opioids == []
        assert "harm-er-opioid-acute" in plan.tried_review[0].rule_ids
        assert "moud-continue" not in warnings
    else:
        assert "oxycodone (immediate release) 5-10 mg PO once" in opioids
        assert "moud-continue" not in warnings


def test_no_buprenorphine_and_a_regular_suboxone_are_unchanged() -> None:
    """The tried list adds MOUD; it takes nothing away: a regular Suboxone (Suboxone label)
    still counts, and a case with no buprenorphine still offers the rescue options."""
    none = build_plan(case())
    assert any(o.is_opioid for o in none.give_now)
    assert not none.naloxone
    regular = build_plan(case(current_medications=[{"drug": "Suboxone", "dose": 16}]))
    today = build_plan(case(tried=[{"drug": "Suboxone", "dose": 16}]))
    assert not any(o.is_opioid for o in (*regular.give_now, *today.give_now))
    assert regular.naloxone
    assert today.naloxone


# ---- Regular medicines that are themselves unsafe: which regular NSAIDs and opioids count -----


def _facts(**overrides: Any) -> Facts:
    c = case(**overrides)
    return Facts(case=c, renal=assess_renal(c))


@pytest.mark.parametrize(
    ("aspirin", "counted"),
    [
        ({"drug": "aspirin", "dose": 81, "doses_per_day": 1}, False),  # FDA 2020: 81 mg exempt
        ({"drug": "aspirin", "dose": 100, "doses_per_day": 1}, False),  # ACC/AHA 2019: 75-100 mg
        ({"drug": "aspirin", "dose": 325, "doses_per_day": 1}, True),
        ({"drug": "aspirin", "dose": 81, "doses_per_day": 2}, True),  # 162 mg a day
        ({"drug": "aspirin"}, False),  # no dose: read as the usual low-dose regular aspirin
    ],
)
def test_regular_aspirin_counts_as_an_nsaid_only_above_low_dose(
    aspirin: dict[str, Any], counted: bool
) -> None:
    found = regular_nsaids(_facts(current_medications=[aspirin]))
    assert found == (("aspirin",) if counted else ())


def test_regular_nsaids_are_the_regular_list_only_in_entry_order() -> None:
    """The review of what was tried covers today's doses; these rows cover the regular list."""
    facts = _facts(
        current_medications=[{"drug": "Aleve"}, {"drug": "Advil"}],
        tried=[{"drug": "ketorolac", "dose_mg": 15, "route": "iv"}],
    )
    assert regular_nsaids(facts) == ("naproxen", "ibuprofen")


def test_unsafe_home_opioids_name_each_flagged_regular_opioid_once() -> None:
    """FDA DSC 2017 (breastfeeding: codeine, tramadol) and the opioid labels (MAOI): a regular
    tramadol flagged by both is named once; a regular oxycodone only by the MAOI."""
    facts = _facts(
        sex="female",
        age_years=30,
        breastfeeding=True,
        current_medications=[{"drug": "Ultram"}, {"drug": "oxycodone"}, {"drug": "Nardil"}],
    )
    assert breastfeeding_home_opioids(facts) == ("tramadol",)
    assert unsafe_home_opioids(facts) == ("tramadol", "oxycodone")
