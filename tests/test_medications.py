"""Medicine facts (logic.medications): every medicine entered feeds the same facts as the boxes.

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
from logic.medications import medicine_facts
from logic.models import Order, Route
from logic.regimens import REGIMENS
from logic.renal import assess_renal
from logic.rules import Facts, breastfeeding_home_opioids, regular_nsaids, unsafe_home_opioids

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
            {"current_medications": [{"drug": "blorpamine"}]},
            ("current_medications", 0, "drug"),
            "not a medicine",
        ),
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
        ({"pregnancy_weeks": 20}, (), "pregnancy_weeks"),
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
