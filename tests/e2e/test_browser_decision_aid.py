"""The decision aid in a real browser: one click on its tab draws an icon array per offered
option, on a laptop (1280x720) and a phone (390x844), with no critical or serious axe-core
violation; the patient view draws the same pictures. Figures come from the engine."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import find_chromium, wait_for_app_run

if find_chromium() is None:
    pytest.skip("browser tests need Chromium", allow_module_level=True)

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from logic.engine.decision_aid import Option, arm_line, decision_rows, headline, people
from logic.engine.plan import build_plan
from logic.library.cases import CASES_DIR, load_case
from tests.e2e.test_browser import CHART, CHART_INK_JS
from tests.e2e.test_workspace import AXE, axe_violations

pytestmark = pytest.mark.e2e

REFERENCE = load_case(CASES_DIR / "reference.toml").case
VIEWPORTS = {"laptop": (1280, 720), "phone": (390, 844)}


def _open(browser, app_url: str, size: tuple[int, int], query: str = ""):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url + "/" + query)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached")
    wait_for_app_run(page)
    return context, page


def _charts_drawn(page: Page, count: int) -> None:
    """Every chart is drawn. The charts are found afresh on each check, by position: a
    session's first page can run once more (ui/address.py reports), which replaces the chart
    elements, so a handle taken before that rerun would be detached."""
    charts = page.locator(CHART)
    expect(charts).to_have_count(count)
    for index in range(count):
        for attempt in range(3):  # the element may be replaced by that rerun mid-scroll
            try:
                charts.nth(index).scroll_into_view_if_needed()
                break
            except PlaywrightError:
                if attempt == 2:
                    raise
                wait_for_app_run(page)
        page.wait_for_function(
            f"""(i) => {{
                const chart = document.querySelectorAll("{CHART}")[i];
                return chart !== undefined && ({CHART_INK_JS})(chart) > 0;
            }}""",
            arg=index,
            timeout=60_000,
        )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_decision_aid_tab_in_one_click(browser, app_url: str, viewport: str):
    """The resident's question ('how many of 100 still have moderate pain at a week with
    naproxen alone?') is answered on the tab one click away, and every chart is drawn."""
    rows = decision_rows(build_plan(REFERENCE))
    nsaid = next(r for r in rows if r.option is Option.nsaid)
    context, page = _open(browser, app_url, VIEWPORTS[viewport])
    try:
        page.get_by_role("tab", name="Decision aid").click()
        wait_for_app_run(page)
        aid = page.locator("#decision-aid")
        expect(aid).to_be_visible()
        box = page.locator(f".st-key-aid_{Option.nsaid.name}")
        expect(box).to_contain_text(f"{people(headline(nsaid))} of 100")
        expect(box).to_contain_text(arm_line(headline(nsaid)))
        _charts_drawn(page, len(rows))
        if AXE.exists():
            assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_patient_view_draws_the_icon_arrays(browser, app_url: str, viewport: str):
    rows = decision_rows(build_plan(REFERENCE))
    context, page = _open(browser, app_url, VIEWPORTS[viewport], "?audience=patient")
    try:
        expect(page.locator("#what-happened")).to_be_visible()
        _charts_drawn(page, len(rows))
        if AXE.exists():
            assert axe_violations(page) == []
    finally:
        context.close()
