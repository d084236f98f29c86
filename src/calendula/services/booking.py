"""Booking use cases: create, reschedule, cancel, confirm, decline, mark no-show.

Owns: `BookingService`. Every write is one unit of work: availability is re-checked for exactly
the requested interval inside the write transaction (no cache), then the booking is inserted and
its time claimed; the database's claim constraint is the last line of defence
(`SlotUnavailable`). Side effects (webhooks, email) will be outbox rows written in the same
transaction.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calendula.domain import bookings as rules
from calendula.domain.accounts import validate_email
from calendula.domain.booking_fields import validate_responses
from calendula.domain.bookings import Attendee, Booking, BookingStatus
from calendula.domain.errors import Conflict, InvalidInput, NotFound, SeatsFull, SlotUnavailable
from calendula.domain.event_types import EventType, allowed_length
from calendula.domain.intervals import Interval
from calendula.domain.schedules import zone_from_name
from calendula.domain.slots import Slot, check_slot
from calendula.services.availability import SlotQuery, gather_calendars, load_event_type
from calendula.services.ports import BusyTimeSource, Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_GUESTS = 30


def new_uid() -> str:
    """An unguessable public booking identifier (128 random bits, 22 URL-safe characters)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A request to book. One of `event_type_id` or (`username`, `event_slug`) names the event
    type. `hold_uid` is the caller's own slot reservation, consumed by the booking."""

    start: datetime
    attendee: Attendee
    event_type_id: int | None = None
    username: str | None = None
    event_slug: str | None = None
    length_minutes: int | None = None
    guests: tuple[str, ...] = ()
    responses: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    location: str | None = None
    idempotency_key: str | None = None
    hold_uid: str | None = None


def validate_attendee(attendee: Attendee) -> Attendee:
    if not attendee.name or not attendee.name.strip():
        raise InvalidInput("attendee.name", "attendee.name is required")
    zone_from_name(attendee.time_zone, "attendee.timeZone")
    return dataclasses.replace(
        attendee, name=attendee.name.strip(), email=validate_email(attendee.email, "attendee.email")
    )


def validate_guests(event_type: EventType, guests: tuple[str, ...]) -> tuple[str, ...]:
    if guests and event_type.disable_guests:
        raise InvalidInput("guests", "this event type does not allow guests")
    if len(guests) > MAX_GUESTS:
        raise InvalidInput("guests", f"at most {MAX_GUESTS} guests")
    return tuple(validate_email(g, "guests") for g in guests)


class BookingService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        busy_source: BusyTimeSource,
        *,
        uid_factory: Callable[[], str] = new_uid,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._busy_source = busy_source
        self._new_uid = uid_factory

    # -- reads ---------------------------------------------------------------------------------

    def get(self, uid: str) -> Booking:
        with self._uow_factory() as uow:
            return _must_get(uow, uid)

    # -- create --------------------------------------------------------------------------------

    def create(self, request: NewBooking) -> Booking:
        """Book, or return the first result of an earlier request with the same idempotency key.

        Raises `SlotUnavailable` (taken, outside availability, past a limit), `SeatsFull`,
        `InvalidInput` naming the field, `NotFound` for an unknown event type."""
        earlier = self._earlier(request.idempotency_key)
        if earlier is not None:
            return earlier
        try:
            return self._create_once(request)
        except Conflict as error:
            earlier = self._earlier(request.idempotency_key)
            if earlier is not None:
                return earlier
            if isinstance(error, SlotUnavailable) and not isinstance(error, SeatsFull):
                # A seated slot may have been opened by a racing first booker: join it.
                return self._retry_seated(request, error)
            raise

    def _retry_seated(self, request: NewBooking, error: SlotUnavailable) -> Booking:
        with self._uow_factory() as uow:
            query = SlotQuery(request.event_type_id, request.username, request.event_slug)
            seated = load_event_type(uow, query).seats is not None
        if not seated:
            raise error
        return self._create_once(request)

    def _earlier(self, key: str | None) -> Booking | None:
        if not key:
            return None
        with self._uow_factory() as uow:
            return uow.bookings.get_by_idempotency_key(key)

    def _create_once(self, request: NewBooking) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            query = SlotQuery(request.event_type_id, request.username, request.event_slug)
            event_type = load_event_type(uow, query)
            wanted = self._wanted(event_type, request.start, request.length_minutes, now)
            attendee = validate_attendee(request.attendee)
            guests = validate_guests(event_type, request.guests)
            responses = validate_responses(event_type.booking_fields, request.responses)
            slot = self._claimable(uow, event_type, wanted, now, request.hold_uid)
            if slot.booking_uid is not None:
                booking = self._join_seat(uow, event_type, slot.booking_uid, attendee)
            else:
                booking = uow.bookings.add(
                    self._new_booking(
                        uow, event_type, wanted, attendee, now, request, guests, responses
                    )
                )
            uow.commit()
        log.info("booking %s created for event type %s", booking.uid, event_type.id)
        return booking

    def _wanted(
        self, event_type: EventType, start: datetime, length: int | None, now: datetime
    ) -> Interval:
        if start.tzinfo is None:
            raise InvalidInput("start", "start must be an ISO 8601 time in UTC, e.g. ...T09:00:00Z")
        minutes = allowed_length(event_type, length)
        wanted = Interval.utc(start, start + timedelta(minutes=minutes))
        if wanted.start < now:
            raise InvalidInput("start", "Attempting to book a meeting in the past.")
        return wanted

    def _claimable(
        self,
        uow: UnitOfWork,
        event_type: EventType,
        wanted: Interval,
        now: datetime,
        hold_uid: str | None,
        exclude_uid: str | None = None,
    ) -> Slot:
        """Re-check exactly `wanted` inside the write transaction; consume the caller's hold."""
        host_ids = [event_type.owner_id]
        uow.holds.purge_expired(host_ids, wanted.widen(timedelta(days=1), timedelta(days=1)), now)
        if hold_uid:
            hold = uow.holds.get(hold_uid)
            if hold is not None and hold.event_type_id == event_type.id:
                uow.holds.delete(hold.uid)
        gathered = gather_calendars(
            uow, event_type, wanted, now, self._busy_source, exclude_uid=exclude_uid
        )
        return check_slot(event_type, gathered.calendars, wanted, now, seated=gathered.seated)

    def _join_seat(
        self, uow: UnitOfWork, event_type: EventType, booking_uid: str, attendee: Attendee
    ) -> Booking:
        booking = _must_get(uow, booking_uid, for_update=True)
        seats = event_type.seats.per_slot if event_type.seats else 1
        if len(booking.attendees) >= seats or not booking.is_active:
            raise SeatsFull("No more seats left at this seated booking.")
        taken = {a.email.lower() for a in booking.attendees}
        if attendee.email.lower() in taken:
            raise Conflict("This attendee already has a seat at this booking.")
        uow.bookings.add_attendee(booking_uid, dataclasses.replace(attendee, seat_uid=new_uid()))
        return _must_get(uow, booking_uid)

    def _new_booking(
        self,
        uow: UnitOfWork,
        event_type: EventType,
        wanted: Interval,
        attendee: Attendee,
        now: datetime,
        request: NewBooking,
        guests: tuple[str, ...],
        responses: dict[str, Any],
    ) -> Booking:
        owner = uow.users.get(event_type.owner_id)
        organiser = (owner.name or owner.username) if owner else "the host"
        pending = rules.needs_confirmation(event_type, wanted.start, now)
        confirmation = event_type.confirmation
        seat_uid = new_uid() if event_type.seats else None
        return Booking(
            uid=self._new_uid(),
            ics_uid=f"{self._new_uid()}@calendula",
            event_type_id=event_type.id,
            host_ids=(event_type.owner_id,),
            title=f"{event_type.title} between {organiser} and {attendee.name}",
            description=event_type.description,
            start=wanted.start,
            end=wanted.end,
            status=BookingStatus.PENDING if pending else BookingStatus.ACCEPTED,
            attendees=(dataclasses.replace(attendee, seat_uid=seat_uid),),
            created_at=now,
            updated_at=now,
            guests=guests,
            responses={"name": attendee.name, "email": attendee.email, **responses},
            metadata=dict(request.metadata),
            location=request.location,
            before_buffer_minutes=event_type.before_buffer_minutes,
            after_buffer_minutes=event_type.after_buffer_minutes,
            seats_total=event_type.seats.per_slot if event_type.seats else None,
            idempotency_key=request.idempotency_key,
            blocks_when_pending=confirmation.block_pending if confirmation else True,
        )

    # -- changes -------------------------------------------------------------------------------

    def reschedule(
        self,
        uid: str,
        start: datetime,
        *,
        by: str | None = None,
        reason: str | None = None,
        length_minutes: int | None = None,
    ) -> Booking:
        """Move a booking: a new booking (new uid, same `ics_uid`) linked both ways to the old
        one, which is cancelled as rescheduled. Keeps the old length unless one is given."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            old = _must_get(uow, uid, for_update=True)
            rules.ensure_reschedulable(old)
            event_type = _event_type_of(uow, old)
            wanted = self._wanted(event_type, start, length_minutes or old.duration_minutes, now)
            new_uid_ = self._new_uid()
            uow.bookings.update(
                rules.mark_rescheduled(old, new_uid=new_uid_, by=by, reason=reason, now=now)
            )
            slot = self._claimable(uow, event_type, wanted, now, None, exclude_uid=old.uid)
            if slot.booking_uid is not None:
                raise SlotUnavailable("That time is taken by another seated booking.")
            new = self._moved(uow, old, event_type, wanted, new_uid_, now, by, reason)
            new = uow.bookings.add(new)
            uow.commit()
        log.info("booking %s rescheduled to %s", uid, new.uid)
        return new

    def _moved(
        self,
        uow: UnitOfWork,
        old: Booking,
        event_type: EventType,
        wanted: Interval,
        new_uid_: str,
        now: datetime,
        by: str | None,
        reason: str | None,
    ) -> Booking:
        owner = uow.users.get(old.owner_id)
        by_owner = bool(by and owner and by.lower() == owner.email.lower())
        pending = rules.needs_confirmation(event_type, wanted.start, now) and not by_owner
        return dataclasses.replace(
            old,
            id=None,
            uid=new_uid_,
            start=wanted.start,
            end=wanted.end,
            status=BookingStatus.PENDING if pending else BookingStatus.ACCEPTED,
            attendees=tuple(dataclasses.replace(a, id=None) for a in old.attendees),
            created_at=now,
            updated_at=now,
            rescheduled_from_uid=old.uid,
            rescheduled_to_uid=None,
            rescheduled_by=by,
            rescheduling_reason=reason,
            idempotency_key=None,
            cancellation_reason=None,
            cancelled_by=None,
        )

    def cancel(
        self,
        uid: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        actor_id: int | None = None,
    ) -> Booking:
        """Cancel; a host (`actor_id` among the hosts) must give a reason, as in Cal.com."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _must_get(uow, uid, for_update=True)
            if actor_id is not None and actor_id in booking.host_ids and not reason:
                raise InvalidInput(
                    "cancellationReason", "Cancellation reason is required when you are the host"
                )
            cancelled = uow.bookings.update(rules.cancel(booking, reason=reason, by=by, now=now))
            uow.commit()
        return cancelled

    def confirm(self, uid: str, *, actor_id: int) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            confirmed = uow.bookings.update(rules.confirm(booking, now=now))
            uow.commit()
        return confirmed

    def decline(self, uid: str, *, actor_id: int, reason: str | None = None) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            declined = uow.bookings.update(rules.decline(booking, reason=reason, now=now))
            uow.commit()
        return declined

    def mark_absent(
        self,
        uid: str,
        *,
        actor_id: int,
        host: bool | None = None,
        attendees: Mapping[str, bool] | None = None,
    ) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            marked = rules.mark_absent(booking, host=host, attendees=dict(attendees or {}), now=now)
            marked = uow.bookings.update(marked)
            uow.commit()
        return marked


def _must_get(uow: UnitOfWork, uid: str, *, for_update: bool = False) -> Booking:
    booking = uow.bookings.get_by_uid(uid, for_update=for_update)
    if booking is None:
        raise NotFound(f"Booking with uid={uid} was not found in the database")
    return booking


def _host_booking(uow: UnitOfWork, uid: str, actor_id: int) -> Booking:
    """The booking, if `actor_id` is one of its hosts; others get NotFound (no existence leak)."""
    booking = _must_get(uow, uid, for_update=True)
    if actor_id not in booking.host_ids:
        raise NotFound(f"Booking with uid={uid} was not found in the database")
    return booking


def _event_type_of(uow: UnitOfWork, booking: Booking) -> EventType:
    event_type = uow.event_types.get(booking.event_type_id) if booking.event_type_id else None
    if event_type is None:
        raise NotFound(f"Event type of booking with uid={booking.uid} no longer exists")
    return event_type
