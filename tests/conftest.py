"""Shared fixtures for every test folder.

Databases (each test gets a clean, fully migrated database):

- `database_url`: parametrized `sqlite` and `postgresql`.
  - `sqlite`: a fresh file in the test's `tmp_path` (copied from a template migrated once per
    session, so it is cheap).
  - `postgresql`: only when the environment variable `CALENDULA_TEST_DATABASE_URL` is set (e.g.
    `postgresql+psycopg://postgres@127.0.0.1:5432/test`); otherwise that parameter is skipped.
    One database `calendula_test_<random>` is created through that URL per test session,
    migrated once and dropped at the end; every test starts from a clean state because all
    tables are truncated (`TRUNCATE ... RESTART IDENTITY CASCADE`) before it. The parameter
    carries the `postgres` marker (`-m "not postgres"` deselects it).
- `engine`: `calendula.storage.create_engine_for(database_url)`, disposed after the test.
- `uow_factory`: `calendula.storage.SqlUnitOfWorkFactory(engine)`; call it as
  `uow_factory(write=True)` for a unit of work that writes.
- `clock`: a `SettableClock` at Monday 2 March 2026 08:00 UTC (`.current`, `.advance()`).
- `container`: `bootstrap.build(...)` over `database_url` with that clock and `resolver`; `host`:
  a New York host with a 30-minute event type (`make_host(container, username, **fields)`).
- `resolver`: the `FakeResolver` (tests/factories.py) the container resolves webhook hosts with:
  no DNS in tests; every name is public unless a test maps it (`resolver.addresses[name] = [...]`).
  Private webhook targets stay refused (the default setting).

Domain values: plain functions in `tests/factories.py` (`make_user`, `make_api_key`,
`make_schedule`, `make_override`, `make_event_type`, `make_attendee`, `make_booking`, `make_hold`,
and the fixed instant `T0`); import them as `from factories import make_user`.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from calendula import bootstrap
from calendula.settings import Settings
from calendula.storage import SqlUnitOfWorkFactory, create_engine_for, upgrade_database
from calendula.storage.tables import Base
from factories import MONDAY, FakeResolver, Host, SettableClock, make_host

POSTGRES_URL_ENV = "CALENDULA_TEST_DATABASE_URL"


@dataclass(frozen=True)
class _PostgresTestDatabase:
    url: str
    admin: Engine  # connected to the test database, for truncation

    def truncate(self) -> None:
        tables = ", ".join(f'"{name}"' for name in Base.metadata.tables)
        with self.admin.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session", autouse=True)
def _mail_folder_outside_the_work_tree(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Tests that build their own `Settings` send no SMTP mail: the default would write .eml
    files to ./var/mail. Point that default at a temporary folder for the whole session."""
    folder = tmp_path_factory.mktemp("mail")
    previous = os.environ.get("CALENDULA_MAIL_FOLDER")
    os.environ["CALENDULA_MAIL_FOLDER"] = str(folder)
    yield
    if previous is None:
        os.environ.pop("CALENDULA_MAIL_FOLDER", None)
    else:
        os.environ["CALENDULA_MAIL_FOLDER"] = previous


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")  # disposes its engine: the WAL is checkpointed
    return path


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[_PostgresTestDatabase]:
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_ENV} (e.g. postgresql+psycopg://...)")
    server_url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"calendula_test_{secrets.token_hex(4)}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    test_url = server_url.set(database=name)
    admin = create_engine(test_url, poolclass=NullPool)
    try:
        upgrade_database(test_url.render_as_string(hide_password=False))
        yield _PostgresTestDatabase(test_url.render_as_string(hide_password=False), admin)
    finally:
        admin.dispose()
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "calendula.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    database: _PostgresTestDatabase = request.getfixturevalue("_postgres_database")
    database.truncate()
    return database.url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(MONDAY)


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver()


ContainerFactory = Callable[..., bootstrap.Container]


@pytest.fixture
def make_container(
    database_url: str, clock: SettableClock, resolver: FakeResolver, tmp_path: Path
) -> Iterator[ContainerFactory]:
    """Builds containers over the test database, clock and resolver with the test settings
    (rate limit off, emails written under `tmp_path`) and any `Settings` field overridden;
    closes them after the test. `container` is one built with no overrides."""
    built: list[bootstrap.Container] = []

    def make(**overrides: Any) -> bootstrap.Container:
        fields: dict[str, Any] = {
            "database_url": database_url,
            "environment": "test",
            "secret_key": "x" * 40,
            "rate_limit_per_minute": 0,  # tests of the limit build their own app
            "mail_folder": str(tmp_path / "mail"),  # no SMTP: emails are written here
            **overrides,
        }
        one = bootstrap.build(Settings(**fields), clock=clock, resolver=resolver)
        built.append(one)
        return one

    yield make
    for one in built:
        one.close()


@pytest.fixture
def container(make_container: ContainerFactory) -> bootstrap.Container:
    return make_container()


@pytest.fixture
def host(container: bootstrap.Container) -> Host:
    return make_host(container)
