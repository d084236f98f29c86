"""SQL repository for bookings and their attendees (port `BookingRepository`).

Owns: the mapping between `BookingRow` (+ `booking_hosts`, `attendees`) and the domain
`Booking`, and keeping a booking's claims in `time_blocks` in step with whether it blocks time
(see `claims`). Every write runs in a savepoint (`integrity.guarded`): when it is refused, nothing
of it stays and the unit of work remains usable. Never commits: the unit of work does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from calendula.domain.bookings import ACTIVE_STATUSES, Attendee, Booking, BookingStatus
from calendula.domain.errors import NotFound
from calendula.domain.intervals import Interval
from calendula.services.ports import BookingFilter, BookingPage, BusyRow, SeriesStart
from calendula.storage.booking_search import search_conditions, search_ordering
from calendula.storage.busy import busy_rows
from calendula.storage.claims import claim, claimed_owner_ids, sync_claims
from calendula.storage.integrity import guarded
from calendula.storage.tables import AttendeeRow, BookingHostRow, BookingRow

_BOOKING_UNIQUE = {
    "uq_bookings_idempotency_key": "idempotencyKey",
    "uq_bookings_uid": "uid",
    "uq_attendees_seat_uid": "seatUid",
}


class SqlBookingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, booking: Booking, *, last_write: bool = False) -> Booking:
        # Bulk INSERT statements, not a unit-of-work flush: the booking path's hottest write
        # (one statement per table, no ORM objects to track).
        values = _booking_values(booking)
        values["metadata"] = values.pop("metadata_")  # the column's name
        with guarded(self._session, _BOOKING_UNIQUE, savepoint=not last_write):
            booking_id = self._session.execute(_insert_booking(), values).scalar_one()
            hosts = [
                {"booking_id": booking_id, "user_id": h, "position": i}
                for i, h in enumerate(booking.host_ids)
            ]
            self._session.execute(_insert_hosts(), hosts)
            attendee_ids = self._insert_attendees(booking_id, booking.attendees)
            if booking.blocks_time:
                claim(self._session, booking.host_ids, booking.blocked, booking_id=booking_id)
        pairs = zip(booking.attendees, attendee_ids, strict=True)
        attendees = tuple(dataclasses.replace(a, id=i) for a, i in pairs)
        return dataclasses.replace(booking, id=booking_id, attendees=attendees)

    def _insert_attendees(self, booking_id: int, attendees: Sequence[Attendee]) -> list[int]:
        if not attendees:
            return []
        rows = [{"booking_id": booking_id, **_attendee_values(a)} for a in attendees]
        return list(self._session.scalars(_insert_attendee_rows(), rows))

    def get_by_uid(self, uid: str, *, for_update: bool = False) -> Booking | None:
        query = _select_bookings().where(BookingRow.uid == uid)
        if for_update:
            query = query.with_for_update(of=BookingRow)
        row = self._session.scalar(query)
        return None if row is None else _booking_from_row(row)

    def get_by_seat_uid(self, seat_uid: str) -> Booking | None:
        owner = select(AttendeeRow.booking_id).where(AttendeeRow.seat_uid == seat_uid)
        row = self._session.scalar(_select_bookings().where(BookingRow.id.in_(owner)))
        return None if row is None else _booking_from_row(row)

    def get_by_idempotency_key(self, key: str) -> Booking | None:
        row = self._session.scalar(_select_bookings().where(BookingRow.idempotency_key == key))
        return None if row is None else _booking_from_row(row)

    def update(self, booking: Booking) -> Booking:
        row = self._session.scalar(_select_bookings().where(BookingRow.uid == booking.uid))
        if row is None:
            raise NotFound(f"Booking with uid={booking.uid} does not exist")
        with guarded(self._session, _BOOKING_UNIQUE):
            _booking_to_row(booking, row)
            if [h.user_id for h in row.hosts] != list(booking.host_ids):
                row.hosts.clear()
                self._session.flush()
                row.hosts = _host_rows(booking.host_ids)
            row.attendees = _merge_attendees(row, booking.attendees)
            self._session.flush()
            self._sync_claims(row.id, booking)
        return _booking_from_row(row)

    def add_attendee(self, booking_uid: str, attendee: Attendee) -> Attendee:
        booking_id = self._session.scalar(
            select(BookingRow.id).where(BookingRow.uid == booking_uid)
        )
        if booking_id is None:
            raise NotFound(f"Booking with uid={booking_uid} does not exist")
        row = _attendee_to_row(attendee, AttendeeRow(booking_id=booking_id))
        with guarded(self._session, _BOOKING_UNIQUE):
            self._session.add(row)
            self._session.flush()
        return _attendee_from_row(row)

    def list_blocking(self, host_ids: Sequence[int], window: Interval) -> list[Booking]:
        if not host_ids:
            return []
        claimed = claimed_owner_ids(host_ids, window, bookings=True)
        query = _select_bookings().where(BookingRow.id.in_(claimed))
        rows = self._session.scalars(query.order_by(BookingRow.start_at, BookingRow.id))
        return [_booking_from_row(row) for row in rows]

    def busy_for(
        self,
        host_ids: Sequence[int],
        window: Interval,
        now: datetime,
        *,
        seated_event_type_id: int | None = None,
    ) -> list[BusyRow]:
        return busy_rows(self._session, host_ids, window, now, seated_event_type_id)

    def list_series(self, recurring_booking_uid: str, *, for_update: bool = False) -> list[Booking]:
        query = _select_bookings().where(BookingRow.recurring_booking_uid == recurring_booking_uid)
        if for_update:
            query = query.with_for_update(of=BookingRow)
        rows = self._session.scalars(query.order_by(BookingRow.start_at, BookingRow.id))
        return [_booking_from_row(row) for row in rows]

    def list_series_starts(self, recurring_booking_uids: Sequence[str]) -> list[SeriesStart]:
        if not recurring_booking_uids:
            return []
        row = BookingRow
        query = (
            select(row.recurring_booking_uid, row.status, row.start_at)
            .where(row.recurring_booking_uid.in_(sorted(set(recurring_booking_uids))))
            .order_by(row.start_at, row.id)
        )
        return [
            SeriesStart(series, BookingStatus(status), start)
            for series, status, start in self._session.execute(query)
            if series is not None
        ]

    def list_for_event_type(
        self, event_type_id: int, window: Interval, *, active_only: bool = True
    ) -> list[Booking]:
        query = _select_bookings().where(
            BookingRow.event_type_id == event_type_id,
            BookingRow.start_at >= window.start,
            BookingRow.start_at < window.end,
        )
        if active_only:
            query = query.where(BookingRow.status.in_([s.value for s in ACTIVE_STATUSES]))
        rows = self._session.scalars(query.order_by(BookingRow.start_at, BookingRow.id))
        return [_booking_from_row(row) for row in rows]

    def search(self, host_id: int, criteria: BookingFilter, now: datetime) -> BookingPage:
        conditions = search_conditions(host_id, criteria, now)
        total = self._session.scalar(
            select(func.count()).select_from(BookingRow).where(*conditions)
        )
        query = (
            _select_bookings()
            .where(*conditions)
            .order_by(*search_ordering(criteria))
            .offset(criteria.skip)
            .limit(criteria.take)
        )
        rows = self._session.scalars(query)
        return BookingPage([_booking_from_row(row) for row in rows], total or 0)

    def _sync_claims(self, booking_id: int, booking: Booking) -> None:
        blocked = booking.blocked if booking.blocks_time else None
        sync_claims(self._session, booking.host_ids, blocked, booking_id=booking_id)


# The inserts of `add`, built once (Core statements on the tables: no ORM bookkeeping).


@cache
def _insert_booking() -> ReturningInsert[int]:
    table = cast(Table, BookingRow.__table__)
    return insert(table).returning(table.c.id)


@cache
def _insert_hosts() -> Insert:
    return insert(cast(Table, BookingHostRow.__table__))


@cache
def _insert_attendee_rows() -> ReturningInsert[int]:
    table = cast(Table, AttendeeRow.__table__)
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


def _select_bookings() -> Select[BookingRow]:
    # populate_existing: reads reflect the database even for rows loaded earlier in the session.
    return select(BookingRow).execution_options(populate_existing=True)


def _host_rows(host_ids: Sequence[int]) -> list[BookingHostRow]:
    return [BookingHostRow(user_id=h, position=i) for i, h in enumerate(host_ids)]


def _merge_attendees(row: BookingRow, attendees: Sequence[Attendee]) -> list[AttendeeRow]:
    """The attendee rows for `attendees`: known ids updated, new ones added, the rest removed."""
    existing = {a.id: a for a in row.attendees}
    merged = []
    for attendee in attendees:
        target = AttendeeRow() if attendee.id is None else existing.get(attendee.id)
        if target is None:
            raise NotFound(f"Attendee with id={attendee.id} is not part of booking {row.uid}")
        merged.append(_attendee_to_row(attendee, target))
    return merged


def _booking_to_row(b: Booking, row: BookingRow) -> None:
    for key, value in _booking_values(b).items():
        setattr(row, key, value)


def _booking_values(b: Booking) -> dict[str, Any]:
    """The `BookingRow` attributes of `b` (hosts and attendees are rows of their own)."""
    return {
        "uid": b.uid,
        "ics_uid": b.ics_uid,
        "event_type_id": b.event_type_id,
        "owner_id": b.owner_id,
        "title": b.title,
        "description": b.description,
        "start_at": b.start,
        "end_at": b.end,
        "status": b.status.value,
        "before_buffer_minutes": b.before_buffer_minutes,
        "after_buffer_minutes": b.after_buffer_minutes,
        "seats_total": b.seats_total,
        "location": b.location,
        "responses": dict(b.responses),
        "metadata_": dict(b.metadata),
        "guests": list(b.guests),
        "cancellation_reason": b.cancellation_reason,
        "cancelled_by": b.cancelled_by,
        "rejection_reason": b.rejection_reason,
        "rescheduling_reason": b.rescheduling_reason,
        "rescheduled_by": b.rescheduled_by,
        "rescheduled_from_uid": b.rescheduled_from_uid,
        "rescheduled_to_uid": b.rescheduled_to_uid,
        "absent_host": b.absent_host,
        "idempotency_key": b.idempotency_key,
        "blocks_when_pending": b.blocks_when_pending,
        "recurring_booking_uid": b.recurring_booking_uid,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def _booking_from_row(row: BookingRow) -> Booking:
    return Booking(
        id=row.id,
        uid=row.uid,
        ics_uid=row.ics_uid,
        event_type_id=row.event_type_id,
        host_ids=tuple(h.user_id for h in row.hosts),
        title=row.title,
        description=row.description,
        start=row.start_at,
        end=row.end_at,
        status=BookingStatus(row.status),
        attendees=tuple(_attendee_from_row(a) for a in row.attendees),
        created_at=row.created_at,
        updated_at=row.updated_at,
        guests=tuple(row.guests),
        responses=dict(row.responses),
        metadata=dict(row.metadata_),
        location=row.location,
        before_buffer_minutes=row.before_buffer_minutes,
        after_buffer_minutes=row.after_buffer_minutes,
        seats_total=row.seats_total,
        cancellation_reason=row.cancellation_reason,
        cancelled_by=row.cancelled_by,
        rejection_reason=row.rejection_reason,
        rescheduling_reason=row.rescheduling_reason,
        rescheduled_by=row.rescheduled_by,
        rescheduled_from_uid=row.rescheduled_from_uid,
        rescheduled_to_uid=row.rescheduled_to_uid,
        absent_host=row.absent_host,
        idempotency_key=row.idempotency_key,
        blocks_when_pending=row.blocks_when_pending,
        recurring_booking_uid=row.recurring_booking_uid,
    )


def _attendee_to_row(a: Attendee, row: AttendeeRow) -> AttendeeRow:
    for key, value in _attendee_values(a).items():
        setattr(row, key, value)
    return row


def _attendee_values(a: Attendee) -> dict[str, Any]:
    return {
        "name": a.name,
        "email": a.email,
        "time_zone": a.time_zone,
        "language": a.language,
        "phone_number": a.phone_number,
        "absent": a.absent,
        "seat_uid": a.seat_uid,
    }


def _attendee_from_row(row: AttendeeRow) -> Attendee:
    return Attendee(
        id=row.id,
        name=row.name,
        email=row.email,
        time_zone=row.time_zone,
        language=row.language,
        phone_number=row.phone_number,
        absent=row.absent,
        seat_uid=row.seat_uid,
    )
