"""Storage adapter: SQLAlchemy repositories and unit of work over SQLite or PostgreSQL.

Implements the ports in `calendula.services.ports`. Must not import `calendula.integrations`
or any entry point. Nothing is created at import time: the composition root calls
`create_engine_for`, `upgrade_database` and `SqlUnitOfWorkFactory`.
"""

from calendula.storage.engine import create_engine_for
from calendula.storage.migration import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_database,
)
from calendula.storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "alembic_config",
    "create_engine_for",
    "current_revision",
    "head_revision",
    "upgrade_database",
]
