"""Recurring event types and recurring booking series.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21

`event_types.recurrence`: the rule as a JSON document (`{frequency, interval, occurrences}`),
NULL when the event type does not recur. `bookings.recurring_booking_uid`: the uid shared by
every occurrence of a series (indexed: a series is read and cancelled by it), NULL for a single
booking. Both nullable, so existing rows need no backfill.
Written by hand; it uses plain SQLAlchemy types, not app code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (SQLite >= 3.35 drops columns too): no table copy.
    op.add_column("event_types", sa.Column("recurrence", sa.JSON(none_as_null=True)))
    op.add_column("bookings", sa.Column("recurring_booking_uid", sa.String(length=64)))
    op.create_index(
        "ix_bookings_recurring_booking_uid", "bookings", ["recurring_booking_uid"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_recurring_booking_uid", table_name="bookings")
    op.drop_column("bookings", "recurring_booking_uid")
    op.drop_column("event_types", "recurrence")
