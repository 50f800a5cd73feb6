"""What the FHIR reader refuses and what it lets pass: a resource type this tool does not read
is not validated, so an EHR's invalid but unused resource never costs the clinician the plan
(issue 26: an Encounter-less or malformed extra resource failed whole calls); a type it reads is
still validated (FHIR R4 via fhir.resources: Observation.code and .status are required)."""

from __future__ import annotations

import pytest

from logic.fhir_in import FhirInputError, flatten

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
