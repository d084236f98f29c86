"""Fixtures for service tests: a container wired to the test database, with a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from calendula import bootstrap
from calendula.domain.accounts import User
from calendula.domain.event_types import EventType
from calendula.settings import Settings

# Monday 2 March 2026, 08:00 UTC (03:00 in New York, EST).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(MONDAY)


@pytest.fixture
def container(database_url: str, clock: SettableClock) -> Iterator[bootstrap.Container]:
    settings = Settings(database_url=database_url, environment="test", secret_key="x" * 40)
    built = bootstrap.build(settings, clock=clock)
    yield built
    built.close()


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


@pytest.fixture
def host(container: bootstrap.Container) -> Host:
    return make_host(container)
