"""Opioids: morphine milligram equivalents (MME) first; dosing tables follow below.

MME puts different opioids on one scale so that total daily exposure can be compared with the
CDC 2022 thresholds (pause and reassess at ≥50 MME/day). It estimates exposure only: it must not
be used to convert one opioid into another (incomplete cross-tolerance, CDC 2022 table notes).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

# ---------------------------------------------------------------------------------------------
# MME (self-contained)

MME_TABLE_VERSION = "CDC 2022 (Dowell et al., MMWR Recomm Rep 2022;71(RR-3), Table)"

DoseUnit = Literal["mg", "mcg", "mcg/h"]


class MmeFactor(NamedTuple):
    """One row of the CDC 2022 conversion table: multiply the daily dose by `factor`."""

    drug: str
    factor: float
    unit: DoseUnit
    note: str = ""


# Dowell D et al. CDC Clinical Practice Guideline for Prescribing Opioids for Pain, 2022.
# MMWR Recomm Rep 2022;71(RR-3), MME conversion table (p. 42). Oral unless stated.
MME_FACTORS: tuple[MmeFactor, ...] = (
    MmeFactor("codeine", 0.15, "mg"),  # CDC 2022
    # CDC 2022: transdermal fentanyl factor applies to the patch rate in mcg/h.
    MmeFactor("fentanyl_transdermal", 2.4, "mcg/h", "patch rate; heat increases absorption"),
    # Not in the CDC 2022 table: CDC analytic MME file (2014/2017), "for analytic purposes only".
    MmeFactor("fentanyl_buccal", 0.13, "mcg"),  # buccal/sublingual tablets, lozenges
    MmeFactor("hydrocodone", 1.0, "mg"),  # CDC 2022
    MmeFactor("hydromorphone", 5.0, "mg"),  # CDC 2022 (older CMS files: 4)
    # CDC 2022: one methadone factor at all doses (older tables were tiered 4/8/10/12).
    MmeFactor("methadone", 4.7, "mg", "long, variable half-life; late respiratory depression"),
    MmeFactor("morphine", 1.0, "mg"),  # CDC 2022 (reference)
    MmeFactor("oxycodone", 1.5, "mg"),  # CDC 2022
    MmeFactor("oxymorphone", 3.0, "mg"),  # CDC 2022
    MmeFactor("tapentadol", 0.4, "mg"),  # CDC 2022
    MmeFactor("tramadol", 0.2, "mg"),  # CDC 2022 (older CMS files: 0.1)
)
MME_BY_DRUG: dict[str, MmeFactor] = {row.drug: row for row in MME_FACTORS}

# CDC 2022 table footnote: buprenorphine is excluded (partial agonist with a ceiling effect).
MME_EXCLUDED: dict[str, str] = {
    "buprenorphine": (
        "buprenorphine has no MME factor: CDC 2022 excludes it because it is a partial agonist "
        "with a ceiling effect on respiratory depression; do not add it to an MME total"
    ),
}


class UnknownOpioidError(ValueError):
    """The drug name is not in the MME table."""


def mme_factor(drug: str) -> MmeFactor:
    """The CDC 2022 row for a drug name (case and spaces forgiven)."""
    key = drug.strip().lower().replace(" ", "_").replace("-", "_")
    if key in MME_EXCLUDED:
        raise ValueError(MME_EXCLUDED[key])
    try:
        return MME_BY_DRUG[key]
    except KeyError:
        known = ", ".join(MME_BY_DRUG)
        raise UnknownOpioidError(f"no MME factor for '{drug}'; known: {known}") from None


def daily_mme(drug: str, dose: float, doses_per_day: float) -> float:
    """MME/day = dose × doses per day × CDC 2022 factor, unrounded.

    Dose is in mg, except fentanyl_buccal (mcg) and fentanyl_transdermal (mcg/h: a rate, so
    doses_per_day must be 1 — one patch worn continuously).
    """
    row = mme_factor(drug)
    if not dose > 0:
        raise ValueError(f"dose must be positive ({row.unit})")
    if not doses_per_day > 0:
        raise ValueError("doses per day must be positive")
    if row.unit == "mcg/h" and doses_per_day != 1:
        raise ValueError(
            "transdermal fentanyl is a rate in mcg/h: enter the patch strength with 1 dose per day"
        )
    return dose * doses_per_day * row.factor
