"""Drive the CDS Hooks service on loopback with a bounded load, at 1 and at 4 workers.

    python bench/service.py [--requests 600] [--concurrency 16]

Starts `uvicorn service.app:app --workers N` (N = 1, then 4, in the same run) on a free
loopback port, warms it up, then sends a fixed number of signed requests (a mix of the
hand-written patient-view and order-sign requests in tests/data/fhir/) with a fixed number in
flight, and prints requests/s, p50 and p99 latency for each worker count and the 4/1 ratio.
It also times, one at a time, a request whose prefetch holds 30 resources (`large_request`: the
reference patient with the history an EHR returns when a search is not limited to the latest
value), since validating the prefetch is most of a call's cost.
Tokens are signed before the clock starts so the client's own signing is not timed. Not part of
the test run; figures depend on the machine (the load average at the start is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import service_harness as h  # noqa: E402

DATA = ROOT / "tests" / "data" / "fhir"
MIX = (
    ("back-pain-plan", "reference.json"),
    ("back-pain-plan", "radicular.json"),
    ("back-pain-plan", "fentanyl_patch.json"),
    ("back-pain-order-sign", "reference_order_sign.json"),
)


#: Resources in the large request's prefetch.
LARGE = 30


def large_request() -> dict[str, Any]:
    """reference.json with 30 prefetched resources: its 11 (Patient, Encounter, weight,
    creatinine, pain score, six doses given) plus older weights and creatinines (a search
    without `_count=1`) and five problem-list Conditions, until there are `LARGE`."""
    body = h.load_request(DATA / "reference.json")
    prefetch = body["prefetch"]
    conditions = [
        ("59621000", "Essential hypertension"),
        ("55822004", "Hyperlipidemia"),
        ("35489007", "Depressive disorder"),
        ("195967001", "Asthma"),
        ("235595009", "Gastroesophageal reflux disease"),
    ]
    prefetch["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "Condition",
                    "id": f"problem-{i}",
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                "code": "active",
                            }
                        ]
                    },
                    "code": {
                        "coding": [{"system": "http://snomed.info/sct", "code": c, "display": d}]
                    },
                    "subject": {"reference": "Patient/example"},
                }
            }
            for i, (c, d) in enumerate(conditions)
        ],
    }

    def count() -> int:
        return sum(
            len(v.get("entry", [])) if v.get("resourceType") == "Bundle" else 1
            for v in prefetch.values()
            if isinstance(v, dict)
        )

    day = 1
    while count() < LARGE:
        for key in ("weight", "creatinine"):
            if count() >= LARGE:
                break
            latest = prefetch[key]["entry"][0]["resource"]
            older = copy.deepcopy(latest)
            older["id"] = f"{latest['id']}-{day}"
            when = dt.datetime.fromisoformat(latest["effectiveDateTime"].replace("Z", "+00:00"))
            older["effectiveDateTime"] = (when - dt.timedelta(days=30 * day)).isoformat()
            prefetch[key]["entry"].append({"resource": older})
        day += 1
    assert count() == LARGE
    return body


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def _drive(
    server: h.Server,
    key: h.SigningKey,
    total: int,
    concurrency: int,
    bodies: list[tuple[str, dict[str, Any]]] | None = None,
) -> dict[str, float]:
    bodies = bodies or [(s, h.load_request(DATA / f)) for s, f in MIX]
    jobs = []
    for i in range(total):
        service, body = bodies[i % len(bodies)]
        jobs.append((server.url(service), body, h.sign(key, server.url(service))))
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        queue: asyncio.Queue[tuple[str, dict, str]] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                url, body, token = queue.get_nowait()
                start = time.perf_counter()
                response = await client.post(
                    url, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    failures += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "rps": total / elapsed,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "failures": failures,
    }


def run(
    workers: int, total: int, concurrency: int, warmup: int
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """(one request in flight: service time; the same with the 30-resource prefetch;
    `concurrency` in flight: throughput)."""
    key = h.ec_key()
    server = h.start(keys=(key,), workers=workers)
    large = [("back-pain-plan", large_request())]
    try:
        asyncio.run(_drive(server, key, warmup, concurrency))  # every worker imports and warms
        single = asyncio.run(_drive(server, key, max(50, total // 4), 1))
        big = asyncio.run(_drive(server, key, max(50, total // 4), 1, large))
        return single, big, asyncio.run(_drive(server, key, total, concurrency))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min) at start"
    )
    print(
        f"{args.requests} signed requests per run, {args.concurrency} in flight, "
        f"mix of {len(MIX)} requests"
    )
    results = {}
    for workers in (1, 4):
        single, big, r = run(workers, args.requests, args.concurrency, args.warmup)
        results[workers] = r
        print(
            f"workers={workers}, 1 in flight: p50 {single['p50_ms']:.1f} ms, "
            f"p99 {single['p99_ms']:.1f} ms ({single['rps']:.0f} req/s)"
        )
        print(
            f"workers={workers}, 1 in flight, {LARGE}-resource prefetch: p50 "
            f"{big['p50_ms']:.1f} ms, p99 {big['p99_ms']:.1f} ms, non-200 {big['failures']:.0f}"
        )
        print(
            f"workers={workers}, {args.concurrency} in flight: {r['rps']:.0f} req/s, "
            f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, mean {r['mean_ms']:.1f} ms, "
            f"non-200 {r['failures'] + single['failures']:.0f}"
        )
    one, four = results[1], results[4]
    print(
        f"4 workers / 1 worker at {args.concurrency} in flight: "
        f"throughput {four['rps'] / one['rps']:.2f}x, "
        f"p50 {four['p50_ms'] / one['p50_ms']:.2f}x, p99 {four['p99_ms'] / one['p99_ms']:.2f}x"
    )
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
