"""Fixtures for the real-browser tests: a `streamlit run` server and Debian's Chromium.

Playwright cannot download its own browser here (no `playwright install`), so the browser is
the system Chromium (`/usr/bin/chromium`, or `$CHROMIUM`). The server runs `app.py` on a free
loopback port for the whole session and is stopped afterwards; its log goes to
`test-results/streamlit-server.log`. A failing browser test saves a full-page screenshot to
`test-results/<test name>.png`, so `python -m pytest` needs no extra flags.

The helpers (`find_chromium`, `start_server`, `stop_server`, `wait_for_app_run`) are plain
functions so that `bench/run.py` can time the same server and browser the tests use.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
RESULTS = ROOT / "test-results"

#: No sandbox (CI runs as root), no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

#: Where the app has finished its script run (streamlit 1.67 data attributes).
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
APP_CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"


def find_chromium() -> str | None:
    """$CHROMIUM if set (and only it), else /usr/bin/chromium or a chromium on PATH; or None."""
    if "CHROMIUM" in os.environ:
        candidates = [os.environ["CHROMIUM"]]
    else:
        candidates = [
            "/usr/bin/chromium",
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
        ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


#: axe-core for the accessibility checks, at the version locked in node/package-lock.json.
AXE = Path(__file__).resolve().parent / "node" / "node_modules" / "axe-core" / "axe.min.js"


def ensure_axe() -> Path | None:
    """axe-core's script, installed from the npm lock on first use (`npm ci`), so the README's
    one test command needs no separate step; None only where npm itself is missing."""
    if not AXE.exists() and shutil.which("npm"):
        subprocess.run(
            ["npm", "ci", "--prefix", str(AXE.parents[2]), "--no-audit", "--no-fund", "--silent"],
            check=False,
            timeout=600,
        )
    return AXE if AXE.exists() else None


def _tools_required_in_ci() -> None:
    """In CI a missing browser tool fails the run instead of quietly skipping its tests."""
    if not os.environ.get("CI"):
        return
    if find_chromium() is None:
        pytest.fail("CI: no Chromium (apt-get install chromium); browser tests would skip")
    if ensure_axe() is None:
        pytest.fail("CI: axe-core could not be installed (npm ci --prefix tests/e2e/node)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `streamlit run app.py`: its URL and process."""

    url: str
    process: subprocess.Popen[bytes]
    started: float  # time.perf_counter() just before Popen
    healthy: float  # time.perf_counter() when /_stcore/health first answered "ok"


def start_server(log: Path | None = None, timeout: float = 60, script: Path = APP) -> Server:
    """Start the app (or `script`) on a free loopback port; wait until /_stcore/health is ok."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 (closed by the process)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    if log:
        out.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return Server(url, process, started, time.perf_counter())
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout} s")
        time.sleep(0.05)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server we started (and only it); kill it if it does not stop."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


#: Counts, in the page, every rerun the browser asks for and the runs that answer it, from
#: Streamlit's own websocket messages (top-level protobuf field numbers: BackMsg.rerun_script
#: 11; ForwardMsg.new_session 4, script_finished 6). A widget change sends its rerun at once but
#: the page's script state flips to "running" only when the server's reply arrives, so the idle
#: marker alone cannot tell "finished" from "not started yet"; a fixed sleep only narrowed that
#: window (a loaded CI machine missed it). `finishedFor` is the number of rerun requests sent
#: before the latest run that finished started: the page has answered every request when it
#: equals `sent` and the idle marker is on (an interrupted run never turns the marker on).
RUN_TRACKER_JS = """(() => {
  if (window.__cdsRuns) return;
  const t = (window.__cdsRuns = { sent: 0, startedFor: 0, finishedFor: 0, reported: 0 });
  const fields = (bytes) => {
    const found = [];
    let i = 0;
    const varint = () => {
      let value = 0, shift = 0, byte;
      do { byte = bytes[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; }
      while (byte & 0x80 && i < bytes.length);
      return value;
    };
    while (i < bytes.length) {
      const tag = varint();
      const wire = tag % 8;
      found.push(Math.floor(tag / 8));
      if (wire === 0) varint();
      else if (wire === 1) i += 8;
      else if (wire === 2) i += varint();
      else if (wire === 5) i += 4;
      else break;
    }
    return found;
  };
  const asBytes = (data) =>
    data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : null;
  const watched = new WeakSet();
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (!watched.has(this)) {
      watched.add(this);
      this.addEventListener("message", (event) => {
        const bytes = asBytes(event.data);
        if (!bytes) return;
        const top = fields(bytes);
        if (top.includes(4)) t.startedFor = t.sent;
        if (top.includes(6)) t.finishedFor = t.startedFor;
      });
    }
    const bytes = asBytes(data);
    if (bytes && fields(bytes).includes(11)) {
      t.sent += 1;
      if (!t.reported && new TextDecoder("latin1").decode(bytes).includes("address_bar")) {
        t.reported = t.sent;  // the first rerun carrying ui.address's state is its report
      }
    }
    return send.apply(this, arguments);
  };
})();"""

#: Settled: connected, idle, and (where the tracker runs) every requested rerun answered. On
#: this app's page (its address slot drawn) also past start-up: ui.address has reported the
#: opened address once, and that run was answered; a value typed or a button clicked before
#: the report's run could be redrawn away (a typed pain score was lost under CI load).
RUN_SETTLED_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testConnectionState !== "CONNECTED") return false;
  if (app.dataset.testScriptState !== "notRunning") return false;
  const t = window.__cdsRuns;
  if (!t) return true;
  if (!t.reported && document.querySelector(".st-key-address_slot")) return false;
  return t.finishedFor >= t.sent;
}"""


def install_run_tracker() -> None:
    """Every browser context opened from here on carries RUN_TRACKER_JS (pytest-playwright's
    own `context` fixture and the tests' and benchmarks' `browser.new_context` alike)."""
    from playwright.sync_api import Browser

    if getattr(Browser.new_context, "_tracks_runs", False):
        return
    new_context = Browser.new_context

    def tracking_new_context(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        context.add_init_script(RUN_TRACKER_JS)
        return context

    def tracking_new_page(self, *args, **kwargs):
        return self.new_context(*args, **kwargs).new_page()

    tracking_new_context._tracks_runs = True  # type: ignore[attr-defined]
    Browser.new_context = tracking_new_context  # type: ignore[method-assign]
    Browser.new_page = tracking_new_page  # type: ignore[method-assign]


def reruns_sent(page) -> int:
    """How many reruns this page has asked for so far (RUN_TRACKER_JS), to pass as `since`."""
    return int(page.evaluate("() => (window.__cdsRuns ? window.__cdsRuns.sent : 0)"))


def enter_text(page, box, text: str) -> None:
    """Type `text` into a text box and commit it with Enter, then wait for the rerun it asks
    for (none when the box already holds exactly that text)."""
    since = reruns_sent(page) if box.input_value() != text else None
    box.fill(text)
    box.press("Enter")
    wait_for_app_run(page, since=since)


def wait_for_app_run(page, timeout: float = 60_000, since: int | None = None) -> None:
    """Wait until the page is connected, its script run has finished and every rerun the
    browser asked for has been answered (RUN_TRACKER_JS); no fixed sleep. With `since` (from
    `reruns_sent` before an action), first wait until the action's rerun has been asked for:
    a widget may send it a moment after the key or click that commits it."""
    if since is not None:
        page.wait_for_function(
            "(n) => !window.__cdsRuns || window.__cdsRuns.sent > n", arg=since, timeout=timeout
        )
    page.wait_for_function(RUN_SETTLED_JS, timeout=timeout)


#: Drawn only while a session's first page waits for the browser to say whether Streamlit
#: dropped the link (ui/link.py `waiting_for_browser`): no case or plan yet.
APP_PROBING = ".st-key-link_probe"


def wait_for_first_page(page, timeout: float = 60_000) -> None:
    """Wait until a fresh session's page is past its first-run wait for the browser (the
    case form is drawn) and its script run has finished."""
    wait_for_app_run(page, timeout)
    page.locator(".st-key-age_years").wait_for(state="attached", timeout=timeout)
    page.locator(APP_PROBING).wait_for(state="detached", timeout=timeout)
    wait_for_app_run(page, timeout)


# ---- pytest fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_server() -> Iterator[Server]:
    """`streamlit run app.py` on a free port for the whole session, stopped afterwards."""
    RESULTS.mkdir(exist_ok=True)
    server = start_server(log=RESULTS / "streamlit-server.log")
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture(scope="session")
def app_url(app_server: Server) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch arguments, pointed at the system Chromium."""
    executable = find_chromium()
    if executable is None:  # test_browser.py skips first; this only guards direct use
        pytest.skip("no Chromium found (set $CHROMIUM or apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


#: Generous waits: a loaded 2-CPU machine can take seconds per rerun (the tests wait on the
#: app's idle marker, so a fast machine never waits this long).
TIMEOUT_MS = 60_000


def pytest_configure(config) -> None:
    with contextlib.suppress(ImportError):  # no Playwright: the browser tests skip themselves
        install_run_tracker()


@pytest.fixture(scope="session", autouse=True)
def _browser_tools() -> None:
    """axe-core installed before the first browser test; in CI every browser tool present."""
    _tools_required_in_ci()
    ensure_axe()


@pytest.fixture(scope="session", autouse=True)
def _patient_expectations() -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def app(page, app_url: str):
    """A fresh browser session on the page, after its first script run has finished."""
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    page.get_by_test_id("stAppViewContainer").wait_for(state="attached")
    wait_for_first_page(page)
    return page


@pytest.fixture
def phone(browser, app_url: str):
    """The page in a phone-sized context (390x844, touch, device scale 3)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(app_url)
    wait_for_first_page(page)
    yield page
    context.close()


def save_full_page(page, path: Path) -> None:
    """Screenshot the whole page: Streamlit scrolls inside stMain, so grow the viewport first."""
    size = page.viewport_size or {"width": 1280, "height": 720}
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height), 16_000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed browser test, save a full-page screenshot of each open page."""
    report = yield
    if report.when == "call" and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
        for fixture in ("app", "phone", "page"):
            page = item.funcargs.get(fixture)
            if page is None or not hasattr(page, "screenshot"):
                continue
            path = RESULTS / f"{name}-{fixture}.png"
            try:
                save_full_page(page, path)
            except Exception as exc:  # a screenshot must never hide the real failure
                report.sections.append(("screenshot", f"could not save {path}: {exc}"))
            else:
                report.sections.append(("screenshot", f"saved {path}"))
            break  # `app` is `page`: one picture per page is enough
    return report
