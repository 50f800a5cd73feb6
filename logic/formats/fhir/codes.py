"""The FHIR codes the engine reads and writes: one typed table, read by fhir.read and fhir.write.

Sources:
* LOINC (loinc.org): body weight 29463-7, body height 8302-2, creatinine in serum or plasma
  2160-0 (mass/volume, mg/dL) and 14682-9 (moles/volume, µmol/L), pain severity 0-10 verbal
  numeric rating 72514-3, eGFR 33914-3 (MDRD), 62238-1 (CKD-EPI 2009), 98979-8 (CKD-EPI 2021),
  measured creatinine clearance 2164-2, creatinine clearance predicted by Cockcroft-Gault
  35591-7, age 30525-0, pregnancy status 82810-3, gestational age in weeks 49051-6.
* SNOMED CT (International Edition) for the findings and disorders a clinical record usually
  carries, and for routes of administration (the FHIR R4 SNOMED route value set examples).
* Anything SNOMED or LOINC does not name as the engine needs it (a red flag such as "bilateral
  sciatica", "tolerates an opioid", the relief a dose gave) uses this project's own code system,
  `CASE_SYSTEM`, whose codes are exactly the engine's enum values. A record coded only in the
  standard systems is read through the SNOMED column; the export writes both.
* UCUM for units: kg, [lb_av], g, cm, [in_i], m, mg/dL, umol/L, mL/min, mL/min/{1.73_m2}, wk, d,
  mo, a, mg, ug, ug/h.
"""

from __future__ import annotations

from typing import Final

from logic.engine.units import CM_PER_INCH, KG_PER_LB

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
CASE_SYSTEM: Final = "https://refractory-back-pain.example.org/fhir/CodeSystem/case"
"""This project's code system: codes are the engine's enum and field names."""
EXT_BASE: Final = "https://refractory-back-pain.example.org/fhir/StructureDefinition/"
EXT_RELIEF: Final = EXT_BASE + "relief"  # valueCode: none | minimal | partial
EXT_DOSES_GIVEN: Final = EXT_BASE + "doses-given"  # valueInteger: doses this record stands for
EXT_FORMULATION: Final = EXT_BASE + "formulation"  # valueCode: ir | er | patch
EXT_WEEKS: Final = EXT_BASE + "weeks-taken"  # valueDecimal: weeks the medicine has been taken
EXT_DOSES_PER_DAY: Final = EXT_BASE + "doses-per-day"  # valueDecimal: exact doses a day
#: valueCodeableConcept: the route of a dose given in an unknown amount. FHIR R4 invariant mad-1
#: ("SHALL have at least one of dosage.dose or dosage.rate[x]") allows no dosage holding only a
#: route, so the route of such a dose travels here instead.
EXT_ROUTE: Final = EXT_BASE + "route-of-unknown-dose"
V3_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# Observations (LOINC)
WEIGHT: Final = "29463-7"
HEIGHT: Final = "8302-2"
CREATININE_MASS: Final = "2160-0"
CREATININE_MOLAR: Final = "14682-9"
#: Creatinine [Mass/volume] in Blood (LOINC 38483-4): what Synthea and many EHRs send.
CREATININE_BLOOD: Final = "38483-4"
PAIN_SCORE: Final = "72514-3"
EGFR_CODES: Final = ("33914-3", "62238-1", "98979-8")
CRCL_MEASURED: Final = "2164-2"
CRCL_COCKCROFT_GAULT: Final = "35591-7"
AGE: Final = "30525-0"
PREGNANCY_STATUS: Final = "82810-3"
GESTATIONAL_AGE_WEEKS: Final = "49051-6"

# Own codes for observations without a LOINC that fits.
PAIN_DURATION: Final = "pain_duration_weeks"
MME_PER_DAY: Final = "mme_per_day"

#: SNOMED CT concepts read as the engine's findings (enum value -> SNOMED codes). Only concepts
#: whose meaning matches the engine's finding without a judgement call are listed; the rest are
#: recognised through CASE_SYSTEM only.
SNOMED_FINDINGS: Final[dict[str, tuple[str, ...]]] = {
    # red flags
    "urinary_retention": ("267064002",),  # Retention of urine
    "fecal_incontinence": ("72042002",),  # Incontinence of feces
    "fever": ("386661006",),  # Fever
    "immunosuppression": ("38013005",),  # Immunosuppression
    "cancer_history": ("363346000",),  # Malignant neoplastic disease
    "unexplained_weight_loss": ("448765001",),  # Unintentional weight loss
    "osteoporosis_or_chronic_steroids": ("64859006",),  # Osteoporosis
    # conditions
    "ckd": ("709044004",),  # Chronic kidney disease
    "gi_bleed_history": ("74474003",),  # Gastrointestinal hemorrhage
    "peptic_ulcer": ("13200003",),  # Peptic ulcer
    "heart_failure": ("84114007",),  # Heart failure
    "cirrhosis": ("19943007",),  # Cirrhosis of liver
    "sleep_apnea": ("73430006", "78275009"),  # Sleep apnea; Obstructive sleep apnea
    "copd": ("13645005",),  # Chronic obstructive lung disease
    "opioid_use_disorder": ("75544000",),  # Opioid dependence
    "seizure_disorder": ("84757009",),  # Epilepsy
    "glaucoma": ("23986001",),  # Glaucoma
    # Long QT syndrome; Prolonged QT interval (SNOMED CT International concept ids, from
    # memory: not checked against a SNOMED browser here).
    "qt_prolongation": ("9651007", "111975006"),
    # case flags
    "radicular": ("23056005",),  # Sciatica
    "pregnant": ("77386006",),  # Pregnant
    "on_hemodialysis": ("302497006",),  # Hemodialysis
    "frail": ("248279007",),  # Frailty (finding)
}

#: SNOMED CT descendants of the concepts above that EHRs record instead of the parent (codes
#: and terms from SNOMED CT International, as Synthea R4 records them; tests/data/synthea), each
#: read as its parent's finding. A diagnosis that names a red-flag syndrome is read as its
#: defining red flags, and said (see logic.formats.fhir.read): cauda equina syndrome is saddle
#: anaesthesia with urinary retention (NICE NG59 and GIRFT 2023 suspected-CES pathway).
SNOMED_DESCENDANTS: Final[dict[str, tuple[str, ...]]] = {
    "ckd": (
        "431855005",  # Chronic kidney disease stage 1
        "431856006",  # Chronic kidney disease stage 2
        "433144002",  # Chronic kidney disease stage 3
        "700378005",  # Chronic kidney disease stage 3A
        "700379002",  # Chronic kidney disease stage 3B
        "431857002",  # Chronic kidney disease stage 4
        "433146000",  # Chronic kidney disease stage 5
        "46177005",  # End-stage renal disease
    ),
    "heart_failure": ("88805009",),  # Chronic congestive heart failure
    "copd": ("87433001", "185086009"),  # Pulmonary emphysema; Chronic obstructive bronchitis
    "seizure_disorder": ("128613002",),  # Seizure disorder
    "osteoporosis_or_chronic_steroids": ("443165006",),  # Pathological fracture d/t osteoporosis
    "prior_overdose": ("55680006",),  # Drug overdose
    "heavy_alcohol_use": ("7200002",),  # Alcoholism
    "pregnant": ("72892002",),  # Normal pregnancy
    "saddle_anesthesia": ("192970008",),  # Cauda equina syndrome
    "urinary_retention": ("192970008",),  # Cauda equina syndrome
}
#: Diagnoses read as their defining red flags (the reader names them in a note).
SYNDROMES: Final[dict[str, str]] = {
    "192970008": "cauda equina syndrome",
    "G834": "cauda equina syndrome",
}

ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
#: ICD-10-CM code prefixes (dots removed) -> the engine's findings, from the ICD-10-CM tabular
#: list (CDC/NCHS, FY2025). A prefix covers its subcodes (N18 covers N18.4). Opioid use
#: disorder, substance misuse and cancer come from the CDC value sets (logic/data/
#: cdc_condition_codes.tsv) instead.
ICD10_PREFIXES: Final[dict[str, tuple[str, ...]]] = {
    "ckd": ("N18",),  # Chronic kidney disease (N18.1-N18.9, N18.6 end stage)
    "on_hemodialysis": ("Z992",),  # Dependence on renal dialysis
    "heart_failure": ("I50",),  # Heart failure
    "copd": ("J43", "J44"),  # Emphysema; other chronic obstructive pulmonary disease
    "cirrhosis": ("K703", "K746"),  # Alcoholic cirrhosis; other and unspecified cirrhosis
    "gi_bleed_history": ("K920", "K921", "K922"),  # Haematemesis; melaena; GI haemorrhage
    "peptic_ulcer": ("K25", "K26", "K27", "K28"),  # Gastric, duodenal, peptic, gastrojejunal
    "sleep_apnea": ("G473",),  # Sleep apnoea
    "seizure_disorder": ("G40",),  # Epilepsy and recurrent seizures
    "glaucoma": ("H40",),  # Glaucoma
    "qt_prolongation": ("I4581",),  # Long QT syndrome
    "osteoporosis_or_chronic_steroids": ("M80", "M81"),  # Osteoporosis (with/without fracture)
    "urinary_retention": ("R33", "G834"),  # Retention of urine; cauda equina syndrome
    "saddle_anesthesia": ("G834",),  # Cauda equina syndrome
    "fecal_incontinence": ("R15",),  # Faecal incontinence
    "fever": ("R50",),  # Fever of other and unknown origin
    "immunosuppression": ("D84",),  # Other immunodeficiencies
    "unexplained_weight_loss": ("R634",),  # Abnormal weight loss
    "cancer_history": ("Z85",),  # Personal history of malignant neoplasm
    "radicular": ("M543", "M544", "M5416", "M5417"),  # Sciatica; lumbar/lumbosacral radiculopathy
    "pregnant": ("Z331",),  # Pregnant state, incidental
    "frail": ("R54",),  # Age-related physical debility (frailty)
}
#: ICD-10-CM opioid poisoning (T40.0-T40.4, T40.6: opium, heroin, other opioids, methadone,
#: synthetic narcotics incl. fentanyl T40.41-, other narcotics): an overdose only when the 6th
#: character is 1-4 (accidental, self-harm, assault, undetermined); 5 is an adverse effect and 6
#: underdosing (ICD-10-CM tabular list, T36-T50 instructions). Dots removed.
ICD10_OPIOID_POISONING: Final = r"^T40(?:[0-3]X|4[1-9X]|6[09])[1-4]"

#: Routes (SNOMED CT route of administration) <-> the engine's Route values.
SNOMED_ROUTES: Final[dict[str, str]] = {
    "26643006": "po",  # Oral route
    "47625008": "iv",  # Intravenous route
    "78421000": "im",  # Intramuscular route
    "34206005": "sc",  # Subcutaneous route
    "6064005": "topical",  # Topical route
    "45890007": "transdermal",  # Transdermal route
    "46713006": "intranasal",  # Nasal route
}
ROUTE_SNOMED: Final[dict[str, str]] = {v: k for k, v in SNOMED_ROUTES.items()}
ROUTE_DISPLAY: Final[dict[str, str]] = {
    "po": "Oral route",
    "iv": "Intravenous route",
    "im": "Intramuscular route",
    "sc": "Subcutaneous route",
    "topical": "Topical route",
    "transdermal": "Transdermal route",
    "intranasal": "Nasal route",
}
#: Words an EHR may put in route text or a local code.
ROUTE_WORDS: Final[dict[str, str]] = {
    "oral": "po",
    "by mouth": "po",
    "po": "po",
    "intravenous": "iv",
    "iv": "iv",
    "intramuscular": "im",
    "im": "im",
    "subcutaneous": "sc",
    "sc": "sc",
    "sq": "sc",
    "topical": "topical",
    "transdermal": "transdermal",
    "nasal": "intranasal",
    "intranasal": "intranasal",
}

#: Units a quantity may arrive in, as (UCUM code or printed unit) -> factor to the base unit.
WEIGHT_UNITS: Final[dict[str, float]] = {"kg": 1.0, "[lb_av]": KG_PER_LB, "lb": KG_PER_LB}
WEIGHT_UNITS_DIVIDE: Final[dict[str, float]] = {"g": 1000.0}
HEIGHT_UNITS: Final[dict[str, float]] = {
    "cm": 1.0,
    "[in_i]": CM_PER_INCH,
    "in": CM_PER_INCH,
    "m": 100.0,
}
DURATION_WEEKS: Final[dict[str, float]] = {"wk": 1.0, "week": 1.0, "weeks": 1.0}
DURATION_DAYS: Final[dict[str, float]] = {"d": 7.0, "day": 7.0, "days": 7.0}
