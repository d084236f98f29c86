"""Calendar invites: iCalendar objects (RFC 5545) with iTIP methods (RFC 5546), built with the
`icalendar` library from a booking's Cal.com payload.

Owns: `build_invite`. One VEVENT per invite: `UID` is the booking chain's `iCalUID` (stable
across reschedules, so the calendar entry moves instead of duplicating), `SEQUENCE` is given
by the caller (`domain.notifications.invite_sequence`), `DTSTAMP` is when the change happened,
`DTSTART`/`DTEND` are in UTC (RFC 5545 §3.3.5 form 2, so no VTIMEZONE is needed), `ORGANIZER`
is the host, one `ATTENDEE` per attendee with `PARTSTAT` and `RSVP` (RFC 5545 §3.8.4.1,
§3.2.12, §3.2.17). A `METHOD:CANCEL` invite carries `STATUS:CANCELLED` (RFC 5546 §3.2.5).
Parameter values are quoted and escaped by the library (RFC 6868 for quotes).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

from calendula.domain.notifications import Method, guest_emails

PRODID = "-//Calendula//Calendula Scheduling//EN"


def build_invite(
    payload: Mapping[str, Any],
    method: Method,
    sequence: int,
    stamp: datetime,
    *,
    description: str = "",
    attendees: Sequence[Mapping[str, Any]] | None = None,
    guests: Collection[str] = (),
) -> bytes:
    """The `.ics` text of `payload`'s meeting as a `method` invite. `attendees` (default: the
    payload's) are the people listed; a seated event that hides attendees lists only the
    recipient. `guests` are the emails of the booker's guests (they have not answered)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", str(payload.get("iCalUID") or payload["uid"]))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", parse_instant(str(payload["startTime"])))
    event.add("dtend", parse_instant(str(payload["endTime"])))
    event.add("summary", str(payload.get("title") or ""))
    if description:
        event.add("description", description)
    location = str(payload.get("location") or "")
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if method is Method.CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = payload.get("organizer") or {}
    event.add("organizer", _address(organizer, {"role": "CHAIR"}))
    people = payload.get("attendees") if attendees is None else attendees
    invited = {email.lower() for email in (*guests, *guest_emails(payload))}
    for person in people or []:
        email = str(person.get("email") or "")
        if email:
            # The booker chose this time; a guest they invited has not answered yet.
            guest = email.lower() in invited
            params = {
                "role": "REQ-PARTICIPANT",
                "cutype": "INDIVIDUAL",
                "partstat": "NEEDS-ACTION" if guest else "ACCEPTED",
                "rsvp": "TRUE" if guest else "FALSE",
            }
            event.add("attendee", _address(person, params))
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def parse_instant(value: str) -> datetime:
    """`2026-03-03T15:00:00Z` (or with an offset) as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _address(person: Mapping[str, Any], params: Mapping[str, str]) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.get('email') or ''}")
    name = str(person.get("name") or "")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key] = value
    return address
