"""The decision aid on the page: for each option this plan offers, an icon array of 100 people
and the trial figures behind it. Layout only; the rows and figures come from
logic.engine.decision_aid, which reads them from the plan's own orders."""

from __future__ import annotations

import streamlit as st

from logic.engine.decision_aid import (
    IMPROVE_ANYWAY,
    PEOPLE,
    PLAIN_OPTION,
    arm_line,
    decision_rows,
    discussed_note,
    headline,
    icon_array_alt,
    icon_array_spec,
    people,
    plain_line,
)
from logic.models import TreatmentPlan

#: The icon array's drawing width: ten 24 px columns, legible on a 390 px phone.
ICON_ARRAY_PX = 240


def show_decision_aid(plan: TreatmentPlan) -> None:
    """Clinician and resident view: every figure with its trial, arm, population and time."""
    rows = decision_rows(plan)
    st.subheader(":material/groups: Decision aid: 100 people like this", anchor="decision-aid")
    st.caption(
        "What happened to trial patients given each option this plan offers. These are trial "
        "arms, not a prediction for this patient; options the plan withholds are not shown. "
        f"Most people improve anyway: {arm_line(IMPROVE_ANYWAY)}."
    )
    if not rows:
        st.info("This plan offers no option with trial figures to show.", icon=":material/info:")
        return
    for row in rows:
        with st.container(border=True, key=f"aid_{row.option.name}"):
            main = headline(row)
            st.markdown(
                f"**{row.option.value}** · in this plan: {', '.join(row.drugs)}  \n"
                f"**{people(main)} of 100** {main.outcome.value} at {main.time_point}."
            )
            st.vega_lite_chart(
                icon_array_spec(main),
                width=ICON_ARRAY_PX,
                height=ICON_ARRAY_PX + 130,
                key=f"aid_chart_{row.option.name}",
                alt=icon_array_alt(main),
            )
            st.markdown("\n".join(f"- {arm_line(a)}" for a in row.arms))
            if row.note:
                st.caption(row.note)
    st.caption(discussed_note(rows))


def show_patient_decision_aid(plan: TreatmentPlan) -> None:
    """Patient view: the same pictures with one plain sentence each."""
    rows = decision_rows(plan)
    if not rows:
        return
    st.subheader("What happened to 100 people like you", anchor="what-happened")
    st.caption(
        "In studies, people with back pain like yours were given these medicines. Most got "
        f"better with time: of {PEOPLE} people who took naproxen alone, about "
        f"{people(IMPROVE_ANYWAY)} still had moderate or bad pain after "
        f"{IMPROVE_ANYWAY.time_point}."
    )
    for row in rows:
        main = headline(row)
        with st.container(border=True, key=f"patient_aid_{row.option.name}"):
            st.markdown(f"**{PLAIN_OPTION[row.option]}**  \n{plain_line(main)}")
            st.vega_lite_chart(
                icon_array_spec(main),
                width=ICON_ARRAY_PX,
                height=ICON_ARRAY_PX + 130,
                key=f"patient_aid_chart_{row.option.name}",
                alt=icon_array_alt(main),
            )
