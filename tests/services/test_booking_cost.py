"""What the booking hot path costs, held in place: the statements a warm booking runs, and
the email fan-out reading what the booking's own transaction recorded instead of reading the
booking again (docs/storage.md, "The booking path's statements"; docs/performance.md)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.domain.outbox import OutboxEvent
from calendula.services.booking import NewBooking
from calendula.services.notifications import NotificationFanout
from factories import make_host

GUEST = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="Europe/London")


def statements_of(container: bootstrap.Container, request: NewBooking) -> list[str]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        container.bookings.create(request)
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    return seen


def test_a_warm_booking_runs_ten_statements_and_no_savepoint(container, clock):
    host = make_host(container)
    first = clock.now().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=1)
    assert host.event_type.id is not None
    request = NewBooking(start=first, attendee=GUEST, event_type_id=host.event_type.id)
    statements_of(container, request)  # the first also reads the owner and its calendars
    moved = dataclasses.replace(request, start=first + timedelta(minutes=30))
    seen = statements_of(container, moved)
    sqlite = container.engine.dialect.name == "sqlite"
    # PostgreSQL: event type, owner, busy claims, schedule + hours, overrides, booking, hosts,
    # attendees, claims, outbox event. SQLite adds BEGIN IMMEDIATE and the overlap check.
    assert len(seen) == (12 if sqlite else 10), seen
    assert not any("SAVEPOINT" in s.upper() for s in seen)
    assert not any(s.upper().startswith("DELETE") for s in seen)  # no purge of expired holds
    assert not any("NOTIFY" in s.upper() for s in seen)  # the trigger notifies (PostgreSQL)


def pending(container: bootstrap.Container) -> list[OutboxEvent]:
    with container.uow_factory() as uow:
        return uow.outbox.pending_events(10)


def comparable(jobs: list[Any]) -> list[Any]:
    return [dataclasses.replace(job, message_id="") for job in jobs]


def test_the_email_fan_out_gives_the_same_jobs_with_or_without_the_recorded_facts(container, clock):
    host = make_host(container)
    start = clock.now().replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=1)
    assert host.event_type.id is not None
    container.bookings.create(
        NewBooking(
            start=start,
            attendee=GUEST,
            event_type_id=host.event_type.id,
            guests=("lin@example.com",),
        )
    )
    (recorded,) = pending(container)
    brand = host.user.brand_color
    assert recorded.data["mail"] == {"brandColor": brand, "guests": ["lin@example.com"], "chain": 0}
    older = dataclasses.replace(recorded, data={"payload": recorded.data["payload"]})
    fanout = NotificationFanout("http://localhost:8000", container.settings.secret_key)
    with container.uow_factory() as uow:
        with_facts = fanout.jobs_for(uow, recorded, clock.now())
        read_again = fanout.jobs_for(
            uow, older, clock.now()
        )  # an event recorded before the facts were
    assert len(with_facts) == 3  # attendee, guest and host
    assert comparable(with_facts) == comparable(read_again)
