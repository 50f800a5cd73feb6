"""Browser benchmark (issue 24): how long a change takes to answer, against what Streamlit allows.

Not a test: it prints figures only, never a pass or a fail. Run from the repository root:

    python bench/browser.py                 # 8 interleaved rounds, about three minutes
    python bench/browser.py --rounds 12

Three servers, each a fresh `streamlit run` with the project's .streamlit/config.toml (started
from the repository root): the page (app.py), a one-widget app (bench/apps/one_widget.py: a number
box, a toggle, a picker and one computed line) and the faithful floor (bench/apps/floor.py: the
page's own form, no plan). Headless Chromium (Playwright, Debian's /usr/bin/chromium) opens each.

Each change is timed inside the browser, change to idle: from the Enter or click (capture phase)
to the paint after the last script run it caused has finished (no new run and no websocket frame
for QUIET_MS), so an extra run a change triggers counts. The changes: pain 8 -> 9 (typed, Enter),
the radicular toggle, a medicine added in the Regular medicines picker (sertraline, Enter) and,
page only, a detail tab opened. Each is undone untimed before the next one. Rounds interleave
the three apps so other load on the shared machine hits them alike; the figures are medians, with
page / one-widget and page / floor ratios. On the page's fresh server the first toggle, picker
use and tab are timed apart (first use vs later). Forward messages and bytes per change are the
websocket frames the browser received (Streamlit sends one ForwardMsg per frame).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402
    APP,
    CHROMIUM_ARGS,
    find_chromium,
    install_run_tracker,
    start_server,
    stop_server,
    wait_for_app_run,
)

APPS = {
    "page": APP,
    "one-widget": ROOT / "bench" / "apps" / "one_widget.py",
    "floor": ROOT / "bench" / "apps" / "floor.py",
}
#: No new run and no frame for this long after a run ends: the change has been answered.
QUIET_MS = 600

#: After opening a page: no frame for this long before the first change.
OPEN_QUIET_S = 4.0

#: Armed before each change: stamps the first Enter or click, counts the script runs it causes
#: (each departure from notRunning) and the paint after the latest return to notRunning.
PROBE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__benchObserver) window.__benchObserver.disconnect();
  const s = window.__bench = {t0: null, runs: 0, running: false, idleAt: null, painted: null};
  const mark = () => {
    const now = performance.now();
    s.idleAt = now;
    requestAnimationFrame(() => requestAnimationFrame(() => {
      if (s.idleAt === now) s.painted = performance.now();
    }));
  };
  window.__benchObserver = new MutationObserver((records) => {
    if (s.t0 === null) return;
    for (const r of records) {
      if (r.oldValue !== 'notRunning' || s.running) continue;
      s.running = true; s.runs++; s.painted = null;
    }
    if (app.dataset.testScriptState === 'notRunning' && s.running) { s.running = false; mark(); }
  });
  window.__benchObserver.observe(app, {attributes: true, attributeOldValue: true,
                                       attributeFilter: ['data-test-script-state']});
  const start = (e) => {
    if (s.t0 !== null) return;
    if (e.type === 'click' || e.key === 'Enter') s.t0 = performance.now();
  };
  document.addEventListener('click', start, {capture: true});
  document.addEventListener('keydown', start, {capture: true});
}
"""


@dataclass
class Frames:
    """Websocket frames received by one page (Streamlit's forward messages)."""

    count: int = 0
    size: int = 0
    last: float = field(default_factory=time.monotonic)

    def attach(self, page) -> None:
        def on_socket(ws) -> None:
            ws.on("framereceived", self._received)

        page.on("websocket", on_socket)

    def _received(self, payload: str | bytes) -> None:
        self.count += 1
        self.size += len(payload)
        self.last = time.monotonic()


@dataclass
class Change:
    ms: float
    runs: int
    messages: int
    size: int


class NoRunError(TimeoutError):
    """The action started no script run (a click that landed during a rerun, say)."""


def settle(page, frames: Frames, timeout_s: float = 60) -> dict:
    """Wait until the armed change has been answered: a run ended, its paint happened, and
    nothing new for QUIET_MS. Returns the probe."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)
        probe = page.evaluate("() => window.__bench")
        waited = probe["t0"] is not None and probe["runs"] == 0
        if waited and page.evaluate("(t) => performance.now() - t", probe["t0"]) > 5000:
            raise NoRunError("no script run within 5 s of the action")
        if probe["t0"] is None or probe["running"] or probe["painted"] is None:
            continue
        quiet = page.evaluate("(t) => performance.now() - t", probe["painted"])
        if quiet >= QUIET_MS and time.monotonic() - frames.last >= QUIET_MS / 1000:
            return page.evaluate("() => window.__bench")
    raise TimeoutError("the change was not answered within the timeout")


RETRIES = {"count": 0}


def timed(page, frames: Frames, act, tries: int = 3) -> Change:
    """`_timed` once more (up to `tries` in all) when the action started no run (it landed
    while the page was redrawing); the retries are counted and printed."""
    for attempt in range(tries):
        try:
            return _timed(page, frames, act)
        except NoRunError:
            if attempt == tries - 1:
                raise
            RETRIES["count"] += 1
            page.wait_for_timeout(500)
    raise AssertionError("unreachable")


def _timed(page, frames: Frames, act) -> Change:
    """Arm the probe, do `act()` (it ends with the Enter or click), wait for idle."""
    page.evaluate(PROBE)
    before_count, before_size = frames.count, frames.size
    act()
    probe = settle(page, frames)
    return Change(
        probe["painted"] - probe["t0"],
        probe["runs"],
        frames.count - before_count,
        frames.size - before_size,
    )


def widget(page, key: str):
    return page.locator(f".st-key-{key}")


def pain(page, value: str):
    def act() -> None:
        box = widget(page, "pain_score").locator("input")
        box.fill(value)
        box.press("Enter")

    return act


def toggle(page):
    return lambda: widget(page, "radicular").get_by_text("Radicular pain").click()


def add_medicine(page, name: str = "sertraline"):
    """Type the name in the picker (untimed), then Enter (the timed change)."""
    box = widget(page, "current_medications").locator("input")

    def act() -> None:
        box.click()
        box.fill(name)
        page.evaluate(PROBE)  # re-armed: the click above must not start the clock
        box.press("Enter")

    return act


def remove_medicine(page):
    """The picker's own 'Clear all' takes the added medicine off again."""

    def act() -> None:
        page.keyboard.press("Escape")
        widget(page, "current_medications").locator("[aria-label='Clear all']").click(timeout=5000)

    return act


def open_tab(page):
    """Open the first or the second detail tab, whichever is not open."""

    def act() -> None:
        tabs = page.get_by_role("tab")
        second = tabs.nth(1)
        (tabs.nth(0) if second.get_attribute("aria-selected") == "true" else second).click()

    return act


def undo(page, frames: Frames, act) -> None:
    """An untimed undo (retried like a timed change)."""
    timed(page, frames, act)


def run_change(page, frames: Frames, kind: str) -> Change:
    """One timed change of `kind`, then its untimed undo."""
    if kind == "pain":
        change = timed(page, frames, pain(page, "9"))
        undo(page, frames, pain(page, "8"))
    elif kind == "toggle":
        change = timed(page, frames, toggle(page))
        undo(page, frames, toggle(page))
    elif kind == "picker":
        change = timed(page, frames, add_medicine(page))
        page.keyboard.press("Escape")
        clear = widget(page, "current_medications").locator("[aria-label='Clear all']")
        if clear.count():  # the add can land while a run redraws the picker
            undo(page, frames, remove_medicine(page))
    elif kind == "tab":
        change = timed(page, frames, open_tab(page))
        undo(page, frames, open_tab(page))
    else:
        raise ValueError(kind)
    return change


def attempt(page, frames: Frames, kind: str, failed: dict[str, int], name: str) -> Change | None:
    """`run_change`, or None (counted in `failed`) when the page never answered the action."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return run_change(page, frames, kind)
    except (NoRunError, PlaywrightError):  # never answered, or its undo found nothing to undo
        failed[f"{name} {kind}"] = failed.get(f"{name} {kind}", 0) + 1
        page.keyboard.press("Escape")
        page.wait_for_timeout(1000)
        return None


def open_app(browser, url: str) -> tuple[object, Frames, float]:
    """A new browser context on `url`; returns the page, its frame counter and the ms from
    goto to the first idle page (extra runs included)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    frames = Frames()
    frames.attach(page)
    started = time.monotonic()
    page.goto(url)
    wait_for_app_run(page)
    # A session's first page may run once more when ui/address.py reports (1-2.5 s after the
    # first run); wait it out so that it is not counted in the first change.
    while time.monotonic() - frames.last < OPEN_QUIET_S:
        page.wait_for_timeout(100)
    wait_for_app_run(page)
    return page, frames, (frames.last - started) * 1000


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8, help="interleaved rounds of changes")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    install_run_tracker()
    chromium = find_chromium()
    if chromium is None:
        print("no Chromium: nothing measured")
        return 0
    from playwright.sync_api import sync_playwright

    print(f"start: {uptime()}")
    changes = ("pain", "toggle", "picker")
    kinds = {"page": (*changes, "tab"), "one-widget": changes, "floor": changes}
    failed: dict[str, int] = {}
    servers = {}
    results: dict[str, dict[str, list[Change]]] = {name: {} for name in APPS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for name, script in APPS.items():
                servers[name] = start_server(script=script)
            pages = {}
            loads = {}
            for name in APPS:
                pages[name], frames, loads[name] = open_app(browser, servers[name].url)
                pages[name] = (pages[name], frames)
            # First use on the page's fresh server: each kind once, before any other change.
            page, frames = pages["page"]
            first = {}
            for kind in kinds["page"]:
                if (change := attempt(page, frames, kind, failed, "page")) is not None:
                    first[kind] = change
            for _ in range(args.rounds):
                for name in APPS:
                    page, frames = pages[name]
                    page.bring_to_front()  # a background page's timers are throttled
                    for kind in kinds[name]:
                        change = attempt(page, frames, kind, failed, name)
                        if change is not None:
                            results[name].setdefault(kind, []).append(change)
        finally:
            browser.close()
            for server in servers.values():
                stop_server(server.process)

    print(
        f"end:   {uptime()}  (actions retried after starting no run: {RETRIES['count']}; "
        f"changes dropped: {failed or 'none'})"
    )
    print(f"\nchange to idle, median of {args.rounds} interleaved rounds (ms)")
    print(
        f"{'change':<8}{'page':>8}{'1-widget':>10}{'floor':>8}{'page/1w':>9}{'page/floor':>11}"
        f"{'runs':>6}{'msgs':>6}{'KB':>7}{'1w msgs':>8}{'floor msgs':>11}"
    )
    for kind in kinds["page"]:
        mine = results["page"].get(kind, [])
        page_ms = median([c.ms for c in mine])
        small = results["one-widget"].get(kind, [])
        floor = results["floor"].get(kind, [])
        small_ms = median([c.ms for c in small])
        floor_ms = median([c.ms for c in floor])
        print(
            f"{kind:<8}{page_ms:>8.0f}{small_ms:>10.0f}{floor_ms:>8.0f}"
            f"{page_ms / small_ms:>9.2f}{page_ms / floor_ms:>11.2f}"
            f"{median([c.runs for c in mine]):>6.0f}"
            f"{median([c.messages for c in mine]):>6.0f}"
            f"{median([c.size for c in mine]) / 1024:>7.1f}"
            f"{median([c.messages for c in small]):>8.0f}"
            f"{median([c.messages for c in floor]):>11.0f}"
        )
    print("\nfirst use on a fresh server (page) vs the median of later ones")
    for kind, change in first.items():
        later = median([c.ms for c in results["page"].get(kind, [])])
        print(
            f"{kind:<8}first {change.ms:>6.0f} ms ({change.runs} runs, {change.messages} msgs)"
            f"   later {later:>6.0f} ms   first/later {change.ms / later:.2f}"
        )
    print(
        "\nopen to first idle page (ms, extra runs included): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in loads.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
