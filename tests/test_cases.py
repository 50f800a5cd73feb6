"""Teaching cases in cases/*.toml and the check of a plan against them (logic/library/cases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logic.engine.plan import build_plan
from logic.engine.renal import assess_renal
from logic.formats.share import case_from_query, case_to_query
from logic.library.cases import (
    CASES_DIR,
    CaseFileError,
    TeachingCase,
    check_expectations,
    load_cases,
)
from logic.models import Order, Route, TriageLevel

CASES = load_cases()
REQUIRED = {
    "reference",
    "reference_radicular",
    "radicular_crcl_25",
    "older_adult_benzodiazepine",
    "cauda_equina",
    "pregnant",
    "opioid_use_disorder",
}


def test_the_seven_required_vignettes_exist() -> None:
    """Every vignette the issue asks for is in cases/, each file named by its id."""
    assert set(CASES) >= REQUIRED
    assert len(CASES) >= 7
    for case_id in CASES:
        assert (CASES_DIR / f"{case_id}.toml").is_file()


def test_cases_dir_is_found_from_the_package() -> None:
    """CASES_DIR points at the top-level cases/ folder whatever the working directory."""
    assert Path(__file__).resolve().parent.parent / "cases" == CASES_DIR


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case_file_is_complete(case_id: str) -> None:
    """Title, vignette, learning points, sources and a quiz with a right answer are present."""
    case = CASES[case_id]
    assert case.title
    assert len(case.vignette) > 100
    assert case.learning_points
    assert case.sources
    assert case.quiz.question == "What would you give now?"
    assert any(option.correct for option in case.quiz.options)
    assert all(option.why for option in case.quiz.options)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_engine_plan_meets_the_case_expectations(case_id: str) -> None:
    """build_plan(case) does everything the case file's sourced expectations ask."""
    case = CASES[case_id]
    assert check_expectations(case, build_plan(case.case)) == []


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case_survives_a_share_link(case_id: str) -> None:
    """Each teaching case round-trips through its URL query parameters."""
    patient = CASES[case_id].case
    assert case_from_query(case_to_query(patient)).case == patient


def test_reference_case_matches_the_seed_question() -> None:
    """The reference: prednisone, orphenadrine twice, gabapentin, ketorolac, dexamethasone."""
    patient = CASES["reference"].case
    drugs = [(t.drug, t.doses_given) for t in patient.tried]
    assert sorted(drugs) == sorted(
        [
            ("prednisone", 1),
            ("orphenadrine", 2),
            ("gabapentin", 1),
            ("ketorolac", 1),
            ("dexamethasone", 1),
        ]
    )
    assert not patient.radicular
    assert patient.pain_score == 8
    assert patient.setting == "ed"
    radicular = CASES["reference_radicular"].case
    assert radicular.radicular
    assert radicular.tried == patient.tried


def test_radicular_renal_case_has_a_clearance_near_25() -> None:
    """Age, weight and creatinine give a Cockcroft-Gault CrCl of about 25 mL/min."""
    renal = assess_renal(CASES["radicular_crcl_25"].case)
    assert renal.crcl_ml_min is not None
    assert 22 <= renal.crcl_ml_min <= 28


def test_cauda_equina_case_is_an_emergency_without_discharge() -> None:
    """Saddle anaesthesia with retention: emergency triage and no discharge orders."""
    plan = build_plan(CASES["cauda_equina"].case)
    assert plan.triage.level is TriageLevel.emergency
    assert plan.discharge == ()


def test_check_reports_a_plan_that_misses_expectations() -> None:
    """The reference plan judged by the cauda equina file fails on triage and discharge."""
    failures = check_expectations(CASES["cauda_equina"], build_plan(CASES["reference"].case))
    assert any("triage is routine, expected emergency" in f for f in failures)
    assert any("discharge orders present" in f for f in failures)


def test_check_catches_an_nsaid_slipped_into_a_renal_plan() -> None:
    """Adding ibuprofen to the CrCl 25 plan is reported as an NSAID order."""
    case = CASES["radicular_crcl_25"]
    plan = build_plan(case.case)
    ibuprofen = Order(drug="ibuprofen", dose_mg_low=400, dose_mg=400, route=Route.po)
    bad = plan.model_copy(update={"discharge": (*plan.discharge, ibuprofen)})
    failures = check_expectations(case, bad)
    assert any("NSAID ordered" in f and "ibuprofen" in f for f in failures)


def test_check_catches_a_gabapentin_plan_above_the_renal_cap() -> None:
    """A gabapentin maximum above 700 mg/day at CrCl 25 is reported."""
    case = CASES["radicular_crcl_25"]
    plan = build_plan(case.case)
    assert plan.gabapentin is not None
    too_high = plan.gabapentin.model_copy(update={"max_daily_mg": 1400})
    failures = check_expectations(case, plan.model_copy(update={"gabapentin": too_high}))
    assert any("above 700" in f for f in failures)


def test_check_catches_a_long_opioid_course() -> None:
    """A 7-day discharge opioid breaks the reference's 3-day limit."""
    case = CASES["reference"]
    opioid = Order(
        drug="oxycodone", dose_mg_low=5, dose_mg=5, route=Route.po, every_hours=6, days=7
    )
    plan = build_plan(case.case)
    failures = check_expectations(case, plan.model_copy(update={"discharge": (opioid,)}))
    assert any("at most 3" in f for f in failures)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


_GOOD = (CASES_DIR / "cauda_equina.toml").read_text(encoding="utf-8")


def test_loader_reads_a_copied_folder(tmp_path: Path) -> None:
    """load_cases takes any folder."""
    _write(tmp_path, "cauda_equina", _GOOD)
    loaded = load_cases(tmp_path)
    assert list(loaded) == ["cauda_equina"]
    assert isinstance(loaded["cauda_equina"], TeachingCase)


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("broken", "id = 'broken'\ntitle = [", "broken.toml"),
        ("other_name", _GOOD, "must match the file name"),
        ("cauda_equina", _GOOD.replace("[expect]", "[expect]\nexpected_typo = 1"), "typo"),
        ("cauda_equina", _GOOD.replace("age_years = 50", "age_years = 5"), "age_years"),
        (
            "cauda_equina",
            _GOOD.replace('triage_action_mentions = ["MRI"]', 'avoid_classes = ["opiates"]'),
            "unknown drug class",
        ),
        ("cauda_equina", _GOOD.replace("correct = true", "correct = false"), "correct option"),
    ],
)
def test_bad_case_file_fails_loudly_naming_the_file(
    tmp_path: Path, name: str, text: str, words: str
) -> None:
    """Bad TOML, a wrong id, unknown keys, invalid fields or no right answer name the file."""
    _write(tmp_path, name, text)
    with pytest.raises(CaseFileError) as error:
        load_cases(tmp_path)
    assert f"{name}.toml" in str(error.value)
    assert words in str(error.value)
