"""`BookingService.book_series` against a real database (SQLite, and PostgreSQL when
configured): calendar busy times are read once for the whole series, before the write
transaction, and a busy occurrence refuses the series."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from calendula.domain.bookings import Attendee
from calendula.domain.errors import SlotUnavailable
from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.recurrence import Frequency, Recurrence
from calendula.services.booking import BookingService, NewBooking

TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York (EST)
NEW_YORKER = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="America/New_York")


class RecordingBusy:
    """A `BusyTimeSource` double: `busy` intervals for every host; records each window asked."""

    def __init__(self, busy: Sequence[Interval] = ()) -> None:
        self.busy = list(busy)
        self.asked: list[Interval] = []

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        self.asked.append(window)
        return {h: [i for i in self.busy if i.overlaps(window)] for h in host_ids}

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        return True  # stands for a calendar server: the booking path reads it beforehand


@pytest.fixture
def weekly(container, host) -> EventType:
    rule = Recurrence(Frequency.WEEKLY, 1, 4)
    event_type = EventType(
        id=None, owner_id=host.user.id, slug="weekly", title="Weekly", length_minutes=30,
        recurrence=rule,
    )  # fmt: skip
    return container.event_types.create(host.user.id, event_type)


def test_a_series_reads_calendar_busy_times_once_for_every_occurrence(container, clock, weekly):
    busy = RecordingBusy()
    service = BookingService(container.uow_factory, clock, busy)
    request = NewBooking(start=TUESDAY_10, attendee=NEW_YORKER, event_type_id=weekly.id)
    views = service.book_series(request)
    last = datetime(2026, 3, 24, 14, 30, tzinfo=UTC)  # 10:30 EDT
    assert [v.booking.start for v in views][-1] == last - timedelta(minutes=30)
    assert len(busy.asked) == 1
    assert busy.asked[0].start <= TUESDAY_10 and busy.asked[0].end >= last


def test_a_busy_calendar_on_one_occurrence_refuses_the_series(container, clock, weekly):
    third = datetime(2026, 3, 17, 14, 0, tzinfo=UTC)
    busy = RecordingBusy([Interval(third, third + timedelta(hours=1))])
    service = BookingService(container.uow_factory, clock, busy)
    request = NewBooking(start=TUESDAY_10, attendee=NEW_YORKER, event_type_id=weekly.id)
    with pytest.raises(SlotUnavailable, match="Occurrence 3 of 4"):
        service.book_series(request)
    window = Interval(TUESDAY_10 - timedelta(days=1), TUESDAY_10 + timedelta(days=30))
    with container.uow_factory() as uow:
        assert uow.bookings.list_for_event_type(weekly.id, window, active_only=False) == []


def test_book_on_a_recurring_event_type_books_one_meeting(container, weekly):
    request = NewBooking(start=TUESDAY_10, attendee=NEW_YORKER, event_type_id=weekly.id)
    view = container.bookings.book(request)
    assert view.booking.recurring_booking_uid is None
