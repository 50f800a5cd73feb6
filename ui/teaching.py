"""Teaching cases: the vignette above the plan and, for residents, the quiz that hides it."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from logic.formats.plaintext import plain_text
from logic.formats.share import case_to_query
from logic.library.cases import TeachingCase, load_cases
from logic.models import PatientCase
from ui.fields import widget_values
from ui.form import set_case_widgets


@st.cache_data(max_entries=1, show_spinner=False)
def teaching_cases() -> dict[str, TeachingCase]:
    """Teaching cases from cases/*.toml, parsed once per server process."""
    return load_cases()


def load_teaching_case(cases: Mapping[str, TeachingCase]) -> None:
    """Selectbox callback: seed the widgets with the chosen teaching case and reset its quiz."""
    teaching = cases.get(st.session_state.get("case") or "")
    if teaching is None:
        return
    state, _ = widget_values(teaching.case.model_dump(exclude_defaults=True))
    set_case_widgets(state)
    st.session_state["link_notices"] = []
    st.session_state["quiz_answer"] = None
    st.session_state["quiz_revealed"] = None
    reset_attempt()


def reset_attempt() -> None:
    """A new case starts a new attempt (New case, Reference case, a teaching case)."""
    st.session_state["attempt_revealed"] = False
    st.session_state["attempt_saved"] = ""


def reveal_attempt() -> None:
    """Reveal button callback: keep the resident's answer to compare with the plan."""
    st.session_state["attempt_saved"] = st.session_state.get("attempt_text") or ""
    st.session_state["attempt_revealed"] = True


def attempt_first() -> bool:
    """Resident mode on any case that is not a teaching case: 'what would you give now?'
    before the plan (attempt, then reveal). True when the plan may show. The answer stays in
    this tab's session: it is never in the link, the note or a log."""
    if st.session_state.get("attempt_revealed"):
        said = st.session_state.get("attempt_saved") or ""
        st.info(
            f"**Your answer:** {plain_text(said, 400)}"
            if said.strip()
            else "You revealed the plan without writing an answer.",
            title="Compare with the plan below and its Why tab",
            icon=":material/school:",
        )
        return True
    with st.container(border=True, key="resident_attempt"):
        st.subheader(":material/school: What would you give now?", anchor=False)
        st.text_area(
            "Your plan: what now, what at discharge, what to avoid",
            key="attempt_text",
            height=110,
            placeholder="e.g. naproxen 500 mg now, no opioid, heat, review in 3 days",
            help="Stays on this page only: never saved, logged or put in the link.",
        )
        st.button(
            "Reveal the plan",
            icon=":material/visibility:",
            type="primary",
            key="attempt_reveal",
            on_click=reveal_attempt,
        )
        st.caption(
            ":material/visibility_off: The plan is hidden until you reveal it: decide first, "
            "then compare."
        )
    return False


def reveal_quiz(case_id: str) -> None:
    """Reveal button callback: remember the case and the answer chosen before revealing."""
    st.session_state["quiz_revealed"] = {
        "case": case_id,
        "answer": st.session_state.get("quiz_answer"),
    }


def show_teaching_case(teaching: TeachingCase, case: PatientCase | None, audience: str) -> bool:
    """The vignette above the plan; in resident mode the quiz first. True when the plan may show."""
    revealed = st.session_state.get("quiz_revealed") or {}
    quiz_open = audience == "resident" and revealed.get("case") != teaching.id
    with st.expander(
        f":material/school: Teaching case: {teaching.title}",
        expanded=quiz_open,
        key="teaching_case",
    ):
        st.markdown(teaching.vignette.strip())
        if case is not None and case_to_query(case) != case_to_query(teaching.case):
            st.caption(
                ":material/edit: The inputs have been changed since the case was loaded: the "
                "plan is for the inputs as they are now."
            )
        if quiz_open:
            st.radio(
                teaching.quiz.question,
                options=[option.text for option in teaching.quiz.options],
                index=None,
                key="quiz_answer",
            )
            st.button(
                "Reveal the plan",
                icon=":material/visibility:",
                type="primary",
                key="quiz_reveal",
                on_click=reveal_quiz,
                args=(teaching.id,),
            )
            st.caption(
                ":material/visibility_off: The plan is hidden until you reveal it: decide what "
                "you would give first, then compare."
            )
            return False
        if audience == "resident":
            answer = revealed.get("answer")
            chosen = next((o for o in teaching.quiz.options if o.text == answer), None)
            if chosen is None:
                st.info("You revealed the plan without choosing an answer.", icon=":material/info:")
            elif chosen.correct:
                st.success(f"**Right.** {chosen.why}", icon=":material/check_circle:")
            else:
                st.error(f"**Not quite.** {chosen.why}", icon=":material/cancel:")
            st.markdown(
                f"**{teaching.quiz.question}**\n\n"
                + "\n".join(
                    f"- {'Right' if option.correct else 'Wrong'}: **{option.text}**"
                    + (" _(your answer)_" if option is chosen else "")
                    + f". {option.why}"
                    for option in teaching.quiz.options
                )
            )
        st.markdown(
            "**Learning points**\n\n"
            + "\n".join(f"- {point}" for point in teaching.learning_points)
        )
    return True
