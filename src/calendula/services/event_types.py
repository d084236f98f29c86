"""Event types: create, read, update, delete — scoped to their owner.

Owns: `EventTypeService`. The rules themselves are validated by the domain (`EventType`
construction); here: ownership, and that a chosen schedule belongs to the owner.
"""

from __future__ import annotations

import dataclasses

from calendula.domain.errors import NotFound
from calendula.domain.event_types import EventType
from calendula.services.ports import UnitOfWork, UnitOfWorkFactory


class EventTypeService:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def create(self, owner_id: int, event_type: EventType) -> EventType:
        with self._uow_factory(write=True) as uow:
            _check_schedule(uow, owner_id, event_type.schedule_id)
            created = uow.event_types.add(
                dataclasses.replace(event_type, id=None, owner_id=owner_id)
            )
            uow.commit()
        return created

    def get(self, owner_id: int, event_type_id: int) -> EventType:
        with self._uow_factory() as uow:
            return _owned(uow, owner_id, event_type_id)

    def list_for_owner(self, owner_id: int, *, include_hidden: bool = True) -> list[EventType]:
        with self._uow_factory() as uow:
            found = uow.event_types.list_for_owner(owner_id)
        return [et for et in found if include_hidden or not et.hidden]

    def update(self, owner_id: int, event_type: EventType) -> EventType:
        if event_type.id is None:
            raise NotFound("Event type without id")
        with self._uow_factory(write=True) as uow:
            _owned(uow, owner_id, event_type.id)
            _check_schedule(uow, owner_id, event_type.schedule_id)
            updated = uow.event_types.update(dataclasses.replace(event_type, owner_id=owner_id))
            uow.commit()
        return updated

    def delete(self, owner_id: int, event_type_id: int) -> EventType:
        with self._uow_factory(write=True) as uow:
            event_type = _owned(uow, owner_id, event_type_id)
            uow.event_types.delete(event_type_id)
            uow.commit()
        return event_type


def _owned(uow: UnitOfWork, owner_id: int, event_type_id: int) -> EventType:
    event_type = uow.event_types.get(event_type_id)
    if event_type is None or event_type.owner_id != owner_id:
        raise NotFound(f"Event type with id {event_type_id} not found")
    return event_type


def _check_schedule(uow: UnitOfWork, owner_id: int, schedule_id: int | None) -> None:
    if schedule_id is None:
        return
    schedule = uow.schedules.get(schedule_id)
    if schedule is None or schedule.owner_id != owner_id:
        raise NotFound(f"Schedule with ID={schedule_id} does not exist.")
