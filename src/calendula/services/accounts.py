"""Accounts: users, their default schedule, and API keys.

Owns: `AccountService` — create a user (with a Monday–Friday 09:00–17:00 default schedule in the
user's zone), issue API keys (the plain key is returned once and never stored), authenticate a
key. Messages follow Cal.com's auth strategy so clients see familiar errors.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time

from calendula.domain.accounts import (
    ApiKey,
    User,
    generate_api_key,
    hash_api_key,
    validate_email,
    validate_username,
)
from calendula.domain.errors import NotFound, Unauthorized
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours, zone_from_name
from calendula.services.ports import Clock, UnitOfWorkFactory

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


class AccountService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
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
