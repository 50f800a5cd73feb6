"""'Why might it still hurt?': the mimics of back pain, ordered by this patient's facts.
Layout only; the list and its order come from logic.engine.mimics."""

from __future__ import annotations

import streamlit as st

from logic.engine.mimics import PAGE, why_it_might_still_hurt
from logic.models import PatientCase

#: How many mimics show before the rest fold away: the patient's own facts order the list, so
#: the first few are the ones to check now.
FIRST = 2


def show_mimics(case: PatientCase) -> None:
    st.subheader(":material/search: Why might it still hurt?", anchor="still-hurts")
    st.caption(
        "Pain that resists several medicines is a reason to re-check the diagnosis (ACP/APS "
        "2007). First: the conditions this patient's own facts point to."
    )
    lines = []
    for line in why_it_might_still_hurt(case):
        why = f" · *because: {', '.join(line.because)}*" if line.because else ""
        lines.append(f"- **{line.mimic.condition}**: {line.mimic.check} ({line.mimic.source}){why}")
    first, rest = lines[:FIRST], lines[FIRST:]
    st.markdown("\n".join(first))
    if rest:  # the rest one click away, so the tab stays short (issue 21: page height)
        with st.expander(f"The other {len(rest)} to consider", key="mimics_rest"):
            st.markdown("\n".join(rest) + f"\n\n[Sources: the evidence page](#ev-{PAGE})")
    else:
        st.markdown(f"[Sources: the evidence page](#ev-{PAGE})")
