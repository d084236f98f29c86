"""Crash safety of webhook delivery: 1,000 bookings while `calendula worker` processes are
killed with SIGKILL at random moments (at least 10 times) and restarted. Every booking's
BOOKING_CREATED reaches the receiver at least once, duplicates share their `webhook-id`, and
every message ends up delivered. PostgreSQL with 2 workers, SQLite with 1."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.services.availability import SlotQuery
from calendula.services.booking import NewBooking
from calendula.services.webhooks import NewWebhook
from calendula.settings import Settings
from calendula.storage.tables import OutboxEventRow, OutboxJobRow
from factories import make_host
from receiver import Receiver

BOOKINGS = 1000
KILLS = 10
SECRET_KEY = "crash-test-" + "k" * 40
CALENDULA = Path(sys.executable).with_name("calendula")

pytestmark = pytest.mark.slow


def worker_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CALENDULA_DATABASE_URL": database_url,
        "CALENDULA_ENVIRONMENT": "test",
        "CALENDULA_SECRET_KEY": SECRET_KEY,
        "CALENDULA_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "CALENDULA_WEBHOOK_TIMEOUT_SECONDS": "1",
        "CALENDULA_OUTBOX_LEASE_SECONDS": "3",
        "CALENDULA_LOG_LEVEL": "error",
    }


class Workers:
    """`count` worker processes, killed and restarted on demand."""

    def __init__(self, count: int, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.processes = [self._start() for _ in range(count)]
        self.kills = 0

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [str(CALENDULA), "worker"],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.processes))
        victim = self.processes[index]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        self.kills += 1
        self.processes[index] = self._start()

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


def free_slots(container, host, count: int) -> list[datetime]:
    now = datetime.now(UTC)
    query = SlotQuery(event_type_id=host.event_type.id, start=now, end=now + timedelta(days=90))
    _, slots = container.availability.find_slots(query)
    starts = [slot.start for slot in slots]
    assert len(starts) >= count
    return starts[:count]


def test_killing_workers_loses_no_event(database_url: str, tmp_path: Path) -> None:
    workers_count = 2 if database_url.startswith("postgresql") else 1
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=SECRET_KEY,
        rate_limit_per_minute=0,
        webhook_allow_private_targets=True,
    )
    container = bootstrap.build(settings)
    rng = random.Random(20261121)
    with Receiver() as receiver:
        try:
            host = make_host(container, length_minutes=15)
            assert host.user.id is not None
            container.webhooks.create(
                host.user.id,
                NewWebhook(subscriber_url=receiver.url(), triggers=["BOOKING_CREATED"]),
            )
            starts = free_slots(container, host, BOOKINGS)
            uids: list[str] = []

            def book_all() -> None:
                for i, start in enumerate(starts):
                    attendee = Attendee(
                        name=f"Guest {i}", email=f"guest{i}@example.com", time_zone="UTC"
                    )
                    booking = container.bookings.create(
                        NewBooking(start=start, attendee=attendee, event_type_id=host.event_type.id)
                    )
                    uids.append(booking.uid)

            workers = Workers(workers_count, worker_env(database_url), tmp_path)
            booker = threading.Thread(target=book_all)
            try:
                booker.start()
                while booker.is_alive() or workers.kills < KILLS:
                    time.sleep(rng.uniform(0.5, 2.0))
                    workers.kill_one(rng)
                booker.join()
                delivered = wait_until_all_delivered(container, timeout=120)
            finally:
                workers.stop()
        finally:
            container.close()

    assert workers.kills >= KILLS
    assert len(uids) == BOOKINGS
    assert delivered == BOOKINGS
    ids_by_uid: dict[str, set[str]] = defaultdict(set)
    for message in receiver.received:
        ids_by_uid[message.json()["payload"]["uid"]].add(message.headers["webhook-id"])
    assert set(ids_by_uid) == set(uids)  # every booking's event arrived at least once
    assert all(len(ids) == 1 for ids in ids_by_uid.values())  # duplicates share the id


def wait_until_all_delivered(container, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        with container.uow_factory() as uow:
            session = uow.session
            waiting = session.scalar(
                select(func.count()).where(OutboxEventRow.fanned_out_at.is_(None))
            )
            undone = session.scalar(
                select(func.count()).where(
                    OutboxJobRow.kind == "webhook", OutboxJobRow.status != "delivered"
                )
            )
            delivered = session.scalar(
                select(func.count()).where(
                    OutboxJobRow.kind == "webhook", OutboxJobRow.status == "delivered"
                )
            )
        if not waiting and not undone:
            return int(delivered or 0)
        if time.monotonic() > deadline:
            raise AssertionError(f"{waiting} events not fanned out, {undone} messages not sent")
        time.sleep(0.5)
