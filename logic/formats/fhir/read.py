"""FHIR R4 resources in, a `PatientCase` out: the mapping an EHR call goes through.

Pure: no network, no clock (the caller passes `today`), no logging. Every resource is validated
with `fhir.resources` (its R4B models, which share R4's JSON for every resource read here)
before anything is read from it; a resource that does not validate raises `FhirInputError`
naming the resource and the element, and the caller answers 400.

What the record lacks or the engine cannot use is never guessed: a required input that is
missing (age, sex, weight, pain score) leaves `case` None and says which element would supply
it; an input that is present but unusable (creatinine in an unknown unit, a medicine not in the
catalogue) is left out and named in `ignored`, so the plan states what it was built without.

Codes read (see logic/formats/fhir/codes.py for their sources): Patient.gender and birthDate (or an
Age Observation 30525-0); Observations weight 29463-7, height 8302-2, creatinine 2160-0 / 14682-9,
measured CrCl 2164-2, eGFR 33914-3 / 62238-1 / 98979-8, pain score 72514-3, pregnancy status
82810-3, gestational age 49051-6, pain duration (own code); Encounter.class (EMER -> ED, else
clinic); Condition (and finding Observations) by SNOMED CT or the project's code system;
AllergyIntolerance; MedicationRequest / MedicationStatement (regular medicines) and
MedicationAdministration (doses given this episode).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from logic.drugs import rxnorm
from logic.drugs.catalogue import DoseUnit, Formulation, combination, combination_of, resolve_drug
from logic.drugs.catalogue import drug as catalogue_drug
from logic.drugs.formulations import formulation_in_text
from logic.engine.units import CREATININE_UMOL_PER_MG_DL
from logic.formats.fhir import codes as fc
from logic.models import (
    Allergy,
    Condition,
    CurrentMedication,
    PatientCase,
    RedFlag,
    Relief,
    Route,
    TriedMedication,
    clean_unchecked_name,
)

__all__ = [
    "CaseMapping",
    "FhirInputError",
    "administrations_per_day",
    "case_from_resources",
    "flatten",
    "ingredient_doses_mg",
    "read_draft_orders",
    "read_prefetch",
    "resolve_medication_name",
    "validate_resource",
]

#: Resource types this mapping reads; anything else in a bundle is skipped unvalidated.
READ_TYPES = frozenset(
    {
        "Patient",
        "Observation",
        "Condition",
        "Encounter",
        "AllergyIntolerance",
        "MedicationRequest",
        "MedicationStatement",
        "MedicationAdministration",
        "Medication",
    }
)
_BAD_STATUS = frozenset({"entered-in-error", "cancelled", "not-done", "refuted", "stopped"})
_INACTIVE_CLINICAL = frozenset({"inactive", "resolved", "remission"})


class FhirInputError(ValueError):
    """A request body that is not valid FHIR R4: the message says where."""


class CaseMapping(BaseModel):
    """What the record gave: the case (None when a required input is missing) and what was not
    used. Sentences name the FHIR element or code that would supply the missing input."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    case: PatientCase | None
    missing: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Validation


def _model_class(resource_type: str) -> Any:
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError, LookupError, AttributeError):
        return None


def _where(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
    msg = str(first.get("msg", "invalid"))
    return f"{loc}: {msg}" if loc else msg


def validate_resource(raw: object, where: str = "resource") -> dict[str, Any]:
    """The resource as a dict after it validated against the FHIR R4(B) model of its type."""
    if not isinstance(raw, Mapping):
        raise FhirInputError(f"{where} is not a JSON object")
    resource_type = raw.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type:
        raise FhirInputError(f"{where} has no resourceType")
    model = _model_class(resource_type)
    if model is None:
        raise FhirInputError(f"{where}: '{resource_type[:40]}' is not a FHIR resource type")
    try:
        model.model_validate(dict(raw))
    except ValidationError as error:
        raise FhirInputError(
            f"{where} ({resource_type}) is not valid FHIR: {_where(error)}"
        ) from None
    except (TypeError, ValueError, KeyError, LookupError, AttributeError) as error:
        # fhir.resources / fhir_core raise these for some bad values (e.g. KeyError for an
        # unknown resourceType inside a Bundle entry).
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        raise FhirInputError(f"{where} ({resource_type}) is not valid FHIR: {reason}") from None
    return dict(raw)


#: Types read only for context, not for safety: an invalid one is skipped and named when the
#: caller collects notes (the Encounter gives only the care setting, which then stays the ED).
_CONTEXT_ONLY = frozenset({"Encounter"})


def read_prefetch(prefetch: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The resources of a CDS Hooks prefetch, and notes on what was read leniently.

    EHRs (the CDC's own example requests among them) send a Bundle entry ({"resource": ...})
    instead of a resource, a searchset Bundle without its required `type`, or an Encounter
    without its required `class`; none of these carries data the safety checks need, so each is
    read as meant and said, instead of failing the whole call. Everything else is validated as
    `flatten` does."""
    resources: list[dict[str, Any]] = []
    notes: list[str] = []
    for key, value in prefetch.items():
        where = f"prefetch '{str(key)[:40]}'"
        if value is None or value == {}:
            continue
        if isinstance(value, Mapping) and "resourceType" not in value and "resource" in value:
            notes.append(f"{where} is a Bundle entry, not a resource: its resource was read")
            value = value["resource"]
        if (
            isinstance(value, Mapping)
            and value.get("resourceType") == "Bundle"
            and "type" not in value
        ):
            notes.append(f"{where} is a Bundle without its type: read as a collection")
            value = {**value, "type": "collection"}
        resources.extend(flatten(value, where, notes=notes))
    return resources, notes


def read_draft_orders(value: object) -> list[dict[str, Any]]:
    """context.draftOrders: a Bundle (CDS Hooks 2.0), or the single order some EHRs send."""
    if isinstance(value, Mapping) and value.get("resourceType") not in (None, "Bundle"):
        value = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": value}]}
    return flatten(value, "context.draftOrders")


def flatten(
    raw: object, where: str = "resource", *, notes: list[str] | None = None
) -> list[dict[str, Any]]:
    """The resources in a resource or a Bundle (searchset or collection), each validated.

    A Bundle is validated as a shell (its own elements and each entry's, without the entry's
    resource) and each resource on its own: the same checks as validating the whole Bundle,
    without fhir.resources' polymorphic resource lookup, which costs about twice as much.
    """
    if raw is None:
        return []
    if isinstance(raw, Mapping) and isinstance(raw.get("resourceType"), str):
        rtype = raw["resourceType"]
        if rtype != "Bundle" and rtype not in READ_TYPES and _model_class(rtype) is not None:
            return []  # a FHIR type this tool does not read: not validated, never fails a call
    if not isinstance(raw, Mapping) or raw.get("resourceType") != "Bundle":
        try:
            return [validate_resource(raw, where)]
        except FhirInputError as error:
            rtype = raw.get("resourceType") if isinstance(raw, Mapping) else None
            if notes is None or not isinstance(rtype, str) or rtype not in _CONTEXT_ONLY:
                raise
            notes.append(f"{error}; not used (it gives only the care setting)")
            return []
    entries = raw.get("entry")
    if entries is not None and not isinstance(entries, list):
        raise FhirInputError(f"{where} (Bundle) is not valid FHIR: entry must be a list")
    shell = dict(raw)
    inner: list[tuple[int, object]] = []
    if entries is not None:
        shell["entry"] = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise FhirInputError(f"{where} entry {i} is not a JSON object")
            shell["entry"].append({k: v for k, v in entry.items() if k != "resource"})
            if entry.get("resource") is not None:
                inner.append((i, entry["resource"]))
    validate_resource(shell, where)
    out: list[dict[str, Any]] = []
    for i, resource in inner:
        out.extend(flatten(resource, f"{where} entry {i}", notes=notes))
    return out


# ---------------------------------------------------------------------------------------------
# Reading helpers


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    return [c for c in concept.get("coding") or () if isinstance(c, Mapping)]


def _has_code(concept: object, system: str, codes: Iterable[str]) -> bool:
    wanted = set(codes)
    return any(c.get("system") == system and c.get("code") in wanted for c in _codings(concept))


_SNOMED_TO_KEY: dict[str, set[str]] = {}
for _key, _codes in (*fc.SNOMED_FINDINGS.items(), *fc.SNOMED_DESCENDANTS.items()):
    for _code in _codes:
        _SNOMED_TO_KEY.setdefault(_code, set()).add(_key)
_ICD10_PREFIXES = tuple(
    (prefix, key) for key, prefixes in fc.ICD10_PREFIXES.items() for prefix in prefixes
)
_OPIOID_POISONING = re.compile(fc.ICD10_OPIOID_POISONING)
_CHILD_PUGH_KEYS = frozenset({"child_pugh_a", "child_pugh_b", "child_pugh_c"})
_CDC_CONDITIONS = Path(__file__).resolve().parents[2] / "data" / "cdc_condition_codes.tsv"


@cache
def _cdc_condition_keys() -> dict[tuple[str, str], frozenset[str]]:
    """(system, code) -> findings, from the CDC opioid CDS condition value sets."""
    systems = {"snomed": fc.SNOMED, "icd10cm": fc.ICD10CM}
    found: dict[tuple[str, str], frozenset[str]] = {}
    for line in _CDC_CONDITIONS.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "system\t")):
            continue
        system, code, keys = line.split("\t")
        found[(systems[system], code)] = frozenset(keys.split(","))
    return found


def _coding_keys(system: object, code: str) -> set[str]:
    """The engine's findings one coding stands for (empty: not one this tool reads)."""
    if system == fc.CASE_SYSTEM:
        return {code}
    keys = set(_cdc_condition_keys().get((str(system), code), ()))
    if system == fc.SNOMED:
        keys |= _SNOMED_TO_KEY.get(code, set())
    elif system == fc.ICD10CM:
        plain = code.replace(".", "").upper()
        keys |= {key for prefix, key in _ICD10_PREFIXES if plain.startswith(prefix)}
        if _OPIOID_POISONING.match(plain):
            keys.add("prior_overdose")
    return keys


def _finding_keys(concept: object) -> set[str]:
    keys: set[str] = set()
    for coding in _codings(concept):
        code = coding.get("code")
        if isinstance(code, str):
            keys |= _coding_keys(coding.get("system"), code)
    return keys


def _syndrome(concept: object) -> str | None:
    """The red-flag syndrome a coded diagnosis names (read as its defining red flags)."""
    for coding in _codings(concept):
        code = str(coding.get("code") or "").replace(".", "").upper()
        if code in fc.SYNDROMES:
            return fc.SYNDROMES[code]
    return None


def _status_ok(resource: Mapping[str, Any]) -> bool:
    status = resource.get("status")
    return not (isinstance(status, str) and status in _BAD_STATUS)


_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def _instant(value: object) -> dt.datetime | None:
    """A FHIR date or dateTime as an aware UTC instant (FHIR R4 datatypes: a time always carries
    its offset; a partial date stands for its first moment), or None when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 4:
            parsed = dt.datetime(int(text), 1, 1)
        elif len(text) == 7:
            parsed = dt.datetime(int(text[:4]), int(text[5:7]), 1)
        else:
            parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _when_text(resource: Mapping[str, Any]) -> str | None:
    for key in ("effectiveDateTime", "effectiveInstant", "issued", "recordedDate", "authoredOn"):
        value = resource.get(key)
        if isinstance(value, str):
            return value
    period = resource.get("effectivePeriod")
    if isinstance(period, Mapping) and isinstance(period.get("end") or period.get("start"), str):
        return str(period.get("end") or period.get("start"))
    return None


#: The model's range for the hours since a dose given this visit (TriedMedication.hours_ago).
_DOSE_HOURS_MAX = 72
_COURSE_DAYS_MAX = 30


def _dose_times(
    admin: Mapping[str, Any], today: dt.date, now: dt.datetime
) -> tuple[float | None, int | None]:
    """(hours since the dose, days since the course's first dose) from a MedicationAdministration:
    the hours from an effectiveDateTime (or a Period's end) that carries a time of day, counted
    back from `now`; the days from a Period's start, counted back from `today`. A time outside
    the model's ranges (in the future, more than 72 hours or 30 days back) is not this visit's
    and is left unread."""
    period = admin.get("effectivePeriod")
    period = period if isinstance(period, Mapping) else {}
    last = admin.get("effectiveDateTime") or period.get("end")
    hours: float | None = None
    if isinstance(last, str) and "T" in last and (moment := _instant(last)) is not None:
        elapsed = (now - moment).total_seconds() / 3600
        if 0 <= elapsed <= _DOSE_HOURS_MAX:
            hours = round(elapsed, 2)
    days: int | None = None
    first = _instant(period.get("start"))
    if first is not None:
        back = (today - first.date()).days
        if 0 <= back <= _COURSE_DAYS_MAX:
            days = back
    return hours, days


def _with_times(entry: dict[str, Any], hours: float | None, days: int | None) -> dict[str, Any]:
    """An entry with a dose record's times merged in: the most recent last dose, the earliest
    first dose."""
    if hours is not None:
        known = entry.get("hours_ago")
        entry["hours_ago"] = hours if known is None else min(known, hours)
    if days is not None:
        known = entry.get("days_since_first_dose")
        entry["days_since_first_dose"] = days if known is None else max(known, days)
    return entry


def _when(resource: Mapping[str, Any]) -> dt.datetime:
    """When a resource was true, as a parsed instant, for 'latest': times with different
    offsets compare by the moment they name, never as text. No usable time sorts first."""
    return _instant(_when_text(resource)) or _EPOCH


def _latest(
    observations: Sequence[Mapping[str, Any]], codes: Iterable[str]
) -> Mapping[str, Any] | None:
    wanted = tuple(codes)
    found = [o for o in observations if _has_code(o.get("code"), fc.LOINC, wanted)]
    if not found:
        return None
    # Stable: among equal times the later entry in the bundle wins.
    return max(enumerate(found), key=lambda pair: (_when(pair[1]), pair[0]))[1]


def _age_days(resource: Mapping[str, Any], today: dt.date) -> int | None:
    when = _instant(_when_text(resource))
    return None if when is None else (today - when.date()).days


def _absent(resource: Mapping[str, Any]) -> str | None:
    """The stated reason a value is missing (FHIR dataAbsentReason), e.g. 'asked-unknown'."""
    reason = resource.get("dataAbsentReason")
    for coding in _codings(reason):
        if isinstance(coding.get("code"), str):
            return str(coding["code"])[:30]
    if isinstance(reason, Mapping) and isinstance(reason.get("text"), str):
        return str(reason["text"])[:30]
    return None


def _bound(resource: Mapping[str, Any], key: str = "valueQuantity") -> str | None:
    """'<0.5 mg/dL' when the quantity is a bound (Quantity.comparator), not a value."""
    q = resource.get(key)
    if isinstance(q, Mapping) and q.get("comparator") in ("<", "<=", ">=", ">"):
        return f"{q['comparator']}{q.get('value')} {q.get('code') or q.get('unit') or ''}".strip()
    return None


def _quantity(resource: Mapping[str, Any], key: str = "valueQuantity") -> tuple[float, str] | None:
    q = resource.get(key)
    if not isinstance(q, Mapping):
        return None
    value = q.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    unit = q.get("code") if q.get("system") == fc.UCUM and q.get("code") else q.get("unit")
    return float(value), str(unit or q.get("code") or "").strip()


def _label(concept: object, fallback: str) -> str:
    if isinstance(concept, Mapping):
        if isinstance(concept.get("text"), str) and concept["text"].strip():
            return str(concept["text"]).strip()[:60]
        for coding in _codings(concept):
            if isinstance(coding.get("display"), str):
                return str(coding["display"])[:60]
    return fallback


def resolve_medication_name(text: str) -> str | None:
    """The catalogue name within an EHR's medication text: the longest leading run of words
    the catalogue knows ('Oxycodone HCl 5 MG Oral Tablet' -> 'oxycodone'), or None. Returns the
    matched words (a brand stays a brand so the model can read what it implies)."""
    if " / " in text:  # RxNorm lists each ingredient: 'Acetaminophen 325 MG / Oxycodone ...'
        found = [_leading_name(part) for part in text.split(" / ")]
        generics = frozenset(resolve_drug(n) or "" for n in found if n is not None)
        product = combination_of(generics) if len(generics) > 1 else None
        if product is not None:
            # A branded row ('... Oral Tablet [Percocet]') is that brand when the catalogue
            # knows it as this combination, so the product keeps its name.
            brand = rxnorm.parse("", text).brand
            named = combination(brand) if brand else None
            if named is not None and frozenset({named.drug, *named.others}) == generics:
                return named.name
            return product.name
        parsed = rxnorm.parse("", text).primary  # no known product: the weightiest ingredient
        if parsed is not None and parsed.generic is not None:
            return parsed.generic
    leading = _leading_name(text)
    if leading is not None:
        return leading
    if "/" in text and " / " not in text and not any(ch.isdigit() for ch in text):
        # 'Acetaminophen/Hydrocodone' read as RxNorm's 'A / B' (once: the rewritten text holds
        # ' / ', so it never recurses again, whatever else it holds)
        return resolve_medication_name(" / ".join(text.split("/")))
    parsed = rxnorm.parse("", text).primary  # RxNorm prefixes: '12 HR ...', 'Abuse-Deterrent'
    return parsed.generic if parsed is not None else None


def _leading_name(text: str) -> str | None:
    words = " ".join(text.replace(",", " ").split()).lower().split(" ")
    for end in range(len(words), 0, -1):
        name = " ".join(words[:end])
        if resolve_drug(name) is not None:
            return name
    return None


def _medication_text(
    resource: Mapping[str, Any], index: Mapping[str, Mapping[str, Any]]
) -> str | None:
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        ref = resource.get("medicationReference")
        target = ref.get("reference") if isinstance(ref, Mapping) else None
        if isinstance(target, str):
            if target.startswith("#"):
                contained = {
                    f"#{c.get('id')}": c
                    for c in resource.get("contained") or ()
                    if isinstance(c, Mapping)
                }
                med = contained.get(target)
            else:
                med = index.get(target)
            concept = med.get("code") if med else None
        if concept is None and isinstance(ref, Mapping) and isinstance(ref.get("display"), str):
            return str(ref["display"])
    if not isinstance(concept, Mapping):
        return None
    coded = rxnorm.coded_product(concept)
    if coded is not None:  # the code, not the EHR's own text, says what the product is
        return coded.display
    texts = [concept.get("text")] + [c.get("display") for c in _codings(concept)]
    usable = [t for t in texts if isinstance(t, str) and t.strip()]
    for text in usable:
        if resolve_medication_name(text) is not None:
            return text
    return usable[0] if usable else None


def _medication_concept(
    resource: Mapping[str, Any], index: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The medication's CodeableConcept: inline, or the code of the Medication referenced
    (contained or elsewhere in the bundle)."""
    concept = resource.get("medicationCodeableConcept")
    if isinstance(concept, Mapping):
        return concept
    ref = resource.get("medicationReference")
    target = ref.get("reference") if isinstance(ref, Mapping) else None
    if not isinstance(target, str):
        return None
    if target.startswith("#"):
        med = next(
            (
                c
                for c in resource.get("contained") or ()
                if isinstance(c, Mapping) and f"#{c.get('id')}" == target
            ),
            None,
        )
    else:
        med = index.get(target)
    code = med.get("code") if med else None
    return code if isinstance(code, Mapping) else None


def draft_identity(
    resource: Mapping[str, Any], index: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[str, str | None, Formulation | None]:
    """A draft order's text, catalogue name and formulation, read code first as a regular
    medicine is (RxNorm, then the text), for the service's order-select and order-sign checks."""
    text = _medication_text(resource, index or {}) or "unnamed order"
    name = resolve_medication_name(text)
    form = formulation_in_text(text) or rxnorm.read_name(text).formulation
    return text, name, form


def code_text_conflict(
    resource: Mapping[str, Any], index: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """When the record's own text names a different medicine from its RxNorm code (seen in
    Synthea: RxNorm 833036, acetaminophen with hydrocodone, displayed as captopril), a line
    saying which was used: the code, which the text cannot override."""
    concept = _medication_concept(resource, index)
    coded = rxnorm.coded_product(concept)
    if concept is None or coded is None:
        return None
    texts = [concept.get("text")] + [c.get("display") for c in _codings(concept)]
    words = {i.name.lower().split()[0] for i in coded.ingredients if i.name}
    for text in (t for t in texts if isinstance(t, str) and t.strip()):
        if text == coded.display:
            continue
        name = resolve_medication_name(text)
        generic = resolve_drug(name) if name else None
        other = generic is not None and generic not in coded.generics
        unnamed = generic is None and not any(w in text.lower() for w in words)
        if other or unnamed:
            return (
                f"medicine coded RxNorm {coded.code} ({coded.display[:60]}) but described as "
                f"'{text[:40]}': read by its code; check the record"
            )
    return None


def _route(concept: object) -> Route | None:
    for coding in _codings(concept):
        code = coding.get("code")
        if coding.get("system") == fc.SNOMED and code in fc.SNOMED_ROUTES:
            return Route(fc.SNOMED_ROUTES[str(code)])
    words = [concept.get("text")] if isinstance(concept, Mapping) else []
    words += [c.get("code") for c in _codings(concept)] + [
        c.get("display") for c in _codings(concept)
    ]
    for word in words:
        if isinstance(word, str):
            key = word.strip().lower().removesuffix(" route").replace("use", "").strip()
            if key in fc.ROUTE_WORDS:
                return Route(fc.ROUTE_WORDS[key])
    return None


def _extension(resource: Mapping[str, Any], url: str) -> Any:
    for ext in resource.get("extension") or ():
        if isinstance(ext, Mapping) and ext.get("url") == url:
            for key, value in ext.items():
                if key.startswith("value"):
                    return value
    return None


def _age_years(birth: str, today: dt.date) -> int | None:
    try:
        parts = [int(p) for p in birth[:10].split("-")]
    except ValueError:
        return None
    if len(parts) < 3:  # year or year-month only: age uncertain by up to a year
        return None
    born = dt.date(*parts)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _weeks_between(start: str, today: dt.date) -> float | None:
    try:
        begun = dt.date.fromisoformat(start[:10])
    except ValueError:
        return None
    return max(0.0, (today - begun).days / 7)


# ---------------------------------------------------------------------------------------------
# The mapping


class _Reader:
    def __init__(
        self,
        resources: Sequence[Mapping[str, Any]],
        today: dt.date,
        now: dt.datetime | None = None,
    ) -> None:
        self.today = today
        self.now = now or dt.datetime.now(dt.UTC)
        self.by_type: dict[str, list[Mapping[str, Any]]] = {}
        self.index: dict[str, Mapping[str, Any]] = {}
        for r in resources:
            rtype = str(r.get("resourceType"))
            self.by_type.setdefault(rtype, []).append(r)
            if isinstance(r.get("id"), str):
                self.index[f"{rtype}/{r['id']}"] = r
        self.values: dict[str, Any] = {}
        self.missing: list[str] = []
        self.ignored: list[str] = []

    def of(self, rtype: str) -> list[Mapping[str, Any]]:
        return [r for r in self.by_type.get(rtype, ()) if _status_ok(r)]

    # -- patient --------------------------------------------------------------------------
    def patient(self) -> None:
        patients = self.of("Patient")
        patient = patients[0] if patients else {}
        age_obs = _latest(self.of("Observation"), (fc.AGE,))
        age = None
        if (
            age_obs is not None
            and (q := _quantity(age_obs)) is not None
            and q[1] in ("a", "yr", "years")
        ):
            age = math.floor(q[0])
        elif isinstance(patient.get("birthDate"), str):
            age = _age_years(patient["birthDate"], self.today)
        if age is None:
            self.missing.append(
                "age: no Patient.birthDate (full date) or Age Observation (LOINC 30525-0)"
            )
        elif age < 18:
            self.missing.append(f"age: the patient is {age}; this tool is for adults (18 and over)")
        else:
            self.values["age_years"] = age
        gender = patient.get("gender")
        if gender in ("female", "male"):
            self.values["sex"] = gender
        else:
            shown = f"'{gender}'" if isinstance(gender, str) else "not recorded"
            self.missing.append(
                f"sex for Cockcroft-Gault and pregnancy rules: Patient.gender is {shown} "
                "(female or male needed)"
            )

    # -- observations ---------------------------------------------------------------------
    def _number(
        self,
        field: str,
        codes: Sequence[str],
        units: Mapping[str, float],
        what: str,
        required: bool,
        divide: Mapping[str, float] | None = None,
    ) -> None:
        obs = _latest(self.of("Observation"), codes)
        if obs is None:
            if required:
                self.missing.append(f"{what}: no Observation with LOINC {' / '.join(codes)}")
            return
        if (problem := self._unusable(obs, what, codes)) is not None:
            (self.missing if required else self.ignored).append(problem)
            return
        q = _quantity(obs)
        assert q is not None  # _unusable said why otherwise
        value, unit = q
        if unit in units:
            self.values[field] = value * units[unit]
            self._caution_if_old(obs, what, field)
        elif divide and unit in divide:
            self.values[field] = value / divide[unit]
            self._caution_if_old(obs, what, field)
        else:
            (self.missing if required else self.ignored).append(
                f"{what}: unit '{unit[:20]}' is not one this tool converts "
                f"(expected {', '.join([*units, *(divide or {})])}); value not used"
            )

    def _unusable(self, obs: Mapping[str, Any], what: str, codes: Sequence[str]) -> str | None:
        """Why the latest observation gives no number: a stated absence (dataAbsentReason), a
        bound such as '<0.5' (Quantity.comparator: the value is not known), or no value."""
        if (bound := _bound(obs)) is not None:
            return f"{what}: the latest result is a bound ({bound[:30]}), not a value; not used"
        if _quantity(obs) is not None:
            return None
        if (reason := _absent(obs)) is not None:
            return f"{what}: the latest Observation records no value (dataAbsentReason: {reason})"
        return (
            f"{what}: the latest Observation (LOINC {' / '.join(codes)}) has no numeric "
            "valueQuantity"
        )

    def _caution_if_old(self, obs: Mapping[str, Any], what: str, field: str) -> None:
        limit = CAUTION_AFTER_DAYS.get(field)
        days = _age_days(obs, self.today)
        if limit is not None and days is not None and days > limit:
            when = (_when_text(obs) or "")[:10]
            self.ignored.append(
                f"{what}: the latest result is from {when}, {days} days ago (over {limit}); "
                "used, but recheck it: it may not describe the patient today"
            )

    def observations(self) -> None:
        self._number(
            "weight_kg", (fc.WEIGHT,), fc.WEIGHT_UNITS, "body weight", True, fc.WEIGHT_UNITS_DIVIDE
        )
        self._number("height_cm", (fc.HEIGHT,), fc.HEIGHT_UNITS, "height", False)
        self._creatinine()
        self._number(
            "crcl_ml_min",
            (fc.CRCL_MEASURED,),
            {"mL/min": 1.0},
            "measured creatinine clearance",
            False,
        )
        egfr_units = {"mL/min/{1.73_m2}": 1.0, "mL/min/1.73m2": 1.0, "mL/min/1.73 m2": 1.0}
        if "egfr_ml_min_1_73m2" in PatientCase.model_fields:
            self._number("egfr_ml_min_1_73m2", fc.EGFR_CODES, egfr_units, "eGFR", False)
        self._pain()
        self._pregnancy()

    def _creatinine(self) -> None:
        codes = (fc.CREATININE_MASS, fc.CREATININE_BLOOD, fc.CREATININE_MOLAR)
        obs = _latest(self.of("Observation"), codes)
        if obs is None:
            return
        if (problem := self._unusable(obs, "serum creatinine", codes)) is not None:
            self.ignored.append(f"{problem}, so creatinine clearance could not be calculated")
            return
        q = _quantity(obs)
        unit = q[1] if q else ""
        if q is not None and unit == "mg/dL":
            self.values["serum_creatinine_mg_dl"] = q[0]
            self._caution_if_old(obs, "serum creatinine", "serum_creatinine_mg_dl")
        elif q is not None and unit in ("umol/L", "µmol/L", "μmol/L"):
            self.values["serum_creatinine_mg_dl"] = q[0] / CREATININE_UMOL_PER_MG_DL
            self._caution_if_old(obs, "serum creatinine", "serum_creatinine_mg_dl")
        else:
            self.ignored.append(
                "serum creatinine: "
                + (f"unit '{unit[:20]}' is neither mg/dL nor umol/L" if q else "no numeric value")
                + "; not used, so creatinine clearance could not be calculated"
            )

    def _pain(self) -> None:
        obs = _latest(self.of("Observation"), (fc.PAIN_SCORE,))
        score: float | None = None
        days = _age_days(obs, self.today) if obs is not None else None
        if obs is not None:
            if isinstance(obs.get("valueInteger"), int) and not isinstance(
                obs.get("valueInteger"), bool
            ):
                score = obs["valueInteger"]
            elif _bound(obs) is None and (q := _quantity(obs)) is not None:
                score = q[0]
        if obs is not None and days is not None and days > PAIN_MAX_AGE_DAYS:
            when = (_when_text(obs) or "")[:10]
            self.missing.append(
                f"pain score: the latest (LOINC 72514-3) is from {when}, {days} days ago; pain "
                "is today's symptom: record this visit's score"
            )
        elif score is None:
            reason = _absent(obs) if obs is not None else None
            self.missing.append(
                "pain score: no Observation with LOINC 72514-3 (0-10) and a value"
                + (f" (dataAbsentReason: {reason})" if reason else "")
            )
        elif not 0 <= score <= 10:
            self.missing.append(f"pain score: {score:g} is not a score from 0 to 10")
        else:
            # The 0-10 numeric rating scale has whole-number points (NRS-11: Hawker GA et al.,
            # Arthritis Care Res 2011;63 Suppl 11:S240-52); a decimal (Synthea records them) is
            # read as the nearest point, halves up, and said.
            whole = math.floor(score + 0.5)
            if whole != score:
                self.ignored.append(f"pain score: {score:.3g} recorded; read as {whole} of 10")
            self.values["pain_score"] = whole
        duration = [
            o
            for o in self.of("Observation")
            if _has_code(o.get("code"), fc.CASE_SYSTEM, (fc.PAIN_DURATION,))
        ]
        if duration:
            q = _quantity(duration[-1])
            if q is not None and q[1] in fc.DURATION_WEEKS:
                self.values["pain_duration_weeks"] = q[0]
            elif q is not None and q[1] in fc.DURATION_DAYS:
                self.values["pain_duration_weeks"] = q[0] / fc.DURATION_DAYS[q[1]]
            else:
                self.ignored.append("pain duration: the Observation has no value in wk or d")

    def _pregnancy(self) -> None:
        status = _latest(self.of("Observation"), (fc.PREGNANCY_STATUS,))
        if status is not None and _has_code(
            status.get("valueCodeableConcept"), fc.SNOMED, fc.SNOMED_FINDINGS["pregnant"]
        ):
            self.values["pregnant"] = True
        weeks = _latest(self.of("Observation"), (fc.GESTATIONAL_AGE_WEEKS,))
        if weeks is not None and "pregnancy_weeks" in PatientCase.model_fields:
            q = _quantity(weeks)
            if q is not None and q[1] in fc.DURATION_WEEKS | fc.DURATION_DAYS:
                value = q[0] / (7.0 if q[1] in fc.DURATION_DAYS else 1.0)
                self.values["pregnancy_weeks"] = math.floor(value)
                self.values["pregnant"] = True

    # -- findings -------------------------------------------------------------------------
    def findings(self) -> None:
        keys: list[str] = []
        unread: list[str] = []
        for cond in self.of("Condition"):
            clinical = {c.get("code") for c in _codings(cond.get("clinicalStatus"))}
            verification = {c.get("code") for c in _codings(cond.get("verificationStatus"))}
            if clinical & _INACTIVE_CLINICAL or verification & {"refuted", "entered-in-error"}:
                continue
            found = _finding_keys(cond.get("code"))
            keys.extend(sorted(found))
            if (syndrome := _syndrome(cond.get("code"))) is not None:
                self.ignored.append(
                    f"{syndrome} is coded: read as its red flags (saddle anaesthesia, urinary "
                    "retention), so triage treats it as an emergency"
                )
            elif not found and not _has_code(cond.get("code"), fc.SNOMED, ("279039007",)):
                unread.append(_label(cond.get("code"), "uncoded condition"))
            if (
                "pain_duration_weeks" not in self.values
                and _has_code(cond.get("code"), fc.SNOMED, ("279039007",))  # Low back pain
                and isinstance(cond.get("onsetDateTime"), str)
            ):
                weeks = _weeks_between(cond["onsetDateTime"], self.today)
                if weeks is not None:
                    self.values["pain_duration_weeks"] = weeks
        for obs in self.of("Observation"):
            if obs.get("valueBoolean") is False:
                continue
            if _has_code(obs.get("code"), fc.CASE_SYSTEM, (fc.PAIN_DURATION, fc.MME_PER_DAY)):
                continue
            keys.extend(sorted(_finding_keys(obs.get("code"))))
        if unread:
            shown = list(dict.fromkeys(unread))
            more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
            self.ignored.append(
                "active conditions this tool does not read: " + "; ".join(shown[:8]) + more
            )
        flags = {f.value for f in RedFlag}
        conditions = {c.value for c in Condition}
        booleans = {
            name for name, info in PatientCase.model_fields.items() if info.annotation is bool
        }
        features = _enum_values("radicular_features")
        self.values["red_flags"] = tuple(RedFlag(k) for k in dict.fromkeys(keys) if k in flags)
        self.values["conditions"] = tuple(
            Condition(k) for k in dict.fromkeys(keys) if k in conditions
        )
        if features:
            self.values["radicular_features"] = tuple(
                k for k in dict.fromkeys(keys) if k in features
            )
        for key in keys:
            if key in booleans:
                self.values[key] = True
        # A Child-Pugh class (written as child_pugh_a, _b or _c): the worst one recorded.
        classes = sorted(k[-1].upper() for k in keys if k in _CHILD_PUGH_KEYS)
        if classes:
            self.values["child_pugh"] = classes[-1]

    def encounter(self) -> None:
        encounters = self.of("Encounter")
        if not encounters:
            return
        klass = encounters[0].get("class")
        code = klass.get("code") if isinstance(klass, Mapping) else None
        self.values["setting"] = "ed" if code == "EMER" else "clinic"

    # -- medicines given this episode ----------------------------------------------------
    def administrations(self) -> None:
        entries: list[dict[str, Any]] = []  # TriedMedication keyword arguments, in order
        per_dose: dict[tuple[Any, ...], int] = {}
        for admin in self.of("MedicationAdministration"):
            text, name = self._identify(
                admin,
                "medicine given",
                "kept as not checked for interactions, not reviewed and not counted",
            )
            if name is None:
                continue
            kwargs: dict[str, Any] = {"drug": name}
            kwargs.update(
                self._dose_kwargs(admin.get("dosage"), name, "medicine given", text or "", admin)
            )
            relief = _extension(admin, fc.EXT_RELIEF)
            if isinstance(relief, str) and relief in {r.value for r in Relief}:
                kwargs["relief"] = Relief(relief)
            hours, days = _dose_times(admin, self.today, self.now)
            count = _extension(admin, fc.EXT_DOSES_GIVEN)
            if isinstance(count, int) and not isinstance(count, bool):
                kwargs["doses_given"] = count
                entries.append(_with_times(kwargs, hours, days))
                continue
            # One record per dose (what EHRs send): identical doses become one entry, counted;
            # its last dose is the latest record's, its first the earliest period start.
            key = tuple(sorted((k, str(v)) for k, v in kwargs.items()))
            if key in per_dose:
                entry = entries[per_dose[key]]
                entry["doses_given"] += 1
                entries[per_dose[key]] = _with_times(entry, hours, days)
            else:
                per_dose[key] = len(entries)
                entries.append(_with_times({**kwargs, "doses_given": 1}, hours, days))
        tried: list[TriedMedication] = []
        for kwargs in entries:
            try:
                tried.append(TriedMedication(**kwargs))
            except ValidationError as error:
                untimed = {
                    k: v
                    for k, v in kwargs.items()
                    if k not in ("hours_ago", "days_since_first_dose")
                }
                if untimed != kwargs:  # times that disagree never cost the medicine itself
                    try:
                        tried.append(TriedMedication(**untimed))
                    except ValidationError:
                        pass
                    else:
                        self.ignored.append(
                            f"medicine given '{kwargs['drug']}': {_plain_error(error)}; its "
                            "times were left unrecorded"
                        )
                        continue
                self.ignored.append(
                    f"medicine given '{kwargs['drug']}': {_plain_error(error)}; not used"
                )
        if tried:
            self.values["tried"] = tuple(tried)

    def _identify(
        self, resource: Mapping[str, Any], what: str, kept: str
    ) -> tuple[str | None, str | None]:
        """A medicine resource's text and catalogue name, as both medicine lists read it: by
        its code first (a text that names another drug is said, `code_text_conflict`); a
        medicine the catalogue does not know is kept by name as not checked and said, `what`
        naming the list and `kept` what the plan then does without it (name None)."""
        text = _medication_text(resource, self.index)
        if (conflict := code_text_conflict(resource, self.index)) is not None:
            self.ignored.append(conflict)
        name = resolve_medication_name(text) if text else None
        if name is None:
            self._unchecked(text)
            self.ignored.append(
                f"{what} '{(text or 'unnamed')[:40]}': not in this tool's catalogue; {kept}"
            )
        return text, name

    def _unchecked(self, text: str | None) -> None:
        """Keep a medicine the catalogue cannot resolve by its name, as not checked (issue 20):
        the plan names it instead of losing it."""
        if not text:
            return
        prior = self.values.get("unchecked_medicines", ())
        name = clean_unchecked_name(text)
        if name not in prior:
            self.values["unchecked_medicines"] = (*prior, name)

    def _dose_kwargs(
        self, dosage: object, name: str, what: str, text: str, resource: Mapping[str, Any]
    ) -> dict[str, Any]:
        """route, dose and unit from a Dosage; formulation from the extension or the text."""
        kwargs: dict[str, Any] = {}
        generic = resolve_drug(name)
        forms = catalogue_drug(generic).forms if generic else frozenset()
        stated = _extension(resource, fc.EXT_FORMULATION)
        values = {f.value for f in Formulation}
        if stated in values and (not forms or Formulation(stated) in forms):
            kwargs["formulation"] = Formulation(stated)  # the model's own rule for forms
        elif stated is None:
            guess = formulation_in_text(text) or rxnorm.read_name(text).formulation
            if guess is not None and guess in forms:  # only a form the drug has
                kwargs["formulation"] = guess
        if (route := _route(_extension(resource, fc.EXT_ROUTE))) is not None:
            kwargs["route"] = route  # a dose of unknown size: no dosage (R4 mad-1)
        if not isinstance(dosage, Mapping):
            return kwargs
        route = _route(dosage.get("route"))
        if route is not None:
            kwargs["route"] = route
        q = _amount(dosage, text, generic)
        if q is not None:
            value, unit = q
            if unit in _UNITS:
                engine_unit, factor = _UNITS[unit]
                kwargs["dose"], kwargs["unit"] = value * factor, engine_unit
                never_mg = generic is not None and DoseUnit.mg not in catalogue_drug(generic).units
                if engine_unit is DoseUnit.mg and never_mg and not _patch(kwargs, text):
                    # A mass in mg of a drug dosed in mcg (fentanyl: Sublimaze, Actiq, Fentora
                    # labels) is the same quantity in mcg; a patch in mg is refused by the model.
                    kwargs["dose"], kwargs["unit"] = value * factor * 1000, DoseUnit.mcg
            else:
                self.ignored.append(
                    f"{what} '{name}': dose unit '{unit[:20]}' is not mg, g, ug or ug/h; "
                    "dose left unrecorded"
                )
        return kwargs

    # -- regular medicines ---------------------------------------------------------------
    def regular_medicines(self) -> None:
        current: list[CurrentMedication] = []
        sources = [
            r
            for r in self.of("MedicationRequest")
            if r.get("status") in (None, "active") and r.get("intent") not in _NOT_REGULAR
        ]
        sources += [
            r for r in self.of("MedicationStatement") if r.get("status") in (None, "active")
        ]
        for med in sources:
            text, name = self._identify(
                med, "regular medicine", "kept as not checked for interactions"
            )
            if name is None:
                continue
            dosages = med.get("dosageInstruction") or med.get("dosage") or ()
            dosage = dosages[0] if dosages and isinstance(dosages[0], Mapping) else None
            kwargs: dict[str, Any] = {"drug": name}
            kwargs.update(self._dose_kwargs(dosage, name, "regular medicine", text or "", med))
            per_day = _extension(med, fc.EXT_DOSES_PER_DAY)
            patch = (
                kwargs.get("unit") is DoseUnit.mcg_per_h
                or kwargs.get("formulation") is Formulation.patch
            )
            if isinstance(per_day, int | float) and not isinstance(per_day, bool):
                kwargs["doses_per_day"] = float(per_day)
            elif dosage is not None and not patch:
                per_day = administrations_per_day(dosage.get("timing"))
                if per_day is not None:
                    kwargs["doses_per_day"] = per_day
            weeks = _extension(med, fc.EXT_WEEKS)
            if isinstance(weeks, int | float) and not isinstance(weeks, bool):
                kwargs["weeks"] = float(weeks)
            else:
                start = med.get("effectiveDateTime") or med.get("authoredOn")
                period = med.get("effectivePeriod")
                if isinstance(period, Mapping) and isinstance(period.get("start"), str):
                    start = period["start"]
                if isinstance(start, str):
                    kwargs["weeks"] = _weeks_between(start, self.today)
            try:
                current.append(CurrentMedication(**kwargs))
            except ValidationError as error:
                self.ignored.append(f"regular medicine '{name}': {_plain_error(error)}; not used")
        if current:
            self.values["current_medications"] = tuple(current)

    # -- allergies ------------------------------------------------------------------------
    def allergy_list(self) -> None:
        classes: list[Allergy] = []
        drugs: list[str] = []
        unread: list[str] = []
        for item in self.by_type.get("AllergyIntolerance", ()):
            clinical = {c.get("code") for c in _codings(item.get("clinicalStatus"))}
            verification = {c.get("code") for c in _codings(item.get("verificationStatus"))}
            if clinical & _INACTIVE_CLINICAL or verification & {"refuted", "entered-in-error"}:
                continue
            code = item.get("code")
            own = [c.get("code") for c in _codings(code) if c.get("system") == fc.CASE_SYSTEM]
            if own:
                for value in own:
                    if value in {a.value for a in Allergy}:
                        classes.append(Allergy(value))
                    elif isinstance(value, str) and resolve_drug(value):
                        drugs.append(str(resolve_drug(value)))
                continue
            coded = rxnorm.coded_product(code)
            if coded is not None and coded.primary is not None:  # an RxNorm-coded product
                drugs.extend(sorted(coded.generics))
                continue
            texts = [code.get("text")] if isinstance(code, Mapping) else []
            texts += [c.get("display") for c in _codings(code)]
            for text in (t for t in texts if isinstance(t, str)):
                lowered = text.lower()
                substance = _ALLERGY_WORDING.sub("", text).strip()
                if any(w in lowered for w in _NSAID_WORDS):
                    classes.append(Allergy.nsaid)
                elif any(w in lowered for w in _OPIOID_WORDS):
                    classes.append(Allergy.opioid)
                elif any(w in f"{lowered} " for w in _SULFONAMIDE_WORDS):
                    classes.append(Allergy.sulfonamide)
                elif (name := resolve_medication_name(substance)) is not None:
                    drugs.append(str(resolve_drug(name)))
                else:
                    continue
                break
            else:
                categories = item.get("category") or ["medication"]  # none stated: may be one
                if "medication" in categories:
                    unread.append(_label(code, "uncoded allergy"))
        if unread:
            shown = list(dict.fromkeys(unread))
            more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
            self.ignored.append(
                "medication allergies this tool does not recognise (check them by hand): "
                + "; ".join(shown[:8])
                + more
            )
        if classes:
            self.values["allergies"] = tuple(dict.fromkeys(classes))
        if drugs:
            self.values["allergic_to"] = tuple(dict.fromkeys(drugs))

    def build(self) -> CaseMapping:
        if "pain_duration_weeks" not in self.values:
            self.ignored.append(
                "pain duration: not recorded (no low back pain Condition with onsetDateTime); "
                "the plan assumes an acute episode of 1 week"
            )
        if self.missing:
            return CaseMapping(case=None, missing=tuple(self.missing), ignored=tuple(self.ignored))
        try:
            case = PatientCase(**self.values)
        except ValidationError as error:
            return CaseMapping(
                case=None,
                missing=(f"the record's values do not fit together: {_plain_error(error)}",),
                ignored=tuple(self.ignored),
            )
        return CaseMapping(case=case, ignored=tuple(self.ignored))


#: Age in days after which a weight or creatinine is used with a caution that it may not
#: describe the patient today. Creatinine: 90 days, the 3 months by which KDIGO 2012 defines
#: chronic kidney disease (a change inside that window is not yet "chronic", so an older value
#: may not be today's function). Weight: 365 days, a tool setting (no guideline sets one).
CAUTION_AFTER_DAYS: dict[str, int] = {"serum_creatinine_mg_dl": 90, "weight_kg": 365}
#: A pain score describes this visit only if recorded within a day of it (a tool setting: the
#: score is a current symptom; no guideline sets a look-back).
PAIN_MAX_AGE_DAYS = 1

#: UCUM (or printed) dose units -> (engine unit, factor).
_UNITS: dict[str, tuple[DoseUnit, float]] = {
    "mg": (DoseUnit.mg, 1.0),
    "g": (DoseUnit.mg, 1000.0),
    "ug": (DoseUnit.mcg, 1.0),
    "mcg": (DoseUnit.mcg, 1.0),
    "µg": (DoseUnit.mcg, 1.0),
    "ug/h": (DoseUnit.mcg_per_h, 1.0),
    "mcg/h": (DoseUnit.mcg_per_h, 1.0),
    "ug/hr": (DoseUnit.mcg_per_h, 1.0),
}
#: MedicationRequest intents that are not a medicine the patient takes (a suggestion, a plan
#: of this tool's own export).
_NOT_REGULAR = frozenset({"proposal", "option"})
_NSAID_WORDS = ("nsaid", "non-steroidal", "nonsteroidal", "anti-inflammatory")
_OPIOID_WORDS = ("opioid", "opiate", "narcotic")
_SULFONAMIDE_WORDS = ("sulfonamide", "sulphonamide", "sulfa ", "sulpha ")
#: How SNOMED CT and EHRs word an allergy around its substance: "Allergy to aspirin",
#: "Naproxen (substance)", "Intolerance to codeine".
_ALLERGY_WORDING = re.compile(
    r"^(?:allergy to|allergic to|intolerance to|hypersensitivity to)\s+|\s*\((?:substance|"
    r"disorder|finding|product)\)\s*$",
    re.IGNORECASE,
)


#: Dose units that count units of the product (UCUM annotations, HL7 orderable drug forms and
#: printed words), and the empty unit of a unitless dose: the dose is the count times the
#: product's strength.
_COUNT_UNITS = frozenset(
    {
        "",
        "1",
        "{tbl}",
        "{tablet}",
        "{capsule}",
        "{patch}",
        "{spray}",
        "{film}",
        "{lozenge}",
        "{suppository}",
        "TAB",
        "CAP",
        "PATCH",
        "tablet",
        "tablets",
        "capsule",
        "capsules",
        "patch",
        "patches",
        "film",
        "lozenge",
        "spray",
        "suppository",
    }
)
#: RxNorm strength units -> (UCUM unit this module converts, factor).
_STRENGTH_UNITS: dict[str, tuple[str, float]] = {
    "MG": ("mg", 1.0),
    "MCG": ("ug", 1.0),
    "MG/HR": ("ug/h", 1000.0),
    "MCG/HR": ("ug/h", 1.0),
}


def _strength(text: str, generic: str | None, dose: tuple[float, str]) -> tuple[float, str] | None:
    """A count dose ('2 tablets', or no unit) as a mass, from the strength RxNorm's name gives
    the ingredient whose dose is entered; None when the name gives none."""
    value, unit = dose
    if unit not in _COUNT_UNITS or generic is None:
        return None
    for item in rxnorm.parse("", text).ingredients:
        if item.generic is not None and resolve_drug(item.generic) == generic:
            if item.strength is None or item.unit not in _STRENGTH_UNITS:
                return None
            engine_unit, factor = _STRENGTH_UNITS[item.unit]
            return value * item.strength * factor, engine_unit
    return None


def _amount(dosage: Mapping[str, Any], text: str, generic: str | None) -> tuple[float, str] | None:
    """One administration's amount as (value, unit): Dosage.dose (MedicationAdministration),
    else the first doseAndRate's doseQuantity, else its doseRange's upper bound ("1-2 tablets":
    the most one administration may be; the safety checks judge what the order permits); a
    count of tablets or patches (or no unit) as the product's strength times the count
    (`_strength`). None when the Dosage states no amount."""
    q = _quantity(dosage, "dose")
    if q is None:
        rates = [d for d in dosage.get("doseAndRate") or () if isinstance(d, Mapping)]
        q = _quantity(rates[0], "doseQuantity") if rates else None
        if q is None and rates and isinstance(rates[0].get("doseRange"), Mapping):
            q = _quantity(rates[0]["doseRange"], "high")
    if q is not None and q[1] not in _UNITS and (strength := _strength(text, generic, q)):
        q = strength  # '1 tablet' of 'Oxycodone Hydrochloride 5 MG Oral Tablet' is 5 mg
    return q


#: RxNorm strength units given as a mass, -> mg.
_MASS_STRENGTHS = {"MG": 1.0, "MCG": 0.001}


def ingredient_doses_mg(dosage: object, text: str, generic: str | None) -> dict[str, float]:
    """Each catalogue ingredient's mg in one administration of an order, for the label-limit
    check of a draft order (service/cards.py): the amount read as a regular medicine's is
    (`_amount`: a mass, or a count of tablets times the product's strength), and a combination
    product's other ingredients in proportion to the strengths its RxNorm name gives (3 tablets
    of 'Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet': oxycodone 15 mg and
    acetaminophen 975 mg). `generic` is the ingredient whose dose is entered. Empty when the
    amount is not a mass (a patch rate, a unit this module does not convert) or not stated."""
    if not isinstance(dosage, Mapping) or generic is None:
        return {}
    q = _amount(dosage, text, generic)
    if q is None or q[1] not in _UNITS:
        return {}
    engine_unit, factor = _UNITS[q[1]]
    if engine_unit is DoseUnit.mcg_per_h:
        return {}
    mg = q[0] * factor / (1000.0 if engine_unit is DoseUnit.mcg else 1.0)
    out = {generic: mg}
    strengths: dict[str, float] = {}
    for item in rxnorm.parse("", text).ingredients:
        found = resolve_drug(item.generic) if item.generic else None
        per = _MASS_STRENGTHS.get(item.unit or "")
        if found is not None and item.strength and per is not None:
            strengths.setdefault(found, item.strength * per)
    if generic in strengths:
        for other, strength in strengths.items():
            if other != generic:
                out[other] = mg * strength / strengths[generic]
    return out


def _patch(kwargs: Mapping[str, Any], text: str) -> bool:
    """A patch, by its stated formulation, route or medication text."""
    return (
        kwargs.get("formulation") is Formulation.patch
        or kwargs.get("route") == "transdermal"
        or formulation_in_text(text) is Formulation.patch
    )


#: Timing.code abbreviations (HL7 FHIR R4 value set timing-abbreviation, from HL7 v3
#: GTSAbbreviation) -> administrations a day.
TIMING_CODES: dict[str, float] = {
    "QD": 1, "AM": 1, "PM": 1, "QAM": 1, "QPM": 1, "BED": 1, "BID": 2, "TID": 3, "QID": 4,
    "QOD": 0.5, "Q1H": 24, "Q2H": 12, "Q3H": 8, "Q4H": 6, "Q6H": 4, "Q8H": 3, "WK": 1 / 7,
}  # fmt: skip


def _number(value: object) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(float(value)) else None  # type: ignore[arg-type]


def administrations_per_day(timing: object) -> float | None:
    """The most administrations a day a FHIR R4 Timing allows, or None when it says none.

    Timing.repeat first (frequencyMax over the shortest period, so "every 4-6 h" is 6 a day),
    else Timing.code (BID is 2). The most, since dose limits and MME are judged on the largest
    amount the order permits (CDC 2022: MME of an as-needed order from its maximum daily dose).
    Public: the reader counts a regular medicine's doses with it and the CDS Hooks service a
    draft order's (service/cards.py), so both read one timing the same way."""
    if not isinstance(timing, Mapping):
        return None
    repeat = timing.get("repeat")
    if isinstance(repeat, Mapping):
        frequency = _number(repeat.get("frequencyMax")) or _number(repeat.get("frequency", 1))
        period = _number(repeat.get("period"))
        unit = repeat.get("periodUnit")
        if frequency is not None and period is not None and period > 0:
            per_day = {"h": 24 / period, "d": 1 / period, "wk": 1 / (7 * period)}.get(str(unit))
            if per_day is not None:
                value = frequency * per_day
                return value if 0 < value <= 24 else None
    for coding in _codings(timing.get("code")):
        if isinstance(coding.get("code"), str) and coding["code"].upper() in TIMING_CODES:
            return TIMING_CODES[coding["code"].upper()]
    return None


def _enum_values(field: str) -> set[str]:
    info = PatientCase.model_fields.get(field)
    if info is None:
        return set()
    from typing import get_args

    args = get_args(info.annotation)
    enum = args[0] if args else None
    return {m.value for m in enum} if enum is not None and hasattr(enum, "__members__") else set()


def _plain_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        loc = ".".join(str(p) for p in item.get("loc", ()))
        msg = str(item.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


_PATIENT_REF = re.compile(r"(?:^|/)Patient/([^/]+)(?:/_history/[^/]+)?$|^urn:uuid:(.+)$")


def check_subject(resources: Sequence[Mapping[str, Any]], patient_id: str) -> None:
    """Every resource is this patient's: the Patient's own id, and each resource's subject (or
    AllergyIntolerance.patient) reference, must name `patient_id` (CDS Hooks context.patientId).
    A record about someone else must never shape this patient's plan; the error names it."""
    patient_id = patient_id.removeprefix("Patient/")  # CDC's own examples send "Patient/<id>"
    for resource in resources:
        rtype = str(resource.get("resourceType"))
        where = f"{rtype}/{str(resource.get('id') or '?')[:40]}"
        if rtype == "Patient":
            if resource.get("id") not in (None, patient_id):
                raise FhirInputError(f"{where} is not the patient in context.patientId")
            continue
        ref = resource.get("subject") or resource.get("patient")
        target = ref.get("reference") if isinstance(ref, Mapping) else None
        if not isinstance(target, str):
            continue
        match = _PATIENT_REF.search(target)
        named = (match.group(1) or match.group(2)) if match else None
        if named is not None and named != patient_id:
            raise FhirInputError(
                f"{where}: its subject is another patient, not context.patientId; not used"
            )


def case_from_resources(
    resources: Sequence[Mapping[str, Any]], *, today: dt.date, now: dt.datetime | None = None
) -> CaseMapping:
    """Map validated FHIR resources (see `flatten`) to a case, saying what is missing. `now`
    (default: the current UTC time) reads the hours since each dose given this visit."""
    reader = _Reader(resources, today, now)
    reader.patient()
    reader.observations()
    reader.findings()
    reader.encounter()
    reader.administrations()
    reader.regular_medicines()
    reader.allergy_list()
    return reader.build()
