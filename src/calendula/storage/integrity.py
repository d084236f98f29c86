"""Database errors turned into domain errors, in one place.

Owns: `guarded`, the savepoint every repository write runs in (the booking create path, which
abandons its transaction on a refusal, skips the savepoint). When the database refuses the
write, the savepoint is rolled back (so the unit of work stays usable) and the error becomes:
- `SlotUnavailable` for the claim table's exclusion constraint (SQLSTATE 23P01) and for a
  deadlock between racing claims (40P01 on a `time_blocks` statement; PostgreSQL reports it
  after `deadlock_timeout`, ~1 s);
- `Conflict` naming the field when a known unique constraint is violated.
Anything else is re-raised unchanged: it is a bug, not a user error.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from calendula.domain.errors import Conflict, SlotUnavailable

EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"

SLOT_TAKEN_MESSAGE = "The requested time is no longer available."


@contextmanager
def guarded(
    session: Session, unique_fields: Mapping[str, str] | None = None, *, savepoint: bool = True
) -> Iterator[None]:
    """Run the block in a SAVEPOINT and translate refusals.

    `unique_fields` maps a constraint or index name to the field named by the `Conflict`
    raised when it is violated (e.g. `{"uq_users_username": "username"}`). `savepoint=False`
    translates without a savepoint, for a caller that abandons the transaction on a refusal.
    """
    try:
        if savepoint:
            with session.begin_nested():
                yield
        else:
            yield
    except DBAPIError as err:
        translated = _translate(err, unique_fields or {})
        if translated is None:
            raise
        raise translated from err


def _translate(err: DBAPIError, unique_fields: Mapping[str, str]) -> Exception | None:
    code = getattr(err.orig, "sqlstate", None)
    if code == EXCLUSION_VIOLATION or (
        code == DEADLOCK_DETECTED and "time_blocks" in (err.statement or "")
    ):
        return SlotUnavailable(SLOT_TAKEN_MESSAGE)
    if not isinstance(err, IntegrityError):
        return None
    name = _violated_name(err)
    if name is None:
        return None
    for constraint, field in unique_fields.items():
        if name == constraint:
            return Conflict(f"{field} is already taken", field=field)
    return None


def _violated_name(err: IntegrityError) -> str | None:
    """The violated constraint or index name (PostgreSQL), or its SQLite equivalent."""
    diag = getattr(err.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if isinstance(name, str):
        return name
    # SQLite: "UNIQUE constraint failed: users.username" or "... failed: index 'uq_x'".
    text = str(err.orig)
    prefix = "UNIQUE constraint failed: "
    if not text.startswith(prefix):
        return None
    detail = text[len(prefix) :]
    if detail.startswith("index '"):
        return detail[len("index '") : -1]
    table, _, columns = detail.partition(".")
    return f"uq_{table}_{columns.replace(f', {table}.', '_')}"
