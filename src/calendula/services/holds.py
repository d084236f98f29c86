"""Slot holds (Cal.com "slot reservations"): keep a time for a few minutes while a booker
confirms their details. A hold claims its time exactly like a booking until it expires.

Owns: `HoldService`. Raises `ReservationConflict` (Cal.com answers 422) when the time is booked or
held by someone else. A custom hold length is for the event type's owner only (`Unauthorized`
without a caller, `Forbidden` for anyone else), as in Cal.com. Every committed change is announced
to the slot caches (`CalendarChanges.note`).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from calendula.domain.bookings import SlotHold
from calendula.domain.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    ReservationConflict,
    SeatsFull,
    SlotUnavailable,
    Unauthorized,
)
from calendula.domain.event_types import EventType, allowed_length
from calendula.domain.intervals import Interval
from calendula.domain.slots import check_slot
from calendula.services.availability import MAX_ID, gather_snapshot, recheck_window
from calendula.services.ports import BusyTimeSource, Clock, UnitOfWork, UnitOfWorkFactory
from calendula.services.slot_cache import CalendarChanges

_DAY = timedelta(days=1)
BOOKED = "Can't reserve a slot if the event is already booked."
RESERVED = "This time slot is already reserved by another user. Please choose a different time."
DEFAULT_HOLD_MINUTES = 5
MAX_HOLD_MINUTES = 60
CUSTOM_DURATION_NEEDS_AUTH = (
    "reservationDuration can only be used for authenticated requests - use access token, api key "
    "or OAuth credentials"
)
CUSTOM_DURATION_FORBIDDEN = (
    "authenticated user is not owner of event type, does not have memberships in common with "
    "owner of the event type, nor does belong to event type's team or org."
)


class HoldService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        busy_source: BusyTimeSource,
        changes: CalendarChanges | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._busy_source = busy_source
        self._changes = changes or CalendarChanges()

    def hold(
        self,
        event_type_id: int,
        start: datetime,
        *,
        length_minutes: int | None = None,
        minutes: int | None = None,
        actor_id: int | None = None,
    ) -> SlotHold:
        """Reserve `[start, start+length)` for `minutes` (default 5; a custom value only for the
        event type's owner, `actor_id`); returns the hold (its uid is the reservation uid).
        `length_minutes` (Cal.com `slotDuration`) only for event types with several lengths."""
        _may_choose_minutes(minutes, actor_id)
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            event_type = _event_type(uow, event_type_id)
            _may_choose_minutes_for(event_type, minutes, actor_id)
            wanted = _wanted(event_type, start, length_minutes, now)
            hold = SlotHold(
                uid=str(uuid.uuid4()),
                event_type_id=event_type_id,
                host_ids=(event_type.owner_id,),
                start=wanted.start,
                end=wanted.end,
                expires_at=now + _duration(minutes),
                created_at=now,
                before_buffer_minutes=event_type.before_buffer_minutes,
                after_buffer_minutes=event_type.after_buffer_minutes,
            )
            self._ensure_free(uow, event_type, wanted, now)
            hold = _claimed(lambda: uow.holds.add(hold))
            uow.commit()
        self._changes.note()
        return hold

    def move(
        self,
        uid: str,
        event_type_id: int,
        start: datetime,
        *,
        length_minutes: int | None = None,
        minutes: int | None = None,
        actor_id: int | None = None,
    ) -> SlotHold:
        """Move or extend an existing, unexpired hold (same rules as `hold`)."""
        _may_choose_minutes(minutes, actor_id)
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            current = uow.holds.get(uid)
            if current is None or not current.is_active(now):
                raise NotFound(f"Slot with uid={uid} not found")
            event_type = _event_type(uow, event_type_id)
            _may_choose_minutes_for(event_type, minutes, actor_id)
            wanted = _wanted(event_type, start, length_minutes, now)
            uow.holds.delete(uid)
            self._ensure_free(uow, event_type, wanted, now)
            moved = dataclasses.replace(
                current,
                event_type_id=event_type_id,
                host_ids=(event_type.owner_id,),
                start=wanted.start,
                end=wanted.end,
                expires_at=now + _duration(minutes),
                before_buffer_minutes=event_type.before_buffer_minutes,
                after_buffer_minutes=event_type.after_buffer_minutes,
            )
            moved = _claimed(lambda: uow.holds.add(moved))
            uow.commit()
        self._changes.note()
        return moved

    def get(self, uid: str) -> SlotHold | None:
        """The hold while it is active, else None."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            hold = uow.holds.get(uid)
        return hold if hold is not None and hold.is_active(now) else None

    def release(self, uid: str) -> None:
        with self._uow_factory(write=True) as uow:
            uow.holds.delete(uid)
            uow.commit()
        self._changes.note()

    def _ensure_free(
        self, uow: UnitOfWork, event_type: EventType, wanted: Interval, now: datetime
    ) -> None:
        """Refuse unless `wanted` is free: booked (or outside the rules) and held by someone
        else give Cal.com's two different messages."""
        self._changes.note()
        owner = uow.users.get(event_type.owner_id)
        if owner is None:
            raise NotFound(f"Event Type with ID={event_type.id} not found")
        uow.holds.purge_expired([event_type.owner_id], wanted.widen(_DAY, _DAY), now)
        found = gather_snapshot(
            uow,
            event_type,
            [owner],
            wanted,
            now,
            self._busy_source,
            busy_window=recheck_window(event_type, wanted),
        )
        seated = found.seated
        try:
            check_slot(event_type, found.calendars, wanted, now, seated=seated)
        except SeatsFull:
            raise ReservationConflict(
                f"Booking with id={event_type.id} at {wanted.start.isoformat()} has no more "
                "seats left."
            ) from None
        except SlotUnavailable:
            raise ReservationConflict(BOOKED) from None
        try:
            slot = check_slot(event_type, found.calendars_at(now), wanted, now, seated=seated)
        except SlotUnavailable:
            raise ReservationConflict(RESERVED) from None
        if slot.booking_uid is not None:
            raise ReservationConflict("Seated slots that already have a booking cannot be held.")


def _claimed(add: Callable[[], SlotHold]) -> SlotHold:
    """Run the claiming insert; a lost race for the time is a reservation conflict."""
    try:
        return add()
    except SlotUnavailable:
        raise ReservationConflict(RESERVED) from None


def _event_type(uow: UnitOfWork, event_type_id: int) -> EventType:
    event_type = uow.event_types.get(event_type_id) if 0 < event_type_id <= MAX_ID else None
    if event_type is None:
        raise NotFound(f"Event Type with ID={event_type_id} not found")
    return event_type


def _may_choose_minutes(minutes: int | None, actor_id: int | None) -> None:
    if minutes is not None and actor_id is None:
        raise Unauthorized(CUSTOM_DURATION_NEEDS_AUTH)


def _may_choose_minutes_for(
    event_type: EventType, minutes: int | None, actor_id: int | None
) -> None:
    if minutes is not None and actor_id != event_type.owner_id:
        raise Forbidden(CUSTOM_DURATION_FORBIDDEN)


def _wanted(event_type: EventType, start: datetime, length: int | None, now: datetime) -> Interval:
    if start.tzinfo is None:
        raise InvalidInput("slotStart", "slotStart must be an ISO 8601 time in UTC")
    minutes = _slot_length(event_type, length)
    wanted = Interval.utc(start, start + timedelta(minutes=minutes))
    if wanted.start < now:
        raise InvalidInput("slotStart", "slotStart is in the past")
    return wanted


def _slot_length(event_type: EventType, length: int | None) -> int:
    """The held length: the event type's, or `length` if it is one of its choices."""
    if length is None or length == event_type.length_minutes:
        return event_type.length_minutes
    variable = event_type.length_options or (
        event_type.min_length_minutes is not None or event_type.max_length_minutes is not None
    )
    if not variable:
        raise InvalidInput(
            "slotDuration",
            "You passed 'slotDuration' but this event type is not a variable length event type.",
        )
    try:
        return allowed_length(event_type, length)
    except InvalidInput:
        choices = ", ".join(str(n) for n in event_type.length_options) or (
            f"{event_type.min_length_minutes or 1} to {event_type.max_length_minutes or 1440}"
        )
        raise InvalidInput(
            "slotDuration",
            "Provided 'slotDuration' is not one of the possible lengths for the event type. The "
            f"possible lengths for this variable length event type are: {choices}",
        ) from None


def _duration(minutes: int | None) -> timedelta:
    if minutes is None:
        return timedelta(minutes=DEFAULT_HOLD_MINUTES)
    if not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise InvalidInput(
            "reservationDuration", f"reservationDuration must be 1 to {MAX_HOLD_MINUTES} minutes"
        )
    return timedelta(minutes=minutes)
