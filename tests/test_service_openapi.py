"""Schemathesis against the service's own OpenAPI document: no input it can generate from the
schema makes the service answer 5xx (bounded examples per operation).

Run against the development server (CDS_ALLOW_UNSIGNED=1) so generated bodies reach the
mapping and the engine instead of stopping at the token check.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from tests import service_harness as h


@pytest.fixture(scope="module")
def dev_server():
    srv = h.start(allow_unsigned=True)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api_schema(dev_server):
    return schemathesis.openapi.from_url(f"{dev_server.base}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")
SERVICE_IDS = ("back-pain-plan", "back-pain-order-select", "back-pain-order-sign")


def _to_a_real_service(case) -> None:
    """Random ids only meet the 404 (tested in test_service.py); send the bodies to a real
    service so they reach the FHIR mapping and the engine."""
    if case.path_parameters and "service_id" in case.path_parameters:
        drawn = str(case.path_parameters["service_id"])
        case.path_parameters["service_id"] = SERVICE_IDS[sum(map(ord, drawn)) % len(SERVICE_IDS)]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_from_the_schema_causes_a_server_error(case) -> None:
    _to_a_real_service(case)
    case.call_and_validate(checks=[not_a_server_error])


def test_generated_calls_reached_the_services_not_only_404(api_schema) -> None:
    """The run above is only worth something if bodies generated the same way reach a real
    service. This test draws its own calls (a few per POST operation, derandomised) instead of
    reading counts the run above left behind, so it holds alone and in any order."""
    statuses: Counter[tuple[str, int]] = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "POST":
            continue

        @given(operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            _to_a_real_service(case)
            statuses[(case.operation.label, case.call().status_code)] += 1

        call()
    reached = {k: n for k, n in statuses.items() if k[1] != 404}
    assert reached, statuses
