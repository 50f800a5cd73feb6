"""The note is the record (issue 21): every input of the case can be read back from it, it fits
an EHR text field and one printed page, and the reasons and sources are a separate document."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest
from hypothesis import HealthCheck, given, settings

from logic.engine.plan import build_plan
from logic.formats.export import (
    RECORD_MAX_CHARS,
    RED_FLAG_TERMS,
    clinical_note_markdown,
    clinical_note_text,
    condition_term,
    pdf_pages,
    reasoning_markdown,
    record_pdf,
)
from logic.library.cases import load_cases
from logic.models import (
    Allergy,
    CurrentMedication,
    PatientCase,
    TreatmentPlan,
    TriedMedication,
)
from tests.strategies import cases

DAY = dt.date(2026, 5, 1)
CASES = load_cases()
_NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def _line(note: str, label: str) -> str:
    """The record's line that starts with `label` (the inputs are one bullet each)."""
    found = [ln for ln in note.splitlines() if ln.startswith(f"- {label}:")]
    assert len(found) == 1, f"no single '{label}' line in the note"
    return found[0].split(":", 1)[1].strip()


def _number_after(text: str, before: str, after: str = "") -> float:
    match = re.search(re.escape(before) + _NUMBER + re.escape(after), text)
    assert match, f"'{before}<number>{after}' not in {text!r}"
    return float(match.group(1))


def _close(read: float, entered: float) -> bool:
    """The note prints six significant figures (format 'g')."""
    return math.isclose(read, entered, rel_tol=1e-5, abs_tol=1e-300)


def _entries(line: str) -> list[str]:
    return [] if line == "none recorded" else line.split("; ")


def _check_medicine(entry: str, med: CurrentMedication | TriedMedication) -> None:
    """One medicine entry names the drug (and product) and every field that was entered."""
    assert med.drug in entry
    if med.product_label is not None:  # the EHR text spells '#' as 'no. ' (Tylenol no. 3)
        assert med.product_label in entry or med.product_label.replace("#", "no. ") in entry
    if med.dose is not None:
        assert med.unit is not None
        dose = _number_after(entry, " ", f" {med.unit.value}")
        assert _close(dose, med.dose)
    else:
        assert "dose not entered" in entry
    if med.formulation is not None:
        assert {"ir": "IR", "er": "ER", "patch": "patch"}[med.formulation.value] in entry
    if med.route is not None:
        assert re.search(rf"\b({med.route.value.upper()}|{med.route.value})\b", entry)
    if isinstance(med, CurrentMedication):
        if med.doses_per_day is not None:
            assert _close(_number_after(entry, " ", "/day"), med.doses_per_day)
        if med.weeks is not None:
            assert _close(_number_after(entry, "for ", " week"), med.weeks)
    else:
        assert f"x{med.doses_given}" in entry
        assert f"relief: {med.relief.value}" in entry


def assert_note_records(case: PatientCase, plan: TreatmentPlan, note: str) -> None:
    """Read every input of `case` back from the note (its text or Markdown form)."""
    note = note.replace("**", "")
    patient = _line(note, "Patient")
    assert patient.startswith(f"{case.age_years} years, {case.sex}")
    assert _close(_number_after(patient, "weight ", " kg"), case.weight_kg)
    if case.height_cm is not None:
        assert _close(_number_after(patient, "height ", " cm"), case.height_cm)
    assert ("pregnant" in patient) is case.pregnant
    if case.pregnancy_weeks is not None:
        assert f"pregnant ({case.pregnancy_weeks} weeks)" in patient
    assert ("breastfeeding" in patient) is case.breastfeeding
    assert ("frail" in patient) is case.frail
    assert ("emergency department" if case.setting == "ed" else "clinic") in patient

    kidney = _line(note, "Kidney")
    assert plan.renal.method in kidney
    if case.serum_creatinine_mg_dl is not None:
        read = _number_after(kidney, "serum creatinine ", " mg/dL")
        assert _close(read, case.serum_creatinine_mg_dl)
    if case.crcl_ml_min is not None:
        assert _close(_number_after(kidney, "CrCl entered ", " mL/min"), case.crcl_ml_min)
    if case.egfr_ml_min_1_73m2 is not None:
        assert _close(_number_after(kidney, "eGFR entered ", " mL/min"), case.egfr_ml_min_1_73m2)
    assert ("haemodialysis" in kidney) is case.on_hemodialysis

    pain = _line(note, "Pain")
    assert pain.startswith(f"{case.pain_score}/10 for ")
    assert _close(_number_after(pain, "for ", " week"), case.pain_duration_weeks)
    assert ("radicular (sciatica)" if case.radicular else "non-radicular (axial)") in pain
    for feature in case.radicular_features:
        assert feature.value.replace("_", " ") in pain

    flags = _line(note, "Red flags")
    assert (flags == "none recorded") is (not case.red_flags)
    for flag in case.red_flags:
        assert RED_FLAG_TERMS[flag] in flags
    conditions = _line(note, "Conditions")
    assert (conditions == "none recorded") is (not case.conditions and case.child_pugh is None)
    for condition in case.conditions:
        assert condition_term(condition) in conditions
    # Issue 20: the Child-Pugh class is recorded with the conditions.
    pugh = f"Child-Pugh class {case.child_pugh.value}" if case.child_pugh else "Child-Pugh"
    assert (pugh in conditions) is (case.child_pugh is not None)

    allergies = _line(note, "Allergies")
    assert (allergies == "none recorded") is (not case.allergies and not case.allergic_to)
    assert ("NSAID or aspirin" in allergies) is (Allergy.nsaid in case.allergies)
    assert ("opioids (class)" in allergies) is (Allergy.opioid in case.allergies)
    for generic in case.allergic_to:
        assert generic in allergies

    regular = _entries(_line(note, "Regular medicines"))
    assert len(regular) == len(case.current_medications)
    for entry, med in zip(regular, case.current_medications, strict=True):
        _check_medicine(entry, med)
    given_now = _entries(_line(note, "Given this episode"))
    assert len(given_now) == len(case.tried)
    for entry, tried in zip(given_now, case.tried, strict=True):
        _check_medicine(entry, tried)

    also = [ln for ln in note.splitlines() if ln.startswith("- Also:")]
    extras = {
        "prior overdose": case.prior_overdose,
        "heavy alcohol use": case.heavy_alcohol_use,
        "take-home opioid chosen": case.take_home_opioid,
    }
    for words, present in extras.items():
        assert any(words in ln for ln in also) is present


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(medicines=True))
def test_every_input_of_a_generated_case_reads_back_from_the_note(case: PatientCase) -> None:
    """Property (issue 21): the text for the EHR and the Markdown behind the PDF each record
    every field of the case, numbers to six significant figures, each medicine with its dose."""
    plan = build_plan(case)
    assert_note_records(case, plan, clinical_note_text(case, plan, generated=DAY))
    assert_note_records(case, plan, clinical_note_markdown(case, plan, generated=DAY))


def test_the_issue_patient_on_sertraline_and_apixaban_is_recorded() -> None:
    """The issue's example: 'none recorded' for a patient on sertraline and apixaban."""
    case = PatientCase(
        age_years=72,
        sex="female",
        weight_kg=60,
        serum_creatinine_mg_dl=2.1,
        current_medications=[
            {"drug": "Zoloft", "dose": 50, "doses_per_day": 1, "weeks": 20},
            {"drug": "apixaban", "dose": 5, "doses_per_day": 2},
        ],
        tried=[{"drug": "ibuprofen", "dose": 400, "route": "po", "doses_given": 2}],
        allergies=["opioid"],
        allergic_to=["codeine"],
    )
    note = clinical_note_text(case, build_plan(case), generated=DAY)
    assert "Regular medicines: sertraline 50 mg 1/day for 20 weeks; apixaban 5 mg 2/day" in note
    assert "Given this episode: ibuprofen 400 mg PO x2 (relief: minimal)" in note
    assert "Allergies: opioids (class), codeine" in note


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_teaching_case_record_fits_an_ehr_field_and_one_page(case_id: str) -> None:
    """Issue 21: the EHR text is at most 3,000 characters (it was 11,163-14,361) and the PDF
    of the record is one A4 page (it was 9-10)."""
    case = CASES[case_id].case
    plan = build_plan(case)
    assert len(clinical_note_text(case, plan, generated=DAY)) <= RECORD_MAX_CHARS
    pdf = record_pdf(clinical_note_markdown(case, plan, generated=DAY))
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) == 1


def test_page_count_counts_pages() -> None:
    """The page counter is not always 1: the full reasoning document runs to several pages."""
    case = CASES["reference"].case
    plan = build_plan(case)
    from logic.formats.export import note_pdf

    assert pdf_pages(note_pdf(reasoning_markdown(case, plan, generated=DAY))) > 1


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_reasoning_document_holds_what_the_record_leaves_out(case_id: str) -> None:
    """Each withheld drug's reason, each warning's source and each order's note are in the
    separate reasoning document, which records the same inputs."""
    case = CASES[case_id].case
    plan = build_plan(case)
    reasoning = reasoning_markdown(case, plan, generated=DAY)
    assert_note_records(case, plan, reasoning)
    for warning in plan.warnings:
        assert warning.message in reasoning
        if warning.source:
            assert warning.source in reasoning
    for avoid in plan.avoid:
        assert avoid.reason.strip() in reasoning
    assert "## Sources" in reasoning


def test_harm_already_done_leads_the_cautions() -> None:
    """Ibuprofen given with an anticoagulant at CrCl < 30 (NSAID labels: bleeding, renal
    toxicity): the record's cautions open with the harm already done, before any warning."""
    case = PatientCase(
        age_years=58,
        sex="male",
        weight_kg=70,
        crcl_ml_min=25,
        current_medications=[{"drug": "apixaban", "dose": 5, "doses_per_day": 2}],
        tried=[{"drug": "ibuprofen", "dose": 400}],
    )
    note = clinical_note_text(case, build_plan(case), generated=DAY)
    cautions = note.split("CAUTIONS", 1)[1].split("GIVE NOW", 1)[0].strip().splitlines()
    assert cautions[0].startswith("- HARM MAY ALREADY BE DONE - ibuprofen:")
    assert note.index("CAUTIONS") < note.index("GIVE NOW")
    safe = PatientCase(age_years=58, sex="male", weight_kg=70, crcl_ml_min=90)
    assert "HARM MAY ALREADY BE DONE" not in clinical_note_text(
        safe, build_plan(safe), generated=DAY
    )
