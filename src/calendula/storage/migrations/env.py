"""Alembic environment for Calendula: runs the migrations on the connection it is handed.

`calendula.storage.migration.alembic_config(connection)` puts the connection in
`config.attributes["connection"]`. Batch mode is on (`render_as_batch`) so that generated
ALTERs also work on SQLite.
"""

from __future__ import annotations

from alembic import context

from calendula.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through calendula.storage.migration (upgrade_database or "
            "alembic_config(connection))"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")
run_migrations_online()
