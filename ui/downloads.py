"""What leaves the page: the one-page note (copy or download), the case link and the handout.

Every file is built on click, not on every rerun; the note's text comes from
logic/formats/export.py.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import streamlit as st

from logic.formats.export import (
    NOTE_TITLE,
    REASONING_TITLE,
    clinical_note_markdown,
    clinical_note_text,
    note_pdf,
    patient_handout_markdown,
    reasoning_markdown,
    record_pdf,
)
from logic.formats.fhir.write import plan_bundle_json
from logic.formats.share import share_query_string, withheld_fields
from logic.library.evidence import EvidenceTopic, format_source
from logic.models import PatientCase, TreatmentPlan, TriageLevel
from ui import decision_aid_view
from ui.copy_link import copy_link_button


def plain_citation(markdown: str) -> str:
    """A formatted source without Markdown link syntax, for the EHR text and the PDF."""
    # A link's target may hold balanced parentheses, e.g. doi:10.1016/S0140-6736(23)00404-X.
    text = re.sub(r"\[([^\]]+)\]\((?:[^()\s]|\([^()\s]*\))*\)", r"\1", markdown)
    return re.sub(r"<(https?://[^>]+)>", r"\1", text)


def note_sources(
    plan: TreatmentPlan, library: dict[str, EvidenceTopic], *, plain: bool
) -> dict[str, str]:
    """Each evidence id the plan cites, mapped to its topic's sources, for the note."""
    sources: dict[str, str] = {}
    for topic_id in plan.evidence_ids:
        topic = library.get(topic_id)
        if topic is None:
            continue
        cited = [format_source(source) for source in topic.sources]
        sources[topic_id] = "; ".join(plain_citation(c) if plain else c for c in cited)
    return sources


def rescue_given(plan: TreatmentPlan) -> str | None:
    """The rescue option the clinician recorded as given (its order text), if any."""
    chosen = st.session_state.get("rescue_given")
    if chosen == "none" or any(o.sig == chosen for o in plan.give_now):
        return chosen
    return None


def page_address() -> str:
    """This page's address without its query, for a case link."""
    try:
        parts = urlsplit(str(st.context.url))
        return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"
    except Exception:
        return ""


def show_note(case: PatientCase, plan: TreatmentPlan, library: dict[str, EvidenceTopic]) -> None:
    """The one-page note with a copy button, its downloads and the case link on demand."""
    today = dt.date.today()
    stamp = today.isoformat()
    given = rescue_given(plan)
    emergency = plan.triage.level is TriageLevel.emergency
    note = clinical_note_text(case, plan, generated=today, rescue_given=given)
    st.subheader(":material/content_paste: Note for the record", anchor="note")
    st.caption(
        "The record: every input, the triage, the cautions, the orders chosen, the key figures "
        "and follow-up, on one printed page. The copy icon (top right of the box) puts it on "
        "the clipboard; read it through before it goes in the record. The reasons and sources "
        "are a separate download."
        + (" It leads with the emergency and has no discharge plan." if emergency else "")
    )
    # No fixed height: a scrolling box would be a region the keyboard cannot reach (axe
    # scrollable-region-focusable); the record is one page, so it is shown whole.
    st.code(note, language=None, wrap_lines=True)

    def reasoning(plain: bool) -> str:
        sources = note_sources(plan, library, plain=plain)
        return reasoning_markdown(case, plan, generated=today, sources=sources, rescue_given=given)

    def note_as_pdf() -> bytes:
        markdown = clinical_note_markdown(case, plan, generated=today, rescue_given=given)
        return record_pdf(markdown, title=NOTE_TITLE)

    with st.container(horizontal=True, key="note_downloads"):
        st.download_button(
            "Text for the EHR",
            data=lambda: note,
            file_name=f"back-pain-note-{stamp}.txt",
            mime="text/plain",
            icon=":material/content_paste:",
            on_click="ignore",
            key="download_note_txt",
        )
        st.download_button(
            "Note (one-page PDF)",
            data=note_as_pdf,
            file_name=f"back-pain-note-{stamp}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="download_note_pdf",
        )
        st.download_button(
            "Reasoning and sources (Markdown)",
            data=lambda: reasoning(plain=False),
            file_name=f"back-pain-reasoning-{stamp}.md",
            mime="text/markdown",
            icon=":material/description:",
            on_click="ignore",
            key="download_note_md",
        )
        st.download_button(
            "Reasoning and sources (PDF)",
            data=lambda: note_pdf(reasoning(plain=True), title=REASONING_TITLE),
            file_name=f"back-pain-reasoning-{stamp}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="download_reasoning_pdf",
        )
        st.download_button(
            "FHIR R4 Bundle",
            data=lambda: plan_bundle_json(case, plan, generated=today),
            file_name=f"back-pain-plan-{stamp}.fhir.json",
            mime="application/fhir+json",
            icon=":material/data_object:",
            on_click="ignore",
            help="CarePlan, the orders as MedicationRequest proposals, CrCl and MME "
            "Observations and this note as a DocumentReference, for an EHR import.",
            key="download_plan_fhir",
        )
    show_case_link(case)
    st.subheader(":material/description: Patient handout", anchor="handout")
    show_handout_downloads(case, plan)


def show_case_link(case: PatientCase) -> None:
    """A link to this exact case, copied in one click (ui.copy_link); it may hold sensitive
    fields, so it is never written to the address bar."""
    st.subheader(":material/link: Case link", anchor="case-link")
    held = withheld_fields(case)
    st.caption(
        "The address bar leaves out sensitive fields"
        + (f" (here: {', '.join(h.replace('_', ' ') for h in held)})" if held else "")
        + ". A case link holds every field and no name or date of birth: share it only where "
        "the case may go. *Copy case link* puts it on the clipboard."
    )
    copy_link_button(f"{page_address()}?{share_query_string(case)}")


def show_handout_downloads(case: PatientCase, plan: TreatmentPlan) -> None:
    stamp = dt.date.today().isoformat()
    with st.container(horizontal=True, key="handout_downloads"):
        st.download_button(
            "Handout (PDF)",
            data=lambda: note_pdf(patient_handout_markdown(case, plan), title="Your back pain"),
            file_name=f"back-pain-handout-{stamp}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="download_handout_pdf",
        )
        st.download_button(
            "Handout (Markdown)",
            data=lambda: patient_handout_markdown(case, plan),
            file_name=f"back-pain-handout-{stamp}.md",
            mime="text/markdown",
            icon=":material/description:",
            on_click="ignore",
            key="download_handout_md",
        )


def show_patient_view(case: PatientCase, plan: TreatmentPlan) -> None:
    """Only the patient's material: the plain-language handout and its downloads."""
    st.info(
        "This is what the team caring for you may discuss with you. It is not a prescription: "
        "do not start, stop or change a medicine because of this page.",
        icon=":material/person:",
    )
    handout = patient_handout_markdown(case, plan)
    # The handout's own headings start at H1; under this page's H1 they start at H2.
    st.markdown(re.sub(r"^(#+) ", lambda m: "#" + m.group(1) + " ", handout, flags=re.M))
    decision_aid_view.show_patient_decision_aid(plan)
    show_handout_downloads(case, plan)
