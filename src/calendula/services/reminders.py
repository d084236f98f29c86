"""Managing an event type's reminders (`/v2/event-types/{id}/reminders`).

Owns: `ReminderService` (create, list, get, update, delete) and `ReminderPatch`. Only the event
type's owner sees or changes its reminders; anything else is `NotFound`, whatever the reason.
A change applies to bookings accepted or moved afterwards; deleting or switching off a
reminder also withdraws its reminders already scheduled (pending outbox jobs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from calendula.domain.errors import InvalidInput, NotFound
from calendula.domain.reminders import (
    DEFAULT_BODY,
    DEFAULT_SUBJECT,
    MAX_REMINDERS_PER_EVENT_TYPE,
    Channel,
    OffsetUnit,
    Reminder,
    SendTo,
    check_reminder,
)
from calendula.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from calendula.services.schedules import MAX_ID


@dataclass(frozen=True, slots=True)
class ReminderPatch:
    """Fields to change; None keeps the current value."""

    offset: int | None = None
    unit: OffsetUnit | None = None
    channel: Channel | None = None
    send_to: SendTo | None = None
    subject: str | None = None
    body: str | None = None
    active: bool | None = None


class ReminderService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def create(self, owner_id: int, event_type_id: int, fields: ReminderPatch) -> Reminder:
        """Raises `NotFound` (event type), `InvalidInput` (naming the field)."""
        if fields.offset is None:
            raise InvalidInput("offset", "offset is required")
        reminder = Reminder(
            event_type_id=event_type_id,
            owner_id=owner_id,
            offset=fields.offset,
            unit=fields.unit or OffsetUnit.HOURS,
            channel=fields.channel or Channel.EMAIL,
            send_to=fields.send_to or SendTo.ATTENDEES,
            subject=DEFAULT_SUBJECT if fields.subject is None else fields.subject,
            body=DEFAULT_BODY if fields.body is None else fields.body,
            active=True if fields.active is None else fields.active,
            created_at=self._clock.now(),
        )
        with self._uow_factory(write=True) as uow:
            _owned_event_type(uow, owner_id, event_type_id)
            check_reminder(reminder)
            if len(uow.reminders.list_for_event_type(event_type_id)) >= (
                MAX_REMINDERS_PER_EVENT_TYPE
            ):
                raise InvalidInput(
                    "offset",
                    f"an event type can have at most {MAX_REMINDERS_PER_EVENT_TYPE} reminders",
                )
            created = uow.reminders.add(reminder)
            uow.commit()
        return created

    def list(self, owner_id: int, event_type_id: int) -> list[Reminder]:
        with self._uow_factory() as uow:
            _owned_event_type(uow, owner_id, event_type_id)
            return uow.reminders.list_for_event_type(event_type_id)

    def get(self, owner_id: int, event_type_id: int, reminder_id: int) -> Reminder:
        with self._uow_factory() as uow:
            return _owned(uow, owner_id, event_type_id, reminder_id)

    def update(
        self, owner_id: int, event_type_id: int, reminder_id: int, patch: ReminderPatch
    ) -> Reminder:
        with self._uow_factory(write=True) as uow:
            current = _owned(uow, owner_id, event_type_id, reminder_id)
            updated = check_reminder(_patched(current, patch))
            saved = uow.reminders.update(updated)
            if current.active and not saved.active:
                uow.reminders.withdraw_scheduled(saved.schedule_key, self._clock.now())
            uow.commit()
        return saved

    def delete(self, owner_id: int, event_type_id: int, reminder_id: int) -> Reminder:
        with self._uow_factory(write=True) as uow:
            current = _owned(uow, owner_id, event_type_id, reminder_id)
            uow.reminders.withdraw_scheduled(current.schedule_key, self._clock.now())
            uow.reminders.delete(reminder_id)
            uow.commit()
        return current


T = TypeVar("T")


def _keep(new: T | None, old: T) -> T:
    return old if new is None else new


def _patched(current: Reminder, patch: ReminderPatch) -> Reminder:
    return replace(
        current,
        offset=_keep(patch.offset, current.offset),
        unit=_keep(patch.unit, current.unit),
        channel=_keep(patch.channel, current.channel),
        send_to=_keep(patch.send_to, current.send_to),
        subject=_keep(patch.subject, current.subject),
        body=_keep(patch.body, current.body),
        active=_keep(patch.active, current.active),
    )


def _owned_event_type(uow: UnitOfWork, owner_id: int, event_type_id: int) -> None:
    event_type = uow.event_types.get(event_type_id) if 0 < event_type_id <= MAX_ID else None
    if event_type is None or event_type.owner_id != owner_id:
        raise NotFound(f"Event type with id {event_type_id} not found")


def _owned(uow: UnitOfWork, owner_id: int, event_type_id: int, reminder_id: int) -> Reminder:
    _owned_event_type(uow, owner_id, event_type_id)
    reminder = uow.reminders.get(reminder_id) if 0 < reminder_id <= MAX_ID else None
    if reminder is None or reminder.event_type_id != event_type_id:
        raise NotFound(f"Reminder with id {reminder_id} not found")
    return reminder
