"""Dose-limit table: each drug's label maximum (single dose, daily dose) for this patient.

One typed row per limit: the drug, the patient fact that brings it in (a renal band, dialysis,
age, cirrhosis, weight, breastfeeding, opioid-naive), the limit and its source. The limit for a
patient is the lowest that applies. A limit of 0 means the label (or the named guideline) says
not to use the drug at all for this patient.

Applied uniformly by logic.engine.med_checks: to regular doses (a daily dose above the limit is a
warning with the limit, never "continue"), to doses given this episode (a single dose above it
means harm may already have been done), and to the plan's own orders (the property tests prove
no order exceeds it).

Renal bands follow the labels' tables, with their gaps given to the lower band as in
logic/engine/renal.py (the gabapentin and pregabalin tables list 30-60 and 15-30: exactly 30 counts
as the lower band; below 15 is its own band).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from logic.drugs.catalogue import Formulation
from logic.models import Route


class Gate(StrEnum):
    """The patient fact that brings a limit in."""

    always = "always"
    crcl_80_or_less = "crcl_80_or_less"
    crcl_below_60 = "crcl_below_60"
    crcl_50_or_less = "crcl_50_or_less"
    crcl_30_or_less = "crcl_30_or_less"
    crcl_below_30 = "crcl_below_30"
    crcl_below_15 = "crcl_below_15"
    dialysis = "dialysis"
    age_65_plus = "age_65_plus"
    age_over_75 = "age_over_75"
    cirrhosis = "cirrhosis"
    child_pugh_b_or_c = "child_pugh_b_or_c"
    child_pugh_c = "child_pugh_c"
    age_over_60 = "age_over_60"
    breastfeeding = "breastfeeding"
    opioid_naive = "opioid_naive"
    opioid_naive_65_plus = "opioid_naive_65_plus"
    under_50_kg = "under_50_kg"
    sulfonamide_allergy = "sulfonamide_allergy"


class Patient(NamedTuple):
    """The facts the gates read, taken once from the case and its renal assessment."""

    age: int
    weight_kg: float
    crcl: float | None
    dialysis: bool
    cirrhosis: bool
    breastfeeding: bool
    opioid_tolerant: bool
    sulfonamide_allergy: bool = False
    #: Child-Pugh class as a rank: 0 none known, 1 A, 2 B, 3 C (cirrhosis with no class is 1).
    #: `cirrhosis` is true from rank 1 (logic.engine.med_checks.patient_of).
    hepatic_rank: int = 0


def _crcl(test: Callable[[float], bool]) -> Callable[[Patient], bool]:
    """A renal band by CrCl; haemodialysis has its own rows (the labels' dialysis lines)."""
    return lambda p: p.crcl is not None and test(p.crcl)


GATES: dict[Gate, Callable[[Patient], bool]] = {
    Gate.always: lambda p: True,
    # Baclofen's bands (50-80, 30-50, below 30): a shared edge counts as the lower band, as the
    # module docstring says for the gabapentinoid tables.
    Gate.crcl_80_or_less: _crcl(lambda c: c <= 80),
    Gate.crcl_below_60: _crcl(lambda c: c < 60),
    Gate.crcl_50_or_less: _crcl(lambda c: c <= 50),
    Gate.crcl_30_or_less: _crcl(lambda c: c <= 30),
    # The labels' "below 30" band, read as logic/engine/renal.py reads it (exactly 30 falls in the
    # 15-29 band, as rules.py's crcl_below_30 gate), dialysis included.
    Gate.crcl_below_30: lambda p: p.dialysis or (p.crcl is not None and p.crcl <= 30),
    Gate.crcl_below_15: _crcl(lambda c: c < 15),
    Gate.dialysis: lambda p: p.dialysis,
    Gate.age_65_plus: lambda p: p.age >= 65,
    Gate.age_over_75: lambda p: p.age > 75,
    Gate.cirrhosis: lambda p: p.cirrhosis,
    Gate.child_pugh_b_or_c: lambda p: p.hepatic_rank >= 2,
    Gate.child_pugh_c: lambda p: p.hepatic_rank >= 3,
    Gate.age_over_60: lambda p: p.age > 60,
    Gate.breastfeeding: lambda p: p.breastfeeding,
    Gate.opioid_naive: lambda p: not p.opioid_tolerant,
    Gate.opioid_naive_65_plus: lambda p: not p.opioid_tolerant and p.age >= 65,
    Gate.under_50_kg: lambda p: p.weight_kg < 50,
    Gate.sulfonamide_allergy: lambda p: p.sulfonamide_allergy,
}

#: How each gate reads in a message.
GATE_WORDS: dict[Gate, str] = {
    Gate.always: "label maximum",
    Gate.crcl_80_or_less: "CrCl 80 mL/min or less",
    Gate.crcl_below_60: "CrCl below 60 mL/min",
    Gate.crcl_50_or_less: "CrCl 50 mL/min or less",
    Gate.crcl_30_or_less: "CrCl 30 mL/min or less",
    Gate.crcl_below_30: "CrCl below 30 mL/min (30 read as that band) or dialysis",
    Gate.crcl_below_15: "CrCl below 15 mL/min",
    Gate.dialysis: "on haemodialysis",
    Gate.age_65_plus: "age 65 or over",
    Gate.age_over_75: "over 75",
    Gate.cirrhosis: "cirrhosis or liver disease (Child-Pugh A or worse)",
    Gate.child_pugh_b_or_c: "moderate or severe liver disease (Child-Pugh B or C)",
    Gate.child_pugh_c: "severe liver disease (Child-Pugh C)",
    Gate.age_over_60: "over 60",
    Gate.breastfeeding: "breastfeeding",
    Gate.opioid_naive: "not opioid tolerant",
    Gate.opioid_naive_65_plus: "not opioid tolerant, 65 or over",
    Gate.under_50_kg: "under 50 kg",
    Gate.sulfonamide_allergy: "sulfonamide allergy",
}


class DoseLimit(NamedTuple):
    id: str
    generic: str
    gate: Gate
    max_daily_mg: float | None = None
    max_single_mg: float | None = None
    #: Per-kg limits (acetaminophen under 50 kg), worked out from this patient's weight.
    max_daily_mg_per_kg: float | None = None
    max_single_mg_per_kg: float | None = None
    #: Only for this route / formulation (None: any).
    route: Route | None = None
    formulation: Formulation | None = None
    source: str = ""
    #: Added to the message (a supplement after dialysis, a dosing interval).
    note: str = ""

    def daily_for(self, weight_kg: float) -> float | None:
        if self.max_daily_mg_per_kg is not None:
            return self.max_daily_mg_per_kg * weight_kg
        return self.max_daily_mg

    def single_for(self, weight_kg: float) -> float | None:
        if self.max_single_mg_per_kg is not None:
            return self.max_single_mg_per_kg * weight_kg
        return self.max_single_mg


G = Gate
_LYRICA = "Lyrica (pregabalin) label, 2 Dosage and Administration: renal impairment table"
_NEURONTIN = "Neurontin (gabapentin) label, 2 Dosage and Administration, Table 1"
_ULTRAM = "Ultram (tramadol) label, 2 Dosage and Administration"
_BACLOFEN_RENAL = (
    "Baclofen labels, 2.3 Dosage in renal impairment (4/2024); Vlavonou R et al., J Clin "
    "Pharmacol (doi:10.1002/jcph.247)"
)
_FDA_2017 = "FDA Drug Safety Communication 20 Apr 2017 (codeine and tramadol: breastfeeding)"

DOSE_LIMITS: tuple[DoseLimit, ...] = (
    # Pregabalin: 150-600 mg/day at CrCl >= 60; 75-300 at 30-60; 25-150 at 15-30; 25-75 below 15;
    # on haemodialysis the daily dose by CrCl plus a supplement after each 4-hour session.
    DoseLimit("dose-pregabalin-max", "pregabalin", G.always, 600, source=_LYRICA),
    DoseLimit("dose-pregabalin-crcl-30-60", "pregabalin", G.crcl_below_60, 300, source=_LYRICA),
    DoseLimit("dose-pregabalin-crcl-15-30", "pregabalin", G.crcl_30_or_less, 150, source=_LYRICA),
    DoseLimit("dose-pregabalin-crcl-below-15", "pregabalin", G.crcl_below_15, 75, source=_LYRICA),
    DoseLimit(
        "dose-pregabalin-dialysis",
        "pregabalin",
        G.dialysis,
        75,
        source=_LYRICA,
        note="plus one supplementary dose after each haemodialysis session",
    ),
    # Gabapentin, label Table 1: 900-3600 mg/day at CrCl >= 60; 400-1400 at 30-59; 200-700 at
    # 15-29; 100-300 below 15; haemodialysis: the CrCl dose plus 125-350 mg after each 4 h.
    DoseLimit("dose-gabapentin-max", "gabapentin", G.always, 3600, source=_NEURONTIN),
    DoseLimit("dose-gabapentin-crcl-30-59", "gabapentin", G.crcl_below_60, 1400, source=_NEURONTIN),
    DoseLimit(
        "dose-gabapentin-crcl-15-29", "gabapentin", G.crcl_30_or_less, 700, source=_NEURONTIN
    ),
    DoseLimit(
        "dose-gabapentin-crcl-below-15", "gabapentin", G.crcl_below_15, 300, source=_NEURONTIN
    ),
    DoseLimit(
        "dose-gabapentin-dialysis",
        "gabapentin",
        G.dialysis,
        300,
        source=_NEURONTIN,
        note="plus a supplementary 125-350 mg after each 4 hours of haemodialysis",
    ),
    # Tramadol IR: 50-100 mg every 4-6 h, at most 400 mg/day; over 75 at most 300 mg/day;
    # CrCl below 30 every 12 h, at most 200 mg/day; cirrhosis 50 mg every 12 h.
    DoseLimit("dose-tramadol-max", "tramadol", G.always, 400, 100, source=_ULTRAM),
    DoseLimit("dose-tramadol-over-75", "tramadol", G.age_over_75, 300, source=_ULTRAM),
    DoseLimit(
        "dose-tramadol-crcl-below-30",
        "tramadol",
        G.crcl_below_30,
        200,
        source=_ULTRAM,
        note="every 12 hours",
    ),
    DoseLimit(
        "dose-tramadol-cirrhosis",
        "tramadol",
        G.cirrhosis,
        100,
        50,
        source=_ULTRAM,
        note="50 mg every 12 hours",
    ),
    DoseLimit("dose-tramadol-breastfeeding", "tramadol", G.breastfeeding, 0, 0, source=_FDA_2017),
    # Codeine: 15-60 mg every 4 h, at most 360 mg/day (codeine sulfate label); not while
    # breastfeeding (FDA 2017); metabolites accumulate in severe renal impairment.
    DoseLimit(
        "dose-codeine-max",
        "codeine",
        G.always,
        360,
        60,
        source="Codeine sulfate tablets label, 2 Dosage and Administration",
    ),
    DoseLimit("dose-codeine-breastfeeding", "codeine", G.breastfeeding, 0, 0, source=_FDA_2017),
    DoseLimit(
        "dose-codeine-crcl-below-30",
        "codeine",
        G.crcl_below_30,
        0,
        0,
        source="Dean M. J Pain Symptom Manage 2004;28:497-504 (codeine metabolites accumulate)",
    ),
    DoseLimit(
        "dose-morphine-crcl-below-30",
        "morphine",
        G.crcl_below_30,
        0,
        0,
        source="Dean M. J Pain Symptom Manage 2004;28:497-504 (morphine-6- and -3-glucuronide "
        "accumulate: sedation, respiratory depression)",
    ),
    # Acetaminophen: at most 1 g a dose and 4 g a day; under 50 kg 15 mg/kg a dose and
    # 75 mg/kg a day (Ofirmev label); cirrhosis 2 g a day (rules.py hepatic-acetaminophen).
    DoseLimit(
        "dose-acetaminophen-max",
        "acetaminophen",
        G.always,
        4000,
        1000,
        source="Tylenol and Ofirmev (acetaminophen) labels, Dosage and Administration",
    ),
    DoseLimit(
        "dose-acetaminophen-under-50-kg",
        "acetaminophen",
        G.under_50_kg,
        max_daily_mg_per_kg=75,
        max_single_mg_per_kg=15,
        source="Ofirmev (acetaminophen injection) label, 2 Dosage and Administration (under 50 kg)",
    ),
    DoseLimit(
        "dose-acetaminophen-cirrhosis",
        "acetaminophen",
        G.cirrhosis,
        2000,
        source="Hepatology guidance (2 g/day ceiling in cirrhosis), as rules.py "
        "hepatic-acetaminophen",
    ),
    # NSAIDs: label maxima.
    DoseLimit(
        "dose-ibuprofen-max",
        "ibuprofen",
        G.always,
        3200,
        800,
        source="Motrin (ibuprofen) Rx label, Dosage and Administration (not over 3200 mg/day)",
    ),
    DoseLimit(
        "dose-naproxen-max",
        "naproxen",
        G.always,
        1500,
        source="Naprosyn (naproxen) label, 2 Dosage and Administration (up to 1500 mg/day for "
        "limited periods)",
    ),
    DoseLimit(
        "dose-meloxicam-max",
        "meloxicam",
        G.always,
        15,
        source="Mobic (meloxicam) label, 2 Dosage and Administration (maximum 15 mg/day)",
    ),
    DoseLimit(
        "dose-celecoxib-max",
        "celecoxib",
        G.always,
        400,
        400,
        source="Celebrex (celecoxib) label, 2 Dosage and Administration (acute pain: 400 mg "
        "then 200 mg twice daily)",
    ),
    # Others.
    DoseLimit(
        "dose-celecoxib-sulfonamide-allergy",
        "celecoxib",
        G.sulfonamide_allergy,
        0,
        0,
        source="Celebrex (celecoxib) label, 4 Contraindications (known hypersensitivity to "
        "sulfonamides)",
    ),
    # Celebrex label, 2 Dosage and Administration (special populations) and 8.6: moderate
    # hepatic impairment (Child-Pugh B) reduce the daily dose by about 50%; severe (C) not
    # recommended (the label's wording checked on two secondary pages quoting it).
    DoseLimit(
        "dose-celecoxib-child-pugh-b",
        "celecoxib",
        G.child_pugh_b_or_c,
        200,
        200,
        source="Celebrex (celecoxib) label, 2 Dosage and Administration and 8.6 Hepatic "
        "impairment (Child-Pugh B: daily dose reduced by about 50%)",
        note="half the usual daily dose",
    ),
    DoseLimit(
        "dose-celecoxib-child-pugh-c",
        "celecoxib",
        G.child_pugh_c,
        0,
        0,
        source="Celebrex (celecoxib) label, 8.6 Hepatic impairment (Child-Pugh C: not recommended)",
    ),
    DoseLimit(
        "dose-duloxetine-max",
        "duloxetine",
        G.always,
        120,
        source="Cymbalta (duloxetine) label, 2 Dosage and Administration (maximum 120 mg/day)",
    ),
    DoseLimit(
        "dose-duloxetine-hepatic",
        "duloxetine",
        G.cirrhosis,
        0,
        0,
        source="Cymbalta (duloxetine) label, 5.2 Hepatotoxicity and 8.9 Hepatic insufficiency "
        "(avoid in chronic liver disease or cirrhosis)",
    ),
    DoseLimit(
        "dose-cyclobenzaprine-max",
        "cyclobenzaprine",
        G.always,
        30,
        source="Flexeril (cyclobenzaprine) label, Dosage and Administration (5-10 mg three "
        "times a day)",
    ),
    DoseLimit(
        "dose-cyclobenzaprine-cirrhosis",
        "cyclobenzaprine",
        G.cirrhosis,
        15,
        5,
        source="Flexeril (cyclobenzaprine) label, Use in hepatic impairment (mild: 5 mg, less "
        "often; moderate or severe: not recommended)",
    ),
    DoseLimit(
        "dose-cyclobenzaprine-child-pugh-b",
        "cyclobenzaprine",
        G.child_pugh_b_or_c,
        0,
        0,
        source="Flexeril (cyclobenzaprine) label, Use in hepatic impairment (moderate or severe: "
        "not recommended)",
    ),
    DoseLimit(
        "dose-tizanidine-max",
        "tizanidine",
        G.always,
        36,
        16,
        source="Zanaflex (tizanidine) label, 2 Dosage and Administration (not over 36 mg/day; "
        "single doses above 16 mg not studied)",
    ),
    # Zanaflex label 8.7: not studied in hepatic impairment; extensively metabolised by the
    # liver, so ordinarily avoided or used with extreme caution (5.2: liver injury). The 8.7
    # wording was read on secondary pages quoting the label, not the label itself. Methocarbamol
    # has no row: its label reports a longer half-life in cirrhosis (3.4 h against 1.1 h) but
    # gives no hepatic dose to check against.
    DoseLimit(
        "dose-tizanidine-hepatic",
        "tizanidine",
        G.cirrhosis,
        0,
        0,
        source="Zanaflex (tizanidine) label, 8.7 Hepatic impairment (ordinarily avoid, or use "
        "with extreme caution) and 5.2 Liver injury",
    ),
    DoseLimit(
        "dose-meperidine-65-plus",
        "meperidine",
        G.age_65_plus,
        0,
        0,
        source="AGS Beers Criteria 2023 (meperidine: avoid; neurotoxic normeperidine)",
    ),
    # ---- Rows added for issue 20 (the catalogue's pain medicines with no row before) ----------
    # Baclofen: at most 20 mg four times a day, 80 mg/day (Lioresal tablets label, Dosage and
    # Administration). Renal: mostly excreted unchanged; the 2024 baclofen labels (2.3, renal
    # impairment, revised 4/2024) reduce the dose by a third at CrCl 50-80, by half at 30-50 and
    # by two-thirds below 30, the reductions Vlavonou R et al. derived from pharmacokinetics
    # (J Clin Pharmacol, doi:10.1002/jcph.247). Applied here to the 80 mg ceiling (53.3, 40 and
    # 26.7 mg/day). The label's wording for these bands was not retrieved in full here (the
    # search tool showed only that section 2.3 changed in 4/2024): the fractions rest on that
    # study's abstract.
    # Haemodialysis: not to be used here; encephalopathy at 5-20 mg/day in dialysis patients is
    # the pattern of the published case series (not confirmed from the label text).
    DoseLimit(
        "dose-baclofen-max",
        "baclofen",
        G.always,
        80,
        20,
        source="Lioresal (baclofen) tablets label, Dosage and Administration (not over 80 mg "
        "a day, 20 mg four times a day)",
    ),
    DoseLimit(
        "dose-baclofen-crcl-50-80",
        "baclofen",
        G.crcl_80_or_less,
        80 * 2 / 3,
        source=_BACLOFEN_RENAL,
        note="the dose reduced by one third",
    ),
    DoseLimit(
        "dose-baclofen-crcl-30-50",
        "baclofen",
        G.crcl_50_or_less,
        40,
        source=_BACLOFEN_RENAL,
        note="the dose reduced by half",
    ),
    DoseLimit(
        "dose-baclofen-crcl-below-30",
        "baclofen",
        G.crcl_below_30,
        80 / 3,
        source=_BACLOFEN_RENAL,
        note="the dose reduced by two thirds",
    ),
    DoseLimit(
        "dose-baclofen-dialysis",
        "baclofen",
        G.dialysis,
        0,
        0,
        source="Baclofen labels, 2.3 renal impairment (4/2024) and published case series of "
        "baclofen encephalopathy on dialysis (not confirmed from the label text here)",
    ),
    # Diclofenac (oral): pain 50 mg three times a day, or 100 mg first then 50 mg; up to 200 mg
    # a day (rheumatoid arthritis, or the first day), after that generally not over 150 mg
    # (Cataflam label, Dosage and Administration; the 200 mg/day maximum recommended dose is
    # confirmed by a secondary page quoting the label, not the label itself).
    DoseLimit(
        "dose-diclofenac-max",
        "diclofenac",
        G.always,
        200,
        100,
        source="Cataflam (diclofenac potassium) label, Dosage and Administration (up to "
        "200 mg a day; a first dose of 100 mg)",
        note="after the first day usually no more than 150 mg a day for pain",
    ),
    DoseLimit(
        "dose-indomethacin-max",
        "indomethacin",
        G.always,
        200,
        source="Indocin (indomethacin) label, Dosage and Administration (not over 200 mg a day)",
    ),
    # Muscle relaxants, label maxima (the search tool confirmed each from secondary pages
    # quoting the label: methocarbamol up to 8 g a day for the first 48-72 hours; metaxalone
    # 800 mg three to four times a day; chlorzoxazone 250-750 mg three or four times a day).
    DoseLimit(
        "dose-methocarbamol-max",
        "methocarbamol",
        G.always,
        8000,
        source="Robaxin (methocarbamol) label, Dosage and Administration (6 g a day for 48-72 "
        "hours, 8 g in severe cases; then about 4 g a day)",
    ),
    DoseLimit(
        "dose-metaxalone-max",
        "metaxalone",
        G.always,
        3200,
        800,
        source="Skelaxin (metaxalone) label, Dosage and Administration (800 mg three to four "
        "times a day)",
    ),
    DoseLimit(
        "dose-carisoprodol-max",
        "carisoprodol",
        G.always,
        1400,
        350,
        source="Soma (carisoprodol) label, 2 Dosage and Administration (250-350 mg three times "
        "a day and at bedtime, for up to 2-3 weeks)",
    ),
    DoseLimit(
        "dose-chlorzoxazone-max",
        "chlorzoxazone",
        G.always,
        3000,
        750,
        source="Parafon Forte (chlorzoxazone) label, Dosage and Administration (250-750 mg "
        "three or four times a day)",
    ),
    DoseLimit(
        "dose-orphenadrine-max",
        "orphenadrine",
        G.always,
        200,
        100,
        source="Norflex (orphenadrine citrate ER 100 mg) label, Dosage and Administration "
        "(one tablet morning and evening); not checked against a stored label here",
    ),
    # Tapentadol: IR 50-100 mg every 4-6 h, not over 600 mg a day after the first day (700 on
    # day 1); ER not over 500 mg a day; severe renal impairment: not recommended; moderate
    # hepatic impairment 50 mg no more often than every 8 hours (Nucynta and Nucynta ER labels;
    # the 600 and 500 mg ceilings confirmed on drugs.com's copy of the labels).
    DoseLimit(
        "dose-tapentadol-max",
        "tapentadol",
        G.always,
        600,
        100,
        source="Nucynta (tapentadol) label, 2 Dosage and Administration (not over 600 mg a day "
        "after day 1)",
    ),
    DoseLimit(
        "dose-tapentadol-er",
        "tapentadol",
        G.always,
        500,
        formulation=Formulation.er,
        source="Nucynta ER label, 2 Dosage and Administration (not over 500 mg a day)",
    ),
    DoseLimit(
        "dose-tapentadol-crcl-below-30",
        "tapentadol",
        G.crcl_below_30,
        0,
        0,
        source="Nucynta label, 8.6 Renal impairment (severe: not recommended)",
    ),
    DoseLimit(
        "dose-tapentadol-cirrhosis",
        "tapentadol",
        G.cirrhosis,
        150,
        50,
        source="Nucynta label, 8.7 Hepatic impairment (moderate: 50 mg no more often than "
        "every 8 hours; severe: not recommended)",
        note="the moderate-impairment dose, 50 mg every 8 hours at most",
    ),
    DoseLimit(
        "dose-tapentadol-child-pugh-c",
        "tapentadol",
        G.child_pugh_c,
        0,
        0,
        source="Nucynta label, 8.7 Hepatic impairment (severe: not recommended)",
    ),
    # Antidepressants used for pain.
    DoseLimit(
        "dose-amitriptyline-max",
        "amitriptyline",
        G.always,
        150,
        source="Amitriptyline label, Dosage and Administration (outpatients up to 150 mg a "
        "day); NICE CG173 / BNF: 75 mg a day for neuropathic pain without specialist advice",
    ),
    DoseLimit(
        "dose-nortriptyline-max",
        "nortriptyline",
        G.always,
        150,
        source="Pamelor (nortriptyline) label, Dosage and Administration (doses above 150 mg a "
        "day are not recommended)",
    ),
    DoseLimit(
        "dose-venlafaxine-max",
        "venlafaxine",
        G.always,
        375,
        source="Effexor (venlafaxine) label, Dosage and Administration (outpatients 225 mg a "
        "day; severely depressed inpatients up to 375 mg; Effexor XR not over 225 mg)",
        note="outpatients usually no more than 225 mg a day",
    ),
    DoseLimit(
        "dose-milnacipran-max",
        "milnacipran",
        G.always,
        200,
        100,
        source="Savella (milnacipran) label, 2 Dosage and Administration (up to 100 mg twice a "
        "day; higher doses not studied)",
    ),
    DoseLimit(
        "dose-milnacipran-crcl-below-30",
        "milnacipran",
        G.crcl_below_30,
        100,
        source="Savella label, 2 Dosage and Administration (severe renal impairment, CrCl "
        "5-29: maintenance 50 mg a day, up to 100 mg)",
    ),
    DoseLimit(
        "dose-milnacipran-dialysis",
        "milnacipran",
        G.dialysis,
        0,
        0,
        source="Savella label (end-stage renal disease: not recommended)",
    ),
    # Citalopram and escitalopram: dose-dependent QT prolongation. Citalopram at most 40 mg a
    # day, 20 mg over 60 or with hepatic impairment (FDA Drug Safety Communication, Aug 2011 and
    # Mar 2012; Celexa label 2); escitalopram at most 20 mg, 10 mg in older people or with
    # hepatic impairment (Lexapro label 2; MHRA Drug Safety Update Dec 2011: over 65, 10 mg).
    DoseLimit(
        "dose-citalopram-max",
        "citalopram",
        G.always,
        40,
        source="Celexa (citalopram) label, 2 Dosage and Administration; FDA Drug Safety "
        "Communication 24 Aug 2011 (QT prolongation: not above 40 mg a day)",
    ),
    DoseLimit(
        "dose-citalopram-over-60",
        "citalopram",
        G.age_over_60,
        20,
        source="Celexa (citalopram) label, 2 Dosage and Administration; FDA Drug Safety "
        "Communication 28 Mar 2012 (over 60: at most 20 mg a day)",
    ),
    DoseLimit(
        "dose-citalopram-hepatic",
        "citalopram",
        G.cirrhosis,
        20,
        source="Celexa (citalopram) label, 2 Dosage and Administration (hepatic impairment: at "
        "most 20 mg a day)",
    ),
    DoseLimit(
        "dose-escitalopram-max",
        "escitalopram",
        G.always,
        20,
        source="Lexapro (escitalopram) label, 2 Dosage and Administration (at most 20 mg a day)",
    ),
    DoseLimit(
        "dose-escitalopram-65-plus",
        "escitalopram",
        G.age_65_plus,
        10,
        source="Lexapro (escitalopram) label, 2 Dosage and Administration (elderly: 10 mg a "
        "day); MHRA Drug Safety Update Dec 2011 (over 65: at most 10 mg a day)",
    ),
    DoseLimit(
        "dose-escitalopram-hepatic",
        "escitalopram",
        G.cirrhosis,
        10,
        source="Lexapro (escitalopram) label, 2 Dosage and Administration (hepatic impairment: "
        "10 mg a day)",
    ),
    # Opioid-naive patients.
    DoseLimit(
        "dose-hydromorphone-iv-naive",
        "hydromorphone",
        G.opioid_naive,
        max_single_mg=1,
        route=Route.iv,
        source="Dilaudid (hydromorphone) injection label, 2 Dosage and Administration "
        "(opioid-naive: 0.2-1 mg IV every 2-3 hours)",
    ),
    DoseLimit(
        "dose-hydromorphone-iv-naive-65-plus",
        "hydromorphone",
        G.opioid_naive_65_plus,
        max_single_mg=0.5,
        route=Route.iv,
        source="Dilaudid injection label (older patients: start at the low end of 0.2-1 mg); "
        "this plan's own older-adult row, 0.2-0.5 mg IV",
    ),
    DoseLimit(
        "dose-fentanyl-patch-naive",
        "fentanyl",
        G.opioid_naive,
        0,
        0,
        formulation=Formulation.patch,
        source="Duragesic (fentanyl transdermal) label, 4 Contraindications (opioid "
        "non-tolerant patients)",
    ),
)

_BY_ID = {row.id: row for row in DOSE_LIMITS}
assert len(_BY_ID) == len(DOSE_LIMITS), "dose-limit ids must be unique"
_BY_DRUG: dict[str, tuple[DoseLimit, ...]] = {}
for _row in DOSE_LIMITS:
    _BY_DRUG[_row.generic] = (*_BY_DRUG.get(_row.generic, ()), _row)


#: The drugs the table limits (a drug not here has no row to check).
LIMITED: frozenset[str] = frozenset(_BY_DRUG)


def known_ids() -> frozenset[str]:
    """Every row id (for the meta-test that each row has its own test)."""
    return frozenset(_BY_ID)


def row(row_id: str) -> DoseLimit:
    return _BY_ID[row_id]


class Limit(NamedTuple):
    """This patient's limit for one drug: the lowest daily and single dose that apply, each
    with the row that set it."""

    daily_mg: float | None
    daily_row: DoseLimit | None
    single_mg: float | None
    single_row: DoseLimit | None


def limit_for(
    generic: str,
    patient: Patient,
    route: Route | None = None,
    formulation: Formulation | None = None,
) -> Limit | None:
    """The lowest limits that apply to this drug for this patient, or None when no row does."""
    if generic not in _BY_DRUG:
        return None
    weight = patient.weight_kg if generic in PER_KG else 0.0
    return _limit(generic, gates_of(patient), weight, route, formulation)


def limit_of(
    generic: str,
    gates: frozenset[Gate],
    weight_kg: float,
    route: Route | None = None,
    formulation: Formulation | None = None,
) -> Limit | None:
    """`limit_for` from the gates that hold (and the weight, for a per-kg drug)."""
    if generic not in _BY_DRUG:
        return None
    return _limit(generic, gates, weight_kg, route, formulation)


#: Drugs with a per-kg row: only their limits depend on the weight itself.
PER_KG = frozenset(
    r.generic
    for r in DOSE_LIMITS
    if r.max_daily_mg_per_kg is not None or r.max_single_mg_per_kg is not None
)


@lru_cache(maxsize=4096)
def gates_of(patient: Patient) -> frozenset[Gate]:
    """The gates that hold for this patient (worked out once per patient)."""
    return frozenset(g for g, holds in GATES.items() if holds(patient))


@lru_cache(maxsize=4096)
def _limit(
    generic: str,
    gates: frozenset[Gate],
    weight_kg: float,
    route: Route | None,
    formulation: Formulation | None,
) -> Limit | None:
    daily: tuple[float, DoseLimit] | None = None
    single: tuple[float, DoseLimit] | None = None
    for r in _BY_DRUG[generic]:
        if r.route is not None and route is not r.route:
            continue
        if r.formulation is not None and formulation is not r.formulation:
            continue
        if r.formulation is None and formulation is Formulation.patch:
            continue  # an oral or IV limit says nothing about a patch rate
        if r.gate not in gates:
            continue
        d, s = r.daily_for(weight_kg), r.single_for(weight_kg)
        if d is not None and (daily is None or d < daily[0]):
            daily = (d, r)
        if s is not None and (single is None or s < single[0]):
            single = (s, r)
    if daily is None and single is None:
        return None
    return Limit(
        daily[0] if daily else None,
        daily[1] if daily else None,
        single[0] if single else None,
        single[1] if single else None,
    )


def why(r: DoseLimit) -> str:
    """'CrCl 30 mL/min or less' plus the row's note, for messages."""
    words = GATE_WORDS[r.gate]
    return f"{words}; {r.note}" if r.note else words
