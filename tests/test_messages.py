"""Input error messages in the page's words: the field's label, never its id; a medicine row's
error names its list and its medicine (ui/messages.py, labels from ui/fields.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from logic.models import PatientCase
from ui.fields import FIELDS
from ui.messages import human_error

BASE = {
    "age_years": 40,
    "sex": "female",
    "weight_kg": 70,
    "crcl_ml_min": 80,
    "pain_duration_weeks": 1,
    "pain_score": 8,
}


def errors(**overrides: object) -> list[dict]:
    with pytest.raises(ValidationError) as error:
        PatientCase.model_validate({**BASE, **overrides})
    return error.value.errors()


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"pregnancy_weeks": 20}, [FIELDS["pregnant"].label, "weeks of pregnancy"]),
        (
            {"on_hemodialysis": True, "crcl_ml_min": 80},
            [FIELDS["on_hemodialysis"].label, FIELDS["crcl_ml_min"].label.lower()],
        ),
    ],
)
def test_cross_field_errors_use_the_page_labels_not_field_ids(overrides: dict, words: list) -> None:
    (error,) = errors(**overrides)
    message = human_error(error, ()).replace("\\", "")  # Markdown escapes, as rendered
    for word in words:
        assert word.lower() in message.lower(), message
    assert not any(key in message.lower() for key in FIELDS if "_" in key), message
    assert message[0].isupper()


def test_a_field_id_in_a_message_becomes_its_label() -> None:
    """A model-level message that names a field id is not capitalised into 'Pregnancy_weeks'."""
    error = {"loc": (), "msg": "Value error, pregnancy_weeks needs a box", "input": {}}
    assert human_error(error, ()) == "'Pregnancy' needs a box"


def test_a_regular_medicine_error_names_the_list_and_the_medicine() -> None:
    (error,) = errors(current_medications=[{"drug": "Roxicodone", "dose": 10, "unit": "mcg/h"}])
    message = human_error(error, (), ("oxycodone",))
    assert message.startswith("**Regular medicines, oxycodone (Roxicodone): dose unit**:")
    (error,) = errors(current_medications=[{"drug": "oxycodone", "dose": 6000}])
    message = human_error(error, (), ("oxycodone",))
    assert message == (
        "**Regular medicines, oxycodone (Roxicodone): dose each time** must be more than 0 and "
        "at most 5000; 6000 was entered."
    )


def test_a_value_that_is_not_out_of_range_is_not_reported_as_a_range() -> None:
    """Fentanyl dose_mg=100 is wrong because fentanyl is never in mg, not because 100 is out of
    the 0-5000 range: the message says the reason."""
    (error,) = errors(tried=[{"drug": "fentanyl", "dose_mg": 100, "relief": "none"}])
    message = human_error(error, ("fentanyl",))
    assert "Medicines already tried, fentanyl (Sublimaze): dose" in message
    assert "never in mg" in message
    assert "was entered" not in message
