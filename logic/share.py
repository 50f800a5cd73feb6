"""Shareable case links: a `PatientCase` <-> URL query parameters.

Parameter names are exactly the `PatientCase` JSON field names, e.g.
``?age_years=72&sex=female&tried=ketorolac,prednisone&radicular=true``.

* Fields equal to their default (and ``None``) are left out, so links stay short.
* Booleans are ``true`` / ``false``; lists are comma-separated enum values.
* ``tried`` is a comma-separated list of drug tokens. A medicine whose details are all default is
  just its generic name (``ketorolac``); otherwise ``drug:dose_mg:route:doses_given:relief`` with
  empty parts for "not recorded" (``orphenadrine::iv:2:minimal``).
* Nothing identifying ever goes into a link: `PatientCase` holds no name, date of birth or free
  text, and this module only writes its fields.

Reading a link never raises: every parameter is validated on its own against the `PatientCase`
field constraints, and anything unknown, malformed or out of range is dropped with a notice that
names it, so one bad parameter in a hand-edited link costs only itself.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import urlencode

from pydantic import TypeAdapter, ValidationError

from logic.catalogue import resolve_drug
from logic.models import Condition, PatientCase, RedFlag, Relief, Route, TriedMedication

__all__ = ["FIELDS", "QueryResult", "case_from_query", "case_to_query", "query_string"]

FIELDS: tuple[str, ...] = tuple(PatientCase.model_fields)
"""Every parameter a link may carry, in form order."""

_LIST_FIELDS = frozenset({"red_flags", "conditions", "tried"})
_MAX_SHOWN = 40  # characters of a hand-edited value quoted back in a notice

# Words used in notices: (what the field is, its unit).
_LABELS: dict[str, tuple[str, str]] = {
    "age_years": ("age", "years"),
    "sex": ("sex", ""),
    "weight_kg": ("weight", "kg"),
    "height_cm": ("height", "cm"),
    "serum_creatinine_mg_dl": ("serum creatinine", "mg/dL"),
    "crcl_ml_min": ("creatinine clearance", "mL/min"),
    "on_hemodialysis": ("haemodialysis", ""),
    "pregnant": ("pregnant", ""),
    "setting": ("setting", ""),
    "pain_duration_weeks": ("pain duration", "weeks"),
    "pain_score": ("pain score", "(0–10 scale)"),
    "radicular": ("radicular pain", ""),
}

_TRIED_PART_LABELS: dict[str, tuple[str, str]] = {
    "dose_mg": ("dose", "mg"),
    "doses_given": ("number of doses", ""),
}


@dataclass(frozen=True)
class QueryResult:
    """What a link restored.

    `values` holds every parameter that passed validation, keyed by `PatientCase` field name,
    ready to be widget defaults or `PatientCase(**values)` keyword arguments. `case` is the full
    case, or None when a required field is missing or the fields do not fit together. `notices`
    are human sentences, one per ignored parameter or list item; `missing` names the required
    fields the link did not supply.
    """

    values: dict[str, Any] = field(default_factory=dict)
    case: PatientCase | None = None
    notices: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Writing


def _num(value: float) -> str:
    """Shortest text that reads back as the same number: 70.0 -> '70', 1.25 -> '1.25'."""
    if isinstance(value, bool):  # pragma: no cover - bool fields are handled before
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _tried_token(item: TriedMedication) -> str:
    defaults = TriedMedication(drug=item.drug)
    if item == defaults:
        return item.drug
    parts = [
        item.drug,
        "" if item.dose_mg is None else _num(item.dose_mg),
        "" if item.route is None else item.route.value,
        str(item.doses_given),
        item.relief.value,
    ]
    return ":".join(parts)


def case_to_query(case: PatientCase) -> dict[str, str]:
    """Query parameters for a case: non-default fields only, named as the JSON fields."""
    query: dict[str, str] = {}
    for name, info in PatientCase.model_fields.items():
        value = getattr(case, name)
        if value is None:
            continue
        if not info.is_required() and value == info.default:
            continue
        if name == "tried":
            query[name] = ",".join(_tried_token(item) for item in value)
        elif name in _LIST_FIELDS:
            query[name] = ",".join(item.value for item in value)
        elif isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, int | float):
            query[name] = _num(value)
        else:
            query[name] = str(value)
    return query


def query_string(case: PatientCase) -> str:
    """The case as a URL query string (without the leading '?'), e.g. for a copyable link."""
    return urlencode(case_to_query(case), safe=",:")


# ---------------------------------------------------------------------------------------------
# Reading


def _shown(raw: str) -> str:
    raw = raw.replace("\n", " ").replace("\r", " ")
    return raw if len(raw) <= _MAX_SHOWN else raw[: _MAX_SHOWN - 1] + "…"


def _adapter(name: str) -> TypeAdapter[Any]:
    info = PatientCase.model_fields[name]
    annotation: Any = info.annotation
    # Optional fields are written as `float | None`; a link never says "None", it omits the field.
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation = args[0]
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: _adapter(name) for name in FIELDS if name not in _LIST_FIELDS
}


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None, bool]:
    """(low, high, low_is_strict) from the pydantic constraint metadata."""
    low = high = None
    strict = False
    for item in metadata:
        if getattr(item, "ge", None) is not None:
            low = item.ge
        if getattr(item, "gt", None) is not None:
            low, strict = item.gt, True
        if getattr(item, "le", None) is not None:
            high = item.le
    return low, high, strict


def _range_phrase(label: str, unit: str, metadata: list[Any]) -> str:
    low, high, strict = _bounds(metadata)
    unit = f" {unit}" if unit else ""
    if low is not None and high is not None and not strict:
        return f"{label} must be {_num(low)}–{_num(high)}{unit}"
    if strict and high is not None:
        return f"{label} must be more than {_num(low or 0)} and at most {_num(high)}{unit}"
    return f"{label} is out of range"


def _reason(name: str, error: ValidationError, label: str, unit: str, metadata: list[Any]) -> str:
    """A short human reason for the first validation error."""
    kind = error.errors()[0]["type"]
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return _range_phrase(label, unit, metadata)
    if kind == "int_parsing" or kind == "int_from_float":
        return f"{label} must be a whole number"
    if kind in {"float_parsing", "finite_number"}:
        return f"{label} must be a number"
    if kind == "bool_parsing":
        return f"{label} must be true or false"
    if kind == "literal_error":
        options = get_args(PatientCase.model_fields[name].annotation)
        return f"{label} must be one of: {', '.join(options)}"
    return f"{label} is not valid"


def _parse_scalar(name: str, raw: str) -> tuple[Any, str | None]:
    """(value, None) when valid, else (None, reason)."""
    info = PatientCase.model_fields[name]
    label, unit = _LABELS.get(name, (name, ""))
    text = raw.strip()
    if name in {"sex", "setting"}:
        text = text.lower()
    try:
        value = _ADAPTERS[name].validate_python(text)
    except ValidationError as error:
        return None, _reason(name, error, label, unit, info.metadata)
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"{label} must be a number"
    return value, None


def _items(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _parse_enum_list(
    name: str, raw: str, enum: type[RedFlag] | type[Condition], notices: list[str]
) -> tuple[Any, ...]:
    kept: list[Any] = []
    noun = "red flag" if enum is RedFlag else "condition"
    for item in _items(raw):
        key = item.lower().replace("-", "_").replace(" ", "_")
        try:
            kept.append(enum(key))
        except ValueError:
            notices.append(f"Ignored {name} item '{_shown(item)}': not a known {noun}")
    return tuple(kept)


_TRIED_PARTS = ("dose_mg", "route", "doses_given", "relief")
_PART_NAMES = {
    "dose_mg": "dose",
    "route": "route",
    "doses_given": "doses given",
    "relief": "relief",
}
_ROUTE_WORDS = {
    "oral": "po",
    "by mouth": "po",
    "intravenous": "iv",
    "intramuscular": "im",
    "subcutaneous": "sc",
    "sq": "sc",
    "patch": "transdermal",
}


def _parse_tried_part(
    part: str, raw: str, token: str, drug: str, notices: list[str]
) -> tuple[Any, bool]:
    """(value, ok) for one `drug:dose:route:doses:relief` part; empty means default."""
    raw = raw.strip()
    if not raw:
        return None, True
    try:
        if part == "route":
            word = raw.lower()
            return Route(_ROUTE_WORDS.get(word, word)), True
        if part == "relief":
            return Relief(raw.lower()), True
        info = TriedMedication.model_fields[part]
        annotation: Any = float if part == "dose_mg" else int
        value = TypeAdapter(Annotated[(annotation, *info.metadata)]).validate_python(raw)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(raw)
    except (ValueError, ValidationError) as error:
        if part == "route":
            reason = f"route must be one of: {', '.join(r.value for r in Route)}"
        elif part == "relief":
            reason = f"relief must be one of: {', '.join(r.value for r in Relief)}"
        else:
            label, unit = _TRIED_PART_LABELS[part]
            info = TriedMedication.model_fields[part]
            if isinstance(error, ValidationError):
                reason = _reason(part, error, label, unit, info.metadata)
            else:
                reason = f"{label} must be a number"
        notices.append(
            f"Ignored the {_PART_NAMES[part]} '{_shown(raw)}' of tried item "
            f"'{_shown(token)}' ({reason}); kept {drug} with that detail unrecorded"
        )
        return None, False
    return value, True


def _parse_tried(raw: str, notices: list[str]) -> tuple[TriedMedication, ...]:
    kept: list[TriedMedication] = []
    for token in _items(raw):
        name, *details = token.split(":")
        drug = resolve_drug(name)
        if drug is None:
            notices.append(
                f"Ignored tried item '{_shown(token)}': '{_shown(name.strip())}' is not a "
                "medicine this tool knows"
            )
            continue
        if len(details) > len(_TRIED_PARTS):
            notices.append(
                f"Ignored the extra parts of tried item '{_shown(token)}': expected "
                "drug:dose_mg:route:doses_given:relief"
            )
            details = details[: len(_TRIED_PARTS)]
        kwargs: dict[str, Any] = {"drug": drug}
        for part, text in zip(_TRIED_PARTS, details, strict=False):
            value, ok = _parse_tried_part(part, text, token, drug, notices)
            if ok and value is not None:
                kwargs[part] = value
        try:
            kept.append(TriedMedication(**kwargs))
        except ValidationError:  # pragma: no cover - every part was validated above
            notices.append(f"Ignored tried item '{_shown(token)}': not valid")
    return tuple(kept)


def _as_text(value: object) -> str | None:
    """One parameter value as text; repeated parameters are joined (lists) or the last wins."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        texts = [v for v in value if isinstance(v, str)]
        return texts[-1] if texts else None
    return None


def _as_list_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ",".join(v for v in value if isinstance(v, str))
    return None


def _combination_message(error: ValidationError) -> str:
    messages = []
    for item in error.errors():
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        messages.append(message)
    return "; ".join(messages) or "the fields do not fit together"


def case_from_query(
    params: Mapping[str, str | list[str]], *, ignore: Collection[str] = ()
) -> QueryResult:
    """Restore a case from query parameters; never raises.

    `ignore` names parameters that belong to the page rather than the case (e.g. a teaching
    case id or a display mode) so they are neither restored nor reported.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    try:
        items = list(params.items())
    except Exception:  # a broken mapping from a hand-made caller
        return QueryResult(notices=("Could not read the link's parameters",))

    for key, raw_value in items:
        name = str(key)
        if name in ignore:
            continue
        if name not in PatientCase.model_fields:
            text = _as_text(raw_value) or ""
            notices.append(f"Ignored {_shown(name)}={_shown(text)}: not a case field")
            continue
        if name in _LIST_FIELDS:
            text = _as_list_text(raw_value)
            if text is None:
                notices.append(f"Ignored {name}: not readable text")
                continue
            if name == "tried":
                values[name] = _parse_tried(text, notices)
            elif name == "red_flags":
                values[name] = _parse_enum_list(name, text, RedFlag, notices)
            else:
                values[name] = _parse_enum_list(name, text, Condition, notices)
            continue
        text = _as_text(raw_value)
        if text is None:
            notices.append(f"Ignored {name}: not readable text")
            continue
        if not text.strip():
            continue  # an empty box in a hand-edited link means "not given"
        value, reason = _parse_scalar(name, text)
        if reason is not None:
            notices.append(f"Ignored {name}={_shown(text)}: {reason}")
            continue
        values[name] = value

    missing = tuple(
        name
        for name, info in PatientCase.model_fields.items()
        if info.is_required() and name not in values
    )
    case: PatientCase | None = None
    if not missing:
        try:
            case = PatientCase(**values)
        except ValidationError as error:
            notices.append(
                f"Could not restore the case: {_combination_message(error)}. "
                "Please check these fields"
            )
    return QueryResult(values=values, case=case, notices=tuple(notices), missing=missing)
