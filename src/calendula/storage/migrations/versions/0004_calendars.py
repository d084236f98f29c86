"""Calendar connections: CalDAV accounts and ICS feeds, their calendars, published feeds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

The same on SQLite and PostgreSQL. `uq_connected_calendars_destination` is a partial unique
index (one destination calendar per host). Written by hand; plain SQLAlchemy types only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calendar_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_success_at", _utc(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _utc(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('caldav', 'ics-feed')", name="ck_calendar_connections_kind"),
        sa.CheckConstraint(
            "consecutive_failures >= 0", name="ck_calendar_connections_consecutive_failures"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name="fk_calendar_connections_owner_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_connections"),
    )
    op.create_index("ix_calendar_connections_owner_id", "calendar_connections", ["owner_id"])
    op.create_table(
        "connected_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=2048), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("is_busy", sa.Boolean(), nullable=False),
        sa.Column("is_destination", sa.Boolean(), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["calendar_connections.id"],
            name="fk_connected_calendars_connection_id_calendar_connections",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name="fk_connected_calendars_owner_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_connected_calendars"),
        sa.UniqueConstraint(
            "connection_id", "external_id", name="uq_connected_calendars_connection_id_external_id"
        ),
    )
    op.create_index("ix_connected_calendars_owner_id", "connected_calendars", ["owner_id"])
    op.create_index(
        "uq_connected_calendars_destination",
        "connected_calendars",
        ["owner_id"],
        unique=True,
        sqlite_where=sa.text("is_destination"),
        postgresql_where=sa.text("is_destination"),
    )
    op.create_table(
        "published_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("free_busy_only", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name="fk_published_feeds_owner_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_published_feeds"),
        sa.UniqueConstraint("token_hash", name="uq_published_feeds_token_hash"),
    )
    op.create_index("ix_published_feeds_owner_id", "published_feeds", ["owner_id"])


def downgrade() -> None:
    op.drop_table("published_feeds")
    op.drop_table("connected_calendars")
    op.drop_table("calendar_connections")
