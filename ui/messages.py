"""Messages about the inputs: link notices, missing facts and out-of-range values.

Anything that came from outside (a link's names and values, text a user typed) is shown only
through `logic.formats.plaintext.plain_text`, so it is read as text and never as Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st
from pydantic import ValidationError

from logic.case_fields import row_part
from logic.drugs.catalogue import display_name, resolve_drug
from logic.formats.plaintext import plain_text
from logic.formats.share import MAX_NOTICES as LINK_MAX_NOTICES
from logic.models import CurrentMedication, PatientCase, TriedMedication
from ui.fields import FIELDS, model_range

NOTICE_TITLE = "Some link parameters were ignored"
MAX_NOTICES = LINK_MAX_NOTICES
_COUNTED = re.compile(r"^…and (\d+) more ignored part")

_ROW_MODELS = {"tried": TriedMedication, "current_medications": CurrentMedication}
#: Pydantic error types that mean "outside the allowed range" (the range is then stated).
_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
#: Field ids a message may name (those with an underscore, which no sentence has on its own).
_FIELD_ID = re.compile(r"\b(" + "|".join(k for k in FIELDS if "_" in k) + r")\b")


def show_link_notices(notices: Sequence[str]) -> None:
    """What a link carried that the page ignored, counted and capped.

    Every piece of the link in a notice was passed through `plain_text` where the notice was
    written (logic.formats.share and ui.link), so the notice is shown as it is.
    """
    if not notices:
        return
    listed = [n for n in notices if not _COUNTED.match(n)]
    more = sum(int(m.group(1)) for n in notices if (m := _COUNTED.match(n)))
    more += max(0, len(listed) - MAX_NOTICES)
    shown = [f"- {n}" for n in listed[:MAX_NOTICES]]
    if more:
        shown.append(f"- …and {more} more ignored part{'s' if more != 1 else ''}")
    st.warning("\n".join(shown), title=NOTICE_TITLE, icon=":material/link_off:")


def show_missing(missing: Sequence[str]) -> None:
    st.info(
        f"Enter the {', '.join(missing)} to see the plan (required fields are marked 'Required').",
        icon=":material/edit_note:",
    )


def not_number_lines(errors: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Boxes whose text is not a number (ui.fields.typed_errors), by input. The typed text in
    them is already quoted safely (logic.formats.typed_number.shown); it goes through
    `plain_text` once more so that it can never read as Markdown."""
    return {name: [_safe(line) for line in found] for name, found in errors.items()}


def show_not_numbers(errors: Mapping[str, Sequence[str]]) -> None:
    """All the boxes that are not numbers, above the plan (each is also beside its box, see
    `beside_inputs`); no plan, link or download is made from a value the page cannot read."""
    lines = not_number_lines(errors)
    st.error(
        "\n".join(f"- {line}" for found in lines.values() for line in found),
        title="Check the inputs: no plan is shown until every number reads as a number",
        icon=":material/error:",
    )


def _safe(line: str) -> str:
    """'**label**: text' with the text (which holds what was typed) made plain."""
    head, sep, tail = line.rpartition("**: ")
    return f"{head}{sep}{plain_text(tail, limit=300)}" if sep else plain_text(line, limit=300)


def _label(
    loc: Sequence[str | int], lists: Mapping[str, Sequence[str]]
) -> tuple[str, str, str | None]:
    """(label, unit, range) of the field at a pydantic error location, in the page's words:
    a medicine row's field is named with its list and its medicine ('Regular medicines,
    oxycodone (Roxicodone): dose unit')."""
    name = str(loc[-1])
    model = _ROW_MODELS.get(str(loc[0]))
    if model is not None and len(loc) >= 2:
        index = loc[1]
        drugs = lists.get(str(loc[0])) or ()
        where = FIELDS[str(loc[0])].label
        if isinstance(index, int) and index < len(drugs):
            typed = drugs[index]  # a name the catalogue does not know is shown as typed
            known = resolve_drug(typed) is not None
            where = f"{where}, {display_name(typed) if known else plain_text(typed, 60)}"
        if len(loc) == 2:
            return where, "", None
        words = row_part(name)  # the row's box label and unit (logic.case_fields)
        label, unit = words.label, words.unit
        return f"{where}: {label}", unit, model_range(name, model)
    spec = FIELDS.get(name)
    if spec is None:
        return name.replace("_", " "), "", None
    return spec.label, spec.unit, model_range(name, PatientCase)


def _field_words(message: str) -> str:
    """A message with any field id ('pregnancy_weeks') replaced by the page's label for it."""
    return _FIELD_ID.sub(lambda match: f"'{FIELDS[match.group(1)].label}'", message)


def human_error(error: Mapping[str, Any], tried: Sequence[str], current: Sequence[str] = ()) -> str:
    """One pydantic error as a sentence naming the field (and for a medicine row its list and
    medicine) and, for a value out of range, the range allowed."""
    loc = [part for part in error["loc"] if isinstance(part, str | int)]
    message = plain_text(str(error["msg"]).removeprefix("Value error, "), limit=300)
    message = _field_words(message)
    if not loc:
        return message[:1].upper() + message[1:]
    field, unit, span = _label(loc, {"tried": tried, "current_medications": current})
    value = error.get("input")
    in_range_error = error.get("type") in _RANGE_ERRORS
    if span and in_range_error and isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f"**{field}** must be {span} {unit}; {value:.4g} {unit} was entered.".replace("  ", " ")
            .replace(" ;", ";")
            .replace(" .", ".")
        )
    return f"**{field}**: {message}."


def invalid_lines(
    exc: ValidationError, tried: Sequence[str], current: Sequence[str] = ()
) -> dict[str, list[str]]:
    """Each validation error as a sentence, by the input it belongs to (a medicine row's error
    by its list). `tried` and `current` are the medicines of the two lists, in order, so that a
    row's error names its medicine."""
    by_field: dict[str, list[str]] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        by_field.setdefault(name, []).append(human_error(error, tried, current))
    return by_field


def beside_inputs(lines: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The text drawn beside each input that has an error (ui.form.field_error)."""
    return {name: "  \n".join(found) for name, found in lines.items() if name and found}


def show_invalid(exc: ValidationError, tried: Sequence[str], current: Sequence[str] = ()) -> None:
    """All the errors above the plan (each is also beside its input, see `beside_inputs`); no
    plan is built."""
    st.error(
        "\n".join(f"- {human_error(e, tried, current)}" for e in exc.errors()),
        title="Check the inputs: no plan is shown until they are plausible",
        icon=":material/error:",
    )
    st.caption(
        "Out-of-range values are usually a unit mix-up (pounds for kilograms, µmol/L for "
        "mg/dL): check the unit beside the input."
    )
