"""SQL repository for reminders (port `ReminderRepository`).

Owns: the mapping between `ReminderRow` and the domain `Reminder` (`offset` is stored as
`offset_value`, enums as their values), and withdrawing a reminder's pending scheduled jobs in
`outbox_jobs` (`schedule_key` "reminder:<id>") when it is deleted or switched off. Never
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from calendula.domain.errors import NotFound
from calendula.domain.reminders import (
    SCHEDULE_KEY_PREFIX,
    Channel,
    OffsetUnit,
    Reminder,
    SendTo,
)
from calendula.storage.tables import OutboxJobRow, ReminderRow


class SqlReminderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, reminder: Reminder) -> Reminder:
        row = ReminderRow(event_type_id=reminder.event_type_id, owner_id=reminder.owner_id)
        _to_row(reminder, row)
        self._session.add(row)
        self._session.flush()
        return _from_row(row)

    def get(self, reminder_id: int) -> Reminder | None:
        row = self._session.get(ReminderRow, reminder_id)
        return None if row is None else _from_row(row)

    def list_for_event_type(self, event_type_id: int) -> list[Reminder]:
        query = (
            select(ReminderRow)
            .where(ReminderRow.event_type_id == event_type_id)
            .order_by(ReminderRow.id)
        )
        return [_from_row(row) for row in self._session.scalars(query)]

    def update(self, reminder: Reminder) -> Reminder:
        row = self._session.get(ReminderRow, reminder.id)
        if row is None:
            raise NotFound(f"Reminder with id {reminder.id} not found")
        _to_row(reminder, row)
        self._session.flush()
        return _from_row(row)

    def delete(self, reminder_id: int) -> None:
        self._session.execute(delete(ReminderRow).where(ReminderRow.id == reminder_id))
        self._session.expire_all()

    def withdraw_scheduled(self, schedule_key: str, now: datetime) -> int:
        result = self._session.execute(
            update(OutboxJobRow)
            .where(OutboxJobRow.schedule_key == schedule_key, OutboxJobRow.status == "pending")
            .values(status="cancelled", finished_at=now, last_error="reminder withdrawn")
        )
        self._session.expire_all()
        return int(getattr(result, "rowcount", 0) or 0)

    def withdraw_departed(self, booking_uid: str, staying: Sequence[str], now: datetime) -> int:
        result = self._session.execute(
            update(OutboxJobRow)
            .where(
                OutboxJobRow.booking_uid == booking_uid,
                OutboxJobRow.schedule_key.like(f"{SCHEDULE_KEY_PREFIX}%"),
                OutboxJobRow.status == "pending",
                OutboxJobRow.target.not_in(list(staying)),
            )
            .values(status="cancelled", finished_at=now, last_error="seat given up")
        )
        self._session.expire_all()
        return int(getattr(result, "rowcount", 0) or 0)


def _to_row(reminder: Reminder, row: ReminderRow) -> None:
    row.offset_value = reminder.offset
    row.unit = reminder.unit.value
    row.channel = reminder.channel.value
    row.send_to = reminder.send_to.value
    row.subject = reminder.subject
    row.body = reminder.body
    row.active = reminder.active
    if reminder.created_at is not None:
        row.created_at = reminder.created_at


def _from_row(row: ReminderRow) -> Reminder:
    return Reminder(
        id=row.id,
        event_type_id=row.event_type_id,
        owner_id=row.owner_id,
        offset=row.offset_value,
        unit=OffsetUnit(row.unit),
        channel=Channel(row.channel),
        send_to=SendTo(row.send_to),
        subject=row.subject,
        body=row.body,
        active=row.active,
        created_at=row.created_at,
    )
