"""Confirming or declining a pending recurring series (Cal.com's confirm handler: a booking
with a `recurringEventId` confirms, or rejects, every occurrence still awaiting confirmation):
one transaction, one outbox event per occurrence. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from calendula.domain.bookings import Attendee, Booking, BookingStatus
from calendula.domain.errors import InvalidState, NotFound
from calendula.domain.event_types import ConfirmationPolicy, EventType
from calendula.domain.recurrence import Frequency, Recurrence
from calendula.services.booking import NewBooking
from calendula.storage.tables import OutboxEventRow
from factories import make_host

TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York (EST)
NEW_YORKER = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="America/New_York")
PENDING, ACCEPTED = BookingStatus.PENDING, BookingStatus.ACCEPTED
CANCELLED, REJECTED = BookingStatus.CANCELLED, BookingStatus.REJECTED


@pytest.fixture
def pending_series(container, host) -> list[Booking]:
    """Four weekly occurrences of the host's event type that needs confirmation."""
    event_type = EventType(
        id=None, owner_id=host.user.id, slug="asks", title="Weekly", length_minutes=30,
        recurrence=Recurrence(Frequency.WEEKLY, 1, 4), confirmation=ConfirmationPolicy(),
    )  # fmt: skip
    event_type = container.event_types.create(host.user.id, event_type)
    request = NewBooking(start=TUESDAY_10, attendee=NEW_YORKER, event_type_id=event_type.id)
    views = container.bookings.book_series(request)
    assert [v.booking.status for v in views] == [PENDING] * 4
    return [v.booking for v in views]


def events_since(container, first: int) -> list[Any]:
    row = OutboxEventRow
    query = select(row.topic, row.booking_uid, row.data).where(row.id > first).order_by(row.id)
    with container.uow_factory() as uow:
        return list(uow.session.execute(query).all())


def last_event_id(container) -> int:
    with container.uow_factory() as uow:
        return uow.session.scalar(select(OutboxEventRow.id).order_by(OutboxEventRow.id.desc())) or 0


def statuses(container, series: list[Booking]) -> list[BookingStatus]:
    return [container.bookings.get(b.uid).status for b in series]


def test_confirming_one_occurrence_confirms_the_whole_pending_series(
    container, host, pending_series
):
    before = last_event_id(container)
    confirmed = container.bookings.confirm(pending_series[1].uid, actor_id=host.user.id)
    assert confirmed.uid == pending_series[1].uid and confirmed.status is ACCEPTED
    assert statuses(container, pending_series) == [ACCEPTED] * 4
    events = events_since(container, before)
    assert [e.topic for e in events] == ["BOOKING_CREATED"] * 4
    assert [e.booking_uid for e in events] == [b.uid for b in pending_series]
    assert {e.data["payload"]["status"] for e in events} == {"ACCEPTED"}


def test_declining_one_occurrence_rejects_the_whole_series_with_the_reason(
    container, host, pending_series
):
    before = last_event_id(container)
    declined = container.bookings.decline(
        pending_series[0].uid, actor_id=host.user.id, reason="Away that month"
    )
    assert declined.status is REJECTED and declined.rejection_reason == "Away that month"
    stored = [container.bookings.get(b.uid) for b in pending_series]
    assert [b.status for b in stored] == [REJECTED] * 4
    assert {b.rejection_reason for b in stored} == {"Away that month"}
    events = events_since(container, before)
    assert [e.topic for e in events] == ["BOOKING_REJECTED"] * 4
    assert [e.booking_uid for e in events] == [b.uid for b in pending_series]


def test_a_cancelled_or_ended_occurrence_is_left_as_it_is(container, host, clock, pending_series):
    container.bookings.cancel(pending_series[2].uid)  # the attendee cancels one occurrence
    clock.current = pending_series[0].end + timedelta(minutes=1)  # the first one has ended
    before = last_event_id(container)
    container.bookings.confirm(pending_series[3].uid, actor_id=host.user.id)
    assert statuses(container, pending_series) == [PENDING, ACCEPTED, CANCELLED, ACCEPTED]
    events = events_since(container, before)
    assert [e.booking_uid for e in events] == [pending_series[1].uid, pending_series[3].uid]


def test_an_occurrence_no_longer_pending_is_refused_and_nothing_changes(
    container, host, pending_series
):
    container.bookings.cancel(pending_series[0].uid)
    before = last_event_id(container)
    with pytest.raises(InvalidState):
        container.bookings.confirm(pending_series[0].uid, actor_id=host.user.id)
    assert statuses(container, pending_series) == [CANCELLED, PENDING, PENDING, PENDING]
    assert events_since(container, before) == []


def test_the_series_uid_confirms_every_waiting_occurrence_and_answers_the_series(
    container, host, pending_series
):
    series_uid = pending_series[0].recurring_booking_uid
    assert series_uid is not None
    before = last_event_id(container)
    answered = container.bookings.confirm_series(series_uid, actor_id=host.user.id)
    assert [b.uid for b in answered] == [b.uid for b in pending_series]
    assert [b.status for b in answered] == [ACCEPTED] * 4
    assert [e.topic for e in events_since(container, before)] == ["BOOKING_CREATED"] * 4
    with pytest.raises(InvalidState, match="none of its occurrences awaits confirmation"):
        container.bookings.confirm_series(series_uid, actor_id=host.user.id)


def test_the_series_uid_declines_every_waiting_occurrence(container, host, pending_series):
    series_uid = pending_series[0].recurring_booking_uid
    assert series_uid is not None
    container.bookings.cancel(pending_series[3].uid)
    before = last_event_id(container)
    answered = container.bookings.decline_series(series_uid, actor_id=host.user.id, reason="No")
    assert [b.uid for b in answered] == [b.uid for b in pending_series]
    assert [b.status for b in answered] == [REJECTED, REJECTED, REJECTED, CANCELLED]
    assert len(events_since(container, before)) == 3


def test_another_users_series_is_not_found_and_stays_pending(container, pending_series):
    eve = make_host(container, "eve").user
    assert eve.id is not None
    series_uid = pending_series[0].recurring_booking_uid
    assert series_uid is not None
    with pytest.raises(NotFound):
        container.bookings.confirm(pending_series[1].uid, actor_id=eve.id)
    with pytest.raises(NotFound):
        container.bookings.decline(pending_series[1].uid, actor_id=eve.id)
    with pytest.raises(NotFound):
        container.bookings.confirm_series(series_uid, actor_id=eve.id)
    with pytest.raises(NotFound):
        container.bookings.decline_series("no-such-series", actor_id=eve.id)
    assert statuses(container, pending_series) == [PENDING] * 4


def test_a_single_pending_booking_is_confirmed_alone(container, host):
    asks = make_host(container, "ida", slug="asks", confirmation=ConfirmationPolicy())
    assert asks.user.id is not None
    first = container.bookings.create(
        NewBooking(start=TUESDAY_10, attendee=NEW_YORKER, event_type_id=asks.event_type.id)
    )
    second = container.bookings.create(
        NewBooking(
            start=TUESDAY_10 + timedelta(hours=1),
            attendee=NEW_YORKER,
            event_type_id=asks.event_type.id,
        )
    )
    container.bookings.confirm(first.uid, actor_id=asks.user.id)
    assert container.bookings.get(first.uid).status is ACCEPTED
    assert container.bookings.get(second.uid).status is PENDING
