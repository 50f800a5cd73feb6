"""The interaction table, the dose-limit table and unknown medicines (issue 20).

Each interaction row and each dose-limit row has a source-checked case here (the label section
is named beside it), with both sides of each threshold; a meta-test fails if a row has none.
The properties run over generated cases and are each shown to fail when their check is removed
(the `*_check_removed` tests monkeypatch the check away and find a counterexample).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logic import build_plan
from logic.drugs import dose_limits, interactions
from logic.drugs.catalogue import OPIOIDS as _OPIOID_GENERICS
from logic.drugs.dose_limits import Patient, limit_for
from logic.drugs.interactions import forbidding, rows_for
from logic.engine import med_checks
from logic.models import Condition, PatientCase, Route, TreatmentPlan
from tests.strategies import cases, current_medications, tried_medications

BASE = {"age_years": 45, "sex": "male", "weight_kg": 80.0, "crcl_ml_min": 90.0, "pain_score": 8}


def plan_of(**changes: object) -> TreatmentPlan:
    return build_plan(PatientCase(**{**BASE, **changes}))


# ---- Interaction rows: one case per row (label section named) ----------------------------------

# (row id, a drug, another drug, severity, a drug pair the row must NOT cover, source)
INTERACTION_CASES = [
    # Zanaflex label 4 Contraindications: fluvoxamine, ciprofloxacin.
    (
        "ix-tizanidine-cyp1a2-strong",
        "tizanidine",
        "fluvoxamine",
        "contraindicated",
        ("tizanidine", "sertraline"),
    ),
    (
        "ix-tizanidine-cyp1a2-strong",
        "tizanidine",
        "ciprofloxacin",
        "contraindicated",
        ("tizanidine", "levofloxacin"),
    ),
    # Zanaflex label 7.3: other CYP1A2 inhibitors (famotidine, oral contraceptives) avoided.
    (
        "ix-tizanidine-cyp1a2-other",
        "tizanidine",
        "famotidine",
        "avoid",
        ("tizanidine", "pantoprazole"),
    ),
    # Cymbalta label 7.1: potent CYP1A2 inhibitors (fluvoxamine) avoided.
    (
        "ix-duloxetine-cyp1a2-strong",
        "duloxetine",
        "fluvoxamine",
        "avoid",
        ("duloxetine", "famotidine"),
    ),
    # Flexeril label 4: contraindicated with MAOIs.
    (
        "ix-maoi-labelled",
        "cyclobenzaprine",
        "phenelzine",
        "contraindicated",
        ("cyclobenzaprine", "lisinopril"),
    ),
    # Ultram label 5: serotonin syndrome; seizure risk with cyclobenzaprine (tricyclic compound).
    ("ix-tramadol-serotonergic", "tramadol", "cyclobenzaprine", "avoid", ("tramadol", "metformin")),
    ("ix-tramadol-seizure", "tramadol", "bupropion", "avoid", ("tramadol", "atorvastatin")),
    # Ultram label 7: carbamazepine.
    (
        "ix-tramadol-cyp3a4-inducer",
        "tramadol",
        "carbamazepine",
        "avoid",
        ("tramadol", "levetiracetam"),
    ),
    # Flexeril label 5: serotonin syndrome with SSRIs.
    (
        "ix-cyclobenzaprine-serotonergic",
        "cyclobenzaprine",
        "sertraline",
        "monitor",
        ("cyclobenzaprine", "amlodipine"),
    ),
    # Vivitrol label 4.
    (
        "ix-opioid-naltrexone",
        "oxycodone",
        "naltrexone",
        "contraindicated",
        ("acetaminophen", "naltrexone"),
    ),
    # Opioid labels, boxed warning (FDA 2016).
    ("ix-opioid-benzodiazepine", "hydrocodone", "lorazepam", "adjust", ("hydrocodone", "zolpidem")),
    # Oxycodone label, boxed warning (CYP3A4 inhibitors).
    (
        "ix-opioid-cyp3a4-inhibitor",
        "oxycodone",
        "clarithromycin",
        "adjust",
        ("morphine", "clarithromycin"),
    ),
    # Oxycodone label 7: CYP3A4 inducers.
    ("ix-opioid-cyp3a4-inducer", "fentanyl", "rifampin", "adjust", ("morphine", "rifampin")),
    # Ultram and codeine labels 7: CYP2D6 inhibitors.
    ("ix-cyp2d6-prodrug-opioid", "codeine", "paroxetine", "adjust", ("codeine", "sertraline")),
    # Dolophine label 5: QT prolongation.
    ("ix-methadone-qt", "methadone", "citalopram", "adjust", ("methadone", "sertraline")),
    ("ix-qt-qt", "ondansetron", "azithromycin", "monitor", ("ondansetron", "amoxicillin")),
    # NSAID labels 5 and 7: anticoagulants; SSRIs/SNRIs.
    ("ix-nsaid-anticoagulant", "ibuprofen", "apixaban", "avoid", ("acetaminophen", "apixaban")),
    ("ix-nsaid-ssri-snri", "naproxen", "duloxetine", "monitor", ("naproxen", "bupropion")),
    # Plavix label 7: omeprazole, esomeprazole (not pantoprazole).
    (
        "ix-clopidogrel-omeprazole",
        "clopidogrel",
        "esomeprazole",
        "avoid",
        ("clopidogrel", "pantoprazole"),
    ),
    # Cipro label 7: NSAIDs.
    (
        "ix-fluoroquinolone-nsaid",
        "ciprofloxacin",
        "ibuprofen",
        "monitor",
        ("ciprofloxacin", "acetaminophen"),
    ),
    # Journavx label 4 and 7.
    (
        "ix-suzetrigine-cyp3a4-inhibitor",
        "suzetrigine",
        "itraconazole",
        "contraindicated",
        ("suzetrigine", "fluconazole"),
    ),
    (
        "ix-suzetrigine-cyp3a4-inducer",
        "suzetrigine",
        "carbamazepine",
        "avoid",
        ("suzetrigine", "lamotrigine"),
    ),
    # AGS Beers 2023: two anticholinergic drugs.
    (
        "ix-anticholinergic-pair",
        "diphenhydramine",
        "oxybutynin",
        "monitor",
        ("cetirizine", "oxybutynin"),
    ),
]


@pytest.mark.parametrize(("row_id", "a", "b", "severity", "unrelated"), INTERACTION_CASES)
def test_each_interaction_row_applies_either_way_round(
    row_id: str, a: str, b: str, severity: str, unrelated: tuple[str, str]
) -> None:
    for one, other in ((a, b), (b, a)):
        found = {p.row.id: p.row.severity.value for p in rows_for(one, other)}
        assert found.get(row_id) == severity
    assert row_id not in {p.row.id for p in rows_for(*unrelated)}


def test_every_interaction_row_has_a_case() -> None:
    assert {c[0] for c in INTERACTION_CASES} == interactions.known_ids()


def test_a_drug_never_interacts_with_itself() -> None:
    assert rows_for("tramadol", "tramadol") == ()


# ---- Dose-limit rows: both sides of each threshold ----------------------------------------------


def patient(**changes: object) -> Patient:
    base = {
        "age": 45,
        "weight_kg": 80.0,
        "crcl": 90.0,
        "dialysis": False,
        "cirrhosis": False,
        "breastfeeding": False,
        "opioid_tolerant": True,
    }
    return Patient(**{**base, **changes})  # type: ignore[arg-type]


# (row id, drug, route, formulation, patient at the limit, its daily, single; patient just
#  outside the row, and which row then applies instead or None)
DOSE_CASES = [
    # Lyrica label, renal table: >= 60 up to 600; 30-60 up to 300; 15-30 up to 150; < 15 up to 75.
    (
        "dose-pregabalin-max",
        "pregabalin",
        None,
        None,
        {"crcl": 60.0},
        600,
        None,
        {"crcl": 59.9},
        "dose-pregabalin-crcl-30-60",
    ),
    (
        "dose-pregabalin-crcl-30-60",
        "pregabalin",
        None,
        None,
        {"crcl": 30.1},
        300,
        None,
        {"crcl": 60.0},
        "dose-pregabalin-max",
    ),
    (
        "dose-pregabalin-crcl-15-30",
        "pregabalin",
        None,
        None,
        {"crcl": 30.0},
        150,
        None,
        {"crcl": 30.1},
        "dose-pregabalin-crcl-30-60",
    ),
    (
        "dose-pregabalin-crcl-below-15",
        "pregabalin",
        None,
        None,
        {"crcl": 14.9},
        75,
        None,
        {"crcl": 15.0},
        "dose-pregabalin-crcl-15-30",
    ),
    (
        "dose-pregabalin-dialysis",
        "pregabalin",
        None,
        None,
        {"dialysis": True, "crcl": None},
        75,
        None,
        {"dialysis": False, "crcl": None},
        "dose-pregabalin-max",
    ),
    # Neurontin label Table 1: >= 60 3600; 30-59 1400; 15-29 700; < 15 300; HD 300 + supplement.
    (
        "dose-gabapentin-max",
        "gabapentin",
        None,
        None,
        {"crcl": 60.0},
        3600,
        None,
        {"crcl": 59.9},
        "dose-gabapentin-crcl-30-59",
    ),
    (
        "dose-gabapentin-crcl-30-59",
        "gabapentin",
        None,
        None,
        {"crcl": 59.9},
        1400,
        None,
        {"crcl": 60.0},
        "dose-gabapentin-max",
    ),
    (
        "dose-gabapentin-crcl-15-29",
        "gabapentin",
        None,
        None,
        {"crcl": 30.0},
        700,
        None,
        {"crcl": 30.1},
        "dose-gabapentin-crcl-30-59",
    ),
    (
        "dose-gabapentin-crcl-below-15",
        "gabapentin",
        None,
        None,
        {"crcl": 14.9},
        300,
        None,
        {"crcl": 15.0},
        "dose-gabapentin-crcl-15-29",
    ),
    (
        "dose-gabapentin-dialysis",
        "gabapentin",
        None,
        None,
        {"dialysis": True, "crcl": None},
        300,
        None,
        {"dialysis": False, "crcl": None},
        "dose-gabapentin-max",
    ),
    # Ultram label: 400 mg/day, 100 mg a dose; over 75: 300; CrCl < 30: 200; cirrhosis 50 q12h.
    (
        "dose-tramadol-max",
        "tramadol",
        None,
        None,
        {"age": 75},
        400,
        100,
        {"age": 76},
        "dose-tramadol-over-75",
    ),
    (
        "dose-tramadol-over-75",
        "tramadol",
        None,
        None,
        {"age": 76},
        300,
        100,
        {"age": 75},
        "dose-tramadol-max",
    ),
    (
        "dose-tramadol-crcl-below-30",
        "tramadol",
        None,
        None,
        {"crcl": 30.0},
        200,
        100,
        {"crcl": 30.1},
        "dose-tramadol-max",
    ),
    (
        "dose-tramadol-cirrhosis",
        "tramadol",
        None,
        None,
        {"cirrhosis": True},
        100,
        50,
        {"cirrhosis": False},
        "dose-tramadol-max",
    ),
    # FDA 2017: no tramadol or codeine while breastfeeding.
    (
        "dose-tramadol-breastfeeding",
        "tramadol",
        None,
        None,
        {"breastfeeding": True},
        0,
        0,
        {"breastfeeding": False},
        "dose-tramadol-max",
    ),
    (
        "dose-codeine-max",
        "codeine",
        None,
        None,
        {},
        360,
        60,
        {"crcl": 30.0},
        "dose-codeine-crcl-below-30",
    ),
    (
        "dose-codeine-breastfeeding",
        "codeine",
        None,
        None,
        {"breastfeeding": True},
        0,
        0,
        {"breastfeeding": False},
        "dose-codeine-max",
    ),
    (
        "dose-codeine-crcl-below-30",
        "codeine",
        None,
        None,
        {"crcl": 30.0},
        0,
        0,
        {"crcl": 30.1},
        "dose-codeine-max",
    ),
    (
        "dose-morphine-crcl-below-30",
        "morphine",
        None,
        None,
        {"crcl": 30.0},
        0,
        0,
        {"crcl": 30.1},
        None,
    ),
    # Acetaminophen labels: 4 g/day, 1 g a dose; Ofirmev under 50 kg 75 mg/kg/day, 15 mg/kg.
    (
        "dose-acetaminophen-max",
        "acetaminophen",
        None,
        None,
        {"weight_kg": 50.0},
        4000,
        1000,
        {"weight_kg": 49.9},
        "dose-acetaminophen-under-50-kg",
    ),
    (
        "dose-acetaminophen-under-50-kg",
        "acetaminophen",
        None,
        None,
        {"weight_kg": 40.0},
        3000,
        600,
        {"weight_kg": 50.0},
        "dose-acetaminophen-max",
    ),
    (
        "dose-acetaminophen-cirrhosis",
        "acetaminophen",
        None,
        None,
        {"cirrhosis": True},
        2000,
        1000,
        {"cirrhosis": False},
        "dose-acetaminophen-max",
    ),
    ("dose-ibuprofen-max", "ibuprofen", None, None, {}, 3200, 800, None, None),
    ("dose-naproxen-max", "naproxen", None, None, {}, 1500, None, None, None),
    ("dose-meloxicam-max", "meloxicam", None, None, {}, 15, None, None, None),
    ("dose-celecoxib-max", "celecoxib", None, None, {}, 400, 400, None, None),
    # Celebrex label 4: contraindicated with a sulfonamide allergy.
    (
        "dose-celecoxib-sulfonamide-allergy",
        "celecoxib",
        None,
        None,
        {"sulfonamide_allergy": True},
        0,
        0,
        {"sulfonamide_allergy": False},
        "dose-celecoxib-max",
    ),
    ("dose-duloxetine-max", "duloxetine", None, None, {}, 120, None, None, None),
    (
        "dose-cyclobenzaprine-max",
        "cyclobenzaprine",
        None,
        None,
        {},
        30,
        None,
        {"cirrhosis": True},
        "dose-cyclobenzaprine-cirrhosis",
    ),
    (
        "dose-cyclobenzaprine-cirrhosis",
        "cyclobenzaprine",
        None,
        None,
        {"cirrhosis": True},
        15,
        5,
        {"cirrhosis": False},
        "dose-cyclobenzaprine-max",
    ),
    ("dose-tizanidine-max", "tizanidine", None, None, {}, 36, 16, None, None),
    # Beers 2023: meperidine avoided from 65.
    ("dose-meperidine-65-plus", "meperidine", None, None, {"age": 65}, 0, 0, {"age": 64}, None),
    # Dilaudid injection label: opioid-naive 0.2-1 mg IV; older: low end (0.5 here).
    (
        "dose-hydromorphone-iv-naive",
        "hydromorphone",
        Route.iv,
        None,
        {"opioid_tolerant": False, "age": 64},
        None,
        1,
        {"opioid_tolerant": True},
        None,
    ),
    (
        "dose-hydromorphone-iv-naive-65-plus",
        "hydromorphone",
        Route.iv,
        None,
        {"opioid_tolerant": False, "age": 65},
        None,
        0.5,
        {"opioid_tolerant": False, "age": 64},
        "dose-hydromorphone-iv-naive",
    ),
    # Duragesic label 4: contraindicated when not opioid tolerant.
    (
        "dose-fentanyl-patch-naive",
        "fentanyl",
        None,
        "patch",
        {"opioid_tolerant": False},
        0,
        0,
        {"opioid_tolerant": True},
        None,
    ),
    # ---- Rows added for issue 20 ----
    # Lioresal label: not over 80 mg a day (20 mg four times a day); 2024 baclofen labels 2.3 /
    # Vlavonou (J Clin Pharmacol, doi:10.1002/jcph.247): a third less at CrCl 50-80, half at
    # 30-50, two thirds below 30 (shared edges read as the lower band); dialysis: not used.
    (
        "dose-baclofen-max",
        "baclofen",
        None,
        None,
        {"crcl": 80.1},
        80,
        20,
        {"crcl": 80.0},
        "dose-baclofen-crcl-50-80",
    ),
    (
        "dose-baclofen-crcl-50-80",
        "baclofen",
        None,
        None,
        {"crcl": 80.0},
        160 / 3,
        None,
        {"crcl": 80.1},
        "dose-baclofen-max",
    ),
    (
        "dose-baclofen-crcl-30-50",
        "baclofen",
        None,
        None,
        {"crcl": 50.0},
        40,
        None,
        {"crcl": 50.1},
        "dose-baclofen-crcl-50-80",
    ),
    (
        "dose-baclofen-crcl-below-30",
        "baclofen",
        None,
        None,
        {"crcl": 30.0},
        80 / 3,
        None,
        {"crcl": 30.1},
        "dose-baclofen-crcl-30-50",
    ),
    (
        "dose-baclofen-dialysis",
        "baclofen",
        None,
        None,
        {"dialysis": True, "crcl": 8.0},
        0,
        0,
        {"dialysis": False, "crcl": 8.0},
        "dose-baclofen-crcl-below-30",
    ),
    # Cataflam label: up to 200 mg a day, a first dose of 100 mg.
    ("dose-diclofenac-max", "diclofenac", None, None, {}, 200, 100, None, None),
    # Indocin label: not over 200 mg a day.
    ("dose-indomethacin-max", "indomethacin", None, None, {}, 200, None, None, None),
    # Robaxin: 8 g a day at most (severe cases, first 48-72 h).
    ("dose-methocarbamol-max", "methocarbamol", None, None, {}, 8000, None, None, None),
    # Skelaxin: 800 mg three to four times a day.
    ("dose-metaxalone-max", "metaxalone", None, None, {}, 3200, 800, None, None),
    # Soma: 250-350 mg three times a day and at bedtime.
    ("dose-carisoprodol-max", "carisoprodol", None, None, {}, 1400, 350, None, None),
    # Parafon Forte: 250-750 mg three or four times a day.
    ("dose-chlorzoxazone-max", "chlorzoxazone", None, None, {}, 3000, 750, None, None),
    # Norflex ER: 100 mg morning and evening.
    ("dose-orphenadrine-max", "orphenadrine", None, None, {}, 200, 100, None, None),
    # Nucynta: 600 mg a day after day 1, 100 mg a dose; Nucynta ER 500 mg a day; severe renal
    # impairment not recommended (8.6); moderate hepatic impairment 50 mg every 8 h (8.7).
    (
        "dose-tapentadol-max",
        "tapentadol",
        None,
        None,
        {},
        600,
        100,
        {"crcl": 30.0},
        "dose-tapentadol-crcl-below-30",
    ),
    (
        "dose-tapentadol-er",
        "tapentadol",
        None,
        "er",
        {},
        500,
        100,
        {"crcl": 30.0},
        "dose-tapentadol-crcl-below-30",
    ),
    (
        "dose-tapentadol-crcl-below-30",
        "tapentadol",
        None,
        None,
        {"crcl": 30.0},
        0,
        0,
        {"crcl": 30.1},
        "dose-tapentadol-max",
    ),
    (
        "dose-tapentadol-cirrhosis",
        "tapentadol",
        None,
        None,
        {"cirrhosis": True},
        150,
        50,
        {"cirrhosis": False},
        "dose-tapentadol-max",
    ),
    # Issue 20, Child-Pugh class (hepatic_rank 1 A, 2 B, 3 C; cirrhosis with no class is A).
    # Celebrex label 2 and 8.6: B halve the daily dose, C not recommended.
    (
        "dose-celecoxib-child-pugh-b",
        "celecoxib",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 2},
        200,
        200,
        {"cirrhosis": True, "hepatic_rank": 1},
        "dose-celecoxib-max",
    ),
    (
        "dose-celecoxib-child-pugh-c",
        "celecoxib",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 3},
        0,
        0,
        {"cirrhosis": True, "hepatic_rank": 2},
        "dose-celecoxib-child-pugh-b",
    ),
    # Cymbalta label 8.9: avoid with hepatic insufficiency (any class).
    (
        "dose-duloxetine-hepatic",
        "duloxetine",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 1},
        0,
        0,
        {},
        "dose-duloxetine-max",
    ),
    # Flexeril label: mild 5 mg (the cirrhosis row); moderate or severe not recommended.
    (
        "dose-cyclobenzaprine-child-pugh-b",
        "cyclobenzaprine",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 2},
        0,
        0,
        {"cirrhosis": True, "hepatic_rank": 1},
        "dose-cyclobenzaprine-cirrhosis",
    ),
    # Zanaflex label 8.7: ordinarily avoided with hepatic impairment.
    (
        "dose-tizanidine-hepatic",
        "tizanidine",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 1},
        0,
        0,
        {},
        "dose-tizanidine-max",
    ),
    # Nucynta label 8.7: moderate 50 mg every 8 h (the cirrhosis row); severe not recommended.
    (
        "dose-tapentadol-child-pugh-c",
        "tapentadol",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 3},
        0,
        0,
        {"cirrhosis": True, "hepatic_rank": 2},
        "dose-tapentadol-cirrhosis",
    ),
    # FDA Drug Safety Communications 2011/2012, Celexa label 2: 40 mg; over 60 (61, not 60) and
    # hepatic impairment 20 mg. Lexapro label 2, MHRA 2011: 20 mg; 65+ and hepatic 10 mg.
    (
        "dose-citalopram-max",
        "citalopram",
        None,
        None,
        {},
        40,
        None,
        {"age": 61},
        "dose-citalopram-over-60",
    ),
    (
        "dose-citalopram-over-60",
        "citalopram",
        None,
        None,
        {"age": 61},
        20,
        None,
        {"age": 60},
        "dose-citalopram-max",
    ),
    (
        "dose-citalopram-hepatic",
        "citalopram",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 1},
        20,
        None,
        {},
        "dose-citalopram-max",
    ),
    (
        "dose-escitalopram-max",
        "escitalopram",
        None,
        None,
        {},
        20,
        None,
        {"age": 65},
        "dose-escitalopram-65-plus",
    ),
    (
        "dose-escitalopram-65-plus",
        "escitalopram",
        None,
        None,
        {"age": 65},
        10,
        None,
        {"age": 64},
        "dose-escitalopram-max",
    ),
    (
        "dose-escitalopram-hepatic",
        "escitalopram",
        None,
        None,
        {"cirrhosis": True, "hepatic_rank": 1},
        10,
        None,
        {},
        "dose-escitalopram-max",
    ),
    # Amitriptyline label: outpatients up to 150 mg a day; Pamelor: above 150 not recommended;
    # Effexor: up to 375 mg a day (inpatients).
    ("dose-amitriptyline-max", "amitriptyline", None, None, {}, 150, None, None, None),
    ("dose-nortriptyline-max", "nortriptyline", None, None, {}, 150, None, None, None),
    ("dose-venlafaxine-max", "venlafaxine", None, None, {}, 375, None, None, None),
    # Savella: up to 200 mg a day (100 twice daily); CrCl 5-29 up to 100; ESRD not recommended.
    (
        "dose-milnacipran-max",
        "milnacipran",
        None,
        None,
        {},
        200,
        100,
        {"crcl": 30.0},
        "dose-milnacipran-crcl-below-30",
    ),
    (
        "dose-milnacipran-crcl-below-30",
        "milnacipran",
        None,
        None,
        {"crcl": 30.0},
        100,
        None,
        {"crcl": 30.1},
        "dose-milnacipran-max",
    ),
    (
        "dose-milnacipran-dialysis",
        "milnacipran",
        None,
        None,
        {"dialysis": True, "crcl": 8.0},
        0,
        0,
        {"dialysis": False, "crcl": 8.0},
        "dose-milnacipran-crcl-below-30",
    ),
]


@pytest.mark.parametrize(
    ("row_id", "generic", "route", "form", "at", "daily", "single", "outside", "then"),
    DOSE_CASES,
)
def test_each_dose_limit_row_both_sides(
    row_id: str,
    generic: str,
    route: Route | None,
    form: str | None,
    at: dict[str, object],
    daily: float | None,
    single: float | None,
    outside: dict[str, object] | None,
    then: str | None,
) -> None:
    from logic.drugs.catalogue import Formulation

    formulation = Formulation(form) if form else None
    limit = limit_for(generic, patient(**at), route, formulation)
    assert limit is not None
    ids = {r.id for r in (limit.daily_row, limit.single_row) if r is not None}
    assert row_id in ids
    if daily is not None:
        assert limit.daily_mg == pytest.approx(daily)
    if single is not None:
        assert limit.single_mg == pytest.approx(single)
    if outside is None:
        return
    # Outside the row's gate another row (or none) sets the same limit.
    other = limit_for(generic, patient(**outside), route, formulation)
    if other is None:
        assert then is None
        return
    setter = other.daily_row if daily is not None else other.single_row
    assert setter is None or setter.id != row_id
    if then is not None:
        assert setter is not None
        assert setter.id == then


def test_every_dose_limit_row_has_a_case() -> None:
    assert {c[0] for c in DOSE_CASES} == dose_limits.known_ids()


def test_table_ids_are_unique_across_tables() -> None:
    assert not interactions.known_ids() & dose_limits.known_ids()


# ---- The issue's vignettes, end to end ---------------------------------------------------------


def _codes(plan: TreatmentPlan) -> dict[str, tuple[str, ...]]:
    return {w.code: w.rule_ids for w in plan.warnings}


def test_tizanidine_with_fluvoxamine_at_home_is_named() -> None:
    plan = plan_of(current_medications=[{"drug": "tizanidine"}, {"drug": "Luvox"}])
    warning = next(w for w in plan.warnings if w.code == "interactions-on-board")
    assert "tizanidine + fluvoxamine" in warning.message
    assert "ix-tizanidine-cyp1a2-strong" in warning.rule_ids
    assert warning.severity.value == "danger"


def test_ciprofloxacin_given_with_home_tizanidine_is_named() -> None:
    plan = plan_of(current_medications=[{"drug": "tizanidine"}], tried=[{"drug": "Cipro"}])
    assert "ix-tizanidine-cyp1a2-strong" in _codes(plan)["interactions-on-board"]


def test_cyclobenzaprine_given_on_phenelzine_names_the_maoi() -> None:
    plan = plan_of(current_medications=[{"drug": "Nardil"}], tried=[{"drug": "cyclobenzaprine"}])
    warning = next(w for w in plan.warnings if w.code == "interactions-on-board")
    assert "phenelzine + cyclobenzaprine" in warning.message


def test_the_plan_never_pairs_tramadol_with_cyclobenzaprine() -> None:
    """Both labels name the other (Ultram 5: serotonin syndrome, seizures with tricyclic
    compounds): the shared-decision tramadol option yields to the cyclobenzaprine order."""
    plan = plan_of(pain_duration_weeks=2)
    orders = {o.generic for o in (*plan.give_now, *plan.discharge)}
    assert not {"tramadol", "cyclobenzaprine"} <= orders
    assert "cyclobenzaprine" in orders
    tramadol = next(a for a in plan.avoid if a.drug == "Tramadol")
    assert "cyclobenzaprine" in tramadol.reason
    assert "ix-tramadol-serotonergic" in tramadol.rule_ids


def test_omeprazole_is_not_added_for_a_patient_on_clopidogrel() -> None:
    plan = plan_of(age_years=70, current_medications=[{"drug": "Plavix"}], tried=[])
    assert "omeprazole" not in {o.generic for o in plan.discharge}


@pytest.mark.parametrize(
    ("changes", "drug", "limit_words", "row"),
    [
        # Lyrica label: CrCl 15-30 at most 150 mg/day.
        (
            {"crcl_ml_min": 25},
            {"drug": "pregabalin", "dose": 300, "doses_per_day": 2},
            "150 mg a day",
            "dose-pregabalin-crcl-15-30",
        ),
        # Neurontin label: haemodialysis 300 mg/day (+ supplement).
        (
            {"crcl_ml_min": None, "on_hemodialysis": True},
            {"drug": "gabapentin", "dose": 900, "doses_per_day": 3},
            "300 mg a day",
            "dose-gabapentin-dialysis",
        ),
        # Ultram label: over 75 at most 300 mg/day; CrCl < 30 at most 200.
        (
            {"age_years": 80},
            {"drug": "tramadol", "dose": 100, "doses_per_day": 4},
            "300 mg a day",
            "dose-tramadol-over-75",
        ),
        (
            {"crcl_ml_min": 20},
            {"drug": "tramadol", "dose": 100, "doses_per_day": 4},
            "200 mg a day",
            "dose-tramadol-crcl-below-30",
        ),
    ],
)
def test_regular_dose_above_the_limit_is_never_continued(
    changes: dict[str, object], drug: dict[str, object], limit_words: str, row: str
) -> None:
    plan = plan_of(**changes, current_medications=[drug])
    warning = next(w for w in plan.warnings if w.code == f"dose-limit-{drug['drug']}")
    assert limit_words in warning.message
    assert "Do not continue" in warning.message
    assert warning.rule_ids == (row,)
    # The other side: at the limit there is no such warning.
    per_day = 2 if row != "dose-tramadol-over-75" else 3
    at_limit = {**drug, "dose": float(limit_words.split()[0]) / per_day, "doses_per_day": per_day}
    assert f"dose-limit-{drug['drug']}" not in _codes(
        plan_of(**changes, current_medications=[at_limit])
    )


def test_hydromorphone_overdose_in_an_older_naive_patient_is_harm_and_stops_opioids() -> None:
    """Dilaudid injection label: opioid-naive 0.2-1 mg IV, the low end when older."""
    plan = plan_of(
        age_years=80, tried=[{"drug": "hydromorphone", "dose": 2, "route": "iv", "doses_given": 2}]
    )
    (review,) = plan.tried_review
    assert review.reason.startswith("Harm may already have been done")
    assert "respiratory rate" in review.reason
    assert "naloxone at the bedside" in review.reason
    assert "dose-hydromorphone-iv-naive-65-plus" in review.rule_ids
    assert not any(o.is_opioid for o in (*plan.give_now, *plan.discharge))
    # The other side: 0.5 mg is within the limit.
    ok = plan_of(age_years=80, tried=[{"drug": "hydromorphone", "dose": 0.5, "route": "iv"}])
    assert not ok.tried_review[0].reason.startswith("Harm")


def test_meperidine_given_at_72_is_flagged_and_at_64_is_not() -> None:
    """AGS Beers 2023: avoid meperidine from 65."""
    old = plan_of(age_years=72, tried=[{"drug": "pethidine", "dose": 50, "route": "im"}])
    assert "dose-meperidine-65-plus" in old.tried_review[0].rule_ids
    young = plan_of(age_years=64, tried=[{"drug": "pethidine", "dose": 50, "route": "im"}])
    assert "dose-meperidine-65-plus" not in young.tried_review[0].rule_ids


@pytest.mark.parametrize("patch", ["Duragesic", "Butrans"])
def test_no_heat_advice_with_an_opioid_patch(patch: str) -> None:
    """Duragesic and Butrans labels: external heat raises absorption."""
    plan = plan_of(
        current_medications=[{"drug": patch, "dose": 25 if patch == "Duragesic" else 10}]
    )
    assert not any(p.title == "Heat" or "heat wrap or pad eases" in p.text for p in plan.non_drug)
    assert any(p.title == "No heat with the patch" for p in plan.non_drug)
    assert any(p.title == "Heat" for p in plan_of().non_drug)  # without a patch, heat stays


def test_methadone_for_oud_meets_no_mme_threshold() -> None:
    """CDC 2022: MME thresholds are not for MOUD doses."""
    moud = plan_of(
        conditions=[Condition.opioid_use_disorder],
        current_medications=[{"drug": "methadone", "dose": 90, "doses_per_day": 1}],
    )
    codes = _codes(moud)
    assert "mme-90" not in codes
    assert "mme-50" not in codes
    assert codes["moud-mme"] == ("moud-mme-excluded",)
    pain = plan_of(current_medications=[{"drug": "methadone", "dose": 90, "doses_per_day": 1}])
    assert "mme-90" in _codes(pain)  # methadone without the OUD box may be for pain: counted


def test_unknown_names_are_kept_and_the_plan_is_built() -> None:
    plan = plan_of(
        current_medications=[{"drug": "Blorpamine"}, {"drug": "Nexium"}],
        tried=[{"drug": "snake *oil* <b>"}],
    )
    assert plan.not_checked == ("Blorpamine", "snake oil b")
    warning = next(w for w in plan.warnings if w.code == "not-checked-medicines")
    assert "Not checked for interactions: Blorpamine, snake oil b" in warning.message
    assert warning.rule_ids == ("unchecked-medicine",)


@pytest.mark.parametrize(
    "name",
    [
        "metformin",
        "atorvastatin",
        "Cipro",
        "Diflucan",
        "Tegretol",
        "Nexium",
        "Benadryl",
        "Keppra",
        "co-codamol",
        "Panadol",
        "Nurofen",
        "Vicoprofen",
        "zopiclone",
        "pethidine",
        "Journavx",
    ],
)
def test_the_issue_names_resolve(name: str) -> None:
    from logic.drugs.catalogue import resolve_drug

    assert resolve_drug(name) is not None


def test_catalogue_resolves_at_least_300_names_each_with_a_source() -> None:
    from logic.drugs.catalogue import CATALOGUE, COMBINATIONS

    names = {n for d in CATALOGUE for n in (d.generic, *d.brands, *d.synonyms)}
    names |= {c.name for c in COMBINATIONS}
    assert len(names) >= 300
    assert all(d.source for d in CATALOGUE)
    assert all(c.source for c in COMBINATIONS)


def test_share_link_and_fhir_keep_unknown_names() -> None:
    from logic.formats.fhir.read import case_from_resources
    from logic.formats.fhir.write import case_resources
    from logic.formats.share import case_from_query, share_query

    case = PatientCase(**BASE, current_medications=[{"drug": "Blorpamine"}])
    assert case_from_query(share_query(case)).case == case
    import datetime as dt

    today = dt.date(2026, 1, 1)
    back = case_from_resources(case_resources(case, today=today), today=today).case
    assert back is not None
    assert back.unchecked_medicines == ("Blorpamine",)


# ---- Properties over generated cases ------------------------------------------------------------

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _with_meds(case: PatientCase, current: tuple, tried: tuple) -> PatientCase:
    data = case.model_dump(exclude_defaults=True)
    data["current_medications"] = [m.model_dump(exclude_defaults=True) for m in current]
    data["tried"] = [m.model_dump(exclude_defaults=True) for m in tried]
    return PatientCase(**data)


medicine_cases = st.builds(
    _with_meds,
    cases(medicines=True),
    st.lists(current_medications(), max_size=4).map(tuple),
    st.lists(tried_medications(), max_size=4).map(tuple),
)


def pair_violations(case: PatientCase, plan: TreatmentPlan) -> list[str]:
    """Orders that form a contraindicated or avoid pair with anything on board or another
    order."""
    board = med_checks.on_board_generics(case)
    orders = [o.generic for o in (*plan.give_now, *plan.discharge)]
    bad = []
    for i, generic in enumerate(orders):
        others = (*board, *orders[:i], *orders[i + 1 :])
        pair = forbidding(generic, others)
        if pair is not None:
            bad.append(f"{pair.first} + {pair.second}")
    return bad


def dose_violations(case: PatientCase, plan: TreatmentPlan) -> list[str]:
    """Regular or given doses above this patient's limit that the plan does not flag."""
    from logic.engine.medications import medicine_facts
    from logic.engine.renal import assess_renal

    p = med_checks.patient_of(case, assess_renal(case), medicine_facts(case))
    flagged = {w.code for w in plan.warnings}
    bad = []
    for med in case.current_medications:
        limit = limit_for(med.drug, p, med.route, med.formulation)
        if limit is None:
            continue
        if med_checks._over(limit, med.dose_mg, med.doses_per_day, med.formulation) is None:
            continue
        if f"dose-limit-{med.drug}" not in flagged:
            bad.append(med.drug)
    for item, review in zip(case.tried, plan.tried_review, strict=True):
        limit = limit_for(item.drug, p, item.route, item.formulation)
        if limit is None or med_checks._over(limit, item.dose_mg, None, item.formulation) is None:
            continue
        if not review.reason.startswith("Harm may already have been done"):
            bad.append(item.drug)
    return bad


def heat_violations(case: PatientCase, plan: TreatmentPlan) -> list[str]:
    if med_checks.patch_on_board(case) is None:
        return []
    return [p.title for p in plan.non_drug if p.title == "Heat" or "heat wrap or pad" in p.text]


@_SETTINGS
@given(medicine_cases)
def test_property_no_order_forms_a_forbidden_pair(case: PatientCase) -> None:
    assert pair_violations(case, build_plan(case)) == []


@_SETTINGS
@given(medicine_cases)
def test_property_every_dose_above_the_limit_is_flagged(case: PatientCase) -> None:
    assert dose_violations(case, build_plan(case)) == []


@_SETTINGS
@given(medicine_cases)
def test_property_no_heat_advice_with_a_patch(case: PatientCase) -> None:
    assert heat_violations(case, build_plan(case)) == []


_NAMES = st.text(min_size=1, max_size=80)


@_SETTINGS
@given(cases(), _NAMES, st.booleans())
def test_property_an_unknown_name_never_raises_and_is_not_checked(
    case: PatientCase, name: str, given_today: bool
) -> None:
    from logic.drugs.catalogue import combination, resolve_drug

    if not name.strip() or resolve_drug(name) or combination(name):
        return
    data = case.model_dump(exclude_defaults=True)
    key = "tried" if given_today else "current_medications"
    data[key] = [*data.get(key, ()), {"drug": name}]
    plan = build_plan(PatientCase(**data))
    from logic.models import clean_unchecked_name

    kept = clean_unchecked_name(name)
    assert kept in plan.not_checked
    warning = next(w for w in plan.warnings if w.code == "not-checked-medicines")
    assert kept in warning.message


@_SETTINGS
@given(cases(), st.floats(min_value=5, max_value=300))
def test_property_moud_never_meets_an_mme_threshold(case: PatientCase, dose: float) -> None:
    data = case.model_dump(exclude_defaults=True)
    data["conditions"] = [*data.get("conditions", ()), "opioid_use_disorder"]
    data["current_medications"] = [{"drug": "methadone", "dose": dose, "doses_per_day": 1}]
    data["tried"] = [t for t in data.get("tried", ()) if t["drug"] not in _OPIOID_GENERICS]
    plan = build_plan(PatientCase(**data))
    if any(o.is_opioid for o in plan.discharge):
        return  # a take-home opioid is not MOUD and counts
    assert not {"mme-50", "mme-90"} & {w.code for w in plan.warnings}


# ---- Each property fails when its check is removed ----------------------------------------------


def test_pair_property_fails_without_the_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    case = PatientCase(**BASE, pain_duration_weeks=2)
    assert pair_violations(case, build_plan(case)) == []

    def no_screen(case, patient, give_now, discharge, board=None):  # type: ignore[no-untyped-def]
        return med_checks.Screen(tuple(give_now), tuple(discharge), (), ())

    monkeypatch.setattr(med_checks, "screen_orders", no_screen)
    assert pair_violations(case, build_plan(case)) != []


def test_pair_property_fails_without_the_row(monkeypatch: pytest.MonkeyPatch) -> None:
    case = PatientCase(**BASE, pain_duration_weeks=2)
    # Two rows name this pair (serotonin syndrome; seizure threshold): remove both.
    gone = {"ix-tramadol-serotonergic", "ix-tramadol-seizure"}
    kept = tuple(r for r in interactions.INTERACTIONS if r.id not in gone)
    monkeypatch.setattr(interactions, "INTERACTIONS", kept)
    interactions.rebuild()
    _clear_table_memos()
    try:
        plan = build_plan(case)
        orders = {o.generic for o in (*plan.give_now, *plan.discharge)}
        assert {"tramadol", "cyclobenzaprine"} <= orders  # the pair is back without the row
    finally:
        monkeypatch.undo()
        interactions.rebuild()
        _clear_table_memos()


def _clear_table_memos() -> None:
    for module in (interactions, med_checks, dose_limits):
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and value.__module__ == module.__name__:
                value.cache_clear()


def test_dose_property_fails_without_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    case = PatientCase(
        **{**BASE, "crcl_ml_min": 25},
        current_medications=[{"drug": "pregabalin", "dose": 300, "doses_per_day": 2}],
    )
    assert dose_violations(case, build_plan(case)) == []
    monkeypatch.setattr(med_checks, "dose_warnings", lambda case, patient: [])
    assert dose_violations(case, build_plan(case)) == ["pregabalin"]


def test_heat_property_fails_without_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    case = PatientCase(**BASE, current_medications=[{"drug": "Duragesic", "dose": 25}])
    assert heat_violations(case, build_plan(case)) == []
    monkeypatch.setattr(med_checks, "non_drug_for", lambda case, points: points)
    assert heat_violations(case, build_plan(case)) == ["Heat"]


def test_moud_property_fails_without_the_exclusion(monkeypatch: pytest.MonkeyPatch) -> None:
    case = PatientCase(
        **BASE,
        conditions=[Condition.opioid_use_disorder],
        current_medications=[{"drug": "methadone", "dose": 90, "doses_per_day": 1}],
    )
    assert "mme-90" not in _codes(build_plan(case))
    monkeypatch.setattr(med_checks, "moud_mme", lambda case, meds: 0.0)
    assert "mme-90" in _codes(build_plan(case))


def test_unknown_property_fails_without_the_set_aside() -> None:
    """Without the model's set-aside (the old behaviour) an unknown name raised."""
    from pydantic import ValidationError

    from logic.models import CurrentMedication

    with pytest.raises(ValidationError):
        CurrentMedication(drug="Blorpamine")  # the per-medicine model still refuses it
    assert PatientCase(**BASE, current_medications=[{"drug": "Blorpamine"}]).unchecked_medicines


# ---- Review texts come from the reviewed drug's own facts ---------------------------------------

_RELAXANTS = [
    "methocarbamol",
    "cyclobenzaprine",
    "carisoprodol",
    "metaxalone",
    "tizanidine",
    "baclofen",
    "chlorzoxazone",
    "orphenadrine",
]


@pytest.mark.parametrize("relaxant", _RELAXANTS)
def test_a_muscle_relaxant_review_names_only_its_own_drug(relaxant: str) -> None:
    (review,) = plan_of(tried=[{"drug": relaxant}]).tried_review
    others = [r for r in _RELAXANTS if r != relaxant]
    assert not [o for o in others if o.capitalize() in review.reason], review.reason
    assert relaxant.capitalize() in review.reason


def test_a_benzodiazepine_review_names_the_drug_given() -> None:
    (review,) = plan_of(tried=[{"drug": "lorazepam"}]).tried_review
    assert review.reason.startswith("Lorazepam is a benzodiazepine")


@pytest.mark.parametrize("crcl", [45.0, 67.0])
def test_the_reduced_tramadol_note_does_not_claim_a_low_crcl(crcl: float) -> None:
    plan = plan_of(age_years=70, crcl_ml_min=crcl)
    for order in plan.give_now:
        if order.generic == "tramadol":
            assert "CrCl below 30" not in order.note


def test_a_patient_on_amitriptyline_is_not_told_no_amitriptyline() -> None:
    on_it = plan_of(current_medications=[{"drug": "amitriptyline", "dose": 10}])
    assert "no-antidepressant-yet" not in _codes(on_it)
    assert "no-antidepressant-yet" in _codes(plan_of())


def test_a_sulfonamide_allergy_flags_celecoxib_and_nothing_else() -> None:
    """Celebrex label 4: contraindicated with a known sulfonamide hypersensitivity; naproxen is
    not a sulfonamide."""
    on_it = plan_of(allergies=["sulfonamide"], current_medications=[{"drug": "Celebrex"}])
    warning = next(w for w in on_it.warnings if w.code == "dose-limit-celecoxib")
    assert warning.rule_ids == ("dose-celecoxib-sulfonamide-allergy",)
    given = plan_of(allergies=["sulfonamide"], tried=[{"drug": "celecoxib", "dose": 200}])
    assert given.tried_review[0].reason.startswith("Harm may already have been done")
    assert "dose-limit-celecoxib" not in _codes(plan_of(current_medications=[{"drug": "Celebrex"}]))
    assert "dose-limit-naproxen" not in _codes(
        plan_of(allergies=["sulfonamide"], current_medications=[{"drug": "naproxen"}])
    )


def test_a_sulfonamide_allergy_travels_in_the_link_and_fhir() -> None:
    import datetime as dt

    from logic.formats.fhir.read import case_from_resources
    from logic.formats.fhir.write import case_resources
    from logic.formats.share import case_from_query, share_query

    case = PatientCase(**BASE, allergies=["sulfonamide"])
    assert case_from_query(share_query(case)).case == case
    today = dt.date(2026, 1, 1)
    back = case_from_resources(case_resources(case, today=today), today=today).case
    assert back is not None
    assert back.allergies == case.allergies
