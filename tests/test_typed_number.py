"""logic.formats.typed_number: what a typed number box means, by the rule of issue 22.

Expected values are hand readings of each text: a decimal comma is a decimal point (de-DE
typing), a comma that could group thousands is refused, nothing else is guessed.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from logic.formats.typed_number import MAX_WHOLE_DIGITS, number_text, read_number, shown

READ = [
    # (typed, whole, value or None when refused/empty, refused)
    ("72", True, 72, False),
    ("72.0", True, 72, False),
    ("72.5", True, None, True),  # not a whole number
    (" 80 ", False, 80.0, False),
    ("\u00a080\u2003", False, 80.0, False),  # pasted non-breaking / em spaces are trimmed
    ("1,5", False, 1.5, False),  # de-DE decimal comma (was 15 in Chromium)
    ("0,6", False, 0.6, False),
    ("0,125", False, 0.125, False),  # a leading 0 cannot start a thousands group
    ("1,50", False, 1.5, False),  # two digits after the comma: decimals
    ("1,500", False, None, True),  # 1.5 or 1500: refused
    ("12,000,000", False, None, True),
    ("1.500,5", False, None, True),  # point and comma together
    ("5.", False, 5.0, False),
    (".5", False, 0.5, False),
    ("-3", False, -3.0, False),  # read; the model's range refuses it
    ("NaN", False, None, True),
    ("nan", True, None, True),
    ("inf", False, None, True),
    ("e", True, None, True),
    ("--5", True, None, True),
    ("1e309", False, None, True),  # an exponent, and past float range
    ("1e3", False, None, True),  # exponents are not how doses are written
    ("1_000", False, None, True),
    ("1 000", False, None, True),
    ("\u0661\u0662", True, None, True),  # Arabic-Indic digits: not ASCII
    ("7\u200b2", True, None, True),  # a zero-width space inside
    ("9" * MAX_WHOLE_DIGITS, True, int("9" * MAX_WHOLE_DIGITS), False),  # 15 digits: read
    ("9" * (MAX_WHOLE_DIGITS + 1), True, None, True),  # 16 digits: far past every bound
    ("99999999999999999999", True, None, True),  # the huge whole number
    ("", False, None, False),  # empty: not given
    ("   ", False, None, False),
]


@pytest.mark.parametrize(("text", "whole", "value", "refused"), READ)
def test_read_number(text, whole, value, refused):
    typed = read_number(text, whole=whole)
    assert (typed.error is not None) is refused, typed
    assert typed.value == value
    if value is not None:
        assert isinstance(typed.value, int if whole else float)


def test_refusals_quote_the_text_with_invisible_characters_shown():
    """'7<ZWSP>2' must not read as '72' in the message (issue 22: stripped invisible characters
    made notices read as nonsense)."""
    assert "'7U+200B2'" in (read_number("7\u200b2").error or "")
    assert "ambiguous" in (read_number("1,500").error or "")
    assert shown("a\tb\u00adc") == "aU+0009bU+00ADc"
    assert shown("x" * 100, limit=10) == "x" * 9 + "…"


@pytest.mark.parametrize("value", [math.nan, math.inf, True])
def test_values_that_are_no_number(value):
    assert read_number(value).error is not None


@given(hs.floats(min_value=0, max_value=1e14, allow_nan=False, allow_infinity=False))
def test_every_float_the_page_shows_reads_back_exactly(value):
    """A case's value (a link, a unit switch) shown in a box reads back as the same float."""
    text = number_text(value)
    assert "e" not in text.lower()
    assert read_number(text).value == value


@given(hs.integers(min_value=-(10**14), max_value=10**14))
def test_every_whole_number_reads_back(value):
    assert read_number(number_text(value), whole=True).value == value
