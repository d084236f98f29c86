"""Busy times from iCalendar data shaped like Google, Outlook and Apple exports (RFC 5545).

The files in tests/fixtures/calendars are written in the shape each exporter produces (Google's
X-WR-TIMEZONE and cancelled overrides, Outlook's Windows time zone names and busy status,
Apple's RECURRENCE-ID moves and floating times), plus a malformed file and an HTML login page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from calendula.domain.errors import CalendarUnreachable
from calendula.domain.intervals import Interval
from calendula.integrations.ical import booking_event_ics, busy_from_ics

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendars"
WINDOW = Interval(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def busy(name: str, zone: str = "America/New_York") -> list[tuple[datetime, datetime]]:
    data = (FIXTURES / name).read_bytes()
    return [(i.start, i.end) for i in busy_from_ics(data, WINDOW, zone)]


def test_google_export_expands_daily_recurrence_with_exdate_cancelled_override_and_dst():
    found = busy("google.ics")
    standups = [start for start, end in found if end - start == utc(1, 0, 30) - utc(1, 0)]
    # 9:00 New York on weekdays: 14:00Z before the DST change of 8 March, 13:00Z after it.
    # 3 March is cancelled (RECURRENCE-ID with STATUS:CANCELLED), 4 March is an EXDATE.
    assert standups == [
        utc(2, 14), utc(5, 14), utc(6, 14), utc(9, 13), utc(10, 13), utc(11, 13),
        utc(12, 13), utc(13, 13),
    ]  # fmt: skip
    assert (utc(5, 20), utc(5, 21)) in found  # the dentist, in UTC
    assert not any(start == datetime(2026, 3, 5, 5, tzinfo=UTC) for start, _ in found)


def test_outlook_export_reads_windows_zone_names_and_skips_free_time():
    assert busy("outlook.ics") == [
        (utc(2, 14), utc(2, 14, 30)),
        (utc(3, 15), utc(3, 16)),  # 16:00 W. Europe Standard Time (UTC+1)
        (utc(9, 14), utc(9, 14, 30)),
        (utc(16, 14), utc(16, 14, 30)),  # COUNT=3 weekly; the transparent event is left out
    ]


def test_apple_export_moves_an_occurrence_and_reads_floating_and_all_day_times_in_host_zone():
    assert busy("apple.ics") == [
        (utc(2, 17), utc(2, 18)),  # floating 12:00 in New York
        (utc(4, 14), utc(4, 15)),  # 14:00 London
        (utc(6, 5), utc(7, 5)),  # all-day 6 March, New York midnight to midnight
        (utc(11, 16), utc(11, 17)),  # the moved occurrence, not 14:00
        (utc(18, 14), utc(18, 15)),
    ]
    in_london = busy("apple.ics", "Europe/London")
    assert (utc(2, 12), utc(2, 13)) in in_london
    assert (utc(6, 0), utc(7, 0)) in in_london


@pytest.mark.parametrize("name", ["malformed.ics", "not-a-calendar.ics"])
def test_malformed_data_is_an_error_that_is_not_worth_retrying(name):
    with pytest.raises(CalendarUnreachable) as raised:
        busy(name)
    assert raised.value.transient is False


def test_only_events_overlapping_the_window_are_returned():
    data = (FIXTURES / "google.ics").read_bytes()
    narrow = Interval(utc(9, 13, 15), utc(9, 13, 20))
    assert [(i.start, i.end) for i in busy_from_ics(data, narrow, "UTC")] == [
        (utc(9, 13), utc(9, 13, 30))
    ]


def test_a_booking_event_carries_the_uid_times_and_people():
    event = {
        "start": "2026-03-03T15:00:00.000Z",
        "end": "2026-03-03T15:30:00.000Z",
        "title": "Estimate",
        "location": "12 Main St",
        "organizer": {"name": "Ada", "email": "ada@example.com"},
        "attendees": [{"name": "Bo", "email": "bo@example.com"}],
    }
    parsed = icalendar.Calendar.from_ical(booking_event_ics("ics-1@calendula", event, utc(1, 8)))
    vevent = next(iter(parsed.walk("VEVENT")))
    assert str(vevent["UID"]) == "ics-1@calendula"
    assert vevent.decoded("DTSTART") == utc(3, 15)
    assert vevent.decoded("DTEND") == utc(3, 15, 30)
    assert str(vevent["SUMMARY"]) == "Estimate"
    assert str(vevent["ORGANIZER"]) == "mailto:ada@example.com"
    assert str(vevent["ATTENDEE"]) == "mailto:bo@example.com"
