"""The SQL behind `BookingRepository.search`: filter conditions, status rules and ordering.

Owns: `search_conditions` and `search_ordering`, pure query builders over `BookingRow`. The
status rules are `domain.bookings.in_list_status` written as SQL (a storage test compares the
two). Never executes anything: the booking repository runs the queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, and_, exists, func, or_, select

from calendula.domain.bookings import ENDED_STATUSES, BookingStatus, ListStatus
from calendula.services.ports import BookingFilter, SortKey
from calendula.storage.tables import AttendeeRow, BookingHostRow, BookingRow

_ENDED = [s.value for s in ENDED_STATUSES]
_SORT_COLUMNS = {
    SortKey.START: BookingRow.start_at,
    SortKey.END: BookingRow.end_at,
    SortKey.CREATED: BookingRow.created_at,
    SortKey.UPDATED: BookingRow.updated_at,
}


def search_conditions(
    host_id: int, criteria: BookingFilter, now: datetime
) -> list[ColumnElement[bool]]:
    """The WHERE conditions (AND-combined) selecting `host_id`'s bookings that match."""
    hosted = exists(
        select(BookingHostRow.booking_id).where(
            BookingHostRow.booking_id == BookingRow.id, BookingHostRow.user_id == host_id
        )
    )
    conditions: list[ColumnElement[bool]] = [hosted]
    if criteria.statuses:
        conditions.append(or_(*(_status_condition(s, now) for s in sorted(criteria.statuses))))
    conditions.extend(_attendee_conditions(criteria))
    if criteria.uid is not None:
        conditions.append(BookingRow.uid == criteria.uid)
    if criteria.event_type_ids:
        conditions.append(BookingRow.event_type_id.in_(criteria.event_type_ids))
    bounds = (
        (BookingRow.start_at, criteria.after_start, True),
        (BookingRow.end_at, criteria.before_end, False),
        (BookingRow.created_at, criteria.after_created, True),
        (BookingRow.created_at, criteria.before_created, False),
        (BookingRow.updated_at, criteria.after_updated, True),
        (BookingRow.updated_at, criteria.before_updated, False),
    )
    for column, bound, is_lower in bounds:
        if bound is not None:
            conditions.append(column >= bound if is_lower else column <= bound)
    return conditions


def search_ordering(criteria: BookingFilter) -> list[UnaryExpression[Any]]:
    ordering: list[UnaryExpression[Any]] = [
        _SORT_COLUMNS[key].desc() if descending else _SORT_COLUMNS[key].asc()
        for key, descending in criteria.sort or ((SortKey.START, False),)
    ]
    return [*ordering, BookingRow.id.asc()]


def _status_condition(status: ListStatus, now: datetime) -> ColumnElement[bool]:
    not_ended = BookingRow.status.not_in(_ENDED)
    recurring = BookingRow.recurring_booking_uid.is_not(None)
    if status is ListStatus.UPCOMING:
        return and_(
            BookingRow.end_at >= now,
            or_(
                and_(recurring, BookingRow.status == BookingStatus.ACCEPTED.value),
                and_(BookingRow.recurring_booking_uid.is_(None), not_ended),
            ),
        )
    if status is ListStatus.RECURRING:
        return and_(BookingRow.end_at >= now, recurring, not_ended)
    if status is ListStatus.PAST:
        return and_(BookingRow.end_at <= now, not_ended)
    if status is ListStatus.CANCELLED:
        return BookingRow.status.in_(_ENDED)
    return and_(BookingRow.end_at >= now, BookingRow.status == BookingStatus.PENDING.value)


def _attendee_conditions(criteria: BookingFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, wanted in (
        (AttendeeRow.email, criteria.attendee_email),
        (AttendeeRow.name, criteria.attendee_name),
    ):
        if wanted is None:
            continue
        conditions.append(
            exists(
                select(AttendeeRow.id).where(
                    AttendeeRow.booking_id == BookingRow.id,
                    func.lower(column) == wanted.strip().lower(),
                )
            )
        )
    return conditions
