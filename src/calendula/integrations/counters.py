"""Rate-limit counters: fixed windows counted in this process, or shared through Redis.

Owns: `MemoryCounter` (the default, one process) and `RedisCounter` (several processes count
together). Both implement `services.ports.RateCounter`. Redis being unreachable must not take the
API down: the counter logs a warning and lets the request through (fails open).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def _window(now: float, window_seconds: int) -> tuple[int, float]:
    start = int(now // window_seconds) * window_seconds
    return start, start + window_seconds - now


class MemoryCounter:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        start, reset = _window(self._now(), window_seconds)
        seen_start, count = self._counts.get(key, (start, 0))
        count = count + 1 if seen_start == start else 1
        self._counts[key] = (start, count)
        if len(self._counts) > 100_000:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == start}
        return count, reset

    async def close(self) -> None:
        self._counts.clear()


class RedisCounter:
    def __init__(self, url: str, now: Callable[[], float] = time.time) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._now = now

    async def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        start, reset = _window(self._now(), window_seconds)
        name = f"calendula:ratelimit:{key}:{start}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds + 1)
                count, _ = await pipe.execute()
        except Exception as error:  # any backend failure: count nothing, keep serving
            log.warning(
                "rate-limit store unreachable, request not counted: %s", type(error).__name__
            )
            return 0, reset
        return int(count), reset

    async def close(self) -> None:
        await self._redis.aclose()
