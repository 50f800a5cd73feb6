"""The one field table of the case form, read in both directions.

`FIELDS` names every widget that holds a `PatientCase` field: its kind, the unit switch it is
typed with and whether the plan needs it; its label, unit and help are the field's row in
logic.case_fields. Ranges are never written here: they are read from the
model (`model_range`), so the form, its help text and its error messages share one source.

* `case_inputs(state)` reads widget values into the dict `PatientCase` validates (units converted
  once, here) and lists what is still missing.
* `widget_values(case_fields)` turns a case (a link, a teaching case, the reference case) into
  widget values, with notices for anything the form cannot hold as given.

Pure Python (no Streamlit), so the table and both directions are tested on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from logic.case_fields import CASE_FIELDS, row_part
from logic.drugs.catalogue import display_name, resolve_drug
from logic.engine import units
from logic.formats.typed_number import TypedNumber, read_number
from logic.library.cases import CASES_DIR, load_case
from logic.models import CurrentMedication, PatientCase, TriedMedication

__all__ = [
    "BLANK",
    "FIELDS",
    "KIDNEY_INPUTS",
    "UNIT_KINDS",
    "Field",
    "case_inputs",
    "converted",
    "model_range",
    "reference_values",
    "row_keys",
    "typed_errors",
    "widget_values",
]


@dataclass(frozen=True)
class Field:
    """One case widget. `key` is the widget key and the PatientCase field it fills; its label,
    unit and help are the field's row in logic.case_fields (the one table the link's notices
    and the model's descriptions read too)."""

    key: str
    kind: str = "number"  # number | integer | choice | flag | multi | medicines
    required: bool = False
    unit_key: str | None = None  # the widget holding the unit this value is typed in
    step: float = 1.0
    placeholder: str = ""

    @property
    def label(self) -> str:
        return CASE_FIELDS[self.key].label

    @property
    def unit(self) -> str:
        """The unit the model holds (and the label shows when there is no unit switch)."""
        return CASE_FIELDS[self.key].unit

    @property
    def help(self) -> str:
        return CASE_FIELDS[self.key].help

    @property
    def in_sentence(self) -> str:
        """The label as a sentence names it ('eGFR', 'setting')."""
        return CASE_FIELDS[self.key].in_sentence


#: Every case widget, in form order. Ranges come from PatientCase (see `model_range`), words from
#: logic.case_fields.
FIELDS: dict[str, Field] = {
    f.key: f
    for f in (
        Field("age_years", "integer", required=True),
        Field("sex", kind="choice", required=True),
        Field("weight_kg", required=True, unit_key="weight_unit", step=0.5),
        Field("height_cm", unit_key="height_unit", placeholder="Not measured"),
        Field(
            "serum_creatinine_mg_dl",
            required=True,
            unit_key="creatinine_unit",
            step=0.1,
            placeholder="Latest value",
        ),
        Field("crcl_ml_min", required=True, placeholder="e.g. 45"),
        Field("egfr_ml_min_1_73m2", placeholder="Optional"),
        Field("on_hemodialysis", kind="flag"),
        Field("pregnant", kind="flag"),
        Field("pregnancy_weeks", "integer", placeholder="Weeks (optional)"),
        Field("breastfeeding", kind="flag"),
        Field("prior_overdose", kind="flag"),
        Field("heavy_alcohol_use", kind="flag"),
        Field("frail", kind="flag"),
        Field("setting", kind="choice", required=True),
        Field("pain_duration_weeks", required=True),
        Field("pain_score", "integer", required=True),
        Field("radicular_features", kind="multi"),
        Field("radicular", kind="flag"),
        Field("red_flags", kind="multi"),
        Field("conditions", kind="multi"),
        Field("child_pugh", kind="choice"),
        Field("allergies", kind="multi"),
        Field("allergic_to", kind="multi"),
        Field("current_medications", kind="medicines"),
        Field("tried", kind="medicines"),
        Field("unchecked_medicines", kind="multi"),
        Field("take_home_opioid", kind="flag"),
    )
}

#: The units each switch offers, the first being the model's unit.
UNIT_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "weight_unit": ("weight", ("kg", "lb")),
    "height_unit": ("height", ("cm", "in")),
    "creatinine_unit": ("creatinine", ("mg/dL", "µmol/L")),
}
KIDNEY_INPUTS = {
    "mg/dL": "Creatinine mg/dL",
    "µmol/L": "Creatinine µmol/L",
    "crcl": "CrCl known",
    "unknown": "Not known",
}
#: Decimals kept when a unit switch converts a typed value (the precision it is typed in).
_DECIMALS = {"kg": 1, "lb": 1, "cm": 1, "in": 1, "mg/dL": 2, "µmol/L": 1}

#: Per-medicine rows: the key prefix and the fields each row fills, for both medicine lists.
ROWS: dict[str, tuple[str, tuple[str, ...], type[Any]]] = {
    "tried": (
        "tried",
        ("doses_given", "dose", "unit", "route", "relief", "hours_ago", "days_since_first_dose"),
        TriedMedication,
    ),
    "current_medications": (
        "current",
        ("dose", "unit", "doses_per_day", "route", "formulation", "weeks"),
        CurrentMedication,
    ),
}


def row_keys(drug: str, list_name: str = "tried") -> dict[str, str]:
    """Widget keys of one medicine's row in a medicine list."""
    prefix, names, _ = ROWS[list_name]
    return {name: f"{prefix}_{name}_{drug}" for name in names}


def model_range(name: str, model: type[Any] = PatientCase) -> str | None:
    """The range the model allows for a field, in words ('18–110'), or None if unbounded."""
    field_info = model.model_fields.get(name)
    bounds: dict[str, float] = {}
    for rule in field_info.metadata if field_info else ():
        for kind in ("ge", "gt", "le", "lt"):
            if getattr(rule, kind, None) is not None:
                bounds[kind] = getattr(rule, kind)
    low = f"{bounds['ge']:g}" if "ge" in bounds else None
    high = f"{bounds['le']:g}" if "le" in bounds else None
    if "gt" in bounds:
        words = f"more than {bounds['gt']:g}"
        return f"{words} and at most {high}" if high else words
    if low and high:
        return f"{low}–{high}"
    return f"at least {low}" if low else (f"at most {high}" if high else None)


#: A unit conversion: (value, unit name) -> value. The unit names are each function's Literal.
_Convert = Callable[[float, Any], float]

_TO_MODEL_UNIT: dict[str, _Convert] = {
    "weight": units.weight_to_kg,
    "height": units.height_to_cm,
    "creatinine": units.creatinine_to_mg_dl,
}

_FROM_MODEL_UNIT: dict[str, _Convert] = {
    "weight": units.kg_to_unit,
    "height": units.cm_to_unit,
    "creatinine": units.mg_dl_to_unit,
}


def _in_model_unit(value: float, unit_key: str, unit: str) -> float:
    """A typed value in the model's unit (kg, cm, mg/dL), converted once and not rounded."""
    kind, _ = UNIT_KINDS[unit_key]
    return _TO_MODEL_UNIT[kind](value, unit)


def converted(value: float | None, kind: str, old: str, new: str) -> float | None:
    """A typed value carried across a unit switch (same quantity), at the new unit's precision."""
    if value is None or old == new:
        return value
    to_base = _TO_MODEL_UNIT[kind]
    from_base = _FROM_MODEL_UNIT[kind]
    return round(from_base(to_base(value, old), new), _DECIMALS[new])


def _skipped(state: Mapping[str, Any]) -> set[str]:
    """Fields the form does not show for this case (their boxes are not drawn, not read)."""
    kidney = state.get("creatinine_unit") or "unknown"
    female = state.get("sex") == "female"
    skip = {
        "serum_creatinine_mg_dl": kidney not in UNIT_KINDS["creatinine_unit"][1],
        "crcl_ml_min": kidney != "crcl",
        "pregnant": not female,
        "breastfeeding": not female,
        "pregnancy_weeks": not (female and state.get("pregnant")),
    }
    return {key for key, skipped in skip.items() if skipped}


def _row_number(model: type[Any], name: str) -> tuple[bool, bool]:
    """(is a number, is a whole number) for a medicine row's field, read from its model."""
    annotation = model.model_fields[name].annotation
    kinds = set(getattr(annotation, "__args__", ())) or {annotation}
    return bool(kinds & {int, float}), int in kinds and float not in kinds


def _typed(value: Any, whole: bool) -> TypedNumber:
    return read_number(value, whole=whole)


def typed_errors(state: Mapping[str, Any]) -> dict[str, list[str]]:
    """Number boxes whose text is not a number (logic.formats.typed_number), by the slot that shows
    the error: the field's key, or the medicine list's for a row. Empty when every box reads."""
    errors: dict[str, list[str]] = {}
    skipped = _skipped(state)
    for key, spec in FIELDS.items():
        if spec.kind in {"number", "integer"} and key not in skipped:
            typed = _typed(state.get(key), spec.kind == "integer")
            if typed.error:
                errors.setdefault(key, []).append(f"**{spec.label}**: {typed.error}.")
    for list_name, (_, _names, model) in ROWS.items():
        for drug in state.get(list_name) or ():
            for name, key in row_keys(drug, list_name).items():
                number, whole = _row_number(model, name)
                typed = _typed(state.get(key), whole) if number else TypedNumber()
                if typed.error:
                    where = f"{FIELDS[list_name].label}, {display_name(drug)}"
                    what = row_part(name).label  # the row's box (logic.case_fields)
                    errors.setdefault(list_name, []).append(f"**{where}: {what}**: {typed.error}.")
    return errors


def case_inputs(state: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Widget values -> the dict PatientCase validates, and the labels of missing facts.

    Values are passed on as typed (read by logic.formats.typed_number, converted to the model's
    unit, never rounded), so the model's own checks judge them: a value outside its range is
    reported, not clipped or kept stale. Call `typed_errors` first: a box that is not a number is
    left out here.
    """
    raw: dict[str, Any] = {}
    missing: list[str] = []
    kidney = state.get("creatinine_unit") or "unknown"
    skipped = _skipped(state)
    for key, spec in FIELDS.items():
        if key in skipped:
            continue
        value = state.get(key)
        if spec.kind == "medicines":
            raw[key] = _medicines(state, key, missing)
            continue
        if spec.kind == "flag":
            raw[key] = bool(value)
            continue
        if spec.kind == "multi":
            raw[key] = tuple(value or ())
            continue
        if spec.kind in {"number", "integer"}:
            typed = _typed(value, spec.kind == "integer")
            if typed.error:
                continue
            value = typed.value
        if value is None:
            if spec.required:
                missing.append(spec.label.lower())
            continue
        if spec.unit_key:
            unit = kidney if key == "serum_creatinine_mg_dl" else state.get(spec.unit_key)
            value = _in_model_unit(float(value), spec.unit_key, unit or spec.unit)
        raw[key] = value
    return raw, missing


def _medicines(
    state: Mapping[str, Any], list_name: str, missing: list[str]
) -> tuple[dict[str, Any], ...]:
    """One medicine list's rows as the dicts its model validates; a tried row needs a relief."""
    _, _, model = ROWS[list_name]
    items = []
    for drug in state.get(list_name) or ():
        item: dict[str, Any] = {"drug": drug}
        for name, key in row_keys(drug, list_name).items():
            value = state.get(key)
            number, whole = _row_number(model, name)
            if number:
                value = _typed(value, whole).value
            if value is not None:
                item[name] = value
        # A name the catalogue does not know has no row to enter relief in (ui/form.py).
        known = resolve_drug(drug) is not None
        if list_name == "tried" and item.get("relief") is None and known:
            missing.append(f"relief with {display_name(drug)}")
        items.append(item)
    return tuple(items)


def widget_values(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A case's fields -> widget values (units in the model's own), and notices.

    Fields absent from `values` take the model's default (required ones stay empty), because a
    link leaves out every field at its default.
    """
    notices: list[str] = []
    model_fields = PatientCase.model_fields

    def given(name: str) -> Any:
        if values.get(name) is not None:
            return values[name]
        return None if model_fields[name].is_required() else model_fields[name].default

    state: dict[str, Any] = {"weight_unit": "kg", "height_unit": "cm"}
    for key, spec in FIELDS.items():
        value = given(key)
        if spec.kind == "medicines":
            state[key] = _medicine_rows(key, value, state, notices)
        elif spec.kind == "flag":
            state[key] = bool(value)
        elif spec.kind == "multi":
            state[key] = [str(item) for item in value or ()]
        elif spec.kind == "number" and value is not None:
            state[key] = float(value)
        else:
            state[key] = None if value is None else (str(value) if spec.kind == "choice" else value)
    creatinine, crcl = state["serum_creatinine_mg_dl"], state["crcl_ml_min"]
    # A case without a kidney measure says so ("Not known"): the plan states what it assumed.
    state["creatinine_unit"] = (
        "crcl" if crcl is not None else ("mg/dL" if creatinine is not None else "unknown")
    )
    if crcl is not None and creatinine is not None:
        state["serum_creatinine_mg_dl"] = None
        notices.append(
            f"Ignored serum_creatinine_mg_dl={creatinine:g}: the link also gives crcl_ml_min, "
            "and the form holds one kidney measure (the clearance is used)"
        )
    if state["pregnant"] and state["sex"] != "female":
        state["pregnant"] = False
        notices.append("Ignored pregnant=true: pregnancy is recorded only for a female patient")

    return state, notices


def _medicine_rows(
    list_name: str, items: Any, state: dict[str, Any], notices: list[str]
) -> list[str]:
    """A medicine list's rows into `state`; returns the drugs in the list (each once)."""
    _, _, model = ROWS[list_name]
    kept: dict[str, Any] = {}
    for item in items or ():
        if isinstance(item, Mapping):
            item = model.model_validate(item)
        picked = item.product or item.drug  # a combination product is its own entry
        if picked in kept:
            notices.append(f"Ignored the second {picked} in {list_name}: the form lists it once")
            continue
        kept[picked] = item
        for name, key in row_keys(picked, list_name).items():
            value = getattr(item, name)
            state[key] = str(value) if isinstance(value, StrEnum) else value
    return list(kept)


def reference_values() -> dict[str, Any]:
    """Widget values of the reference case, read from cases/reference.toml (the one copy)."""
    case = load_case(CASES_DIR / "reference.toml").case
    return widget_values(case.model_dump(exclude_defaults=True))[0]


def _blank() -> dict[str, Any]:
    """'New case': every clinical field empty (required ones marked), no unit remembered."""
    state: dict[str, Any] = {"weight_unit": "kg", "height_unit": "cm", "creatinine_unit": "mg/dL"}
    for key, spec in FIELDS.items():
        empty = {"flag": False, "multi": [], "medicines": []}
        state[key] = empty.get(spec.kind)
    return state


BLANK: dict[str, Any] = _blank()
