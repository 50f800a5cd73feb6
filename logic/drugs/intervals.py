"""Dosing-interval table: the shortest time between two doses each label allows.

One typed row per drug (and route, where the labels differ), read as the lower end of the
label's interval ("every 4 to 6 hours" is 4): the plan says when the next dose may be given after
the last one given this visit (`TriedMedication.hours_ago`). A row gated by a patient fact (the
dose-limit table's gates: tramadol every 12 hours below CrCl 30 or in cirrhosis) lengthens the
interval for that patient; the longest interval that applies is used. Immediate-release forms
only: an extended-release opioid given for acute pain is harm to review, not a dose to repeat.
"""

from __future__ import annotations

from typing import NamedTuple

from logic.drugs.dose_limits import Gate, Patient, gates_of
from logic.models import Route

__all__ = ["INTERVALS", "Interval", "interval_for", "known_ids", "row"]


class Interval(NamedTuple):
    id: str
    generic: str
    #: Hours from one dose to the next, at the shortest the label allows.
    min_hours: float
    #: How the label words the interval, for messages ("every 4 to 6 hours").
    words: str
    source: str
    #: Only for this route (None: any route).
    route: Route | None = None
    #: The patient fact that brings the row in (the dose-limit table's gates).
    gate: Gate = Gate.always
    #: Only for a single dose up to this many mg (naproxen 250 mg every 6-8 h, 500 mg every 12 h).
    up_to_mg: float | None = None


G = Gate
_KETOROLAC_IV = "Ketorolac tromethamine injection label, Dosage and Administration (every 6 hours)"

INTERVALS: tuple[Interval, ...] = (
    # NSAIDs.
    Interval("interval-ketorolac-iv", "ketorolac", 6, "every 6 hours", _KETOROLAC_IV, Route.iv),
    Interval("interval-ketorolac-im", "ketorolac", 6, "every 6 hours", _KETOROLAC_IV, Route.im),
    Interval(
        "interval-ketorolac-po",
        "ketorolac",
        4,
        "every 4 to 6 hours",
        "Ketorolac tromethamine tablets label, Dosage and Administration (10 mg every 4 to 6 "
        "hours)",
        Route.po,
    ),
    Interval(
        "interval-ibuprofen",
        "ibuprofen",
        4,
        "every 4 to 6 hours",
        "Motrin (ibuprofen) Rx label, Dosage and Administration (mild to moderate pain: 400 mg "
        "every 4 to 6 hours)",
    ),
    Interval(
        "interval-naproxen-250",
        "naproxen",
        6,
        "250 mg every 6 to 8 hours",
        "Naprosyn (naproxen) label, 2 Dosage and Administration (pain: 500 mg, then 500 mg "
        "every 12 hours or 250 mg every 6 to 8 hours)",
        up_to_mg=275,  # naproxen sodium 275 mg is naproxen 250 mg
    ),
    Interval(
        "interval-naproxen",
        "naproxen",
        12,
        "500 mg every 12 hours",
        "Naprosyn (naproxen) label, 2 Dosage and Administration (pain: 500 mg, then 500 mg "
        "every 12 hours or 250 mg every 6 to 8 hours)",
    ),
    Interval(
        "interval-diclofenac",
        "diclofenac",
        8,
        "three times a day",
        "Cataflam (diclofenac potassium) label, Dosage and Administration (50 mg three times "
        "a day)",
    ),
    Interval(
        "interval-celecoxib",
        "celecoxib",
        12,
        "twice a day",
        "Celebrex (celecoxib) label, 2.5 Acute pain (then 200 mg twice daily)",
    ),
    Interval(
        "interval-meloxicam",
        "meloxicam",
        24,
        "once a day",
        "Mobic (meloxicam) label, 2 Dosage and Administration (once daily)",
    ),
    # Acetaminophen: Tylenol (every 4 to 6 hours) and Ofirmev (minimum interval 4 hours).
    Interval(
        "interval-acetaminophen",
        "acetaminophen",
        4,
        "every 4 to 6 hours (at least 4 hours apart)",
        "Tylenol label (every 4 to 6 hours); Ofirmev (acetaminophen injection) label, 2 "
        "Dosage and Administration (minimum dosing interval 4 hours)",
    ),
    # Immediate-release opioids.
    Interval(
        "interval-oxycodone",
        "oxycodone",
        4,
        "every 4 to 6 hours",
        "Roxicodone (oxycodone IR) label, 2 Dosage and Administration (every 4 to 6 hours as "
        "needed)",
    ),
    Interval(
        "interval-hydromorphone-iv",
        "hydromorphone",
        2,
        "every 2 to 3 hours",
        "Dilaudid injection label, 2 Dosage and Administration (IV 0.2-1 mg every 2 to 3 hours)",
        Route.iv,
    ),
    Interval(
        "interval-hydromorphone-po",
        "hydromorphone",
        4,
        "every 4 to 6 hours",
        "Dilaudid tablets label, 2 Dosage and Administration (2-4 mg every 4 to 6 hours)",
        Route.po,
    ),
    Interval(
        "interval-morphine",
        "morphine",
        4,
        "every 4 hours",
        "Morphine sulfate injection and tablets labels, 2 Dosage and Administration (every 4 "
        "hours as needed)",
    ),
    Interval(
        "interval-hydrocodone",
        "hydrocodone",
        4,
        "every 4 to 6 hours",
        "Norco (hydrocodone/acetaminophen) label, Dosage and Administration (every 4 to 6 "
        "hours as needed)",
    ),
    Interval(
        "interval-codeine",
        "codeine",
        4,
        "every 4 hours",
        "Codeine sulfate tablets label, 2 Dosage and Administration (15-60 mg every 4 hours)",
    ),
    Interval(
        "interval-tramadol",
        "tramadol",
        4,
        "every 4 to 6 hours",
        "Ultram (tramadol) label, 2 Dosage and Administration (50-100 mg every 4 to 6 hours)",
    ),
    Interval(
        "interval-tramadol-crcl-below-30",
        "tramadol",
        12,
        "every 12 hours",
        "Ultram (tramadol) label, 2 Dosage and Administration (CrCl below 30: every 12 hours)",
        gate=G.crcl_below_30,
    ),
    Interval(
        "interval-tramadol-cirrhosis",
        "tramadol",
        12,
        "every 12 hours",
        "Ultram (tramadol) label, 2 Dosage and Administration (cirrhosis: 50 mg every 12 hours)",
        gate=G.cirrhosis,
    ),
)

_BY_ID = {r.id: r for r in INTERVALS}
assert len(_BY_ID) == len(INTERVALS), "interval ids must be unique"


def known_ids() -> frozenset[str]:
    """Every row id (for the meta-test that each row has its own test)."""
    return frozenset(_BY_ID)


def row(row_id: str) -> Interval:
    return _BY_ID[row_id]


def interval_for(
    generic: str, route: Route | None, dose_mg: float | None, patient: Patient
) -> Interval | None:
    """The longest interval that applies to this dose for this patient, or None (no row).

    A row for one route applies to that route, and to a dose whose route was not entered (the
    longer interval then wins: the safer reading). A small-dose row (naproxen 250 mg every 6 to
    8 hours) replaces the drug's general row for a dose known to be that small."""
    gates = gates_of(patient)
    rows = [
        r
        for r in INTERVALS
        if r.generic == generic
        and r.gate in gates
        and (r.route is None or route is None or route is r.route)
        and (r.up_to_mg is None or (dose_mg is not None and dose_mg <= r.up_to_mg))
    ]
    small = [r for r in rows if r.up_to_mg is not None]
    if small:
        rows = [r for r in rows if r.up_to_mg is not None or r.gate is not Gate.always]
    return max(rows, key=lambda r: r.min_hours, default=None)
