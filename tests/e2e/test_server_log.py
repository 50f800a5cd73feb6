"""Nothing the clinician enters reaches the server's log (issue 14: the privacy sentence on the
page says the case is not logged; this proves it for a whole session, link and edits included).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import (
    TIMEOUT_MS,
    find_chromium,
    start_server,
    stop_server,
    wait_for_app_run,
)

if find_chromium() is None:
    pytest.skip("browser tests need Chromium (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.e2e

# Distinctive values: none of them can appear in Streamlit's own start-up lines by chance.
LINK = (
    "?age_years=67&sex=female&weight_kg=71.3&serum_creatinine_mg_dl=1.37"
    "&pain_duration_weeks=2.5&tried=tramadol&conditions=opioid_use_disorder"
)
CASE_VALUES = ("71.3", "1.37", "2.5", "tramadol", "opioid_use_disorder", "opioid use disorder")


def test_server_log_holds_no_case_value_after_a_session(browser, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = start_server(log=log)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server.url + LINK)
        wait_for_app_run(page)
        pain = page.locator(".st-key-pain_score input")
        pain.fill("9")
        pain.press("Enter")
        wait_for_app_run(page)
        page.close()
    finally:
        stop_server(server.process)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Streamlit" in text  # the file is the server's own log, not an empty stand-in
    leaked = [value for value in CASE_VALUES if value in text]
    assert not leaked, f"case values in the server log: {leaked}"
