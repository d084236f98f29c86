"""What the booker shows of time: the month grid, the days with times, formatted times, zones.

Owns: `BookerTime` (the visitor's choices: month, day, zone, 12/24 hours, duration) parsed from
the query string, `month_grid`, `times_by_day`, and the formatting helpers the templates use.
Pure: no services, no I/O; `now` is a parameter.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from markupsafe import Markup

from calendula.domain.slots import Slot

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LAST_MONTH = date(date.max.year, date.max.month - 1, 1)
"""The last month the booker can show: the window of December 9999 would end in year 10000."""


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones the picker offers (areas like `Europe/Rome`, and `UTC`)."""
    names = {n for n in available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV"))}
    return ("UTC", *sorted(names))


@lru_cache(maxsize=128)
def zone_options(selected: str) -> Markup:
    """The picker's `<option>`s with `selected` chosen (rendered once per zone)."""
    return Markup("").join(
        Markup("<option selected>{}</option>").format(name)
        if name == selected
        else Markup("<option>{}</option>").format(name)
        for name in zone_names()
    )


def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """`name` as a zone when it is a known IANA name, else `fallback`."""
    if name and name in zone_names():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(fallback)


@dataclass(frozen=True, slots=True)
class BookerTime:
    """The visitor's view: which month, which day, in which zone, how times read."""

    zone: ZoneInfo
    month: date  # the first of the month shown
    day: date | None
    hour12: bool
    duration: int | None

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The month shown, as UTC instants (local midnight of the 1st to the next 1st)."""
        start = datetime.combine(self.month, datetime.min.time(), self.zone)
        end = datetime.combine(next_month(self.month), datetime.min.time(), self.zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def parse_booker_time(
    params: Mapping[str, str], *, host_zone: str, hour12_default: bool, now: datetime
) -> BookerTime:
    """The visitor's choices from Cal.com's query parameters (`month=YYYY-MM`, `date=YYYY-MM-DD`,
    `duration`), plus ours (`timeZone`, `timeFormat=12|24`). Bad values fall back to defaults:
    a booking page never fails because of a hand-edited link."""
    zone = zone_or(params.get("timeZone"), host_zone)
    day = _parse_date(params.get("date"))
    month = _parse_month(params.get("month")) or (day.replace(day=1) if day else None)
    today = now.astimezone(zone).date()
    if month is None or not today.replace(day=1) <= month <= LAST_MONTH:
        month = today.replace(day=1)
    if day is not None and (day.replace(day=1) != month or day < today):
        day = None
    fmt = params.get("timeFormat")
    hour12 = hour12_default if fmt not in ("12", "24") else fmt == "12"
    return BookerTime(zone, month, day, hour12, _parse_duration(params.get("duration")))


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None


def _parse_month(text: str | None) -> date | None:
    return _parse_date(f"{text}-01") if text and len(text) == 7 else None


def _parse_duration(text: str | None) -> int | None:
    """Minutes written in digits only (no sign or spaces), else None. `isdigit` alone is not
    enough: `int` refuses some digits (`²`) and more than 4,300 of them."""
    if not text or not text.isdigit():
        return None
    try:
        return int(text)
    except ValueError:
        return None


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def month_grid(first: date, week_start: int = 0) -> list[list[date | None]]:
    """The weeks of `first`'s month, each 7 days (None outside the month); `week_start` 0 is
    Monday, 6 is Sunday."""
    weeks = calendar.Calendar(firstweekday=week_start).monthdatescalendar(first.year, first.month)
    return [[d if d.month == first.month else None for d in week] for week in weeks]


def weekday_headers(week_start: int = 0) -> list[str]:
    return [WEEKDAYS[(week_start + i) % 7][:3] for i in range(7)]


def times_by_day(slots: Sequence[Slot], zone: ZoneInfo) -> dict[date, list[datetime]]:
    """Slot starts in `zone`, grouped by their local date (in order)."""
    grouped: dict[date, list[datetime]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        grouped.setdefault(local.date(), []).append(local)
    return grouped


def format_time(moment: datetime, hour12: bool) -> str:
    if hour12:
        return moment.strftime("%I:%M %p").lstrip("0").lower()
    return moment.strftime("%H:%M")


def format_day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day.day} {calendar.month_name[day.month]} {day.year}"


def format_month(first: date) -> str:
    return f"{calendar.month_name[first.month]} {first.year}"


def format_moment(moment: datetime, zone: ZoneInfo, hour12: bool) -> str:
    """`Tuesday, 3 March 2026, 10:00 (Europe/Rome)`."""
    local = moment.astimezone(zone)
    return f"{format_day(local.date())}, {format_time(local, hour12)} ({zone.key})"


def utc_iso(moment: datetime) -> str:
    """`2026-03-03T14:00:00Z` (seconds precision)."""
    return moment.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_utc(text: str | None) -> datetime | None:
    """An ISO instant from a form or link (`...Z` or with an offset), else None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None
