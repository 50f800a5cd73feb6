"""A case and its plan as FHIR R4 resources: the page's FHIR export and the service's test data.

* `case_resources(case)` writes the case's inputs as the resources an EHR would hold (Patient,
  Observations, Conditions, MedicationAdministrations, ...), read back by
  `logic.formats.fhir.read.case_from_resources` to the same case.
* `plan_bundle(case, plan)` is the export: a collection Bundle with those inputs, a CarePlan
  (status draft, intent proposal), every order as a MedicationRequest proposal (the gabapentin
  titration as timed, sequenced dosage instructions), Observations for the creatinine clearance
  (derivedFrom the inputs it used) and the MME/day (one component per opioid), and the clinical
  note (logic.formats.export's plain-text note) as a DocumentReference. Every resource is validated
  with `fhir.resources` (R4B models) before it is returned.

Every medicine carries its RxNorm coding where the tables know one (logic.drugs.rxnorm:
`medicine_coding`), beside the text as entered, so an EHR reads the code.

No identifier, name or real date of birth is written: the case has none. The Patient carries
only its gender, and the age travels as an Age Observation (LOINC 30525-0), not a birth date.
Resource ids are UUIDs derived from the content, so the same plan gives the same Bundle.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from logic.drugs.rxnorm import medicine_coding
from logic.formats.export import clinical_note_text
from logic.formats.fhir import codes as fc
from logic.formats.fhir.read import validate_resource
from logic.models import GabapentinPlan, Order, PatientCase, TreatmentPlan

__all__ = ["case_resources", "order_request", "plan_bundle", "plan_bundle_json"]

_NAMESPACE = uuid.UUID("6f1d3c52-1a57-4c1e-9d7e-2b0f5f7f2a10")
PATIENT_REF = "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, "patient"))


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(str(p) for p in parts)))


def _concept(system: str, code: str, display: str, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": system, "code": code, "display": display}]}
    if text:
        out["text"] = text
    return out


def _qty(value: float, code: str, unit: str | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit or code, "system": fc.UCUM, "code": code}


def _observation(
    key: str, code: dict[str, Any], value: dict[str, Any], category: str = "vital-signs"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": _id("obs", key),
        "status": "final",
        "category": [
            _concept(
                "http://terminology.hl7.org/CodeSystem/observation-category",
                category,
                category.replace("-", " ").title(),
            )
        ],
        "code": code,
        "subject": {"reference": PATIENT_REF},
        **value,
    }


def _loinc_obs(
    key: str, loinc: str, display: str, value: dict[str, Any], category: str
) -> dict[str, Any]:
    return _observation(key, _concept(fc.LOINC, loinc, display), value, category)


def _finding(key: str, display: str) -> dict[str, Any]:
    coding = [{"system": fc.CASE_SYSTEM, "code": key, "display": display}]
    coding += [{"system": fc.SNOMED, "code": code} for code in fc.SNOMED_FINDINGS.get(key, ())]
    return {
        "resourceType": "Condition",
        "id": _id("condition", key),
        "clinicalStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"
        ),
        "code": {"coding": coding, "text": display},
        "subject": {"reference": PATIENT_REF},
    }


def _route(route: str) -> dict[str, Any]:
    return _concept(fc.SNOMED, fc.ROUTE_SNOMED[route], fc.ROUTE_DISPLAY[route])


def _birth_date(age: int, today: dt.date) -> str:
    try:
        born = today.replace(year=today.year - age)
    except ValueError:  # 29 February in a non-leap year
        born = today.replace(year=today.year - age, day=28)
    return born.isoformat()


def case_resources(
    case: PatientCase,
    *,
    today: dt.date | None = None,
    birth_date: bool = False,
    now: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """The case as FHIR resources. `birth_date=True` writes a Patient.birthDate that gives the
    case's age on `today` (what an EHR sends); otherwise the age is an Age Observation. `now`
    (default: the current UTC time) dates a dose given `hours_ago`."""
    today = today or dt.date.today()
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": PATIENT_REF.removeprefix("urn:uuid:"),
        "gender": case.sex,
    }
    out: list[dict[str, Any]] = [patient]
    if birth_date:
        patient["birthDate"] = _birth_date(case.age_years, today)
    else:
        out.append(
            _loinc_obs(
                "age",
                fc.AGE,
                "Age",
                {"valueQuantity": _qty(case.age_years, "a", "years")},
                "survey",
            )
        )
    out.append(
        _loinc_obs(
            "weight",
            fc.WEIGHT,
            "Body weight",
            {"valueQuantity": _qty(case.weight_kg, "kg")},
            "vital-signs",
        )
    )
    if case.height_cm is not None:
        out.append(
            _loinc_obs(
                "height",
                fc.HEIGHT,
                "Body height",
                {"valueQuantity": _qty(case.height_cm, "cm")},
                "vital-signs",
            )
        )
    if case.serum_creatinine_mg_dl is not None:
        out.append(
            _loinc_obs(
                "creatinine",
                fc.CREATININE_MASS,
                "Creatinine [Mass/volume] in Serum or Plasma",
                {"valueQuantity": _qty(case.serum_creatinine_mg_dl, "mg/dL")},
                "laboratory",
            )
        )
    if case.crcl_ml_min is not None:
        out.append(
            _loinc_obs(
                "crcl",
                fc.CRCL_MEASURED,
                "Creatinine renal clearance",
                {"valueQuantity": _qty(case.crcl_ml_min, "mL/min")},
                "laboratory",
            )
        )
    egfr = case.egfr_ml_min_1_73m2
    if egfr is not None:
        out.append(
            _loinc_obs(
                "egfr",
                "98979-8",
                "Glomerular filtration rate/1.73 sq M.predicted [CKD-EPI 2021]",
                {"valueQuantity": _qty(egfr, "mL/min/{1.73_m2}")},
                "laboratory",
            )
        )
    out.append(
        _loinc_obs(
            "pain",
            fc.PAIN_SCORE,
            "Pain severity 0-10 verbal numeric rating",
            {"valueInteger": case.pain_score},
            "survey",
        )
    )
    out.append(
        _observation(
            "duration",
            _concept(fc.CASE_SYSTEM, fc.PAIN_DURATION, "Duration of this episode of back pain"),
            {"valueQuantity": _qty(case.pain_duration_weeks, "wk", "weeks")},
            "survey",
        )
    )
    weeks = case.pregnancy_weeks
    if weeks is not None:
        out.append(
            _loinc_obs(
                "gestation",
                fc.GESTATIONAL_AGE_WEEKS,
                "Gestational age in weeks",
                {"valueQuantity": _qty(weeks, "wk", "weeks")},
                "survey",
            )
        )
    out.append(
        {
            "resourceType": "Encounter",
            "id": _id("encounter"),
            "status": "in-progress",
            "class": {
                "system": fc.V3_ACT_CODE,
                "code": "EMER" if case.setting == "ed" else "AMB",
                "display": "emergency" if case.setting == "ed" else "ambulatory",
            },
            "subject": {"reference": PATIENT_REF},
        }
    )
    for name, info in PatientCase.model_fields.items():
        if info.annotation is bool and getattr(case, name):
            out.append(_finding(name, name.replace("_", " ")))
    for item in (*case.red_flags, *case.conditions, *case.radicular_features):
        out.append(_finding(item.value, item.value.replace("_", " ")))
    if case.child_pugh is not None:  # the class as its own finding: child_pugh_a, _b or _c
        pugh = case.child_pugh.value
        out.append(
            _finding(f"child_pugh_{pugh.lower()}", f"Liver disease, Child-Pugh class {pugh}")
        )
    for i, tried in enumerate(case.tried):
        out.append(_administration(i, tried, today, now))
    for i, med in enumerate(case.current_medications):
        out.append(_statement(i, med))
    for i, name in enumerate(case.unchecked_medicines):  # by name only: not in the catalogue
        out.append(_unchecked_statement(i, name))
    for allergy in case.allergies:
        out.append(_allergy(allergy.value, f"{allergy.value.upper()} allergy or intolerance"))
    for generic in case.allergic_to:
        out.append(_allergy(generic, f"{generic} allergy"))
    return [validate_resource(r, r["resourceType"]) for r in out]


_UCUM_UNIT = {"mg": "mg", "mcg": "ug", "mcg/h": "ug/h"}


def _dose(item: Any) -> dict[str, Any] | None:
    if item.dose is None or item.unit is None:
        return None
    return _qty(item.dose, _UCUM_UNIT[item.unit.value], item.unit.value)


def _formulation_ext(item: Any) -> list[dict[str, Any]]:
    if item.formulation is None:
        return []
    return [{"url": fc.EXT_FORMULATION, "valueCode": item.formulation.value}]


def _medicine_text(item: Any) -> str:
    """The medicine as entered: a combination product by its name (Percocet), so a reader sees
    its other ingredients; a single drug by its generic name."""
    return str(item.product_label or item.drug)


def _medication(generic: str, product: str | None, dose_mg: float | None, text: str) -> Any:
    """medicationCodeableConcept: the RxNorm coding where the tables know one (a single drug by
    its ingredient code, a combination by the one product row its name and strength pick:
    logic.drugs.rxnorm.medicine_coding), then the text as entered. An EHR reads the code; the
    text is for people (and for the medicines the tables cannot code)."""
    coding = medicine_coding(generic, product, dose_mg)
    return {"coding": [coding], "text": text} if coding is not None else {"text": text}


def _medicine_concept(item: Any) -> Any:
    return _medication(item.drug, item.product, item.dose_mg, _medicine_text(item))


def _effective(tried: Any, today: dt.date, now: dt.datetime | None) -> dict[str, Any]:
    """When it was given. The last dose `hours_ago` before `now` is an instant; the first dose
    `days_since_first_dose` before `today` starts a Period (first to last dose). Without them the
    time is the visit's (`context`) and "by `today`" (a Period with only its end: FHIR R4 Period,
    a missing start is unknown), not a made-up instant."""
    last: str | None = None
    if tried.hours_ago is not None:
        moment = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=tried.hours_ago)
        last = moment.isoformat(timespec="seconds")
    if tried.days_since_first_dose is not None:
        start = today - dt.timedelta(days=tried.days_since_first_dose)
        return {"effectivePeriod": {"start": start.isoformat(), "end": last or today.isoformat()}}
    if last is not None:
        return {"effectiveDateTime": last}
    return {"effectivePeriod": {"end": today.isoformat()}}


def _administration(
    i: int, tried: Any, today: dt.date, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A dose given this visit, with its time (`_effective`). A dose of unknown size has no
    `dosage` (R4 invariant mad-1 wants a dose or a rate there), its route travels in the
    EXT_ROUTE extension."""
    dose = _dose(tried)
    route = _route(tried.route.value) if tried.route is not None else None
    extensions: list[dict[str, Any]] = [
        {"url": fc.EXT_RELIEF, "valueCode": tried.relief.value},
        {"url": fc.EXT_DOSES_GIVEN, "valueInteger": tried.doses_given},
        *_formulation_ext(tried),
    ]
    if dose is None and route is not None:
        extensions.append({"url": fc.EXT_ROUTE, "valueCodeableConcept": route})
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": _id("given", i, tried.drug),
        "extension": extensions,
        "status": "completed",
        "medicationCodeableConcept": _medicine_concept(tried),
        "subject": {"reference": PATIENT_REF},
        "context": {"reference": f"urn:uuid:{_id('encounter')}"},
        **_effective(tried, today, now),
    }
    if dose is not None:
        resource["dosage"] = {**({"route": route} if route else {}), "dose": dose}
    return resource


def _statement(i: int, med: Any) -> dict[str, Any]:
    dosage: dict[str, Any] = {}
    if med.route is not None:
        dosage["route"] = _route(med.route.value)
    if (dose := _dose(med)) is not None:
        dosage["doseAndRate"] = [{"doseQuantity": dose}]
    extension = _formulation_ext(med)
    if med.doses_per_day is not None:
        extension.append({"url": fc.EXT_DOSES_PER_DAY, "valueDecimal": med.doses_per_day})
        if float(med.doses_per_day).is_integer():
            dosage["timing"] = {
                "repeat": {"frequency": int(med.doses_per_day), "period": 1, "periodUnit": "d"}
            }
    if med.weeks is not None:
        extension.append({"url": fc.EXT_WEEKS, "valueDecimal": med.weeks})
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": _id("regular", i, med.drug),
        "status": "active",
        "medicationCodeableConcept": _medicine_concept(med),
        "subject": {"reference": PATIENT_REF},
    }
    if extension:
        resource["extension"] = extension
    if dosage:
        resource["dosage"] = [dosage]
    return resource


def _unchecked_statement(i: int, name: str) -> dict[str, Any]:
    """A medicine outside the catalogue, by its name as entered (read back as not checked)."""
    return {
        "resourceType": "MedicationStatement",
        "id": _id("unchecked", i, "medicine"),
        "status": "active",
        "medicationCodeableConcept": {"text": name},
        "subject": {"reference": PATIENT_REF},
    }


def _allergy(code: str, text: str) -> dict[str, Any]:
    return {
        "resourceType": "AllergyIntolerance",
        "id": _id("allergy", code),
        "clinicalStatus": _concept(
            "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active"
        ),
        "code": {
            "coding": [{"system": fc.CASE_SYSTEM, "code": code, "display": text}],
            "text": text,
        },
        "patient": {"reference": PATIENT_REF},
    }


# ---------------------------------------------------------------------------------------------
# The plan


def _timing(order: Order) -> dict[str, Any]:
    repeat: dict[str, Any]
    if order.every_hours is None:
        repeat = {"count": 1}
    else:
        repeat = {"frequency": 1, "period": order.every_hours, "periodUnit": "h"}
    if order.days is not None:
        repeat["boundsDuration"] = {
            "value": order.days,
            "unit": "days",
            "system": fc.UCUM,
            "code": "d",
        }
    return {"repeat": repeat}


def _dose_and_rate(order: Order) -> list[dict[str, Any]]:
    if order.dose_mg_low == order.dose_mg:
        return [{"doseQuantity": _qty(order.dose_mg, "mg")}]
    return [
        {"doseRange": {"low": _qty(order.dose_mg_low, "mg"), "high": _qty(order.dose_mg, "mg")}}
    ]


def _dosage(order: Order) -> dict[str, Any]:
    dosage: dict[str, Any] = {
        "text": order.sig,
        "timing": _timing(order),
        "asNeededBoolean": order.prn,
        "route": _route(order.route.value),
        "doseAndRate": _dose_and_rate(order),
    }
    if order.max_daily_mg is not None:
        dosage["maxDosePerPeriod"] = {
            "numerator": _qty(order.max_daily_mg, "mg"),
            "denominator": {"value": 1, "unit": "day", "system": fc.UCUM, "code": "d"},
        }
    return dosage


def _titration(plan: GabapentinPlan) -> list[dict[str, Any]]:
    """Each run of identical days is one step (sequence n); each distinct dose in that day is
    one dosage of the step, `frequency` times a day, for `boundsDuration` days."""
    runs: list[tuple[int, int, tuple[float, ...]]] = []  # (first day, days, doses)
    for step in plan.steps:
        if runs and runs[-1][2] == step.doses and runs[-1][0] + runs[-1][1] == step.day:
            first, days, doses = runs[-1]
            runs[-1] = (first, days + 1, doses)
        else:
            runs.append((step.day, 1, step.doses))
    out: list[dict[str, Any]] = []
    for n, (first, days, doses) in enumerate(runs, start=1):
        last = first + days - 1
        when = f"day {first}" if days == 1 else f"days {first}-{last}"
        for dose in dict.fromkeys(doses):
            times = doses.count(dose)
            out.append(
                {
                    "sequence": n,
                    "text": f"{when}: {dose:g} mg {times} time{'s' if times > 1 else ''} a day "
                    f"({sum(doses):g} mg/day)",
                    "timing": {
                        "repeat": {
                            "boundsDuration": {
                                "value": days,
                                "unit": "days",
                                "system": fc.UCUM,
                                "code": "d",
                            },
                            "frequency": times,
                            "period": 1,
                            "periodUnit": "d",
                        }
                    },
                    "route": _route("po"),
                    "doseAndRate": [{"doseQuantity": _qty(dose, "mg")}],
                }
            )
    return out


def order_request(
    order: Order, step: str, plan: TreatmentPlan | None = None, key: object = ""
) -> dict[str, Any]:
    """One order as a MedicationRequest proposal (status draft). `step` is 'now' or 'discharge'."""
    is_gabapentin = plan is not None and plan.gabapentin is not None and order.drug == "gabapentin"
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": _id("order", step, key, order.sig),
        "status": "draft",
        "intent": "proposal",
        "category": [
            _concept(
                "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                "inpatient" if step == "now" else "discharge",
                "Inpatient" if step == "now" else "Discharge",
            )
        ],
        "medicationCodeableConcept": _medication(order.generic, None, order.dose_mg, order.drug),
        "subject": {"reference": PATIENT_REF},
        "dosageInstruction": (
            _titration(plan.gabapentin)
            if plan is not None and plan.gabapentin is not None and is_gabapentin
            else [_dosage(order)]
        ),
    }
    notes = [order.note] if order.note else []
    if order.choice:
        notes.insert(0, order.choice)
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def _ref(resource: dict[str, Any]) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource['id']}"}


def plan_bundle(
    case: PatientCase, plan: TreatmentPlan, *, generated: dt.date | None = None
) -> dict[str, Any]:
    """The export Bundle (see module docstring), validated."""
    generated = generated or dt.date.today()
    inputs = case_resources(case, today=generated)
    by_key = {r["id"]: r for r in inputs}
    requests = [order_request(o, "now", plan, i) for i, o in enumerate(plan.give_now)]
    requests += [order_request(o, "discharge", plan, i) for i, o in enumerate(plan.discharge)]
    derived: list[dict[str, Any]] = []
    renal = plan.renal
    if renal.crcl_ml_min is not None and renal.method.startswith("Cockcroft"):
        sources = [by_key.get(_id("obs", k)) for k in ("age", "weight", "height", "creatinine")]
        derived.append(
            {
                **_loinc_obs(
                    "crcl-cg",
                    fc.CRCL_COCKCROFT_GAULT,
                    "Creatinine renal clearance predicted by Cockcroft-Gault formula",
                    {"valueQuantity": _qty(round(renal.crcl_ml_min, 1), "mL/min")},
                    "laboratory",
                ),
                "method": {"text": renal.method},
                "derivedFrom": [_ref(s) for s in sources if s is not None],
                "note": [{"text": f"Band {renal.band}. {renal.note}".strip()}],
            }
        )
    if plan.mme_per_day is not None:
        opioid_requests = [
            r
            for r, o in zip(requests, (*plan.give_now, *plan.discharge), strict=True)
            if o in plan.discharge and o.is_opioid
        ]
        derived.append(
            {
                **_observation(
                    "mme",
                    _concept(
                        fc.CASE_SYSTEM, fc.MME_PER_DAY, "Morphine milligram equivalents per day"
                    ),
                    {"valueQuantity": _qty(plan.mme_per_day, "{MME}/d", "MME/day")},
                    "survey",
                ),
                "focus": [_ref(r) for r in opioid_requests],
                "method": {"text": "CDC 2022 clinical practice guideline, MME conversion factors"},
                "note": [
                    {
                        "text": "Derived from the take-home opioid orders this observation "
                        "focuses on."
                    }
                ],
            }
        )
    note_text = clinical_note_text(case, plan, generated=generated)
    document = {
        "resourceType": "DocumentReference",
        "id": _id("note", note_text),
        "status": "current",
        "docStatus": "preliminary",
        "type": _concept(fc.LOINC, "11506-3", "Progress note"),
        "subject": {"reference": PATIENT_REF},
        "description": "Refractory low back pain: clinical note (decision support draft)",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "title": "Refractory low back pain: clinical note",
                    "data": base64.b64encode(note_text.encode("utf-8")).decode("ascii"),
                }
            }
        ],
    }
    careplan = {
        "resourceType": "CarePlan",
        "id": _id("careplan", plan.triage.level, len(requests)),
        "status": "draft",
        "intent": "proposal",
        "title": "Refractory low back pain plan",
        "description": f"Triage: {plan.triage.level.value}. {plan.triage.action}",
        "subject": {"reference": PATIENT_REF},
        "supportingInfo": [_ref(r) for r in (*derived, document)],
        "activity": [{"reference": _ref(r)} for r in requests]
        + [
            {"detail": {"status": "not-started", "description": _point_text(p)}}
            for p in (*plan.non_drug, *plan.follow_up)
        ],
        "note": [
            {"text": f"{w.severity.value}: {w.message} ({w.source})" if w.source else w.message}
            for w in plan.warnings
        ]
        + [{"text": f"Avoid {a.drug}: {a.reason}"} for a in plan.avoid],
    }
    resources = [*inputs, careplan, *requests, *derived, document]
    bundle = {
        "resourceType": "Bundle",
        "id": _id("bundle", careplan["id"], document["id"]),
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{r['id']}", "resource": validate_resource(r, r["resourceType"])}
            for r in resources
        ],
    }
    return validate_resource(bundle, "Bundle")


def _point_text(point: Any) -> str:
    return f"{point.title}: {point.text}" if point.title else str(point.text)


def plan_bundle_json(
    case: PatientCase, plan: TreatmentPlan, *, generated: dt.date | None = None
) -> str:
    """The export Bundle as pretty JSON, for the page's download button (application/fhir+json)."""
    return json.dumps(plan_bundle(case, plan, generated=generated), indent=2, ensure_ascii=False)


def bundle_resources(bundle: dict[str, Any]) -> Sequence[dict[str, Any]]:
    """The resources of a Bundle, in order."""
    return [e["resource"] for e in bundle.get("entry", ()) if "resource" in e]
