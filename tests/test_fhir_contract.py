"""What the FHIR reader refuses and what it lets pass: a resource type this tool does not read
is not validated, so an EHR's invalid but unused resource never costs the clinician the plan
(issue 26: an Encounter-less or malformed extra resource failed whole calls); a type it reads is
still validated (FHIR R4 via fhir.resources: Observation.code and .status are required)."""

from __future__ import annotations

import pytest

from logic.formats.fhir.read import FhirInputError, flatten

WEIGHT = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
    "valueQuantity": {"value": 80, "unit": "kg"},
}
# Procedure requires status and subject (FHIR R4 Procedure, cardinality 1..1): invalid.
BAD_PROCEDURE = {"resourceType": "Procedure", "id": "x", "code": {"text": "MRI"}}


def bundle(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def test_an_invalid_resource_of_a_type_not_read_is_skipped_not_refused() -> None:
    assert flatten(bundle(WEIGHT, BAD_PROCEDURE)) == [WEIGHT]


def test_an_invalid_resource_of_a_type_read_is_still_refused() -> None:
    broken = {k: v for k, v in WEIGHT.items() if k != "status"}
    with pytest.raises(FhirInputError, match="status"):
        flatten(bundle(broken))


def test_a_type_that_is_not_fhir_is_still_refused() -> None:
    with pytest.raises(FhirInputError, match="not a FHIR resource type"):
        flatten(bundle({"resourceType": "Nope"}))


# --- read_prefetch: what EHRs send, read as meant and said ------------------------------------

from logic.formats.fhir.read import read_draft_orders, read_prefetch  # noqa: E402

ENCOUNTER_NO_CLASS = {"resourceType": "Encounter", "id": "e", "status": "in-progress"}


def test_a_bundle_entry_sent_as_a_prefetch_value_is_read_as_its_resource() -> None:
    resources, notes = read_prefetch(
        {"weight": {"response": {"status": "200"}, "resource": WEIGHT}}
    )
    assert resources == [WEIGHT]
    assert notes == ["prefetch 'weight' is a Bundle entry, not a resource: its resource was read"]


def test_a_bundle_without_its_type_is_read_as_a_collection() -> None:
    untyped = {"resourceType": "Bundle", "entry": [{"resource": WEIGHT}]}
    resources, notes = read_prefetch({"item2": untyped})
    assert resources == [WEIGHT]
    assert "without its type" in notes[0]


def test_an_encounter_without_class_is_skipped_and_named_an_observation_is_not() -> None:
    """Encounter.class is required in R4; the Encounter gives only the care setting."""
    resources, notes = read_prefetch({"encounter": ENCOUNTER_NO_CLASS, "weight": WEIGHT})
    assert resources == [WEIGHT]
    assert "Encounter" in notes[0]
    assert "class" in notes[0]
    broken = {k: v for k, v in WEIGHT.items() if k != "code"}
    with pytest.raises(FhirInputError, match="code"):
        read_prefetch({"weight": broken})


def test_empty_prefetch_values_are_no_data() -> None:
    assert read_prefetch({"item1": None, "item2": {}}) == ([], [])


def test_a_single_draft_order_is_read_as_a_bundle_of_one() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {"text": "Oxycodone 5 MG Oral Tablet"},
    }
    assert read_draft_orders(order) == [order]
