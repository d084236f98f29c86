"""SQL repository for slot holds (port `HoldRepository`).

Owns: the mapping between `SlotHoldRow` (+ `slot_hold_hosts`) and the domain `SlotHold`, and the
hold's claims in `time_blocks`. A hold claims time exactly like a blocking booking, so it stands in
the way of other claims until it is deleted; `purge_expired` removes expired ones, and callers run
it (in the same write unit of work) before claiming time. Never commits: the unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Delete, Select, Table, bindparam, delete, select
from sqlalchemy.orm import Session

from calendula.domain.bookings import SlotHold
from calendula.domain.errors import NotFound
from calendula.domain.intervals import Interval
from calendula.storage.claims import claim, claimed_owner_ids, sync_claims
from calendula.storage.integrity import guarded
from calendula.storage.tables import SlotHoldHostRow, SlotHoldRow, TimeBlockRow

_HOLD_UNIQUE = {"uq_slot_holds_uid": "uid"}


class SqlHoldRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, hold: SlotHold) -> SlotHold:
        row = SlotHoldRow()
        _hold_to_row(hold, row)
        row.hosts = _host_rows(hold.host_ids)
        with guarded(self._session, _HOLD_UNIQUE):
            self._session.add(row)
            self._session.flush()
            claim(self._session, hold.host_ids, hold.blocked, hold_id=row.id)
        return _hold_from_row(row)

    def get(self, uid: str) -> SlotHold | None:
        row = self._session.scalar(_select_holds().where(SlotHoldRow.uid == uid))
        return None if row is None else _hold_from_row(row)

    def update(self, hold: SlotHold) -> SlotHold:
        row = self._session.scalar(_select_holds().where(SlotHoldRow.uid == hold.uid))
        if row is None:
            raise NotFound(f"Slot reservation with uid={hold.uid} does not exist")
        with guarded(self._session, _HOLD_UNIQUE):
            _hold_to_row(hold, row)
            if [h.user_id for h in row.hosts] != list(hold.host_ids):
                row.hosts.clear()
                self._session.flush()
                row.hosts = _host_rows(hold.host_ids)
            self._session.flush()
            sync_claims(self._session, hold.host_ids, hold.blocked, hold_id=row.id)
        return _hold_from_row(row)

    def delete(self, uid: str) -> None:
        self._session.execute(delete(SlotHoldRow).where(SlotHoldRow.uid == uid))

    def list_active(
        self, host_ids: Sequence[int], window: Interval, now: datetime
    ) -> list[SlotHold]:
        if not host_ids:
            return []
        claimed = claimed_owner_ids(host_ids, window, bookings=False)
        query = _select_holds().where(SlotHoldRow.id.in_(claimed), SlotHoldRow.expires_at > now)
        rows = self._session.scalars(query.order_by(SlotHoldRow.start_at, SlotHoldRow.id))
        return [_hold_from_row(row) for row in rows]

    def purge_expired(self, host_ids: Sequence[int], window: Interval, now: datetime) -> int:
        if not host_ids:
            return 0
        parameters = {
            "host_ids": list(host_ids),
            "window_start": window.start,
            "window_end": window.end,
            "now": now,
        }
        # One DELETE (the booking path runs it every time); ON DELETE CASCADE removes the
        # holds' hosts and claims.
        result = self._session.execute(_delete_expired(), parameters)
        return int(result.rowcount)  # type: ignore[attr-defined]


@cache
def _delete_expired() -> Delete:
    """Expired holds with a claim of the hosts overlapping the window (built once)."""
    block, hold = TimeBlockRow.__table__.c, SlotHoldRow.__table__.c
    claimed = select(block.hold_id).where(
        block.host_id.in_(bindparam("host_ids", expanding=True)),
        block.end_at > bindparam("window_start"),
        block.start_at < bindparam("window_end"),
        block.hold_id.is_not(None),
    )
    return delete(cast(Table, SlotHoldRow.__table__)).where(
        hold.id.in_(claimed), hold.expires_at <= bindparam("now")
    )


def _select_holds() -> Select[SlotHoldRow]:
    return select(SlotHoldRow).execution_options(populate_existing=True)


def _host_rows(host_ids: Sequence[int]) -> list[SlotHoldHostRow]:
    return [SlotHoldHostRow(user_id=h, position=i) for i, h in enumerate(host_ids)]


def _hold_to_row(hold: SlotHold, row: SlotHoldRow) -> None:
    row.uid = hold.uid
    row.event_type_id = hold.event_type_id
    row.start_at = hold.start
    row.end_at = hold.end
    row.expires_at = hold.expires_at
    row.before_buffer_minutes = hold.before_buffer_minutes
    row.after_buffer_minutes = hold.after_buffer_minutes
    row.created_at = hold.created_at


def _hold_from_row(row: SlotHoldRow) -> SlotHold:
    return SlotHold(
        uid=row.uid,
        event_type_id=row.event_type_id,
        host_ids=tuple(h.user_id for h in row.hosts),
        start=row.start_at,
        end=row.end_at,
        expires_at=row.expires_at,
        created_at=row.created_at,
        before_buffer_minutes=row.before_buffer_minutes,
        after_buffer_minutes=row.after_buffer_minutes,
    )
