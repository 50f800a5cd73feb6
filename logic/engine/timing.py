"""The times of the doses given this visit, read into the plan (issue 20).

Three things a clinician asks once the times are known, each from its table row:
* when the next NSAID, acetaminophen or opioid dose may follow the last one given
  (`TriedMedication.hours_ago` and the label's interval, logic.drugs.intervals);
* which day of ketorolac's course this is (`days_since_first_dose`; the ketorolac labels'
  boxed warning: combined IV, IM and oral use no more than 5 days; past day 5 the rule
  ketorolac-past-5-days withholds it);
* the systemic steroid given this visit as a prednisone-equivalent total (logic.drugs.steroids).

Pure functions of the case; the plan adds their warnings beside the table warnings.
"""

from __future__ import annotations

from logic.drugs.catalogue import Formulation
from logic.drugs.dose_limits import Patient
from logic.drugs.intervals import interval_for
from logic.drugs.steroids import STEROIDS, prednisone_mg
from logic.engine.rules import rule_by_id, step_text
from logic.engine.thresholds import KETOROLAC_MAX_DAYS
from logic.models import PatientCase, Severity, TriedMedication, Warning

__all__ = ["ketorolac_day", "timing_warnings"]

NEXT_DOSE_RULE_ID = "next-dose-due"
KETOROLAC_DAY_RULE_ID = "ketorolac-course-day"
STEROID_RULE_ID = "steroid-prednisone-equivalent"

_NOT_REPEATED = frozenset({Formulation.er, Formulation.patch})


def _fmt(value: float) -> str:
    return f"{round(value, 1):g}"


def _next_dose(tried: TriedMedication, patient: Patient) -> list[Warning]:
    if tried.hours_ago is None or tried.formulation in _NOT_REPEATED:
        return []
    out: list[Warning] = []
    for generic in (tried.drug, *tried.also_contains):
        dose = tried.dose_mg if generic == tried.drug else None
        found = interval_for(generic, tried.route, dose, patient)
        if found is None:
            continue
        wait = found.min_hours - tried.hours_ago
        when = (
            "the next may be given now, if still needed"
            if wait <= 0
            else f"the next not before {_fmt(wait)} h from now"
        )
        text = step_text(
            NEXT_DOSE_RULE_ID,
            drug=tried.product_label or generic,
            generic=generic,
            hours=_fmt(tried.hours_ago),
            when=when,
            words=found.words,
            source=found.source,
        )
        out.append(
            Warning(
                code=f"next-dose-{generic}",
                severity=Severity.info,
                message=text,
                source=found.source,
                rule_ids=(NEXT_DOSE_RULE_ID, found.id),
            )
        )
    return out


def ketorolac_day(case: PatientCase) -> int | None:
    """Today's day of the ketorolac course (day 1 = the day of the first dose), or None when no
    ketorolac given this episode has its first dose's day entered."""
    days = [
        t.days_since_first_dose
        for t in case.tried
        if t.drug == "ketorolac" and t.days_since_first_dose is not None
    ]
    return max(days) + 1 if days else None


def _ketorolac(case: PatientCase) -> list[Warning]:
    day = ketorolac_day(case)
    if day is None:
        return []
    row = rule_by_id(KETOROLAC_DAY_RULE_ID)
    if day > KETOROLAC_MAX_DAYS:
        state = "the course is over: no more ketorolac (an NSAID other than ketorolac only if "
        state += "still needed and safe)"
        severity = Severity.danger
    elif day == KETOROLAC_MAX_DAYS:
        state, severity = "today is the last day it may be given", Severity.caution
    else:
        left = KETOROLAC_MAX_DAYS - day
        state = f"{left} more day{'s' if left != 1 else ''} at most after today"
        severity = Severity.info
    text = step_text(KETOROLAC_DAY_RULE_ID, day=day, most=KETOROLAC_MAX_DAYS, state=state)
    return [
        Warning(
            code=KETOROLAC_DAY_RULE_ID,
            severity=severity,
            message=text,
            source=row.source,
            rule_ids=(KETOROLAC_DAY_RULE_ID,),
        )
    ]


def _steroids(case: PatientCase) -> list[Warning]:
    parts: list[str] = []
    ids: list[str] = []
    unknown: list[str] = []
    total = 0.0
    for t in case.tried:
        if t.dose_mg is None:
            if t.drug in STEROIDS:
                unknown.append(t.drug)
            continue
        given = t.dose_mg * t.doses_given
        found = prednisone_mg(t.drug, given)
        if found is None:
            continue
        mg, row = found
        total += mg
        times = f" x{t.doses_given}" if t.doses_given > 1 else ""
        parts.append(f"{t.drug} {_fmt(t.dose_mg)} mg{times} = {_fmt(mg)} mg prednisone")
        if row.id not in ids:
            ids.append(row.id)
    if not parts and not unknown:
        return []
    counted = "; ".join(parts) if parts else "none with a dose entered"
    missing = f" Not counted (no dose entered): {', '.join(unknown)}." if unknown else ""
    text = step_text(STEROID_RULE_ID, parts=counted, total=_fmt(total), missing=missing)
    return [
        Warning(
            code=STEROID_RULE_ID,
            severity=Severity.info,
            message=text,
            source=rule_by_id(STEROID_RULE_ID).source,
            rule_ids=(STEROID_RULE_ID, *ids),
        )
    ]


def timing_warnings(case: PatientCase, patient: Patient) -> list[Warning]:
    """The next-dose, ketorolac-day and steroid-total warnings for this case (none without a
    medicine given this episode). One pass finds which of the three apply, so a case without
    times or steroids costs one loop over its given medicines."""
    tried = case.tried
    if not tried:
        return []
    out: list[Warning] = []
    ketorolac = steroid = False
    for t in tried:
        if t.hours_ago is not None:
            out.extend(_next_dose(t, patient))
        if t.days_since_first_dose is not None and t.drug == "ketorolac":
            ketorolac = True
        if t.drug in STEROIDS:
            steroid = True
    if ketorolac:
        out.extend(_ketorolac(case))
    if steroid:
        out.extend(_steroids(case))
    return out
