"""What must lead the page and the note: harm that may already have been done, then danger
and caution warnings, then one number for each cap.

Pure functions of the plan, so the summary card, the note and the reasoning document show the
same cautions in the same order and the same gabapentin ceiling.
"""

from __future__ import annotations

from logic.models import Severity, TreatmentPlan, TriedReview, Warning

__all__ = ["gabapentin_ceiling", "harm_done", "leading_warnings"]


def harm_done(plan: TreatmentPlan) -> tuple[TriedReview, ...]:
    """Medicines given this episode that were contraindicated for this patient: the review
    names what to watch for now (`monitor`), so the clinician must see them first."""
    return tuple(r for r in plan.tried_review if r.monitor)


def leading_warnings(
    plan: TreatmentPlan, severities: frozenset[Severity] = frozenset({Severity.danger})
) -> tuple[Warning, ...]:
    """The plan's warnings of these severities, most severe first (the plan's own order)."""
    rank = {Severity.danger: 0, Severity.caution: 1, Severity.info: 2}
    wanted = [w for w in plan.warnings if w.severity in severities]
    return tuple(sorted(wanted, key=lambda w: rank[w.severity]))


def gabapentin_ceiling(plan: TreatmentPlan) -> float | None:
    """The most gabapentin this plan lets the patient take in a day: the lowest of the label's
    kidney maximum (Neurontin label, Table 1) and the discharge order's own cap. The figure,
    the titration, the note and the handout all show this one number."""
    gaba = plan.gabapentin
    if gaba is None:
        return None
    caps = [gaba.max_daily_mg]
    caps += [
        o.max_daily_mg
        for o in plan.discharge
        if o.generic == "gabapentin" and o.max_daily_mg is not None
    ]
    return min(caps)
