"""Claims on hosts' time: the rows of `time_blocks` and the no-double-booking guarantee.

Owns: `claim`, `release` and `sync_claims`, used by the booking and hold repositories, and
`claimed_owner_ids`, the overlap query both use to list what blocks a window.
A claim says: this host is busy during `[start, end)` because of one booking or one hold.
- PostgreSQL: the exclusion constraint `time_blocks_no_overlap` refuses an overlapping claim
  even between concurrent transactions; `integrity.guarded` turns the refusal into
  `SlotUnavailable`.
- SQLite: a write unit of work began with `BEGIN IMMEDIATE` and holds the only write lock, so
  checking for overlap and then inserting cannot race.
Claims must be made in a write unit of work; anything else is a programming error.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    Table,
    bindparam,
    delete,
    exists,
    insert,
    select,
)
from sqlalchemy.orm import Session

from calendula.domain.errors import SlotUnavailable
from calendula.domain.intervals import Interval
from calendula.storage.integrity import SLOT_TAKEN_MESSAGE
from calendula.storage.tables import TimeBlockRow

WRITE_SESSION_KEY = "calendula_write"
"""`Session.info` key that marks the session of a write unit of work."""


def claim(
    session: Session,
    host_ids: Sequence[int],
    blocked: Interval,
    *,
    booking_id: int | None = None,
    hold_id: int | None = None,
) -> None:
    """Claim `blocked` for every host; raises `SlotUnavailable` if any host's time is taken.

    Call inside `integrity.guarded` so that the PostgreSQL refusal is translated too.
    """
    if not session.info.get(WRITE_SESSION_KEY):
        raise RuntimeError("claiming time needs a write unit of work (factory(write=True))")
    if session.get_bind().dialect.name != "postgresql" and _is_taken(session, host_ids, blocked):
        raise SlotUnavailable(SLOT_TAKEN_MESSAGE)
    rows = [
        {
            "host_id": host_id,
            "start_at": blocked.start,
            "end_at": blocked.end,
            "booking_id": booking_id,
            "hold_id": hold_id,
        }
        for host_id in host_ids
    ]
    session.execute(_insert_claims(), rows)


def release(session: Session, *, booking_id: int | None = None, hold_id: int | None = None) -> None:
    """Delete the claims of one booking or one hold."""
    if booking_id is not None:
        session.execute(delete(TimeBlockRow).where(TimeBlockRow.booking_id == booking_id))
    if hold_id is not None:
        session.execute(delete(TimeBlockRow).where(TimeBlockRow.hold_id == hold_id))


def claims_of(
    session: Session, *, booking_id: int | None = None, hold_id: int | None = None
) -> set[tuple[int, Interval]]:
    """The current claims of one booking or hold as (host, interval) pairs."""
    owner = (
        TimeBlockRow.booking_id == booking_id
        if booking_id is not None
        else TimeBlockRow.hold_id == hold_id
    )
    rows = session.execute(
        select(TimeBlockRow.host_id, TimeBlockRow.start_at, TimeBlockRow.end_at).where(owner)
    )
    return {(host, Interval.utc(start, end)) for host, start, end in rows}


def claimed_owner_ids(
    host_ids: Sequence[int], window: Interval, *, bookings: bool
) -> Select[int | None]:
    """A query for the booking ids (or hold ids) whose claims for `host_ids` overlap `window`."""
    column = TimeBlockRow.booking_id if bookings else TimeBlockRow.hold_id
    return select(column).where(_overlapping(host_ids, window), column.is_not(None)).distinct()


def _is_taken(session: Session, host_ids: Sequence[int], blocked: Interval) -> bool:
    parameters = {"host_ids": list(host_ids), "start": blocked.start, "end": blocked.end}
    return bool(session.scalar(_any_overlapping(), parameters))


# Statements of the booking path, built once (their values are bound per call).


@cache
def _insert_claims() -> Insert:
    return insert(cast(Table, TimeBlockRow.__table__))


@cache
def _any_overlapping() -> Select[bool]:
    block = TimeBlockRow.__table__.c
    return select(
        exists().where(
            block.host_id.in_(bindparam("host_ids", expanding=True)),
            block.end_at > bindparam("start"),
            block.start_at < bindparam("end"),
        )
    )


def _overlapping(host_ids: Sequence[int], window: Interval) -> ColumnElement[bool]:
    return (
        TimeBlockRow.host_id.in_(host_ids)
        & (TimeBlockRow.end_at > window.start)
        & (TimeBlockRow.start_at < window.end)
    )


def sync_claims(
    session: Session,
    host_ids: Sequence[int],
    blocked: Interval | None,
    *,
    booking_id: int | None = None,
    hold_id: int | None = None,
) -> None:
    """Make the claims of one booking or hold be exactly `blocked` for `host_ids` (None: none).

    Unchanged claims are left alone; otherwise the old ones are released and the new ones
    claimed (which may raise `SlotUnavailable`).
    """
    wanted = set()
    if blocked is not None:
        wanted = {(host_id, Interval.utc(blocked.start, blocked.end)) for host_id in host_ids}
    if wanted == claims_of(session, booking_id=booking_id, hold_id=hold_id):
        return
    release(session, booking_id=booking_id, hold_id=hold_id)
    if blocked is not None:
        claim(session, host_ids, blocked, booking_id=booking_id, hold_id=hold_id)
