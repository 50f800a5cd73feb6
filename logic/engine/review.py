"""Why each medicine already tried failed, or was a poor choice, for this patient.

Verdicts are deliberately few, so a resident can learn the pattern: the class was never going to
work, the dose was too low to judge, the drug did not fit the pain, it repeated a failure, or it
was reasonable but not enough on its own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from logic.drugs.catalogue import DrugClass, Formulation, Trait, drug_class, traits
from logic.engine.rules import STEP, step_text
from logic.engine.thresholds import LOW_WEIGHT_KG_BELOW, PREGNANCY_NSAID_AVOID_WEEKS_FROM
from logic.models import Condition, PatientCase, Relief, Route, TriedMedication, TriedReview

if TYPE_CHECKING:
    from logic.engine.rules import Facts

EXPECTED_TO_FAIL = "expected to fail"
SUBTHERAPEUTIC = "subtherapeutic"
NOT_INDICATED = "not indicated"
DUPLICATE = "duplicate"
REASONABLE = "reasonable but not enough"
UNSAFE = "unsafe for this patient"

#: Motov S et al., Ann Emerg Med 2017: ketorolac 10 mg IV as effective as 15 or 30 mg.
KETOROLAC_CEILING_MG = 10
#: Ketorolac label: age >= 65, CrCl impairment or weight < 50 kg: 15 mg IV / 30 mg IM per dose.
KETOROLAC_OLDER_SINGLE_MAX_MG = 15
#: NeuPSIG (Finnerup 2015): gabapentin is effective at 1200-3600 mg/day in three doses.
GABAPENTIN_EFFECTIVE_LOW_MG_DAY = 1200
#: Lowest daily dose at which a gabapentinoid can be judged (NeuPSIG, Finnerup 2015: gabapentin
#: 1200-3600 mg/day; pregabalin 300-600 mg/day; Lyrica label: 300 mg/day in neuropathic pain).
GABAPENTINOID_EFFECTIVE_LOW_MG_DAY = {"gabapentin": 1200.0, "pregabalin": 300.0}
#: Lowest single dose that is a full analgesic dose, from each label (ibuprofen Rx label 400 mg
#: for mild-moderate pain; naproxen label 500 mg initial; diclofenac label 50 mg; celecoxib label
#: acute pain 400 mg first dose; meloxicam label 7.5 mg; indomethacin label 25 mg; ketorolac: the
#: 10 mg IV analgesic ceiling, Motov 2017). Below it, a failure says little about the class.
NSAID_FULL_DOSE_MG = {
    "ibuprofen": 400.0,
    "naproxen": 500.0,
    "diclofenac": 50.0,
    "celecoxib": 400.0,
    "meloxicam": 7.5,
    "indomethacin": 25.0,
    "ketorolac": 10.0,
}
#: Ketorolac label, under 65: 30 mg IV or 60 mg IM a dose; 5 days of IV/IM/PO use in total,
#: i.e. at most 20 doses at the 6-hourly interval.
KETOROLAC_SINGLE_MAX_IV_MG = 30
KETOROLAC_SINGLE_MAX_IM_MG = 60
KETOROLAC_OLDER_SINGLE_MAX_IM_MG = 30
KETOROLAC_MAX_DOSES_5_DAYS = 20
#: Ketorolac label: the lower doses apply at 65+, under 50 kg, or with renal impairment (the
#: lines: logic.engine.thresholds).
KETOROLAC_LOW_WEIGHT_KG = LOW_WEIGHT_KG_BELOW

HARM = "Harm may already have been done"

#: What each muscle relaxant's own label adds (the review names only the drug's own facts).
MUSCLE_RELAXANT_FACTS = {
    "orphenadrine": "Orphenadrine is mainly anticholinergic (Norflex label).",
    "cyclobenzaprine": (
        "Cyclobenzaprine is a tricyclic compound: anticholinergic and sedating, with "
        "serotonergic interactions (Flexeril label)."
    ),
    "methocarbamol": "Methocarbamol mainly sedates and causes dizziness (Robaxin label).",
    "carisoprodol": (
        "Carisoprodol is metabolised to meprobamate, a sedative with misuse and withdrawal "
        "risk (Soma label)."
    ),
    "metaxalone": "Metaxalone sedates; use caution in liver disease (Skelaxin label).",
    "chlorzoxazone": "Chlorzoxazone can rarely cause serious liver injury (chlorzoxazone label).",
    "tizanidine": (
        "Tizanidine lowers blood pressure and can injure the liver; CYP1A2 inhibitors raise its "
        "level many-fold (Zanaflex label)."
    ),
    "baclofen": (
        "Baclofen is for spasticity, not back pain; it sedates, accumulates in kidney disease "
        "and must not be stopped abruptly (baclofen label)."
    ),
}

#: What to watch for, by harm (plain words; sources with each use below).
WATCH_KIDNEYS = "kidney function: creatinine and potassium now and in 48-72 h, urine output"
WATCH_BLEEDING = "bleeding: black or bloody stools, vomiting blood, a falling haemoglobin"
WATCH_SEROTONIN = (
    "serotonin toxicity: agitation, tremor, clonus, sweating, fever, fast heart rate, diarrhoea"
)
WATCH_SEIZURE = "seizures"
WATCH_SEDATION = "sedation and breathing: drowsiness, slow or shallow breathing, confusion, falls"
WATCH_ALLERGY = "allergic reaction: wheeze, hives, swelling of the lips or face"
WATCH_FETUS = "amniotic fluid volume (ultrasound) and the fetal ductus"
#: An extended-release or long-acting opioid given this episode (CDC 2022 rec 3): the opioid
#: harm watch of logic.engine.med_checks (sedation scale, respiratory rate, naloxone).
WATCH_OPIOID_HARM = (
    "sedation on a sedation scale (e.g. POSS) and respiratory rate, with naloxone at the bedside"
)
#: After a patch is taken off, levels fall slowly (Duragesic label 12.3: apparent half-life
#: about 20-27 hours after removal; Butrans label 12.3: about 26 hours).
PATCH_AFTER = (
    " Take the patch off now; levels fall only slowly after removal (Duragesic and Butrans "
    "labels, 12.3: a half-life of about a day), so keep observing."
)


#: How long each extended-release or long-acting opioid acts, from its own label (Dosage and
#: Administration, or 12.3 for a half-life), keyed by generic and formulation.
ER_LASTS: dict[tuple[str, Formulation | None], str] = {
    ("oxycodone", Formulation.er): "OxyContin is dosed every 12 hours (OxyContin label)",
    ("morphine", Formulation.er): "MS Contin is dosed every 8 to 12 hours (MS Contin label)",
    ("hydromorphone", Formulation.er): "Exalgo is dosed once a day (Exalgo label)",
    ("oxymorphone", Formulation.er): "Opana ER is dosed every 12 hours (Opana ER label)",
    ("hydrocodone", Formulation.er): (
        "extended-release hydrocodone is dosed every 12 or 24 hours (Zohydro ER and Hysingla "
        "ER labels)"
    ),
    ("tapentadol", Formulation.er): "Nucynta ER is dosed every 12 hours (Nucynta ER label)",
    ("tramadol", Formulation.er): "extended-release tramadol is dosed once a day (Ultram ER label)",
    ("fentanyl", Formulation.patch): "a fentanyl patch delivers drug for 72 hours (Duragesic "
    "label)",
    ("buprenorphine", Formulation.patch): "a Butrans patch delivers drug for 7 days (Butrans "
    "label)",
    ("methadone", None): "methadone's half-life is 8 to 59 hours (Dolophine label)",
}


def _lasts(item: TriedMedication) -> str:
    found = ER_LASTS.get((item.drug, item.formulation)) or ER_LASTS.get((item.drug, None))
    text = found or "its effect lasts many hours (see its label)"
    return text[:1].upper() + text[1:]


def er_opioid_given(case: PatientCase, item: TriedMedication) -> str | None:
    """How an opioid given this episode is extended-release or long-acting ('extended
    release', 'transdermal patch', 'long-acting'), or None: not one, or the patient's own
    regular long-acting opioid given at its usual time, or methadone or buprenorphine for
    opioid use disorder (MOUD, CDC 2022 rec 12)."""
    item_traits = traits(item.drug)
    if Trait.opioid not in item_traits:
        return None
    if item.formulation is Formulation.er:
        what = "extended release"
    elif item.formulation is Formulation.patch:
        what = "transdermal patch"
    elif Trait.long_acting in item_traits:
        what = "long-acting"
    else:
        return None
    if Trait.moud in item_traits and case.has(Condition.opioid_use_disorder):
        return None
    for med in case.current_medications:
        if med.drug == item.drug and (
            med.formulation is item.formulation or Trait.long_acting in item_traits
        ):
            return None  # the home dose given here: continuing it, not treating acute pain
    return what


def review_tried(case: PatientCase, facts: Facts | None = None) -> tuple[TriedReview, ...]:
    """One review per medicine tried, in the order entered.

    A dose that was contraindicated for this patient is reviewed as possible harm first: the
    review says so plainly and what to watch for, whatever else it might say about efficacy.
    """
    if not case.tried:
        return ()
    if facts is None:
        from logic.engine.renal import assess_renal
        from logic.engine.rules import Facts

        facts = Facts(case=case, renal=assess_renal(case))
    seen: dict[DrugClass, int] = {}
    reviews = []
    for item in case.tried:
        cls = drug_class(item.drug)
        seen[cls] = nth = seen.get(cls, 0) + 1
        harm = _harm(facts, item, cls) if _may_harm(facts, item, cls) else None
        reviews.append(harm if harm is not None else _review_one(case, item, cls, nth))
    return tuple(reviews)


def _may_harm(facts: Facts, item: TriedMedication, cls: DrugClass) -> bool:
    """Could `_harm` find anything? Only for the classes and facts it checks."""
    return (
        cls is DrugClass.nsaid
        or cls is DrugClass.atypical_opioid
        or (cls is DrugClass.benzodiazepine and facts.case.older_adult)
        or (facts.maoi and Trait.opioid in traits(item.drug))
        or item.formulation in (Formulation.er, Formulation.patch)
        or Trait.long_acting in traits(item.drug)
    )


@lru_cache(maxsize=4096)
def _tried_review(
    drug: str,
    cls: DrugClass,
    verdict: str,
    reason: str,
    evidence: tuple[str, ...],
    monitor: tuple[str, ...] = (),
    rule_ids: tuple[str, ...] = (),
) -> TriedReview:
    """Reviews are frozen and mostly the same from case to case: each is built once."""
    return TriedReview(
        drug=drug,
        drug_class=cls.value,
        verdict=verdict,
        reason=reason,
        evidence=evidence,
        monitor=monitor,
        rule_ids=rule_ids,
    )


def _others_with(facts: Facts, item: TriedMedication, trait: Trait) -> list[str]:
    """Other medicines (either list) with this trait: the interaction partners of `item`."""
    return [g for g in facts.meds.by_trait.get(trait, ()) if g != item.drug]


def _harm(facts: Facts, item: TriedMedication, cls: DrugClass) -> TriedReview | None:
    """A review of possible harm when the dose given was contraindicated for this patient.

    This function decides which harm-* rows of logic.engine.rules.STEP_RULES apply to the dose
    given; each row holds its wording, source and evidence, and the review names the rows it used.
    """
    case = facts.case
    drug = item.drug.capitalize()
    found: list[str] = []
    watch: list[str] = []
    evidence: list[str] = []
    rule_ids: list[str] = []

    def add(rule_id: str, monitor: str | None, **values: object) -> None:
        found.append(step_text(rule_id, **values))
        rule_ids.append(rule_id)
        if monitor is not None and monitor not in watch:
            watch.append(monitor)
        evidence.extend(e for e in STEP[rule_id].evidence if e not in evidence)

    if cls is DrugClass.nsaid:
        name = item.drug.capitalize()
        if facts.has(Condition.gi_bleed_history, Condition.peptic_ulcer):
            add("harm-nsaid-gi-bleed", WATCH_BLEEDING, name=name)
        if facts.crcl_below_30:
            add("harm-nsaid-renal", WATCH_KIDNEYS, name=name)
        if facts.has(Condition.anticoagulant_use):
            add("harm-nsaid-anticoagulant", WATCH_BLEEDING, name=name)
        if facts.nsaid_allergy:
            add("harm-nsaid-allergy", WATCH_ALLERGY, name=name)
        if item.drug == "ketorolac":
            low = (
                case.older_adult or case.weight_kg < KETOROLAC_LOW_WEIGHT_KG or facts.crcl_below_60
            )
            iv_max = KETOROLAC_OLDER_SINGLE_MAX_MG if low else KETOROLAC_SINGLE_MAX_IV_MG
            im_max = KETOROLAC_OLDER_SINGLE_MAX_IM_MG if low else KETOROLAC_SINGLE_MAX_IM_MG
            limit = im_max if item.route is Route.im else iv_max
            if item.dose_mg is not None and item.dose_mg > limit:
                add("harm-ketorolac-dose", WATCH_KIDNEYS, dose=item.dose_mg, limit=limit)
            if item.doses_given > KETOROLAC_MAX_DOSES_5_DAYS:
                add("harm-ketorolac-duration", WATCH_KIDNEYS, doses=item.doses_given)
            if found and WATCH_BLEEDING not in watch:
                watch.append(WATCH_BLEEDING)
        if (
            case.pregnancy_weeks is not None
            and case.pregnancy_weeks >= PREGNANCY_NSAID_AVOID_WEEKS_FROM
        ):
            add("harm-nsaid-pregnancy", WATCH_FETUS, name=name, weeks=case.pregnancy_weeks)

    er = er_opioid_given(case, item) if Trait.opioid in traits(item.drug) else None
    if er is not None:
        after = PATCH_AFTER if item.formulation is Formulation.patch else ""
        add(
            "harm-er-opioid-acute",
            WATCH_OPIOID_HARM,
            drug=drug,
            what=er,
            lasts=_lasts(item),
            after=after,
        )

    if Trait.opioid in traits(item.drug) and facts.maoi:
        partners = _others_with(facts, item, Trait.maoi)
        if partners:
            add("harm-opioid-maoi", WATCH_SEROTONIN, drug=drug, partners=", ".join(partners))
            if WATCH_SEDATION not in watch:
                watch.append(WATCH_SEDATION)

    if cls is DrugClass.atypical_opioid:
        serotonergic = _others_with(facts, item, Trait.serotonergic)
        if serotonergic or Condition.serotonergic_drug_use in case.conditions:
            with_ = ", ".join(serotonergic) or "a serotonergic drug"
            add(
                "harm-atypical-opioid-serotonergic",
                WATCH_SEROTONIN,
                drug=drug,
                partners=with_,
                generic=item.drug,
            )
        seizure = _others_with(facts, item, Trait.lowers_seizure_threshold)
        if seizure or facts.has(Condition.seizure_disorder):
            with_ = ", ".join(seizure) or "a seizure disorder"
            add(
                "harm-atypical-opioid-seizure",
                WATCH_SEIZURE,
                drug=drug,
                partners=with_,
                generic=item.drug,
            )

    if cls is DrugClass.benzodiazepine and case.older_adult:
        add("harm-beers-benzodiazepine", WATCH_SEDATION, drug=drug, age=case.age_years)
        if facts.meds.home_opioids or any(Trait.opioid in traits(t.drug) for t in case.tried):
            add("harm-benzodiazepine-with-opioid", None)

    if not found:
        return None
    reason = f"{HARM}. " + " ".join(found) + " Watch for " + "; ".join(watch) + "."
    return _tried_review(
        item.drug, cls, UNSAFE, reason, tuple(evidence), tuple(watch), tuple(rule_ids)
    )


def _review_one(case: PatientCase, item: TriedMedication, cls: DrugClass, nth: int) -> TriedReview:
    """The efficacy review of one medicine tried (no harm found): a function of the few things
    it reads, so the same entry in another patient is reviewed once."""
    anticholinergic_risk = item.drug == "orphenadrine" and (
        case.has(Condition.glaucoma) or case.has(Condition.urinary_retention_history)
    )
    return _efficacy_review(
        item.drug,
        item.dose_mg,
        item.doses_given,
        item.relief,
        cls,
        nth,
        case.older_adult,
        case.radicular,
        anticholinergic_risk,
        item.product_label,
        item.also_contains,
    )


@lru_cache(maxsize=4096)
def _efficacy_review(
    drug: str,
    dose_mg: float | None,
    doses_given: int,
    relief: Relief,
    cls: DrugClass,
    nth: int,
    older: bool,
    radicular: bool,
    anticholinergic_risk: bool,
    product: str | None = None,
    also_contains: tuple[str, ...] = (),
) -> TriedReview:
    def verdict(v: str, reason: str, *evidence: str) -> TriedReview:
        if product is not None and also_contains:
            # FDA 2011: acetaminophen hidden in combination products causes unintended overdose.
            reason += (
                f" {product} also contains {' and '.join(also_contains)}: that dose counts "
                "toward today's total and the interval before the next one."
            )
            if "acetaminophen" in also_contains and "acetaminophen" not in evidence:
                evidence = (*evidence, "acetaminophen")  # the content page on it
        return _tried_review(drug, cls, v, reason, evidence)

    if cls is DrugClass.corticosteroid:
        why = (
            "Systemic steroids are no better than placebo for back pain without sciatica, and "
            "in sciatica they buy only about half a point on a 10-point pain scale for a few "
            "weeks (Cochrane 2022). ACP advises against them even with radicular symptoms."
        )
        if nth > 1:
            why += " A second steroid repeats a class that had already failed and adds "
            why += "hyperglycaemia, mood change and GI risk (more so with an NSAID)."
            return verdict(DUPLICATE, why, "systemic-corticosteroids")
        return verdict(EXPECTED_TO_FAIL, why, "systemic-corticosteroids")

    if cls is DrugClass.muscle_relaxant:
        why = (
            "In ED trials, adding a muscle relaxant to an NSAID did not improve pain or function "
            "at one week (Friedman 2015 and 2019)."
        )
        fact = MUSCLE_RELAXANT_FACTS.get(drug)
        if fact:
            why += f" {fact}"
        if older:
            why += " At 65+ Beers lists muscle relaxants to avoid."
        if anticholinergic_risk:
            why += " Orphenadrine is contraindicated with glaucoma or urinary retention."
            return verdict(UNSAFE, why, "muscle-relaxants")
        if doses_given > 1 or nth > 1:
            why += " Giving it again after it failed adds sedation, not relief."
            return verdict(DUPLICATE, why, "muscle-relaxants")
        return verdict(EXPECTED_TO_FAIL, why, "muscle-relaxants")

    if cls is DrugClass.nsaid:
        why = (
            "An NSAID is the right first-line drug, but its effect on acute back pain is small "
            "(Cochrane 2020), so failure of one dose is common."
        )
        full = NSAID_FULL_DOSE_MG.get(drug)
        if full is not None and dose_mg is not None and dose_mg < full:
            return verdict(
                SUBTHERAPEUTIC,
                f"{dose_mg:g} mg is below the label's full analgesic dose ({full:g} mg), so "
                "its failure says little about NSAIDs: a full, scheduled dose is the next step "
                "if it is safe.",
                "nsaids-ketorolac",
            )
        if doses_given <= 1:
            why += (
                " One dose is not a trial of NSAID treatment: a scheduled course over several "
                "days is, and the plan continues one where it is safe."
            )
        else:
            why += f" {doses_given} doses were given, a fair short trial."
        if drug == "ketorolac":
            if dose_mg is not None and dose_mg > KETOROLAC_CEILING_MG:
                why += (
                    f" {dose_mg:g} mg is above the 10 mg analgesic ceiling (Motov 2017): "
                    "more drug added risk, not relief."
                )
            if older and dose_mg is not None and dose_mg > KETOROLAC_OLDER_SINGLE_MAX_MG:
                why += " At 65+ it also exceeded the label's 15 mg single-dose limit."
                return verdict(UNSAFE, why, "nsaids-ketorolac", "older-adults-pregnancy")
            why += " Total ketorolac use must stay within 5 days."
        if relief.value == "partial":
            why += " Partial relief: continue a scheduled oral NSAID if it is safe."
        return verdict(REASONABLE, why, "nsaids-ketorolac")

    if cls is DrugClass.gabapentinoid:
        if not radicular:
            return verdict(
                NOT_INDICATED,
                "Gabapentinoids do nothing for axial back pain without radicular features "
                "(Enke 2018); they only add dizziness and sedation.",
                "gabapentinoids-sciatica",
            )
        total = (dose_mg or 0) * doses_given
        low = GABAPENTINOID_EFFECTIVE_LOW_MG_DAY.get(drug, GABAPENTIN_EFFECTIVE_LOW_MG_DAY)
        if doses_given <= 1:
            return verdict(
                SUBTHERAPEUTIC,
                "A single dose is not a trial and cannot work: any benefit in radicular pain "
                f"needs titration to at least {low:g} mg/day over days to weeks (within the "
                "renal limit), and even then trials are mostly negative (PRECISE 2017; NICE "
                "advises against).",
                "gabapentinoids-sciatica",
            )
        if total < low:
            return verdict(
                SUBTHERAPEUTIC,
                f"{doses_given} doses, {total:g} mg in all, stay below the {low:g} mg/day "
                "at which a gabapentinoid can be judged (NeuPSIG 2015): too small a trial to "
                "call a failure, and trials are mostly negative even at full dose (PRECISE "
                "2017; NICE advises against).",
                "gabapentinoids-sciatica",
            )
        return verdict(
            REASONABLE,
            "Tried at a working dose: trials show little benefit even then (Enke 2018).",
            "gabapentinoids-sciatica",
        )

    if cls is DrugClass.benzodiazepine:
        return verdict(
            EXPECTED_TO_FAIL,
            f"{drug.capitalize()} is a benzodiazepine: in the ED trial of the class for acute "
            "back pain, diazepam was no better than placebo (Friedman 2017), and benzodiazepines "
            "add dangerous sedation with opioids (FDA 2016 boxed warning).",
            "benzodiazepines",
        )

    if cls in (DrugClass.opioid, DrugClass.atypical_opioid, DrugClass.partial_opioid):
        return verdict(
            REASONABLE,
            "An opioid rescue dose was given. Opioids added to an NSAID did not improve "
            "function at one week (Friedman 2015), and a short course was no better than "
            "placebo at 6 weeks (OPAL 2023); reassess the diagnosis before escalating.",
            "opioids-acute-pain",
        )

    if cls is DrugClass.acetaminophen:
        return verdict(
            EXPECTED_TO_FAIL,
            "On its own, acetaminophen is no better than placebo for acute low back pain "
            "(PACE, Williams 2014).",
            "acetaminophen",
        )

    if cls in (DrugClass.tricyclic, DrugClass.snri):
        return verdict(
            NOT_INDICATED,
            f"Antidepressants take weeks to act; {doses_given} dose"
            f"{'s' if doses_given != 1 else ''} in this episode cannot be judged, and "
            "they are not acute analgesics.",
            "antidepressants",
        )

    if cls is DrugClass.topical:
        return verdict(
            REASONABLE,
            "A topical analgesic is a reasonable adjunct with limited evidence in back pain.",
            "non-drug-care",
        )
    return verdict(
        NOT_INDICATED,
        f"{drug} is not a treatment for back pain; it is counted for its interactions "
        "(serotonin, sedation, bleeding, kidneys) with what the plan offers.",
        "non-drug-care",
    )
