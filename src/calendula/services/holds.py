"""Slot holds (Cal.com "slot reservations"): keep a time for a few minutes while a booker
confirms their details. A hold claims its time exactly like a booking until it expires.

Owns: `HoldService`. Raises `ReservationConflict` (Cal.com answers 422) when the time is booked or
held by someone else.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from calendula.domain.bookings import SlotHold
from calendula.domain.errors import InvalidInput, NotFound, ReservationConflict, SlotUnavailable
from calendula.domain.event_types import EventType, allowed_length
from calendula.domain.intervals import Interval
from calendula.domain.slots import check_slot
from calendula.services.availability import gather_calendars
from calendula.services.ports import BusyTimeSource, Clock, UnitOfWork, UnitOfWorkFactory

DEFAULT_HOLD_MINUTES = 5
MAX_HOLD_MINUTES = 60


class HoldService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, busy_source: BusyTimeSource
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._busy_source = busy_source

    def hold(
        self,
        event_type_id: int,
        start: datetime,
        *,
        length_minutes: int | None = None,
        minutes: int = DEFAULT_HOLD_MINUTES,
    ) -> SlotHold:
        """Reserve `[start, start+length)` for `minutes`; returns the hold (its uid is the
        reservation uid)."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            event_type = _event_type(uow, event_type_id)
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
        return hold

    def move(
        self,
        uid: str,
        event_type_id: int,
        start: datetime,
        *,
        length_minutes: int | None = None,
        minutes: int = DEFAULT_HOLD_MINUTES,
    ) -> SlotHold:
        """Move or extend an existing, unexpired hold."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            current = uow.holds.get(uid)
            if current is None or not current.is_active(now):
                raise NotFound(f"Reservation with uid={uid} not found")
            event_type = _event_type(uow, event_type_id)
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

    def _ensure_free(
        self, uow: UnitOfWork, event_type: EventType, wanted: Interval, now: datetime
    ) -> None:
        host_ids = [event_type.owner_id]
        uow.holds.purge_expired(host_ids, wanted.widen(timedelta(days=1), timedelta(days=1)), now)
        gathered = gather_calendars(uow, event_type, wanted, now, self._busy_source)
        try:
            slot = check_slot(event_type, gathered.calendars, wanted, now, seated=gathered.seated)
        except SlotUnavailable:
            raise ReservationConflict(
                "Can't reserve a slot if the event is already booked."
            ) from None
        if slot.booking_uid is not None:
            raise ReservationConflict("Seated slots that already have a booking cannot be held.")


def _claimed(add: Callable[[], SlotHold]) -> SlotHold:
    """Run the claiming insert; a lost race for the time is a reservation conflict."""
    try:
        return add()
    except SlotUnavailable:
        raise ReservationConflict(
            "This time slot is already reserved by another user. Please choose a different time."
        ) from None


def _event_type(uow: UnitOfWork, event_type_id: int) -> EventType:
    event_type = uow.event_types.get(event_type_id)
    if event_type is None:
        raise NotFound(f"Event type with id {event_type_id} not found")
    return event_type


def _wanted(event_type: EventType, start: datetime, length: int | None, now: datetime) -> Interval:
    if start.tzinfo is None:
        raise InvalidInput("slotStart", "slotStart must be an ISO 8601 time in UTC")
    minutes = allowed_length(event_type, length)
    wanted = Interval.utc(start, start + timedelta(minutes=minutes))
    if wanted.start < now:
        raise InvalidInput("slotStart", "slotStart is in the past")
    return wanted


def _duration(minutes: int) -> timedelta:
    if not 1 <= minutes <= MAX_HOLD_MINUTES:
        raise InvalidInput(
            "reservationDuration", f"reservationDuration must be 1 to {MAX_HOLD_MINUTES} minutes"
        )
    return timedelta(minutes=minutes)
