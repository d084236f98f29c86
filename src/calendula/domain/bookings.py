"""Bookings, holds and their state transitions.

Owns: `Booking`, `Attendee`, `SlotHold`, `BookingStatus`, and the pure transitions (confirm,
decline, cancel, mark absent, reschedule links). A transition returns a new value or raises
`InvalidState`; it never persists anything. Imports only the standard library.
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
