"""Factories for domain values with sensible defaults (plain functions, no database).

Import them in tests as `from factories import make_user, ...` (pytest puts `tests/` on
`sys.path` because of `tests/conftest.py`). Every call returns a new value; usernames, emails,
slugs and uids are unique per call, so tests never share data by accident.
Datetimes are timezone-aware UTC; `T0` is a fixed Monday in the future, used as a default start.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from calendula import bootstrap
from calendula.domain.accounts import ApiKey, User, hash_api_key
from calendula.domain.bookings import Attendee, Booking, BookingStatus, SlotHold
from calendula.domain.event_types import EventType
from calendula.domain.schedules import DateOverride, Schedule, TimeRange, Weekday, WeeklyHours

T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
"""Monday 2030-01-07 09:00 UTC: a fixed instant far from the real clock."""

_counter = itertools.count(1)


def _next() -> int:
    return next(_counter)


def make_user(**overrides: Any) -> User:
    n = _next()
    fields: dict[str, Any] = {
        "username": f"user{n}-{secrets.token_hex(3)}",
        "email": f"user{n}-{secrets.token_hex(3)}@example.com",
        "time_zone": "Europe/Berlin",
        "name": f"User {n}",
    }
    fields.update(overrides)
    return User(**fields)


def make_api_key(user_id: int, **overrides: Any) -> ApiKey:
    fields: dict[str, Any] = {
        "user_id": user_id,
        "hashed_key": hash_api_key(f"cal_test_{secrets.token_hex(16)}"),
        "name": "test key",
    }
    fields.update(overrides)
    return ApiKey(**fields)


def make_schedule(owner_id: int, **overrides: Any) -> Schedule:
    """Monday to Friday 09:00-17:00 in Europe/Berlin, no overrides."""
    fields: dict[str, Any] = {
        "owner_id": owner_id,
        "time_zone": "Europe/Berlin",
        "name": "Working hours",
        "weekly": tuple(WeeklyHours(Weekday(d), TimeRange(time(9), time(17))) for d in range(5)),
        "overrides": (),
    }
    fields.update(overrides)
    return Schedule(**fields)


def make_override(day: Any, *ranges: tuple[time, time]) -> DateOverride:
    return DateOverride(day, tuple(TimeRange(start, end) for start, end in ranges))


def make_event_type(owner_id: int, **overrides: Any) -> EventType:
    n = _next()
    fields: dict[str, Any] = {
        "id": None,
        "owner_id": owner_id,
        "slug": f"meeting-{n}",
        "title": f"Meeting {n}",
        "length_minutes": 30,
    }
    fields.update(overrides)
    return EventType(**fields)


def make_attendee(**overrides: Any) -> Attendee:
    n = _next()
    fields: dict[str, Any] = {
        "name": f"Attendee {n}",
        "email": f"attendee{n}@example.com",
        "time_zone": "America/New_York",
    }
    fields.update(overrides)
    return Attendee(**fields)


def make_booking(
    host_ids: tuple[int, ...] | int,
    *,
    start: datetime = T0,
    minutes: int = 30,
    **overrides: Any,
) -> Booking:
    """An accepted booking of `minutes` from `start` with one attendee."""
    hosts = (host_ids,) if isinstance(host_ids, int) else tuple(host_ids)
    uid = secrets.token_hex(11)
    fields: dict[str, Any] = {
        "uid": uid,
        "ics_uid": f"{uid}@calendula.test",
        "event_type_id": None,
        "host_ids": hosts,
        "title": "Meeting",
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "status": BookingStatus.ACCEPTED,
        "attendees": (make_attendee(),),
        "created_at": T0 - timedelta(days=7),
        "updated_at": T0 - timedelta(days=7),
    }
    fields.update(overrides)
    return Booking(**fields)


def make_hold(
    event_type_id: int,
    host_ids: tuple[int, ...] | int,
    *,
    start: datetime = T0,
    minutes: int = 30,
    expires_at: datetime | None = None,
    **overrides: Any,
) -> SlotHold:
    """A hold of `minutes` from `start`, expiring 5 minutes after `T0 - 1 day` by default."""
    hosts = (host_ids,) if isinstance(host_ids, int) else tuple(host_ids)
    created = T0 - timedelta(days=1)
    fields: dict[str, Any] = {
        "uid": secrets.token_hex(11),
        "event_type_id": event_type_id,
        "host_ids": hosts,
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "expires_at": expires_at or created + timedelta(minutes=5),
        "created_at": created,
    }
    fields.update(overrides)
    return SlotHold(**fields)


# -- services-level helpers ---------------------------------------------------------------

# Monday 2 March 2026, 08:00 UTC (03:00 in New York, EST).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class Host:
    user: User
    event_type: EventType


def make_host(
    container: bootstrap.Container, username: str = "ada", **event_type_fields: object
) -> Host:
    """A New York host (Mon-Fri 09:00-17:00) with one event type (30 minutes unless given)."""
    user = container.accounts.create_user(
        username, f"{username}@example.com", time_zone="America/New_York", name=username.title()
    )
    assert user.id is not None
    fields: dict[str, object] = {"slug": "meet", "title": "Meeting", "length_minutes": 30}
    fields.update(event_type_fields)
    event_type = container.event_types.create(
        user.id,
        EventType(id=None, owner_id=user.id, **fields),  # type: ignore[arg-type]
    )
    return Host(user, event_type)


class FakeResolver:
    """A `HostResolver` double: a name in `addresses` resolves to those addresses, `localhost`
    to loopback, a `.invalid` name to nothing, any other name to one public address
    (`PUBLIC_ADDRESS`). `asked` records every name resolved."""

    PUBLIC_ADDRESS = "93.184.215.14"

    def __init__(self, addresses: dict[str, list[str]] | None = None) -> None:
        self.addresses = dict(addresses or {})
        self.asked: list[str] = []

    def resolve(self, host: str) -> list[str]:
        self.asked.append(host)
        if host in self.addresses:
            return list(self.addresses[host])
        if host == "localhost":
            return ["127.0.0.1", "::1"]
        if host.endswith(".invalid"):
            return []
        return [self.PUBLIC_ADDRESS]
