"""Drug catalogue: generic names, classes, properties, dose units and the brand names in use.

One typed table, written once and read everywhere (the models resolve names through it, the
medicine facts read its properties, the plan and the export read its classes). Each entry names
the source of what it says about the drug: the US label on DailyMed for the product (class,
interactions, warnings), and for the properties the interaction sections that the rules cite:

* serotonergic: the tramadol label (Ultram, 2023, section 7: SSRIs, SNRIs, TCAs, triptans, 5-HT3
  antagonists, mirtazapine, trazodone, lithium, MAOIs incl. linezolid and methylene blue) and
  the FDA Drug Safety Communication on methylene blue (2011) and linezolid (2011).
* lowers the seizure threshold: the tramadol label (section 5: SSRIs, SNRIs, TCAs and other
  tricyclic compounds such as cyclobenzaprine and promethazine, MAOIs, neuroleptics, bupropion).
* CNS depressant: the FDA 2016 opioid boxed warning (benzodiazepines and other CNS depressants)
  and the FDA 2019 gabapentinoid communication; AGS Beers 2023 CNS-active list.
* MAOI: the product labels and the FDA 2011 communications (linezolid and methylene blue are
  MAOIs).

Brand-to-generic pairs are from the US labels; combination products resolve to the component
whose dose is entered (Percocet -> oxycodone: "Percocet 10/325" is oxycodone 10 mg), and
`COMBINATIONS` names the other ingredients they contain (Percocet also holds acetaminophen), so
the medicine facts see those too. A brand can also imply a formulation (OxyContin is extended
release, Duragesic is a patch).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class DoseUnit(StrEnum):
    """The unit a dose is entered in."""

    mg = "mg"
    mcg = "mcg"  # e.g. fentanyl IV or buccal, buprenorphine buccal
    mcg_per_h = "mcg/h"  # transdermal patches (fentanyl, buprenorphine)


class Formulation(StrEnum):
    ir = "ir"  # immediate release
    er = "er"  # extended release / long-acting
    patch = "patch"  # transdermal


class DrugClass(StrEnum):
    # The first eleven values are shown in reviews and kept as they were.
    nsaid = "NSAID"
    corticosteroid = "systemic corticosteroid"
    muscle_relaxant = "skeletal muscle relaxant"
    benzodiazepine = "benzodiazepine"
    gabapentinoid = "gabapentinoid"
    opioid = "opioid"
    atypical_opioid = "opioid (atypical: tramadol/tapentadol)"
    acetaminophen = "acetaminophen (paracetamol)"
    tricyclic = "tricyclic antidepressant"
    snri = "SNRI"
    topical = "topical analgesic"
    partial_opioid = "opioid (partial agonist: buprenorphine)"
    opioid_antagonist = "opioid antagonist"
    ssri = "SSRI"
    maoi = "MAOI"
    other_antidepressant = "other antidepressant"
    triptan = "triptan"
    mood_stabiliser = "mood stabiliser"
    z_drug = "Z-drug hypnotic"
    antipsychotic = "antipsychotic"
    antiemetic = "antiemetic"
    antitussive = "antitussive"
    anticoagulant = "anticoagulant"
    antiplatelet = "antiplatelet"
    ace_inhibitor = "ACE inhibitor"
    arb = "angiotensin receptor blocker"
    diuretic = "diuretic"
    antimetabolite = "antimetabolite (methotrexate)"
    antimicrobial = "antimicrobial"
    proton_pump_inhibitor = "proton pump inhibitor"
    laxative = "laxative"
    opioid_reversal = "opioid antagonist (overdose reversal)"
    antiepileptic = "antiepileptic"
    h2_blocker = "H2 blocker"
    antihistamine = "antihistamine"
    statin = "statin"
    antidiabetic = "diabetes medicine"
    beta_blocker = "beta blocker"
    calcium_channel_blocker = "calcium channel blocker"
    antiarrhythmic = "antiarrhythmic"
    hormonal_contraceptive = "hormonal contraceptive"
    herbal = "herbal product"
    nav18_blocker = "NaV1.8 sodium channel blocker (suzetrigine)"
    other = "other"


class Trait(StrEnum):
    """Properties a rule can ask about. A drug carries a set of them."""

    opioid = "opioid"  # any opioid receptor agonist, full or partial (counts as an opioid)
    full_agonist = "full_agonist"  # full mu agonist (MME counts; naltrexone blocks it)
    long_acting = "long_acting"  # long-acting by pharmacology, whatever the product (methadone)
    moud = "moud"  # a medicine for opioid use disorder (CDC 2022 rec 12)
    opioid_blocker = "opioid_blocker"  # naltrexone: full agonists will not work
    serotonergic = "serotonergic"
    maoi = "maoi"
    maoi_contraindicated = "maoi_contraindicated"  # label: not with an MAOI or within 14 days
    lowers_seizure_threshold = "lowers_seizure_threshold"
    cns_depressant = "cns_depressant"
    anticholinergic = "anticholinergic"
    anticoagulant = "anticoagulant"
    antiplatelet = "antiplatelet"
    nsaid = "nsaid"  # an NSAID, aspirin included (hypersensitivity, duplication)
    nsaid_kidney_risk = "nsaid_kidney_risk"  # ACE inhibitor, ARB, diuretic: with an NSAID, AKI
    nsaid_raises_level = "nsaid_raises_level"  # lithium, methotrexate: NSAIDs raise the level
    strong_cyp3a4_inhibitor = "strong_cyp3a4_inhibitor"
    corticosteroid = "corticosteroid"
    # Interaction properties (logic.drugs.interactions); which drugs carry them: INTERACTION_TRAITS.
    cyp1a2_strong_inhibitor = "cyp1a2_strong_inhibitor"
    cyp1a2_inhibitor = "cyp1a2_inhibitor"  # moderate or weak (tizanidine label 7.3)
    cyp3a4_inducer = "cyp3a4_inducer"  # strong inducer
    cyp3a4_substrate_opioid = "cyp3a4_substrate_opioid"  # boxed CYP3A4 interaction warning
    cyp2d6_prodrug = "cyp2d6_prodrug"  # analgesia needs CYP2D6 activation (tramadol, codeine)
    cyp2d6_strong_inhibitor = "cyp2d6_strong_inhibitor"
    cyp2c19_inhibitor_ppi = "cyp2c19_inhibitor_ppi"  # omeprazole, esomeprazole (Plavix label)
    qt_prolonging = "qt_prolonging"
    bleeding_serotonergic = "bleeding_serotonergic"  # SSRI/SNRI platelet effect (NSAID labels)
    fluoroquinolone = "fluoroquinolone"
    sulfonamide = "sulfonamide"  # celecoxib label: contraindicated with sulfonamide allergy


T = Trait

#: What every member of a class carries; an entry adds its own traits on top.
CLASS_TRAITS: dict[DrugClass, frozenset[Trait]] = {
    DrugClass.nsaid: frozenset({T.nsaid}),
    DrugClass.corticosteroid: frozenset({T.corticosteroid}),
    DrugClass.muscle_relaxant: frozenset({T.cns_depressant}),
    DrugClass.benzodiazepine: frozenset({T.cns_depressant}),
    DrugClass.z_drug: frozenset({T.cns_depressant}),
    DrugClass.gabapentinoid: frozenset({T.cns_depressant}),
    # FDA 2016 class labelling: every opioid is "not recommended" with an MAOI or within 14 days
    # (oxycodone, hydromorphone, morphine, hydrocodone, codeine, fentanyl labels, section 7).
    DrugClass.opioid: frozenset(
        {T.opioid, T.full_agonist, T.cns_depressant, T.maoi_contraindicated}
    ),
    DrugClass.atypical_opioid: frozenset(
        {
            T.opioid,
            T.full_agonist,
            T.cns_depressant,
            T.serotonergic,
            T.lowers_seizure_threshold,
            T.maoi_contraindicated,
        }
    ),
    DrugClass.partial_opioid: frozenset({T.opioid, T.cns_depressant, T.maoi_contraindicated}),
    DrugClass.opioid_antagonist: frozenset({T.opioid_blocker}),
    DrugClass.tricyclic: frozenset(
        {T.serotonergic, T.lowers_seizure_threshold, T.anticholinergic, T.cns_depressant}
        | {T.maoi_contraindicated}
    ),
    DrugClass.snri: frozenset(
        {
            T.serotonergic,
            T.lowers_seizure_threshold,
            T.maoi_contraindicated,
            T.bleeding_serotonergic,
        }
    ),
    DrugClass.ssri: frozenset(
        {
            T.serotonergic,
            T.lowers_seizure_threshold,
            T.maoi_contraindicated,
            T.bleeding_serotonergic,
        }
    ),
    DrugClass.maoi: frozenset({T.maoi, T.serotonergic}),
    DrugClass.triptan: frozenset({T.serotonergic, T.maoi_contraindicated}),
    DrugClass.antipsychotic: frozenset({T.lowers_seizure_threshold, T.cns_depressant}),
    DrugClass.anticoagulant: frozenset({T.anticoagulant}),
    DrugClass.antiplatelet: frozenset({T.antiplatelet}),
    DrugClass.ace_inhibitor: frozenset({T.nsaid_kidney_risk}),
    DrugClass.arb: frozenset({T.nsaid_kidney_risk}),
    DrugClass.diuretic: frozenset({T.nsaid_kidney_risk}),
    DrugClass.antimetabolite: frozenset({T.nsaid_raises_level}),
}

_MG = frozenset({DoseUnit.mg})
#: Buprenorphine: mg (Suboxone/Subutex sublingual, Sublocade injection), mcg (Belbuca buccal
#: film), mcg/h (Butrans patch).
_PATCHABLE = frozenset({DoseUnit.mg, DoseUnit.mcg, DoseUnit.mcg_per_h})
#: Fentanyl is never dosed in mg: mcg (Sublimaze injection, Actiq and Fentora transmucosal) or
#: mcg/h (Duragesic patch), so "fentanyl 100 mg" is an input error, not a dose.
_FENTANYL_UNITS = frozenset({DoseUnit.mcg, DoseUnit.mcg_per_h})


class Drug(NamedTuple):
    generic: str
    drug_class: DrugClass
    brands: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    #: Traits beyond the class's own (see CLASS_TRAITS); `traits` below is the union.
    extra: frozenset[Trait] = frozenset()
    #: The unit a dose is in when none is given (a patch is always mcg/h).
    unit: DoseUnit = DoseUnit.mg
    #: Units a dose of this drug may be entered in. mcg/h only for a patch.
    units: frozenset[DoseUnit] = _MG
    #: Formulations the drug exists in, where the rules care (opioids: IR, ER, patch).
    forms: frozenset[Formulation] = frozenset()
    #: Names (brands or synonyms) that imply a formulation: ("oxycontin", er).
    named_forms: tuple[tuple[str, Formulation], ...] = ()
    source: str = ""
    #: How an order of this drug is labelled when it is not just the generic name.
    order_label: str | None = None

    @property
    def traits(self) -> frozenset[Trait]:
        own = CLASS_TRAITS.get(self.drug_class, frozenset()) | self.extra
        return own | INTERACTION_TRAITS.get(self.generic, frozenset())


F = Formulation
C = DrugClass
_OPIOID_FORMS = frozenset({F.ir, F.er})
_DM = "DailyMed label"

_CORE: tuple[Drug, ...] = (
    # ---- NSAIDs (NSAID class labelling: GI bleeding, CV and renal boxed warnings) --------------
    Drug("ketorolac", C.nsaid, ("toradol", "sprix"), source="Ketorolac tromethamine label"),
    Drug(
        "ibuprofen",
        C.nsaid,
        ("motrin", "advil", "caldolor", "nurofen", "brufen"),
        source="Ibuprofen label",
    ),
    Drug(
        "naproxen",
        C.nsaid,
        ("naprosyn", "aleve", "anaprox"),
        ("naproxen sodium",),
        source="Naproxen label",
    ),
    Drug("diclofenac", C.nsaid, ("voltaren", "cataflam", "voltarol"), source="Diclofenac label"),
    Drug("meloxicam", C.nsaid, ("mobic",), source="Meloxicam label"),
    Drug("celecoxib", C.nsaid, ("celebrex",), source="Celecoxib label"),
    Drug("indomethacin", C.nsaid, ("indocin",), source="Indomethacin label"),
    Drug(
        "aspirin",
        C.nsaid,
        ("bayer", "ecotrin"),
        ("acetylsalicylic acid", "asa"),
        extra=frozenset({T.antiplatelet}),
        source="Aspirin label; ketorolac label (contraindicated with aspirin)",
    ),
    # ---- Systemic corticosteroids ---------------------------------------------------------------
    Drug("prednisone", C.corticosteroid, ("deltasone", "rayos"), source="Prednisone label"),
    Drug("prednisolone", C.corticosteroid, ("orapred",), source="Prednisolone label"),
    Drug(
        "methylprednisolone",
        C.corticosteroid,
        ("medrol", "solu-medrol", "depo-medrol"),
        source="Methylprednisolone label",
    ),
    Drug("dexamethasone", C.corticosteroid, ("decadron",), source="Dexamethasone label"),
    # ---- Skeletal muscle relaxants (AGS Beers 2023: avoid) --------------------------------------
    Drug(
        "orphenadrine",
        C.muscle_relaxant,
        ("norflex",),
        extra=frozenset({T.anticholinergic}),
        source="Orphenadrine label (anticholinergic)",
    ),
    Drug(
        "cyclobenzaprine",
        C.muscle_relaxant,
        ("flexeril", "amrix"),
        # Cyclobenzaprine label: a tricyclic compound; serotonin syndrome with SSRIs, SNRIs,
        # TCAs, tramadol, MAOIs; contraindicated with MAOIs or within 14 days. Tramadol label:
        # seizure risk with other tricyclic compounds (e.g. cyclobenzaprine).
        extra=frozenset(
            {T.serotonergic, T.lowers_seizure_threshold, T.anticholinergic, T.maoi_contraindicated}
        ),
        source="Cyclobenzaprine (Flexeril) label; tramadol label (tricyclic compounds)",
    ),
    Drug("methocarbamol", C.muscle_relaxant, ("robaxin",), source="Methocarbamol label"),
    Drug("tizanidine", C.muscle_relaxant, ("zanaflex",), source="Tizanidine label"),
    Drug("baclofen", C.muscle_relaxant, ("lioresal",), source="Baclofen label"),
    Drug("metaxalone", C.muscle_relaxant, ("skelaxin",), source="Metaxalone label"),
    Drug("carisoprodol", C.muscle_relaxant, ("soma",), source="Carisoprodol label"),
    Drug("chlorzoxazone", C.muscle_relaxant, ("parafon forte",), source="Chlorzoxazone label"),
    # ---- Benzodiazepines and Z-drugs (FDA 2016 boxed warning with opioids; Beers 2023) ----------
    Drug("diazepam", C.benzodiazepine, ("valium",), source="Diazepam label"),
    Drug("lorazepam", C.benzodiazepine, ("ativan",), source="Lorazepam label"),
    Drug("clonazepam", C.benzodiazepine, ("klonopin",), source="Clonazepam label"),
    Drug("alprazolam", C.benzodiazepine, ("xanax",), source="Alprazolam label"),
    Drug("temazepam", C.benzodiazepine, ("restoril",), source="Temazepam label"),
    Drug("chlordiazepoxide", C.benzodiazepine, ("librium",), source="Chlordiazepoxide label"),
    Drug("midazolam", C.benzodiazepine, ("versed",), source="Midazolam label"),
    # Further benzodiazepines, so a code from the CDC opioid CDS Benzodiazepine_Medications value
    # set (logic/drugs/rxnorm.py) is read as one: US labels where marketed, else the UK/EU SmPC.
    Drug("clobazam", C.benzodiazepine, ("onfi", "sympazan"), source="Onfi label"),
    Drug("clorazepate", C.benzodiazepine, ("tranxene",), source="Tranxene T-Tab label"),
    Drug("oxazepam", C.benzodiazepine, ("serax",), source="Oxazepam label"),
    Drug("triazolam", C.benzodiazepine, ("halcion",), source="Halcion label"),
    Drug("estazolam", C.benzodiazepine, ("prosom",), source="Estazolam label"),
    Drug("quazepam", C.benzodiazepine, ("doral",), source="Doral label"),
    Drug("flurazepam", C.benzodiazepine, ("dalmane",), source="Flurazepam label"),
    Drug("nitrazepam", C.benzodiazepine, ("mogadon",), source="Nitrazepam SmPC (UK)"),
    Drug("bromazepam", C.benzodiazepine, ("lexotan",), source="Bromazepam SmPC (EU)"),
    Drug("lormetazepam", C.benzodiazepine, (), source="Lormetazepam SmPC (UK)"),
    Drug("flunitrazepam", C.benzodiazepine, ("rohypnol",), source="Rohypnol SmPC (EU)"),
    Drug(
        "halazepam",
        C.benzodiazepine,
        ("paxipam",),
        source="CDC opioid CDS Benzodiazepine_Medications value set (no longer marketed in the US)",
    ),
    Drug("zolpidem", C.z_drug, ("ambien",), source="Zolpidem label; AGS Beers 2023"),
    Drug("eszopiclone", C.z_drug, ("lunesta",), source="Eszopiclone label; AGS Beers 2023"),
    Drug("zaleplon", C.z_drug, ("sonata",), source="Zaleplon label; AGS Beers 2023"),
    # ---- Gabapentinoids (FDA Drug Safety Communication 19 Dec 2019) -----------------------------
    Drug(
        "gabapentin",
        C.gabapentinoid,
        ("neurontin", "gralise", "horizant"),
        source="Neurontin label",
    ),
    Drug("pregabalin", C.gabapentinoid, ("lyrica",), source="Lyrica label"),
    # ---- Opioids, full agonists -----------------------------------------------------------------
    Drug(
        "oxycodone",
        C.opioid,
        ("roxicodone", "oxycontin", "percocet", "endocet", "xtampza"),
        ("oxycodone er", "oxycodone ir"),
        forms=_OPIOID_FORMS,
        named_forms=(
            ("oxycontin", F.er),
            ("xtampza", F.er),
            ("oxycodone er", F.er),
            ("roxicodone", F.ir),
            ("percocet", F.ir),
            ("endocet", F.ir),
            ("oxycodone ir", F.ir),
        ),
        # Oxycodone label: strong CYP3A4 inhibitors raise oxycodone levels (boxed warning).
        source="Roxicodone and OxyContin labels",
    ),
    Drug(
        "hydrocodone",
        C.opioid,
        ("norco", "vicodin", "lortab", "lorcet", "hysingla", "zohydro"),
        forms=_OPIOID_FORMS,
        named_forms=(
            ("norco", F.ir),
            ("vicodin", F.ir),
            ("lortab", F.ir),
            ("lorcet", F.ir),
            ("hysingla", F.er),
            ("zohydro", F.er),
        ),
        source="Hydrocodone bitartrate and acetaminophen label; Hysingla ER label",
    ),
    Drug(
        "hydromorphone",
        C.opioid,
        ("dilaudid", "exalgo"),
        forms=_OPIOID_FORMS,
        named_forms=(("dilaudid", F.ir), ("exalgo", F.er)),
        source="Dilaudid label",
    ),
    Drug(
        "morphine",
        C.opioid,
        ("ms contin", "kadian"),
        ("morphine er",),
        forms=_OPIOID_FORMS,
        named_forms=(("ms contin", F.er), ("kadian", F.er), ("morphine er", F.er)),
        source="Morphine sulfate and MS Contin labels",
    ),
    Drug(
        "oxymorphone",
        C.opioid,
        ("opana",),
        forms=_OPIOID_FORMS,
        source="Oxymorphone label",
    ),
    Drug(
        "codeine",
        C.opioid,
        ("tylenol #3", "tylenol #4", "tylenol with codeine"),
        # ER codeine exists outside the US (Codeine Contin, Canadian monograph; RxNorm 997280
        # in the CDC ER opioid value set), so an EHR can send it.
        forms=_OPIOID_FORMS,
        named_forms=(("tylenol #3", F.ir), ("tylenol #4", F.ir), ("tylenol with codeine", F.ir)),
        source="Codeine label; FDA Drug Safety Communication 20 Apr 2017 (breastfeeding)",
    ),
    Drug(
        "fentanyl",
        C.opioid,
        ("sublimaze", "duragesic", "actiq", "fentora"),
        ("fentanyl patch",),
        unit=DoseUnit.mcg,
        units=_FENTANYL_UNITS,
        forms=frozenset({F.ir, F.patch}),
        named_forms=(
            ("duragesic", F.patch),
            ("fentanyl patch", F.patch),
            ("actiq", F.ir),
            ("fentora", F.ir),
        ),
        source=(
            "Duragesic label (patch, mcg/h); Sublimaze label (injection, mcg); Actiq and Fentora "
            "labels (transmucosal, mcg)"
        ),
    ),
    Drug(
        "methadone",
        C.opioid,
        ("dolophine", "methadose"),
        # Methadone label: long half-life (long-acting by pharmacology); QT prolongation;
        # treatment of opioid addiction (detoxification and maintenance).
        extra=frozenset({T.long_acting, T.moud}),
        forms=frozenset({F.er}),
        source="Dolophine label; CDC 2022 rec 12 (MOUD)",
    ),
    Drug(
        "meperidine",
        C.opioid,
        ("demerol",),
        ("pethidine",),  # the UK and international name (BNF)
        # Meperidine label: contraindicated with MAOIs or within 14 days; serotonin syndrome;
        # normeperidine causes seizures (AGS Beers 2023: avoid).
        extra=frozenset({T.serotonergic, T.lowers_seizure_threshold}),
        forms=frozenset({F.ir}),
        source="Demerol label; AGS Beers 2023",
    ),
    # Further opioid analgesics, so a code from the CDC opioid CDS Opioid_Analgesics value set
    # (logic/drugs/rxnorm.py) is read as an opioid on board (co-sedation, no second opioid,
    # naloxone). None has a CDC 2022 MME factor (its table lists only the common agonists), so none
    # is added to an MME total; the plan says the total is incomplete.
    Drug("levorphanol", C.opioid, (), forms=frozenset({F.ir}), source="Levorphanol label"),
    Drug(
        "dihydrocodeine",
        C.opioid,
        ("dhc continus",),
        forms=_OPIOID_FORMS,
        named_forms=(("dhc continus", F.er),),
        source="Dihydrocodeine combination labels; DHC Continus SmPC (UK, extended release)",
    ),
    # Agonist-antagonists (their labels: may precipitate withdrawal in opioid-dependent patients).
    Drug("pentazocine", C.opioid, ("talwin",), source="Pentazocine and naloxone label"),
    Drug("butorphanol", C.opioid, ("stadol",), source="Butorphanol tartrate label"),
    Drug("nalbuphine", C.opioid, ("nubain",), source="Nalbuphine label"),
    Drug("opium", C.opioid, (), ("opium tincture", "paregoric"), source="Opium tincture label"),
    Drug(
        "sufentanil",
        C.opioid,
        ("dsuvia", "sufenta"),
        unit=DoseUnit.mcg,
        units=frozenset({DoseUnit.mcg}),
        source="Dsuvia label",
    ),
    Drug(
        "remifentanil",
        C.opioid,
        ("ultiva",),
        unit=DoseUnit.mcg,
        units=frozenset({DoseUnit.mcg}),
        source="Ultiva label",
    ),
    Drug(
        "alfentanil",
        C.opioid,
        ("alfenta",),
        unit=DoseUnit.mcg,
        units=frozenset({DoseUnit.mcg}),
        source="Alfentanil label",
    ),
    Drug("diamorphine", C.opioid, (), ("heroin",), source="Diamorphine SmPC (UK)"),
    Drug("dipipanone", C.opioid, ("diconal",), source="Diconal SmPC (UK)"),
    Drug("dextromoramide", C.opioid, ("palfium",), source="CDC opioid CDS value set (not US)"),
    Drug("meptazinol", C.opioid, ("meptid",), source="Meptid SmPC (UK)"),
    Drug("tilidine", C.opioid, ("valoron",), source="Valoron N SmPC (Germany; with naloxone)"),
    Drug("papaveretum", C.opioid, (), source="Papaveretum SmPC (UK)"),
    Drug("pholcodine", C.opioid, (), source="Pholcodine SmPC (UK; withdrawn 2023, MHRA)"),
    Drug(
        "propoxyphene",
        C.opioid,
        ("darvon", "darvocet"),
        source="FDA 2010 withdrawal of propoxyphene (QT prolongation); CDC opioid CDS value set",
    ),
    Drug(
        "levomethadyl",
        C.opioid,
        ("orlaam",),
        extra=frozenset({T.long_acting, T.moud}),
        source="ORLAAM label (opioid dependence; withdrawn 2003); CDC opioid CDS value set",
    ),
    Drug("normethadone", C.opioid, (), source="CDC opioid CDS Buprenorphine_And_Methadone set"),
    Drug(
        "levomethadone",
        C.opioid,
        (),
        extra=frozenset({T.long_acting, T.moud}),
        source="Levomethadone SmPC (EU, opioid dependence); CDC opioid CDS value set",
    ),
    Drug(
        "tramadol",
        C.atypical_opioid,
        ("ultram", "ultracet", "conzip"),
        forms=_OPIOID_FORMS,
        named_forms=(("ultram", F.ir), ("ultracet", F.ir), ("conzip", F.er)),
        source="Ultram label (contraindicated with MAOIs; serotonin syndrome; seizure risk)",
    ),
    Drug(
        "tapentadol",
        C.atypical_opioid,
        ("nucynta",),
        forms=_OPIOID_FORMS,
        source="Nucynta label (contraindicated with MAOIs; serotonin syndrome; seizures)",
    ),
    # ---- Buprenorphine, naltrexone ---------------------------------------------------------------
    Drug(
        "buprenorphine",
        C.partial_opioid,
        ("suboxone", "subutex", "zubsolv", "sublocade", "brixadi", "butrans", "belbuca"),
        ("buprenorphine-naloxone", "buprenorphine patch"),
        units=_PATCHABLE,
        forms=frozenset({F.ir, F.er, F.patch}),
        named_forms=(
            ("butrans", F.patch),
            ("buprenorphine patch", F.patch),
            ("sublocade", F.er),
            ("brixadi", F.er),
            ("suboxone", F.ir),
            ("subutex", F.ir),
            ("zubsolv", F.ir),
            ("buprenorphine-naloxone", F.ir),
            ("belbuca", F.ir),
        ),
        extra=frozenset({T.moud}),
        source="Suboxone, Sublocade, Butrans and Belbuca labels; CDC 2022 rec 12",
    ),
    Drug(
        "naltrexone",
        C.opioid_antagonist,
        ("vivitrol", "revia"),
        source="Vivitrol and naltrexone tablet labels (blocks the effect of opioid agonists)",
    ),
    # ---- Acetaminophen, topicals -----------------------------------------------------------------
    Drug(
        "acetaminophen",
        C.acetaminophen,
        ("tylenol", "ofirmev", "panadol", "calpol"),
        ("paracetamol", "apap"),
        source="Acetaminophen (Ofirmev, Tylenol) labels",
    ),
    Drug(
        "omeprazole",
        C.proton_pump_inhibitor,
        ("prilosec", "losec"),
        source="Omeprazole label (NSAID-associated ulcer prevention)",
    ),
    Drug(
        "senna",
        C.laxative,
        ("senokot",),
        ("sennosides", "senna (sennosides)"),
        source="Sennosides OTC label",
        order_label="senna (sennosides)",
    ),
    Drug(
        "naloxone",
        C.opioid_reversal,
        ("narcan", "kloxxado"),
        ("naloxone nasal spray",),
        source="Narcan nasal spray label; CDC 2022 rec 8",
        order_label="naloxone nasal spray",
    ),
    Drug("lidocaine", C.topical, ("lidoderm",), ("lidocaine patch",), source="Lidoderm label"),
    Drug("diclofenac gel", C.topical, ("voltaren gel",), source="Voltaren gel label"),
    # ---- Antidepressants -------------------------------------------------------------------------
    Drug("amitriptyline", C.tricyclic, ("elavil",), source="Amitriptyline label"),
    Drug("nortriptyline", C.tricyclic, ("pamelor",), source="Nortriptyline label"),
    Drug("imipramine", C.tricyclic, ("tofranil",), source="Imipramine label"),
    Drug("doxepin", C.tricyclic, ("sinequan", "silenor"), source="Doxepin label"),
    Drug("desipramine", C.tricyclic, ("norpramin",), source="Desipramine label"),
    Drug("clomipramine", C.tricyclic, ("anafranil",), source="Clomipramine label"),
    Drug("duloxetine", C.snri, ("cymbalta", "drizalma"), source="Cymbalta label"),
    Drug("venlafaxine", C.snri, ("effexor",), source="Effexor XR label"),
    Drug("desvenlafaxine", C.snri, ("pristiq",), source="Pristiq label"),
    Drug("milnacipran", C.snri, ("savella",), source="Savella label"),
    Drug("levomilnacipran", C.snri, ("fetzima",), source="Fetzima label"),
    Drug("sertraline", C.ssri, ("zoloft",), source="Zoloft label"),
    Drug("fluoxetine", C.ssri, ("prozac", "sarafem"), source="Prozac label"),
    Drug(
        "paroxetine",
        C.ssri,
        ("paxil", "pexeva"),
        extra=frozenset({T.anticholinergic}),
        source="Paxil label; AGS Beers 2023 (strongly anticholinergic)",
    ),
    Drug("citalopram", C.ssri, ("celexa",), source="Celexa label"),
    Drug("escitalopram", C.ssri, ("lexapro",), source="Lexapro label"),
    Drug("fluvoxamine", C.ssri, ("luvox",), source="Fluvoxamine label"),
    Drug(
        "trazodone",
        C.other_antidepressant,
        ("desyrel", "oleptro"),
        extra=frozenset({T.serotonergic, T.cns_depressant, T.maoi_contraindicated}),
        source="Trazodone label; tramadol label (serotonergic drugs)",
    ),
    Drug(
        "mirtazapine",
        C.other_antidepressant,
        ("remeron",),
        extra=frozenset({T.serotonergic, T.cns_depressant, T.maoi_contraindicated}),
        source="Remeron label; tramadol label (serotonergic drugs)",
    ),
    Drug(
        "vortioxetine",
        C.other_antidepressant,
        ("trintellix",),
        extra=frozenset({T.serotonergic, T.maoi_contraindicated}),
        source="Trintellix label",
    ),
    Drug(
        "bupropion",
        C.other_antidepressant,
        ("wellbutrin", "zyban"),
        extra=frozenset({T.lowers_seizure_threshold, T.maoi_contraindicated}),
        source="Wellbutrin label (dose-related seizure risk; contraindicated with MAOIs)",
    ),
    # ---- MAOIs (labels; FDA 2011 communications for linezolid and methylene blue) ----------------
    Drug("phenelzine", C.maoi, ("nardil",), source="Nardil label"),
    Drug("tranylcypromine", C.maoi, ("parnate",), source="Parnate label"),
    Drug("isocarboxazid", C.maoi, ("marplan",), source="Marplan label"),
    Drug(
        "selegiline",
        C.maoi,
        ("emsam", "eldepryl", "zelapar"),
        source="Emsam and Eldepryl labels (contraindicated with tramadol, methadone, meperidine)",
    ),
    Drug(
        "rasagiline",
        C.maoi,
        ("azilect",),
        source="Azilect label (contraindicated with meperidine, tramadol, methadone)",
    ),
    Drug("safinamide", C.maoi, ("xadago",), source="Xadago label"),
    Drug(
        "linezolid",
        C.antimicrobial,
        ("zyvox",),
        extra=frozenset({T.maoi, T.serotonergic}),
        source="Zyvox label; FDA Drug Safety Communication 26 Jul 2011 (linezolid is an MAOI)",
    ),
    Drug(
        "methylene blue",
        C.other,
        ("provayblue",),
        extra=frozenset({T.maoi, T.serotonergic}),
        source="ProvayBlue label; FDA Drug Safety Communication 26 Jul 2011 (an MAOI)",
    ),
    # ---- Other serotonergic drugs ----------------------------------------------------------------
    Drug("sumatriptan", C.triptan, ("imitrex",), source="Imitrex label; tramadol label (triptans)"),
    Drug("rizatriptan", C.triptan, ("maxalt",), source="Maxalt label"),
    Drug("zolmitriptan", C.triptan, ("zomig",), source="Zomig label"),
    Drug(
        "lithium",
        C.mood_stabiliser,
        ("lithobid", "eskalith"),
        ("lithium carbonate",),
        extra=frozenset({T.serotonergic, T.nsaid_raises_level}),
        source="Lithium label (NSAIDs raise lithium levels; serotonin syndrome)",
    ),
    Drug(
        "ondansetron",
        C.antiemetic,
        ("zofran",),
        extra=frozenset({T.serotonergic}),
        source="Zofran label (serotonin syndrome); tramadol label (5-HT3 antagonists)",
    ),
    Drug(
        "dextromethorphan",
        C.antitussive,
        ("delsym", "robitussin dm"),
        extra=frozenset({T.serotonergic, T.maoi_contraindicated}),
        source="Dextromethorphan OTC label (do not use with an MAOI or within 14 days)",
    ),
    Drug(
        "promethazine",
        C.antiemetic,
        ("phenergan",),
        extra=frozenset({T.cns_depressant, T.lowers_seizure_threshold, T.anticholinergic}),
        source="Phenergan label; tramadol label (tricyclic compounds such as promethazine)",
    ),
    Drug("quetiapine", C.antipsychotic, ("seroquel",), source="Seroquel label"),
    Drug("olanzapine", C.antipsychotic, ("zyprexa",), source="Zyprexa label"),
    Drug("haloperidol", C.antipsychotic, ("haldol",), source="Haloperidol label"),
    # ---- Anticoagulants and antiplatelets (NSAID labels: bleeding) -------------------------------
    Drug("warfarin", C.anticoagulant, ("coumadin", "jantoven"), source="Coumadin label"),
    Drug("apixaban", C.anticoagulant, ("eliquis",), source="Eliquis label"),
    Drug("rivaroxaban", C.anticoagulant, ("xarelto",), source="Xarelto label"),
    Drug("dabigatran", C.anticoagulant, ("pradaxa",), source="Pradaxa label"),
    Drug("edoxaban", C.anticoagulant, ("savaysa",), source="Savaysa label"),
    Drug("enoxaparin", C.anticoagulant, ("lovenox",), source="Lovenox label"),
    Drug("heparin", C.anticoagulant, source="Heparin sodium label"),
    Drug("clopidogrel", C.antiplatelet, ("plavix",), source="Plavix label"),
    Drug("prasugrel", C.antiplatelet, ("effient",), source="Effient label"),
    Drug("ticagrelor", C.antiplatelet, ("brilinta",), source="Brilinta label"),
    # ---- ACE inhibitors, ARBs, diuretics (NSAID labels: renal toxicity with these) ---------------
    Drug("lisinopril", C.ace_inhibitor, ("zestril", "prinivil"), source="Lisinopril label"),
    Drug("enalapril", C.ace_inhibitor, ("vasotec",), source="Enalapril label"),
    Drug("ramipril", C.ace_inhibitor, ("altace",), source="Ramipril label"),
    Drug("losartan", C.arb, ("cozaar",), source="Cozaar label"),
    Drug("valsartan", C.arb, ("diovan",), source="Diovan label"),
    Drug("hydrochlorothiazide", C.diuretic, ("microzide",), ("hctz",), source="HCTZ label"),
    Drug("chlorthalidone", C.diuretic, ("thalitone",), source="Chlorthalidone label"),
    Drug("furosemide", C.diuretic, ("lasix",), source="Lasix label"),
    Drug("spironolactone", C.diuretic, ("aldactone",), source="Aldactone label"),
    # ---- Methotrexate ----------------------------------------------------------------------------
    Drug(
        "methotrexate",
        C.antimetabolite,
        ("trexall", "otrexup", "rasuvo"),
        source="Methotrexate label (NSAIDs raise methotrexate levels)",
    ),
    # ---- Strong CYP3A4 inhibitors (oxycodone, fentanyl and methadone labels: boxed warning) ------
    Drug(
        "clarithromycin",
        C.antimicrobial,
        ("biaxin",),
        extra=frozenset({T.strong_cyp3a4_inhibitor}),
        source="Biaxin label; FDA drug interaction table (strong CYP3A4 inhibitor)",
    ),
    Drug(
        "ketoconazole",
        C.antimicrobial,
        ("nizoral",),
        extra=frozenset({T.strong_cyp3a4_inhibitor}),
        source="FDA drug interaction table (strong CYP3A4 inhibitor)",
    ),
    Drug(
        "itraconazole",
        C.antimicrobial,
        ("sporanox",),
        extra=frozenset({T.strong_cyp3a4_inhibitor}),
        source="FDA drug interaction table (strong CYP3A4 inhibitor)",
    ),
    Drug(
        "voriconazole",
        C.antimicrobial,
        ("vfend",),
        extra=frozenset({T.strong_cyp3a4_inhibitor}),
        source="FDA drug interaction table (strong CYP3A4 inhibitor)",
    ),
    Drug(
        "posaconazole",
        C.antimicrobial,
        ("noxafil",),
        extra=frozenset({T.strong_cyp3a4_inhibitor}),
        source="FDA drug interaction table (strong CYP3A4 inhibitor)",
    ),
    Drug(
        "ritonavir",
        C.antimicrobial,
        ("norvir", "paxlovid"),
        ("nirmatrelvir-ritonavir",),
        extra=frozenset({T.strong_cyp3a4_inhibitor}),
        source="Norvir and Paxlovid labels; FDA drug interaction table (strong CYP3A4 inhibitor)",
    ),
)

# ---- Co-medications of back-pain patients and the drugs that interact with the plan (issue 20)
# Each entry's source is the product label (DailyMed for US brands; the SmPC on the UK
# electronic medicines compendium, emc, and the BNF for UK names). The interaction properties
# these drugs carry are in INTERACTION_TRAITS below, each with its own source.
_DM_UK = "DailyMed label; UK SmPC (emc) and BNF for the UK brand"
CO_MEDICATIONS: tuple[Drug, ...] = (
    # Antibiotics, antifungals and antivirals
    Drug("ciprofloxacin", C.antimicrobial, ("cipro", "ciproxin"), source="Cipro label; " + _DM_UK),
    Drug("levofloxacin", C.antimicrobial, ("levaquin", "tavanic"), source="Levaquin label"),
    Drug("moxifloxacin", C.antimicrobial, ("avelox",), source="Avelox label"),
    Drug("azithromycin", C.antimicrobial, ("zithromax", "z-pak"), source="Zithromax label"),
    Drug("erythromycin", C.antimicrobial, ("ery-tab", "erythrocin"), source="Ery-Tab label"),
    Drug("fluconazole", C.antimicrobial, ("diflucan",), source="Diflucan label"),
    Drug("terbinafine", C.antimicrobial, ("lamisil",), source="Lamisil tablets label"),
    Drug("doxycycline", C.antimicrobial, ("vibramycin", "doryx"), source="Vibramycin label"),
    Drug("amoxicillin", C.antimicrobial, ("amoxil",), source="Amoxil label"),
    Drug(
        "amoxicillin-clavulanate",
        C.antimicrobial,
        ("augmentin",),
        ("co-amoxiclav", "amoxicillin/clavulanate"),
        source="Augmentin label; BNF (co-amoxiclav)",
    ),
    Drug("cephalexin", C.antimicrobial, ("keflex",), ("cefalexin",), source="Keflex label"),
    Drug("nitrofurantoin", C.antimicrobial, ("macrobid", "macrodantin"), source="Macrobid label"),
    Drug(
        "sulfamethoxazole-trimethoprim",
        C.antimicrobial,
        ("bactrim", "septra"),
        ("co-trimoxazole", "trimethoprim-sulfamethoxazole", "tmp-smx"),
        source="Bactrim label; BNF (co-trimoxazole)",
    ),
    Drug("metronidazole", C.antimicrobial, ("flagyl",), source="Flagyl label"),
    Drug(
        "rifampin",
        C.antimicrobial,
        ("rifadin", "rimactane"),
        ("rifampicin",),
        source="Rifadin label",
    ),
    Drug("acyclovir", C.antimicrobial, ("zovirax",), ("aciclovir",), source="Zovirax label"),
    Drug("valacyclovir", C.antimicrobial, ("valtrex",), ("valaciclovir",), source="Valtrex label"),
    # Antiepileptics (strong CYP3A4 inducers among them)
    Drug(
        "carbamazepine",
        C.antiepileptic,
        ("tegretol", "carbatrol", "equetro"),
        source="Tegretol label",
    ),
    Drug("oxcarbazepine", C.antiepileptic, ("trileptal",), source="Trileptal label"),
    Drug(
        "phenytoin", C.antiepileptic, ("dilantin", "epanutin"), source="Dilantin label; " + _DM_UK
    ),
    Drug(
        "phenobarbital",
        C.antiepileptic,
        ("luminal",),
        ("phenobarbitone",),
        extra=frozenset({T.cns_depressant}),
        source="Phenobarbital label (CNS depressant)",
    ),
    Drug("levetiracetam", C.antiepileptic, ("keppra",), source="Keppra label"),
    Drug("lamotrigine", C.antiepileptic, ("lamictal",), source="Lamictal label"),
    Drug("topiramate", C.antiepileptic, ("topamax",), source="Topamax label"),
    Drug(
        "valproate",
        C.antiepileptic,
        ("depakote", "depakene", "epilim"),
        ("valproic acid", "divalproex", "sodium valproate"),
        source="Depakote label; " + _DM_UK,
    ),
    # Acid suppression
    Drug("esomeprazole", C.proton_pump_inhibitor, ("nexium",), source="Nexium label"),
    Drug("pantoprazole", C.proton_pump_inhibitor, ("protonix",), source="Protonix label"),
    Drug("lansoprazole", C.proton_pump_inhibitor, ("prevacid", "zoton"), source="Prevacid label"),
    Drug("rabeprazole", C.proton_pump_inhibitor, ("aciphex", "pariet"), source="Aciphex label"),
    Drug("famotidine", C.h2_blocker, ("pepcid",), source="Pepcid label"),
    Drug("cimetidine", C.h2_blocker, ("tagamet",), source="Tagamet label"),
    Drug(
        "ranitidine", C.h2_blocker, ("zantac",), source="Zantac label (withdrawn in the US, 2020)"
    ),
    # Antihistamines (first-generation ones are anticholinergic and sedating: Beers 2023)
    Drug(
        "diphenhydramine",
        C.antihistamine,
        ("benadryl", "nytol", "zzzquil"),
        extra=frozenset({T.anticholinergic, T.cns_depressant}),
        source="Benadryl label; AGS Beers 2023 (strongly anticholinergic)",
    ),
    Drug(
        "hydroxyzine",
        C.antihistamine,
        ("atarax", "vistaril"),
        extra=frozenset({T.anticholinergic, T.cns_depressant}),
        source="Hydroxyzine label (QT prolongation); AGS Beers 2023",
    ),
    Drug(
        "chlorphenamine",
        C.antihistamine,
        ("piriton", "chlor-trimeton"),
        ("chlorpheniramine",),
        extra=frozenset({T.anticholinergic, T.cns_depressant}),
        source="Chlorpheniramine OTC label; BNF; AGS Beers 2023",
    ),
    Drug(
        "doxylamine",
        C.antihistamine,
        ("unisom",),
        extra=frozenset({T.anticholinergic, T.cns_depressant}),
        source="Doxylamine OTC label; AGS Beers 2023",
    ),
    Drug("cetirizine", C.antihistamine, ("zyrtec",), source="Zyrtec label"),
    Drug("loratadine", C.antihistamine, ("claritin", "clarityn"), source="Claritin label"),
    Drug("fexofenadine", C.antihistamine, ("allegra", "telfast"), source="Allegra label"),
    # Antihypertensives and heart medicines
    Drug("amlodipine", C.calcium_channel_blocker, ("norvasc", "istin"), source="Norvasc label"),
    Drug("diltiazem", C.calcium_channel_blocker, ("cardizem", "tiazac"), source="Cardizem label"),
    Drug("verapamil", C.calcium_channel_blocker, ("calan", "isoptin"), source="Calan label"),
    Drug(
        "nifedipine", C.calcium_channel_blocker, ("procardia", "adalat"), source="Procardia label"
    ),
    Drug("metoprolol", C.beta_blocker, ("lopressor", "toprol-xl"), source="Lopressor label"),
    Drug("atenolol", C.beta_blocker, ("tenormin",), source="Tenormin label"),
    Drug("carvedilol", C.beta_blocker, ("coreg",), source="Coreg label"),
    Drug("propranolol", C.beta_blocker, ("inderal",), source="Inderal label"),
    Drug("bisoprolol", C.beta_blocker, ("zebeta", "cardicor"), source="Zebeta label"),
    Drug("nebivolol", C.beta_blocker, ("bystolic",), source="Bystolic label"),
    Drug("sotalol", C.antiarrhythmic, ("betapace", "sotacor"), source="Betapace label (QT)"),
    Drug("amiodarone", C.antiarrhythmic, ("pacerone", "cordarone"), source="Pacerone label (QT)"),
    Drug("mexiletine", C.antiarrhythmic, source="Mexiletine label"),
    Drug("propafenone", C.antiarrhythmic, ("rythmol",), source="Rythmol label"),
    Drug("quinidine", C.antiarrhythmic, source="Quinidine sulfate label (QT)"),
    Drug("digoxin", C.antiarrhythmic, ("lanoxin",), source="Lanoxin label"),
    Drug("irbesartan", C.arb, ("avapro", "aprovel"), source="Avapro label"),
    Drug("candesartan", C.arb, ("atacand", "amias"), source="Atacand label"),
    Drug("olmesartan", C.arb, ("benicar", "olmetec"), source="Benicar label"),
    Drug("telmisartan", C.arb, ("micardis",), source="Micardis label"),
    Drug("perindopril", C.ace_inhibitor, ("aceon", "coversyl"), source="Aceon label; " + _DM_UK),
    Drug("captopril", C.ace_inhibitor, ("capoten",), source="Captopril label"),
    Drug("benazepril", C.ace_inhibitor, ("lotensin",), source="Lotensin label"),
    Drug("bumetanide", C.diuretic, ("bumex",), source="Bumetanide label"),
    Drug("torsemide", C.diuretic, ("demadex", "soaanz"), ("torasemide",), source="Torsemide label"),
    Drug("indapamide", C.diuretic, ("natrilix",), source="Indapamide label; BNF"),
    Drug(
        "clonidine",
        C.other,
        ("catapres",),
        extra=frozenset({T.cns_depressant}),
        source="Catapres label (CNS depressant effects)",
    ),
    Drug("doxazosin", C.other, ("cardura",), source="Cardura label"),
    # Statins
    Drug("atorvastatin", C.statin, ("lipitor",), source="Lipitor label"),
    Drug("simvastatin", C.statin, ("zocor",), source="Zocor label"),
    Drug("rosuvastatin", C.statin, ("crestor",), source="Crestor label"),
    Drug("pravastatin", C.statin, ("pravachol",), source="Pravachol label"),
    Drug("lovastatin", C.statin, ("mevacor", "altoprev"), source="Mevacor label"),
    # Diabetes medicines
    Drug(
        "metformin",
        C.antidiabetic,
        ("glucophage", "glumetza", "fortamet"),
        source="Glucophage label",
    ),
    Drug("glipizide", C.antidiabetic, ("glucotrol",), source="Glucotrol label"),
    Drug("glimepiride", C.antidiabetic, ("amaryl",), source="Amaryl label"),
    Drug("gliclazide", C.antidiabetic, ("diamicron",), source="Gliclazide SmPC (emc); BNF"),
    Drug("sitagliptin", C.antidiabetic, ("januvia",), source="Januvia label"),
    Drug("empagliflozin", C.antidiabetic, ("jardiance",), source="Jardiance label"),
    Drug("dapagliflozin", C.antidiabetic, ("farxiga", "forxiga"), source="Farxiga label"),
    Drug("pioglitazone", C.antidiabetic, ("actos",), source="Actos label (heart failure)"),
    Drug("semaglutide", C.antidiabetic, ("ozempic", "wegovy", "rybelsus"), source="Ozempic label"),
    Drug("liraglutide", C.antidiabetic, ("victoza", "saxenda"), source="Victoza label"),
    Drug("tirzepatide", C.antidiabetic, ("mounjaro", "zepbound"), source="Mounjaro label"),
    Drug(
        "insulin glargine",
        C.antidiabetic,
        ("lantus", "basaglar", "toujeo"),
        ("insulin",),
        source="Lantus label",
    ),
    # Analgesics and others by UK names
    Drug("zopiclone", C.z_drug, ("zimovane",), source="Zopiclone SmPC (emc); AGS Beers 2023"),
    Drug(
        "suzetrigine",
        C.nav18_blocker,
        ("journavx",),
        source="Journavx label (2025): contraindicated with strong CYP3A inhibitors",
    ),
    # Other common co-medications
    Drug("levothyroxine", C.other, ("synthroid", "levoxyl", "eltroxin"), source="Synthroid label"),
    Drug("allopurinol", C.other, ("zyloprim",), source="Zyloprim label"),
    Drug("colchicine", C.other, ("colcrys", "mitigare"), source="Colcrys label"),
    Drug("tamsulosin", C.other, ("flomax",), source="Flomax label"),
    Drug("finasteride", C.other, ("proscar", "propecia"), source="Proscar label"),
    Drug("montelukast", C.other, ("singulair",), source="Singulair label"),
    Drug("albuterol", C.other, ("ventolin", "proair"), ("salbutamol",), source="Ventolin label"),
    Drug(
        "oxybutynin",
        C.other,
        ("ditropan",),
        extra=frozenset({T.anticholinergic}),
        source="Ditropan label; AGS Beers 2023 (strongly anticholinergic)",
    ),
    Drug(
        "tolterodine",
        C.other,
        ("detrol",),
        extra=frozenset({T.anticholinergic}),
        source="Detrol label; AGS Beers 2023 (strongly anticholinergic)",
    ),
    Drug("donepezil", C.other, ("aricept",), source="Aricept label"),
    Drug("hydroxychloroquine", C.other, ("plaquenil",), source="Plaquenil label (QT)"),
    Drug("varenicline", C.other, ("chantix", "champix"), source="Chantix label"),
    Drug("melatonin", C.other, ("circadin",), source="Circadin SmPC (emc)"),
    Drug("domperidone", C.antiemetic, ("motilium",), source="Domperidone SmPC (emc; QT)"),
    Drug("metoclopramide", C.antiemetic, ("reglan", "maxolon"), source="Reglan label"),
    Drug(
        "prochlorperazine",
        C.antipsychotic,
        ("compazine", "stemetil", "buccastem"),
        source="Prochlorperazine label",
    ),
    Drug("loperamide", C.other, ("imodium",), source="Imodium OTC label"),
    Drug("docusate", C.laxative, ("colace",), source="Docusate OTC label"),
    Drug(
        "polyethylene glycol",
        C.laxative,
        ("miralax", "movicol", "laxido"),
        ("macrogol", "peg 3350"),
        source="MiraLAX OTC label; BNF (macrogol)",
    ),
    Drug("lactulose", C.laxative, ("enulose",), source="Lactulose label"),
    Drug("bisacodyl", C.laxative, ("dulcolax",), source="Dulcolax OTC label"),
    Drug(
        "ethinyl estradiol",
        C.hormonal_contraceptive,
        ("yaz", "loestrin", "microgynon", "rigevidon"),
        ("combined oral contraceptive", "oral contraceptive"),
        source="Combined oral contraceptive labels; tizanidine label 7.3 (oral contraceptives)",
    ),
    Drug("zileuton", C.other, ("zyflo",), source="Zyflo label"),
    Drug(
        "st john's wort",
        C.herbal,
        (),
        ("hypericum", "st. john's wort", "st johns wort"),
        source="FDA drug interaction table (St John's wort: CYP3A inducer)",
    ),
)

#: The interaction properties of each drug (logic.drugs.interactions reads them), each with its
#: source: the FDA "Drug Development and Drug Interactions: Table of Substrates, Inhibitors and
#: Inducers" (the FDA interaction table) for the CYP roles, the opioid labels' boxed CYP3A4
#: warning, CredibleMeds (known risk of torsades) and the label for QT, the Plavix label for
#: the CYP2C19-inhibiting PPIs.
INTERACTION_TRAITS: dict[str, frozenset[Trait]] = {
    # Tizanidine label 4 and 7.1-7.2: fluvoxamine and ciprofloxacin are potent CYP1A2 inhibitors.
    "fluvoxamine": frozenset({T.cyp1a2_strong_inhibitor}),
    "ciprofloxacin": frozenset({T.cyp1a2_strong_inhibitor, T.fluoroquinolone, T.qt_prolonging}),
    # Tizanidine label 7.3: other CYP1A2 inhibitors (zileuton, antiarrhythmics: amiodarone,
    # mexiletine, propafenone, verapamil; cimetidine, famotidine, oral contraceptives,
    # acyclovir, ticlopidine) should be avoided.
    "zileuton": frozenset({T.cyp1a2_inhibitor}),
    "amiodarone": frozenset({T.cyp1a2_inhibitor, T.qt_prolonging}),
    "mexiletine": frozenset({T.cyp1a2_inhibitor}),
    "propafenone": frozenset({T.cyp1a2_inhibitor}),
    "verapamil": frozenset({T.cyp1a2_inhibitor}),
    "cimetidine": frozenset({T.cyp1a2_inhibitor}),
    "famotidine": frozenset({T.cyp1a2_inhibitor}),
    "ethinyl estradiol": frozenset({T.cyp1a2_inhibitor}),
    "acyclovir": frozenset({T.cyp1a2_inhibitor}),
    # FDA interaction table: strong CYP3A inducers.
    "carbamazepine": frozenset({T.cyp3a4_inducer}),
    "phenytoin": frozenset({T.cyp3a4_inducer}),
    "rifampin": frozenset({T.cyp3a4_inducer}),
    "st john's wort": frozenset({T.cyp3a4_inducer}),
    # Phenobarbital: listed as a CYP3A inducer in the opioid labels' section 7 examples.
    "phenobarbital": frozenset({T.cyp3a4_inducer}),
    # Boxed warning "Interactions with drugs affecting cytochrome P450 isoenzymes" (CYP3A4).
    "oxycodone": frozenset({T.cyp3a4_substrate_opioid}),
    "fentanyl": frozenset({T.cyp3a4_substrate_opioid}),
    "hydrocodone": frozenset({T.cyp3a4_substrate_opioid}),
    "methadone": frozenset({T.cyp3a4_substrate_opioid, T.qt_prolonging}),
    # Tramadol and codeine labels: analgesia needs CYP2D6 (O-desmethyltramadol, morphine).
    "tramadol": frozenset({T.cyp2d6_prodrug}),
    "codeine": frozenset({T.cyp2d6_prodrug}),
    # FDA interaction table: strong CYP2D6 inhibitors.
    "fluoxetine": frozenset({T.cyp2d6_strong_inhibitor}),
    "paroxetine": frozenset({T.cyp2d6_strong_inhibitor}),
    "bupropion": frozenset({T.cyp2d6_strong_inhibitor}),
    "quinidine": frozenset({T.cyp2d6_strong_inhibitor, T.qt_prolonging}),
    "terbinafine": frozenset({T.cyp2d6_strong_inhibitor}),
    # Plavix label 7: avoid omeprazole or esomeprazole (CYP2C19 inhibition).
    "omeprazole": frozenset({T.cyp2c19_inhibitor_ppi}),
    "esomeprazole": frozenset({T.cyp2c19_inhibitor_ppi}),
    # QT prolongation: each label's warning; CredibleMeds known risk of torsades de pointes.
    "citalopram": frozenset({T.qt_prolonging}),
    "escitalopram": frozenset({T.qt_prolonging}),
    "ondansetron": frozenset({T.qt_prolonging}),
    "haloperidol": frozenset({T.qt_prolonging}),
    "clarithromycin": frozenset({T.qt_prolonging}),
    "erythromycin": frozenset({T.qt_prolonging}),
    "azithromycin": frozenset({T.qt_prolonging}),
    "levofloxacin": frozenset({T.qt_prolonging, T.fluoroquinolone}),
    "moxifloxacin": frozenset({T.qt_prolonging, T.fluoroquinolone}),
    "fluconazole": frozenset({T.qt_prolonging}),
    "sotalol": frozenset({T.qt_prolonging}),
    "hydroxychloroquine": frozenset({T.qt_prolonging}),
    "hydroxyzine": frozenset({T.qt_prolonging}),
    "domperidone": frozenset({T.qt_prolonging}),
    # Celecoxib label 4: contraindicated with a sulfonamide allergy.
    "celecoxib": frozenset({T.sulfonamide}),
}

CATALOGUE: tuple[Drug, ...] = _CORE + CO_MEDICATIONS

_BY_GENERIC: dict[str, Drug] = {d.generic: d for d in CATALOGUE}


class Combination(NamedTuple):
    """A product that holds more than one catalogue drug. `drug` is the one its name resolves
    to and whose dose is entered (the strength printed first on the label: Percocet 10/325 is
    oxycodone 10 mg with acetaminophen 325 mg); `others` are the rest, which the medicine facts
    count as on board too. Every product here is an immediate-release tablet."""

    name: str
    drug: str
    others: tuple[str, ...]
    label: str
    source: str


#: FDA Drug Safety Communication, 13 Jan 2011 (prescription acetaminophen combination products:
#: at most 325 mg a unit, boxed warning for liver injury); the combination labels: do not take
#: with other acetaminophen-containing products, at most 4 g of acetaminophen a day.
ACETAMINOPHEN_COMBINATION_SOURCE = (
    "FDA Drug Safety Communication 13 Jan 2011 (acetaminophen in prescription combination "
    "products); combination product labels: not with other acetaminophen-containing products"
)
_APAP = ("acetaminophen",)
_PERCOCET = "Percocet label (oxycodone and acetaminophen tablets, 2.5/325 to 10/325 mg)"
_NORCO = "Norco label (hydrocodone bitartrate and acetaminophen tablets, 5/325 to 10/325 mg)"
_ULTRACET = "Ultracet label (tramadol 37.5 mg and acetaminophen 325 mg tablets)"
_CO_CODAMOL = "Co-codamol SmPC (emc) and BNF (codeine phosphate with paracetamol 500 mg)"
_VICOPROFEN = "Vicoprofen label (hydrocodone bitartrate 7.5 mg and ibuprofen 200 mg tablets)"
_TYLENOL_CODEINE = "Tylenol with Codeine label (acetaminophen 300 mg with codeine 30 or 60 mg)"

COMBINATIONS: tuple[Combination, ...] = (
    Combination("percocet", "oxycodone", _APAP, "Percocet", _PERCOCET),
    Combination("endocet", "oxycodone", _APAP, "Endocet", _PERCOCET),
    Combination(
        "oxycodone-acetaminophen", "oxycodone", _APAP, "oxycodone-acetaminophen", _PERCOCET
    ),
    Combination(
        "oxycodone/acetaminophen", "oxycodone", _APAP, "oxycodone/acetaminophen", _PERCOCET
    ),
    Combination(
        "oxycodone and acetaminophen", "oxycodone", _APAP, "oxycodone and acetaminophen", _PERCOCET
    ),
    Combination("norco", "hydrocodone", _APAP, "Norco", _NORCO),
    Combination(
        "vicodin", "hydrocodone", _APAP, "Vicodin", "Vicodin label (hydrocodone and acetaminophen)"
    ),
    Combination(
        "lortab", "hydrocodone", _APAP, "Lortab", "Lortab label (hydrocodone and acetaminophen)"
    ),
    Combination(
        "lorcet", "hydrocodone", _APAP, "Lorcet", "Lorcet label (hydrocodone and acetaminophen)"
    ),
    Combination(
        "hydrocodone-acetaminophen", "hydrocodone", _APAP, "hydrocodone-acetaminophen", _NORCO
    ),
    Combination(
        "hydrocodone/acetaminophen", "hydrocodone", _APAP, "hydrocodone/acetaminophen", _NORCO
    ),
    Combination(
        "hydrocodone and acetaminophen",
        "hydrocodone",
        _APAP,
        "hydrocodone and acetaminophen",
        _NORCO,
    ),
    Combination("ultracet", "tramadol", _APAP, "Ultracet", _ULTRACET),
    Combination("tramadol-acetaminophen", "tramadol", _APAP, "tramadol-acetaminophen", _ULTRACET),
    Combination("tramadol/acetaminophen", "tramadol", _APAP, "tramadol/acetaminophen", _ULTRACET),
    Combination("tylenol #3", "codeine", _APAP, "Tylenol #3", _TYLENOL_CODEINE),
    Combination("tylenol #4", "codeine", _APAP, "Tylenol #4", _TYLENOL_CODEINE),
    Combination("tylenol with codeine", "codeine", _APAP, "Tylenol with Codeine", _TYLENOL_CODEINE),
    Combination(
        "acetaminophen-codeine", "codeine", _APAP, "acetaminophen-codeine", _TYLENOL_CODEINE
    ),
    Combination(
        "acetaminophen/codeine", "codeine", _APAP, "acetaminophen/codeine", _TYLENOL_CODEINE
    ),
    Combination(
        "codeine-acetaminophen", "codeine", _APAP, "codeine-acetaminophen", _TYLENOL_CODEINE
    ),
    Combination(
        "acetaminophen and codeine", "codeine", _APAP, "acetaminophen and codeine", _TYLENOL_CODEINE
    ),
    # UK: co-codamol is codeine phosphate with paracetamol 500 mg (8/500, 15/500, 30/500; the
    # codeine strength first); Solpadol and Zapain are 30/500 brands (SmPC, emc; BNF).
    Combination("co-codamol", "codeine", _APAP, "co-codamol", _CO_CODAMOL),
    Combination("solpadol", "codeine", _APAP, "Solpadol", _CO_CODAMOL),
    Combination("zapain", "codeine", _APAP, "Zapain", _CO_CODAMOL),
    # Vicoprofen: hydrocodone 7.5 mg with ibuprofen 200 mg (Vicoprofen label).
    Combination("vicoprofen", "hydrocodone", ("ibuprofen",), "Vicoprofen", _VICOPROFEN),
    Combination(
        "hydrocodone-ibuprofen", "hydrocodone", ("ibuprofen",), "hydrocodone-ibuprofen", _VICOPROFEN
    ),
)
_COMBINATIONS: dict[str, Combination] = {c.name: c for c in COMBINATIONS}
#: The first (generic-named) product for each set of ingredients.
_BY_INGREDIENTS: dict[frozenset[str], Combination] = {}
for _c in COMBINATIONS:
    if _c.label == _c.name:  # a generic combination name, not a brand
        _BY_INGREDIENTS.setdefault(frozenset({_c.drug, *_c.others}), _c)


def _key(name: str) -> str:
    return " ".join(name.strip().lower().split())


_NAME_TO_GENERIC: dict[str, str] = {
    name: d.generic for d in CATALOGUE for name in (d.generic, *d.brands, *d.synonyms)
} | {c.name: c.drug for c in COMBINATIONS}
_NAME_TO_FORM: dict[str, Formulation] = {c.name: Formulation.ir for c in COMBINATIONS} | {
    name: form for d in CATALOGUE for name, form in d.named_forms
}
_TRAITS: dict[str, frozenset[Trait]] = {d.generic: d.traits for d in CATALOGUE}
#: Generic names of the opioid agonists, full or partial (tramadol and tapentadol included).
OPIOIDS: frozenset[str] = frozenset(g for g, t in _TRAITS.items() if Trait.opioid in t)


def resolve_drug(name: str) -> str | None:
    """Generic name for a generic, brand or synonym (case-insensitive), or None if unknown."""
    return _NAME_TO_GENERIC.get(_key(name))


#: Brands whose dose is written in another unit than the drug's default: the Belbuca buccal
#: film comes in 75-900 mcg (Belbuca label), so "Belbuca 300" means 300 mcg, not 300 mg.
_NAME_TO_UNIT: dict[str, DoseUnit] = {"belbuca": DoseUnit.mcg}


def implied_unit(name: str) -> DoseUnit | None:
    """The dose unit a brand implies when none is given (Belbuca -> mcg)."""
    return _NAME_TO_UNIT.get(_key(name))


def default_unit(generic: str, formulation: Formulation | None = None) -> DoseUnit:
    """The unit a dose is read in when none is given: mcg/h for a patch of a drug that comes
    as one, else the drug's usual unit (mcg for fentanyl, mg for most). A combination product
    ('percocet') is dosed as its drug."""
    product = _COMBINATIONS.get(generic)
    entry = _BY_GENERIC[product.drug if product is not None else generic]
    if formulation is Formulation.patch and DoseUnit.mcg_per_h in entry.units:
        return DoseUnit.mcg_per_h
    return entry.unit


def combination(name: str) -> Combination | None:
    """The combination product a name stands for ('Percocet', 'hydrocodone/acetaminophen'),
    or None for a single-ingredient name. A generic name is read as its usual spelling
    ('hydrocodone/acetaminophen' and 'hydrocodone and acetaminophen' are
    hydrocodone-acetaminophen), so one product has one name; a brand stays the brand."""
    found = _COMBINATIONS.get(_key(name))
    if found is None or found.label != found.name:
        return found
    return _BY_INGREDIENTS[frozenset({found.drug, *found.others})]


def combination_of(generics: frozenset[str]) -> Combination | None:
    """The combination product made of exactly these ingredients ({'acetaminophen',
    'oxycodone'} -> oxycodone-acetaminophen), for names that list them ('Acetaminophen 325 MG /
    Oxycodone Hydrochloride 10 MG Oral Tablet'), or None."""
    return _BY_INGREDIENTS.get(generics)


def implied_formulation(name: str) -> Formulation | None:
    """The formulation a brand or synonym implies (OxyContin -> er, Duragesic -> patch)."""
    return _NAME_TO_FORM.get(_key(name))


def drug(generic: str) -> Drug:
    """The catalogue entry of a resolved generic name; KeyError for an unresolved name."""
    return _BY_GENERIC[generic]


def drug_class(generic: str) -> DrugClass:
    """Class of a catalogue drug; raises KeyError for a name that was not resolved first."""
    return _BY_GENERIC[generic].drug_class


def traits(generic: str) -> frozenset[Trait]:
    """Every property of a catalogue drug (its class's and its own)."""
    return _TRAITS[generic]


def known_names() -> list[str]:
    """Every generic name, for pick-lists."""
    return sorted(_BY_GENERIC)


def medicine_names() -> list[str]:
    """Every generic name, then every combination product (percocet), for the medicine lists:
    a product picked by its name keeps its other ingredients. Generics come first, so typing
    'oxycodone' highlights oxycodone itself, not Endocet."""
    return [*sorted(_BY_GENERIC), *sorted(_PICKED_COMBINATIONS)]


#: Brand names that are combination products: shown as their own pick-list entries.
_COMBINATION_BRANDS = frozenset(c.name for c in COMBINATIONS if c.label != c.name)
#: The pick-list's combination entries: every brand and one generic name per product.
_PICKED_COMBINATIONS = _COMBINATION_BRANDS | {c.name for c in _BY_INGREDIENTS.values()}


def order_label(generic: str, formulation: Formulation | None) -> str:
    """How an order is labelled: 'oxycodone (immediate release)', 'naloxone nasal spray'."""
    entry = _BY_GENERIC[generic]
    if entry.order_label is not None:
        return entry.order_label
    if formulation is Formulation.ir and Formulation.er in entry.forms:
        return f"{generic} (immediate release)"
    if formulation is Formulation.er and Formulation.ir in entry.forms:
        return f"{generic} (extended release)"
    if formulation is Formulation.patch:
        return f"{generic} patch"
    return generic


_GENERICS_LONGEST_FIRST = sorted(_BY_GENERIC, key=len, reverse=True)
_LABEL_FORMS = {"(immediate release)": Formulation.ir, "(extended release)": Formulation.er}


def parse_order_label(label: str) -> tuple[str, Formulation | None] | None:
    """The generic and formulation of an order label (inverse of `order_label`), or None."""
    key = _key(label)
    generic = _NAME_TO_GENERIC.get(key)
    if generic is not None:
        return generic, None
    generic = next((g for g in _GENERICS_LONGEST_FIRST if key.startswith(g)), None)
    if generic is None:
        return None
    rest = key[len(generic) :].strip()
    if rest == "patch":
        return generic, Formulation.patch
    return generic, _LABEL_FORMS.get(rest)


def display_name(generic: str) -> str:
    """'ketorolac (Toradol)' for pick-lists and reviews; 'Percocet (oxycodone with
    acetaminophen)' for a combination product."""
    product = _COMBINATIONS.get(generic)
    if product is not None and product.label == product.name:  # a generic combination name
        return product.label
    if product is not None:
        return f"{product.label} ({product.drug} with {' and '.join(product.others)})"
    entry = _BY_GENERIC[generic]
    if not entry.brands:
        return entry.generic
    return f"{entry.generic} ({entry.brands[0].title()})"


def picker_label(name: str) -> str:
    """A pick-list entry: the generic with its single-ingredient brands ('oxycodone
    (Roxicodone, Oxycontin, Xtampza)'), or a combination product with its ingredients."""
    product = _COMBINATIONS.get(name)
    if product is not None:
        return display_name(name)
    entry = _BY_GENERIC[name]
    brands = [b.title() for b in entry.brands if b not in _COMBINATION_BRANDS]
    return entry.generic + (f" ({', '.join(brands)})" if brands else "")
