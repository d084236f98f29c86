"""Engine configuration: SQLite pragmas and transaction control, URL handling, UTC datetimes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import StatementError

from calendula.storage import SqlUnitOfWorkFactory, create_engine_for
from factories import make_user


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'e.db'}")
    yield engine
    engine.dispose()


def test_sqlite_connections_use_wal_busy_timeout_foreign_keys_and_normal_sync(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def lock_is_free(path: Path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_write_unit_of_work_takes_the_sqlite_write_lock_on_entry(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    engine = create_engine_for(f"sqlite:///{path}")
    factory = SqlUnitOfWorkFactory(engine)
    try:
        with factory() as uow:
            uow.session.execute(text("SELECT 1"))
            assert lock_is_free(path)
        with factory(write=True):
            assert not lock_is_free(path)
        assert lock_is_free(path)
    finally:
        engine.dispose()


def test_postgresql_urls_get_the_psycopg_driver() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        engine = create_engine_for(url)
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql+psycopg2://u@h/db"])
def test_other_databases_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        create_engine_for(url)


def test_naive_datetimes_are_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow, pytest.raises(StatementError, match="naive"):
        uow.users.add(make_user(created_at=datetime(2030, 1, 1)))
