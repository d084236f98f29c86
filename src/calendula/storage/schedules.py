"""SQL repository for schedules (port `ScheduleRepository`).

Owns: the mapping between `ScheduleRow` (with its weekly hours and date overrides) and the
domain `Schedule`. Overrides are one row per local date (queryable by date) whose ranges are a
small JSON list. Never commits: the unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session

from calendula.domain.errors import InvalidInput, NotFound
from calendula.domain.schedules import DateOverride, Schedule, TimeRange, Weekday, WeeklyHours
from calendula.storage.integrity import guarded
from calendula.storage.tables import ScheduleHoursRow, ScheduleOverrideRow, ScheduleRow

_SCHEDULE_UNIQUE = {"uq_schedule_overrides_schedule_id_day": "overrides"}


class SqlScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, schedule: Schedule) -> Schedule:
        row = ScheduleRow()
        _schedule_to_row(schedule, row)
        with guarded(self._session, _SCHEDULE_UNIQUE):
            self._session.add(row)
            self._session.flush()
        return _schedule_from_row(row)

    def get(self, schedule_id: int) -> Schedule | None:
        # Two Core queries, no ORM objects: the weekly hours (a handful) joined, the overrides
        # (possibly hundreds) selected apart. Every slot query and booking re-check reads one.
        parameters = {"schedule_id": schedule_id}
        rows = self._session.execute(_with_hours(), parameters).all()
        if not rows:
            return None
        hours = [row for row in rows if row.weekday is not None]
        overrides = self._session.execute(_overrides(), parameters).all()
        return _schedule(rows[0], hours, overrides)

    def list_for_owner(self, owner_id: int) -> list[Schedule]:
        rows = self._session.scalars(
            select(ScheduleRow).where(ScheduleRow.owner_id == owner_id).order_by(ScheduleRow.id)
        )
        return [_schedule_from_row(row) for row in rows]

    def update(self, schedule: Schedule) -> Schedule:
        row = self._session.get(ScheduleRow, schedule.id) if schedule.id is not None else None
        if row is None:
            raise NotFound(f"Schedule with id={schedule.id} does not exist")
        with guarded(self._session, _SCHEDULE_UNIQUE):
            # Flush the removal of the old children first: a new override may reuse a date.
            row.hours.clear()
            row.overrides.clear()
            self._session.flush()
            _schedule_to_row(schedule, row)
            self._session.flush()
        return _schedule_from_row(row)

    def delete(self, schedule_id: int) -> None:
        """Delete the schedule with its hours and overrides; unknown ids are ignored.
        Users and event types pointing at it are set to no schedule."""
        self._session.execute(delete(ScheduleRow).where(ScheduleRow.id == schedule_id))
        # The database cascaded and set references to NULL: forget rows loaded before.
        self._session.expire_all()


def _schedule_to_row(schedule: Schedule, row: ScheduleRow) -> None:
    if schedule.owner_id is None:
        raise InvalidInput("ownerId", "a stored schedule needs an owner")
    row.owner_id = schedule.owner_id
    row.name = schedule.name
    row.time_zone = schedule.time_zone
    row.is_default = schedule.is_default
    row.hours = [
        ScheduleHoursRow(weekday=int(w.weekday), start_time=w.hours.start, end_time=w.hours.end)
        for w in schedule.weekly
    ]
    row.overrides = [
        ScheduleOverrideRow(
            day=o.day,
            ranges=[[r.start.isoformat(), r.end.isoformat()] for r in o.ranges],
        )
        for o in schedule.overrides
    ]


def _schedule_from_row(row: ScheduleRow) -> Schedule:
    return _schedule(row, row.hours, row.overrides)


def _schedule(head: Any, hours: Iterable[Any], overrides: Iterable[Any]) -> Schedule:
    """A schedule from its row (or a Core row with the same names), its weekly hours rows
    (`weekday`, `start_time`, `end_time`) and its override rows (`day`, `ranges`)."""
    return Schedule(
        id=head.id,
        owner_id=head.owner_id,
        name=head.name,
        time_zone=head.time_zone,
        is_default=head.is_default,
        weekly=tuple(
            WeeklyHours(Weekday(h.weekday), TimeRange(h.start_time, h.end_time)) for h in hours
        ),
        overrides=tuple(
            DateOverride(
                o.day,
                tuple(
                    TimeRange(time.fromisoformat(start), time.fromisoformat(end))
                    for start, end in o.ranges
                ),
            )
            for o in overrides
        ),
    )


@cache
def _with_hours() -> Select[Any]:
    """The schedule's columns with each of its weekly hours (outer join: a schedule without
    hours is one row with NULL hours), in the hours' order (built once)."""
    schedule, hours = ScheduleRow.__table__.c, ScheduleHoursRow.__table__.c
    return (
        select(
            schedule.id,
            schedule.owner_id,
            schedule.name,
            schedule.time_zone,
            schedule.is_default,
            hours.weekday,
            hours.start_time,
            hours.end_time,
        )
        .select_from(
            ScheduleRow.__table__.outerjoin(
                ScheduleHoursRow.__table__, hours.schedule_id == schedule.id
            )
        )
        .where(schedule.id == bindparam("schedule_id"))
        .order_by(hours.id)
    )


@cache
def _overrides() -> Select[Any]:
    """The schedule's date overrides by day (built once)."""
    overrides = ScheduleOverrideRow.__table__.c
    return (
        select(overrides.day, overrides.ranges)
        .where(overrides.schedule_id == bindparam("schedule_id"))
        .order_by(overrides.day)
    )
