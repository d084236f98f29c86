"""Reminders (the mail work).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

One table, `reminders`, the same on SQLite and PostgreSQL: per event type, "offset_value unit
before start" by a channel to attendees and/or the host, with its subject and body. Emails
themselves are outbox jobs (0003); an invite's SEQUENCE is derived from the booking's
reschedule chain, so nothing else is stored.
Written by hand; it uses plain SQLAlchemy types, not app code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("offset_value", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("send_to", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("offset_value >= 0", name="ck_reminders_offset_value"),
        sa.CheckConstraint("unit IN ('minutes', 'hours', 'days')", name="ck_reminders_unit"),
        sa.CheckConstraint("channel IN ('email', 'sms')", name="ck_reminders_channel"),
        sa.CheckConstraint("send_to IN ('attendees', 'host', 'both')", name="ck_reminders_send_to"),
        sa.ForeignKeyConstraint(
            ["event_type_id"],
            ["event_types.id"],
            name="fk_reminders_event_type_id_event_types",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name="fk_reminders_owner_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
    )
    op.create_index("ix_reminders_event_type_id", "reminders", ["event_type_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_reminders_event_type_id", table_name="reminders")
    op.drop_table("reminders")
