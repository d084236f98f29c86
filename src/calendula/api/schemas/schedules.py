"""`/v2/schedules` (cal-api-version 2024-06-11 / 2024-06-14): bodies in, `ScheduleOutput` out.

Owns: `CreateScheduleInput`, `UpdateScheduleInput`, `schedule_from_input`, `schedule_changes`
and `schedule_output`. Mapping between Cal.com's shape and the domain `Schedule`:

- `availability: [{days: ["Monday", ...], startTime: "HH:MM", endTime: "HH:MM"}]` becomes one
  weekly range per listed day. Omitted on create: Monday–Friday 09:00–17:00 (Cal.com's default).
- Times are wall-clock times in the schedule's `timeZone`. `endTime` may be `"24:00"` (midnight
  at the end of the day). An end at or before the start crosses midnight into the next day
  (`22:00`–`02:00`), as the domain defines; `"00:00"`–`"00:00"` (or `"00:00"`–`"24:00"`) in
  `availability` is the whole day.
- `overrides: [{date, startTime, endTime}]`: all entries of one date together replace that
  date's weekly hours. A **day off** is one entry `startTime == endTime == "00:00"` (what
  Cal.com stores and returns for an unavailable date); a whole available day is
  `"00:00"`–`"24:00"`.
- Output groups weekly ranges with the same hours into one entry (days Monday first); a
  whole-day range is written `"00:00"`–`"24:00"`, any other range ending at midnight ends
  `"00:00"`; a day off is written `"00:00"`–`"00:00"`. Output therefore parses back to the
  same schedule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from pydantic.alias_generators import to_camel

from calendula.api.storable import StorableText
from calendula.domain.accounts import WEEKDAY_NAMES
from calendula.domain.errors import InvalidInput
from calendula.domain.schedules import DateOverride, Schedule, TimeRange, Weekday, WeeklyHours

START_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
END_PATTERN = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
MIDNIGHT = time(0)
WORKING_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

DayName = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


Text = StorableText
StartTime = Annotated[StrictStr, Field(pattern=START_PATTERN, description="HH:MM")]
EndTime = Annotated[StrictStr, Field(pattern=END_PATTERN, description="HH:MM or 24:00")]
Name = Annotated[Text, Field(min_length=1, max_length=255)]
ZoneName = Annotated[Text, Field(min_length=1, max_length=64)]


class _Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class AvailabilityInput(_Input):
    days: list[DayName]
    start_time: StartTime
    end_time: EndTime


class OverrideInput(_Input):
    day: date = Field(alias="date")
    start_time: StartTime
    end_time: EndTime


class CreateScheduleInput(_Input):
    """Cal.com's `CreateScheduleInput_2024_06_11`."""

    name: Name
    time_zone: ZoneName
    is_default: StrictBool
    availability: list[AvailabilityInput] | None = None
    overrides: list[OverrideInput] | None = None


class UpdateScheduleInput(_Input):
    """Cal.com's `UpdateScheduleInput_2024_06_11`: every field optional."""

    name: Name | None = None
    time_zone: ZoneName | None = None
    is_default: StrictBool | None = None
    availability: list[AvailabilityInput] | None = None
    overrides: list[OverrideInput] | None = None


DEFAULT_AVAILABILITY = (
    AvailabilityInput(days=list(WORKING_DAYS), start_time="09:00", end_time="17:00"),
)


def _wall_time(text: str) -> time:
    return MIDNIGHT if text == "24:00" else time.fromisoformat(text)


def weekly_from_input(items: Sequence[AvailabilityInput]) -> tuple[WeeklyHours, ...]:
    return tuple(
        WeeklyHours(
            Weekday(WEEKDAY_NAMES.index(day)),
            TimeRange(_wall_time(item.start_time), _wall_time(item.end_time)),
        )
        for item in items
        for day in item.days
    )


def overrides_from_input(items: Sequence[OverrideInput]) -> tuple[DateOverride, ...]:
    """Entries grouped by date; `00:00`–`00:00` is a day off and must be alone on its date."""
    by_day: dict[date, list[TimeRange]] = {}
    days_off: set[date] = set()
    for item in items:
        ranges = by_day.setdefault(item.day, [])
        if item.start_time == "00:00" and item.end_time == "00:00":
            days_off.add(item.day)
        else:
            ranges.append(TimeRange(_wall_time(item.start_time), _wall_time(item.end_time)))
        if item.day in days_off and ranges:
            raise InvalidInput(
                "overrides",
                f"{item.day.isoformat()} is a day off (00:00-00:00) and cannot also have hours",
            )
    return tuple(DateOverride(day, tuple(ranges)) for day, ranges in by_day.items())


def schedule_from_input(body: CreateScheduleInput) -> Schedule:
    """A new schedule (no id, no owner yet). Raises `InvalidInput` for an unknown zone."""
    return Schedule(
        time_zone=body.time_zone,
        weekly=weekly_from_input(
            DEFAULT_AVAILABILITY if body.availability is None else body.availability
        ),
        overrides=overrides_from_input(body.overrides or ()),
        name=body.name,
        is_default=body.is_default,
    )


def schedule_changes(body: UpdateScheduleInput) -> Callable[[Schedule], Schedule]:
    """The partial update as a function of the current schedule (fields not sent stay).

    `null` for a field is the same as leaving it out.
    """
    changes: dict[str, Any] = {}
    if body.name is not None:
        changes["name"] = body.name
    if body.time_zone is not None:
        changes["time_zone"] = body.time_zone
    if body.is_default is not None:
        changes["is_default"] = body.is_default
    if body.availability is not None:
        changes["weekly"] = weekly_from_input(body.availability)
    if body.overrides is not None:
        changes["overrides"] = overrides_from_input(body.overrides)

    def change(current: Schedule) -> Schedule:
        return dataclasses.replace(current, **changes)

    return change


def _hhmm(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _range_output(hours: TimeRange) -> tuple[str, str]:
    if hours.start == MIDNIGHT and hours.end == MIDNIGHT:
        return "00:00", "24:00"
    return _hhmm(hours.start), _hhmm(hours.end)


def _availability_output(weekly: Sequence[WeeklyHours]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Weekday]] = {}
    for item in sorted(weekly, key=lambda w: (w.weekday, w.hours.start)):
        groups.setdefault(_range_output(item.hours), []).append(item.weekday)
    return [
        {"days": [WEEKDAY_NAMES[d] for d in days], "startTime": start, "endTime": end}
        for (start, end), days in groups.items()
    ]


def _overrides_output(overrides: Sequence[DateOverride]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for override in sorted(overrides, key=lambda o: o.day):
        day = override.day.isoformat()
        if not override.ranges:
            entries.append({"date": day, "startTime": "00:00", "endTime": "00:00"})
        for hours in sorted(override.ranges, key=lambda r: r.start):
            start, end = _range_output(hours)
            entries.append({"date": day, "startTime": start, "endTime": end})
    return entries


def schedule_output(schedule: Schedule) -> dict[str, Any]:
    """Cal.com's `ScheduleOutput_2024_06_11`."""
    return {
        "id": schedule.id,
        "ownerId": schedule.owner_id,
        "name": schedule.name,
        "timeZone": schedule.time_zone,
        "availability": _availability_output(schedule.weekly),
        "isDefault": schedule.is_default,
        "overrides": _overrides_output(schedule.overrides),
    }
