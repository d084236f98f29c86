"""Booking changes after creation: cancel (one booking, a seat, the rest of a series),
confirm and decline (a pending booking, or every occurrence of a recurring series still
awaiting confirmation), mark no-show, add guests or attendees, change the location.

Owns: `BookingChanges`, the part of `BookingService` (which inherits it) for these writes,
and `SeriesSummary` (`series_summaries`: the recurring series of a page of a host's list).
Each is one unit of work that also writes its outbox event (`booking_support.emit`); hosts
are checked with `host_booking` (anyone else's booking is `NotFound`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from calendula.domain import bookings as rules
from calendula.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    ListStatus,
)
from calendula.domain.errors import (
    InvalidInput,
    InvalidState,
    NotFound,
)
from calendula.domain.webhooks import Trigger, no_show_payload
from calendula.services.booking_support import (
    UPDATED,
    NewGuest,
    attendee_of,
    emit,
    emit_event,
    ensure_room_for,
    guest_of,
    host_booking,
    must_get,
    new_uid,
    require_host_reason,
    validate_attendee,
    views_of,
)
from calendula.services.ports import (
    Clock,
    SeriesStart,
    UnitOfWork,
    UnitOfWorkFactory,
)


class BookingChanges:
    """The writes on existing bookings; `BookingService` provides the attributes below."""

    _uow_factory: UnitOfWorkFactory
    _clock: Clock

    def _committed(self) -> None:
        """What follows every commit (`BookingService._committed`)."""
        raise NotImplementedError

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
            booking = must_get(uow, uid, for_update=True)
            is_host = actor_id is not None and actor_id in booking.host_ids
            if seat_uid is not None:
                changed = rules.remove_seat(booking, seat_uid, reason=reason, by=by, now=now)
            else:
                if booking.seats_total is not None and not is_host:
                    raise InvalidInput("seatUid", "seatUid is required to cancel a seat")
                require_host_reason(is_host, reason)
                changed = rules.cancel(booking, reason=reason, by=by, now=now)
            cancelled = uow.bookings.update(changed)
            emit(uow, Trigger.BOOKING_CANCELLED, views_of(uow, [cancelled])[0], now)
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
            require_host_reason(actor_id is not None and actor_id in series[0].host_ids, reason)
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
            emit(uow, Trigger.BOOKING_CANCELLED, views_of(uow, [cancelled])[0], now)

    def confirm(self, uid: str, *, actor_id: int) -> Booking:
        """Accept a pending booking `actor_id` hosts (BOOKING_CREATED). On an occurrence of a
        recurring series, as Cal.com's confirm handler does for a booking with a
        `recurringEventId`, every other occurrence still awaiting confirmation (pending, not
        ended) is accepted with it (`_settle`). Returns the booking asked for."""
        now = self._clock.now()

        def accept(booking: Booking) -> Booking:
            return rules.confirm(booking, now=now)

        return self._settle(uid, actor_id, accept, Trigger.BOOKING_CREATED, now)

    def decline(self, uid: str, *, actor_id: int, reason: str | None = None) -> Booking:
        """Reject a pending booking `actor_id` hosts, with `reason` (BOOKING_REJECTED); on an
        occurrence of a recurring series every occurrence still awaiting confirmation is
        rejected with it, as `confirm` accepts them. Returns the booking asked for."""
        now = self._clock.now()

        def reject(booking: Booking) -> Booking:
            return rules.decline(booking, reason=reason, now=now)

        return self._settle(uid, actor_id, reject, Trigger.BOOKING_REJECTED, now)

    def confirm_series(self, recurring_booking_uid: str, *, actor_id: int) -> list[Booking]:
        """`confirm` by the series uid: accepts every occurrence still awaiting confirmation.
        Returns all the series' occurrences in start order (as the series' GET answers).
        Raises `NotFound` for an unknown series or one `actor_id` does not host,
        `InvalidState` when no occurrence awaits confirmation any more."""
        now = self._clock.now()

        def accept(booking: Booking) -> Booking:
            return rules.confirm(booking, now=now)

        return self._settle_series(recurring_booking_uid, actor_id, accept, "confirm", now)

    def decline_series(
        self, recurring_booking_uid: str, *, actor_id: int, reason: str | None = None
    ) -> list[Booking]:
        """`decline` by the series uid; see `confirm_series`."""
        now = self._clock.now()

        def reject(booking: Booking) -> Booking:
            return rules.decline(booking, reason=reason, now=now)

        return self._settle_series(recurring_booking_uid, actor_id, reject, "decline", now)

    def _settle(
        self,
        uid: str,
        actor_id: int,
        change: Callable[[Booking], Booking],
        trigger: Trigger,
        now: datetime,
    ) -> Booking:
        """Apply `change` (confirm or decline) to booking `uid` and, when it belongs to a
        recurring series, to the series' other occurrences awaiting confirmation; one
        transaction, one `trigger` event per occurrence. The booking asked for must itself be
        pending (`InvalidState` otherwise); cancelled, rejected, accepted and ended
        occurrences are left as they are."""
        with self._uow_factory(write=True) as uow:
            booking = must_get(uow, uid)  # not locked yet: a series is locked in start order
            if actor_id not in booking.host_ids:
                raise NotFound(f"Booking with uid={uid} was not found in the database")
            series_uid = booking.recurring_booking_uid
            if series_uid is None:
                targets = [host_booking(uow, uid, actor_id)]
            else:
                series = uow.bookings.list_series(series_uid, for_update=True)
                targets = [b for b in series if b.uid == uid or _awaits_confirmation(b, now)]
            changed = self._change_each(uow, targets, change, trigger, now)
            uow.commit()
            self._committed()
        return next(b for b in changed if b.uid == uid)

    def _settle_series(
        self,
        recurring_booking_uid: str,
        actor_id: int,
        change: Callable[[Booking], Booking],
        verb: str,
        now: datetime,
    ) -> list[Booking]:
        trigger = Trigger.BOOKING_CREATED if verb == "confirm" else Trigger.BOOKING_REJECTED
        with self._uow_factory(write=True) as uow:
            series = uow.bookings.list_series(recurring_booking_uid, for_update=True)
            if not series or actor_id not in series[0].host_ids:
                raise NotFound(
                    f"Booking with uid={recurring_booking_uid} was not found in the database"
                )
            waiting = [b for b in series if _awaits_confirmation(b, now)]
            if not waiting:
                raise InvalidState(
                    f"Can't {verb} recurring booking with uid={recurring_booking_uid} because "
                    "none of its occurrences awaits confirmation."
                )
            self._change_each(uow, waiting, change, trigger, now)
            series = uow.bookings.list_series(recurring_booking_uid)
            uow.commit()
            self._committed()
        return series

    def _change_each(
        self,
        uow: UnitOfWork,
        bookings: Sequence[Booking],
        change: Callable[[Booking], Booking],
        trigger: Trigger,
        now: datetime,
    ) -> list[Booking]:
        changed = [uow.bookings.update(change(booking)) for booking in bookings]
        for view in views_of(uow, changed):
            emit(uow, trigger, view, now)
        return changed

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
            booking = host_booking(uow, uid, actor_id)
            marked = rules.mark_absent(booking, host=host, attendees=dict(attendees or {}), now=now)
            marked = uow.bookings.update(marked)
            emit_event(uow, Trigger.BOOKING_NO_SHOW_UPDATED, marked, now, no_show_payload(marked))
            uow.commit()
            self._committed()
        return marked

    def add_guests(self, uid: str, *, actor_id: int, guests: Sequence[NewGuest]) -> Booking:
        """Add guests (attendees without a seat) to a host's booking; at most 30 in all."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = host_booking(uow, uid, actor_id)
            first = booking.attendees[0]
            added = tuple(guest_of(g, first, f"guests.{i}") for i, g in enumerate(guests))
            updated = uow.bookings.update(rules.add_guests(booking, added, now=now))
            emit(uow, UPDATED, views_of(uow, [updated])[0], now)
            uow.commit()
            self._committed()
        return updated

    def add_attendee(
        self, uid: str, *, actor_id: int, attendee: Attendee
    ) -> tuple[Booking, Attendee]:
        """Add an attendee to a host's booking (a seat, on a seated booking)."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = host_booking(uow, uid, actor_id)
            attendee = validate_attendee(attendee, prefix="body")
            ensure_room_for(booking, attendee)
            seat = new_uid() if booking.seats_total is not None else None
            added = uow.bookings.add_attendee(uid, dataclasses.replace(attendee, seat_uid=seat))
            booking = uow.bookings.update(dataclasses.replace(must_get(uow, uid), updated_at=now))
            emit(uow, UPDATED, views_of(uow, [booking])[0], now)
            uow.commit()
            self._committed()
        return booking, added

    def remove_attendee(
        self, uid: str, attendee_id: int, *, actor_id: int
    ) -> tuple[Booking, Attendee]:
        """Remove one attendee (a guest, or a seat of a seated booking, which frees it) from a
        booking `actor_id` hosts. The first attendee, the booker, cannot be removed (Cal.com:
        cancel the booking instead). Returns the booking as changed and the attendee as it
        was (as `host_attendee` pairs them)."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = host_booking(uow, uid, actor_id)
            removed = attendee_of(booking, attendee_id)
            if removed is booking.attendees[0]:
                raise InvalidInput(
                    "attendeeId",
                    "The first attendee of a booking cannot be removed; cancel the booking instead",
                )
            kept = tuple(a for a in booking.attendees if a.id != attendee_id)
            guests = tuple(g for g in booking.guests if g.lower() != removed.email.lower())
            changed = dataclasses.replace(booking, attendees=kept, guests=guests, updated_at=now)
            updated = uow.bookings.update(changed)
            emit(uow, UPDATED, views_of(uow, [updated])[0], now)
            uow.commit()
            self._committed()
        return updated, removed

    def update_location(self, uid: str, *, actor_id: int, location: str) -> Booking:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            booking = host_booking(uow, uid, actor_id)
            updated = uow.bookings.update(rules.relocate(booking, location.strip(), now=now))
            emit(uow, UPDATED, views_of(uow, [updated])[0], now)
            uow.commit()
            self._committed()
        return updated

    def series_summaries(self, bookings: Sequence[Booking]) -> list[SeriesSummary]:
        """A summary of each recurring series `bookings` (a page of a host's list) belong to,
        in order of first appearance, counting every occurrence of the series, listed or not
        (the legacy list's `recurringInfo`). A read, kept beside the series writes."""
        wanted = list(dict.fromkeys(b.recurring_booking_uid for b in bookings))
        uids = [uid for uid in wanted if uid is not None]
        if not uids:
            return []
        with self._uow_factory() as uow:
            starts = uow.bookings.list_series_starts(uids)
        return summarise_series(uids, starts)


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """One recurring series: how many occurrences it has, the first one's start, and the
    starts of its occurrences by status (in start order)."""

    recurring_booking_uid: str
    count: int
    first_start: datetime | None
    starts: dict[BookingStatus, list[datetime]]


def summarise_series(uids: Sequence[str], starts: Sequence[SeriesStart]) -> list[SeriesSummary]:
    """The summaries of series `uids` (in that order) from their occurrences' `starts`."""
    found: dict[str, list[SeriesStart]] = {uid: [] for uid in uids}
    for occurrence in starts:
        found.setdefault(occurrence.recurring_booking_uid, []).append(occurrence)
    summaries = []
    for uid in uids:
        occurrences = sorted(found[uid], key=lambda o: o.start)
        by_status: dict[BookingStatus, list[datetime]] = {status: [] for status in BookingStatus}
        for occurrence in occurrences:
            by_status[occurrence.status].append(occurrence.start)
        first = occurrences[0].start if occurrences else None
        summaries.append(SeriesSummary(uid, len(occurrences), first, by_status))
    return summaries


def _awaits_confirmation(booking: Booking, now: datetime) -> bool:
    """Pending and not ended: what Cal.com lists as `unconfirmed`."""
    return rules.in_list_status(booking, ListStatus.UNCONFIRMED, now)
