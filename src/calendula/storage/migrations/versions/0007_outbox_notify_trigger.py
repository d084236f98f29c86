"""PostgreSQL: outbox events notify dispatchers by a trigger.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21

A statement-level AFTER INSERT trigger on `outbox_events` runs `pg_notify('calendula_outbox',
'')`, so a transaction that records events wakes the dispatchers of other processes at commit
(never on rollback) without sending its own NOTIFY: one round trip fewer on the booking path.
SQLite has no notifications (its dispatchers poll): nothing to do there.
Written by hand; it uses plain SQL, not app code.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION calendula_outbox_notify() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('calendula_outbox', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION calendula_outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_events_notify ON outbox_events")
    op.execute("DROP FUNCTION IF EXISTS calendula_outbox_notify()")
