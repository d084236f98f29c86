"""Booking a dynamic group (`/{user1}+{user2}`): one meeting with every listed user as host.

Owns: `GroupBooking`, the part of `BookingService` (which inherits it) that books a
`NewBooking` naming `usernames` instead of an event type. There is no stored event type: the
meeting is `length_minutes` long (default 30, as the slots API), the first user is the
organizer (the booking's owner, the payload's `organizer`) and every user is a host
(`Booking.host_ids`). One write transaction re-checks exactly the wanted interval against
every member's schedule, bookings, holds and calendars (`availability.gather_group`, the same
gathering as the group's slot list, in COLLECTIVE mode), inserts the booking (which claims the
time for every host: the claim table refuses it if any member's time is taken) and records
one outbox event. Moving such a booking (`BookingService.reschedule`) re-checks the new time
for every member the same way (`_prefetch_moved`, `_recheck_members`); the new booking keeps
every host, so its insert claims the time of each. Must not import storage, integrations or
entry points.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from calendula.domain import bookings as rules
from calendula.domain.accounts import User
from calendula.domain.booking_fields import validate_responses
from calendula.domain.bookings import Booking, BookingStatus, validate_metadata
from calendula.domain.errors import CalendulaError
from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.slots import TeamMode, check_slot
from calendula.services.availability import (
    PrefetchedBusy,
    dynamic_event_type,
    gather_group,
    group_length,
    load_group,
    recheck_span,
)
from calendula.services.booking_support import (
    MAX_TITLE_LENGTH,
    BookingView,
    NewBooking,
    created_trigger,
    emit,
    event_type_of,
    guest_attendee,
    stored_location,
    validate_attendee,
    validate_guests,
)
from calendula.services.ports import BusyTimeSource, Clock, UnitOfWork, UnitOfWorkFactory
from calendula.services.slot_cache import CalendarChanges

log = logging.getLogger(__name__)


def is_group_booking(booking: Booking) -> bool:
    """Whether `booking` is a dynamic group's: no event type, two or more hosts."""
    return booking.event_type_id is None and len(booking.host_ids) > 1


def moved_event_type(booking: Booking, length_minutes: int | None) -> EventType:
    """The event type a dynamic group booking is moved with: `length_minutes`, by default
    the booking's own length."""
    return dynamic_event_type(
        booking.owner_id, group_length(length_minutes or booking.duration_minutes)
    )


def group_title(users: Sequence[User], attendee_name: str, length_minutes: int) -> str:
    """`30 min meeting between Alice, Bob and Carol` (hosts in order, then the attendee)."""
    names = ", ".join(user.name or user.username for user in users)
    return f"{length_minutes} min meeting between {names} and {attendee_name}"[:MAX_TITLE_LENGTH]


class GroupBooking:
    """Dynamic group bookings; `BookingService` provides the attributes below."""

    _uow_factory: UnitOfWorkFactory
    _clock: Clock
    _busy_source: BusyTimeSource
    _new_uid: Callable[[], str]
    _changes: CalendarChanges

    def _committed(self) -> None:
        """What follows every commit (`BookingService._committed`)."""
        raise NotImplementedError

    def _wanted(
        self, event_type: EventType, start: datetime, length: int | None, now: datetime
    ) -> Interval:
        """The interval asked for, checked (`BookingService._wanted`)."""
        raise NotImplementedError

    def _prefetch(
        self,
        load: Callable[[UnitOfWork], EventType],
        start: datetime,
        length: int | None,
        now: datetime,
        series_of: NewBooking | None = None,
    ) -> BusyTimeSource:
        """The owner's calendar busy times, read beforehand (`BookingService._prefetch`)."""
        raise NotImplementedError

    def _prefetch_moved(
        self, uid: str, start: datetime, length: int | None, now: datetime
    ) -> BusyTimeSource:
        """Calendar busy times for moving booking `uid` to `start`, read before the write
        transaction: every member's for a dynamic group booking, else the owner's. Bad input
        is left for the write transaction to report."""
        with self._uow_factory() as uow:
            old = uow.bookings.get_by_uid(uid)
        if old is None:
            return self._busy_source
        if not is_group_booking(old):
            return self._prefetch(lambda uow: event_type_of(uow, old), start, length, now)
        try:
            event_type = moved_event_type(old, length)
            wanted = self._wanted(event_type, start, event_type.length_minutes, now)
        except CalendulaError:
            return self._busy_source
        span = recheck_span(event_type, wanted)
        return PrefetchedBusy(self._busy_source, old.host_ids, span)

    def _recheck_members(
        self,
        uow: UnitOfWork,
        booking: Booking,
        event_type: EventType,
        wanted: Interval,
        now: datetime,
        busy: BusyTimeSource,
    ) -> None:
        """Re-check exactly `wanted` for every member of a dynamic group booking being moved
        (its own claims already released): `SlotUnavailable` unless all are free."""
        hosts = (uow.users.get(host_id) for host_id in booking.host_ids)
        users = [user for user in hosts if user is not None]
        if users:
            self._recheck_group(uow, users, event_type, wanted, now, busy)

    def _create_group(self, request: NewBooking) -> list[BookingView]:
        """Book `request.usernames` together. Raises `SlotUnavailable` when any member is not
        free for exactly that interval (or the claim of any member's time is refused),
        `NotFound` for an unknown username, `InvalidInput` naming the field."""
        now = self._clock.now()
        length = group_length(request.length_minutes)
        wanted = self._wanted(dynamic_event_type(0, length), request.start, length, now)
        busy = self._prefetch_group(request.usernames, wanted)
        with self._uow_factory(write=True) as uow:
            users = load_group(uow, request.usernames)
            host_ids = [user.id for user in users if user.id is not None]
            event_type = dynamic_event_type(host_ids[0], length)
            booking = self._group_booking(users, event_type, wanted, request, now)
            self._recheck_group(uow, users, event_type, wanted, now, busy)
            booking = uow.bookings.add(booking)  # claims the time of every host
            view = BookingView(booking, tuple(users), None)
            emit(uow, created_trigger(booking), view, now)
            uow.commit()
            self._committed()
        log.info("dynamic group booking created for %d hosts", len(host_ids))
        return [view]

    def _prefetch_group(self, usernames: Sequence[str], wanted: Interval) -> BusyTimeSource:
        """The members' calendar busy times, read before the write transaction opens."""
        try:
            with self._uow_factory() as uow:
                users = load_group(uow, usernames)
        except CalendulaError:
            return self._busy_source  # reported by the write transaction
        host_ids = [user.id for user in users if user.id is not None]
        span = recheck_span(dynamic_event_type(host_ids[0], 1), wanted)
        return PrefetchedBusy(self._busy_source, host_ids, span)

    def _recheck_group(
        self,
        uow: UnitOfWork,
        users: Sequence[User],
        event_type: EventType,
        wanted: Interval,
        now: datetime,
        busy: BusyTimeSource,
    ) -> None:
        host_ids = [user.id for user in users if user.id is not None]
        uow.holds.purge_expired(host_ids, wanted.widen(timedelta(days=1), timedelta(days=1)), now)
        self._changes.note()  # write intent: caches drop what they gather now
        gathered = gather_group(uow, users, wanted, now, busy)
        check_slot(event_type, gathered.calendars, wanted, now, mode=TeamMode.COLLECTIVE)

    def _group_booking(
        self,
        users: Sequence[User],
        event_type: EventType,
        wanted: Interval,
        request: NewBooking,
        now: datetime,
    ) -> Booking:
        attendee = validate_attendee(request.attendee)
        guests = validate_guests(event_type, request.guests, attendee)
        responses = validate_responses((), request.responses)
        phone = {"attendeePhoneNumber": attendee.phone_number} if attendee.phone_number else {}
        location = stored_location(event_type, request.location)
        pending = rules.needs_confirmation(event_type, wanted.start, now)
        return Booking(
            uid=self._new_uid(),
            ics_uid=f"{self._new_uid()}@calendula",
            event_type_id=None,
            host_ids=tuple(user.id for user in users if user.id is not None),
            title=group_title(users, attendee.name, event_type.length_minutes),
            start=wanted.start,
            end=wanted.end,
            status=BookingStatus.PENDING if pending else BookingStatus.ACCEPTED,
            attendees=(attendee, *(guest_attendee(g, attendee) for g in guests)),
            created_at=now,
            updated_at=now,
            guests=guests,
            responses={"name": attendee.name, "email": attendee.email, **phone, **responses},
            metadata=validate_metadata(dict(request.metadata)),
            location=location,
            idempotency_key=request.idempotency_key,
        )
