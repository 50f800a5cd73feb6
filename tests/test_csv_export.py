"""The titration CSV opens correctly in a spreadsheet and cannot carry a formula.

Excel opens a CSV without a byte-order mark in the legacy code page (so "×" shows as "Ã—");
the UTF-8 BOM is EF BB BF. A cell starting with = + - @ (or tab / carriage return) is run as a
formula (OWASP, CSV Injection).
"""

from __future__ import annotations

import csv
import io

import pytest

from logic.engine.gabapentin import _csv_cell, build_gabapentin_plan, schedule_csv
from logic.engine.renal import RenalBand

PLANS = [
    build_gabapentin_plan(RenalBand.normal, 90),
    build_gabapentin_plan(RenalBand.moderate, 45),
    build_gabapentin_plan(RenalBand.severe, 20),
    build_gabapentin_plan(RenalBand.very_severe, 7.5),
    build_gabapentin_plan(RenalBand.hemodialysis, None),
]


@pytest.mark.parametrize("plan", PLANS)
def test_csv_starts_with_the_utf8_byte_order_mark(plan) -> None:
    data = schedule_csv(plan)
    assert data[:3] == b"\xef\xbb\xbf"
    text = data.decode("utf-8-sig")
    assert text.startswith("day,")
    assert "mg" in text


def test_multiplication_sign_survives_as_utf8() -> None:
    text = schedule_csv(PLANS[0]).decode("utf-8-sig")
    assert "1 × 300 mg" in text


@pytest.mark.parametrize("plan", PLANS)
def test_no_csv_cell_starts_like_a_formula(plan) -> None:
    rows = list(csv.reader(io.StringIO(schedule_csv(plan).decode("utf-8-sig"))))
    assert len(rows) == len(plan.steps) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("start", "start"),
        ("1 × 300 mg", "1 × 300 mg"),
        (300.0, 300.0),  # numbers stay numbers
    ],
)
def test_formula_cells_get_a_leading_apostrophe(value: object, written: object) -> None:
    assert _csv_cell(value) == written
