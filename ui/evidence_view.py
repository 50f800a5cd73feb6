"""Evidence summaries from content/*.md: the topics this plan cites, the rest when asked for."""

from __future__ import annotations

import streamlit as st

from logic.library.evidence import (
    Audience,
    EvidenceTopic,
    audience_view,
    flag_line,
    load_evidence,
    source_flags,
)
from logic.models import TreatmentPlan


@st.cache_data(max_entries=1, show_spinner=False)
def evidence_library() -> dict[str, EvidenceTopic]:
    """Evidence topics from content/*.md, parsed once per server process."""
    return load_evidence()


def show_evidence(
    plan: TreatmentPlan, library: dict[str, EvidenceTopic], audience: Audience
) -> None:
    """The topics this plan cites; the rest of the library built only while opened."""
    if not library:
        st.caption("Evidence summaries are not available in this copy of the app.")
        return
    used = [i for i in plan.evidence_ids if i in library]
    others = [i for i in library if i not in used]
    st.caption(
        f"{len(used)} of {len(library)} topics are cited by this plan"
        + (f"; the other {len(others)} are under *More topics*" if others else "")
        + ". Each summary names its sources; where guidelines disagree, it says so."
    )
    for topic_id in used:
        show_topic(topic_id, library[topic_id], audience, cited=True)
    if not others:
        return
    more = st.expander(
        f"More topics: the {len(others)} this plan does not cite",
        icon=":material/library_books:",
        key="evidence_more",
        on_change="rerun",
    )
    if more.open:
        with more:
            for topic_id in others:
                show_topic(topic_id, library[topic_id], audience, cited=False)


def show_topic(topic_id: str, topic: EvidenceTopic, audience: Audience, *, cited: bool) -> None:
    """One evidence topic at the depth the audience asked for, anchored at #ev-<id>."""
    with st.container(border=True, key=f"evidence_{topic_id}"):
        st.subheader(topic.title, anchor=f"ev-{topic_id}")
        grade = topic.evidence_grade
        meta = [":material/check_circle: cited by this plan"] if cited else []
        meta += [
            f"evidence: {grade.grade} ({grade.system})",
            f"reviewed {topic.last_reviewed.isoformat()}",
        ]
        for flag in source_flags(topic):
            st.caption(f":material/history: Source status: {flag_line(flag)}")
        bottom_line = f"**Bottom line:** {topic.bottom_line}"
        if audience == "resident":
            st.markdown(" · ".join(meta) + f"\n\n{bottom_line}\n\n{topic.summary}")
            if topic.guidelines_disagree:
                st.warning(
                    topic.sections["Where guidance disagrees"],
                    title="Where guidelines disagree",
                    icon=":material/balance:",
                )
        else:
            st.markdown(" · ".join(meta) + f"\n\n{bottom_line}")
        label = "Key numbers and sources" if audience == "clinician" else "Full teaching page"
        full = st.expander(
            label, icon=":material/menu_book:", key=f"evidence_full_{topic_id}", on_change="rerun"
        )
        if full.open:  # the whole teaching page is the heaviest element: built when opened
            with full:
                st.markdown(audience_view(topic, audience))
