"""Medicine facts: what the patient's medicines mean for the plan, derived once per case.

Both lists count: what the patient takes regularly (`current_medications`) and what was given for
this episode (`tried`). A drug given today is still on board (serotonin toxicity, sedation), and an
MAOI stopped within 14 days still counts (MAOI and opioid labels), so an MAOI in either list blocks
the drugs labelled against it. The condition boxes feed the same facts (logic.engine.rules.Facts
merges them), so a ticked box and the medicine it stands for give the same plan.

Sources for the definitions used here:

* Opioid tolerance: the opioid labels' definition (OxyContin, Duragesic, Hysingla ER boxed
  indications): for one week or longer at least 60 mg oral morphine per day, 25 mcg/h transdermal
  fentanyl, 30 mg oral oxycodone per day, 8 mg oral hydromorphone per day, 25 mg oral oxymorphone
  per day, 60 mg oral hydrocodone per day, or an equianalgesic dose of another opioid.
* MME: CDC 2022 conversion factors (logic.drugs.opioids); buprenorphine is excluded (CDC 2022).
* Medicines for opioid use disorder (buprenorphine, methadone): CDC 2022 rec 12 (continue them;
  treat acute pain on top of them, with the prescriber told). Buprenorphine in an
  opioid-dependence form counts from either list: a sublingual dose given this episode
  (Suboxone, Subutex labels: indicated for opioid dependence) means MOUD as a regular one does.
  Buprenex (0.3 mg IV/IM), the Butrans patch and the Belbuca film (mcg) are pain products.
* Combination products (catalogue COMBINATIONS): Percocet is oxycodone, and its acetaminophen
  is on board too (FDA 2011 acetaminophen combination-product communication): the other
  ingredients join the list's generics and classes, so the duplicate and tried rules see them.
* Naltrexone blocks opioid agonists (Vivitrol label: trying to overcome the blockade can cause
  fatal overdose).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from logic.drugs.catalogue import DoseUnit, DrugClass, Formulation, Trait, drug_class, traits
from logic.drugs.opioids import daily_mme
from logic.models import CurrentMedication, PatientCase, Relief, Route, TriedMedication

#: Opioid labels (OxyContin, Duragesic): the daily dose that defines opioid tolerance, in the unit
#: of `CDC key`; an opioid not listed counts by its MME against 60 MME ("equianalgesic dose").
TOLERANCE_DAILY_DOSE: dict[str, float] = {
    "morphine": 60,  # mg/day oral
    "fentanyl_transdermal": 25,  # mcg/h
    "oxycodone": 30,  # mg/day oral
    "hydromorphone": 8,  # mg/day oral
    "oxymorphone": 25,  # mg/day oral
    "hydrocodone": 60,  # mg/day oral
}
TOLERANCE_MME = 60  # oral morphine 60 mg/day (labels)
TOLERANCE_WEEKS = 1  # "for one week or longer" (labels)
#: MAOI labels: the interaction persists for 14 days after stopping an MAOI.
MAOI_WASHOUT_DAYS = 14

#: Classes where a second member adds harm, not benefit (same mechanism): the plan does not add
#: one on top of a current one. Opioids duplicate only by the same drug.
DUPLICATE_CLASSES: frozenset[DrugClass] = frozenset(
    {
        DrugClass.nsaid,
        DrugClass.gabapentinoid,
        DrugClass.snri,
        DrugClass.ssri,
        DrugClass.tricyclic,
        DrugClass.acetaminophen,
        DrugClass.muscle_relaxant,
        DrugClass.benzodiazepine,
    }
)


class HomeOpioid(NamedTuple):
    """One regular opioid with its daily dose and MME (None when it cannot be counted)."""

    drug: str
    daily_dose: float | None
    unit: DoseUnit | None
    mme: float | None
    weeks: float | None
    why_not_counted: str = ""


class Failed(NamedTuple):
    """A medicine that failed this episode: no or minimal relief at this dose (mg) and route."""

    drug: str
    dose_mg: float | None
    route: Route | None
    doses_given: int


class MedicineFacts(NamedTuple):
    """What every medicine entered means for the rules. Built once per case; immutable (a
    named tuple: built in one step, unlike a frozen dataclass's field-by-field setattr)."""

    #: Generic names of regular medicines and of medicines given this episode.
    current: frozenset[str]
    tried: frozenset[str]
    current_classes: frozenset[DrugClass]
    #: Classes of the medicines given this episode, and of both lists together.
    tried_classes: frozenset[DrugClass]
    classes: frozenset[DrugClass]
    #: Every trait of every medicine in either list.
    traits: frozenset[Trait]
    #: Which medicines (either list) carry each trait, in entry order, for the messages.
    by_trait: dict[Trait, tuple[str, ...]]
    home_opioids: tuple[HomeOpioid, ...]
    #: MME/day of the home opioids that can be counted (None: no countable home opioid).
    home_mme: float | None
    #: A regular opioid whose daily dose could not be counted (missing dose, IV, no factor).
    home_opioid_uncounted: bool
    opioid_tolerant: bool
    #: Buprenorphine or methadone taken regularly, or buprenorphine in an opioid-dependence
    #: form given this episode (CDC 2022 rec 12; Suboxone and Subutex labels).
    moud: tuple[str, ...]
    #: Naltrexone in either list: opioid agonists are blocked.
    naltrexone: bool
    #: Extended-release/long-acting or patch opioids taken regularly.
    long_acting_home: tuple[str, ...]
    failed: tuple[Failed, ...]
    #: Ingredients on board only inside a combination product, with the products' labels:
    #: {"acetaminophen": ("Percocet",)} for the regular list and for this episode's.
    combined_current: dict[str, tuple[str, ...]]
    combined_tried: dict[str, tuple[str, ...]]

    def has(self, trait: Trait) -> bool:
        return trait in self.traits

    def names(self, trait: Trait) -> str:
        """'sertraline and tramadol' for a message."""
        return join_names(self.by_trait.get(trait, ()))


def medicine_facts(case: PatientCase) -> MedicineFacts:
    """Derive every medicine fact from the case's two lists, in one pass over each."""
    current, tried = case.current_medications, case.tried
    if not current and not tried:
        return NO_MEDICINES
    by_trait: dict[Trait, list[str]] = {}
    current_classes: set[DrugClass] = set()
    home: list[HomeOpioid] = []
    moud: list[str] = []
    long_acting: list[str] = []
    current_names: list[str] = []
    combined_current: dict[str, list[str]] = {}
    for med in current:
        generic = med.drug
        med_traits = traits(generic)
        _add_traits(by_trait, generic, med_traits)
        current_classes.add(drug_class(generic))
        current_names.append(generic)
        if med.product is not None:
            _add_components(med, by_trait, current_classes, current_names, combined_current)
        if Trait.opioid in med_traits:
            home.append(_home_opioid(med))
            if _long_acting(med, med_traits) and generic not in long_acting:
                long_acting.append(generic)
        if _moud(med, med_traits) and generic not in moud:
            moud.append(generic)
    tried_classes: set[DrugClass] = set()
    tried_names: list[str] = []
    combined_tried: dict[str, list[str]] = {}
    failed: list[Failed] = []
    for t in tried:
        t_traits = traits(t.drug)
        _add_traits(by_trait, t.drug, t_traits)
        tried_classes.add(drug_class(t.drug))
        tried_names.append(t.drug)
        if t.product is not None:
            _add_components(t, by_trait, tried_classes, tried_names, combined_tried)
        if _moud(t, t_traits) and t.drug not in moud:
            moud.append(t.drug)
        if t.relief is not Relief.partial:
            failed.append(Failed(t.drug, t.dose_mg, t.route, t.doses_given))
    counted = [h.mme for h in home if h.mme is not None]
    return MedicineFacts(
        current=frozenset(current_names),
        tried=frozenset(tried_names),
        current_classes=frozenset(current_classes),
        tried_classes=frozenset(tried_classes),
        classes=frozenset(current_classes | tried_classes),
        traits=frozenset(by_trait),
        by_trait={k: tuple(v) for k, v in by_trait.items()},
        home_opioids=tuple(home),
        home_mme=sum(counted) if counted else None,
        home_opioid_uncounted=any(h.mme is None and h.drug != "buprenorphine" for h in home),
        opioid_tolerant=_tolerant(home) if home else False,
        moud=tuple(moud),
        naltrexone=Trait.opioid_blocker in by_trait,
        long_acting_home=tuple(long_acting),
        failed=tuple(failed),
        combined_current={k: tuple(v) for k, v in combined_current.items()},
        combined_tried={k: tuple(v) for k, v in combined_tried.items()},
    )


def _add_components(
    med: CurrentMedication | TriedMedication,
    by_trait: dict[Trait, list[str]],
    classes: set[DrugClass],
    names: list[str],
    combined: dict[str, list[str]],
) -> None:
    """A combination product's other ingredients (Percocet: acetaminophen) count as on board:
    their traits, classes and names join the list's, and `combined` says which product holds
    each (FDA 2011: acetaminophen hidden in combination products)."""
    label = med.product_label or med.drug
    for other in med.also_contains:
        _add_traits(by_trait, other, traits(other))
        classes.add(drug_class(other))
        names.append(other)
        products = combined.setdefault(other, [])
        if label not in products:
            products.append(label)


def _add_traits(by_trait: dict[Trait, list[str]], generic: str, found: Iterable[Trait]) -> None:
    """Record which medicines carry each trait, each name once, in entry order."""
    for trait in found:
        names = by_trait.get(trait)
        if names is None:
            by_trait[trait] = [generic]
        elif generic not in names:
            names.append(generic)


NO_MEDICINES = MedicineFacts(
    current=frozenset(),
    tried=frozenset(),
    current_classes=frozenset(),
    tried_classes=frozenset(),
    classes=frozenset(),
    traits=frozenset(),
    by_trait={},
    home_opioids=(),
    home_mme=None,
    home_opioid_uncounted=False,
    opioid_tolerant=False,
    moud=(),
    naltrexone=False,
    long_acting_home=(),
    failed=(),
    combined_current={},
    combined_tried={},
)


def _moud(med: CurrentMedication | TriedMedication, med_traits: frozenset[Trait]) -> bool:
    """Methadone, or buprenorphine in an opioid use disorder form (sublingual, buccal film in mg,
    monthly injection: Suboxone, Subutex, Sublocade labels). The Butrans patch, the Belbuca film
    (mcg) and Buprenex (0.3 mg IV or IM, Buprenex label) are pain products. A dose given this
    episode counts too, except methadone, which is also a pain medicine (Dolophine label)."""
    if Trait.moud not in med_traits:
        return False
    if med.drug == "buprenorphine":
        return (
            med.formulation is not Formulation.patch
            and med.unit is not DoseUnit.mcg
            and med.route not in (Route.iv, Route.im)
        )
    return isinstance(med, CurrentMedication)


def _long_acting(med: CurrentMedication, med_traits: frozenset[Trait]) -> bool:
    return med.formulation in (Formulation.er, Formulation.patch) or (
        Trait.long_acting in med_traits
    )


def mme_key(generic: str, formulation: Formulation | None, unit: DoseUnit | None) -> str | None:
    """The CDC 2022 table row for a regular opioid, or None when none applies."""
    if generic == "fentanyl":
        if formulation is Formulation.patch or unit is DoseUnit.mcg_per_h:
            return "fentanyl_transdermal"
        return "fentanyl_buccal" if unit is DoseUnit.mcg else None
    if generic in ("codeine", "hydrocodone", "hydromorphone", "methadone", "morphine"):
        return generic
    if generic in ("oxycodone", "oxymorphone", "tapentadol", "tramadol"):
        return generic
    return None


def _home_opioid(med: CurrentMedication) -> HomeOpioid:
    if med.drug == "buprenorphine":
        return HomeOpioid(
            med.drug,
            None,
            med.unit,
            None,
            med.weeks,
            "buprenorphine has no MME factor (CDC 2022: partial agonist, excluded)",
        )
    key = mme_key(med.drug, med.formulation, med.unit)
    if key is None:
        return HomeOpioid(
            med.drug, None, med.unit, None, med.weeks, f"no CDC 2022 MME factor for {med.drug}"
        )
    if med.route in (Route.iv, Route.im, Route.sc):
        return HomeOpioid(
            med.drug,
            None,
            med.unit,
            None,
            med.weeks,
            "CDC 2022 factors are for oral and transdermal doses, not injections",
        )
    if med.dose is None:
        return HomeOpioid(med.drug, None, med.unit, None, med.weeks, "dose not entered")
    if key == "fentanyl_transdermal":
        return HomeOpioid(med.drug, med.dose, med.unit, daily_mme(key, med.dose, 1), med.weeks)
    if med.doses_per_day is None:
        return HomeOpioid(med.drug, None, med.unit, None, med.weeks, "doses per day not entered")
    dose = med.dose if med.unit is not DoseUnit.mcg or key == "fentanyl_buccal" else med.dose / 1000
    return HomeOpioid(
        med.drug,
        dose * med.doses_per_day,
        med.unit,
        daily_mme(key, dose, med.doses_per_day),
        med.weeks,
    )


def _tolerant(home: Iterable[HomeOpioid]) -> bool:
    """Label definition: the listed daily doses (or 60 MME of another opioid) for >= 1 week.

    Several opioids add up as fractions of their own threshold. An opioid whose duration is not
    entered does not count: tolerance cannot be assumed (the labels require a week or longer).
    """
    fraction = 0.0
    for h in home:
        if h.weeks is None or h.weeks < TOLERANCE_WEEKS or h.mme is None:
            continue
        key = mme_key(h.drug, None, h.unit)
        threshold = TOLERANCE_DAILY_DOSE.get(key or "")
        if threshold is not None and h.daily_dose is not None:
            fraction += h.daily_dose / threshold
        else:
            fraction += h.mme / TOLERANCE_MME
    return fraction >= 1 - 1e-9


def join_names(names: Iterable[str]) -> str:
    """'pregabalin, zolpidem and quetiapine' for a message ('' for none)."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
