"""Column types shared by the tables: UTC datetimes and JSON documents.

Owns: `UtcDateTime` (timezone-aware UTC in and out; `timestamptz` on PostgreSQL, a sortable
`YYYY-MM-DD HH:MM:SS.ffffff` UTC string on SQLite so range comparisons work) and `json_document`.
Imports SQLAlchemy only; knows nothing of the domain.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC. Naive datetimes are refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass an aware one")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite has no time zone type: store the UTC wall time in a fixed-width, sortable form.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_document() -> JSON:
    """A JSON column type where Python `None` is SQL NULL (not the JSON `null`)."""
    return JSON(none_as_null=True)
