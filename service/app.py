# ruff: noqa: N815  (CDS Hooks field names are camelCase on the wire)
"""CDS Hooks 2.0 service over the same engine as the page: `uvicorn service.app:app --workers 4`.

Stateless: each call maps its FHIR prefetch to a `PatientCase`, builds the plan with
`logic.build_plan` and answers with cards; nothing about the patient is stored or logged (the
access log shows the method, the service id and the status only). The only per-process state
is the feedback counter and, unless ``CDS_REPLAY_STORE`` names a shared Redis, the set of recently
seen token ids (replay protection, service.replay).

Environment:
* ``CDS_TRUSTED_ISSUERS`` (JSON or a JSON file path), ``CDS_ALLOW_UNSIGNED`` and
  ``CDS_REPLAY_STORE`` (service.security, service.replay);
* ``CDS_SERVICE_BASE_URL``: this service's public base URL (what EHR tokens name in ``aud``);
  when unset the URL the request arrived at is used;
* ``CDS_APP_URL``: the Streamlit page the cards link to (default http://localhost:8501/);
* ``CDS_FHIR_READ_TIMEOUT_S`` / ``CDS_FHIR_TOTAL_TIMEOUT_S``: timeouts when a prefetch the EHR
  left out is fetched from its ``fhirServer`` (service.fhir_client; defaults 2 s and 4 s);
* ``CDS_CORS_ORIGINS``: comma-separated browser origins allowed to call the service (default the
  public CDS Hooks sandbox, https://sandbox.cds-hooks.org).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from logic import PatientCase, build_plan
from logic.drugs.catalogue import Trait, traits
from logic.formats.fhir import codes as fc
from logic.formats.fhir.read import (
    FhirInputError,
    case_from_resources,
    check_subject,
    read_draft_orders,
    read_prefetch,
)
from service import cards as cd
from service.fhir_client import FetchError, FetchSettings, fetch_prefetch
from service.limits import RequestLimits
from service.replay import ReplayStoreError
from service.security import AuthError, load_trust, verify

log = logging.getLogger("service")

# ---------------------------------------------------------------------------------------------
# Discovery

_P = "{{context.patientId}}"
_LATEST = "&_sort=-date&_count=1"
PREFETCH: dict[str, str] = {
    "patient": f"Patient/{_P}",
    "encounter": "Encounter/{{context.encounterId}}",
    "weight": f"Observation?patient={_P}&code={fc.LOINC}|{fc.WEIGHT}{_LATEST}",
    "height": f"Observation?patient={_P}&code={fc.LOINC}|{fc.HEIGHT}{_LATEST}",
    "creatinine": f"Observation?patient={_P}&code={fc.LOINC}|{fc.CREATININE_MASS},"
    f"{fc.LOINC}|{fc.CREATININE_MOLAR}{_LATEST}",
    "egfr": f"Observation?patient={_P}&code="
    + ",".join(f"{fc.LOINC}|{c}" for c in fc.EGFR_CODES)
    + _LATEST,
    "crcl": f"Observation?patient={_P}&code={fc.LOINC}|{fc.CRCL_MEASURED}{_LATEST}",
    "painScore": f"Observation?patient={_P}&code={fc.LOINC}|{fc.PAIN_SCORE}{_LATEST}",
    "pregnancy": f"Observation?patient={_P}&code={fc.LOINC}|{fc.PREGNANCY_STATUS},"
    f"{fc.LOINC}|{fc.GESTATIONAL_AGE_WEEKS}{_LATEST}",
    "caseFindings": f"Observation?patient={_P}&code={fc.CASE_SYSTEM}|",
    "conditions": f"Condition?patient={_P}&clinical-status=active",
    "allergies": f"AllergyIntolerance?patient={_P}&clinical-status=active",
    "medicationRequests": f"MedicationRequest?patient={_P}&status=active",
    "medicationStatements": f"MedicationStatement?patient={_P}&status=active",
    "medicationAdministrations": f"MedicationAdministration?patient={_P}"
    "&context={{context.encounterId}}",
}
_WHAT = (
    "Patient-specific plan for low back pain that barely moved after several medicines: red-flag "
    "triage, what to give now and at discharge with renal, weight and age limits, what to avoid, "
    "MME and naloxone (CDC 2022, ACP 2017, NICE NG59, Beers 2023, drug labels)."
)
SERVICES: dict[str, dict[str, Any]] = {
    "back-pain-plan": {
        "hook": "patient-view",
        "title": "Refractory back pain plan",
        "description": _WHAT,
    },
    "back-pain-order-select": {
        "hook": "order-select",
        "title": "Back pain: check the selected analgesic order",
        "description": "Checks a selected analgesic, muscle relaxant, benzodiazepine or "
        "gabapentinoid order against this patient's plan. " + _WHAT,
    },
    "back-pain-order-sign": {
        "hook": "order-sign",
        "title": "Back pain: check analgesic orders before signing",
        "description": "Checks draft analgesic, muscle relaxant, benzodiazepine or gabapentinoid "
        "orders against this patient's plan before they are signed. " + _WHAT,
    },
}
for _id, _entry in SERVICES.items():
    _entry["id"] = _id
    _entry["prefetch"] = PREFETCH

# ---------------------------------------------------------------------------------------------
# Models (they are what the OpenAPI document and schemathesis see)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CDSContext(_Open):
    userId: str | None = None
    patientId: str = Field(min_length=1, max_length=200)
    encounterId: str | None = None
    selections: list[str] | None = None
    draftOrders: dict[str, Any] | None = None


class CDSRequest(_Open):
    hook: Literal["patient-view", "order-select", "order-sign"]
    hookInstance: str = Field(min_length=1, max_length=100)
    context: CDSContext
    prefetch: dict[str, Any] | None = None
    fhirServer: str | None = None
    fhirAuthorization: dict[str, Any] | None = None


class Coding(_Open):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class Source(_Open):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(_Open):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None


class Suggestion(_Open):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class Link(_Open):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class Card(_Open):
    uuid: str | None = None
    summary: str = Field(max_length=139)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None


class CDSResponse(_Open):
    cards: list[Card]
    systemActions: list[Action] | None = None


class Service(_Open):
    hook: str
    id: str
    title: str | None = None
    description: str
    prefetch: dict[str, str] | None = None


class Discovery(_Open):
    services: list[Service]


class AcceptedSuggestion(_Open):
    id: str = Field(max_length=100)


class OverrideReason(_Open):
    reason: Coding | None = None
    userComment: str | None = None


class FeedbackItem(_Open):
    card: str = Field(max_length=100)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str = Field(max_length=40)


#: Most feedback items one call may carry: an EHR reports the cards of one response, and a
#: response here holds at most a handful (one per draft order plus triage, naloxone, plan, data).
MAX_FEEDBACK_ITEMS = 100


class FeedbackRequest(_Open):
    feedback: list[FeedbackItem] = Field(max_length=MAX_FEEDBACK_ITEMS)


class FeedbackAccepted(BaseModel):
    accepted: int


class FeedbackCounts(BaseModel):
    service: str
    counts: dict[str, int]


class Problem(BaseModel):
    detail: str


# ---------------------------------------------------------------------------------------------
# The app

TRUST = load_trust()
APP_URL = os.environ.get("CDS_APP_URL", "http://localhost:8501/")
BASE_URL = os.environ.get("CDS_SERVICE_BASE_URL", "").rstrip("/")
SETTINGS = cd.CardSettings(app_url=APP_URL)
FETCH = FetchSettings(
    read_s=float(os.environ.get("CDS_FHIR_READ_TIMEOUT_S", FetchSettings().read_s)),
    total_s=float(os.environ.get("CDS_FHIR_TOTAL_TIMEOUT_S", FetchSettings().total_s)),
)
#: Card ids remembered so that a card's outcome is counted once (the newest kept, oldest
#: forgotten): memory stays bounded whatever volume arrives. Kept as salted digests, so no
#: caller-chosen text is held.
MAX_CARDS_REMEMBERED = 10_000
_FEEDBACK: Counter[str] = Counter()
_SEEN_CARDS: OrderedDict[bytes, None] = OrderedDict()
_SALT = secrets.token_bytes(16)
_FEEDBACK_LOCK = threading.Lock()
#: Override reason codes counted by name: this service's own (cards.OVERRIDE_REASONS); any
#: other code counts as "overridden:other", so the counter cannot grow with callers' codes.
_OWN_REASONS = frozenset(r["code"] for r in cd.OVERRIDE_REASONS)

app = FastAPI(
    title="Refractory back pain CDS Hooks service",
    version="1.0",
    description="CDS Hooks 2.0 discovery, service and feedback endpoints over logic.build_plan.",
)
app.add_middleware(RequestLimits)  # inside CORS, so its 413/400 carry the CORS headers
app.add_middleware(
    CORSMiddleware,
    allow_origins=[
        o.strip()
        for o in os.environ.get("CDS_CORS_ORIGINS", "https://sandbox.cds-hooks.org").split(",")
        if o.strip()
    ],
    allow_methods=["GET", "POST", "OPTIONS"],
    allow_headers=["Authorization", "Content-Type"],
)
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Malformed JSON, CDS Hooks request or FHIR resource"},
    401: {"model": Problem, "description": "Missing, invalid, expired or replayed JWT"},
    413: {"model": Problem, "description": "The request body is over the size limit"},
    404: {"model": Problem, "description": "Unknown service id"},
    412: {
        "model": Problem,
        "description": "A required prefetch was neither supplied nor fetchable from fhirServer",
    },
    503: {"model": Problem, "description": "The shared replay store (Redis) is unreachable"},
}


@app.exception_handler(RequestValidationError)
async def _bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """400 (not FastAPI's 422) with the first problem in words; never echoes the input."""
    first = error.errors()[0] if error.errors() else {}
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        message = "the request body is not valid JSON"
    else:
        message = f"invalid request: {loc or 'body'}: {first.get('msg', 'invalid')}"
    return JSONResponse({"detail": message}, status_code=400)


@app.exception_handler(Exception)
async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.error("unexpected %s on %s", type(error).__name__, request.url.path)  # no patient data
    return JSONResponse({"detail": "internal error"}, status_code=500)


def _service(service_id: str) -> dict[str, Any]:
    service = SERVICES.get(service_id)
    if service is None:
        raise HTTPException(404, f"no CDS service '{service_id[:60]}'")
    return service


def _check_token(request: Request, audience: str) -> None:
    try:
        verify(TRUST, request.headers.get("authorization"), [audience])
    except AuthError as error:
        raise HTTPException(401, str(error), headers={"WWW-Authenticate": "Bearer"}) from None
    except ReplayStoreError as error:  # a replay is never accepted because Redis is down
        log.error("%s", error)
        raise HTTPException(503, f"{error}; try again", headers={"Retry-After": "1"}) from None


def _endpoint(request: Request, service_id: str) -> str:
    """This service's URL as the EHR invoked it (what its token must name in ``aud``)."""
    base = BASE_URL or str(request.base_url).rstrip("/")
    return f"{base}/cds-services/{service_id}"


def _authorised(request: Request, service_id: str) -> dict[str, Any]:
    """The service, for a token whose aud is exactly this service endpoint."""
    service = _service(service_id)
    _check_token(request, _endpoint(request, service_id))
    return service


def _feedback_authorised(request: Request, service_id: str) -> dict[str, Any]:
    """The service, for a token whose aud is exactly its feedback endpoint."""
    service = _service(service_id)
    _check_token(request, _endpoint(request, service_id) + "/feedback")
    return service


@app.get("/cds-services", response_model=Discovery, response_model_exclude_none=True)
def discovery() -> dict[str, Any]:
    """CDS Hooks discovery: the services, their hooks and prefetch templates."""
    return {"services": list(SERVICES.values())}


def _with_drafted_choice(case: PatientCase, drafts: Sequence[cd.Draft]) -> PatientCase:
    """An outpatient opioid in the draft orders is the clinician's take-home choice.

    On the page the clinician ticks "take-home opioid" after the shared decision; in the EHR the
    same choice is the opioid they are about to sign, so the plan (MME total, naloxone, bowel care,
    the 12-week limit) is judged with it, exactly as the page would judge it.
    """
    chosen = any(
        d.generic is not None and not d.inpatient and Trait.opioid in traits(d.generic)
        for d in drafts
    )
    if not chosen or case.take_home_opioid:
        return case
    return PatientCase.model_validate({**case.model_dump(), "take_home_opioid": True})


def _drafts(hook: str, context: Mapping[str, Any]) -> list[cd.Draft]:
    if hook not in ("order-select", "order-sign"):
        return []
    bundle = context.get("draftOrders")
    if bundle is None:
        raise HTTPException(400, f"{hook} needs context.draftOrders (a FHIR Bundle)")
    if not isinstance(bundle, Mapping) or not isinstance(bundle.get("resourceType"), str):
        raise HTTPException(400, "context.draftOrders must be a FHIR Bundle")
    drafts = cd.read_drafts(read_draft_orders(bundle))
    selections = context.get("selections")
    if hook == "order-select" and isinstance(selections, list) and selections:
        chosen = [d for d in drafts if d.resource_id in selections]
        drafts = chosen or drafts
    return drafts


def _complete_prefetch(body: CDSRequest) -> dict[str, Any]:
    """The prefetch, with the keys the EHR left out fetched from its `fhirServer`.

    CDS Hooks 2.0: an absent key may be fetched by the service with `fhirAuthorization` (without
    it the service has no access, so nothing is fetched); a null one means the EHR found
    nothing, and is kept. When the Patient is neither sent nor
    fetchable, or a fetch fails (a partial record is never read as whole), the answer is 412.
    """
    prefetch = dict(body.prefetch or {})
    absent = {k: t for k, t in PREFETCH.items() if k not in prefetch}
    if absent and body.fhirServer and body.fhirAuthorization is not None:
        context = body.context.model_dump()
        # The CDC's own examples send "Patient/<id>"; the template wants the id (as check_subject)
        context["patientId"] = body.context.patientId.removeprefix("Patient/")
        try:
            prefetch.update(
                fetch_prefetch(body.fhirServer, body.fhirAuthorization, absent, context, FETCH)
            )
        except FetchError as error:
            raise HTTPException(412, f"required prefetch could not be fetched: {error}") from None
    if prefetch.get("patient") is None:
        raise HTTPException(
            412,
            "prefetch 'patient' was not supplied and the request names no fhirServer with "
            "fhirAuthorization to fetch it from; send the prefetch templates from discovery",
        )
    return prefetch


@app.post(
    "/cds-services/{service_id}",
    response_model=CDSResponse,
    response_model_exclude_none=True,
    responses=_ERRORS,
)
def call_service(
    service_id: Annotated[str, Path(examples=list(SERVICES))],
    body: CDSRequest,
    service: Annotated[dict[str, Any], Depends(_authorised)],
) -> dict[str, Any]:
    """Map the prefetched FHIR data to a case, build the plan and answer with cards."""
    if body.hook != service["hook"]:
        raise HTTPException(
            400, f"service '{service_id}' answers '{service['hook']}', not '{body.hook}'"
        )
    prefetch = _complete_prefetch(body)
    try:
        resources, notes = read_prefetch(prefetch)
        check_subject(resources, body.context.patientId)
        drafts = _drafts(body.hook, body.context.model_dump())
    except FhirInputError as error:
        raise HTTPException(400, str(error)) from None
    mapping = case_from_resources(resources, today=dt.date.today())
    ignored = (*notes, *mapping.ignored)
    not_sent = [k for k in ("weight", "painScore") if k not in prefetch]
    missing = list(mapping.missing)
    if not_sent and mapping.case is None:
        missing.append("prefetch not sent by the EHR: " + ", ".join(not_sent))
    if mapping.case is None:  # the safety cards that need no plan still come back
        return {"cards": cd.no_plan_cards(drafts, missing, ignored, body.hookInstance, SETTINGS)}
    case = _with_drafted_choice(mapping.case, drafts)
    plan = build_plan(case)
    patient_id = body.context.patientId.removeprefix("Patient/")
    cards = cd.response_cards(case, plan, drafts, ignored, body.hookInstance, SETTINGS, patient_id)
    return {"cards": cards}


@app.post(
    "/cds-services/{service_id}/feedback",
    response_model=FeedbackAccepted,
    responses={k: v for k, v in _ERRORS.items() if k != 412},
)
def feedback(
    service_id: Annotated[str, Path(examples=list(SERVICES))],
    body: FeedbackRequest,
    service: Annotated[dict[str, Any], Depends(_feedback_authorised)],
) -> dict[str, int]:
    """Count outcomes (and this service's override reason codes), each card's outcome once;
    card ids and comments are not kept (a salted digest of the card id bounds the repeats)."""
    with _FEEDBACK_LOCK:
        for item in body.feedback:
            seen = _remember(service_id, item.card, item.outcome)
            if seen:
                continue
            _FEEDBACK[f"{service_id}|{item.outcome}"] += 1
            reason = item.overrideReason.reason if item.overrideReason else None
            if reason is not None and reason.code:
                code = reason.code if reason.code in _OWN_REASONS else "other"
                _FEEDBACK[f"{service_id}|overridden:{code}"] += 1
    return {"accepted": len(body.feedback)}


def _remember(service_id: str, card: str, outcome: str) -> bool:
    """Whether this card's outcome was already counted; remembers it (bounded, oldest out)."""
    key = hashlib.blake2b(f"{service_id}|{card}|{outcome}".encode(), key=_SALT).digest()
    if key in _SEEN_CARDS:
        _SEEN_CARDS.move_to_end(key)
        return True
    _SEEN_CARDS[key] = None
    while len(_SEEN_CARDS) > MAX_CARDS_REMEMBERED:
        _SEEN_CARDS.popitem(last=False)
    return False


@app.get(
    "/cds-services/{service_id}/feedback",
    response_model=FeedbackCounts,
    responses={k: _ERRORS[k] for k in (401, 404)},
)
def feedback_counts(
    service_id: str, service: Annotated[dict[str, Any], Depends(_feedback_authorised)]
) -> dict[str, Any]:
    """This process's feedback counts for a service (outcomes and override reason codes), for
    a token whose aud is the feedback endpoint."""
    with _FEEDBACK_LOCK:
        counts = {
            k.split("|", 1)[1]: v for k, v in _FEEDBACK.items() if k.startswith(f"{service_id}|")
        }
    return {"service": service_id, "counts": counts}
