"""What the booking use cases share: their input and output values, the checks of a request,
and the unit-of-work steps every write repeats.

Owns: `NewBooking`, `NewGuest`, `BookingView`, `BookingListing`, `Made`; the request checks
(`validate_attendee`, `validate_guests`, `stored_location`, `default_sort`); and the helpers
that run inside a booking transaction: `emit` (the outbox event of a change, with its Cal.com
payload snapshot), `views_of`, `must_get`, `host_booking`, `event_type_of`, `is_owner`.
Used by `services.booking` (create, reschedule, reads) and `services.booking_changes`.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calendula.domain import bookings as rules
from calendula.domain.accounts import User, validate_email
from calendula.domain.booking_fields import PHONE_PATTERN
from calendula.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    ListStatus,
    LocationChoice,
    integration_location,
    resolve_location,
)
from calendula.domain.errors import (
    InvalidInput,
    NotFound,
    SeatsFull,
)
from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.outbox import OutboxEvent
from calendula.domain.recurrence import occurrence_starts, series_count
from calendula.domain.schedules import zone_from_name
from calendula.domain.webhooks import BookingFacts, Trigger, booking_payload
from calendula.services.availability import (
    recheck_span,
)
from calendula.services.ports import (
    BusyTimeSource,
    SortKey,
    UnitOfWork,
)

log = logging.getLogger(__name__)

MAX_GUESTS = rules.MAX_GUESTS_PER_BOOKING
MAX_AHEAD = timedelta(days=366 * 100)
"""How far ahead a booking may start: far beyond any booking window, well inside datetime."""
MAX_TITLE_LENGTH = 255
UPDATED = "BOOKING_UPDATED"
"""Outbox topic for guests, attendees or location changed (no Cal.com webhook trigger)."""
ASCENDING_STATUSES = frozenset({ListStatus.UPCOMING, ListStatus.RECURRING, ListStatus.UNCONFIRMED})


def new_uid() -> str:
    """An unguessable public booking identifier (128 random bits, 22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A request to book. One of `event_type_id` or (`username`, `event_slug`) names the event
    type. `hold_uid` is the caller's own slot reservation, consumed by the booking.
    `recurrence_count` (Cal.com's `recurrenceCount`) is how many occurrences `book_series`
    books on a recurring event type (None: the event type's `occurrences`).
    `usernames` (two or more) books a dynamic group instead of an event type: every user is a
    host, the first the organizer (`services.group_booking`)."""

    start: datetime
    attendee: Attendee
    event_type_id: int | None = None
    username: str | None = None
    event_slug: str | None = None
    length_minutes: int | None = None
    guests: tuple[str, ...] = ()
    responses: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    location: str | LocationChoice | None = None
    idempotency_key: str | None = None
    hold_uid: str | None = None
    recurrence_count: int | None = None
    usernames: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NewGuest:
    """A guest added to an existing booking; missing fields default to the first attendee's."""

    email: str
    name: str | None = None
    time_zone: str | None = None
    phone_number: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking with what its API output needs: its hosts (owner first) and event type."""

    booking: Booking
    hosts: tuple[User, ...]
    event_type: EventType | None


@dataclass(frozen=True, slots=True)
class Made:
    """What every booking of one create request is made from, once checked."""

    owner: User | None
    event_type: EventType
    attendee: Attendee
    now: datetime
    request: NewBooking
    guests: tuple[str, ...]
    responses: dict[str, Any]
    busy: BusyTimeSource


@dataclass(frozen=True, slots=True)
class BookingListing:
    views: list[BookingView]
    total: int


def validate_attendee(attendee: Attendee, prefix: str = "attendee") -> Attendee:
    if not attendee.name or not attendee.name.strip():
        raise InvalidInput(f"{prefix}.name", f"{prefix}.name is required")
    zone_from_name(attendee.time_zone, f"{prefix}.timeZone")
    phone = attendee.phone_number
    if phone is not None and not PHONE_PATTERN.match(_digits(phone)):
        raise InvalidInput(
            f"{prefix}.phoneNumber", f"{prefix}.phoneNumber must be in international format"
        )
    return dataclasses.replace(
        attendee,
        name=attendee.name.strip(),
        email=validate_email(attendee.email, f"{prefix}.email"),
    )


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c not in " ().-")


def validate_guests(
    event_type: EventType, guests: tuple[str, ...], attendee: Attendee
) -> tuple[str, ...]:
    """Checked guest emails without duplicates (nor the attendee's own email)."""
    if guests and event_type.disable_guests:
        raise InvalidInput("guests", "this event type does not allow guests")
    if guests and event_type.seats is not None:
        raise InvalidInput("guests", "seated event types do not take guests")
    if len(guests) > MAX_GUESTS:
        raise InvalidInput("guests", f"at most {MAX_GUESTS} guests")
    seen = {attendee.email.lower()}
    unique = []
    for guest in (validate_email(g, "guests") for g in guests):
        if guest.lower() not in seen:
            seen.add(guest.lower())
            unique.append(guest)
    return tuple(unique)


def guest_attendee(email: str, attendee: Attendee) -> Attendee:
    """A guest as Cal.com stores one: an attendee without a name in the booker's time zone."""
    return Attendee(name="", email=email, time_zone=attendee.time_zone)


def default_sort(statuses: frozenset[ListStatus]) -> tuple[tuple[SortKey, bool], ...]:
    """Cal.com's default order: start ascending, or descending when only past and/or
    cancelled bookings are asked for."""
    descending = bool(statuses) and not statuses & ASCENDING_STATUSES
    return ((SortKey.START, descending),)


def stored_location(event_type: EventType, chosen: str | LocationChoice | None) -> str | None:
    """What the booking stores: a plain string as given, a typed choice resolved against the
    event type, or by default the event type's first organiser-defined location."""
    if isinstance(chosen, LocationChoice):
        return resolve_location(event_type, chosen)
    if chosen is not None:
        return chosen.strip() or None
    for location in event_type.locations:
        if location.kind == "integration" and location.value:
            return integration_location(location.value)
        if location.kind in rules.ORGANISER_LOCATION_KINDS and location.value:
            return location.value
    return None


def emit(
    uow: UnitOfWork,
    topic: Trigger | str,
    view: BookingView,
    now: datetime,
    *,
    previous: Booking | None = None,
    recurring_count: int | None = None,
) -> None:
    """Record the booking event in this transaction, its payload as Cal.com's webhooks carry
    it (for BOOKING_UPDATED, shaped as BOOKING_CREATED's). `recurring_count`: how many
    occurrences a new series has (its payload's `recurringEvent.count`)."""
    if not view.hosts:
        log.warning("booking %s has no host left: no event recorded", view.booking.uid)
        return
    facts = BookingFacts(
        view.booking, view.hosts[0], view.event_type, previous, recurring_count, view.hosts[1:]
    )
    trigger = topic if isinstance(topic, Trigger) else Trigger.BOOKING_CREATED
    emit_event(
        uow, str(topic), view.booking, now, booking_payload(trigger, facts), mail=mail_facts(view)
    )


def mail_facts(view: BookingView) -> dict[str, Any] | None:
    """What the email fan-out needs beyond the payload, known to this transaction: the owner's
    brand colour, the guests, and the booking's place in its reschedule chain (0 for a booking
    that moved from none; a moved one's place is left for the fan-out to count). None when the
    owner is not among the hosts read."""
    owner = next((h for h in view.hosts if h.id == view.booking.owner_id), None)
    if owner is None or view.booking.rescheduled_from_uid:
        return None
    return {"brandColor": owner.brand_color, "guests": list(view.booking.guests), "chain": 0}


def emit_event(
    uow: UnitOfWork,
    topic: str,
    booking: Booking,
    now: datetime,
    payload: dict[str, Any],
    *,
    mail: dict[str, Any] | None = None,
) -> None:
    """Record one outbox event: `{"payload": ...}`, plus `"mail"` (see `mail_facts`) when
    given, which spares the email fan-out reading the booking and its owner again."""
    data: dict[str, Any] = {"payload": payload}
    if mail is not None:
        data["mail"] = mail
    uow.outbox.add_event(
        OutboxEvent(
            topic=topic,
            created_at=now,
            owner_id=booking.owner_id,
            booking_uid=booking.uid,
            event_type_id=booking.event_type_id,
            data=data,
        )
    )


def series_span(
    event_type: EventType, first: Interval, request: NewBooking, first_span: Interval
) -> Interval:
    """The span the re-checks of a whole series read busy time in: from the first
    occurrence's span to the last one's."""
    assert event_type.recurrence is not None
    zone = zone_from_name(request.attendee.time_zone, "attendee.timeZone")
    count = series_count(event_type.recurrence, request.recurrence_count)
    last = occurrence_starts(first.start, zone, event_type.recurrence, count)[-1]
    last_span = recheck_span(event_type, Interval.utc(last, last + (first.end - first.start)))
    return Interval(first_span.start, max(first_span.end, last_span.end))


def created_trigger(booking: Booking) -> Trigger:
    if booking.status is BookingStatus.ACCEPTED:
        return Trigger.BOOKING_CREATED
    return Trigger.BOOKING_REQUESTED


def created_view(
    uow: UnitOfWork, booking: Booking, owner: User | None, event_type: EventType
) -> BookingView:
    """The view of a booking just written, from what its transaction read when it can."""
    if owner is not None and booking.host_ids == (owner.id,):
        return BookingView(booking, (owner,), event_type)  # what `view` would load
    return views_of(uow, [booking])[0]


def require_host_reason(is_host: bool, reason: str | None) -> None:
    if is_host and not reason:
        raise InvalidInput(
            "cancellationReason", "Cancellation reason is required when you are the host"
        )


def guest_of(guest: NewGuest, first: Attendee, field_name: str) -> Attendee:
    attendee = Attendee(
        name=guest.name or "",
        email=validate_email(guest.email, f"{field_name}.email"),
        time_zone=guest.time_zone or first.time_zone,
        language=guest.language or "en",
        phone_number=guest.phone_number,
    )
    zone_from_name(attendee.time_zone, f"{field_name}.timeZone")
    return attendee


def ensure_room_for(booking: Booking, attendee: Attendee) -> None:
    if not booking.is_active:
        raise InvalidInput("bookingUid", f"Booking with uid={booking.uid} is {booking.status}")
    if any(a.email.lower() == attendee.email.lower() for a in booking.attendees):
        raise InvalidInput("email", f"{attendee.email} is already an attendee of this booking")
    if booking.seats_total is not None and len(booking.attendees) >= booking.seats_total:
        raise SeatsFull("No more seats left at this seated booking.")


def views_of(uow: UnitOfWork, bookings: Sequence[Booking]) -> list[BookingView]:
    """Views of `bookings`, loading each host and event type once."""
    users: dict[int, User | None] = {}
    event_types: dict[int, EventType | None] = {}
    views = []
    for booking in bookings:
        for host_id in booking.host_ids:
            if host_id not in users:
                users[host_id] = uow.users.get(host_id)
        type_id = booking.event_type_id
        if type_id is not None and type_id not in event_types:
            event_types[type_id] = uow.event_types.get(type_id)
        hosts = tuple(u for u in (users[h] for h in booking.host_ids) if u is not None)
        event_type = event_types.get(type_id) if type_id is not None else None
        views.append(BookingView(booking, hosts, event_type))
    return views


def must_get(uow: UnitOfWork, uid: str, *, for_update: bool = False) -> Booking:
    booking = uow.bookings.get_by_uid(uid, for_update=for_update)
    if booking is None:
        raise NotFound(f"Booking with uid={uid} was not found in the database")
    return booking


def is_owner(uow: UnitOfWork, booking: Booking, actor_id: int | None, by: str | None) -> bool:
    """Whether the authenticated caller `actor_id` owns `booking` and acts as its owner (`by`,
    the rescheduler's email, is the owner's)."""
    if actor_id is None or actor_id != booking.owner_id or not by:
        return False
    owner = uow.users.get(booking.owner_id)
    return owner is not None and by.lower() == owner.email.lower()


def host_booking(uow: UnitOfWork, uid: str, actor_id: int) -> Booking:
    """The booking, if `actor_id` is one of its hosts; others get NotFound (no existence leak)."""
    booking = must_get(uow, uid, for_update=True)
    if actor_id not in booking.host_ids:
        raise NotFound(f"Booking with uid={uid} was not found in the database")
    return booking


def event_type_of(uow: UnitOfWork, booking: Booking) -> EventType:
    event_type = uow.event_types.get(booking.event_type_id) if booking.event_type_id else None
    if event_type is None:
        raise NotFound(f"Event type of booking with uid={booking.uid} no longer exists")
    return event_type


def attendee_of(booking: Booking, attendee_id: int) -> Attendee:
    """The booking's attendee with id `attendee_id`, else `NotFound` naming it."""
    for attendee in booking.attendees:
        if attendee.id == attendee_id:
            return attendee
    raise NotFound(f"Attendee with id {attendee_id} not found in booking {booking.uid}")
