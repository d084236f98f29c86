"""Webhook delivery benchmark: `calendula worker` processes sending to a fast local receiver.

Prints one JSON object. Run as `.venv/bin/python bench/bench_webhooks.py [throughput]
[latency]`; with `CALENDULA_BENCH_DATABASE_URL` set to a PostgreSQL server (e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`) the runs are repeated on temporary
databases there, the throughput run with 1 and 2 workers.

Receiver: tests/receiver.py in its own process on loopback (a threaded http.server answering
200 at once and appending `{id, at, body}` per request to a file).
- throughput: `MESSAGES` BOOKING_CREATED outbox events (the payload of a real booking) are
  written in one transaction, then the workers start; reported: messages per second between
  the first and the last receipt, and from the workers' start to the last receipt (startup
  included), and every outbox job the workers finished (each booking event also makes
  confirmation emails, written to a folder without SMTP). Target (issue): >= 500 webhook
  deliveries/s with one worker. Run twice: webhooks only (`CALENDULA_NOTIFICATIONS_ENABLED=
  false`, what the target is about) and with the default emails beside them.
- latency (emails on, the default): bookings are made through the services at `RATE` per
  second for `SECONDS` seconds while one worker runs; for each, commit-to-receipt = receipt
  time - the moment `create` returned (it returns right after the commit). Target: p50 <=
  50 ms, p99 <= 250 ms.
Every message must arrive: `lost` must be 0 (each booking uid is looked up among receipts).
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from _server import CALENDULA, ROOT, free_port, postgres_database, sqlite_database
from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.domain.event_types import EventType
from calendula.domain.outbox import OutboxEvent
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours
from calendula.services.booking import NewBooking
from calendula.services.webhooks import NewWebhook
from calendula.settings import Settings
from calendula.storage.tables import OutboxEventRow, OutboxJobRow

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "3000"))
RATE = 50
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
SECRET_KEY = secrets.token_urlsafe(48)


@contextmanager
def receiver() -> Iterator[tuple[str, Path]]:
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "received.jsonl"
        log.touch()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "receiver.py"), str(port), str(log)]
        )
        try:
            time.sleep(0.5)
            yield f"http://127.0.0.1:{port}/hook", log
        finally:
            process.kill()
            process.wait()


@contextmanager
def workers(database_url: str, count: int, notifications: bool = True) -> Iterator[float]:
    env = {
        "CALENDULA_NOTIFICATIONS_ENABLED": "true" if notifications else "false",
        **os.environ,
        "CALENDULA_DATABASE_URL": database_url,
        "CALENDULA_ENVIRONMENT": "production",
        "CALENDULA_SECRET_KEY": SECRET_KEY,
        "CALENDULA_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "CALENDULA_LOG_LEVEL": "warning",
    }
    with tempfile.TemporaryDirectory() as folder:
        started = time.time()
        processes = [
            subprocess.Popen([str(CALENDULA), "worker"], env=env, cwd=folder) for _ in range(count)
        ]
        try:
            yield started
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)


def container_for(database_url: str) -> bootstrap.Container:
    settings = Settings(
        database_url=database_url,
        environment="production",
        secret_key=SECRET_KEY,
        webhook_allow_private_targets=True,
    )
    bootstrap.migrate(settings)
    return bootstrap.build(settings)


def seed(container: bootstrap.Container, url: str) -> int:
    """A host open around the clock with a 15-minute event type and a webhook to `url`."""
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
    quick = EventType(None, user.id, "quick", "Quick", 15, schedule_id=schedule.id)
    event_type = container.event_types.create(user.id, quick)
    assert event_type.id is not None
    container.webhooks.create(
        user.id, NewWebhook(subscriber_url=url, triggers=["BOOKING_CREATED"], secret="s")
    )
    return event_type.id


def first_slot() -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=2), clock_time(), UTC)


def book(container: bootstrap.Container, event_type_id: int, start: datetime, n: int) -> str:
    attendee = Attendee(f"Guest {n}", f"guest{n}@example.com", "UTC")
    request = NewBooking(start=start, attendee=attendee, event_type_id=event_type_id)
    return container.bookings.create(request).uid


def receipts(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def wait_delivered(container: bootstrap.Container, expected: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        with container.uow_factory() as uow:
            session = uow.session  # type: ignore[attr-defined]
            waiting = session.scalar(
                select(func.count()).where(OutboxEventRow.fanned_out_at.is_(None))
            )
            delivered = session.scalar(
                select(func.count()).where(
                    OutboxJobRow.kind == "webhook", OutboxJobRow.status == "delivered"
                )
            )
        if (not waiting and delivered >= expected) or time.monotonic() > deadline:
            return int(delivered or 0)
        time.sleep(0.05)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def throughput(database_url: str, count: int, notifications: bool = True) -> dict[str, Any]:
    container = container_for(database_url)
    try:
        with receiver() as (url, log):
            event_type_id = seed(container, url)
            uid = book(container, event_type_id, first_slot() - timedelta(days=1), -1)
            wait_uid = uid
            with container.uow_factory() as uow:
                (event,) = [e for e in uow.outbox.pending_events(10) if e.booking_uid == wait_uid]
            now = datetime.now(UTC)
            with container.uow_factory(write=True) as uow:
                for i in range(MESSAGES - 1):
                    payload = {**event.data["payload"], "uid": f"bench-{i}"}
                    uow.outbox.add_event(
                        OutboxEvent(
                            topic="BOOKING_CREATED",
                            created_at=now,
                            owner_id=event.owner_id,
                            booking_uid=f"bench-{i}",
                            event_type_id=event.event_type_id,
                            data={"payload": payload},
                        )
                    )
                uow.commit()
            with workers(database_url, count, notifications) as started:
                delivered = wait_delivered(container, MESSAGES, timeout=300)
                finished = time.time()
            got = receipts(log)
            jobs = jobs_by_kind(container)
    finally:
        container.close()
    times = sorted(r["at"] for r in got)
    span = times[-1] - times[0]
    return {
        "workers": count,
        "notifications": notifications,
        "messages": MESSAGES,
        "delivered": delivered,
        "received": len(got),
        "distinct_ids": len({r["id"] for r in got}),
        "deliveries_per_s": round((len(times) - 1) / span, 1) if span else None,
        "deliveries_per_s_incl_startup": round(len(times) / (times[-1] - started), 1),
        "outbox_jobs_by_kind": jobs,
        "outbox_jobs_per_s_incl_startup": round(sum(jobs.values()) / (finished - started), 1),
    }


def jobs_by_kind(container: bootstrap.Container) -> dict[str, int]:
    """Every job the workers finished, by kind: emails go out beside the webhooks."""
    with container.uow_factory() as uow:
        session = uow.session  # type: ignore[attr-defined]
        rows = session.execute(
            select(OutboxJobRow.kind, func.count()).group_by(OutboxJobRow.kind)
        ).all()
    return {kind: int(count) for kind, count in rows}


def latency(database_url: str, notifications: bool = True) -> dict[str, Any]:
    container = container_for(database_url)
    try:
        with receiver() as (url, log):
            event_type_id = seed(container, url)
            start = first_slot()
            committed: dict[str, float] = {}
            with workers(database_url, 1, notifications):
                time.sleep(2)  # the worker is up
                began = time.monotonic()
                for n in range(RATE * SECONDS):
                    pause = began + n / RATE - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    uid = book(container, event_type_id, start + timedelta(minutes=15 * n), n)
                    committed[uid] = time.time()
                achieved = len(committed) / (time.monotonic() - began)
                wait_delivered(container, len(committed), timeout=120)
            got = receipts(log)
    finally:
        container.close()
    first: dict[str, float] = {}
    for r in got:
        uid = json.loads(r["body"])["payload"]["uid"]
        first[uid] = min(r["at"], first.get(uid, r["at"]))
    millis = [(first[u] - t) * 1000 for u, t in committed.items() if u in first]
    return {
        "notifications": notifications,
        "bookings": len(committed),
        "bookings_per_s": round(achieved, 1),
        "lost": len(committed) - len(millis),
        "p50_ms": round(percentile(millis, 0.50), 1),
        "p90_ms": round(percentile(millis, 0.90), 1),
        "p99_ms": round(percentile(millis, 0.99), 1),
        "max_ms": round(max(millis), 1),
    }


def main() -> None:
    wanted = set(sys.argv[1:]) or {"throughput", "latency"}
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    postgres = os.environ.get("CALENDULA_BENCH_DATABASE_URL")
    if "throughput" in wanted:
        for notifications, label in ((False, "webhooks_only"), (True, "with_emails")):
            with sqlite_database() as url:
                results[f"throughput_sqlite_{label}"] = throughput(url, 1, notifications)
            if postgres:
                for count in (1, 2):
                    with postgres_database(postgres) as url:
                        key = f"throughput_postgresql_{count}_workers_{label}"
                        results[key] = throughput(url, count, notifications)
    if "latency" in wanted:
        with sqlite_database() as url:
            results["latency_sqlite_with_emails"] = latency(url)
        if postgres:
            with postgres_database(postgres) as url:
                results["latency_postgresql_with_emails"] = latency(url)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
