"""In-process benchmark of the slot read path's database work (no HTTP, no slot cache).

Prints one JSON object with milliseconds (median and p90 over `RUNS` runs). Run as
`.venv/bin/python bench/bench_busy_read.py`; with `CALENDULA_BENCH_DATABASE_URL` set to a
PostgreSQL server the same is measured on a temporary database there (dropped afterwards).

Data: bench_api_slots.py's (a New York host, 300 bookings over 31 days). Measured:
- `find_slots_31_days_uncached`: `AvailabilityService.find_slots` for the 31 days with the cache
  off (`cache_seconds=0`): one read unit of work, gather, compute.
- `gather_snapshot_31_days`: only the gathering (event type and host already loaded).
- `busy_read_*`: the busy-time read alone over the gathered span: `list_blocking` +
  `list_active` (ORM entities), and `busy_for` (one Core select) when storage has it.
- `recheck_one_interval`: `gather_calendars` for one 30-minute interval, as the booking path's
  re-check does inside its write transaction (here in a read unit of work).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from _server import postgres_database, sqlite_database
from bench_api_slots import DAYS, seed
from calendula import bootstrap
from calendula.domain.intervals import Interval
from calendula.services import availability
from calendula.services.availability import AvailabilityService, NoCalendars, SlotQuery
from calendula.settings import Settings

RUNS = 200


def timed(work: Callable[[], object], runs: int = RUNS) -> dict[str, float]:
    for _ in range(5):
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p90_ms": round(samples[int(len(samples) * 0.9)], 3),
    }


def run(database_url: str) -> dict[str, Any]:
    first_day = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), clock_time(0), UTC)
    seeded = seed(database_url, first_day)
    settings = Settings(database_url=database_url, environment="test", secret_key="x" * 40)
    container = bootstrap.build(settings)
    try:
        return measure(container, seeded, first_day)
    finally:
        container.close()


def measure(
    container: bootstrap.Container, seeded: dict[str, Any], first_day: datetime
) -> dict[str, Any]:
    uncached = AvailabilityService(
        container.uow_factory, container.clock, NoCalendars(), cache_seconds=0
    )
    month = Interval(first_day, first_day + timedelta(days=DAYS))
    query = SlotQuery(event_type_id=seeded["event_type_id"], start=month.start, end=month.end)
    results: dict[str, Any] = {"bookings": seeded["bookings"]}
    results["slots_31_days"] = len(uncached.find_slots(query)[1])
    results["find_slots_31_days_uncached"] = timed(lambda: uncached.find_slots(query))
    now = container.clock.now()
    with container.uow_factory() as uow:
        event_type = availability.load_event_type(uow, query)
        owner = uow.users.get(event_type.owner_id)
        assert owner is not None and owner.id is not None
        hosts, span = [owner.id], month.widen(timedelta(days=1), timedelta(days=1))
        results["gather_snapshot_31_days"] = timed(
            lambda: availability.gather_snapshot(
                uow, event_type, [owner], month, now, NoCalendars()
            )
        )
        results["busy_read_orm_list_blocking_and_list_active"] = timed(
            lambda: (
                uow.bookings.list_blocking(hosts, span),
                uow.holds.list_active(hosts, span, now),
            )
        )
        busy_for = getattr(uow.bookings, "busy_for", None)
        if busy_for is not None:
            results["busy_read_core_busy_for"] = timed(lambda: busy_for(hosts, span, now))
        start = month.start + timedelta(days=10, hours=14)
        wanted = Interval(start, start + timedelta(minutes=30))
        results["recheck_one_interval"] = timed(
            lambda: availability.gather_calendars(uow, event_type, wanted, now, NoCalendars())
        )
    return results


def main() -> None:
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    with sqlite_database() as url:
        results["sqlite"] = run(url)
    postgres = os.environ.get("CALENDULA_BENCH_DATABASE_URL")
    if postgres:
        with postgres_database(postgres) as url:
            results["postgresql"] = run(url)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
