"""Seated event types: joinable slots carry seat counts, full ones vanish, others are blocked."""

from __future__ import annotations

from datetime import date, timedelta

from domain_factories import day_request, event_type, host, utc

from calendula.domain.event_types import PeriodLimits, Seats
from calendula.domain.slots import (
    CountedBooking,
    SeatedOccupancy,
    Slot,
    compute_slots,
    group_by_local_date,
)

MONDAY = date(2050, 9, 5)


def seated(hour: int, minute: int, booked: int, uid: str = "b-1") -> SeatedOccupancy:
    start = utc(2050, 9, 5, hour, minute)
    return SeatedOccupancy(start, start + timedelta(minutes=30), booked, uid)


def by_time(slots: list[Slot]) -> dict[str, Slot]:
    return {s.start.strftime("%H:%M"): s for s in slots}


def test_a_seated_booking_with_seats_left_is_offered_with_its_counts() -> None:
    et = event_type(seats=Seats(3))
    slots = by_time(compute_slots(et, [host()], day_request(MONDAY), seated=[seated(10, 0, 2)]))
    joined = slots["10:00"]
    assert (joined.seats_booked, joined.seats_total, joined.booking_uid) == (2, 3, "b-1")
    assert (slots["09:00"].seats_booked, slots["09:00"].seats_total) == (0, 3)
    assert slots["09:00"].booking_uid is None
    assert len(slots) == 16


def test_a_full_seated_booking_is_not_offered() -> None:
    et = event_type(seats=Seats(3))
    slots = by_time(compute_slots(et, [host()], day_request(MONDAY), seated=[seated(10, 0, 3)]))
    assert "10:00" not in slots and "09:30" in slots and "10:30" in slots


def test_a_seated_booking_with_another_start_blocks_overlapping_slots() -> None:
    et = event_type(seats=Seats(3))
    slots = by_time(compute_slots(et, [host()], day_request(MONDAY), seated=[seated(10, 15, 1)]))
    assert "10:00" not in slots and "10:30" not in slots
    assert "09:30" in slots and "11:00" in slots


def test_joining_a_seated_booking_is_not_a_new_booking_for_the_limits() -> None:
    et = event_type(seats=Seats(3), booking_limits_count=PeriodLimits(day=1))
    calendar = host(counted=[CountedBooking(utc(2050, 9, 5, 10), 30)])
    slots = compute_slots(et, [calendar], day_request(MONDAY), seated=[seated(10, 0, 1)])
    assert [s.start.strftime("%H:%M") for s in slots] == ["10:00"]


def test_seat_counts_appear_in_the_output_and_the_uid_only_when_there_is_one() -> None:
    et = event_type(seats=Seats(3))
    slots = compute_slots(et, [host()], day_request(MONDAY), seated=[seated(10, 0, 2)])
    items = {i["start"][11:16]: i for i in group_by_local_date(slots, None)["2050-09-05"]}
    assert items["10:00"] == {
        "start": "2050-09-05T10:00:00.000Z",
        "seatsBooked": 2,
        "seatsRemaining": 1,
        "seatsTotal": 3,
        "bookingUid": "b-1",
    }
    assert items["09:00"] == {
        "start": "2050-09-05T09:00:00.000Z",
        "seatsBooked": 0,
        "seatsRemaining": 3,
        "seatsTotal": 3,
    }


def test_seated_bookings_are_ignored_for_event_types_without_seats() -> None:
    slots = compute_slots(event_type(), [host()], day_request(MONDAY), seated=[seated(10, 0, 1)])
    assert len(slots) == 16 and all(s.seats_total is None for s in slots)
