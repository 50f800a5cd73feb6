"""build_plan on the reference case, its radicular twin, emergencies and rejected input.

Expectations come from the sources named beside them, not from the engine's own output.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from logic import PatientCase, TreatmentPlan, build_plan

REFERENCE_TRIED = (
    {"drug": "prednisone"},
    {"drug": "Norflex", "doses_given": 2},
    {"drug": "gabapentin", "dose_mg": 300},
    {"drug": "Toradol", "dose_mg": 30, "route": "iv"},
    {"drug": "Decadron"},
)
REFERENCE = {
    "age_years": 45,
    "sex": "male",
    "weight_kg": 80,
    "serum_creatinine_mg_dl": 1.0,
    "pain_score": 8,
    "tried": REFERENCE_TRIED,
}


def plan_for(**changes: object) -> TreatmentPlan:
    return build_plan(PatientCase(**{**REFERENCE, **changes}))


def orders(plan: TreatmentPlan, drug_prefix: str, step: str = "discharge") -> list:
    return [o for o in getattr(plan, step) if o.drug.startswith(drug_prefix)]


class TestReferenceCase:
    """The case the product was built for: adult, normal kidneys, non-radicular, five failures."""

    def test_triage_is_routine_without_red_flags(self) -> None:
        """No red flag entered: routine triage that still prompts re-asking about them."""
        plan = plan_for()
        assert plan.triage.level == "routine"
        assert "red flag" in plan.triage.action.lower()

    def test_renal_function_is_computed_by_cockcroft_gault(self) -> None:
        """(140-45) x 80 / (72 x 1.0) = 105.6 mL/min, band >=60 (Cockcroft & Gault 1976)."""
        plan = plan_for()
        assert plan.renal.crcl_ml_min == pytest.approx(105.555, abs=0.01)
        assert plan.renal.band == "≥60"

    def test_every_tried_medicine_is_reviewed_once_in_order(self) -> None:
        """One review per medicine entered, brand names resolved to generics."""
        drugs = [r.drug for r in plan_for().tried_review]
        assert drugs == ["prednisone", "orphenadrine", "gabapentin", "ketorolac", "dexamethasone"]

    @pytest.mark.parametrize(
        ("drug", "verdict"),
        [
            ("prednisone", "expected to fail"),  # Cochrane 2022; ACP 2017
            ("dexamethasone", "duplicate"),  # second steroid after the first failed
            ("orphenadrine", "duplicate"),  # given twice; Friedman 2015/2019: adds nothing
            ("gabapentin", "not indicated"),  # non-radicular pain: Enke 2018, NICE NG59
            ("ketorolac", "reasonable but not enough"),  # NSAID is first line (ACP 2017)
        ],
    )
    def test_review_verdicts_follow_the_evidence(self, drug: str, verdict: str) -> None:
        """Each failed medicine gets the verdict its evidence supports."""
        review = {r.drug: r for r in plan_for().tried_review}
        assert review[drug].verdict == verdict
        assert review[drug].evidence

    def test_ketorolac_above_ceiling_is_called_out(self) -> None:
        """30 mg IV exceeds the 10 mg analgesic ceiling (Motov 2017)."""
        review = {r.drug: r for r in plan_for().tried_review}
        assert "10 mg" in review["ketorolac"].reason

    def test_single_gabapentin_dose_is_subtherapeutic_when_radicular(self) -> None:
        """One 300 mg dose is far below the 1200-3600 mg/day effective range (NeuPSIG 2015)."""
        review = {r.drug: r for r in plan_for(radicular=True).tried_review}
        assert review["gabapentin"].verdict == "subtherapeutic"

    def test_give_now_offers_short_acting_opioids_at_label_doses(self) -> None:
        """Oxycodone IR 5-10 mg PO (label, CDC rec 4); hydromorphone IV 0.5-1 mg (label 0.2-1)."""
        plan = plan_for()
        oxy = orders(plan, "oxycodone", "give_now")
        hydro = orders(plan, "hydromorphone", "give_now")
        assert [(o.dose_mg_low, o.dose_mg, o.route) for o in oxy] == [(5, 10, "po")]
        assert [(o.route, o.dose_mg) for o in hydro] == [("iv", 1)]

    def test_iv_hydromorphone_is_never_the_oral_dose(self) -> None:
        """The reference's '2-4 mg PO/IV' is an oral range; IV starts at 0.2-1 mg (label)."""
        for o in plan_for().give_now:
            if o.drug == "hydromorphone" and o.route == "iv":
                assert o.dose_mg <= 1

    def test_discharge_has_scheduled_nsaid_and_short_ir_opioid(self) -> None:
        """Naproxen 500 mg q12h max 1000/day (label); oxycodone IR <= 5 days (CDC 2022)."""
        plan = plan_for()
        (naproxen,) = orders(plan, "naproxen")
        assert (naproxen.dose_mg, naproxen.every_hours, naproxen.max_daily_mg) == (500, 12, 1000)
        (oxy,) = orders(plan, "oxycodone")
        assert "immediate release" in oxy.drug
        assert oxy.prn
        assert oxy.days is not None
        assert oxy.days <= 5

    def test_mme_of_discharge_opioid_is_30(self) -> None:
        """Oxycodone 5 mg q6h = 20 mg/day x 1.5 (CDC 2022 factor) = 30 MME/day."""
        plan = plan_for()
        assert plan.mme_per_day == pytest.approx(30)
        assert plan.naloxone is False

    def test_laxative_accompanies_the_opioid(self) -> None:
        """The reference asks for a stool softener with the opioid; senna is ordered."""
        assert orders(plan_for(), "senna")

    def test_no_gabapentin_for_non_radicular_pain(self) -> None:
        """Gabapentinoids do not help axial pain (Enke 2018): no titration plan."""
        plan = plan_for()
        assert plan.gabapentin is None
        assert not orders(plan, "gabapentin")

    @pytest.mark.parametrize(
        "avoided",
        ["corticosteroid", "benzodiazepine", "muscle relaxant", "extended-release"],
    )
    def test_reference_avoid_list(self, avoided: str) -> None:
        """Steroids, benzodiazepines, more relaxants (reference) and ER opioids (CDC rec 3)."""
        assert any(avoided in a.drug.lower() for a in plan_for().avoid)

    def test_no_amitriptyline_for_acute_non_radicular_pain(self) -> None:
        """NICE NG59: no tricyclics for low back pain; Urquhart 2018: no pain benefit."""
        plan = plan_for()
        assert not orders(plan, "amitriptyline")
        assert any(w.code == "no-antidepressant-yet" for w in plan.warnings)

    def test_tramadol_is_the_alternative_rescue(self) -> None:
        """The reference offers tramadol 50-100 mg PO as an alternative (tramadol label)."""
        (tramadol,) = orders(plan_for(), "tramadol", "give_now")
        assert (tramadol.dose_mg_low, tramadol.dose_mg) == (50, 100)

    def test_amitriptyline_for_persisting_radicular_pain_is_capped_at_25_mg(self) -> None:
        """Urquhart 2018 used 25 mg; the reference's 75-100 mg exceeds NICE's non-specialist cap."""
        (ami,) = orders(plan_for(radicular=True, pain_duration_weeks=6), "amitriptyline")
        assert ami.max_daily_mg == 25

    def test_duloxetine_for_chronic_pain(self) -> None:
        """ACP 2017: duloxetine is the second-line drug for chronic (> 12 weeks) back pain."""
        (dul,) = orders(plan_for(pain_duration_weeks=16), "duloxetine")
        assert (dul.dose_mg_low, dul.dose_mg) == (30, 60)

    def test_tramadol_is_not_combined_with_amitriptyline(self) -> None:
        """Tramadol + TCA: seizures and serotonin syndrome (tramadol label): the plan picks one."""
        plan = plan_for(radicular=True, pain_duration_weeks=6)
        drugs = {o.drug for o in (*plan.give_now, *plan.discharge)}
        assert "amitriptyline" in drugs
        assert "tramadol" not in drugs
        assert any(a.drug == "Tramadol" and "amitriptyline" in a.reason for a in plan.avoid)

    def test_pitfalls_correct_the_reference_on_extended_release(self) -> None:
        """Pitfall 4 says immediate-release only (CDC 2022 rec 3), not 'extended-release'."""
        texts = " ".join(p.text for p in plan_for().pitfalls).lower()
        assert "never an extended-release opioid" in texts
        assert len(plan_for().pitfalls) >= 4

    def test_follow_up_in_three_to_five_days(self) -> None:
        """The reference's 3-5 day review, plus return precautions."""
        titles = [p.title for p in plan_for().follow_up]
        assert "Review in 3-5 days" in titles
        assert "Return precautions" in titles


class TestRadicularReference:
    """Same patient with radicular pain: gabapentin titration enters the plan."""

    def test_gabapentin_titration_follows_the_label(self) -> None:
        """Label PHN schedule: 300 mg day 1, 600 day 2, 900 day 3, TID at CrCl >= 60."""
        gaba = plan_for(radicular=True).gabapentin
        assert gaba is not None
        assert [s.total_daily_mg for s in gaba.steps[:3]] == [300, 600, 900]
        assert gaba.doses_per_day == 3
        assert gaba.max_daily_mg == 3600

    def test_titration_reaches_1800_and_never_exceeds_it(self) -> None:
        """Target 1800 mg/day: the label found no added benefit above it."""
        totals = [s.total_daily_mg for s in plan_for(radicular=True).gabapentin.steps]
        assert max(totals) == 1800
        assert totals == sorted(totals)

    def test_gabapentin_order_and_combined_sedation_warning(self) -> None:
        """Opioid with gabapentin: sedation counselling (FDA 2019) and naloxone (Gomes 2017)."""
        plan = plan_for(radicular=True)
        assert orders(plan, "gabapentin")
        assert any(p.title == "Opioid with gabapentin" for p in plan.safety)
        assert plan.naloxone
        assert orders(plan, "naloxone")

    def test_guideline_disagreement_is_said_plainly(self) -> None:
        """NICE NG59 advises against gabapentinoids for sciatica; the plan says so."""
        codes = {w.code for w in plan_for(radicular=True).warnings}
        assert "gabapentin-guidelines-disagree" in codes

    def test_crcl_25_caps_gabapentin_at_700_once_daily(self) -> None:
        """Neurontin label Table 1: CrCl 15-29 -> 200-700 mg/day, once daily."""
        gaba = plan_for(radicular=True, crcl_ml_min=25).gabapentin
        assert gaba.max_daily_mg == 700
        assert gaba.doses_per_day == 1
        assert max(s.total_daily_mg for s in gaba.steps) <= 700


class TestTriageOverrides:
    @pytest.mark.parametrize(
        "flags",
        [
            ["saddle_anesthesia"],
            ["urinary_retention"],
            ["fecal_incontinence"],
            ["progressive_motor_deficit"],
            ["bilateral_sciatica"],
            ["pulsatile_abdominal_mass"],
        ],
    )
    def test_emergency_red_flags_remove_the_discharge_plan(self, flags: list[str]) -> None:
        """Cauda equina features and a pulsatile mass are emergencies: no discharge (GIRFT)."""
        plan = plan_for(red_flags=flags, radicular=True)
        assert plan.triage.level == "emergency"
        assert plan.discharge == ()
        assert plan.gabapentin is None
        assert plan.mme_per_day is None

    def test_cauda_equina_action_is_emergency_mri(self) -> None:
        """GIRFT: emergency MRI and same-day spine surgery referral."""
        action = plan_for(red_flags=["saddle_anesthesia"]).triage.action
        assert "emergency MRI" in action
        assert "spine surgeon" in action

    @pytest.mark.parametrize(
        "flag",
        ["fever", "cancer_history", "significant_trauma", "osteoporosis_or_chronic_steroids"],
    )
    def test_urgent_red_flags_demand_work_up_before_discharge(self, flag: str) -> None:
        """Infection, malignancy and fracture flags are urgent (AHCPR 1994; ACP/APS 2007)."""
        plan = plan_for(red_flags=[flag])
        assert plan.triage.level == "urgent"
        assert any(w.code == "red-flag-workup" and w.severity == "danger" for w in plan.warnings)


# Each row: the field values to change, and a word the message must contain for a clinician
# to find the problem.
REJECTED = [
    ({"age_years": 17}, "age_years"),
    ({"age_years": 111}, "age_years"),
    ({"weight_kg": 900}, "weight_kg"),  # pounds typed as kilograms would look like this
    ({"weight_kg": 10}, "weight_kg"),
    ({"serum_creatinine_mg_dl": 88}, "serum_creatinine_mg_dl"),  # µmol/L typed as mg/dL
    ({"serum_creatinine_mg_dl": 0}, "serum_creatinine_mg_dl"),
    ({"pain_score": 11}, "pain_score"),
    ({"pain_duration_weeks": -1}, "pain_duration_weeks"),
    ({"pregnant": True}, "pregnancy"),  # the reference patient is male
    ({"on_hemodialysis": True, "crcl_ml_min": 90}, "haemodialysis"),
    ({"tried": [{"drug": "snake oil"}]}, "not a medicine this tool knows"),
    ({"red_flags": ["headache"]}, "red_flags"),
    ({"conditions": ["diabetes_type_9"]}, "conditions"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
]


@pytest.mark.parametrize(("changes", "words"), REJECTED)
def test_impossible_or_inconsistent_input_is_rejected_clearly(
    changes: dict[str, object], words: str
) -> None:
    """Out-of-range or inconsistent input raises a ValidationError that names the problem."""
    with pytest.raises(ValidationError) as error:
        PatientCase(**{**REFERENCE, **changes})
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("typed", "generic"),
    [
        ("Toradol", "ketorolac"),
        ("NORFLEX", "orphenadrine"),
        ("decadron", "dexamethasone"),
        ("Neurontin", "gabapentin"),
        ("paracetamol", "acetaminophen"),
    ],
)
def test_brand_names_resolve_to_generics(typed: str, generic: str) -> None:
    """Clinicians type brands; the case stores the generic name (US labels)."""
    case = PatientCase(**{**REFERENCE, "tried": [{"drug": typed}]})
    assert case.tried[0].drug == generic


def test_plan_is_deterministic() -> None:
    """The same case always gives the same plan, byte for byte."""
    first = json.dumps(plan_for().model_dump(mode="json"), sort_keys=True)
    second = json.dumps(plan_for().model_dump(mode="json"), sort_keys=True)
    assert first == second


def test_json_contract_field_names() -> None:
    """The JSON field names other parts rely on (issue 2 contract)."""
    data = plan_for(radicular=True).model_dump(mode="json")
    for key in (
        "triage",
        "renal",
        "tried_review",
        "give_now",
        "discharge",
        "avoid",
        "warnings",
        "gabapentin",
        "mme_per_day",
        "naloxone",
        "pitfalls",
        "follow_up",
    ):
        assert key in data
    assert set(data["triage"]) >= {"level", "findings", "action"}
    assert set(data["renal"]) >= {"crcl_ml_min", "method", "band"}
    assert set(data["give_now"][0]) >= {
        "drug",
        "dose_mg_low",
        "dose_mg",
        "route",
        "every_hours",
        "max_daily_mg",
        "days",
        "note",
        "evidence",
    }
    assert set(data["gabapentin"]) >= {"max_daily_mg", "doses_per_day", "steps"}
    assert set(data["gabapentin"]["steps"][0]) == {"day", "total_daily_mg", "doses"}


def test_case_is_frozen() -> None:
    """A validated case cannot be changed behind the plan's back."""
    case = PatientCase(**REFERENCE)
    with pytest.raises(ValidationError):
        case.age_years = 90  # type: ignore[misc]


def test_logic_imports_no_streamlit() -> None:
    """logic/ is pure: importing all of it must not import Streamlit."""
    code = "import sys; from logic import *; import logic.plan; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# Label Table 1 columns: 1800 mg/day (300/400/[600]/800/1200 TID row, third column) sits with
# 800 (BID row), 400 (15-29 QD row) and 150 mg/day (<15 row) in the lower bands.
EQUIVALENT_TARGETS = [(100, 1800), (45, 800), (25, 400), (15, 150)]


@pytest.mark.parametrize(("crcl", "reached"), EQUIVALENT_TARGETS)
def test_renal_titration_reaches_the_equivalent_of_1800(crcl: float, reached: float) -> None:
    """Renal patients are titrated to the same label column as 1800 mg/day, not the band top."""
    gaba = plan_for(radicular=True, crcl_ml_min=crcl).gabapentin
    assert gaba.steps[-1].total_daily_mg == reached


def test_benzodiazepine_given_this_episode_counts_as_co_sedation() -> None:
    """Diazepam given in the ED sedates like a regular benzodiazepine (CDC 2022 rec 11)."""
    plan = plan_for(tried=[*REFERENCE_TRIED, {"drug": "Valium"}])
    (oxy,) = orders(plan, "oxycodone", "give_now")
    assert oxy.dose_mg <= 5
    assert not orders(plan, "oxycodone")
    assert "takes a benzodiazepine" in plan.naloxone_reasons
