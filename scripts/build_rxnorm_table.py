"""Write logic/data/rxnorm_cdc_medications.tsv and logic/data/cdc_condition_codes.tsv from the
CDC opioid CDS value sets.

The inputs are the copies in tests/data/cdc-opioid-cds/ (medication-valuesets.json: five
ValueSet resources; condition-valuesets.json: three; unmodified, from cqframework/opioid-cds-r4;
source and licence in its SOURCE.md).
Run after replacing that copy with a newer release:

    python scripts/build_rxnorm_table.py

tests/test_rxnorm.py fails when the shipped table is not what this script writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "cdc-opioid-cds" / "medication-valuesets.json"
TABLE = ROOT / "logic" / "data" / "rxnorm_cdc_medications.tsv"
CONDITION_SOURCE = ROOT / "tests" / "data" / "cdc-opioid-cds" / "condition-valuesets.json"
CONDITION_TABLE = ROOT / "logic" / "data" / "cdc_condition_codes.tsv"
SYSTEMS = {"http://snomed.info/sct": "snomed", "http://hl7.org/fhir/sid/icd-10-cm": "icd10cm"}
#: ValueSet.name -> the engine's finding its codes stand for.
CONDITION_KEYS = {
    "Opioid_Misuse_Disorders": "opioid_use_disorder",
    "Conditions_Documenting_Substance_Misuse": "substance_use_disorder",
    "Cdc_Malignant_Cancer_Conditions": "cancer_history",
}
CONDITION_HEADER = """\
# SNOMED CT and ICD-10-CM codes of three CDC opioid CDS condition value sets (CDC Opioid
# Prescribing Support Implementation Guide, FHIR R4): cqframework/opioid-cds-r4 commit b29bdcbf,
# bundles/opioid-cds-terminology-bundle.json, licence CC0 1.0. finding = the engine's key:
# opioid_use_disorder = Opioid_Misuse_Disorders, substance_use_disorder =
# Conditions_Documenting_Substance_Misuse less the codes also in Opioid_Misuse_Disorders (the
# engine's box is "other substance use disorder"), cancer_history =
# Cdc_Malignant_Cancer_Conditions.
# Written by scripts/build_rxnorm_table.py; do not edit by hand.
"""
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

#: ValueSet.name in the CDC bundle -> the short tag the table uses.
TAGS = {
    "Extended_Release_Opioid_With_Ambulatory_Misuse_Potential": "er_opioid",
    "Opioid_Analgesics_With_Ambulatory_Misuse_Potential": "opioid",
    "Benzodiazepine_Medications": "benzodiazepine",
    "Naloxone Medications": "naloxone",
    "Buprenorphine_And_Methadone_Medications": "moud",
}

HEADER = """\
# RxNorm codes of the CDC opioid CDS medication value sets (CDC Opioid Prescribing Support
# Implementation Guide, FHIR R4): cqframework/opioid-cds-r4 commit b29bdcbf,
# bundles/opioid-cds-terminology-bundle.json, licence CC0 1.0. RxNorm is published by the US
# National Library of Medicine. Tags: er_opioid = Extended_Release_Opioid_With_Ambulatory_Misuse_
# Potential, opioid = Opioid_Analgesics_With_Ambulatory_Misuse_Potential, benzodiazepine =
# Benzodiazepine_Medications, naloxone = Naloxone Medications, moud = Buprenorphine_And_Methadone_
# Medications. Written by scripts/build_rxnorm_table.py; do not edit by hand.
"""


def rows(bundle: dict) -> list[tuple[str, str, str]]:
    found: dict[str, tuple[str, set[str]]] = {}
    for entry in bundle["entry"]:
        valueset = entry["resource"]
        tag = TAGS[valueset["name"]]
        for item in valueset["expansion"]["contains"]:
            if item["system"] != RXNORM:
                continue
            _display, tags = found.setdefault(item["code"], (item.get("display", ""), set()))
            tags.add(tag)
    return [
        (code, display, ",".join(sorted(tags)))
        for code, (display, tags) in sorted(found.items(), key=lambda kv: int(kv[0]))
    ]


def table_text(bundle: dict) -> str:
    lines = [HEADER + "code\tdisplay\tvalue_sets"]
    lines += ["\t".join(row) for row in rows(bundle)]
    return "\n".join(lines) + "\n"


def condition_table_text(bundle: dict) -> str:
    rows: dict[tuple[str, str], set[str]] = {}
    for entry in bundle["entry"]:
        valueset = entry["resource"]
        key = CONDITION_KEYS[valueset["name"]]
        for item in valueset["expansion"]["contains"]:
            rows.setdefault((SYSTEMS[item["system"]], item["code"]), set()).add(key)
    for keys in rows.values():  # the form's box is "Other substance use disorder"
        if "opioid_use_disorder" in keys:
            keys.discard("substance_use_disorder")
    lines = [CONDITION_HEADER + "system\tcode\tfindings"]
    for (system, code), keys in sorted(rows.items()):
        lines.append(f"{system}\t{code}\t{','.join(sorted(keys))}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TABLE.write_text(table_text(json.loads(SOURCE.read_text())))
    CONDITION_TABLE.write_text(condition_table_text(json.loads(CONDITION_SOURCE.read_text())))
    print(f"wrote {TABLE.relative_to(ROOT)}, {CONDITION_TABLE.relative_to(ROOT)}", file=sys.stderr)
