"""Plain-column reads of one mapped row, for the hottest lookups by primary key.

Owns: `row_by_id`. The booking path reads an event type, its owner and a schedule for every
booking; `Session.get` builds and tracks an ORM object for each (identity map, instance state,
loader options), which cost more than the query. These reads return a Core `Row` labelled with
the mapped attribute names (`metadata_`, not `metadata`), so the repositories' `*_from_row`
mappers read it exactly like an ORM object. Column types (JSON documents, UTC datetimes) still
convert the values. A row read here is not in the session: repositories that change a row
load it through the ORM.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, inspect, select
from sqlalchemy.orm import Session

from calendula.storage.tables import Base


def row_by_id(session: Session, model: type[Base], row_id: int) -> Row[Any] | None:
    """The row of `model` whose primary key is `row_id`, or None."""
    return session.execute(_by_id(model), {"row_id": row_id}).one_or_none()


@cache
def _by_id(model: type[Base]) -> Select[Any]:
    """`SELECT <every mapped column AS its attribute name> WHERE id = :row_id` (built once)."""
    mapper = inspect(model)
    columns = [column.label(key) for key, column in mapper.columns.items()]
    return select(*columns).where(mapper.primary_key[0] == bindparam("row_id"))
