"""Shareable case links: PatientCase <-> URL query parameters (logic/share.py)."""

from __future__ import annotations

import math
from typing import Any, get_args
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic.catalogue import CATALOGUE, known_names, resolve_drug
from logic.models import Condition, PatientCase, RedFlag, Relief, Route, TriedMedication
from logic.share import FIELDS, case_from_query, case_to_query, query_string

# ---------------------------------------------------------------------------------------------
# A strategy for valid cases, built from the PatientCase field constraints


def _bounds(model: type[Any], name: str) -> tuple[float, float, bool]:
    low = high = None
    strict = False
    for item in model.model_fields[name].metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, strict = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
    assert low is not None
    assert high is not None
    return low, high, strict


def _number(model: type[Any], name: str, kind: type) -> st.SearchStrategy[Any]:
    low, high, strict = _bounds(model, name)
    if kind is int:
        return st.integers(int(low) + strict, int(high))
    return st.floats(low, high, exclude_min=strict, allow_nan=False, allow_infinity=False)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


_tried = st.builds(
    TriedMedication,
    drug=st.sampled_from(known_names()),
    dose_mg=_optional(_number(TriedMedication, "dose_mg", float)),
    route=_optional(st.sampled_from(list(Route))),
    doses_given=_number(TriedMedication, "doses_given", int),
    relief=st.sampled_from(list(Relief)),
)


@st.composite
def valid_cases(draw: st.DrawFn) -> PatientCase:
    kwargs = {
        "age_years": draw(_number(PatientCase, "age_years", int)),
        "sex": draw(st.sampled_from(get_args(PatientCase.model_fields["sex"].annotation))),
        "weight_kg": draw(_number(PatientCase, "weight_kg", float)),
        "height_cm": draw(_optional(_number(PatientCase, "height_cm", float))),
        "serum_creatinine_mg_dl": draw(
            _optional(_number(PatientCase, "serum_creatinine_mg_dl", float))
        ),
        "crcl_ml_min": draw(_optional(_number(PatientCase, "crcl_ml_min", float))),
        "on_hemodialysis": draw(st.booleans()),
        "pregnant": draw(st.booleans()),
        "setting": draw(st.sampled_from(get_args(PatientCase.model_fields["setting"].annotation))),
        "pain_duration_weeks": draw(_number(PatientCase, "pain_duration_weeks", float)),
        "pain_score": draw(_number(PatientCase, "pain_score", int)),
        "radicular": draw(st.booleans()),
        "red_flags": tuple(draw(st.lists(st.sampled_from(list(RedFlag)), max_size=4))),
        "conditions": tuple(draw(st.lists(st.sampled_from(list(Condition)), max_size=4))),
        "tried": tuple(draw(st.lists(_tried, max_size=6))),
    }
    # Keep the combination rules satisfiable instead of filtering most draws away.
    if kwargs["pregnant"]:
        kwargs["sex"] = "female"
        kwargs["age_years"] = min(kwargs["age_years"], 60)
    if kwargs["on_hemodialysis"] and kwargs["crcl_ml_min"] is not None:
        kwargs["crcl_ml_min"] = min(kwargs["crcl_ml_min"], 30)
    return PatientCase(**kwargs)


REFERENCE = PatientCase(
    age_years=45,
    sex="male",
    weight_kg=80,
    tried=(
        TriedMedication(drug="prednisone"),
        TriedMedication(drug="orphenadrine", route=Route.iv, doses_given=2),
        TriedMedication(drug="gabapentin"),
        TriedMedication(drug="ketorolac"),
        TriedMedication(drug="dexamethasone"),
    ),
)

BASE = {"age_years": "45", "sex": "male", "weight_kg": "80"}


# ---------------------------------------------------------------------------------------------
# Writing


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_cases())
def test_round_trip_restores_every_generated_case(case: PatientCase) -> None:
    """case -> query -> case is the identity, with no notices, for any valid case."""
    result = case_from_query(case_to_query(case))
    assert result.notices == ()
    assert result.case == case


@settings(max_examples=50, deadline=None)
@given(valid_cases())
def test_round_trip_survives_url_encoding(case: PatientCase) -> None:
    """The query string a user copies decodes back to the same case."""
    params = dict(parse_qsl(query_string(case), keep_blank_values=True))
    assert case_from_query(params).case == case


@settings(max_examples=100, deadline=None)
@given(valid_cases())
def test_query_uses_only_field_names_and_omits_defaults(case: PatientCase) -> None:
    """Every parameter is a PatientCase field, a string, and differs from the field default."""
    query = case_to_query(case)
    assert set(query) <= set(FIELDS)
    for name, text in query.items():
        assert isinstance(text, str)
        info = PatientCase.model_fields[name]
        if not info.is_required():
            assert getattr(case, name) != info.default
            assert getattr(case, name) is not None


def test_default_case_link_holds_only_the_required_fields() -> None:
    """A case with only required fields gives a three-parameter link."""
    case = PatientCase(age_years=72, sex="female", weight_kg=61.5)
    assert case_to_query(case) == {"age_years": "72", "sex": "female", "weight_kg": "61.5"}


def test_booleans_and_lists_use_the_documented_spelling() -> None:
    """Booleans are true/false; red flags and conditions are comma-separated enum values."""
    case = PatientCase(
        age_years=72,
        sex="female",
        weight_kg=60,
        radicular=True,
        red_flags=(RedFlag.fever, RedFlag.saddle_anesthesia),
        conditions=(Condition.ckd,),
    )
    query = case_to_query(case)
    assert query["radicular"] == "true"
    assert query["red_flags"] == "fever,saddle_anesthesia"
    assert query["conditions"] == "ckd"


def test_tried_tokens_are_compact() -> None:
    """A default tried item is its bare name; one with details is drug:dose:route:doses:relief."""
    assert case_to_query(REFERENCE)["tried"] == (
        "prednisone,orphenadrine::iv:2:minimal,gabapentin,ketorolac,dexamethasone"
    )


def test_link_carries_no_identifying_fields() -> None:
    """PatientCase has no name, birth date or free-text field, so a link cannot carry one."""
    forbidden = {"name", "first_name", "last_name", "dob", "date_of_birth", "mrn", "notes"}
    assert not forbidden & set(FIELDS)
    assert not any("name" in f or "birth" in f or "note" in f for f in FIELDS)


# ---------------------------------------------------------------------------------------------
# Reading hand-edited links


def test_brand_names_in_tried_resolve_to_generics() -> None:
    """Toradol, Norflex and Decadron typed in a link become their generic names."""
    result = case_from_query({**BASE, "tried": "Toradol,norflex::IV:2,DECADRON,Neurontin"})
    assert result.notices == ()
    assert result.case is not None
    assert [t.drug for t in result.case.tried] == [
        "ketorolac",
        "orphenadrine",
        "dexamethasone",
        "gabapentin",
    ]
    assert result.case.tried[1].route is Route.iv
    assert result.case.tried[1].doses_given == 2


def test_every_catalogue_name_resolves_in_a_link() -> None:
    """Every generic, brand and synonym in the catalogue is accepted in `tried`."""
    names = [n for d in CATALOGUE for n in (d.generic, *d.brands, *d.synonyms)]
    for start in range(0, len(names), len(CATALOGUE)):  # a list may be as long as the catalogue
        chunk = names[start : start + len(CATALOGUE)]
        result = case_from_query({**BASE, "tried": ",".join(chunk)})
        assert result.notices == ()
        assert result.case is not None
        assert [t.drug for t in result.case.tried] == [resolve_drug(n) for n in chunk]


BAD_LINKS: list[tuple[dict[str, str], list[str], set[str], bool]] = [
    # (params, words each notice must contain, fields that must survive, case restored?)
    ({**BASE, "age_years": "abc"}, ["age_years=abc", "whole number"], {"sex", "weight_kg"}, False),
    ({**BASE, "age_years": "300"}, ["age_years=300", "18–110 years"], {"sex", "weight_kg"}, False),
    ({**BASE, "weight_kg": "-5"}, ["weight_kg=-5", "25–350 kg"], {"age_years", "sex"}, False),
    ({**BASE, "weight_kg": "nan"}, ["weight_kg=nan"], {"age_years", "sex"}, False),
    ({**BASE, "sex": "other"}, ["sex=other", "female, male"], {"age_years", "weight_kg"}, False),
    (
        {**BASE, "tried": "toradol,xyz"},
        ["'xyz'", "not a medicine"],
        {"age_years", "sex", "weight_kg", "tried"},
        True,
    ),
    (
        {**BASE, "sex": "male", "pregnant": "true"},
        ["female patient"],
        {"age_years", "sex", "weight_kg", "pregnant"},
        False,
    ),
    (
        {**BASE, "red_flags": "fever,unicorn"},
        ["red_flags item 'unicorn'"],
        {"age_years", "red_flags"},
        True,
    ),
    ({**BASE, "conditions": "ckd,zzz"}, ["conditions item 'zzz'"], {"conditions"}, True),
    ({**BASE, "pain_score": "11"}, ["pain_score=11", "0–10"], {"age_years"}, True),
    ({**BASE, "radicular": "maybe"}, ["radicular=maybe", "true or false"], {"age_years"}, True),
    ({**BASE, "setting": "ward"}, ["setting=ward", "ed, clinic"], {"age_years"}, True),
    (
        {**BASE, "serum_creatinine_mg_dl": "88"},
        ["serum_creatinine_mg_dl=88", "mg/dL"],
        {"age_years"},
        True,
    ),
    ({**BASE, "crcl_ml_min": "inf"}, ["crcl_ml_min=inf"], {"age_years"}, True),
    ({**BASE, "utm_source": "email"}, ["utm_source=email", "not a case field"], {"sex"}, True),
    (
        {**BASE, "tried": "ketorolac:lots:iv:0:great"},
        ["'lots'", "'0'", "'great'"],
        {"tried"},
        True,
    ),
    (
        {**BASE, "on_hemodialysis": "true", "crcl_ml_min": "80"},
        ["haemodialysis"],
        {"on_hemodialysis", "crcl_ml_min"},
        False,
    ),
]


@pytest.mark.parametrize(("params", "words", "kept", "restored"), BAD_LINKS)
def test_hand_edited_link_is_ignored_with_a_notice(
    params: dict[str, str], words: list[str], kept: set[str], restored: bool
) -> None:
    """Each bad parameter is named in a notice, the rest survive, and nothing raises."""
    result = case_from_query(params)
    assert result.notices, "a bad parameter must produce a notice"
    text = " | ".join(result.notices)
    for word in words:
        assert word in text
    assert kept <= set(result.values)
    assert (result.case is not None) is restored


def test_unknown_drug_keeps_the_rest_of_the_tried_list() -> None:
    """tried=toradol,xyz keeps ketorolac and drops only xyz."""
    result = case_from_query({**BASE, "tried": "toradol,xyz"})
    assert result.case is not None
    assert [t.drug for t in result.case.tried] == ["ketorolac"]
    assert len(result.notices) == 1


def test_missing_required_fields_give_no_case_but_keep_values() -> None:
    """A link without weight restores what it has and lists weight_kg as missing."""
    result = case_from_query({"age_years": "50", "radicular": "true"})
    assert result.case is None
    assert result.missing == ("sex", "weight_kg")
    assert result.values == {"age_years": 50, "radicular": True}
    assert result.notices == ()


def test_empty_link_is_an_empty_form() -> None:
    """No parameters: no case, no notices, every required field missing."""
    result = case_from_query({})
    assert result.case is None
    assert result.notices == ()
    assert set(result.missing) == {"age_years", "sex", "weight_kg"}


def test_repeated_parameters_take_the_last_value_or_join_lists() -> None:
    """Lists of values (as from get_all) are accepted: scalars take the last, lists join."""
    result = case_from_query(
        {"age_years": ["30", "40"], "sex": ["male"], "weight_kg": "70", "tried": ["a", "toradol"]}
    )
    assert result.case is not None
    assert result.case.age_years == 40
    assert [t.drug for t in result.case.tried] == ["ketorolac"]


def test_page_parameters_can_be_ignored_silently() -> None:
    """Parameters the page owns (a teaching case id) are neither restored nor reported."""
    result = case_from_query({**BASE, "teach": "reference"}, ignore={"teach"})
    assert result.notices == ()
    assert "teach" not in result.values


def test_values_are_usable_as_patientcase_kwargs() -> None:
    """values from a good link rebuild the same case."""
    result = case_from_query(case_to_query(REFERENCE))
    assert PatientCase(**result.values) == REFERENCE


def test_lenient_spellings_are_accepted() -> None:
    """Case, spaces, 1/0 booleans and route words like 'oral' are read."""
    result = case_from_query(
        {
            "age_years": " 45 ",
            "sex": "Male",
            "weight_kg": "80.0",
            "radicular": "1",
            "tried": " ibuprofen:400:oral ",
        }
    )
    assert result.notices == ()
    assert result.case is not None
    assert result.case.radicular is True
    assert result.case.tried[0].route is Route.po
    assert result.case.tried[0].dose_mg == 400


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*FIELDS, "x", ""]) | st.text(max_size=8),
        st.text(max_size=30) | st.lists(st.text(max_size=10), max_size=3),
        max_size=8,
    )
)
def test_arbitrary_links_never_raise(params: dict[str, Any]) -> None:
    """Any mapping of strings (or lists of strings) gives a result, never an exception."""
    result = case_from_query(params)
    assert isinstance(result.notices, tuple)
    if result.case is not None:
        assert isinstance(result.case, PatientCase)


def test_notices_quote_long_values_briefly() -> None:
    """A pasted essay in a parameter is quoted truncated, not in full."""
    result = case_from_query({**BASE, "age_years": "9" * 500})
    assert len(result.notices) == 1
    assert len(result.notices[0]) < 120


def test_invalid_combination_message_is_the_model_message() -> None:
    """The combination notice repeats PatientCase's own explanation."""
    with pytest.raises(ValidationError) as error:
        PatientCase(age_years=30, sex="male", weight_kg=70, pregnant=True)
    expected = str(error.value.errors()[0]["msg"]).removeprefix("Value error, ")
    result = case_from_query({"age_years": "30", "sex": "male", "weight_kg": "70", "pregnant": "1"})
    assert expected in result.notices[0]


def test_floats_round_trip_exactly() -> None:
    """Awkward floats (0.1 + 0.2) survive the text form bit for bit."""
    case = PatientCase(age_years=50, sex="female", weight_kg=0.1 + 0.2 + 70, crcl_ml_min=1 / 3)
    restored = case_from_query(case_to_query(case)).case
    assert restored is not None
    assert restored.weight_kg == case.weight_kg
    assert restored.crcl_ml_min is not None
    assert math.isclose(restored.crcl_ml_min, 1 / 3, rel_tol=0, abs_tol=0)
