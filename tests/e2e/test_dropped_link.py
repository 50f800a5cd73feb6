"""A link Streamlit drops before the script runs never shows a plan, not even for a frame.

Streamlit 1.67 empties a query string of more than 1,000 parameters (or 512 KiB) before the
script sees it (streamlit/runtime/state/query_params.py `sanitize_query_string`), so the first
run looks like a plain visit. The page used to draw the reference case and its plan for 1-3 s
until the browser reported the drop (issue 22). A MutationObserver installed before navigation
records every plan element and every non-empty age box the page ever drew; a plain visit, with
the same observer, must record them (so the observer can see what it looks for).
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import TIMEOUT_MS, find_chromium, wait_for_app_run

if find_chromium() is None:
    pytest.skip("browser tests need Chromium (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Page, expect

from logic.formats.share import MAX_PARAMETERS, STREAMLIT_MAX_QUERY_FIELDS

pytestmark = pytest.mark.e2e

#: What only a plan draws: its orders (#give-now, #now), the summary card, the key figures.
PLAN_MARKERS = "#give-now, #now, .st-key-summary, [data-testid='stMetric']"

#: Runs in the page before any of its own script: records what the page draws, as it draws it.
WATCH_JS = """
(() => {
  window.__seen = { plan: false, age: "" };
  const look = () => {
    if (document.querySelector(MARKERS)) window.__seen.plan = true;
    const age = document.querySelector(".st-key-age_years input");
    if (age && age.value && !window.__seen.age) window.__seen.age = age.value;
  };
  new MutationObserver(look).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
  document.addEventListener("input", look, true);
})();
""".replace("MARKERS", json.dumps(PLAN_MARKERS))


def watched(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(WATCH_JS)
    return page


def test_the_observer_sees_the_reference_plan_of_a_plain_visit(page: Page, app_url: str):
    """The control: a plain visit draws the reference case (age 42) and its plan, and the
    observer records both (otherwise the next test could not fail)."""
    watched(page).goto(app_url)
    expect(page.locator("#give-now")).to_have_count(1)
    expect(page.locator(".st-key-age_years input")).to_have_value("42")
    page.wait_for_function("window.__seen.age !== ''")
    assert page.evaluate("window.__seen") == {"plan": True, "age": "42"}


@pytest.mark.parametrize("extra", [0, 1])
def test_a_dropped_link_never_draws_a_plan_or_the_reference_case(
    page: Page, app_url: str, extra: int
):
    """1,001 (and 1,002) parameters, one of them a real case field: the notice says the link
    was not read; no plan element and no filled age box ever existed, from the first frame to
    the settled page; the form is there, blank."""
    fields = STREAMLIT_MAX_QUERY_FIELDS + 1 + extra
    query = "age_years=42&" + "&".join(f"k{i}=1" for i in range(fields - 1))
    assert query.count("&") + 1 == fields
    watched(page).goto(f"{app_url}/?{query}")
    notice = page.get_by_test_id("stAlert").filter(has_text="This link's case was not read")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"{STREAMLIT_MAX_QUERY_FIELDS:,} parameters")
    age = page.locator(".st-key-age_years input")
    expect(age).to_have_value("")
    wait_for_app_run(page)
    expect(page.get_by_text("Enter the age")).to_be_visible()  # the blank case asks for its fields
    assert page.evaluate("window.__seen") == {"plan": False, "age": ""}
    assert "k999" not in page.url


def test_a_link_at_the_limit_reaches_the_page_and_gets_its_own_notice(page: Page, app_url: str):
    """The other side of the boundary: exactly 1,000 parameters reach the script, and the
    page's own limit (logic.formats.share.MAX_PARAMETERS) refuses the link with its own notice;
    the case is blank and, here too, no plan or reference case was ever drawn."""
    fields = STREAMLIT_MAX_QUERY_FIELDS
    query = "age_years=43&" + "&".join(f"k{i}=1" for i in range(fields - 1))
    assert query.count("&") + 1 == fields
    watched(page).goto(f"{app_url}/?{query}")
    notice = page.get_by_test_id("stAlert").filter(has_text="This link was not read")
    expect(notice).to_contain_text(f"more than {MAX_PARAMETERS} parameters")
    expect(page.get_by_text("This link's case was not read")).to_have_count(0)
    expect(page.locator(".st-key-age_years input")).to_have_value("")
    wait_for_app_run(page)
    assert page.evaluate("window.__seen") == {"plan": False, "age": ""}
