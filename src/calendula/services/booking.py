"""Booking use cases: create, reschedule, cancel, confirm, decline, mark no-show, guests,
attendees, location, and the reads of the bookings API (one booking, a host's list).

Owns: `BookingService` (create, series, reschedule, reads; the other writes are inherited from
`booking_changes.BookingChanges`). Its input and output values live in `booking_support` and
are re-exported here (`NewBooking`, `NewGuest`, `BookingView`, `BookingListing`).
Every write is one unit of work: availability is re-checked for exactly the requested interval
inside the write transaction (no cache), then the booking is inserted and its time claimed; the
database's claim constraint is the last line of defence (`SlotUnavailable`). Side effects
(webhooks, emails, calendar writes) start as an outbox event written in the same transaction
(`booking_support.emit`): topic a webhook trigger name, data `{"payload": <Cal.com booking
payload>, "mail": <what emails need>}` taken from the booking as committed. After commit
`on_commit` wakes the dispatcher.

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
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from calendula.domain import bookings as rules
from calendula.domain.accounts import User
from calendula.domain.booking_fields import validate_responses
from calendula.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    validate_metadata,
)
from calendula.domain.errors import (
    CalendulaError,
    Conflict,
    InvalidInput,
    NotFound,
    SeatsFull,
    SlotUnavailable,
    TimeNotBookable,
)
from calendula.domain.event_types import EventType, allowed_length
from calendula.domain.intervals import Interval
from calendula.domain.recurrence import occurrence_starts, series_count
from calendula.domain.schedules import zone_from_name
from calendula.domain.slots import Slot, check_slot
from calendula.domain.webhooks import Trigger
from calendula.services.availability import (
    PrefetchedBusy,
    SlotQuery,
    gather_calendars,
    load_event_type,
    recheck_span,
)
from calendula.services.booking_changes import BookingChanges
from calendula.services.booking_support import (
    MAX_AHEAD,
    MAX_TITLE_LENGTH,
    BookingListing,
    BookingView,
    Made,
    NewBooking,
    NewGuest,
    attendee_of,
    created_trigger,
    created_view,
    default_sort,
    emit,
    event_type_of,
    guest_attendee,
    is_owner,
    must_get,
    new_uid,
    series_span,
    stored_location,
    validate_attendee,
    validate_guests,
    views_of,
)
from calendula.services.group_booking import GroupBooking, is_group_booking, moved_event_type
from calendula.services.ports import (
    BookingFilter,
    BusyTimeSource,
    Clock,
    UnitOfWork,
    UnitOfWorkFactory,
)
from calendula.services.slot_cache import CalendarChanges

__all__ = [
    "BookingChanges",
    "BookingListing",
    "BookingService",
    "BookingView",
    "NewBooking",
    "NewGuest",
    "default_sort",
    "new_uid",
    "stored_location",
    "validate_attendee",
    "validate_guests",
]

log = logging.getLogger(__name__)

MAX_REMEMBERED_OWNERS = 10_000
"""Event-type owners remembered by `BookingService._owner_of` (cleared when full)."""


class BookingService(GroupBooking, BookingChanges):
    """Create (single bookings, recurring series and, from `GroupBooking`, dynamic groups),
    reschedule and read bookings; the other writes come from `BookingChanges`."""

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
        self._owners: dict[int, int] = {}

    def _committed(self) -> None:
        """After every committed write: caches drop what they hold, the outbox is woken."""
        self._changes.note()
        if self._on_commit is not None:
            self._on_commit()

    # -- reads ---------------------------------------------------------------------------------

    def get(self, uid: str) -> Booking:
        with self._uow_factory() as uow:
            return must_get(uow, uid)

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
        earlier = self._earlier(request.idempotency_key) or self._earlier_seat(request)
        if earlier is not None:
            return earlier
        try:
            if request.usernames:
                return self._create_group(request)
            return self._create_clearing(request, series=series)
        except Conflict as error:
            earlier = self._earlier(request.idempotency_key)
            if earlier is not None:
                return earlier
            seatable = not isinstance(error, SeatsFull | TimeNotBookable) and not request.usernames
            if isinstance(error, SlotUnavailable) and seatable:
                # A seated slot may have been opened by a racing first booker: join it.
                return self._retry_seated(request, error, series=series)
            raise

    def _create_clearing(self, request: NewBooking, *, series: bool) -> list[BookingView]:
        """`_create_once`, which does not delete expired holds first (one statement fewer on
        the hot path): when a refusal may have come from an expired hold's claim, those are
        deleted and the booking is tried once more."""
        try:
            return self._create_once(request, series=series)
        except SlotUnavailable as error:
            # No hold makes a time too soon or too far ahead: only a claim refusal may clear.
            if isinstance(error, TimeNotBookable) or not self._clear_expired_holds(request):
                raise
        return self._create_once(request, series=series)

    def _clear_expired_holds(self, request: NewBooking) -> bool:
        """Delete the event type owner's expired holds from a day before the time asked for
        on (a series reaches far ahead); whether any was."""
        if request.start.tzinfo is None or request.start - self._clock.now() > MAX_AHEAD:
            return False
        query = SlotQuery(request.event_type_id, request.username, request.event_slug)
        try:
            with self._uow_factory(write=True) as uow:
                owner_id = load_event_type(uow, query).owner_id
                reach = Interval.utc(request.start - timedelta(days=1), request.start + MAX_AHEAD)
                purged = uow.holds.purge_expired([owner_id], reach, self._clock.now())
                uow.commit()
        except CalendulaError:
            return False
        return purged > 0

    def _earlier_seat(self, request: NewBooking) -> Booking | None:
        """For a request with an idempotency key on a seated event type: the booking at that
        start where this attendee already holds a seat (a retry of a seat taken before; the key
        itself is stored on the booking of the first booker only)."""
        if not request.idempotency_key or request.usernames or request.start.tzinfo is None:
            return None
        query = SlotQuery(request.event_type_id, request.username, request.event_slug)
        email = request.attendee.email.strip().lower()
        try:
            with self._uow_factory() as uow:
                event_type = load_event_type(uow, query)
                if event_type.seats is None or event_type.id is None:
                    return None
                window = Interval.utc(request.start, request.start + timedelta(minutes=1))
                for booking in uow.bookings.list_for_event_type(event_type.id, window):
                    emails = {a.email.lower() for a in booking.attendees}
                    if booking.start == request.start and email in emails:
                        return booking
        except CalendulaError:
            return None  # bad input: the create path reports it
        return None

    def _retry_seated(
        self, request: NewBooking, error: SlotUnavailable, *, series: bool
    ) -> list[BookingView]:
        with self._uow_factory() as uow:
            query = SlotQuery(request.event_type_id, request.username, request.event_slug)
            seated = load_event_type(uow, query).seats is not None
        if not seated:
            raise error
        return self._create_clearing(request, series=series)

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
        *,
        owner_id: int | None = None,
    ) -> BusyTimeSource:
        """The owner's calendar busy times around the interval asked for, read before the
        write transaction opens: calendar servers are never waited for while the write lock
        (SQLite) or row locks are held. The re-check inside still reads the database claims;
        bad input is left for the write transaction to report. `series_of`: the request books
        a series when the event type recurs; then the span covers every occurrence.
        `owner_id`: the event type's owner when known beforehand; an owner with no calendar
        to wait on needs no read before (nor the transaction that would load the event type)."""
        if owner_id is not None and not self._busy_source.reads_remote([owner_id]):
            return self._busy_source
        try:
            with self._uow_factory() as uow:
                event_type = load(uow)
            wanted = self._wanted(event_type, start, length, now)
            span = recheck_span(event_type, wanted)
            if series_of is not None and event_type.recurrence is not None:
                span = series_span(event_type, wanted, series_of, span)
        except CalendulaError:
            return self._busy_source
        return PrefetchedBusy(self._busy_source, [event_type.owner_id], span)

    def _owner_of(self, event_type_id: int | None) -> int | None:
        """The owner of event type `event_type_id` as seen by an earlier booking in this
        process (an event type's owner never changes; a wrong guess only makes the re-check
        ask the calendars itself, see `PrefetchedBusy`)."""
        return self._owners.get(event_type_id) if event_type_id is not None else None

    def _remember_owner(self, event_type: EventType) -> None:
        if event_type.id is None:
            return
        if len(self._owners) >= MAX_REMEMBERED_OWNERS:
            self._owners.clear()
        self._owners[event_type.id] = event_type.owner_id

    def _create_once(self, request: NewBooking, *, series: bool) -> list[BookingView]:
        now = self._clock.now()
        query = SlotQuery(request.event_type_id, request.username, request.event_slug)
        busy = self._prefetch(
            lambda uow: load_event_type(uow, query),
            request.start,
            request.length_minutes,
            now,
            series_of=request if series else None,
            owner_id=self._owner_of(request.event_type_id),
        )
        with self._uow_factory(write=True) as uow:
            event_type = load_event_type(uow, query)
            self._remember_owner(event_type)
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
                made = Made(owner, event_type, attendee, now, request, guests, responses, busy)
                views = self._add_series(uow, made, wanted)
            else:
                slot = self._claimable(
                    uow,
                    event_type,
                    wanted,
                    now,
                    request.hold_uid,
                    owner=owner,
                    busy=busy,
                    clear_expired=False,  # after a refusal only: `_create_clearing`
                )
                if slot.booking_uid is not None:
                    booking, joined = self._join_seat(
                        uow, event_type, slot.booking_uid, attendee, bool(request.idempotency_key)
                    )
                else:
                    booking, joined = (
                        uow.bookings.add(
                            self._new_booking(
                                owner, event_type, wanted, attendee, now, request, guests, responses
                            ),
                            last_write=True,
                        ),
                        True,
                    )
                view = created_view(uow, booking, owner, event_type)
                if joined:
                    emit(uow, created_trigger(booking), view, now)
                views = [view]
            uow.commit()
            self._committed()
        log.info("%d booking(s) created for event type %s", len(views), event_type.id)
        return views

    def _add_series(self, uow: UnitOfWork, made: Made, first: Interval) -> list[BookingView]:
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
                    uow,
                    event_type,
                    wanted,
                    made.now,
                    hold,
                    owner=made.owner,
                    busy=made.busy,
                    clear_expired=False,  # after a refusal only: `_create_clearing`
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
                    ),
                    last_write=True,  # a refusal abandons the whole series
                )
            except SlotUnavailable as error:
                raise type(error)(
                    f"Occurrence {index + 1} of {count} at {start.isoformat()} cannot be booked, "
                    f"so none of the series was: {error.message}"
                ) from error
            view = created_view(uow, booking, made.owner, event_type)
            emit(uow, created_trigger(booking), view, made.now, recurring_count=count)
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
        clear_expired: bool = True,
    ) -> Slot:
        """Re-check exactly `wanted` inside the write transaction; consume the caller's hold.
        `busy`: calendar busy times read before the transaction (`_prefetch`).
        `clear_expired`: delete expired holds around `wanted` first, so that their claims do
        not refuse the new one (the create path instead does that only after a refusal, see
        `_create_clearing`)."""
        host_ids = [event_type.owner_id]
        if clear_expired:
            window = wanted.widen(timedelta(days=1), timedelta(days=1))
            uow.holds.purge_expired(host_ids, window, now)
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
        self,
        uow: UnitOfWork,
        event_type: EventType,
        booking_uid: str,
        attendee: Attendee,
        retried: bool,
    ) -> tuple[Booking, bool]:
        """Take a seat; returns the booking and whether a seat was taken now. A request that
        carries an idempotency key (`retried`) from an attendee who already holds a seat here
        is a retry of the request that took it: the booking is returned, nothing written (the
        key is stored on the booking of the first booker, so `_earlier` cannot find a seat's)."""
        booking = must_get(uow, booking_uid, for_update=True)
        taken = {a.email.lower() for a in booking.attendees}
        if attendee.email.lower() in taken and retried and booking.is_active:
            return booking, False
        seats = event_type.seats.per_slot if event_type.seats else 1
        if len(booking.attendees) >= seats or not booking.is_active:
            raise SeatsFull("No more seats left at this seated booking.")
        if attendee.email.lower() in taken:
            raise Conflict("This attendee already has a seat at this booking.")
        uow.bookings.add_attendee(booking_uid, dataclasses.replace(attendee, seat_uid=new_uid()))
        return must_get(uow, booking_uid), True

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
        busy = self._prefetch_moved(uid, start, length_minutes, now)
        with self._uow_factory(write=True) as uow:
            old = must_get(uow, uid, for_update=True)
            rules.ensure_reschedulable(old)
            group = is_group_booking(old)  # a dynamic group's: every host must be free
            event_type = moved_event_type(old, length_minutes) if group else event_type_of(uow, old)
            wanted = self._wanted(event_type, start, length_minutes or old.duration_minutes, now)
            new_uid_ = self._new_uid()
            uow.bookings.update(
                rules.mark_rescheduled(old, new_uid=new_uid_, by=by, reason=reason, now=now)
            )
            if group:
                self._recheck_members(uow, old, event_type, wanted, now, busy)
            else:
                slot = self._claimable(
                    uow, event_type, wanted, now, None, exclude_uid=old.uid, busy=busy
                )
                if slot.booking_uid is not None:
                    raise SlotUnavailable("That time is taken by another seated booking.")
            by_owner = is_owner(uow, old, actor_id, by)
            new = self._moved(old, event_type, wanted, new_uid_, now, by, reason, by_owner)
            new = uow.bookings.add(new)
            view = views_of(uow, [new])[0]
            emit(uow, Trigger.BOOKING_RESCHEDULED, view, now, previous=old)
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

    # -- views (what the API renders) ----------------------------------------------------------

    def view(self, booking: Booking) -> BookingView:
        """`booking` with its hosts and event type, for output."""
        with self._uow_factory() as uow:
            return views_of(uow, [booking])[0]

    def get_view(self, uid: str) -> BookingView:
        with self._uow_factory() as uow:
            return views_of(uow, [must_get(uow, uid)])[0]

    def find_views(self, uid: str) -> BookingView | list[BookingView]:
        """A booking by its uid, or every occurrence of a recurring series by the series uid
        (Cal.com's get-booking: a list in start order). Raises `NotFound` for neither."""
        with self._uow_factory() as uow:
            booking = uow.bookings.get_by_uid(uid)
            if booking is not None:
                return views_of(uow, [booking])[0]
            series = uow.bookings.list_series(uid)
            if not series:
                raise NotFound(f"Booking with uid={uid} was not found in the database")
            return views_of(uow, series)

    def series_views(self, booking: Booking) -> list[BookingView]:
        """Every occurrence of `booking`'s series in start order, or `[booking]` alone."""
        with self._uow_factory() as uow:
            if booking.recurring_booking_uid is None:
                return views_of(uow, [booking])
            return views_of(uow, uow.bookings.list_series(booking.recurring_booking_uid))

    def seat_view(self, seat_uid: str) -> BookingView:
        """The booking holding seat `seat_uid` (Cal.com: `GET /v2/bookings/by-seat/{seatUid}`;
        the seat uid is that attendee's link, as a booking uid is)."""
        with self._uow_factory() as uow:
            booking = uow.bookings.get_by_seat_uid(seat_uid) if len(seat_uid) <= 64 else None
            if booking is None:
                raise NotFound(f"Booking with seat uid={seat_uid} was not found in the database")
            return views_of(uow, [booking])[0]

    def host_attendee(
        self, uid: str, attendee_id: int, *, actor_id: int
    ) -> tuple[Booking, Attendee]:
        """One attendee of a booking `actor_id` hosts, else `NotFound`."""
        booking = self.host_view(uid, actor_id=actor_id).booking
        return booking, attendee_of(booking, attendee_id)

    def host_view(self, uid: str, *, actor_id: int) -> BookingView:
        """The booking if `actor_id` hosts it, else `NotFound`."""
        with self._uow_factory() as uow:
            booking = uow.bookings.get_by_uid(uid)
            if booking is None or actor_id not in booking.host_ids:
                raise NotFound(f"Booking with uid={uid} was not found in the database")
            return views_of(uow, [booking])[0]

    def search(self, actor_id: int, criteria: BookingFilter) -> BookingListing:
        """`actor_id`'s bookings as host matching `criteria` (default order by its statuses)."""
        if not criteria.sort:
            criteria = dataclasses.replace(criteria, sort=default_sort(criteria.statuses))
        now = self._clock.now()
        with self._uow_factory() as uow:
            page = uow.bookings.search(actor_id, criteria, now)
            return BookingListing(views_of(uow, page.items), page.total)
