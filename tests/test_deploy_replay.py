"""The token replay store across service replicas (service.replay), on a real redis-server.

CDS Hooks 2.0 "Trusting CDS Clients": the service must refuse a JWT whose `jti` it has already
seen. With several replicas or workers the seen ids must be shared, or a token replayed to a
replica that did not see it is accepted; and when the shared store is down the answer must be
503, never an accepted token. Every server here is a real `uvicorn` process (the harness's, or
`deploy/start service`), every Redis a real `redis-server` on a free loopback port.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from service.replay import MemoryStore, RedisStore, ReplayStoreError, store_from_url
from tests import deploy_harness as d
from tests import service_harness as h

BODY = json.loads((Path(__file__).parent / "data" / "fhir" / "reference.json").read_text())
SERVICE = "back-pain-plan"
pytestmark = pytest.mark.slow  # real uvicorn and redis-server processes, about a minute
# Both replicas sit behind one public address, as behind a load balancer: the token's `aud`
# names that address, not either replica's own port.
PUBLIC = "https://cds.test.example"
AUD = f"{PUBLIC}/cds-services/{SERVICE}"


@pytest.fixture(scope="module")
def key() -> h.SigningKey:
    return h.ec_key()


@pytest.fixture
def redis(tmp_path):
    server = d.start_redis(tmp_path)
    yield server
    server.stop()


def post(base: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{base}/cds-services/{SERVICE}",
        json=BODY,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def replicas(key: h.SigningKey, store: str, count: int = 2) -> list[h.Server]:
    env = {"CDS_SERVICE_BASE_URL": PUBLIC, "CDS_REPLAY_STORE": store}
    started: list[h.Server] = []
    try:
        for _ in range(count):
            started.append(h.start(keys=(key,), extra_env=env))
    except Exception:
        for server in started:
            server.stop()
        raise
    return started


# ---------------------------------------------------------------------------------------------
# The interface, in one process


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("", MemoryStore),  # unset: the development default
        ("memory", MemoryStore),
        ("redis://127.0.0.1:6379/0", RedisStore),  # constructing it does not connect
        ("rediss://user:secret@redis.example:6380/1", RedisStore),
    ],
)
def test_the_store_is_chosen_by_its_url(url, kind) -> None:
    assert isinstance(store_from_url(url), kind)


@pytest.mark.parametrize("url", ["http://redis.example/", "postgres://u:secret@db/x", "redis"])
def test_an_unknown_store_url_stops_start_up_without_echoing_it(url) -> None:
    with pytest.raises(ValueError, match="CDS_REPLAY_STORE") as error:
        store_from_url(url)
    assert "secret" not in str(error.value)


def test_memory_store_refuses_the_second_use_and_forgets_after_expiry() -> None:
    store = MemoryStore()
    later = time.time() + 300
    assert store.first_use("iss|a", later) is True
    assert store.first_use("iss|a", later) is False
    assert store.first_use("iss|b", later) is True  # another jti is another key
    gone = MemoryStore()
    assert gone.first_use("iss|c", time.time() - 1) is True  # already past its expiry
    assert gone.first_use("iss|c", later) is True  # ... so it was not kept


def test_redis_store_sets_once_and_expires_with_the_token(redis) -> None:
    import redis as redis_client

    store = RedisStore(redis.url)
    expires = time.time() + 120
    assert store.first_use("iss|one", expires) is True
    assert store.first_use("iss|one", expires) is False
    ttl = redis_client.Redis.from_url(redis.url).ttl("cds:jti:iss|one")
    # EXAT at the token's expiry, rounded up to the next whole second: 120-122 s left.
    assert 118 <= ttl <= 122


def test_redis_store_with_nothing_listening_raises_instead_of_accepting() -> None:
    store = RedisStore(f"redis://127.0.0.1:{d.free_port()}/0")
    with pytest.raises(ReplayStoreError, match="replay store unreachable"):
        store.first_use("iss|x", time.time() + 60)


# ---------------------------------------------------------------------------------------------
# Across real uvicorn processes


def test_without_a_shared_store_a_replay_to_another_replica_is_accepted(key) -> None:
    """The problem: per-process memory refuses a replay only to the replica that saw it."""
    first, second = replicas(key, "memory")
    try:
        token = h.sign(key, AUD)
        assert post(first.base, token).status_code == 200
        assert post(first.base, token).status_code == 401
        assert post(second.base, token).status_code == 200
    finally:
        first.stop()
        second.stop()


def test_a_token_replayed_to_another_replica_sharing_redis_is_refused(key, redis) -> None:
    first, second = replicas(key, redis.url)
    try:
        token = h.sign(key, AUD)
        assert post(first.base, token).status_code == 200
        again = post(second.base, token)
        assert again.status_code == 401
        assert "replay" in again.json()["detail"]
        # ... and the other way round, with a fresh token.
        other = h.sign(key, AUD)
        assert post(second.base, other).status_code == 200
        assert post(first.base, other).status_code == 401
    finally:
        first.stop()
        second.stop()


def test_the_same_token_sent_to_both_replicas_at_once_is_accepted_once(key, redis) -> None:
    """SET NX is atomic: of simultaneous uses exactly one wins, whichever replica gets it."""
    first, second = replicas(key, redis.url)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(5):
                token = h.sign(key, AUD)
                bases = [first.base, second.base] * 4
                codes = sorted(pool.map(lambda base, t=token: post(base, t).status_code, bases))
                assert codes == [200] + [401] * 7
    finally:
        first.stop()
        second.stop()


def test_redis_down_gives_503_and_never_accepts_a_replay(key, redis) -> None:
    first, second = replicas(key, redis.url)
    try:
        used = h.sign(key, AUD)
        assert post(first.base, used).status_code == 200
        redis.stop()
        for base in (first.base, second.base):
            for token in (used, h.sign(key, AUD)):  # the replay, and a fresh token
                response = post(base, token)
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"] == "1"
                assert "replay store unreachable" in response.json()["detail"]
        # Discovery needs no token, so it still answers.
        assert httpx.get(f"{first.base}/cds-services", timeout=10).status_code == 200
    finally:
        first.stop()
        second.stop()


def _worker_pids(parent: int) -> list[int]:
    """Children of `parent` that are uvicorn workers (not multiprocessing's helpers)."""
    out = []
    for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"multiprocessing.spawn" in cmdline or b"spawn_main" in cmdline:
            out.append(int(child))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_deploy_start_service_takes_its_workers_from_web_concurrency(
    key, redis, tmp_path, workers
) -> None:
    """`deploy/start service` (the image's command) runs $WEB_CONCURRENCY workers sharing Redis:
    every token used twice over fresh connections, whichever worker takes each, is refused."""
    port = d.free_port()
    env = d.deploy_env(
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        CDS_REPLAY_STORE=redis.url,
        CDS_SERVICE_BASE_URL=PUBLIC,
        CDS_TRUSTED_ISSUERS=json.dumps({h.ISSUER: {"jwks": {"keys": [key.public_jwk()]}}}),
        CDS_APP_URL=h.APP_URL,
    )
    process = d.start_deploy("service", env, tmp_path / "service.log")
    base = f"http://127.0.0.1:{port}"
    try:
        d.wait_until(lambda: d.http_ok(f"{base}/cds-services"), 60, "the service did not answer")
        # Single worker: uvicorn serves in its own process, no children. N: N spawned workers.
        expected = 0 if workers == 1 else workers
        d.wait_until(
            lambda: (
                len(_worker_pids(process.pid)) == expected and d.http_ok(f"{base}/cds-services")
            ),
            60,
            f"uvicorn did not run {workers} workers",
        )
        for _ in range(6):
            token = h.sign(key, AUD)
            assert post(base, token).status_code == 200
            assert post(base, token).status_code == 401
    finally:
        d.stop(process)
