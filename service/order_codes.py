"""RxNorm ingredient codes for the medicines this service proposes in a card's create action.

One typed row per generic the plan can order (give now, discharge, naloxone), with its source,
so a proposed MedicationRequest is coded as an EHR codes its orders (RxNorm first, CDS Hooks
2.0 suggestions are FHIR resources the EHR files as they are). A generic with no row here gets
no create action: the card then names the plan's order in words and offers only what it can
say exactly (removing the draft).

Sources: opioid ingredient codes from the CDC Opioid MME toolkit's drug table
(cqframework/opioid-cds-r4 commit b29bdcbf, archive/input/pagecontent/cql/OMTKData-0.0.3.cql,
field ``ingredientCode``, CC0); the other ingredient codes are RxNorm (US National Library of
Medicine) ingredient (TTY IN) concepts as public code tables give them (two tables for naproxen
and acetaminophen, one for the others), not checked against RxNav itself from this machine (no
network): the ``source`` of each row says which. Check them against RxNav before production.
"""

from __future__ import annotations

from typing import NamedTuple

from logic.drugs.rxnorm import RXNORM

_OMTK = "CDC Opioid MME toolkit OMTKData-0.0.3 (cqframework/opioid-cds-r4), ingredientCode"
_TWO = "RxNorm ingredient (IN): two public code tables agree; not checked against RxNav"
_ONE = "RxNorm ingredient (IN): one public code table; not checked against RxNav"


class OrderCode(NamedTuple):
    generic: str
    code: str
    display: str
    source: str


ORDER_CODES: tuple[OrderCode, ...] = (
    OrderCode("oxycodone", "7804", "Oxycodone", _OMTK),
    OrderCode("hydromorphone", "3423", "Hydromorphone", _OMTK),
    OrderCode("tramadol", "10689", "Tramadol", _OMTK),
    OrderCode("morphine", "7052", "Morphine", _OMTK),
    OrderCode("hydrocodone", "5489", "Hydrocodone", _OMTK),
    OrderCode("codeine", "2670", "Codeine", _OMTK),
    OrderCode("tapentadol", "787390", "tapentadol", _OMTK),
    OrderCode("naproxen", "7258", "Naproxen", _TWO),
    OrderCode("acetaminophen", "161", "Acetaminophen", _TWO),
    OrderCode("ibuprofen", "5640", "Ibuprofen", _ONE),
    OrderCode("gabapentin", "25480", "Gabapentin", _ONE),
    OrderCode("duloxetine", "72625", "Duloxetine", _ONE),
    OrderCode("omeprazole", "7646", "Omeprazole", _ONE),
    OrderCode("cyclobenzaprine", "21949", "Cyclobenzaprine", _ONE),
    OrderCode("naloxone", "7242", "Naloxone", _ONE),
)
_BY_GENERIC = {row.generic: row for row in ORDER_CODES}
assert len(_BY_GENERIC) == len(ORDER_CODES), "one row per generic"


def rxnorm_concept(generic: str, text: str) -> dict[str, object] | None:
    """A FHIR CodeableConcept coding `generic` by its RxNorm ingredient, `text` as written; None
    when the table has no code for it."""
    row = _BY_GENERIC.get(generic)
    if row is None:
        return None
    return {"coding": [{"system": RXNORM, "code": row.code, "display": row.display}], "text": text}
