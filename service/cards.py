"""CDS Hooks cards from a plan: pure functions of (case, plan, draft orders, settings).

Every card has the fields CDS Hooks 2.0 requires (summary under 140 characters, indicator,
source with a label) plus a uuid for feedback. The uuids are derived from the hookInstance, so
the same call gives the same cards. Nothing here reads a clock, the network or a log.

Cards, in order:
* a triage card when a red flag is present (critical for an emergency, warning for urgent);
* one card per draft order the plan objects to (a benzodiazepine, an extended-release or
  long-acting opioid, a drug the plan withholds for this patient, a dose above the plan's),
  with suggestions that delete it and, where the plan has one, create the plan's order;
* a naloxone card with a create suggestion when an opioid is drafted or planned and the plan
  offers naloxone (CDC 2022 rec 8) and none is drafted or taken;
* the plan card: what to give now and at discharge, what to avoid and the warnings, with a link
  that opens the page on the same case (case fields only: logic.formats.share's query writer);
* a card naming what the record lacked or the engine could not use.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from logic.drugs.catalogue import (
    OPIOIDS,
    DrugClass,
    Formulation,
    Trait,
    drug_class,
    resolve_drug,
    traits,
)
from logic.drugs.dose_limits import Gate, limit_of
from logic.drugs.formulations import formulation_in_text
from logic.engine.rules import PER_DRUG_TARGETS, answered_by_moud, rule_by_id, target_covers
from logic.engine.thresholds import OLDER_ADULT_AGE_FROM
from logic.formats.fhir.read import (
    administrations_per_day,
    draft_identity,
    ingredient_doses_mg,
)
from logic.formats.fhir.write import order_request
from logic.formats.plaintext import plain_text
from logic.formats.share import private_query_string
from logic.models import Avoid, Order, PatientCase, Severity, TreatmentPlan, TriageLevel

SUMMARY_MAX = 139  # "<140-character summary" (CDS Hooks 2.0, Card attributes)
#: Longest echo of a request's text (a medicine name, a note about the record) in a summary or
#: label, and in a detail line: cut with "…" (logic.formats.plaintext). A tool setting: an
#: RxNorm clinical drug name is rarely over 60 characters.
NAME_MAX = 60
NOTE_MAX = 240
#: FHIR R4 MedicationRequest.intent (required binding, medicationrequest-intent): an order the
#: clinician is placing. Status "draft" (medicationrequest-status): not yet signed.
ORDER_INTENT = "order"
OVERRIDE_SYSTEM = "https://refractory-back-pain.example.org/fhir/CodeSystem/override-reason"
OVERRIDE_REASONS: tuple[dict[str, str], ...] = (
    {
        "system": OVERRIDE_SYSTEM,
        "code": "shared-decision",
        "display": "Shared decision documented with the patient",
    },
    {
        "system": OVERRIDE_SYSTEM,
        "code": "benefit-outweighs-risk",
        "display": "Benefit outweighs risk for this patient (reason in the note)",
    },
    {
        "system": OVERRIDE_SYSTEM,
        "code": "record-incomplete",
        "display": "The record is incomplete or out of date",
    },
    {
        "system": OVERRIDE_SYSTEM,
        "code": "specialist-advice",
        "display": "Following specialist advice",
    },
)
_NS = uuid.UUID("0b6f3f8e-6c6a-4a55-93a6-9c1f0e3d1b27")


@dataclass(frozen=True)
class CardSettings:
    app_url: str  # the Streamlit page, e.g. https://backpain.example.org/
    source_label: str = "Refractory back pain decision support (CDC 2022, ACP 2017, NICE NG59)"
    source_url: str | None = None


def summary(text: str) -> str:
    """One line under 140 characters, cut at a word with an ellipsis when longer."""
    line = " ".join(text.split())
    if len(line) <= SUMMARY_MAX:
        return line
    cut = line[: SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _t(value: object, limit: int = NAME_MAX) -> str:
    """Text from the request (or the engine) as a card echoes it: one line of literal text for
    GitHub-flavoured Markdown, cut to `limit` (the page's own helper, logic.formats.plaintext)."""
    return plain_text(value, limit)


def _uuid(hook_instance: str, *parts: object) -> str:
    return str(uuid.uuid5(_NS, "|".join((hook_instance, *map(str, parts)))))


def _source(settings: CardSettings, label: str | None = None) -> dict[str, Any]:
    source: dict[str, Any] = {"label": label or settings.source_label}
    if settings.source_url or settings.app_url:
        source["url"] = settings.source_url or settings.app_url
    return source


def _indicator(severity: Severity) -> str:
    return {"danger": "critical", "caution": "warning"}.get(severity.value, "info")


def plan_link(case: PatientCase, settings: CardSettings) -> str:
    """The page on this case without its sensitive fields (pregnancy, conditions, regular
    medicines...: logic.formats.share.private_query, what the page's own address bar holds);
    the page then asks what the link does not say. No identifier, name or date."""
    base = settings.app_url
    return f"{base}{'&' if '?' in base else '?'}{private_query_string(case)}"


# ---------------------------------------------------------------------------------------------
# Draft orders


@dataclass(frozen=True)
class Draft:
    resource_id: str  # "MedicationRequest/<id>"
    text: str
    generic: str | None
    extended_release: bool
    dose_mg: float | None
    inpatient: bool
    doses_per_day: float | None = None  # the most the order's timing allows
    #: mg of each catalogue ingredient in one administration (a combination product's others
    #: too): logic.formats.fhir.read.ingredient_doses_mg, the most any dosage instruction gives.
    ingredient_mg: tuple[tuple[str, float], ...] = ()


def read_drafts(resources: Sequence[Mapping[str, Any]]) -> list[Draft]:
    """The MedicationRequests among draft orders, with what the checks need."""
    out: list[Draft] = []
    for r in resources:
        if r.get("resourceType") != "MedicationRequest":
            continue
        text, name, form = draft_identity(r)  # RxNorm code first, then the text
        generic = resolve_drug(name) if name else None
        formulation = next(
            (
                e.get("valueCode")
                for e in r.get("extension") or ()
                if str(e.get("url", "")).endswith("/formulation")
            ),
            None,
        )
        er = (
            formulation in ("er", "patch")
            or form in (Formulation.er, Formulation.patch)
            or formulation_in_text(text) is not None
            or (generic is not None and Trait.long_acting in traits(generic))
        )
        # Read as a regular medicine's dose is (mg, g, a count of tablets times the product's
        # strength, a range's upper bound); over several dosage instructions, the most of each.
        per_day: float | None = None
        most: dict[str, float] = {}
        for dosage in r.get("dosageInstruction") or ():
            if not isinstance(dosage, Mapping):
                continue
            per_day = max(
                (v for v in (per_day, administrations_per_day(dosage.get("timing"))) if v),
                default=None,
            )
            for ingredient, mg in ingredient_doses_mg(dosage, text, generic).items():
                most[ingredient] = max(mg, most.get(ingredient, 0.0))
        dose = most.get(generic) if generic is not None else None
        categories = {
            c.get("code") for cat in r.get("category") or () for c in cat.get("coding") or ()
        }
        out.append(
            Draft(
                resource_id=f"MedicationRequest/{r.get('id', '')}",
                text=text[:80],
                generic=generic,
                extended_release=er and generic in OPIOIDS,
                dose_mg=dose,
                inpatient="inpatient" in categories,
                doses_per_day=per_day,
                ingredient_mg=tuple(most.items()),
            )
        )
    return out


# ---- Which drafted drugs an avoid-list entry speaks to -----------------------------------------
#
# Each avoid entry names the table rows that withheld it (Avoid.rule_ids). A drafted drug is
# withheld when one of those rows covers it: a class-level row by its target as the catalogue
# reads it (logic.engine.rules.target_covers), the extended-release row by the draft's formulation,
# a per-drug row (allergy, duplicate, failed) by the drug the entry names. A take-home row does
# not speak to an inpatient order, and a row keyed on an opioid use disorder is answered by a
# drafted medicine for it (CDC 2022 rec 12). No engine text is read.


def _row_withholds(rule_id: str, avoid: Avoid, draft: Draft, generic: str) -> bool:
    row = rule_by_id(rule_id)
    if row.target in PER_DRUG_TARGETS:
        return resolve_drug(avoid.drug) == generic
    if row.target == "er_opioid":
        return draft.extended_release
    if row.target.startswith("discharge:") and draft.inpatient:
        return False
    if not target_covers(row.target, generic):
        return False
    return not (Trait.moud in traits(generic) and answered_by_moud(rule_id))


def _avoid_matches(avoid: Avoid, draft: Draft) -> bool:
    """Whether the avoid-list entry withholds the drafted drug, by the rows it names."""
    generic = draft.generic
    if generic is None:
        return False
    return any(_row_withholds(i, avoid, draft, generic) for i in avoid.rule_ids)


def _plan_orders(plan: TreatmentPlan, generic: str) -> list[tuple[str, Order]]:
    steps = (("now", plan.give_now), ("discharge", plan.discharge))
    return [(step, o) for step, orders in steps for o in orders if o.generic == generic]


def _plan_ir_opioid(plan: TreatmentPlan) -> tuple[str, Order] | None:
    """The plan's take-home (else give-now) opioid, which is immediate release by rule."""
    for step, orders in (("discharge", plan.discharge), ("now", plan.give_now)):
        for o in orders:
            if o.is_opioid:
                return step, o
    return None


def _create(
    step: str, order: Order, plan: TreatmentPlan, key: object, patient_id: str
) -> dict[str, Any] | None:
    """A create action the EHR can file: a draft MedicationRequest (intent order) for this
    patient (`Patient/{patientId}` from the context), the medicine RxNorm-coded as the FHIR
    export codes it (logic.formats.fhir.write: the ingredient code of
    logic/data/rxnorm_ingredients.tsv). None when the medicine has no RxNorm code."""
    resource = order_request(order, step, plan, key)
    if not resource["medicationCodeableConcept"].get("coding") or not patient_id:
        return None
    resource["status"] = "draft"
    resource["intent"] = ORDER_INTENT
    resource["subject"] = {"reference": f"Patient/{patient_id}"}
    return {"type": "create", "description": f"Order {order.sig}", "resource": resource}


def _delete(draft: Draft) -> dict[str, Any]:
    return {
        "type": "delete",
        "description": f"Remove the draft order for {_t(draft.text)}",
        "resourceId": draft.resource_id,
    }


def _card(hook_instance: str, key: str, settings: CardSettings, **fields: Any) -> dict[str, Any]:
    card: dict[str, Any] = {"uuid": _uuid(hook_instance, key), **fields}
    card["summary"] = summary(card["summary"])
    card.setdefault("source", _source(settings))
    if card.get("suggestions"):
        card.setdefault("selectionBehavior", "at-most-one")
        for i, s in enumerate(card["suggestions"]):
            s.setdefault("uuid", _uuid(hook_instance, key, "suggestion", i))
    if card["indicator"] != "info":
        card.setdefault("overrideReasons", [dict(r) for r in OVERRIDE_REASONS])
    return card


def _remove(draft: Draft) -> dict[str, Any]:
    return {"label": f"Remove {_t(draft.text)}", "isRecommended": True, "actions": [_delete(draft)]}


class OverLimit(NamedTuple):
    """One ingredient of a draft above its label maximum: 'single' or 'daily', the amount the
    order permits, the limit and the dose-limit row's source."""

    generic: str
    kind: str
    amount_mg: float
    limit_mg: float
    source: str


def _label_limit(draft: Draft) -> list[OverLimit]:
    """What each ingredient of the draft exceeds of its label maximum (the dose-limit table's
    rows that always apply, so no patient data is needed): a dose above the single maximum,
    else a day (the dose at the order's most frequent timing) above the daily maximum. A
    combination product's every ingredient is checked (3 tablets of oxycodone 5 mg with
    acetaminophen 325 mg every 4 h is 5,850 mg of acetaminophen a day)."""
    over: list[OverLimit] = []
    for generic, mg in draft.ingredient_mg:
        limit = limit_of(generic, frozenset({Gate.always}), 0.0)
        if limit is None:
            continue
        if limit.single_mg is not None and mg > limit.single_mg and limit.single_row:
            over.append(OverLimit(generic, "single", mg, limit.single_mg, limit.single_row.source))
            continue
        daily = mg * draft.doses_per_day if draft.doses_per_day else None
        if daily is not None and limit.daily_mg is not None and daily > limit.daily_mg:
            assert limit.daily_row is not None
            over.append(OverLimit(generic, "daily", daily, limit.daily_mg, limit.daily_row.source))
    return over


def _said(over: OverLimit, combined: bool) -> tuple[str, str]:
    """('acetaminophen 5850 mg a day', '4000 mg a day'): the amount (the ingredient named when
    the draft is a combination product) and the limit."""
    per = "a dose" if over.kind == "single" else "a day"
    who = f"{over.generic} " if combined else ""
    return f"{who}{over.amount_mg:g} mg {per}", f"{over.limit_mg:g} mg {per}"


def safety_cards(
    drafts: Sequence[Draft], hook_instance: str, settings: CardSettings
) -> tuple[list[dict[str, Any]], set[int]]:
    """The draft-order cards that need no plan, so they fire even when the record lacks what a
    plan needs: a benzodiazepine, an extended-release or long-acting opioid, a dose above the
    label maximum. Returns the cards and the indexes of the drafts they spoke to (an
    extended-release opioid above its label maximum gets both cards: draft_cards adds the
    extended-release one)."""
    cards: list[dict[str, Any]] = []
    done: set[int] = set()
    for i, d in enumerate(drafts):
        if d.generic is None:
            continue
        key = f"draft|{i}|{d.resource_id}"
        name = _t(d.text)
        if drug_class(d.generic) is DrugClass.benzodiazepine:
            cards.append(
                _card(
                    hook_instance,
                    key,
                    settings,
                    summary=f"Benzodiazepine drafted ({name}): not recommended for back pain",
                    indicator="critical",
                    detail="Benzodiazepines are not recommended for low back pain (ACP 2017; "
                    "NICE NG59); with an opioid they add respiratory depression (CDC 2022 "
                    "rec 11; FDA 2016 boxed warning), "
                    f"and at {OLDER_ADULT_AGE_FROM}+ they are on the Beers 2023 avoid list.",
                    suggestions=[_remove(d)],
                )
            )
            done.add(i)
        if over := _label_limit(d):
            combined = len(d.ingredient_mg) > 1  # a combination: name the ingredient
            amount, top = _said(over[0], combined)
            cards.append(
                _card(
                    hook_instance,
                    f"{key}|label",
                    settings,
                    summary=f"{name}: {amount} is above the label maximum ({top})",
                    indicator="critical",
                    detail=" ".join(
                        f"The drafted order permits {a}; the label maximum is {t} ({o.source})."
                        for o in over
                        for a, t in [_said(o, combined)]
                    )
                    + " The most the order permits is what is judged (as-needed doses at their "
                    "most frequent; a count of tablets by the product's strength).",
                    suggestions=[_remove(d)],
                )
            )
            done.add(i)  # the plan's own dose and withholding cards would only repeat it
    return cards, done


def draft_cards(
    drafts: Sequence[Draft],
    case: PatientCase | None,
    plan: TreatmentPlan | None,
    hook_instance: str,
    settings: CardSettings,
    patient_id: str = "",
) -> list[dict[str, Any]]:
    """Cards for the draft orders: the safety cards that need no plan first (always), then,
    when there is a plan, what it objects to. Without a plan an extended-release opioid still
    gets its card (CDC 2022 rec 3 needs no plan), with no replacement proposed."""
    cards, done = safety_cards(drafts, hook_instance, settings)
    unknown = [d.text for d in drafts if d.generic is None]
    for i, d in enumerate(drafts):
        if d.generic is None or drug_class(d.generic) is DrugClass.benzodiazepine:
            continue
        key = f"draft|{i}|{d.resource_id}"
        name = _t(d.text)
        if d.extended_release:
            replacement = _plan_ir_opioid(plan) if plan is not None else None
            actions = [_delete(d)]
            detail = (
                "CDC 2022 rec 3: for acute and subacute pain start immediate-release opioids, not "
                "extended-release or long-acting ones (higher overdose risk at start)."
            )
            create = (
                _create(*replacement, plan, "ir", patient_id)
                if replacement is not None and plan is not None
                else None
            )
            if replacement is not None:
                detail += f" This patient's plan: **{_t(replacement[1].sig, NOTE_MAX)}**."
                if create is not None:
                    actions.append(create)
            elif plan is None:
                detail += (
                    " No plan could be built from this record (see the card naming what it "
                    "lacks), so no immediate-release order is proposed."
                )
            else:
                detail += (
                    " The plan offers no take-home opioid for this patient (see the plan card)."
                )
            label = (
                "Replace with the plan's immediate-release opioid"
                if create is not None
                else f"Remove {name}"
            )
            cards.append(
                _card(
                    hook_instance,
                    key,
                    settings,
                    summary=f"Extended-release/long-acting opioid drafted ({name}): "
                    "use immediate release",
                    indicator="critical",
                    detail=detail,
                    suggestions=[{"label": label, "isRecommended": True, "actions": actions}],
                )
            )
            continue
        if plan is None or i in done:
            continue
        avoids = [a for a in plan.avoid if _avoid_matches(a, d)]
        if avoids:
            cards.append(
                _card(
                    hook_instance,
                    key,
                    settings,
                    summary=f"{name}: withheld for this patient "
                    f"({'; '.join(_t(a.drug) for a in avoids)})",
                    indicator="warning",
                    detail="\n\n".join(
                        f"**{_t(a.drug)}**: {_t(a.reason, NOTE_MAX * 2)}" for a in avoids
                    ),
                    suggestions=[_remove(d)],
                )
            )
            continue
        planned = _plan_orders(plan, d.generic)
        top = max((o.dose_mg for _, o in planned), default=None)
        if d.dose_mg is not None and top is not None and d.dose_mg > top:
            step, order = max(planned, key=lambda p: p[1].dose_mg)
            create = _create(step, order, plan, "dose", patient_id)
            cards.append(
                _card(
                    hook_instance,
                    key,
                    settings,
                    summary=f"{name}: {d.dose_mg:g} mg is above this patient's {top:g} mg",
                    indicator="warning",
                    detail=f"The plan's order for this patient is **{_t(order.sig, NOTE_MAX)}**. "
                    f"{_t(order.note, NOTE_MAX * 2) if order.note else ''}".strip(),
                    suggestions=[
                        {
                            "label": f"Use {_t(order.sig, NOTE_MAX)}"
                            if create
                            else f"Remove {name}",
                            "isRecommended": True,
                            "actions": [_delete(d), *([create] if create else [])],
                        }
                    ],
                )
            )
    if unknown:
        names = [_t(u) for u in unknown]
        cards.append(
            _card(
                hook_instance,
                "draft-unknown",
                settings,
                summary=f"Not checked (not in this tool's catalogue): {', '.join(names)}",
                indicator="info",
                detail="These draft orders were not checked against the back-pain plan because "
                "the drug catalogue does not know them:\n\n" + _bullets(names),
            )
        )
    return cards


def naloxone_card(
    drafts: Sequence[Draft],
    case: PatientCase,
    plan: TreatmentPlan,
    hook_instance: str,
    settings: CardSettings,
    patient_id: str = "",
) -> dict[str, Any] | None:
    """Offer naloxone when the plan does (CDC 2022 rec 8), unless it is drafted or taken."""
    if not plan.naloxone:
        return None
    if any(d.generic == "naloxone" for d in drafts) or any(
        m.drug == "naloxone" for m in case.current_medications
    ):
        return None
    drafted_opioid = any(d.generic in OPIOIDS for d in drafts)
    order = next((o for o in plan.discharge if o.generic == "naloxone"), None)
    if order is None or not (drafted_opioid or plan.mme_per_day):
        return None
    reasons = "; ".join(_t(r, NOTE_MAX) for r in plan.naloxone_reasons)
    create = _create("discharge", order, plan, "naloxone", patient_id)
    fields: dict[str, Any] = {
        "summary": "Offer naloxone with the opioid (CDC 2022 rec 8)",
        "indicator": "warning",
        "detail": f"Why: {reasons or 'a CDC 2022 rec 8 trigger'}. "
        f"Order: **{_t(order.sig, NOTE_MAX)}**. {_t(order.note, NOTE_MAX * 2)}",
    }
    if create is not None:
        fields["suggestions"] = [
            {"label": "Add naloxone nasal spray", "isRecommended": True, "actions": [create]}
        ]
    return _card(hook_instance, "naloxone", settings, **fields)


# ---------------------------------------------------------------------------------------------
# The plan


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def plan_detail(case: PatientCase, plan: TreatmentPlan, assumed: Sequence[str] = ()) -> str:
    """The plan as Markdown: the template's own headings and bullets, every text in it (the
    engine's, which names the record's medicines, and the record's) as literal text."""
    long = NOTE_MAX * 2
    parts = [f"**Triage: {_t(plan.triage.level.value)}.** {_t(plan.triage.action, long)}"]
    if plan.give_now:
        parts.append(
            "**Give now**\n\n"
            + _bullets(
                [_t(o.sig + (f" ({o.choice})" if o.choice else ""), long) for o in plan.give_now]
            )
        )
    if plan.discharge:
        parts.append("**Discharge**\n\n" + _bullets([_t(o.sig, long) for o in plan.discharge]))
    if plan.gabapentin is not None:
        g = plan.gabapentin
        parts.append(
            f"**Gabapentin titration** ({_t(g.band)}): start {g.start_mg:g} mg, "
            f"target {g.target_daily_mg:g} mg/day, "
            f"never above {g.max_daily_mg:g} mg/day."
        )
    renal = plan.renal
    crcl = f"{renal.crcl_ml_min:.0f} mL/min" if renal.crcl_ml_min is not None else "not calculated"
    figures = [f"CrCl {crcl} ({renal.method})"]
    if plan.mme_per_day is not None:
        figures.append(f"take-home MME {plan.mme_per_day:g}/day (CDC 2022 factors)")
    if plan.naloxone:
        figures.append(
            "naloxone: "
            + ("; ".join(plan.naloxone_reasons) or "offered")
            + (" (already at home: check it is in date)" if plan.naloxone_at_home else "")
        )
    parts.append("**Figures**: " + _t("; ".join(figures), long) + ".")
    if plan.avoid:
        parts.append(
            "**Avoid**\n\n" + _bullets([_t(f"{a.drug}: {a.reason}", long) for a in plan.avoid])
        )
    serious = [w for w in plan.warnings if w.severity is not Severity.info]
    if serious:
        parts.append(
            "**Warnings**\n\n"
            + _bullets(
                [_t(w.message + (f" ({w.source})" if w.source else ""), long) for w in serious]
            )
        )
    if assumed:
        parts.append("**Assumed** (optional, not in the record)\n\n" + _bullets(assumed))
    parts.append("_Educational decision support, not a substitute for clinical judgement._")
    return "\n\n".join(parts)


def _plan_indicator(plan: TreatmentPlan) -> str:
    if plan.triage.level is TriageLevel.emergency or any(
        w.severity is Severity.danger for w in plan.warnings
    ):
        return "critical"
    if plan.triage.level is TriageLevel.urgent or any(
        w.severity is Severity.caution for w in plan.warnings
    ):
        return "warning"
    return "info"


def plan_summary(plan: TreatmentPlan) -> str:
    if plan.triage.level is TriageLevel.emergency:
        return "Emergency red flag: no discharge plan; " + plan.triage.action
    first = (
        plan.discharge[0].sig
        if plan.discharge
        else (plan.give_now[0].sig if plan.give_now else "no drug orders")
    )
    counts = f"{len(plan.give_now)} now, {len(plan.discharge)} at discharge"
    return f"Back-pain plan: {counts}; first: {first}"


def plan_cards(
    case: PatientCase,
    plan: TreatmentPlan,
    hook_instance: str,
    settings: CardSettings,
    assumed: Sequence[str] = (),
) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    emergency = plan.triage.level is TriageLevel.emergency
    if plan.triage.level is not TriageLevel.routine:
        findings = "; ".join(_t(f) for f in plan.triage.findings) or plan.triage.level.value
        cards.append(
            _card(
                hook_instance,
                "triage",
                settings,
                summary=f"{'EMERGENCY' if emergency else 'Red flag'}: {findings}",
                indicator="critical" if emergency else "warning",
                detail=f"{_t(plan.triage.action, NOTE_MAX * 2)}\n\nFindings:\n\n"
                + _bullets([_t(f, NOTE_MAX) for f in plan.triage.findings]),
            )
        )
    cards.append(
        _card(
            hook_instance,
            "plan",
            settings,
            summary=plan_summary(plan),
            indicator=_plan_indicator(plan),
            detail=plan_detail(case, plan, assumed),
            links=[
                {
                    "label": "Open the full plan (opens the page on this case; sensitive "
                    "fields stay out of the address)",
                    "url": plan_link(case, settings),
                    "type": "absolute",
                }
            ],
        )
    )
    return cards


#: Notes the FHIR reader makes about an optional field the record does not hold, for which the
#: engine uses its stated default (logic.formats.fhir.read: a low back pain Condition's onset
#: gives the pain duration, else 1 week). Not a card of their own (issue 26: "no noise card for
#: a field that is optional"); the plan card says what was assumed.
ASSUMED_WHEN_ABSENT = ("pain duration: not recorded",)


def split_assumed(notes: Sequence[str]) -> tuple[list[str], list[str]]:
    """(notes that are only an optional field's default, every other note)."""
    assumed = [n for n in notes if n.startswith(ASSUMED_WHEN_ABSENT)]
    return assumed, [n for n in notes if n not in assumed]


def _heads(notes: Sequence[str]) -> str:
    """The subject of each note ('pain score', 'regular medicine ...'), for a summary."""
    return "; ".join(_t(n.split(":")[0]) for n in notes)


def data_card(
    missing: Sequence[str], ignored: Sequence[str], hook_instance: str, settings: CardSettings
) -> dict[str, Any] | None:
    """What the record lacked (no plan) or what was left out (plan built without it). Every
    note can hold the record's own text (a medicine's name), so each is literal text."""
    _, ignored = split_assumed(ignored)
    if missing:
        return _card(
            hook_instance,
            "missing",
            settings,
            summary="No back-pain plan: the record lacks " + _heads(missing),
            indicator="warning",
            detail="The plan needs these and the record did not supply them:\n\n"
            + _bullets([_t(m, NOTE_MAX) for m in missing])
            + (
                "\n\nAlso not used:\n\n" + _bullets([_t(i, NOTE_MAX) for i in ignored])
                if ignored
                else ""
            ),
        )
    if ignored:
        return _card(
            hook_instance,
            "ignored",
            settings,
            summary="Plan built without: " + _heads(ignored),
            indicator="info",
            detail="Read from the record but not used (the plan does not account for them):\n\n"
            + _bullets([_t(i, NOTE_MAX) for i in ignored]),
        )
    return None


def response_cards(
    case: PatientCase,
    plan: TreatmentPlan,
    drafts: Sequence[Draft],
    ignored: Sequence[str],
    hook_instance: str,
    settings: CardSettings,
    patient_id: str = "",
) -> list[dict[str, Any]]:
    """Every card for a call, in order: triage, draft orders, naloxone, plan, data left out."""
    assumed, _ = split_assumed(ignored)
    cards = plan_cards(case, plan, hook_instance, settings, [_t(a, NOTE_MAX) for a in assumed])
    triage = [c for c in cards if c["uuid"] == _uuid(hook_instance, "triage")]
    out = [*triage, *draft_cards(drafts, case, plan, hook_instance, settings, patient_id)]
    naloxone = naloxone_card(drafts, case, plan, hook_instance, settings, patient_id)
    if naloxone is not None:
        out.append(naloxone)
    out.extend(c for c in cards if c not in triage)
    data = data_card((), ignored, hook_instance, settings)
    if data is not None:
        out.append(data)
    return out


def no_plan_cards(
    drafts: Sequence[Draft],
    missing: Sequence[str],
    ignored: Sequence[str],
    hook_instance: str,
    settings: CardSettings,
) -> list[dict[str, Any]]:
    """When no plan can be built: the draft-order cards that need none (they always fire), then
    the card naming what the record lacks."""
    out = draft_cards(drafts, None, None, hook_instance, settings)
    data = data_card(missing, ignored, hook_instance, settings)
    return [*out, *([data] if data else [])]
