"""The lean read of busy time: the claims overlapping a window, as plain columns.

Owns: `busy_rows`, behind `BookingRepository.busy_for`. One Core `SELECT` over `time_blocks`
joined (outer) to `bookings` and `slot_holds`: no ORM entity is built and no attendee row is
loaded; a seated booking of the event type asked about gets its attendee count from a
correlated `COUNT`. The claim table is the truth of what is busy (`claims`), so what the slot
engine reads here is exactly what a new claim would collide with (expired holds excepted, which
`HoldRepository.purge_expired` removes before any claim).
Imports SQLAlchemy, the tables and the port's `BusyRow`; never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, null, or_, select
from sqlalchemy.orm import Session

from calendula.domain.intervals import Interval
from calendula.services.ports import BusyRow
from calendula.storage.column_types import UtcDateTime
from calendula.storage.tables import AttendeeRow, BookingRow, SlotHoldRow, TimeBlockRow

_BLOCKS = TimeBlockRow.__table__.c
_BOOKINGS = BookingRow.__table__.c
_HOLDS = SlotHoldRow.__table__.c
_ATTENDEES = AttendeeRow.__table__.c


def busy_rows(
    session: Session,
    host_ids: Sequence[int],
    window: Interval,
    now: datetime,
    seated_event_type_id: int | None,
) -> list[BusyRow]:
    """See `BookingRepository.busy_for`."""
    if not host_ids:
        return []
    parameters: dict[str, Any] = {
        "host_ids": list(host_ids),
        "window_start": window.start,
        "window_end": window.end,
        "now": now,
    }
    if seated_event_type_id is not None:
        parameters["seated_event_type_id"] = seated_event_type_id
    query = _query(seated=seated_event_type_id is not None)
    return [_busy_row(*row) for row in session.execute(query, parameters).all()]


@cache
def _query(*, seated: bool) -> Select[Any]:
    """The statement, built once per shape (its parameters are bound per call)."""
    return (
        select(
            _BLOCKS.host_id,
            _BLOCKS.start_at,
            _BLOCKS.end_at,
            _BOOKINGS.uid,
            func.coalesce(_BOOKINGS.event_type_id, _HOLDS.event_type_id),
            func.coalesce(_BOOKINGS.start_at, _HOLDS.start_at, type_=UtcDateTime),
            func.coalesce(_BOOKINGS.end_at, _HOLDS.end_at, type_=UtcDateTime),
            _seats_booked() if seated else null(),
            _HOLDS.expires_at,
        )
        .select_from(
            TimeBlockRow.__table__.outerjoin(
                BookingRow.__table__, _BOOKINGS.id == _BLOCKS.booking_id
            ).outerjoin(SlotHoldRow.__table__, _HOLDS.id == _BLOCKS.hold_id)
        )
        .where(
            _BLOCKS.host_id.in_(bindparam("host_ids", expanding=True)),
            _BLOCKS.end_at > bindparam("window_start"),
            _BLOCKS.start_at < bindparam("window_end"),
            or_(_BLOCKS.hold_id.is_(None), _HOLDS.expires_at > bindparam("now")),
        )
        .order_by(_BLOCKS.start_at, _BLOCKS.id)
    )


def _seats_booked() -> ColumnElement[Any]:
    """The attendee count of bookings of the seated event type; NULL for every other row."""
    seats = (
        select(func.count())
        .where(_ATTENDEES.booking_id == _BOOKINGS.id)
        .correlate(BookingRow.__table__)
        .scalar_subquery()
    )
    is_seated = _BOOKINGS.event_type_id == bindparam("seated_event_type_id")
    return case((is_seated, seats), else_=null())


def _busy_row(
    host_id: int,
    blocked_start: datetime,
    blocked_end: datetime,
    uid: str | None,
    event_type_id: int | None,
    start: datetime,
    end: datetime,
    seats_booked: int | None,
    hold_expires_at: datetime | None,
) -> BusyRow:
    blocked = Interval(blocked_start, blocked_end)
    return BusyRow(host_id, blocked, start, end, event_type_id, uid, seats_booked, hold_expires_at)
