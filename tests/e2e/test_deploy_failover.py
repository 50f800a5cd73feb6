"""A page replica dies under an open browser tab (`deploy/start pages`, two replicas, nginx).

What the user must never see is a plan built from other inputs than those on the screen. The
replica holding the tab's session is killed; the browser reconnects through nginx to the other
replica (a new session there), and after the next change the page's kidney figure must be the
engine's Cockcroft-Gault value for the inputs the page then shows (whatever they are: the new
session rebuilds the case from the address bar), with no error on the page.
"""

from __future__ import annotations

import os
import signal
import urllib.request

import pytest

from tests import deploy_harness as d
from tests.e2e.conftest import enter_text, find_chromium, reruns_sent, wait_for_app_run

if find_chromium() is None:
    pytest.skip(
        "browser tests need Chromium (apt-get install chromium; .ci/run does this)",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

from logic.engine.plan import build_plan
from logic.library.cases import CASES_DIR, load_case

pytestmark = pytest.mark.e2e

REFERENCE = load_case(CASES_DIR / "reference.toml").case  # the case the page opens on
#: Record every connection state the page passes through (a reconnect can take under a second).
WATCH_CONNECTION = """() => {
  window.__states = [];
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => window.__states.push(app.dataset.testConnectionState))
    .observe(app, {attributes: true, attributeFilter: ['data-test-connection-state']});
}"""


def crcl_metric(page: Page):
    box = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text("CrCl (mL/min)", exact=True)
    )
    return box.get_by_test_id("stMetricValue")


def set_number(page: Page, key: str, value: str) -> None:
    enter_text(page, page.locator(f".st-key-{key} input"), value)  # fill() alone commits nothing


def expected_crcl(page: Page) -> str:
    """The engine's CrCl for the age and weight the page shows (the rest as the reference)."""
    age = int(page.locator(".st-key-age_years input").input_value())
    weight = float(page.locator(".st-key-weight_kg input").input_value())
    case = REFERENCE.model_copy(update={"age_years": age, "weight_kg": weight})
    plan = build_plan(case)
    assert plan.renal.crcl_ml_min is not None
    return f"{plan.renal.crcl_ml_min:.0f}"


def replica_of(pages: d.Pages, cookie: str) -> int:
    """The port of the replica nginx routes this route cookie to (read from its access log)."""
    since = len(pages.access_lines())
    request = urllib.request.Request(
        f"{pages.url}/_stcore/health", headers={"Cookie": f"cds_route={cookie}"}
    )
    with urllib.request.urlopen(request, timeout=10):
        pass

    def logged() -> list[str]:
        return [line for line in pages.access_lines()[since:] if "/_stcore/health" in line]

    d.wait_until(lambda: bool(logged()), 20, "nginx did not log the health check")
    return int(logged()[0].rsplit(":", 1)[1])


@pytest.fixture
def pages(tmp_path):
    running = d.start_pages(tmp_path, replicas=2)
    yield running
    running.stop()


def test_a_killed_replica_never_leaves_a_plan_for_other_inputs(pages, page: Page) -> None:
    page.set_default_timeout(60_000)
    page.goto(pages.url)
    wait_for_app_run(page)
    set_number(page, "weight_kg", "50")
    expect(crcl_metric(page)).to_have_text(expected_crcl(page))
    (cookie,) = [c["value"] for c in page.context.cookies() if c["name"] == "cds_route"]
    port = replica_of(pages, cookie)
    page.evaluate(WATCH_CONNECTION)
    os.kill(pages.replicas[port], signal.SIGKILL)

    # Streamlit's own status shows the lost connection; wait until the tab has seen it, then
    # until it is connected again (now to the other replica, the only one left), and change an
    # input there.
    page.wait_for_function("() => window.__states.some((s) => s !== 'CONNECTED')")
    wait_for_app_run(page)
    set_number(page, "age_years", "70")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    # The survivor starts a new session from the address bar, which never holds the sensitive
    # fields: the page asks about them before any plan (issue 22), so no plan for other inputs.
    confirm = page.get_by_role("button", name="Checked: show the plan")
    expect(confirm).to_be_visible()
    expect(crcl_metric(page)).to_have_count(0)
    since = reruns_sent(page)
    confirm.click()
    wait_for_app_run(page, since=since)
    expect(crcl_metric(page)).to_have_text(expected_crcl(page))
    assert replica_of(pages, cookie) != port  # nginx moved the tab to the survivor
