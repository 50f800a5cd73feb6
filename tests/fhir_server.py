"""A minimal FHIR R4 REST server on loopback, for tests of the service's own fetching.

It serves a fixed set of resources (read from the real example material in tests/data) the way
a FHIR server answers the searches in this service's discovery document (FHIR R4 "RESTful API"
and "Search"): `GET [type]/[id]` reads one resource (404 if absent); `GET [type]?params`
answers a `searchset` Bundle, filtering on `patient` (the subject or patient reference),
`code` (comma-separated `system|code` tokens, any coding; `system|` matches the whole system),
`status`, `clinical-status`, `context` (the encounter reference), then `_sort=-date` (newest
effective time first) and `_count`. Every other parameter is ignored, as a real server ignores
parameters it does not support (and says so in `Bundle.link[self]`, which this one omits).

It also records which resources it served, checks the bearer token, and can be told to hold
its answers (a server that does not answer in time) or to redirect, to test the service's guard
rails. Not a general FHIR server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


def _ref_id(value: object, rtype: str) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("reference"), str):
        ref = value["reference"]
        if ref.startswith(f"{rtype}/"):
            return ref.split("/", 1)[1]
    return None


def _codes(resource: Mapping[str, Any], key: str) -> Iterable[tuple[str, str]]:
    concept = resource.get(key)
    if isinstance(concept, Mapping):
        for c in concept.get("coding") or []:
            yield str(c.get("system", "")), str(c.get("code", ""))


def _token_match(resource: Mapping[str, Any], key: str, tokens: str) -> bool:
    for token in tokens.split(","):
        system, _, code = token.rpartition("|") if "|" in token else ("", "", token)
        for s, c in _codes(resource, key):
            if (not system or s == system) and (not code or c == code):
                return True
    return False


def _date(resource: Mapping[str, Any]) -> dt.datetime:
    for key in ("effectiveDateTime", "authoredOn", "recordedDate", "onsetDateTime", "issued"):
        if isinstance(resource.get(key), str):
            text = resource[key]
            break
    else:
        period = resource.get("effectivePeriod") or {}
        text = period.get("start") if isinstance(period, Mapping) else None
    if not isinstance(text, str):
        return _EPOCH
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return _EPOCH
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def search(resources: Iterable[Mapping[str, Any]], rtype: str, params: Mapping[str, str]) -> list:
    """The resources of `rtype` matching `params`, in the order a FHIR server would give."""
    found = [r for r in resources if r.get("resourceType") == rtype]
    if "patient" in params:
        pid = params["patient"].removeprefix("Patient/")
        found = [
            r
            for r in found
            if pid in (_ref_id(r.get("subject"), "Patient"), _ref_id(r.get("patient"), "Patient"))
        ]
    if "code" in params:
        key = "medicationCodeableConcept" if rtype.startswith("Medication") else "code"
        found = [r for r in found if _token_match(r, key, params["code"])]
    if "status" in params:
        found = [r for r in found if r.get("status") in params["status"].split(",")]
    if "clinical-status" in params:
        found = [r for r in found if _token_match(r, "clinicalStatus", params["clinical-status"])]
    if "context" in params:
        eid = params["context"].removeprefix("Encounter/")
        found = [r for r in found if _ref_id(r.get("context"), "Encounter") == eid]
    if params.get("_sort") == "-date":
        found.sort(key=_date, reverse=True)
    if "_count" in params:
        found = found[: int(params["_count"])]
    return found


@dataclass
class FhirServer:
    """A running loopback FHIR server; `served` lists the (type, id) of every resource sent."""

    resources: list[dict[str, Any]]
    token: str = "test-access-token"
    hold: threading.Event | None = None
    redirect_to: str | None = None
    #: A `next` link put on every first search page (`{base}` is replaced by this server's base).
    next_link: str | None = None
    served: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/fhir"

    def authorization(self) -> dict[str, Any]:
        return {"access_token": self.token, "token_type": "Bearer", "expires_in": 300}

    def _answer(self, path: str, query: str) -> tuple[int, Any]:
        parts = [unquote(p) for p in path.removeprefix("/fhir/").split("/") if p]
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        if len(parts) == 2:
            for r in self.resources:
                if r.get("resourceType") == parts[0] and r.get("id") == parts[1]:
                    self.served.append((parts[0], parts[1]))
                    return 200, r
            return 404, {"resourceType": "OperationOutcome", "issue": []}
        if len(parts) != 1:
            return 400, {"resourceType": "OperationOutcome", "issue": []}
        found = search(self.resources, parts[0], params)
        self.served += [(r["resourceType"], r.get("id", "")) for r in found]
        links = []
        if self.next_link is not None and "page" not in params:
            links = [{"relation": "next", "url": self.next_link.replace("{base}", self.base)}]
        return 200, {
            "resourceType": "Bundle",
            "link": links,
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": f"{self.base}/{r['resourceType']}/{r.get('id', '')}",
                    "resource": r,
                    "search": {"mode": "match"},
                }
                for r in found
            ],
        }

    def start(self) -> FhirServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                split = urlsplit(self.path)
                server.requests.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    status, body = 401, {"resourceType": "OperationOutcome", "issue": []}
                elif server.redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", server.redirect_to + self.path)
                    self.end_headers()
                    return
                else:
                    if server.hold is not None:  # the slow server: answers once released
                        server.hold.wait(timeout=30)
                    status, body = server._answer(split.path, split.query)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # fails only when the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet: the test reads `requests` instead

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
