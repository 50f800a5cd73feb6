"""Clinical note, plain-text EHR note, patient handout and PDF export (logic/formats/export.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from logic.engine.avoid_list import merge_avoid
from logic.engine.cautions import gabapentin_ceiling
from logic.engine.plan import build_plan
from logic.formats.export import (
    COME_BACK_NOW,
    DISCLAIMER,
    RED_FLAG_TERMS,
    RETURN_PRECAUTIONS,
    clinical_note_markdown,
    clinical_note_text,
    gabapentin_calendar,
    note_pdf,
    patient_handout_markdown,
    plain_instruction,
    reasoning_markdown,
    short_label,
    to_pdf_text,
)
from logic.library.cases import load_cases
from logic.models import Order, PatientCase, Route, TreatmentPlan, TriageLevel

CASES = load_cases()
DAY = dt.date(2026, 5, 1)


def _plan(case_id: str) -> tuple[PatientCase, TreatmentPlan]:
    case = CASES[case_id].case
    return case, build_plan(case)


def _routine_ids() -> list[str]:
    return [k for k, c in CASES.items() if build_plan(c.case).triage.level != "emergency"]


def _emergency_ids() -> list[str]:
    return [k for k, c in CASES.items() if build_plan(c.case).triage.level == "emergency"]


# ---------------------------------------------------------------------------------------------
# Clinical note


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_note_contains_every_order_and_the_disclaimer(case_id: str) -> None:
    """Markdown and text notes list each give-now and discharge order by its sig."""
    case, plan = _plan(case_id)
    for note in (
        clinical_note_markdown(case, plan, generated=DAY),
        clinical_note_text(case, plan, generated=DAY),
    ):
        assert "2026-05-01" in note
        assert DISCLAIMER in note
        for order in plan.give_now:
            assert order.sig in note
        if plan.triage.level is not TriageLevel.emergency:
            for order in plan.discharge:
                assert order.sig in note
        for flag in case.red_flags:
            assert RED_FLAG_TERMS[flag] in note
        merged = merge_avoid(plan.avoid)
        for avoid in plan.avoid:  # by its own label, or under the entry it was merged into
            assert any(short_label(m.drug) in note and avoid.reason in m.reason for m in merged)
        assert plan.triage.level.value in note


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_note_summarises_the_inputs(case_id: str) -> None:
    """Age, sex, weight, renal method, pain score and tried medicines are in the note."""
    case, plan = _plan(case_id)
    note = clinical_note_markdown(case, plan, generated=DAY)
    assert f"{case.age_years} years, {case.sex}" in note
    assert plan.renal.method in note
    assert f"{case.pain_score}/10" in note
    assert ("radicular (sciatica)" if case.radicular else "non-radicular") in note
    for tried in case.tried:
        assert tried.drug in note


@pytest.mark.parametrize("case_id", _routine_ids())
def test_note_carries_return_precautions_and_follow_up(case_id: str) -> None:
    """A discharge note documents return precautions, follow-up and the MME/naloxone line; the
    reasoning document lists each return precaution in full."""
    case, plan = _plan(case_id)
    note = clinical_note_markdown(case, plan, generated=DAY)
    assert "Return precautions" in note
    assert "saddle numbness" in note
    assert "retention" in note
    assert "MME/day" in note
    assert "naloxone" in note.lower()
    for point in plan.follow_up:
        if point.title != "Return precautions":  # said once, by the line above
            assert point.text in note
    reasoning = reasoning_markdown(case, plan, generated=DAY)
    for precaution in RETURN_PRECAUTIONS:
        assert precaution in reasoning


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_text_note_has_no_markdown_symbols(case_id: str) -> None:
    """The EHR text has no #, ** or table pipes."""
    case, plan = _plan(case_id)
    text = clinical_note_text(case, plan, generated=DAY)
    assert "#" not in text
    assert "**" not in text
    assert "|" not in text


@pytest.mark.parametrize("case_id", _emergency_ids())
def test_emergency_note_leads_with_the_action_and_has_no_discharge(case_id: str) -> None:
    """When triage is emergency, the note opens with the action and states no discharge plan."""
    case, plan = _plan(case_id)
    for note in (
        clinical_note_markdown(case, plan, generated=DAY),
        clinical_note_text(case, plan, generated=DAY),
    ):
        head = note.split("Inputs" if "Inputs" in note else "INPUTS")[0]
        assert "EMERGENCY" in head
        assert plan.triage.action in head
        assert "No discharge plan" in head
        assert "Discharge orders" not in note
        assert "DISCHARGE ORDERS" not in note


def test_emergency_cases_exist() -> None:
    """At least one teaching case exercises the emergency path."""
    assert _emergency_ids()


def test_note_lists_gabapentin_titration_as_a_table() -> None:
    """With a gabapentin plan, the reasoning document has a day/total/doses table with every
    step; the record gives the one ceiling."""
    case, plan = _plan("radicular_crcl_25")
    assert plan.gabapentin is not None
    note = reasoning_markdown(case, plan, generated=DAY)
    assert "| Day | Total mg/day | Doses (mg) |" in note
    assert len(re.findall(r"^\| \d+ \|", note, flags=re.M)) == len(plan.gabapentin.steps)
    text = clinical_note_text(case, plan, generated=DAY)
    assert f"gabapentin max {gabapentin_ceiling(plan):g} mg/day" in text


def test_sources_are_ids_or_citations() -> None:
    """Without a sources map the ids are listed; with one, each id gets its citation."""
    case, plan = _plan("reference")
    bare = reasoning_markdown(case, plan, generated=DAY)
    assert "- red-flags-imaging" in bare
    cited = reasoning_markdown(
        case, plan, generated=DAY, sources={"red-flags-imaging": "AHCPR 1994; ACP/APS 2007"}
    )
    assert "- red-flags-imaging: AHCPR 1994; ACP/APS 2007" in cited


# ---------------------------------------------------------------------------------------------
# Patient handout

_JARGON = re.compile(
    r"\b(PO|PRN|IV|IM|SC|BID|TID|QD|q\d+h|MME|CrCl|NSAIDs?|mg/day|SMR|ER/LA)\b|q\d+h"
)


@pytest.mark.parametrize("case_id", _routine_ids())
def test_handout_lists_every_home_medicine_in_plain_words(case_id: str) -> None:
    """Each discharge order appears by drug, dose and plain frequency, with no abbreviations."""
    case, plan = _plan(case_id)
    handout = patient_handout_markdown(case, plan)
    for order in plan.discharge:
        assert plain_instruction(order) in handout
        assert order.drug in handout
    assert not _JARGON.search(handout), _JARGON.search(handout)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_handout_lists_the_red_flag_warning_signs(case_id: str) -> None:
    """Numbness between the legs, trouble passing urine, weakness and fever are all listed."""
    case, plan = _plan(case_id)
    handout = patient_handout_markdown(case, plan).lower()
    for words in ("between your legs", "pass urine", "bladder or bowels", "weakness", "fever"):
        assert words in handout


@pytest.mark.parametrize("case_id", _routine_ids())
def test_handout_covers_activity_heat_and_opioid_safety(case_id: str) -> None:
    """Staying active and heat always; alcohol, driving, storage and bowels with an opioid."""
    case, plan = _plan(case_id)
    handout = patient_handout_markdown(case, plan)
    assert "Stay as active as you can" in handout
    assert "heat" in handout.lower()
    opioid = any(o.is_opioid for o in plan.discharge)
    if opioid:
        for words in ("alcohol", "Do not drive", "locked away", "constipation", "laxative"):
            assert words in handout
    else:
        assert "locked away" not in handout
    assert ("naloxone" in handout.lower()) is plan.naloxone


def test_handout_has_the_gabapentin_calendar() -> None:
    """The day-by-day calendar, the kidney cap and the do-not-stop-suddenly advice appear."""
    case, plan = _plan("radicular_crcl_25")
    assert plan.gabapentin is not None
    handout = patient_handout_markdown(case, plan)
    for line in gabapentin_calendar(plan.gabapentin):
        assert line in handout
    assert "Day 1" in handout
    ceiling = min(
        [plan.gabapentin.max_daily_mg]
        + [o.max_daily_mg or 1e9 for o in plan.discharge if o.drug.startswith("gabapentin")]
    )
    assert ceiling <= 700
    assert f"Never take more than {ceiling:g} mg of gabapentin in one day" in handout
    assert "Do not stop gabapentin suddenly" in handout


def test_calendar_spans_days_and_ends_open() -> None:
    """Steps on days 1, 3 and 7 read 'Days 1 to 2', 'Days 3 to 6', 'Day 7 onwards'."""
    from logic.models import GabapentinPlan, GabapentinStep

    plan = GabapentinPlan(
        max_daily_mg=700,
        target_daily_mg=600,
        doses_per_day=2,
        band="15–29",
        start_mg=100,
        steps=(
            GabapentinStep(day=1, total_daily_mg=100, doses=(100,)),
            GabapentinStep(day=3, total_daily_mg=300, doses=(300,)),
            GabapentinStep(day=7, total_daily_mg=600, doses=(300, 300)),
        ),
    )
    assert gabapentin_calendar(plan) == [
        "Days 1 to 2: 100 mg at bedtime (100 mg in the day).",
        "Days 3 to 6: 300 mg at bedtime (300 mg in the day).",
        "Day 7 onwards: 300 mg in the morning and 300 mg at bedtime (600 mg in the day).",
    ]


def test_pregnant_handout_warns_against_anti_inflammatories() -> None:
    """A pregnant patient's handout says not to take ibuprofen or naproxen."""
    case, plan = _plan("pregnant")
    handout = patient_handout_markdown(case, plan)
    assert "pregnant" in handout
    assert "ibuprofen" in handout


@pytest.mark.parametrize("case_id", _emergency_ids())
def test_emergency_handout_says_stay_for_urgent_care(case_id: str) -> None:
    """An emergency handout is short, says urgent hospital care now and lists no home plan."""
    case, plan = _plan(case_id)
    handout = patient_handout_markdown(case, plan)
    assert "urgent hospital care now" in handout
    assert "Medicines to take at home" not in handout
    assert len(handout.splitlines()) < 25
    assert COME_BACK_NOW[0] in handout


def test_plain_instruction_reads_like_a_sentence() -> None:
    """An as-needed oral opioid reads 'by mouth, every 6 hours if you need it for pain'."""
    order = Order(
        drug="oxycodone",
        dose_mg_low=5,
        dose_mg=5,
        route=Route.po,
        every_hours=6,
        max_daily_mg=20,
        days=3,
        prn=True,
    )
    assert plain_instruction(order) == (
        "oxycodone: take 5 mg by mouth, every 6 hours if you need it for pain. "
        "Do not take more than 20 mg in 24 hours. Take it for 3 days at most, then stop."
    )


def test_naloxone_order_is_explained_as_overdose_rescue() -> None:
    """The naloxone spray is described as overdose rescue, never as pain relief."""
    order = Order(
        drug="naloxone nasal spray", dose_mg_low=4, dose_mg=4, route=Route.intranasal, prn=True
    )
    text = plain_instruction(order)
    assert "overdose" in text
    assert "for pain" not in text


# ---------------------------------------------------------------------------------------------
# PDF


@pytest.mark.parametrize("case_id", ["reference", "radicular_crcl_25", "cauda_equina"])
def test_pdf_of_note_and_handout_is_a_pdf(case_id: str) -> None:
    """Both documents render to PDF bytes, unicode and tables included."""
    case, plan = _plan(case_id)
    for document in (
        clinical_note_markdown(case, plan, generated=DAY),
        clinical_note_text(case, plan, generated=DAY),
        patient_handout_markdown(case, plan),
    ):
        pdf = note_pdf(document)
        assert pdf.startswith(b"%PDF")
        assert len(pdf) > 1000


def test_pdf_survives_unicode_and_very_long_words() -> None:
    """≥ ≤ – — µ × and a 300-character URL do not break the PDF."""
    pdf = note_pdf("# Title ≥ ≤\n\n- 5–10 mg — µmol/L ×2 😀\n\nhttps://" + "x" * 300)
    assert pdf.startswith(b"%PDF")


def test_pdf_text_is_transliterated_to_latin1() -> None:
    """Symbols the core fonts lack become ASCII; anything else becomes '?'."""
    assert to_pdf_text("CrCl ≥ 60 – 5 µmol/L × 2 ≤ 3") == "CrCl >= 60 - 5 umol/L x 2 <= 3"
    assert to_pdf_text("😀").isascii()
    to_pdf_text("é").encode("latin-1")


@pytest.mark.parametrize("has_naloxone", [False, True])
def test_note_and_handout_say_when_naloxone_is_already_at_home(has_naloxone: bool) -> None:
    """CDC 2022 rec 8 at 90 MME/day (home oxycodone 10 mg x 6 x 1.5): with naloxone at home the
    note says no new prescription and to check it, the handout to check the date; without it the
    note says to prescribe."""
    home = [{"drug": "oxycodone", "dose": 10, "doses_per_day": 6, "weeks": 1}]
    if has_naloxone:
        home.append({"drug": "Narcan"})
    case = PatientCase(
        age_years=40, sex="male", weight_kg=80, crcl_ml_min=90, current_medications=home
    )
    plan = build_plan(case)
    note = clinical_note_markdown(case, plan, generated=DAY)
    handout = patient_handout_markdown(case, plan)
    assert ("already has naloxone" in note) is has_naloxone
    assert ("offer / prescribe" in note) is not has_naloxone
    assert ("check the date on the box" in handout) is has_naloxone
    assert "reverses an opioid overdose" in handout


@pytest.mark.parametrize("frail", [False, True])
def test_note_patient_line_says_frail_only_when_ticked(frail: bool) -> None:
    case = PatientCase(age_years=80, sex="female", weight_kg=48, crcl_ml_min=40, frail=frail)
    note = clinical_note_markdown(case, build_plan(case), generated=DAY)
    patient_line = next(line for line in note.splitlines() if "Patient:" in line)
    assert ("frail" in patient_line) is frail
