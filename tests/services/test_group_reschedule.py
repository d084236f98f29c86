"""Moving a dynamic group booking re-checks the new time for every member, their calendars
included (read for all members before the write transaction). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from calendula.domain.bookings import Attendee, BookingStatus
from calendula.domain.errors import SlotUnavailable
from calendula.domain.intervals import Interval
from calendula.services.booking import BookingService, NewBooking
from factories import make_host

TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York (EST)
NOON = TUESDAY_10 + timedelta(hours=2)
GRACE = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="UTC")


class CalendarBusy:
    """A `BusyTimeSource` double: `busy` maps a host id to its calendar's busy intervals."""

    def __init__(self) -> None:
        self.busy: dict[int, list[Interval]] = {}
        self.asked: list[tuple[int, ...]] = []

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        self.asked.append(tuple(host_ids))
        return {h: [i for i in self.busy.get(h, []) if i.overlaps(window)] for h in host_ids}

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        return True


def test_a_members_busy_calendar_refuses_the_new_time(container, clock, host):
    eve = make_host(container, "eve").user
    assert eve.id is not None and host.user.id is not None
    calendars = CalendarBusy()
    service = BookingService(container.uow_factory, clock, calendars)
    booking = service.create(NewBooking(TUESDAY_10, GRACE, usernames=("ada", "eve")))
    calendars.busy[eve.id] = [Interval(NOON, NOON + timedelta(hours=1))]
    calendars.asked.clear()
    with pytest.raises(SlotUnavailable):
        service.reschedule(booking.uid, NOON)
    assert calendars.asked[0] == (host.user.id, eve.id)  # read for both, before the write
    assert service.get(booking.uid).status is BookingStatus.ACCEPTED
    moved = service.reschedule(booking.uid, NOON + timedelta(hours=1))
    assert moved.host_ids == (host.user.id, eve.id)
    assert service.get(booking.uid).rescheduled_to_uid == moved.uid
