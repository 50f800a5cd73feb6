"""RxNorm codes for the medicines this service proposes in a card's create action.

A proposed MedicationRequest is coded as an EHR codes its orders (RxNorm first; CDS Hooks 2.0
suggestions are FHIR resources the EHR files as they are). The codes are the RxNorm ingredient
(TTY IN) rows of the one ingredient table, `logic/data/rxnorm_ingredients.tsv`, where each row
names where it was checked. A generic with no row gets no create action: the card then names
the plan's order in words and offers only what it can say exactly (removing the draft).
"""

from __future__ import annotations

from typing import NamedTuple

from logic.drugs.rxnorm import RXNORM, ingredient_codes


class OrderCode(NamedTuple):
    generic: str
    code: str
    display: str
    source: str


#: Every generic the ingredient table codes, read once from that table (no second copy).
ORDER_CODES: tuple[OrderCode, ...] = tuple(
    OrderCode(row.generic, row.code, row.generic.capitalize(), row.source)
    for row in ingredient_codes().values()
)
_BY_GENERIC = {row.generic: row for row in ORDER_CODES}


def rxnorm_concept(generic: str, text: str) -> dict[str, object] | None:
    """A FHIR CodeableConcept coding `generic` by its RxNorm ingredient, `text` as written; None
    when the table has no code for it."""
    row = _BY_GENERIC.get(generic)
    if row is None:
        return None
    return {"coding": [{"system": RXNORM, "code": row.code, "display": row.display}], "text": text}
