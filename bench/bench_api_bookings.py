"""HTTP benchmark of POST /v2/bookings against a real `calendula serve` process on loopback.

Prints one JSON object. Run as `.venv/bin/python bench/bench_api_bookings.py`; needs `wrk`
(Debian/Ubuntu: `apt-get install -y wrk`). With `CALENDULA_BENCH_DATABASE_URL` set to a
PostgreSQL server (e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`), the same run is
repeated on temporary databases created there (and dropped afterwards), with 1 and 2 workers.

Server: `calendula serve` with production settings (bench/_server.py), rate limiting off.
Data (written through the services before the server starts): a host whose schedule is open
around the clock (UTC) and a 15-minute event type on it, no notice, no limits, no buffers.
Load: wrk, 16 connections, `SECONDS` seconds; a Lua script hands every request the next free
15-minute start (distinct per request, never a conflict) with `cal-api-version: 2024-08-13` and
a new attendee. Every answer should be a 201: wrk's `non2xx` and `errors` must stay 0.
Afterwards the database is checked: bookings stored = requests answered (at most the in-flight
ones more), and no host has two overlapping claims.

Also reported: the server's CPU time per booking (all its processes, from /proc), and the SQL
statements one booking runs in process before the server starts (`BookingService.book`, what
the route calls: the booking and the view it renders), counted with an engine listener.
Targets (issue): PostgreSQL >= 300 bookings/s at 16 clients with p99 <= 50 ms.

Runs: `sqlite`, `postgresql` (1 server process) and `postgresql_2_workers` use the production
defaults, where the server also runs the outbox (webhooks, the two confirmation emails with
their invites) in its own threads. `postgresql_separate_worker` is the scale-out layout:
`CALENDULA_OUTBOX_INLINE=false` on the server and one `calendula worker` process beside it on
the same machine; it reports the worker's CPU too and the outbox work still waiting when the
load stops (events not fanned out, jobs not finished), so a worker that fell behind shows.
`postgresql_2_workers_outbox_off` is the request path alone: two server processes with
`CALENDULA_OUTBOX_INLINE=false` and no worker (the events wait in the outbox), the API's
ceiling on this machine, not a layout to deploy.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from _server import (
    CALENDULA,
    postgres_database,
    rss_mb,
    server,
    sqlite_database,
    tree_cpu_seconds,
    tree_rss_mb,
    wrk,
)
from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.domain.event_types import EventType
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours
from calendula.services.booking import NewBooking
from calendula.settings import Settings

CLIENTS = 16
SECONDS = 10
SLOT_MINUTES = 15
VERSION = "2024-08-13"

BOOKING_REQUEST = """
counter = 0
base = %(base)d
step = %(step)d
event_type_id = %(event_type_id)d
headers = {["Content-Type"] = "application/json", ["cal-api-version"] = "%(version)s"}
request = function()
  local start = os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", base + counter * step)
  local body = string.format(
    '{"start": "%%s", "eventTypeId": %%d, '
    .. '"attendee": {"name": "Guest %%d", "email": "guest%%d@example.com", "timeZone": "UTC"}}',
    start, event_type_id, counter, counter)
  counter = counter + 1
  return wrk.format("POST", "/v2/bookings", headers, body)
end
"""


# -- data --------------------------------------------------------------------------------------


def seed(database_url: str, first_slot: datetime) -> dict[str, Any]:
    """The host and its 15-minute, around-the-clock event type; returns ids and the statement
    counts of the first two bookings (made a day and an hour before `first_slot`, outside the
    slots handed out)."""
    settings = Settings(database_url=database_url, environment="test", secret_key="x" * 40)
    bootstrap.migrate(settings)
    container = bootstrap.build(settings)
    try:
        user = container.accounts.create_user("bench", "bench@example.com", time_zone="UTC")
        assert user.id is not None
        always = Schedule(
            "UTC",
            weekly=tuple(
                WeeklyHours(Weekday(d), TimeRange(clock_time(0), clock_time(0))) for d in range(7)
            ),
            name="Around the clock",
        )
        schedule = container.schedules.create(user.id, always)
        quick = EventType(None, user.id, "quick", "Quick", SLOT_MINUTES, schedule_id=schedule.id)
        event_type = container.event_types.create(user.id, quick)
        assert event_type.id is not None
        # The second booking is counted: the first also reads what the service remembers
        # afterwards (the event type's owner, whether the owner has calendars).
        statements = {
            "first": count_statements(container, event_type.id, first_slot - timedelta(days=1)),
            "next": count_statements(container, event_type.id, first_slot - timedelta(hours=1)),
        }
    finally:
        container.close()
    return {"event_type_id": event_type.id, "statements_per_booking": statements}


def count_statements(container: bootstrap.Container, event_type_id: int, start: datetime) -> int:
    """SQL statements sent through a cursor for one booking and its view (SQLite's explicit
    BEGIN IMMEDIATE is one; psycopg's implicit BEGIN, and COMMIT on both, are not)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    request = NewBooking(
        start=start,
        attendee=Attendee("Counted", "counted@example.com", "UTC"),
        event_type_id=event_type_id,
    )
    event.listen(Engine, "before_cursor_execute", count)
    try:
        container.bookings.book(request)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(seen)


def check_database(database_url: str) -> dict[str, int]:
    """Bookings stored and overlapping claims of one host (must be 0)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            stored = connection.scalar(text("SELECT count(*) FROM bookings")) or 0
            overlaps = connection.scalar(
                text(
                    "SELECT count(*) FROM time_blocks a JOIN time_blocks b "
                    "ON a.host_id = b.host_id AND a.id < b.id "
                    "AND a.start_at < b.end_at AND b.start_at < a.end_at"
                )
            )
    finally:
        engine.dispose()
    return {"bookings_stored": stored, "overlapping_claims": overlaps or 0}


# -- runs --------------------------------------------------------------------------------------


@contextmanager
def outbox_worker(database_url: str) -> Iterator[int]:
    """One `calendula worker` process (production settings); yields its pid."""
    env = {
        **os.environ,
        "CALENDULA_DATABASE_URL": database_url,
        "CALENDULA_ENVIRONMENT": "production",
        "CALENDULA_SECRET_KEY": "w" * 48,
        "CALENDULA_LOG_LEVEL": "warning",
    }
    with tempfile.TemporaryDirectory() as folder:
        # Its banner goes to stderr: this bench's stdout is its one JSON object.
        process = subprocess.Popen(
            [str(CALENDULA), "worker"], env=env, cwd=folder, stdout=sys.stderr
        )
        try:
            yield process.pid
        finally:
            process.terminate()
            process.wait(timeout=30)


def outbox_backlog(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            events = connection.scalar(
                text("SELECT count(*) FROM outbox_events WHERE fanned_out_at IS NULL")
            )
            jobs = connection.scalar(
                text(
                    "SELECT count(*) FROM outbox_jobs WHERE status IN ('pending', 'running') "
                    "AND due_at <= CURRENT_TIMESTAMP"
                )
            )
    finally:
        engine.dispose()
    return {"events_not_fanned_out": events or 0, "jobs_waiting": jobs or 0}


def run(
    database_url: str,
    workers: int = 1,
    *,
    separate_worker: bool = False,
    outbox_off: bool = False,
) -> dict[str, Any]:
    first_slot = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), clock_time(), UTC)
    seeded = seed(database_url, first_slot)
    script = BOOKING_REQUEST % {
        "base": int(first_slot.timestamp()),
        "step": SLOT_MINUTES * 60,
        "event_type_id": seeded["event_type_id"],
        "version": VERSION,
    }
    env = {"CALENDULA_OUTBOX_INLINE": "false"} if separate_worker or outbox_off else None
    extra: dict[str, Any] = {}
    side = outbox_worker(database_url) if separate_worker else _nothing()
    with server(database_url, workers=workers, env=env) as (base, pid), side as worker_pid:
        cpu = tree_cpu_seconds(pid)
        worker_cpu = tree_cpu_seconds(worker_pid) if worker_pid else 0.0
        load = wrk(base + "/v2/bookings", CLIENTS, SECONDS, script, headers=())
        cpu = tree_cpu_seconds(pid) - cpu
        if worker_pid:
            worker_cpu = tree_cpu_seconds(worker_pid) - worker_cpu
            extra = {"outbox_backlog_at_end": outbox_backlog(database_url)}
        memory = rss_mb(pid) if workers == 1 else tree_rss_mb(pid)
    checked = check_database(database_url)
    ok = load["requests"] - load["non2xx"]
    if separate_worker:
        extra["worker_cpu_ms_per_booking"] = round(worker_cpu / max(ok, 1) * 1000, 2)
    return {
        "workers": workers,
        "clients": CLIENTS,
        "bookings_per_s": round(ok / load["seconds"], 1),
        "wrk": load,
        "server_cpu_ms_per_booking": round(cpu / max(ok, 1) * 1000, 2),
        **extra,
        "statements_per_booking": seeded["statements_per_booking"],
        "server_rss_mb_after": memory,
        **checked,
        "stored_matches_answers": 0 <= checked["bookings_stored"] - 2 - ok <= CLIENTS,
    }


@contextmanager
def _nothing() -> Iterator[int]:
    yield 0


def targets(result: dict[str, Any]) -> dict[str, bool]:
    return {
        "bookings_per_s_ge_300": result["bookings_per_s"] >= 300,
        "p99_le_50ms": result["wrk"]["p99_ms"] <= 50,
        "no_errors": result["wrk"]["errors"] == 0 and result["wrk"]["non2xx"] == 0,
        "no_overlaps": result["overlapping_claims"] == 0,
    }


def main() -> None:
    """Runs every layout (the keys below), or those named as arguments."""
    if shutil.which("wrk") is None:
        sys.exit("bench_api_bookings.py needs wrk: apt-get install -y wrk (Debian/Ubuntu)")
    wanted = set(sys.argv[1:]) or {
        "sqlite",
        "postgresql",
        "postgresql_2_workers",
        "postgresql_separate_worker",
        "postgresql_2_workers_outbox_off",
    }
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": "calendula serve: production, rate limit off, loopback",
    }
    if "sqlite" in wanted:
        with sqlite_database() as url:
            results["sqlite"] = run(url)
    postgres = os.environ.get("CALENDULA_BENCH_DATABASE_URL")
    for key, workers in (("postgresql", 1), ("postgresql_2_workers", 2)):
        if postgres and key in wanted:
            with postgres_database(postgres) as url:
                results[key] = run(url, workers)
    if postgres and "postgresql_separate_worker" in wanted:
        with postgres_database(postgres) as url:
            results["postgresql_separate_worker"] = run(url, separate_worker=True)
    if postgres and "postgresql_2_workers_outbox_off" in wanted:
        with postgres_database(postgres) as url:
            results["postgresql_2_workers_outbox_off"] = run(url, 2, outbox_off=True)
    for result in results.values():
        if "wrk" in result:
            result["targets_met"] = targets(result)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
