"""A plain reference slot engine for the tests: loop over candidates, check each with datetime.

Written from the rules in `calendula.domain.slots` and docs/scheduling.md, sharing no code with
the fast engine beyond the public value types and the interval algebra. Slow on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from calendula.domain.event_types import BookingWindow, EventType, WindowKind
from calendula.domain.intervals import Interval, intersect, merge
from calendula.domain.slots import (
    HostCalendar,
    SeatedOccupancy,
    Slot,
    SlotRequest,
    TeamMode,
)

MINUTE = timedelta(minutes=1)


def oracle_slots(
    et: EventType,
    hosts: Sequence[HostCalendar],
    request: SlotRequest,
    *,
    mode: TeamMode = TeamMode.INDIVIDUAL,
    seated: Sequence[SeatedOccupancy] = (),
) -> list[Slot]:
    if not hosts:
        return []
    length = timedelta(minutes=request.length_minutes)
    step = timedelta(minutes=et.slot_interval_minutes or request.length_minutes)
    offered = []
    for anchor in grid_anchors(hosts, mode):
        start = anchor.start
        while start + length <= anchor.end:
            slot = offer(et, hosts, start, length, request.now, mode, seated)
            if slot is not None:
                offered.append(slot)
            start += step
    offered.sort(key=lambda slot: slot.start)
    if et.only_first_slot_of_day:
        firsts: dict[date, Slot] = {}
        for slot in offered:
            firsts.setdefault(slot.start.astimezone(hosts[0].zone).date(), slot)
        offered = list(firsts.values())
    return [s for s in offered if request.start <= s.start < request.end]


def grid_anchors(hosts: Sequence[HostCalendar], mode: TeamMode) -> list[Interval]:
    if mode is TeamMode.ROUND_ROBIN:
        return merge(iv for h in hosts for iv in h.availability)
    return reduce(intersect, [merge(h.availability) for h in hosts])


def offer(
    et: EventType,
    hosts: Sequence[HostCalendar],
    start: datetime,
    length: timedelta,
    now: datetime,
    mode: TeamMode,
    seated: Sequence[SeatedOccupancy],
) -> Slot | None:
    end = start + length
    if start < now + timedelta(minutes=et.minimum_notice_minutes):
        return None
    if not in_window(et.booking_window, start, now, hosts[0].zone):
        return None
    booked, uid, joins = 0, None, False
    if et.seats is not None:
        before = timedelta(minutes=et.before_buffer_minutes)
        after = timedelta(minutes=et.after_buffer_minutes)
        mine = Interval(start - before, end + after)
        for o in seated:
            if o.start == start:
                booked, uid, joins = booked + o.seats_booked, uid or o.booking_uid, True
            elif mine.overlaps(Interval(o.start - before, o.end + after)):
                return None
        if booked >= et.seats.per_slot:
            return None
    free = tuple(sorted(h.host_id for h in hosts if is_free(et, h, start, end, joins)))
    if not free or (mode is not TeamMode.ROUND_ROBIN and len(free) < len(hosts)):
        return None
    if et.seats is None:
        return Slot(start, end, free)
    return Slot(start, end, free, booked, et.seats.per_slot, uid)


def is_free(et: EventType, h: HostCalendar, start: datetime, end: datetime, joins: bool) -> bool:
    if not any(iv.start <= start and end <= iv.end for iv in merge(h.availability)):
        return False
    mine = Interval(
        start - timedelta(minutes=et.before_buffer_minutes),
        end + timedelta(minutes=et.after_buffer_minutes),
    )
    if any(mine.overlaps(b) for b in h.busy):
        return False
    return joins or not over_limit(et, h, start, end)


def over_limit(et: EventType, h: HostCalendar, start: datetime, end: datetime) -> bool:
    day = start.astimezone(h.zone).date()
    periods: dict[str, Callable[[date], object]] = {
        "day": lambda d: d,
        "week": lambda d: d.isocalendar()[:2],
        "month": lambda d: (d.year, d.month),
        "year": lambda d: d.year,
    }
    for period, key in periods.items():
        same = [c for c in h.counted if key(c.start.astimezone(h.zone).date()) == key(day)]
        count_limit = getattr(et.booking_limits_count, period)
        if count_limit is not None and len(same) + 1 > count_limit:
            return True
        minutes_limit = getattr(et.booking_limits_duration, period)
        used = sum(c.minutes for c in same) + (end - start) / MINUTE
        if minutes_limit is not None and used > minutes_limit:
            return True
    return False


def in_window(window: BookingWindow | None, start: datetime, now: datetime, zone: ZoneInfo) -> bool:
    if window is None:
        return True
    day = start.astimezone(zone).date()
    today = now.astimezone(zone).date()
    if window.kind is WindowKind.RANGE:
        assert window.start_date is not None and window.end_date is not None
        return window.start_date <= day <= window.end_date
    days = window.days or 0
    if window.kind is WindowKind.CALENDAR_DAYS:
        if window.rolling:
            return start < now + timedelta(days=days)
        return day < today + timedelta(days=days)
    business = [today + timedelta(days=i) for i in range(3 * days + 7)]
    business = [d for d in business if d.isoweekday() <= 5]
    if window.rolling:
        after_today = [d for d in business if d > today][:days]
        last = after_today[-1] if after_today else today
        return start < now + (last - today)
    return days > 0 and day <= business[days - 1]


def utc_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
