"""'Why might it still hurt?': every mimic is shown, ordered by this patient's facts, each with
a source its evidence page cites; boundaries on both sides (age 49/50)."""

from __future__ import annotations

import re

import pytest

from logic.engine.mimics import AORTA_AGE, MIMICS, PAGE, why_it_might_still_hurt
from logic.library.evidence import load_evidence
from logic.models import Condition, PatientCase, RedFlag, TriedMedication

PAGE_TOPIC = load_evidence()[PAGE]


def case(**fields: object) -> PatientCase:
    base: dict[str, object] = {"age_years": 40, "sex": "male", "weight_kg": 80}
    return PatientCase(**{**base, **fields})


def first(patient: PatientCase) -> str:
    return why_it_might_still_hurt(patient)[0].mimic.id


@pytest.mark.parametrize("mimic", MIMICS, ids=lambda m: m.id)
def test_each_source_is_cited_on_the_page(mimic):
    """'Rubano 2013' is a listed source: first author's surname and year match."""
    surname, year = mimic.source.split()[0], int(mimic.source.split()[-1])
    assert any(s.authors.startswith(surname) and s.year == year for s in PAGE_TOPIC.sources), (
        mimic.source
    )


@pytest.mark.parametrize("mimic", MIMICS, ids=lambda m: m.id)
def test_each_check_number_is_on_the_page(mimic):
    """A figure in a check (99%, 200 mL) is one the page states: one source of numbers."""
    page = PAGE_TOPIC.sections["Key numbers"]
    for number in re.findall(r"\d+(?:\s?%| mL)", mimic.check):
        assert number in page, number


@pytest.mark.parametrize(
    ("fields", "expected_first", "why"),
    [
        # Rubano 2013 enrolled symptomatic patients over 50: 50 puts the aorta first, 49 not.
        ({"age_years": AORTA_AGE}, "aorta", "age 50"),
        ({"age_years": AORTA_AGE - 1}, "aorta", "no trigger at all: table order"),
        ({"conditions": (Condition.anticoagulant_use,)}, "bleed", "anticoagulant"),
        ({"red_flags": (RedFlag.iv_drug_use,)}, "abscess", "injection drug use (Davis 2011)"),
        (
            {"tried": (TriedMedication(drug="orphenadrine", doses_given=2),)},
            "retention",
            "orphenadrine is anticholinergic (label)",
        ),
        # Two abscess facts outrank one aorta fact.
        (
            {"age_years": 60, "red_flags": (RedFlag.iv_drug_use, RedFlag.fever)},
            "abscess",
            "two facts beat one",
        ),
    ],
)
def test_order_follows_the_patient(fields, expected_first, why):
    assert first(case(**fields)) == expected_first, why


def test_age_boundary_names_the_reason():
    """At 50 the aorta line says why; at 49 it carries no reason (and keeps its table place)."""
    at_50 = {x.mimic.id: x for x in why_it_might_still_hurt(case(age_years=50))}
    at_49 = {x.mimic.id: x for x in why_it_might_still_hurt(case(age_years=49))}
    assert at_50["aorta"].because == (f"age {AORTA_AGE} or over",)
    assert at_49["aorta"].because == ()


def test_every_mimic_is_always_listed():
    """Nothing is hidden: a mimic without a trigger is listed after those with one."""
    lines = why_it_might_still_hurt(case(conditions=(Condition.anticoagulant_use,)))
    assert {x.mimic.id for x in lines} == {m.id for m in MIMICS}
    reasons = [bool(x.because) for x in lines]
    assert reasons == sorted(reasons, reverse=True)
