"""ICS feeds both ways: a subscription served by a real HTTP server on loopback (conditional
requests, 304 Not Modified), and a host's published feed read back with `icalendar`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendula.domain.bookings import Attendee
from calendula.domain.errors import InvalidInput, NotFound
from calendula.services.availability import SlotQuery
from calendula.services.booking import NewBooking
from factories import make_host

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendars"
NY = ZoneInfo("America/New_York")
GUEST = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="Europe/London")
START = datetime(2026, 3, 2, tzinfo=UTC)


def slot_starts(container, host) -> set[datetime]:
    container.availability.forget()
    _, slots = container.availability.find_slots(
        SlotQuery(event_type_id=host.event_type.id, start=START, end=START + timedelta(days=14))
    )
    return {slot.start for slot in slots}


def test_a_feed_blocks_its_busy_times_and_is_fetched_conditionally(calendar_container, feed_server):
    container = calendar_container
    host = make_host(container)
    feed_server.files["/google.ics"] = (FIXTURES / "google.ics").read_bytes()
    before = slot_starts(container, host)
    url = f"{feed_server.url}/google.ics"
    [view] = container.calendars.add_ics_feeds(host.user.id, [url])
    assert view.connection.url == f"{feed_server.url}/"  # the secret path is not shown
    assert [c.read_only for c in view.calendars] == [True]
    after = slot_starts(container, host)
    standup = datetime(2026, 3, 2, 9, tzinfo=NY).astimezone(UTC)
    dentist = datetime(2026, 3, 5, 15, tzinfo=NY).astimezone(UTC)
    assert standup in before and standup not in after
    assert dentist in before and dentist not in after
    assert datetime(2026, 3, 3, 9, tzinfo=NY).astimezone(UTC) in after  # cancelled occurrence
    container.calendar_busy.forget()
    slot_starts(container, host)
    last = feed_server.requests[-1]
    assert last.get("if-none-match", "").startswith('"')  # asked with the ETag: answered 304
    assert slot_starts(container, host) == after


def test_a_feed_that_stops_answering_hides_the_hosts_times(calendar_container, feed_server):
    container = calendar_container
    host = make_host(container)
    feed_server.files["/apple.ics"] = (FIXTURES / "apple.ics").read_bytes()
    container.calendars.add_ics_feeds(host.user.id, [f"{feed_server.url}/apple.ics"])
    assert slot_starts(container, host)
    feed_server.status_override = 503
    container.calendar_busy.forget()
    assert slot_starts(container, host) == set()


@pytest.mark.parametrize("name", ["malformed.ics", "not-a-calendar.ics"])
def test_a_malformed_feed_is_refused_when_subscribing(calendar_container, feed_server, name):
    host = make_host(calendar_container)
    feed_server.files["/bad.ics"] = (FIXTURES / name).read_bytes()
    with pytest.raises(InvalidInput) as raised:
        calendar_container.calendars.add_ics_feeds(host.user.id, [f"{feed_server.url}/bad.ics"])
    assert raised.value.field == "urls"


def test_the_published_feed_lists_the_hosts_bookings(calendar_container):
    container = calendar_container
    host = make_host(container)
    booking = container.bookings.create(
        NewBooking(
            start=datetime(2026, 3, 3, 10, tzinfo=NY),
            attendee=GUEST,
            event_type_id=host.event_type.id,
        )
    )
    cancelled = container.bookings.create(
        NewBooking(
            start=datetime(2026, 3, 3, 11, tzinfo=NY),
            attendee=GUEST,
            event_type_id=host.event_type.id,
        )
    )
    container.bookings.cancel(cancelled.uid, reason="no")
    feed, address = container.calendar_feeds.create(host.user.id)
    token = address.rsplit("/", 1)[-1].removesuffix(".ics")
    assert token not in feed.token_hash and len(token) >= 40
    parsed = icalendar.Calendar.from_ical(container.calendar_feeds.render(token))
    events = list(parsed.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == [booking.ics_uid]
    assert events[0].decoded("DTSTART") == booking.start
    assert "grace@example.com" in events[0].to_ical().decode()
    _, private_address = container.calendar_feeds.create(host.user.id, free_busy_only=True)
    busy_only = icalendar.Calendar.from_ical(
        container.calendar_feeds.render(private_address.rsplit("/", 1)[-1][:-4])
    )
    [only] = list(busy_only.walk("VEVENT"))
    assert str(only["SUMMARY"]) == "Busy" and "grace" not in only.to_ical().decode()
    container.calendar_feeds.revoke(host.user.id, feed.id)
    with pytest.raises(NotFound):
        container.calendar_feeds.render(token)
