"""Load benchmark: concurrent sessions against one `streamlit run app.py` server (issue 14).

Not a test (pytest never collects it). Run from the repository root:

    python bench/load.py                      # 1, 5, 10, 20 and 30 sessions, 4 edits each
    python bench/load.py --sessions 1,10 --edits 6 --think 0.5

What it does, on loopback only, with every loop bounded in count and in time:

1. starts the page with ``python -m streamlit run app.py`` on a free 127.0.0.1 port and waits
   for ``/_stcore/health`` (at most 90 s);
2. for each session count N, opens N websocket sessions at once, speaking Streamlit's own
   protocol (the BackMsg / ForwardMsg protobufs the browser sends and receives, over
   ``/_stcore/stream``): each session asks for its first run, as a browser tab does, then
   changes a few inputs one after another (age, weight, pain score, pain duration; a different
   value per session), each change a rerun carrying the new widget value;
3. times every change from sending it to the server's ``script_finished`` for that run (the
   plan is then fully sent), and counts errors: a connection that fails, a run that times out,
   an exception element on the page, a run that does not finish successfully;
4. samples the server's resident memory (VmRSS) during each level and reads the machine's load
   average, so the figures can be read against what else the machine was doing.

Before the sessions it times the link reader (`logic.formats.share.case_from_query`) on the worst
links: the issue's 124 KB ``tried=`` link (refused), the largest link it accepts (a ``tried``
list as long as the catalogue, every token with every part, within 8 KiB) and 60 hostile
parameters, so the bound the hostile-link test asserts on work has a time beside it
(``--links-only`` prints just that).

It prints one table: sessions, changes, errors, first-run median, change median / p95 / max,
the server's peak RSS, and the 1-minute load average before and after the level. The
one-session row is the baseline for the others, measured in the same run.

A browser also draws what arrives; this client only decodes it, so these are server-side
figures (what one server process sustains), not a user's full wait.

``--deploy`` (issue 25) measures the deployment instead, in one run:

    python bench/load.py --deploy --sessions 5,10,20 --replicas 1,2 --workers 1,2

For each replica count it starts ``deploy/start pages`` (nginx and that many page processes,
the configuration the tests run), warms each replica directly with two sessions, then runs the
same levels through nginx, each session first loading the page for its route cookie as a
browser does; nginx's access log says how many websockets each replica took, and the peak RSS
is summed over the replicas. Then the CDS Hooks service at each worker count, the workers
sharing a real ``redis-server`` replay store: warm-up, then ``--requests`` signed requests one
at a time and ``--concurrency`` in flight (bench/service.py's driver). The load average is
printed beside every figure; the client runs on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"

try:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import ClientConnection, connect
except ImportError as error:  # pragma: no cover - both come with streamlit
    raise SystemExit(f"bench/load.py needs streamlit and websockets installed: {error}") from error

# ScriptFinishedStatus: FINISHED_SUCCESSFULLY = 0, FINISHED_FRAGMENT_RUN_SUCCESSFULLY = 3.
_FINISHED_OK = {0, 3}

# The inputs each session changes, by widget key: (key, WidgetState field, value for session s,
# change i). Values stay inside the model's limits so every change builds a plan. The number
# boxes are text boxes (ui/number_box.py: the typed text reaches the model), so each change is
# the text a person types.
EDITS: tuple[tuple[str, str, Any], ...] = (
    ("age_years", "string_value", lambda s, i: str(30 + (s * 7 + i) % 50)),
    ("weight_kg", "string_value", lambda s, i: f"{55.0 + (s * 3 + i) % 40:g}"),
    ("pain_score", "string_value", lambda s, i: str(4 + (s + i) % 7)),
    ("pain_duration_weeks", "string_value", lambda s, i: f"{0.5 + (s + i) % 3:g}"),
)


@dataclass
class Session:
    """What one session saw."""

    first_run_s: float | None = None
    changes_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Level:
    sessions: int
    results: list[Session]
    wall_s: float
    peak_rss_mb: float
    load_before: float
    load_after: float

    @property
    def changes(self) -> list[float]:
        return [t for r in self.results for t in r.changes_s]

    @property
    def errors(self) -> list[str]:
        return [e for r in self.results for e in r.errors]


# ---------------------------------------------------------------------------------------------
# Server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless=true",
        f"--server.port={port}",
        "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"streamlit exited early ({server.returncode}); see {log}")
        with contextlib.suppress(OSError):
            url = f"http://127.0.0.1:{port}/_stcore/health"
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().strip() == b"ok":
                    return server
        time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"streamlit did not answer /_stcore/health within 90 s; see {log}")


# ---------------------------------------------------------------------------------------------
# One session over Streamlit's websocket protocol


async def _run(
    ws: ClientConnection, states: list[tuple[str, str, Any]], timeout: float
) -> tuple[float, dict[str, str], list[str]]:
    """Ask for one rerun with these widget values; (seconds, widget ids by key, errors)."""
    message = BackMsg()
    message.rerun_script.query_string = ""
    for widget_id, kind, value in states:
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget_id
        setattr(state, kind, value)
    ids: dict[str, str] = {}
    errors: list[str] = []
    start = time.perf_counter()
    await ws.send(message.SerializeToString())
    deadline = start + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"no script_finished within {timeout:g} s")
        forward = ForwardMsg()
        forward.ParseFromString(await asyncio.wait_for(ws.recv(), left))
        kind = forward.WhichOneof("type")
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            element_type = element.WhichOneof("type")
            if element_type == "exception":
                errors.append(f"exception on the page: {element.exception.message[:80]}")
            widget = getattr(element, element_type, None) if element_type else None
            widget_id = getattr(widget, "id", "")
            if isinstance(widget_id, str) and widget_id.startswith("$$ID-"):
                ids[widget_id.rsplit("-", 1)[-1]] = widget_id
        elif kind == "script_finished":
            if forward.script_finished not in _FINISHED_OK:
                errors.append(f"run finished with status {forward.script_finished}")
            return time.perf_counter() - start, ids, errors


def _route_cookie(port: int) -> dict[str, str]:
    """Load the page as a new browser does; behind nginx, send its route cookie back after."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
        cookie = response.headers.get("Set-Cookie")
    return {"Cookie": cookie.split(";")[0]} if cookie else {}


async def session(
    number: int, port: int, edits: int, think: float, timeout: float, sticky: bool = False
) -> Session:
    result = Session()
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    try:
        headers = await asyncio.to_thread(_route_cookie, port) if sticky else {}
        async with connect(
            url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=timeout,  # type: ignore[list-item]
            additional_headers=headers,
        ) as ws:
            seconds, ids, errors = await _run(ws, [], timeout)
            result.first_run_s = seconds
            result.errors += errors
            for change in range(edits):
                key, kind, value = EDITS[change % len(EDITS)]
                if key not in ids:
                    result.errors.append(f"no widget with key {key} on the page")
                    continue
                if think:
                    await asyncio.sleep(think)
                seconds, more, errors = await _run(
                    ws, [(ids[key], kind, value(number, change))], timeout
                )
                ids.update(more)
                result.changes_s.append(seconds)
                result.errors += errors
    except Exception as error:  # every failure is counted, none stops the bench
        result.errors.append(f"{type(error).__name__}: {str(error)[:80]}")
    return result


async def level(
    count: int,
    port: int,
    pids: list[int],
    edits: int,
    think: float,
    timeout: float,
    bound: float,
    sticky: bool = False,
) -> Level:
    """`count` sessions at once; `pids`: the page processes whose summed RSS is sampled."""
    load_before = os.getloadavg()[0]

    def rss() -> float:
        return sum(_rss_mb(pid) for pid in pids)

    peak = rss()
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 0.2)

    sampler = asyncio.create_task(sample())
    start = time.perf_counter()
    tasks = [
        asyncio.create_task(session(n, port, edits, think, timeout, sticky)) for n in range(count)
    ]
    finished, pending = await asyncio.wait(tasks, timeout=bound)
    for task in pending:
        task.cancel()
    results = [t.result() for t in finished]
    results += [Session(errors=[f"session still running after {bound:g} s"]) for _ in pending]
    wall = time.perf_counter() - start
    done.set()
    await sampler
    return Level(count, results, wall, peak, load_before, os.getloadavg()[0])


# ---------------------------------------------------------------------------------------------
# The link reader on its worst links


def link_timings(repeat: int = 20) -> None:
    sys.path.insert(0, str(ROOT))
    from logic.drugs.catalogue import CATALOGUE
    from logic.formats.share import MAX_QUERY_CHARS, case_from_query

    base = {"age_years": "45", "sex": "male", "weight_kg": "80"}
    token = "orphenadrine:100:iv:2:minimal"
    full = ",".join(f"{d.generic}:10:po:2:partial" for d in CATALOGUE)
    while len(full) > MAX_QUERY_CHARS - 100:
        full = full.rsplit(",", 1)[0]
    hostile = {f"x{i}]({i})": "[open](https://evil.example/)\n## heading " * 3 for i in range(57)}
    links = {
        "124 KB tried link (refused)": {**base, "tried": ",".join([token[:17]] * 6_900)},
        f"largest accepted tried list ({full.count(',') + 1} tokens, {len(full):,} chars)": {
            **base,
            "tried": full,
        },
        "57 hostile parameters + 3 fields": {**base, **hostile},
    }
    print("link reader (case_from_query), best of", repeat)
    for name, params in links.items():
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            result = case_from_query(params)
            best = min(best, time.perf_counter() - start)
        print(
            f"  {name}: {best * 1000:.2f} ms, {result.items_read} items read, "
            f"{len(result.notices)} notices, refused={result.refused}"
        )


# ---------------------------------------------------------------------------------------------
# Report


def _ms(values: list[float], quantile: float | None = None) -> str:
    if not values:
        return "-"
    if quantile is None:
        return f"{statistics.median(values) * 1000:.0f}"
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(quantile * (len(ordered) - 1))))
    return f"{ordered[index] * 1000:.0f}"


def report(levels: list[Level], edits: int, think: float) -> None:
    print(
        f"\nbench/load.py: {edits} changes per session, {think:g} s between changes, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    header = (
        f"{'sessions':>8} {'changes':>8} {'errors':>6} {'first run ms':>12} "
        f"{'change median':>13} {'p95':>6} {'max':>6} {'wall s':>7} {'peak RSS MB':>11} "
        f"{'load 1m before/after':>21}"
    )
    print(header)
    print("-" * len(header))
    for lv in levels:
        first = [r.first_run_s for r in lv.results if r.first_run_s is not None]
        print(
            f"{lv.sessions:>8} {len(lv.changes):>8} {len(lv.errors):>6} {_ms(first):>12} "
            f"{_ms(lv.changes):>13} {_ms(lv.changes, 0.95):>6} {_ms(lv.changes, 1.0):>6} "
            f"{lv.wall_s:>7.1f} {lv.peak_rss_mb:>11.0f} "
            f"{lv.load_before:>10.2f} / {lv.load_after:<8.2f}"
        )
    for lv in levels:
        for error in sorted(set(lv.errors))[:5]:
            print(f"  {lv.sessions} sessions: {lv.errors.count(error)} x {error}")


# ---------------------------------------------------------------------------------------------
# The deployment: page replicas behind nginx, the service at 1 and 2 workers (issue 25)


def _row(label: str, lv: Level) -> str:
    return (
        f"{label:>8} {lv.sessions:>8} {len(lv.changes):>8} {len(lv.errors):>6} "
        f"{_ms(lv.changes):>13} {_ms(lv.changes, 0.95):>6} {_ms(lv.changes, 1.0):>6} "
        f"{len(lv.changes) / lv.wall_s:>9.2f} {lv.peak_rss_mb:>11.0f} "
        f"{lv.load_before:>10.2f} / {lv.load_after:<8.2f}"
    )


def deploy_pages(
    replica_counts: list[int], counts: list[int], edits: int, args: argparse.Namespace
) -> list[tuple[int, Level, dict[str, int]]]:
    """Each level through `deploy/start pages` (nginx + N replicas), sticky like a browser."""
    from tests import deploy_harness as d

    rows = []
    for replicas in replica_counts:
        with tempfile.TemporaryDirectory() as tmp:
            pages = d.start_pages(Path(tmp), replicas=replicas)
            try:
                port = int(pages.url.rsplit(":", 1)[1])
                pids = list(pages.replicas.values())
                print(f"{replicas} replica(s) behind nginx on {pages.url}", flush=True)
                # Warm each replica directly (its first sessions start the page's background
                # import of Altair, pandas and pyarrow), so no level pays that once per replica.
                for replica_port, pid in pages.replicas.items():
                    asyncio.run(
                        level(2, replica_port, [pid], 2, 0.0, args.timeout, args.level_bound)
                    )
                time.sleep(3)  # let the warm-up sessions close and the import finish
                for count in counts:
                    since = len(pages.access_lines())
                    lv = asyncio.run(
                        level(
                            count,
                            port,
                            pids,
                            edits,
                            args.think,
                            args.timeout,
                            args.level_bound,
                            sticky=True,
                        )
                    )
                    time.sleep(2)  # let the sessions close (nginx logs a websocket on close)
                    spread: dict[str, int] = {}
                    for line in pages.access_lines()[since:]:
                        if '"GET /_stcore/stream"' in line:
                            replica = line.rsplit("upstream=", 1)[1].strip()
                            spread[replica] = spread.get(replica, 0) + 1
                    rows.append((replicas, lv, spread))
                    print(
                        f"  {count} sessions: {len(lv.changes)} changes, {len(lv.errors)} "
                        f"errors, {lv.wall_s:.1f} s, "
                        f"websockets per replica {sorted(spread.values())}",
                        flush=True,
                    )
            finally:
                pages.stop()
    return rows


def deploy_service(
    worker_counts: list[int], total: int, concurrency: int
) -> list[tuple[int, dict[str, float], dict[str, float]]]:
    """The CDS Hooks service at each worker count, workers sharing a real Redis replay store."""
    import importlib.util

    from tests import deploy_harness as d
    from tests import service_harness as h

    spec = importlib.util.spec_from_file_location("bench_service", ROOT / "bench" / "service.py")
    assert spec is not None
    assert spec.loader is not None
    bench_service = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_service)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        redis = d.start_redis(Path(tmp))
        try:
            for workers in worker_counts:
                key = h.ec_key()
                server = h.start(
                    keys=(key,), workers=workers, extra_env={"CDS_REPLAY_STORE": redis.url}
                )
                try:
                    asyncio.run(bench_service._drive(server, key, 100, concurrency))  # warm up
                    load = os.getloadavg()[0]
                    single = asyncio.run(bench_service._drive(server, key, max(50, total // 4), 1))
                    many = asyncio.run(bench_service._drive(server, key, total, concurrency))
                    many["load_before"], many["load_after"] = load, os.getloadavg()[0]
                    rows.append((workers, single, many))
                    print(f"  service, {workers} worker(s): {many['rps']:.0f} req/s", flush=True)
                finally:
                    server.stop()
        finally:
            redis.stop()
    return rows


def deploy_report(
    pages: list[tuple[int, Level, dict[str, int]]],
    service: list[tuple[int, dict[str, float], dict[str, float]]],
    edits: int,
    think: float,
    concurrency: int,
) -> None:
    print(
        f"\nbench/load.py --deploy: {edits} changes per session, {think:g} s between changes, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    header = (
        f"{'replicas':>8} {'sessions':>8} {'changes':>8} {'errors':>6} {'change median':>13} "
        f"{'p95':>6} {'max':>6} {'changes/s':>9} {'peak RSS MB':>11} {'load 1m before/after':>21}"
    )
    print(header)
    print("-" * len(header))
    for replicas, lv, _ in pages:
        print(_row(str(replicas), lv))
    for replicas, lv, _ in pages:
        for error in sorted(set(lv.errors))[:5]:
            count = lv.errors.count(error)
            print(f"  {replicas} replicas, {lv.sessions} sessions: {count} x {error}")
    if service:
        print(
            f"\nservice (uvicorn, replay store in Redis), {concurrency} in flight: "
            "workers, req/s, p50 / p99 ms; 1 in flight p50 / p99 ms; non-200; load 1m before/after"
        )
        for workers, single, many in service:
            print(
                f"{workers:>3} {many['rps']:>6.0f} {many['p50_ms']:>7.0f} / {many['p99_ms']:<6.0f}"
                f" {single['p50_ms']:>6.1f} / {single['p99_ms']:<6.1f}"
                f" {many['failures'] + single['failures']:>3.0f}"
                f" {many['load_before']:>7.2f} / {many['load_after']:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="1,5,10,20,30", help="comma-separated counts")
    parser.add_argument("--edits", type=int, default=4, help="changes per session (max 20)")
    parser.add_argument("--think", type=float, default=0.0, help="seconds between changes")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--level-bound", type=float, default=300.0, help="seconds per level")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--links-only", action="store_true", help="only time the link reader")
    parser.add_argument(
        "--deploy",
        action="store_true",
        help="through deploy/start pages (nginx + --replicas) and the service at --workers",
    )
    parser.add_argument("--replicas", default="1,2", help="page replica counts (--deploy)")
    parser.add_argument("--workers", default="1,2", help="service worker counts (--deploy)")
    parser.add_argument("--requests", type=int, default=400, help="service requests per count")
    parser.add_argument("--concurrency", type=int, default=16, help="service requests in flight")
    args = parser.parse_args()
    counts = [min(60, max(1, int(n))) for n in args.sessions.split(",") if n.strip()]
    edits = min(20, max(0, args.edits))
    if args.deploy:
        sys.path.insert(0, str(ROOT))
        replicas = [min(8, max(1, int(n))) for n in args.replicas.split(",") if n.strip()]
        workers = [min(8, max(1, int(n))) for n in args.workers.split(",") if n.strip()]
        print(f"load average at start {os.getloadavg()[0]:.2f}", flush=True)
        pages = deploy_pages(replicas, counts, edits, args)
        service = deploy_service(workers, max(50, args.requests), args.concurrency)
        deploy_report(pages, service, edits, args.think, args.concurrency)
        return
    link_timings()
    if args.links_only:
        return

    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "streamlit.log"
        server = start_server(port, log)
        try:
            print(f"server pid {server.pid} on 127.0.0.1:{port}, RSS {_rss_mb(server.pid):.0f} MB")
            levels = []
            for count in counts:
                lv = asyncio.run(
                    level(
                        count, port, [server.pid], edits, args.think, args.timeout, args.level_bound
                    )
                )
                levels.append(lv)
                print(
                    f"  {count} sessions: {len(lv.changes)} changes, {len(lv.errors)} errors, "
                    f"{lv.wall_s:.1f} s",
                    flush=True,
                )
                time.sleep(2)  # let the server close the level's sessions
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    report(levels, edits, args.think)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "sessions": lv.sessions,
                        "changes": len(lv.changes),
                        "errors": len(lv.errors),
                        "change_median_ms": _ms(lv.changes),
                        "change_p95_ms": _ms(lv.changes, 0.95),
                        "peak_rss_mb": round(lv.peak_rss_mb),
                        "load_before": lv.load_before,
                        "load_after": lv.load_after,
                    }
                    for lv in levels
                ],
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
