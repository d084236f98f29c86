"""HTTP benchmark of GET /v2/slots against a real `calendula serve` process on loopback.

Prints one JSON object. Run as `.venv/bin/python bench/bench_api_slots.py`; needs `wrk`
(Debian/Ubuntu: `apt-get install -y wrk`). With `CALENDULA_BENCH_DATABASE_URL` set to a
PostgreSQL server (e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`), the same runs
are repeated on a temporary database created there (and dropped afterwards).

Server: `calendula serve` in a subprocess with production settings (environment=production, one
worker, log level info, no access log) on a free loopback port; rate limiting is turned off
(`CALENDULA_RATE_LIMIT_PER_MINUTE=0`), since its default of 120 requests per minute per client
would answer most requests with 429.
Data (written through the services before the server starts): a host in America/New_York,
Monday-Friday 09:00-17:00, a 30-minute event type on a 15-minute grid, and 300 accepted bookings
of 15-90 minutes at random 5-minute starts, day and night, over the 31 days measured (made on a
second event type of the same host whose schedule is open around the clock). Fixed seed.

Runs (each bounded by wrk's duration; wrk counts non-2xx answers, reported as `non2xx`):
(a) `GET /health`, 1 connection: p50.
(b) `GET /v2/slots` one day, 1 connection: p50 (target <= 2x (a)).
(c) `GET /v2/slots` 31 days, 16 connections: requests/s and p99 (targets >= 1000, <= 30 ms).
(c_uncached) as (c), but each request names a different `bookingUidToReschedule`, so no request
is answered from the slot cache (every one reads the database): the cost of a cache miss.
(d) resident memory (VmRSS) of the server process after (c) and after all runs (target
<= 150 MB, checked on the latter).
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import httpx

from _server import postgres_database, rss_mb, server, sqlite_database, wrk
from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.domain.errors import SlotUnavailable
from calendula.domain.event_types import EventType
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours
from calendula.services.booking import NewBooking
from calendula.settings import Settings

SEED = 20500901
BOOKINGS = 300
DAYS = 31
ZONE = "America/New_York"
SECONDS = 10
LATENCY_SECONDS = 5

UNCACHED_REQUEST = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "&bookingUidToReschedule=bench" .. counter)
end
"""


# -- data --------------------------------------------------------------------------------------


def seed(database_url: str, first_day: datetime) -> dict[str, Any]:
    """The host, its event types and 300 bookings; returns the ids the runs need."""
    settings = Settings(database_url=database_url, environment="test", secret_key="x" * 40)
    bootstrap.migrate(settings)
    container = bootstrap.build(settings)
    try:
        user = container.accounts.create_user("bench", "bench@example.com", time_zone=ZONE)
        assert user.id is not None
        around_the_clock = Schedule(
            ZONE,
            weekly=tuple(
                WeeklyHours(Weekday(d), TimeRange(clock_time(0), clock_time(23, 59)))
                for d in range(7)
            ),
            name="Around the clock",
        )
        always = container.schedules.create(user.id, around_the_clock)
        intro = container.event_types.create(
            user.id, EventType(None, user.id, "intro", "Intro call", 30, slot_interval_minutes=15)
        )
        other = EventType(
            None,
            user.id,
            "other",
            "Other",
            30,
            min_length_minutes=15,
            max_length_minutes=90,
            schedule_id=always.id,
        )
        busy = container.event_types.create(user.id, other)
        made = book_randomly(container, busy.id or 0, first_day)
    finally:
        container.close()
    return {"event_type_id": intro.id, "bookings": made}


def book_randomly(container: bootstrap.Container, event_type_id: int, first_day: datetime) -> int:
    rng = random.Random(SEED)
    made = 0
    for attempt in range(BOOKINGS * 20):
        if made == BOOKINGS:
            break
        start = first_day + timedelta(minutes=5 * rng.randrange(DAYS * 24 * 12))
        request = NewBooking(
            start=start,
            attendee=Attendee(f"Guest {attempt}", f"guest{attempt}@example.com", "UTC"),
            event_type_id=event_type_id,
            length_minutes=rng.choice((15, 30, 60, 90)),
        )
        try:
            container.bookings.create(request)
            made += 1
        except SlotUnavailable:
            continue
    return made


# -- load ------------------------------------------------------------------------------------


def check_answer(url: str) -> int:
    response = httpx.get(url, headers={"cal-api-version": "2024-09-04"}, timeout=30)
    response.raise_for_status()
    return sum(len(items) for items in response.json()["data"].values())


def run(database: str, database_url: str) -> dict[str, Any]:
    first_day = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), clock_time(0), UTC)
    seeded = seed(database_url, first_day)
    weekday = first_day + timedelta(days=(7 - first_day.weekday()) % 7)  # the first Monday
    last_day = first_day + timedelta(days=DAYS - 1)
    query = f"eventTypeId={seeded['event_type_id']}&timeZone={ZONE}"
    one_day = f"/v2/slots?{query}&start={weekday:%Y-%m-%d}&end={weekday:%Y-%m-%d}"
    month = f"/v2/slots?{query}&start={first_day:%Y-%m-%d}&end={last_day:%Y-%m-%d}"
    with server(database_url) as (base, pid):
        slots_one_day = check_answer(base + one_day)
        slots_month = check_answer(base + month)
        for path in ("/health", one_day, month):
            wrk(base + path, 1, 1)  # warm up
        health = wrk(base + "/health", 1, LATENCY_SECONDS)
        day = wrk(base + one_day, 1, LATENCY_SECONDS)
        busy = wrk(base + month, 16, SECONDS)
        memory_after_c = rss_mb(pid)
        uncached = wrk(base + month, 16, SECONDS, UNCACHED_REQUEST)
        memory = rss_mb(pid)
    ratio = round(day["p50_ms"] / health["p50_ms"], 2)
    return {
        "bookings": seeded["bookings"],
        "slots_one_day": slots_one_day,
        "slots_31_days": slots_month,
        "a_health_1_client": health,
        "b_slots_one_day_1_client": day,
        "b_ratio_to_health_p50": ratio,
        "c_slots_31_days_16_clients": busy,
        "c_uncached_slots_31_days_16_clients": uncached,
        "d_server_rss_mb_after_c": memory_after_c,
        "d_server_rss_mb_after_all_runs": memory,
        "targets_met": {
            "b_ratio_le_2": ratio <= 2,
            "c_rps_ge_1000": busy["rps"] >= 1000,
            "c_p99_le_30ms": busy["p99_ms"] <= 30,
            "d_rss_le_150mb": memory <= 150,
            "no_errors": all(r["errors"] == 0 and r["non2xx"] == 0 for r in (health, day, busy)),
        },
    }


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench_api_slots.py needs wrk: apt-get install -y wrk (Debian/Ubuntu)")
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": "calendula serve: production, 1 worker, rate limit off, loopback",
    }
    with sqlite_database() as url:
        results["sqlite"] = run("sqlite", url)
    postgres = os.environ.get("CALENDULA_BENCH_DATABASE_URL")
    if postgres:
        with postgres_database(postgres) as url:
            results["postgresql"] = run("postgresql", url)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
