"""Gabapentin titration capped by renal function, from the FDA Neurontin label.

Gabapentin is eliminated unchanged by the kidney, so the label (section 2.3, Table 1) gives a dose
range and a dosing frequency per creatinine-clearance band. The schedule here follows the label's
postherpetic-neuralgia titration (300 mg day 1, 300 mg BID day 2, 300 mg TID day 3) and then steps
through the label's own regimens, so every day is a regimen the label lists (or the ramp to it)
and no day ever exceeds the renal maximum.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from logic.engine.renal import BAND_VALUE, RenalBand, as_band, renal_band
from logic.models import GabapentinPlan, GabapentinStep

if TYPE_CHECKING:  # imported where a table is built: the engine itself never needs pandas
    import pandas as pd

LABEL_SOURCE = "FDA Neurontin label §2.3 Table 1"


class LabelRegimen(NamedTuple):
    """One row of label Table 1: the five per-dose columns and how often they are given, with
    the daily totals they make (worked out once, by `_label_row`)."""

    band: RenalBand
    doses_per_day: int
    dose_mg: tuple[float, float, float, float, float]
    totals: tuple[float, ...]
    max_daily_mg: float


def _label_row(
    band: RenalBand, doses_per_day: int, dose_mg: tuple[float, float, float, float, float]
) -> LabelRegimen:
    totals = tuple(d * doses_per_day for d in dose_mg)
    return LabelRegimen(band, doses_per_day, dose_mg, totals, totals[-1])


# FDA Neurontin label, section 2.3, Table 1 (CrCl in mL/min).
LABEL_TABLE_1: tuple[LabelRegimen, ...] = (
    _label_row(RenalBand.normal, 3, (300, 400, 600, 800, 1200)),  # ≥60: 900–3600 TID
    _label_row(RenalBand.moderate, 2, (200, 300, 400, 500, 700)),  # >30–59: 400–1400 BID
    _label_row(RenalBand.severe, 1, (200, 300, 400, 500, 700)),  # >15–29: 200–700 QD
    _label_row(RenalBand.very_severe, 1, (100, 125, 150, 200, 300)),  # <15: 100–300 QD
)
# Label Table 1, haemodialysis row: supplemental dose after each 4 h of dialysis, by column.
HD_SUPPLEMENT_MG: tuple[float, float, float, float, float] = (125, 150, 200, 250, 350)
VERY_SEVERE_REFERENCE_CRCL = 15.0  # label: below CrCl 15, reduce the daily dose in proportion
LOWEST_LABEL_DAILY_MG = 100.0  # label Table 1: lowest listed daily dose (100 mg QD)

# Rungs added between the ramp and the label regimens when starting low (start_mg < 300):
# FDA Drug Safety Communication 19 Dec 2019 (start at the lowest dose in frail, elderly,
# respiratory risk or with opioids); 200 mg TID bridges 300 mg/day to 900 mg/day.
LOW_START_RUNGS: dict[RenalBand, tuple[float, ...]] = {RenalBand.normal: (200,)}
STANDARD_START_MG = 300.0  # label PHN titration: 300 mg day 1, BID day 2, TID day 3
MIN_DISPLAY_DAYS = 14  # show two weeks at least so the reader sees the plateau
DISPLAY_DAYS_AFTER_LAST_STEP = 3

# US presentations (Neurontin label §3): capsules 100/300/400 mg, tablets 600/800 mg,
# oral solution 250 mg/5 mL.
SOLID_STRENGTHS_MG: tuple[int, ...] = (800, 600, 400, 300, 100)
ORAL_SOLUTION_MG_PER_ML = 50.0  # 250 mg / 5 mL


_BY_BAND: dict[RenalBand, LabelRegimen] = {r.band: r for r in LABEL_TABLE_1}


def _regimen(band: RenalBand) -> LabelRegimen:
    return _BY_BAND[band]


def _maintenance(band: RenalBand, crcl_ml_min: float | None) -> tuple[LabelRegimen, float]:
    """The label row that sets maintenance doses and the renal daily maximum it allows."""
    if band is RenalBand.hemodialysis:
        # Label: maintenance on dialysis is based on estimated CrCl; without one, use the
        # lowest (<15) row unscaled.
        if crcl_ml_min is None:
            return _regimen(RenalBand.very_severe), _regimen(RenalBand.very_severe).max_daily_mg
        band = renal_band(crcl_ml_min)
    row = _regimen(band)
    cap = row.max_daily_mg
    if band is RenalBand.very_severe and crcl_ml_min is not None:
        # Label: "reduce daily dose in proportion to creatinine clearance" below 15 mL/min.
        cap = cap * min(max(crcl_ml_min, 0.0), VERY_SEVERE_REFERENCE_CRCL) / 15
    return row, cap


def gabapentin_max_daily_mg(crcl_ml_min: float | None, on_hemodialysis: bool = False) -> float:
    """Renal maximum daily maintenance dose (mg/day), label Table 1.

    On dialysis this is the maintenance maximum; the post-dialysis supplement comes on top.
    Without a CrCl (and not on dialysis) there is no band to read, so it refuses to guess.
    """
    if crcl_ml_min is None and not on_hemodialysis:
        raise ValueError(
            "CrCl is unknown: pass the band from assess_renal to build_gabapentin_plan instead"
        )
    band = RenalBand.hemodialysis if on_hemodialysis else renal_band(crcl_ml_min or 0.0)
    return _maintenance(band, crcl_ml_min)[1]


def renal_equivalent_target(
    band: RenalBand, crcl_ml_min: float | None, target_daily_mg: float
) -> float:
    """A normal-function target translated to the patient's renal band, column by column.

    Label Table 1 lines its regimens up in columns of equivalent exposure (1800 mg/day at
    CrCl >= 60 sits with 800, 400 and 150 mg/day in the lower rows), so a renal patient is
    titrated to the equivalent of the target, not to the top of the band.
    """
    row, _cap = _maintenance(as_band(band), crcl_ml_min)
    if row.band is RenalBand.normal:
        return target_daily_mg
    return row.totals[_column(target_daily_mg)]  # the renal cap is applied by the plan


@lru_cache(maxsize=64)
def _column(target_daily_mg: float) -> int:
    """The label column of a normal-function daily target (highest column not above it)."""
    normal = _regimen(RenalBand.normal)
    return max((i for i, t in enumerate(normal.totals) if t <= target_daily_mg), default=0)


def _supplement_for(row: LabelRegimen, per_dose_mg: float) -> float:
    """Post-dialysis dose in the column of the maintenance dose (highest column not above it)."""
    column = max((i for i, d in enumerate(row.dose_mg) if d <= per_dose_mg), default=0)
    return HD_SUPPLEMENT_MG[column]


@lru_cache(maxsize=256)
def _schedule(changes: tuple[tuple[int, float, int], ...]) -> tuple[GabapentinStep, ...]:
    """Every day's doses from the days the dose changes (day, per-dose mg, doses), shown to a
    few days past the last change. Schedules come from label rungs, so few are distinct."""
    last_day = max(MIN_DISPLAY_DAYS, changes[-1][0] + DISPLAY_DAYS_AFTER_LAST_STEP)
    steps: list[GabapentinStep] = []
    current = changes[0]
    pending = iter(changes)
    upcoming = next(pending, None)
    for d in range(1, last_day + 1):
        while upcoming is not None and upcoming[0] <= d:
            current = upcoming
            upcoming = next(pending, None)
        steps.append(_step(d, current[1], current[2]))
    return tuple(steps)


@lru_cache(maxsize=1024)
def _step(day: int, per_dose: float, count: int) -> GabapentinStep:
    """Steps are frozen and the same across plans: each (day, dose, count) is built once."""
    return GabapentinStep(day=day, total_daily_mg=per_dose * count, doses=(per_dose,) * count)


@lru_cache(maxsize=256)
def _titration(
    row: LabelRegimen, limit: float, start_mg: float, step_days: int
) -> tuple[GabapentinStep, ...]:
    """The day-by-day steps for a label row up to `limit` mg/day (see build_gabapentin_plan).
    Rows, limits and starts come from the label table, so few schedules are distinct."""
    # Candidate regimens as (per-dose mg, doses per day), lowest total first.
    rungs = [(d, row.doses_per_day) for d in row.dose_mg]
    if start_mg < STANDARD_START_MG:
        rungs += [(d, row.doses_per_day) for d in LOW_START_RUNGS.get(row.band, ())]
    rungs.sort(key=lambda r: r[0] * r[1])

    changes: list[tuple[int, float, int]] = []  # (day, per-dose mg, doses) where the dose changes
    for count in range(1, min(3, row.doses_per_day) + 1):
        if start_mg * count > limit:
            break
        changes.append((count, start_mg, count))
    if not changes:
        # One start dose is already above the limit: highest label regimen under it, else the limit.
        fitting = [r for r in rungs if r[0] * r[1] <= limit]
        per_dose, count = fitting[-1] if fitting else (limit, 1)
        changes.append((1, per_dose, count))
    day, per_dose, count = changes[-1]
    for next_dose, next_count in rungs:
        if per_dose * count < next_dose * next_count <= limit:
            day += step_days
            per_dose, count = next_dose, next_count
            changes.append((day, per_dose, count))

    return _schedule(tuple(changes))


def build_gabapentin_plan(
    band: RenalBand,
    crcl_ml_min: float | None,
    target_daily_mg: float = 1800,
    start_mg: float = 300,
    step_days: int = 3,
) -> GabapentinPlan:
    """Day-by-day gabapentin schedule up to min(target, renal maximum).

    Ramp (label PHN titration): day 1 start_mg once, day 2 twice, day 3 three times, as far as the
    band's frequency allows; then one label regimen up every `step_days` days. Every day holds
    equal doses and never exceeds the renal maximum. The band decides the table row; CrCl only
    scales the <15 row and picks the row on dialysis.
    """
    band = as_band(band)
    if step_days < 1:
        raise ValueError("step_days must be at least 1")
    if start_mg <= 0 or target_daily_mg <= 0:
        raise ValueError("start and target doses must be positive")
    row, cap = _maintenance(band, crcl_ml_min)
    limit = min(target_daily_mg, cap)
    dialysis = band is RenalBand.hemodialysis
    cap_text = (
        f"Renal maximum {cap:g} mg/day ({LABEL_SOURCE}: CrCl band {BAND_VALUE[band]}"
        + (f", CrCl {crcl_ml_min:.4g} mL/min" if crcl_ml_min is not None else "")
        + f"; {row.doses_per_day}× daily)."
    )
    if cap < LOWEST_LABEL_DAILY_MG:
        return GabapentinPlan(
            max_daily_mg=cap,
            target_daily_mg=target_daily_mg,
            doses_per_day=row.doses_per_day,
            band=BAND_VALUE[band],
            start_mg=start_mg,
            steps=(),
            note=(
                f"{cap_text} That is below the lowest label dose (100 mg/day): gabapentin needs "
                "specialist or pharmacy input at this level of renal function."
            ),
        )

    steps = _titration(row, limit, start_mg, step_days)
    final = steps[-1]
    supplement = _supplement_for(row, final.doses[0]) if dialysis else None
    reached = final.total_daily_mg
    parts = [cap_text]
    if target_daily_mg > cap:
        parts.append(f"Target {target_daily_mg:g} mg/day is capped at the renal maximum.")
    if reached < limit:
        parts.append(
            f"Stops at {reached:g} mg/day, the highest label regimen not above {limit:g} mg/day."
        )
    if start_mg < STANDARD_START_MG:
        parts.append(
            f"Low start ({start_mg:g} mg): FDA 2019 advises the lowest starting dose with "
            "opioids or other CNS depressants, lung disease or older age."
        )
    if dialysis:
        parts.append(
            f"Give {supplement:g} mg after each 4 hours of haemodialysis, on top of maintenance "
            f"({LABEL_SOURCE})."
        )
    return GabapentinPlan(
        max_daily_mg=cap,
        target_daily_mg=target_daily_mg,
        doses_per_day=row.doses_per_day,
        band=BAND_VALUE[band],
        start_mg=start_mg,
        dialysis_supplement_mg=supplement,
        steps=steps,
        note=" ".join(parts),
    )


def capsules(dose_mg: float) -> str:
    """How to make one dose from US presentations, largest first; oral solution if they can't."""
    remaining = dose_mg
    parts: list[str] = []
    for strength in SOLID_STRENGTHS_MG:
        count = int(remaining // strength)
        if count:
            parts.append(f"{count} × {strength} mg")
            remaining -= count * strength
    if remaining > 1e-9 or not parts:
        ml = dose_mg / ORAL_SOLUTION_MG_PER_ML
        return f"{ml:g} mL oral solution 250 mg/5 mL"
    return " + ".join(parts)


SCHEDULE_COLUMNS = ("day", "total_daily_mg", "doses_per_day", "dose_mg", "capsules", "note")


def schedule_frame(plan: GabapentinPlan) -> pd.DataFrame:
    """One row per day of the plan, ready for a table or a CSV."""
    import pandas as pd

    rows = []
    previous = None
    for step in plan.steps:
        notes = []
        if previous is None:
            notes.append("start")
        elif step.total_daily_mg != previous:
            notes.append("increase")
        if plan.dialysis_supplement_mg is not None:
            notes.append(f"plus {plan.dialysis_supplement_mg:g} mg after each 4 h of haemodialysis")
        previous = step.total_daily_mg
        rows.append(
            {
                "day": step.day,
                "total_daily_mg": step.total_daily_mg,
                "doses_per_day": len(step.doses),
                "dose_mg": step.doses[0],
                "capsules": capsules(step.doses[0]),
                "note": "; ".join(notes),
            }
        )
    return pd.DataFrame(rows, columns=list(SCHEDULE_COLUMNS))


#: A cell starting with one of these is run as a formula by Excel, LibreOffice and Google
#: Sheets (OWASP "CSV Injection"); such a text cell is written with a leading apostrophe.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def schedule_csv(plan: GabapentinPlan) -> bytes:
    """The schedule as CSV bytes for a download button: UTF-8 with a byte-order mark, so Excel
    reads "×" and "µ" correctly instead of guessing a legacy code page, and no text cell that a
    spreadsheet would run as a formula."""
    frame = schedule_frame(plan)
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
            frame[column] = frame[column].map(_csv_cell)
    return frame.to_csv(index=False).encode("utf-8-sig")


def gabapentin_schedule(
    crcl_ml_min: float | None,
    target_daily_mg: float = 1800,
    on_hemodialysis: bool = False,
    start_mg: float = 300,
) -> pd.DataFrame:
    """Schedule table straight from a CrCl (convenience over build_gabapentin_plan)."""
    if crcl_ml_min is None and not on_hemodialysis:
        raise ValueError("CrCl is unknown: use assess_renal's band with build_gabapentin_plan")
    band = RenalBand.hemodialysis if on_hemodialysis else renal_band(crcl_ml_min or 0.0)
    plan = build_gabapentin_plan(band, crcl_ml_min, target_daily_mg, start_mg)
    return schedule_frame(plan)
