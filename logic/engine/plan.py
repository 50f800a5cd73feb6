"""Assemble the treatment plan: triage, renal function, review, orders, safety, follow-up.

`build_plan` is a pure function of the case. It proposes non-opioid care first, opioids only as
options for a shared decision (with their expected benefit and harm), lets the rule table
(logic.engine.rules) withhold, reduce or cap each candidate for this patient, then resolves the
interactions that only show up between orders (tramadol with an antidepressant; one new
sedating drug at a time) and says why anything was left out. `departures` lists, for this case,
where the plan departs from a common escalation and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple

from logic.drugs.catalogue import ACETAMINOPHEN_COMBINATION_SOURCE, DoseUnit, DrugClass, drug_class
from logic.drugs.opioids import daily_mme
from logic.engine import med_checks
from logic.engine.gabapentin import build_gabapentin_plan, renal_equivalent_target
from logic.engine.medications import (
    DUPLICATE_CLASSES,
    MedicineFacts,
    join_names,
    medicine_facts,
    mme_key,
)
from logic.engine.plausibility import plausibility_warnings
from logic.engine.regimens import REGIMENS, Regimen
from logic.engine.renal import as_band, assess_renal
from logic.engine.review import GABAPENTIN_EFFECTIVE_LOW_MG_DAY, review_tried
from logic.engine.rules import (
    NAMED_MASK,
    NAMED_MESSAGES,
    PER_DRUG_TARGETS,
    REASON,
    RULES,
    STEP,
    STEP_TAG,
    TARGET_LABELS,
    Action,
    Facts,
    Rule,
    fired_mask,
    positions,
    step_text,
    unsafe_home_opioids,
)
from logic.engine.thresholds import (
    ANTIDEPRESSANT_BOXED_WARNING_AGE_BELOW,
    MME_CAUTION_FROM,
    MME_DANGER_FROM,
    SEVERE_PAIN_SCORE_FROM,
    SUBACUTE_PAIN_WEEKS_FROM,
)
from logic.engine.timing import timing_warnings
from logic.engine.triage import triage
from logic.models import (
    Avoid,
    Condition,
    Departure,
    GabapentinPlan,
    Order,
    PatientCase,
    Point,
    RedFlag,
    Route,
    Severity,
    TreatmentPlan,
    TriageLevel,
    Warning,
)

#: Every evidence id the engine can cite; each has a file in content/.
EVIDENCE_IDS: frozenset[str] = frozenset(
    {
        "nsaids-ketorolac",
        "systemic-corticosteroids",
        "muscle-relaxants",
        "gabapentinoids-sciatica",
        "opioids-acute-pain",
        "tramadol",
        "antidepressants",
        "non-drug-care",
        "red-flags-imaging",
        "epidural-steroids-referral",
        "opioid-safety",
        "renal-dosing",
        "older-adults-pregnancy",
        "acetaminophen",
        "benzodiazepines",
        "suzetrigine",
        "chronic-low-back-pain",
        "back-pain-mimics",
        "lidocaine",
        "acep-opioids-ed",
    }
)

#: The cut-offs (severe pain NRS 7, MME 50 and 90, subacute from 4 weeks, antidepressant boxed
#: warning under 25) are written once in logic.engine.thresholds with their sources.
SEVERE_PAIN_SCORE = SEVERE_PAIN_SCORE_FROM
MME_CAUTION = MME_CAUTION_FROM
MME_DANGER = MME_DANGER_FROM
SUBACUTE_WEEKS = SUBACUTE_PAIN_WEEKS_FROM
ANTIDEPRESSANT_BOXED_WARNING_AGE = ANTIDEPRESSANT_BOXED_WARNING_AGE_BELOW
#: Gabapentin titration target: the label found no added benefit above 1800 mg/day (PHN).
GABAPENTIN_TARGET_MG = 1800

RESCUE_CHOICE = "Opioid rescue, only after a shared decision: choose one at most"
TAKE_HOME_CHOICE = "Take-home opioid, chosen after a shared decision"
MUSCLE_RELAXANT_CHOICE = "Optional (ACP 2017): small short-term benefit"

#: The expected benefit and harm of an opioid for acute back pain, in one line, for the order.
#: Jones CMP et al. (OPAL), Lancet 2023;402:304-12: oxycodone-naloxone up to 20 mg/day for up to
#: 6 weeks vs placebo, both with guideline care. Pain at 6 weeks did not differ; at 52 weeks pain
#: was slightly worse and the risk of opioid misuse (COMM) higher with the opioid: about 20 % vs
#: 10 % (figures from the published abstract as recalled; the shared notes confirm "more misuse
#: risk" and clinical-facts.md "2x misuse at 1 year", not the exact percentages).
OPAL_TRADEOFF = (
    "Expected benefit: a few hours' relief at most; a short opioid course was no better than "
    "placebo for acute low back pain at 6 weeks, and misuse risk at one year was about twice "
    "placebo's (about 20 % vs 10 %) (OPAL, Jones et al., Lancet 2023;402:304-12)."
)
#: Wewege MA et al., BMJ 2023;380:e072962: tramadol raised adverse events (RR about 2.6) in
#: acute low back pain, with low-certainty evidence of benefit.
TRAMADOL_TRADEOFF = (
    "Expected benefit: small and uncertain; adverse events about 2.6 times as common as with "
    "placebo in acute low back pain (Wewege et al., BMJ 2023), plus seizure and serotonin risks "
    "(tramadol label)."
)

# Tags that let rule targets find candidate orders.
_TAGS: dict[str, frozenset[str]] = {
    "oxycodone": frozenset({"opioid", "oxycodone"}),
    "hydromorphone": frozenset({"opioid", "hydromorphone"}),
    "tramadol": frozenset({"opioid", "tramadol"}),
    "ketorolac": frozenset({"nsaid", "ketorolac"}),
    "naproxen": frozenset({"nsaid", "naproxen"}),
    "acetaminophen": frozenset({"acetaminophen"}),
    "amitriptyline": frozenset({"tricyclic", "antidepressant"}),
    "duloxetine": frozenset({"snri", "antidepressant"}),
    "gabapentin": frozenset({"gabapentin", "gabapentinoid"}),
    "cyclobenzaprine": frozenset({"muscle_relaxant", "cyclobenzaprine"}),
}
_VARIANT_ORDER = ("hepatic", "reduced")


@lru_cache(maxsize=4096)
def _avoid(
    drug: str, reasons: tuple[str, ...], evidence: tuple[str, ...], rule_ids: tuple[str, ...]
) -> Avoid:
    """Avoid entries are frozen and mostly the same from plan to plan: built once each."""
    return Avoid(drug=drug, reason=" ".join(reasons), evidence=evidence, rule_ids=rule_ids)


@lru_cache(maxsize=4096)
def _warning(
    code: str, severity: Severity, message: str, source: str, rule_ids: tuple[str, ...]
) -> Warning:
    """Warnings are frozen and mostly the same from plan to plan: built once each."""
    return Warning(code=code, severity=severity, message=message, source=source, rule_ids=rule_ids)


_NO_TAGS: frozenset[str] = frozenset()
_MUSCLE_RELAXANT_TAGS = frozenset({"muscle_relaxant"})
#: Rule actions that keep a candidate and say so in the plan's warnings.
_NOTED = frozenset({Action.reduce, Action.cap, Action.warn})


#: Withheld drugs: label -> (reasons, evidence ids, rule ids), made into Avoid models at the end.
_AvoidEntry = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_AvoidEntries = dict[str, _AvoidEntry]


def _tag_masks(step: str) -> dict[str, int]:
    """Per tag, the rules that target it at this step (rules with no step apply to both), as a
    bit mask of table positions: a candidate's rules are its tags' masks AND the fired mask."""
    masks: dict[str, int] = {}
    for i, rule in enumerate(RULES):
        rule_step, tag = STEP_TAG[rule.id]
        if rule_step in ("", step):
            masks[tag] = masks.get(tag, 0) | 1 << i
    return masks


_TAG_MASKS: dict[str, dict[str, int]] = {step: _tag_masks(step) for step in ("now", "discharge")}
#: Per rule that withholds a class (by table position): its avoid-list label, reason, evidence
#: and id.
_RULE_AVOID: dict[int, tuple[str, str, tuple[str, ...], str]] = {
    i: (TARGET_LABELS[r.target], REASON[r.id], tuple(dict.fromkeys(r.evidence)), r.id)
    for i, r in enumerate(RULES)
    if r.action is Action.avoid and r.target not in PER_DRUG_TARGETS and r.target != "plan"
}
_WITHHOLD_MASK = sum(1 << i for i in _RULE_AVOID)
#: The rules that speak to the whole plan: their warnings, built once.
_PLAN_WARNINGS: dict[int, Warning] = {
    i: Warning(code=r.id, severity=r.severity, message=r.message, source=r.source, rule_ids=(r.id,))
    for i, r in enumerate(RULES)
    if r.target == "plan"
}
_PLAN_MASK = sum(1 << i for i in _PLAN_WARNINGS)
#: Rules that add gastroprotection to an NSAID, and rules that withhold every NSAID.
_PROTECT_NSAID_MASK = sum(
    1 << i for i, r in enumerate(RULES) if r.action is Action.protect and "nsaid" in r.target
)
_AVOID_NSAID_MASK = sum(
    1 << i for i, r in enumerate(RULES) if r.action is Action.avoid and r.target == "nsaid"
)


def _sum_masks(masks: dict[str, int], tags: Iterable[str]) -> int:
    """The union of the masks of these tags."""
    selected = 0
    for tag in tags:
        selected |= masks.get(tag, 0)
    return selected


def _rules_in(mask: int) -> list[Rule]:
    """The rules set in a mask, in table order."""
    found = []
    while mask:
        low = mask & -mask
        found.append(RULES[low.bit_length() - 1])
        mask ^= low
    return found


@lru_cache(maxsize=1024)
def _avoid_entries(mask: int) -> _AvoidEntries:
    """The avoid entries of the fired rules (a mask of those that withhold a class), one entry
    per class in table order: fewer combinations recur than whole rule sets. Never mutated."""
    by_label: dict[str, list[int]] = {}
    for i in positions(mask):
        by_label.setdefault(_RULE_AVOID[i][0], []).append(i)
    return {label: _avoid_entry(tuple(found)) for label, found in by_label.items()}


@lru_cache(maxsize=1024)
def _avoid_models(mask: int) -> dict[str, Avoid]:
    """`_avoid_entries(mask)` as Avoid models, built once per combination. Never mutated."""
    return {label: _avoid(label, *entry) for label, entry in _avoid_entries(mask).items()}


@lru_cache(maxsize=1024)
def _avoid_entry(found: tuple[int, ...]) -> _AvoidEntry:
    """One avoid-list entry from the rules (table positions) that withhold the same class:
    the same few combinations recur across rule sets, so each is merged once."""
    merged: _AvoidEntries = {}
    for i in found:
        _withhold(merged, *_RULE_AVOID[i])
    return next(iter(merged.values()))


#: Per step, each candidate family's own tags as one rule mask.
_FAMILY_MASKS: dict[str, dict[str, int]] = {
    step: {family: _sum_masks(masks, tags) for family, tags in _TAGS.items()}
    for step, masks in _TAG_MASKS.items()
}


def _tags_mask(step: str, tags: frozenset[str]) -> int:
    """The rules that target any of these tags at this step, as one mask."""
    if not tags:
        return 0
    return _sum_masks(_TAG_MASKS[step], tags)


@lru_cache(maxsize=4096)
def _variant(key: str, matched: int) -> str | None:
    """The regimen a candidate becomes under the rules that match it (a mask): None when one
    withholds it, else its hepatic or reduced row when a rule reduces it, else itself. The same
    few combinations recur across patients, so each is decided once."""
    variants = set()
    for rule in _rules_in(matched):
        if rule.action is Action.avoid:
            return None
        if rule.action is Action.reduce:
            variants.add(rule.variant)
    if not variants:
        return key
    for v in _VARIANT_ORDER:
        if v in variants and f"{key}_{v}" in REGIMENS:
            return f"{key}_{v}"
    return f"{key}_reduced" if f"{key}_reduced" in REGIMENS else key


class _Effects(NamedTuple):
    """What the rules that match a kept candidate add to it: decided once per combination."""

    withheld: bool
    #: The ceilings the cap rules add to the order's note, in table order.
    cap_notes: tuple[str, ...]
    #: The warnings of the rules that reduce, cap or warn, in table order.
    warnings: tuple[Warning, ...]
    #: (per-dose, daily) ceilings; None when a ceiling is per kg, so weight decides it.
    caps: tuple[float | None, float | None] | None


@lru_cache(maxsize=4096)
def _effects(matched: int) -> _Effects:
    rules = _rules_in(matched)
    per_kg = any(r.mg_per_kg_dose is not None or r.mg_per_kg_day is not None for r in rules)
    return _Effects(
        withheld=any(r.action is Action.avoid for r in rules),
        cap_notes=tuple(r.message for r in rules if r.action is Action.cap),
        warnings=tuple(
            _warning(r.id, r.severity, r.message, r.source, (r.id,))
            for r in rules
            if r.action in _NOTED
        ),
        caps=None if per_kg else _caps(rules, 0.0),
    )


def _withhold(
    avoid: _AvoidEntries, drug: str, reason: str, evidence: Iterable[str], rule_id: str
) -> None:
    """Add a reason (its evidence and its rule) to a drug's avoid entry; a reason the entry
    already says is not repeated, but its rule is still named."""
    entry = avoid.get(drug)
    if entry is None:
        avoid[drug] = ((reason,), tuple(dict.fromkeys(evidence)), (rule_id,))
        return
    reasons, ids, rule_ids = entry
    if rule_id not in rule_ids:
        rule_ids = (*rule_ids, rule_id)
    for prior in reasons:
        if reason in prior:
            avoid[drug] = (reasons, ids, rule_ids)
            return
    new_ids = tuple(e for e in dict.fromkeys(evidence) if e not in ids)
    avoid[drug] = ((*reasons, reason), ids + new_ids, rule_ids)


@dataclass(slots=True)
class _Draft:
    """Mutable scratch space while the plan is assembled; frozen into TreatmentPlan at the end."""

    facts: Facts
    #: The fired rules as a bit mask of table positions (logic.engine.rules.fired_mask).
    mask: int
    give_now: list[Order] = field(default_factory=list)
    discharge: list[Order] = field(default_factory=list)
    avoid: _AvoidEntries = field(default_factory=dict)
    warnings: dict[str, Warning] = field(default_factory=dict)
    #: The avoid entries the fired rules made, as models, until a later reason changes one.
    built: dict[str, Avoid] = field(default_factory=dict)

    @classmethod
    def start(cls, facts: Facts, mask: int) -> _Draft:
        """A draft holding what the fired rules say on their own (avoid entries, warnings)."""
        warnings = {}
        plan_rules = mask & _PLAN_MASK
        if plan_rules:
            for i in positions(plan_rules):
                warnings[RULES[i].id] = _PLAN_WARNINGS[i]
        withholding = mask & _WITHHOLD_MASK
        return cls(
            facts=facts,
            mask=mask,
            avoid=dict(_avoid_entries(withholding)),
            warnings=warnings,
            built=dict(_avoid_models(withholding)),
        )

    def matching(self, step: str, tags: frozenset[str]) -> list[Rule]:
        """The fired rules that apply to a candidate with these tags at this step, in table
        order."""
        return _rules_in(_sum_masks(_TAG_MASKS[step], tags) & self.mask)

    def withhold(self, drug: str, reason: str, evidence: Iterable[str], rule_id: str) -> None:
        _withhold(self.avoid, drug, reason, evidence, rule_id)
        self.built.pop(drug, None)

    def withhold_row(self, rule_id: str, drug: str | None = None, **values: object) -> None:
        """Withhold by a step row (logic.engine.rules.STEP_RULES): its message filled with `values`
        is the reason, the avoid label is its target's unless `drug` names the drug."""
        row = STEP[rule_id]
        label = drug or TARGET_LABELS[row.target]
        self.withhold(label, step_text(rule_id, **values), row.evidence, rule_id)

    def avoid_list(self) -> tuple[Avoid, ...]:
        built = self.built
        return tuple(
            built.get(drug) or _avoid(drug, reasons, ids, rule_ids)
            for drug, (reasons, ids, rule_ids) in self.avoid.items()
        )

    def warn(
        self,
        code: str,
        severity: Severity,
        message: str,
        source: str,
        rule_ids: tuple[str, ...],
    ) -> None:
        if code not in self.warnings:
            self.warnings[code] = _warning(code, severity, message, source, rule_ids)

    def warn_row(self, rule_id: str, code: str | None = None, **values: object) -> None:
        """Warn by a step row: its message filled with `values`, its severity and source; the
        warning's code is the row id unless `code` names one per medicine."""
        code = code or rule_id
        if code not in self.warnings:
            row = STEP[rule_id]
            message = step_text(rule_id, **values)
            self.warnings[code] = _warning(code, row.severity, message, row.source, (rule_id,))

    def propose(
        self,
        step: str,
        family: str,
        key: str,
        *,
        choice: str | None = None,
        note: str = "",
        tradeoff: str = "",
    ) -> bool:
        """Add a candidate order after the rules have had their say; True if it was kept."""
        base = REGIMENS[key]
        family_mask = _FAMILY_MASKS[step][family]
        per_drug = self.per_drug_tags(family, base.dose_mg, base.route)
        matched = (family_mask | _tags_mask(step, per_drug)) & self.mask
        chosen_key = _variant(key, matched)
        if chosen_key is None:
            if per_drug:
                self.explain_per_drug(family, _rules_in(matched), base.dose_mg, base.route)
            return False
        chosen = REGIMENS[chosen_key]
        if chosen is not base:
            # The reduced row may fall to or under a dose that already failed.
            per_drug = self.per_drug_tags(family, chosen.dose_mg, chosen.route)
            matched = (family_mask | _tags_mask(step, per_drug)) & self.mask
        effects = _effects(matched)
        if effects.withheld:
            self.explain_per_drug(family, _rules_in(matched), chosen.dose_mg, chosen.route)
            return False
        for warning in effects.warnings:
            if warning.code not in self.warnings:
                self.warnings[warning.code] = warning
        text = note or chosen.note
        if effects.cap_notes:
            text = " ".join((text, *effects.cap_notes))
        caps = effects.caps
        if caps is None:  # a ceiling per kg: this patient's weight decides it
            caps = _caps(_rules_in(matched), self.facts.case.weight_kg)
        order = chosen.order(
            choice=choice,
            note=text,
            tradeoff=tradeoff,
            dose_cap_mg=caps[0],
            daily_cap_mg=caps[1],
        )
        (self.give_now if step == "now" else self.discharge).append(order)
        return True

    def per_drug_tags(self, generic: str, dose_mg: float, route: Route) -> frozenset[str]:
        """Tags that depend on the candidate drug itself: allergy, duplicate, failed."""
        meds = self.facts.meds
        if not (meds.current or meds.failed or self.facts.case.allergic_to):
            return _NO_TAGS  # nothing entered that a candidate could duplicate or repeat
        tags = set()
        if generic in self.facts.case.allergic_to:
            tags.add("allergy")
        if _duplicate_of(meds, generic) is not None:
            tags.add("duplicate")
        if _failed_at(meds, generic, dose_mg, route) is not None:
            tags.add("failed")
        return frozenset(tags)

    def explain_per_drug(
        self, generic: str, matching: list[Rule], dose_mg: float, route: Route
    ) -> None:
        """Avoid-list entries naming the drug for the per-drug rules that withheld it."""
        label = generic.capitalize()
        meds = self.facts.meds
        for rule in matching:
            if rule.action is not Action.avoid or rule.target not in PER_DRUG_TARGETS:
                continue
            source = rule.source
            if rule.target == "allergy":
                why = f"Allergy to {generic} recorded: it is contraindicated."
            elif rule.target == "duplicate" and generic in meds.combined_current:
                products = " and ".join(meds.combined_current[generic])
                why = (
                    f"Already takes {generic} in {products}: a second {generic} product adds "
                    "to the dose in it and can push the daily total past the limit."
                )
                source = _COMBINATION_SOURCES.get(generic, source)
            elif rule.target == "duplicate":
                why = f"Already takes {_duplicate_of(meds, generic)}: {generic} would duplicate it."
            else:
                failed = _failed_at(meds, generic, dose_mg, route)
                given = "dose not recorded" if failed is None else failed
                why = (
                    f"Failed this episode ({given}); the plan's dose ({dose_mg:g} mg "
                    f"{route.value.upper()}) is no higher, so it is not offered again."
                )
            self.withhold(label, f"{why} ({source})", rule.evidence, rule.id)

    def add(self, step: str, regimen: Regimen, note: str | None = None) -> None:
        """Add an order that no rule can withhold (bowel care, gastroprotection, naloxone),
        unless the patient already has it: then the plan says to keep using theirs."""
        order = regimen.order(note=note)
        if order.generic in self.facts.meds.current:
            self.warn_row(
                "already-has-medicine", f"already-has-{order.generic}", generic=order.generic
            )
            return
        (self.give_now if step == "now" else self.discharge).append(order)


def build_plan(case: PatientCase) -> TreatmentPlan:
    """The complete, patient-specific plan for a validated case. Deterministic and pure."""
    tri = triage(case)
    renal = assess_renal(case)
    meds = medicine_facts(case)
    facts = Facts(case=case, renal=renal, given_meds=meds)
    draft = _Draft.start(facts, fired_mask(facts))
    _medicine_warnings(draft, meds)
    patient = med_checks.patient_of(case, renal, meds)  # the interaction and dose tables
    board = med_checks.on_board_generics(case)
    for table_warning in med_checks.case_warnings(case, patient, draft.warnings, board):
        draft.warnings.setdefault(table_warning.code, table_warning)
    for timing_warning in timing_warnings(case, patient):  # the times of the doses given
        draft.warnings.setdefault(timing_warning.code, timing_warning)
    emergency = tri.level is TriageLevel.emergency

    if facts.chronic and not emergency:
        draft.withhold_row("chronic-no-new-opioid", weeks=case.pain_duration_weeks)
    discharge_antidepressant = None if emergency else _antidepressant_candidate(draft)
    _give_now(draft, emergency, discharge_antidepressant)
    gabapentin = None
    deferred: list[Point] = []
    if not emergency:
        gabapentin = _discharge(draft, discharge_antidepressant, deferred)
    else:
        draft.warn_row("emergency-no-discharge")
    if tri.level is TriageLevel.urgent:
        draft.warn_row("red-flag-workup")

    screen = med_checks.screen_orders(case, patient, draft.give_now, draft.discharge, board)
    draft.give_now[:], draft.discharge[:] = screen.give_now, screen.discharge
    for held in screen.withheld:  # the interaction or dose-limit row names itself
        draft.withhold(held.label, held.reason, (), held.rule_id)
    if gabapentin is not None and all(o.generic != "gabapentin" for o in draft.discharge):
        gabapentin = None
    manage = med_checks.manage_warning(screen.to_manage)
    if manage is not None:
        draft.warnings.setdefault(manage.code, manage)

    _name_medicines(draft)
    plan_mme = _discharge_mme(draft.discharge)
    mme = _total_mme(meds.home_mme, plan_mme)
    moud_mme = med_checks.moud_mme(case, meds)  # CDC 2022: MOUD is not held to MME thresholds
    if moud_mme:
        draft.warnings.setdefault("moud-mme", med_checks.moud_warning(moud_mme))
    _mme_warnings(draft, None if mme is None else mme - moud_mme)
    naloxone_reasons, naloxone_rule_ids = _naloxone_reasons(case, draft, mme)
    # Naloxone already at home: no second order, a reminder to check it instead (CDC 2022 rec 8).
    naloxone_at_home = bool(naloxone_reasons) and "naloxone" in meds.current
    if naloxone_reasons and not emergency and not naloxone_at_home:
        draft.add("discharge", REGIMENS["naloxone_in"])
    if case.pain_duration_weeks >= SUBACUTE_WEEKS and tri.level is TriageLevel.routine:
        draft.warn_row("not-improving", weeks=case.pain_duration_weeks)
    if renal.method.startswith("eGFR"):
        draft.warn_row("renal-egfr", note=renal.note)
    if renal.method.startswith("assumed"):
        draft.warn_row("renal-assumed", note=renal.note or renal.method)
    for caution in plausibility_warnings(case, renal):  # rare, decisive values: please confirm
        draft.warn(
            caution.code,
            caution.severity,
            caution.message,
            caution.source,
            caution.rule_ids or (caution.code,),
        )

    fields: dict[str, Any] = {
        "triage": tri,
        "renal": renal,
        "tried_review": med_checks.review_given(case, patient, review_tried(case, facts)),
        "give_now": tuple(draft.give_now),
        "discharge": tuple(draft.discharge),
        "non_drug": () if emergency else med_checks.non_drug_for(case, _non_drug(case)),
        "avoid": draft.avoid_list(),
        "warnings": tuple(sorted(draft.warnings.values(), key=_severity_order)),
        "gabapentin": gabapentin,
        "mme_per_day": mme,
        "home_mme_per_day": meds.home_mme,
        "naloxone": bool(naloxone_reasons),
        "naloxone_reasons": naloxone_reasons,
        "naloxone_rule_ids": naloxone_rule_ids,
        "naloxone_at_home": naloxone_at_home,
        "safety": _safety(case, draft, gabapentin, bool(naloxone_reasons), naloxone_at_home),
        "pitfalls": _pitfalls(meds.tried_classes),
        "follow_up": (*_follow_up(case, tri.level, draft, gabapentin), *deferred),
        "not_checked": case.unchecked_medicines,
    }
    return TreatmentPlan(
        **fields,
        evidence_ids=_evidence_ids(fields),
        departures=_departures(case, draft, emergency),
    )


# ---- Steps ------------------------------------------------------------------------------


def _give_now(draft: _Draft, emergency: bool, antidepressant: str | None) -> None:
    """ED (or clinic) step: non-opioid care first; opioids only as shared-decision options.

    The non-opioid step leads: an NSAID if none was tried (acetaminophen when NSAIDs are ruled
    out), then, for severe pain, the rescue opioids as options to discuss, each with its
    expected benefit and harm (CDC 2022 recs 1 and 4; OPAL 2023). None is a default order.
    """
    case = draft.facts.case
    severe = case.pain_score >= SEVERE_PAIN_SCORE
    tried_classes = draft.facts.meds.tried_classes
    if not emergency:
        if DrugClass.nsaid not in tried_classes:
            older_or_clinic = case.older_adult or case.setting == "clinic"
            kept = not older_or_clinic and draft.propose("now", "ketorolac", "ketorolac_iv_now")
            if not kept:
                kept = draft.propose("now", "naproxen", "naproxen_po_now")
            if not kept:
                _acetaminophen_now(draft)
        elif _nsaids_withheld(draft):
            _acetaminophen_now(draft)
    if not severe:
        draft.warn_row("no-opioid-needed", score=case.pain_score)
        return
    if draft.facts.chronic and not emergency:
        _acetaminophen_now(
            draft,
            "Non-opioid step: no new opioid for pain lasting more than 12 weeks (NICE NG59; "
            "WHO 2023); modest effect on its own (PACE trial).",
        )
        return
    _acetaminophen_now(
        draft,
        "Low-risk non-opioid step before any opioid is considered (CDC 2022 rec 1); modest "
        "effect at best (on its own no better than placebo in the PACE trial).",
    )
    rescue_kept = 0
    rescue_kept += draft.propose(
        "now", "oxycodone", "oxycodone_po_now", choice=RESCUE_CHOICE, tradeoff=OPAL_TRADEOFF
    )
    if case.setting == "ed":
        rescue_kept += draft.propose(
            "now",
            "hydromorphone",
            "hydromorphone_iv_now",
            choice=RESCUE_CHOICE,
            tradeoff=OPAL_TRADEOFF,
        )
    if antidepressant is not None:
        # Tramadol with amitriptyline or duloxetine lowers the seizure threshold and risks
        # serotonin toxicity (tramadol label); the plan keeps the longer-term drug.
        draft.withhold_row(
            "tramadol-with-planned-antidepressant", "Tramadol", antidepressant=antidepressant
        )
    else:
        rescue_kept += draft.propose(
            "now", "tramadol", "tramadol_po_now", choice=RESCUE_CHOICE, tradeoff=TRAMADOL_TRADEOFF
        )
    if rescue_kept:
        draft.warn_row("opioid-shared-decision", tradeoff=OPAL_TRADEOFF)
    else:
        _acetaminophen_now(
            draft,
            "Non-opioid step because every opioid option is ruled out; modest effect on "
            "its own (PACE trial).",
        )
        draft.warn_row("rescue-ruled-out")


def _acetaminophen_now(draft: _Draft, note: str = "") -> None:
    """One acetaminophen dose now, unless it was already tried or is already ordered. When it
    was given inside a combination product (Percocet), the avoid list says so: that dose counts
    toward the interval and the daily total."""
    meds = draft.facts.meds
    tried = DrugClass.acetaminophen in meds.tried_classes
    if tried and "acetaminophen" in meds.combined_tried:
        products = " and ".join(meds.combined_tried["acetaminophen"])
        draft.withhold_row(
            "acetaminophen-given-in-combination",
            "Acetaminophen",
            products=products,
            source=ACETAMINOPHEN_COMBINATION_SOURCE,
        )
    elif not tried and not any(o.generic == "acetaminophen" for o in draft.give_now):
        draft.propose("now", "acetaminophen", "acetaminophen_po_now", note=note)


def _discharge(
    draft: _Draft, antidepressant: str | None, deferred: list[Point]
) -> GabapentinPlan | None:
    """Take-home plan: NSAID (or acetaminophen), an optional muscle relaxant, gabapentin if
    radicular; a short IR opioid only when the clinician chose one after a shared decision.

    One new sedating drug at a time (Beers 2023; FDA 2019 gabapentinoids; NICE CG173 "switch,
    not add"): a chosen opioid course comes first and gabapentin or an antidepressant wait for
    the review; then the antidepressant (NICE's choice for persisting radicular or chronic
    pain) before gabapentin; a muscle relaxant only when none of them is started.
    """
    facts = draft.facts
    case = facts.case
    if draft.propose("discharge", "naproxen", "naproxen_po"):
        if draft.mask & _PROTECT_NSAID_MASK:
            draft.add("discharge", REGIMENS["omeprazole_po"])
    elif draft.propose("discharge", "acetaminophen", "acetaminophen_po"):
        _warn_first_day_acetaminophen(draft)
    opioid_home = _take_home_opioid(draft)
    if opioid_home:
        draft.add("discharge", REGIMENS["senna_po"])
    # The first new sedating drug, by the evidence: a chosen opioid course (the clinician's
    # decision, 3 days); else, for leg pain past 4 weeks or pain past 12, the antidepressant
    # (NICE NG59 advises against gabapentinoids for sciatica, and NICE CG173 offers
    # amitriptyline or duloxetine for neuropathic pain); else gabapentin for radicular pain.
    started: str | None = "the chosen opioid course" if opioid_home else None
    if (
        antidepressant is not None
        and started is None
        and draft.propose("discharge", antidepressant, f"{antidepressant}_po")
    ):
        started = antidepressant
        if antidepressant == "duloxetine":
            _warn_duloxetine_contested(draft)
    gabapentin = None
    if case.radicular:
        if started is not None:
            deferred.append(_DEFERRED_GABAPENTIN)
            draft.warn_row("one-sedative-at-a-time", started=started)
        else:
            gabapentin = _gabapentin(draft)
            if gabapentin is not None:
                started = "gabapentin"
    if antidepressant is not None and started != antidepressant:
        deferred.append(_DEFERRED_ANTIDEPRESSANT)
        _warn_one_at_a_time(draft, antidepressant, started or "another new drug")
    sedating_started = started is not None
    if antidepressant is not None and case.age_years < ANTIDEPRESSANT_BOXED_WARNING_AGE:
        draft.warn_row("antidepressant-under-25", age=case.age_years, drug=antidepressant)
    _muscle_relaxant(draft, sedating_started)
    return gabapentin


def _warn_first_day_acetaminophen(draft: _Draft) -> None:
    """A dose given now counts toward the take-home order's first day: the daily maximum covers
    every dose and every product (acetaminophen labels; FDA 2011 on combination products)."""
    now = sum(o.dose_mg for o in draft.give_now if o.generic == "acetaminophen")
    home = draft.discharge[-1]
    if not now or home.max_daily_mg is None:
        return
    draft.warn_row(
        "acetaminophen-first-day",
        now=now,
        max_daily=home.max_daily_mg,
        left=home.max_daily_mg - now,
    )


def _take_home_opioid(draft: _Draft) -> bool:
    """A take-home opioid only when the clinician chose one (case.take_home_opioid)."""
    case = draft.facts.case
    chosen = case.take_home_opioid
    severe = case.pain_score >= SEVERE_PAIN_SCORE
    if not chosen:
        if severe and not draft.facts.chronic:
            draft.withhold_row("take-home-opioid-not-by-default")
        return False
    if draft.facts.chronic:
        return False  # withheld in build_plan, with the reason
    if not severe:
        draft.withhold_row("take-home-opioid-not-severe", score=case.pain_score)
        return False
    return draft.propose(
        "discharge",
        "oxycodone",
        "oxycodone_po",
        choice=TAKE_HOME_CHOICE,
        tradeoff=OPAL_TRADEOFF,
    )


def _warn_one_at_a_time(draft: _Draft, drug: str, started: str) -> None:
    draft.warn_row(
        "one-sedative-at-a-time-switch",
        f"one-sedative-at-a-time-{drug}",
        drug=drug,
        started=started,
    )


def _warn_duloxetine_contested(draft: _Draft) -> None:
    draft.warn_row("duloxetine-guidelines-disagree")


def _muscle_relaxant(draft: _Draft, sedating_started: bool) -> None:
    """An optional muscle relaxant, unless a reason true of this patient withholds it."""
    if draft.facts.case.pain_score < 4:
        return  # mild pain: nothing to add beyond the NSAID and non-drug care
    matching = draft.matching("discharge", _MUSCLE_RELAXANT_TAGS)
    if any(r.action is Action.avoid for r in matching):
        return  # withheld with the rule's reason
    if sedating_started:
        draft.withhold_row("muscle-relaxant-one-sedative")
        return
    draft.propose(
        "discharge", "cyclobenzaprine", "cyclobenzaprine_po", choice=MUSCLE_RELAXANT_CHOICE
    )


_DEFERRED_GABAPENTIN = Point(
    title="At the review: gabapentin only if the leg pain persists",
    text="Gabapentin was not started with the other new drug (one new sedating drug at a "
    "time). If radicular pain persists and that drug has not helped, a titration within the "
    "renal limit can be considered then; NICE advises against it, so agree it with the patient.",
    evidence=("gabapentinoids-sciatica", "renal-dosing"),
)
_DEFERRED_ANTIDEPRESSANT = Point(
    title="At the review: an antidepressant, as a switch rather than an add-on",
    text="An antidepressant (amitriptyline for persisting radicular pain, duloxetine for "
    "chronic pain) was not started with the other new drug. If that drug has not helped, "
    "switch rather than add (NICE CG173), and note the contested evidence.",
    evidence=("antidepressants",),
)


def _antidepressant_candidate(draft: _Draft) -> str | None:
    """Which adjuvant the discharge plan will start, if any survives the rules.

    A common escalation adds amitriptyline for everyone. NICE NG59 advises against tricyclics
    for low back pain and Urquhart 2018 found no pain benefit, so the engine narrows it:
    duloxetine for chronic pain (ACP 2017 second line, > 12 weeks), amitriptyline only for
    radicular pain lasting a month or more (neuropathic pain: NICE CG173), otherwise nothing.
    """
    case = draft.facts.case
    if draft.facts.chronic:
        family = "duloxetine"
    elif case.radicular and case.pain_duration_weeks >= SUBACUTE_WEEKS:
        family = "amitriptyline"
    elif "amitriptyline" in draft.facts.meds.current:
        return None  # already takes it: the duplicate and review rules speak to it
    else:
        draft.warn_row("no-antidepressant-yet")
        return None
    blocked = any(r.action is Action.avoid for r in draft.matching("discharge", _TAGS[family]))
    return None if blocked else family


def _gabapentin(draft: _Draft) -> GabapentinPlan | None:
    facts = draft.facts
    tags = _TAGS["gabapentin"] | draft.per_drug_tags("gabapentin", 0, Route.po) - {"failed"}
    band = as_band(facts.renal.band)
    target = renal_equivalent_target(band, facts.renal.crcl_ml_min, GABAPENTIN_TARGET_MG)
    if _gabapentin_failed_at_target(facts.meds, target):
        # A titrated course is judged by its daily total: a single ED dose is no trial
        # (logic.engine.review), so only a recorded daily total at or above the target counts.
        tags |= {"failed"}
    matching = draft.matching("discharge", tags)
    if any(r.action is Action.avoid for r in matching):
        draft.explain_per_drug("gabapentin", matching, target, Route.po)
        draft.warn_row("radicular-step-ruled-out")
        return None
    start = 100 if any(r.id == "gabapentin-start-low" for r in matching) else 300
    plan = build_gabapentin_plan(
        band, facts.renal.crcl_ml_min, target_daily_mg=target, start_mg=start
    )
    for rule in matching:
        if rule.action is not Action.avoid:
            draft.warn(rule.id, rule.severity, rule.message, rule.source, (rule.id,))
    draft.warn_row("gabapentin-guidelines-disagree")
    if not plan.steps:
        draft.warn_row("gabapentin-specialist", note=plan.note)
        return None
    per_dose = [s.doses[0] for s in plan.steps]
    draft.discharge.append(
        _gabapentin_order(
            min(per_dose),
            max(per_dose),
            24 / plan.doses_per_day,
            plan.steps[-1].total_daily_mg,
            plan.start_mg,
            plan.max_daily_mg,
        )
    )
    return plan


@lru_cache(maxsize=1024)
def _gabapentin_order(
    low_mg: float,
    top_mg: float,
    every_hours: float,
    reached_daily_mg: float,
    start_mg: float,
    renal_max_daily_mg: float,
) -> Order:
    """The take-home gabapentin order for a titration (frozen, so each is built once)."""
    return Order(
        generic="gabapentin",
        dose_mg_low=low_mg,
        dose_mg=top_mg,
        route=Route.po,
        every_hours=every_hours,
        max_daily_mg=reached_daily_mg,
        days=None,
        prn=False,
        note=(
            f"Titrate by the day-by-day table: start {start_mg:g} mg on day 1, up to "
            f"{reached_daily_mg:g} mg/day (renal maximum {renal_max_daily_mg:g} mg/day). "
            "Taper over at least a week when stopping."
        ),
        evidence=("gabapentinoids-sciatica", "renal-dosing"),
    )


# ---- Figures --------------------------------------------------------------------------


def _discharge_mme(orders: Iterable[Order]) -> float | None:
    """MME/day of the take-home opioids at their top dose (CDC 2022 factors, oral doses)."""
    total = None
    for order in orders:
        if not order.is_opioid or order.every_hours is None or order.route is not Route.po:
            continue
        key = mme_key(order.generic, order.formulation, DoseUnit.mg)
        if key is None:
            continue
        doses_per_day = 24 / order.every_hours
        if order.max_daily_mg is not None:
            doses_per_day = min(doses_per_day, order.max_daily_mg / order.dose_mg)
        total = (total or 0.0) + daily_mme(key, order.dose_mg, doses_per_day)
    return total


def _mme_warnings(draft: _Draft, mme: float | None) -> None:
    if mme is None:
        return
    if mme >= MME_DANGER:
        draft.warn_row("mme-90", mme=mme)
    elif mme >= MME_CAUTION:
        draft.warn_row("mme-50", mme=mme)


def _naloxone_reasons(
    case: PatientCase, draft: _Draft, mme: float | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """CDC 2022 rec 8 triggers, as (reasons, their row ids in the same order). Use disorder,
    prior overdose, tolerance and MOUD count even without a new opioid; the others once an
    opioid is on board (home or this plan). Each reason is a naloxone-* row of
    logic.engine.rules.STEP_RULES, filled with this patient's values."""
    facts = draft.facts
    meds = facts.meds
    found: dict[str, str] = {}  # reason -> the row that gave it, first one kept

    def add(rule_id: str, **values: object) -> None:
        found.setdefault(step_text(rule_id, **values), rule_id)

    if case.prior_overdose:
        add("naloxone-prior-overdose")
    if facts.has(Condition.opioid_use_disorder) and not meds.moud:  # else MOUD says it below
        add("naloxone-opioid-use-disorder")
    if facts.has(Condition.substance_use_disorder):
        iv = " (intravenous drug use)" if facts.has(RedFlag.iv_drug_use) else ""
        add("naloxone-substance-use-disorder", iv=iv)
    if meds.moud:
        add("naloxone-moud", names=" and ".join(meds.moud))
    if facts.has(Condition.opioid_tolerant):
        add("naloxone-opioid-tolerant")
    patches = med_checks.undosed_patches(case) if meds.home_opioids else ()
    if patches:
        add("naloxone-patch-dose-unknown", names=join_names(patches))
    uncounted = {h.drug for h in meds.home_opioids if h.mme is None and h.drug != "buprenorphine"}
    if meds.home_opioid_uncounted and not uncounted <= set(patches):  # else the patch says it
        add("naloxone-home-opioid-uncounted")
    opioid_orders = [o for o in (*draft.give_now, *draft.discharge) if o.is_opioid]
    if opioid_orders or meds.home_opioids:
        if mme is not None and mme >= MME_CAUTION:
            add("naloxone-mme-50", mme=mme)
        if facts.has(Condition.benzodiazepine_use):
            add("naloxone-benzodiazepine")
        if facts.has(Condition.sleep_apnea):
            add("naloxone-sleep-apnea")
        if facts.has(Condition.copd):
            add("naloxone-copd")
        sedating = facts.sedating_regular
        if sedating:
            kind = "a CNS depressant" if len(sedating) == 1 else "CNS depressants"
            add("naloxone-cns-depressant", names=join_names(sedating), kind=kind)
        take_home_opioid = any(o.is_opioid for o in draft.discharge)
        if take_home_opioid and any(o.generic == "gabapentin" for o in draft.discharge):
            add("naloxone-opioid-gabapentin")
    return tuple(found), tuple(found.values())


def _total_mme(home: float | None, plan: float | None) -> float | None:
    """Home opioids plus the plan's take-home opioid (CDC 2022: count every opioid)."""
    if home is None and plan is None:
        return None
    return (home or 0.0) + (plan or 0.0)


def _name_medicines(draft: _Draft) -> None:
    """The warnings of the rows in NAMED_MESSAGES name the patient's own medicines, once the
    orders are settled (a row's warning is rewritten only if the plan holds it)."""
    named = draft.mask & NAMED_MASK
    if not named:
        return
    facts = draft.facts
    for i in positions(named):
        rule = RULES[i]
        if rule.id in draft.warnings:
            message = NAMED_MESSAGES[rule.id](facts)
            draft.warnings[rule.id] = _warning(
                rule.id, rule.severity, message, rule.source, (rule.id,)
            )


def _medicine_warnings(draft: _Draft, meds: MedicineFacts) -> None:
    """Warnings that name the medicines entered (the rule rows carry the general message)."""
    patches = med_checks.undosed_patches(draft.facts.case) if meds.home_opioids else ()
    for home in meds.home_opioids:
        if home.mme is None and home.drug not in patches:  # an undosed patch: its own warning
            draft.warn_row(
                "home-mme-not-counted",
                f"home-mme-{home.drug}",
                drug=home.drug,
                why=home.why_not_counted,
            )
    if meds.home_mme is not None:
        parts = ", ".join(f"{h.drug} {h.mme:.0f}" for h in meds.home_opioids if h.mme is not None)
        draft.warn_row("home-mme", mme=meds.home_mme, parts=parts)
    unsafe = unsafe_home_opioids(draft.facts) if meds.home_opioids else ()
    if meds.long_acting_home:
        flagged = [g for g in meds.long_acting_home if g in unsafe]
        keep = (
            f"{', '.join(flagged)} is flagged as unsafe for this patient above: review it with "
            "the prescriber, do not simply continue it"
            if flagged
            else "continue it unchanged"
        )
        draft.warn_row("home-long-acting", names=", ".join(meds.long_acting_home), keep=keep)


#: The source for a duplicate of an ingredient held in a combination product.
_COMBINATION_SOURCES = {"acetaminophen": ACETAMINOPHEN_COMBINATION_SOURCE}


def _duplicate_of(meds: MedicineFacts, generic: str) -> str | None:
    """The current medicine a new order of `generic` would duplicate (same drug or class)."""
    if generic in meds.current:
        return generic
    cls = drug_class(generic)
    if cls in DUPLICATE_CLASSES and cls in meds.current_classes:
        same = sorted(g for g in meds.current if drug_class(g) is cls)
        return f"{' and '.join(same)} (same class: {cls.value})"
    return None


def _failed_at(meds: MedicineFacts, generic: str, dose_mg: float, route: Route) -> str | None:
    """How the drug failed this episode at the same or a higher dose by the same route, if it
    did ('10 mg PO, minimal relief'); a failed dose that was not recorded counts as failed."""
    for failed in meds.failed:
        if failed.drug != generic:
            continue
        if failed.route is not None and failed.route is not route:
            continue
        if failed.dose_mg is None:
            return "dose not recorded"
        if failed.dose_mg >= dose_mg:
            return f"{failed.dose_mg:g} mg {route.value.upper()}"
    return None


def _gabapentin_failed_at_target(meds: MedicineFacts, target_daily_mg: float) -> bool:
    """Gabapentin failed as a real trial (more than one dose, at least the 1200 mg/day the
    review calls a working dose: NeuPSIG) at or above the daily total the plan would reach."""
    return any(
        f.drug == "gabapentin"
        and f.dose_mg is not None
        and f.doses_given > 1
        and f.dose_mg * f.doses_given >= max(target_daily_mg, GABAPENTIN_EFFECTIVE_LOW_MG_DAY)
        for f in meds.failed
    )


def _caps(matching: list[Rule], weight_kg: float) -> tuple[float | None, float | None]:
    """The strictest per-dose and daily ceilings of the cap rules (fixed or per kg), rounded
    down to a measurable amount; None where no rule sets one."""
    per_dose: list[float] = []
    per_day: list[float] = []
    for r in matching:
        if r.max_dose_mg is not None:
            per_dose.append(r.max_dose_mg)
        if r.mg_per_kg_dose is not None:
            per_dose.append(r.mg_per_kg_dose * weight_kg)
        if r.max_daily_mg is not None:
            per_day.append(r.max_daily_mg)
        if r.mg_per_kg_day is not None:
            per_day.append(r.mg_per_kg_day * weight_kg)
    return (
        _round_down(min(per_dose)) if per_dose else None,
        _round_down(min(per_day)) if per_day else None,
    )


def _round_down(mg: float) -> float:
    """Down to a measurable amount: whole 25 mg above 100 mg, whole mg below (never up)."""
    step = 25 if mg >= 100 else 1
    return max(step, (mg // step) * step) if mg >= 1 else mg


def _nsaids_withheld(draft: _Draft) -> bool:
    return bool(draft.mask & _AVOID_NSAID_MASK)


# ---- Advice -----------------------------------------------------------------------------
# Every point's wording is fixed; only which points a plan gets depends on the case. The points
# are built once here (they are frozen models, so plans can share them) rather than per plan.

_NON_DRUG: tuple[Point, ...] = (
    Point(
        title="Stay active",
        text="Keep up normal activities as far as the pain allows; bed rest slows recovery.",
        evidence=("non-drug-care",),
    ),
    Point(
        title="Heat",
        text="A heat wrap or pad eases acute back pain for the first days.",
        evidence=("non-drug-care",),
    ),
    Point(
        title="Exercise and manual therapy",
        text="Physiotherapy-led exercise; spinal manipulation is an option within an "
        "exercise programme.",
        evidence=("non-drug-care",),
    ),
)
_NON_DRUG_RADICULAR: tuple[Point, ...] = (
    *_NON_DRUG,
    Point(
        title="Sciatica",
        text="Most radicular pain settles over weeks; staying active helps less than in "
        "back pain alone, but rest in bed still does not help.",
        evidence=("non-drug-care",),
    ),
)


def _non_drug(case: PatientCase) -> tuple[Point, ...]:
    return _NON_DRUG_RADICULAR if case.radicular else _NON_DRUG


_SAFETY_OPIOID: tuple[Point, ...] = (
    Point(
        title="Opioid risks",
        text="Explain drowsiness, slowed breathing, nausea and the risk of dependence. No "
        "alcohol, sleeping tablets or driving while taking it. Store it locked away and "
        "return leftovers to a pharmacy.",
        evidence=("opioid-safety",),
    ),
    Point(
        title="Check the PDMP",
        text="Check the prescription drug monitoring programme before prescribing.",
        evidence=("opioid-safety",),
    ),
)
_SAFETY_CONSTIPATION = Point(
    title="Constipation",
    text="Take the laxative (senna) every night while on the opioid.",
    evidence=("opioid-safety",),
)
_SAFETY_GABAPENTIN = Point(
    title="Gabapentin",
    text="Dizziness, sleepiness and ankle swelling are common; do not drive until you "
    "know how it affects you, and do not stop it suddenly.",
    evidence=("gabapentinoids-sciatica",),
)
_SAFETY_OPIOID_WITH_GABAPENTIN = Point(
    title="Opioid with gabapentin",
    text="Together they add sedation and can slow breathing (FDA 2019): use the lowest "
    "doses and warn the patient and family what to watch for.",
    evidence=("gabapentinoids-sciatica", "opioid-safety"),
)
_SAFETY_NALOXONE = Point(
    title="Naloxone",
    text="Prescribe naloxone and show the household how to use it.",
    evidence=("opioid-safety",),
)
_SAFETY_NALOXONE_AT_HOME = Point(
    title="Naloxone at home",
    text="The patient already has naloxone: check that it is in date and that the household "
    "knows where it is kept and how to use it (CDC 2022 rec 8).",
    evidence=("opioid-safety",),
)
_SAFETY_NSAID = Point(
    title="NSAID",
    text="Take with food; stop and return for black stools, vomiting blood or "
    "stomach pain. No other anti-inflammatories (ibuprofen, aspirin) at the same time.",
    evidence=("nsaids-ketorolac",),
)
_SAFETY_AMITRIPTYLINE = Point(
    title="Amitriptyline",
    text="Take at night; expect a dry mouth and drowsiness. It is dangerous in "
    "overdose, so prescribe small quantities.",
    evidence=("antidepressants",),
)
_SAFETY_COME_BACK = Point(
    title="Come back at once if",
    text="numbness between the legs, trouble passing urine or loss of bladder or bowel "
    "control, new leg weakness, fever, or pain that becomes unbearable.",
    evidence=("red-flags-imaging",),
)


def _safety(
    case: PatientCase,
    draft: _Draft,
    gabapentin: GabapentinPlan | None,
    naloxone: bool,
    naloxone_at_home: bool = False,
) -> tuple[Point, ...]:
    orders = (*draft.give_now, *draft.discharge)
    opioid = any(o.is_opioid for o in orders)
    points: list[Point] = []
    if opioid:
        points += _SAFETY_OPIOID
    if any(o.generic == "oxycodone" for o in draft.discharge):
        points.append(_SAFETY_CONSTIPATION)
    if gabapentin is not None:
        points.append(_SAFETY_GABAPENTIN)
    if gabapentin is not None and opioid:
        points.append(_SAFETY_OPIOID_WITH_GABAPENTIN)
    if naloxone:
        points.append(_SAFETY_NALOXONE_AT_HOME if naloxone_at_home else _SAFETY_NALOXONE)
    if any(o.drug_class is DrugClass.nsaid for o in orders):
        points.append(_SAFETY_NSAID)
    if any(o.generic == "amitriptyline" for o in orders):
        points.append(_SAFETY_AMITRIPTYLINE)
    points.append(_SAFETY_COME_BACK)
    return tuple(points)


#: Common pitfalls in refractory back pain. The steroid/relaxant one is built per case from
#: what was actually tried (see _pitfalls).
_PITFALLS: tuple[Point, ...] = (
    Point(
        title="Gabapentin for non-radicular pain",
        text="Gabapentinoids only have a case in radicular pain; in axial back pain they add "
        "side effects and nothing else.",
        evidence=("gabapentinoids-sciatica",),
    ),
    Point(
        title="Judging gabapentin on one dose",
        text="A single ED dose is subtherapeutic. If it is used for radicular pain, titrate "
        "it to 1200-1800 mg/day (within the renal limit) before calling it a failure.",
        evidence=("gabapentinoids-sciatica", "renal-dosing"),
    ),
    Point(
        # A common escalation is "controlled or extended-release opioid therapy"; CDC 2022
        # rec 3 says immediate-release only for acute pain; OPAL 2023 found no benefit.
        title="An opioid as the default next step",
        text="An opioid is a shared decision, not the next step: a short course was no better "
        "than placebo for acute low back pain (OPAL 2023). If one is chosen, use an "
        "immediate-release one at the lowest dose for 3 days at most; never an extended-release "
        "opioid for acute pain. Pain that will not settle is a reason to re-check the red flags "
        "first.",
        evidence=("opioids-acute-pain",),
    ),
    Point(
        title="Mixing up IV and oral doses",
        text="Hydromorphone 2-4 mg is an oral dose; the IV starting dose is 0.2-1 mg.",
        evidence=("opioids-acute-pain",),
    ),
)


def _pitfalls(tried: frozenset[DrugClass]) -> tuple[Point, ...]:
    """The common pitfalls, plus "repeating what failed" naming the classes actually tried."""
    return _pitfalls_for(DrugClass.corticosteroid in tried, DrugClass.muscle_relaxant in tried)


@lru_cache(maxsize=4)
def _pitfalls_for(steroid_tried: bool, relaxant_tried: bool) -> tuple[Point, ...]:
    repeated = [
        name
        for tried, name in (
            (steroid_tried, "systemic steroids"),
            (relaxant_tried, "a muscle relaxant"),
        )
        if tried
    ]
    if not repeated:
        return _PITFALLS
    evidence = tuple(
        e
        for tried, e in (
            (steroid_tried, "systemic-corticosteroids"),
            (relaxant_tried, "muscle-relaxants"),
        )
        if tried
    )
    point = Point(
        title="Repeating what failed",
        text=f"{' and '.join(repeated).capitalize()} already failed for this episode; another "
        "dose of the same class adds harm, not relief.",
        evidence=evidence,
    )
    return (*_PITFALLS[:2], point, *_PITFALLS[2:])


_FOLLOW_UP_EMERGENCY: tuple[Point, ...] = (
    Point(
        title="Now",
        text="Admit or transfer under the spine (or vascular) team; no discharge "
        "until the emergency cause is excluded.",
        evidence=("red-flags-imaging",),
    ),
)
_FOLLOW_UP_RECHECK_RADICULAR = Point(
    title="Before discharge: re-check for radicular features",
    text="Leg pain below the knee, dermatomal numbness, weakness or a positive "
    "straight-leg raise make this radicular pain, which changes the plan (gabapentin "
    "titration, earlier spine referral). Re-enter the case if they are present.",
    evidence=("gabapentinoids-sciatica", "red-flags-imaging"),
)
_FOLLOW_UP_REVIEW = Point(
    title="Review in 3-5 days",
    text="Primary care or clinic review of pain, function and side effects; no opioid "
    "refill without this review.",
    evidence=("opioids-acute-pain",),
)
_FOLLOW_UP_GABAPENTIN = Point(
    title="Gabapentin",
    text="Check the titration is tolerated at the review; recheck creatinine if "
    "kidney function may change.",
    evidence=("renal-dosing",),
)
_FOLLOW_UP_SCIATICA = Point(
    title="Persistent or severe sciatica",
    text="Refer to a spine service: early if the leg pain is severe and disabling "
    "(NICE allows an epidural injection for acute severe sciatica), and by 4-6 weeks "
    "if it is not settling. MRI only if injection or surgery is being considered.",
    evidence=("epidural-steroids-referral", "red-flags-imaging"),
)
_FOLLOW_UP_NOT_SETTLING = Point(
    title="Not settling by 4-6 weeks",
    text="Re-examine for red flags, refer to physiotherapy or a pain/spine service. "
    "Spinal injections are not for back pain without sciatica.",
    evidence=("epidural-steroids-referral", "non-drug-care"),
)
_FOLLOW_UP_RETURN = Point(
    title="Return precautions",
    text="Come back the same day for any bladder, bowel or saddle symptom, new weakness or fever.",
    evidence=("red-flags-imaging",),
)


def _follow_up(
    case: PatientCase, level: TriageLevel, draft: _Draft, gabapentin: GabapentinPlan | None
) -> tuple[Point, ...]:
    if level is TriageLevel.emergency:
        return _FOLLOW_UP_EMERGENCY
    points = []
    if not case.radicular:
        points.append(_FOLLOW_UP_RECHECK_RADICULAR)
    points.append(_FOLLOW_UP_REVIEW)
    if gabapentin is not None:
        points.append(_FOLLOW_UP_GABAPENTIN)
    points.append(_FOLLOW_UP_SCIATICA if case.radicular else _FOLLOW_UP_NOT_SETTLING)
    points.append(_FOLLOW_UP_RETURN)
    return tuple(points)


# ---- Departures from common practice --------------------------------------------------------
# Each departure is fixed text; which ones a plan lists depends only on this case.

_DEP_OPIOID_NEXT = Departure(
    common_practice="A short-acting opioid as the next step when first-line drugs fail",
    this_plan="Non-opioid care first; an opioid rescue dose only as a shared decision, at the "
    "lowest dose, with its benefit and harm stated",
    why="A short opioid course was no better than placebo for acute low back pain at 6 weeks "
    "and about doubled misuse risk at one year",
    source="OPAL (Jones et al., Lancet 2023); CDC 2022 recs 1 and 4; ACEP 2020",
)
_DEP_TAKE_HOME_NONE = Departure(
    common_practice="A 3-5 day take-home opioid course for severe pain",
    this_plan="No take-home opioid unless clinician and patient choose one; then immediate "
    "release, lowest dose, 3 days at most, with bowel care",
    why="No benefit shown over placebo, more harm; when used, no more than needed",
    source="OPAL (Jones 2023); CDC 2022 recs 3, 4 and 6",
)
_DEP_TAKE_HOME_CHOSEN = Departure(
    common_practice="Oxycodone 5-10 mg every 4-6 h for 3-5 days (up to 90 MME/day)",
    this_plan="The chosen course: 5 mg every 6 h as needed for 3 days (30 MME/day), reduced "
    "for risk groups, with senna",
    why="Lowest effective dose for no longer than needed; 90 MME/day is above the 50 MME "
    "caution point",
    source="CDC 2022 recs 4 and 6; oxycodone IR label",
)
_DEP_CHRONIC = Departure(
    common_practice="An opioid for back pain that has not settled after months",
    this_plan="No new opioid for pain lasting more than 12 weeks, even if asked for",
    why="Opioids are not advised for chronic low back pain and are not first-line for chronic pain",
    source="NICE NG59; CDC 2022 rec 2; WHO 2023",
)
_DEP_ER = Departure(
    common_practice="Controlled- or extended-release opioid therapy when pain persists",
    this_plan="Immediate release only; extended-release and long-acting opioids are on the "
    "avoid list",
    why="Long-acting opioids for acute pain raise overdose risk without added benefit",
    source="CDC 2022 rec 3",
)
_DEP_HYDROMORPHONE = Departure(
    common_practice="Hydromorphone 2-4 mg PO/IV",
    this_plan="IV 0.5-1 mg (0.2-0.5 mg when older, renal, hepatic or co-sedated), as an option",
    why="2-4 mg is an oral dose; the label's initial IV dose is 0.2-1 mg",
    source="Hydromorphone injection label; Chang 2013",
)
_DEP_AMITRIPTYLINE_NONE = Departure(
    common_practice="Amitriptyline 10-25 mg, rising to 75-100 mg, added for everyone",
    this_plan="No amitriptyline now",
    why="NICE advises against tricyclics for low back pain; the best trial found no effect on pain",
    source="NICE NG59; Urquhart 2018",
)
_DEP_AMITRIPTYLINE_CAPPED = Departure(
    common_practice="Amitriptyline 10-25 mg, rising to 75-100 mg",
    this_plan="Only for radicular pain lasting 4+ weeks, at most 25 mg at night",
    why="No pain benefit in the best trial at 25 mg; higher doses need specialist input",
    source="Urquhart 2018; NICE CG173 (non-specialist maximum 75 mg)",
)
_DEP_ONE_SEDATIVE = Departure(
    common_practice="Starting an opioid, gabapentin and a tricyclic together",
    this_plan="One new sedating drug at a time; the others are named for the review",
    why="Together they add sedation and respiratory depression (opioid with gabapentin: "
    "higher opioid-related death)",
    source="FDA 2019 (gabapentinoids); Gomes 2017; AGS Beers 2023; NICE CG173",
)
_DEP_GABAPENTIN_ONE_DOSE = Departure(
    common_practice="Gabapentin judged a failure after one dose",
    this_plan="A single dose is not a trial: if used for radicular pain, titrate it within the "
    "renal limit",
    why="Any benefit needs 1200 mg/day or more, reached over days to weeks",
    source="Neurontin label; NeuPSIG (Finnerup 2015)",
)
_DEP_GABAPENTIN_AXIAL = Departure(
    common_practice="Gabapentin for back pain without radicular features",
    this_plan="Not used",
    why="No benefit in axial back pain, only dizziness and sedation",
    source="Enke 2018; NICE NG59",
)
_DEP_STEROIDS = Departure(
    common_practice="Another course of systemic steroids",
    this_plan="No more systemic steroids",
    why="No better than placebo without sciatica; in sciatica about half a point on a "
    "10-point scale for a few weeks (the AAPM 2025 draft still allows them there)",
    source="Cochrane 2022 (Chou et al.); ACP 2017; NICE NG59",
)


def _departures(case: PatientCase, draft: _Draft, emergency: bool) -> tuple[Departure, ...]:
    """Where this plan departs from common practice, for this case only."""
    severe = case.pain_score >= SEVERE_PAIN_SCORE
    chronic = draft.facts.chronic and not emergency
    drugs = {o.generic for o in (*draft.give_now, *draft.discharge)}
    home_opioid = any(o.is_opioid for o in draft.discharge)
    tried = draft.facts.meds.tried_classes
    out: list[Departure] = []
    if severe and chronic:
        out.append(_DEP_CHRONIC)
    elif severe:
        out.append(_DEP_OPIOID_NEXT)
        if not emergency:
            out.append(_DEP_TAKE_HOME_CHOSEN if home_opioid else _DEP_TAKE_HOME_NONE)
        out.append(_DEP_ER)
        if "hydromorphone" in drugs:
            out.append(_DEP_HYDROMORPHONE)
    if emergency:
        return tuple(out)
    if any(w.code.startswith("one-sedative-at-a-time") for w in draft.warnings.values()):
        out.append(_DEP_ONE_SEDATIVE)
    if "amitriptyline" in drugs:
        out.append(_DEP_AMITRIPTYLINE_CAPPED)
    else:
        out.append(_DEP_AMITRIPTYLINE_NONE)
    if DrugClass.gabapentinoid in tried:
        out.append(_DEP_GABAPENTIN_ONE_DOSE if case.radicular else _DEP_GABAPENTIN_AXIAL)
    if case.radicular or DrugClass.corticosteroid in tried:
        out.append(_DEP_STEROIDS)
    return tuple(out)


# ---- Helpers ----------------------------------------------------------------------------


_SEVERITY_RANK = {Severity.danger: 0, Severity.caution: 1, Severity.info: 2}


def _severity_order(w: Warning) -> int:
    return _SEVERITY_RANK[w.severity]


#: The plan's fields whose items cite evidence.
_EVIDENCE_GROUPS = (
    "tried_review",
    "give_now",
    "discharge",
    "avoid",
    "non_drug",
    "safety",
    "pitfalls",
    "follow_up",
)


_EVIDENCE_OF = attrgetter("evidence")


def _evidence_ids(fields: dict[str, Any]) -> tuple[str, ...]:
    """Every evidence id the plan's parts cite (from the fields `TreatmentPlan` is built from)."""
    ids: set[str] = set(fields["triage"].evidence)
    ids.update(*map(_EVIDENCE_OF, chain.from_iterable([fields[name] for name in _EVIDENCE_GROUPS])))
    if fields["gabapentin"] is not None:
        ids.add("renal-dosing")
    return tuple(sorted(ids))
