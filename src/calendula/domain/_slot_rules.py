"""Private rules of the slot engine: notice, booking window, limits and buffers.

Owns the translation of an event type's policies into *forbidden start spans* (sorted UTC spans of
start instants that are never offered), so that `_slot_grid` only has to sweep sorted lists, and
the one-candidate checks with human reasons that `check_slot` and seated slots use. A local date
D of a zone spans from D's midnight to D+1's midnight, each read with the schedule rules (gap ->
forward, fold=0). Imports only the standard library and `calendula.domain`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from calendula.domain._spans import (
    ONE_MICROSECOND,
    Bounded,
    Span,
    merge_sorted,
    merge_spans,
    sorted_spans_of,
)
from calendula.domain.event_types import BookingWindow, EventType, PeriodLimits, WindowKind

_Timed = TypeVar("_Timed", bound=Bounded)
_ONE_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
_PERIODS = ("day", "week", "month", "year")


@dataclass(frozen=True, slots=True)
class Rules:
    """What one query needs from the event type, as timedeltas."""

    length: timedelta
    step: timedelta
    before: timedelta
    after: timedelta
    notice: timedelta
    count_limits: PeriodLimits
    duration_limits: PeriodLimits

    @classmethod
    def of(cls, event_type: EventType, length: timedelta) -> Rules:
        step = event_type.slot_interval_minutes
        return cls(
            length=length,
            step=timedelta(minutes=step) if step else length,
            before=timedelta(minutes=event_type.before_buffer_minutes),
            after=timedelta(minutes=event_type.after_buffer_minutes),
            notice=timedelta(minutes=event_type.minimum_notice_minutes),
            count_limits=event_type.booking_limits_count,
            duration_limits=event_type.booking_limits_duration,
        )

    @property
    def has_limits(self) -> bool:
        return self.count_limits.is_set or self.duration_limits.is_set

    def blocked_starts(self, blocking: Span) -> Span:
        """Starts whose buffered slot overlaps `blocking`: `(b0 - len - after, b1 + before)`."""
        return (blocking[0] - self.length - self.after + ONE_MICROSECOND, blocking[1] + self.before)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which local date `day` begins in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def window_bounds(
    window: BookingWindow | None, now: datetime, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """`[earliest, latest)` start instants the booking window allows (None = unbounded)."""
    if window is None:
        return None, None
    today = local_date(now, zone)
    if window.kind is WindowKind.RANGE:
        assert window.start_date is not None and window.end_date is not None
        return local_midnight(window.start_date, zone), local_midnight(
            window.end_date + _ONE_DAY, zone
        )
    days = window.days or 0
    if window.kind is WindowKind.CALENDAR_DAYS:
        if window.rolling:
            return None, now + timedelta(days=days)
        return None, local_midnight(today + timedelta(days=days), zone)
    if window.rolling:
        return None, now + timedelta(days=_days_spanning_business_days(today, days))
    return None, local_midnight(_end_of_business_days(today, days), zone)


def _is_business_day(day: date) -> bool:
    return day.weekday() < 5


def _days_spanning_business_days(today: date, count: int) -> int:
    """Calendar days after `today` until `count` business days (Mon-Fri) have passed."""
    days = passed = 0
    while passed < count:
        days += 1
        passed += _is_business_day(today + timedelta(days=days))
    return days


def _end_of_business_days(today: date, count: int) -> date:
    """The day after the `count`-th business day counted from `today` included (today if 0)."""
    day, passed = today, 0
    while passed < count:
        passed += _is_business_day(day)
        day += _ONE_DAY
    return day


def start_bounds(
    event_type: EventType,
    span: Span,
    now: datetime,
    rules: Rules,
    zone: ZoneInfo,
) -> Span:
    """`[earliest, latest)` start allowed by the request span, the notice and the window."""
    earliest, latest = max(span[0], now + rules.notice), span[1]
    window_start, window_end = window_bounds(event_type.booking_window, now, zone)
    if window_start is not None:
        earliest = max(earliest, window_start)
    if window_end is not None:
        latest = min(latest, window_end)
    return earliest, latest


def whole_local_days(span: Span, zone: ZoneInfo) -> Span:
    """`span` widened to the local midnights around it."""
    first = local_date(span[0], zone)
    last = local_date(span[1] - ONE_MICROSECOND, zone)
    return local_midnight(first, zone), local_midnight(last + _ONE_DAY, zone)


class LimitUsage:
    """A host's bookings counted per local day, ISO week, month and year."""

    def __init__(self, counted: Iterable[tuple[datetime, int]], zone: ZoneInfo) -> None:
        self.zone = zone
        self.counts: Counter[tuple[str, date]] = Counter()
        self.minutes: Counter[tuple[str, date]] = Counter()
        for start, minutes in counted:
            for key in _period_keys(local_date(start, zone)):
                self.counts[key] += 1
                self.minutes[key] += minutes

    def reason(self, day: date, minutes: float, rules: Rules) -> str | None:
        """Why one more booking of `minutes` on local `day` breaks a limit, or None."""
        for key in _period_keys(day):
            period = key[0]
            count_limit = getattr(rules.count_limits, period)
            if count_limit is not None and self.counts[key] + 1 > count_limit:
                return f"the limit of {count_limit} bookings per {period} is reached"
            duration_limit = getattr(rules.duration_limits, period)
            if duration_limit is not None and self.minutes[key] + minutes > duration_limit:
                return f"the limit of {duration_limit} booked minutes per {period} is reached"
        return None

    def blocked_days(self, span: Span, minutes: float, rules: Rules) -> list[Span]:
        """UTC spans of the local days within `span` on which one more booking breaks a limit."""
        first = local_date(span[0], self.zone)
        last = local_date(span[1] - ONE_MICROSECOND, self.zone)
        blocked = []
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            day = date.fromordinal(ordinal)
            if self.reason(day, minutes, rules) is not None:
                blocked.append(
                    (local_midnight(day, self.zone), local_midnight(day + _ONE_DAY, self.zone))
                )
        return merge_spans(blocked)


def _period_keys(day: date) -> tuple[tuple[str, date], ...]:
    return (
        ("day", day),
        ("week", day - timedelta(days=day.weekday())),
        ("month", day.replace(day=1)),
        ("year", day.replace(month=1, day=1)),
    )


@dataclass(frozen=True, slots=True)
class HostPlan:
    """One host's time in the engine's own form: UTC spans, limits, forbidden starts.

    `available` and `forbidden` are merged; `busy` is only sorted.
    """

    host_id: int
    zone: ZoneInfo
    available: list[Span]
    busy: list[Span]
    usage: LimitUsage | None
    forbidden: list[Span]


def plan_host(
    host_id: int,
    zone: ZoneInfo,
    availability: Sequence[Bounded],
    busy: Sequence[Bounded],
    counted: Iterable[tuple[datetime, int]],
    rules: Rules,
    *,
    bounds: Span | None = None,
    also_forbidden: Sequence[Span] = (),
) -> HostPlan:
    """Normalise a host's inputs; with `bounds`, also compute its forbidden start spans."""
    available = merge_sorted(sorted_spans_of(availability))
    busy_spans = sorted_spans_of(busy)
    usage = LimitUsage(counted, zone) if rules.has_limits else None
    forbidden: list[Span] = []
    if bounds is not None:
        lead = rules.length + rules.after - ONE_MICROSECOND
        forbidden = merge_sorted(busy_spans, lead, rules.before)
        if usage is not None:
            forbidden += usage.blocked_days(bounds, rules.length / _MINUTE, rules)
        if also_forbidden or usage is not None:
            forbidden = merge_spans([*forbidden, *also_forbidden])
    return HostPlan(host_id, zone, available, busy_spans, usage, forbidden)


def host_reason(
    plan: HostPlan, start: datetime, end: datetime, rules: Rules, *, exempt_limits: bool
) -> str | None:
    """Why host `plan` cannot take `[start, end)` (buffers, limits), or None when it can."""
    if not any(a0 <= start and end <= a1 for a0, a1 in plan.available):
        return f"it is outside the working hours of host {plan.host_id}"
    low, high = start - rules.before, end + rules.after
    if any(b0 < high and low < b1 for b0, b1 in plan.busy):
        return f"host {plan.host_id} is busy then (buffers included)"
    if plan.usage is not None and not exempt_limits:
        reason = plan.usage.reason(local_date(start, plan.zone), (end - start) / _MINUTE, rules)
        if reason is not None:
            return f"for host {plan.host_id} {reason}"
    return None


def first_of_each_day(slots: list[_Timed], zone: ZoneInfo) -> list[_Timed]:
    """The first of `slots` (sorted) on each local date of `zone`."""
    kept: list[_Timed] = []
    next_day: datetime | None = None
    for slot in slots:
        if next_day is None or slot.start >= next_day:
            kept.append(slot)
            next_day = local_midnight(local_date(slot.start, zone) + timedelta(days=1), zone)
    return kept


def timing_problem(
    event_type: EventType, start: datetime, now: datetime, rules: Rules, zone: ZoneInfo
) -> str | None:
    """Why `start` breaks the notice or the booking window, or None."""
    if start < now:
        return "it is in the past"
    if start < now + rules.notice:
        return f"it needs {event_type.minimum_notice_minutes} minutes of notice"
    earliest, latest = start_bounds(event_type, (start, start + ONE_MICROSECOND), now, rules, zone)
    if not earliest <= start < latest:
        return "it is outside the booking window"
    return None
