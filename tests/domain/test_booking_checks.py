"""check_slot: the booking path's re-check of exactly one requested interval."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from domain_factories import FAR_PAST, event_type, host, span, utc, working_week

from calendula.domain.errors import SeatsFull, SlotUnavailable
from calendula.domain.event_types import (
    BookingWindow,
    EventType,
    PeriodLimits,
    Seats,
    WindowKind,
)
from calendula.domain.intervals import Interval
from calendula.domain.slots import (
    CountedBooking,
    HostCalendar,
    SeatedOccupancy,
    Slot,
    TeamMode,
    check_slot,
)


def wanted(hour: int, minute: int, minutes: int = 30, day: int = 5) -> Interval:
    return span(utc(2050, 9, day, hour, minute), minutes)


def refusal(
    et: EventType,
    hosts: list[HostCalendar],
    interval: Interval,
    now: datetime = FAR_PAST,
    *,
    mode: TeamMode = TeamMode.INDIVIDUAL,
    seated: tuple[SeatedOccupancy, ...] = (),
) -> str:
    with pytest.raises(SlotUnavailable) as error:
        check_slot(et, hosts, interval, now, mode=mode, seated=seated)
    return error.value.message


def test_an_off_grid_22_minute_booking_is_accepted_when_free() -> None:
    slot = check_slot(event_type(), [host()], wanted(10, 5, 22), FAR_PAST)
    assert slot == Slot(utc(2050, 9, 5, 10, 5), utc(2050, 9, 5, 10, 27), (1,))


def test_a_busy_time_is_refused_saying_the_host_is_busy() -> None:
    calendar = host(busy=[span(utc(2050, 9, 5, 10, 20), 30)])
    message = refusal(event_type(), [calendar], wanted(10, 5, 22))
    assert "2050-09-05T10:05:00+00:00 cannot be booked" in message
    assert "host 1 is busy" in message


def test_a_buffer_collision_is_refused() -> None:
    calendar = host(busy=[span(utc(2050, 9, 5, 10, 40), 30)])
    et = event_type(after_buffer_minutes=15)
    assert "busy" in refusal(et, [calendar], wanted(10, 0))


def test_a_time_outside_working_hours_is_refused() -> None:
    message = refusal(event_type(), [host()], wanted(10, 0, day=10))
    assert "outside the working hours of host 1" in message


def test_a_time_in_the_past_is_refused() -> None:
    message = refusal(event_type(), [host()], wanted(10, 0), utc(2050, 9, 6))
    assert "in the past" in message


def test_a_time_within_the_minimum_notice_is_refused() -> None:
    et = event_type(minimum_notice_minutes=120)
    message = refusal(et, [host()], wanted(10, 0), utc(2050, 9, 5, 9))
    assert "120 minutes of notice" in message


def test_a_time_outside_the_booking_window_is_refused() -> None:
    window = BookingWindow(WindowKind.RANGE, start_date=date(2050, 9, 6), end_date=date(2050, 9, 6))
    et = event_type(booking_window=window)
    assert "booking window" in refusal(et, [host()], wanted(10, 0))


def test_a_reached_limit_is_refused_naming_the_limit() -> None:
    et = event_type(booking_limits_duration=PeriodLimits(day=60))
    calendar = host(counted=[CountedBooking(utc(2050, 9, 5, 9), 45)])
    message = refusal(et, [calendar], wanted(13, 0, 22))
    assert "limit of 60 booked minutes per day" in message


def test_a_full_seated_slot_is_refused_as_seats_full() -> None:
    et = event_type(seats=Seats(2))
    taken = SeatedOccupancy(utc(2050, 9, 5, 10), utc(2050, 9, 5, 10, 30), 2, "b-1")
    with pytest.raises(SeatsFull, match="No more seats left"):
        check_slot(et, [host()], wanted(10, 0), FAR_PAST, seated=(taken,))


def test_a_seated_slot_with_room_returns_its_counts() -> None:
    et = event_type(seats=Seats(3))
    taken = SeatedOccupancy(utc(2050, 9, 5, 10), utc(2050, 9, 5, 10, 30), 2, "b-1")
    slot = check_slot(et, [host()], wanted(10, 0), FAR_PAST, seated=(taken,))
    assert (slot.seats_booked, slot.seats_total, slot.booking_uid) == (2, 3, "b-1")


def test_collective_refusal_names_the_busy_host() -> None:
    hosts = [host(host_id=1), host(host_id=2, busy=[span(utc(2050, 9, 5, 10), 60)])]
    message = refusal(event_type(), hosts, wanted(10, 0), mode=TeamMode.COLLECTIVE)
    assert "host 2 is busy" in message


def test_round_robin_returns_every_free_host() -> None:
    hosts = [
        host(host_id=3),
        host(host_id=1, busy=[span(utc(2050, 9, 5, 10), 60)]),
        host(host_id=2),
    ]
    slot = check_slot(event_type(), hosts, wanted(10, 0), FAR_PAST, mode=TeamMode.ROUND_ROBIN)
    assert slot.host_ids == (2, 3)


def test_only_the_first_slot_of_the_day_can_be_booked_when_so_configured() -> None:
    et = event_type(only_first_slot_of_day=True)
    assert check_slot(et, [host()], wanted(9, 0), FAR_PAST).start == utc(2050, 9, 5, 9)
    assert "only the first slot" in refusal(et, [host()], wanted(11, 0))


def test_check_slot_reads_the_window_in_the_first_hosts_zone() -> None:
    schedule = working_week("Pacific/Auckland", "07:00", "10:00")
    window = BookingWindow(WindowKind.RANGE, start_date=date(2050, 9, 6), end_date=date(2050, 9, 6))
    et = event_type(booking_window=window)
    # 2050-09-05 19:00 UTC is 07:00 on Tuesday 6 September in Auckland (NZST, +12:00).
    start = datetime.fromisoformat("2050-09-05T19:00:00+00:00")
    slot = check_slot(
        et, [host(schedule)], Interval(start, start + timedelta(minutes=30)), FAR_PAST
    )
    assert slot.start == start
