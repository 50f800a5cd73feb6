"""Shareable case links: PatientCase <-> URL query parameters (logic/formats/share.py)."""

from __future__ import annotations

import math
from typing import Any, get_args
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from logic.drugs.catalogue import CATALOGUE, DoseUnit, known_names, resolve_drug
from logic.drugs.catalogue import drug as catalogue_drug
from logic.engine.plan import build_plan
from logic.formats.share import (
    FIELDS,
    LINK_CHECKS,
    MAX_NOTICES,
    MAX_PARAMETERS,
    MAX_QUERY_CHARS,
    SENSITIVE_FIELDS,
    SENSITIVE_RED_FLAGS,
    STREAMLIT_MAX_QUERY_CHARS,
    STREAMLIT_MAX_QUERY_FIELDS,
    case_from_query,
    case_to_query,
    dropped_link_notice,
    holds_sensitive,
    private_query,
    private_query_string,
    query_string,
    quote_link_text,
    share_query,
    share_query_string,
    streamlit_drops,
    unchecked_in_link,
    withheld_fields,
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
from tests.markdown_check import assert_plain

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


def _tried_item(drug: str, dose: float | None, **fields: Any) -> TriedMedication:
    """A tried medicine with its dose as the legacy dose_mg, except for a drug never dosed in mg
    (fentanyl: Sublimaze, Actiq, Fentora labels), whose dose is in its own unit."""
    if DoseUnit.mg in catalogue_drug(drug).units:
        return TriedMedication(drug=drug, dose_mg=dose, **fields)
    return TriedMedication(drug=drug, dose=dose, **fields)


_tried = st.builds(
    _tried_item,
    drug=st.sampled_from(known_names()),
    dose=_optional(_number(TriedMedication, "dose_mg", float)),
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


# ---------------------------------------------------------------------------------------------
# The new model fields (MODEL-SPEC.md): links for every one, case -> query -> case


def _medicine(model: type[Any]) -> st.SearchStrategy[Any]:
    @st.composite
    def draw_one(draw: st.DrawFn) -> Any:
        entry = draw(st.sampled_from(CATALOGUE))
        kwargs: dict[str, Any] = {"drug": entry.generic}
        kwargs["route"] = draw(_optional(st.sampled_from(list(Route))))
        kwargs["dose"] = draw(_optional(_number(model, "dose", float)))
        kwargs["unit"] = draw(_optional(st.sampled_from(sorted(entry.units))))
        if entry.forms:
            kwargs["formulation"] = draw(_optional(st.sampled_from(sorted(entry.forms))))
        if model is TriedMedication:
            kwargs["doses_given"] = draw(_number(model, "doses_given", int))
            kwargs["relief"] = draw(st.sampled_from(list(Relief)))
        else:
            kwargs["doses_per_day"] = draw(_optional(_number(model, "doses_per_day", float)))
            kwargs["weeks"] = draw(_optional(_number(model, "weeks", float)))
        try:
            return model(**kwargs)
        except ValidationError:  # a unit or form this drug cannot have: the bare medicine
            return model(drug=entry.generic, route=kwargs["route"])

    return draw_one()


@st.composite
def full_cases(draw: st.DrawFn) -> PatientCase:
    """Valid cases over every field, the new ones included."""
    case = draw(valid_cases())
    extra: dict[str, Any] = {
        "tried": tuple(draw(st.lists(_medicine(TriedMedication), max_size=5))),
        "current_medications": tuple(draw(st.lists(_medicine(CurrentMedication), max_size=4))),
        "allergies": tuple(draw(st.lists(st.sampled_from(list(Allergy)), max_size=2))),
        "allergic_to": tuple(draw(st.lists(st.sampled_from(known_names()), max_size=3))),
        "breastfeeding": draw(st.booleans()),
        "egfr_ml_min_1_73m2": draw(_optional(_number(PatientCase, "egfr_ml_min_1_73m2", float))),
        "prior_overdose": draw(st.booleans()),
        "heavy_alcohol_use": draw(st.booleans()),
        "frail": draw(st.booleans()),
        "radicular_features": tuple(
            draw(st.lists(st.sampled_from(list(RadicularFeature)), max_size=3))
        ),
        "take_home_opioid": draw(st.booleans()),
    }
    if case.pregnant:
        extra["pregnancy_weeks"] = draw(_optional(_number(PatientCase, "pregnancy_weeks", int)))
    return PatientCase(**{**case.model_dump(exclude={"tried"}), **extra})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(full_cases())
def test_round_trip_restores_every_new_field(case: PatientCase) -> None:
    """case -> query -> case is the identity for the new fields too (units, forms, allergies)."""
    result = case_from_query(dict(parse_qsl(query_string(case), keep_blank_values=True)))
    assert result.notices == ()
    assert result.case == case


def test_new_fields_have_the_documented_spelling() -> None:
    case = PatientCase(
        age_years=30,
        sex="female",
        weight_kg=60,
        pregnant=True,
        pregnancy_weeks=12,
        breastfeeding=True,
        egfr_ml_min_1_73m2=55,
        allergies=(Allergy.nsaid,),
        allergic_to=("codeine",),
        radicular_features=(RadicularFeature.positive_slr,),
        current_medications=(
            CurrentMedication(drug="methadone", dose=60, doses_per_day=1, weeks=20),
            CurrentMedication(drug="Duragesic", dose=25),
        ),
        tried=(TriedMedication(drug="fentanyl", dose=50, route=Route.iv),),
    )
    query = case_to_query(case)
    assert query["pregnancy_weeks"] == "12"
    assert query["breastfeeding"] == "true"
    assert query["egfr_ml_min_1_73m2"] == "55"
    assert query["allergies"] == "nsaid"
    assert query["allergic_to"] == "codeine"
    assert query["radicular_features"] == "positive_slr"
    assert query["radicular"] == "true"  # the model sets it from the feature
    # drug:dose:unit:doses_per_day:route:formulation:weeks, trailing empty parts left off
    assert query["current_medications"] == "methadone:60:mg:1:::20,fentanyl:25:mcg/h:::patch"
    # drug:dose:route:doses_given:relief:unit:formulation; mcg is written, mg is implied
    assert query["tried"] == "fentanyl:50:iv:1:minimal:mcg"


def test_old_tried_links_keep_their_meaning() -> None:
    """A dose with no unit part is in mg, as links written before units existed meant."""
    result = case_from_query({**BASE, "tried": "ketorolac:30:iv:1:none"})
    assert result.case is not None
    assert result.case.tried[0].dose == 30
    assert result.case.tried[0].unit is DoseUnit.mg
    assert result.notices == ()


def test_a_unit_the_drug_cannot_have_drops_the_dose_too() -> None:
    """ketorolac in mcg: the dose is not kept in another unit; both are named in notices."""
    result = case_from_query({**BASE, "tried": "ketorolac:30:iv:1:none:mcg"})
    assert result.case is not None
    item = result.case.tried[0]
    assert (item.drug, item.dose, item.unit, item.route) == ("ketorolac", None, None, Route.iv)
    text = " | ".join(result.notices)
    # Named as the row's boxes are labelled on the page (ui/form.py: 'dose each time', 'dose unit')
    assert "dose each time '30'" in text
    assert "dose unit 'mcg'" in text
    assert "ketorolac is dosed in mg, not mcg" in text


def test_unknown_allergy_medicine_is_named() -> None:
    result = case_from_query({**BASE, "allergic_to": "codeine,tylenol,unobtainium"})
    assert result.case is not None
    assert result.case.allergic_to == ("codeine", "acetaminophen")
    assert result.notices == (
        "Ignored allergic_to item 'unobtainium': not a medicine this tool knows",
    )


# ---------------------------------------------------------------------------------------------
# Readable numbers that keep the plan


def test_converted_weight_is_written_readably() -> None:
    """176.4 lb = 80.013694068 kg is written as 80 (the plan is the same)."""
    case = PatientCase(age_years=45, sex="male", weight_kg=80.013694068, serum_creatinine_mg_dl=1)
    assert case_to_query(case)["weight_kg"] == "80.013694068"  # the exact writer is unchanged
    assert share_query(case)["weight_kg"] == "80"
    restored = case_from_query(share_query(case)).case
    assert restored is not None
    assert build_plan(restored).give_now == build_plan(case).give_now


@pytest.mark.parametrize(
    ("field_name", "value", "written"),
    [
        # Renal bands (gabapentin label): exactly 30 is not moderate, so 29.96 -> 30 is safe...
        ("crcl_ml_min", 29.96, "30"),
        # ...but 30.04 -> 30.0 would leave the moderate band: more places are kept.
        ("crcl_ml_min", 30.04, "30.04"),
        ("crcl_ml_min", 59.96, "59.96"),  # 60 is the normal band
        ("crcl_ml_min", 45.123, "45.1"),  # no boundary near: the display precision
        ("pain_duration_weeks", 3.96, "3.96"),  # 4 weeks: subacute (plan.SUBACUTE_WEEKS)
        ("pain_duration_weeks", 11.96, "11.96"),  # 12 weeks: chronic (plan.CHRONIC_WEEKS)
        ("pain_duration_weeks", 2.345, "2.3"),
    ],
)
def test_rounding_never_crosses_a_rule_boundary(
    field_name: str, value: float, written: str
) -> None:
    case = PatientCase(age_years=70, sex="female", weight_kg=60, **{field_name: value})
    assert share_query(case)[field_name] == written


def test_gabapentin_scaled_to_a_low_crcl_keeps_the_digits_it_needs() -> None:
    """Below CrCl 15 the Neurontin label scales the daily dose to CrCl, so weight moves the
    dose: the readable link keeps as many places as the exact gabapentin plan needs."""
    case = PatientCase(age_years=73, sex="female", weight_kg=155.0625, serum_creatinine_mg_dl=11)
    restored = case_from_query(share_query(case)).case
    assert restored is not None
    assert build_plan(case).renal.crcl_ml_min < 15
    assert build_plan(restored).gabapentin == build_plan(case).gabapentin


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(full_cases())
def test_readable_link_restores_the_same_plan(case: PatientCase) -> None:
    restored = case_from_query(share_query(case)).case
    assert restored is not None
    same, exact = build_plan(restored), build_plan(case)
    # Every decision: what to give, the discharge plan, what to avoid, warnings, triage,
    # naloxone, the renal band and the gabapentin titration.
    for part in ("give_now", "discharge", "avoid", "warnings", "triage", "naloxone", "gabapentin"):
        assert getattr(same, part) == getattr(exact, part), part
    assert same.renal.band == exact.renal.band


# ---------------------------------------------------------------------------------------------
# Sensitive fields stay out of the address bar


SENSITIVE_CASE = PatientCase(
    age_years=30,
    sex="female",
    weight_kg=60,
    pregnant=True,
    pregnancy_weeks=20,
    breastfeeding=True,
    prior_overdose=True,
    heavy_alcohol_use=True,
    frail=True,
    conditions=(Condition.opioid_use_disorder, Condition.ckd),
    child_pugh=ChildPugh.b,
    red_flags=(RedFlag.iv_drug_use, RedFlag.fever),
    current_medications=(CurrentMedication(drug="buprenorphine"),),
    tried=(TriedMedication(drug="ketorolac"),),
    unchecked_medicines=("blorpamine",),
)


def test_private_query_leaves_out_every_sensitive_field() -> None:
    query = private_query(SENSITIVE_CASE)
    assert not set(query) & SENSITIVE_FIELDS
    assert query["red_flags"] == "fever"  # iv_drug_use is left out, the other flag stays
    assert query["tried"] == "ketorolac"
    text = private_query_string(SENSITIVE_CASE)
    for word in (
        "pregnan",
        "opioid_use",
        "iv_drug",
        "overdose",
        "alcohol",
        "buprenorphine",
        "frail",
        "child_pugh",
    ):
        assert word not in text


def test_share_query_keeps_everything_and_restores_the_case() -> None:
    assert set(SENSITIVE_FIELDS) <= set(share_query(SENSITIVE_CASE))
    restored = case_from_query(share_query(SENSITIVE_CASE)).case
    assert restored == SENSITIVE_CASE
    assert "iv_drug_use" in share_query_string(SENSITIVE_CASE)


def test_withheld_fields_name_what_the_private_link_left_out() -> None:
    assert set(withheld_fields(SENSITIVE_CASE)) == {
        "pregnant",
        "pregnancy_weeks",
        "breastfeeding",
        "prior_overdose",
        "heavy_alcohol_use",
        "frail",
        "conditions",
        "child_pugh",
        "current_medications",
        "unchecked_medicines",
        "iv_drug_use",
    }
    assert withheld_fields(REFERENCE) == ()
    assert private_query(REFERENCE) == share_query(REFERENCE)


# ---------------------------------------------------------------------------------------------
# Limits before work


def _unknown_of_length(chars: int) -> dict[str, str]:
    """BASE plus one unknown parameter, so the link totals exactly `chars` characters."""
    used = sum(len(k) + len(v) for k, v in BASE.items()) + len("note")
    return {**BASE, "note": "x" * (chars - used)}


def test_link_at_the_size_limit_is_read_and_one_over_is_refused() -> None:
    at_limit = case_from_query(_unknown_of_length(MAX_QUERY_CHARS))
    assert not at_limit.refused
    assert at_limit.case is not None  # the unknown parameter is only reported
    over = case_from_query(_unknown_of_length(MAX_QUERY_CHARS + 1))
    assert over.refused
    assert over.case is None
    assert over.values == {}
    assert len(over.notices) == 1
    assert f"more than {MAX_QUERY_CHARS:,} characters" in over.notices[0]
    assert over.title == "The link was not read"


def test_sixty_values_are_read_and_sixty_one_refused() -> None:
    filler = {f"p{i}": "1" for i in range(MAX_PARAMETERS - len(BASE))}
    assert not case_from_query({**BASE, **filler}).refused
    over = case_from_query({**BASE, **filler, "one_more": "1"})
    assert over.refused
    assert over.notices == (
        f"This link was not read: it carries more than {MAX_PARAMETERS} parameters, more than "
        "any case needs. Enter the case in the form.",
    )
    # a repeated key counts once per value
    assert case_from_query({**BASE, "age_years": ["45"] * (MAX_PARAMETERS - 1)}).refused


def test_list_as_long_as_the_catalogue_is_read_and_one_longer_refused() -> None:
    generics = [d.generic for d in CATALOGUE]
    full = case_from_query({**BASE, "tried": ",".join(generics)})
    assert not full.refused
    assert full.case is not None
    assert len(full.case.tried) == len(CATALOGUE)
    over = case_from_query({**BASE, "tried": ",".join([*generics, "ketorolac"])})
    assert over.refused
    assert over.items_read == 0
    assert "tried list has" in over.notices[0]
    flags = ",".join([f.value for f in RedFlag] * 2)
    assert case_from_query({**BASE, "red_flags": flags}).refused


def test_the_124_kb_tried_link_is_refused_before_any_parsing() -> None:
    """The issue's 124 KB link (6,900 tokens): refused with one notice, no token parsed."""
    token = "orphenadrine:100:iv:2:minimal"  # 29 characters; x 6,900 with commas ~ 207 KB
    link = {**BASE, "tried": ",".join([token[:17]] * 6_900)}  # "orphenadrine:100:" ~ 124 KB
    assert 120_000 < len(link["tried"]) < 130_000
    result = case_from_query(link)
    assert result.refused
    assert result.items_read == 0
    assert len(result.notices) == 1
    # The same tokens within the limits are parsed one by one: work grows with the link.
    small = case_from_query({**BASE, "tried": ",".join([token] * 20)})
    assert small.items_read == len(BASE) + 20


def test_a_huge_mapping_is_not_walked_past_the_limit() -> None:
    """Reading stops at the first value over the limit, whatever the mapping holds."""

    class Endless(dict[str, str]):
        walked = 0

        def items(self) -> Any:  # type: ignore[override]
            while True:
                Endless.walked += 1
                yield f"k{Endless.walked}", "1"

    result = case_from_query(Endless())
    assert result.refused
    assert Endless.walked == MAX_PARAMETERS + 1


# ---------------------------------------------------------------------------------------------
# Repeated keys and the notice list


def test_repeated_key_is_named_and_the_last_value_used() -> None:
    result = case_from_query({**BASE, "age_years": ["45", "90"]})
    assert result.case is not None
    assert result.case.age_years == 90
    assert result.repeated == ("age_years",)
    assert result.notices == ("age_years was given 2 times: used the last value, '90'",)


def test_repeated_list_uses_the_last_list_too() -> None:
    result = case_from_query({**BASE, "tried": ["ketorolac", "prednisone,gabapentin"]})
    assert result.case is not None
    assert [t.drug for t in result.case.tried] == ["prednisone", "gabapentin"]
    assert "tried was given 2 times" in result.notices[0]


def test_notices_are_capped_and_the_rest_counted() -> None:
    junk = ",".join(f"nope{i}" for i in range(30))
    result = case_from_query({**BASE, "allergic_to": junk})
    assert len(result.ignored) == 30
    assert len(result.notices) == MAX_NOTICES + 1
    assert result.notices[-1] == f"…and {30 - MAX_NOTICES} more ignored parts"
    assert result.title == "30 parts of the link ignored"


def test_title_counts_one_ignored_part() -> None:
    assert case_from_query({**BASE, "x": "1"}).title == "1 part of the link ignored"
    assert case_from_query(BASE).title == ""


# ---------------------------------------------------------------------------------------------
# Links Streamlit dropped


def test_streamlit_limits_match_the_installed_streamlit() -> None:
    from streamlit.runtime.state import query_params as streamlit_query_params

    assert STREAMLIT_MAX_QUERY_CHARS == streamlit_query_params.CLIENT_STATE_QUERY_STRING_MAX_LENGTH
    assert STREAMLIT_MAX_QUERY_FIELDS == streamlit_query_params.CLIENT_STATE_QUERY_STRING_MAX_FIELDS
    for raw in ("a=1", "&".join(["a=1"] * 1000), "&".join(["a=1"] * 1001), "a=" + "x" * 524_300):
        dropped = streamlit_query_params.sanitize_query_string(raw) == ""
        assert streamlit_drops(raw) is dropped


def test_dropped_link_is_reported_only_when_the_page_got_nothing() -> None:
    huge = "?" + "&".join(f"k{i}=1" for i in range(1001))
    notice = dropped_link_notice(huge, {})
    assert notice is not None
    assert "1,000 parameters" in notice
    assert dropped_link_notice(huge, {"k0": "1"}) is None  # something arrived: not dropped
    assert dropped_link_notice("", {}) is None
    assert dropped_link_notice(None, {}) is None
    assert dropped_link_notice("?age_years=45", {}) is not None  # lost for another reason


# ---------------------------------------------------------------------------------------------
# Hostile links: every notice is plain text, and the work is bounded

HOSTILE = [
    "\n\n## Protocol update: morphine 10 mg IV",
    "[open](https://evil.example/)",
    "![t](http://198.51.100.7/p.png)",
    "**bold** _it_ ~~gone~~ `code`",
    ":red[STOP] :material/warning: :streamlit: :smile:",
    "$x^2$",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "javascript:alert(document.cookie)",
    "www.evil.example a@evil.example",
    "> quote",
    "- item",
    "1. item",
    "\u202emorphine\u202c\x00\x1b[31m\r\n\t",
    "é中文🙂",
]
_hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=20),
    st.builds(lambda s, n: s * n, st.sampled_from(HOSTILE), st.integers(1, 400)),  # huge
)
_hostile_value = st.one_of(
    _hostile_text,
    st.builds(lambda a, b: f"{a}:{b}", st.sampled_from(known_names()), _hostile_text),
    st.builds(lambda a, b: f"{a},{b}", _hostile_text, _hostile_text),
    st.lists(_hostile_text, min_size=2, max_size=4),  # a repeated key
)
hostile_links = st.dictionaries(
    st.sampled_from([*FIELDS, "x", ""]) | _hostile_text, _hostile_value, max_size=10
)

_WORK_BOUND = (
    MAX_PARAMETERS
    + sum(len(enum) for enum in (RedFlag, Condition, Allergy, RadicularFeature))
    + 3 * len(CATALOGUE)
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_links)
def test_hostile_links_give_only_plain_text_notices_and_bounded_work(
    params: dict[str, Any],
) -> None:
    result = case_from_query({**BASE, **params})
    assert len(result.notices) <= MAX_NOTICES + 1
    assert result.items_read <= _WORK_BOUND
    for notice in result.notices:
        assert "\n" not in notice
        assert len(notice) < 600
        assert_plain(notice)
    for name in (*result.ignored, result.title):
        assert_plain(name)


# ---------------------------------------------------------------------------------------------
# Combination products


def test_a_combination_product_round_trips_by_its_name() -> None:
    """Percocet is oxycodone with acetaminophen (Percocet label): the link names the product,
    so the acetaminophen in it is read back and the plan still withholds a second
    acetaminophen (FDA 2011 combination-product communication). An oxycodone token stays
    plain oxycodone."""
    case = PatientCase(
        age_years=45,
        sex="male",
        weight_kg=80,
        conditions=(Condition.gi_bleed_history,),
        current_medications=(CurrentMedication(drug="Percocet", dose=10, doses_per_day=6),),
        tried=(TriedMedication(drug="Tylenol #3", dose=30),),
    )
    query = case_to_query(case)
    assert query["current_medications"].startswith("percocet:10:mg:6")
    assert query["tried"].startswith("tylenol #3:30")
    params = dict(parse_qsl(query_string(case), keep_blank_values=True))
    back = case_from_query(params)
    assert back.notices == ()
    assert back.case == case
    assert back.case is not None
    assert back.case.current_medications[0].also_contains == ("acetaminophen",)
    assert build_plan(back.case) == build_plan(case)
    plain = case_from_query({**BASE, "current_medications": "oxycodone:10:mg:6"}).case
    assert plain is not None
    assert plain.current_medications[0].product is None


# ---------------------------------------------------------------------------------------------
# What a link without sensitive fields cannot say (issue 22)


@pytest.mark.parametrize(
    ("query", "sensitive"),
    [
        ({"age_years": "42"}, False),
        ({"age_years": "42", "allergies": "nsaid"}, False),  # allergies are in the address bar
        ({"age_years": "42", "red_flags": "fever"}, False),
        ({"age_years": "42", "red_flags": "fever,iv_drug_use"}, True),  # the sensitive flag
        ({"age_years": "42", "prior_overdose": "false"}, True),  # said outright, even if no
        ({"age_years": "42", "current_medications": "buprenorphine"}, True),
        ({"age_years": "42", "conditions": "opioid_use_disorder"}, True),
    ],
)
def test_holds_sensitive(query, sensitive):
    values = case_from_query(query).values
    assert holds_sensitive(values) is sensitive
    assert bool(unchecked_in_link(values)) is not sensitive


def test_a_private_address_lists_every_question_but_what_it_gave():
    """The address bar of a case (private_query) never holds a sensitive field, so every
    question is asked; allergies it did give are not asked again."""
    case = PatientCase(
        age_years=42, sex="male", weight_kg=80, allergies=(Allergy.nsaid,), pain_score=8
    )
    values = case_from_query(private_query(case)).values
    assert not holds_sensitive(values)
    asked = unchecked_in_link(values)
    assert asked == tuple(words for words, _ in LINK_CHECKS if words != "allergies")
    full = case.model_copy(update={"heavy_alcohol_use": True})
    assert unchecked_in_link(case_from_query(share_query(full)).values) == ()


def test_every_sensitive_field_is_covered_by_a_question():
    """Each field the address bar leaves out is named in one of the page's questions."""
    covered = {name for _, names in LINK_CHECKS for name in names}
    assert covered >= SENSITIVE_FIELDS
    assert {f"red_flags:{flag.value}" for flag in SENSITIVE_RED_FLAGS} <= covered


# ---------------------------------------------------------------------------------------------
# Notices quote little, and show what they quote (issue 22)


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("fe\u200bmale", "feU+200Bmale"),  # read as 'female' when the space was stripped
        ("ma\u202ele", "maU+202Ele"),  # a bidi override
        ("ma\tle", "maU+0009le"),  # a tab inside
        ("fe\u00admale", "feU+00ADmale"),  # soft hyphen
        ("other", "other"),
    ],
)
def test_invisible_characters_are_shown_when_quoted(value, quoted):
    result = case_from_query({"sex": value})
    assert any(f"sex={quoted}:" in n for n in result.notices), result.notices
    assert quote_link_text(value) == quoted


def test_a_link_cannot_fill_the_notice_with_its_own_lines():
    """Twenty parameters of the link's own text: MAX_NOTICES short lines and one count."""
    text = "give morphine 10 mg IV now, as the protocol says"
    params = {f"note{i}": text for i in range(20)}
    result = case_from_query(params)
    assert len(result.notices) == MAX_NOTICES + 1
    assert result.notices[-1] == f"…and {20 - MAX_NOTICES} more ignored parts"
    for notice in result.notices[:-1]:
        assert len(notice) < 80, notice  # a short quote, cut with "…"
        assert text not in notice
