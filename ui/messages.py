"""Messages about the inputs: link notices, missing facts and out-of-range values.

Anything that came from outside (a link's names and values, text a user typed) is shown only
through `logic.plaintext.plain_text`, so it is read as text and never as Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st
from pydantic import ValidationError
from streamlit.delta_generator import DeltaGenerator

from logic.catalogue import display_name
from logic.models import PatientCase, TriedMedication
from logic.plaintext import plain_text
from ui.fields import FIELDS, model_range

NOTICE_TITLE = "Some link parameters were ignored"
MAX_NOTICES = 20

_ROW_LABELS = {"drug": ("medicine", ""), "dose_mg": ("dose", "mg"), "doses_given": ("doses", "")}


def show_link_notices(notices: Sequence[str]) -> None:
    """What a link carried that the page ignored, counted and capped.

    Every piece of the link in a notice was passed through `plain_text` where the notice was
    written (logic.share and ui.link), so the notice is shown as it is.
    """
    if not notices:
        return
    shown = [f"- {n}" for n in notices[:MAX_NOTICES]]
    if len(notices) > MAX_NOTICES:
        shown.append(f"- and {len(notices) - MAX_NOTICES} more")
    st.warning("\n".join(shown), title=NOTICE_TITLE, icon=":material/link_off:")


def show_missing(missing: Sequence[str]) -> None:
    st.info(
        f"Enter the {', '.join(missing)} to see the plan (required fields are marked 'Required').",
        icon=":material/edit_note:",
    )


def _label(loc: Sequence[str | int], tried: Sequence[str]) -> tuple[str, str, str | None]:
    """(label, unit, range) of the field at a pydantic error location."""
    name = str(loc[-1])
    if loc[0] == "tried" and len(loc) == 3:
        label, unit = _ROW_LABELS.get(name, (name.replace("_", " "), ""))
        index = loc[1]
        if isinstance(index, int) and index < len(tried):
            label = f"{display_name(tried[index])}: {label}"
        return label, unit, model_range(name, TriedMedication)
    spec = FIELDS.get(name)
    if spec is None:
        return name.replace("_", " "), "", None
    unit = "" if spec.unit == "0–10" else spec.unit
    return spec.label, unit, model_range(name, PatientCase)


def human_error(error: Mapping[str, Any], tried: Sequence[str]) -> str:
    """One pydantic error as a sentence naming the field and its allowed range."""
    loc = [part for part in error["loc"] if isinstance(part, str | int)]
    message = plain_text(str(error["msg"]).removeprefix("Value error, "), limit=300)
    if not loc:
        return message[:1].upper() + message[1:]
    field, unit, span = _label(loc, tried)
    value = error.get("input")
    if span and isinstance(value, int | float) and not isinstance(value, bool):
        return (
            f"**{field}** must be {span} {unit}; {value:.4g} {unit} was entered.".replace("  ", " ")
            .replace(" ;", ";")
            .replace(" .", ".")
        )
    return f"**{field}**: {message}."


def show_invalid(
    exc: ValidationError, tried: Sequence[str], slots: Mapping[str, DeltaGenerator]
) -> None:
    """Each error beside its input and all of them above the plan; no plan is built."""
    by_field: dict[str, list[str]] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        by_field.setdefault(name, []).append(human_error(error, tried))
    for name, lines in by_field.items():
        if name in slots:
            slots[name].error("  \n".join(lines), icon=":material/error:")
    st.error(
        "\n".join(f"- {human_error(e, tried)}" for e in exc.errors()),
        title="Check the inputs: no plan is shown until they are plausible",
        icon=":material/error:",
    )
    st.caption(
        "Out-of-range values are usually a unit mix-up (pounds for kilograms, µmol/L for "
        "mg/dL): check the unit beside the input."
    )
