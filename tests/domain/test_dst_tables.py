"""Dated DST tables: availability and slots around real 2026 transitions, written out literally.

Each row: zone, local date, one range of hours on that date; the expected availability in UTC and
the slots (60 minutes on a 30-minute grid) as the host's zone and as UTC show them.
Rules: a wall time in a gap is read with the offset before the gap; an ambiguous one is the first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from domain_factories import event_type, hours, override

from calendula.domain.schedules import Schedule, Weekday, WeeklyHours, expand_schedule
from calendula.domain.slots import HostCalendar, SlotRequest, compute_slots, group_by_local_date

ROWS = [
    pytest.param(
        "America/New_York", "2026-03-08", "01:00", "04:00",
        [("2026-03-08T06:00:00+00:00", "2026-03-08T08:00:00+00:00")],
        ["2026-03-08T01:00:00.000-05:00", "2026-03-08T01:30:00.000-05:00",
         "2026-03-08T03:00:00.000-04:00"],
        ["2026-03-08T06:00:00.000Z", "2026-03-08T06:30:00.000Z", "2026-03-08T07:00:00.000Z"],
        id="new-york-spring-forward",
    ),
    pytest.param(
        "America/New_York", "2026-03-08", "02:30", "04:00",
        [("2026-03-08T07:30:00+00:00", "2026-03-08T08:00:00+00:00")], [], [],
        id="new-york-start-inside-the-gap-moves-forward",
    ),
    pytest.param(
        "America/New_York", "2026-11-01", "00:00", "03:00",
        [("2026-11-01T04:00:00+00:00", "2026-11-01T08:00:00+00:00")],
        ["2026-11-01T00:00:00.000-04:00", "2026-11-01T00:30:00.000-04:00",
         "2026-11-01T01:00:00.000-04:00", "2026-11-01T01:30:00.000-04:00",
         "2026-11-01T01:00:00.000-05:00", "2026-11-01T01:30:00.000-05:00",
         "2026-11-01T02:00:00.000-05:00"],
        ["2026-11-01T04:00:00.000Z", "2026-11-01T04:30:00.000Z", "2026-11-01T05:00:00.000Z",
         "2026-11-01T05:30:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T06:30:00.000Z",
         "2026-11-01T07:00:00.000Z"],
        id="new-york-fall-back",
    ),
    pytest.param(
        "America/New_York", "2026-11-01", "01:30", "02:30",
        [("2026-11-01T05:30:00+00:00", "2026-11-01T07:30:00+00:00")],
        ["2026-11-01T01:30:00.000-04:00", "2026-11-01T01:00:00.000-05:00",
         "2026-11-01T01:30:00.000-05:00"],
        ["2026-11-01T05:30:00.000Z", "2026-11-01T06:00:00.000Z", "2026-11-01T06:30:00.000Z"],
        id="new-york-ambiguous-start-takes-the-first",
    ),
    pytest.param(
        "Europe/London", "2026-03-29", "00:00", "03:00",
        [("2026-03-29T00:00:00+00:00", "2026-03-29T02:00:00+00:00")],
        ["2026-03-29T00:00:00.000+00:00", "2026-03-29T00:30:00.000+00:00",
         "2026-03-29T02:00:00.000+01:00"],
        ["2026-03-29T00:00:00.000Z", "2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z"],
        id="london-spring-forward",
    ),
    pytest.param(
        "Europe/London", "2026-10-25", "00:00", "03:00",
        [("2026-10-24T23:00:00+00:00", "2026-10-25T03:00:00+00:00")],
        ["2026-10-25T00:00:00.000+01:00", "2026-10-25T00:30:00.000+01:00",
         "2026-10-25T01:00:00.000+01:00", "2026-10-25T01:30:00.000+01:00",
         "2026-10-25T01:00:00.000+00:00", "2026-10-25T01:30:00.000+00:00",
         "2026-10-25T02:00:00.000+00:00"],
        ["2026-10-24T23:00:00.000Z", "2026-10-24T23:30:00.000Z", "2026-10-25T00:00:00.000Z",
         "2026-10-25T00:30:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T01:30:00.000Z",
         "2026-10-25T02:00:00.000Z"],
        id="london-fall-back",
    ),
    pytest.param(
        "Australia/Sydney", "2026-04-05", "01:00", "04:00",
        [("2026-04-04T14:00:00+00:00", "2026-04-04T18:00:00+00:00")],
        ["2026-04-05T01:00:00.000+11:00", "2026-04-05T01:30:00.000+11:00",
         "2026-04-05T02:00:00.000+11:00", "2026-04-05T02:30:00.000+11:00",
         "2026-04-05T02:00:00.000+10:00", "2026-04-05T02:30:00.000+10:00",
         "2026-04-05T03:00:00.000+10:00"],
        ["2026-04-04T14:00:00.000Z", "2026-04-04T14:30:00.000Z", "2026-04-04T15:00:00.000Z",
         "2026-04-04T15:30:00.000Z", "2026-04-04T16:00:00.000Z", "2026-04-04T16:30:00.000Z",
         "2026-04-04T17:00:00.000Z"],
        id="sydney-fall-back",
    ),
    pytest.param(
        "Australia/Sydney", "2026-10-04", "01:00", "04:00",
        [("2026-10-03T15:00:00+00:00", "2026-10-03T17:00:00+00:00")],
        ["2026-10-04T01:00:00.000+10:00", "2026-10-04T01:30:00.000+10:00",
         "2026-10-04T03:00:00.000+11:00"],
        ["2026-10-03T15:00:00.000Z", "2026-10-03T15:30:00.000Z", "2026-10-03T16:00:00.000Z"],
        id="sydney-spring-forward",
    ),
    pytest.param(
        "Australia/Lord_Howe", "2026-04-05", "01:00", "03:00",
        [("2026-04-04T14:00:00+00:00", "2026-04-04T16:30:00+00:00")],
        ["2026-04-05T01:00:00.000+11:00", "2026-04-05T01:30:00.000+11:00",
         "2026-04-05T01:30:00.000+10:30", "2026-04-05T02:00:00.000+10:30"],
        ["2026-04-04T14:00:00.000Z", "2026-04-04T14:30:00.000Z", "2026-04-04T15:00:00.000Z",
         "2026-04-04T15:30:00.000Z"],
        id="lord-howe-half-hour-fall-back",
    ),
    pytest.param(
        "Australia/Lord_Howe", "2026-10-04", "01:00", "04:00",
        [("2026-10-03T14:30:00+00:00", "2026-10-03T17:00:00+00:00")],
        ["2026-10-04T01:00:00.000+10:30", "2026-10-04T01:30:00.000+10:30",
         "2026-10-04T02:30:00.000+11:00", "2026-10-04T03:00:00.000+11:00"],
        ["2026-10-03T14:30:00.000Z", "2026-10-03T15:00:00.000Z", "2026-10-03T15:30:00.000Z",
         "2026-10-03T16:00:00.000Z"],
        id="lord-howe-half-hour-spring-forward",
    ),
    pytest.param(
        "Asia/Kathmandu", "2026-03-09", "09:00", "11:00",
        [("2026-03-09T03:15:00+00:00", "2026-03-09T05:15:00+00:00")],
        ["2026-03-09T09:00:00.000+05:45", "2026-03-09T09:30:00.000+05:45",
         "2026-03-09T10:00:00.000+05:45"],
        ["2026-03-09T03:15:00.000Z", "2026-03-09T03:45:00.000Z", "2026-03-09T04:15:00.000Z"],
        id="kathmandu-quarter-hour-offset",
    ),
    pytest.param(
        "America/New_York", "2026-03-06", "22:00", "02:00",
        [("2026-03-07T03:00:00+00:00", "2026-03-07T07:00:00+00:00")],
        ["2026-03-06T22:00:00.000-05:00", "2026-03-06T22:30:00.000-05:00",
         "2026-03-06T23:00:00.000-05:00", "2026-03-06T23:30:00.000-05:00",
         "2026-03-07T00:00:00.000-05:00", "2026-03-07T00:30:00.000-05:00",
         "2026-03-07T01:00:00.000-05:00"],
        ["2026-03-07T03:00:00.000Z", "2026-03-07T03:30:00.000Z", "2026-03-07T04:00:00.000Z",
         "2026-03-07T04:30:00.000Z", "2026-03-07T05:00:00.000Z", "2026-03-07T05:30:00.000Z",
         "2026-03-07T06:00:00.000Z"],
        id="hours-crossing-local-midnight",
    ),
]  # fmt: skip


def one_range(zone: str, day: date, start: str, end: str) -> Schedule:
    return Schedule(zone, weekly=(WeeklyHours(Weekday(day.weekday()), hours(start, end)),))


@pytest.mark.parametrize(
    ("zone", "day", "start", "end", "availability", "local_slots", "utc_slots"), ROWS
)
def test_dst_table(
    zone: str,
    day: str,
    start: str,
    end: str,
    availability: list[tuple[str, str]],
    local_slots: list[str],
    utc_slots: list[str],
) -> None:
    local_day = date.fromisoformat(day)
    schedule = one_range(zone, local_day, start, end)
    since = datetime.combine(local_day, time(0), ZoneInfo(zone))
    until = since + timedelta(days=2)
    expanded = expand_schedule(schedule, since, until)
    assert [(iv.start.isoformat(), iv.end.isoformat()) for iv in expanded] == availability
    host = HostCalendar(1, ZoneInfo(zone), expanded)
    slots = compute_slots(
        event_type(length_minutes=60, slot_interval_minutes=30),
        [host],
        SlotRequest(since, until, datetime(2026, 1, 1, tzinfo=UTC), 60),
    )
    as_local = group_by_local_date(slots, ZoneInfo(zone))
    as_utc = group_by_local_date(slots, None)
    assert [item["start"] for items in as_local.values() for item in items] == local_slots
    assert [item["start"] for items in as_utc.values() for item in items] == utc_slots
    assert all(key == items[0]["start"][:10] for key, items in as_local.items())


def test_midnight_crossing_hours_are_clipped_by_an_override_on_the_next_date() -> None:
    zone = ZoneInfo("America/New_York")
    schedule = Schedule(
        "America/New_York",
        weekly=(WeeklyHours(Weekday.FRIDAY, hours("22:00", "02:00")),),
        overrides=(override(date(2026, 3, 7), ("10:00", "11:00")),),
    )
    since = datetime(2026, 3, 6, tzinfo=zone)
    expanded = expand_schedule(schedule, since, since + timedelta(days=2))
    assert [(iv.start.isoformat(), iv.end.isoformat()) for iv in expanded] == [
        ("2026-03-07T03:00:00+00:00", "2026-03-07T05:00:00+00:00"),
        ("2026-03-07T15:00:00+00:00", "2026-03-07T16:00:00+00:00"),
    ]
