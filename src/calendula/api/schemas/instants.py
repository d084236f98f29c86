"""Instants in requests: the years 1900-9000, checked on the value as sent.

Owns: `check_year`, `to_utc`, and the Pydantic types `Instant` (keeps its offset; naive stays
naive) and `UtcInstant` (aware, UTC; naive is read as UTC); the years are the domain's
(`domain.intervals.FIRST_YEAR`/`LAST_YEAR`). The year is
checked before any conversion: `0001-01-01T00:00:00+00:01` or `9999-12-31T23:59:00-01:00`
would leave `datetime`'s range when converted to UTC (an `OverflowError`, so a 500); checked
first, they are a 400 naming the field, and every later conversion, day or buffer arithmetic
on an accepted instant stays in range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

from calendula.domain.intervals import FIRST_YEAR, LAST_YEAR

YEARS_MESSAGE = f"must lie between the years {FIRST_YEAR} and {LAST_YEAR}"


def check_year(value: datetime) -> datetime:
    """`value` unchanged, or `ValueError` when its year (as sent) is out of range."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(YEARS_MESSAGE)
    return value


def to_utc(value: datetime) -> datetime:
    """`value` in UTC (naive: read as UTC), after `check_year`."""
    check_year(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Instant = Annotated[datetime, AfterValidator(check_year)]
UtcInstant = Annotated[datetime, AfterValidator(to_utc)]
