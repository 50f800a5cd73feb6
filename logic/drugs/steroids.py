"""Systemic corticosteroid equivalence: each catalogue steroid's dose as prednisone.

Equivalent anti-inflammatory doses (the standard table): prednisone 5 mg = prednisolone 5 mg =
methylprednisolone 4 mg = dexamethasone 0.75 mg (= hydrocortisone 20 mg, not in this catalogue).
Sources: BNF, "Glucocorticoid therapy: equivalent anti-inflammatory doses of corticosteroids"
(prednisolone 5 mg, dexamethasone 750 micrograms, methylprednisolone 4 mg, hydrocortisone 20
mg); the prednisolone label's equivalence list (15 mg prednisolone = prednisone 15 mg =
methylprednisolone 12 mg = dexamethasone 2.25 mg). The ratios ignore mineralocorticoid effect
and duration (dexamethasone acts longest): they compare anti-inflammatory dose only.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["EQUIVALENTS", "STEROIDS", "Equivalent", "known_ids", "prednisone_mg", "row"]


class Equivalent(NamedTuple):
    id: str
    generic: str
    #: The dose of this steroid equal to 5 mg of prednisone.
    mg_per_5_mg_prednisone: float
    source: str


_SOURCE = (
    "BNF, Glucocorticoid therapy (equivalent anti-inflammatory doses: prednisolone 5 mg = "
    "dexamethasone 750 micrograms = methylprednisolone 4 mg = hydrocortisone 20 mg); "
    "prednisolone label (equivalence list)"
)

EQUIVALENTS: tuple[Equivalent, ...] = (
    Equivalent("steroid-prednisone", "prednisone", 5, _SOURCE),
    Equivalent("steroid-prednisolone", "prednisolone", 5, _SOURCE),
    Equivalent("steroid-methylprednisolone", "methylprednisolone", 4, _SOURCE),
    Equivalent("steroid-dexamethasone", "dexamethasone", 0.75, _SOURCE),
)
_BY_GENERIC = {e.generic: e for e in EQUIVALENTS}
_BY_ID = {e.id: e for e in EQUIVALENTS}
#: The steroids the table converts (a given medicine outside it is not a systemic steroid here).
STEROIDS: frozenset[str] = frozenset(_BY_GENERIC)


def known_ids() -> frozenset[str]:
    return frozenset(_BY_ID)


def row(row_id: str) -> Equivalent:
    return _BY_ID[row_id]


def prednisone_mg(generic: str, mg: float) -> tuple[float, Equivalent] | None:
    """`mg` of this steroid as mg of prednisone, with the row; None for a drug not listed."""
    found = _BY_GENERIC.get(generic)
    if found is None:
        return None
    return mg * 5 / found.mg_per_5_mg_prednisone, found
