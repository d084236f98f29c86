"""Recurring event types: the recurrence rule and the starts of a booked series.

Owns: `Frequency`, `Recurrence` (Cal.com's `{frequency, interval, occurrences}`), its checks,
`series_count` (how many occurrences a booking request asks for) and `occurrence_starts` (the
starts of a series, keeping the booker's local wall-clock time across DST changes).
Imports only the standard library; never reads the clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from calendula.domain.errors import InvalidInput
from calendula.domain.intervals import LAST_YEAR

MAX_OCCURRENCES = 100
"""The longest series one request may book (every occurrence is checked and written in one
transaction): two years of a weekly meeting, eight of a monthly one."""
MAX_INTERVAL = 100
"""The longest step: every 100 weeks, months or years."""

RRULE_FREQUENCIES = {"yearly": 0, "monthly": 1, "weekly": 2}
"""RFC 5545 / rrule.js `Frequency` numbers, as Cal.com stores them (`recurringEvent.freq`)."""


class Frequency(StrEnum):
    YEARLY = "yearly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A series: `occurrences` meetings, one every `interval` weeks, months or years."""

    frequency: Frequency
    interval: int
    occurrences: int

    def __post_init__(self) -> None:
        validate_recurrence(self)

    @property
    def rrule_frequency(self) -> int:
        return RRULE_FREQUENCIES[self.frequency.value]


def validate_recurrence(recurrence: Recurrence) -> None:
    """Raise `InvalidInput` naming `recurrence.<field>` when a value is out of range."""
    for name, value, limit in (
        ("interval", recurrence.interval, MAX_INTERVAL),
        ("occurrences", recurrence.occurrences, MAX_OCCURRENCES),
    ):
        if not 1 <= value <= limit:
            raise InvalidInput(
                f"recurrence.{name}", f"recurrence.{name} must be between 1 and {limit}"
            )


def series_count(recurrence: Recurrence, requested: int | None) -> int:
    """The number of occurrences to book: `requested` (Cal.com's `recurrenceCount`) or, when
    None, the rule's `occurrences`. Raises `InvalidInput` on `recurrenceCount`."""
    if requested is None:
        return recurrence.occurrences
    if not 1 <= requested <= recurrence.occurrences:
        raise InvalidInput(
            "recurrenceCount",
            f"recurrenceCount must be between 1 and the event type's {recurrence.occurrences} "
            "occurrences",
        )
    return requested


def occurrence_starts(
    first: datetime, zone: ZoneInfo, recurrence: Recurrence, count: int
) -> list[datetime]:
    """The UTC starts of `count` occurrences from `first` (aware), each at the same local
    wall-clock time in `zone` (a weekly 10:00 stays 10:00 across a DST change).

    Each start is counted from `first` (not from the one before), so a monthly series on the
    31st falls on the last day of shorter months and returns to the 31st. A local time that
    does not exist on a day (skipped by a DST change) moves forward by the gap; an ambiguous
    one takes its first occurrence. Raises `InvalidInput` on `recurrenceCount` when the series
    would end after the year 9000."""
    if first.tzinfo is None:
        raise InvalidInput("start", "start must carry a time zone")
    local = first.astimezone(zone)
    starts = []
    for index in range(count):
        step = index * recurrence.interval
        if recurrence.frequency is Frequency.WEEKLY:
            day = local.date() + timedelta(weeks=step)
        else:
            months = step * (12 if recurrence.frequency is Frequency.YEARLY else 1)
            year, month = divmod(local.month - 1 + months, 12)
            year += local.year
            if year > LAST_YEAR:
                raise InvalidInput("recurrenceCount", "the series would end after the year 9000")
            last_day = calendar.monthrange(year, month + 1)[1]
            day = local.date().replace(year=year, month=month + 1, day=min(local.day, last_day))
        wall = datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=zone)
        starts.append(wall.astimezone(UTC))
    if starts and starts[-1].year > LAST_YEAR:
        raise InvalidInput("recurrenceCount", "the series would end after the year 9000")
    return starts
