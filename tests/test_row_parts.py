"""A medicine row's parts are named once (logic.case_fields.ROW_PARTS) and every reader uses it.

The readers: the row's boxes on the page (ui/form.py, drawn here with AppTest), the page's
number-box errors (ui.fields.typed_errors), the page's model-error lines (ui.messages) and the
link's notices (logic.formats.share). The expected words are the page's box labels as a user
sees them, written out here, so a table row that drifts from the page fails too.
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from logic.case_fields import ROW_PARTS
from logic.drugs.catalogue import display_name
from logic.formats.share import case_from_query
from ui.fields import FIELDS, row_keys, typed_errors
from ui.messages import human_error

#: The words of each part's box on the page (ui/form.py current_row/tried_row, Streamlit's
#: collapsed labels read by screen readers), written out independently of the table.
PAGE_WORDS = {
    "dose": ("dose each time", "optional"),
    "unit": ("dose unit", ""),
    "doses_given": ("number of doses given", ""),
    "doses_per_day": ("doses a day", ""),
    "weeks": ("weeks taken", ""),
    "route": ("route", "optional"),
    "formulation": ("formulation", ""),
    "relief": ("relief", "required"),
    "hours_ago": ("hours since the last dose", "optional"),
    "days_since_first_dose": ("days since the first dose (0 = today)", "optional"),
}

#: The link's medicine token layout, drug:part:part:... (logic/formats/share.py, README "Links").
LINK_PARTS = {
    "tried": (
        "dose",
        "route",
        "doses_given",
        "relief",
        "unit",
        "formulation",
        "hours_ago",
        "days_since_first_dose",
    ),
    "current_medications": ("dose", "unit", "doses_per_day", "route", "formulation", "weeks"),
}
#: A value each part cannot take: a word where a number goes, an unknown choice elsewhere.
BAD = {"route": "zzz", "relief": "zzz", "unit": "zzz", "formulation": "zzz"}
BASE = {"age_years": "40", "sex": "male", "weight_kg": "70"}
ALL_PARTS = sorted({(name, part) for name, parts in LINK_PARTS.items() for part in parts})


@pytest.mark.parametrize("part", sorted(PAGE_WORDS))
def test_table_is_the_pages_wording(part: str) -> None:
    label, marker = PAGE_WORDS[part]
    assert (ROW_PARTS[part].label, ROW_PARTS[part].marker) == (label, marker)


@pytest.mark.parametrize(("list_name", "part"), ALL_PARTS)
def test_link_notice_names_the_part_as_the_table_does(list_name: str, part: str) -> None:
    """A bad part in a hand-edited link is ignored with a notice in the row's words."""
    values = [BAD.get(p, "lots") if p == part else "" for p in LINK_PARTS[list_name]]
    result = case_from_query({**BASE, list_name: ":".join(["ibuprofen", *values])})
    label = ROW_PARTS[part].label
    assert len(result.notices) == 1
    assert result.notices[0].startswith(f"Ignored the {label} '{BAD.get(part, 'lots')}' of ")
    assert f"({label} must be " in result.notices[0]


@pytest.mark.parametrize(("list_name", "part"), ALL_PARTS)
def test_model_error_names_the_part_as_the_table_does(list_name: str, part: str) -> None:
    """A pydantic error on a row part reads 'List, medicine: <part label>'."""
    error = {"loc": (list_name, 0, part), "msg": "bad", "type": "value_error", "input": "x"}
    line = human_error(error, ["ibuprofen"], ["ibuprofen"])
    where = f"{FIELDS[list_name].label}, {display_name('ibuprofen')}"
    assert line.startswith(f"**{where}: {ROW_PARTS[part].label}**")


NUMBER_BOXES = [
    ("tried", "doses_given"),
    ("tried", "dose"),
    ("tried", "hours_ago"),
    ("current_medications", "dose"),
    ("current_medications", "doses_per_day"),
    ("current_medications", "weeks"),
]


@pytest.mark.parametrize(("list_name", "part"), NUMBER_BOXES)
def test_typed_error_names_the_box_as_the_table_does(list_name: str, part: str) -> None:
    """A row number box holding a word is reported with the table's label for that box."""
    key = row_keys("ibuprofen", list_name)[part]
    errors = typed_errors({list_name: ["ibuprofen"], key: "abc"})
    where = f"{FIELDS[list_name].label}, {display_name('ibuprofen')}"
    assert [line.split("**")[1] for line in errors[list_name]] == [
        f"{where}: {ROW_PARTS[part].label}"
    ]


def test_page_row_widgets_are_labelled_from_the_table() -> None:
    """Drawn by the page (AppTest), every box of a tried and a regular medicine row carries the
    table's widget label, and each such label is the page's wording above."""
    st.cache_data.clear()
    at = AppTest.from_file("../app.py", default_timeout=30).run()
    at.multiselect(key="tried").set_value(["ibuprofen"]).run()
    at.multiselect(key="current_medications").set_value(["ibuprofen"]).run()
    name = display_name("ibuprofen")
    labels = {w.key: w.label for kind in (at.text_input, at.selectbox) for w in kind}
    seen = 0
    for list_name in ("tried", "current_medications"):
        for part, key in row_keys("ibuprofen", list_name).items():
            if part == "days_since_first_dose":  # only ketorolac's row has it (its 5 days)
                assert key not in labels
                continue
            label, marker = PAGE_WORDS[part]
            expected = f"{name}: {label}" + (f" ({marker})" if marker else "")
            assert labels[key] == ROW_PARTS[part].widget_label(name) == expected
            seen += 1
    formulation = row_keys("ibuprofen", "current_medications")["formulation"]
    assert formulation in labels
    assert seen == 12  # 6 tried boxes + 6 regular-medicine boxes (ui.fields.ROWS)
    at.multiselect(key="tried").set_value(["ketorolac"]).run()
    labels = {w.key: w.label for w in at.text_input}
    key = row_keys("ketorolac", "tried")["days_since_first_dose"]
    assert labels[key] == ROW_PARTS["days_since_first_dose"].widget_label(display_name("ketorolac"))
