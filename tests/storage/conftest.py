"""Fixtures for the storage tests: committed host users and an event type."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from calendula.storage import SqlUnitOfWorkFactory
from factories import make_event_type, make_user


@pytest.fixture
def add_host(uow_factory: SqlUnitOfWorkFactory) -> Callable[[], int]:
    """A function that commits a new user and returns its id."""

    def add() -> int:
        with uow_factory(write=True) as uow:
            user = uow.users.add(make_user())
            uow.commit()
        assert user.id is not None
        return user.id

    return add


@pytest.fixture
def host_id(add_host: Callable[[], int]) -> int:
    return add_host()


@pytest.fixture
def event_type_id(uow_factory: SqlUnitOfWorkFactory, host_id: int) -> int:
    with uow_factory(write=True) as uow:
        event_type = uow.event_types.add(make_event_type(host_id))
        uow.commit()
    assert event_type.id is not None
    return event_type.id
