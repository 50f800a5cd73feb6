"""Request limits checked before the body is parsed: size (413) and JSON nesting depth (400).

An ASGI middleware, so the limits hold for every route and before FastAPI reads the body: a
body over `MAX_BODY_BYTES` is refused while it streams in (whatever Content-Length says), and a
body nested deeper than `MAX_JSON_DEPTH` is refused by a linear scan of its brackets, before any
recursive code (json, pydantic, the FHIR reader) sees it. Neither answer echoes the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

#: Largest request body accepted, bytes. A CDS Hooks call carries one patient's prefetch: the
#: largest CDC opioid CDS example request in tests/data is 7.6 kB, and a whole Synthea patient
#: record (every resource of years of care, far more than the prefetch asks) is at most 678 kB;
#: 1 MiB accepts even that and keeps one call's parse and validation near the specification's
#: "on the order of 500 ms" (a 7.4 MB body took 3.9 s).
MAX_BODY_BYTES = 1024 * 1024
#: Deepest JSON nesting accepted (objects and arrays). The deepest request in tests/data (CDC
#: examples, Synthea records, the hand-written requests) nests 13 levels; 64 is about five
#: times that and far below the depth at which recursive readers fail (a Patient.extension
#: nested about 150 deep gave a RecursionError, a 500).
MAX_JSON_DEPTH = 64

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(i for i in range(256) if i not in b"[]{}")
_IDENTITY = bytes(range(256))

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLargeError(Exception):
    """The body went over MAX_BODY_BYTES."""


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays and objects in `body` (JSON text), counted without parsing:
    string literals removed, then only brackets kept. Linear in the size of the body."""
    brackets = _STRINGS.sub(b"", body).translate(_IDENTITY, _NOT_BRACKET)
    depth = deepest = 0
    for char in brackets:
        if char in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _problem(status: int, detail: str) -> tuple[int, bytes]:
    return status, json.dumps({"detail": detail}).encode()


class RequestLimits:
    """Refuse a POST body over `max_bytes` (413) or nested over `max_depth` (400)."""

    def __init__(
        self, app: App, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_JSON_DEPTH
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._answer(send, *self._too_large())
            return
        try:
            body = await self._read(receive)
        except BodyTooLargeError:
            await self._answer(send, *self._too_large())
            return
        if json_depth(body) > self.max_depth:
            detail = f"the request body nests deeper than {self.max_depth} levels"
            await self._answer(send, *_problem(400, detail))
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # the disconnect, if the server sends one

        await self.app(scope, replay, send)

    def _too_large(self) -> tuple[int, bytes]:
        return _problem(413, f"the request body is over {self.max_bytes} bytes")

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _answer(send: Send, status: int, body: bytes) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
