"""Rate limits: Cal.com's headers and 429, per key, shared through Redis across processes."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from calendula import bootstrap
from calendula.api.app import create_app
from calendula.integrations.counters import MemoryCounter, RedisCounter
from calendula.settings import Settings
from tests.api.conftest import ApiClient

REDIS = "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def limited(database_url, clock) -> Iterator[Callable[..., ApiClient]]:
    built: list[tuple[bootstrap.Container, ApiClient]] = []

    def make(limit: int = 3, redis_url: str | None = None) -> ApiClient:
        settings = Settings(
            database_url=database_url,
            environment="test",
            secret_key="x" * 40,
            rate_limit_per_minute=limit,
            redis_url=redis_url,
        )
        container = bootstrap.build(settings, clock=clock)
        client = ApiClient(create_app(container))
        built.append((container, client))
        return client

    yield make
    for container, client in built:
        client.close()
        container.close()


def within_one_window(margin: float = 5.0) -> None:
    """Wait for the next one-minute window when fewer than `margin` seconds are left of this
    one: the counters use fixed windows, so requests on both sides of a boundary are counted
    apart and a test expecting a 429 would see a 404 (seen once in CI)."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.05)


def fresh_key() -> str:
    # Keys are hashed into the tracker; an unknown key is enough to be counted separately.
    return f"cal_test_{uuid.uuid4().hex}"


def test_v2_answers_carry_the_rate_limit_headers_and_health_does_not(limited):
    api = limited(limit=5)
    response = api.get("/v2/nothing-here", key=fresh_key())
    assert response.headers["X-RateLimit-Limit-Default"] == "5"
    assert response.headers["X-RateLimit-Remaining-Default"] == "4"
    assert 0 < int(response.headers["X-RateLimit-Reset-Default"]) <= 60
    assert "X-RateLimit-Limit-Default" not in api.get("/health").headers


def test_the_request_over_the_limit_gets_429_throttler_exception(limited):
    api = limited(limit=3)
    key = fresh_key()
    within_one_window()
    statuses = [api.get("/v2/nothing-here", key=key).status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    over = api.get("/v2/nothing-here", key=key)
    assert over.status_code == 429
    body = over.json()
    assert body["error"]["code"] == "ThrottlerException"
    assert body["error"]["message"] == (
        "CustomThrottlerGuard - Too many requests. Please try again later."
    )
    assert over.headers["X-RateLimit-Remaining-Default"] == "0"


def test_each_key_has_its_own_budget(limited):
    api = limited(limit=1)
    assert api.get("/v2/nothing-here", key=fresh_key()).status_code == 404
    assert api.get("/v2/nothing-here", key=fresh_key()).status_code == 404


def test_zero_turns_the_limit_off(limited):
    api = limited(limit=0)
    key = fresh_key()
    assert all(api.get("/v2/nothing-here", key=key).status_code == 404 for _ in range(5))
    assert "X-RateLimit-Limit-Default" not in api.get("/v2/nothing-here", key=key).headers


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_two_app_processes_count_together_through_redis(limited):
    first, second = limited(limit=3, redis_url=REDIS), limited(limit=3, redis_url=REDIS)
    key = fresh_key()
    within_one_window()
    assert first.get("/v2/nothing-here", key=key).status_code == 404
    assert second.get("/v2/nothing-here", key=key).status_code == 404
    assert first.get("/v2/nothing-here", key=key).status_code == 404
    assert second.get("/v2/nothing-here", key=key).status_code == 429


def test_an_unreachable_redis_lets_requests_through(limited):
    api = limited(limit=1, redis_url="redis://127.0.0.1:1/0")
    key = fresh_key()
    assert [api.get("/v2/nothing-here", key=key).status_code for _ in range(3)] == [404] * 3


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_going_over_the_limit_blocks_for_a_minute_across_windows(store):
    """Cal.com's throttler blocks a tracker for 60 s after it went over; the next window does
    not lift the block early, and the block's 429s tell how long it still lasts."""
    if store == "redis" and not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    clock = [1_000_000 * 60 + 50.0]  # 50 s into a one-minute window

    def now() -> float:
        return clock[0]

    async def scenario() -> list[tuple[int, float]]:
        counter = MemoryCounter(now) if store == "memory" else RedisCounter(REDIS, now)
        key, seen = fresh_key(), []
        try:
            for step in (0, 0, 0, 15, 45.5):  # the third goes over; then 15 s and 60.5 s on
                clock[0] += step
                seen.append(await counter.hit(key, 60, 2, 60))
        finally:
            await counter.close()
        return seen

    seen = asyncio.run(scenario())
    counts = [count for count, _ in seen]
    assert counts == [1, 2, 3, 3, 1]  # 3 = over a limit of 2: refused
    assert [round(reset, 1) for _, reset in seen] == [10.0, 10.0, 60.0, 45.0, 9.5]
