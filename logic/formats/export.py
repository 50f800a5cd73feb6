"""Exports of a plan: a clinical note (Markdown, plain text, PDF) and a plain-language handout.

Pure functions of (case, plan): no Streamlit, no clock (the caller passes the date), no files.
The note is built once as a list of sections and rendered twice, so the Markdown download and
the text pasted into an EHR can never say different things.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from logic.drugs.catalogue import CATALOGUE, DrugClass, resolve_drug
from logic.engine.avoid_list import merge_avoid
from logic.engine.cautions import gabapentin_ceiling, harm_done, leading_warnings
from logic.engine.decision_aid import arm_line, decision_rows, headline
from logic.engine.triage import red_flag_label
from logic.models import (
    Allergy,
    Condition,
    CurrentMedication,
    Formulation,
    GabapentinPlan,
    GabapentinStep,
    Order,
    PatientCase,
    RedFlag,
    Route,
    Severity,
    TreatmentPlan,
    TriageLevel,
    TriedMedication,
)

__all__ = [
    "DISCLAIMER",
    "clinical_note_markdown",
    "clinical_note_text",
    "medicine_entry",
    "note_pdf",
    "patient_handout_markdown",
    "plain_instruction",
    "reasoning_markdown",
    "record_cautions",
    "record_pdf",
]

DISCLAIMER = "Educational decision support, not a substitute for clinical judgement."

# ---------------------------------------------------------------------------------------------
# Wording shared by the note and the handout

RED_FLAG_TERMS: dict[RedFlag, str] = {flag: red_flag_label(flag) for flag in RedFlag}

CONDITION_TERMS: dict[Condition, str] = {
    Condition.ckd: "chronic kidney disease",
    Condition.gi_bleed_history: "history of GI bleeding",
    Condition.peptic_ulcer: "peptic ulcer",
    Condition.anticoagulant_use: "on an anticoagulant",
    Condition.antiplatelet_use: "on an antiplatelet",
    Condition.heart_failure: "heart failure",
    Condition.recent_mi: "recent myocardial infarction",
    Condition.recent_cabg: "recent coronary artery bypass surgery",
    Condition.cirrhosis: "cirrhosis",
    Condition.sleep_apnea: "sleep apnoea",
    Condition.copd: "COPD",
    Condition.opioid_use_disorder: "opioid use disorder",
    Condition.substance_use_disorder: "substance use disorder",
    Condition.benzodiazepine_use: "takes a benzodiazepine",
    Condition.serotonergic_drug_use: "takes a serotonergic drug",
    Condition.seizure_disorder: "seizure disorder",
    Condition.cardiac_conduction_disease: "cardiac conduction disease",
    Condition.qt_prolongation: "long QT (QT prolongation)",
    Condition.glaucoma: "glaucoma",
    Condition.urinary_retention_history: "history of urinary retention",
    Condition.fall_risk: "fall risk",
    Condition.opioid_tolerant: "opioid tolerant",
}

# Warning signs in the patient's words (AHCPR 1994 red flags; GIRFT cauda equina pathway).
COME_BACK_NOW: tuple[str, ...] = (
    "Numbness or tingling between your legs, around your bottom or genitals "
    "(where you would sit on a saddle).",
    "Trouble starting to pass urine, not being able to pass urine, or not feeling when your "
    "bladder is full.",
    "Losing control of your bladder or bowels (wetting or soiling yourself).",
    "New weakness in a leg or foot, or numbness that is spreading or getting worse.",
    "Pain or numbness going down both legs.",
    "Fever, chills or feeling very unwell.",
    "Sudden severe pain in your belly, or feeling faint or collapsing.",
    "Being very sleepy, hard to wake, or breathing slowly or shallowly.",
    "Pain that keeps getting worse, or pain that wakes you at night and does not settle.",
)

# The same signs in clinical words, for the note.
RETURN_PRECAUTIONS: tuple[str, ...] = (
    "saddle anaesthesia or perineal numbness",
    "urinary retention or difficulty voiding",
    "loss of bladder or bowel control (urinary or faecal incontinence)",
    "new or progressive leg weakness or spreading numbness",
    "bilateral sciatica",
    "fever or chills",
    "sudden severe abdominal pain, syncope or collapse",
    "excessive sedation or slow breathing",
    "escalating or night pain",
)

# The same signs in one line, for the record (the reasoning document lists them in full).
RECORD_RETURN_PRECAUTIONS = (
    "Return at once for: saddle numbness, retention or incontinence, new leg weakness, "
    "bilateral sciatica, fever, sudden abdominal pain or collapse, sedation or slow breathing, "
    "escalating or night pain."
)

# Which of those signs each recorded red flag makes most relevant (listed first in the handout).
_FLAG_SIGN: dict[RedFlag, int] = {
    RedFlag.saddle_anesthesia: 0,
    RedFlag.urinary_retention: 1,
    RedFlag.fecal_incontinence: 2,
    RedFlag.progressive_motor_deficit: 3,
    RedFlag.bilateral_sciatica: 4,
    RedFlag.fever: 5,
    RedFlag.iv_drug_use: 5,
    RedFlag.immunosuppression: 5,
    RedFlag.recent_spinal_procedure: 5,
    RedFlag.pulsatile_abdominal_mass: 6,
}

_ROUTE_NOTE: dict[Route, str] = {
    Route.po: "PO",
    Route.iv: "IV",
    Route.im: "IM",
    Route.sc: "SC",
    Route.topical: "topical",
    Route.transdermal: "transdermal",
}

_ROUTE_PLAIN_TAKE: dict[Route, str] = {
    Route.po: "by mouth",
    Route.iv: "into a vein (given by a nurse)",
    Route.im: "as an injection into a muscle",
    Route.sc: "as an injection under the skin",
    Route.topical: "on the skin where it hurts",
    Route.transdermal: "as a patch on the skin",
}
_NASAL = "as a spray in the nose"

_GENERICS_LONGEST_FIRST = sorted((d.generic for d in CATALOGUE), key=len, reverse=True)


def _num(value: float) -> str:
    return f"{value:g}"


def drug_class_of(name: str) -> DrugClass | None:
    """Class of an order's drug, also for names like 'oxycodone (immediate release)'."""
    generic = resolve_drug(name)
    if generic is None:
        lowered = name.strip().lower()
        generic = next((g for g in _GENERICS_LONGEST_FIRST if lowered.startswith(g)), None)
    if generic is None:
        return None
    return next(d.drug_class for d in CATALOGUE if d.generic == generic)


# ---------------------------------------------------------------------------------------------
# A tiny document model rendered to Markdown or plain text


@dataclass(frozen=True)
class _Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class _Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: _Table | None = None
    after: list[str] = field(default_factory=list)


def _render_markdown(title: str, lead: Sequence[str], sections: Iterable[_Section]) -> str:
    out = [f"# {title}", ""]
    for line in lead:
        out += [line, ""]
    for section in sections:
        out += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            out += [paragraph, ""]
        if section.bullets:
            out += [f"- {b}" for b in section.bullets] + [""]
        if section.table is not None:
            table = section.table
            out.append("| " + " | ".join(table.headers) + " |")
            out.append("|" + "|".join("---" for _ in table.headers) + "|")
            out += ["| " + " | ".join(row) + " |" for row in table.rows]
            out.append("")
        for paragraph in section.after:
            out += [paragraph, ""]
    return "\n".join(out).rstrip() + "\n"


_MARKUP = re.compile(r"\*\*|__|`|#|\|")


def _plain(text: str) -> str:
    """Strip characters that are Markdown markup so EHR text stays clean."""
    text = text.replace("|", "/").replace("#", "no. ")
    return _MARKUP.sub("", text)


def _render_text(title: str, lead: Sequence[str], sections: Iterable[_Section]) -> str:
    out = [_plain(title).upper(), ""]
    for line in lead:
        out += [_plain(line.replace("**", "")), ""]
    for section in sections:
        out += [_plain(section.title).upper(), ""]
        for paragraph in section.paragraphs:
            out += [_plain(paragraph), ""]
        if section.bullets:
            out += [f"- {_plain(b)}" for b in section.bullets] + [""]
        if section.table is not None:
            table = section.table
            rows = [table.headers, *table.rows]
            widths = [max(len(_plain(r[i])) for r in rows) for i in range(len(table.headers))]
            for row in rows:
                cells = [_plain(c).ljust(w) for c, w in zip(row, widths, strict=True)]
                out.append("  ".join(cells).rstrip())
            out.append("")
        for paragraph in section.after:
            out += [_plain(paragraph), ""]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# The clinical note


def _order_line(order: Order) -> str:
    line = order.sig
    if order.note:
        line = f"{line}. {order.note}"
    if order.choice:
        line = f"{line} [{order.choice}]"
    if order.shared_decision and order.tradeoff:
        line = f"{line} Shared decision: {order.tradeoff}"
    return line


_FORM_NOTE: dict[Formulation, str] = {
    Formulation.ir: "IR",
    Formulation.er: "ER",
    Formulation.patch: "patch",
}

ALLERGY_TERMS: dict[Allergy, str] = {
    Allergy.nsaid: "NSAID or aspirin (class)",
    Allergy.opioid: "opioids (class)",
}


def condition_term(condition: Condition) -> str:
    """The note's words for a condition (a condition added later reads by its name)."""
    return CONDITION_TERMS.get(condition, condition.value.replace("_", " "))


def medicine_entry(item: CurrentMedication | TriedMedication) -> str:
    """One medicine as entered, for the record: 'sertraline 50 mg PO 1/day for 10 weeks',
    'Percocet (oxycodone) 5 mg PO x2 (relief: none)'. Every field typed is written."""
    parts = [item.drug if item.product_label is None else f"{item.product_label} ({item.drug})"]
    if item.formulation is not None:
        parts.append(_FORM_NOTE[item.formulation])
    if item.dose is not None:
        unit = item.unit.value if item.unit is not None else "mg"
        parts.append(f"{_num(item.dose)} {unit}")
    else:
        parts.append("(dose not entered)")
    if item.route is not None:
        parts.append(_ROUTE_NOTE.get(item.route, item.route.value))
    if isinstance(item, CurrentMedication):
        if item.doses_per_day is not None:
            parts.append(f"{_num(item.doses_per_day)}/day")
        if item.weeks is not None:
            parts.append(f"for {_num(item.weeks)} week{'s' if item.weeks != 1 else ''}")
        return " ".join(parts)
    parts.append(f"x{item.doses_given}")
    return f"{' '.join(parts)} (relief: {item.relief.value})"


def _inputs(case: PatientCase, plan: TreatmentPlan) -> list[str]:
    """Every input the plan used, each field the clinician typed or ticked (the record)."""
    body = f"{case.age_years} years, {case.sex}, weight {_num(case.weight_kg)} kg"
    if case.height_cm is not None:
        body += f", height {_num(case.height_cm)} cm"
    if case.pregnant:
        body += ", pregnant"
        if case.pregnancy_weeks is not None:
            body += f" ({case.pregnancy_weeks} weeks)"
    if case.breastfeeding:
        body += ", breastfeeding"
    if case.frail:
        body += ", frail (clinical judgement)"
    renal = plan.renal
    if renal.crcl_ml_min is not None:
        kidney = f"CrCl {renal.crcl_ml_min:.0f} mL/min; method: {renal.method}"
    else:
        kidney = f"CrCl not calculated; method: {renal.method}"
    if case.crcl_ml_min is not None:
        kidney += f"; CrCl entered {_num(case.crcl_ml_min)} mL/min"
    if case.serum_creatinine_mg_dl is not None:
        kidney += f"; serum creatinine {_num(case.serum_creatinine_mg_dl)} mg/dL"
    if case.egfr_ml_min_1_73m2 is not None:
        kidney += f"; eGFR entered {_num(case.egfr_ml_min_1_73m2)} mL/min/1.73 m2"
    if case.on_hemodialysis:
        kidney += "; on haemodialysis"
    setting = "emergency department" if case.setting == "ed" else "clinic"
    pain = (
        f"{case.pain_score}/10 for {_num(case.pain_duration_weeks)} "
        f"week{'s' if case.pain_duration_weeks != 1 else ''}; "
        f"{'radicular (sciatica)' if case.radicular else 'non-radicular (axial)'}"
    )
    if case.radicular_features:
        pain += " (" + ", ".join(f.value.replace("_", " ") for f in case.radicular_features) + ")"
    flags = ", ".join(RED_FLAG_TERMS[f] for f in case.red_flags) or "none recorded"
    conditions = ", ".join(condition_term(c) for c in case.conditions) or "none recorded"
    if case.child_pugh is not None:
        pugh = f"liver disease, Child-Pugh class {case.child_pugh.value}"
        conditions = pugh if conditions == "none recorded" else f"{conditions}; {pugh}"
    allergies = [ALLERGY_TERMS.get(a, a.value) for a in case.allergies] + list(case.allergic_to)
    regular = "; ".join(medicine_entry(m) for m in case.current_medications) or "none recorded"
    tried = "; ".join(medicine_entry(t) for t in case.tried) or "none recorded"
    lines = [
        f"Patient: {body}; {setting}",
        f"Kidney: {kidney}",
        f"Pain: {pain}",
        f"Red flags: {flags}",
        f"Conditions: {conditions}",
        f"Allergies: {', '.join(allergies) or 'none recorded'}",
        f"Regular medicines: {regular}",
        f"Given this episode: {tried}",
    ]
    other = [
        text
        for present, text in (
            (case.prior_overdose, "prior overdose"),
            (case.heavy_alcohol_use, "heavy alcohol use"),
            (case.take_home_opioid, "take-home opioid chosen after a shared decision"),
        )
        if present
    ]
    if other:
        lines.append(f"Also: {', '.join(other)}")
    return lines


def _gabapentin_table(plan: GabapentinPlan) -> _Table:
    return _Table(
        ("Day", "Total mg/day", "Doses (mg)"),
        tuple(
            (
                str(step.day),
                _num(step.total_daily_mg),
                " + ".join(_num(d) for d in step.doses) or "-",
            )
            for step in plan.steps
        ),
    )


def _evidence_ids(plan: TreatmentPlan) -> list[str]:
    ids: list[str] = [*plan.triage.evidence]
    for group in (plan.give_now, plan.discharge):
        for order in group:
            ids += order.evidence
    for item in plan.tried_review:
        ids += item.evidence
    for avoid in plan.avoid:
        ids += avoid.evidence
    for points in (plan.non_drug, plan.safety, plan.pitfalls, plan.follow_up):
        for point in points:
            ids += point.evidence
    ids += plan.evidence_ids
    return list(dict.fromkeys(i for i in ids if i))


def _reasoning_sections(
    case: PatientCase,
    plan: TreatmentPlan,
    generated: dt.date,
    sources: Mapping[str, str] | None,
    rescue_given: str | None = None,
) -> tuple[list[str], list[_Section]]:
    emergency = plan.triage.level is TriageLevel.emergency
    lead = [f"Date: {generated.isoformat()}"]
    if emergency:
        lead.append(f"EMERGENCY: {plan.triage.action}")
        lead.append("No discharge plan: the patient is not for discharge.")

    sections = [_Section("Inputs", bullets=_inputs(case, plan))]

    triage = _Section(
        "Red-flag triage",
        paragraphs=[f"Level: {plan.triage.level.value}. {plan.triage.action}"],
        bullets=list(plan.triage.findings),
    )
    sections.append(triage)

    if plan.give_now:
        sections.append(_Section("Give now", bullets=_given_now_lines(plan, rescue_given)))
    else:
        sections.append(_Section("Give now", paragraphs=["No medicine ordered now."]))

    if plan.tried_review:
        sections.append(
            _Section(
                "Why the medicines already tried did not work",
                bullets=[
                    f"{r.drug} ({r.drug_class}): {r.verdict}. {r.reason}" for r in plan.tried_review
                ],
            )
        )

    if emergency:
        sections.append(
            _Section(
                "Discharge",
                paragraphs=["No discharge plan: emergency assessment first."],
            )
        )
    elif plan.discharge:
        sections.append(
            _Section("Discharge orders", bullets=[_order_line(o) for o in plan.discharge])
        )
    else:
        sections.append(_Section("Discharge orders", paragraphs=["No discharge medicine."]))

    if plan.non_drug and not emergency:
        sections.append(_Section("Non-drug care", bullets=[_point(p) for p in plan.non_drug]))

    if plan.avoid:
        sections.append(
            _Section("Avoid", bullets=[f"{a.drug}: {a.reason}" for a in merge_avoid(plan.avoid)])
        )

    if plan.departures:
        sections.append(
            _Section(
                "Where this plan departs from common practice",
                bullets=[
                    f"{d.common_practice} -> {d.this_plan}: {d.why} ({d.source})"
                    for d in plan.departures
                ],
            )
        )

    aid = decision_rows(plan)
    if aid and not emergency:  # the options the decision aid showed (logic/engine/decision_aid.py)
        sections.append(
            _Section(
                "Decision aid shown",
                bullets=[f"{r.option.value}: {arm_line(headline(r))}" for r in aid],
            )
        )

    if plan.warnings:
        sections.append(
            _Section(
                "Warnings",
                bullets=[
                    f"{w.severity.value.upper()}: {w.message}"
                    + (f" (source: {w.source})" if w.source else "")
                    for w in plan.warnings
                ],
            )
        )

    if plan.gabapentin is not None and not emergency:
        gaba = plan.gabapentin
        paragraphs = [
            f"Renal band {gaba.band}: maximum {_num(gaba.max_daily_mg)} mg/day, target "
            f"{_num(gaba.target_daily_mg)} mg/day in {gaba.doses_per_day} dose"
            f"{'s' if gaba.doses_per_day != 1 else ''} a day, starting at "
            f"{_num(gaba.start_mg)} mg."
        ]
        after = []
        if gaba.dialysis_supplement_mg is not None:
            after.append(
                f"Supplemental dose after each 4 hours of haemodialysis: "
                f"{_num(gaba.dialysis_supplement_mg)} mg."
            )
        if gaba.note:
            after.append(gaba.note)
        sections.append(
            _Section(
                "Gabapentin titration",
                paragraphs=paragraphs,
                table=_gabapentin_table(gaba),
                after=after,
            )
        )

    opioid = [
        "MME/day of discharge opioid: "
        + (f"{_num(round(plan.mme_per_day, 1))}" if plan.mme_per_day is not None else "none")
        + " (CDC 2022 conversion factors, at the maximum prescribed daily dose)",
        f"Naloxone: {_naloxone_words(plan)}"
        + (f" ({'; '.join(plan.naloxone_reasons)})" if plan.naloxone_reasons else ""),
    ]
    sections.append(_Section("Opioid dose and naloxone", bullets=opioid))

    if plan.safety:
        sections.append(_Section("Safety counselling", bullets=[_point(p) for p in plan.safety]))
    if plan.follow_up:
        sections.append(_Section("Follow-up", bullets=[_point(p) for p in plan.follow_up]))
    if not emergency:
        sections.append(
            _Section(
                "Return precautions given",
                paragraphs=["Return immediately for any of:"],
                bullets=list(RETURN_PRECAUTIONS),
            )
        )

    ids = _evidence_ids(plan)
    if sources is None:
        evidence = ids
    else:
        evidence = [f"{i}: {sources[i]}" if i in sources else i for i in ids]
    sections.append(
        _Section("Sources", bullets=evidence or ["No evidence ids attached to this plan."])
    )
    sections.append(_Section("Disclaimer", paragraphs=[DISCLAIMER]))
    return lead, sections


def _naloxone_words(plan: TreatmentPlan) -> str:
    if not plan.naloxone:
        return "not indicated by the rules"
    if plan.naloxone_at_home:
        return (
            "indicated; the patient already has naloxone, so no new prescription: check it is "
            "in date and that the household knows how to use it (CDC 2022 rec 8)"
        )
    return "offer / prescribe"


def _given_now_lines(plan: TreatmentPlan, rescue_given: str | None) -> list[str]:
    """Give-now orders as recorded: of a "choose one" group, only the option given (by its
    order text; "none" when none was), or every option marked as not yet recorded."""
    lines: list[str] = []
    if rescue_given == "none":
        lines.append("No rescue option given (recorded by the clinician).")
    for order in plan.give_now:
        if order.choice is None:
            lines.append(_order_line(order))
        elif rescue_given is None:
            lines.append(f"{_order_line(order)} (option; which one was given is not recorded)")
        elif order.sig == rescue_given:
            lines.append(f"GIVEN: {_order_line(order)}")
    known = rescue_given == "none" or any(o.sig == rescue_given for o in plan.give_now)
    if rescue_given is not None and not known:
        lines.append(f"Rescue given (not one of this plan's options): {rescue_given}")
    return lines


def _point(point: object) -> str:
    title = getattr(point, "title", "")
    text = getattr(point, "text", "")
    return f"{title}: {text}" if title else str(text)


NOTE_TITLE = "Refractory low back pain: clinical note"
REASONING_TITLE = "Refractory low back pain: reasoning and sources"
#: The EHR text is meant to paste into a note field: a few thousand characters at most.
RECORD_MAX_CHARS = 3000


def short_label(label: str) -> str:
    """An avoid label without its examples: 'Benzodiazepines (diazepam and others)' ->
    'Benzodiazepines' (the reasoning document keeps the full label and the reason)."""
    return label.split(" (", 1)[0]


def _record_order(order: Order) -> str:
    return f"{order.sig} (shared decision)" if order.shared_decision else order.sig


def _record_give_now(plan: TreatmentPlan, rescue_given: str | None) -> list[str]:
    """Fixed orders one a line; a "choose one" group on one line under its heading, or only the
    option recorded as given."""
    lines: list[str] = []
    if rescue_given == "none":
        lines.append("No rescue option given (recorded by the clinician).")
    groups: dict[str, list[Order]] = {}
    for order in plan.give_now:
        if order.choice is None:
            lines.append(_record_order(order))
        else:
            groups.setdefault(order.choice, []).append(order)
    for choice, options in groups.items():
        given = [o for o in options if o.sig == rescue_given]
        if given:
            lines.append(f"GIVEN: {_record_order(given[0])} [{choice}]")
        elif rescue_given is None:
            listed = "; or ".join(o.sig for o in options)
            lines.append(f"{choice}: {listed} (which one was given is not recorded)")
    known = rescue_given == "none" or any(o.sig == rescue_given for o in plan.give_now)
    if rescue_given is not None and not known:
        lines.append(f"Rescue given (not one of this plan's options): {rescue_given}")
    return lines or ["No medicine ordered now."]


def record_cautions(plan: TreatmentPlan) -> list[str]:
    """Harm already done first, then danger and caution warnings (logic/engine/cautions.py)."""
    lines = [
        f"HARM MAY ALREADY BE DONE - {r.drug}: "
        + r.reason.removeprefix("Harm may already have been done. ")
        for r in harm_done(plan)
    ]
    severities = frozenset({Severity.danger, Severity.caution})
    warnings = leading_warnings(plan, severities)
    lines += [f"{w.severity.value.upper()}: {w.message}" for w in warnings]
    return lines


def _key_figures(plan: TreatmentPlan) -> str:
    renal = plan.renal
    parts = [
        f"CrCl {renal.crcl_ml_min:.0f} mL/min" if renal.crcl_ml_min is not None else "CrCl unknown"
    ]
    ceiling = gabapentin_ceiling(plan)
    if ceiling is not None:
        parts.append(f"gabapentin max {_num(ceiling)} mg/day")
    mme = plan.mme_per_day
    parts.append(f"MME/day {_num(round(mme, 1)) if mme is not None else 'none'} (CDC 2022)")
    parts.append(f"naloxone: {_naloxone_words(plan)}")
    return "; ".join(parts)


def _record_sections(
    case: PatientCase, plan: TreatmentPlan, generated: dt.date, rescue_given: str | None
) -> tuple[list[str], list[_Section]]:
    """The record: what was entered, what was decided, what to watch. Reasons and sources are
    in the separate reasoning document (`reasoning_markdown`)."""
    emergency = plan.triage.level is TriageLevel.emergency
    lead = [f"Date: {generated.isoformat()}"]
    if emergency:
        lead.append(f"EMERGENCY: {plan.triage.action}")
        lead.append("No discharge plan: the patient is not for discharge.")
    sections = [_Section("Inputs", bullets=_inputs(case, plan))]
    triage = [f"Level: {plan.triage.level.value}."]
    if not emergency:
        triage[0] += f" {plan.triage.action}"
    # Routine triage's findings are the age red flags, which its action already spells out.
    findings = [] if plan.triage.level is TriageLevel.routine else list(plan.triage.findings)
    sections.append(_Section("Triage", paragraphs=triage, bullets=findings))
    cautions = record_cautions(plan)
    if cautions:
        sections.append(_Section("Cautions", bullets=cautions))
    sections.append(_Section("Give now", bullets=_record_give_now(plan, rescue_given)))
    if emergency:
        sections.append(_Section("Discharge", paragraphs=["No discharge plan."]))
    else:
        orders = [_record_order(o) for o in plan.discharge] or ["No discharge medicine."]
        sections.append(_Section("Discharge orders", bullets=orders))
    if plan.avoid:
        names = "; ".join(short_label(a.drug) for a in merge_avoid(plan.avoid))
        sections.append(_Section("Avoid", paragraphs=[names]))
    sections.append(_Section("Key figures", paragraphs=[_key_figures(plan)]))
    aid = decision_rows(plan)
    if aid and not emergency:  # which options the decision aid showed; figures in the reasoning
        shown = "; ".join(r.option.value for r in aid)
        sections.append(_Section("Decision aid shown", paragraphs=[shown]))
    follow = [_point(p) for p in plan.follow_up if p.title != "Return precautions"]
    if follow:
        sections.append(_Section("Follow-up", bullets=follow))
    if not emergency:
        sections.append(
            _Section(
                "Return precautions given",
                paragraphs=[RECORD_RETURN_PRECAUTIONS],
            )
        )
    sections.append(
        _Section(
            "Reasons and sources",
            paragraphs=[f"In the separate 'Reasoning and sources' download. {DISCLAIMER}"],
        )
    )
    return lead, sections


def clinical_note_markdown(
    case: PatientCase,
    plan: TreatmentPlan,
    *,
    generated: dt.date,
    rescue_given: str | None = None,
) -> str:
    """The record as Markdown (for the one-page PDF): every input, the orders chosen, the
    cautions, the key figures and follow-up."""
    lead, sections = _record_sections(case, plan, generated, rescue_given)
    lead = [
        f"**{line}**" if line.startswith(("EMERGENCY", "No discharge")) else line for line in lead
    ]
    return _render_markdown(NOTE_TITLE, lead, sections)


def clinical_note_text(
    case: PatientCase,
    plan: TreatmentPlan,
    *,
    generated: dt.date,
    rescue_given: str | None = None,
) -> str:
    """The same record as plain text for pasting into an EHR (no Markdown symbols)."""
    lead, sections = _record_sections(case, plan, generated, rescue_given)
    return _render_text(NOTE_TITLE, lead, sections)


def reasoning_markdown(
    case: PatientCase,
    plan: TreatmentPlan,
    *,
    generated: dt.date,
    sources: Mapping[str, str] | None = None,
    rescue_given: str | None = None,
) -> str:
    """The full reasoning: why each order, the review of what was tried, what to avoid and why,
    departures, every warning with its source, the titration table and the sources."""
    lead, sections = _reasoning_sections(case, plan, generated, sources, rescue_given)
    lead = [
        f"**{line}**" if line.startswith(("EMERGENCY", "No discharge")) else line for line in lead
    ]
    return _render_markdown(REASONING_TITLE, lead, sections)


# ---------------------------------------------------------------------------------------------
# The patient handout


def _dose_words(order: Order) -> str:
    if order.dose_mg_low == order.dose_mg:
        return f"{_num(order.dose_mg)} mg"
    return f"{_num(order.dose_mg_low)} to {_num(order.dose_mg)} mg"


def _how_often(order: Order) -> str:
    hours = order.every_hours
    if hours is None:
        return "one time only, if needed" if order.prn else "one time only"
    if hours == 24:
        text = "once a day"
    elif hours == 12:
        text = "twice a day (every 12 hours)"
    elif hours == 8:
        text = "3 times a day (every 8 hours)"
    else:
        text = f"every {_num(hours)} hours"
    return f"{text} if you need it for pain" if order.prn else text


def plain_instruction(order: Order) -> str:
    """An order in plain words: 'oxycodone: take 5 mg by mouth every 6 hours if you need it…'."""
    if "naloxone" in order.drug.lower():
        return (
            f"{order.drug} ({_dose_words(order)}): only for an opioid overdose. If someone cannot "
            "be woken or is breathing very slowly, call an ambulance, spray it into one nostril "
            "and stay with them."
        )
    route = _ROUTE_PLAIN_TAKE.get(order.route, _NASAL)
    verb = "take" if order.route is Route.po else "use"
    text = f"{order.drug}: {verb} {_dose_words(order)} {route}, {_how_often(order)}."
    if order.max_daily_mg is not None:
        text += f" Do not take more than {_num(order.max_daily_mg)} mg in 24 hours."
    if order.days is not None:
        text += f" Take it for {order.days} day{'s' if order.days != 1 else ''} at most, then stop."
    return text


_LAXATIVES = ("senna", "docusate", "polyethylene glycol", "macrogol", "lactulose", "bisacodyl")


def _is_laxative(drug: str) -> bool:
    lowered = drug.lower()
    return any(word in lowered for word in _LAXATIVES)


def _given_today(order: Order) -> str:
    route = {
        Route.po: "by mouth",
        Route.iv: "into a vein",
        Route.im: "as an injection into a muscle",
        Route.sc: "as an injection under the skin",
        Route.topical: "on the skin",
        Route.transdermal: "as a skin patch",
    }.get(order.route, _NASAL)
    return f"{order.drug} {_dose_words(order)} {route}."


_TIMES = {
    1: ("at bedtime",),
    2: ("in the morning", "at bedtime"),
    3: ("in the morning", "in the afternoon", "at bedtime"),
    4: ("in the morning", "at midday", "in the evening", "at bedtime"),
}


def _day_plan(doses: Sequence[float]) -> str:
    if not doses:
        return "no gabapentin"
    times = _TIMES.get(len(doses))
    if times is None:
        return " and ".join(f"{_num(d)} mg" for d in doses)
    parts = [f"{_num(d)} mg {t}" for d, t in zip(doses, times, strict=True)]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def gabapentin_calendar(plan: GabapentinPlan) -> list[str]:
    """Day-by-day lines in plain words; equal days merge and the last step holds from then on."""
    steps = sorted(plan.steps, key=lambda s: s.day)
    runs: list[tuple[int, int | None, GabapentinStep]] = []
    for index, step in enumerate(steps):
        last = steps[index + 1].day - 1 if index + 1 < len(steps) else None
        if runs and runs[-1][2].doses == step.doses and runs[-1][1] == step.day - 1:
            runs[-1] = (runs[-1][0], last, step)
        else:
            runs.append((step.day, last, step))
    lines = []
    for first, last, step in runs:
        if last is None:
            label = f"Day {first} onwards"
        elif last == first:
            label = f"Day {first}"
        else:
            label = f"Days {first} to {last}"
        total = f"({_num(step.total_daily_mg)} mg in the day)"
        lines.append(f"{label}: {_day_plan(step.doses)} {total}.")
    return lines


def _gabapentin_ceiling(plan: TreatmentPlan) -> float:
    """The most gabapentin the patient may take in a day: the lowest cap the plan states."""
    ceiling = gabapentin_ceiling(plan)
    assert ceiling is not None
    return ceiling


def _come_back_signs(case: PatientCase) -> list[str]:
    first = [_FLAG_SIGN[f] for f in case.red_flags if f in _FLAG_SIGN]
    order = list(dict.fromkeys([*first, *range(len(COME_BACK_NOW))]))
    return [COME_BACK_NOW[i] for i in order]


_NALOXONE_CHECK_DATE = (
    "- You already have naloxone at home: check the date on the box and get a new one if it "
    "has expired."
)


def patient_handout_markdown(case: PatientCase, plan: TreatmentPlan) -> str:
    """A plain-language handout: medicines, gabapentin calendar, safety and warning signs."""
    if plan.triage.level is TriageLevel.emergency:
        return _emergency_handout(case)

    out = ["# Your back pain: what to do at home", ""]
    out += [
        "Back pain often gets better over a few weeks. This sheet lists your medicines and "
        "the signs that mean you should come back straight away.",
        "",
    ]
    if plan.triage.level is TriageLevel.urgent:
        out += [
            "**Your doctor wants some tests done soon.** Please make sure you know when and "
            "where they will happen before you leave.",
            "",
        ]

    if plan.give_now:
        out += ["## Medicine for your pain here today", ""]
        fixed = [o for o in plan.give_now if not o.choice]
        options = [o for o in plan.give_now if o.choice]
        out += [f"- {_given_today(o)}" for o in fixed]
        if fixed:
            out.append("")
        # An opioid rescue is the clinician's choice with the patient, not a list for the
        # patient to pick from: the handout says what it is for, never its doses.
        opioid_options = [o for o in options if o.shared_decision or o.is_opioid]
        other_options = [o for o in options if o not in opioid_options]
        if opioid_options:
            out += [
                "If you and your doctor decide together that you need a stronger (opioid) pain "
                "medicine, the team will tell you which one and how much. It may ease the pain "
                "for a few hours; in a large trial (OPAL, Lancet 2023) a short course did not "
                "help back pain more than a dummy pill after 6 weeks, and more people had "
                "problems with misuse a year later.",
                "",
            ]
        if other_options:
            out += ["Your nurse may give you one of these:", ""]
            out += [f"- {_given_today(o)}" for o in other_options]
            out.append("")
        if any(o.is_opioid for o in plan.give_now):
            out += [
                "If you are given a strong (opioid) pain medicine here, do not drive or drink "
                "alcohol today. Ask someone to take you home.",
                "",
            ]

    gaba = plan.gabapentin
    out += ["## Medicines to take at home", ""]
    if plan.discharge:
        choices = {o.choice for o in plan.discharge if o.choice}
        if choices:
            out += [
                "Your doctor will tell you which of the choices below is yours. "
                "Take only the ones on your prescription.",
                "",
            ]
        for order in plan.discharge:
            line = plain_instruction(order)
            if gaba is not None and order.drug.lower().startswith("gabapentin"):
                line += " Follow the gabapentin calendar below."
            if order.choice:
                line = f"({order.choice}) {line}"
            out.append(f"- {line}")
        out.append("")
    else:
        out += ["No new medicines to take at home.", ""]

    if gaba is not None:
        out += ["## Your gabapentin calendar", ""]
        out += [
            "Start low and go up slowly, as shown. This helps avoid feeling dizzy or sleepy.",
            "",
        ]
        out += [f"- {line}" for line in gabapentin_calendar(gaba)] + [""]
        out += [
            f"Never take more than {_num(_gabapentin_ceiling(plan))} mg of gabapentin in one "
            "day. This limit is set for your kidneys and your safety.",
            "",
            "Do not stop gabapentin suddenly. If you want to stop, lower the dose slowly over "
            "at least a week, with your doctor's help.",
            "",
            "Gabapentin can make you sleepy or dizzy. Do not drive until you know how it "
            "affects you.",
            "",
        ]

    opioid = any(o.is_opioid for o in plan.discharge)
    if opioid:
        out += ["## Staying safe with your opioid pain medicine", ""]
        out += [
            "- Do not drink alcohol while you take it.",
            "- Do not drive or use machines. It can make you sleepy and slow to react.",
            "- Do not take it with sleeping pills, anxiety pills or other medicines that make "
            "you sleepy, unless your doctor says it is safe.",
            "- Store it locked away, out of sight and reach of children, teenagers and pets.",
            "- Never share it. Take unused tablets back to a pharmacy to be thrown away safely.",
            "- Take the lowest amount that lets you move about. Stop as soon as you can.",
        ]
        if plan.naloxone:
            out += [
                "- You should have naloxone (for example Narcan nasal spray). It reverses an "
                "overdose. Keep it where your family can find it and show them how to use it.",
                "- If someone cannot be woken or is breathing very slowly: call for an "
                "ambulance, give the naloxone, and stay with them.",
            ]
            if plan.naloxone_at_home:
                out.append(_NALOXONE_CHECK_DATE)
        out.append("")
        out += ["## Keeping your bowels moving", ""]
        laxative = next((o.drug for o in plan.discharge if _is_laxative(o.drug)), None)
        which = (
            f"Take the laxative on your list ({laxative})"
            if laxative
            else "Take a stool softener or a gentle laxative (such as senna or docusate)"
        )
        out += [
            f"Opioid pain medicine causes constipation. {which} every day while you take the "
            "opioid. Drink plenty of water. Ask your pharmacist if you are not sure.",
            "",
        ]

    if plan.naloxone and not opioid:
        out += ["## Naloxone", ""]
        out += [
            "Naloxone (for example Narcan nasal spray) reverses an opioid overdose. Keep it "
            "with you and show your family and friends where it is and how to use it.",
            "",
            "If someone cannot be woken or is breathing very slowly: call for an ambulance, "
            "give the naloxone, and stay with them.",
            "",
        ]
        if plan.naloxone_at_home:
            out += [_NALOXONE_CHECK_DATE.removeprefix("- "), ""]

    if case.pregnant:
        out += ["## Because you are pregnant", ""]
        out += [
            "Tell every doctor, nurse and pharmacist that you are pregnant. Do not take "
            "ibuprofen, naproxen, aspirin for pain or other anti-inflammatory pain medicines "
            "unless your doctor says they are safe for you.",
            "",
        ]

    out += ["## Keep moving", ""]
    out += [
        "- Stay as active as you can. Keep doing your normal daily activities, even if slowly.",
        "- Do not stay in bed. Bed rest makes back pain last longer.",
        "- A heat pad or hot water bottle wrapped in a towel can ease the pain. Do not "
        "sleep on it or put it on bare skin.",
        "- Walking, gentle stretching and changing position often all help.",
        "",
    ]

    out += ["## Come back now, or call an ambulance, if you have:", ""]
    out += [f"- {sign}" for sign in _come_back_signs(case)] + [""]

    out += ["## Check-up", ""]
    out += [
        "See your own doctor within the next few days as arranged, or sooner if you are not "
        "getting better. Bring this sheet and your medicines with you.",
        "",
    ]
    out += [f"_{DISCLAIMER}_", ""]
    return "\n".join(out).rstrip() + "\n"


def _emergency_handout(case: PatientCase) -> str:
    out = [
        "# Your back pain needs urgent hospital care now",
        "",
        "**Please stay at the hospital.** Your symptoms need urgent tests, such as a scan, "
        "today. Do not go home until a doctor tells you it is safe.",
        "",
        "If you have already left, go to the nearest emergency department now or call an "
        "ambulance.",
        "",
        "Tell the staff straight away if any of these start or get worse:",
        "",
    ]
    out += [f"- {sign}" for sign in _come_back_signs(case)[:6]] + [""]
    out += [f"_{DISCLAIMER}_", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# PDF

_ASCII: dict[str, str] = {
    "≥": ">=",
    "≤": "<=",
    "–": "-",
    "—": "-",
    "‑": "-",
    "−": "-",
    "µ": "u",
    "μ": "u",
    "×": "x",
    "→": "->",
    "←": "<-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "•": "-",
    "…": "...",
    "≈": "~",
    "±": "+/-",
    "½": "1/2",
    "¼": "1/4",
    "²": "2",
    "₂": "2",
    "°": " deg",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
}


def to_pdf_text(text: str) -> str:
    """Transliterate to what the core PDF fonts (Latin-1) can draw; '?' for anything else."""
    for char, ascii_text in _ASCII.items():
        text = text.replace(char, ascii_text)
    return text.encode("latin-1", errors="replace").decode("latin-1")


_MD_INLINE = re.compile(r"\*\*|__|`|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)")


def pdf_pages(pdf_bytes: bytes) -> int:
    """Pages in a PDF written by `note_pdf` (fpdf2 writes one '/Type /Page' object a page)."""
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf_bytes))


#: Body font sizes tried, largest first, until the record fits one A4 page.
ONE_PAGE_SIZES: tuple[float, ...] = (9.5, 9, 8.5, 8, 7.5, 7)


def record_pdf(markdown: str, *, title: str | None = None) -> bytes:
    """The record on one printed page: the largest body size from ONE_PAGE_SIZES that fits
    (the smallest if none does; the tests prove every teaching case fits)."""
    pdf = b""
    for size in ONE_PAGE_SIZES:
        pdf = note_pdf(markdown, title=title, size=size, margin=12)
        if pdf_pages(pdf) == 1:
            break
    return pdf


def note_pdf(
    markdown_or_text: str, *, title: str | None = None, size: float = 10, margin: float = 18
) -> bytes:
    """A simple A4 PDF of a note or handout (Markdown headings, bullets and tables understood);
    `size` is the body font size in points, `margin` the side margins in mm."""
    from fpdf import FPDF  # local import: fpdf2 is only needed when a PDF is asked for

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=margin * 0.8)
    pdf.set_margins(margin, margin * 0.8, margin)
    body = size
    pdf.add_page()
    if title:
        pdf.set_title(to_pdf_text(title))
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def write(text: str, *, size: float = body, style: str = "", indent: float = 0) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(
            width - indent,
            size * 0.5,
            to_pdf_text(text),
            new_x="LMARGIN",
            new_y="NEXT",
        )

    for raw in markdown_or_text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            pdf.ln(body * 0.2)
            continue
        stripped = line.lstrip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue  # the Markdown table rule
            write("   ".join(_MD_INLINE.sub("", c) for c in cells), size=body - 1, indent=4)
            continue
        heading = re.match(r"(#{1,6})\s+(.*)", stripped)
        if heading:
            level = len(heading.group(1))
            pdf.ln(1)
            heading_size = body + 5 if level == 1 else body + 1.5
            write(_MD_INLINE.sub("", heading.group(2)), size=heading_size, style="B")
            continue
        bullet = re.match(r"[-*]\s+(.*)", stripped)
        if bullet:
            write("- " + _MD_INLINE.sub("", bullet.group(1)), indent=4)
            continue
        bold = stripped.startswith("**") and stripped.endswith("**")
        write(_MD_INLINE.sub("", stripped), style="B" if bold else "")
    return bytes(pdf.output())
