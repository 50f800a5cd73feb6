"""Fetch the prefetch an EHR did not send from the FHIR server it names (CDS Hooks 2.0).

CDS Hooks 2.0 ("Prefetch", "FHIR Resource Access"): a client may omit prefetch keys it cannot
satisfy; the service may then query `fhirServer` itself with the bearer token in
`fhirAuthorization.access_token`, and when it needs data it can neither receive nor fetch it
answers 412 Precondition Failed. A key sent as null means the client looked and found nothing, so
only keys that are absent are fetched.

Guard rails, each because the request, not this service, chooses the server:
* only the server the request names: every URL is the `fhirServer` base plus a template from
  this service's discovery document, with each context value percent-encoded (a patient id
  cannot add a path or a query); a Bundle's `next` page is followed only under the same base;
* redirects are never followed (a 3xx is an error), so a token never travels to another host;
* plain http only on loopback (tests, a sidecar); anywhere else the base must be https;
* named timeouts per request and for the whole fetch, and a size limit per response;
* nothing is logged: httpx's own request log (which prints URLs, and so patient ids) is
  silenced here; errors name the prefetch key and the kind of failure, never a URL or a body.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
from collections.abc import Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict

for _name in ("httpx", "httpcore"):  # they log every request URL at INFO; URLs hold patient ids
    logging.getLogger(_name).setLevel(logging.WARNING)

#: Seconds to open a connection to the FHIR server.
CONNECT_TIMEOUT_S = 1.0
#: Seconds to wait for each response (between bytes). CDS Hooks asks for an answer in about
#: 500 ms overall; a server slower than this is treated as unavailable.
READ_TIMEOUT_S = 2.0
#: Seconds for all the fetches of one call together (they run in parallel).
TOTAL_TIMEOUT_S = 4.0
#: Largest response read, in bytes: a patient's active problems, medicines and latest
#: observations fit well under this; a larger answer is refused rather than parsed.
MAX_RESPONSE_BYTES = 5_000_000
#: Pages of a search Bundle followed (`link[relation=next]`), per prefetch key.
MAX_PAGES = 5
#: Fetches in flight at once for one call.
PARALLEL = 6

_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")
_LOOPBACK_NAMES = frozenset({"localhost"})


class FetchError(Exception):
    """The prefetch could not be fetched; the message names the key and the failure only."""


class FetchSettings(BaseModel):
    """Timeouts and limits for one call's fetches (the module constants unless overridden)."""

    model_config = ConfigDict(frozen=True)

    connect_s: float = CONNECT_TIMEOUT_S
    read_s: float = READ_TIMEOUT_S
    total_s: float = TOTAL_TIMEOUT_S
    max_bytes: int = MAX_RESPONSE_BYTES


def _loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_base(fhir_server: str) -> str:
    """The base URL to query, checked: https (http only on loopback), no credentials in it,
    no query or fragment. Raises FetchError naming what is wrong."""
    parts = urlsplit(fhir_server.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise FetchError("fhirServer is not an http(s) URL")
    if parts.scheme == "http" and not _loopback(host):
        raise FetchError("fhirServer must use https (plain http only on loopback)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise FetchError("fhirServer must be a plain base URL (no credentials, query or fragment)")
    return fhir_server.strip().rstrip("/")


def render(template: str, context: Mapping[str, Any]) -> str | None:
    """A prefetch template with its context tokens filled in, each value percent-encoded; None
    when the context lacks a value the template needs (that key is then not fetched)."""
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = context.get(match.group(1))
        if not isinstance(found, str) or not found:
            missing = True
            return ""
        return quote(found, safe="")

    rendered = _TOKEN.sub(value, template)
    return None if missing else rendered


def bearer(authorization: Mapping[str, Any] | None) -> str:
    """The access token of `fhirAuthorization` (CDS Hooks 2.0: token_type is "Bearer")."""
    if not isinstance(authorization, Mapping):
        raise FetchError("no fhirAuthorization")
    token = authorization.get("access_token")
    kind = authorization.get("token_type", "Bearer")
    if not isinstance(token, str) or not token.strip():
        raise FetchError("fhirAuthorization has no access_token")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise FetchError("fhirAuthorization.token_type is not Bearer")
    return token.strip()


def _get(client: httpx.Client, url: str, key: str, max_bytes: int) -> Any:
    try:
        with client.stream("GET", url) as response:
            if response.is_redirect:
                raise FetchError(f"the FHIR server redirected '{key}'; redirects are not followed")
            if response.status_code in (404, 410) and "?" not in url:
                return None  # a read of a resource the server does not have: as a null key
            if response.status_code != 200:
                raise FetchError(f"the FHIR server answered {response.status_code} for '{key}'")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"the FHIR server's answer for '{key}' is over {max_bytes} B")
    except httpx.TimeoutException:
        raise FetchError(f"the FHIR server did not answer in time for '{key}'") from None
    except httpx.HTTPError as error:
        raise FetchError(
            f"the FHIR server could not be reached for '{key}' ({type(error).__name__})"
        ) from None
    try:
        found = json.loads(body)
    except ValueError:
        raise FetchError(f"the FHIR server's answer for '{key}' is not JSON") from None
    if not isinstance(found, dict) or not isinstance(found.get("resourceType"), str):
        raise FetchError(f"the FHIR server's answer for '{key}' is not a FHIR resource")
    return found


def _fetch_one(client: httpx.Client, base: str, path: str, key: str, max_bytes: int) -> Any:
    """One key's resource or search Bundle, with its `next` pages (same base only) merged;
    None when a read finds no such resource (404/410), which the reader takes as a null key."""
    found = _get(client, f"{base}/{path}", key, max_bytes)
    if found is None or found.get("resourceType") != "Bundle":
        return found
    pages = 1
    while pages < MAX_PAGES:
        links = found.get("link") if isinstance(found.get("link"), list) else []
        following = [
            link.get("url")
            for link in links
            if isinstance(link, Mapping) and link.get("relation") == "next"
        ]
        url = following[0] if following and isinstance(following[0], str) else None
        if url is None:
            break
        if not url.startswith(f"{base}/") and not url.startswith(f"{base}?"):
            raise FetchError(f"the next page of '{key}' is on another server; not followed")
        page = _get(client, url, key, max_bytes)
        if page is None or page.get("resourceType") != "Bundle":
            raise FetchError(f"the next page of '{key}' is not a Bundle")
        found = {
            **found,
            "link": page.get("link", []),
            "entry": [*(found.get("entry") or []), *(page.get("entry") or [])],
        }
        pages += 1
    return found


def fetch_prefetch(
    fhir_server: str,
    authorization: Mapping[str, Any] | None,
    templates: Mapping[str, str],
    context: Mapping[str, Any],
    settings: FetchSettings | None = None,
) -> dict[str, Any]:
    """Each template's answer from the FHIR server, by prefetch key.

    A template whose context value is missing (an encounter template with no encounterId) is
    skipped. Raises FetchError on the first failure: a partial record is never read as whole."""
    settings = settings or FetchSettings()
    base = server_base(fhir_server)
    token = bearer(authorization)
    paths = {k: p for k, t in templates.items() if (p := render(t, context)) is not None}
    if not paths:
        return {}
    timeout = httpx.Timeout(
        connect=settings.connect_s, read=settings.read_s, write=settings.read_s, pool=None
    )
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    client = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False, trust_env=False)
    pool = ThreadPoolExecutor(max_workers=min(PARALLEL, len(paths)))
    try:
        futures = {
            key: pool.submit(_fetch_one, client, base, path, key, settings.max_bytes)
            for key, path in paths.items()
        }
        done, pending = wait(
            futures.values(), timeout=settings.total_s, return_when=FIRST_EXCEPTION
        )
        for future in done:
            if (error := future.exception()) is not None:
                raise error
        if pending:
            late = ", ".join(k for k, f in futures.items() if f in pending)
            raise FetchError(
                f"the FHIR server did not answer within {settings.total_s:g} s for: {late}"
            )
        return {key: future.result() for key, future in futures.items()}
    finally:
        # A late fetch is abandoned, not waited for: its thread ends at its own read timeout,
        # and the client is closed once the last one has.
        pool.shutdown(wait=False, cancel_futures=True)
        threading.Thread(target=_close_after, args=(pool, client), daemon=True).start()


def _close_after(pool: ThreadPoolExecutor, client: httpx.Client) -> None:
    pool.shutdown(wait=True)
    client.close()
