"""A number as a person typed it: read exactly, or refused with a reason; never guessed.

The form's number boxes are text boxes (ui/number_box.py), so what reaches the engine is what
was typed, not what a browser's number parser made of it (Streamlit 1.67's number input turned
``1,5`` into 15 in en-US and de-DE Chromium, kept a stale value for 99999999999999999999 and reset
``NaN`` or ``1e309`` to the box's default; issue 22). Rules:

* Plain decimal notation only: an optional sign, ASCII digits, at most one decimal separator.
  Exponents (``1e3``), ``NaN``, ``inf``, digit grouping (``1 500``, ``1_500``), a second sign
  (``--5``) and non-ASCII digits are refused: none is how a dose or an age is written at the
  bedside, and reading any of them is a guess.
* A decimal comma is a decimal point (``1,5`` is 1.5, as typed in a de-DE locale), except when it
  could be a thousands separator: groups of three digits after a comma that a thousands
  separator could have made (``1,500``, ``12,000,000``; ``0,125`` is 0.125) or a number with both
  a comma and a point (``1.500,5``) is refused with a message, because 1.5 and
  1500 mg are both plausible doses and guessing wrong is a 1000-fold error.
* A whole-number field takes ``72`` or ``72.0`` but not ``72.5``.
* Range is not judged here: the model's own bounds do that (one source), so 99999 is read as
  99999 and then reported as out of range. Only numbers past every bound by far (more than
  `MAX_WHOLE_DIGITS` digits before the point, e.g. 99999999999999999999) are refused here, so
  every value read is finite and exact; length is capped (`MAX_CHARS`) so reading stays cheap.

Pure and total: any string in, a `TypedNumber` out, never an exception.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict

from logic.formats.plaintext import visible

__all__ = ["MAX_CHARS", "MAX_WHOLE_DIGITS", "TypedNumber", "number_text", "read_number", "shown"]

MAX_CHARS = 400
"""Characters a typed number may have (after trimming): enough for any float the model accepts
written out in full (the smallest, 5e-324, is 326 characters), so the page can always show a
case's value in its box."""
MAX_WHOLE_DIGITS = 15
"""Digits before the decimal point. The largest bound in the model is 5,000 (a dose), so a
16-digit number is out of every range; refusing it here keeps each value an exact, finite float
(and its message short) instead of an overflow."""

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+")


class TypedNumber(BaseModel):
    """What a box held: `value` when it reads as a number, else `error` (why, in words).

    Both None means the box is empty (the field is not given)."""

    model_config = ConfigDict(frozen=True)

    value: int | float | None = None
    error: str | None = None


def shown(text: str, limit: int = 24) -> str:
    """Typed text quoted back safely: invisible and non-printing characters as U+XXXX
    (`logic.formats.plaintext.visible`), cut to `limit` characters, so a message about a value is
    never blank or misleading."""
    joined = visible(text, limit * 2)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def read_number(text: str | int | float | None, *, whole: bool = False) -> TypedNumber:
    """Read one number box. `whole` for a field the model holds as an integer."""
    if text is None:
        return TypedNumber()
    if isinstance(text, bool):
        return TypedNumber(error="is not a number")
    if isinstance(text, int | float):  # a value the page itself put in the box
        if not math.isfinite(text):
            return TypedNumber(error="is not a finite number")
        text = number_text(text)
    raw = str(text).strip()  # any Unicode space a paste can bring (not zero-width ones)
    if not raw:
        return TypedNumber()
    quoted = f"'{shown(raw)}'"
    if len(raw) > MAX_CHARS:
        return TypedNumber(error=f"{quoted} is too long to be a number (at most {MAX_CHARS})")
    if ("," in raw and "." in raw) or _THOUSANDS.fullmatch(raw):
        return TypedNumber(
            error=f"{quoted} is ambiguous: write decimals with one point or comma (1.5 or 1,5) "
            "and no thousands separator (1500)"
        )
    if not _PLAIN.fullmatch(raw):
        return TypedNumber(
            error=f"{quoted} is not a number: type digits, with one decimal point if needed"
        )
    number = Decimal(raw.replace(",", "."))
    if len(raw.lstrip("+-").replace(",", ".").split(".")[0].lstrip("0")) > MAX_WHOLE_DIGITS:
        return TypedNumber(error=f"{quoted} is far too large for any field of this form")
    if whole:
        if number != number.to_integral_value():
            return TypedNumber(error=f"{quoted} must be a whole number")
        return TypedNumber(value=int(number))
    try:
        value = float(number)
    except (InvalidOperation, OverflowError):  # pragma: no cover - bounded above
        value = math.nan
    if not math.isfinite(value):  # pragma: no cover - bounded by MAX_WHOLE_DIGITS
        return TypedNumber(error=f"{quoted} is not a finite number")
    return TypedNumber(value=value)


def number_text(value: int | float) -> str:
    """A value as the box shows it: plain decimals, no exponent, no trailing zeros (80, 0.6,
    88.4, 0.00001), so the box always holds text `read_number` reads back to the same value."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
