"""A number box that hands the engine exactly what was typed.

Streamlit's number input parses in the browser and hides what it could not parse: a decimal
comma became a thousands separator (``1,5`` -> 15), ``NaN`` reset the box to its default, and a
huge integer left the previous value in force (issue 22). A text box sends the typed text as it
is; logic.formats.typed_number reads it and ui.page names the box when it is not a number.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from logic.formats.typed_number import number_text

#: Every case widget keeps its value while it is not drawn (the patient view has no form, the
#: creatinine box hides while "CrCl known" is chosen): Streamlit 1.67's own `persist_state`.
#: It replaces writing every case value back into session state on every run, which made
#: Streamlit mark each widget as set from session state and the browser redraw all 50 of them
#: on every change (issue 24).
KEEP: Final = "page"


def as_text(value: Any) -> str:
    """A session-state value as the box's text (a case or a unit switch stores numbers)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    return str(value)


def number_box(
    where: Any,
    label: str,
    key: str,
    *,
    placeholder: str | None = None,
    help: str | None = None,  # noqa: A002 (Streamlit's own parameter name)
    width: int | Literal["stretch"] = "stretch",
    label_visibility: Literal["visible", "hidden", "collapsed"] = "visible",
    icon: str | None = None,
    default: str = "",
) -> None:
    """Draw the box for `key`; a number already in session state is shown as its text."""
    state = st.session_state
    if key not in state:
        state[key] = default
    elif not isinstance(state[key], str):
        state[key] = as_text(state[key])
    target: DeltaGenerator = where
    target.text_input(
        label,
        key=key,
        placeholder=placeholder,
        help=help,
        width=width,
        label_visibility=label_visibility,
        icon=icon,
        autocomplete="off",
        persist_state=KEEP,
    )
