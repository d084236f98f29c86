"""Slot computation: from availability and busy time to bookable start times.

Owns: `compute_slots` (the bookable slots for one event type and one or more hosts in a UTC
range), `check_slot` (the same rules for exactly one requested interval, used by the booking path),
and `group_by_local_date` (the Cal.com output shape: slots grouped by local date in the viewer's
zone as ISO strings with offsets).

Inputs are gathered by the services layer beforehand (gather, compute, persist): no I/O here.
`now` is passed in. Imports only the standard library.

Rules (docs/scheduling.md has the long form):
- Candidate starts lie on a grid that begins at the start of each availability interval and steps
  by the event type's slot interval (default: the requested length). The grid is anchored on the
  host's (merged) availability; for COLLECTIVE on the hosts' common availability, for ROUND_ROBIN
  on their union. It does not move with `request.start`.
- A candidate `[s, s+len)` is offered when, for the hosts the mode requires, it lies inside the
  host's availability and `[s - before_buffer, s + len + after_buffer)` overlaps none of the host's
  busy intervals (busy intervals are already widened by their own bookings' buffers), it starts
  at or after `now + minimum notice`, it lies inside the booking window, and the booking limits
  (count and duration per host-local day / ISO week / month / year) are not yet reached:
  `existing + 1 <= count limit` and `existing minutes + len <= duration limit`.
- The booking window is read in the zone of `hosts[0]` (the services put the event type's owner
  first): CALENDAR_DAYS rolling `s < now + N days`, fixed: local date of `s` < today + N;
  BUSINESS_DAYS (Mon-Fri) rolling `s < now + the calendar days spanning N business days after
  today`, fixed: local date <= the N-th business day counting today; RANGE: local date within
  `[start_date, end_date]`.
- Seated event types: a candidate that coincides with an existing seated booking of this event
  type is offered while seats remain, with its seat counts and booking uid, and is exempt from
  booking limits (a new seat is not a new booking); a full one is not offered. A seated booking
  with another start blocks overlapping candidates like a booking of this event type (buffers on
  both sides). Every slot of a seated event type carries `seats_booked` (0 when empty) and
  `seats_total`. `seated` is ignored for event types without seats.
- `only_first_slot_of_day`: only the first offered slot of each local day (zone of `hosts[0]`) is
  kept, decided over the whole day, so the answer does not depend on `request.start`.
- Modes: INDIVIDUAL (exactly one host), COLLECTIVE (every host must be free; `host_ids` lists
  all), ROUND_ROBIN (any host free; `host_ids` lists the free hosts, sorted). No hosts, no slots.

Speed: the engine sweeps sorted UTC spans (`_spans`, `_slot_grid`) instead of testing every busy
interval per candidate, and `group_by_local_date` formats by arithmetic per local day
(`_slot_format`); bench/bench_slots.py measures both.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import repeat
from operator import add
from typing import Any
from zoneinfo import ZoneInfo

from calendula.domain import _slot_format
from calendula.domain._slot_grid import (
    SharedGrid,
    free_start_spans,
    grid_starts,
    round_robin_starts,
)
from calendula.domain._slot_rules import (
    HostPlan,
    Rules,
    first_of_each_day,
    host_reason,
    local_date,
    local_midnight,
    plan_host,
    start_bounds,
    timing_problem,
    whole_local_days,
)
from calendula.domain._slot_seats import SeatBook
from calendula.domain._spans import (
    Span,
    intersect_all,
    merge_spans,
    to_utc,
)
from calendula.domain.errors import InvalidInput, SeatsFull, SlotUnavailable, TimeNotBookable
from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval


class TeamMode(StrEnum):
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"
    ROUND_ROBIN = "roundRobin"


@dataclass(frozen=True, slots=True)
class CountedBooking:
    """An existing booking that counts towards booking limits (start and length)."""

    start: datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class SeatedOccupancy:
    """An existing seated booking of the event type being queried."""

    start: datetime
    end: datetime
    seats_booked: int
    booking_uid: str


@dataclass(frozen=True, slots=True)
class HostCalendar:
    """What is known about one host's time for one query.

    `availability`: the host's expanded schedule, covering at least the query range.
    `busy`: blocked intervals (bookings widened by their buffers, external calendar busy times,
    active holds), in any order, possibly overlapping.
    `counted`: this host's bookings of the event type that count towards its limits.
    `zone`: the host's zone, used for per-day limits and `only_first_slot_of_day`.
    """

    host_id: int
    zone: ZoneInfo
    availability: Sequence[Interval]
    busy: Sequence[Interval] = ()
    counted: Sequence[CountedBooking] = ()


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """The question: bookable slots of `length_minutes` starting in `[start, end)`."""

    start: datetime
    end: datetime
    now: datetime
    length_minutes: int


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    host_ids: tuple[int, ...] = ()
    seats_booked: int | None = None
    seats_total: int | None = None
    booking_uid: str | None = None


def compute_slots(
    event_type: EventType,
    hosts: Sequence[HostCalendar],
    request: SlotRequest,
    *,
    mode: TeamMode = TeamMode.INDIVIDUAL,
    seated: Sequence[SeatedOccupancy] = (),
) -> list[Slot]:
    """All bookable slots, sorted by start. See the module docstring for the rules."""
    if request.length_minutes <= 0:
        raise InvalidInput("lengthInMinutes", "lengthInMinutes must be > 0")
    _check_hosts(hosts, mode)
    asked = (_aware(request.start, "start"), _aware(request.end, "end"))
    now = _aware(request.now, "now")
    if not hosts or asked[0] >= asked[1]:
        return []
    rules = Rules.of(event_type, timedelta(minutes=request.length_minutes))
    zone = hosts[0].zone
    days = whole_local_days(asked, zone) if event_type.only_first_slot_of_day else asked
    bounds = start_bounds(event_type, days, now, rules, zone)
    if bounds[0] >= bounds[1]:
        return []
    seats = SeatBook(event_type, seated, rules)
    blocked_by_seats = seats.forbidden
    plans = [_plan(host, rules, bounds, blocked_by_seats) for host in hosts]
    slots = _grid_slots(plans, rules, bounds, mode, seats.total)
    if seats.by_start:
        slots = _with_seated(slots, seats, plans, rules, bounds, mode)
    if event_type.only_first_slot_of_day:
        slots = [s for s in first_of_each_day(slots, zone) if asked[0] <= s.start < asked[1]]
    return slots


def _check_hosts(hosts: Sequence[HostCalendar], mode: TeamMode) -> None:
    if mode is TeamMode.INDIVIDUAL and len(hosts) > 1:
        raise InvalidInput("hosts", "an individual event type has exactly one host")


def _aware(moment: datetime, field_name: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput(field_name, f"{field_name} must be timezone-aware")
    return to_utc(moment)


def _plan(
    host: HostCalendar, rules: Rules, bounds: Span | None, also_forbidden: Sequence[Span]
) -> HostPlan:
    return plan_host(
        host.host_id,
        host.zone,
        host.availability,
        host.busy,
        ((c.start, c.minutes) for c in host.counted),
        rules,
        bounds=bounds,
        also_forbidden=also_forbidden,
    )


def _grid_slots(
    plans: list[HostPlan], rules: Rules, bounds: Span, mode: TeamMode, seats_total: int | None
) -> list[Slot]:
    """Slots on the grid from the fast sweeps (seated starts are added by `_with_seated`)."""
    if mode is TeamMode.ROUND_ROBIN:
        grid = SharedGrid(_anchors(plans, mode), rules.length, rules.step)
        free = [
            (p.host_id, free_start_spans(p.available, p.forbidden, bounds, rules.length))
            for p in plans
        ]
        starts, host_ids = round_robin_starts(grid, free)
        return _make_slots(starts, host_ids, rules.length, seats_total)
    forbidden = plans[0].forbidden if len(plans) == 1 else _union_forbidden(plans)
    starts = grid_starts(_anchors(plans, mode), forbidden, bounds, rules.length, rules.step)
    everyone = tuple(sorted(p.host_id for p in plans))
    return _make_slots(starts, [everyone] * len(starts), rules.length, seats_total)


def _anchors(plans: list[HostPlan], mode: TeamMode) -> list[Span]:
    """The availability the grid is anchored on: the host's, the common one, or the union."""
    if len(plans) == 1:
        return plans[0].available
    if mode is TeamMode.ROUND_ROBIN:
        return merge_spans([span for p in plans for span in p.available])
    return intersect_all([p.available for p in plans])


def _union_forbidden(plans: list[HostPlan]) -> list[Span]:
    return merge_spans([span for p in plans for span in p.forbidden])


# Building a frozen dataclass through its generated __init__ costs about twice as much as
# creating the objects and setting their slots directly, column by column, in C loops (`map`).
# Slot lists run to thousands per request. `test_slot_factory_matches_the_dataclass` keeps
# `_SLOT_FIELDS` in step with the dataclass.
_SLOT_FIELDS = ("start", "end", "host_ids", "seats_booked", "seats_total", "booking_uid")
_SLOT_SETTERS: tuple[Callable[[Slot, Any], None], ...] = tuple(
    Slot.__dict__[name].__set__ for name in _SLOT_FIELDS
)


def _make_slots(
    starts: list[datetime],
    host_ids: list[tuple[int, ...]],
    length: timedelta,
    seats_total: int | None,
) -> list[Slot]:
    count = len(starts)
    slots: list[Slot] = list(map(object.__new__, repeat(Slot, count)))
    ends = map(add, starts, repeat(length, count))
    booked = None if seats_total is None else 0
    columns: tuple[Iterable[Any], ...] = (
        starts,
        ends,
        host_ids,
        repeat(booked),
        repeat(seats_total),
        repeat(None),
    )
    for setter, values in zip(_SLOT_SETTERS, columns, strict=True):
        deque(map(setter, slots, values), maxlen=0)
    return slots


def _with_seated(
    slots: list[Slot],
    seats: SeatBook,
    plans: list[HostPlan],
    rules: Rules,
    bounds: Span,
    mode: TeamMode,
) -> list[Slot]:
    """`slots` plus the grid starts of seated bookings that still have seats (limits exempt)."""
    anchors = _anchors(plans, mode)
    joined = []
    for start, (booked, uid) in seats.by_start.items():
        end = start + rules.length
        if (
            booked >= (seats.total or 0)
            or not bounds[0] <= start < bounds[1]
            or not _on_grid(anchors, start, end, rules.step)
            or seats.conflict(start, end)
        ):
            continue
        free = [
            p.host_id for p in plans if not host_reason(p, start, end, rules, exempt_limits=True)
        ]
        host_ids = _mode_host_ids(plans, free, mode)
        if host_ids:
            joined.append(Slot(start, end, host_ids, booked, seats.total, uid))
    return sorted([*slots, *joined], key=lambda slot: slot.start) if joined else slots


def _on_grid(anchors: list[Span], start: datetime, end: datetime, step: timedelta) -> bool:
    return any(a0 <= start and end <= a1 and not (start - a0) % step for a0, a1 in anchors)


def _mode_host_ids(plans: list[HostPlan], free: list[int], mode: TeamMode) -> tuple[int, ...]:
    """The hosts a slot lists, or () when the mode's condition fails."""
    if mode is TeamMode.ROUND_ROBIN or len(free) == len(plans):
        return tuple(sorted(free))
    return ()


def check_slot(
    event_type: EventType,
    hosts: Sequence[HostCalendar],
    wanted: Interval,
    now: datetime,
    *,
    mode: TeamMode = TeamMode.INDIVIDUAL,
    seated: Sequence[SeatedOccupancy] = (),
) -> Slot:
    """The slot for exactly `wanted`, or raise `SlotUnavailable` saying why.

    Same rules as `compute_slots` except grid alignment (any start is accepted, so a voice agent
    may book 10:05 for 22 minutes if that time is free). `wanted` may have any length; the
    caller has already checked the length against the event type (`allowed_length`).
    A full seated slot raises `SeatsFull` (a kind of `SlotUnavailable`). With
    `only_first_slot_of_day`, a start is accepted when no offered slot of that host-local day
    starts earlier.
    """
    _check_hosts(hosts, mode)
    start, end = to_utc(wanted.start), to_utc(wanted.end)
    now = _aware(now, "now")
    if not hosts:
        raise SlotUnavailable("there is no host to book")
    rules = Rules.of(event_type, end - start)
    timing = timing_problem(event_type, start, now, rules, hosts[0].zone)
    if timing is not None:
        raise TimeNotBookable(f"{start.isoformat()} cannot be booked: {timing}")
    seats = SeatBook(event_type, seated, rules)
    booked, uid = seats.by_start.get(start, (0, None))
    if seats.total is not None and booked >= seats.total:
        raise SeatsFull(f"No more seats left at this seated booking ({seats.total} seats).")
    if seats.conflict(start, end):
        _refuse(start, "it overlaps another seated booking of this event type")
    plans = [_plan(host, rules, None, ()) for host in hosts]
    exempt = start in seats.by_start
    reasons = [host_reason(p, start, end, rules, exempt_limits=exempt) for p in plans]
    free = [p.host_id for p, reason in zip(plans, reasons, strict=True) if reason is None]
    host_ids = _mode_host_ids(plans, free, mode)
    if not host_ids:
        _refuse(start, next(reason for reason in reasons if reason is not None))
    if event_type.only_first_slot_of_day:
        _refuse(start, _not_first_of_day(event_type, hosts, start, end, now, mode, seated))
    booked_out = None if seats.total is None else booked
    return Slot(start, end, host_ids, booked_out, seats.total, uid)


def _refuse(start: datetime, reason: str | None) -> None:
    if reason is not None:
        raise SlotUnavailable(f"{start.isoformat()} cannot be booked: {reason}")


def _not_first_of_day(
    event_type: EventType,
    hosts: Sequence[HostCalendar],
    start: datetime,
    end: datetime,
    now: datetime,
    mode: TeamMode,
    seated: Sequence[SeatedOccupancy],
) -> str | None:
    zone = hosts[0].zone
    day = local_date(start, zone)
    minutes = max(1, -(-(end - start) // timedelta(minutes=1)))
    request = SlotRequest(
        local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone), now, minutes
    )
    offered = compute_slots(event_type, hosts, request, mode=mode, seated=seated)
    if offered and offered[0].start < start:
        return f"only the first slot of the day ({offered[0].start.isoformat()}) can be booked"
    return None


def group_by_local_date(
    slots: Sequence[Slot], zone: ZoneInfo | None, *, with_end: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """Cal.com's `GET /v2/slots` data: `{"YYYY-MM-DD": [{"start": iso, ...}]}`.

    Dates and ISO strings are in `zone` (`2050-09-05T09:00:00.000+02:00`), or in UTC with a `Z`
    suffix when `zone` is None or a UTC zone. `with_end` adds `end` (format=range). Seated slots
    add `seatsBooked`, `seatsRemaining`, `seatsTotal` and `bookingUid` (when one exists). Slots
    keep their order within a date; dates without slots are absent.
    """
    return _slot_format.group(slots, zone, with_end)
