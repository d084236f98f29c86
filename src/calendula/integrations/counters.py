"""Rate-limit counters: fixed windows counted in this process, or shared through Redis.

Owns: `MemoryCounter` (the default, one process) and `RedisCounter` (several processes count
together). Both implement `services.ports.RateCounter`: a tracker over its limit is refused and
then blocked for `block_seconds` from that refusal, whatever window comes next (Cal.com's
throttler blocks for 60 s). Redis being unreachable must not take the API down: the counter
logs a warning and lets the request through (fails open).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

MAX_TRACKERS = 100_000
"""The in-process counter forgets old windows and ended blocks beyond this many trackers."""

# One round trip, atomic: refuse while blocked, else count, and block on going over the limit.
# KEYS: the window's counter, the tracker's block. ARGV: now, counter ttl, limit, block end,
# block ttl. The block's end is a timestamp compared with the caller's clock, so tests may
# move that clock; its TTL only cleans up.
_HIT = """
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > tonumber(ARGV[1]) then return {-1, tostring(blocked)} end
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if count > tonumber(ARGV[3]) then
  redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
  return {count, ARGV[4]}
end
return {count, '0'}
"""


def _window(now: float, window_seconds: int) -> tuple[int, float]:
    start = int(now // window_seconds) * window_seconds
    return start, start + window_seconds - now


class MemoryCounter:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._counts: dict[str, tuple[int, int]] = {}
        self._blocked: dict[str, float] = {}

    async def hit(
        self, key: str, window_seconds: int, limit: int, block_seconds: int
    ) -> tuple[int, float]:
        now = self._now()
        until = self._blocked.get(key, 0.0)
        if until > now:
            return limit + 1, until - now
        start, reset = _window(now, window_seconds)
        seen_start, count = self._counts.get(key, (start, 0))
        count = count + 1 if seen_start == start else 1
        self._counts[key] = (start, count)
        if len(self._counts) > MAX_TRACKERS:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == start}
        if count > limit:
            if len(self._blocked) > MAX_TRACKERS:
                self._blocked = {k: v for k, v in self._blocked.items() if v > now}
            self._blocked[key] = now + block_seconds
            return count, float(block_seconds)
        return count, reset

    async def close(self) -> None:
        self._counts.clear()
        self._blocked.clear()


class RedisCounter:
    def __init__(self, url: str, now: Callable[[], float] = time.time) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._hit = self._redis.register_script(_HIT)
        self._now = now

    async def hit(
        self, key: str, window_seconds: int, limit: int, block_seconds: int
    ) -> tuple[int, float]:
        now = self._now()
        start, reset = _window(now, window_seconds)
        prefix = f"calendula:ratelimit:{key}"
        try:
            count, until = await self._hit(
                keys=[f"{prefix}:{start}", f"{prefix}:block"],
                args=[
                    repr(now),
                    window_seconds + 1,
                    limit,
                    repr(now + block_seconds),
                    block_seconds + 1,
                ],
            )
        except Exception as error:  # any backend failure: count nothing, keep serving
            log.warning(
                "rate-limit store unreachable, request not counted: %s", type(error).__name__
            )
            return 0, reset
        count = int(count)
        if count < 0:  # blocked earlier
            return limit + 1, float(until) - now
        if count > limit:
            return count, float(block_seconds)
        return count, reset

    async def close(self) -> None:
        await self._redis.aclose()
