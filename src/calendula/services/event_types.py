"""Event types: create, read, update, delete — scoped to their owner — and the public listing.

Owns: `EventTypeService`. The rules themselves are validated by the domain (`EventType`
construction); here: ownership, that a chosen schedule belongs to the owner, that a slug is
URL-safe and not used twice by one owner, and what strangers may see (no hidden event types).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from calendula.domain.accounts import User
from calendula.domain.errors import Conflict, InvalidInput, NotFound
from calendula.domain.event_types import EventType
from calendula.services.ports import UnitOfWork, UnitOfWorkFactory
from calendula.services.schedules import MAX_ID, owned_schedule
from calendula.services.slot_cache import CalendarChanges

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,254}$")
DUPLICATE_SLUG_MESSAGE = "User already has an event type with this slug."


@dataclass(frozen=True, slots=True)
class OwnedEventTypes:
    """Event types together with their owner (whose profile public outputs show)."""

    owner: User
    event_types: list[EventType]


class EventTypeService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, changes: CalendarChanges | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._changes = changes or CalendarChanges()

    def create(self, owner_id: int, event_type: EventType) -> EventType:
        """Store a new event type. Raises `InvalidInput` (slug), `NotFound` (schedule),
        `Conflict` (the owner already uses the slug)."""
        check_slug(event_type.slug)
        with self._uow_factory(write=True) as uow:
            _check_schedule(uow, owner_id, event_type.schedule_id)
            _check_slug_free(uow, owner_id, event_type.slug, None)
            created = uow.event_types.add(
                dataclasses.replace(event_type, id=None, owner_id=owner_id)
            )
            uow.commit()
            self._changes.note()
        return created

    def get(self, owner_id: int, event_type_id: int) -> EventType:
        with self._uow_factory() as uow:
            return _owned(uow, owner_id, event_type_id)

    def list_for_owner(self, owner_id: int, *, include_hidden: bool = True) -> list[EventType]:
        with self._uow_factory() as uow:
            found = uow.event_types.list_for_owner(owner_id)
        return [et for et in found if include_hidden or not et.hidden]

    def list_public(
        self, username: str, *, slug: str | None = None, viewer_id: int | None = None
    ) -> OwnedEventTypes | None:
        """`username`'s event types as `viewer_id` may see them (hidden ones only by their
        owner), or only the one with `slug`, hidden or not: as in Cal.com, hiding keeps an
        event type off the owner's list, not from whoever has its link. None when there is
        no such user. Usernames are lowercase, so the lookup ignores case."""
        with self._uow_factory() as uow:
            owner = uow.users.get_by_username(username.lower())
            if owner is None:
                return None
            if slug is None:
                found = uow.event_types.list_for_owner(owner.id or 0)
            else:
                one = uow.event_types.get_by_slug(owner.id or 0, slug)
                found = [] if one is None else [one]
        visible = [et for et in found if slug or not et.hidden or viewer_id == owner.id]
        return OwnedEventTypes(owner, visible)

    def find_users(self, usernames: Sequence[str]) -> list[User]:
        """The users with these usernames, in the given order; unknown names are skipped
        (the hosts of a dynamic group event type)."""
        with self._uow_factory() as uow:
            return uow.users.list_by_usernames([name.lower() for name in usernames])

    def update(self, owner_id: int, event_type: EventType) -> EventType:
        if event_type.id is None:
            raise NotFound("Event type without id")
        check_slug(event_type.slug)
        with self._uow_factory(write=True) as uow:
            _owned(uow, owner_id, event_type.id)
            _check_schedule(uow, owner_id, event_type.schedule_id)
            _check_slug_free(uow, owner_id, event_type.slug, event_type.id)
            updated = uow.event_types.update(dataclasses.replace(event_type, owner_id=owner_id))
            uow.commit()
            self._changes.note()
        return updated

    def revise(
        self, owner_id: int, event_type_id: int, change: Callable[[EventType], EventType]
    ) -> EventType:
        """Apply `change` to the stored event type in one transaction (a partial update).

        `change` gets the current event type and returns the wanted one (id and owner are
        kept). Raises `NotFound` (not the owner's, or a schedule that is not the owner's),
        `InvalidInput`, `Conflict` (slug used by another of the owner's event types).
        """
        with self._uow_factory(write=True) as uow:
            current = _owned(uow, owner_id, event_type_id)
            revised = dataclasses.replace(change(current), id=current.id, owner_id=owner_id)
            check_slug(revised.slug)
            _check_schedule(uow, owner_id, revised.schedule_id)
            _check_slug_free(uow, owner_id, revised.slug, current.id)
            updated = uow.event_types.update(revised)
            uow.commit()
            self._changes.note()
        return updated

    def delete(self, owner_id: int, event_type_id: int) -> EventType:
        with self._uow_factory(write=True) as uow:
            event_type = _owned(uow, owner_id, event_type_id)
            uow.event_types.delete(event_type_id)
            uow.commit()
            self._changes.note()
        return event_type


def check_slug(slug: str) -> None:
    """A slug is part of a booking URL: lowercase letters, digits, '-' and '_'."""
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(
            "slug",
            "slug must be 1-255 lowercase letters, digits, '-' or '_', starting with a letter "
            "or digit (e.g. intro-call)",
        )


def _owned(uow: UnitOfWork, owner_id: int, event_type_id: int) -> EventType:
    event_type = uow.event_types.get(event_type_id) if 0 < event_type_id <= MAX_ID else None
    if event_type is None or event_type.owner_id != owner_id:
        raise NotFound(f"Event type with id {event_type_id} not found")
    return event_type


def _check_schedule(uow: UnitOfWork, owner_id: int, schedule_id: int | None) -> None:
    if schedule_id is not None:
        owned_schedule(uow, owner_id, schedule_id)


def _check_slug_free(uow: UnitOfWork, owner_id: int, slug: str, own_id: int | None) -> None:
    other = uow.event_types.get_by_slug(owner_id, slug)
    if other is not None and other.id != own_id:
        raise Conflict(DUPLICATE_SLUG_MESSAGE, field="slug")
