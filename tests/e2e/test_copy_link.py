"""'Copy case link' puts the full case link on the clipboard in one click (issue 21).

It took two: one to show the link, one on the code box's copy icon. The expected link is
built here from the same case by logic.formats.share (the full link, sensitive fields
included, which the address bar never holds).
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TIMEOUT_MS, find_chromium

if find_chromium() is None:
    pytest.skip("browser tests need Chromium (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

from logic.formats.share import SENSITIVE_FIELDS, share_query_string
from logic.library.cases import CASES_DIR, load_case
from tests.e2e.test_browser import open_at, open_tab
from tests.e2e.test_links import full_link
from ui.copy_link import COPIED, REFUSED

pytestmark = pytest.mark.e2e

REFERENCE = load_case(CASES_DIR / "reference.toml").case

#: Instead of the clipboard, a browser that refuses it (a denied permission).
REFUSE_JS = """
Object.defineProperty(navigator, "clipboard", {
  value: { writeText: () => Promise.reject(new DOMException("denied", "NotAllowedError")) },
});
"""


def copy_button(page: Page):
    return page.get_by_role("button", name="Copy case link")


@pytest.fixture
def clipboard_page(browser: Browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 720},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.mark.parametrize("which", ["reference", "full"])
def test_one_click_puts_the_case_link_on_the_clipboard(
    clipboard_page: Page, app_url: str, which: str
):
    """The reference case, and the issue-22 full link (pregnant, IV drug use, opioid use
    disorder on buprenorphine, heavy alcohol use) whose sensitive fields the address bar drops:
    one click, and the clipboard holds the whole link, exactly."""
    page = clipboard_page
    query = share_query_string(REFERENCE) if which == "reference" else full_link()
    open_at(page, f"{app_url}/?{query}")
    if which == "full":  # the address bar drops the sensitive fields (ui.address replaces it)
        fields = [f"{field}=" for field in sorted(SENSITIVE_FIELDS)]
        page.wait_for_function("(f) => !f.some((x) => location.search.includes(x))", arg=fields)
    page.evaluate("navigator.clipboard.writeText('')")
    open_tab(page, "Note and downloads")
    expect(copy_button(page)).to_be_visible()
    copy_button(page).click()
    expect(page.get_by_role("status").filter(has_text=COPIED)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{app_url}/?{query}"


def test_a_refused_clipboard_shows_the_link_selected(browser: Browser, app_url: str):
    """Where the browser refuses the clipboard, the same one click shows the link in a box,
    selected for Ctrl+C, and says so; nothing is claimed as copied."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        context.add_init_script(REFUSE_JS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        open_at(page, f"{app_url}/?{share_query_string(REFERENCE)}")
        open_tab(page, "Note and downloads")
        copy_button(page).click()
        expect(page.get_by_role("status").filter(has_text=REFUSED)).to_be_visible()
        box = page.get_by_role("textbox", name="Case link")
        expect(box).to_have_value(f"{app_url}/?{share_query_string(REFERENCE)}")
        selected = box.evaluate("b => b.value.slice(b.selectionStart, b.selectionEnd)")
        assert selected == box.input_value()
        expect(page.get_by_text(COPIED)).to_have_count(0)
    finally:
        context.close()
