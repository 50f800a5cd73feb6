"""Shareable case links: a `PatientCase` <-> URL query parameters.

Parameter names are exactly the `PatientCase` JSON field names, e.g.
``?age_years=72&sex=female&tried=ketorolac,prednisone&radicular=true``.

Writing
* Fields equal to their default (and ``None``) are left out, so links stay short.
* Booleans are ``true`` / ``false``; lists are comma-separated enum values or catalogue names.
* ``tried`` is a comma-separated list of medicine tokens. A medicine whose details are all default
  is just its generic name (``ketorolac``), or its product name for a combination product
  (``percocet``: oxycodone with acetaminophen, which the name carries); otherwise
  ``drug:dose:route:doses_given:relief:unit:formulation:hours_ago:days_since_first_dose``
  with empty parts for "not recorded"
  and trailing empty parts left off (``orphenadrine::iv:2:minimal``). An empty unit with a dose
  means mg, so links written before units existed read as they did.
* ``current_medications`` uses ``drug:dose:unit:doses_per_day:route:formulation:weeks`` the same
  way (an empty unit there means the catalogue's usual unit for the drug).
* `case_to_query` writes every number exactly. `share_query` and `private_query` (the links the
  page shows and copies) write readable numbers instead: see `link_digits`.
* Sensitive fields (`SENSITIVE_FIELDS`, and the ``iv_drug_use`` red flag) can be kept out of a
  link: `private_query` leaves them out (for the address bar, rewritten on every edit) and
  `share_query` keeps them (for a link the user explicitly asks to copy).
* Nothing identifying ever goes into a link: `PatientCase` holds no name, date of birth or free
  text, and this module only writes its fields.

Reading (`case_from_query`) never raises and treats every character as untrusted data:
* Limits come before any work: a query over `MAX_QUERY_CHARS` characters or `MAX_PARAMETERS`
  values, or a list longer than the catalogue it draws on, is refused whole with one notice.
* Each parameter is validated on its own against the `PatientCase` field constraints (validators
  built once, at import), so one bad parameter in a hand-edited link costs only itself, and the
  work is linear in the size of the link.
* A parameter given more than once uses its LAST value (as Streamlit's ``st.query_params[key]``
  does), and the notice names it.
* Every notice is plain text: each name or value from the link goes through `quote_link_text`
  (invisible characters as ``U+200B``, then `plain_text`), so it shows literally on the page,
  cut to a short marked length. At most `MAX_NOTICES` are listed;
  the rest are counted.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlencode

from pydantic import BaseModel, TypeAdapter, ValidationError

from logic.case_fields import CASE_FIELDS, row_part
from logic.drugs.catalogue import CATALOGUE, DoseUnit, Formulation, combination, resolve_drug
from logic.formats.plaintext import plain_text, visible
from logic.models import (
    Allergy,
    Condition,
    CurrentMedication,
    PatientCase,
    RadicularFeature,
    RedFlag,
    Relief,
    Route,
    TriedMedication,
    clean_unchecked_name,
)

__all__ = [
    "FIELDS",
    "LINK_CHECKS",
    "MAX_NOTICES",
    "MAX_PARAMETERS",
    "MAX_QUERY_CHARS",
    "SENSITIVE_FIELDS",
    "SENSITIVE_RED_FLAGS",
    "STREAMLIT_MAX_QUERY_CHARS",
    "STREAMLIT_MAX_QUERY_FIELDS",
    "QueryResult",
    "case_from_query",
    "case_to_query",
    "dropped_link_notice",
    "holds_sensitive",
    "link_digits",
    "private_query",
    "private_query_string",
    "query_string",
    "quote_link_text",
    "share_query",
    "share_query_string",
    "streamlit_drops",
    "unchecked_in_link",
    "withheld_fields",
]

FIELDS: tuple[str, ...] = tuple(PatientCase.model_fields)
"""Every parameter a link may carry, in form order."""

MAX_QUERY_CHARS = 8 * 1024
"""Characters of parameter names and values a link may carry. The longest real case (every
catalogue medicine tried and taken, each with every detail) is about 5,000."""
MAX_PARAMETERS = 60
"""Parameter values a link may carry (a repeated key counts once per value); a case has
`len(FIELDS)` fields, and the page adds a few of its own."""
MAX_NOTICES = 8
"""Notices listed one by one; past this they are counted in one more line (issue 22: a link
could fill the top of the page with 20 lines of its own text)."""
_MAX_SHOWN = 24  # characters of a hand-edited name or value quoted back in a notice

# Streamlit 1.67 drops a query string past these limits before the script sees it
# (streamlit/runtime/state/query_params.py: CLIENT_STATE_QUERY_STRING_MAX_LENGTH / _MAX_FIELDS;
# a test checks they still match the installed Streamlit).
STREAMLIT_MAX_QUERY_CHARS = 512 * 1024
STREAMLIT_MAX_QUERY_FIELDS = 1000

SENSITIVE_FIELDS: frozenset[str] = frozenset(
    {
        "pregnant",
        "pregnancy_weeks",
        "breastfeeding",
        "conditions",  # substance use and opioid use disorder, and every other condition
        "current_medications",  # methadone or buprenorphine reveals opioid use disorder
        "prior_overdose",
        "heavy_alcohol_use",
        "frail",  # a health judgement, like the condition boxes
        "child_pugh",  # liver disease and its severity, like the condition boxes
        "unchecked_medicines",  # free medicine names, as revealing as the regular list
    }
)
"""Fields a link carries only when the user asks for a share link (see `share_query`)."""
SENSITIVE_RED_FLAGS: frozenset[RedFlag] = frozenset({RedFlag.iv_drug_use})
"""Red flags left out of `private_query` for the same reason."""

_ENUM_LISTS: dict[str, type[StrEnum]] = {
    "red_flags": RedFlag,
    "conditions": Condition,
    "allergies": Allergy,
    "radicular_features": RadicularFeature,
}
_NAME_LISTS = frozenset({"allergic_to"})
_MEDICINE_LISTS: dict[str, type[BaseModel]] = {
    "tried": TriedMedication,
    "current_medications": CurrentMedication,
}
#: Medicine names outside the catalogue, kept as plain text (issue 20).
_FREE_NAME_LISTS = frozenset({"unchecked_medicines"})
_LIST_FIELDS = frozenset({*_ENUM_LISTS, *_NAME_LISTS, *_MEDICINE_LISTS, *_FREE_NAME_LISTS})
_LIST_LIMITS: dict[str, int] = {
    **{name: len(enum) for name, enum in _ENUM_LISTS.items()},
    "allergic_to": len(CATALOGUE),
    "tried": len(CATALOGUE),
    "current_medications": len(CATALOGUE),
    "unchecked_medicines": len(CATALOGUE),
}
_NOUNS = {
    "red_flags": "red flag",
    "conditions": "condition",
    "allergies": "allergy",
    "radicular_features": "radicular feature",
    "allergic_to": "medicine",
    "tried": "medicine",
    "current_medications": "medicine",
    "unchecked_medicines": "medicine",
}

# Medicine tokens: the parts after the name, in link order.
_TRIED_PARTS = (
    "dose",
    "route",
    "doses_given",
    "relief",
    "unit",
    "formulation",
    "hours_ago",
    "days_since_first_dose",
)
_CURRENT_PARTS = ("dose", "unit", "doses_per_day", "route", "formulation", "weeks")
_PARTS: dict[str, tuple[str, ...]] = {"tried": _TRIED_PARTS, "current_medications": _CURRENT_PARTS}
_ROUTE_WORDS = {
    "oral": "po",
    "by mouth": "po",
    "intravenous": "iv",
    "intramuscular": "im",
    "subcutaneous": "sc",
    "sq": "sc",
    "patch": "transdermal",
}
_UNIT_WORDS = {"ug": "mcg", "µg": "mcg", "mcg/hr": "mcg/h", "mcgh": "mcg/h", "ug/h": "mcg/h"}
_ENUM_PARTS: dict[str, type[Any]] = {
    "route": Route,
    "relief": Relief,
    "unit": DoseUnit,
    "formulation": Formulation,
}


@dataclass(frozen=True)
class QueryResult:
    """What a link restored.

    `values` holds every parameter that passed validation, keyed by `PatientCase` field name,
    ready to be widget defaults or `PatientCase(**values)` keyword arguments. `case` is the full
    case, or None when a required field is missing or the fields do not fit together. `notices`
    are plain-text sentences (safe to show as Markdown), one per ignored parameter or list item,
    at most `MAX_NOTICES` + 1; `ignored` names (in plain text) every parameter or item that was
    dropped, `repeated` the parameters given more than once; `missing` names the required fields
    the link did not supply. `refused` is True when the link broke a limit and nothing of it was
    read; `items_read` counts the values and list items parsed (the work done).
    """

    values: dict[str, Any] = field(default_factory=dict)
    case: PatientCase | None = None
    notices: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()
    refused: bool = False
    items_read: int = 0

    @property
    def title(self) -> str:
        """A heading for the notices that counts what was ignored ('' when nothing was)."""
        if self.refused:
            return "The link was not read"
        count = len(self.ignored)
        if count:
            return f"{count} part{'s' if count != 1 else ''} of the link ignored"
        if self.notices:
            return "Check the link"
        return ""


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


def _medicine_token(item: TriedMedication | CurrentMedication, parts: tuple[str, ...]) -> str:
    # A combination product is written by its name (percocet), so its other ingredients are
    # read back from it; a single drug by its generic name.
    drug = item.product or item.drug
    if item == type(item)(drug=drug):
        return drug
    texts = [drug]
    for part in parts:
        value = getattr(item, part)
        # In `tried` an empty unit with a dose means mg (links from before units existed).
        tried_mg = isinstance(item, TriedMedication) and item.dose is not None
        if part == "unit" and tried_mg and value is DoseUnit.mg:
            value = None
        if value is None:
            texts.append("")
        elif isinstance(value, bool):  # pragma: no cover - no boolean parts
            texts.append("true" if value else "false")
        elif isinstance(value, int | float):
            texts.append(_num(value))
        else:
            texts.append(str(getattr(value, "value", value)))
    while texts and texts[-1] == "":
        texts.pop()
    return ":".join(texts)


def case_to_query(case: PatientCase) -> dict[str, str]:
    """Query parameters for a case: non-default fields only, named as the JSON fields, every
    number written exactly."""
    query: dict[str, str] = {}
    for name, info in PatientCase.model_fields.items():
        value = getattr(case, name)
        if value is None:
            continue
        if not info.is_required() and value == info.default:
            continue
        if name in _MEDICINE_LISTS:
            query[name] = ",".join(_medicine_token(item, _PARTS[name]) for item in value)
        elif name in _LIST_FIELDS:
            query[name] = ",".join(str(getattr(item, "value", item)) for item in value)
        elif isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, int | float):
            query[name] = _num(value)
        else:
            query[name] = str(value)
    return query


def query_string(case: PatientCase) -> str:
    """The case as a URL query string (without the leading '?'), every number exact."""
    return urlencode(case_to_query(case), safe=",:/")


# --- Readable numbers ---------------------------------------------------------------------------

# Decimal places a link first tries for each float (the page's own display precision).
_CASE_DIGITS: dict[str, int] = {
    "weight_kg": 1,
    "height_cm": 1,
    "serum_creatinine_mg_dl": 2,
    "crcl_ml_min": 1,
    "pain_duration_weeks": 1,
    "egfr_ml_min_1_73m2": 1,
}
_MEDICINE_DIGITS: dict[str, int] = {"dose": 2, "doses_per_day": 2, "weeks": 1}
_MORE_DIGITS = 4  # extra places tried before falling back to the exact number


def _round(value: float, places: int) -> float:
    rounded = float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN))
    return rounded if rounded != 0 or value == 0 else value  # never round a dose to nothing


def _rebuilt(item: BaseModel, changes: dict[str, Any]) -> BaseModel:
    data = item.model_dump(exclude={"dose_mg"})
    data.update(changes)
    return type(item).model_validate(data)


def _rounded(case: PatientCase, extra: int) -> PatientCase | None:
    """The case with every float rounded to its link precision plus `extra` places."""
    data = case.model_dump(exclude=set(_MEDICINE_LISTS))
    for name, places in _CASE_DIGITS.items():
        if isinstance(data.get(name), float):
            data[name] = _round(data[name], places + extra)
    try:
        for name in _MEDICINE_LISTS:
            items = []
            for item in getattr(case, name):
                changes = {
                    part: _round(getattr(item, part), places + extra)
                    for part, places in _MEDICINE_DIGITS.items()
                    if isinstance(getattr(item, part, None), float)
                }
                items.append(_rebuilt(item, changes) if changes else item)
            data[name] = tuple(items)
        return PatientCase.model_validate(data)
    except ValidationError:
        return None


def _fingerprint(case: PatientCase) -> dict[str, Any]:
    """What a plan decides and shows, for comparing two cases: the plan as JSON with the renal
    assessment's numbers (CrCl and the weights behind it) to the whole unit, as the page shows
    CrCl, and everything else (every dose, MME, text and choice) exactly."""
    from logic.engine.plan import build_plan  # the plan is the judge of "same decisions"

    plan: dict[str, Any] = build_plan(case).model_dump(mode="json")
    renal = plan.get("renal") or {}
    plan["renal"] = {k: round(v) if isinstance(v, float) else v for k, v in renal.items()}
    return plan


def link_digits(case: PatientCase) -> int | None:
    """How many places past the display precision a readable link needs for `case`.

    A link first writes each number to the precision the page shows (weight and height to
    0.1, creatinine to 0.01 mg/dL, CrCl and eGFR to 0.1, pain duration to 0.1 weeks, doses to
    0.01), e.g. ``weight_kg=80.013694068`` as ``80``. That rounding is kept only when
    `build_plan` gives the same plan for the rounded case as for the exact one (every dose,
    text and choice identical; the CrCl the same to the whole mL/min the page shows), so
    rounding never crosses a threshold the engine uses (CrCl 30 or 60, pain for 4 or 12 weeks,
    any weight or dose limit a rule adds later): CrCl 29.96 is written as 29.96, not 30.0.
    Otherwise one more place is tried, up to four more; None means
    the link keeps the exact numbers.
    """
    try:
        exact = _fingerprint(case)
    except Exception:  # a case the engine cannot plan for keeps its exact numbers
        return None
    for extra in range(_MORE_DIGITS + 1):
        candidate = _rounded(case, extra)
        if candidate is None:
            continue
        if candidate == case:
            return extra
        try:
            if _fingerprint(candidate) == exact:
                return extra
        except Exception:  # pragma: no cover - a valid case always plans
            continue
    return None


def _readable(case: PatientCase) -> PatientCase:
    extra = link_digits(case)
    if extra is None:
        return case
    return _rounded(case, extra) or case


def _without_sensitive(case: PatientCase) -> PatientCase:
    update: dict[str, Any] = {
        name: PatientCase.model_fields[name].default for name in SENSITIVE_FIELDS
    }
    update["red_flags"] = tuple(f for f in case.red_flags if f not in SENSITIVE_RED_FLAGS)
    return case.model_copy(update=update)


def withheld_fields(case: PatientCase) -> tuple[str, ...]:
    """The sensitive fields (and red flags) this case holds that `private_query` leaves out."""
    held = [
        name
        for name in FIELDS
        if name in SENSITIVE_FIELDS
        and getattr(case, name) != PatientCase.model_fields[name].default
    ]
    held += [flag.value for flag in case.red_flags if flag in SENSITIVE_RED_FLAGS]
    return tuple(held)


#: What a reader must check when a link holds none of the sensitive fields, in the order the
#: page asks (issue 22): the fields each question covers.
LINK_CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pregnancy or breastfeeding", ("pregnant", "pregnancy_weeks", "breastfeeding")),
    (
        "substance use, opioid use disorder and other conditions",
        ("conditions", "child_pugh"),
    ),
    ("intravenous drug use", ("red_flags:iv_drug_use",)),
    (
        "regular medicines, and medicines outside the lists",
        ("current_medications", "unchecked_medicines"),
    ),
    ("a past overdose", ("prior_overdose",)),
    ("heavy alcohol use", ("heavy_alcohol_use",)),
    ("allergies", ("allergies", "allergic_to")),
    ("frailty", ("frail",)),
)


def holds_sensitive(values: Mapping[str, Any]) -> bool:
    """True when restored link values (`QueryResult.values`) hold any sensitive field or red
    flag. The address bar never does (`private_query`), so a case link without one may be a
    reloaded or copied address: the page then asks (`unchecked_in_link`)."""
    flags = values.get("red_flags") or ()
    return any(name in values for name in SENSITIVE_FIELDS) or any(
        flag in SENSITIVE_RED_FLAGS for flag in flags
    )


def unchecked_in_link(values: Mapping[str, Any]) -> tuple[str, ...]:
    """What a case link without sensitive fields does not say, in words (`LINK_CHECKS`): each
    question none of whose fields the link gave. Empty when the link holds a sensitive field
    (a full share link, which says everything)."""
    if holds_sensitive(values):
        return ()
    return tuple(words for words, names in LINK_CHECKS if not any(name in values for name in names))


def share_query(case: PatientCase) -> dict[str, str]:
    """Everything in the case, numbers readable (see `link_digits`): for a link the user asks
    to copy and send. It restores the same plan."""
    return case_to_query(_readable(case))


def private_query(case: PatientCase) -> dict[str, str]:
    """The case without its sensitive fields (`SENSITIVE_FIELDS`, the iv_drug_use red flag),
    numbers readable: for the address bar, which browsers keep in history and proxies log."""
    return case_to_query(_without_sensitive(_readable(case)))


def share_query_string(case: PatientCase) -> str:
    """`share_query` as a URL query string (without the leading '?')."""
    return urlencode(share_query(case), safe=",:/")


def private_query_string(case: PatientCase) -> str:
    """`private_query` as a URL query string (without the leading '?')."""
    return urlencode(private_query(case), safe=",:/")


# ---------------------------------------------------------------------------------------------
# Reading


def _plain_annotation(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """A validator for one field as a link gives it: never None (a link omits the field)."""
    info = model.model_fields[name]
    annotation: Any = info.annotation
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation = args[0]
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


# Built once, at import: reading a link never builds a validator.
_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: _plain_annotation(PatientCase, name) for name in FIELDS if name not in _LIST_FIELDS
}
_PART_ADAPTERS: dict[tuple[str, str], TypeAdapter[Any]] = {
    (list_name, part): _plain_annotation(model, part)
    for list_name, model in _MEDICINE_LISTS.items()
    for part in _PARTS[list_name]
    if part not in _ENUM_PARTS
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


def quote_link_text(value: object) -> str:
    """A name or value from a link, as a notice quotes it: invisible characters written as
    ``U+200B`` (`logic.formats.plaintext.visible`), then plain text cut to a short length."""
    return plain_text(visible(value, 4 * _MAX_SHOWN), _MAX_SHOWN)


def _range_phrase(label: str, unit: str, metadata: list[Any]) -> str:
    low, high, strict = _bounds(metadata)
    unit = f" {unit}" if unit else ""
    if low is not None and high is not None and not strict:
        return f"{label} must be {_num(low)}–{_num(high)}{unit}"
    if strict and high is not None:
        return f"{label} must be more than {_num(low or 0)} and at most {_num(high)}{unit}"
    return f"{label} is out of range"


def _reason(
    error: ValidationError, label: str, unit: str, metadata: list[Any], options: str
) -> str:
    """A short human reason for the first validation error."""
    kind = error.errors()[0]["type"]
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return _range_phrase(label, unit, metadata)
    if kind in {"int_parsing", "int_from_float"}:
        return f"{label} must be a whole number"
    if kind in {"float_parsing", "finite_number"}:
        return f"{label} must be a number"
    if kind == "bool_parsing":
        return f"{label} must be true or false"
    if kind == "literal_error" and options:
        return f"{label} must be one of: {options}"
    return f"{label} is not valid"


class _Reader:
    """Collects what one link gives: values, notices, what was ignored, the work done."""

    def __init__(self) -> None:
        self.notices: list[str] = []
        self.ignored: list[str] = []
        self.items_read = 0
        #: Medicine names the catalogue does not know, kept as not checked (issue 20).
        self.unchecked: list[str] = []

    def ignore(self, what: str, notice: str) -> None:
        self.ignored.append(what)
        self.notices.append(notice)

    # --- scalars -------------------------------------------------------------------------------

    def scalar(self, name: str, raw: str) -> tuple[Any, bool]:
        """(value, ok); an empty value means "not given" and is not reported."""
        self.items_read += 1
        text = raw.strip()
        if not text:
            return None, False
        info = PatientCase.model_fields[name]
        words = CASE_FIELDS.get(name)  # the page's label and unit (logic.case_fields)
        label, unit = (words.in_sentence, words.unit) if words else (name, "")
        if name in {"sex", "setting"}:
            text = text.lower()
        reason = None
        try:
            value = _ADAPTERS[name].validate_python(text)
        except ValidationError as error:
            literal = get_origin(info.annotation) is Literal
            options = ", ".join(get_args(info.annotation)) if literal else ""
            reason = _reason(error, label, unit, info.metadata, options)
        else:
            if isinstance(value, float) and not math.isfinite(value):
                reason = f"{label} must be a number"
        if reason is not None:
            self.ignore(name, f"Ignored {name}={quote_link_text(raw)}: {reason}")
            return None, False
        return value, True

    # --- lists ---------------------------------------------------------------------------------

    def items(self, raw: str) -> list[str]:
        parts = [part.strip() for part in raw.split(",")]
        kept = [part for part in parts if part]
        self.items_read += len(kept)
        return kept

    def enum_list(self, name: str, raw: str) -> tuple[Any, ...]:
        enum = _ENUM_LISTS[name]
        kept: list[Any] = []
        for item in self.items(raw):
            key = item.lower().replace("-", "_").replace(" ", "_")
            try:
                kept.append(enum(key))
            except ValueError:
                shown = quote_link_text(item)
                self.ignore(
                    f"{name} item '{shown}'",
                    f"Ignored {name} item '{shown}': not a known {_NOUNS[name]}",
                )
        return tuple(kept)

    def name_list(self, name: str, raw: str) -> tuple[str, ...]:
        kept: list[str] = []
        for item in self.items(raw):
            generic = resolve_drug(item)
            if generic is None:
                shown = quote_link_text(item)
                self.ignore(
                    f"{name} item '{shown}'",
                    f"Ignored {name} item '{shown}': not a medicine this tool knows",
                )
            else:
                kept.append(generic)
        return tuple(kept)

    def part(self, list_name: str, part: str, raw: str, token: str, drug: str) -> tuple[Any, bool]:
        """(value, ok) for one part of a medicine token; empty means not recorded."""
        text = raw.strip()
        if not text:
            return None, True
        reason: str
        words = row_part(part)  # the row's box label and unit (logic.case_fields)
        if part in _ENUM_PARTS:
            enum = _ENUM_PARTS[part]
            word = text.lower()
            word = _ROUTE_WORDS.get(word, word) if part == "route" else word
            word = _UNIT_WORDS.get(word, word) if part == "unit" else word
            try:
                return enum(word), True
            except ValueError:
                reason = f"{words.label} must be one of: {', '.join(e.value for e in enum)}"
        else:
            model = _MEDICINE_LISTS[list_name]
            info = model.model_fields[part]
            label, unit = words.label, words.unit
            try:
                value = _PART_ADAPTERS[(list_name, part)].validate_python(text)
            except ValidationError as error:
                reason = _reason(error, label, unit, info.metadata, "")
            else:
                if not (isinstance(value, float) and not math.isfinite(value)):
                    return value, True
                reason = f"{label} must be a number"
        self._part_ignored(list_name, part, text, token, drug, reason)
        return None, False

    def _part_ignored(
        self, list_name: str, part: str, raw: str, token: str, drug: str, reason: str
    ) -> None:
        shown = quote_link_text(token)
        label = row_part(part).label  # the words of the row's box (logic.case_fields)
        self.ignore(
            f"{label} of {list_name} item '{shown}'",
            f"Ignored the {label} '{quote_link_text(raw)}' of {list_name} "
            f"item '{shown}' ({reason}); kept {drug} with that detail unrecorded",
        )

    def medicines(self, list_name: str, raw: str) -> tuple[Any, ...]:
        model = _MEDICINE_LISTS[list_name]
        parts = _PARTS[list_name]
        kept: list[Any] = []
        for token in self.items(raw):
            name, *details = token.split(":", len(parts) + 1)
            drug = resolve_drug(name)
            shown = quote_link_text(token)
            if drug is None:
                kept_name = clean_unchecked_name(name)
                self.unchecked.append(kept_name)
                self.notices.append(
                    f"Kept {list_name} item '{shown}' as not checked for interactions: "
                    f"'{quote_link_text(kept_name)}' is not a medicine this tool knows"
                )
                continue
            if len(details) > len(parts):
                self.ignore(
                    f"extra parts of {list_name} item '{shown}'",
                    f"Ignored the extra parts of {list_name} item '{shown}': expected "
                    + plain_text(f"drug:{':'.join(parts)}", 200),
                )
                details = details[: len(parts)]
            given: dict[str, Any] = {"drug": drug}
            product = combination(name)
            if product is not None:  # Percocet: oxycodone, with its acetaminophen
                given["product"] = product.name
            texts: dict[str, str] = {}
            for part, text in zip(parts, details, strict=False):
                value, ok = self.part(list_name, part, text, token, drug)
                if ok and value is not None:
                    given[part], texts[part] = value, text.strip()
            if list_name == "tried" and "dose" in given and "unit" not in given:
                given["unit"] = DoseUnit.mg  # an empty unit with a dose means mg (older links)
                texts["unit"] = ""
            item = self._medicine(model, list_name, given, texts, token, drug)
            if item is not None:
                kept.append(item)
        return tuple(kept)

    def _medicine(
        self,
        model: type[BaseModel],
        list_name: str,
        given: dict[str, Any],
        texts: dict[str, str],
        token: str,
        drug: str,
    ) -> BaseModel | None:
        """The medicine from its parts; a part the model rejects in context is dropped, and a
        rejected dose or unit drops both (a dose means nothing without its unit)."""
        for _attempt in range(2):
            try:
                return model.model_validate(given)
            except ValidationError as error:
                bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
                if not bad or not bad <= set(given) - {"drug"}:
                    break
                if bad & {"dose", "unit"}:
                    bad |= {"dose", "unit"} & set(given)
                message = str(error.errors()[0].get("msg", "")).removeprefix("Value error, ")
                for part in sorted(bad):
                    self._part_ignored(
                        list_name, part, texts[part], token, drug, plain_text(message, 160)
                    )
                    del given[part]
        shown = quote_link_text(token)
        self.ignore(f"{list_name} item '{shown}'", f"Ignored {list_name} item '{shown}': not valid")
        return None


def _snapshot(
    params: Mapping[str, Any],
) -> tuple[list[tuple[str, list[object]]], str | None]:
    """The link's (name, values) pairs, or a refusal when it breaks a limit. Stops reading as
    soon as a limit is passed, so a huge link costs no more than a small one."""
    pairs: list[tuple[str, list[object]]] = []
    count = chars = 0
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else (value,)
        count += len(values)
        if count > MAX_PARAMETERS:
            return [], (
                f"This link was not read: it carries more than {MAX_PARAMETERS} parameters, "
                "more than any case needs. Enter the case in the form."
            )
        name = key if isinstance(key, str) else ""
        chars += len(name) + sum(len(v) for v in values if isinstance(v, str))
        if chars > MAX_QUERY_CHARS:
            return [], (
                f"This link was not read: it carries more than {MAX_QUERY_CHARS:,} characters, "
                "more than any case needs. Enter the case in the form."
            )
        pairs.append((name, list(values)))
    return pairs, None


def _combination_message(error: ValidationError) -> str:
    messages = []
    for item in error.errors():
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        messages.append(plain_text(message, 200))
    return "; ".join(messages) or "the fields do not fit together"


def _capped(notices: list[str]) -> tuple[str, ...]:
    if len(notices) <= MAX_NOTICES:
        return tuple(notices)
    more = len(notices) - MAX_NOTICES
    return (*notices[:MAX_NOTICES], f"…and {more} more ignored part{'s' if more != 1 else ''}")


def _refused(notice: str, items_read: int = 0) -> QueryResult:
    required = tuple(name for name, info in PatientCase.model_fields.items() if info.is_required())
    return QueryResult(notices=(notice,), missing=required, refused=True, items_read=items_read)


def case_from_query(params: Mapping[str, Any], *, ignore: Collection[str] = ()) -> QueryResult:
    """Restore a case from query parameters (a mapping of names to a string or a list of
    strings, e.g. from ``st.query_params.get_all``); never raises.

    `ignore` names parameters that belong to the page rather than the case (e.g. a teaching
    case id or a display mode) so they are neither restored nor reported (they still count
    towards the size limits).
    """
    try:
        pairs, refusal = _snapshot(params)
    except Exception:  # a broken mapping from a hand-made caller
        return _refused("Could not read the link's parameters")
    if refusal is not None:
        return _refused(refusal)

    reader = _Reader()
    values: dict[str, Any] = {}
    repeated: list[str] = []
    texts: dict[str, str] = {}
    for name, given in pairs:
        if name in ignore:
            continue
        strings = [v for v in given if isinstance(v, str)]
        if name not in PatientCase.model_fields:
            shown = quote_link_text(name)
            last = quote_link_text(strings[-1] if strings else "")
            reader.ignore(shown, f"Ignored {shown}={last}: not a case field")
            continue
        if not strings:
            reader.ignore(name, f"Ignored {name}: not readable text")
            continue
        if len(given) > 1:
            repeated.append(name)
            reader.notices.append(
                f"{name} was given {len(given)} times: used the last value, "
                f"'{quote_link_text(strings[-1])}'"
            )
        texts[name] = strings[-1]

    # A list longer than its catalogue: refuse the link before splitting anything.
    for name, text in texts.items():
        if name in _LIST_FIELDS and text.count(",") + 1 > _LIST_LIMITS[name]:
            return _refused(
                f"This link was not read: its {name} list has {text.count(',') + 1:,} items, "
                f"more than the {_LIST_LIMITS[name]} {_NOUNS[name]} entries this tool knows. "
                "Enter the case in the form.",
            )

    for name, text in texts.items():
        if name in _MEDICINE_LISTS:
            values[name] = reader.medicines(name, text)
        elif name in _ENUM_LISTS:
            values[name] = reader.enum_list(name, text)
        elif name in _NAME_LISTS:
            values[name] = reader.name_list(name, text)
        elif name in _FREE_NAME_LISTS:
            values[name] = tuple(clean_unchecked_name(item) for item in reader.items(text))
        else:
            value, ok = reader.scalar(name, text)
            if ok:
                values[name] = value

    if reader.unchecked:
        prior = values.get("unchecked_medicines", ())
        values["unchecked_medicines"] = tuple(dict.fromkeys((*prior, *reader.unchecked)))
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
            reader.notices.append(
                f"Could not restore the case: {_combination_message(error)}. "
                "Please check these fields"
            )
    return QueryResult(
        values=values,
        case=case,
        notices=_capped(reader.notices),
        missing=missing,
        ignored=tuple(reader.ignored),
        repeated=tuple(repeated),
        items_read=reader.items_read,
    )


# ---------------------------------------------------------------------------------------------
# Links Streamlit dropped


def streamlit_drops(raw_query: str) -> bool:
    """True when Streamlit 1.67 would drop this query string before the script sees it (more
    than `STREAMLIT_MAX_QUERY_CHARS` characters or `STREAMLIT_MAX_QUERY_FIELDS` fields, counted
    as Streamlit counts them: the raw string's length and its '&' separators + 1)."""
    query = raw_query.removeprefix("?")
    if not query:
        return False
    return (
        len(query) > STREAMLIT_MAX_QUERY_CHARS or query.count("&") + 1 > STREAMLIT_MAX_QUERY_FIELDS
    )


def dropped_link_notice(raw_query: str | None, received: Iterable[object]) -> str | None:
    """A notice when the browser's address had a query (`raw_query`, e.g. ``location.search``
    as the page's own script reads it) but the script received no parameters (`received`,
    e.g. ``st.query_params``): Streamlit dropped it. None when nothing was lost.

    The Python script cannot see a dropped query at all (Streamlit empties it before the run
    and the websocket request carries no page address), so the page has to ask the browser.
    """
    query = (raw_query or "").removeprefix("?")
    if not query or any(True for _ in received):
        return None
    if streamlit_drops(query):
        why = (
            f"it is longer than the {STREAMLIT_MAX_QUERY_CHARS:,} characters or "
            f"{STREAMLIT_MAX_QUERY_FIELDS:,} parameters Streamlit accepts"
        )
    else:
        why = "the page did not receive it"
    return (
        f"This link's case was not read: {why}, so the form opened without it. "
        "Enter the case in the form."
    )
