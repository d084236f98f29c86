"""Engines for SQLite and PostgreSQL, configured for Calendula's transaction rules.

Owns: `create_engine_for`. SQLite gets WAL, a 30 s busy timeout, foreign keys, synchronous=NORMAL,
and SQLAlchemy's documented pysqlite recipe for transaction control: pysqlite's own BEGIN is
disabled and a "begin" listener emits `BEGIN IMMEDIATE` for write units of work (taking the
database write lock up front) or a plain deferred `BEGIN` otherwise. PostgreSQL uses psycopg 3
with `pool_pre_ping`. Nothing here runs at import time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

WRITE_OPTION = "calendula_write"
"""Execution option set on the engine a write unit of work uses (see `unit_of_work`)."""

SQLITE_BUSY_TIMEOUT_MS = 30_000

POOL_SIZE = 20
"""Connections an engine keeps open by default (opened as needed). SQLAlchemy's default of 5
is below the server's concurrency (16 clients measured, up to 40 worker threads): with it,
every connection beyond the fifth was opened and closed again per transaction, which cost
PostgreSQL more than the booking itself (bench/bench_api_bookings.py)."""
POOL_OVERFLOW = 20
"""Connections allowed beyond `POOL_SIZE` at peaks; these are closed when returned."""


def create_engine_for(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine for a `sqlite://` or `postgresql://` URL.

    `postgresql://` and `postgres://` URLs are given the psycopg 3 driver. `pool_size` is
    SQLAlchemy's `pool_size` (connections kept open once opened); None means `POOL_SIZE`,
    with `POOL_OVERFLOW` more at peaks (an in-memory SQLite database keeps SQLAlchemy's
    single-connection pool). Raises `ValueError` for any other database.
    """
    parsed = _normalise(make_url(url))
    options: dict[str, Any] = {}
    if pool_size is not None:
        options["pool_size"] = pool_size
    if parsed.get_backend_name() != "sqlite" or parsed.database not in (None, "", ":memory:"):
        options = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, **options}
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **options
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **options)


def _normalise(url: URL) -> URL:
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    raise ValueError(
        f"unsupported database URL {url.render_as_string(hide_password=True)!r}: "
        "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db"
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite; `_on_begin` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
