"""Issue 20: long QT as its own input (`Condition.qt_prolongation`), beside conduction disease.

Each expectation is from a label: the Dolophine (methadone) boxed warning (life-threatening QT
prolongation), the citalopram label (not recommended in congenital long QT syndrome), the Zofran
label 5 Warnings (avoid ondansetron in congenital long QT syndrome), the hydroxyzine label
(contraindicated with a prolonged QT interval), the amitriptyline label (arrhythmias, prolonged
conduction) and the Flexeril label (contraindicated with arrhythmias or conduction
disturbances). The box reaches the page, the link (only when sharing: conditions are
sensitive) and FHIR in and out (its own code, ICD-10-CM I45.81 and SNOMED CT).
"""

from __future__ import annotations

import datetime as dt

import pytest

from logic import build_plan
from logic.formats import share
from logic.formats.fhir.codes import ICD10CM, SNOMED
from logic.formats.fhir.read import case_from_resources
from logic.formats.fhir.write import case_resources
from logic.models import Condition, PatientCase, TreatmentPlan

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}
TODAY = dt.date(2026, 1, 1)


def _plan(**extra: object) -> TreatmentPlan:
    return build_plan(PatientCase(**{**BASE, **extra}))


def _ids(plan: TreatmentPlan) -> set[str]:
    found = {i for a in plan.avoid for i in a.rule_ids}
    return found | {i for w in plan.warnings for i in w.rule_ids}


@pytest.mark.parametrize(
    ("conditions", "withheld"),
    [
        # Flexeril label: arrhythmias or conduction disturbances; long QT is its own row.
        (["qt_prolongation"], {"qt-cyclobenzaprine"}),
        # Conduction disease keeps its own (older) row, and does not fire the QT row.
        (["cardiac_conduction_disease"], {"cyclobenzaprine-contraindicated"}),
        # The other side: neither box, and cyclobenzaprine is offered (ACP 2017).
        ([], set()),
    ],
)
def test_long_qt_withholds_cyclobenzaprine_by_its_own_row(
    conditions: list[str], withheld: set[str]
) -> None:
    plan = _plan(conditions=conditions)
    offered = any(o.generic == "cyclobenzaprine" for o in plan.discharge)
    assert offered is not bool(withheld)
    qt_rows = {"qt-cyclobenzaprine", "cyclobenzaprine-contraindicated"}
    assert _ids(plan) & qt_rows == withheld


@pytest.mark.parametrize(("qt", "offered"), [(True, False), (False, True)])
def test_long_qt_withholds_amitriptyline(qt: bool, offered: bool) -> None:
    """Amitriptyline label (arrhythmias); the case is one where the plan would add it."""
    plan = _plan(
        radicular=True, pain_duration_weeks=6, conditions=["qt_prolongation"] if qt else []
    )
    assert any(o.generic == "amitriptyline" for o in plan.discharge) is offered
    assert ("qt-tricyclic" in _ids(plan)) is qt


@pytest.mark.parametrize(
    ("medicines", "tried", "named"),
    [
        ([{"drug": "methadone", "dose": 60, "doses_per_day": 1}], [], ("methadone",)),
        ([{"drug": "Celexa", "dose": 20}], [], ("citalopram",)),
        (
            [{"drug": "hydroxyzine", "dose": 25}],
            [{"drug": "Zofran", "dose_mg": 4}],
            ("hydroxyzine", "ondansetron"),
        ),
        ([{"drug": "sertraline", "dose": 50}], [], ()),  # not QT-prolonging in the catalogue
    ],
)
def test_a_qt_prolonging_medicine_on_board_is_named_with_long_qt(
    medicines: list[dict[str, object]], tried: list[dict[str, object]], named: tuple[str, ...]
) -> None:
    with_box = _plan(conditions=["qt_prolongation"], current_medications=medicines, tried=tried)
    without = _plan(current_medications=medicines, tried=tried)
    warning = [w for w in with_box.warnings if w.code == "qt-home-drug"]
    assert not [w for w in without.warnings if w.code == "qt-home-drug"]
    if not named:
        assert warning == []
        return
    (only,) = warning
    assert only.rule_ids == ("qt-home-drug",)
    assert only.severity.value == "danger"
    for name in named:
        assert name in only.message
    assert "ECG" in only.message
    assert "Dolophine" in only.source


def test_regular_methadone_with_long_qt_is_not_stopped_by_the_plan() -> None:
    """CDC 2022 rec 12: MOUD is continued; the QT finding goes to its prescriber."""
    plan = _plan(
        conditions=["qt_prolongation"],
        current_medications=[{"drug": "methadone", "dose": 80, "doses_per_day": 1}],
    )
    (warning,) = [w for w in plan.warnings if w.code == "qt-home-drug"]
    assert "do not stop it abruptly" in warning.message


def test_the_page_offers_the_box_and_conduction_no_longer_says_qt() -> None:
    from ui.form import CONDITIONS

    assert "QT" in CONDITIONS[Condition.qt_prolongation]
    assert "QT" not in CONDITIONS[Condition.cardiac_conduction_disease]


def test_the_link_carries_it_only_when_sharing() -> None:
    case = PatientCase(**BASE, conditions=[Condition.qt_prolongation])
    assert "qt_prolongation" in share.share_query(case)["conditions"]
    assert "qt_prolongation" not in share.private_query(case).get("conditions", "")
    back = share.case_from_query(share.share_query(case)).case
    assert back is not None
    assert back.conditions == (Condition.qt_prolongation,)


def test_fhir_writes_and_reads_it_back() -> None:
    case = PatientCase(**BASE, conditions=[Condition.qt_prolongation])
    back = case_from_resources(case_resources(case, today=TODAY), today=TODAY).case
    assert back is not None
    assert back.conditions == (Condition.qt_prolongation,)


@pytest.mark.parametrize(
    ("system", "code", "found"),
    [
        (ICD10CM, "I45.81", True),  # ICD-10-CM: Long QT syndrome
        (ICD10CM, "I45.89", False),  # Other specified conduction disorders: not long QT
        (SNOMED, "9651007", True),  # Long QT syndrome
        (SNOMED, "111975006", True),  # Prolonged QT interval
    ],
)
def test_a_recorded_long_qt_code_reads_as_the_box(system: str, code: str, found: bool) -> None:
    cases = case_resources(PatientCase(**BASE), today=TODAY)
    cases.append(
        {
            "resourceType": "Condition",
            "id": "qt",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "code": {"coding": [{"system": system, "code": code}]},
            "subject": {"reference": "Patient/patient"},
        }
    )
    back = case_from_resources(cases, today=TODAY).case
    assert back is not None
    assert (Condition.qt_prolongation in back.conditions) is found
