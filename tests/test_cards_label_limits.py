"""The label-limit card reads a draft order's dose as the FHIR reader reads a regular medicine's:
in mg or g, or as a count of tablets (or no unit) times the strength of the product its RxNorm
code names, and a combination product's every ingredient is checked.

Each draft is coded by a row of the CDC opioid CDS value sets (tests/data/cdc-opioid-cds, CC0);
the test reads the product's name from that file, not from the service's table. Expectations are
hand calculations against the dose-limit rows that always apply (logic/drugs/dose_limits.py):
acetaminophen 1,000 mg a dose and 4,000 mg a day (Tylenol and Ofirmev labels), codeine 60 mg a
dose and 360 mg a day, tramadol 100 mg a dose and 400 mg a day (Ultram label). Both sides of each
limit; "every 4 h" is 6 administrations a day (24 / 4).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from logic.drugs.rxnorm import RXNORM
from tests import service_harness as h
from tests.test_cards_actions import cards_for, critical_for, reference_sign
from tests.test_rxnorm import VALUESETS


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    yield from h.unsigned_test_client()


def valueset_displays() -> dict[str, str]:
    bundle = json.loads(VALUESETS.read_text())
    return {
        item["code"]: item.get("display", "")
        for entry in bundle["entry"]
        for item in entry["resource"]["expansion"]["contains"]
        if item["system"] == RXNORM
    }


DISPLAYS = valueset_displays()
#: The CDC value-set rows the drafts are coded by, with the name each must have there.
PRODUCTS = {
    "1049221": "Acetaminophen 325 MG / Oxycodone Hydrochloride 5 MG Oral Tablet",
    "993781": "Acetaminophen 300 MG / Codeine Phosphate 30 MG Oral Tablet",
    "835603": "tramadol hydrochloride 50 MG Oral Tablet",
}


def test_the_products_are_the_value_sets_rows() -> None:
    for code, name in PRODUCTS.items():
        assert DISPLAYS[code] == name


def coded_draft(
    code: str | None, value: float, unit: str | None, every_h: float | None, text: str = ""
) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": RXNORM, "code": code}]} if code else {}
    if text:
        concept["text"] = text
    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity["unit"] = unit
    dosage: dict[str, Any] = {"doseAndRate": [{"doseQuantity": quantity}]}
    if every_h is not None:
        dosage["timing"] = {"repeat": {"frequency": 1, "period": every_h, "periodUnit": "h"}}
    return {
        "resource": {
            "resourceType": "MedicationRequest",
            "id": "d-1",
            "status": "draft",
            "intent": "order",
            "medicationCodeableConcept": concept,
            "subject": {"reference": "Patient/example"},
            "dosageInstruction": [dosage],
        }
    }


# (label, code, dose value, dose unit, every h, what the card says first or None for no card)
CASES = [
    # Oxycodone 5 mg / acetaminophen 325 mg tablets (no label maximum for oxycodone itself).
    ("3 tablets q4h: APAP 975 x 6 = 5850 mg/day", "1049221", 3, "tablet", 4,
     "acetaminophen 5850 mg a day"),
    ("2 tablets q4h: APAP 650 x 6 = 3900 mg/day", "1049221", 2, "tablet", 4, None),
    ("2 {tbl} q3h: APAP 650 x 8 = 5200 mg/day", "1049221", 2, "{tbl}", 3,
     "acetaminophen 5200 mg a day"),
    ("3, no unit, q4h: as 3 tablets", "1049221", 3, None, 4, "acetaminophen 5850 mg a day"),
    ("3 tablets once: APAP 975 mg a dose", "1049221", 3, "tablet", None, None),
    ("4 tablets once: APAP 1300 mg a dose", "1049221", 4, "tablet", None,
     "acetaminophen 1300 mg a dose"),
    # A mass of the entered ingredient: 15 mg oxycodone is 3 tablets' worth of acetaminophen.
    ("oxycodone 15 mg q4h: APAP 975 x 6 = 5850", "1049221", 15, "mg", 4,
     "acetaminophen 5850 mg a day"),
    ("oxycodone 10 mg q4h: APAP 650 x 6 = 3900", "1049221", 10, "mg", 4, None),
    # Acetaminophen 300 mg / codeine 30 mg (Tylenol with Codeine #3).
    ("2 tablets q4h: codeine 60/360, APAP 3600", "993781", 2, "tablet", 4, None),
    ("2 tablets q3h: codeine 480 mg/day", "993781", 2, "tablet", 3, "codeine 480 mg a day"),
    ("3 tablets once: codeine 90 mg a dose", "993781", 3, "tablet", None,
     "codeine 90 mg a dose"),
    # Tramadol 50 mg tablets (a single ingredient: no ingredient named).
    ("2 tablets q6h: 400 mg/day", "835603", 2, "tablet", 6, None),
    ("2 tablets q4h: 600 mg/day", "835603", 2, "tablet", 4, "600 mg a day"),
    ("2 tablets once: 100 mg a dose", "835603", 2, "tablet", None, None),
    ("3 tablets once: 150 mg a dose", "835603", 3, "tablet", None, "150 mg a dose"),
    # A mass in g (acetaminophen by text only, no code).
    ("acetaminophen 1 g once", None, 1, "g", None, None),
    ("acetaminophen 1.5 g once", None, 1.5, "g", None, "1500 mg a dose"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "code", "value", "unit", "every_h", "says"), CASES, ids=[c[0] for c in CASES]
)
def test_a_draft_in_tablets_or_mass_is_checked_against_its_label_maximum(
    client, label, code, value, unit, every_h, says
) -> None:
    text = "" if code else "acetaminophen"
    body = reference_sign()
    body["context"]["draftOrders"]["entry"] = [coded_draft(code, value, unit, every_h, text)]
    cards = cards_for(client, body)
    above = critical_for(cards, "above the label maximum")
    if says is None:
        assert not above, (label, [c["summary"] for c in cards])
        return
    (card,) = above
    assert f": {says} is above the label maximum" in card["summary"], card["summary"]


def test_every_ingredient_over_its_limit_is_in_the_detail(client) -> None:
    """2 tablets of acetaminophen 300 mg / codeine 30 mg every 3 h: codeine 480 mg a day (over
    360) and acetaminophen 4,800 mg a day (over 4,000); both are said, each with its source."""
    body = reference_sign()
    body["context"]["draftOrders"]["entry"] = [coded_draft("993781", 2, "tablet", 3)]
    (card,) = critical_for(cards_for(client, body), "above the label maximum")
    assert "codeine 480 mg a day" in card["detail"]
    assert "acetaminophen 4800 mg a day" in card["detail"]
    assert "label maximum is 4000 mg a day (Tylenol and Ofirmev" in card["detail"]


def test_a_patch_rate_is_not_read_as_a_mass(client) -> None:
    """A fentanyl patch in patches (RxNorm 'fentanyl 0.025 MG/HR Transdermal System' style): a
    rate, for which the table has no label maximum; no label card, and no error."""
    code = next(c for c, d in DISPLAYS.items() if d.startswith("72 HR Fentanyl 0.025 MG/HR"))
    body = reference_sign()
    body["context"]["draftOrders"]["entry"] = [coded_draft(code, 1, "patch", None)]
    cards = cards_for(client, body)
    assert not critical_for(cards, "above the label maximum")
    assert critical_for(cards, "Extended-release/long-acting opioid drafted")
