"""The page in a real browser: what AppTest cannot show (rendering, downloads, a phone screen).

Each test opens a fresh browser session on `streamlit run app.py` (see conftest.py) and drives
the widgets by their `.st-key-<key>` classes. Expected figures come from the engine itself
(`build_plan` on the same case), so these tests check that the page shows what the engine
decided, not a second copy of the clinical rules.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.e2e.conftest import APP_IDLE, find_chromium, wait_for_app_run

if find_chromium() is None:
    pytest.skip(
        "browser tests need Chromium: none at $CHROMIUM (if set), /usr/bin/chromium or on PATH "
        "(apt-get install chromium; .ci/run does this)",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

from logic.cases import CASES_DIR, load_case
from logic.gabapentin import schedule_csv
from logic.models import RedFlag
from logic.plan import build_plan
from logic.triage import red_flag_label

pytestmark = pytest.mark.e2e

# The reference case the page opens on: cases/reference.toml is its only copy.
REFERENCE = load_case(CASES_DIR / "reference.toml").case

CHART = "[data-testid='stVegaLiteChart']"
#: How much of the Vega chart is actually drawn: SVG marks with a size, or inked canvas pixels.
CHART_INK_JS = """
(chart) => {
  const svg = chart.querySelector('svg');
  if (svg) {
    return [...svg.querySelectorAll('path, rect, line, text')]
      .filter(e => { const b = e.getBBox(); return b.width > 0 || b.height > 0; }).length;
  }
  const canvas = chart.querySelector('canvas');
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
  return inked;
}
"""


def widget(page: Page, key: str):
    return page.locator(f".st-key-{key}")


def metric(page: Page, label: str):
    """The value of the key figure whose label is `label`."""
    box = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return box.get_by_test_id("stMetricValue")


def open_tab(page: Page, name: str) -> None:
    """Open one of the plan's detail tabs (each is built only while open)."""
    page.get_by_role("tab", name=name).click()
    wait_for_app_run(page)


def switch_radicular_on(page: Page) -> None:
    toggle = widget(page, "radicular")
    toggle.get_by_text("Radicular pain").click()
    expect(toggle.get_by_role("switch")).to_be_checked()
    wait_for_app_run(page)
    # The titration is the most relevant detail for radicular pain: its tab comes first.
    expect(page.get_by_role("tab").first).to_have_text("Titration")
    open_tab(page, "Titration")
    expect(page.locator("#gabapentin-titration")).to_be_visible()


def expect_reference_plan(page: Page) -> None:
    """The reference case's plan is on screen: Give now, its oxycodone order, the figures."""
    plan = build_plan(REFERENCE)
    expect(page.locator("#give-now")).to_contain_text("Give now")
    first = plan.give_now[0].sig
    expect(page.get_by_text(first, exact=True).first).to_be_visible()
    expect(page.locator("#discharge")).to_contain_text("Discharge plan")
    expect(metric(page, "CrCl (mL/min)")).to_have_text(f"{plan.renal.crcl_ml_min:.0f}")
    mme = f"{plan.mme_per_day:g}" if plan.mme_per_day else "0"  # as the page shows it
    expect(metric(page, "Opioid (MME/day)")).to_have_text(mme)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_page_loads_and_shows_reference_plan(app: Page):
    """The page finishes its first run and shows the reference case's plan and key figures."""
    expect(app.locator(APP_IDLE)).to_have_count(1)
    expect(app.get_by_role("heading", level=1)).to_contain_text("Refractory back pain")
    expect_reference_plan(app)


def test_radicular_pain_draws_the_titration_chart(app: Page):
    """Switching to radicular pain adds the gabapentin plan and a chart that is really drawn."""
    switch_radicular_on(app)
    plan = build_plan(REFERENCE.model_copy(update={"radicular": True}))
    assert plan.gabapentin is not None
    expect(metric(app, "Gabapentin max (mg/day)")).to_have_text(f"{plan.gabapentin.max_daily_mg:g}")
    chart = app.locator(CHART)
    expect(chart).to_have_count(1)
    drawing = chart.locator("canvas, svg").first
    expect(drawing).to_be_visible()
    box = drawing.bounding_box()
    assert box is not None
    assert box["width"] > 100, box
    assert box["height"] > 100, box
    app.wait_for_function(f'() => ({CHART_INK_JS})(document.querySelector("{CHART}")) > 0')


def test_low_crcl_lowers_the_gabapentin_cap(app: Page):
    """A creatinine clearance of 25 mL/min caps gabapentin at the label's 700 mg/day."""
    switch_radicular_on(app)
    widget(app, "creatinine_unit").get_by_role("radio", name="CrCl known").click()
    crcl = widget(app, "crcl_ml_min").locator("input")
    expect(crcl).to_be_visible()
    crcl.fill("25")
    crcl.press("Enter")  # fill() alone does not commit a number input
    case = REFERENCE.model_copy(
        update={"radicular": True, "serum_creatinine_mg_dl": None, "crcl_ml_min": 25}
    )
    plan = build_plan(case)
    assert plan.gabapentin is not None
    assert plan.gabapentin.max_daily_mg == 700
    expect(metric(app, "CrCl (mL/min)")).to_have_text("25")
    expect(metric(app, "Gabapentin max (mg/day)")).to_have_text("700")
    open_tab(app, "Titration")
    expect(app.locator("#gabapentin-titration")).to_be_visible()


def test_emergency_red_flag_replaces_the_discharge_plan(app: Page):
    """Saddle anaesthesia brings up the emergency banner and hides the discharge plan."""
    label = red_flag_label(RedFlag.saddle_anesthesia).capitalize()
    widget(app, "red_flags").get_by_role("button", name=label).click()
    banner = app.get_by_test_id("stAlertContentError").filter(has_text="Emergency").first
    expect(banner).to_be_visible()
    wait_for_app_run(app)
    expect(app.locator("#discharge")).to_have_count(0)
    expect(app.locator("#gabapentin-titration")).to_have_count(0)
    emergency = build_plan(REFERENCE.model_copy(update={"red_flags": (RedFlag.saddle_anesthesia,)}))
    assert emergency.discharge == ()
    for order in build_plan(REFERENCE).discharge:  # none of the take-home orders is shown
        expect(app.get_by_text(order.sig, exact=True)).to_have_count(0)


def test_downloads_deliver_the_plan_files(app: Page, tmp_path: Path):
    """Every download button delivers a non-empty file; the titration CSV is the engine's."""
    switch_radicular_on(app)
    plan = build_plan(REFERENCE.model_copy(update={"radicular": True}))
    assert plan.gabapentin is not None
    names = []
    for tab in ("Titration", "Note and downloads"):
        open_tab(app, tab)
        names += download_all(app, tmp_path / tab.replace(" ", "-"), plan)
    assert "gabapentin-titration.csv" in names, names
    assert any(n.startswith("back-pain-note") for n in names), names


def download_all(app: Page, tmp_path: Path, plan) -> list[str]:
    """Click every download button in view; check each file; return their names."""
    tmp_path.mkdir()
    buttons = app.get_by_test_id("stDownloadButton")
    expect(buttons.first).to_be_visible()
    names = []
    for index in range(buttons.count()):
        with app.expect_download() as download:
            buttons.nth(index).get_by_role("button").click()
        name = download.value.suggested_filename
        path = tmp_path / name
        download.value.save_as(path)
        data = path.read_bytes()
        assert data, f"{name} is empty"
        if name.endswith(".pdf"):
            assert data.startswith(b"%PDF"), name
        if name.startswith("back-pain-note") and name.endswith((".md", ".txt")):
            assert b"gabapentin" in data, name  # the note carries the radicular plan
        if name == "gabapentin-titration.csv":
            assert data == schedule_csv(plan.gabapentin)
            rows = list(csv.DictReader(io.StringIO(data.decode())))
            assert len(rows) == len(plan.gabapentin.steps)
        names.append(name)
    return names


def test_phone_viewport_shows_reference_plan(phone: Page):
    """On a 390x844 phone screen the plan renders and nothing overflows sideways."""
    expect_reference_plan(phone)
    overflow = phone.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return [m.scrollWidth, m.clientWidth, document.documentElement.scrollWidth]; }"
    )
    main_width, main_visible, document_width = overflow
    assert main_width <= main_visible + 1, overflow
    assert document_width <= 390 + 1, overflow
