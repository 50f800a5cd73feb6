"""Morphine milligram equivalents with the CDC 2022 table."""

from __future__ import annotations

import pytest

from logic.drugs.opioids import (
    MME_BY_DRUG,
    MME_TABLE_VERSION,
    UnknownOpioidError,
    daily_mme,
)

# Dowell et al. MMWR Recomm Rep 2022;71(RR-3), MME conversion table (clinical-facts §3.2).
CDC_2022_FACTORS = [
    ("codeine", 0.15),
    ("fentanyl_transdermal", 2.4),  # per mcg/h
    ("fentanyl_buccal", 0.13),  # per mcg
    ("hydrocodone", 1.0),
    ("hydromorphone", 5.0),
    ("methadone", 4.7),
    ("morphine", 1.0),
    ("oxycodone", 1.5),
    ("oxymorphone", 3.0),
    ("tapentadol", 0.4),
    ("tramadol", 0.2),
]


@pytest.mark.parametrize(("drug", "factor"), CDC_2022_FACTORS)
def test_each_factor_matches_cdc_2022(drug, factor):
    """Every factor is the CDC 2022 value and one dose once a day gives dose × factor."""
    assert MME_BY_DRUG[drug].factor == factor
    assert daily_mme(drug, 10, 1) == pytest.approx(10 * factor)


def test_table_has_exactly_the_cdc_rows():
    """No extra or missing drugs, and the version names the source."""
    assert set(MME_BY_DRUG) == {drug for drug, _ in CDC_2022_FACTORS}
    assert "CDC 2022" in MME_TABLE_VERSION


# Worked examples, CDC 2022 factors, maximum PRN doses per day (clinical-facts §3.2).
WORKED = [
    ("oxycodone", 5, 4, 30),  # 5 mg q6h = 20 mg/day × 1.5
    ("oxycodone", 10, 6, 90),  # 10 mg q4h = 60 mg/day × 1.5
    ("hydromorphone", 2, 6, 60),  # 2 mg q4h = 12 mg/day × 5
    ("tramadol", 50, 4, 40),  # 50 mg q6h = 200 mg/day × 0.2
    ("fentanyl_transdermal", 25, 1, 60),  # 25 mcg/h × 2.4
    ("codeine", 30, 4, 18),  # 30 mg q6h = 120 mg/day × 0.15
]


@pytest.mark.parametrize(("drug", "dose", "per_day", "mme"), WORKED)
def test_worked_examples(drug, dose, per_day, mme):
    """Hand-worked MME/day examples."""
    assert daily_mme(drug, dose, per_day) == pytest.approx(mme)


def test_names_are_forgiving_about_case_and_spaces():
    """'Fentanyl transdermal' and ' OXYCODONE ' resolve."""
    assert daily_mme("Fentanyl transdermal", 12, 1) == pytest.approx(28.8)
    assert daily_mme(" OXYCODONE ", 5, 1) == pytest.approx(7.5)


def test_buprenorphine_is_excluded():
    """CDC 2022 excludes buprenorphine (partial agonist): raise, do not guess."""
    with pytest.raises(ValueError, match="partial agonist"):
        daily_mme("buprenorphine", 5, 1)


def test_unknown_drug_lists_known_names():
    """An unknown name raises UnknownOpioidError listing the known names."""
    with pytest.raises(UnknownOpioidError, match="oxycodone") as info:
        daily_mme("meperidine", 50, 4)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("dose", [0, -5])
def test_non_positive_dose_raises(dose):
    """Zero or negative doses are input errors."""
    with pytest.raises(ValueError, match="positive"):
        daily_mme("morphine", dose, 1)


def test_fentanyl_patch_rate_needs_one_dose_per_day():
    """A patch is a rate (mcg/h); 'three patches a day' is an input error."""
    with pytest.raises(ValueError, match="mcg/h"):
        daily_mme("fentanyl_transdermal", 25, 3)


def test_mme_is_unrounded():
    """No rounding: 0.13 × 30 × 2 keeps its decimals."""
    assert daily_mme("fentanyl_buccal", 30, 2) == pytest.approx(7.8, rel=1e-12)
