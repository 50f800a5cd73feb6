"""Issue 20: the time of each dose given this visit (`TriedMedication.hours_ago`,
`days_since_first_dose`).

The plan says when the next NSAID, acetaminophen or opioid dose may follow (each label's dosing
interval: logic.drugs.intervals), which day of ketorolac's course this is (ketorolac labels,
boxed warning: IV, IM and oral together no more than 5 days), and the systemic steroid given as a
prednisone-equivalent total (BNF equivalent anti-inflammatory doses: prednisone 5 mg =
methylprednisolone 4 mg = dexamethasone 0.75 mg). The times reach the page's row, the link and
FHIR (MedicationAdministration effectiveDateTime / effectivePeriod) in and out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from logic import build_plan
from logic.case_fields import ROW_PARTS
from logic.drugs import intervals
from logic.drugs.dose_limits import Patient
from logic.formats import share
from logic.formats.fhir.read import case_from_resources
from logic.formats.fhir.write import case_resources
from logic.models import PatientCase, Route, TreatmentPlan, TriedMedication
from tests.test_tables import patient

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}
TODAY = dt.date(2026, 1, 2)
NOW = dt.datetime(2026, 1, 2, 10, 0, tzinfo=dt.UTC)


def _plan(*tried: dict[str, object], **extra: object) -> TreatmentPlan:
    return build_plan(PatientCase(**BASE, tried=list(tried), **extra))


def _patient(**changes: object) -> Patient:
    """The dose-limit tests' patient (tests/test_tables.py), opioid-naive unless changed."""
    return patient(**{"opioid_tolerant": False, **changes})


# (row id, drug, route, dose mg, patient changes, hours) from each label's interval.
INTERVAL_CASES = [
    ("interval-ketorolac-iv", "ketorolac", Route.iv, 15, {}, 6),  # injection: every 6 h
    ("interval-ketorolac-im", "ketorolac", Route.im, 30, {}, 6),
    ("interval-ketorolac-po", "ketorolac", Route.po, 10, {}, 4),  # tablets: every 4-6 h
    ("interval-ibuprofen", "ibuprofen", Route.po, 400, {}, 4),  # Motrin: 400 mg q4-6h
    ("interval-naproxen-250", "naproxen", Route.po, 250, {}, 6),  # Naprosyn: 250 mg q6-8h
    ("interval-naproxen-250", "naproxen", Route.po, 275, {}, 6),  # naproxen sodium 275
    ("interval-naproxen", "naproxen", Route.po, 500, {}, 12),  # Naprosyn: 500 mg q12h
    ("interval-naproxen", "naproxen", Route.po, None, {}, 12),  # dose unknown: the longer
    ("interval-diclofenac", "diclofenac", Route.po, 50, {}, 8),  # three times a day
    ("interval-celecoxib", "celecoxib", Route.po, 200, {}, 12),  # twice daily
    ("interval-meloxicam", "meloxicam", Route.po, 15, {}, 24),  # once daily
    ("interval-acetaminophen", "acetaminophen", Route.po, 1000, {}, 4),  # Ofirmev: >= 4 h
    ("interval-oxycodone", "oxycodone", Route.po, 5, {}, 4),
    ("interval-hydromorphone-iv", "hydromorphone", Route.iv, 0.5, {}, 2),  # every 2-3 h
    ("interval-hydromorphone-po", "hydromorphone", Route.po, 2, {}, 4),
    ("interval-hydromorphone-po", "hydromorphone", None, 2, {}, 4),  # route unknown: longer
    ("interval-morphine", "morphine", Route.iv, 4, {}, 4),
    ("interval-hydrocodone", "hydrocodone", Route.po, 5, {}, 4),
    ("interval-codeine", "codeine", Route.po, 30, {}, 4),
    ("interval-tramadol", "tramadol", Route.po, 50, {}, 4),
    # Ultram: CrCl below 30 (30 read as that band) and cirrhosis every 12 h; 31 is not.
    ("interval-tramadol-crcl-below-30", "tramadol", Route.po, 50, {"crcl": 30.0}, 12),
    ("interval-tramadol", "tramadol", Route.po, 50, {"crcl": 31.0}, 4),
    ("interval-tramadol-cirrhosis", "tramadol", Route.po, 50, {"cirrhosis": True}, 12),
]


@pytest.mark.parametrize(("row_id", "drug", "route", "dose", "changes", "hours"), INTERVAL_CASES)
def test_each_interval_row_against_its_label(
    row_id: str,
    drug: str,
    route: Route | None,
    dose: float | None,
    changes: dict[str, object],
    hours: float,
) -> None:
    found = intervals.interval_for(drug, route, dose, _patient(**changes))
    assert found is not None
    assert found.id == row_id
    assert found.min_hours == hours
    assert found.source


def test_every_interval_row_has_a_case() -> None:
    assert {c[0] for c in INTERVAL_CASES} == intervals.known_ids()


def test_a_drug_with_no_row_has_no_interval() -> None:
    assert intervals.interval_for("gabapentin", Route.po, 300, _patient()) is None


@pytest.mark.parametrize(
    ("hours_ago", "wait"),
    [
        (2, "not before 4 h from now"),  # ketorolac injection label: every 6 hours
        (5.9, "not before 0.1 h from now"),
        (6, "may be given now"),
        (8, "may be given now"),
    ],
)
def test_next_ketorolac_dose_is_due_six_hours_after_the_last(hours_ago: float, wait: str) -> None:
    plan = _plan({"drug": "ketorolac", "dose": 15, "route": "iv", "hours_ago": hours_ago})
    (warning,) = [w for w in plan.warnings if w.code == "next-dose-ketorolac"]
    assert wait in warning.message
    assert warning.rule_ids == ("next-dose-due", "interval-ketorolac-iv")
    assert "Ketorolac tromethamine injection label" in warning.source


def test_a_combination_product_gets_each_ingredients_interval() -> None:
    """Percocet is oxycodone with acetaminophen: both labels' intervals are named."""
    plan = _plan({"drug": "Percocet", "dose": 5, "hours_ago": 3})
    codes = {w.code: w for w in plan.warnings}
    assert "not before 1 h" in codes["next-dose-oxycodone"].message
    assert "not before 1 h" in codes["next-dose-acetaminophen"].message


def test_no_next_dose_without_a_time_or_for_an_extended_release_opioid() -> None:
    untimed = _plan({"drug": "ketorolac", "dose": 15, "route": "iv"})
    assert not [w for w in untimed.warnings if w.code.startswith("next-dose")]
    er = _plan({"drug": "OxyContin", "dose": 10, "hours_ago": 2})
    assert not [w for w in er.warnings if w.code.startswith("next-dose")]


def _ketorolac(days: int) -> dict[str, object]:
    return {"drug": "ketorolac", "dose": 15, "route": "iv", "days_since_first_dose": days}


@pytest.mark.parametrize(
    ("days", "day", "severity", "withheld"),
    [
        # Ketorolac labels: day 1 is the first dose's day; 5 days in total at most.
        (0, 1, "info", False),
        (3, 4, "info", False),
        (4, 5, "caution", False),  # the last day allowed
        (5, 6, "danger", True),  # past it: withheld
        (12, 13, "danger", True),
    ],
)
def test_ketorolac_day_of_five(days: int, day: int, severity: str, withheld: bool) -> None:
    plan = _plan(_ketorolac(days))
    (warning,) = [w for w in plan.warnings if w.code == "ketorolac-course-day"]
    assert f"day {day} of at most 5" in warning.message
    assert warning.severity.value == severity
    held = [a for a in plan.avoid if "ketorolac-past-5-days" in a.rule_ids]
    assert bool(held) is withheld
    if withheld:
        assert not [o for o in (*plan.give_now, *plan.discharge) if o.generic == "ketorolac"]


def test_no_ketorolac_day_without_its_start() -> None:
    plan = _plan({"drug": "ketorolac", "dose": 15, "route": "iv", "hours_ago": 1})
    assert "ketorolac-course-day" not in {w.code for w in plan.warnings}


@pytest.mark.parametrize(
    ("tried", "total"),
    [
        # BNF: prednisone 5 = methylprednisolone 4 = dexamethasone 0.75 (by hand).
        ([{"drug": "dexamethasone", "dose": 10}], "66.7"),  # 10 x 5 / 0.75
        ([{"drug": "prednisone", "dose": 50}], "50"),
        ([{"drug": "methylprednisolone", "dose": 40, "doses_given": 2}], "100"),  # 80 x 5 / 4
        ([{"drug": "Decadron", "dose": 4}, {"drug": "Medrol", "dose": 16}], "46.7"),  # 26.7+20
    ],
)
def test_steroid_given_as_prednisone_equivalent(tried: list[dict[str, object]], total: str) -> None:
    plan = _plan(*tried)
    (warning,) = [w for w in plan.warnings if w.code == "steroid-prednisone-equivalent"]
    assert f"; {total} mg prednisone equivalent in all" in warning.message
    assert "BNF" in warning.source
    assert warning.rule_ids[0] == "steroid-prednisone-equivalent"


def test_a_steroid_without_a_dose_is_named_as_not_counted() -> None:
    plan = _plan({"drug": "dexamethasone"})
    (warning,) = [w for w in plan.warnings if w.code == "steroid-prednisone-equivalent"]
    assert "Not counted (no dose entered): dexamethasone" in warning.message


def test_no_steroid_total_without_a_steroid() -> None:
    plan = _plan({"drug": "ketorolac", "dose": 15})
    assert "steroid-prednisone-equivalent" not in {w.code for w in plan.warnings}


@pytest.mark.parametrize(
    ("days", "hours", "valid"),
    [
        (0, 24, True),  # first and last dose today
        (0, 24.5, False),  # last dose before the first: a clear error
        (1, 48, True),
        (None, 72, True),
        (None, 72.5, False),  # the model's range
    ],
)
def test_the_two_times_must_agree(days: int | None, hours: float, valid: bool) -> None:
    def make() -> TriedMedication:
        return TriedMedication(drug="ketorolac", hours_ago=hours, days_since_first_dose=days)

    if valid:
        make()
    else:
        with pytest.raises(ValidationError):
            make()


TIMED = PatientCase(
    **BASE,
    tried=[
        {
            "drug": "ketorolac",
            "dose": 15,
            "route": "iv",
            "hours_ago": 2.5,
            "days_since_first_dose": 1,
            "relief": "none",
        },
        {"drug": "oxycodone", "dose": 5, "hours_ago": 1},
    ],
)


def test_the_row_parts_name_the_boxes() -> None:
    from ui.fields import ROWS

    assert ROW_PARTS["hours_ago"].unit == "hours"
    assert "days since the first dose" in ROW_PARTS["days_since_first_dose"].label
    assert {"hours_ago", "days_since_first_dose"} <= set(ROWS["tried"][1])


def test_the_link_carries_the_times() -> None:
    query = share.share_query(TIMED)
    assert query["tried"].startswith("ketorolac:15:iv:1:none:::2.5:1")
    assert share.private_query(TIMED)["tried"] == query["tried"]  # not sensitive
    back = share.case_from_query(query).case
    assert back is not None
    assert back.tried == TIMED.tried


def test_fhir_writes_and_reads_the_times_back() -> None:
    resources = case_resources(TIMED, today=TODAY, now=NOW)
    given = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert given[0]["effectivePeriod"] == {
        "start": "2026-01-01",
        "end": "2026-01-02T07:30:00+00:00",
    }
    assert given[1]["effectiveDateTime"] == "2026-01-02T09:00:00+00:00"
    back = case_from_resources(resources, today=TODAY, now=NOW).case
    assert back is not None
    assert back.tried == TIMED.tried


def _record(when: dict[str, object]) -> dict[str, object]:
    return {
        "resourceType": "MedicationAdministration",
        "id": f"dose-{len(str(when))}-{abs(hash(str(when))) % 1000}",
        "status": "completed",
        "medicationCodeableConcept": {"text": "ketorolac"},
        "subject": {"reference": "Patient/p"},
        "dosage": {
            "dose": {"value": 15, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
        },
        **when,
    }


def test_one_record_per_dose_gives_the_latest_time_and_the_earliest_start() -> None:
    """What an EHR sends: one record per dose. The last dose is the latest record; the course's
    first dose the earliest period start."""
    base = case_resources(PatientCase(**BASE), today=TODAY, now=NOW)
    records = [
        _record({"effectivePeriod": {"start": "2025-12-30", "end": "2026-01-02T04:00:00Z"}}),
        _record({"effectiveDateTime": "2026-01-02T08:00:00Z"}),
    ]
    back = case_from_resources([*base, *records], today=TODAY, now=NOW).case
    assert back is not None
    (ketorolac,) = back.tried
    assert ketorolac.doses_given == 2
    assert ketorolac.hours_ago == 2
    assert ketorolac.days_since_first_dose == 3


@pytest.mark.parametrize("when", ["2026-01-02T11:00:00Z", "2025-12-29T09:00:00Z"])
def test_a_time_in_the_future_or_days_old_is_not_read_as_this_visit(when: str) -> None:
    base = case_resources(PatientCase(**BASE), today=TODAY, now=NOW)
    back = case_from_resources(
        [*base, _record({"effectiveDateTime": when})], today=TODAY, now=NOW
    ).case
    assert back is not None
    assert back.tried[0].hours_ago is None


def test_the_page_table_holds_the_times_both_ways() -> None:
    """ui.fields: the case -> widget values -> the case again, times included."""
    from ui.fields import case_inputs, widget_values

    state, notices = widget_values(TIMED.model_dump(mode="json"))
    assert notices == []
    assert state["tried_hours_ago_ketorolac"] == 2.5
    assert state["tried_days_since_first_dose_ketorolac"] == 1
    raw, missing = case_inputs(state)
    assert missing == []
    assert PatientCase(**raw).tried == TIMED.tried
