"""A record about someone else never shapes this patient's plan (issue 26): every resource's
subject must be the patient CDS Hooks names in context.patientId (CDS Hooks 2.0: the context's
patientId is the FHIR id of the patient in context); the error names the resource."""

from __future__ import annotations

from typing import Any

import pytest

from logic.formats.fhir.read import FhirInputError, check_subject


def observation(reference: str, rid: str = "w1") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "subject": {"reference": reference}}


@pytest.mark.parametrize(
    "reference",
    [
        "Patient/p1",
        "https://ehr.example.org/fhir/Patient/p1",
        "Patient/p1/_history/3",
        "urn:uuid:p1",  # Synthea's bundles reference by urn:uuid
    ],
)
def test_a_resource_about_this_patient_is_accepted(reference: str) -> None:
    check_subject([{"resourceType": "Patient", "id": "p1"}, observation(reference)], "p1")


@pytest.mark.parametrize(
    "reference", ["Patient/p2", "https://ehr.example.org/fhir/Patient/p2", "urn:uuid:p2"]
)
def test_a_resource_about_another_patient_is_refused_by_name(reference: str) -> None:
    with pytest.raises(FhirInputError, match="Observation/w1: its subject is another patient"):
        check_subject([observation(reference)], "p1")


def test_an_allergy_is_checked_by_its_patient_element() -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "a",
        "patient": {"reference": "Patient/x"},
    }
    with pytest.raises(FhirInputError, match="AllergyIntolerance/a"):
        check_subject([allergy], "p1")


def test_the_patient_resource_must_be_the_patient_in_context() -> None:
    with pytest.raises(FhirInputError, match="Patient/p2 is not the patient in context"):
        check_subject([{"resourceType": "Patient", "id": "p2"}], "p1")


def test_a_patient_id_sent_with_its_patient_prefix_is_the_same_patient() -> None:
    """The CDC's example requests send context.patientId as 'Patient/<id>'."""
    check_subject(
        [{"resourceType": "Patient", "id": "p1"}, observation("Patient/p1")], "Patient/p1"
    )
    with pytest.raises(FhirInputError):
        check_subject([observation("Patient/p2")], "Patient/p1")
