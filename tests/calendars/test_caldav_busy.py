"""CalDAV busy times against a real Radicale: slots exclude exactly the busy events.

One host (New York, Mon-Fri 09:00-17:00, 30-minute meetings) connects a Radicale account with
two calendars. Events are put with the `caldav` client: a plain event, a weekly series with a
moved occurrence (RECURRENCE-ID) and an EXDATE, an all-day event, a transparent one, a
cancelled one, one in another time zone, and one in the second calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendar_servers import event_ics
from calendula.domain.errors import InvalidInput
from calendula.services.availability import SlotQuery
from factories import make_host

NY = ZoneInfo("America/New_York")
START = datetime(2026, 3, 2, tzinfo=UTC)
END = datetime(2026, 3, 28, tzinfo=UTC)

SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tests//EN
BEGIN:VEVENT
UID:weekly@tests
DTSTAMP:20260301T000000Z
DTSTART;TZID=America/New_York:20260304T130000
DTEND;TZID=America/New_York:20260304T140000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=America/New_York:20260318T130000
SUMMARY:Weekly
END:VEVENT
BEGIN:VEVENT
UID:weekly@tests
DTSTAMP:20260301T000000Z
RECURRENCE-ID;TZID=America/New_York:20260311T130000
DTSTART;TZID=America/New_York:20260311T150000
DTEND;TZID=America/New_York:20260311T160000
SUMMARY:Weekly (moved)
END:VEVENT
END:VCALENDAR
"""


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)


def put_events(radicale) -> None:
    work = radicale.calendar("ada", "work")
    home = radicale.calendar("ada", "home")
    work.save_event(event_ics("plain@tests", ny(3, 10), ny(3, 11), "Plain"))
    work.save_event(SERIES)
    work.save_event(event_ics("allday@tests", date(2026, 3, 5), date(2026, 3, 6), "All day"))
    work.save_event(event_ics("transp@tests", ny(6, 10), ny(6, 12), "FYI", transp="TRANSPARENT"))
    work.save_event(event_ics("cancel@tests", ny(6, 15), ny(6, 16), "Off", status="CANCELLED"))
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 6, 14, tzinfo=london)
    work.save_event(event_ics("london@tests", start, start + timedelta(hours=1), "London call"))
    home.save_event(event_ics("home@tests", ny(9, 11), ny(9, 12), "Home"))


def starts(container, event_type_id: int) -> set[datetime]:
    container.availability.forget()
    _, slots = container.availability.find_slots(
        SlotQuery(event_type_id=event_type_id, start=START, end=END)
    )
    return {slot.start for slot in slots}


def half_hours(start: datetime, end: datetime) -> set[datetime]:
    found, at = set(), start
    while at < end:
        found.add(at.astimezone(UTC))
        at += timedelta(minutes=30)
    return found


def test_slots_exclude_exactly_the_busy_caldav_events(calendar_container, radicale):
    container = calendar_container
    host = make_host(container)
    put_events(radicale)
    before = starts(container, host.event_type.id)
    view = container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "app-password")
    assert sorted(c.name for c in view.calendars) == ["Home", "Work"]
    assert all(c.is_busy for c in view.calendars)
    assert sum(c.is_destination for c in view.calendars) == 1
    after = starts(container, host.event_type.id)
    expected_gone = (
        half_hours(ny(3, 10), ny(3, 11))  # plain
        | half_hours(ny(4, 13), ny(4, 14))  # weekly
        | half_hours(ny(11, 15), ny(11, 16))  # the moved occurrence (13:00 is free)
        | half_hours(ny(25, 13), ny(25, 14))  # 18 March is an EXDATE
        | half_hours(ny(5, 9), ny(5, 17))  # all day (New York)
        | half_hours(ny(6, 9), ny(6, 10))  # 14:00 London = 09:00 New York
        | half_hours(ny(9, 11), ny(9, 12))  # the second calendar
    )
    assert before - after == expected_gone
    assert after <= before


def test_a_calendar_that_no_longer_counts_as_busy_frees_its_times(calendar_container, radicale):
    container = calendar_container
    host = make_host(container)
    put_events(radicale)
    view = container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "pw")
    assert ny(9, 11).astimezone(UTC) not in starts(container, host.event_type.id)
    home = next(c for c in view.calendars if c.name == "Home")
    container.calendars.select(host.user.id, view.connection.id, home.external_id, busy=False)
    assert ny(9, 11).astimezone(UTC) in starts(container, host.event_type.id)


def test_an_unreachable_calendar_hides_the_hosts_times(calendar_container, radicale):
    container = calendar_container
    host = make_host(container)
    radicale.calendar("ada", "work")
    container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "pw")
    assert starts(container, host.event_type.id)
    radicale.stop()
    container.calendar_busy.forget()
    assert starts(container, host.event_type.id) == set()
    radicale.start()
    container.calendar_busy.forget()
    assert starts(container, host.event_type.id)


def test_the_ignore_policy_treats_an_unreachable_calendar_as_empty(calendar_container, radicale):
    container = calendar_container
    host = make_host(container)
    radicale.calendar("ada", "work")
    container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "pw")
    before = starts(container, host.event_type.id)
    radicale.stop()
    container.calendar_busy.policy = container.calendar_busy.policy.IGNORE
    container.calendar_busy.forget()
    assert starts(container, host.event_type.id) == before


def test_wrong_addresses_and_private_targets_are_refused(container, radicale):
    host = make_host(container)
    with pytest.raises(InvalidInput) as private:
        container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "pw")
    assert private.value.field == "url" and "private" in private.value.message
    with pytest.raises(InvalidInput) as metadata:
        container.calendars.connect_caldav(host.user.id, "http://169.254.169.254/", "a", "b")
    assert "metadata" in metadata.value.message
    assert container.calendars.connections(host.user.id) == []


def test_an_unreachable_server_is_refused_when_connecting(calendar_container, radicale):
    host = make_host(calendar_container)
    radicale.stop()
    with pytest.raises(InvalidInput) as raised:
        calendar_container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "pw")
    assert raised.value.field == "url"
