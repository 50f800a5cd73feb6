"""One field table (logic.case_fields): the page, the link's notices and the model say the same.

Issue 19: labels and units of case fields were written in ui/fields.py, logic/formats/share.py
and logic/models.py, and disagreed ("Past opioid overdose" on the page, "prior overdose" in a
link notice; the pain score's "unit" was "0–10" on the page and "(0–10 scale)" in a notice).
Now each field has one row, and each of the three reads it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from logic import case_fields
from logic.case_fields import CASE_FIELDS
from logic.formats.share import case_from_query
from logic.models import PatientCase
from ui import form
from ui.fields import FIELDS

#: A valid link (hand-built; tests/test_share.py uses the same minimum).
BASE = {
    "age_years": "40",
    "sex": "female",
    "weight_kg": "70",
    "crcl_ml_min": "90",
    "pain_duration_weeks": "2",
    "pain_score": "8",
    "setting": "ed",
}


def test_every_model_field_has_exactly_one_row() -> None:
    """Each PatientCase field has a row, no row names a field the model lacks, and the table's
    source has no key written twice (a dict literal would silently keep the last one)."""
    assert set(CASE_FIELDS) == set(PatientCase.model_fields)
    tree = ast.parse(Path(case_fields.__file__).read_text(encoding="utf-8"))
    (table,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "CASE_FIELDS"
    ]
    assert isinstance(table, ast.Dict)
    keys = [k.value for k in table.keys if isinstance(k, ast.Constant)]
    assert len(keys) == len(table.keys) == len(set(keys))


def test_every_field_has_a_label() -> None:
    assert all(row.label.strip() for row in CASE_FIELDS.values())


@pytest.mark.parametrize("name", list(PatientCase.model_fields))
def test_page_link_and_model_read_the_same_row(name: str) -> None:
    row = CASE_FIELDS[name]
    # The page: the form's table and the label the widget shows.
    assert FIELDS[name].label == row.label
    assert FIELDS[name].unit == row.unit
    assert FIELDS[name].help == row.help
    assert form._label(FIELDS[name]).startswith(row.label)
    # The model: its description is the row's.
    description = PatientCase.model_fields[name].description
    assert description == row.description
    assert description.startswith(row.label)
    if row.unit:
        assert f"({row.unit})" in description


#: Every scalar field a link may carry, a value it rejects, and the notice expected. The ranges
#: are the model's (PatientCase: age 18-110, pain score 0-10 on the numeric rating scale,
#: pregnancy 1-42 weeks, eGFR 0-200); the words are the page's labels.
NOTICES = [
    ("age_years", "300", "Ignored age_years=300: age must be 18–110 years"),
    ("weight_kg", "-5", "Ignored weight_kg=-5: weight must be 25–350 kg"),
    ("pain_score", "11", "Ignored pain_score=11: pain score now must be 0–10"),
    ("pregnancy_weeks", "0", "Ignored pregnancy_weeks=0: pregnancy must be 1–42 weeks"),
    (
        "egfr_ml_min_1_73m2",
        "250",
        "Ignored egfr_ml_min_1_73m2=250: eGFR must be 0–200 mL/min/1.73 m²",
    ),
    ("setting", "ward", "Ignored setting=ward: setting must be one of: ed, clinic"),
    ("on_hemodialysis", "maybe", "Ignored on_hemodialysis=maybe: on haemodialysis must be"),
    ("prior_overdose", "maybe", "Ignored prior_overdose=maybe: past opioid overdose must be"),
]


@pytest.mark.parametrize(("name", "value", "expected"), NOTICES)
def test_a_link_notice_names_the_field_as_the_page_does(
    name: str, value: str, expected: str
) -> None:
    (notice,) = case_from_query({**BASE, name: value}).notices
    assert notice.startswith(expected)
    assert CASE_FIELDS[name].in_sentence in notice


SCALARS = [
    name
    for name, info in PatientCase.model_fields.items()
    if not str(info.annotation).startswith("tuple")
]


@pytest.mark.parametrize("name", SCALARS)
def test_every_scalar_notice_uses_the_row(name: str) -> None:
    """A value no field accepts ("a", not a number, flag or choice) is named by the row."""
    notices = case_from_query({**BASE, name: "a"}).notices
    (notice,) = [n for n in notices if n.startswith(f"Ignored {name}=a: ")]
    assert notice.startswith(f"Ignored {name}=a: {CASE_FIELDS[name].in_sentence} ")


#: Numbers the help quotes, each with its source, read independently of logic.engine.thresholds.
HELP_FACTS = [
    # FDA Drug Safety Communication, 15 Oct 2020: avoid NSAIDs from 20 weeks of pregnancy.
    ("pregnancy_weeks", "from 20 weeks"),
    # CDC 2022 Clinical Practice Guideline: acute under 1 month, chronic over 3 months.
    ("pain_duration_weeks", "Acute: under 4 weeks"),
    ("pain_duration_weeks", "subacute: 4–12"),
    ("pain_duration_weeks", "chronic: over 12"),
    # Reid et al., Br J Clin Pharmacol 2022: acetaminophen 3 g a day for frail older people.
    ("frail", "3 g a day"),
]


@pytest.mark.parametrize(("name", "words"), HELP_FACTS)
def test_help_quotes_the_sourced_numbers(name: str, words: str) -> None:
    assert words in CASE_FIELDS[name].help
    assert CASE_FIELDS[name].source  # a number in the help names where it comes from


def test_a_score_shows_its_scale_from_the_model() -> None:
    """The pain score has no unit: its label shows the 0–10 scale read from the model, and its
    help does not repeat an 'Allowed' range."""
    spec = FIELDS["pain_score"]
    assert spec.unit == ""
    assert form._label(spec) == "Pain score now (0–10)"
    assert "Allowed" not in form._help(spec)
    assert form._label(FIELDS["age_years"]) == "Age (years)"
    assert "Allowed: 18–110 years." in form._help(FIELDS["age_years"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("egfr_ml_min_1_73m2", "eGFR"),
        ("setting", "setting"),
        ("serum_creatinine_mg_dl", "serum creatinine"),
    ],
)
def test_in_sentence_keeps_acronyms_and_names_questions(name: str, expected: str) -> None:
    assert CASE_FIELDS[name].in_sentence == expected
