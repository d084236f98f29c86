"""Weekly working hours in an IANA time zone, with date overrides.

Owns: `Schedule`, `WeeklyHours`, `TimeRange`, `DateOverride`, their validation, and
`expand_schedule`, which turns a schedule into concrete UTC availability intervals.

Rules (documented in docs/scheduling.md):
- A `TimeRange` is wall-clock time in the schedule's zone. `end <= start` means the range crosses
  local midnight and ends on the next day (22:00-02:00); `end == 00:00` means midnight (24:00).
- A `DateOverride` replaces the availability of that whole local calendar date: weekly ranges that
  start that day are dropped, ranges spilling over from the previous day are clipped at that
  date's local midnight, and the override's own ranges are used instead (none = day off).
- Local times are mapped to UTC with `zoneinfo`; a wall time inside a DST gap is read with the
  offset in force before the gap (it moves forward), an ambiguous wall time takes its first
  occurrence (fold=0). A range whose two ends come out in the wrong order that way (02:30-03:15
  on a night that skips 02:00-03:00) is empty that day.
- Validation (`validate_schedule`): weekly ranges may touch but not overlap, counted on the weekly
  circle (Sunday 22:00-02:00 runs into Monday); an override date appears once and its ranges do not
  overlap; `start == end` is only allowed as `00:00-00:00` (the whole day). Errors name the field
  `availability` (weekly hours) or `overrides`.
Imports only the standard library.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calendula.domain._spans import Span, intersect_spans, merge_spans, to_utc
from calendula.domain.errors import InvalidInput
from calendula.domain.intervals import Interval

_DAY_US = 24 * 3600 * 1_000_000
_WEEK_US = 7 * _DAY_US
_MIDNIGHT = time(0)


class Weekday(IntEnum):
    """ISO weekday numbers minus one, as `date.weekday()` returns them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Wall-clock hours `[start, end)`; `end <= start` crosses local midnight."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Available on `weekday` during `hours` (which may run into the next day)."""

    weekday: Weekday
    hours: TimeRange


@dataclass(frozen=True, slots=True)
class DateOverride:
    """The whole availability of one local date; empty `ranges` means the day off."""

    day: date
    ranges: tuple[TimeRange, ...] = ()


@dataclass(frozen=True, slots=True)
class Schedule:
    """A named set of weekly hours and date overrides in one IANA time zone."""

    time_zone: str
    weekly: tuple[WeeklyHours, ...] = ()
    overrides: tuple[DateOverride, ...] = ()
    name: str = "Working hours"
    id: int | None = None
    owner_id: int | None = None
    is_default: bool = False
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", zone_from_name(self.time_zone, "timeZone"))


HOST_FILES = frozenset({"localtime", "posixrules", "Factory"})
"""Files of the system's zone folder that are not IANA zones of a place: `localtime` is the
server's own zone (it would differ between hosts), the others are placeholders."""


def zone_from_name(name: str, field_name: str = "timeZone") -> ZoneInfo:
    """The `ZoneInfo` for an IANA name, or `InvalidInput` naming `field_name`. Only zone names
    are taken, not paths or the system's extra files (`localtime`; `right/...`, which counts
    leap seconds and would shift every time; `posix/...` copies)."""
    if (
        not name
        or name != name.strip()
        or name.startswith(("/", "posix/", "right/"))
        or ".." in name
        or name in HOST_FILES
    ):
        raise InvalidInput(field_name, f"{name!r} is not a valid IANA time zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(field_name, f"{name!r} is not a valid IANA time zone") from None


def validate_schedule(schedule: Schedule) -> None:
    """Raise `InvalidInput` for overlapping weekly ranges, overlapping or duplicate overrides.

    The field is `availability` for weekly hours (an empty range such as 09:00-09:00, a time
    with a tzinfo, or two ranges overlapping on the weekly circle, midnight crossings included)
    and `overrides` for date overrides (a date given twice, an empty range, overlapping ranges of
    one date). Touching ranges (09:00-12:00 and 12:00-17:00) are fine; 00:00-00:00 is a full day.
    """
    week: list[tuple[int, int]] = []
    for weekly in schedule.weekly:
        if not isinstance(weekly.weekday, int) or not 0 <= weekly.weekday <= 6:
            raise InvalidInput("availability", f"{weekly.weekday!r} is not a weekday")
        start, length = _checked_range(weekly.hours, "availability")
        week.extend(_wrap_week(weekly.weekday * _DAY_US + start, length))
    clash = _first_overlap(week)
    if clash is not None:
        weekday = Weekday(clash // _DAY_US % 7).name.title()
        raise InvalidInput("availability", f"weekly hours overlap on {weekday}")
    seen: set[date] = set()
    for override in schedule.overrides:
        if override.day in seen:
            raise InvalidInput("overrides", f"{override.day.isoformat()} is overridden twice")
        seen.add(override.day)
        spans = []
        for hours in override.ranges:
            start, length = _checked_range(hours, "overrides")
            spans.append((start, start + length))
        if _first_overlap(spans) is not None:
            raise InvalidInput("overrides", f"the ranges of {override.day.isoformat()} overlap")


def expand_schedule(schedule: Schedule, start: datetime, end: datetime) -> list[Interval]:
    """Availability of `schedule` within `[start, end)` as sorted, merged UTC intervals."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start", "expand_schedule needs timezone-aware bounds")
    return [Interval(s, e) for s, e in expand_spans(schedule, to_utc(start), to_utc(end))]


def expand_spans(schedule: Schedule, start: datetime, end: datetime) -> list[Span]:
    """`expand_schedule` as merged `(start, end)` UTC pairs (the slot engine's own form)."""
    if start >= end:
        return []
    zone = schedule.zone
    weekly: defaultdict[int, list[TimeRange]] = defaultdict(list)
    for hours in schedule.weekly:
        weekly[int(hours.weekday)].append(hours.hours)
    overrides = {o.day: o.ranges for o in schedule.overrides}
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    spans: list[Span] = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        day = date.fromordinal(ordinal)
        ranges = overrides.get(day, weekly.get(day.weekday(), ()))
        clip_at_midnight = (day + timedelta(days=1)) in overrides
        spans.extend(_day_spans(day, ranges, zone, clip_at_midnight))
    return intersect_spans(merge_spans(spans), [(start, end)])


def _day_spans(
    day: date, ranges: Iterable[TimeRange], zone: ZoneInfo, clip_at_midnight: bool
) -> list[Span]:
    """UTC spans of the ranges starting on local `day`; spill-over is cut at midnight if asked."""
    spans = []
    next_day = day + timedelta(days=1)
    for hours in ranges:
        start = _to_utc_wall(day, hours.start, zone)
        if not hours.crosses_midnight:
            end = _to_utc_wall(day, hours.end, zone)
        elif clip_at_midnight:
            end = _to_utc_wall(next_day, _MIDNIGHT, zone)
        else:
            end = _to_utc_wall(next_day, hours.end, zone)
        if start < end:
            spans.append((start, end))
    return spans


def _to_utc_wall(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Local wall time on `day` in UTC: gap times move forward, ambiguous ones take fold=0."""
    local = datetime(
        day.year, day.month, day.day, wall.hour, wall.minute, wall.second, wall.microsecond, zone
    )
    return local.astimezone(UTC)


def _micros(wall: time) -> int:
    return ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1_000_000 + wall.microsecond


def _checked_range(hours: TimeRange, field_name: str) -> tuple[int, int]:
    """`(start, length)` of a range in microseconds from its day's midnight."""
    if hours.start.tzinfo is not None or hours.end.tzinfo is not None:
        raise InvalidInput(field_name, "times of day carry no time zone (the schedule has one)")
    start, end = _micros(hours.start), _micros(hours.end)
    if start == end and start != 0:
        raise InvalidInput(
            field_name,
            f"{hours.start.isoformat()}-{hours.end.isoformat()} is empty "
            "(use 00:00-00:00 for a whole day)",
        )
    return start, (end - start) % _DAY_US or _DAY_US


def _wrap_week(start: int, length: int) -> list[tuple[int, int]]:
    """A range on the weekly circle as one or two linear spans within `[0, week)`."""
    end = start + length
    if end <= _WEEK_US:
        return [(start, end)]
    return [(start, _WEEK_US), (0, end - _WEEK_US)]


def _first_overlap(spans: list[tuple[int, int]]) -> int | None:
    """Where the first overlap of two spans begins, or None when they are disjoint."""
    ordered = sorted(spans)
    for (_, previous_end), (start, _) in pairwise(ordered):
        if start < previous_end:
            return start
    return None


def local_day_bounds(day: date, zone: ZoneInfo) -> Interval:
    """The UTC interval covered by local calendar date `day` in `zone` (23, 24 or 25 hours)."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), zone)
    return Interval.utc(start, end)
