"""Accounts: users, their default schedule, and API keys.

Owns: `AccountService` — create a user (with a Monday–Friday 09:00–17:00 default schedule in the
user's zone), change a user's profile (`ProfileChanges`), issue API keys (the plain key is
returned once and never stored), authenticate a key. Messages follow Cal.com's auth strategy so
clients see familiar errors.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from calendula.domain.accounts import (
    WEEKDAY_NAMES,
    ApiKey,
    User,
    generate_api_key,
    hash_api_key,
    validate_email,
    validate_username,
)
from calendula.domain.errors import InvalidInput, NotFound, Unauthorized
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours, zone_from_name
from calendula.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from calendula.services.schedules import mark_default, owned_schedule
from calendula.services.slot_cache import CalendarChanges

MAX_NAME_LENGTH = 255
MAX_LOCALE_LENGTH = 16
TIME_FORMATS = (12, 24)

WORKING_WEEK = (
    Weekday.MONDAY,
    Weekday.TUESDAY,
    Weekday.WEDNESDAY,
    Weekday.THURSDAY,
    Weekday.FRIDAY,
)


def working_hours(time_zone: str, owner_id: int | None = None) -> Schedule:
    """Monday to Friday, 09:00 to 17:00 in `time_zone` (Cal.com's default availability)."""
    nine_to_five = TimeRange(time(9), time(17))
    return Schedule(
        time_zone=time_zone,
        weekly=tuple(WeeklyHours(day, nine_to_five) for day in WORKING_WEEK),
        name="Working hours",
        owner_id=owner_id,
        is_default=True,
    )


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """What to change on a user's profile; `None` leaves a field as it is.

    `default_schedule_id` must name one of the user's schedules (it becomes the default);
    a new `time_zone` is also given to the user's default schedule (as Cal.com does).
    """

    email: str | None = None
    name: str | None = None
    time_format: int | None = None
    default_schedule_id: int | None = None
    week_start: str | None = None
    time_zone: str | None = None
    locale: str | None = None
    avatar_url: str | None = None
    bio: str | None = None
    metadata: dict[str, Any] | None = None


def _checked_changes(changes: ProfileChanges) -> ProfileChanges:
    """The changes with the email normalised; `InvalidInput` naming the first bad field."""
    if changes.time_zone is not None:
        zone_from_name(changes.time_zone, "timeZone")
    if changes.week_start is not None and changes.week_start not in WEEKDAY_NAMES:
        raise InvalidInput("weekStart", f"weekStart must be one of {', '.join(WEEKDAY_NAMES)}")
    if changes.time_format is not None and changes.time_format not in TIME_FORMATS:
        raise InvalidInput("timeFormat", "timeFormat must be 12 or 24")
    if changes.name is not None and len(changes.name) > MAX_NAME_LENGTH:
        raise InvalidInput("name", f"name must be at most {MAX_NAME_LENGTH} characters")
    if changes.locale is not None and not 0 < len(changes.locale) <= MAX_LOCALE_LENGTH:
        raise InvalidInput("locale", f"locale must be 1-{MAX_LOCALE_LENGTH} characters")
    if changes.email is not None:
        return dataclasses.replace(changes, email=validate_email(changes.email))
    return changes


def _apply_profile(uow: UnitOfWork, user_id: int, changes: ProfileChanges) -> User:
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound(f"User with id {user_id} not found")
    given: dict[str, Any] = {
        "email": changes.email,
        "name": changes.name,
        "time_format": changes.time_format,
        "week_start": changes.week_start,
        "time_zone": changes.time_zone,
        "locale": changes.locale,
        "avatar_url": changes.avatar_url,
        "bio": changes.bio,
        "metadata": changes.metadata,
    }
    uow.users.update(dataclasses.replace(user, **{k: v for k, v in given.items() if v is not None}))
    if changes.default_schedule_id is not None:
        mark_default(uow, user_id, owned_schedule(uow, user_id, changes.default_schedule_id))
    updated = uow.users.get(user_id)
    if updated is None:
        raise NotFound(f"User with id {user_id} not found")
    if changes.time_zone is not None and updated.default_schedule_id is not None:
        schedule = uow.schedules.get(updated.default_schedule_id)
        if schedule is not None and schedule.time_zone != changes.time_zone:
            uow.schedules.update(dataclasses.replace(schedule, time_zone=changes.time_zone))
    return updated


class AccountService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, changes: CalendarChanges | None = None
    ) -> None:
        self._uow_factory = uow_factory
        self._changes = changes or CalendarChanges()
        self._clock = clock

    def create_user(
        self, username: str, email: str, *, time_zone: str = "UTC", name: str | None = None
    ) -> User:
        """A new user with a default schedule. Raises `InvalidInput`, `Conflict`."""
        user = User(
            username=validate_username(username),
            email=validate_email(email),
            time_zone=time_zone,
            name=name,
        )
        zone_from_name(time_zone, "timeZone")
        with self._uow_factory(write=True) as uow:
            user = uow.users.add(user)
            schedule = uow.schedules.add(working_hours(time_zone, user.id))
            user = uow.users.update(dataclasses.replace(user, default_schedule_id=schedule.id))
            uow.commit()
            self._changes.note()
        return user

    def get_user(self, user_id: int) -> User:
        with self._uow_factory() as uow:
            user = uow.users.get(user_id)
        if user is None:
            raise NotFound(f"User with id {user_id} not found")
        return user

    def get_user_by_username(self, username: str) -> User:
        with self._uow_factory() as uow:
            user = uow.users.get_by_username(username)
        if user is None:
            raise NotFound(f"User {username} not found")
        return user

    def update_profile(self, user_id: int, changes: ProfileChanges) -> User:
        """Apply `changes` to the user. Raises `InvalidInput` (time zone, email, weekStart,
        timeFormat, name, locale), `NotFound` (user, or a default schedule that is not the
        user's), `Conflict` (email taken)."""
        checked = _checked_changes(changes)
        with self._uow_factory(write=True) as uow:
            updated = _apply_profile(uow, user_id, checked)
            uow.commit()
            self._changes.note()
        return updated

    def create_api_key(
        self, user_id: int, *, name: str = "", expires_at: datetime | None = None
    ) -> tuple[ApiKey, str]:
        """Issue a key; returns the stored record and the plain key (shown once)."""
        plain = generate_api_key()
        with self._uow_factory(write=True) as uow:
            if uow.users.get(user_id) is None:
                raise NotFound(f"User with id {user_id} not found")
            record = uow.api_keys.add(
                ApiKey(
                    user_id=user_id,
                    hashed_key=hash_api_key(plain),
                    name=name,
                    expires_at=expires_at,
                    created_at=self._clock.now(),
                )
            )
            uow.commit()
            self._changes.note()
        return record, plain

    def authenticate(self, key: str) -> User:
        """The user owning `key`. Raises `Unauthorized` for an unknown or expired key."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            record = uow.api_keys.get_by_hash(hash_api_key(key))
            if record is None:
                raise Unauthorized("ApiAuthStrategy - api key - Your api key is not valid")
            if record.is_expired(now):
                raise Unauthorized("ApiAuthStrategy - api key - Your api key is expired")
            user = uow.users.get(record.user_id)
        if user is None:
            raise Unauthorized("ApiAuthStrategy - api key - Your api key is not valid")
        return user
