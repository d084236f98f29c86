"""Schedules: a user's working hours, several per user, exactly one default.

Owns: `ScheduleService`, and the two helpers other services share inside one unit of work
(`owned_schedule`, `mark_default`). Every operation is scoped to its owner: another user's
schedule is reported as not found, exactly like a schedule that does not exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from calendula.domain.errors import InvalidState, NotFound
from calendula.domain.schedules import Schedule, validate_schedule
from calendula.services.ports import UnitOfWork, UnitOfWorkFactory
from calendula.services.slot_cache import CalendarChanges

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in storage; a larger one cannot exist (and must not reach SQL)."""


class ScheduleService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, changes: CalendarChanges | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._changes = changes or CalendarChanges()

    def create(self, owner_id: int, schedule: Schedule) -> Schedule:
        """Store a new schedule; `is_default=True` makes it the owner's default."""
        validate_schedule(schedule)
        with self._uow_factory(write=True) as uow:
            first = not uow.schedules.list_for_owner(owner_id)
            created = uow.schedules.add(
                dataclasses.replace(
                    schedule, id=None, owner_id=owner_id, is_default=schedule.is_default or first
                )
            )
            if created.is_default:
                mark_default(uow, owner_id, created)
            uow.commit()
            self._changes.note()
        return created

    def list(self, owner_id: int) -> list[Schedule]:
        with self._uow_factory() as uow:
            return uow.schedules.list_for_owner(owner_id)

    def get(self, owner_id: int, schedule_id: int) -> Schedule:
        with self._uow_factory() as uow:
            return owned_schedule(uow, owner_id, schedule_id)

    def get_default(self, owner_id: int) -> Schedule | None:
        with self._uow_factory() as uow:
            user = uow.users.get(owner_id)
            if user is None or user.default_schedule_id is None:
                return None
            return uow.schedules.get(user.default_schedule_id)

    def update(self, owner_id: int, schedule: Schedule) -> Schedule:
        validate_schedule(schedule)
        if schedule.id is None:
            raise NotFound("Schedule without id")
        with self._uow_factory(write=True) as uow:
            current = owned_schedule(uow, owner_id, schedule.id)
            updated = uow.schedules.update(dataclasses.replace(schedule, owner_id=owner_id))
            if updated.is_default and not current.is_default:
                mark_default(uow, owner_id, updated)
            uow.commit()
            self._changes.note()
        return updated

    def revise(
        self, owner_id: int, schedule_id: int, change: Callable[[Schedule], Schedule]
    ) -> Schedule:
        """Apply `change` to the stored schedule in one transaction (a partial update).

        `change` gets the current schedule and returns the wanted one (id and owner are kept).
        Setting `is_default` makes the schedule the owner's default; clearing it on the
        default is ignored, since the owner always keeps a default (choose another one instead).
        Raises `NotFound` (not the owner's), `InvalidInput` (the changed schedule is invalid).
        """
        with self._uow_factory(write=True) as uow:
            current = owned_schedule(uow, owner_id, schedule_id)
            wanted = change(current)
            revised = dataclasses.replace(
                wanted,
                id=current.id,
                owner_id=owner_id,
                is_default=current.is_default or wanted.is_default,
            )
            validate_schedule(revised)
            updated = uow.schedules.update(revised)
            if updated.is_default and not current.is_default:
                mark_default(uow, owner_id, updated)
            uow.commit()
            self._changes.note()
        return updated

    def delete(self, owner_id: int, schedule_id: int) -> None:
        with self._uow_factory(write=True) as uow:
            schedule = owned_schedule(uow, owner_id, schedule_id)
            if schedule.is_default and len(uow.schedules.list_for_owner(owner_id)) > 1:
                raise InvalidState(
                    "Cannot delete the default schedule; make another schedule the default first"
                )
            uow.schedules.delete(schedule_id)
            user = uow.users.get(owner_id)
            if user is not None and user.default_schedule_id == schedule_id:
                uow.users.update(dataclasses.replace(user, default_schedule_id=None))
            uow.commit()
            self._changes.note()


def owned_schedule(uow: UnitOfWork, owner_id: int, schedule_id: int) -> Schedule:
    """The schedule if `owner_id` owns it, else `NotFound` (the same for both cases)."""
    schedule = uow.schedules.get(schedule_id) if 0 < schedule_id <= MAX_ID else None
    if schedule is None or schedule.owner_id != owner_id:
        raise NotFound(f"Schedule with ID={schedule_id} does not exist.")
    return schedule


def mark_default(uow: UnitOfWork, owner_id: int, chosen: Schedule) -> None:
    """Make `chosen` the owner's only default schedule (flags and the user's pointer)."""
    for other in uow.schedules.list_for_owner(owner_id):
        if other.id != chosen.id and other.is_default:
            uow.schedules.update(dataclasses.replace(other, is_default=False))
    if not chosen.is_default:
        uow.schedules.update(dataclasses.replace(chosen, is_default=True))
    user = uow.users.get(owner_id)
    if user is None:
        raise NotFound(f"User with id {owner_id} not found")
    uow.users.update(dataclasses.replace(user, default_schedule_id=chosen.id))
