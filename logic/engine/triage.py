"""Red-flag triage. It runs before anything else and can override the whole plan.

Groups and actions follow the AHCPR 1994 red-flag table, ACP/APS 2007 (Chou et al., Ann Intern
Med 2007;147:478-91) and the GIRFT national suspected cauda equina pathway (emergency MRI).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from logic.drugs.catalogue import DrugClass, drug_class
from logic.models import PatientCase, RedFlag, Triage, TriageLevel

EVIDENCE = ("red-flags-imaging",)


class RedFlagGroup(NamedTuple):
    name: str
    flags: frozenset[RedFlag]
    level: TriageLevel
    action: str


# Order matters: the first group that fires sets the headline action.
GROUPS: tuple[RedFlagGroup, ...] = (
    RedFlagGroup(
        "suspected cauda equina syndrome",
        frozenset(
            {
                RedFlag.saddle_anesthesia,
                RedFlag.urinary_retention,
                RedFlag.fecal_incontinence,
                RedFlag.progressive_motor_deficit,
                RedFlag.bilateral_sciatica,
            }
        ),
        TriageLevel.emergency,
        # GIRFT pathway: MRI as an emergency (within hours), no rectal exam needed first.
        "Suspected cauda equina syndrome: emergency MRI of the lumbosacral spine today and "
        "same-day referral to the on-call spine surgeon. Bladder scan for post-void residual. "
        "Do not discharge; analgesia must not delay imaging.",
    ),
    RedFlagGroup(
        "possible abdominal aortic aneurysm",
        frozenset({RedFlag.pulsatile_abdominal_mass}),
        TriageLevel.emergency,
        # BMJ Best Practice AAA: back pain with a pulsatile mass is a vascular emergency.
        "Back pain with a pulsatile abdominal mass: treat as a leaking aortic aneurysm until "
        "proven otherwise. Bedside ultrasound or CT angiography now, vascular surgery "
        "immediately, monitor blood pressure. Do not discharge.",
    ),
    RedFlagGroup(
        "possible spinal infection",
        frozenset(
            {
                RedFlag.fever,
                RedFlag.iv_drug_use,
                RedFlag.immunosuppression,
                RedFlag.recent_spinal_procedure,
            }
        ),
        TriageLevel.urgent,
        "Possible spinal infection (epidural abscess, discitis): full blood count, ESR, CRP and "
        "blood cultures, and MRI with contrast the same day if fever or any neurological sign. "
        "Complete the work-up before discharge.",
    ),
    RedFlagGroup(
        "possible malignancy",
        frozenset({RedFlag.cancer_history, RedFlag.unexplained_weight_loss}),
        TriageLevel.urgent,
        # Chou 2011 ACP high-value care: prompt MRI when cancer is suspected.
        "Possible spinal malignancy (history of cancer is the strongest single predictor): "
        "ESR/CRP and prompt MRI of the spine; refer urgently if it shows metastasis or cord "
        "compression.",
    ),
    RedFlagGroup(
        "possible vertebral fracture",
        frozenset({RedFlag.significant_trauma, RedFlag.osteoporosis_or_chronic_steroids}),
        TriageLevel.urgent,
        "Possible vertebral fracture: image before discharge (plain films, CT after major "
        "trauma) and examine for neurological deficit.",
    ),
)

_LABELS: dict[RedFlag, str] = {
    RedFlag.saddle_anesthesia: "saddle anaesthesia",
    RedFlag.urinary_retention: "urinary retention",
    RedFlag.fecal_incontinence: "faecal incontinence",
    RedFlag.progressive_motor_deficit: "progressive motor deficit",
    RedFlag.bilateral_sciatica: "bilateral sciatica",
    RedFlag.fever: "fever",
    RedFlag.iv_drug_use: "intravenous drug use",
    RedFlag.immunosuppression: "immunosuppression",
    RedFlag.recent_spinal_procedure: "recent spinal procedure",
    RedFlag.cancer_history: "history of cancer",
    RedFlag.unexplained_weight_loss: "unexplained weight loss",
    RedFlag.significant_trauma: "significant trauma",
    RedFlag.osteoporosis_or_chronic_steroids: "osteoporosis or long-term steroids",
    RedFlag.pulsatile_abdominal_mass: "pulsatile abdominal mass",
}

ROUTINE_ACTION = (
    "No red flag recorded yet: re-ask, because pain that does not settle is itself a reason to "
    "re-examine. No imaging is needed for non-specific back pain without red flags."
)


class AgeFlag(NamedTuple):
    """Age as a red flag: above `over` years the serious cause it points to is more likely, so
    the plan never says "no imaging is needed" until the questions in `ask` are answered."""

    name: str
    over: int
    ask: str
    source: str


#: Age red flags, youngest threshold first. "Over" is strict: 50 is not over 50.
AGE_FLAGS: tuple[AgeFlag, ...] = (
    AgeFlag(
        "age over 50 (cancer and infection more likely)",
        50,
        "ask about cancer, unexplained weight loss and fever (any: ESR/CRP, MRI)",
        # AHCPR 1994 red-flag table: tumour or infection, "age over 50 or under 20";
        # ACP/APS 2007 (Chou et al.) and Chou 2011 ACP high-value care: weaker cancer risk
        # factors get plain films with ESR first.
        "AHCPR 1994; ACP/APS 2007",
    ),
    AgeFlag(
        "age over 70 (vertebral fracture more likely)",
        70,
        "ask about a fall or strain, however minor, osteoporosis and steroids (any: plain films)",
        # AHCPR 1994 and ACP/APS 2007 list older age as a fracture red flag; the age-over-70
        # cut-off is the imaging indication for fracture in the Deyo-era criteria (Walsh,
        # "Indications for imaging procedures in the patient with acute back pain", table 3).
        # ACR Appropriateness Criteria: plain radiographs first for suspected fracture.
        "AHCPR 1994; ACP/APS 2007",
    ),
)


def age_flags(age_years: int) -> tuple[AgeFlag, ...]:
    """The age red flags that apply at this age (strictly over each threshold)."""
    return tuple(flag for flag in AGE_FLAGS if age_years > flag.over)


def _age_action(flags: tuple[AgeFlag, ...]) -> str:
    asks = " ".join(f"{f.name.split(' (')[0].capitalize()}: {f.ask}." for f in flags)
    sources = "; ".join(dict.fromkeys(s for f in flags for s in f.source.split("; ")))
    return f"No red flag ticked, but age is one. {asks} Otherwise no imaging ({sources})."


def red_flag_label(flag: RedFlag) -> str:
    """Human wording of a red flag, for findings and handouts."""
    return _LABELS[flag]


#: ACR 2022 glucocorticoid-induced osteoporosis guideline: fracture risk counts from more than
#: 3 months of treatment (prednisone 2.5 mg/day or more); ACP/APS 2007 lists prolonged
#: corticosteroid use as a risk factor for vertebral compression fracture.
LONG_TERM_STEROID_WEEKS = 12


def implied_red_flags(case: PatientCase) -> tuple[RedFlag, ...]:
    """Red flags the regular medicines show without the box: a systemic corticosteroid taken
    for more than 12 weeks, or for a duration not entered (a regular medicine is assumed to be
    long-term, the safer reading), means long-term steroids."""
    for med in case.current_medications:
        if drug_class(med.drug) is DrugClass.corticosteroid and (
            med.weeks is None or med.weeks > LONG_TERM_STEROID_WEEKS
        ):
            return (RedFlag.osteoporosis_or_chronic_steroids,)
    return ()


def red_flags(case: PatientCase) -> tuple[RedFlag, ...]:
    """The ticked red flags, then those the medicines imply, each once, in that order."""
    implied = implied_red_flags(case) if case.current_medications else ()
    if not implied:
        return case.red_flags
    return tuple(dict.fromkeys((*case.red_flags, *implied)))


def triage(case: PatientCase) -> Triage:
    """The most urgent red-flag group present decides the level; all findings are listed, the
    age red flags among them (AGE_FLAGS)."""
    return _triage(red_flags(case), age_flags(case.age_years))


@lru_cache(maxsize=1024)
def _triage(red_flags: tuple[RedFlag, ...], ages: tuple[AgeFlag, ...] = ()) -> Triage:
    """Triage reads only the red flags (in entry order) and the age red flags, and its result
    is frozen: each combination is triaged once. Age alone does not make the case urgent (a
    weak flag on its own, ACP/APS 2007), but it replaces "no imaging is needed" with the
    questions that decide it."""
    fired = [g for g in GROUPS if g.flags & set(red_flags)]
    age_findings = tuple(f.name for f in ages)
    if not fired:
        if ages:
            return Triage(
                level=TriageLevel.routine,
                findings=age_findings,
                action=_age_action(ages),
                evidence=EVIDENCE,
            )
        return Triage(level=TriageLevel.routine, action=ROUTINE_ACTION, evidence=EVIDENCE)
    rank = {TriageLevel.emergency: 0, TriageLevel.urgent: 1, TriageLevel.routine: 2}
    headline = min(fired, key=lambda g: rank[g.level])
    findings = tuple(
        f"{g.name}: {', '.join(red_flag_label(f) for f in red_flags if f in g.flags)}"
        for g in fired
    )
    actions = [headline.action] + [g.action for g in fired if g is not headline]
    return Triage(
        level=headline.level,
        findings=findings + age_findings,
        action=" ".join(actions),
        evidence=EVIDENCE,
    )
