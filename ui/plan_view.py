"""The plan: a summary card that answers the question, the rest one click away in tabs.

Everything clinical (orders and their wording, verdicts, figures) comes from `build_plan`; this
module only lays it out. Tabs are built lazily: only the open one is drawn on a rerun.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import ModuleType

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from logic.drugs.catalogue import display_name
from logic.engine.avoid_list import merge_avoid
from logic.engine.cautions import gabapentin_ceiling, harm_done
from logic.engine.gabapentin import schedule_csv, schedule_frame
from logic.formats.charts import titration_spec
from logic.library.evidence import EvidenceTopic
from logic.models import Order, PatientCase, Point, Severity, TreatmentPlan, TriageLevel
from ui.number_box import KEEP

#: The rescue control's value for "none of the options was given".
NONE_GIVEN = "none"
SEVERITY_LOOK = {
    Severity.danger: (st.error, ":material/dangerous:", "Danger"),
    Severity.caution: (st.warning, ":material/warning:", "Caution"),
    Severity.info: (st.info, ":material/info:", "Note"),
}
_SEVERITY_RANK = {Severity.danger: 0, Severity.caution: 1, Severity.info: 2}


def drug_name(drug: str) -> str:
    """Catalogue display name when known (orders may name drugs outside the catalogue)."""
    try:
        return display_name(drug)
    except KeyError:
        return drug


def evidence_links(ids: Iterable[str], library: dict[str, EvidenceTopic]) -> str:
    """Markdown links from a plan item to its topics in the Evidence tab."""
    links = [
        f"[{library[i].title.split(' - ')[0] if i in library else i.replace('-', ' ')}](#ev-{i})"
        for i in dict.fromkeys(ids)
    ]
    return ":material/menu_book: " + " · ".join(links) if links else ""


def bullets(
    items: Iterable[tuple[str, Iterable[str]]], library: dict[str, EvidenceTopic], empty: str = ""
) -> None:
    """(markdown, evidence ids) pairs as one bulleted list: one element, not one per item."""
    lines = []
    for text, evidence in items:
        links = evidence_links(evidence, library)
        lines.append(f"- {text}" + (f"  \n  {links}" if links else ""))
    if lines:
        st.markdown("\n".join(lines))
    elif empty:
        st.caption(empty)


def points(items: Sequence[Point], library: dict[str, EvidenceTopic], empty: str = "") -> None:
    bullets(
        (((f"**{p.title}.** " if p.title else "") + p.text, p.evidence) for p in items),
        library,
        empty,
    )


def order_lines(orders: Sequence[Order]) -> str:
    """Orders as one Markdown list, choice groups headed, shared decisions labelled."""
    lines: list[str] = []
    previous = None
    for order in orders:
        if order.choice and order.choice != previous:
            lines.append(f"- *{order.choice}*")
        previous = order.choice
        indent = "    " if order.choice else ""
        label = (
            " · :orange-badge[shared decision]" if getattr(order, "shared_decision", False) else ""
        )
        lines.append(f"{indent}- **{order.sig}**{label}")
    return "\n".join(lines)


def show_warnings(plan: TreatmentPlan, severities: Iterable[Severity]) -> None:
    """Plan warnings of these severities, most severe first, the severity spelled out."""
    wanted = set(severities)
    for warning in sorted(plan.warnings, key=lambda w: _SEVERITY_RANK[w.severity]):
        if warning.severity not in wanted:
            continue
        alert, icon, word = SEVERITY_LOOK[warning.severity]
        source = f"  \n_Source: {warning.source}_" if warning.source else ""
        alert(f"**{word}.** {warning.message}{source}", icon=icon)


def show_harm_done(plan: TreatmentPlan) -> None:
    """A dose already given that was contraindicated: what to watch for now, under the triage
    on the summary card (the review's own words; logic/engine/cautions.py harm_done)."""
    for review in harm_done(plan):
        st.error(
            f"**{drug_name(review.drug)}.** "
            + review.reason.removeprefix("Harm may already have been done. "),
            title="Harm may already have been done",
            icon=":material/report:",
        )


def show_triage(
    plan: TreatmentPlan,
    where: DeltaGenerator | ModuleType,
    library: dict[str, EvidenceTopic],
    *,
    brief: bool,
) -> None:
    """The triage as an alert; `brief` is the one-line form shown beside the red flags."""
    triage = plan.triage
    findings = "" if brief else "".join(f"\n- {f}" for f in triage.findings)
    links = "" if brief else f"\n\n{evidence_links(triage.evidence, library)}"
    if triage.level is TriageLevel.emergency:
        where.error(
            f"{triage.action}{findings}{links}",
            title="Emergency: act now",
            icon=":material/emergency:",
        )
    elif triage.level is TriageLevel.urgent:
        where.warning(
            f"{triage.action}{findings}{links}",
            title="Urgent work-up before discharge",
            icon=":material/priority_high:",
        )
    elif triage.findings:
        # Age red flags (logic/engine/triage.py AGE_FLAGS): not urgent, but not "all clear" either.
        if not brief:  # the action spells out the age flags: no list under it
            where.info(
                f"{triage.action}{links}",
                title="Ask before deciding on imaging",
                icon=":material/quiz:",
            )
    elif not brief:
        where.success(triage.action, icon=":material/check_circle:")


def show_figures(plan: TreatmentPlan) -> None:
    """CrCl, the gabapentin cap, MME and naloxone in one row."""
    renal = plan.renal
    with st.container(horizontal=True, key="key_figures"):
        st.metric(
            "CrCl (mL/min)",
            f"{renal.crcl_ml_min:.0f}" if renal.crcl_ml_min is not None else "Unknown",
            help=f"{renal.method}. Kidney band {renal.band}. {renal.note}".strip(),
            border=True,
            width="content",
        )
        ceiling = gabapentin_ceiling(plan)
        if plan.gabapentin is not None and ceiling is not None:
            st.metric(
                "Gabapentin max (mg/day)",
                f"{ceiling:g}",
                help="The most this plan allows in a day: the discharge order's cap, within the "
                f"label's kidney maximum ({plan.gabapentin.max_daily_mg:g} mg/day, Neurontin "
                "label Table 1).",
                border=True,
                width="content",
            )
        st.metric(
            "Opioid (MME/day)",
            f"{plan.mme_per_day:g}" if plan.mme_per_day else "0",
            help="Morphine milligram equivalents per day of the discharge opioid (CDC 2022).",
            border=True,
            width="content",
        )
        st.metric(
            "Naloxone",
            "Yes" if plan.naloxone else "No",
            help=_naloxone_help(plan),
            border=True,
            width="content",
        )


def _naloxone_help(plan: TreatmentPlan) -> str:
    reasons = "; ".join(plan.naloxone_reasons)
    if plan.naloxone_at_home:
        return (
            f"{reasons}. Already has naloxone: no new prescription; check it is in date and "
            "that the household knows how to use it (CDC 2022 rec 8)."
        )
    return reasons or "No indication for take-home naloxone."


def show_summary(plan: TreatmentPlan, case: PatientCase, library: dict[str, EvidenceTopic]) -> None:
    """The answer at a glance: triage, what to give now, discharge, figures and what to avoid."""
    emergency = plan.triage.level is TriageLevel.emergency
    with st.container(border=True, key="summary"):
        # A red flag (emergency or urgent) leads; with none, harm already done leads, since the
        # routine triage box (an all-clear, or the age questions) is the less urgent of the two.
        if plan.triage.level is TriageLevel.routine:
            show_harm_done(plan)
            show_triage(plan, st, library, brief=False)
        else:
            show_triage(plan, st, library, brief=False)
            show_harm_done(plan)
        show_warnings(plan, [Severity.danger])
        if emergency:
            st.subheader(":material/event: Now", anchor="now")
            points(plan.follow_up, library)
            st.subheader(":material/vaccines: Analgesia while this is arranged", anchor="give-now")
        else:
            st.subheader(":material/vaccines: Give now", anchor="give-now")
        if plan.give_now:
            st.markdown(order_lines(plan.give_now))
            choices = [o for o in plan.give_now if o.choice]
            if choices:
                st.selectbox(
                    "Rescue option given (the note records it)",
                    options=[NONE_GIVEN, *(o.sig for o in choices)],
                    format_func=lambda sig: "None of these" if sig == NONE_GIVEN else sig,
                    index=None,
                    key="rescue_given",
                    persist_state=KEEP,
                    placeholder="Not recorded yet",
                    width=420,
                )
        else:
            st.caption("Nothing to give now.")
        if emergency:
            st.caption("No discharge plan until the emergency cause is excluded.")
            return
        kind = "radicular pain" if case.radicular else "non-radicular"
        st.subheader(f":material/home: Discharge plan ({kind})", anchor="discharge")
        if plan.discharge:
            st.markdown(order_lines(plan.discharge))
        else:
            st.caption("No medicines to add at discharge.")
        offers_opioid = any(o.shared_decision for o in (*plan.give_now, *plan.discharge))
        if offers_opioid or case.take_home_opioid:
            st.toggle(
                "Take-home opioid chosen after a shared decision",
                key="take_home_opioid",
                persist_state=KEEP,
                help="Switch on only after discussing the expected benefit and harm (Why tab) "
                "and agreeing it with the patient; the discharge plan then includes it.",
            )
        show_figures(plan)
        if plan.avoid:
            st.markdown(
                ":material/block: **Avoid:** "
                + "; ".join(drug_name(a.drug) for a in merge_avoid(plan.avoid)),
            )


def show_departures(plan: TreatmentPlan) -> None:
    """Where this plan departs from common practice, in one compact panel."""
    departures = plan.departures
    if not departures:
        return
    with st.expander(
        f"Where this plan departs from common practice ({len(departures)})",
        icon=":material/alt_route:",
        key="departures",
    ):
        st.markdown(
            "\n".join(
                f"- **{d.common_practice}** → {d.this_plan}. {d.why} _({d.source})_"
                for d in departures
            )
        )


def show_why(plan: TreatmentPlan, audience: str, library: dict[str, EvidenceTopic]) -> None:
    """The rationale: why each order, and why what was tried did not work."""
    st.subheader(":material/history: Why what was tried did not work", anchor="tried-review")
    bullets(
        (
            (f"**{drug_name(r.drug)}** ({r.drug_class}): _{r.verdict}_. {r.reason}", r.evidence)
            for r in plan.tried_review
        ),
        library,
        "No medicines recorded as tried.",
    )
    st.subheader(":material/help: Why these orders", anchor="why-orders")
    bullets(
        (
            (
                f"**{o.sig}**: {o.note}"
                + (f" *Benefit and harm:* {o.tradeoff}" if o.tradeoff else ""),
                o.evidence,
            )
            for o in (*plan.give_now, *plan.discharge)
            if o.note or o.tradeoff
        ),
        library,
        "No further notes on the orders.",
    )
    if plan.non_drug:
        st.subheader(":material/directions_walk: Non-drug care", anchor="non-drug")
        points(plan.non_drug, library)
    if plan.avoid:
        st.subheader(":material/block: Avoid, and why", anchor="avoid")
        bullets(
            ((f"**{drug_name(a.drug)}**: {a.reason}", a.evidence) for a in merge_avoid(plan.avoid)),
            library,
        )


def show_safety(plan: TreatmentPlan, library: dict[str, EvidenceTopic]) -> None:
    st.subheader(":material/health_and_safety: Safety", anchor="safety")
    show_warnings(plan, [Severity.caution, Severity.info])
    points(plan.safety, library, "None listed.")
    st.subheader(":material/event: Follow-up", anchor="follow-up")
    points(plan.follow_up, library, "None listed.")


def show_pitfalls(plan: TreatmentPlan, library: dict[str, EvidenceTopic]) -> None:
    st.subheader(":material/lightbulb: Pitfalls", anchor="pitfalls")
    points(plan.pitfalls, library, "None listed.")


def show_titration(plan: TreatmentPlan) -> None:
    """Gabapentin titration: the chart, the day-by-day table and a CSV of it."""
    gaba = plan.gabapentin
    if gaba is None:
        return
    st.subheader("Gabapentin titration", anchor="gabapentin-titration")
    st.markdown(
        f"Start **{gaba.start_mg:g} mg**, build up to **{gaba.target_daily_mg:g} mg/day** "
        f"in {gaba.doses_per_day} dose{'s' if gaba.doses_per_day != 1 else ''} a day. "
        f"Maximum: **{gabapentin_ceiling(plan) or gaba.max_daily_mg:g} mg/day** "
        f"(the label allows up to {gaba.max_daily_mg:g} mg/day in kidney band {gaba.band})."
        + (
            f"  \nAfter each haemodialysis session: **{gaba.dialysis_supplement_mg:g} mg**."
            if gaba.dialysis_supplement_mg
            else ""
        )
    )
    if gaba.note:
        st.caption(gaba.note)
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


def tab_names(plan: TreatmentPlan, audience: str) -> list[str]:
    """The detail tabs, most relevant to this case first."""
    emergency = plan.triage.level is TriageLevel.emergency
    names = [
        "Why",
        "Decision aid",
        "Safety and follow-up",
        "Pitfalls",
        "Evidence",
        "Note and downloads",
    ]
    if emergency:
        names = ["Safety and follow-up", "Note and downloads", "Evidence", "Pitfalls"]
    elif plan.gabapentin is not None:
        names.insert(0, "Titration")
    if any(w.severity is Severity.caution for w in plan.warnings) and not emergency:
        names.remove("Safety and follow-up")
        names.insert(1, "Safety and follow-up")
    if audience == "resident" and "Pitfalls" in names:
        names.remove("Pitfalls")
        names.insert(1, "Pitfalls")
    return names
