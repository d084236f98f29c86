"""Slot rules one by one: notice, windows, limits, first slot of the day, buffers, team modes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from domain_factories import (
    day_request,
    event_type,
    host,
    local,
    span,
    utc,
    working_week,
)

from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import BookingWindow, PeriodLimits, WindowKind
from calendula.domain.slots import (
    CountedBooking,
    HostCalendar,
    Slot,
    SlotRequest,
    TeamMode,
    compute_slots,
)

MONDAY = date(2050, 9, 5)


def starts(slots: list[Slot]) -> list[str]:
    """Slot starts in UTC as `MM-DD HH:MM`."""
    return [s.start.strftime("%m-%d %H:%M") for s in slots]


def days_of(slots: list[Slot]) -> list[str]:
    return sorted({s.start.strftime("%m-%d") for s in slots})


def test_a_plain_day_offers_every_grid_start_that_fits() -> None:
    slots = compute_slots(event_type(), [host()], day_request(MONDAY))
    assert starts(slots)[:2] == ["09-05 09:00", "09-05 09:30"]
    assert starts(slots)[-1] == "09-05 16:30"
    assert len(slots) == 16
    assert all(s.host_ids == (1,) and s.end - s.start == timedelta(minutes=30) for s in slots)


def test_the_slot_interval_sets_the_grid_and_the_request_sets_the_length() -> None:
    slots = compute_slots(
        event_type(slot_interval_minutes=45), [host()], day_request(MONDAY, length=60)
    )
    expected = ["09:00", "09:45", "10:30", "11:15", "12:00", "12:45", "13:30", "14:15", "15:00"]
    assert starts(slots) == [f"09-05 {t}" for t in [*expected, "15:45"]]


def test_minimum_notice_hides_slots_starting_too_soon() -> None:
    now = utc(2050, 9, 5, 10, 10)
    slots = compute_slots(
        event_type(minimum_notice_minutes=60), [host()], day_request(MONDAY, now=now)
    )
    assert starts(slots)[0] == "09-05 11:30"


def test_past_slots_are_never_offered() -> None:
    slots = compute_slots(event_type(), [host()], day_request(MONDAY, now=utc(2050, 9, 5, 16)))
    assert starts(slots) == ["09-05 16:00", "09-05 16:30"]


@pytest.mark.parametrize(
    ("window", "now", "first", "last"),
    [
        pytest.param(
            BookingWindow(WindowKind.CALENDAR_DAYS, days=1, rolling=True),
            utc(2050, 9, 5, 10), "09-05 10:00", "09-06 09:30", id="calendar-days-rolling",
        ),
        pytest.param(
            BookingWindow(WindowKind.CALENDAR_DAYS, days=1, rolling=False),
            utc(2050, 9, 5, 10), "09-05 10:00", "09-05 16:30", id="calendar-days-fixed",
        ),
        pytest.param(
            BookingWindow(WindowKind.BUSINESS_DAYS, days=2, rolling=False),
            utc(2050, 9, 2, 12), "09-02 12:00", "09-05 16:30", id="business-days-fixed",
        ),
        pytest.param(
            BookingWindow(WindowKind.BUSINESS_DAYS, days=1, rolling=True),
            utc(2050, 9, 2, 12), "09-02 12:00", "09-05 11:30", id="business-days-rolling",
        ),
        pytest.param(
            BookingWindow(
                WindowKind.RANGE, start_date=date(2050, 9, 6), end_date=date(2050, 9, 7)
            ),
            utc(2050, 9, 1), "09-06 09:00", "09-07 16:30", id="date-range",
        ),
    ],
)  # fmt: skip
def test_the_booking_window_bounds_the_slots(
    window: BookingWindow, now: datetime, first: str, last: str
) -> None:
    calendar = host(first=date(2050, 9, 1), days=10)
    slots = compute_slots(
        event_type(booking_window=window),
        [calendar],
        day_request(date(2050, 9, 1), days=10, now=now),
    )
    assert starts(slots)[0] == first
    assert starts(slots)[-1] == last


def test_a_window_of_zero_days_offers_nothing() -> None:
    window = BookingWindow(WindowKind.CALENDAR_DAYS, days=0)
    slots = compute_slots(event_type(booking_window=window), [host()], day_request(MONDAY))
    assert slots == []


def test_the_booking_window_uses_the_first_hosts_local_dates() -> None:
    schedule = working_week("America/New_York", "18:00", "23:00")
    window = BookingWindow(WindowKind.RANGE, start_date=MONDAY, end_date=MONDAY)
    slots = compute_slots(
        event_type(booking_window=window),
        [host(schedule)],
        day_request(MONDAY, "America/New_York", days=2),
    )
    assert starts(slots)[0] == "09-05 22:00"
    assert starts(slots)[-1] == "09-06 02:30"  # 22:30 in New York, still Monday there


PERIODS = ("day", "week", "month", "year")


@pytest.mark.parametrize("period", PERIODS)
def test_a_count_limit_blocks_a_period_that_is_full(period: str) -> None:
    counted = [CountedBooking(utc(2050, 9, 5, 8), 30)]
    calendar = host(counted=counted)
    full = event_type(booking_limits_count=PeriodLimits(**{period: 1}))
    roomy = event_type(booking_limits_count=PeriodLimits(**{period: 2}))
    assert compute_slots(full, [calendar], day_request(MONDAY)) == []
    assert len(compute_slots(roomy, [calendar], day_request(MONDAY))) == 16


@pytest.mark.parametrize("period", PERIODS)
def test_a_duration_limit_counts_the_new_slots_minutes(period: str) -> None:
    calendar = host(counted=[CountedBooking(utc(2050, 9, 5, 8), 45)])
    too_long = event_type(booking_limits_duration=PeriodLimits(**{period: 60}))
    just_fits = event_type(booking_limits_duration=PeriodLimits(**{period: 75}))
    assert compute_slots(too_long, [calendar], day_request(MONDAY)) == []
    assert len(compute_slots(just_fits, [calendar], day_request(MONDAY))) == 16


def test_a_full_week_reopens_on_the_next_iso_week() -> None:
    counted = [CountedBooking(utc(2050, 9, 5, 8), 30), CountedBooking(utc(2050, 9, 6, 8), 30)]
    calendar = host(days=14, counted=counted)
    et = event_type(booking_limits_count=PeriodLimits(week=2))
    slots = compute_slots(et, [calendar], day_request(MONDAY, days=14))
    assert days_of(slots)[0] == "09-12"


def test_a_full_month_reopens_on_the_first_of_the_next_month() -> None:
    calendar = host(first=date(2050, 9, 29), days=6, counted=[CountedBooking(utc(2050, 9, 1), 30)])
    et = event_type(booking_limits_count=PeriodLimits(month=1))
    slots = compute_slots(et, [calendar], day_request(date(2050, 9, 29), days=6))
    assert days_of(slots) == ["10-03", "10-04"]


def test_a_full_year_reopens_in_january() -> None:
    calendar = host(
        first=date(2050, 12, 30), days=4, counted=[CountedBooking(utc(2050, 1, 10), 30)]
    )
    et = event_type(booking_limits_count=PeriodLimits(year=1))
    slots = compute_slots(et, [calendar], day_request(date(2050, 12, 30), days=4))
    assert days_of(slots) == ["01-02"]


def test_limits_count_days_in_the_hosts_zone() -> None:
    schedule = working_week("America/New_York")
    late_monday = CountedBooking(local("America/New_York", 2050, 9, 5, 22), 30)
    calendar = host(schedule, counted=[late_monday])
    et = event_type(booking_limits_count=PeriodLimits(day=1))
    slots = compute_slots(et, [calendar], day_request(MONDAY, "America/New_York", days=2))
    assert days_of(slots) == ["09-06"]


def test_only_the_first_slot_of_each_day_is_kept() -> None:
    calendar = host(busy=[span(utc(2050, 9, 5, 9), 60)])
    slots = compute_slots(
        event_type(only_first_slot_of_day=True), [calendar], day_request(MONDAY, days=3)
    )
    assert starts(slots) == ["09-05 10:00", "09-06 09:00", "09-07 09:00"]


def test_the_first_slot_of_the_day_does_not_move_with_the_request_start() -> None:
    et = event_type(only_first_slot_of_day=True)
    request = day_request(MONDAY, days=2)
    late = SlotRequest(utc(2050, 9, 5, 12), request.end, request.now, 30)
    assert starts(compute_slots(et, [host()], late)) == ["09-06 09:00"]


def test_a_before_buffer_keeps_the_slot_clear_of_earlier_busy_time() -> None:
    calendar = host(busy=[span(utc(2050, 9, 5, 10), 30)])
    et = event_type(before_buffer_minutes=15, slot_interval_minutes=15)
    slots = starts(compute_slots(et, [calendar], day_request(MONDAY)))
    assert "09-05 09:30" in slots and "09-05 09:45" not in slots
    assert "09-05 10:30" not in slots and "09-05 10:45" in slots


def test_an_after_buffer_keeps_the_slot_clear_of_later_busy_time() -> None:
    calendar = host(busy=[span(utc(2050, 9, 5, 10), 30)])
    et = event_type(after_buffer_minutes=15, slot_interval_minutes=15)
    slots = starts(compute_slots(et, [calendar], day_request(MONDAY)))
    assert "09-05 09:15" in slots and "09-05 09:30" not in slots
    assert "09-05 10:30" in slots


def test_buffers_of_both_bookings_must_not_meet() -> None:
    # The existing 10:00-10:30 booking has a 10-minute after-buffer, so it blocks until 10:40.
    calendar = host(busy=[span(utc(2050, 9, 5, 10), 40)])
    et = event_type(before_buffer_minutes=10, slot_interval_minutes=5)
    slots = starts(compute_slots(et, [calendar], day_request(MONDAY)))
    assert "09-05 10:45" not in slots
    assert "09-05 10:50" in slots


def two_hosts() -> list[HostCalendar]:
    return [
        host(host_id=1, busy=[span(utc(2050, 9, 5, 14), 60)]),
        host(working_week("UTC", "13:00", "21:00"), host_id=2),
    ]


def test_collective_slots_need_every_host_free() -> None:
    slots = compute_slots(event_type(), two_hosts(), day_request(MONDAY), mode=TeamMode.COLLECTIVE)
    expected = ["13:00", "13:30", "15:00", "15:30", "16:00", "16:30"]
    assert starts(slots) == [f"09-05 {t}" for t in expected]
    assert {s.host_ids for s in slots} == {(1, 2)}


def test_round_robin_slots_list_the_free_hosts() -> None:
    slots = compute_slots(event_type(), two_hosts(), day_request(MONDAY), mode=TeamMode.ROUND_ROBIN)
    hosts_at = {s.start.strftime("%H:%M"): s.host_ids for s in slots}
    assert hosts_at["09:00"] == (1,)
    assert hosts_at["13:00"] == (1, 2)
    assert hosts_at["14:00"] == (2,)
    assert hosts_at["20:30"] == (2,)
    assert len(slots) == 24


def test_round_robin_skips_a_host_past_its_limit() -> None:
    limited = host(host_id=1, counted=[CountedBooking(utc(2050, 9, 5, 8), 30)])
    other = host(host_id=2)
    et = event_type(booking_limits_count=PeriodLimits(day=1))
    slots = compute_slots(et, [limited, other], day_request(MONDAY), mode=TeamMode.ROUND_ROBIN)
    assert len(slots) == 16 and {s.host_ids for s in slots} == {(2,)}


def test_an_individual_event_type_takes_exactly_one_host() -> None:
    with pytest.raises(InvalidInput) as error:
        compute_slots(event_type(), two_hosts(), day_request(MONDAY))
    assert error.value.field == "hosts"


def test_a_length_that_is_not_positive_is_rejected() -> None:
    with pytest.raises(InvalidInput) as error:
        compute_slots(event_type(), [host()], day_request(MONDAY, length=0))
    assert error.value.field == "lengthInMinutes"


def test_an_empty_request_range_has_no_slots() -> None:
    request = day_request(MONDAY)
    empty = SlotRequest(request.start, request.start, request.now, 30)
    assert compute_slots(event_type(), [host()], empty) == []
