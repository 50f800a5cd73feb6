"""The patient view shows only patient material (issue 21): no opioid rescue doses, none of
the clinician's case tools, and a privacy line that names nothing the patient cannot see."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from logic.engine.plan import build_plan
from logic.formats.export import patient_handout_markdown
from logic.library.cases import load_cases

CASES = load_cases()


def _rescue_cases() -> list[str]:
    return [k for k, c in CASES.items() if any(o.is_opioid for o in build_plan(c.case).give_now)]


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def test_some_teaching_case_offers_an_opioid_rescue() -> None:
    assert _rescue_cases(), "the handout test below needs a case with an opioid rescue"


@pytest.mark.parametrize("case_id", _rescue_cases())
def test_handout_names_no_opioid_rescue_dose(case_id: str) -> None:
    """The issue's example: 'hydromorphone 0.5 to 1 mg into a vein' was in the handout."""
    case = CASES[case_id].case
    plan = build_plan(case)
    handout = patient_handout_markdown(case, plan)
    for order in plan.give_now:
        if order.is_opioid:
            assert order.generic not in handout.lower().split("medicines to take at home")[0]
    if plan.triage.level.value != "emergency":  # the emergency handout says: stay here
        assert "stronger (opioid) pain medicine" in handout
        assert "OPAL" in handout


def test_patient_view_has_no_case_tools_and_says_no_hidden_button() -> None:
    at = AppTest.from_file("../app.py", default_timeout=30)
    at.query_params["audience"] = "patient"
    at.run()
    assert not at.exception
    keys = {b.key for b in at.button}
    assert not keys & {"new_case", "reference_case", "make_case_link"}
    assert "case" not in {s.key for s in at.selectbox}
    captions = " ".join(c.value for c in at.caption)
    assert "Copy case link" not in captions
    assert "Nothing is saved" in captions
    plan = build_plan(CASES["reference"].case)
    shown = " ".join(m.value for m in at.markdown)
    for order in plan.give_now:
        if order.is_opioid:
            assert order.sig not in shown
    # Back to the clinician view: the tools return.
    at.segmented_control(key="audience").set_value("clinician").run()
    assert {"new_case", "reference_case"} <= {b.key for b in at.button}
    assert "Copy case link" in " ".join(c.value for c in at.caption)
