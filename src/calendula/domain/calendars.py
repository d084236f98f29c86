"""Calendar connections: what a host connected, which calendars count, where bookings go.

Owns: `Connection` (a CalDAV account or an ICS feed subscription, with its health),
`RemoteCalendar` (one calendar of a connection: busy and/or destination), `PublishedFeed` (a
secret, revocable ICS address of a host's bookings), the failure policy (`FailurePolicy`), the
calendar-URL rule (`check_calendar_url`) and the pure decision of what a booking change does to
the destination calendar (`calendar_write_for`, RFC 4791 §5.3.2: one resource per iCalendar UID,
so a reschedule, which keeps the UID, is a PUT over the same resource).
Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from calendula.domain.errors import InvalidInput

MAX_URL_LENGTH = 2048
FLAG_AFTER_FAILURES = 3
"""A connection that failed this many times in a row (reads or writes) is flagged to its host."""


class ConnectionKind(StrEnum):
    CALDAV = "caldav"
    ICS_FEED = "ics-feed"


class FailurePolicy(StrEnum):
    """What slot lists and bookings do when a host's calendar cannot be read in time."""

    HIDE = "hide"
    """The host's times are hidden (no slots; a booking answers 409): never a double booking."""
    IGNORE = "ignore"
    """The unreadable calendar counts as empty (logged): availability over safety."""


@dataclass(frozen=True, slots=True)
class Connection:
    """A CalDAV account (`url` is the server or principal address, `username`, `secret` the
    password sealed with the instance's `SecretBox`) or an ICS feed (`url` is the feed; it is a
    secret too, so it is sealed in `secret` and `url` keeps only its scheme and host).

    Health: `consecutive_failures` counts failed reads and writes in a row, `last_error` says
    why; `is_flagged` when it keeps failing."""

    id: int | None
    owner_id: int
    kind: ConnectionKind
    url: str
    created_at: datetime
    username: str | None = None
    secret: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0

    @property
    def is_flagged(self) -> bool:
        return self.consecutive_failures >= FLAG_AFTER_FAILURES


@dataclass(frozen=True, slots=True)
class RemoteCalendar:
    """One calendar of a connection. `external_id` is its address (the CalDAV collection URL,
    or the feed's for an ICS feed). `is_busy`: its events block the host's time.
    `is_destination`: new bookings are written to it (one per host at most)."""

    id: int | None
    connection_id: int
    owner_id: int
    external_id: str
    name: str
    is_busy: bool = True
    is_destination: bool = False
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class DiscoveredCalendar:
    """What a server says about one of its calendars."""

    external_id: str
    name: str
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class PublishedFeed:
    """A secret ICS address of `owner_id`'s bookings. Only `token_hash` (SHA-256 of the token)
    is stored; the token is shown once. `free_busy_only`: events say "Busy" and nothing more."""

    id: int | None
    owner_id: int
    token_hash: str
    free_busy_only: bool
    created_at: datetime
    name: str = ""


def check_calendar_url(url: str, field: str = "url") -> str:
    """The host of an http(s) `url`; raises `InvalidInput` naming `field` otherwise.
    `webcal://` (how Apple and Outlook publish feeds) is read as `https://`."""
    url = normalise_calendar_url(url)
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(field, f"{field} must be at most {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(field, f"{field} must be an http(s) address")
    if parts.username or parts.password:
        raise InvalidInput(field, f"{field} must not carry credentials; send them apart")
    return parts.hostname


def normalise_calendar_url(url: str) -> str:
    url = url.strip()
    if url.lower().startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


def redacted_url(url: str) -> str:
    """`scheme://host/` of `url`: what may be shown of a secret feed address."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


# -- write-back -----------------------------------------------------------------------------


class WriteAction(StrEnum):
    PUT = "put"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class CalendarWrite:
    """What one booking change does to the host's destination calendar: PUT the event
    (create or move; `event` holds its fields) or DELETE it, named by its iCalendar `uid`."""

    action: WriteAction
    uid: str
    event: Mapping[str, Any]


def calendar_write_for(topic: str, payload: Mapping[str, Any]) -> CalendarWrite | None:
    """The write a booking event calls for, from its Cal.com payload (`domain.webhooks`):
    an accepted booking (created, confirmed, or rescheduled and accepted) is PUT; a cancelled
    or rejected one, or one rescheduled into a pending request, is deleted; requests, no-show
    changes and single seats given up write nothing."""
    uid = payload.get("iCalUID") or payload.get("uid")
    if not isinstance(uid, str) or not uid:
        return None
    status = str(payload.get("status", "")).upper()
    if topic in ("BOOKING_CREATED", "BOOKING_RESCHEDULED") and status == "ACCEPTED":
        return CalendarWrite(WriteAction.PUT, uid, _event_fields(payload))
    if topic == "BOOKING_RESCHEDULED" and status == "PENDING":
        return CalendarWrite(WriteAction.DELETE, uid, {})
    if topic in ("BOOKING_CANCELLED", "BOOKING_REJECTED") and status in ("CANCELLED", "REJECTED"):
        return CalendarWrite(WriteAction.DELETE, uid, {})
    return None


def _event_fields(payload: Mapping[str, Any]) -> dict[str, Any]:
    organizer = payload.get("organizer") or {}
    attendees = payload.get("attendees") or []
    return {
        "start": payload.get("startTime"),
        "end": payload.get("endTime"),
        "title": payload.get("title") or "",
        "description": payload.get("description") or "",
        "location": payload.get("location") or "",
        "organizer": {"name": organizer.get("name"), "email": organizer.get("email")},
        "attendees": [{"name": a.get("name"), "email": a.get("email")} for a in attendees],
        "bookingUid": payload.get("uid"),
    }
