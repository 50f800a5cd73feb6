"""The page, top to bottom: header, the case beside its plan, and the plan's details in tabs.

Read `main()` first: it is the whole page in order; every part it calls lives in a module of
this package named for what it draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import streamlit as st
from pydantic import ValidationError

from logic.engine import plan as engine
from logic.library.cases import TeachingCase
from logic.library.evidence import Audience, EvidenceTopic
from logic.models import PatientCase, TreatmentPlan
from ui import (
    decision_aid_view,
    downloads,
    evidence_view,
    form,
    messages,
    mimics_view,
    plan_view,
    teaching,
)
from ui.address import keep_address
from ui.fields import BLANK, case_inputs, reference_values, typed_errors
from ui.link import (
    AUDIENCES,
    forget_link,
    read_dropped_link,
    read_link,
    show_link_check,
    waiting_for_browser,
    write_link,
)

ROOT = Path(__file__).resolve().parent.parent
PRIVACY = (
    "Educational decision support, not a substitute for clinical judgement. Nothing is saved, "
    "logged or sent: the case lives only in this tab and is gone when it closes."
)
#: Said only where the button it names is shown (not in the patient view).
PRIVACY_LINK = " The address bar never holds sensitive fields; *Copy case link* makes a full link."
#: The first thing the keyboard reaches: past the case form to the plan (WCAG 2.4.1 bypass
#: blocks), and on a phone, where the form comes first, one tap to the plan.
SKIP_LINKS = "[Skip to the plan](#plan)"
#: Page-wide style: compact headings, readable captions, and the small-screen header.
_STACK_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.2rem; padding-bottom: 2rem; }
h1 { font-size: 1.75rem !important; padding: 0.25rem 0 !important; }
h2 { font-size: 1.3rem !important; padding: 0.2rem 0 !important; }
h3 { font-size: 1.05rem !important; padding: 0.15rem 0 !important; }
/* Captions at 7.6:1 on white (WCAG AA needs 4.5:1). Streamlit 1.67 fades captions with
   opacity 0.6, which gives about 3:1: draw them opaque in a darker grey instead. */
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
/* An urgent or emergency triage stays in view while the case column scrolls (wide screens
   only: on a phone a sticky banner would cover a quarter of the screen while typing). */
@media (min-width: 641px) {
  div:has(> .st-key-triage_alert), .st-key-triage_alert {
    position: sticky; top: 3.75rem; z-index: 10; background: #fff;
  }
}
[data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] * { color: #45525c !important; }
/* Phone: a compact header (smaller title, tighter rows), then the case form, then the plan;
   the skip link at the top reaches the plan in one tap. */
@media (max-width: 640px) {
  h1 { font-size: 1.3rem !important; }
  .st-key-page_header [data-testid="stCaptionContainer"] p { font-size: 0.78rem; }
  .st-key-case_controls { gap: 0.4rem !important; }
}
</style>
"""


def reset_case(values: dict[str, object]) -> None:
    """'New case' / 'Reference case' callback: every case widget to `values`, URL cleared."""
    form.set_case_widgets(values)
    st.session_state["case"] = ""
    st.session_state["link_notices"] = []
    st.session_state["rescue_given"] = None
    teaching.reset_attempt()
    forget_link()
    st.query_params.clear()


def header(cases: dict[str, TeachingCase]) -> Audience:
    """Title, privacy line and the controls above the workspace; returns the audience."""
    patient = st.session_state.get("audience") == "patient"
    with st.container(key="page_header", gap="small"):
        st.title("Refractory back pain: what now?", anchor=False)
        # The skip link ends the line but is still the page's first link (the first Tab stop
        # after Streamlit's own menu).
        st.caption(PRIVACY if patient else f"{PRIVACY}{PRIVACY_LINK} {SKIP_LINKS}")
    with st.container(horizontal=True, key="case_controls", vertical_alignment="bottom", wrap=True):
        audience = st.segmented_control(
            "Which best describes you?",
            options=list(AUDIENCES),
            format_func=AUDIENCES.__getitem__,
            default="clinician",
            required=True,
            key="audience",
            label_visibility="collapsed",
            help="Clinicians get terse orders; residents also get the reasoning and pitfalls; "
            "patients get only the plain-language handout.",
            width="content",
        )
        if audience == "patient":  # the patient sees their handout, not the case tools
            # The teaching picker is not drawn: keep its value for the link and for coming back.
            st.session_state["case"] = st.session_state.get("case") or ""
            messages.show_link_notices(st.session_state.get("link_notices") or [])
            return "patient"
        st.button(
            "New case",
            icon=":material/note_add:",
            key="new_case",
            on_click=reset_case,
            args=(BLANK,),
            help="Clear every clinical field and the address bar, and start again.",
        )
        st.button(
            "Reference case",
            icon=":material/restart_alt:",
            key="reference_case",
            on_click=reset_case,
            args=(reference_values(),),
            help="42-year-old man whose pain barely moved after prednisone, orphenadrine twice, "
            "gabapentin, ketorolac and dexamethasone.",
        )
        st.selectbox(
            "Load a teaching case",
            options=["", *cases],
            format_func=lambda case_id: (
                cases[case_id].title if case_id else "Load a teaching case…"
            ),
            key="case",
            on_change=teaching.load_teaching_case,
            args=(cases,),
            label_visibility="collapsed",
            width=260,
        )
    messages.show_link_notices(st.session_state.get("link_notices") or [])
    return _as_audience(audience)


def _as_audience(value: str | None) -> Audience:
    """The reader chosen (the control is required; clinician when nothing is set yet)."""
    if value == "resident":
        return "resident"
    if value == "patient":
        return "patient"
    return "clinician"


@dataclass(frozen=True)
class Checked:
    """The widgets read as a case, or why not. Read before the form is drawn, so that an error
    is drawn beside its input only when there is one (issue 24: a placeholder per input was
    an element per input on every change)."""

    case: PatientCase | None = None
    not_numbers: Mapping[str, Sequence[str]] = field(default_factory=dict)
    missing: Sequence[str] = ()
    invalid: ValidationError | None = None

    def beside_inputs(self) -> dict[str, str]:
        """Each input's error text, by its key (none when the case reads)."""
        if self.not_numbers:
            return messages.beside_inputs(messages.not_number_lines(self.not_numbers))
        if self.invalid is not None:
            state = st.session_state
            lines = messages.invalid_lines(
                self.invalid,
                list(state.get("tried") or ()),
                list(state.get("current_medications") or ()),
            )
            return messages.beside_inputs(lines)
        return {}


def check() -> Checked:
    """The widgets as a validated case, or what stops it (nothing is drawn here)."""
    form.radicular_follows_features()
    state = cast(Mapping[str, Any], st.session_state)
    typed = typed_errors(state)
    if typed:
        return Checked(not_numbers=typed)
    raw, missing = case_inputs(state)
    if missing:
        return Checked(missing=missing)
    try:
        return Checked(case=PatientCase.model_validate(raw))
    except ValidationError as exc:
        return Checked(invalid=exc)


def validate(checked: Checked) -> PatientCase | None:
    """The case, or None with the message above the plan that says why not."""
    if checked.not_numbers:
        messages.show_not_numbers(checked.not_numbers)
    elif checked.missing:
        messages.show_missing(checked.missing)
    elif checked.invalid is not None:
        messages.show_invalid(
            checked.invalid,
            list(st.session_state.get("tried") or ()),
            list(st.session_state.get("current_medications") or ()),
        )
    return checked.case


def plan_for(case: PatientCase) -> TreatmentPlan | None:
    try:
        return engine.build_plan(case)
    except Exception:  # never show a traceback to a clinician mid-shift
        st.error(
            "The plan could not be built for this case. Please check the inputs; if they are "
            "right, this is a fault in the tool: do not rely on it for this patient.",
            title="Something went wrong",
            icon=":material/error:",
        )
        return None


def details(
    plan: TreatmentPlan, case: PatientCase, audience: Audience, library: dict[str, EvidenceTopic]
) -> None:
    """The plan's details, one tab drawn at a time, the most relevant first."""
    names = plan_view.tab_names(plan, audience)
    tabs = st.tabs(names, key="plan_tab", on_change="rerun")

    def why() -> None:
        plan_view.show_why(plan, audience, library)
        mimics_view.show_mimics(case)

    draw: dict[str, Callable[[], None]] = {
        "Why": why,
        "Decision aid": lambda: decision_aid_view.show_decision_aid(plan),
        "Titration": lambda: plan_view.show_titration(plan),
        "Safety and follow-up": lambda: plan_view.show_safety(plan, library),
        "Pitfalls": lambda: plan_view.show_pitfalls(plan, library),
        "Evidence": lambda: evidence_view.show_evidence(plan, library, audience),
        "Note and downloads": lambda: downloads.show_note(case, plan, library),
    }
    for name, tab in zip(names, tabs, strict=True):
        if tab.open:
            with tab:
                draw[name]()


def main() -> None:
    st.html(_STACK_CSS)
    try:
        cases = teaching.teaching_cases()
    except Exception:  # a broken case file costs the teaching cases, not the page
        cases = {}
    if not st.session_state.get("link_read"):  # a shared link is read once, before any widget
        st.session_state["link_read"] = True
        st.session_state["link_received"] = any(True for _ in st.query_params)
        form.set_case_widgets(reference_values())
        st.session_state["link_notices"] = read_link(cases)
    # First on the page: the address is replaced, never pushed, and a link Streamlit dropped is
    # reported by the browser (ui.address); the case then goes blank with the notice.
    opened = keep_address(st.session_state.pop("first_address", None))
    if not st.session_state.get("link_received"):
        read_dropped_link(opened)
    audience = header(cases)
    if waiting_for_browser():  # a link Streamlit dropped never shows a case or plan (ui.link)
        return
    try:
        library = evidence_view.evidence_library()
    except Exception:  # missing or malformed content must not take the plan down with it
        library = {}
    teaching_case = cases.get(st.session_state.get("case") or "")

    if audience == "patient":
        st.header("Your plan", anchor="plan")
        if show_link_check():  # a plan waits until what the link cannot say is checked
            return
        case = validate(check())
        plan = plan_for(case) if case is not None else None
        write_link(case, teaching_case.id if teaching_case else "", audience)
        if plan is not None and case is not None:
            downloads.show_patient_view(case, plan)
        return

    with st.container(key="workspace"):
        inputs, output = st.columns([2, 3], gap="medium")
    checked = check()
    with inputs:
        triage_here = form.show_form(checked.beside_inputs())
    with output:
        st.header("Plan", anchor="plan")
        asking = show_link_check()  # a plan waits until what the link cannot say is checked
        case = validate(checked)
        plan = plan_for(case) if case is not None else None
        if asking:  # an emergency or urgent triage is still shown beside the red flags
            if plan is not None:
                plan_view.show_triage(plan, triage_here, library, brief=True)
            return
        write_link(case, teaching_case.id if teaching_case else "", audience)
        shown = True
        if teaching_case is not None:
            shown = teaching.show_teaching_case(teaching_case, case, audience)
        elif audience == "resident" and case is not None:
            shown = teaching.attempt_first()
        if plan is None or case is None or not shown:
            return
        try:
            plan_view.show_triage(plan, triage_here, library, brief=True)
            plan_view.show_summary(plan, case, library)
            plan_view.show_departures(plan)
            details(plan, case, audience, library)
        except Exception:  # a display fault must not turn into a traceback either
            st.error(
                "Part of this plan could not be displayed. Do not rely on the page for this "
                "patient; please report the case.",
                title="Something went wrong",
                icon=":material/error:",
            )
