"""Schema migrations with Alembic, run from code (no alembic.ini needed).

Owns: `upgrade_database`, `current_revision` and `alembic_config`. The migration scripts live in
the `migrations` folder next to this module, so this works from an installed package too. One
chain serves SQLite and PostgreSQL; PostgreSQL-only parts (the exclusion constraint) are
conditional inside the scripts.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from calendula.storage.engine import create_engine_for

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic `Config` for Calendula's migrations; `connection` is the one env.py uses.

    Also handy for development: `command.revision(alembic_config(conn), autogenerate=True,
    message="...")` writes a new revision by comparing the tables with the database.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade_database(url: str) -> None:
    """Migrate the database at `url` to the newest revision; a no-op when it is current."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), "head")
            connection.commit()
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision of the migration scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
