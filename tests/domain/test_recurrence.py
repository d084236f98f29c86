"""Recurrence rules and the starts of a series: dated DST tables, month ends, bounds."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from calendula.domain.bookings import Booking, BookingStatus, ListStatus, in_list_status
from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import EventType, Seats
from calendula.domain.recurrence import (
    Frequency,
    Recurrence,
    occurrence_starts,
    series_count,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WEEKLY = Recurrence(Frequency.WEEKLY, 1, 4)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "first", "expected"),
    [
        # New York springs forward on Sunday 8 March 2026: 10:00 EST is 15:00Z, 10:00 EDT 14:00Z.
        (
            NEW_YORK,
            utc(2026, 3, 3, 15),
            [utc(2026, 3, 3, 15), utc(2026, 3, 10, 14), utc(2026, 3, 17, 14), utc(2026, 3, 24, 14)],
        ),
        # ... and falls back on Sunday 1 November 2026.
        (
            NEW_YORK,
            utc(2026, 10, 27, 14),
            [utc(2026, 10, 27, 14), utc(2026, 11, 3, 15), utc(2026, 11, 10, 15),
             utc(2026, 11, 17, 15)],
        ),
        # London springs forward on 29 March 2026: 09:00 GMT is 09:00Z, 09:00 BST 08:00Z.
        (
            LONDON,
            utc(2026, 3, 24, 9),
            [utc(2026, 3, 24, 9), utc(2026, 3, 31, 8), utc(2026, 4, 7, 8), utc(2026, 4, 14, 8)],
        ),
    ],
)  # fmt: skip
def test_a_weekly_series_keeps_the_local_time_across_dst(zone, first, expected):
    starts = occurrence_starts(first, zone, WEEKLY, 4)
    assert starts == expected
    assert {s.astimezone(zone).time() for s in starts} == {first.astimezone(zone).time()}


def test_a_monthly_series_on_the_31st_falls_on_month_ends_and_comes_back():
    rule = Recurrence(Frequency.MONTHLY, 1, 5)
    starts = occurrence_starts(utc(2026, 1, 31, 15), NEW_YORK, rule, 5)
    days = [s.astimezone(NEW_YORK).date().isoformat() for s in starts]
    assert days == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    assert {s.astimezone(NEW_YORK).hour for s in starts} == {10}


def test_interval_steps_weeks_months_and_years():
    first = utc(2028, 2, 29, 15)  # a leap day
    every_two_weeks = occurrence_starts(first, NEW_YORK, Recurrence(Frequency.WEEKLY, 2, 3), 3)
    assert [s.date().isoformat() for s in every_two_weeks] == [
        "2028-02-29",
        "2028-03-14",
        "2028-03-28",
    ]
    yearly = occurrence_starts(first, NEW_YORK, Recurrence(Frequency.YEARLY, 1, 3), 3)
    assert [s.astimezone(NEW_YORK).date().isoformat() for s in yearly] == [
        "2028-02-29",
        "2029-02-28",
        "2030-02-28",
    ]


def test_a_local_time_skipped_by_dst_moves_forward_by_the_gap():
    # 02:30 does not exist in New York on 8 March 2026: it becomes 03:30 EDT (07:30Z).
    starts = occurrence_starts(utc(2026, 3, 1, 7, 30), NEW_YORK, WEEKLY, 2)
    assert starts[1] == utc(2026, 3, 8, 7, 30)
    assert starts[1].astimezone(NEW_YORK).hour == 3


def test_series_count_defaults_to_the_rule_and_names_recurrence_count():
    assert series_count(WEEKLY, None) == 4
    assert series_count(WEEKLY, 2) == 2
    for bad in (0, 5, -1):
        with pytest.raises(InvalidInput) as caught:
            series_count(WEEKLY, bad)
        assert caught.value.field == "recurrenceCount"


@pytest.mark.parametrize(
    ("interval", "occurrences", "field"),
    [(0, 4, "recurrence.interval"), (101, 4, "recurrence.interval"),
     (1, 0, "recurrence.occurrences"), (1, 101, "recurrence.occurrences")],
)  # fmt: skip
def test_out_of_range_rules_name_the_field(interval, occurrences, field):
    with pytest.raises(InvalidInput) as caught:
        Recurrence(Frequency.WEEKLY, interval, occurrences)
    assert caught.value.field == field


def test_a_series_past_the_year_9000_is_refused():
    rule = Recurrence(Frequency.YEARLY, 100, 100)
    with pytest.raises(InvalidInput) as caught:
        occurrence_starts(utc(2026, 3, 3, 15), NEW_YORK, rule, 100)
    assert caught.value.field == "recurrenceCount"


def test_a_seated_event_type_cannot_recur():
    with pytest.raises(InvalidInput) as caught:
        EventType(
            id=None, owner_id=1, slug="s", title="T", length_minutes=30,
            seats=Seats(3), recurrence=WEEKLY,
        )  # fmt: skip
    assert caught.value.field == "recurrence"


def _booking(status: BookingStatus, series: str | None) -> Booking:
    start = utc(2026, 3, 10, 14)
    return Booking(
        uid="u", ics_uid="i", event_type_id=1, host_ids=(1,), title="t", start=start,
        end=utc(2026, 3, 10, 14, 30), status=status, attendees=(), created_at=start,
        updated_at=start, recurring_booking_uid=series,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "series", "upcoming", "recurring", "unconfirmed"),
    [
        (BookingStatus.ACCEPTED, "s", True, True, False),
        (BookingStatus.PENDING, "s", False, True, True),
        (BookingStatus.CANCELLED, "s", False, False, False),
        (BookingStatus.ACCEPTED, None, True, False, False),
        (BookingStatus.PENDING, None, True, False, True),
    ],
)
def test_list_statuses_follow_calcoms_rules_for_series(
    status, series, upcoming, recurring, unconfirmed
):
    booking, now = _booking(status, series), utc(2026, 3, 2, 8)
    assert in_list_status(booking, ListStatus.UPCOMING, now) is upcoming
    assert in_list_status(booking, ListStatus.RECURRING, now) is recurring
    assert in_list_status(booking, ListStatus.UNCONFIRMED, now) is unconfirmed
