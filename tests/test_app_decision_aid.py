"""The decision aid on the page (AppTest): one click on its tab shows every offered option with
its icon array and figures; the patient view shows the same pictures in plain words."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from logic.engine.decision_aid import arm_line, decision_rows, headline, plain_line
from logic.engine.plan import build_plan
from logic.library.cases import CASES_DIR, load_case

REFERENCE = load_case(CASES_DIR / "reference.toml").case


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def _text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_decision_aid_tab_shows_each_offered_option():
    """Opening the 'Decision aid' tab draws one icon array per option the plan offers, with the
    trial line for each arm, and nothing for options the plan withholds."""
    rows = decision_rows(build_plan(REFERENCE))
    assert rows, "the reference case offers at least an NSAID"
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    assert not any("Decision aid" in s.value for s in at.subheader), "built only when open"
    at.session_state["plan_tab"] = "Decision aid"
    at.run()
    assert not at.exception
    assert any("Decision aid" in s.value for s in at.subheader)
    shown = _text(at)
    for row in rows:
        assert row.option.value in shown
        for arm in row.arms:
            assert arm_line(arm) in shown
    assert len(at.get("vega_lite_chart")) == len(rows)


def test_patient_view_shows_plain_icon_arrays():
    rows = decision_rows(build_plan(REFERENCE))
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.segmented_control(key="audience").set_value("patient").run()
    assert not at.exception
    shown = _text(at)
    assert "What happened to 100 people like you" in [s.value for s in at.subheader]
    for row in rows:
        assert plain_line(headline(row)) in shown
    assert "Friedman" not in shown, "the patient view names no trial"
    assert len(at.get("vega_lite_chart")) == len(rows)


def test_why_tab_lists_mimics_for_this_patient_first():
    """The Why tab (open by default) ends with 'Why might it still hurt?', this case's first."""
    from logic.engine.mimics import why_it_might_still_hurt

    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.session_state["plan_tab"] = "Why"
    at.run()
    assert not at.exception
    assert any("Why might it still hurt?" in s.value for s in at.subheader)
    top = why_it_might_still_hurt(REFERENCE)[0]
    shown = _text(at)
    assert top.mimic.condition in shown
    for reason in top.because:
        assert reason in shown
