"""Hypothesis strategies for whole slot-engine scenarios (event type, hosts, request, mode)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from calendula.domain.event_types import (
    BookingWindow,
    EventType,
    PeriodLimits,
    Seats,
    WindowKind,
)
from calendula.domain.intervals import Interval
from calendula.domain.schedules import (
    DateOverride,
    Schedule,
    TimeRange,
    Weekday,
    WeeklyHours,
    expand_schedule,
)
from calendula.domain.slots import (
    CountedBooking,
    HostCalendar,
    SeatedOccupancy,
    SlotRequest,
    TeamMode,
)

ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/Phoenix",
)
# Days just before DST changes in the zones above, and one quiet day.
DST_EVES = ("2026-03-06", "2026-10-30", "2026-03-27", "2026-10-23", "2026-04-03", "2026-10-02")
BASE_DAYS = (*(date.fromisoformat(d) for d in DST_EVES), date(2026, 6, 10))


@dataclass(frozen=True)
class Scenario:
    event_type: EventType
    hosts: tuple[HostCalendar, ...]
    schedules: tuple[Schedule, ...]
    request: SlotRequest
    mode: TeamMode
    seated: tuple[SeatedOccupancy, ...]


def minutes(values: range) -> st.SearchStrategy[timedelta]:
    return st.sampled_from(values).map(lambda m: timedelta(minutes=m))


@st.composite
def time_ranges(draw: st.DrawFn) -> TimeRange:
    start = draw(st.integers(0, 95)) * 15
    length = draw(st.integers(1, 48)) * 15
    end = (start + length) % 1440
    return TimeRange(time(start // 60, start % 60), time(end // 60, end % 60))


@st.composite
def schedules(draw: st.DrawFn, zone: str, first: date) -> Schedule:
    weekly = draw(
        st.lists(
            st.builds(WeeklyHours, st.sampled_from(list(Weekday)), time_ranges()),
            min_size=3,
            max_size=12,
        )
    )
    overrides = []
    if draw(st.booleans()):
        day = first + timedelta(days=draw(st.integers(0, 3)))
        overrides.append(DateOverride(day, tuple(draw(st.lists(time_ranges(), max_size=2)))))
    return Schedule(zone, weekly=tuple(weekly), overrides=tuple(overrides))


def in_zone(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


@st.composite
def busy_intervals(draw: st.DrawFn, origin: datetime, zone: str) -> list[Interval]:
    result = []
    for _ in range(draw(st.integers(0, 8))):
        start = origin + timedelta(minutes=5 * draw(st.integers(-24, 12 * 96)))
        end = start + timedelta(minutes=5 * draw(st.integers(1, 36)))
        if draw(st.booleans()):
            start, end = in_zone(start, zone), in_zone(end, zone)
        result.append(Interval(start, end))
    return result


@st.composite
def hosts(
    draw: st.DrawFn, host_id: int, origin: datetime, first: date, schedule: Schedule | None = None
) -> tuple[HostCalendar, Schedule]:
    if schedule is None:
        schedule = draw(schedules(draw(st.sampled_from(ZONES)), first))
    span_start = datetime.combine(first - timedelta(days=2), time(0), schedule.zone)
    availability = expand_schedule(schedule, span_start, span_start + timedelta(days=9))
    counted = [
        CountedBooking(origin + timedelta(hours=draw(st.integers(-240, 96))), m)
        for m in draw(st.lists(st.sampled_from((15, 30, 60, 120)), max_size=4))
    ]
    busy = draw(busy_intervals(origin, schedule.time_zone))
    return HostCalendar(host_id, schedule.zone, availability, busy, counted), schedule


limits = st.builds(
    PeriodLimits,
    st.none() | st.integers(1, 4),
    st.none() | st.integers(1, 6),
    st.none() | st.integers(1, 8),
    st.none() | st.integers(1, 10),
)
duration_limits = st.builds(
    PeriodLimits,
    st.none() | st.sampled_from((30, 60, 90, 240)),
    st.none() | st.sampled_from((60, 120, 300)),
    st.none() | st.sampled_from((120, 600)),
    st.none() | st.sampled_from((240, 1200)),
)


@st.composite
def windows(draw: st.DrawFn, first: date) -> BookingWindow | None:
    kind = draw(st.sampled_from([None, None, None, *WindowKind]))
    if kind is None:
        return None
    if kind is WindowKind.RANGE:
        start = first + timedelta(days=draw(st.integers(-1, 3)))
        return BookingWindow(
            kind, start_date=start, end_date=start + timedelta(draw(st.integers(0, 3)))
        )
    return BookingWindow(kind, days=draw(st.integers(0, 10)), rolling=draw(st.booleans()))


@st.composite
def event_types(draw: st.DrawFn, first: date) -> EventType:
    seats = draw(st.none() | st.integers(1, 3).map(Seats))
    return EventType(
        id=1,
        owner_id=1,
        slug="intro",
        title="Intro",
        length_minutes=30,
        slot_interval_minutes=draw(st.sampled_from((None, 10, 15, 30, 45))),
        before_buffer_minutes=draw(st.sampled_from((0, 0, 5, 15, 30))),
        after_buffer_minutes=draw(st.sampled_from((0, 0, 10, 15))),
        minimum_notice_minutes=draw(st.sampled_from((0, 0, 0, 30, 120, 1440))),
        booking_window=draw(windows(first)),
        booking_limits_count=draw(st.just(PeriodLimits()) | limits),
        booking_limits_duration=draw(st.just(PeriodLimits()) | duration_limits),
        only_first_slot_of_day=draw(st.sampled_from((False, False, True))),
        seats=seats,
    )


@st.composite
def scenarios(draw: st.DrawFn, max_hosts: int = 3) -> Scenario:
    first = draw(st.sampled_from(BASE_DAYS))
    origin = datetime.combine(first, time(0), UTC)
    mode = draw(st.sampled_from(list(TeamMode)))
    count = 1 if mode is TeamMode.INDIVIDUAL else draw(st.integers(1, max_hosts))
    shared = draw(st.none() | schedules(draw(st.sampled_from(ZONES)), first))
    drawn = [draw(hosts(10 + i, origin, first, shared)) for i in range(count)]
    et = draw(event_types(first))
    start = origin + timedelta(hours=draw(st.integers(-12, 24)))
    end = start + timedelta(hours=draw(st.integers(6, 96)))
    now = origin + timedelta(minutes=15 * draw(st.integers(-4 * 48, 4 * 24)))
    length = draw(st.sampled_from((15, 20, 30, 45, 60)))
    step = timedelta(minutes=et.slot_interval_minutes or length)
    seated = []
    if et.seats is not None:
        anchors = [iv for h, _ in drawn for iv in h.availability]
        for i in range(draw(st.integers(0, 3))):
            if anchors and draw(st.booleans()):  # on a grid point, so it can be joined
                at = draw(st.sampled_from(anchors)).start + step * draw(st.integers(0, 6))
            else:
                at = origin + timedelta(minutes=15 * draw(st.integers(0, 4 * 72)))
            booked = draw(st.integers(1, 3))
            seated.append(SeatedOccupancy(at, at + timedelta(minutes=length), booked, f"uid-{i}"))
    return Scenario(
        et,
        tuple(h for h, _ in drawn),
        tuple(s for _, s in drawn),
        SlotRequest(start, end, now, length),
        mode,
        tuple(seated),
    )
