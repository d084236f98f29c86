"""iCalendar (RFC 5545) in and out: busy times from calendar data, events and feeds to write.

Owns: `busy_from_ics` (parse, expand recurrences with `recurring-ical-events`: RRULE, RDATE,
EXDATE and RECURRENCE-ID overrides; leave out TRANSP:TRANSPARENT (§3.8.2.7) and
STATUS:CANCELLED (§3.8.1.11) events; read TZID through the calendar's VTIMEZONE components;
floating times and all-day DATE values in the host's zone, §3.3.5), `booking_event_ics` (the
VEVENT a CalDAV PUT writes) and `bookings_feed_ics` (a host's published feed).
Imports the domain and `icalendar`; never does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # both are imported on first use: a server without calendars skips them
    import icalendar

from calendula.domain.bookings import Booking
from calendula.domain.errors import CalendarUnreachable
from calendula.domain.intervals import Interval, merge

PRODID = "-//Calendula//Calendula//EN"
_MARGIN = timedelta(days=1)
"""Floating and all-day times are up to ~14 hours from UTC: expand a day more on each side."""


def parse_calendars(data: bytes | str) -> list[icalendar.Calendar]:
    """Every VCALENDAR in `data` (a feed holds one; CalDAV answers hold one per resource).
    Raises `CalendarUnreachable` (not transient) for data that is not iCalendar."""
    import icalendar

    try:
        found = icalendar.Calendar.from_ical(data, multiple=True)
    except (ValueError, IndexError, KeyError) as error:
        raise CalendarUnreachable(f"not valid iCalendar data: {error}", transient=False) from None
    calendars = [c for c in found if isinstance(c, icalendar.Calendar)]
    if not calendars:
        raise CalendarUnreachable("not valid iCalendar data: no VCALENDAR", transient=False)
    return calendars


def busy_from_ics(data: bytes | str, window: Interval, zone: str) -> list[Interval]:
    """The busy intervals (merged) of the calendar data `data` that overlap `window`."""
    return busy_from_calendars(parse_calendars(data), window, zone)


def busy_from_calendars(
    calendars: Iterable[icalendar.Calendar], window: Interval, zone: str
) -> list[Interval]:
    import recurring_ical_events  # type: ignore[import-untyped]

    tz = ZoneInfo(zone)
    found: list[Interval] = []
    for calendar in calendars:
        try:
            events = recurring_ical_events.of(calendar, skip_bad_series=True).between(
                window.start - _MARGIN, window.end + _MARGIN
            )
        except Exception as error:  # the library raises many kinds on broken input
            raise CalendarUnreachable(
                f"cannot expand calendar data: {type(error).__name__}: {error}", transient=False
            ) from None
        for event in events:
            interval = _busy_interval(event, tz)
            if interval is not None and interval.overlaps(window):
                found.append(interval)
    return merge(found)


def _busy_interval(event: icalendar.cal.Component, tz: ZoneInfo) -> Interval | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if event.get("DTSTART") is None:
        return None
    start_value: Any = event.decoded("DTSTART")
    end_value: Any
    if event.get("DTEND") is not None:
        end_value = event.decoded("DTEND")
    elif event.get("DURATION") is not None:
        end_value = start_value + event.decoded("DURATION")
    elif isinstance(start_value, datetime):
        return None  # §3.6.1: a date-time DTSTART alone takes no time
    else:
        end_value = start_value + timedelta(days=1)
    start, end = _aware(start_value, tz), _aware(end_value, tz)
    return Interval(start, end) if start < end else None


def _aware(value: date | datetime, tz: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tz)
    if value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


# -- writing -----------------------------------------------------------------------------------


def _instant(text: Any) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"instant without offset: {text}")
    return value


def _calendar(name: str | None = None) -> icalendar.Calendar:
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def booking_event_ics(uid: str, event: Mapping[str, Any], now: datetime) -> bytes:
    """One VCALENDAR with the booking's VEVENT, UID `uid` (the booking's iCalUID, as in the
    email invite). SEQUENCE grows with `now`, so clients take a moved event as newer."""
    import icalendar

    calendar = _calendar()
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", now)
    vevent.add("sequence", int(now.timestamp()) // 60)
    vevent.add("dtstart", _instant(event["start"]))
    vevent.add("dtend", _instant(event["end"]))
    vevent.add("summary", event.get("title") or "Booking")
    if event.get("description"):
        vevent.add("description", event["description"])
    if event.get("location"):
        vevent.add("location", event["location"])
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    organizer = event.get("organizer") or {}
    if organizer.get("email"):
        address = icalendar.vCalAddress(f"mailto:{organizer['email']}")
        if organizer.get("name"):
            address.params["cn"] = organizer["name"]
        vevent.add("organizer", address)
    for attendee in event.get("attendees") or []:
        if not attendee.get("email"):
            continue
        address = icalendar.vCalAddress(f"mailto:{attendee['email']}")
        if attendee.get("name"):
            address.params["cn"] = attendee["name"]
        address.params["partstat"] = "ACCEPTED"
        vevent.add("attendee", address)
    calendar.add_component(vevent)
    return bytes(calendar.to_ical())


def bookings_feed_ics(
    bookings: Sequence[Booking], now: datetime, free_busy_only: bool, name: str
) -> bytes:
    """A host's published feed: one VEVENT per booking (UID the booking's iCalUID). With
    `free_busy_only` each says only "Busy" (no title, attendees, notes or location)."""
    import icalendar

    calendar = _calendar(name)
    for booking in bookings:
        vevent = icalendar.Event()
        vevent.add("uid", booking.ics_uid)
        vevent.add("dtstamp", now)
        vevent.add("dtstart", booking.start)
        vevent.add("dtend", booking.end)
        vevent.add("transp", "OPAQUE")
        if free_busy_only:
            vevent.add("summary", "Busy")
            vevent.add("class", "PRIVATE")
        else:
            vevent.add("summary", booking.title)
            vevent.add("status", "TENTATIVE" if booking.status.value == "pending" else "CONFIRMED")
            if booking.description:
                vevent.add("description", booking.description)
            if booking.location:
                vevent.add("location", booking.location)
            for attendee in booking.attendees:
                address = icalendar.vCalAddress(f"mailto:{attendee.email}")
                address.params["cn"] = attendee.name
                vevent.add("attendee", address)
        calendar.add_component(vevent)
    return bytes(calendar.to_ical())
