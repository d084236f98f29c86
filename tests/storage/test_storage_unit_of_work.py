"""The unit of work owns the transaction: nothing is kept unless it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from calendula.storage import SqlUnitOfWorkFactory
from calendula.storage.tables import TimeBlockRow, UserRow
from factories import make_booking, make_user


def count_users(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(UserRow)) or 0


def test_nothing_is_written_without_commit(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    with uow_factory(write=True) as uow:
        uow.users.add(make_user())
        uow.bookings  # repositories are plain attributes  # noqa: B018
    assert count_users(engine) == 0


def test_nothing_is_written_when_the_block_raises(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), uow_factory(write=True) as uow:
        user = uow.users.add(make_user())
        uow.bookings.add(make_booking(user.id or 0))
        raise Boom
    assert count_users(engine) == 0
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(TimeBlockRow)) == 0


def test_commit_keeps_the_work_and_later_work_is_rolled_back(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    with uow_factory(write=True) as uow:
        kept = uow.users.add(make_user())
        uow.commit()
        uow.users.add(make_user())
    assert count_users(engine) == 1
    with uow_factory() as uow:
        assert uow.users.get(kept.id or 0) == kept


def test_explicit_rollback_discards_the_work(
    uow_factory: SqlUnitOfWorkFactory, engine: Engine
) -> None:
    with uow_factory(write=True) as uow:
        uow.users.add(make_user())
        uow.rollback()
        uow.users.add(make_user())
        uow.commit()
    assert count_users(engine) == 1


def test_repositories_never_commit(uow_factory: SqlUnitOfWorkFactory, engine: Engine) -> None:
    """Every write method of every repository, then no commit: nothing reaches the database."""
    with uow_factory(write=True) as uow:
        user = uow.users.add(make_user())
        uow.users.update(user)
        booking = uow.bookings.add(make_booking(user.id or 0))
        uow.bookings.update(booking)
        # Another connection sees nothing while the unit of work is still open.
        assert count_users(engine) == 0
    assert count_users(engine) == 0


def test_a_read_unit_of_work_cannot_claim_time(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = uow.users.add(make_user())
        with pytest.raises(RuntimeError, match="write unit of work"):
            uow.bookings.add(make_booking(user.id or 0))
