"""Observations read as an EHR records them: which one is latest, how old it is, bounds,
stated absences, decimal pain scores and creatinine in whole blood.

Expectations: FHIR R4 datatypes (a dateTime with a time carries its offset; Quantity.comparator
marks a bound; dataAbsentReason says why a value is missing), LOINC 38483-4 (Creatinine
[Mass/volume] in Blood), the 0-10 numeric rating scale's whole points (Hawker 2011), KDIGO
2012's 3-month chronicity window for the creatinine caution, and hand arithmetic for instants.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logic.formats.fhir.read import CAUTION_AFTER_DAYS, PAIN_MAX_AGE_DAYS, case_from_resources

TODAY = dt.date(2026, 12, 1)
PATIENT = {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1981-03-02"}


def obs(code: str, when: str = "2026-11-30", **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": when,
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        **value,
    }


def qty(value: float, code: str, comparator: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value, "system": "http://unitsofmeasure.org", "code": code}
    if comparator:
        q["comparator"] = comparator
    return {"valueQuantity": q}


WEIGHT = obs("29463-7", **qty(80, "kg"))
PAIN = obs("72514-3", valueInteger=8)


def read(*resources: dict[str, Any]) -> Any:
    return case_from_resources([PATIENT, *resources], today=TODAY)


# --- latest by the moment named, not by text -----------------------------------------------


def test_latest_is_by_instant_across_offsets() -> None:
    """10:00+05:00 is 05:00 UTC; 06:00+00:00 is later though it sorts first as text."""
    early = obs("29463-7", when="2026-11-30T10:00:00+05:00", **qty(70, "kg"))
    late = obs("29463-7", when="2026-11-30T06:00:00+00:00", **qty(90, "kg"))
    assert read(early, late, PAIN).case.weight_kg == 90
    assert read(late, early, PAIN).case.weight_kg == 90


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(-12, 14), st.integers(40, 150)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_rewriting_times_in_other_offsets_never_changes_which_is_latest(
    points: list[tuple[int, int, int]],
) -> None:
    """The same instants written with arbitrary offsets pick the same weight."""
    base = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)

    def weights(shift_offsets: bool) -> float:
        resources = []
        for minutes, offset, kg in points:
            moment = base + dt.timedelta(minutes=minutes)
            zone = dt.timezone(dt.timedelta(hours=offset if shift_offsets else 0))
            stamp = moment.astimezone(zone).isoformat()
            resources.append(obs("29463-7", when=stamp, **qty(kg, "kg")))
        return read(*resources, PAIN).case.weight_kg

    latest_kg = max(points)[2]
    assert weights(False) == latest_kg
    assert weights(True) == latest_kg


# --- bounds, absences -----------------------------------------------------------------------


def test_a_creatinine_bound_is_not_read_as_its_number() -> None:
    """'<0.5 mg/dL' says only that the value is below 0.5 (Quantity.comparator)."""
    result = read(WEIGHT, PAIN, obs("2160-0", **qty(0.5, "mg/dL", "<")))
    assert result.case.serum_creatinine_mg_dl is None
    assert any("bound (<0.5 mg/dL)" in line for line in result.ignored)


def test_a_weight_bound_gives_no_weight() -> None:
    result = read(obs("29463-7", **qty(150, "kg", ">")), PAIN)
    assert result.case is None
    assert any("body weight" in line and "bound" in line for line in result.missing)


def test_a_stated_absence_is_reported_as_such() -> None:
    absent = obs(
        "29463-7",
        dataAbsentReason={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "asked-unknown",
                }
            ]
        },
    )
    result = read(absent, PAIN)
    assert result.case is None
    assert any("dataAbsentReason: asked-unknown" in line for line in result.missing)


# --- creatinine in whole blood ------------------------------------------------------------


def test_creatinine_coded_in_blood_is_read() -> None:
    """LOINC 38483-4 Creatinine [Mass/volume] in Blood, as Synthea records it."""
    result = read(WEIGHT, PAIN, obs("38483-4", **qty(1.4, "mg/dL")))
    assert result.case.serum_creatinine_mg_dl == 1.4


# --- how old ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_old", "cautioned"),
    [(CAUTION_AFTER_DAYS["serum_creatinine_mg_dl"], False), (91, True)],
)
def test_an_old_creatinine_is_used_with_a_caution(days_old: int, cautioned: bool) -> None:
    """90 days: KDIGO 2012's 3-month window; day 90 is inside it, day 91 outside."""
    when = (TODAY - dt.timedelta(days=days_old)).isoformat()
    result = read(WEIGHT, PAIN, obs("2160-0", when=when, **qty(1.1, "mg/dL")))
    assert result.case.serum_creatinine_mg_dl == 1.1
    assert any("serum creatinine" in line and "recheck" in line for line in result.ignored) == (
        cautioned
    )


@pytest.mark.parametrize(("days_old", "read_it"), [(PAIN_MAX_AGE_DAYS, True), (2, False)])
def test_a_pain_score_from_another_day_is_not_todays(days_old: int, read_it: bool) -> None:
    when = (TODAY - dt.timedelta(days=days_old)).isoformat()
    result = read(WEIGHT, obs("72514-3", when=when, valueInteger=6))
    if read_it:
        assert result.case.pain_score == 6
    else:
        assert result.case is None
        assert any("pain score" in line and "days ago" in line for line in result.missing)


# --- decimal pain scores ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "read_as"),
    [(7.5, 8), (7.49, 7), (0.4, 0), (9.5, 10), (10.0, 10), (2.3425411905856355, 2)],
)
def test_a_decimal_pain_score_is_read_as_its_nearest_point(recorded: float, read_as: int) -> None:
    result = read(WEIGHT, obs("72514-3", **qty(recorded, "{score}")))
    assert result.case.pain_score == read_as
    said = any(line.startswith("pain score:") and "read as" in line for line in result.ignored)
    assert said == (recorded != read_as)
