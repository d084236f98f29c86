"""Webhook messages in Cal.com's wire format, built by pure functions.

Owns: the trigger names, the booking payload (reference §6.4), the body with or without a custom
payload template (§6.5: `{{path}}` variables rendered like Handlebars, HTML-escaped, `&quot;`
restored; JSON bodies re-serialised compactly, other text sent form-encoded), Cal.com's
`X-Cal-Signature-256` (lowercase hex HMAC-SHA256 of the exact body, or `no-secret-provided`) and
the Standard Webhooks headers Calendula adds (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
Golden files in tests/domain/golden pin every shape.
Also owns the subscription value `Webhook` and the rules for its fields (`check_subscriber_url`,
`parse_triggers`, `check_payload_template`, `check_secret`, `check_version`), each refusal naming
the API field. Imports only the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from calendula.domain.accounts import User
from calendula.domain.bookings import Attendee, Booking
from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import EventType

WEBHOOK_VERSION = "2021-10-20"
NO_SECRET = "no-secret-provided"
DEFAULT_LABELS = {
    "name": "your_name",
    "email": "email_address",
    "location": "location",
    "notes": "additional_notes",
    "guests": "additional_guests",
    "rescheduleReason": "reason_for_reschedule",
}


class Trigger(StrEnum):
    BOOKING_CREATED = "BOOKING_CREATED"
    BOOKING_REQUESTED = "BOOKING_REQUESTED"
    BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED"
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    BOOKING_REJECTED = "BOOKING_REJECTED"
    BOOKING_NO_SHOW_UPDATED = "BOOKING_NO_SHOW_UPDATED"
    MEETING_STARTED = "MEETING_STARTED"
    MEETING_ENDED = "MEETING_ENDED"
    PING = "PING"


# -- subscriptions -----------------------------------------------------------------------------

SUBSCRIBABLE_TRIGGERS = tuple(t for t in Trigger if t is not Trigger.PING)
"""What a webhook may subscribe to: every trigger Calendula sends except `PING` (a test
delivery goes to one webhook on request, never by subscription)."""
MAX_URL_BYTES = 2048
MAX_TEMPLATE_BYTES = 100 * 1024
MAX_SECRET_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Webhook:
    """A subscription: send the messages of `triggers` to `subscriber_url`.

    Belongs to the user `owner_id`. Without `event_type_id` it is a *user webhook* (every
    booking the user hosts); with it, an *event-type webhook* (that event type's bookings only).
    `id` is a UUID string, as Cal.com's runtime. `secret` (plain text; storage keeps it sealed)
    signs deliveries; None sends `no-secret-provided`. The delivery-health fields are kept by
    the delivery worker: `consecutive_failures` since the last success, and `disabled_at` /
    `disabled_reason` when it stopped sending to a failing subscriber.
    """

    id: str
    owner_id: int
    subscriber_url: str
    triggers: tuple[Trigger, ...]
    event_type_id: int | None = None
    active: bool = True
    payload_template: str | None = None
    secret: str | None = None
    version: str = WEBHOOK_VERSION
    created_at: datetime | None = None
    consecutive_failures: int = 0
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    def listens_to(self, trigger: Trigger) -> bool:
        """Whether this webhook wants `trigger` now: active, not disabled, subscribed."""
        return self.active and self.disabled_at is None and trigger in self.triggers


def check_subscriber_url(url: str) -> str:
    """Refuse (`subscriberUrl`) anything but an absolute http(s) URL with a host, at most
    2048 bytes, without spaces or control characters. Returns the URL's host, lower case."""
    if len(url.encode()) > MAX_URL_BYTES:
        raise InvalidInput("subscriberUrl", f"subscriberUrl must be at most {MAX_URL_BYTES} bytes")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidInput("subscriberUrl", "subscriberUrl must not contain spaces or controls")
    try:
        parts = urlsplit(url)
        scheme, host, _ = parts.scheme.lower(), parts.hostname, parts.port  # port: ValueError
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise InvalidInput(
            "subscriberUrl", "subscriberUrl must be an absolute http:// or https:// URL"
        )
    return host


def parse_triggers(values: Sequence[str]) -> tuple[Trigger, ...]:
    """The triggers named by `values` in order, duplicates dropped. Refuses (`triggers`) an
    empty list and any name that is not a subscribable trigger."""
    if not values:
        raise InvalidInput("triggers", "triggers must list at least one trigger")
    allowed = {t.value: t for t in SUBSCRIBABLE_TRIGGERS}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput(
            "triggers",
            f"triggers: {', '.join(unknown)} not supported; use any of " + ", ".join(allowed),
        )
    return tuple(dict.fromkeys(allowed[v] for v in values))


def check_payload_template(template: str | None) -> None:
    if template is not None and len(template.encode()) > MAX_TEMPLATE_BYTES:
        raise InvalidInput(
            "payloadTemplate", f"payloadTemplate must be at most {MAX_TEMPLATE_BYTES} bytes"
        )


def check_secret(secret: str | None) -> None:
    if secret is not None and len(secret) > MAX_SECRET_LENGTH:
        raise InvalidInput("secret", f"secret must be at most {MAX_SECRET_LENGTH} characters")


def check_version(version: str) -> None:
    if version != WEBHOOK_VERSION:
        raise InvalidInput("version", f"version must be {WEBHOOK_VERSION}")


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What a booking payload is built from. `previous` is the booking a reschedule replaced;
    `cancelled_by`/`rescheduled_by` name who acted (an email). `recurring_count` is the
    number of occurrences a new series was booked with (else the event type's).
    `co_hosts`: the booking's other hosts (a dynamic group), listed as Cal.com's
    `team.members` (the organizer is not among them)."""

    booking: Booking
    organizer: User
    event_type: EventType | None = None
    previous: Booking | None = None
    recurring_count: int | None = None
    co_hosts: tuple[User, ...] = ()


def js_instant(value: datetime) -> str:
    """`2023-05-25T09:30:00Z`, the form Cal.com's payloads use for startTime/endTime."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def js_iso(value: datetime) -> str:
    """`2023-05-25T09:30:00.000Z`, JavaScript's `Date.toISOString()` (createdAt)."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def utc_offset_minutes(zone_name: str, at: datetime) -> int:
    try:
        offset = at.astimezone(ZoneInfo(zone_name)).utcoffset()
    except (KeyError, ValueError):
        return 0
    return int(offset.total_seconds() // 60) if offset else 0


def _organizer(user: User, at: datetime) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name or user.username,
        "email": user.email,
        "username": user.username,
        "timeZone": user.time_zone,
        "timeFormat": "h:mma" if user.time_format == 12 else "HH:mm",
        "language": {"locale": user.locale},
        "utcOffset": utc_offset_minutes(user.time_zone, at),
    }


def _attendee(attendee: Attendee, at: datetime) -> dict[str, Any]:
    person: dict[str, Any] = {
        "name": attendee.name,
        "email": attendee.email,
        "timeZone": attendee.time_zone,
        "language": {"locale": attendee.language},
        "utcOffset": utc_offset_minutes(attendee.time_zone, at),
    }
    if attendee.phone_number:
        person["phoneNumber"] = attendee.phone_number
    return person


def _responses(booking: Booking, event_type: EventType | None) -> dict[str, Any]:
    labels = {f.slug: f.label or f.slug for f in (event_type.booking_fields if event_type else ())}
    return {
        slug: {"label": DEFAULT_LABELS.get(slug) or labels.get(slug, slug), "value": value}
        for slug, value in booking.responses.items()
    }


def booking_payload(trigger: Trigger, facts: BookingFacts) -> dict[str, Any]:
    """The `payload` object of a booking trigger (§6.4), with the trigger's extras."""
    booking, event_type = facts.booking, facts.event_type
    notes = booking.responses.get("notes")
    payload: dict[str, Any] = {
        "type": event_type.slug if event_type else "",
        "title": booking.title,
        "description": booking.description or notes or "",
        "additionalNotes": notes or "",
        "customInputs": {},
        "startTime": js_instant(booking.start),
        "endTime": js_instant(booking.end),
        "organizer": _organizer(facts.organizer, booking.start),
        "attendees": [_attendee(a, booking.start) for a in booking.attendees],
        "responses": _responses(booking, event_type),
        "userFieldsResponses": {},
        "location": booking.location or "",
        "destinationCalendar": None,
        "hideCalendarNotes": False,
        "requiresConfirmation": booking.status.value == "pending",
        "eventTypeId": booking.event_type_id,
        "seatsShowAttendees": bool(
            event_type and event_type.seats and event_type.seats.show_attendee_info
        ),
        "seatsPerTimeSlot": event_type.seats.per_slot if event_type and event_type.seats else None,
        "seatsShowAvailabilityCount": bool(
            event_type and event_type.seats and event_type.seats.show_availability_count
        ),
        "uid": booking.uid,
        "iCalUID": booking.ics_uid,
        "eventTitle": event_type.title if event_type else booking.title,
        "eventDescription": event_type.description if event_type else "",
        "price": 0,
        "currency": "usd",
        "length": booking.duration_minutes,
        "bookingId": booking.id,
        "metadata": dict(booking.metadata),
        "status": booking.status.value.upper(),
    }
    recurring = recurring_event(facts)
    if recurring is not None:
        payload["recurringEvent"] = recurring
    if facts.co_hosts:
        payload["team"] = _team(facts)
    return payload | _extras(trigger, facts)


def _team(facts: BookingFacts) -> dict[str, Any]:
    """Cal.com's `team` of a booking with several hosts: the others than the organizer."""
    hosts = (facts.organizer, *facts.co_hosts)
    return {
        "name": " + ".join(user.name or user.username for user in hosts),
        "members": [_organizer(user, facts.booking.start) for user in facts.co_hosts],
        "id": None,
    }


def recurring_event(facts: BookingFacts) -> dict[str, int] | None:
    """Cal.com's `recurringEvent` of an occurrence of a series (rrule `freq` number, `count`,
    `interval`); None for a single booking."""
    event_type = facts.event_type
    if facts.booking.recurring_booking_uid is None or event_type is None:
        return None
    rule = event_type.recurrence
    if rule is None:
        return None
    count = facts.recurring_count or rule.occurrences
    return {"freq": rule.rrule_frequency, "count": count, "interval": rule.interval}


def _extras(trigger: Trigger, facts: BookingFacts) -> dict[str, Any]:
    booking, previous = facts.booking, facts.previous
    if trigger is Trigger.BOOKING_RESCHEDULED and previous is not None:
        return {
            "rescheduleId": previous.id,
            "rescheduleUid": previous.uid,
            "rescheduleStartTime": js_instant(previous.start),
            "rescheduleEndTime": js_instant(previous.end),
            "rescheduledBy": booking.rescheduled_by,
        }
    if trigger is Trigger.BOOKING_CANCELLED:
        return {
            "cancelledBy": booking.cancelled_by,
            "cancellationReason": booking.cancellation_reason or "",
        }
    if trigger is Trigger.BOOKING_REJECTED:
        return {"rejectionReason": booking.rejection_reason or ""}
    return {}


def no_show_payload(booking: Booking) -> dict[str, Any]:
    """BOOKING_NO_SHOW_UPDATED's own shape (§6.4)."""
    absent = [a for a in booking.attendees if a.absent]
    return {
        "message": f"{len(absent)} attendee(s) marked as no-show" if absent else "No-show updated",
        "bookingUid": booking.uid,
        "bookingId": booking.id,
        "attendees": [{"email": a.email, "noShow": a.absent} for a in booking.attendees],
    }


def ping_payload(now: datetime) -> dict[str, Any]:
    """The body of a test delivery (`POST /v2/webhooks/{id}/ping`)."""
    return {
        "type": "Test",
        "title": "Test trigger event",
        "startTime": js_instant(now),
        "endTime": js_instant(now),
        "attendees": [
            {
                "email": "jdoe@example.com",
                "name": "John Doe",
                "timeZone": "Europe/London",
                "language": {"locale": "en"},
            }
        ],
        "organizer": {
            "name": "Calendula",
            "email": "no-reply@example.com",
            "timeZone": "Europe/London",
            "language": {"locale": "en"},
        },
    }


# -- the body on the wire ----------------------------------------------------------------------

_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#x27;",
        "`": "&#x60;",
        "=": "&#x3D;",
    }
)


def _lookup(context: Any, path: str) -> Any:
    value = context
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _as_text(value: Any) -> str:
    """How Handlebars prints a value: objects as `[object Object]`, arrays joined by commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join(_as_text(v) for v in value)
    return str(value)


def render_template(template: str, context: dict[str, Any]) -> str:
    """`{{a.b.0.c}}` replaced by the escaped value at that path (missing: empty), then
    `&quot;` turned back into `"` as Cal.com does."""
    rendered = _VARIABLE.sub(
        lambda m: _as_text(_lookup(context, m.group(1))).translate(_ESCAPES), template
    )
    return rendered.replace("&quot;", '"')


def compact_json(value: Any) -> bytes:
    """`JSON.stringify`: no spaces, non-ASCII kept."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def wire_body(
    trigger: Trigger, created_at: datetime, payload: dict[str, Any], template: str | None
) -> tuple[bytes, str]:
    """The exact bytes to POST and their content type."""
    created = js_iso(created_at)
    if not template:
        message = {"triggerEvent": trigger.value, "createdAt": created, "payload": payload}
        return compact_json(message), "application/json"
    rendered = render_template(
        template, {**payload, "triggerEvent": trigger.value, "createdAt": created}
    )
    try:
        return compact_json(json.loads(rendered)), "application/json"
    except ValueError:
        return rendered.encode(), "application/x-www-form-urlencoded"


def cal_signature(body: bytes, secret: str | None) -> str:
    """`X-Cal-Signature-256`: lowercase hex HMAC-SHA256 of the body keyed by the secret."""
    if not secret:
        return NO_SECRET
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(message_id: str, timestamp: int, body: bytes, secret: str | None) -> str:
    """`webhook-signature` (Standard Webhooks, v1): base64 HMAC-SHA256 of
    `"{id}.{timestamp}.{body}"` keyed by the secret's UTF-8 bytes."""
    key = (secret or "").encode()
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def delivery_headers(
    message_id: str, timestamp: int, body: bytes, content_type: str, secret: str | None
) -> dict[str, str]:
    """Every header of one delivery: Cal.com's, then the Standard Webhooks trio."""
    return {
        "Content-Type": content_type,
        "X-Cal-Signature-256": cal_signature(body, secret),
        "X-Cal-Webhook-Version": WEBHOOK_VERSION,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(message_id, timestamp, body, secret),
    }
