"""GET /v2/slots with a connected CalDAV calendar: served from a fresh busy cache, and cold.

Prints one JSON object. Run as `.venv/bin/python bench/bench_calendar_slots.py` (needs the
`radicale` test dependency: `pip install -e '.[test]'`).

Servers: Radicale (`python -m radicale`, no authentication, filesystem storage in a temporary
folder) and `calendula serve` (bench/_server.py: production settings, one worker, rate limiting
off, `CALENDULA_CALENDAR_ALLOW_PRIVATE_TARGETS=true` so it may call Radicale on loopback), both
on loopback. Data: a host in America/New_York (Mon-Fri 09:00-17:00, a 30-minute event type)
whose Radicale calendar holds 500 events over the 31 days measured: 400 single events of 30-120
minutes at random 15-minute starts and 100 weekly series (RRULE, 5 occurrences), fixed seed.

Runs, one client, sequential requests with `httpx` (latency as the client sees it):
(a) `cached`: the same 31-day query repeated: busy cache fresh (and slot cache warm): p50, p99.
(b) `busy_cached_slots_uncached`: the same window, each request naming another
    `bookingUidToReschedule`, so the slot cache misses but the busy cache is fresh: p50, p99.
(c) `cold`: each request asks for a window one day later than the previous one, so neither the
    slot cache nor the busy cache covers it: every request reads Radicale (a calendar-query
    REPORT for 31+ days, parsed and expanded here): p50, max. Bounded by
    `CALENDULA_CALENDAR_TIMEOUT_SECONDS` (5 s).
(d) `caldav_read_ms`: one direct read of the calendar (the adapter alone), p50 of 5.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from _server import server, sqlite_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from calendar_servers import Radicale, event_ics
from calendula import bootstrap
from calendula.domain.calendars import ConnectionKind
from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.integrations.calendar_client import NetworkCalendarClient
from calendula.services.ports import CalendarAccess
from calendula.settings import Settings

SEED = 20261121
SECRET_KEY = "bench-" + "k" * 40
"""Seeding and the server share the key: the CalDAV password is sealed with it."""
DAYS = 31
SINGLE = 400
SERIES = 100
REPEATS = 200
COLD = 10


def put_events(dav: Radicale, first_day: datetime) -> None:
    calendar = dav.calendar("bench", "work")
    rng = random.Random(SEED)
    for n in range(SINGLE):
        start = first_day + timedelta(minutes=15 * rng.randrange(DAYS * 24 * 4))
        minutes = rng.choice((30, 60, 90, 120))
        calendar.save_event(event_ics(f"e{n}", start, start + timedelta(minutes=minutes), f"E{n}"))
    for n in range(SERIES):
        start = first_day + timedelta(minutes=15 * rng.randrange(7 * 24 * 4))
        calendar.save_event(
            event_ics(
                f"s{n}",
                start,
                start + timedelta(minutes=60),
                f"S{n}",
                rrule={"FREQ": "WEEKLY", "COUNT": 5},
            )
        )


def seed(database_url: str, dav: Radicale) -> int:
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=SECRET_KEY,
        calendar_allow_private_targets=True,
    )
    bootstrap.migrate(settings)
    container = bootstrap.build(settings)
    try:
        user = container.accounts.create_user(
            "bench", "bench@example.com", time_zone="America/New_York"
        )
        assert user.id is not None
        event_type = container.event_types.create(
            user.id, EventType(None, user.id, "intro", "Intro call", 30)
        )
        container.calendars.connect_caldav(user.id, dav.url, "bench", "app-password")
        assert event_type.id is not None
        return event_type.id
    finally:
        container.close()


def timed(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, headers={"cal-api-version": "2024-09-04"})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or not response.json()["data"]:
        raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:300]}")
    return elapsed


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def slots_url(base: str, event_type_id: int, first: datetime, extra: str = "") -> str:
    last = first + timedelta(days=DAYS)
    return (
        f"{base}/v2/slots?eventTypeId={event_type_id}&start={first:%Y-%m-%d}"
        f"&end={last:%Y-%m-%d}&timeZone=America/New_York{extra}"
    )


def main() -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today + timedelta(days=1)
    results: dict[str, Any] = {
        "benchmark": "bench_calendar_slots",
        "python": platform.python_version(),
        "events": {"single": SINGLE, "weekly_series": SERIES, "days": DAYS},
    }
    with tempfile.TemporaryDirectory() as folder:
        dav = Radicale(Path(folder))
        dav.start()
        try:
            put_events(dav, first_day)
            client_read = NetworkCalendarClient(timeout=5)
            access = CalendarAccess(
                ConnectionKind.CALDAV, dav.url, f"{dav.url}bench/work/", "bench", "x"
            )
            window = Interval(first_day, first_day + timedelta(days=DAYS))
            reads = []
            for _ in range(5):
                started = time.perf_counter()
                busy = client_read.busy(access, window, "America/New_York")
                reads.append((time.perf_counter() - started) * 1000)
            results["caldav_read_ms"] = round(statistics.median(reads), 1)
            results["busy_intervals"] = len(busy)
            with sqlite_database() as url:
                event_type_id = seed(url, dav)
                env = {
                    "CALENDULA_CALENDAR_ALLOW_PRIVATE_TARGETS": "true",
                    "CALENDULA_SECRET_KEY": SECRET_KEY,
                }
                with server(url, env=env) as (base, _pid), httpx.Client(timeout=30) as client:
                    cold = [
                        timed(client, slots_url(base, event_type_id, first_day + timedelta(n)))
                        for n in range(COLD)
                    ]
                    results["cold"] = summary(cold)
                    fixed = slots_url(base, event_type_id, first_day)
                    timed(client, fixed)
                    results["cached"] = summary([timed(client, fixed) for _ in range(REPEATS)])
                    misses = [
                        timed(client, fixed + f"&bookingUidToReschedule=bench{n}")
                        for n in range(REPEATS // 4)
                    ]
                    results["busy_cached_slots_uncached"] = summary(misses)
        finally:
            dav.stop()
    results["target_cached_p50_ms"] = 5
    results["cached_ok"] = results["cached"]["p50_ms"] <= 5
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
