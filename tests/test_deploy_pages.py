"""Page replicas behind nginx, as `deploy/start pages` runs them (deploy/nginx.conf.template).

Two real `streamlit run app.py` replicas and Debian's nginx on free loopback ports. A session
is driven over Streamlit's own websocket protocol (the BackMsg/ForwardMsg protobufs a browser
sends and receives): its first run, a changed input, a reconnect carrying the session id, as the
browser's reconnect does. Which replica answered is read from nginx's access log
(`upstream=`), the log the deployment keeps; the session id and the age input's value say
whether the session, and so the case, survived.

Expectations and where they come from:
* a session lives in one replica's memory (Streamlit's runtime resumes a session only on the
  process that holds it), so the route cookie must bring every reconnect to that replica;
* the security headers are the README's table ("Self-hosting behind a reverse proxy");
* the address bar's query string can hold case fields, so no log may hold it (README, same
  section; the template logs `$uri`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import deploy_harness as d

try:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect
except ImportError as error:  # pragma: no cover - both come with streamlit
    pytest.skip(f"streamlit's protocol or websockets missing: {error}", allow_module_level=True)

pytestmark = pytest.mark.slow

HEADERS = {  # README "Self-hosting behind a reverse proxy: security headers"
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# The page's default age (ui/form.py's age widget as a fresh session draws it; read, not assumed:
# see `fresh_age`), and a changed one no fresh session shows.
CHANGED_AGE = 77
NUMBER_KEYS = frozenset({"age_years", "weight_kg", "pain_score"})
#: The kind of query the page writes (no sensitive field, so the page asks before any plan).
QUERY = "age_years=71&sex=female&weight_kg=64&serum_creatinine_mg_dl=0.9"


@dataclass
class Run:
    session_id: str
    widget_ids: dict[str, str] = field(default_factory=dict)  # key -> widget id
    numbers: dict[str, float] = field(default_factory=dict)  # key -> number input value
    metrics: dict[str, str] = field(default_factory=dict)  # label -> value shown
    exceptions: list[str] = field(default_factory=list)
    status: int | None = None


async def _rerun(ws, states: list[tuple[str, int | bool]], query: str = "") -> Run:
    message = BackMsg()
    message.rerun_script.query_string = query
    for widget_id, value in states:
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget_id
        if isinstance(value, bool):  # a button press
            state.trigger_value = value
        else:
            state.string_value = str(value)  # number boxes are text boxes (ui/number_box.py)
    await ws.send(message.SerializeToString())
    run = Run(session_id="")
    while run.status is None:
        forward = ForwardMsg()
        forward.ParseFromString(await asyncio.wait_for(ws.recv(), 60))
        kind = forward.WhichOneof("type")
        if kind == "new_session":
            run.session_id = forward.new_session.initialize.session_id
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            element_type = element.WhichOneof("type")
            if element_type == "exception":
                run.exceptions.append(element.exception.message)
            if element_type == "metric":
                run.metrics[element.metric.label] = element.metric.body
            widget = getattr(element, element_type, None) if element_type else None
            widget_id = getattr(widget, "id", "")
            if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                key = widget_id.rsplit("-", 1)[-1]
                run.widget_ids[key] = widget_id
                if element_type == "text_input" and key in NUMBER_KEYS:
                    text = widget.value if widget.HasField("value") else widget.default
                    run.numbers[key] = float(text) if text else float("nan")
        elif kind == "script_finished":
            run.status = forward.script_finished
    return run


async def _session(url: str, cookie: str, steps, resume: str | None = None) -> list[Run]:
    """One websocket: a first run, then `steps(first_run)` widget changes, one run each."""
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    protocols = ["streamlit", "none", resume] if resume else ["streamlit"]
    async with connect(
        ws_url,
        subprotocols=protocols,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie},
        open_timeout=30,
        max_size=None,
    ) as ws:
        runs = [await _rerun(ws, [], QUERY)]
        for states in steps(runs[0]):
            runs.append(await _rerun(ws, states, QUERY))
    return runs


def session(url: str, cookie: str, steps=lambda first: [], resume: str | None = None):
    # A thread of its own: in the whole suite the browser tests' Playwright (sync API) keeps an
    # event loop running in this thread, where asyncio.run() refuses to start another.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _session(url, cookie, steps, resume)).result()


def route_cookie(url: str) -> str:
    """GET the page as a new browser does; the route cookie nginx hands out."""
    with urllib.request.urlopen(f"{url}/?{QUERY}", timeout=10) as response:
        set_cookie = response.headers["Set-Cookie"]
    assert set_cookie, "nginx gave no route cookie"
    return set_cookie.split(";")[0]


def upstreams(pages: d.Pages, since: int, path: str = "/_stcore/stream") -> list[str]:
    """The replica (host:port) of each `path` line logged after line `since`."""
    found = []
    for line in pages.access_lines()[since:]:
        if f'"GET {path}"' in line:
            found.append(line.rsplit("upstream=", 1)[1].strip())
    return found


def wait_logged(pages: d.Pages, since: int, count: int) -> list[str]:
    """nginx logs a websocket when it closes: wait for `count` stream lines after `since`."""
    d.wait_until(
        lambda: len(upstreams(pages, since)) >= count, 20, "nginx did not log the websocket"
    )
    return upstreams(pages, since)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    running = d.start_pages(tmp_path_factory.mktemp("pages"), replicas=2)
    yield running
    running.stop()


@pytest.fixture
def own_pages(tmp_path):
    """A deployment of its own, for a test that kills a replica."""
    running = d.start_pages(tmp_path, replicas=2)
    yield running
    running.stop()


def change_age(first: Run) -> list[list[tuple[str, int | bool]]]:
    return [[(first.widget_ids["age_years"], CHANGED_AGE)]]


def change_age_and_confirm(first: Run) -> list[list[tuple[str, int | bool]]]:
    """Age changed and the link question answered in one run (QUERY holds no sensitive field,
    so the page asks before any plan, ui/link.py): the plan, and its CrCl, are drawn."""
    return [
        [(first.widget_ids["age_years"], CHANGED_AGE), (first.widget_ids["link_checked"], True)]
    ]


def crcl_for_changed_age() -> str:
    """The engine's CrCl for QUERY with the changed age (the rest of the case as the reference;
    none of it enters Cockcroft-Gault). By hand, Cockcroft-Gault:
    (140 - 77) x 64 / (72 x 0.9) x 0.85 = 52.9 mL/min."""
    from logic.engine.plan import build_plan
    from logic.library.cases import CASES_DIR, load_case

    reference = load_case(CASES_DIR / "reference.toml").case
    case = reference.model_copy(
        update={"age_years": CHANGED_AGE, "sex": "female", "weight_kg": 64.0}
    )
    crcl = build_plan(case).renal.crcl_ml_min
    assert crcl is not None
    assert abs(crcl - 52.9) < 0.1
    return f"{crcl:.0f}"


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", f"/?{QUERY}", "/_stcore/health", "/no-such-page"])
def test_every_response_carries_the_security_headers(pages, path) -> None:
    request = urllib.request.Request(pages.url + path)
    try:
        response = urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:  # the 404 still carries them ("always")
        response = error
    with response:
        for name, value in HEADERS.items():
            assert response.headers[name] == value, name
        assert response.headers["Server"] == "nginx"  # server_tokens off: no version


def test_the_image_health_probe_sees_nginx_and_the_replicas(pages) -> None:
    probe = subprocess.run(
        [sys.executable, str(d.ROOT / "deploy" / "healthcheck"), "--pid", str(pages.process.pid)],
        env=d.deploy_env(PORT=pages.url.rsplit(":", 1)[1]),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.startswith(f"pages: {pages.url}/_stcore/health ok")


def test_the_replicas_share_one_cookie_secret(pages) -> None:
    """Streamlit signs its XSRF cookie with it: a browser moved to another replica after a
    failure would be refused if the replicas had different secrets."""
    secrets = set()
    for pid in pages.replicas.values():
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        (value,) = [v for v in environ if v.startswith(b"STREAMLIT_SERVER_COOKIE_SECRET=")]
        secrets.add(value.split(b"=", 1)[1])
    (secret,) = secrets
    assert re.fullmatch(rb"[0-9a-f]{64}", secret)  # random per start, 256 bits


def test_the_route_cookie_is_set_once_and_holds_nothing_but_a_random_id(pages) -> None:
    with urllib.request.urlopen(f"{pages.url}/?{QUERY}", timeout=10) as response:
        set_cookie = response.headers["Set-Cookie"]
    name_value, *attributes = [part.strip() for part in set_cookie.split(";")]
    assert re.fullmatch(r"cds_route=[0-9a-f]{32}", name_value)  # nginx's $request_id
    assert {"Path=/", "HttpOnly", "SameSite=Lax"} <= set(attributes)
    again = urllib.request.Request(pages.url + "/", headers={"Cookie": name_value})
    with urllib.request.urlopen(again, timeout=10) as response:
        assert response.headers["Set-Cookie"] is None  # a browser that has one keeps it


def test_new_browsers_are_spread_over_both_replicas(pages) -> None:
    since = len(pages.access_lines())
    for _ in range(24):
        route_cookie(pages.url)
    d.wait_until(lambda: len(upstreams(pages, since, "/")) >= 24, 20, "24 page loads not logged")
    # 24 random cookies all hashed to one of two replicas: probability 2 x 2^-24.
    assert set(upstreams(pages, since, "/")) == {f"127.0.0.1:{port}" for port in pages.replicas}


def test_a_session_is_pinned_to_one_replica_and_keeps_its_case_across_reconnects(pages) -> None:
    cookie = route_cookie(pages.url)
    since = len(pages.access_lines())
    first = session(pages.url, cookie, change_age_and_confirm)
    assert "CrCl (mL/min)" not in first[0].metrics  # no plan before the link question
    expected = crcl_for_changed_age()
    assert first[-1].metrics["CrCl (mL/min)"] == expected
    session_id = first[0].session_id
    for reconnect in range(3):  # the browser reconnects with its session id
        # No widget states sent: what the page draws comes from the session the replica holds
        # (a new session would ask the link question again and draw no CrCl).
        again = session(pages.url, cookie, resume=session_id)
        assert again[0].session_id == session_id, f"reconnect {reconnect}: a new session"
        assert again[0].metrics.get("CrCl (mL/min)") == expected, "the case was lost"
        assert not again[0].exceptions
        assert again[0].status == 0  # FINISHED_SUCCESSFULLY
    served = wait_logged(pages, since, 4)
    assert len(set(served)) == 1, served  # all four websockets on one replica


def test_a_fresh_session_on_the_other_replica_is_a_new_one(pages) -> None:
    """The contrast that shows why affinity matters: another process does not know the id."""
    cookie = route_cookie(pages.url)
    since = len(pages.access_lines())
    first = session(pages.url, cookie, change_age)
    (replica,) = wait_logged(pages, since, 1)
    other = next(
        c for c in (route_cookie(pages.url) for _ in range(60)) if _replica_of(pages, c) != replica
    )
    moved = session(pages.url, other, resume=first[0].session_id)
    assert moved[0].session_id != first[0].session_id
    assert moved[0].numbers["age_years"] != CHANGED_AGE


def _replica_of(pages: d.Pages, cookie: str) -> str:
    since = len(pages.access_lines())
    request = urllib.request.Request(pages.url + "/_stcore/health", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10):
        pass
    d.wait_until(lambda: upstreams(pages, since, "/_stcore/health"), 20, "health not logged")
    return upstreams(pages, since, "/_stcore/health")[0]


def test_a_killed_replica_gives_a_new_session_on_the_other_not_a_wrong_plan(own_pages) -> None:
    """The replica holding a session dies: nginx sends the reconnect to the other replica,
    which starts a new session (a new id, so the browser knows it is not the old one) and
    draws the page from what it was sent, never the lost session's case under new inputs."""
    pages = own_pages
    cookie = route_cookie(pages.url)
    since = len(pages.access_lines())
    first = session(pages.url, cookie, change_age)
    (replica,) = wait_logged(pages, since, 1)
    fresh_age = first[0].numbers["age_years"]
    assert fresh_age != CHANGED_AGE
    os.kill(pages.replicas[int(replica.rsplit(":", 1)[1])], signal.SIGKILL)

    since = len(pages.access_lines())
    after = session(pages.url, cookie, resume=first[0].session_id)
    assert after[0].session_id != first[0].session_id
    assert after[0].numbers["age_years"] == fresh_age  # the page's inputs, drawn afresh
    assert not after[0].exceptions
    assert after[0].status == 0
    (served,) = wait_logged(pages, since, 1)
    assert served.rsplit(", ", 1)[-1] != replica  # answered by the surviving replica
    # The page itself still loads for this browser, from the survivor, with its cookie.
    request = urllib.request.Request(f"{pages.url}/?{QUERY}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    # Neither nginx log holds the query string, not even the failed-upstream messages.
    for text in (pages.access_log.read_text(), pages.log.read_text()):
        assert "age_years" not in text
        assert "?" not in "".join(line for line in text.splitlines() if '"GET' in line)


def test_the_access_log_holds_paths_never_query_strings(pages) -> None:
    since = len(pages.access_lines())
    cookie = route_cookie(pages.url)
    session(pages.url, cookie, change_age)
    wait_logged(pages, since, 1)
    lines = pages.access_lines()[since:]
    assert any('"GET /" 200' in line for line in lines)
    for line in lines:
        assert "?" not in line
        assert "age_years" not in line
        assert "weight_kg" not in line
