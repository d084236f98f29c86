"""Factories for the domain tests: each call builds fresh, immutable values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.schedules import (
    DateOverride,
    Schedule,
    TimeRange,
    Weekday,
    WeeklyHours,
    expand_schedule,
)
from calendula.domain.slots import CountedBooking, HostCalendar, SlotRequest

FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def span(start: datetime, minutes: int) -> Interval:
    return Interval.utc(start, start + timedelta(minutes=minutes))


def hours(start: str, end: str) -> TimeRange:
    return TimeRange(time.fromisoformat(start), time.fromisoformat(end))


def working_week(
    zone: str = "UTC",
    start: str = "09:00",
    end: str = "17:00",
    days: Iterable[int] = range(5),
    overrides: Sequence[DateOverride] = (),
) -> Schedule:
    return Schedule(
        zone,
        weekly=tuple(WeeklyHours(Weekday(d), hours(start, end)) for d in days),
        overrides=tuple(overrides),
    )


def override(day: date, *ranges: tuple[str, str]) -> DateOverride:
    return DateOverride(day, tuple(hours(a, b) for a, b in ranges))


def event_type(**changes: Any) -> EventType:
    fields: dict[str, Any] = {
        "id": 1,
        "owner_id": 1,
        "slug": "intro",
        "title": "Intro call",
        "length_minutes": 30,
    }
    fields.update(changes)
    return EventType(**fields)


def host(
    schedule: Schedule | None = None,
    *,
    first: date = date(2050, 9, 5),
    days: int = 7,
    busy: Sequence[Interval] = (),
    counted: Sequence[CountedBooking] = (),
    host_id: int = 1,
) -> HostCalendar:
    """A host whose availability is `schedule` expanded over `days` local days from `first`."""
    schedule = schedule or working_week()
    zone = schedule.zone
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(first + timedelta(days=days), time(0), zone)
    return HostCalendar(host_id, zone, expand_schedule(schedule, start, end), busy, counted)


def request(
    start: datetime, end: datetime, now: datetime = FAR_PAST, length: int = 30
) -> SlotRequest:
    return SlotRequest(start, end, now, length)


def day_request(
    day: date, zone: str = "UTC", *, days: int = 1, now: datetime = FAR_PAST, length: int = 30
) -> SlotRequest:
    start = datetime.combine(day, time(0), ZoneInfo(zone))
    return SlotRequest(start, start + timedelta(days=days), now, length)
