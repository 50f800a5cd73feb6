"""Assemble the treatment plan: triage, renal function, review, orders, safety, follow-up.

`build_plan` is a pure function of the case. It proposes the reference answer's candidate
orders, lets the rule table (logic.rules) withhold, reduce or cap each one for this patient,
then resolves the interactions that only show up between orders (tramadol with an
antidepressant; an older adult's opioid with gabapentin) and says why anything was left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from logic.catalogue import DrugClass, drug_class
from logic.gabapentin import build_gabapentin_plan, renal_equivalent_target
from logic.models import (
    Avoid,
    Condition,
    GabapentinPlan,
    Order,
    PatientCase,
    Point,
    Route,
    Severity,
    TreatmentPlan,
    TriageLevel,
    Warning,
)
from logic.opioids import daily_mme
from logic.regimens import REGIMENS, Regimen
from logic.renal import RenalBand, assess_renal
from logic.review import review_tried
from logic.rules import TARGET_LABELS, Action, Facts, Rule, applies, fired
from logic.triage import triage

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
    }
)

#: NRS 7-10 is severe pain (Serlin RC et al., Pain 1995;61:277-84). CDC 2022 rec 1 and 6 keep
#: opioids for pain severe enough to need them, so they are offered only from this score.
SEVERE_PAIN_SCORE = 7
#: CDC 2022: at >= 50 MME/day pause, add precautions and offer naloxone; the 2016 guideline's
#: 90 MME/day "avoid or justify" point is kept as a danger threshold.
MME_CAUTION = 50
MME_DANGER = 90
#: CDC 2022 pain duration categories: acute < 1 month (4 weeks), chronic > 3 months (12 weeks).
SUBACUTE_WEEKS = 4
CHRONIC_WEEKS = 12
#: Gabapentin titration target: the label found no added benefit above 1800 mg/day (PHN).
GABAPENTIN_TARGET_MG = 1800

RESCUE_CHOICE = "Rescue analgesia: choose one"

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
}
_VARIANT_ORDER = ("hepatic", "reduced")


@dataclass
class _Draft:
    """Mutable scratch space while the plan is assembled; frozen into TreatmentPlan at the end."""

    facts: Facts
    rules: tuple[Rule, ...]
    give_now: list[Order] = field(default_factory=list)
    discharge: list[Order] = field(default_factory=list)
    avoid: dict[str, Avoid] = field(default_factory=dict)
    warnings: dict[str, Warning] = field(default_factory=dict)

    def withhold(self, drug: str, reason: str, evidence: Iterable[str] = ()) -> None:
        prior = self.avoid.get(drug)
        if prior is None:
            self.avoid[drug] = Avoid(drug=drug, reason=reason, evidence=tuple(evidence))
        elif reason not in prior.reason:
            self.avoid[drug] = Avoid(
                drug=drug,
                reason=f"{prior.reason} {reason}",
                evidence=tuple(dict.fromkeys((*prior.evidence, *evidence))),
            )

    def warn(self, code: str, severity: Severity, message: str, source: str = "") -> None:
        self.warnings.setdefault(
            code, Warning(code=code, severity=severity, message=message, source=source)
        )

    def propose(
        self, step: str, family: str, key: str, *, choice: str | None = None, note: str = ""
    ) -> bool:
        """Add a candidate order after the rules have had their say; True if it was kept."""
        tags = _TAGS[family]
        matching = [r for r in self.rules if applies(r, step, tags)]
        if any(r.action is Action.avoid for r in matching):
            return False
        variants = {r.variant for r in matching if r.action is Action.reduce}
        base = REGIMENS[key]
        chosen = next(
            (
                REGIMENS[f"{key}_{v}"]
                for v in _VARIANT_ORDER
                if v in variants and f"{key}_{v}" in REGIMENS
            ),
            base,
        )
        if variants and chosen is base:
            chosen = REGIMENS.get(f"{key}_reduced", base)
        notes = [note or chosen.note] + [r.message for r in matching if r.action is Action.cap]
        for rule in matching:
            if rule.action in (Action.reduce, Action.cap, Action.warn):
                self.warn(rule.id, rule.severity, rule.message, rule.source)
        order = chosen.order(choice=choice, note=" ".join(notes))
        ceilings = [r.max_daily_mg for r in matching if r.max_daily_mg is not None]
        if ceilings and order.max_daily_mg is not None:
            order = order.model_copy(update={"max_daily_mg": min(order.max_daily_mg, *ceilings)})
        (self.give_now if step == "now" else self.discharge).append(order)
        return True

    def add(self, step: str, regimen: Regimen, note: str | None = None) -> None:
        """Add an order that no rule can withhold (bowel care, gastroprotection, naloxone)."""
        (self.give_now if step == "now" else self.discharge).append(regimen.order(note=note))


def build_plan(case: PatientCase) -> TreatmentPlan:
    """The complete, patient-specific plan for a validated case. Deterministic and pure."""
    tri = triage(case)
    renal = assess_renal(case)
    facts = Facts(case=case, renal=renal)
    rules = fired(facts)
    draft = _Draft(facts=facts, rules=rules)
    for rule in rules:
        if rule.action is Action.avoid:
            draft.withhold(
                TARGET_LABELS[rule.target], f"{rule.message} ({rule.source})", rule.evidence
            )
    emergency = tri.level is TriageLevel.emergency

    discharge_antidepressant = None if emergency else _antidepressant_candidate(draft)
    _give_now(draft, emergency, discharge_antidepressant)
    gabapentin = None
    if not emergency:
        gabapentin = _discharge(draft, discharge_antidepressant)
    else:
        draft.warn(
            "emergency-no-discharge",
            Severity.danger,
            "Emergency red flag: no discharge plan. Analgesia only while imaging and the "
            "specialist are arranged.",
            "GIRFT suspected cauda equina pathway; ACP/APS 2007",
        )
    if tri.level is TriageLevel.urgent:
        draft.warn(
            "red-flag-workup",
            Severity.danger,
            "Red flag present: finish the work-up in the triage box before this patient goes "
            "home; the discharge plan below assumes it is negative.",
            "ACP/APS 2007; AHCPR 1994",
        )

    mme = _discharge_mme(draft.discharge)
    _mme_warnings(draft, mme)
    naloxone_reasons = _naloxone_reasons(case, draft, mme)
    if naloxone_reasons and not emergency:
        draft.add("discharge", REGIMENS["naloxone_in"])
    if case.pain_duration_weeks >= SUBACUTE_WEEKS and tri.level is TriageLevel.routine:
        draft.warn(
            "not-improving",
            Severity.caution,
            f"Pain for {case.pain_duration_weeks:g} weeks without improvement: failure to "
            "improve after about a month is itself a red flag. Re-examine and reconsider the "
            "diagnosis before escalating drugs.",
            "ACP/APS 2007 (Chou et al.)",
        )
    if renal.method.startswith("assumed"):
        draft.warn(
            "renal-assumed",
            Severity.caution,
            renal.note or renal.method,
            "Cockcroft & Gault 1976; Neurontin label",
        )

    fields = {
        "triage": tri,
        "renal": renal,
        "tried_review": review_tried(case),
        "give_now": tuple(draft.give_now),
        "discharge": tuple(draft.discharge),
        "non_drug": () if emergency else _non_drug(case),
        "avoid": tuple(draft.avoid.values()),
        "warnings": tuple(sorted(draft.warnings.values(), key=_severity_order)),
        "gabapentin": gabapentin,
        "mme_per_day": mme,
        "naloxone": bool(naloxone_reasons),
        "naloxone_reasons": naloxone_reasons,
        "safety": _safety(case, draft, gabapentin, bool(naloxone_reasons)),
        "pitfalls": _PITFALLS,
        "follow_up": _follow_up(case, tri.level, draft, gabapentin),
    }
    return TreatmentPlan(**fields, evidence_ids=_evidence_ids(fields))


# ---- Steps ------------------------------------------------------------------------------


def _give_now(draft: _Draft, emergency: bool, antidepressant: str | None) -> None:
    """ED (or clinic) step: a short-acting rescue opioid when pain is severe, plus an NSAID."""
    case = draft.facts.case
    severe = case.pain_score >= SEVERE_PAIN_SCORE
    tried_classes = {drug_class(t.drug) for t in case.tried}
    rescue_kept = 0
    if severe:
        rescue_kept += draft.propose("now", "oxycodone", "oxycodone_po_now", choice=RESCUE_CHOICE)
        if case.setting == "ed":
            rescue_kept += draft.propose(
                "now", "hydromorphone", "hydromorphone_iv_now", choice=RESCUE_CHOICE
            )
        if antidepressant is not None:
            # Tramadol with amitriptyline or duloxetine lowers the seizure threshold and risks
            # serotonin toxicity (tramadol label); the plan keeps the longer-term drug.
            draft.withhold(
                "Tramadol",
                f"Left out because the discharge plan starts {antidepressant}: together they "
                "lower the seizure threshold and risk serotonin syndrome (tramadol label).",
                ("tramadol", "antidepressants"),
            )
        else:
            rescue_kept += draft.propose("now", "tramadol", "tramadol_po_now", choice=RESCUE_CHOICE)
        if not rescue_kept:
            _acetaminophen_now(
                draft,
                "Non-opioid step because every opioid option is ruled out; modest effect on "
                "its own (PACE trial).",
            )
            draft.warn(
                "rescue-ruled-out",
                Severity.danger,
                "Every opioid rescue option is ruled out for this patient (see Avoid). Use the "
                "non-opioid step, heat and positioning, and ask for help: acute pain service, "
                "addiction medicine if there is a use disorder, or the spine team.",
                "CDC 2022 recs 1 and 12",
            )
    if emergency:
        return
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
        draft.warn(
            "no-opioid-needed",
            Severity.info,
            f"Pain score {case.pain_score}/10: below the severe range, so no opioid is offered.",
            "CDC 2022 rec 1; Serlin 1995 (NRS 7-10 severe)",
        )


def _acetaminophen_now(draft: _Draft, note: str = "") -> None:
    """One acetaminophen dose now, unless it was already tried or is already ordered."""
    tried = any(drug_class(t.drug) is DrugClass.acetaminophen for t in draft.facts.case.tried)
    if not tried and not any(o.drug == "acetaminophen" for o in draft.give_now):
        draft.propose("now", "acetaminophen", "acetaminophen_po_now", note=note)


def _discharge(draft: _Draft, antidepressant: str | None) -> GabapentinPlan | None:
    """Take-home plan: NSAID (or acetaminophen), short IR opioid, gabapentin if radicular."""
    facts = draft.facts
    case = facts.case
    if draft.propose("discharge", "naproxen", "naproxen_po"):
        if any(r.action is Action.protect and "nsaid" in r.target for r in draft.rules):
            draft.add("discharge", REGIMENS["omeprazole_po"])
    else:
        draft.propose("discharge", "acetaminophen", "acetaminophen_po")
    severe = case.pain_score >= SEVERE_PAIN_SCORE
    if severe and draft.propose("discharge", "oxycodone", "oxycodone_po"):
        draft.add("discharge", REGIMENS["senna_po"])
    gabapentin = _gabapentin(draft) if case.radicular else None
    if antidepressant == "duloxetine":
        draft.propose("discharge", "duloxetine", "duloxetine_po")
    elif antidepressant == "amitriptyline":
        draft.propose("discharge", "amitriptyline", "amitriptyline_po")
    return gabapentin


def _antidepressant_candidate(draft: _Draft) -> str | None:
    """Which adjuvant the discharge plan will start, if any survives the rules.

    The reference answer adds amitriptyline for everyone. NICE NG59 advises against tricyclics
    for low back pain and Urquhart 2018 found no pain benefit, so the engine narrows it:
    duloxetine for chronic pain (ACP 2017 second line, > 12 weeks), amitriptyline only for
    radicular pain lasting a month or more (neuropathic pain: NICE CG173), otherwise nothing.
    """
    case = draft.facts.case
    if case.pain_duration_weeks >= CHRONIC_WEEKS:
        family = "duloxetine"
    elif case.radicular and case.pain_duration_weeks >= SUBACUTE_WEEKS:
        family = "amitriptyline"
    else:
        draft.warn(
            "no-antidepressant-yet",
            Severity.info,
            "No amitriptyline for now: the reference answer adds it, but NICE advises against "
            "tricyclics for low back pain and the best trial found no effect on pain. Reconsider "
            "at follow-up only if radicular pain persists past 4 weeks; for pain past 12 weeks "
            "duloxetine is ACP's second-line drug.",
            "NICE NG59; Urquhart 2018; ACP 2017; NICE CG173",
        )
        return None
    blocked = any(
        r.action is Action.avoid and applies(r, "discharge", _TAGS[family]) for r in draft.rules
    )
    return None if blocked else family


def _gabapentin(draft: _Draft) -> GabapentinPlan | None:
    facts = draft.facts
    tags = _TAGS["gabapentin"]
    matching = [r for r in draft.rules if applies(r, "discharge", tags)]
    if any(r.action is Action.avoid for r in matching):
        draft.warn(
            "radicular-step-ruled-out",
            Severity.caution,
            "Gabapentin is withheld for this patient, so the radicular step has no drug: "
            "treat with the analgesics above, non-drug care, and early spine referral if the "
            "leg pain is severe (NICE: consider an epidural injection for acute severe sciatica).",
            "NICE NG59",
        )
        return None
    start = 100 if any(r.id == "gabapentin-start-low" for r in matching) else 300
    band = RenalBand(facts.renal.band)
    target = renal_equivalent_target(band, facts.renal.crcl_ml_min, GABAPENTIN_TARGET_MG)
    plan = build_gabapentin_plan(
        band, facts.renal.crcl_ml_min, target_daily_mg=target, start_mg=start
    )
    for rule in matching:
        if rule.action is not Action.avoid:
            draft.warn(rule.id, rule.severity, rule.message, rule.source)
    draft.warn(
        "gabapentin-guidelines-disagree",
        Severity.info,
        "Guidelines disagree on gabapentin for sciatica: NICE advises against gabapentinoids "
        "and trials were mostly negative (PRECISE 2017, Enke 2018). If it is used, titrate it "
        "properly within the renal limit and stop it if it does not help within a few weeks.",
        "NICE NG59; Mathieson 2017; Enke 2018",
    )
    if not plan.steps:
        draft.warn("gabapentin-specialist", Severity.caution, plan.note, "Neurontin label")
        return None
    last = plan.steps[-1]
    per_dose = [s.doses[0] for s in plan.steps]
    draft.discharge.append(
        Order(
            drug="gabapentin",
            dose_mg_low=min(per_dose),
            dose_mg=max(per_dose),
            route=Route.po,
            every_hours=24 / plan.doses_per_day,
            max_daily_mg=last.total_daily_mg,
            days=None,
            prn=False,
            note=(
                f"Titrate by the day-by-day table: start {plan.start_mg:g} mg on day 1, up to "
                f"{last.total_daily_mg:g} mg/day (renal maximum {plan.max_daily_mg:g} mg/day). "
                "Taper over at least a week when stopping."
            ),
            evidence=("gabapentinoids-sciatica", "renal-dosing"),
        )
    )
    return plan


# ---- Figures --------------------------------------------------------------------------


_MME_DRUGS = {
    "oxycodone (immediate release)": "oxycodone",
    "hydromorphone": "hydromorphone",
    "tramadol": "tramadol",
}


def _discharge_mme(orders: Iterable[Order]) -> float | None:
    """MME/day of the take-home opioids at their top dose (CDC 2022 factors)."""
    total = None
    for order in orders:
        name = _MME_DRUGS.get(order.drug)
        if name is None or order.every_hours is None:
            continue
        doses_per_day = 24 / order.every_hours
        if order.max_daily_mg is not None:
            doses_per_day = min(doses_per_day, order.max_daily_mg / order.dose_mg)
        total = (total or 0.0) + daily_mme(name, order.dose_mg, doses_per_day)
    return total


def _mme_warnings(draft: _Draft, mme: float | None) -> None:
    if mme is None:
        return
    if mme >= MME_DANGER:
        draft.warn(
            "mme-90",
            Severity.danger,
            f"{mme:.0f} MME/day: at or above 90, avoid or justify carefully.",
            "CDC 2016 rec 5; CDC 2022 rec 4",
        )
    elif mme >= MME_CAUTION:
        draft.warn(
            "mme-50",
            Severity.caution,
            f"{mme:.0f} MME/day: at or above 50, reassess benefit and offer naloxone.",
            "CDC 2022 recs 4 and 8",
        )


def _naloxone_reasons(case: PatientCase, draft: _Draft, mme: float | None) -> tuple[str, ...]:
    """CDC 2022 rec 8 triggers. Use-disorder and tolerance count even without a new opioid."""
    reasons = []
    if draft.facts.has(Condition.opioid_use_disorder):
        reasons.append("opioid use disorder")
    if draft.facts.has(Condition.substance_use_disorder):
        reasons.append("substance use disorder")
    if draft.facts.has(Condition.opioid_tolerant):
        reasons.append("already taking opioids")
    opioid_orders = [o for o in (*draft.give_now, *draft.discharge) if _is_opioid(o)]
    if opioid_orders:
        if mme is not None and mme >= MME_CAUTION:
            reasons.append(f"{mme:.0f} MME/day (50 or more)")
        if draft.facts.has(Condition.benzodiazepine_use):
            reasons.append("takes a benzodiazepine")
        if draft.facts.has(Condition.sleep_apnea):
            reasons.append("sleep apnoea")
        if draft.facts.has(Condition.copd):
            reasons.append("COPD")
        take_home_opioid = any(_is_opioid(o) for o in draft.discharge)
        if take_home_opioid and any(o.drug == "gabapentin" for o in draft.discharge):
            # Gomes T et al., PLoS Med 2017: gabapentin with an opioid raised opioid-related
            # death by about half.
            reasons.append("opioid together with gabapentin")
    return tuple(reasons)


def _is_opioid(order: Order) -> bool:
    return order.drug in _MME_DRUGS


def _nsaids_withheld(draft: _Draft) -> bool:
    return any(r.action is Action.avoid and r.target == "nsaid" for r in draft.rules)


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
    case: PatientCase, draft: _Draft, gabapentin: GabapentinPlan | None, naloxone: bool
) -> tuple[Point, ...]:
    orders = (*draft.give_now, *draft.discharge)
    opioid = any(_is_opioid(o) for o in orders)
    points: list[Point] = []
    if opioid:
        points += _SAFETY_OPIOID
    if any(o.drug.startswith("oxycodone") for o in draft.discharge):
        points.append(_SAFETY_CONSTIPATION)
    if gabapentin is not None:
        points.append(_SAFETY_GABAPENTIN)
    if gabapentin is not None and opioid:
        points.append(_SAFETY_OPIOID_WITH_GABAPENTIN)
    if naloxone:
        points.append(_SAFETY_NALOXONE)
    if any(o.drug in ("naproxen", "ketorolac") for o in orders):
        points.append(_SAFETY_NSAID)
    if any(o.drug == "amitriptyline" for o in orders):
        points.append(_SAFETY_AMITRIPTYLINE)
    points.append(_SAFETY_COME_BACK)
    return tuple(points)


#: The reference answer's four pitfalls, the fourth corrected to follow CDC 2022.
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
        title="Repeating what failed",
        text="Steroids and muscle relaxants have already failed; another dose adds harm, "
        "not relief.",
        evidence=("systemic-corticosteroids", "muscle-relaxants"),
    ),
    Point(
        # The reference's pitfall #4 recommends "controlled or extended-release opioid
        # therapy"; CDC 2022 rec 3 says immediate-release only for acute pain.
        title="The wrong opioid, or an opioid without a second look",
        text="If an opioid is needed, use an immediate-release one at the lowest dose for a "
        "few days; never an extended-release opioid for acute pain. Pain that will not "
        "settle is a reason to re-check the red flags first.",
        evidence=("opioids-acute-pain",),
    ),
    Point(
        title="Mixing up IV and oral doses",
        text="Hydromorphone 2-4 mg is an oral dose; the IV starting dose is 0.2-1 mg.",
        evidence=("opioids-acute-pain",),
    ),
)

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


# ---- Helpers ----------------------------------------------------------------------------


def _severity_order(w: Warning) -> int:
    return {Severity.danger: 0, Severity.caution: 1, Severity.info: 2}[w.severity]


def _evidence_ids(fields: dict) -> tuple[str, ...]:
    """Every evidence id the plan's parts cite (from the fields `TreatmentPlan` is built from)."""
    ids: set[str] = set(fields["triage"].evidence)
    for group in (
        fields["tried_review"],
        fields["give_now"],
        fields["discharge"],
        fields["avoid"],
        fields["non_drug"],
        fields["safety"],
        fields["pitfalls"],
        fields["follow_up"],
    ):
        for item in group:
            ids.update(item.evidence)
    if fields["gabapentin"] is not None:
        ids.add("renal-dosing")
    return tuple(sorted(ids))
