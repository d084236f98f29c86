"""Migrations: one chain for SQLite and PostgreSQL that builds exactly the tables' schema."""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from calendula.storage import (
    alembic_config,
    create_engine_for,
    current_revision,
    head_revision,
    upgrade_database,
)
from calendula.storage.tables import Base

POSTGRES_URL_ENV = "CALENDULA_TEST_DATABASE_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, never migrated database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_ENV}")
    server_url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"calendula_fresh_{secrets.token_hex(4)}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def schema_snapshot(url: str) -> dict[str, object]:
    engine = create_engine_for(url)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            inspector = inspect(engine)
            return {
                table: (
                    [c["name"] for c in inspector.get_columns(table)],
                    sorted(str(i["name"]) for i in inspector.get_indexes(table)),
                )
                for table in inspector.get_table_names()
            }
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect the expression index on lower(email); checked separately.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_builds_a_fresh_database_and_a_second_run_is_a_no_op(fresh_url: str) -> None:
    assert current_revision(fresh_url) is None
    upgrade_database(fresh_url)
    assert current_revision(fresh_url) == head_revision() is not None
    first = schema_snapshot(fresh_url)
    assert set(Base.metadata.tables) <= set(first)
    upgrade_database(fresh_url)
    assert current_revision(fresh_url) == head_revision()
    assert schema_snapshot(fresh_url) == first


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(fresh_url: str) -> None:
    upgrade_database(fresh_url)
    engine = create_engine_for(fresh_url)
    try:
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "base")
            connection.commit()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade_database(fresh_url)
    assert current_revision(fresh_url) == head_revision()


def test_migrated_schema_matches_the_tables(engine: Engine) -> None:
    assert schema_differences(engine) == []


def test_migrated_schema_has_the_expression_index_and_the_exclusion_constraint(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_users_email_lower'"
            ).scalar_one()
            assert "lower(email)" in sql
        else:
            definition = connection.exec_driver_sql(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conname = 'time_blocks_no_overlap' AND contype = 'x'"
            ).scalar_one()
            assert "gist" in definition and "tstzrange(start_at, end_at, '[)'::text)" in definition
            assert "host_id WITH =" in definition and "WITH &&" in definition
