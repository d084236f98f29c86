"""Booking use cases: create, reschedule, cancel, confirm, decline, mark no-show, guests,
attendees, location, and the reads of the bookings API (one booking, a host's list).

Owns: `BookingService` and its input/output values (`NewBooking`, `NewGuest`, `BookingView`).
Every write is one unit of work: availability is re-checked for exactly the requested interval
inside the write transaction (no cache), then the booking is inserted and its time claimed; the
database's claim constraint is the last line of defence (`SlotUnavailable`). Side effects
(webhooks, emails, calendar writes) start as an outbox event written in the same transaction
(`_emit`): topic a webhook trigger name, data `{"payload": <Cal.com booking payload>}` taken
from the booking as committed. After commit `on_commit` wakes the dispatcher.

Recurring series (`book_series`): every occurrence is re-checked, claimed and written with its
own event in one transaction; the first refusal rolls the whole series back. Occurrences share
`recurring_booking_uid`; a series is read (`find_views`) and cancelled (`cancel_series`, or
`cancel(subsequent=True)` from one occurrence on) by it.

Topics: BOOKING_CREATED (accepted on create, a seat taken, a request confirmed),
BOOKING_REQUESTED, BOOKING_RESCHEDULED (the new booking; the old uid in `rescheduleUid`),
BOOKING_CANCELLED (also one seat given up: the payload status then stays ACCEPTED),
BOOKING_REJECTED, BOOKING_NO_SHOW_UPDATED, and BOOKING_UPDATED (guests, attendees or location
changed: no Cal.com trigger, for emails and calendars).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from calendula.domain import bookings as rules
from calendula.domain.accounts import User, validate_email
from calendula.domain.booking_fields import PHONE_PATTERN, validate_responses
from calendula.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    ListStatus,
    LocationChoice,
    integration_location,
    resolve_location,
    validate_metadata,
)
from calendula.domain.errors import (
    CalendulaError,
    Conflict,
    InvalidInput,
    InvalidState,
    NotFound,
    SeatsFull,
    SlotUnavailable,
)
from calendula.domain.event_types import EventType, allowed_length
from calendula.domain.intervals import Interval
from calendula.domain.outbox import OutboxEvent
from calendula.domain.recurrence import occurrence_starts, series_count
from calendula.domain.schedules import zone_from_name
from calendula.domain.slots import Slot, check_slot
from calendula.domain.webhooks import BookingFacts, Trigger, booking_payload, no_show_payload
from calendula.services.availability import (
    PrefetchedBusy,
    SlotQuery,
    gather_calendars,
    load_event_type,
    recheck_span,
)
from calendula.services.ports import (
    BookingFilter,
    BusyTimeSource,
    Clock,
    SortKey,
    UnitOfWork,
    UnitOfWorkFactory,
)
from calendula.services.slot_cache import CalendarChanges

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
    books on a recurring event type (None: the event type's `occurrences`)."""

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
class _Made:
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


class BookingService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        busy_source: BusyTimeSource,
        *,
        uid_factory: Callable[[], str] = new_uid,
        changes: CalendarChanges | None = None,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._busy_source = busy_source
        self._new_uid = uid_factory
        self._changes = changes or CalendarChanges()
        self._on_commit = on_commit

    def _committed(self) -> None:
        """After every committed write: caches drop what they hold, the outbox is woken."""
        self._changes.note()
        if self._on_commit is not None:
            self._on_commit()

    # -- reads ---------------------------------------------------------------------------------

    def get(self, uid: str) -> Booking:
        with self._uow_factory() as uow:
            return _must_get(uow, uid)

    # -- create --------------------------------------------------------------------------------

    def create(self, request: NewBooking) -> Booking:
        """Book, or return the first result of an earlier request with the same idempotency key.
        Books one meeting, also on a recurring event type (Cal.com's legacy create).

        Raises `SlotUnavailable` (taken, outside availability, past a limit), `SeatsFull`,
        `InvalidInput` naming the field, `NotFound` for an unknown event type."""
        made = self._create(request, series=False)
        return made[0].booking if isinstance(made, list) else made

    def book(self, request: NewBooking) -> BookingView:
        """`create`, returning what the API renders: the view of a new booking is built from
        what its transaction read (no second read); an earlier one's is loaded."""
        made = self._create(request, series=False)
        return made[0] if isinstance(made, list) else self.view(made)

    def book_series(self, request: NewBooking) -> list[BookingView]:
        """`book`, except that a recurring event type books its whole series (Cal.com's
        2024-08-13 create): `request.recurrence_count` occurrences (default the event type's),
        all checked and claimed in one transaction, all or nothing; a refused occurrence raises
        `SlotUnavailable` naming its time. The views in start order; a list of one for an event
        type that does not recur."""
        made = self._create(request, series=True)
        return made if isinstance(made, list) else self.series_views(made)

    def _create(self, request: NewBooking, *, series: bool) -> Booking | list[BookingView]:
        earlier = self._earlier(request.idempotency_key)
        if earlier is not None:
            return earlier
        try:
            return self._create_once(request, series=series)
        except Conflict as error:
            earlier = self._earlier(request.idempotency_key)
            if earlier is not None:
                return earlier
            if isinstance(error, SlotUnavailable) and not isinstance(error, SeatsFull):
                # A seated slot may have been opened by a racing first booker: join it.
                return self._retry_seated(request, error, series=series)
            raise

    def _retry_seated(
        self, request: NewBooking, error: SlotUnavailable, *, series: bool
    ) -> list[BookingView]:
        with self._uow_factory() as uow:
            query = SlotQuery(request.event_type_id, request.username, request.event_slug)
            seated = load_event_type(uow, query).seats is not None
        if not seated:
            raise error
        return self._create_once(request, series=series)

    def _earlier(self, key: str | None) -> Booking | None:
        if not key:
            return None
        with self._uow_factory() as uow:
            return uow.bookings.get_by_idempotency_key(key)

    def _prefetch(
        self,
        load: Callable[[UnitOfWork], EventType],
        start: datetime,
        length: int | None,
        now: datetime,
        series_of: NewBooking | None = None,
    ) -> BusyTimeSource:
        """The owner's calendar busy times around the interval asked for, read before the
        write transaction opens: calendar servers are never waited for while the write lock
        (SQLite) or row locks are held. The re-check inside still reads the database claims;
        bad input is left for the write transaction to report. `series_of`: the request books
        a series when the event type recurs; then the span covers every occurrence."""
        try:
            with self._uow_factory() as uow:
                event_type = load(uow)
            wanted = self._wanted(event_type, start, length, now)
            span = recheck_span(event_type, wanted)
            if series_of is not None and event_type.recurrence is not None:
                span = _series_span(event_type, wanted, series_of, span)
        except CalendulaError:
            return self._busy_source
        return PrefetchedBusy(self._busy_source, [event_type.owner_id], span)

    def _create_once(self, request: NewBooking, *, series: bool) -> list[BookingView]:
        now = self._clock.now()
        query = SlotQuery(request.event_type_id, request.username, request.event_slug)
        busy = self._prefetch(
            lambda uow: load_event_type(uow, query),
            request.start,
            request.length_minutes,
            now,
            series_of=request if series else None,
        )
        with self._uow_factory(write=True) as uow:
            event_type = load_event_type(uow, query)
            wanted = self._wanted(event_type, request.start, request.length_minutes, now)
            attendee = validate_attendee(request.attendee)
            guests = validate_guests(event_type, request.guests, attendee)
            responses = validate_responses(event_type.booking_fields, request.responses)
            request = dataclasses.replace(
                request,
                metadata=validate_metadata(dict(request.metadata)),
                location=stored_location(event_type, request.location),
            )
            owner = uow.users.get(event_type.owner_id)  # read once: re-check and title
            if series and event_type.recurrence is not None:
                made = _Made(owner, event_type, attendee, now, request, guests, responses, busy)
                views = self._add_series(uow, made, wanted)
            else:
                slot = self._claimable(
                    uow, event_type, wanted, now, request.hold_uid, owner=owner, busy=busy
                )
                if slot.booking_uid is not None:
                    booking = self._join_seat(uow, event_type, slot.booking_uid, attendee)
                else:
                    booking = uow.bookings.add(
                        self._new_booking(
                            owner, event_type, wanted, attendee, now, request, guests, responses
                        )
                    )
                view = _created_view(uow, booking, owner, event_type)
                _emit(uow, _created_trigger(booking), view, now)
                views = [view]
            uow.commit()
            self._committed()
        log.info("%d booking(s) created for event type %s", len(views), event_type.id)
        return views

    def _add_series(self, uow: UnitOfWork, made: _Made, first: Interval) -> list[BookingView]:
        """Check, claim and write every occurrence of the series starting at `first`, each
        with its outbox event, in the caller's transaction. The first refusal raises (naming
        that occurrence's time) and the unit of work, never committed, keeps nothing."""
        event_type, request = made.event_type, made.request
        assert event_type.recurrence is not None
        count = series_count(event_type.recurrence, request.recurrence_count)
        zone = zone_from_name(made.attendee.time_zone, "attendee.timeZone")
        starts = occurrence_starts(first.start, zone, event_type.recurrence, count)
        pending = rules.needs_confirmation(event_type, first.start, made.now)
        series_uid = self._new_uid()
        views = []
        for index, start in enumerate(starts):
            wanted = Interval.utc(start, start + (first.end - first.start))
            hold = request.hold_uid if index == 0 else None
            try:
                self._claimable(
                    uow, event_type, wanted, made.now, hold, owner=made.owner, busy=made.busy
                )
                booking = self._new_booking(
                    made.owner, event_type, wanted, made.attendee, made.now, request,
                    made.guests, made.responses,
                )  # fmt: skip
                booking = uow.bookings.add(
                    dataclasses.replace(
                        booking,
                        status=BookingStatus.PENDING if pending else BookingStatus.ACCEPTED,
                        recurring_booking_uid=series_uid,
                        idempotency_key=booking.idempotency_key if index == 0 else None,
                    )
                )
            except SlotUnavailable as error:
                raise SlotUnavailable(
                    f"Occurrence {index + 1} of {count} at {start.isoformat()} cannot be booked, "
                    f"so none of the series was: {error.message}"
                ) from error
            view = _created_view(uow, booking, made.owner, event_type)
            _emit(uow, _created_trigger(booking), view, made.now, recurring_count=count)
            views.append(view)
        return views

    def _wanted(
        self, event_type: EventType, start: datetime, length: int | None, now: datetime
    ) -> Interval:
        if start.tzinfo is None:
            raise InvalidInput("start", "start must be an ISO 8601 time in UTC, e.g. ...T09:00:00Z")
        if start - now > MAX_AHEAD:
            raise InvalidInput("start", "start is more than 100 years ahead")
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
        *,
        owner: User | None = None,
        busy: BusyTimeSource | None = None,
    ) -> Slot:
        """Re-check exactly `wanted` inside the write transaction; consume the caller's hold.
        `busy`: calendar busy times read before the transaction (`_prefetch`)."""
        host_ids = [event_type.owner_id]
        uow.holds.purge_expired(host_ids, wanted.widen(timedelta(days=1), timedelta(days=1)), now)
        if hold_uid:
            hold = uow.holds.get(hold_uid)
            if hold is not None and hold.event_type_id == event_type.id:
                uow.holds.delete(hold.uid)
        self._changes.note()  # write intent: caches drop what they gather now
        gathered = gather_calendars(
            uow,
            event_type,
            wanted,
            now,
            busy or self._busy_source,
            exclude_uid=exclude_uid,
            owner=owner,
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
        owner: User | None,
        event_type: EventType,
        wanted: Interval,
        attendee: Attendee,
        now: datetime,
        request: NewBooking,
        guests: tuple[str, ...],
        responses: dict[str, Any],
    ) -> Booking:
        organiser = (owner.name or owner.username) if owner else "the host"
        pending = rules.needs_confirmation(event_type, wanted.start, now)
        confirmation = event_type.confirmation
        seat_uid = new_uid() if event_type.seats else None
        title = f"{event_type.title} between {organiser} and {attendee.name}"
        phone = {"attendeePhoneNumber": attendee.phone_number} if attendee.phone_number else {}
        location = request.location if isinstance(request.location, str) else None
        return Booking(
            uid=self._new_uid(),
            ics_uid=f"{self._new_uid()}@calendula",
            event_type_id=event_type.id,
            host_ids=(event_type.owner_id,),
            title=title[:MAX_TITLE_LENGTH],
            description=event_type.description,
            start=wanted.start,
            end=wanted.end,
            status=BookingStatus.PENDING if pending else BookingStatus.ACCEPTED,
            attendees=(
                dataclasses.replace(attendee, seat_uid=seat_uid),
                *(guest_attendee(g, attendee) for g in guests),
            ),
            created_at=now,
            updated_at=now,
            guests=guests,
            responses={"name": attendee.name, "email": attendee.email, **phone, **responses},
            metadata=dict(request.metadata),
            location=location,
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
        actor_id: int | None = None,
    ) -> Booking:
        """Move a booking: a new booking (new uid, same `ics_uid`) linked both ways to the old
        one, which is cancelled as rescheduled. Keeps the old length unless one is given.

        Anyone with the uid may reschedule (Cal.com: the uid is the attendee's link). A booking
        that needs confirmation skips it only when the owner reschedules: `actor_id` (the
        authenticated caller) is the owner and `by` is the owner's email. Unlike Cal.com, an
        email alone (`rescheduledBy`) proves nothing: anyone could type the owner's."""
        now = self._clock.now()

        def load(uow: UnitOfWork) -> EventType:
            return _event_type_of(uow, _must_get(uow, uid))

        busy = self._prefetch(load, start, length_minutes, now)
        with self._uow_factory(write=True) as uow:
            old = _must_get(uow, uid, for_update=True)
            rules.ensure_reschedulable(old)
            event_type = _event_type_of(uow, old)
            wanted = self._wanted(event_type, start, length_minutes or old.duration_minutes, now)
            new_uid_ = self._new_uid()
            uow.bookings.update(
                rules.mark_rescheduled(old, new_uid=new_uid_, by=by, reason=reason, now=now)
            )
            slot = self._claimable(
                uow, event_type, wanted, now, None, exclude_uid=old.uid, busy=busy
            )
            if slot.booking_uid is not None:
                raise SlotUnavailable("That time is taken by another seated booking.")
            by_owner = _is_owner(uow, old, actor_id, by)
            new = self._moved(old, event_type, wanted, new_uid_, now, by, reason, by_owner)
            new = uow.bookings.add(new)
            view = _views(uow, [new])[0]
            _emit(uow, Trigger.BOOKING_RESCHEDULED, view, now, previous=old)
            uow.commit()
            self._committed()
        log.info("booking %s rescheduled to %s", uid, new.uid)
        return new

    def _moved(
        self,
        old: Booking,
        event_type: EventType,
        wanted: Interval,
        new_uid_: str,
        now: datetime,
        by: str | None,
        reason: str | None,
        by_owner: bool,
    ) -> Booking:
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
        seat_uid: str | None = None,
        subsequent: bool = False,
    ) -> Booking:
        """Cancel; a host (`actor_id` among the hosts) must give a reason, as in Cal.com.

        On a seated booking `seat_uid` gives up only that seat (the last seat cancels the
        booking); without it only a host may cancel the whole seated booking.
        `subsequent` (Cal.com's `cancelSubsequentBookings`) on an occurrence of a recurring
        series also cancels the series' later active occurrences, in the same transaction,
        each with its own BOOKING_CANCELLED event."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _must_get(uow, uid, for_update=True)
            is_host = actor_id is not None and actor_id in booking.host_ids
            if seat_uid is not None:
                changed = rules.remove_seat(booking, seat_uid, reason=reason, by=by, now=now)
            else:
                if booking.seats_total is not None and not is_host:
                    raise InvalidInput("seatUid", "seatUid is required to cancel a seat")
                _require_host_reason(is_host, reason)
                changed = rules.cancel(booking, reason=reason, by=by, now=now)
            cancelled = uow.bookings.update(changed)
            _emit(uow, Trigger.BOOKING_CANCELLED, _views(uow, [cancelled])[0], now)
            series = booking.recurring_booking_uid
            if subsequent and series is not None and seat_uid is None:
                occurrences = uow.bookings.list_series(series, for_update=True)
                later = [b for b in occurrences if b.start > booking.start and b.is_active]
                self._cancel_each(uow, later, reason=reason, by=by, now=now)
            uow.commit()
            self._committed()
        return cancelled

    def cancel_series(
        self,
        recurring_booking_uid: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        actor_id: int | None = None,
    ) -> list[Booking]:
        """Cancel every active occurrence of a recurring series (Cal.com: cancelling by the
        series uid). Returns all its occurrences in start order. Raises `NotFound` for an
        unknown series, `InvalidState` when none is active any more."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            series = uow.bookings.list_series(recurring_booking_uid, for_update=True)
            if not series:
                raise NotFound(
                    f"Booking with uid={recurring_booking_uid} was not found in the database"
                )
            _require_host_reason(actor_id is not None and actor_id in series[0].host_ids, reason)
            active = [b for b in series if b.is_active]
            if not active:
                raise InvalidState(
                    f"Can't cancel recurring booking with uid={recurring_booking_uid} because "
                    "all its occurrences have ended."
                )
            self._cancel_each(uow, active, reason=reason, by=by, now=now)
            series = uow.bookings.list_series(recurring_booking_uid)
            uow.commit()
            self._committed()
        return series

    def _cancel_each(
        self,
        uow: UnitOfWork,
        bookings: Sequence[Booking],
        *,
        reason: str | None,
        by: str | None,
        now: datetime,
    ) -> None:
        for booking in bookings:
            cancelled = uow.bookings.update(rules.cancel(booking, reason=reason, by=by, now=now))
            _emit(uow, Trigger.BOOKING_CANCELLED, _views(uow, [cancelled])[0], now)

    def confirm(self, uid: str, *, actor_id: int) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            confirmed = uow.bookings.update(rules.confirm(booking, now=now))
            _emit(uow, Trigger.BOOKING_CREATED, _views(uow, [confirmed])[0], now)
            uow.commit()
            self._committed()
        return confirmed

    def decline(self, uid: str, *, actor_id: int, reason: str | None = None) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            declined = uow.bookings.update(rules.decline(booking, reason=reason, now=now))
            _emit(uow, Trigger.BOOKING_REJECTED, _views(uow, [declined])[0], now)
            uow.commit()
            self._committed()
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
            _emit_event(uow, Trigger.BOOKING_NO_SHOW_UPDATED, marked, now, no_show_payload(marked))
            uow.commit()
            self._committed()
        return marked

    def add_guests(self, uid: str, *, actor_id: int, guests: Sequence[NewGuest]) -> Booking:
        """Add guests (attendees without a seat) to a host's booking; at most 30 in all."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            first = booking.attendees[0]
            added = tuple(_guest(g, first, f"guests.{i}") for i, g in enumerate(guests))
            updated = uow.bookings.update(rules.add_guests(booking, added, now=now))
            _emit(uow, UPDATED, _views(uow, [updated])[0], now)
            uow.commit()
            self._committed()
        return updated

    def add_attendee(
        self, uid: str, *, actor_id: int, attendee: Attendee
    ) -> tuple[Booking, Attendee]:
        """Add an attendee to a host's booking (a seat, on a seated booking)."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            attendee = validate_attendee(attendee, prefix="body")
            _ensure_room_for(booking, attendee)
            seat = new_uid() if booking.seats_total is not None else None
            added = uow.bookings.add_attendee(uid, dataclasses.replace(attendee, seat_uid=seat))
            booking = uow.bookings.update(dataclasses.replace(_must_get(uow, uid), updated_at=now))
            _emit(uow, UPDATED, _views(uow, [booking])[0], now)
            uow.commit()
            self._committed()
        return booking, added

    def update_location(self, uid: str, *, actor_id: int, location: str) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = _host_booking(uow, uid, actor_id)
            updated = uow.bookings.update(rules.relocate(booking, location.strip(), now=now))
            _emit(uow, UPDATED, _views(uow, [updated])[0], now)
            uow.commit()
            self._committed()
        return updated

    # -- views (what the API renders) ----------------------------------------------------------

    def view(self, booking: Booking) -> BookingView:
        """`booking` with its hosts and event type, for output."""
        with self._uow_factory() as uow:
            return _views(uow, [booking])[0]

    def get_view(self, uid: str) -> BookingView:
        with self._uow_factory() as uow:
            return _views(uow, [_must_get(uow, uid)])[0]

    def find_views(self, uid: str) -> BookingView | list[BookingView]:
        """A booking by its uid, or every occurrence of a recurring series by the series uid
        (Cal.com's get-booking: a list in start order). Raises `NotFound` for neither."""
        with self._uow_factory() as uow:
            booking = uow.bookings.get_by_uid(uid)
            if booking is not None:
                return _views(uow, [booking])[0]
            series = uow.bookings.list_series(uid)
            if not series:
                raise NotFound(f"Booking with uid={uid} was not found in the database")
            return _views(uow, series)

    def series_views(self, booking: Booking) -> list[BookingView]:
        """Every occurrence of `booking`'s series in start order, or `[booking]` alone."""
        with self._uow_factory() as uow:
            if booking.recurring_booking_uid is None:
                return _views(uow, [booking])
            return _views(uow, uow.bookings.list_series(booking.recurring_booking_uid))

    def host_view(self, uid: str, *, actor_id: int) -> BookingView:
        """The booking if `actor_id` hosts it, else `NotFound`."""
        with self._uow_factory() as uow:
            booking = uow.bookings.get_by_uid(uid)
            if booking is None or actor_id not in booking.host_ids:
                raise NotFound(f"Booking with uid={uid} was not found in the database")
            return _views(uow, [booking])[0]

    def search(self, actor_id: int, criteria: BookingFilter) -> BookingListing:
        """`actor_id`'s bookings as host matching `criteria` (default order by its statuses)."""
        if not criteria.sort:
            criteria = dataclasses.replace(criteria, sort=default_sort(criteria.statuses))
        now = self._clock.now()
        with self._uow_factory() as uow:
            page = uow.bookings.search(actor_id, criteria, now)
            return BookingListing(_views(uow, page.items), page.total)


def _emit(
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
    facts = BookingFacts(view.booking, view.hosts[0], view.event_type, previous, recurring_count)
    trigger = topic if isinstance(topic, Trigger) else Trigger.BOOKING_CREATED
    _emit_event(uow, str(topic), view.booking, now, booking_payload(trigger, facts))


def _emit_event(
    uow: UnitOfWork, topic: str, booking: Booking, now: datetime, payload: dict[str, Any]
) -> None:
    uow.outbox.add_event(
        OutboxEvent(
            topic=topic,
            created_at=now,
            owner_id=booking.owner_id,
            booking_uid=booking.uid,
            event_type_id=booking.event_type_id,
            data={"payload": payload},
        )
    )


def _series_span(
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


def _created_trigger(booking: Booking) -> Trigger:
    if booking.status is BookingStatus.ACCEPTED:
        return Trigger.BOOKING_CREATED
    return Trigger.BOOKING_REQUESTED


def _created_view(
    uow: UnitOfWork, booking: Booking, owner: User | None, event_type: EventType
) -> BookingView:
    """The view of a booking just written, from what its transaction read when it can."""
    if owner is not None and booking.host_ids == (owner.id,):
        return BookingView(booking, (owner,), event_type)  # what `view` would load
    return _views(uow, [booking])[0]


def _require_host_reason(is_host: bool, reason: str | None) -> None:
    if is_host and not reason:
        raise InvalidInput(
            "cancellationReason", "Cancellation reason is required when you are the host"
        )


def _guest(guest: NewGuest, first: Attendee, field_name: str) -> Attendee:
    attendee = Attendee(
        name=guest.name or "",
        email=validate_email(guest.email, f"{field_name}.email"),
        time_zone=guest.time_zone or first.time_zone,
        language=guest.language or "en",
        phone_number=guest.phone_number,
    )
    zone_from_name(attendee.time_zone, f"{field_name}.timeZone")
    return attendee


def _ensure_room_for(booking: Booking, attendee: Attendee) -> None:
    if not booking.is_active:
        raise InvalidInput("bookingUid", f"Booking with uid={booking.uid} is {booking.status}")
    if any(a.email.lower() == attendee.email.lower() for a in booking.attendees):
        raise InvalidInput("email", f"{attendee.email} is already an attendee of this booking")
    if booking.seats_total is not None and len(booking.attendees) >= booking.seats_total:
        raise SeatsFull("No more seats left at this seated booking.")


def _views(uow: UnitOfWork, bookings: Sequence[Booking]) -> list[BookingView]:
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


def _must_get(uow: UnitOfWork, uid: str, *, for_update: bool = False) -> Booking:
    booking = uow.bookings.get_by_uid(uid, for_update=for_update)
    if booking is None:
        raise NotFound(f"Booking with uid={uid} was not found in the database")
    return booking


def _is_owner(uow: UnitOfWork, booking: Booking, actor_id: int | None, by: str | None) -> bool:
    """Whether the authenticated caller `actor_id` owns `booking` and acts as its owner (`by`,
    the rescheduler's email, is the owner's)."""
    if actor_id is None or actor_id != booking.owner_id or not by:
        return False
    owner = uow.users.get(booking.owner_id)
    return owner is not None and by.lower() == owner.email.lower()


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
