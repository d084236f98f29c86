"""SQL repositories for users and API keys (ports `UserRepository`, `ApiKeyRepository`).

Owns: the mapping between `UserRow`/`ApiKeyRow` and the domain `User`/`ApiKey`.
Never commits: the unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from calendula.domain.accounts import ApiKey, User
from calendula.domain.errors import NotFound
from calendula.storage.integrity import guarded
from calendula.storage.rows import row_by_id
from calendula.storage.tables import ApiKeyRow, UserRow

_USER_UNIQUE = {"uq_users_username": "username", "uq_users_email_lower": "email"}
_API_KEY_UNIQUE = {"uq_api_keys_hashed_key": "hashedKey"}


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> User:
        row = UserRow()
        _user_to_row(user, row)
        with guarded(self._session, _USER_UNIQUE):
            self._session.add(row)
            self._session.flush()
        return _user_from_row(row)

    def get(self, user_id: int) -> User | None:
        row = row_by_id(self._session, UserRow, user_id)  # every booking reads its owner
        return None if row is None else _user_from_row(cast(UserRow, row))

    def get_by_username(self, username: str) -> User | None:
        row = self._session.scalar(select(UserRow).where(UserRow.username == username))
        return None if row is None else _user_from_row(row)

    def list_by_usernames(self, usernames: Sequence[str]) -> list[User]:
        if not usernames:
            return []
        rows = self._session.scalars(select(UserRow).where(UserRow.username.in_(usernames)))
        by_name = {row.username: _user_from_row(row) for row in rows}
        return [by_name[name] for name in dict.fromkeys(usernames) if name in by_name]

    def update(self, user: User) -> User:
        row = self._session.get(UserRow, user.id) if user.id is not None else None
        if row is None:
            raise NotFound(f"User with id={user.id} does not exist")
        with guarded(self._session, _USER_UNIQUE):
            _user_to_row(user, row)
            self._session.flush()
        return _user_from_row(row)


class SqlApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> ApiKey:
        row = ApiKeyRow(
            user_id=key.user_id,
            hashed_key=key.hashed_key,
            name=key.name,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
        )
        if key.created_at is not None:
            row.created_at = key.created_at
        with guarded(self._session, _API_KEY_UNIQUE):
            self._session.add(row)
            self._session.flush()
        return _api_key_from_row(row)

    def get_by_hash(self, hashed_key: str) -> ApiKey | None:
        row = self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.hashed_key == hashed_key))
        return None if row is None else _api_key_from_row(row)

    def touch(self, key_id: int, when: datetime) -> None:
        self._session.execute(
            update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=when)
        )

    def delete(self, key_id: int) -> None:
        """Delete the key; unknown ids are ignored."""
        self._session.execute(delete(ApiKeyRow).where(ApiKeyRow.id == key_id))


def _user_to_row(user: User, row: UserRow) -> None:
    row.username = user.username
    row.email = user.email
    row.time_zone = user.time_zone
    row.name = user.name
    row.bio = user.bio
    row.avatar_url = user.avatar_url
    row.locale = user.locale
    row.time_format = user.time_format
    row.week_start = user.week_start
    row.brand_color = user.brand_color
    row.dark_brand_color = user.dark_brand_color
    row.default_schedule_id = user.default_schedule_id
    row.metadata_ = dict(user.metadata)
    if user.created_at is not None:
        row.created_at = user.created_at


def _user_from_row(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        email=row.email,
        time_zone=row.time_zone,
        name=row.name,
        bio=row.bio,
        avatar_url=row.avatar_url,
        locale=row.locale,
        time_format=row.time_format,
        week_start=row.week_start,
        brand_color=row.brand_color,
        dark_brand_color=row.dark_brand_color,
        default_schedule_id=row.default_schedule_id,
        metadata=dict(row.metadata_),
        created_at=row.created_at,
    )


def _api_key_from_row(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        user_id=row.user_id,
        hashed_key=row.hashed_key,
        name=row.name,
        expires_at=row.expires_at,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )
