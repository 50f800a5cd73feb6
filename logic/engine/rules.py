"""Patient-specific safety rules as one typed table: trigger, target, action, message, source.

The engine never adjusts a dose ad hoc: it asks this table which rules fire for the patient and
applies their actions to each candidate order. A rule's target is a tag carried by the candidate
("nsaid", "opioid", "tramadol", ...) or a step-qualified tag ("discharge:opioid").

A trigger is either `when(keys...)` (fires when any of those facts holds) or a function of the
facts with the keys it needs listed in `reads`; `fired` uses the keys as an index (the index
itself is private: logic.engine._rule_index).

`STEP_RULES` holds the rows the plan and the review apply at their own step (what they say and
why; the step decides when). Every decision in a plan names its rows (`rule_ids` on Avoid,
Warning and TriedReview, `naloxone_rule_ids`): `rule_by_id(id)` gives the row and its source,
`known_rule_ids()` every id a plan may name. The cut-offs the rows compare against are in
logic.engine.thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from logic.drugs.catalogue import (
    ACETAMINOPHEN_COMBINATION_SOURCE,
    DrugClass,
    Trait,
    drug_class,
    traits,
)
from logic.engine._rule_index import fired_mask_over
from logic.engine._rule_index import positions as positions
from logic.engine.medications import MedicineFacts, medicine_facts
from logic.engine.medications import join_names as _and
from logic.engine.renal import band_rank
from logic.engine.thresholds import (
    CHRONIC_PAIN_WEEKS_ABOVE,
    KETOROLAC_MAX_DAYS,
    LOW_WEIGHT_KG_BELOW,
    PREGNANCY_NSAID_AVOID_WEEKS_FROM,
    PREGNANCY_NSAID_CONTRAINDICATED_WEEKS_FROM,
    TRAMADOL_OLDER_CAP_AGE_ABOVE,
)
from logic.engine.triage import red_flags
from logic.models import Allergy, Condition, PatientCase, RedFlag, RenalAssessment, Severity

_BENZODIAZEPINE = DrugClass.benzodiazepine
_MUSCLE_RELAXANT = DrugClass.muscle_relaxant
_CORTICOSTEROID = DrugClass.corticosteroid
_RAAS_BLOCKERS = frozenset({DrugClass.ace_inhibitor, DrugClass.arb})


class Action(StrEnum):
    avoid = "avoid"  # withhold the drug; it goes to the avoid list with the reason
    reduce = "reduce"  # use the reduced (or hepatic) regimen
    cap = "cap"  # keep the drug, add the dose/interval ceiling to its note
    protect = "protect"  # keep the drug, add gastroprotection
    warn = "warn"  # keep the drug, warn


#: Condition boxes that stand for a medicine trait: the box and the medicine feed the same fact.
TRAIT_CONDITIONS: dict[Trait, Condition] = {
    Trait.serotonergic: Condition.serotonergic_drug_use,
    Trait.anticoagulant: Condition.anticoagulant_use,
    Trait.antiplatelet: Condition.antiplatelet_use,
}


#: A trait carried only by tramadol does not make tramadol interact with itself.
SELF = ("tramadol",)


class Gate(StrEnum):
    """Derived facts a rule can be indexed by, besides conditions, red flags and traits."""

    always = "always"
    older = "older"
    chronic = "chronic"
    axial = "axial"  # no radicular features
    pregnant = "pregnant"
    breastfeeding = "breastfeeding"
    heavy_alcohol = "heavy_alcohol"
    low_weight = "low_weight"
    crcl_below_60 = "crcl_below_60"
    crcl_below_30 = "crcl_below_30"
    muscle_relaxant_tried = "muscle_relaxant_tried"
    steroids_given = "steroids_given"
    current_medicines = "current_medicines"
    failed = "failed"
    allergy = "allergy"
    frail = "frail"
    #: Cirrhosis ticked with no Child-Pugh class (read as class A; the plan says so).
    hepatic_class_unknown = "hepatic_class_unknown"
    #: Ketorolac given this episode with its first dose more than 5 days ago counted in: today
    #: is past the labels' 5-day course.
    ketorolac_course_over = "ketorolac_course_over"


#: What a rule can be indexed by: a gate, a condition or red flag present, or a medicine trait.
Key = Gate | Condition | RedFlag | Trait


@dataclass(slots=True)
class Facts:
    """What the rules look at: the case, its renal assessment and its medicine facts.

    Built once per case and never changed after (not a frozen dataclass only because a frozen
    one sets each derived field through `object.__setattr__`, which costs more than the rules it
    feeds). The condition boxes and the medicines feed the same set `present`: a
    serotonergic drug in either list means `serotonergic_drug_use`, a benzodiazepine means
    `benzodiazepine_use`, an anticoagulant or antiplatelet the matching box, a home opioid regimen
    at the label's tolerance dose `opioid_tolerant`, buprenorphine in an opioid-dependence form
    `opioid_use_disorder`, and intravenous drug use (a red flag) a substance use disorder (CDC
    2022 recs 8 and 12).
    """

    case: PatientCase
    renal: RenalAssessment
    #: The medicine facts, if already derived; otherwise they are derived from `case`.
    given_meds: MedicineFacts | None = field(default=None, repr=False, compare=False)
    #: The medicine facts used (the given ones or freshly derived). Filled in once.
    meds: MedicineFacts = field(init=False, repr=False, compare=False)
    #: The case's red flags and conditions, plus those its medicines imply, as one set.
    present: frozenset[RedFlag | Condition] = field(init=False, repr=False, compare=False)
    #: 0 normal, 1 CrCl 30-59, 2 CrCl 15-29, 3 <15, 4 haemodialysis. Filled in once.
    renal_rank: int = field(init=False, repr=False, compare=False)
    #: Every index key true of this patient (`present`, the medicine traits and the gates), so
    #: `fired` evaluates only the rules whose `reads` can be true. Filled in once.
    keys: frozenset[Key] = field(init=False, repr=False, compare=False)
    #: AGS Beers 2023 age (65+).
    older: bool = field(init=False, repr=False, compare=False)
    #: CDC 2022: chronic pain lasts more than 3 months (12 weeks).
    chronic: bool = field(init=False, repr=False, compare=False)
    crcl_below_60: bool = field(init=False, repr=False, compare=False)
    crcl_below_30: bool = field(init=False, repr=False, compare=False)
    #: An MAOI in either list (labels: the interaction lasts 14 days after stopping).
    maoi: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        case = self.case
        meds = self.given_meds if self.given_meds is not None else medicine_facts(case)
        traits_ = meds.traits
        classes = meds.classes
        present: set[RedFlag | Condition] = {*red_flags(case), *case.conditions}
        if traits_:
            for trait, condition in TRAIT_CONDITIONS.items():
                if trait in traits_:
                    present.add(condition)
        # A benzodiazepine given during this episode sedates like a regular one (CDC 2022 rec 11).
        if _BENZODIAZEPINE in classes:
            present.add(Condition.benzodiazepine_use)
        if meds.opioid_tolerant:
            present.add(Condition.opioid_tolerant)
        # Sublingual/buccal buprenorphine in mg and the monthly injection (regular or given this
        # episode) are indicated only for opioid dependence (Suboxone, Subutex and Sublocade
        # labels); methadone is also a pain medicine (Dolophine label), and the Butrans patch,
        # the Belbuca film and Buprenex (IV/IM) are pain products.
        if "buprenorphine" in meds.moud:
            present.add(Condition.opioid_use_disorder)
        if RedFlag.iv_drug_use in present:
            present.add(Condition.substance_use_disorder)
        # A Child-Pugh class is a class of chronic liver disease (Pugh 1973): every cirrhosis row
        # applies with it, whether or not the cirrhosis box is ticked too.
        if case.child_pugh is not None:
            present.add(Condition.cirrhosis)
        rank = band_rank(self.renal.band)
        self.older = case.older_adult
        self.chronic = case.pain_duration_weeks > CHRONIC_PAIN_WEEKS_ABOVE
        self.crcl_below_60 = rank >= 1
        self.crcl_below_30 = rank >= 2
        self.maoi = Trait.maoi in traits_
        keys: set[Key] = {Gate.always, *present, *traits_}
        if self.older:
            keys.add(Gate.older)
        if self.chronic:
            keys.add(Gate.chronic)
        if not case.radicular:
            keys.add(Gate.axial)
        if case.pregnant:
            keys.add(Gate.pregnant)
        if case.breastfeeding:
            keys.add(Gate.breastfeeding)
        if case.heavy_alcohol_use:
            keys.add(Gate.heavy_alcohol)
        if case.weight_kg < LOW_WEIGHT_KG_BELOW:
            keys.add(Gate.low_weight)
        if self.crcl_below_60:
            keys.add(Gate.crcl_below_60)
        if self.crcl_below_30:
            keys.add(Gate.crcl_below_30)
        if _MUSCLE_RELAXANT in classes:
            keys.add(Gate.muscle_relaxant_tried)
        if _CORTICOSTEROID in classes:  # given this episode or taken regularly (Beers 2023)
            keys.add(Gate.steroids_given)
        if meds.current:
            keys.add(Gate.current_medicines)
        if meds.failed:
            keys.add(Gate.failed)
        if case.allergies or case.allergic_to:
            keys.add(Gate.allergy)
        if case.frail:
            keys.add(Gate.frail)
        if case.child_pugh is None and Condition.cirrhosis in case.conditions:
            keys.add(Gate.hepatic_class_unknown)
        if case.tried and any(
            t.days_since_first_dose is not None
            and t.days_since_first_dose + 1 > KETOROLAC_MAX_DAYS
            and t.drug == "ketorolac"
            for t in case.tried
        ):
            keys.add(Gate.ketorolac_course_over)
        self.meds = meds
        self.present = frozenset(present)
        self.renal_rank = rank
        self.keys = frozenset(keys)

    def has(self, *conditions: Condition | RedFlag) -> bool:
        return not self.present.isdisjoint(conditions)

    def takes(self, trait: Trait) -> bool:
        """A medicine in either list carries this trait (tramadol itself aside: a tramadol
        already given is the duplicate and failed rules' business, not an interaction)."""
        return self.meds.by_trait.get(trait, ()) not in ((), SELF)

    @property
    def sedating_home_medicine(self) -> bool:
        """A regular medicine that depresses the CNS (opioid, gabapentinoid, Z-drug, ...)."""
        return any(Trait.cns_depressant in traits(g) for g in self.meds.current)

    @property
    def sedating_regular(self) -> tuple[str, ...]:
        """Regular CNS depressants other than opioids and benzodiazepines (pregabalin, a Z-drug,
        an antipsychotic, a sedating antidepressant, a muscle relaxant), in entry order: the
        opioid labels' boxed warning covers them with benzodiazepines. A home opioid has its own
        rules (home-opioid-continue, opioid tolerance), a benzodiazepine CDC 2022 rec 11's."""
        meds = self.meds
        named = meds.by_trait.get(Trait.cns_depressant)
        if not named:
            return ()
        return tuple(
            g
            for g in named
            if g in meds.current
            and Trait.opioid not in traits(g)
            and drug_class(g) is not _BENZODIAZEPINE
        )

    @property
    def raas_blocker_and_diuretic(self) -> bool:
        """An ACE inhibitor or ARB together with a diuretic (either list): with an NSAID, the
        combination Lapi et al. (BMJ 2013) found raises acute kidney injury."""
        classes = self.meds.classes
        return DrugClass.diuretic in classes and not classes.isdisjoint(_RAAS_BLOCKERS)

    def takes_named(self, trait: Trait, generic: str) -> bool:
        """This medicine, carrying this trait, is in either list."""
        return generic in self.meds.by_trait.get(trait, ())

    @property
    def nsaid_allergy(self) -> bool:
        """NSAID or aspirin hypersensitivity, by class or a named NSAID (NSAID labels:
        contraindicated after asthma, urticaria or allergic reactions to aspirin or any NSAID)."""
        return Allergy.nsaid in self.case.allergies or any(
            Trait.nsaid in traits(g) for g in self.case.allergic_to
        )

    @property
    def opioid_allergy(self) -> bool:
        return Allergy.opioid in self.case.allergies


class When:
    """A trigger that fires when any of its keys is true of the patient. The rule table indexes
    such a rule by these keys and needs no further check (`fired` skips the call)."""

    __slots__ = ("keys",)

    def __init__(self, *keys: Key) -> None:
        self.keys = keys

    def __call__(self, facts: Facts) -> bool:
        return not facts.keys.isdisjoint(self.keys)

    def __repr__(self) -> str:
        return f"when({', '.join(str(k) for k in self.keys)})"


when = When


class Rule(NamedTuple):
    """One row of a rule table, always built by keyword (`Rule(id=..., trigger=..., ...)`), so
    the message and its source read side by side (tests/test_rule_rows.py keeps it so)."""

    id: str
    trigger: Callable[[Facts], bool]
    target: str
    action: Action
    message: str
    source: str
    severity: Severity = Severity.caution
    variant: str = "reduced"
    evidence: tuple[str, ...] = ()
    max_daily_mg: float | None = None  # cap rules: the daily ceiling applied to the order
    max_dose_mg: float | None = None  # cap rules: the per-dose ceiling applied to the order
    mg_per_kg_dose: float | None = None  # cap rules: per-dose ceiling per kg of body weight
    mg_per_kg_day: float | None = None  # cap rules: daily ceiling per kg of body weight
    #: Index keys at least one of which is true whenever the trigger is (a necessary condition,
    #: proved over generated cases by tests/test_rules.py): `fired` skips the rest.
    reads: tuple[Key, ...] = (Gate.always,)
    #: A plan-wide row's wording naming the patient's own medicines, shown instead of
    #: `message` once the plan holds the row's warning (`message` stays the general text).
    named: Callable[[Facts], str] | None = None


#: FDA Drug Safety Communication, 15 Oct 2020 (20 weeks) and the NSAID labels (30 weeks): the
#: lines live in logic.engine.thresholds; these names are kept for the rows below.
PREGNANCY_NSAID_AVOID_WEEKS = PREGNANCY_NSAID_AVOID_WEEKS_FROM
PREGNANCY_NSAID_CONTRAINDICATED_WEEKS = PREGNANCY_NSAID_CONTRAINDICATED_WEEKS_FROM
#: Acetaminophen (Ofirmev) label: under 50 kg (logic.engine.thresholds), 15 mg/kg a dose, 75 mg/kg
#: a day.
ACETAMINOPHEN_MG_PER_KG_DOSE = 15
ACETAMINOPHEN_MG_PER_KG_DAY = 75
#: Australian consensus guidance, as cited by Reid O et al., Br J Clin Pharmacol 2022;88:4565-72
#: (PMID 35535712): acetaminophen no more than 3000 mg a day for frail older people, and no more
#: than 60 mg/kg a day for older people under 50 kg (stricter than the label's 75 mg/kg).
FRAIL_ACETAMINOPHEN_MAX_DAILY_MG = 3000
OLDER_LOW_WEIGHT_ACETAMINOPHEN_MG_PER_KG_DAY = 60
#: Ketorolac label: age 65+, renal impairment or under 50 kg: 15 mg IV a dose, 60 mg a day.
KETOROLAC_LOW_WEIGHT_MAX_DOSE_MG = 15
KETOROLAC_LOW_WEIGHT_MAX_DAILY_MG = 60

_RENAL = ("renal-dosing",)
_OLD = ("older-adults-pregnancy",)
_NSAID = ("nsaids-ketorolac",)
_OPIOID = ("opioids-acute-pain", "opioid-safety")
_TCA = ("antidepressants",)

# ---- Regular medicines that are themselves unsafe for this patient: who they are ----------
#: FDA Drug Safety Communication, 20 Apr 2017: codeine and tramadol are not recommended while
#: breastfeeding (CYP2D6 ultra-rapid metabolisers make morphine or O-desmethyltramadol fast
#: enough to reach the infant through the milk).
BREASTFEEDING_NOT_RECOMMENDED = ("codeine", "tramadol")
#: Ultram, Nucynta and Demerol labels: contraindicated with an MAOI or within 14 days of one;
#: the other opioid labels (FDA 2016 class labelling) say not recommended.
MAOI_CONTRAINDICATED_OPIOIDS = frozenset({"tramadol", "tapentadol", "meperidine"})
#: Low-dose aspirin is prescribed on purpose (the FDA 2020 pregnancy communication exempts 81 mg
#: aspirin; ACC/AHA 2019 primary prevention guideline: 75-100 mg a day), so a regular aspirin
#: counts as an analgesic NSAID only when its daily dose is entered and above 100 mg.
LOW_DOSE_ASPIRIN_MAX_DAILY_MG = 100


def regular_nsaids(f: Facts) -> tuple[str, ...]:
    """Regular (not given-today) NSAIDs, in entry order; low-dose or undosed aspirin aside."""
    names = f.meds.by_trait.get(Trait.nsaid, ())
    if not names:
        return ()
    current = f.meds.current
    return tuple(g for g in names if g in current and (g != "aspirin" or _analgesic_aspirin(f)))


def _analgesic_aspirin(f: Facts) -> bool:
    return any(
        med.drug == "aspirin"
        and med.dose_mg is not None
        and med.dose_mg * (med.doses_per_day or 1) > LOW_DOSE_ASPIRIN_MAX_DAILY_MG
        for med in f.case.current_medications
    )


def home_opioid_names(f: Facts) -> tuple[str, ...]:
    """Regular opioids, each once, in entry order."""
    return tuple(dict.fromkeys(h.drug for h in f.meds.home_opioids))


def breastfeeding_home_opioids(f: Facts) -> tuple[str, ...]:
    if not f.case.breastfeeding:
        return ()
    return tuple(g for g in home_opioid_names(f) if g in BREASTFEEDING_NOT_RECOMMENDED)


def maoi_home_opioids(f: Facts) -> tuple[str, ...]:
    """Every regular opioid when an MAOI is in either list (the interaction lasts 14 days)."""
    if not f.maoi:
        return ()
    return tuple(g for g in home_opioid_names(f) if Trait.maoi_contraindicated in traits(g))


def _serotonin_partners(f: Facts, opioid: str) -> tuple[str, ...]:
    """Other medicines (either list) that add serotonin or seizure risk to a serotonergic opioid;
    MAOIs are left to the MAOI row, which is stronger."""
    by_trait = f.meds.by_trait
    found = (
        *by_trait.get(Trait.serotonergic, ()),
        *by_trait.get(Trait.lowers_seizure_threshold, ()),
    )
    maois = by_trait.get(Trait.maoi, ())
    return tuple(dict.fromkeys(g for g in found if g != opioid and g not in maois))


def serotonergic_home_opioids(f: Facts) -> tuple[str, ...]:
    """Regular tramadol, tapentadol or meperidine with another serotonergic or seizure-threshold
    lowering medicine, the serotonergic-drug box, or a seizure disorder (their labels)."""
    names = f.meds.by_trait.get(Trait.serotonergic, ())
    if not names:
        return ()
    conditions = f.case.conditions
    boxes = (
        Condition.serotonergic_drug_use in conditions or Condition.seizure_disorder in conditions
    )
    current = f.meds.current
    return tuple(
        g
        for g in names
        if g in current and Trait.opioid in traits(g) and (boxes or _serotonin_partners(f, g))
    )


def benzodiazepine_home_opioids(f: Facts) -> tuple[str, ...]:
    """Every regular opioid when a benzodiazepine is taken regularly (or its box is ticked),
    except buprenorphine or methadone for opioid use disorder: the FDA (Drug Safety
    Communication, 20 Sep 2017) says not to withhold them from patients on benzodiazepines."""
    if not (
        Condition.benzodiazepine_use in f.case.conditions
        or _BENZODIAZEPINE in f.meds.current_classes
    ):
        return ()
    moud = f.meds.moud
    return tuple(g for g in home_opioid_names(f) if g not in moud)


def unsafe_home_opioids(f: Facts) -> tuple[str, ...]:
    """Regular opioids a row of 'Regular medicines that are themselves unsafe' flags: the plan
    then never tells the clinician to continue them (home-opioid-review, not -continue)."""
    if not f.meds.home_opioids:
        return ()
    return tuple(
        dict.fromkeys(
            (
                *breastfeeding_home_opioids(f),
                *maoi_home_opioids(f),
                *serotonergic_home_opioids(f),
                *benzodiazepine_home_opioids(f),
            )
        )
    )


# ---- Messages that name the patient's own medicines ------------------------------------------
# A plan-wide row's `message` is its general text (rule tables, docs); the plan shows its
# `named` wording instead, which names the patient's own medicines
# (logic.engine.plan._name_medicines).


def _it(names: tuple[str, ...]) -> str:
    return "them" if len(names) > 1 else "it"


def _breastfeeding_message(f: Facts) -> str:
    found = breastfeeding_home_opioids(f)
    return (
        f"Breastfeeding and takes {_and(found)} regularly: the FDA recommends against codeine "
        "and tramadol while breastfeeding (ultra-rapid metabolisers pass enough morphine or "
        "O-desmethyltramadol into the milk to cause breathing problems and death in infants). "
        f"Stop {_and(found)} and switch to a non-codeine, non-tramadol analgesic with the "
        f"prescriber; do not simply continue {_it(found)}. Watch the baby for sleepiness, "
        "feeding difficulty or limpness."
    )


def _maoi_message(f: Facts) -> str:
    found = maoi_home_opioids(f)
    maois = f.meds.by_trait.get(Trait.maoi, ())
    banned = tuple(g for g in found if g in MAOI_CONTRAINDICATED_OPIOIDS)
    other = tuple(g for g in found if g not in MAOI_CONTRAINDICATED_OPIOIDS)
    why = []
    if banned:
        why.append(f"the {_and(banned)} label contraindicates it with an MAOI")
    if other:
        why.append(
            f"the {_and(other)} label says not recommended with an MAOI or within 14 days of one"
        )
    return (
        f"Takes {_and(found)} regularly with {_and(maois)} (an MAOI; the interaction lasts 14 "
        f"days after stopping one): {'; '.join(why)} (serotonin syndrome or opioid toxicity). "
        f"Review with both prescribers today; do not simply continue {_it(found)}, and do not "
        "stop a daily opioid abruptly."
    )


def _serotonergic_message(f: Facts) -> str:
    found = serotonergic_home_opioids(f)
    partners = list(dict.fromkeys(p for g in found for p in _serotonin_partners(f, g)))
    conditions = f.case.conditions
    if Condition.serotonergic_drug_use in conditions:
        partners.append("a serotonergic drug (box ticked)")
    if Condition.seizure_disorder in conditions:
        partners.append("a seizure disorder")
    return (
        f"Takes {_and(found)} regularly with {_and(partners)}: the {_and(found)} label warns of "
        "serotonin syndrome and seizures with serotonergic and seizure-threshold-lowering "
        f"medicines (SSRIs, SNRIs, tricyclics) and in epilepsy. Review with the prescriber; do "
        f"not simply continue {_it(found)}, and teach the signs (agitation, tremor, fever, "
        "sweating, a seizure)."
    )


def _benzodiazepine_message(f: Facts) -> str:
    found = benzodiazepine_home_opioids(f)
    benzos = [g for g in f.meds.current if drug_class(g) is _BENZODIAZEPINE]
    named = _and(sorted(benzos)) if benzos else "a benzodiazepine (box ticked)"
    return (
        f"Takes {_and(found)} and {named} regularly: the opioid boxed warning says the "
        "combination can cause profound sedation, respiratory depression, coma and death. "
        "Review the home combination with the prescriber (a supervised benzodiazepine taper is "
        "usually the first step; never stop either abruptly); do not simply continue "
        f"{_it((*found, *benzos))}, and offer naloxone."
    )


def _review_message(f: Facts) -> str:
    found = unsafe_home_opioids(f)
    return (
        f"Takes {_and(found)} regularly, which a warning here flags as unsafe for this patient: "
        "do not simply continue the home regimen. Change it with the prescriber (a switch or a "
        "supervised taper; CDC 2022 advises against an abrupt stop of a daily opioid unless a "
        "life-threatening problem requires it), count it in the total MME, and do not add a "
        "second long-acting opioid."
    )


def _pregnancy_20_message(f: Facts) -> str:
    nsaids = regular_nsaids(f)
    weeks = f.case.pregnancy_weeks
    when_ = "weeks not entered" if weeks is None else f"{weeks} weeks"
    check = " Confirm the gestational age." if weeks is None else ""
    return (
        f"Pregnant ({when_}) and takes {_and(nsaids)} regularly: the FDA says avoid NSAIDs from "
        f"20 weeks (fetal kidney dysfunction, low amniotic fluid).{check} Stop "
        f"{_it(nsaids)} and use acetaminophen; if the obstetric team judges an NSAID essential, "
        "the lowest dose for the shortest time, with an amniotic fluid scan if it lasts over "
        "48 hours."
    )


def _pregnancy_30_message(f: Facts) -> str:
    nsaids = regular_nsaids(f)
    return (
        f"Pregnant {f.case.pregnancy_weeks} weeks and takes {_and(nsaids)} regularly: the NSAID "
        "labels say avoid from 30 weeks (premature closure of the fetal ductus arteriosus, on "
        "top of the kidney and amniotic fluid harm from 20 weeks). Stop "
        f"{_it(nsaids)} today and tell the obstetric team; do not simply continue {_it(nsaids)}."
    )


def _anticoagulant_message(f: Facts) -> str:
    nsaids = regular_nsaids(f)
    named = f.meds.by_trait.get(Trait.anticoagulant, ())
    with_ = _and(named) if named else "an anticoagulant (box ticked)"
    return (
        f"Takes {_and(nsaids)} regularly with {with_}: the NSAID labels warn that the "
        "combination raises the risk of serious bleeding, and Beers says avoid it. Review with "
        f"the prescriber (acetaminophen or a topical instead); do not simply continue "
        f"{_it(nsaids)}."
    )


def _renal_message(f: Facts) -> str:
    nsaids = regular_nsaids(f)
    return (
        f"CrCl below 30 mL/min or dialysis and takes {_and(nsaids)} regularly: Beers says avoid "
        "NSAIDs at this kidney function and the NSAID labels do not recommend them in advanced "
        "renal disease (acute kidney injury, hyperkalaemia). Review with the prescriber; do not "
        f"simply continue {_it(nsaids)}."
    )


def qt_medicines(f: Facts) -> tuple[str, ...]:
    """QT-prolonging medicines in either list (catalogue trait `qt_prolonging`), in entry order."""
    return f.meds.by_trait.get(Trait.qt_prolonging, ())


def _qt_message(f: Facts) -> str:
    names = qt_medicines(f)
    each = "it prolongs" if len(names) == 1 else "each prolongs"
    # Regular methadone is read as MOUD (logic.engine.medications): continued, never tapered
    # by this plan (CDC 2022 rec 12), so the QT finding goes to its prescriber or programme.
    moud = " (methadone: do not stop it abruptly; tell its prescriber or programme today)"
    return (
        f"Long QT and {_and(names)} on board (regular or given this visit): {each} the QT "
        "interval (torsades de pointes). Get an ECG and potassium and magnesium, and review "
        f"the need with the prescriber{moud if 'methadone' in f.meds.moud else ''}."
    )


def _gi_message(f: Facts) -> str:
    nsaids = regular_nsaids(f)
    history = "GI bleeding" if f.has(Condition.gi_bleed_history) else "a peptic ulcer"
    return (
        f"Takes {_and(nsaids)} regularly after {history}: the NSAID labels put the risk of "
        "another bleed at more than ten times higher, and Beers says avoid unless nothing else "
        "works and a proton-pump inhibitor is given. Review with the prescriber; do not simply "
        f"continue {_it(nsaids)}."
    )


#: The co-sedation row's general message; its named form puts the medicines first.
_CO_SEDATION_MESSAGE = (
    "A sedating regular medicine (gabapentinoid, Z-drug, antipsychotic, sedating "
    "antidepressant or muscle relaxant) with an opioid can cause profound sedation, slowed "
    "breathing and death: the opioid labels keep the combination for patients whose "
    "alternatives are inadequate, at the lowest dose for the shortest time. Reduced "
    "opioid dose; warn the patient and household about drowsiness and slow breathing, "
    "and offer naloxone."
)


def _co_sedation_message(f: Facts) -> str:
    return f"Takes {_and(f.sedating_regular)} regularly. {_CO_SEDATION_MESSAGE}"


RULES: tuple[Rule, ...] = (
    # ---- Always: the common escalations this plan never takes, each for its own reason -----
    Rule(
        id="always-corticosteroids",
        trigger=when(Gate.always),
        target="corticosteroid",
        action=Action.avoid,
        message="No more systemic steroids: no better than placebo for non-radicular pain and only "
        "a small, short-lived effect in sciatica; ACP says do not prescribe them.",
        source="Cochrane 2022 (Chou et al.); ACP 2017; NICE NG59",
        evidence=("systemic-corticosteroids",),
    ),
    Rule(
        id="always-benzodiazepines",
        trigger=when(Gate.always),
        target="benzodiazepine",
        action=Action.avoid,
        message="Never a benzodiazepine: diazepam was no better than placebo for acute back pain, "
        "and with opioids it adds respiratory depression.",
        source="Friedman 2017; NICE NG59; CDC 2022 rec 11",
        severity=Severity.danger,
        evidence=("benzodiazepines",),
    ),
    # Muscle relaxants: ACP 2017 allows one for acute or subacute pain (low-quality evidence of
    # a small short-term benefit), so each withholding rule names a reason true of this patient.
    Rule(
        id="muscle-relaxant-tried",
        trigger=when(Gate.muscle_relaxant_tried),
        target="muscle_relaxant",
        action=Action.avoid,
        message="A muscle relaxant was already given for this episode without enough relief; "
        "another adds sedation, not relief (adding one to an NSAID did not help at one week in ED "
        "trials).",
        source="Friedman 2015 and 2019 ED trials; Cashin 2021",
        evidence=("muscle-relaxants",),
    ),
    Rule(
        id="beers-muscle-relaxant",
        trigger=when(Gate.older),
        target="muscle_relaxant",
        action=Action.avoid,
        message="Age 65+: Beers lists skeletal muscle relaxants to avoid (anticholinergic effects, "
        "sedation, falls and fractures).",
        source="AGS Beers 2023",
        evidence=("muscle-relaxants", *_OLD),
    ),
    Rule(
        id="sedation-muscle-relaxant",
        trigger=lambda f: (
            f.has(
                Condition.benzodiazepine_use,
                Condition.sleep_apnea,
                Condition.copd,
                Condition.fall_risk,
                Condition.opioid_tolerant,
            )
            or f.sedating_home_medicine
        ),
        target="muscle_relaxant",
        action=Action.avoid,
        message="A sedation conflict: with a benzodiazepine or another sedating regular medicine, "
        "sleep apnoea, COPD or a history of falls (whichever applies here), a muscle relaxant adds "
        "sedation and falls.",
        source="ACEP 2020 clinical policy (harms of combining sedatives); AGS Beers 2023 (falls)",
        evidence=("muscle-relaxants",),
        reads=(
            Condition.benzodiazepine_use,
            Condition.sleep_apnea,
            Condition.copd,
            Condition.fall_risk,
            Condition.opioid_tolerant,
            Trait.cns_depressant,
        ),
    ),
    Rule(
        id="sud-muscle-relaxant",
        trigger=when(Condition.opioid_use_disorder, Condition.substance_use_disorder),
        target="muscle_relaxant",
        action=Action.avoid,
        message="Substance use disorder: muscle relaxants are sedating and some are misused "
        "(carisoprodol is a controlled substance).",
        source="Carisoprodol label (abuse and dependence); ACEP 2020 (sedative combinations)",
        evidence=("muscle-relaxants",),
    ),
    Rule(
        id="chronic-muscle-relaxant",
        trigger=when(Gate.chronic),
        target="muscle_relaxant",
        action=Action.avoid,
        message="Pain for more than 12 weeks: the evidence for muscle relaxants covers acute and "
        "subacute pain only, and WHO does not advise them for chronic primary low back pain.",
        source="ACP 2017 (acute/subacute only); WHO 2023 chronic primary low back pain guideline",
        evidence=("muscle-relaxants",),
    ),
    Rule(
        id="cyclobenzaprine-contraindicated",
        trigger=when(
            Condition.cirrhosis,
            Condition.cardiac_conduction_disease,
            Condition.recent_mi,
            Condition.heart_failure,
            Condition.glaucoma,
            Condition.urinary_retention_history,
            Condition.serotonergic_drug_use,
        ),
        target="muscle_relaxant",
        action=Action.avoid,
        message="Cyclobenzaprine is not started here: the label contraindicates it after a recent "
        "myocardial infarction, with conduction disease or heart failure, warns of serotonin "
        "syndrome with serotonergic drugs and of anticholinergic harm in glaucoma or urinary "
        "retention, and does not recommend it in moderate or severe liver disease.",
        source="Cyclobenzaprine label (contraindications; warnings; hepatic impairment)",
        evidence=("muscle-relaxants",),
    ),
    Rule(
        id="pregnancy-muscle-relaxant",
        trigger=when(Gate.pregnant),
        target="muscle_relaxant",
        action=Action.avoid,
        message="Pregnancy: a muscle relaxant is not started for back pain (small benefit, limited "
        "pregnancy data); decide with the obstetric team.",
        source="Cyclobenzaprine label (pregnancy); ACP 2017 (small benefit)",
        evidence=("muscle-relaxants", *_OLD),
    ),
    Rule(
        id="always-er-opioids",
        trigger=when(Gate.always),
        target="er_opioid",
        action=Action.avoid,
        message="No extended-release or long-acting opioid for acute pain (a common escalation; "
        "the CDC guideline says immediate-release only).",
        source="CDC 2022 rec 3; OPAL (Jones 2023)",
        severity=Severity.danger,
        evidence=("opioids-acute-pain",),
    ),
    Rule(
        id="nonradicular-gabapentinoid",
        trigger=when(Gate.axial),
        target="gabapentinoid",
        action=Action.avoid,
        message="Gabapentin or pregabalin do not help axial (non-radicular) back pain and add "
        "dizziness and sedation.",
        source="Enke 2018 (CMAJ); NICE NG59",
        evidence=("gabapentinoids-sciatica",),
    ),
    # ---- Renal ---------------------------------------------------------------------------
    Rule(
        id="renal-nsaid-avoid",
        trigger=when(Gate.crcl_below_30),
        target="nsaid",
        action=Action.avoid,
        message="CrCl below 30 mL/min or dialysis: NSAIDs, including ketorolac, can tip the "
        "kidneys into acute injury.",
        source="AGS Beers 2023 (avoid NSAIDs if CrCl <30); ketorolac label (advanced renal "
        "impairment)",
        severity=Severity.danger,
        evidence=_RENAL + _NSAID,
    ),
    Rule(
        id="renal-nsaid-reduce",
        trigger=lambda f: f.renal_rank == 1,
        target="nsaid",
        action=Action.reduce,
        message="CrCl 30-59 mL/min: lower NSAID dose for the shortest time, keep hydrated, recheck "
        "creatinine if it is continued.",
        source="NICE NG59 (cardio-renal risk); naproxen label (renal impairment)",
        evidence=_RENAL + _NSAID,
        reads=(Gate.crcl_below_60,),
    ),
    Rule(
        id="renal-ketorolac-avoid",
        trigger=when(Gate.crcl_below_60),
        target="ketorolac",
        action=Action.avoid,
        message="Renal impairment: ketorolac is not started (label: reduced dosing in renal "
        "impairment, contraindicated when advanced).",
        source="Ketorolac label",
        evidence=_NSAID,
    ),
    Rule(
        id="renal-tramadol-cap",
        trigger=when(Gate.crcl_below_30),
        target="tramadol",
        action=Action.reduce,
        message="CrCl below 30 mL/min: tramadol every 12 hours, no more than 200 mg a day.",
        source="Tramadol label (renal impairment)",
        evidence=("tramadol", *_RENAL),
    ),
    Rule(
        id="renal-morphine-avoid",
        trigger=when(Gate.crcl_below_30),
        target="morphine",
        action=Action.avoid,
        message="Severe renal impairment: morphine and codeine metabolites accumulate and cause "
        "sedation and respiratory depression.",
        source="Dean M. J Pain Symptom Manage 2004;28:497-504",
        severity=Severity.danger,
        evidence=_RENAL + _OPIOID,
    ),
    Rule(
        id="renal-opioid-reduce",
        trigger=when(Gate.crcl_below_60),
        target="opioid",
        action=Action.reduce,
        message="Reduced kidney function: opioid started at a reduced dose.",
        source="Oxycodone and hydromorphone labels (renal impairment: start low)",
        evidence=_RENAL + _OPIOID,
    ),
    Rule(
        id="renal-gabapentin-cap",
        trigger=when(Gate.crcl_below_60),
        target="gabapentin",
        action=Action.cap,
        message="Gabapentin dose and frequency follow the label's renal table for this CrCl band.",
        source="Neurontin label, Table 1",
        severity=Severity.info,
        evidence=_RENAL,
    ),
    Rule(
        id="renal-duloxetine-avoid",
        trigger=when(Gate.crcl_below_30),
        target="snri",
        action=Action.avoid,
        message="CrCl below 30 mL/min: duloxetine is not recommended.",
        source="Duloxetine label; AGS Beers 2023",
        evidence=_TCA,
    ),
    # ---- Hepatic --------------------------------------------------------------------------
    Rule(
        id="hepatic-nsaid-avoid",
        trigger=when(Condition.cirrhosis),
        target="nsaid",
        action=Action.avoid,
        message="Cirrhosis: NSAIDs risk kidney failure, fluid retention and bleeding.",
        source="AASLD 2021 ascites guidance (Biggins et al., Hepatology 2021)",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    Rule(
        id="hepatic-tramadol",
        trigger=when(Condition.cirrhosis),
        target="tramadol",
        action=Action.reduce,
        message="Cirrhosis: tramadol 50 mg every 12 hours at most.",
        source="Tramadol label (hepatic impairment)",
        variant="hepatic",
        evidence=("tramadol",),
    ),
    Rule(
        id="hepatic-opioid",
        trigger=when(Condition.cirrhosis),
        target="opioid",
        action=Action.reduce,
        message="Cirrhosis: opioid at one-third to one-half of the usual dose, at a longer "
        "interval.",
        source="Oxycodone label (hepatic impairment); hydromorphone label",
        variant="hepatic",
        evidence=_OPIOID,
    ),
    Rule(
        id="hepatic-acetaminophen",
        trigger=when(Condition.cirrhosis),
        target="acetaminophen",
        action=Action.reduce,
        message="Cirrhosis: acetaminophen no more than 2 g a day in total.",
        source="Hepatology guidance (2 g/day ceiling in cirrhosis)",
        variant="hepatic",
        evidence=("acetaminophen",),
    ),
    Rule(
        id="hepatic-duloxetine-avoid",
        trigger=when(Condition.cirrhosis),
        target="snri",
        action=Action.avoid,
        message="Liver disease: duloxetine should not be used.",
        source="Duloxetine label (hepatic insufficiency)",
        evidence=_TCA,
    ),
    Rule(
        id="hepatic-class-unknown",
        trigger=when(Gate.hepatic_class_unknown),
        target="plan",
        action=Action.warn,
        message="Cirrhosis with no Child-Pugh class: read as class A (mild). The labels' limits "
        "for moderate and severe impairment (celecoxib halved at B and not recommended at C; "
        "cyclobenzaprine not recommended at B or C; tapentadol not recommended at C) apply "
        "only when the class is entered.",
        source="Pugh RNH et al., Br J Surg 1973 (Child-Pugh classes); Celebrex label 2 and 8.6; "
        "Flexeril label (hepatic impairment); Nucynta label 8.7",
        severity=Severity.info,
        evidence=("nsaids-ketorolac", "muscle-relaxants"),
    ),
    Rule(
        id="ketorolac-past-5-days",
        trigger=when(Gate.ketorolac_course_over),
        target="ketorolac",
        action=Action.avoid,
        message="Ketorolac's course began more than 5 days ago: the labels allow no more than 5 "
        "days of IV, IM and oral ketorolac combined.",
        source="Ketorolac tromethamine labels, boxed warning (combined duration not to exceed 5 "
        "days)",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    # ---- Older adults: AGS Beers Criteria 2023 --------------------------------------------
    Rule(
        id="beers-ketorolac",
        trigger=when(Gate.older),
        target="ketorolac",
        action=Action.avoid,
        message="Age 65+: Beers lists ketorolac to avoid (GI bleeding, kidney injury). If it was "
        "already given, the label limits are 15 mg IV per dose and 60 mg a day.",
        source="AGS Beers 2023; ketorolac label (age 65+)",
        evidence=_NSAID + _OLD,
    ),
    Rule(
        id="beers-nsaid-reduce",
        trigger=when(Gate.older),
        target="nsaid",
        action=Action.reduce,
        message="Age 65+: short NSAID course at a lower dose with a proton-pump inhibitor.",
        source="AGS Beers 2023 (NSAIDs: avoid chronic use; gastroprotection)",
        evidence=_NSAID + _OLD,
    ),
    Rule(
        id="beers-nsaid-protect",
        trigger=when(Gate.older, Gate.steroids_given),
        target="nsaid",
        action=Action.protect,
        message="NSAID after systemic steroids or at 65+: add gastroprotection.",
        source="AGS Beers 2023 (NSAID with corticosteroid: avoid unless gastroprotection)",
        severity=Severity.info,
        evidence=_NSAID,
    ),
    Rule(
        id="beers-tricyclic",
        trigger=when(Gate.older),
        target="tricyclic",
        action=Action.avoid,
        message="Age 65+: amitriptyline is strongly anticholinergic (confusion, falls, retention).",
        source="AGS Beers 2023",
        evidence=_TCA + _OLD,
    ),
    Rule(
        id="beers-opioid-reduce",
        trigger=when(Gate.older),
        target="opioid",
        action=Action.reduce,
        message="Age 65+: opioid started at a reduced dose.",
        source="CDC 2022 (older adults); Chang 2013 (0.5 mg IV hydromorphone)",
        evidence=_OPIOID + _OLD,
    ),
    Rule(
        id="beers-opioid-gabapentinoid",
        trigger=lambda f: f.older and f.case.radicular,
        target="discharge:opioid",
        action=Action.avoid,
        message="Age 65+: Beers says avoid an opioid together with gabapentin (sedation, "
        "respiratory depression, death); the plan keeps gabapentin for the radicular pain and "
        "leaves out the take-home opioid.",
        source="AGS Beers 2023 (opioid + gabapentinoid)",
        severity=Severity.danger,
        evidence=_OLD + _OPIOID,
        reads=(Gate.older,),
    ),
    Rule(
        id="beers-opioid-benzodiazepine",
        trigger=lambda f: f.older and f.has(Condition.benzodiazepine_use),
        target="opioid",
        action=Action.avoid,
        message="Age 65+ on a benzodiazepine: Beers says avoid adding an opioid (overdose risk).",
        source="AGS Beers 2023 (opioid + benzodiazepine)",
        severity=Severity.danger,
        evidence=_OLD + _OPIOID,
        reads=(Condition.benzodiazepine_use,),
    ),
    Rule(
        id="age75-tramadol-cap",
        trigger=lambda f: f.case.age_years > TRAMADOL_OLDER_CAP_AGE_ABOVE,
        target="tramadol",
        action=Action.cap,
        message="Over 75: tramadol no more than 300 mg a day.",
        source="Tramadol label (age >75)",
        evidence=("tramadol", *_OLD),
        max_daily_mg=300,
        reads=(Gate.older,),
    ),
    Rule(
        id="gabapentin-start-low",
        trigger=when(
            Gate.older,
            Gate.frail,
            Gate.crcl_below_30,
            Condition.copd,
            Condition.sleep_apnea,
            Condition.benzodiazepine_use,
            Condition.fall_risk,
        ),
        target="gabapentin",
        action=Action.reduce,
        message="Gabapentin started at 100 mg (older age, frailty, kidney or lung disease, or "
        "other sedatives): the FDA advises the lowest starting dose.",
        source="FDA Drug Safety Communication, 19 Dec 2019 (gabapentinoids); Northern Ireland "
        "Formulary (100 mg start if frail or sensitive to sedatives)",
        evidence=("gabapentinoids-sciatica",),
    ),
    Rule(
        id="fall-risk-opioid",
        trigger=when(Condition.fall_risk),
        target="opioid",
        action=Action.reduce,
        message="History of falls: opioids only for severe acute pain, at a reduced dose; clear "
        "the walking route and use a night light.",
        source="AGS Beers 2023 (falls: avoid opioids except for severe acute pain)",
        evidence=_OLD,
    ),
    Rule(
        id="beers-falls-gabapentin",
        trigger=lambda f: f.older and f.has(Condition.fall_risk),
        target="gabapentin",
        action=Action.avoid,
        message="Age 65+ with a history of falls: Beers says avoid antiepileptics, gabapentin "
        "included, unless for seizures or mood disorders (dizziness, sedation, falls).",
        source="AGS Beers 2023 (history of falls or fractures)",
        severity=Severity.caution,
        evidence=("gabapentinoids-sciatica", *_OLD),
        reads=(Condition.fall_risk,),
    ),
    Rule(
        id="fall-risk-tricyclic",
        trigger=when(Condition.fall_risk),
        target="tricyclic",
        action=Action.avoid,
        message="History of falls: amitriptyline causes sedation and orthostatic hypotension.",
        source="AGS Beers 2023 (falls)",
        evidence=_TCA + _OLD,
    ),
    # ---- Pregnancy --------------------------------------------------------------------------
    Rule(
        id="pregnancy-nsaid",
        trigger=lambda f: (
            f.case.pregnant and (f.case.pregnancy_weeks or 0) < PREGNANCY_NSAID_AVOID_WEEKS
        ),
        target="nsaid",
        action=Action.avoid,
        message="Pregnancy (under 20 weeks or weeks not entered): NSAIDs are not started here; "
        "from 20 weeks they can harm the fetal kidneys and reduce amniotic fluid, and later they "
        "can close the ductus arteriosus. Before 20 weeks use one only with the obstetric team.",
        source="FDA Drug Safety Communication, 15 Oct 2020",
        severity=Severity.danger,
        evidence=_NSAID + _OLD,
        reads=(Gate.pregnant,),
    ),
    Rule(
        id="pregnancy-nsaid-20-weeks",
        trigger=lambda f: (
            f.case.pregnancy_weeks is not None
            and PREGNANCY_NSAID_AVOID_WEEKS
            <= f.case.pregnancy_weeks
            < PREGNANCY_NSAID_CONTRAINDICATED_WEEKS
        ),
        target="nsaid",
        action=Action.avoid,
        message="Pregnant 20-29 weeks: the FDA says avoid NSAIDs (fetal kidney dysfunction and low "
        "amniotic fluid); if one is essential, the lowest dose for the shortest time with the "
        "obstetric team, with an amniotic fluid scan if it lasts over 48 hours.",
        source="FDA Drug Safety Communication, 15 Oct 2020 (20 weeks)",
        severity=Severity.danger,
        evidence=_NSAID + _OLD,
        reads=(Gate.pregnant,),
    ),
    Rule(
        id="pregnancy-nsaid-30-weeks",
        trigger=lambda f: (
            f.case.pregnancy_weeks is not None
            and f.case.pregnancy_weeks >= PREGNANCY_NSAID_CONTRAINDICATED_WEEKS
        ),
        target="nsaid",
        action=Action.avoid,
        message="Pregnant 30 weeks or more: NSAIDs are contraindicated (premature closure of the "
        "fetal ductus arteriosus, on top of the kidney and amniotic fluid harm from 20 weeks).",
        source="FDA Drug Safety Communication, 15 Oct 2020; NSAID labels (avoid at 30 weeks and "
        "later)",
        severity=Severity.danger,
        evidence=_NSAID + _OLD,
        reads=(Gate.pregnant,),
    ),
    Rule(
        id="pregnancy-opioid",
        trigger=when(Gate.pregnant),
        target="opioid",
        action=Action.warn,
        message="Pregnancy: if an opioid is needed, lowest dose for the shortest time and tell the "
        "obstetric team (neonatal withdrawal follows prolonged use).",
        source="Opioid labels (neonatal opioid withdrawal syndrome boxed warning); CDC 2022",
        evidence=_OLD + _OPIOID,
    ),
    Rule(
        id="pregnancy-tramadol",
        trigger=when(Gate.pregnant),
        target="tramadol",
        action=Action.avoid,
        message="Pregnancy: tramadol is not used (seizure and serotonin risk, unpredictable CYP2D6 "
        "metabolism, neonatal withdrawal).",
        source="Tramadol label",
        evidence=("tramadol", *_OLD),
    ),
    Rule(
        id="pregnancy-gabapentin",
        trigger=when(Gate.pregnant),
        target="gabapentin",
        action=Action.avoid,
        message="Pregnancy: gabapentin is not started here; its benefit in sciatica is small and "
        "pregnancy safety data are limited. Decide with the obstetric team.",
        source="Neurontin label (pregnancy); NICE NG59",
        evidence=("gabapentinoids-sciatica", *_OLD),
    ),
    Rule(
        id="pregnancy-antidepressant",
        trigger=when(Gate.pregnant),
        target="antidepressant",
        action=Action.avoid,
        message="Pregnancy: amitriptyline or duloxetine are not started for back pain.",
        source="NICE NG59 (do not offer for low back pain); labels (pregnancy)",
        evidence=_TCA + _OLD,
    ),
    # ---- Bleeding, GI and cardiovascular risk: NSAIDs ---------------------------------------
    Rule(
        id="gi-nsaid",
        trigger=when(Condition.gi_bleed_history, Condition.peptic_ulcer),
        target="nsaid",
        action=Action.avoid,
        message="Previous GI bleeding or peptic ulcer: NSAIDs are contraindicated.",
        source="Ketorolac label (contraindications); NSAID class labelling; AGS Beers 2023",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    Rule(
        id="anticoagulant-nsaid",
        trigger=when(Condition.anticoagulant_use),
        target="nsaid",
        action=Action.avoid,
        message="On an anticoagulant: an NSAID multiplies the bleeding risk.",
        source="NSAID labels (bleeding warning); AGS Beers 2023",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    Rule(
        id="antiplatelet-nsaid",
        trigger=when(Condition.antiplatelet_use),
        target="nsaid",
        action=Action.avoid,
        message="On an antiplatelet: NSAIDs add GI bleeding risk, ketorolac is contraindicated "
        "with aspirin, and ibuprofen or naproxen can blunt aspirin's protection.",
        source="Ketorolac label; FDA 2006 ibuprofen-aspirin interaction notice; AGS Beers 2023",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    Rule(
        id="heart-failure-nsaid",
        trigger=when(Condition.heart_failure),
        target="nsaid",
        action=Action.avoid,
        message="Heart failure: NSAIDs cause fluid retention and decompensation.",
        source="AHA/ACC/HFSA 2022 heart failure guideline; NSAID labels",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    Rule(
        id="recent-mi-nsaid",
        trigger=when(Condition.recent_mi),
        target="nsaid",
        action=Action.avoid,
        message="Recent myocardial infarction: NSAIDs raise the risk of another cardiovascular "
        "event.",
        source="FDA 2015 NSAID labelling (boxed cardiovascular warning)",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
    Rule(
        id="ckd-nsaid-caution",
        trigger=lambda f: f.has(Condition.ckd) and not f.crcl_below_30,
        target="nsaid",
        action=Action.reduce,
        message="Chronic kidney disease: lower NSAID dose, shortest course, recheck creatinine.",
        source="NICE NG59; AGS Beers 2023",
        evidence=_NSAID + _RENAL,
        reads=(Condition.ckd,),
    ),
    # ---- NSAIDs with regular medicines (interactions) ----------------------------------------
    Rule(
        id="nsaid-triple-whammy",
        trigger=lambda f: f.raas_blocker_and_diuretic,
        target="nsaid",
        action=Action.avoid,
        message="Takes an ACE inhibitor or ARB together with a diuretic: adding an NSAID (the "
        "'triple whammy') raised the rate of acute kidney injury by about a third, most in the "
        "first 30 days, and the NSAID labels name patients on diuretics, ACE inhibitors or ARBs "
        "among those at greatest risk of NSAID kidney injury. No NSAID; acetaminophen instead.",
        source="Lapi F et al., BMJ 2013;346:e8525 (triple therapy: rate ratio 1.31, 95% CI "
        "1.12-1.53); naproxen label (diuretics: watch for renal failure); ramipril label "
        "(NSAIDs in the volume-depleted, on diuretics: acute renal failure)",
        severity=Severity.danger,
        evidence=_NSAID + _RENAL,
        reads=(Trait.nsaid_kidney_risk,),
    ),
    Rule(
        id="nsaid-kidney-risk-warn",
        trigger=when(Trait.nsaid_kidney_risk),
        target="nsaid",
        action=Action.warn,
        message="Takes an ACE inhibitor, ARB or diuretic: an NSAID can blunt its blood-pressure or "
        "diuretic effect, and in older, volume-depleted or renally impaired patients it can "
        "worsen kidney function. Shortest course, keep hydrated; if the NSAID continues, "
        "check creatinine and potassium and the blood pressure.",
        source="Naproxen label (diuretics: reduced natriuretic effect, watch renal function); "
        "ramipril label (NSAIDs: attenuated effect; renal function in the elderly or "
        "volume-depleted); NSAID labels (hyperkalaemia)",
        evidence=_NSAID + _RENAL,
    ),
    Rule(
        id="nsaid-lithium",
        trigger=lambda f: f.takes_named(Trait.nsaid_raises_level, "lithium"),
        target="nsaid",
        action=Action.avoid,
        message="Takes lithium: NSAIDs cut its renal clearance (in the label study the lowest "
        "lithium level rose about 15 % and clearance fell about 20 %, and larger rises occur), and "
        "lithium has a narrow margin. A course started here cannot have its lithium level checked "
        "within days, so no NSAID; acetaminophen does not change lithium clearance. If an NSAID is "
        "essential, agree it with the lithium prescriber and check the level every 4-5 days.",
        source="Naproxen label (lithium: levels rise, watch for toxicity); lithium label (monitor "
        "levels closely when an NSAID is started or stopped); Ragheb M, J Clin "
        "Psychopharmacol 1990 (levels every 4-5 days)",
        severity=Severity.danger,
        evidence=_NSAID,
        reads=(Trait.nsaid_raises_level,),
    ),
    Rule(
        id="nsaid-methotrexate",
        trigger=lambda f: f.takes_named(Trait.nsaid_raises_level, "methotrexate"),
        target="nsaid",
        action=Action.warn,
        message="Takes methotrexate: NSAIDs slow its renal clearance and can raise its toxicity "
        "(low blood counts, kidney injury, mouth ulcers). With a low weekly dose (arthritis, "
        "psoriasis) a short NSAID course is usually kept with normal kidney function, checked "
        "creatinine and the prescriber told; never around a high (cancer) dose, and stop it if "
        "mouth ulcers, fever or bleeding appear.",
        source="Naproxen label (methotrexate: caution, toxicity may rise); methotrexate label "
        "(NSAIDs: monitor closely; severe, even fatal toxicity mainly at high doses); "
        "Colebatch AN et al., J Rheumatol Suppl 2012;90:62-73 (no rise in major toxicity "
        "with low-dose methotrexate)",
        evidence=_NSAID,
        reads=(Trait.nsaid_raises_level,),
    ),
    # ---- Substance use ----------------------------------------------------------------------
    Rule(
        id="oud-opioid",
        trigger=when(Condition.opioid_use_disorder, Condition.substance_use_disorder),
        target="opioid",
        action=Action.avoid,
        message="Opioid or other substance use disorder: no opioid prescription without addiction-"
        "medicine input. Continue buprenorphine or methadone if the patient takes them, offer "
        "treatment for the use disorder, and give naloxone.",
        source="CDC 2022 recs 8 and 12",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="oud-gabapentin",
        trigger=when(Condition.opioid_use_disorder, Condition.substance_use_disorder),
        target="gabapentin",
        action=Action.warn,
        message="Substance use disorder: gabapentin is misused, mostly with opioids; prescribe "
        "small quantities and review.",
        source="Neurontin label (abuse and dependence)",
        evidence=("gabapentinoids-sciatica",),
    ),
    # ---- Respiratory depression --------------------------------------------------------------
    Rule(
        id="benzodiazepine-opioid",
        trigger=when(Condition.benzodiazepine_use),
        target="opioid",
        action=Action.reduce,
        message="Takes or was given a benzodiazepine: with an opioid the overdose risk multiplies. "
        "Reduced dose "
        "under observation, naloxone, and no take-home opioid.",
        source="CDC 2022 rec 11; FDA 2016 boxed warning (opioid + benzodiazepine)",
        severity=Severity.danger,
        evidence=(*_OPIOID, "benzodiazepines"),
    ),
    Rule(
        id="sleep-apnea-opioid",
        trigger=when(Condition.sleep_apnea),
        target="opioid",
        action=Action.reduce,
        message="Sleep apnoea: opioids worsen nocturnal hypoventilation. Reduced dose, CPAP at "
        "night, naloxone.",
        source="CDC 2022 (sleep-disordered breathing)",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="no-take-home-opioid-sedation",
        trigger=when(Condition.benzodiazepine_use, Condition.sleep_apnea),
        target="discharge:opioid",
        action=Action.avoid,
        message="On a benzodiazepine or with sleep apnoea: no take-home opioid. Overnight, "
        "unmonitored, the combination can stop breathing; a reduced dose under observation is the "
        "limit.",
        source="CDC 2022 rec 11 (avoid opioid with benzodiazepine when possible); CDC 2022 "
        "(sleep-disordered breathing)",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="cns-depressant-opioid",
        trigger=lambda f: bool(f.sedating_regular),
        target="opioid",
        action=Action.reduce,
        message=_CO_SEDATION_MESSAGE,
        source="Opioid labels (boxed warning: benzodiazepines and other CNS depressants); FDA Drug "
        "Safety Communication, 19 Dec 2019 (gabapentinoids with opioids); FDA Drug Safety "
        "Communication, 23 Jul 2020 (naloxone with other CNS depressants)",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Trait.cns_depressant,),
        named=_co_sedation_message,
    ),
    Rule(
        id="copd-opioid",
        trigger=when(Condition.copd),
        target="opioid",
        action=Action.reduce,
        message="COPD: opioids can depress breathing. Reduced dose, naloxone.",
        source="Opioid labels (chronic pulmonary disease); CDC 2022",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="opioid-tolerant",
        trigger=when(Condition.opioid_tolerant),
        target="opioid",
        action=Action.warn,
        message="Opioid-tolerant: the doses shown are for opioid-naive patients and may be too "
        "small. Base any change on the home regimen, do not stop it abruptly, and count it in the "
        "MME.",
        source="CDC 2022 rec 5",
        evidence=_OPIOID,
    ),
    # ---- Serotonin toxicity, seizures, anticholinergic harm ----------------------------------
    Rule(
        id="serotonergic-tramadol",
        trigger=lambda f: (
            Condition.serotonergic_drug_use in f.case.conditions or f.takes(Trait.serotonergic)
        ),
        target="tramadol",
        action=Action.avoid,
        message="On a serotonergic drug (SSRI, SNRI, TCA, MAOI, triptan): tramadol can cause "
        "serotonin syndrome.",
        source="Tramadol label (serotonin syndrome)",
        severity=Severity.danger,
        evidence=("tramadol",),
        reads=(Condition.serotonergic_drug_use,),
    ),
    Rule(
        id="seizure-tramadol",
        trigger=when(Condition.seizure_disorder),
        target="tramadol",
        action=Action.avoid,
        message="Seizure disorder: tramadol lowers the seizure threshold.",
        source="Tramadol label (seizure risk)",
        severity=Severity.danger,
        evidence=("tramadol",),
    ),
    Rule(
        id="serotonergic-antidepressant",
        trigger=when(Condition.serotonergic_drug_use),
        target="antidepressant",
        action=Action.avoid,
        message="Already on a serotonergic drug: adding amitriptyline or duloxetine raises the "
        "risk of serotonin toxicity.",
        source="Amitriptyline and duloxetine labels (serotonin syndrome)",
        evidence=_TCA,
    ),
    Rule(
        id="seizure-tricyclic",
        trigger=when(Condition.seizure_disorder),
        target="tricyclic",
        action=Action.warn,
        message="Seizure disorder: tricyclics lower the seizure threshold; use only with caution.",
        source="Amitriptyline label",
        evidence=_TCA,
    ),
    Rule(
        id="conduction-tricyclic",
        trigger=when(Condition.cardiac_conduction_disease, Condition.recent_mi),
        target="tricyclic",
        action=Action.avoid,
        message="Conduction disease or recent myocardial infarction: tricyclics can cause "
        "arrhythmia and heart block.",
        source="Amitriptyline label (contraindicated in the acute recovery phase after MI)",
        severity=Severity.danger,
        evidence=_TCA,
    ),
    Rule(
        id="glaucoma-tricyclic",
        trigger=when(Condition.glaucoma),
        target="tricyclic",
        action=Action.avoid,
        message="Glaucoma: amitriptyline's anticholinergic effect can trigger angle closure.",
        source="Amitriptyline label",
        evidence=_TCA,
    ),
    Rule(
        id="retention-tricyclic",
        trigger=when(Condition.urinary_retention_history),
        target="tricyclic",
        action=Action.avoid,
        message="History of urinary retention: amitriptyline can bring it back.",
        source="Amitriptyline label (anticholinergic effects)",
        evidence=_TCA,
    ),
    # ---- Medicines the patient takes or was given (logic.engine.medications) ---------------------
    Rule(
        id="seizure-threshold-tramadol",
        trigger=lambda f: f.takes(Trait.lowers_seizure_threshold),
        target="tramadol",
        action=Action.avoid,
        message="Takes or was given a medicine that lowers the seizure threshold (an SSRI, SNRI, "
        "tricyclic or tricyclic-like drug such as cyclobenzaprine, bupropion, an antipsychotic "
        "or an MAOI): tramadol adds seizure risk.",
        source="Tramadol label (seizure risk with SSRIs, SNRIs, TCAs, other tricyclic compounds, "
        "MAOIs, neuroleptics)",
        severity=Severity.danger,
        evidence=("tramadol",),
        reads=(Trait.lowers_seizure_threshold,),
    ),
    Rule(
        id="maoi-opioid",
        trigger=when(Trait.maoi),
        target="opioid",
        action=Action.avoid,
        message="Takes or was given an MAOI (linezolid and methylene blue count; the interaction "
        "lasts 14 days after stopping): tramadol, tapentadol, meperidine and methadone are "
        "contraindicated or not recommended, and the oxycodone and hydromorphone labels say not to "
        "use them with an MAOI or within 14 days (serotonin syndrome or opioid toxicity). "
        "Non-opioid plan; if an opioid is unavoidable, only with specialist advice.",
        source="Tramadol and tapentadol labels (contraindicated with MAOIs); oxycodone and "
        "Dilaudid labels (not recommended with or within 14 days of an MAOI); FDA Drug Safety "
        "Communication, 22 Mar 2016",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="maoi-antidepressant",
        trigger=when(Trait.maoi),
        target="antidepressant",
        action=Action.avoid,
        message="Takes or was given an MAOI: amitriptyline and duloxetine are contraindicated with "
        "an MAOI or within 14 days of one (serotonin syndrome).",
        source="Cymbalta label (contraindicated with MAOIs); amitriptyline label (contraindicated "
        "with MAOIs)",
        severity=Severity.danger,
        evidence=_TCA,
    ),
    Rule(
        id="naltrexone-opioid",
        trigger=when(Trait.opioid_blocker),
        target="opioid",
        action=Action.avoid,
        message="Takes naltrexone: it blocks opioids, so an opioid dose will not relieve pain, and "
        "trying to overcome the block with high doses can cause a fatal overdose. Non-opioid "
        "plan; for severe pain ask the acute pain service (regional anaesthesia, monitored "
        "care).",
        source="Vivitrol label (overcoming the opioid blockade: risk of fatal overdose)",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="moud-opioid",
        trigger=lambda f: bool(f.meds.moud),
        target="opioid",
        action=Action.avoid,
        message="Takes buprenorphine or methadone: continue it at the usual dose (do not stop it "
        "for the pain), treat the pain on top with non-opioid drugs, and tell the prescriber or "
        "treatment programme. Any extra opioid for acute pain is decided with them or the acute "
        "pain service, under observation: doses differ on these medicines.",
        source="CDC 2022 rec 12; Suboxone and Dolophine labels",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Trait.moud,),
    ),
    Rule(
        id="moud-continue",
        trigger=lambda f: bool(f.meds.moud) and not set(f.meds.moud) & set(unsafe_home_opioids(f)),
        target="plan",
        action=Action.warn,
        message="Buprenorphine or methadone: continue it, confirm the dose with the prescriber or "
        "treatment programme, tell them about this visit, and offer naloxone.",
        source="CDC 2022 recs 8 and 12",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Trait.moud,),
    ),
    Rule(
        id="home-opioid-continue",
        # The continue advice only when no row below flags a home opioid as unsafe here.
        trigger=lambda f: (
            bool(f.meds.home_opioids) and not f.meds.moud and not unsafe_home_opioids(f)
        ),
        target="plan",
        action=Action.warn,
        message="Takes an opioid regularly: continue the home regimen (do not stop it abruptly), "
        "count it in the total MME, and do not add a second long-acting opioid.",
        source="CDC 2022 recs 3, 4 and 5",
        severity=Severity.caution,
        evidence=_OPIOID,
        reads=(Trait.opioid,),
    ),
    Rule(
        id="cyp3a4-oxycodone",
        trigger=lambda f: f.takes(Trait.strong_cyp3a4_inhibitor),
        target="oxycodone",
        action=Action.avoid,
        message="Takes a strong CYP3A4 inhibitor (clarithromycin, an azole antifungal, ritonavir): "
        "it raises oxycodone levels and can cause fatal respiratory depression. Hydromorphone is "
        "not metabolised by CYP3A4.",
        source="Oxycodone label (boxed warning: CYP3A4 inhibitors); Dilaudid label",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Trait.strong_cyp3a4_inhibitor,),
    ),
    Rule(
        id="cyp3a4-home-opioid",
        trigger=lambda f: (
            f.takes(Trait.strong_cyp3a4_inhibitor)
            and not f.meds.current.isdisjoint({"fentanyl", "methadone", "oxycodone"})
        ),
        target="plan",
        action=Action.warn,
        message="A strong CYP3A4 inhibitor with a home fentanyl, methadone or oxycodone regimen: "
        "their levels rise (fatal respiratory depression). Watch breathing and sedation, and ask "
        "the prescriber about the dose while the inhibitor is taken.",
        source="Duragesic, Dolophine and OxyContin labels (boxed warning: CYP3A4 inhibitors)",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Trait.strong_cyp3a4_inhibitor,),
    ),
    Rule(
        id="duplicate-current",
        trigger=when(Gate.current_medicines),
        target="duplicate",
        action=Action.avoid,
        message="Already takes this medicine or one of its class: a second one adds harm, not "
        "relief.",
        source="NSAID labels (no two NSAIDs); Neurontin and Lyrica labels (CNS depression); SNRI "
        "and TCA labels (serotonin syndrome)",
        evidence=("non-drug-care",),
    ),
    Rule(
        id="failed-same-or-lower-dose",
        trigger=when(Gate.failed),
        target="failed",
        action=Action.avoid,
        message="Failed this episode at the same or a higher dose: repeating it adds harm, not "
        "relief.",
        source="CDC 2022 rec 1 (reassess, do not escalate by reflex); ACP 2017",
        evidence=("non-drug-care",),
    ),
    # ---- Allergies -------------------------------------------------------------------------
    Rule(
        id="allergy-nsaid",
        trigger=lambda f: f.nsaid_allergy,
        target="nsaid",
        action=Action.avoid,
        message="NSAID or aspirin hypersensitivity: every NSAID is contraindicated "
        "(cross-reactivity, including aspirin-exacerbated respiratory disease).",
        source="NSAID labels (contraindicated after asthma, urticaria or allergic reactions to "
        "aspirin or other NSAIDs)",
        severity=Severity.danger,
        evidence=_NSAID,
        reads=(Gate.allergy,),
    ),
    Rule(
        id="allergy-opioid",
        trigger=lambda f: f.opioid_allergy,
        target="opioid",
        action=Action.avoid,
        message="Opioid allergy recorded for the whole class: no opioid. If the reaction was "
        "itching or nausea (not allergy), record the drug instead so others stay available.",
        source="Opioid labels (contraindicated in hypersensitivity)",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Gate.allergy,),
    ),
    Rule(
        id="allergy-drug",
        trigger=lambda f: bool(f.case.allergic_to),
        target="allergy",
        action=Action.avoid,
        message="Allergic to this medicine: it is contraindicated.",
        source="Product labels (contraindicated in known hypersensitivity)",
        severity=Severity.danger,
        evidence=("non-drug-care",),
        reads=(Gate.allergy,),
    ),
    # ---- Breastfeeding, alcohol, weight ----------------------------------------------------
    Rule(
        id="breastfeeding-tramadol",
        trigger=when(Gate.breastfeeding),
        target="tramadol",
        action=Action.avoid,
        message="Breastfeeding: no tramadol or codeine (ultra-rapid metabolisers pass enough "
        "active metabolite in milk to cause breathing problems and death in infants).",
        source="FDA Drug Safety Communication, 20 Apr 2017 (codeine and tramadol)",
        severity=Severity.danger,
        evidence=("tramadol", *_OLD),
    ),
    Rule(
        id="breastfeeding-opioid",
        trigger=when(Gate.breastfeeding),
        target="opioid",
        action=Action.warn,
        message="Breastfeeding: if an opioid is used, the lowest dose for the shortest time; watch "
        "the baby for unusual sleepiness, feeding difficulty or limpness.",
        source="Oxycodone label (lactation)",
        evidence=_OPIOID,
    ),
    Rule(
        id="alcohol-acetaminophen",
        trigger=when(Gate.heavy_alcohol),
        target="acetaminophen",
        action=Action.reduce,
        message="Heavy alcohol use: acetaminophen no more than 2 g a day in total (liver injury).",
        source="Acetaminophen label (liver warning: 3 or more drinks a day); AGS 2009 persistent "
        "pain guideline (cut the maximum by 50-75% with alcohol misuse or hepatic insufficiency)",
        variant="hepatic",
        evidence=("acetaminophen",),
    ),
    Rule(
        id="alcohol-opioid",
        trigger=when(Gate.heavy_alcohol),
        target="opioid",
        action=Action.reduce,
        message="Heavy alcohol use: alcohol with an opioid adds sedation and respiratory "
        "depression. Reduced dose, no alcohol while taking it.",
        source="Opioid labels (boxed warning: CNS depressants, alcohol)",
        severity=Severity.danger,
        evidence=_OPIOID,
    ),
    Rule(
        id="weight-acetaminophen",
        trigger=when(Gate.low_weight),
        target="acetaminophen",
        action=Action.cap,
        message="Under 50 kg: acetaminophen 15 mg/kg a dose and no more than 75 mg/kg a day.",
        source="Ofirmev (acetaminophen) label: adults under 50 kg",
        evidence=("acetaminophen",),
        mg_per_kg_dose=ACETAMINOPHEN_MG_PER_KG_DOSE,
        mg_per_kg_day=ACETAMINOPHEN_MG_PER_KG_DAY,
    ),
    Rule(
        id="older-low-weight-acetaminophen",
        # The weight line is Gate.low_weight's (Facts), so it is written once.
        trigger=lambda f: f.older and Gate.low_weight in f.keys,
        target="acetaminophen",
        action=Action.cap,
        message="Age 65+ and under 50 kg: acetaminophen no more than 60 mg/kg a day (stricter than "
        "the label's 75 mg/kg for adults under 50 kg).",
        source="Australian consensus guidance, as cited by Reid et al., Br J Clin Pharmacol 2022 "
        "(PMID 35535712): 60 mg/kg/day for older people under 50 kg",
        evidence=("acetaminophen", *_OLD),
        mg_per_kg_day=OLDER_LOW_WEIGHT_ACETAMINOPHEN_MG_PER_KG_DAY,
        reads=(Gate.low_weight,),
    ),
    Rule(
        id="frail-acetaminophen",
        trigger=when(Gate.frail),
        target="acetaminophen",
        action=Action.cap,
        message="Frail: acetaminophen no more than 3 g a day in total, combination products "
        "included.",
        source="Australian consensus guidance, as cited by Reid et al., Br J Clin Pharmacol 2022 "
        "(PMID 35535712): 3000 mg/day for frail older people",
        evidence=("acetaminophen", *_OLD),
        max_daily_mg=FRAIL_ACETAMINOPHEN_MAX_DAILY_MG,
    ),
    Rule(
        id="frail-opioid",
        trigger=when(Gate.frail),
        target="opioid",
        action=Action.reduce,
        message="Frail, cachectic or debilitated: the oxycodone and hydromorphone labels warn that "
        "life-threatening respiratory depression is more likely. Opioid started at a reduced "
        "dose, with sedation and breathing watched closely.",
        source="Oxycodone and hydromorphone labels (respiratory depression in elderly, cachectic "
        "or debilitated patients)",
        evidence=_OPIOID + _OLD,
    ),
    Rule(
        id="weight-ketorolac",
        trigger=when(Gate.low_weight),
        target="ketorolac",
        action=Action.cap,
        message="Under 50 kg: ketorolac no more than 15 mg IV a dose and 60 mg a day, 5 days in "
        "total.",
        source="Ketorolac label (under 50 kg)",
        evidence=_NSAID,
        max_dose_mg=KETOROLAC_LOW_WEIGHT_MAX_DOSE_MG,
        max_daily_mg=KETOROLAC_LOW_WEIGHT_MAX_DAILY_MG,
    ),
    # ---- Regular medicines that are themselves unsafe for this patient ----------------------
    # The review of what was tried (logic.engine.review) covers this episode's medicines; these rows
    # cover what the patient takes regularly. Each is a plan-wide warning; its `named` function
    # words it with the patient's own medicines. Danger where the label or FDA communication
    # says contraindicated, not recommended or boxed; caution for a label warning.
    Rule(
        id="breastfeeding-home-codeine-tramadol",
        trigger=lambda f: bool(breastfeeding_home_opioids(f)),
        target="plan",
        action=Action.warn,
        message="Breastfeeding and takes codeine or tramadol regularly: the FDA recommends against "
        "both while breastfeeding (ultra-rapid metabolisers pass enough morphine or "
        "O-desmethyltramadol into the milk to cause breathing problems and death in infants). Stop "
        "it and switch to a non-codeine, non-tramadol analgesic with the prescriber; do not simply "
        "continue it. Watch the baby for sleepiness, feeding difficulty or limpness.",
        source="FDA Drug Safety Communication, 20 Apr 2017 (codeine and tramadol); codeine and "
        "tramadol labels (lactation: not recommended)",
        severity=Severity.danger,
        evidence=("tramadol", *_OLD),
        reads=(Gate.breastfeeding,),
        named=_breastfeeding_message,
    ),
    Rule(
        id="maoi-home-opioid",
        trigger=lambda f: bool(maoi_home_opioids(f)),
        target="plan",
        action=Action.warn,
        message="Takes an opioid regularly with an MAOI (or within 14 days of one): tramadol, "
        "tapentadol and meperidine are contraindicated with an MAOI, and the other opioid labels "
        "say not recommended with or within 14 days of one (serotonin syndrome or opioid "
        "toxicity). Review with both prescribers today; do not simply continue it, and do not stop "
        "a daily opioid abruptly.",
        source="Ultram, Nucynta and Demerol labels (contraindicated with MAOIs); oxycodone, "
        "Dolophine and Duragesic labels (not recommended within 14 days of an MAOI); FDA Drug "
        "Safety Communication, 22 Mar 2016",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Trait.maoi,),
        named=_maoi_message,
    ),
    Rule(
        id="serotonergic-home-opioid",
        trigger=lambda f: bool(serotonergic_home_opioids(f)),
        target="plan",
        action=Action.warn,
        message="Takes tramadol (or tapentadol or meperidine) regularly with a serotonergic or "
        "seizure-threshold-lowering medicine, or with a seizure disorder: the label warns of "
        "serotonin syndrome and seizures. Review with the prescriber; do not simply continue "
        "it, and teach the signs (agitation, tremor, fever, sweating, a seizure).",
        source="Ultram label (serotonin syndrome; seizure risk with SSRIs, SNRIs, TCAs); Nucynta "
        "and Demerol labels (serotonin syndrome)",
        severity=Severity.caution,
        evidence=("tramadol",),
        reads=(Trait.serotonergic,),
        named=_serotonergic_message,
    ),
    Rule(
        id="benzodiazepine-home-opioid",
        trigger=lambda f: bool(benzodiazepine_home_opioids(f)),
        target="plan",
        action=Action.warn,
        message="Takes an opioid and a benzodiazepine regularly: the opioid boxed warning says the "
        "combination can cause profound sedation, respiratory depression, coma and death. "
        "Review the home combination with the prescriber (a supervised benzodiazepine taper is "
        "usually the first step; never stop either abruptly); do not simply continue it, and "
        "offer naloxone.",
        source="Opioid labels (boxed warning: benzodiazepines); CDC 2022 rec 11; AGS Beers 2023 "
        "(opioid + benzodiazepine)",
        severity=Severity.danger,
        evidence=(*_OPIOID, "benzodiazepines"),
        reads=(Condition.benzodiazepine_use,),
        named=_benzodiazepine_message,
    ),
    Rule(
        id="home-opioid-review",
        trigger=lambda f: bool(unsafe_home_opioids(f)),
        target="plan",
        action=Action.warn,
        message="Takes an opioid regularly that a warning here flags as unsafe for this patient: "
        "do not simply continue the home regimen. Change it with the prescriber (a switch or a "
        "supervised taper; CDC 2022 advises against an abrupt stop of a daily opioid unless a "
        "life-threatening problem requires it), count it in the total MME, and do not add a second "
        "long-acting opioid.",
        source="CDC 2022 recs 3, 4 and 5",
        severity=Severity.caution,
        evidence=_OPIOID,
        reads=(Trait.opioid,),
        named=_review_message,
    ),
    Rule(
        id="pregnancy-home-nsaid-20-weeks",
        trigger=lambda f: (
            f.case.pregnant
            and (
                f.case.pregnancy_weeks is None
                or PREGNANCY_NSAID_AVOID_WEEKS
                <= f.case.pregnancy_weeks
                < PREGNANCY_NSAID_CONTRAINDICATED_WEEKS
            )
            and bool(regular_nsaids(f))
        ),
        target="plan",
        action=Action.warn,
        message="Pregnant (20-29 weeks, or weeks not entered) and takes an NSAID regularly: the "
        "FDA says avoid NSAIDs from 20 weeks (fetal kidney dysfunction, low amniotic fluid). Stop "
        "it and use acetaminophen; if the obstetric team judges it essential, the lowest dose for "
        "the shortest time, with an amniotic fluid scan if it lasts over 48 hours.",
        source="FDA Drug Safety Communication, 15 Oct 2020 (NSAIDs from 20 weeks; 81 mg aspirin "
        "exempt)",
        severity=Severity.caution,
        evidence=_NSAID + _OLD,
        reads=(Gate.pregnant,),
        named=_pregnancy_20_message,
    ),
    Rule(
        id="pregnancy-home-nsaid-30-weeks",
        trigger=lambda f: (
            f.case.pregnancy_weeks is not None
            and f.case.pregnancy_weeks >= PREGNANCY_NSAID_CONTRAINDICATED_WEEKS
            and bool(regular_nsaids(f))
        ),
        target="plan",
        action=Action.warn,
        message="Pregnant 30 weeks or more and takes an NSAID regularly: the NSAID labels say "
        "avoid from 30 weeks (premature closure of the fetal ductus arteriosus, on top of the "
        "kidney and amniotic fluid harm from 20 weeks). Stop it today and tell the obstetric team; "
        "do not simply continue it.",
        source="NSAID labels (fetal toxicity: avoid at 30 weeks and later); FDA Drug Safety "
        "Communication, 15 Oct 2020",
        severity=Severity.danger,
        evidence=_NSAID + _OLD,
        reads=(Gate.pregnant,),
        named=_pregnancy_30_message,
    ),
    Rule(
        id="anticoagulant-home-nsaid",
        trigger=lambda f: f.has(Condition.anticoagulant_use) and bool(regular_nsaids(f)),
        target="plan",
        action=Action.warn,
        message="Takes an NSAID regularly with an anticoagulant: the NSAID labels warn that the "
        "combination raises the risk of serious bleeding, and Beers says avoid it. Review with "
        "the prescriber (acetaminophen or a topical instead); do not simply continue it.",
        source="NSAID labels (hematologic toxicity: anticoagulants); AGS Beers 2023 (warfarin or a "
        "DOAC with an NSAID)",
        severity=Severity.caution,
        evidence=_NSAID,
        reads=(Condition.anticoagulant_use,),
        named=_anticoagulant_message,
    ),
    Rule(
        id="renal-home-nsaid",
        trigger=lambda f: f.crcl_below_30 and bool(regular_nsaids(f)),
        target="plan",
        action=Action.warn,
        message="CrCl below 30 mL/min or dialysis and takes an NSAID regularly: Beers says avoid "
        "NSAIDs at this kidney function and the NSAID labels do not recommend them in advanced "
        "renal disease (acute kidney injury, hyperkalaemia). Review with the prescriber; do "
        "not simply continue it.",
        source="AGS Beers 2023 (avoid NSAIDs if CrCl <30); NSAID labels (renal toxicity: advanced "
        "renal disease)",
        severity=Severity.caution,
        evidence=_RENAL + _NSAID,
        reads=(Gate.crcl_below_30,),
        named=_renal_message,
    ),
    Rule(
        id="gi-home-nsaid",
        trigger=lambda f: (
            f.has(Condition.gi_bleed_history, Condition.peptic_ulcer) and bool(regular_nsaids(f))
        ),
        target="plan",
        action=Action.warn,
        message="Takes an NSAID regularly after GI bleeding or a peptic ulcer: the NSAID labels "
        "put the risk of another bleed at more than ten times higher, and Beers says avoid unless "
        "nothing else works and a proton-pump inhibitor is given. Review with the prescriber; do "
        "not simply continue it.",
        source="NSAID labels (GI bleeding, ulceration and perforation); AGS Beers 2023 (history of "
        "gastric or duodenal ulcers)",
        severity=Severity.caution,
        evidence=_NSAID,
        reads=(Condition.gi_bleed_history, Condition.peptic_ulcer),
        named=_gi_message,
    ),
    # Long QT (an issue-20 input): the labels that name QT prolongation.
    Rule(
        id="qt-tricyclic",
        trigger=when(Condition.qt_prolongation),
        target="tricyclic",
        action=Action.avoid,
        message="Long QT: tricyclics prolong cardiac conduction and the QT interval, and "
        "arrhythmias occur even at usual doses in heart disease.",
        source="Amitriptyline label (Warnings: arrhythmias, prolonged conduction time; prolonged "
        "QT a sign of toxicity); amitriptyline UK SmPC 4.4 (QT prolongation reported)",
        severity=Severity.danger,
        evidence=_TCA,
    ),
    Rule(
        id="qt-cyclobenzaprine",
        trigger=when(Condition.qt_prolongation),
        target="muscle_relaxant",
        action=Action.avoid,
        message="Long QT: cyclobenzaprine is a tricyclic compound and its label contraindicates "
        "it with arrhythmias or conduction disturbances.",
        source="Flexeril (cyclobenzaprine) label, Contraindications (arrhythmias, heart block or "
        "conduction disturbances)",
        evidence=("muscle-relaxants",),
    ),
    Rule(
        id="qt-tramadol",
        trigger=when(Condition.qt_prolongation),
        target="tramadol",
        action=Action.warn,
        message="Long QT: QT prolongation and torsades de pointes are reported with tramadol, "
        "most often with another QT-prolonging drug, low potassium or overdose; check "
        "electrolytes and keep to the lowest dose.",
        source="Ultram (tramadol) label, 6.2 Postmarketing experience (QT prolongation/torsade "
        "de pointes)",
        evidence=("tramadol",),
    ),
    Rule(
        id="qt-home-drug",
        trigger=lambda f: f.has(Condition.qt_prolongation) and bool(qt_medicines(f)),
        target="plan",
        action=Action.warn,
        message="Long QT and a QT-prolonging medicine on board: it can cause torsades de "
        "pointes. Get an ECG and potassium and magnesium, and review the need with the "
        "prescriber.",
        source="Dolophine (methadone) label, boxed warning (life-threatening QT prolongation); "
        "citalopram label (not recommended in congenital long QT syndrome); Zofran "
        "(ondansetron) label, 5 Warnings (avoid in congenital long QT syndrome); hydroxyzine "
        "label (contraindicated with a prolonged QT interval); the label of the medicine named",
        severity=Severity.danger,
        evidence=_OPIOID,
        reads=(Condition.qt_prolongation,),
        named=_qt_message,
    ),
    # Recent coronary bypass surgery (an issue-20 input)
    Rule(
        id="cabg-nsaid",
        trigger=when(Condition.recent_cabg),
        target="nsaid",
        action=Action.avoid,
        message="Recent coronary bypass surgery (CABG): NSAIDs are contraindicated in the "
        "setting of CABG surgery (more heart attacks and strokes after it).",
        source="NSAID class labelling (FDA): boxed warning and 4 Contraindications (setting "
        "of CABG surgery); ketorolac label (contraindicated for CABG pain)",
        severity=Severity.danger,
        evidence=_NSAID,
    ),
)

#: Human names of rule targets, for the avoid list.
TARGET_LABELS: dict[str, str] = {
    "corticosteroid": "Systemic corticosteroids (prednisone, dexamethasone, methylprednisolone)",
    "benzodiazepine": "Benzodiazepines (diazepam and others)",
    "muscle_relaxant": "Skeletal muscle relaxants (orphenadrine, cyclobenzaprine, ...)",
    "er_opioid": "Extended-release or long-acting opioids",
    "gabapentinoid": "Gabapentin or pregabalin for non-radicular pain",
    "nsaid": "NSAIDs (ketorolac, naproxen, ibuprofen)",
    "ketorolac": "Ketorolac",
    "tramadol": "Tramadol",
    "morphine": "Morphine and codeine",
    "opioid": "Opioids (give now and take-home)",
    "discharge:opioid": "Take-home opioid",
    "gabapentin": "Gabapentin",
    "snri": "Duloxetine",
    "tricyclic": "Amitriptyline (tricyclics)",
    "antidepressant": "Amitriptyline or duloxetine",
    "acetaminophen": "Acetaminophen",
    "plan": "Whole plan",
    "duplicate": "Duplicates a current medicine",
    "failed": "Failed this episode",
    "allergy": "Allergy",
    "oxycodone": "Oxycodone",
}

#: Targets matched per candidate order (the plan tags a candidate with them when they apply to
#: that drug), so the avoid list names the drug instead of a class.
PER_DRUG_TARGETS: frozenset[str] = frozenset({"duplicate", "failed", "allergy"})


def indexed_by(rule: Rule) -> tuple[Key, ...]:
    """The keys a rule is indexed by: a `when` trigger's own keys, else its `reads`."""
    return rule.trigger.keys if isinstance(rule.trigger, When) else rule.reads


#: Which rows can fire, found by the private index (logic.engine._rule_index): the rows never see
#: it.
_FIRED_MASK = fired_mask_over(
    [indexed_by(r) for r in RULES],
    [None if isinstance(r.trigger, When) else r.trigger for r in RULES],
)


def fired_mask(facts: Facts) -> int:
    """The rules that apply to this patient, as a bit mask of table positions (bit i: RULES[i]).

    Only the rules that read a key true of this patient are evaluated; the others cannot fire.
    """
    return _FIRED_MASK(facts)


def fired_positions(facts: Facts) -> tuple[int, ...]:
    """Table positions of the rules that apply to this patient, in table order."""
    return positions(fired_mask(facts))


def fired(facts: Facts) -> tuple[Rule, ...]:
    """The rules that apply to this patient, in table order."""
    return tuple(RULES[i] for i in fired_positions(facts))


def _step_and_tag(target: str) -> tuple[str, str]:
    step, _, tag = target.rpartition(":")
    return step, tag


#: Each rule's step ("" for every step) and tag, parsed once from its target.
STEP_TAG: dict[str, tuple[str, str]] = {r.id: _step_and_tag(r.target) for r in RULES}
#: The avoid-list reason of each rule (its message with its source), written once.
REASON: dict[str, str] = {r.id: f"{r.message} ({r.source})" for r in RULES}


#: The rows whose plan warning names the patient's medicines, and the wording they use.
NAMED_MESSAGES: dict[str, Callable[[Facts], str]] = {
    r.id: r.named for r in RULES if r.named is not None
}
#: The same rows as a bit mask of table positions. A row's warning is rewritten only when the
#: plan holds it (a plan-wide row always; the co-sedation row once an opioid option is kept).
NAMED_MASK = sum(1 << i for i, r in enumerate(RULES) if r.id in NAMED_MESSAGES)


# ---- Rows the plan and the review apply at their own step ------------------------------------
# Some decisions depend on what the plan has already ordered (tramadol left out because the plan
# starts an antidepressant; naloxone once an opioid is on board) or on a medicine already given
# (the review of a dose that was contraindicated). The plan (logic.engine.plan) or the review
# (logic.engine.review) decides *when* such a row applies; the row holds *what* it says and why: its
# message (a template filled with the patient's values), its source and its evidence. They never
# fire from the facts alone (their trigger is `APPLIED_AT_STEP`), so the fired-rule index above
# does not see them. A row whose message already cites its source in brackets (the avoid-list
# reasons) is shown as written; the others show `source` beside the message.

#: The trigger of a row applied by the plan or the review at its step: never fired by `fired`.
APPLIED_AT_STEP = When()

STEP_RULES: tuple[Rule, ...] = (
    # -- Withheld by the plan (avoid list) --
    Rule(
        id="chronic-no-new-opioid",
        trigger=APPLIED_AT_STEP,
        target="opioid",
        action=Action.avoid,
        message="Pain for {weeks:g} weeks (more than 12): no new opioid, even if one is asked "
        "for. Opioids are not advised for chronic low back pain (NICE NG59; WHO 2023) and are "
        "not first-line for chronic pain (CDC 2022 rec 2).",
        source="NICE NG59; WHO 2023; CDC 2022 rec 2",
        evidence=("opioids-acute-pain",),
    ),
    Rule(
        id="tramadol-with-planned-antidepressant",
        trigger=APPLIED_AT_STEP,
        target="tramadol",
        action=Action.avoid,
        message="Left out because the plan starts {antidepressant} (now or at the review): "
        "together they lower the seizure threshold and risk serotonin syndrome (tramadol label).",
        source="Tramadol label (seizure risk; serotonin syndrome)",
        evidence=("tramadol", "antidepressants"),
    ),
    Rule(
        id="acetaminophen-given-in-combination",
        trigger=APPLIED_AT_STEP,
        target="acetaminophen",
        action=Action.avoid,
        message="Already given acetaminophen in {products} this episode: no separate dose now; "
        "count it toward the interval between doses and the daily total ({source}).",
        source=ACETAMINOPHEN_COMBINATION_SOURCE,
        evidence=("acetaminophen",),
    ),
    Rule(
        id="take-home-opioid-not-by-default",
        trigger=APPLIED_AT_STEP,
        target="discharge:opioid",
        action=Action.avoid,
        message="Not ordered by default: a short opioid course was no better than placebo for "
        "acute low back pain and doubled misuse risk (OPAL 2023). If, after discussing this, "
        "clinician and patient choose one, record the choice and the plan adds an "
        "immediate-release course of 3 days at most with bowel care (CDC 2022 recs 1, 3, 4 "
        "and 6).",
        source="OPAL (Jones 2023); CDC 2022 recs 1, 3, 4 and 6",
        evidence=("opioids-acute-pain",),
    ),
    Rule(
        id="take-home-opioid-not-severe",
        trigger=APPLIED_AT_STEP,
        target="discharge:opioid",
        action=Action.avoid,
        message="A take-home opioid was chosen, but the pain score is {score}/10, below the "
        "severe range: no opioid is prescribed for it (CDC 2022 rec 1).",
        source="CDC 2022 rec 1; Serlin 1995 (NRS 7-10 severe)",
        evidence=("opioids-acute-pain",),
    ),
    Rule(
        id="muscle-relaxant-one-sedative",
        trigger=APPLIED_AT_STEP,
        target="muscle_relaxant",
        action=Action.avoid,
        message="Not added: the plan already starts another sedating drug, and one new sedating "
        "drug at a time is the rule (ACEP 2020: harms of combining sedatives).",
        source="ACEP 2020 clinical policy",
        evidence=("muscle-relaxants",),
    ),
    # -- Warnings the plan raises at its step --
    Rule(
        id="emergency-no-discharge",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Emergency red flag: no discharge plan. Analgesia only while imaging and the "
        "specialist are arranged.",
        source="GIRFT suspected cauda equina pathway; ACP/APS 2007",
        severity=Severity.danger,
    ),
    Rule(
        id="red-flag-workup",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Red flag present: finish the work-up in the triage box before this patient "
        "goes home; the discharge plan below assumes it is negative.",
        source="ACP/APS 2007; AHCPR 1994",
        severity=Severity.danger,
    ),
    Rule(
        id="not-improving",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Pain for {weeks:g} weeks without improvement: failure to improve after about a "
        "month is itself a red flag. Re-examine and reconsider the diagnosis before escalating "
        "drugs.",
        source="ACP/APS 2007 (Chou et al.)",
    ),
    Rule(
        id="renal-egfr",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{note}",
        source="KDIGO 2012 (drug dosing by eGFR or CrCl); Cockcroft & Gault 1976",
    ),
    Rule(
        id="renal-assumed",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{note}",
        source="Cockcroft & Gault 1976; Neurontin label",
    ),
    Rule(
        id="no-opioid-needed",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Pain score {score}/10: below the severe range, so no opioid is offered.",
        source="CDC 2022 rec 1; Serlin 1995 (NRS 7-10 severe)",
        severity=Severity.info,
    ),
    Rule(
        id="opioid-shared-decision",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="The opioid rescue options are not orders: give one only if the patient, told "
        "the expected benefit and harm, chooses it, and only after the non-opioid step. "
        "{tradeoff}",
        source="CDC 2022 recs 1 and 4; OPAL (Jones 2023)",
        severity=Severity.info,
    ),
    Rule(
        id="rescue-ruled-out",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Every opioid rescue option is ruled out for this patient (see Avoid). Use the "
        "non-opioid step, heat and positioning, and ask for help: acute pain service, addiction "
        "medicine if there is a use disorder, or the spine team.",
        source="CDC 2022 recs 1 and 12",
        severity=Severity.danger,
    ),
    Rule(
        id="one-sedative-at-a-time",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="One new sedating drug at a time: gabapentin is not started with {started} "
        "(together they add sedation, and with an opioid slow breathing: FDA 2019). NICE advises "
        "against gabapentinoids for sciatica; reconsider it at the review only if the leg pain "
        "persists and the first drug has not helped.",
        source="FDA Drug Safety Communication 19 Dec 2019; NICE NG59; NICE CG173",
    ),
    Rule(
        id="one-sedative-at-a-time-switch",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="One new sedating drug at a time: {drug} is not started together with "
        "{started}. If that has not helped by the review, consider switching to {drug} rather "
        "than adding it.",
        source="NICE CG173 (switch rather than add); AGS Beers 2023 (CNS-active combinations)",
    ),
    Rule(
        id="antidepressant-under-25",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Age {age}: {drug} carries the FDA boxed warning on antidepressants (more "
        "suicidal thoughts and behaviour in short-term trials under age 25). Ask about mood and "
        "suicidal thoughts before starting it, warn the patient and family, and review early.",
        source="FDA boxed warning (antidepressants: suicidality under 25)",
        severity=Severity.danger,
    ),
    Rule(
        id="acetaminophen-first-day",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Acetaminophen {now:g} mg was given here: it counts toward the take-home maximum "
        "of {max_daily:g} mg in the first 24 hours, so that day allows {left:g} mg more.",
        source="Acetaminophen label (maximum daily dose includes every dose and product)",
    ),
    Rule(
        id="duloxetine-guidelines-disagree",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Guidelines disagree on duloxetine for chronic back pain: ACP 2017 makes it a "
        "second-line drug, while NICE NG59 advises against antidepressants for low back pain "
        "and WHO 2023 does not advise them routinely. Decide with the patient, and stop it if "
        "it has not helped in 8-12 weeks.",
        source="ACP 2017; NICE NG59; WHO 2023",
        severity=Severity.info,
    ),
    Rule(
        id="no-antidepressant-yet",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="No amitriptyline for now: it is a common add-on, but NICE advises against "
        "tricyclics for low back pain and the best trial found no effect on pain. Reconsider at "
        "follow-up only if radicular pain persists past 4 weeks; for pain past 12 weeks "
        "duloxetine is ACP's second-line drug.",
        source="NICE NG59; Urquhart 2018; ACP 2017; NICE CG173",
        severity=Severity.info,
    ),
    Rule(
        id="radicular-step-ruled-out",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Gabapentin is withheld for this patient, so the radicular step has no drug: "
        "treat with the analgesics above, non-drug care, and early spine referral if the leg "
        "pain is severe (NICE: consider an epidural injection for acute severe sciatica).",
        source="NICE NG59",
    ),
    Rule(
        id="gabapentin-guidelines-disagree",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Guidelines disagree on gabapentin for sciatica: NICE advises against "
        "gabapentinoids and trials were mostly negative (PRECISE 2017, Enke 2018). If it is "
        "used, titrate it properly within the renal limit and stop it if it does not help "
        "within a few weeks.",
        source="NICE NG59; Mathieson 2017; Enke 2018",
        severity=Severity.info,
    ),
    Rule(
        id="gabapentin-specialist",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{note}",
        source="Neurontin label",
    ),
    Rule(
        id="mme-90",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{mme:.0f} MME/day: at or above 90, avoid or justify carefully.",
        source="CDC 2016 rec 5; CDC 2022 rec 4",
        severity=Severity.danger,
    ),
    Rule(
        id="mme-50",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{mme:.0f} MME/day: at or above 50, reassess benefit and offer naloxone.",
        source="CDC 2022 recs 4 and 8",
    ),
    Rule(
        id="home-mme-not-counted",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{drug}: not counted in the MME ({why}).",
        source="CDC 2022 MME table",
    ),
    Rule(
        id="home-mme",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Home opioids: {mme:.0f} MME/day ({parts}); the MME shown adds the plan's "
        "take-home opioid to them.",
        source="CDC 2022 MME table",
    ),
    Rule(
        id="home-long-acting",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Takes a long-acting opioid ({names}): {keep}; never add another "
        "extended-release or long-acting opioid for acute pain.",
        source="CDC 2022 recs 3 and 5",
    ),
    Rule(
        id="already-has-medicine",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Already has {generic}: no second prescription; check the patient's supply and "
        "how to use it.",
        source="Product label",
        severity=Severity.info,
    ),
    # -- Plausibility cautions (logic.engine.plausibility words them; these rows name them) --
    Rule(
        id="confirm-crcl",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Creatinine clearance under 10 mL/min without dialysis: confirm the value.",
        source="KDIGO 2024 (G5: GFR < 15); Neurontin label (CrCl < 15)",
    ),
    Rule(
        id="confirm-egfr",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="eGFR under 10 mL/min/1.73 m² without dialysis: confirm the value.",
        source="KDIGO 2024 (G5: GFR < 15); Neurontin label (CrCl < 15)",
    ),
    Rule(
        id="confirm-weight",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Adult weight under 35 kg: confirm the value (weight-based limits apply).",
        source="WHO BMI classification; ketorolac and acetaminophen labels (under 50 kg)",
    ),
    Rule(
        id="confirm-age",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Age over 100: confirm the value (every Beers older-adult caution applies).",
        source="AGS Beers 2023",
    ),
    # -- Naloxone triggers (CDC 2022 rec 8); the message is the reason as the plan lists it --
    Rule(
        id="naloxone-prior-overdose",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="previous overdose",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-opioid-use-disorder",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="opioid use disorder",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-substance-use-disorder",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="substance use disorder{iv}",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-moud",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="takes {names} (medicine for opioid use disorder)",
        source="CDC 2022 recs 8 and 12",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-opioid-tolerant",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="already taking opioids",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-home-opioid-uncounted",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="takes a regular opioid whose daily dose could not be counted",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-mme-50",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="{mme:.0f} MME/day in total (50 or more)",
        source="CDC 2022 rec 8 (50 MME/day or more)",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-benzodiazepine",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="takes a benzodiazepine",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-sleep-apnea",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="sleep apnoea",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-copd",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="COPD",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-cns-depressant",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="takes {names} ({kind}) with an opioid",
        source="FDA Drug Safety Communication, 23 Jul 2020 (naloxone with opioids and CNS "
        "depressants)",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="naloxone-opioid-gabapentin",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="opioid together with gabapentin",
        source="Gomes T et al., PLoS Med 2017 (opioid-related death with gabapentin)",
        evidence=("opioid-safety", "gabapentinoids-sciatica"),
    ),
    # -- The review of a dose already given that was contraindicated (logic.engine.review) --
    Rule(
        id="harm-nsaid-gi-bleed",
        trigger=APPLIED_AT_STEP,
        target="nsaid",
        action=Action.warn,
        message="{name} was given despite previous GI bleeding or peptic ulcer, a "
        "contraindication (ketorolac label; NSAID class labelling).",
        source="Ketorolac label (contraindications); NSAID class labelling",
        evidence=_NSAID,
    ),
    Rule(
        id="harm-nsaid-renal",
        trigger=APPLIED_AT_STEP,
        target="nsaid",
        action=Action.warn,
        message="{name} was given with CrCl below 30 mL/min or on dialysis (ketorolac label: "
        "contraindicated in advanced renal impairment; AGS Beers 2023).",
        source="Ketorolac label (contraindications); AGS Beers 2023",
        evidence=_NSAID + _RENAL,
    ),
    Rule(
        id="harm-nsaid-anticoagulant",
        trigger=APPLIED_AT_STEP,
        target="nsaid",
        action=Action.warn,
        message="{name} was given with an anticoagulant (NSAID labels: bleeding).",
        source="NSAID labels (bleeding warning)",
        evidence=_NSAID,
    ),
    Rule(
        id="harm-nsaid-allergy",
        trigger=APPLIED_AT_STEP,
        target="nsaid",
        action=Action.warn,
        message="{name} was given despite NSAID or aspirin hypersensitivity (NSAID labels).",
        source="NSAID labels (contraindications)",
        evidence=_NSAID,
    ),
    Rule(
        id="harm-ketorolac-dose",
        trigger=APPLIED_AT_STEP,
        target="ketorolac",
        action=Action.warn,
        message="{dose:g} mg a dose is above the label's {limit:g} mg limit for this patient "
        "(ketorolac label: lower doses at 65+, under 50 kg or with renal impairment).",
        source="Ketorolac label (dosage and administration)",
        evidence=_NSAID,
    ),
    Rule(
        id="harm-ketorolac-duration",
        trigger=APPLIED_AT_STEP,
        target="ketorolac",
        action=Action.warn,
        message="{doses} doses is more than 5 days of 6-hourly ketorolac, the label's limit for "
        "all routes together.",
        source="Ketorolac label (boxed warning: 5 days in total)",
        evidence=_NSAID,
    ),
    Rule(
        id="harm-nsaid-pregnancy",
        trigger=APPLIED_AT_STEP,
        target="nsaid",
        action=Action.warn,
        message="{name} was given at {weeks} weeks of pregnancy (FDA 2020: avoid from 20 "
        "weeks). Tell the obstetric team; an amniotic fluid scan is advised if it was taken for "
        "more than 48 hours.",
        source="FDA Drug Safety Communication, 15 Oct 2020",
        evidence=_NSAID + _OLD,
    ),
    Rule(
        id="harm-opioid-maoi",
        trigger=APPLIED_AT_STEP,
        target="opioid",
        action=Action.warn,
        message="{drug} was given with an MAOI ({partners}): the labels say not to combine them "
        "or use within 14 days (serotonin syndrome or opioid toxicity).",
        source="Ultram, Nucynta and Demerol labels; FDA Drug Safety Communication, 22 Mar 2016",
        evidence=("opioid-safety",),
    ),
    Rule(
        id="harm-atypical-opioid-serotonergic",
        trigger=APPLIED_AT_STEP,
        target="tramadol",
        action=Action.warn,
        message="{drug} was given with {partners}: together they can cause serotonin syndrome "
        "({generic} label).",
        source="Tramadol and tapentadol labels (serotonin syndrome)",
        evidence=("tramadol",),
    ),
    Rule(
        id="harm-atypical-opioid-seizure",
        trigger=APPLIED_AT_STEP,
        target="tramadol",
        action=Action.warn,
        message="{drug} lowers the seizure threshold, and it was given with {partners} "
        "({generic} label).",
        source="Tramadol and tapentadol labels (seizure risk)",
        evidence=("tramadol",),
    ),
    Rule(
        id="harm-beers-benzodiazepine",
        trigger=APPLIED_AT_STEP,
        target="benzodiazepine",
        action=Action.warn,
        message="{drug} was given at age {age}: AGS Beers 2023 says avoid benzodiazepines at "
        "65+ (sedation, delirium, falls, fractures), more so with an opioid.",
        source="AGS Beers 2023",
        evidence=("benzodiazepines", *_OLD),
    ),
    Rule(
        id="harm-benzodiazepine-with-opioid",
        trigger=APPLIED_AT_STEP,
        target="benzodiazepine",
        action=Action.warn,
        message="An opioid is on board as well (FDA 2016 boxed warning).",
        source="FDA 2016 boxed warning (opioids with benzodiazepines)",
    ),
)

# ---- Step rows of the medicine checks (logic/engine/review.py, med_checks.py; issue 20) -------
# Kept apart from STEP_RULES (keyword form, as there) so the positional-to-keyword conversion of
# the rows above merges without touching these.
MEDICINE_STEP_RULES: tuple[Rule, ...] = (
    Rule(
        id="unchecked-medicine",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Not checked for interactions: {names} (outside this tool's catalogue).",
        source="The product labels of the medicines named",
    ),
    Rule(
        id="moud-mme-excluded",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Methadone for opioid use disorder is MOUD: not counted against the MME "
        "thresholds and never reduced by this plan.",
        source="CDC 2022 (MME thresholds do not apply to MOUD); CDC 2022 rec 12",
    ),
    Rule(
        id="harm-er-opioid-acute",
        trigger=APPLIED_AT_STEP,
        target="opioid",
        action=Action.warn,
        message="{drug} ({what}) was given this episode for acute pain: CDC 2022 rec 3 says "
        "not to use extended-release or long-acting opioids for acute pain, and this is not "
        "an ordinary rescue dose. {lasts}, so sedation and slow breathing can come late."
        "{after} Offer no further opioid until "
        "sedation and breathing are reassessed.",
        source="CDC 2022 rec 3; the product's label (dosing interval or half-life)",
        evidence=("opioids-acute-pain", "opioid-safety"),
    ),
    Rule(
        id="er-opioid-given-no-more-opioid",
        trigger=APPLIED_AT_STEP,
        target="opioid",
        action=Action.avoid,
        message="No further opioid after an extended-release or long-acting opioid given for "
        "acute pain, until sedation and breathing are reassessed.",
        source="CDC 2022 rec 3 (no extended-release or long-acting opioid for acute pain)",
        evidence=("opioids-acute-pain", "opioid-safety"),
    ),
    Rule(
        id="patch-dose-unknown",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{names} patch with no dose entered: {mme}. The plan treats the patient as "
        "possibly opioid tolerant: {keep}; every new opioid dose stays at the opioid-naive "
        "limit and naloxone is offered. Confirm the strength (mcg/h, printed on the patch) "
        "and how long it has been used.",
        source="Duragesic and Butrans labels (4 Contraindications; 5 Warnings); CDC 2022 "
        "recs 4 and 8",
        severity=Severity.danger,
    ),
    Rule(
        id="next-dose-due",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="{drug}: last dose {hours} h ago; {when} ({generic} {words}).",
        source="The label's dosing interval (logic.drugs.intervals names each)",
        severity=Severity.info,
    ),
    Rule(
        id="ketorolac-course-day",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Ketorolac: today is day {day} of at most {most} (IV, IM and oral counted "
        "together): {state}.",
        source="Ketorolac tromethamine labels, boxed warning (combined duration not to exceed 5 "
        "days)",
        evidence=_NSAID,
    ),
    Rule(
        id="steroid-prednisone-equivalent",
        trigger=APPLIED_AT_STEP,
        target="plan",
        action=Action.warn,
        message="Systemic steroid given this visit: {parts}; {total} mg prednisone equivalent in "
        "all.{missing}",
        source="BNF, Glucocorticoid therapy (equivalent anti-inflammatory doses: prednisone or "
        "prednisolone 5 mg = methylprednisolone 4 mg = dexamethasone 0.75 mg = hydrocortisone "
        "20 mg)",
        severity=Severity.info,
        evidence=("systemic-corticosteroids",),
    ),
    Rule(
        id="naloxone-patch-dose-unknown",
        trigger=APPLIED_AT_STEP,
        target="naloxone",
        action=Action.warn,
        message="wears an opioid patch ({names}) whose strength is not entered",
        source="CDC 2022 rec 8",
        evidence=("opioid-safety",),
    ),
)

_BY_ID: dict[str, Rule] = {r.id: r for r in (*RULES, *STEP_RULES, *MEDICINE_STEP_RULES)}
STEP: dict[str, Rule] = {r.id: r for r in (*STEP_RULES, *MEDICINE_STEP_RULES)}


def rule_by_id(rule_id: str) -> Rule:
    """The row a plan's `rule_ids` names: its message, target, action and source.

    Answers "why was X withheld?" from the plan alone: Avoid.rule_ids -> this row -> source.
    Raises KeyError for an id no table holds.
    """
    return _BY_ID[rule_id]


def known_rule_ids() -> frozenset[str]:
    """Every id a plan's `rule_ids` may name: the rows here, the interaction table's
    (logic/drugs/interactions.py, "ix-...") and the dose-limit table's
    (logic/drugs/dose_limits.py)."""
    from logic.drugs import (
        dose_limits,
        interactions,
        intervals,
        steroids,
    )  # they import the catalogue

    return (
        frozenset(_BY_ID)
        | interactions.known_ids()
        | dose_limits.known_ids()
        | intervals.known_ids()
        | steroids.known_ids()
    )


def row_source(rule_id: str) -> str:
    """The source of any table row a plan names (rule, interaction or dose limit)."""
    from logic.drugs import dose_limits, interactions, intervals, steroids

    if rule_id in _BY_ID:
        return _BY_ID[rule_id].source
    if rule_id in interactions.known_ids():
        return interactions.row(rule_id).source
    if rule_id in intervals.known_ids():
        return intervals.row(rule_id).source
    if rule_id in steroids.known_ids():
        return steroids.row(rule_id).source
    return dose_limits.row(rule_id).source


def step_text(rule_id: str, **values: object) -> str:
    """A step row's message filled with this patient's values."""
    return STEP[rule_id].message.format(**values)


# ---- Which medicines a withholding target covers (for a drafted order read from an EHR) -------
#: Each class-level target, as the catalogue reads it: a trait, a drug class (or classes), or
#: named generics. The plan tags its own candidates (logic.engine.plan._TAGS); a drafted order from
#: an EHR can be any catalogue medicine, so the service asks `target_covers` instead. "morphine"
#: names codeine too: renal-morphine-avoid withholds both (codeine is metabolised to morphine,
#: whose metabolites accumulate in renal failure). "er_opioid" is read from the formulation,
#: not the drug, and the per-drug targets name the drug in the avoid entry itself.
TARGET_COVERS: dict[str, Trait | DrugClass | tuple[DrugClass, ...] | frozenset[str]] = {
    "corticosteroid": DrugClass.corticosteroid,
    "benzodiazepine": DrugClass.benzodiazepine,
    "muscle_relaxant": DrugClass.muscle_relaxant,
    "gabapentinoid": DrugClass.gabapentinoid,
    "nsaid": Trait.nsaid,
    "ketorolac": frozenset({"ketorolac"}),
    "tramadol": frozenset({"tramadol"}),
    "morphine": frozenset({"morphine", "codeine"}),
    "opioid": Trait.opioid,
    "gabapentin": frozenset({"gabapentin"}),
    "snri": DrugClass.snri,
    "tricyclic": DrugClass.tricyclic,
    "antidepressant": (DrugClass.tricyclic, DrugClass.snri),
    "acetaminophen": frozenset({"acetaminophen"}),
    "oxycodone": frozenset({"oxycodone"}),
}
_UNCOVERED = (
    {r.target.rpartition(":")[2] for r in (*RULES, *STEP_RULES) if r.action is Action.avoid}
    - set(TARGET_COVERS)
    - PER_DRUG_TARGETS
    - {"er_opioid"}
)
if _UNCOVERED:  # pragma: no cover - a new withholding target needs its reading here
    raise RuntimeError(f"withholding targets with no catalogue reading: {sorted(_UNCOVERED)}")


def target_covers(target: str, generic: str) -> bool:
    """Whether a withholding row's target (step prefix aside) covers this catalogue generic."""
    covers = TARGET_COVERS.get(target.rpartition(":")[2])
    if covers is None:
        return False
    if isinstance(covers, Trait):
        return covers in traits(generic)
    if isinstance(covers, DrugClass):
        return drug_class(generic) is covers
    if isinstance(covers, frozenset):
        return generic in covers
    return drug_class(generic) in covers


def answered_by_moud(rule_id: str) -> bool:
    """A withholding row keyed on an opioid use disorder or on taking a medicine for it: a
    drafted buprenorphine or methadone answers it (CDC 2022 rec 12: offer or continue MOUD)."""
    rule = _BY_ID[rule_id]
    keys = {str(k) for k in indexed_by(rule)}
    return rule.action is Action.avoid and bool(
        keys & {Condition.opioid_use_disorder.value, Trait.moud.value}
    )
