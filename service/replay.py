"""Where the service remembers the token ids (`jti`) it has accepted, so a replay is refused.

CDS Hooks 2.0 ("Trusting CDS Clients") asks the service to refuse a JWT whose `jti` it has
seen. One process can remember that in memory; several replicas or uvicorn workers cannot, as
each sees only its own calls, so a token replayed to another replica would be accepted. Hence
one small interface, `ReplayStore.first_use`, with two implementations chosen by
``CDS_REPLAY_STORE``:

* unset or ``memory``: in this process (development, a single worker);
* ``redis://host:port/db`` (or ``rediss://`` for TLS): shared by every replica. One atomic
  ``SET key 1 NX EXAT <expiry>`` per call, so of two replicas that get the same token at the
  same moment exactly one accepts it, and the key expires by itself when the token could no
  longer be accepted anyway (its ``exp`` plus the verifier's leeway).

When the shared store cannot be reached the answer is `ReplayStoreError` (the service returns
503): a replay is never accepted because the store is down.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol
from urllib.parse import urlsplit

#: Seconds a Redis call may take before the store counts as unavailable (503 rather than a
#: stalled EHR call; EHRs allow a CDS service about 500 ms in all).
REDIS_TIMEOUT_S = 0.5
_KEY_PREFIX = "cds:jti:"
_MAX_MEMORY_KEYS = 100_000


class ReplayStoreError(Exception):
    """The replay store could not answer; the call is refused with 503, never accepted."""


class ReplayStore(Protocol):
    def first_use(self, key: str, expires_at: float) -> bool:
        """True the first time `key` is seen (and remember it until `expires_at`, epoch s)."""
        ...


class MemoryStore:
    """Seen keys in this process only: refuses replays to this process, not to its siblings."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, expires_at: float) -> bool:
        now = time.time()
        with self._lock:
            if len(self._seen) > _MAX_MEMORY_KEYS or any(
                t < now for t in list(self._seen.values())[:64]
            ):
                for k, t in list(self._seen.items()):
                    if t < now:
                        del self._seen[k]
            if key in self._seen:
                return False
            self._seen[key] = expires_at
            return True


class RedisStore:
    """Seen keys in Redis, shared by every replica and worker pointed at the same URL."""

    def __init__(self, url: str) -> None:
        import redis  # only a deployment with a shared store needs the client

        self._errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError, OSError)
        self._client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            retry_on_timeout=False,
        )

    def first_use(self, key: str, expires_at: float) -> bool:
        # EXAT (Redis 6.2+, redis.io "SET") takes whole epoch seconds; round up so the key never
        # expires before the token could no longer be accepted.
        at = max(int(expires_at) + 1, int(time.time()) + 1)
        try:
            return bool(self._client.set(_KEY_PREFIX + key, b"1", nx=True, exat=at))
        except self._errors as error:
            raise ReplayStoreError(f"replay store unreachable ({type(error).__name__})") from None


def store_from_url(url: str) -> ReplayStore:
    """The store ``CDS_REPLAY_STORE`` names; ValueError (at start-up) for anything else."""
    text = url.strip()
    if text in ("", "memory"):
        return MemoryStore()
    if urlsplit(text).scheme in ("redis", "rediss", "unix"):
        return RedisStore(text)
    raise ValueError(
        "CDS_REPLAY_STORE must be empty, 'memory', or a redis:// (rediss://, unix://) URL"
    )
