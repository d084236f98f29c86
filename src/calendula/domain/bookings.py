"""Bookings, holds and their state transitions.

Owns: `Booking`, `Attendee`, `SlotHold`, `BookingStatus`, and the pure transitions (confirm,
decline, cancel, mark absent, reschedule links, seats, guests, location), plus the booking rules
of the API (location choices, metadata limits, list statuses). A transition returns a new value
or raises `InvalidState`; it never persists anything. Imports only the standard library.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from calendula.domain.errors import InvalidInput, InvalidState
from calendula.domain.event_types import ConfirmationMode, EventType
from calendula.domain.intervals import Interval


class BookingStatus(StrEnum):
    ACCEPTED = "accepted"
    PENDING = "pending"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


ACTIVE_STATUSES = frozenset({BookingStatus.ACCEPTED, BookingStatus.PENDING})


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    email: str
    time_zone: str
    language: str = "en"
    phone_number: str | None = None
    absent: bool = False
    seat_uid: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    """One booked meeting.

    `uid` is unguessable and public. `ics_uid` identifies the whole reschedule chain: a
    rescheduled booking gets a new `uid` but keeps the `ics_uid` of the booking it replaces, so a
    calendar entry moves instead of duplicating (it is the iCalendar UID).
    `before_buffer_minutes`/`after_buffer_minutes` are copied from the event type at booking time,
    so later edits to the event type do not move existing blocked time.
    `recurring_booking_uid` is shared by every occurrence of a recurring series (Cal.com's
    `recurringBookingUid`); None for a single booking.
    """

    uid: str
    ics_uid: str
    event_type_id: int | None
    host_ids: tuple[int, ...]
    title: str
    start: datetime
    end: datetime
    status: BookingStatus
    attendees: tuple[Attendee, ...]
    created_at: datetime
    updated_at: datetime
    id: int | None = None
    description: str = ""
    guests: tuple[str, ...] = ()
    responses: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    location: str | None = None
    before_buffer_minutes: int = 0
    after_buffer_minutes: int = 0
    seats_total: int | None = None
    cancellation_reason: str | None = None
    cancelled_by: str | None = None
    rejection_reason: str | None = None
    rescheduling_reason: str | None = None
    rescheduled_by: str | None = None
    rescheduled_from_uid: str | None = None
    rescheduled_to_uid: str | None = None
    absent_host: bool = False
    idempotency_key: str | None = None
    blocks_when_pending: bool = True
    recurring_booking_uid: str | None = None

    @property
    def owner_id(self) -> int:
        return self.host_ids[0]

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def blocked(self) -> Interval:
        """The time this booking takes from its hosts: its interval widened by its buffers."""
        return self.interval.widen(
            timedelta(minutes=self.before_buffer_minutes),
            timedelta(minutes=self.after_buffer_minutes),
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def blocks_time(self) -> bool:
        """Whether the booking keeps its hosts busy (accepted, or pending that blocks)."""
        if self.status is BookingStatus.ACCEPTED:
            return True
        return self.status is BookingStatus.PENDING and self.blocks_when_pending


@dataclass(frozen=True, slots=True)
class SlotHold:
    """A short reservation of a time for one event type; it blocks like a booking until expiry."""

    uid: str
    event_type_id: int
    host_ids: tuple[int, ...]
    start: datetime
    end: datetime
    expires_at: datetime
    created_at: datetime
    before_buffer_minutes: int = 0
    after_buffer_minutes: int = 0

    @property
    def blocked(self) -> Interval:
        return Interval(self.start, self.end).widen(
            timedelta(minutes=self.before_buffer_minutes),
            timedelta(minutes=self.after_buffer_minutes),
        )

    def is_active(self, now: datetime) -> bool:
        return now < self.expires_at


def needs_confirmation(event_type: EventType, start: datetime, now: datetime) -> bool:
    """Whether a new booking of `event_type` at `start` starts as pending."""
    policy = event_type.confirmation
    if policy is None:
        return False
    if policy.mode is ConfirmationMode.ALWAYS:
        return True
    threshold = policy.notice_threshold_minutes or 0
    return start - now < timedelta(minutes=threshold)


def cancel(booking: Booking, *, reason: str | None, by: str | None, now: datetime) -> Booking:
    if not booking.is_active:
        raise InvalidState(_inactive_message(booking, "cancel"))
    return dataclasses.replace(
        booking,
        status=BookingStatus.CANCELLED,
        cancellation_reason=reason,
        cancelled_by=by,
        updated_at=now,
    )


def confirm(booking: Booking, *, now: datetime) -> Booking:
    if booking.status is not BookingStatus.PENDING:
        raise InvalidState(
            f"Booking with uid={booking.uid} is {booking.status.value}, only pending bookings "
            "can be confirmed"
        )
    return dataclasses.replace(booking, status=BookingStatus.ACCEPTED, updated_at=now)


def decline(booking: Booking, *, reason: str | None, now: datetime) -> Booking:
    if booking.status is not BookingStatus.PENDING:
        raise InvalidState(
            f"Booking with uid={booking.uid} is {booking.status.value}, only pending bookings "
            "can be declined"
        )
    return dataclasses.replace(
        booking, status=BookingStatus.REJECTED, rejection_reason=reason, updated_at=now
    )


def mark_absent(
    booking: Booking,
    *,
    host: bool | None,
    attendees: dict[str, bool],
    now: datetime,
) -> Booking:
    """Set no-show flags; only allowed once the booking has started."""
    if now < booking.start:
        raise InvalidState(
            "Bookings can only be marked as absent after their scheduled start time."
        )
    known = {a.email.lower() for a in booking.attendees}
    for email in attendees:
        if email.lower() not in known:
            raise InvalidInput("attendees", f"{email} is not an attendee of this booking")
    flags = {email.lower(): absent for email, absent in attendees.items()}
    new_attendees = tuple(
        dataclasses.replace(a, absent=flags.get(a.email.lower(), a.absent))
        for a in booking.attendees
    )
    return dataclasses.replace(
        booking,
        attendees=new_attendees,
        absent_host=booking.absent_host if host is None else host,
        updated_at=now,
    )


def ensure_reschedulable(booking: Booking) -> None:
    if booking.is_active:
        return
    if booking.rescheduled_to_uid:
        raise InvalidState(
            f"Can't reschedule booking with uid={booking.uid} because it has been cancelled and "
            f"rescheduled already to booking with uid={booking.rescheduled_to_uid}."
        )
    raise InvalidState(_inactive_message(booking, "reschedule"))


def mark_rescheduled(
    old: Booking, *, new_uid: str, by: str | None, reason: str | None, now: datetime
) -> Booking:
    """The old booking after a reschedule: cancelled, linked forward to its replacement."""
    ensure_reschedulable(old)
    return dataclasses.replace(
        old,
        status=BookingStatus.CANCELLED,
        rescheduled_to_uid=new_uid,
        rescheduled_by=by,
        rescheduling_reason=reason,
        updated_at=now,
    )


def _inactive_message(booking: Booking, action: str) -> str:
    return (
        f"Can't {action} booking with uid={booking.uid} because it has been {booking.status.value}."
    )


# -- additions for the bookings API: locations, metadata, seats, guests, list statuses ----------

MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500
MAX_GUESTS_PER_BOOKING = 30

ORGANISER_LOCATION_KINDS = frozenset({"address", "link", "phone"})
ATTENDEE_LOCATION_KINDS = frozenset({"attendeeAddress", "attendeePhone", "attendeeDefined"})
LOCATION_KINDS = ORGANISER_LOCATION_KINDS | ATTENDEE_LOCATION_KINDS | {"integration"}
_INTEGRATION_VALUES = {
    "cal-video": "integrations:daily",
    "google-meet": "integrations:google:meet",
    "zoom": "integrations:zoom",
    "office365-video": "integrations:office365_video",
}


@dataclass(frozen=True, slots=True)
class LocationChoice:
    """A booker's location pick by Cal.com type (`address`, `link`, `phone`, `integration`,
    `attendeeAddress`, `attendeePhone`, `attendeeDefined`); `value` is what the booker supplies
    (integration name, their address, phone or free text), None for organiser-defined kinds."""

    kind: str
    value: str | None = None


def integration_location(name: str) -> str:
    """The stored location of a conferencing app, in Cal.com's internal form."""
    return _INTEGRATION_VALUES.get(name, f"integrations:{name}")


def resolve_location(event_type: EventType, choice: LocationChoice) -> str:
    """The location string stored for `choice` on a booking of `event_type`.

    Organiser-defined kinds take the event type's own value; every kind must be one the event
    type offers when it lists locations. Raises `InvalidInput` on `location`."""
    if choice.kind not in LOCATION_KINDS:
        raise InvalidInput("location.type", f"unknown location type {choice.kind!r}")
    offered = [loc for loc in event_type.locations if loc.kind == choice.kind]
    if choice.kind in ORGANISER_LOCATION_KINDS:
        if not offered or not offered[0].value:
            raise InvalidInput("location", f"This event type has no {choice.kind} location")
        return offered[0].value
    if not choice.value or not choice.value.strip():
        raise InvalidInput("location", f"a location of type {choice.kind} needs a value")
    if choice.kind == "integration":
        names = {loc.value for loc in offered}
        if event_type.locations and choice.value not in names:
            raise InvalidInput(
                "location", f"{choice.value} is not one of this event type's locations"
            )
        return integration_location(choice.value)
    if event_type.locations and not offered:
        raise InvalidInput("location", f"{choice.kind} is not one of this event type's locations")
    return choice.value.strip()


def validate_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Cal.com's limits: at most 50 keys, keys up to 40 characters, string values up to 500
    characters; values are strings, numbers or booleans. Raises `InvalidInput` on `metadata`."""
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidInput("metadata", f"metadata can have at most {MAX_METADATA_KEYS} keys")
    for key, value in metadata.items():
        if len(key) > MAX_METADATA_KEY_LENGTH:
            raise InvalidInput(
                "metadata", f"metadata keys can be at most {MAX_METADATA_KEY_LENGTH} characters"
            )
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise InvalidInput(f"metadata.{key}", "metadata values must be strings or numbers")
        if isinstance(value, str) and len(value) > MAX_METADATA_VALUE_LENGTH:
            raise InvalidInput(
                f"metadata.{key}",
                f"metadata string values can be at most {MAX_METADATA_VALUE_LENGTH} characters",
            )
    return dict(metadata)


def remove_seat(
    booking: Booking, seat_uid: str, *, reason: str | None, by: str | None, now: datetime
) -> Booking:
    """The booking without the seat `seat_uid`; removing the last seat cancels the booking."""
    if not booking.is_active:
        raise InvalidState(_inactive_message(booking, "cancel"))
    kept = tuple(a for a in booking.attendees if a.seat_uid != seat_uid)
    if len(kept) == len(booking.attendees):
        raise InvalidInput("seatUid", f"Invalid seatUid {seat_uid} for booking {booking.uid}")
    if not kept:
        return cancel(booking, reason=reason, by=by, now=now)
    return dataclasses.replace(booking, attendees=kept, updated_at=now)


def add_guests(booking: Booking, guests: tuple[Attendee, ...], *, now: datetime) -> Booking:
    """The booking with `guests` added as attendees (emails already present are skipped) and
    listed in `guests`. At most 30 guests per booking."""
    if not booking.is_active:
        raise InvalidState(_inactive_message(booking, "add guests to"))
    if booking.seats_total is not None:
        raise InvalidInput("guests", "seated bookings do not take guests")
    present = {a.email.lower() for a in booking.attendees}
    new: list[Attendee] = []
    for guest in guests:
        if guest.email.lower() not in present:
            present.add(guest.email.lower())
            new.append(guest)
    listed = (*booking.guests, *(g.email for g in new))
    if len(listed) > MAX_GUESTS_PER_BOOKING:
        raise InvalidInput("guests", f"a booking can have at most {MAX_GUESTS_PER_BOOKING} guests")
    return dataclasses.replace(
        booking, attendees=(*booking.attendees, *new), guests=listed, updated_at=now
    )


def relocate(booking: Booking, location: str, *, now: datetime) -> Booking:
    if not booking.is_active:
        raise InvalidState(_inactive_message(booking, "change the location of"))
    return dataclasses.replace(booking, location=location, updated_at=now)


class ListStatus(StrEnum):
    """The status filters of Cal.com's booking list; a booking may match several."""

    UPCOMING = "upcoming"
    RECURRING = "recurring"
    PAST = "past"
    CANCELLED = "cancelled"
    UNCONFIRMED = "unconfirmed"


ENDED_STATUSES = frozenset({BookingStatus.CANCELLED, BookingStatus.REJECTED})


def in_list_status(booking: Booking, status: ListStatus, now: datetime) -> bool:
    """Cal.com's semantics (web app `get.handler.ts`): an upcoming occurrence of a recurring
    series must be accepted (a pending one is only `unconfirmed`); `recurring` is every
    occurrence of a series not yet ended, cancelled nor rejected. The storage query implements
    the same rules in SQL."""
    ended = booking.status in ENDED_STATUSES
    recurring = booking.recurring_booking_uid is not None
    if status is ListStatus.UPCOMING:
        if recurring:
            return booking.end >= now and booking.status is BookingStatus.ACCEPTED
        return booking.end >= now and not ended
    if status is ListStatus.RECURRING:
        return booking.end >= now and recurring and not ended
    if status is ListStatus.PAST:
        return booking.end <= now and not ended
    if status is ListStatus.CANCELLED:
        return ended
    return booking.end >= now and booking.status is BookingStatus.PENDING
