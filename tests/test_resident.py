"""Resident mode asks 'what would you give now?' on any case before revealing (issue 21)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from logic.engine.plan import build_plan
from logic.library.cases import load_cases

REFERENCE = load_cases()["reference"].case


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()


def shown(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [a.value for kind in (at.error, at.warning, at.info, at.success) for a in kind]
    return "\n".join(parts)


def test_any_case_is_attempted_before_the_plan_shows() -> None:
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.segmented_control(key="audience").set_value("resident").run()
    plan = build_plan(REFERENCE)
    assert not at.metric, "the plan is hidden"
    assert plan.discharge[0].sig not in shown(at)
    assert "What would you give now?" in [s.value for s in at.subheader][-1]
    at.text_area(key="attempt_text").input("naproxen and heat; **no** opioid").run()
    at.button(key="attempt_reveal").click().run()
    assert not at.exception
    assert at.metric, "the plan shows once revealed"
    assert plan.discharge[0].sig in shown(at)
    answer = next(i.value for i in at.info if "Your answer" in i.value)
    assert "naproxen and heat" in answer
    assert "\\*\\*no\\*\\*" in answer, "typed text is echoed as text, not Markdown"
    # Another case (New case, then the reference again) asks again.
    at.button(key="reference_case").click().run()
    assert not at.metric
    assert at.text_area(key="attempt_text") is not None


def test_the_answer_never_enters_the_link() -> None:
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.segmented_control(key="audience").set_value("resident").run()
    at.text_area(key="attempt_text").input("secret words").run()
    at.button(key="attempt_reveal").click().run()
    assert all("secret" not in str(at.query_params[k]) for k in at.query_params)


def test_clinician_sees_the_plan_at_once() -> None:
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    assert at.metric
    assert not [b for b in at.button if b.key == "attempt_reveal"]


QUIZZES = load_cases()


@pytest.mark.parametrize("case_id", sorted(QUIZZES))
def test_quiz_options_are_of_similar_length(case_id: str) -> None:
    """Issue 21: 'the right option is visibly the longest'. Every option is within 1.5 times
    the shortest, and the right one is never longer than the longest wrong one by more than
    a few characters (the explanations live in `why`, shown after the reveal)."""
    options = QUIZZES[case_id].quiz.options
    lengths = [len(o.text) for o in options]
    assert max(lengths) <= 1.5 * min(lengths), lengths
    longest_wrong = max(len(o.text) for o in options if not o.correct)
    for option in options:
        if option.correct:
            assert len(option.text) <= longest_wrong + 5, (option.text, lengths)
