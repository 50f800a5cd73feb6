"""Refractory back pain: from case to plan in one screen.

A thin page over the clinical engine. The widgets build a validated `logic.PatientCase`,
`build_plan(case)` decides everything clinical, and this script only lays out what comes back.
Nothing typed here is stored, logged or sent anywhere: it lives in this browser session only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st
from pydantic import ValidationError
from streamlit.delta_generator import DeltaGenerator

from logic import units
from logic.cases import TeachingCase, load_cases
from logic.catalogue import display_name, known_names
from logic.charts import titration_spec
from logic.evidence import EvidenceTopic, audience_view, format_source, load_evidence
from logic.export import (
    clinical_note_markdown,
    clinical_note_text,
    note_pdf,
    patient_handout_markdown,
)
from logic.gabapentin import schedule_csv, schedule_frame
from logic.models import (
    Condition,
    Order,
    PatientCase,
    Point,
    RedFlag,
    Route,
    Severity,
    TreatmentPlan,
    TriageLevel,
    TriedMedication,
)
from logic.plan import build_plan
from logic.share import case_from_query, case_to_query
from logic.triage import GROUPS, red_flag_label

st.set_page_config(
    page_title="Refractory back pain: what now?",
    # A local icon: a Material icon here makes the browser fetch it from a font CDN.
    page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
    layout="centered",
    menu_items={"About": "Educational decision support for refractory back pain."},
)

# ---------------------------------------------------------------------------------------------
# Words and defaults (display only: every clinical decision comes from logic/)

# The page opens on the reference case so a visitor sees a full plan at once.
REFERENCE: dict[str, object] = {
    "audience": "clinician",
    "age_years": 45,
    "sex": "male",
    "weight_unit": "kg",
    "weight_kg": 80.0,
    "height_unit": "cm",
    "height_cm": None,
    "creatinine_unit": "mg/dL",
    "serum_creatinine_mg_dl": 1.0,
    "crcl_ml_min": None,
    "on_hemodialysis": False,
    "pregnant": False,
    "setting": "ed",
    "pain_duration_weeks": 1.0,
    "pain_score": 8,
    "radicular_features": [],
    "radicular": False,
    "red_flags": [],
    "tried": ["prednisone", "orphenadrine", "gabapentin", "ketorolac", "dexamethasone"],
    "relief": "minimal",
    "conditions": [],
}
REFERENCE_DOSES_GIVEN = {"orphenadrine": 2}

# "New case": required facts empty, so nothing is assumed about the next patient.
BLANK: dict[str, object] = {
    **REFERENCE,
    "age_years": None,
    "sex": None,
    "weight_kg": None,
    "serum_creatinine_mg_dl": None,
    "pain_score": None,
    "tried": [],
}

AUDIENCES = {
    "clinician": "Clinician",
    "resident": "Resident",
    "patient": "Patient",
}
SEXES = {"female": "Female", "male": "Male"}
SETTINGS = {"ed": "Emergency department", "clinic": "Clinic"}
KIDNEY_INPUTS = {
    "mg/dL": "Creatinine mg/dL",
    "µmol/L": "Creatinine µmol/L",
    "crcl": "CrCl known",
    "unknown": "Not known",
}
RELIEF = {"none": "None", "minimal": "Minimal", "partial": "Partial"}
ROUTES = {
    Route.po.value: "PO",
    Route.iv.value: "IV",
    Route.im.value: "IM",
    Route.sc.value: "SC",
    Route.topical.value: "Topical",
    Route.transdermal.value: "Patch",
    Route.intranasal.value: "Nasal",
}
RADICULAR_FEATURES = {
    "leg_pain_below_knee": "Leg pain below the knee",
    "dermatomal_numbness": "Numbness or tingling in a dermatome",
    "positive_slr": "Positive straight-leg raise",
    "myotomal_weakness": "Weakness in one nerve root's muscles",
    "reflex_change": "Reduced ankle or knee reflex",
}
CONDITIONS = {
    Condition.ckd: "Chronic kidney disease",
    Condition.gi_bleed_history: "Past GI bleed",
    Condition.peptic_ulcer: "Peptic ulcer",
    Condition.anticoagulant_use: "Takes an anticoagulant",
    Condition.antiplatelet_use: "Takes an antiplatelet (incl. aspirin)",
    Condition.heart_failure: "Heart failure",
    Condition.recent_mi: "Recent heart attack",
    Condition.cirrhosis: "Cirrhosis",
    Condition.sleep_apnea: "Sleep apnoea",
    Condition.copd: "COPD",
    Condition.opioid_use_disorder: "Opioid use disorder",
    Condition.substance_use_disorder: "Other substance use disorder",
    Condition.benzodiazepine_use: "Takes a benzodiazepine",
    Condition.serotonergic_drug_use: "Takes a serotonergic drug (SSRI, SNRI, MAOI)",
    Condition.seizure_disorder: "Seizure disorder",
    Condition.cardiac_conduction_disease: "Cardiac conduction disease / long QT",
    Condition.glaucoma: "Angle-closure glaucoma",
    Condition.urinary_retention_history: "History of urinary retention",
    Condition.fall_risk: "High fall risk",
    Condition.opioid_tolerant: "Opioid tolerant",
}
# Red flags in the order of the triage groups (most dangerous syndrome first).
RED_FLAG_ORDER = [flag for group in GROUPS for flag in RedFlag if flag in group.flags]
RED_FLAG_ORDER += [flag for flag in RedFlag if flag not in RED_FLAG_ORDER]

# Human names for PatientCase fields, used to turn a ValidationError into a sentence.
FIELD_LABELS = {
    "age_years": ("Age", "years"),
    "sex": ("Sex", ""),
    "weight_kg": ("Weight", "kg"),
    "height_cm": ("Height", "cm"),
    "serum_creatinine_mg_dl": ("Serum creatinine", "mg/dL"),
    "crcl_ml_min": ("Creatinine clearance", "mL/min"),
    "on_hemodialysis": ("Haemodialysis", ""),
    "pregnant": ("Pregnant", ""),
    "setting": ("Setting", ""),
    "pain_duration_weeks": ("Pain duration", "weeks"),
    "pain_score": ("Pain score", ""),
    "radicular": ("Radicular pain", ""),
    "red_flags": ("Red flags", ""),
    "conditions": ("Conditions", ""),
    "tried": ("Medicines already tried", ""),
    "drug": ("medicine", ""),
    "dose_mg": ("dose", "mg"),
    "doses_given": ("number of doses", ""),
    "relief": ("relief", ""),
}
SEVERITY_LOOK = {
    Severity.danger: (st.error, ":material/dangerous:", "Danger"),
    Severity.caution: (st.warning, ":material/warning:", "Caution"),
    Severity.info: (st.info, ":material/info:", "Note"),
}


# Link parameters that belong to the page, not to the case (logic/share.py reads the case). The
# page owns the whole URL: fields named and valued as in the PatientCase JSON, bad ones reported.
PAGE_PARAMS = ("audience", "case")
PER_DRUG_KEYS = ("tried_doses_", "tried_dose_mg_", "tried_route_")


def set_case_widgets(values: Mapping[str, object]) -> None:
    """Put every case widget to `values` (per-drug rows included) and forget the old rows."""
    for key in list(st.session_state.keys()):
        if str(key).startswith(PER_DRUG_KEYS):
            del st.session_state[key]
    for key, value in values.items():
        if key != "audience":
            st.session_state[key] = value


def reset_case(values: dict[str, object]) -> None:
    """Button callback: put every case widget back to `values`, leaving any teaching case."""
    set_case_widgets(values)
    st.session_state["case"] = ""
    st.session_state["link_notices"] = []


def case_widget_values(values: Mapping[str, Any]) -> tuple[dict[str, object], list[str]]:
    """Widget values for PatientCase fields (a restored link or a teaching case).

    Fields absent from `values` take the model's default (required ones stay empty), because a
    link leaves out every field at its default. Returns the values and a notice for anything the
    form cannot hold as given (the form lists each medicine once, with one relief for all).
    """
    notices: list[str] = []
    fields = PatientCase.model_fields

    def given(name: str) -> Any:
        if values.get(name) is not None:
            return values[name]
        return None if fields[name].is_required() else fields[name].default

    def number(name: str) -> float | None:
        value = given(name)
        return None if value is None else float(value)

    state: dict[str, object] = {
        "age_years": given("age_years"),
        "sex": given("sex"),
        "weight_unit": "kg",
        "weight_kg": number("weight_kg"),
        "height_unit": "cm",
        "height_cm": number("height_cm"),
        "creatinine_unit": "unknown",
        "serum_creatinine_mg_dl": None,
        "crcl_ml_min": None,
        "on_hemodialysis": bool(given("on_hemodialysis")),
        "pregnant": bool(given("pregnant")),
        "setting": given("setting"),
        "pain_duration_weeks": number("pain_duration_weeks"),
        "pain_score": given("pain_score"),
        "radicular_features": [],
        "radicular": bool(given("radicular")),
        "red_flags": [str(flag) for flag in given("red_flags")],
        "conditions": [str(condition) for condition in given("conditions")],
    }
    creatinine, crcl = number("serum_creatinine_mg_dl"), number("crcl_ml_min")
    if crcl is not None:
        state.update(creatinine_unit="crcl", crcl_ml_min=crcl)
        if creatinine is not None:
            notices.append(
                f"Ignored serum_creatinine_mg_dl={creatinine:g}: the link also gives "
                "crcl_ml_min, and the form holds one kidney measure (the clearance is used)"
            )
    elif creatinine is not None:
        state.update(creatinine_unit="mg/dL", serum_creatinine_mg_dl=creatinine)
    if state["pregnant"] and state["sex"] != "female":
        state["pregnant"] = False
        if not any("pregnan" in notice for notice in notices):
            notices.append("Ignored pregnant=true: pregnancy is recorded only for a female patient")

    kept: dict[str, TriedMedication] = {}
    for item in given("tried"):
        if item.drug in kept:
            notices.append(f"Ignored the second {item.drug} in tried: the form lists it once")
            continue
        kept[item.drug] = item
        state[f"tried_doses_{item.drug}"] = item.doses_given
        state[f"tried_dose_mg_{item.drug}"] = item.dose_mg
        state[f"tried_route_{item.drug}"] = None if item.route is None else str(item.route)
    state["tried"] = list(kept)
    reliefs = list(dict.fromkeys(str(item.relief) for item in kept.values()))
    state["relief"] = reliefs[0] if reliefs else REFERENCE["relief"]
    if len(reliefs) > 1:
        notices.append(
            f"Used relief '{reliefs[0]}' for every medicine tried: the link gave "
            f"{', '.join(reliefs)}, and the form records one relief for all"
        )
    return state, notices


def read_link(cases: Mapping[str, TeachingCase]) -> list[str]:
    """First run only: restore the case a link carries; notices name what was ignored.

    A link with case fields restores exactly those fields; `?case=<id>` alone loads that
    teaching case. Never raises: a hand-edited link must not take the page down.
    """
    try:
        params: dict[str, str | list[str]] = {}
        for key in st.query_params:
            every = st.query_params.get_all(key)
            params[key] = every[0] if len(every) == 1 else every
        notices: list[str] = []
        wanted = params.get("audience")
        wanted = wanted[-1] if isinstance(wanted, list) else wanted
        if wanted:
            audience = next(
                (
                    k
                    for k, label in AUDIENCES.items()
                    if wanted.strip().lower() in (k, label.lower())
                ),
                None,
            )
            if audience is None:
                notices.append(
                    f"Ignored audience={wanted[:40]}: must be one of {', '.join(AUDIENCES)}"
                )
            else:
                st.session_state["audience"] = audience
        case_id = params.get("case")
        case_id = case_id[-1] if isinstance(case_id, list) else case_id
        teaching = cases.get(case_id) if case_id else None
        if case_id and teaching is None:
            notices.append(f"Ignored case={case_id[:40]}: not one of the teaching cases")
        if any(key not in PAGE_PARAMS for key in params):
            restored = case_from_query(params, ignore=PAGE_PARAMS)
            state, more = case_widget_values(restored.values)
            set_case_widgets(state)
            notices += [*restored.notices, *more]
        elif teaching is not None:
            state, more = case_widget_values(dict(teaching.case))
            set_case_widgets(state)
            notices += more
        if teaching is not None:
            st.session_state["case"] = teaching.id
        return notices
    except Exception:  # the page opens on whatever was restored; the link is reported
        return ["Could not read the link's parameters: check the case before relying on it"]


def write_link(case: PatientCase | None, case_id: str, audience: str) -> None:
    """Keep the URL equal to the case, teaching case id and audience, in one write when changed.

    With no valid case the case fields are left as they are (a half-typed case is not shared).
    """
    try:
        if case is None:
            if st.query_params.get_all("audience") != [audience]:
                st.query_params["audience"] = audience
            return
        want = {**case_to_query(case), **({"case": case_id} if case_id else {})}
        want["audience"] = audience
        have = {key: st.query_params.get_all(key) for key in st.query_params}
        if list(have) != list(want) or any(have[key] != [want[key]] for key in want):
            st.query_params.from_dict(want)
    except Exception:  # a URL that cannot be written must not hide the plan
        pass


def load_teaching_case(cases: Mapping[str, TeachingCase]) -> None:
    """Selectbox callback: seed the widgets with the chosen teaching case and reset its quiz."""
    teaching = cases.get(st.session_state.get("case") or "")
    if teaching is None:
        return
    state, _ = case_widget_values(dict(teaching.case))
    set_case_widgets(state)
    st.session_state["link_notices"] = []
    st.session_state["quiz_answer"] = None
    st.session_state["quiz_revealed"] = None


def reveal_quiz(case_id: str) -> None:
    """Reveal button callback: remember the case and the answer chosen before revealing."""
    st.session_state["quiz_revealed"] = {
        "case": case_id,
        "answer": st.session_state.get("quiz_answer"),
    }


def radicular_from_features() -> None:
    """Ticking any radicular feature switches the radicular toggle on; clearing them, off."""
    st.session_state["radicular"] = bool(st.session_state.get("radicular_features"))


def keep_weight(previous: dict[str, str]) -> None:
    """Unit switch callback: convert the typed weight so the patient keeps the same weight."""
    unit = st.session_state["weight_unit"]
    value = st.session_state.get("weight_kg")
    if value is not None and unit and previous["unit"] and unit != previous["unit"]:
        kg = units.weight_to_kg(value, previous["unit"])
        st.session_state["weight_kg"] = round(units.kg_to_unit(kg, unit), 1)


@st.cache_data(max_entries=1, show_spinner=False)
def evidence_library() -> dict:
    """Evidence topics from content/*.md, parsed once per server process."""
    return load_evidence()


@st.cache_data(max_entries=1, show_spinner=False)
def teaching_cases() -> dict[str, TeachingCase]:
    """Teaching cases from cases/*.toml, parsed once per server process."""
    return load_cases()


def allowed_range(loc: Sequence[str | int]) -> str | None:
    """The allowed range the model declares for the field at `loc`, in words, e.g. '25–350'."""
    model: type[PatientCase] | type[TriedMedication] = PatientCase
    name = str(loc[0])
    if name == "tried" and len(loc) == 3:
        model, name = TriedMedication, str(loc[2])
    field_info = model.model_fields.get(name)
    bounds: dict[str, float] = {}
    for rule in field_info.metadata if field_info else ():
        for kind in ("ge", "gt", "le", "lt"):
            if getattr(rule, kind, None) is not None:
                bounds[kind] = getattr(rule, kind)
    low = f"{bounds['ge']:g}" if "ge" in bounds else None
    high = f"{bounds['le']:g}" if "le" in bounds else None
    if "gt" in bounds:
        low_words = f"more than {bounds['gt']:g}"
        return f"{low_words} and at most {high}" if high else low_words
    if low and high:
        return f"{low}–{high}"
    return f"at least {low}" if low else (f"at most {high}" if high else None)


def human_error(error: dict, tried: Sequence[str]) -> str:
    """One pydantic error as a sentence naming the field and its allowed range."""
    loc = [part for part in error["loc"] if isinstance(part, str | int)]
    message = str(error["msg"]).removeprefix("Value error, ")
    if not loc:
        return message[:1].upper() + message[1:]
    field, unit = FIELD_LABELS.get(str(loc[-1]), (str(loc[-1]).replace("_", " "), ""))
    if loc[0] == "tried" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(tried):
        field = f"{display_name(tried[loc[1]])}: {field}"
    span = allowed_range(loc)
    value = error.get("input")
    if span and isinstance(value, int | float):
        return f"**{field}** must be {span} {unit}; {value:.4g} {unit} was entered.".replace(
            "  ", " "
        )
    return f"**{field}**: {message}."


def evidence_links(ids: Iterable[str], library: dict) -> str:
    """Markdown links from a plan item to its topics in the evidence section."""
    links = [
        f"[{library[i].title.split(' - ')[0] if i in library else i.replace('-', ' ')}](#ev-{i})"
        for i in dict.fromkeys(ids)
    ]
    return ":material/menu_book: " + " · ".join(links) if links else ""


def show_orders(orders: Sequence[Order], audience: str, library: dict, empty: str) -> None:
    """Orders as the clinician writes them; residents also get the reasoning under each."""
    if not orders:
        st.caption(empty)
        return
    previous_choice = None
    for order in orders:
        if order.choice and order.choice != previous_choice:
            st.markdown(f"**{order.choice}**")
        previous_choice = order.choice
        with st.container(border=True):
            st.markdown(f"**{order.sig}**")
            if order.note and audience == "resident":
                st.markdown(order.note)
            elif order.note:
                st.caption(order.note)
            if order.evidence:
                st.caption(evidence_links(order.evidence, library))


def show_bullets(
    items: Iterable[tuple[str, Iterable[str]]], library: dict, empty: str = ""
) -> None:
    """(markdown, evidence ids) pairs as one bulleted list, each line with its evidence links."""
    lines = []
    for text, evidence in items:
        links = evidence_links(evidence, library)
        lines.append(f"- {text}" + (f"  \n  {links}" if links else ""))
    if lines:
        st.markdown("\n".join(lines))  # one element for the list, not one per item
    elif empty:
        st.caption(empty)


def show_points(points: Sequence[Point], library: dict, empty: str = "") -> None:
    """Teaching, safety or follow-up points as a short list, each with its evidence."""
    show_bullets(
        (((f"**{p.title}.** " if p.title else "") + p.text, p.evidence) for p in points),
        library,
        empty,
    )


def show_warnings(plan: TreatmentPlan) -> None:
    """Plan warnings, most severe first, each with its severity spelled out (not colour only)."""
    order = {Severity.danger: 0, Severity.caution: 1, Severity.info: 2}
    for warning in sorted(plan.warnings, key=lambda w: order[w.severity]):
        alert, icon, word = SEVERITY_LOOK[warning.severity]
        source = f"  \n_Source: {warning.source}_" if warning.source else ""
        alert(f"**{word}.** {warning.message}{source}", icon=icon)


def show_titration(plan: TreatmentPlan) -> None:
    """Gabapentin titration: the chart, the day-by-day table and a CSV of it."""
    gaba = plan.gabapentin
    if gaba is None:
        return
    st.subheader("Gabapentin titration", anchor="gabapentin-titration", divider="gray")
    st.markdown(
        f"Start **{gaba.start_mg:g} mg**, build up to **{gaba.target_daily_mg:g} mg/day** "
        f"in {gaba.doses_per_day} dose{'s' if gaba.doses_per_day != 1 else ''} a day. "
        f"Maximum for this kidney function: **{gaba.max_daily_mg:g} mg/day** "
        f"(kidney band {gaba.band})."
    )
    if gaba.dialysis_supplement_mg:
        st.markdown(f"After each haemodialysis session: **{gaba.dialysis_supplement_mg:g} mg**.")
    if gaba.note:
        st.caption(gaba.note)
    # The spec is built once per plan (logic.charts memoises it) and only read here:
    # st.vega_lite_chart edits a copy of it, never the dict it is given.
    st.vega_lite_chart(
        titration_spec(gaba),
        width="stretch",
        alt=(
            f"Gabapentin total daily dose by day, rising to {gaba.target_daily_mg:g} mg/day, "
            f"below the kidney-adjusted maximum of {gaba.max_daily_mg:g} mg/day."
        ),
    )
    st.dataframe(
        schedule_frame(gaba),
        hide_index=True,
        column_order=("day", "dose_mg", "doses_per_day", "capsules", "total_daily_mg", "note"),
        column_config={
            "day": st.column_config.NumberColumn("Day", width="small"),
            "total_daily_mg": st.column_config.NumberColumn("Total mg/day"),
            "doses_per_day": st.column_config.NumberColumn("Doses/day"),
            "dose_mg": st.column_config.NumberColumn("Each dose (mg)"),
            "capsules": st.column_config.TextColumn("Capsules per dose"),
            "note": st.column_config.TextColumn("Note"),
        },
        key="titration_table",
        alt="Day-by-day gabapentin schedule: total daily dose, dose each time and capsules.",
    )
    st.download_button(
        "Download the schedule (CSV)",
        data=lambda: schedule_csv(gaba),  # built on click, not on every rerun
        file_name="gabapentin-titration.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="download_titration",
    )


def show_patient_view(plan: TreatmentPlan, library: dict) -> None:
    """Plain language for a patient or family member: what happens next, no orders to act on."""
    st.info(
        "This is what the team caring for you may discuss with you. It is not a prescription: "
        "do not start, stop or change a medicine because of this page.",
        icon=":material/person:",
    )
    medicines = list(dict.fromkeys(o.drug for o in (*plan.give_now, *plan.discharge)))
    if medicines:
        st.subheader("Medicines that may be offered", divider="gray")
        st.markdown("\n".join(f"- {display_name_safe(m)}" for m in medicines))
    if plan.avoid:
        st.subheader("Medicines that are unlikely to help now", divider="gray")
        st.markdown("\n".join(f"- {display_name_safe(a.drug)}" for a in plan.avoid))
    st.subheader("Looking after your back", divider="gray")
    show_points(plan.non_drug, library, "Keep moving gently and avoid bed rest.")
    st.subheader("Staying safe", divider="gray")
    show_points(plan.safety, library)
    st.subheader("What happens next", divider="gray")
    show_points(plan.follow_up, library)


def display_name_safe(drug: str) -> str:
    """Catalogue display name when known (orders may name drugs outside the tried list)."""
    try:
        return display_name(drug)
    except KeyError:
        return drug


def show_evidence(plan: TreatmentPlan, library: dict, audience: str) -> None:
    """The topics this plan cites in full; the rest of the library built only when opened."""
    st.header("Evidence", anchor="evidence", divider="gray")
    if not library:
        st.caption("Evidence summaries are not available in this copy of the app.")
        return
    used = [i for i in plan.evidence_ids if i in library]
    others = [i for i in library if i not in used]
    st.caption(
        f"{len(used)} of {len(library)} topics are cited by this plan and shown here"
        + (f"; the other {len(others)} are under *More topics* below" if others else "")
        + ". Each summary names its sources; where guidelines disagree, it says so."
    )
    for topic_id in used:
        show_topic(topic_id, library[topic_id], audience, cited=True)
    if not others:
        return
    # A rerun redraws every element, so the topics this plan does not cite (about a hundred
    # elements) are only built while this expander is open.
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


def show_topic(topic_id: str, topic: EvidenceTopic, audience: str, *, cited: bool) -> None:
    """One evidence topic at the depth the audience asked for, anchored at #ev-<id>."""
    with st.container(border=True, key=f"evidence_{topic_id}"):
        st.subheader(topic.title, anchor=f"ev-{topic_id}")
        if audience == "patient":
            st.markdown(audience_view(topic, "patient"))
            if topic.guidelines_disagree:
                st.caption(":material/balance: Experts do not all agree on this.")
            return
        grade = topic.evidence_grade
        meta = [":material/check_circle: cited by this plan"] if cited else []
        meta += [
            f"evidence: {grade.grade} ({grade.system})",
            f"reviewed {topic.last_reviewed.isoformat()}",
        ]
        st.caption(" · ".join(meta))
        bottom_line = f"**Bottom line:** {topic.bottom_line}"
        disagreement = topic.sections["Where guidance disagrees"]
        if topic.guidelines_disagree and audience == "resident":
            st.markdown(bottom_line)
            st.warning(disagreement, title="Where guidelines disagree", icon=":material/balance:")
            st.markdown(topic.summary)
        elif audience == "resident":
            st.markdown(f"{bottom_line}\n\n{topic.summary}")
        else:
            st.markdown(bottom_line)
            if topic.guidelines_disagree:
                with st.expander(
                    "Guidelines disagree on this: where and why", icon=":material/balance:"
                ):
                    st.markdown(disagreement)
        label = "Key numbers and sources" if audience == "clinician" else "Full teaching page"
        full = st.expander(
            label,
            icon=":material/menu_book:",
            key=f"evidence_full_{topic_id}",
            on_change="rerun",
        )
        if full.open:  # the whole teaching page is the heaviest element: built when opened
            with full:
                st.markdown(audience_view(topic, audience))


def show_plan(plan: TreatmentPlan, case: PatientCase, audience: str, library: dict) -> None:
    """The plan in workflow order; an emergency replaces everything after the banner."""
    level = plan.triage.level
    findings = "".join(f"\n- {f}" for f in plan.triage.findings)
    links = evidence_links(plan.triage.evidence, library)
    if level == TriageLevel.emergency:
        if audience == "patient":
            st.error(
                "Some of the answers are warning signs that need a doctor to check them in "
                "hospital **today**. Tell the staff now, or call emergency services.",
                title="Get help now",
                icon=":material/emergency:",
            )
        else:
            st.error(
                f"{plan.triage.action}{findings}\n\n{links}",
                title="Emergency: act now",
                icon=":material/emergency:",
            )
        if audience != "patient":
            show_warnings(plan)
            st.subheader(":material/event: Now", anchor="now", divider="gray")
            show_points(plan.follow_up, library)
            st.subheader(
                ":material/vaccines: Analgesia while this is arranged",
                anchor="give-now",
                divider="gray",
            )
            show_orders(plan.give_now, audience, library, "No analgesia suggested.")
        st.caption(
            "The discharge plan and the rest of the review are hidden until the emergency "
            "cause is excluded."
        )
    else:
        if level == TriageLevel.urgent:
            st.warning(
                f"{plan.triage.action}{findings}\n\n{links}",
                title="Urgent work-up before discharge",
                icon=":material/priority_high:",
            )
        else:
            st.success(
                "None of the warning signs on the list were ticked. Tell the team at once if any "
                "of them appear."
                if audience == "patient"
                else f"{plan.triage.action}\n\n{links}",
                title="No red flags recorded",
                icon=":material/check_circle:",
            )

        renal = plan.renal
        figures = (
            st.expander("Numbers for your clinician", icon=":material/calculate:")
            if audience == "patient"
            else st.container(horizontal=True, key="key_figures")
        )
        with figures:
            st.metric(
                "CrCl (mL/min)",
                f"{renal.crcl_ml_min:.0f}" if renal.crcl_ml_min is not None else "Unknown",
                help=f"{renal.method}. {renal.note}".strip(),
                border=True,
                width="content",
            )
            if plan.gabapentin is not None:
                st.metric(
                    "Gabapentin max (mg/day)",
                    f"{plan.gabapentin.max_daily_mg:g}",
                    help="Kidney-adjusted maximum total daily dose (US label).",
                    border=True,
                    width="content",
                )
            st.metric(
                "Opioid (MME/day)",
                f"{plan.mme_per_day:g}" if plan.mme_per_day else "0",
                help="Morphine milligram equivalents per day of the discharge opioid, if any.",
                border=True,
                width="content",
            )
            st.metric(
                "Naloxone",
                "Yes" if plan.naloxone else "No",
                help="; ".join(plan.naloxone_reasons) or "No indication for take-home naloxone.",
                border=True,
                width="content",
            )
        basis = [f"Kidney band **{renal.band}**", renal.method]
        if renal.weight_used_kg is not None:
            basis.append(f"weight used {renal.weight_used_kg:.1f} kg")
        st.caption(" · ".join(basis))
        if plan.naloxone and plan.naloxone_reasons and audience != "patient":
            st.caption("Naloxone because: " + "; ".join(plan.naloxone_reasons))

        if audience == "patient":
            show_patient_view(plan, library)
        else:
            st.subheader(":material/vaccines: Give now", anchor="give-now", divider="gray")
            show_orders(plan.give_now, audience, library, "Nothing to give now.")

            st.subheader(
                ":material/history: Why what was tried did not work",
                anchor="tried-review",
                divider="gray",
            )
            show_bullets(
                (
                    (
                        f"**{display_name_safe(r.drug)}** ({r.drug_class}): _{r.verdict}_. "
                        f"{r.reason}",
                        r.evidence,
                    )
                    for r in plan.tried_review
                ),
                library,
                "No medicines recorded as tried.",
            )

            kind = "radicular pain" if case.radicular else "non-radicular"
            st.subheader(
                f":material/home: Discharge plan ({kind})", anchor="discharge", divider="gray"
            )
            show_orders(plan.discharge, audience, library, "No medicines to add at discharge.")
            show_titration(plan)

            st.subheader(":material/directions_walk: Non-drug care", divider="gray")
            show_points(plan.non_drug, library, "None listed.")

            st.subheader(":material/block: Avoid", anchor="avoid", divider="gray")
            show_bullets(
                ((f"**{display_name_safe(a.drug)}**: {a.reason}", a.evidence) for a in plan.avoid),
                library,
                "Nothing specific to avoid.",
            )

            st.subheader(":material/health_and_safety: Safety", anchor="safety", divider="gray")
            show_warnings(plan)
            show_points(plan.safety, library)

            st.subheader(":material/event: Follow-up", anchor="follow-up", divider="gray")
            show_points(plan.follow_up, library, "None listed.")

            if audience == "resident":
                st.subheader(":material/lightbulb: Pitfalls", anchor="pitfalls", divider="gray")
                show_points(plan.pitfalls, library, "None listed.")
            elif plan.pitfalls:
                with st.expander(f"Pitfalls ({len(plan.pitfalls)})", icon=":material/lightbulb:"):
                    show_points(plan.pitfalls, library)


def plain_citation(markdown: str) -> str:
    """A formatted source without Markdown link syntax, for the EHR text and the PDF."""
    # A link's target may hold balanced parentheses, e.g. doi:10.1016/S0140-6736(23)00404-X.
    text = re.sub(r"\[([^\]]+)\]\((?:[^()\s]|\([^()\s]*\))*\)", r"\1", markdown)
    return re.sub(r"<(https?://[^>]+)>", r"\1", text)


def note_sources(plan: TreatmentPlan, library: dict, *, plain: bool) -> dict[str, str]:
    """Each evidence id the plan cites, mapped to its topic's sources, for the note."""
    sources: dict[str, str] = {}
    for topic_id in plan.evidence_ids:
        topic = library.get(topic_id)
        if topic is None:
            continue
        cited = [format_source(source) for source in topic.sources]
        sources[topic_id] = "; ".join(plain_citation(c) if plain else c for c in cited)
    return sources


def show_exports(case: PatientCase, plan: TreatmentPlan, audience: str, library: dict) -> None:
    """Downloads built on click: the clinical note (Markdown, EHR text, PDF) and the handout."""
    st.header("Take it with you", anchor="take-it-with-you", divider="gray")
    today = dt.date.today()
    stamp = today.isoformat()
    emergency = plan.triage.level is TriageLevel.emergency
    if audience != "patient":
        # The sources are formatted on click, inside each download, not on every rerun.
        def note_md() -> str:
            sources = note_sources(plan, library, plain=False)
            return clinical_note_markdown(case, plan, generated=today, sources=sources)

        def note_text() -> str:
            sources = note_sources(plan, library, plain=True)
            return clinical_note_text(case, plan, generated=today, sources=sources)

        def note_as_pdf() -> bytes:
            sources = note_sources(plan, library, plain=True)
            markdown = clinical_note_markdown(case, plan, generated=today, sources=sources)
            return note_pdf(markdown, title="Refractory low back pain: clinical note")

        st.markdown("**Clinical note**")
        st.caption(
            "Dated today: inputs, triage, orders with doses, what to avoid, safety counselling, "
            "follow-up, sources and the disclaimer. Read it through before it goes in the record."
            + (" It leads with the emergency and has no discharge plan." if emergency else "")
        )
        with st.container(horizontal=True, key="note_downloads"):
            st.download_button(
                "Text for the EHR",
                data=note_text,
                file_name=f"back-pain-note-{stamp}.txt",
                mime="text/plain",
                icon=":material/content_paste:",
                on_click="ignore",
                key="download_note_txt",
                help="Plain text, no formatting symbols: paste it into the patient's record.",
            )
            st.download_button(
                "Markdown",
                data=note_md,
                file_name=f"back-pain-note-{stamp}.md",
                mime="text/markdown",
                icon=":material/description:",
                on_click="ignore",
                key="download_note_md",
            )
            st.download_button(
                "PDF",
                data=note_as_pdf,
                file_name=f"back-pain-note-{stamp}.pdf",
                mime="application/pdf",
                icon=":material/picture_as_pdf:",
                on_click="ignore",
                key="download_note_pdf",
            )

    def handout_md() -> str:
        return patient_handout_markdown(case, plan)

    def handout_as_pdf() -> bytes:
        return note_pdf(patient_handout_markdown(case, plan), title="Your back pain")

    st.markdown("**Patient handout**")
    st.caption(
        "Plain language: what to take and when, staying active, medicine safety and the warning "
        "signs that mean come back now."
        if not emergency
        else "Plain language: why the patient needs to stay for urgent care, and what to tell "
        "the staff."
    )
    with st.container(horizontal=True, key="handout_downloads"):
        st.download_button(
            "Handout (PDF)",
            data=handout_as_pdf,
            file_name=f"back-pain-handout-{stamp}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="download_handout_pdf",
        )
        st.download_button(
            "Handout (Markdown)",
            data=handout_md,
            file_name=f"back-pain-handout-{stamp}.md",
            mime="text/markdown",
            icon=":material/description:",
            on_click="ignore",
            key="download_handout_md",
        )


def show_teaching_case(teaching: TeachingCase, case: PatientCase | None, audience: str) -> bool:
    """The vignette above the plan; in resident mode the quiz first. True when the plan may show."""
    revealed = st.session_state.get("quiz_revealed") or {}
    quiz_open = audience == "resident" and revealed.get("case") != teaching.id
    with st.container(border=True, key="teaching_case"):
        st.subheader(f":material/school: {teaching.title}", anchor="teaching-case")
        st.markdown(teaching.vignette.strip())
        if case is not None and case_to_query(case) != case_to_query(teaching.case):
            st.caption(
                ":material/edit: The inputs have been changed since the case was loaded: the "
                "plan below is for the inputs as they are now."
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
            st.markdown(f"**{teaching.quiz.question}**")
            st.markdown(
                "\n".join(
                    f"- {'Right' if option.correct else 'Wrong'}: **{option.text}**"
                    + (" _(your answer)_" if option is chosen else "")
                    + f". {option.why}"
                    for option in teaching.quiz.options
                )
            )
        st.markdown("**Learning points**")
        st.markdown("\n".join(f"- {point}" for point in teaching.learning_points))
    return True


# ---------------------------------------------------------------------------------------------
# Page

st.title("Refractory back pain: what now?")
st.caption(
    ":material/info: Educational decision support, not a substitute for clinical judgement. "
    "Nothing you enter leaves this browser session: it is not stored, logged or sent anywhere."
)

try:
    cases = teaching_cases()
except Exception:  # a broken case file costs the teaching cases, not the page
    cases = {}

# A shared link is read once, on the session's first run, before any widget exists.
if not st.session_state.get("link_read"):
    st.session_state["link_read"] = True
    st.session_state["link_notices"] = read_link(cases)

audience = st.segmented_control(
    "Which best describes you?",
    options=list(AUDIENCES),
    format_func=AUDIENCES.get,
    default=REFERENCE["audience"],
    required=True,
    key="audience",
    help="Clinicians get terse orders; residents also get the reasoning, pitfalls and evidence; "
    "patients get a plain-language explanation.",
)
audience = audience or "clinician"

with st.container(horizontal=True, key="case_controls"):
    st.button(
        "New case",
        icon=":material/note_add:",
        key="new_case",
        on_click=reset_case,
        args=(BLANK,),
        help="Clear the patient's details and start again.",
    )
    st.button(
        "Reference case",
        icon=":material/restart_alt:",
        key="reference_case",
        on_click=reset_case,
        args=(REFERENCE,),
        help="45-year-old man whose pain barely moved after prednisone, orphenadrine twice, "
        "gabapentin, ketorolac and dexamethasone.",
    )
    st.selectbox(
        "Load a teaching case",
        options=["", *cases],
        format_func=lambda case_id: cases[case_id].title if case_id else "Load a teaching case…",
        key="case",
        on_change=load_teaching_case,
        args=(cases,),
        label_visibility="collapsed",
        width=250,
        help="Vignettes with a known right answer. In resident mode, decide first and then "
        "reveal the plan.",
    )
    st.markdown("[:material/arrow_downward: Jump to the plan](#plan)")

if st.session_state.get("link_notices"):
    st.warning(
        "\n".join(f"- {notice}" for notice in st.session_state["link_notices"]),
        title="Some link parameters were ignored",
        icon=":material/link_off:",
    )

# Where each field's own error goes, next to the input (filled after validation, below).
slots: dict[str, DeltaGenerator] = {}

# --- Patient ---------------------------------------------------------------------------------
with st.container(border=True, key="patient_inputs"):
    st.subheader(":material/person: Patient")
    left, right = st.columns(2)
    age = left.number_input(
        "Age (years)",
        min_value=0,
        max_value=150,
        value=REFERENCE["age_years"],
        step=1,
        key="age_years",
        help="Adults only (18 years and over).",
    )
    slots["age_years"] = left.empty()
    sex = right.segmented_control(
        "Sex",
        options=list(SEXES),
        format_func=SEXES.get,
        default=REFERENCE["sex"],
        key="sex",
        help="Sex at birth: used by the Cockcroft-Gault creatinine clearance.",
    )

    weight_unit = st.session_state.get("weight_unit", REFERENCE["weight_unit"])
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    weight = left.number_input(
        f"Weight ({weight_unit})",
        min_value=0.0,
        value=REFERENCE["weight_kg"],
        step=0.5,
        format="%.1f",
        key="weight_kg",
        help="Actual body weight today. Switch the unit beside it for pounds.",
    )
    weight_unit = right.segmented_control(
        "Weight unit",
        options=["kg", "lb"],
        default=REFERENCE["weight_unit"],
        required=True,
        key="weight_unit",
        on_change=keep_weight,
        args=({"unit": weight_unit},),
        label_visibility="collapsed",
    )
    weight_kg = units.weight_to_kg(weight, weight_unit) if weight is not None else None
    if weight_kg is not None and weight_unit != "kg":
        st.caption(f"= {weight_kg:.1f} kg (1 lb = {units.KG_PER_LB} kg)")
    slots["weight_kg"] = st.empty()

    height_unit = st.session_state.get("height_unit", REFERENCE["height_unit"])
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    height = left.number_input(
        f"Height ({height_unit}, optional)",
        min_value=0.0,
        value=REFERENCE["height_cm"],
        step=1.0,
        format="%.0f",
        key="height_cm",
        placeholder="Not measured",
        help="Lets the engine use ideal or adjusted body weight for creatinine clearance "
        "when actual weight would mislead.",
    )
    height_unit = right.segmented_control(
        "Height unit",
        options=["cm", "in"],
        default=REFERENCE["height_unit"],
        required=True,
        key="height_unit",
        label_visibility="collapsed",
    )
    height_cm = units.height_to_cm(height, height_unit) if height is not None else None
    if height_cm is not None and height_unit != "cm":
        st.caption(f"= {height_cm:.0f} cm (1 in = {units.CM_PER_INCH} cm)")
    slots["height_cm"] = st.empty()

    kidney = st.segmented_control(
        "Kidney function",
        options=list(KIDNEY_INPUTS),
        format_func=KIDNEY_INPUTS.get,
        default=REFERENCE["creatinine_unit"],
        required=True,
        key="creatinine_unit",
        help="Enter serum creatinine (the page estimates creatinine clearance) or a measured "
        "or calculated creatinine clearance directly.",
    )
    creatinine_mg_dl = crcl = None
    if kidney in {"mg/dL", "µmol/L"}:
        creatinine = st.number_input(
            f"Serum creatinine ({kidney})",
            min_value=0.0,
            value=REFERENCE["serum_creatinine_mg_dl"],
            step=0.1 if kidney == "mg/dL" else 1.0,
            format="%.2f" if kidney == "mg/dL" else "%.0f",
            key="serum_creatinine_mg_dl",
            placeholder="Latest value",
            help="Most recent stable value. mg/dL in the US; µmol/L in most other countries.",
        )
        if creatinine is not None:
            creatinine_mg_dl = units.creatinine_to_mg_dl(creatinine, kidney)
            if kidney == "µmol/L":
                st.caption(f"= {creatinine_mg_dl:.2f} mg/dL (÷ {units.CREATININE_UMOL_PER_MG_DL})")
        slots["serum_creatinine_mg_dl"] = st.empty()
    elif kidney == "crcl":
        crcl = st.number_input(
            "Creatinine clearance (mL/min)",
            min_value=0.0,
            value=None,
            step=1.0,
            format="%.0f",
            key="crcl_ml_min",
            placeholder="e.g. 45",
            help="Cockcroft-Gault or measured clearance, in mL/min (not eGFR per 1.73 m²).",
        )
        slots["crcl_ml_min"] = st.empty()
    else:
        st.caption("The plan says what it assumed; enter a creatinine as soon as you have one.")
    on_hemodialysis = st.checkbox(
        "On haemodialysis",
        value=False,
        key="on_hemodialysis",
        help="Gabapentin then needs a post-dialysis dose.",
    )
    pregnant = False
    if sex == "female":
        pregnant = st.checkbox(
            "Pregnant",
            value=False,
            key="pregnant",
            help="Changes which analgesics are safe (NSAIDs after 20 weeks, for example).",
        )
    setting = st.segmented_control(
        "Where is the patient now?",
        options=list(SETTINGS),
        format_func=SETTINGS.get,
        default=REFERENCE["setting"],
        required=True,
        key="setting",
        help="The emergency department can give parenteral doses now; a clinic gives oral ones.",
    )

# --- Pain ------------------------------------------------------------------------------------
with st.container(border=True, key="pain_inputs"):
    st.subheader(":material/bolt: Pain")
    left, right = st.columns(2)
    duration = left.number_input(
        "Duration (weeks)",
        min_value=0.0,
        value=REFERENCE["pain_duration_weeks"],
        step=1.0,
        format="%.0f",
        key="pain_duration_weeks",
        help="Acute: under 4 weeks; subacute: 4–12; chronic: over 12.",
    )
    slots["pain_duration_weeks"] = left.empty()
    pain_score = right.number_input(
        "Pain score now (0–10)",
        min_value=0,
        max_value=10,
        value=REFERENCE["pain_score"],
        step=1,
        key="pain_score",
        help="0 = no pain, 10 = worst imaginable.",
    )
    slots["pain_score"] = right.empty()
    st.pills(
        "Radicular features",
        options=list(RADICULAR_FEATURES),
        format_func=RADICULAR_FEATURES.get,
        selection_mode="multi",
        default=[],
        key="radicular_features",
        on_change=radicular_from_features,
        help="Any of these makes the pain radicular (sciatica), which changes the plan.",
    )
    radicular = st.toggle(
        "Radicular pain (sciatica)",
        value=REFERENCE["radicular"],
        key="radicular",
        help="Switched on by the features above; you can override it.",
    )

# --- Red flags -------------------------------------------------------------------------------
with st.container(border=True, key="red_flag_inputs"):
    st.subheader(":material/flag: Red flags")
    red_flags = st.pills(
        "Select any present",
        options=[flag.value for flag in RED_FLAG_ORDER],
        format_func=lambda value: red_flag_label(RedFlag(value)).capitalize(),
        selection_mode="multi",
        default=[],
        key="red_flags",
        help="Features of cauda equina, aneurysm, infection, cancer or fracture. Any of them "
        "changes what to do first.",
    )

# --- Medicines already tried -----------------------------------------------------------------
with st.container(border=True, key="tried_inputs"):
    st.subheader(":material/medication: Medicines already tried")
    tried = st.multiselect(
        "Given for this episode",
        options=known_names(),
        format_func=display_name,
        default=REFERENCE["tried"],
        key="tried",
        placeholder="Type a generic or brand name, e.g. Norflex",
        help="Search by generic or brand name. Doses are optional.",
    )
    relief = st.segmented_control(
        "Relief so far",
        options=list(RELIEF),
        format_func=RELIEF.get,
        default=REFERENCE["relief"],
        required=True,
        key="relief",
    )
    if tried:
        st.caption("Number of doses given, the dose each time in mg and the route (optional)")
    tried_details: list[dict[str, object]] = []
    for drug in tried:
        with st.container(horizontal=True, vertical_alignment="center", key=f"tried_row_{drug}"):
            st.markdown(display_name(drug), width=190)
            doses_given = st.number_input(
                f"{display_name(drug)}: number of doses given",
                min_value=1,
                value=REFERENCE_DOSES_GIVEN.get(drug, 1),
                step=1,
                key=f"tried_doses_{drug}",
                label_visibility="collapsed",
                icon=":material/close:",
                width=130,
            )
            dose_mg = st.number_input(
                f"{display_name(drug)}: dose each time (mg, optional)",
                min_value=0.0,
                value=None,
                step=5.0,
                format="%g",
                key=f"tried_dose_mg_{drug}",
                placeholder="mg (optional)",
                label_visibility="collapsed",
                width=165,
            )
            route = st.selectbox(
                f"{display_name(drug)}: route (optional)",
                options=list(ROUTES),
                format_func=ROUTES.get,
                index=None,
                key=f"tried_route_{drug}",
                placeholder="Route",
                label_visibility="collapsed",
                width=110,
            )
        tried_details.append(
            {
                "drug": drug,
                "doses_given": doses_given,
                "dose_mg": dose_mg,
                "route": route,
                "relief": relief,
            }
        )
    slots["tried"] = st.empty()

# --- Conditions and co-medications -----------------------------------------------------------
with st.container(border=True, key="condition_inputs"):
    st.subheader(":material/clinical_notes: Conditions and co-medications")
    conditions = st.multiselect(
        "Select any that apply",
        options=[c.value for c in CONDITIONS],
        format_func=lambda value: CONDITIONS[Condition(value)],
        default=[],
        key="conditions",
        placeholder="None recorded",
        help="These decide which medicines are safe: bleeding risk, kidneys, breathing, "
        "interactions.",
    )

# ---------------------------------------------------------------------------------------------
# Case -> plan

st.header("Plan", anchor="plan", divider="gray")
teaching = cases.get(st.session_state.get("case") or "")
teaching_slot = st.container() if teaching is not None else None

raw = {
    "age_years": age,
    "sex": sex,
    "weight_kg": weight_kg,
    "height_cm": height_cm,
    "serum_creatinine_mg_dl": creatinine_mg_dl,
    "crcl_ml_min": crcl,
    "on_hemodialysis": on_hemodialysis,
    "pregnant": pregnant,
    "setting": setting,
    "pain_duration_weeks": duration,
    "pain_score": pain_score,
    "radicular": radicular,
    "red_flags": tuple(red_flags or ()),
    "conditions": tuple(conditions or ()),
    "tried": tuple(tried_details),
}
required = {"age_years": age, "sex": sex, "weight_kg": weight, "pain_score": pain_score}
missing = [FIELD_LABELS[k][0].lower() for k, v in required.items() if v is None]
if kidney in {"mg/dL", "µmol/L"} and creatinine_mg_dl is None:
    missing.append("serum creatinine")
if kidney == "crcl" and crcl is None:
    missing.append("creatinine clearance")

case: PatientCase | None = None
plan: TreatmentPlan | None = None
if missing:
    st.info(
        f"Enter the {', '.join(missing)} to see the plan.",
        icon=":material/edit_note:",
    )
else:
    try:
        case = PatientCase.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as exc:
        by_field: dict[str, list[str]] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            by_field.setdefault(name, []).append(human_error(error, tried))
        for name, messages in by_field.items():
            if name in slots:
                slots[name].error("  \n".join(messages), icon=":material/error:")
        st.error(
            "\n".join(f"- {human_error(e, tried)}" for e in exc.errors()),
            title="Check the inputs: no plan is shown until they are plausible",
            icon=":material/error:",
        )
        st.caption(
            "Out-of-range values are usually a unit mix-up (pounds for kilograms, µmol/L for "
            "mg/dL): check the unit beside the input."
        )
write_link(case, teaching.id if teaching is not None else "", audience)
if case is not None:
    try:
        plan = build_plan(case)
    except Exception:  # never show a traceback to a clinician mid-shift
        st.error(
            "The plan could not be built for this case. Please check the inputs; if they are "
            "right, this is a fault in the tool: do not rely on it for this patient.",
            title="Something went wrong",
            icon=":material/error:",
        )

try:
    library = evidence_library()
except Exception:  # missing or malformed content must not take the plan down with it
    library = {}

plan_shown = True
if teaching is not None and teaching_slot is not None:
    with teaching_slot:
        plan_shown = show_teaching_case(teaching, case, audience)

if plan is not None and case is not None and plan_shown:
    try:
        show_plan(plan, case, audience, library)
        show_exports(case, plan, audience, library)
        show_evidence(plan, library, audience)
    except Exception:  # a display fault must not turn into a traceback either
        st.error(
            "Part of this plan could not be displayed. Do not rely on the page for this "
            "patient; please report the case.",
            title="Something went wrong",
            icon=":material/error:",
        )

st.divider()
st.caption(
    "Educational decision support for clinicians and learners. It does not replace clinical "
    "judgement, local protocols or the product label. No data leaves this browser session."
)
