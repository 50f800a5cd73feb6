"""Hypothesis strategies for valid `PatientCase` values, shared by the property tests.

`cases()` covers every field of the model within its validated ranges, and respects the
model's cross-field rules (pregnancy only for a female patient aged 60 or under; on
haemodialysis a directly entered CrCl is at most 30 mL/min), so every value it draws is a case
the page could submit. Medicines come from the drug catalogue's generic names and combination
products (Percocet), with 0-6 tried medicines per case.

Usage::

    from hypothesis import given
    from tests.strategies import cases

    @given(cases())
    def test_something(case): ...
"""

from __future__ import annotations

import functools
import math
import operator

from hypothesis import strategies as st

from logic.drugs.catalogue import (
    COMBINATIONS,
    DoseUnit,
    Formulation,
    drug,
    known_names,
    resolve_drug,
)
from logic.models import (
    Allergy,
    ChildPugh,
    Condition,
    CurrentMedication,
    PatientCase,
    RadicularFeature,
    RedFlag,
    Relief,
    Route,
    TriedMedication,
)

#: The model's validator: on haemodialysis CrCl cannot be above 30 mL/min.
HD_MAX_CRCL = 30.0
#: The model's validator: pregnancy over 60 is rejected as a likely input error.
PREGNANCY_MAX_AGE = 60


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


# Strategies are built once at import (built inside the composite they would be re-validated on
# every draw), and lists are drawn as bit masks or single indices: Hypothesis' cost is per draw,
# and it outweighs building the plan.

_CONDITIONS = tuple(Condition)
_RED_FLAGS = tuple(RedFlag)
#: Doses entered for a tried medicine, including the thresholds the review looks at (ketorolac
#: 10 mg ceiling, gabapentin 1200 mg/day, single 300 mg dose) and the model's extremes.
TRIED_DOSES_MG: tuple[float | None, ...] = (
    None, 0.1, 1, 2.5, 5, 7.5, 10, 15, 20, 25, 30, 50, 60, 75, 100, 200, 300, 400, 600, 800,
    900, 1000, 1200, 1800, 3600, 5000,
)  # fmt: skip
TRIED_DOSES_GIVEN: tuple[int, ...] = (1, 2, 3, 4, 10, 100)
#: Every generic name, and the combination products (Percocet: oxycodone with acetaminophen).
MEDICINE_NAMES: tuple[str, ...] = (*known_names(), *(c.name for c in COMBINATIONS))
_TRIED_AXES: tuple[tuple[object, ...], ...] = (
    MEDICINE_NAMES,
    (None, *Route),
    tuple(Relief),
    TRIED_DOSES_GIVEN,
    TRIED_DOSES_MG,
)
_TRIED_COUNT = math.prod(len(axis) for axis in _TRIED_AXES)
MAX_TRIED = 6


def _tried_from_index(index: int) -> TriedMedication:
    values = []
    for axis in _TRIED_AXES:
        index, i = divmod(index, len(axis))
        values.append(axis[i])
    drug, route, relief, doses_given, dose = values
    if DoseUnit.mg not in entry_units(str(drug)):
        # Fentanyl is never dosed in mg (Sublimaze, Actiq, Fentora labels): the dose in mcg.
        return TriedMedication(
            drug=drug, route=route, relief=relief, doses_given=doses_given, dose=dose
        )
    return TriedMedication(
        drug=drug, route=route, relief=relief, doses_given=doses_given, dose_mg=dose
    )


def entry_units(name: str) -> frozenset[DoseUnit]:
    """The units the catalogue allows for a drug's dose (a product by its generic opioid)."""
    return drug(resolve_drug(name) or name).units


def _subset(items: tuple, masks: tuple[int, ...]) -> tuple:
    """Items whose bit is set in every mask: each extra mask halves the expected size."""
    bits = functools.reduce(operator.and_, masks)
    return tuple(item for i, item in enumerate(items) if bits >> i & 1)


def _subsets(items: tuple, sparseness: int) -> st.SearchStrategy[tuple]:
    mask = st.integers(min_value=0, max_value=2 ** len(items) - 1)
    return st.tuples(*[mask] * sparseness).map(lambda masks: _subset(items, masks))


_TRIED = st.integers(min_value=0, max_value=_TRIED_COUNT - 1).map(_tried_from_index)
_TRIED_LISTS = st.integers(min_value=0, max_value=MAX_TRIED).flatmap(
    lambda n: st.tuples(*[_TRIED] * n)
)
#: Four masks: each flag 1 time in 16, so about 40% of cases have no red flag.
_DEFAULT_FLAGS = _subsets(_RED_FLAGS, 4)
_SOME_FLAGS = st.tuples(st.sampled_from(_RED_FLAGS), _DEFAULT_FLAGS).map(
    lambda t: tuple(dict.fromkeys((t[0], *t[1])))
)
#: Two to four masks: on average 5, 2.5 or 1.25 of the 20 conditions, up to all of them.
_CONDITION_SETS = st.one_of(*(_subsets(_CONDITIONS, k) for k in (2, 3, 4)))
_AGES = st.integers(min_value=18, max_value=110)
_CHILD_PUGH = st.one_of(st.none(), st.none(), st.none(), st.sampled_from(tuple(ChildPugh)))
_SEXES = st.sampled_from(["female", "male"])
_WEIGHTS = _floats(25, 350)
_HEIGHTS = st.none() | _floats(100, 250)
# Half the creatinine and duration draws fall where the decisions change (creatinine around the
# CrCl 60/30/15 cut-offs; pain around the 4- and 12-week CDC categories), half anywhere valid.
_CREATININES = st.none() | _floats(0.5, 3) | _floats(0.1, 25)
_CRCL = st.none() | _floats(0, 250)
_CRCL_ON_HD = st.none() | _floats(0, HD_MAX_CRCL)
_SETTINGS = st.sampled_from(["ed", "clinic"])
_DURATIONS = _floats(0, 16) | _floats(0, 520)
_PAIN = st.integers(min_value=0, max_value=10)
#: True one time in four (dialysis, pregnancy), so the common paths stay well covered.
_SOMETIMES = st.sampled_from((False, False, False, True))


# Regular medicines: any catalogue drug, with or without a dose; the doses reach the opioid
# tolerance and MME thresholds (oxycodone 15 mg x2 = 30 mg/day, fentanyl 25 mcg/h, ...).
CURRENT_DOSES: tuple[float | None, ...] = (None, 2, 5, 10, 12, 15, 20, 25, 30, 50, 60, 100)
CURRENT_DOSES_PER_DAY: tuple[float | None, ...] = (None, 1, 2, 3, 4, 6)
CURRENT_WEEKS: tuple[float | None, ...] = (None, 0.5, 1, 4, 52)
_FORMS: tuple[Formulation | None, ...] = (
    None,
    None,
    Formulation.ir,
    Formulation.er,
    Formulation.patch,
)
_CURRENT_AXES: tuple[tuple[object, ...], ...] = (
    MEDICINE_NAMES,
    CURRENT_DOSES,
    CURRENT_DOSES_PER_DAY,
    CURRENT_WEEKS,
    _FORMS,
)
_CURRENT_COUNT = math.prod(len(axis) for axis in _CURRENT_AXES)
MAX_CURRENT = 5


def _current_from_index(index: int) -> CurrentMedication:
    values = []
    for axis in _CURRENT_AXES:
        index, i = divmod(index, len(axis))
        values.append(axis[i])
    generic, dose, per_day, weeks, form = values
    entry = drug(resolve_drug(str(generic)) or "")
    patchable = DoseUnit.mcg_per_h in entry.units
    if form is not None and entry.forms and form not in entry.forms:
        form = None  # a form the drug does not come in is invalid input, drawn elsewhere
    if form is Formulation.patch and not patchable and entry.forms:
        form = None
    if form is Formulation.patch:
        per_day = None  # a patch is worn continuously
    return CurrentMedication(
        drug=generic, dose=dose, doses_per_day=per_day, weeks=weeks, formulation=form
    )


_CURRENT = st.integers(min_value=0, max_value=_CURRENT_COUNT - 1).map(_current_from_index)
#: Usually none or one or two regular medicines, up to MAX_CURRENT.
_CURRENT_LISTS = st.sampled_from((0, 0, 1, 1, 2, 3, MAX_CURRENT)).flatmap(
    lambda n: st.tuples(*[_CURRENT] * n)
)
_ALLERGIES = st.sampled_from(((), (), (), (Allergy.nsaid,), (Allergy.opioid,)))
_ALLERGIC_TO = st.sampled_from(((), (), (), ("codeine",), ("tramadol",), ("naproxen",)))
_FEATURES = st.sampled_from(((), (), (), (RadicularFeature.positive_slr,)))
_EGFR = st.none() | st.none() | _floats(5, 120)
_WEEKS_PREGNANT = st.none() | st.integers(min_value=1, max_value=42)


def current_medications() -> st.SearchStrategy[CurrentMedication]:
    """One regular medicine: any catalogue drug, dose, frequency, duration and form."""
    return _CURRENT


def tried_medications() -> st.SearchStrategy[TriedMedication]:
    """One medicine already given: any catalogue drug, route, relief, count and dose."""
    return _TRIED


def red_flag_sets(*, at_least_one: bool = False) -> st.SearchStrategy[tuple[RedFlag, ...]]:
    """Any subset of red flags, none in about 40% of draws unless `at_least_one`."""
    return _SOME_FLAGS if at_least_one else _DEFAULT_FLAGS


def condition_sets() -> st.SearchStrategy[tuple[Condition, ...]]:
    """Any subset of conditions, usually a few."""
    return _CONDITION_SETS


@st.composite
def cases(
    draw: st.DrawFn,
    red_flags: st.SearchStrategy[tuple[RedFlag, ...]] | None = None,
    medicines: bool = False,
) -> PatientCase:
    """A valid PatientCase drawn from the whole input space.

    `red_flags` replaces the default red-flag strategy (e.g. to force an emergency).
    `medicines` also draws the issue-10 inputs: regular medicines, allergies, breastfeeding,
    weeks of pregnancy, eGFR, prior overdose, heavy alcohol use and radicular features. It is
    off by default until the page and the share link carry those fields (the page round-trip
    tests draw from this strategy); the engine's property tests turn it on.
    """
    age = draw(_AGES)
    sex = draw(_SEXES)
    pregnant = draw(_SOMETIMES) if sex == "female" and age <= PREGNANCY_MAX_AGE else False
    on_hd = draw(_SOMETIMES)
    extra: dict[str, object] = {}
    if medicines:
        extra = {
            "current_medications": draw(_CURRENT_LISTS),
            "allergies": draw(_ALLERGIES),
            "allergic_to": draw(_ALLERGIC_TO),
            "breastfeeding": draw(_SOMETIMES) if sex == "female" else False,
            "pregnancy_weeks": draw(_WEEKS_PREGNANT) if pregnant else None,
            "egfr_ml_min_1_73m2": draw(_EGFR),
            "prior_overdose": draw(_SOMETIMES),
            "heavy_alcohol_use": draw(_SOMETIMES),
            "frail": draw(_SOMETIMES),
            "radicular_features": draw(_FEATURES),
            # Issue 20: the Child-Pugh class, usually none.
            "child_pugh": draw(_CHILD_PUGH),
        }
    return PatientCase(
        **extra,
        age_years=age,
        sex=sex,
        weight_kg=draw(_WEIGHTS),
        height_cm=draw(_HEIGHTS),
        serum_creatinine_mg_dl=draw(_CREATININES),
        crcl_ml_min=draw(_CRCL_ON_HD if on_hd else _CRCL),
        on_hemodialysis=on_hd,
        pregnant=pregnant,
        setting=draw(_SETTINGS),
        pain_duration_weeks=draw(_DURATIONS),
        pain_score=draw(_PAIN),
        radicular=draw(st.booleans()),
        red_flags=draw(_DEFAULT_FLAGS if red_flags is None else red_flags),
        conditions=draw(_CONDITION_SETS),
        tried=draw(_TRIED_LISTS),
        # The clinician's choice after the shared decision (issue 11): drawn both ways.
        take_home_opioid=draw(st.booleans()),
    )
