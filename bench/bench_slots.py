"""Benchmark of the pure slot engine: `compute_slots` + `group_by_local_date`, in process.

Deterministic (fixed seed, fixed `now`); prints one JSON object with milliseconds (median and p90
over many runs). Run as `.venv/bin/python bench/bench_slots.py`.

Case 1: one host in America/New_York, Mon-Fri 09:00-17:00, 31 days, 30-minute event on a 15-minute
grid, 300 busy intervals (15-90 minutes, spread over the whole month, day and night, like a
calendar full of other events), output in America/New_York.
Case 2: 50 hosts in five US zones, Mon-Fri 09:00-17:00 local, same 31 days, 300 bookings of 30 or
60 minutes spread over the hosts' working hours; round robin and collective.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours, expand_schedule
from calendula.domain.slots import (
    HostCalendar,
    SlotRequest,
    TeamMode,
    compute_slots,
    group_by_local_date,
)

SEED = 20500901
NOW = datetime(2050, 8, 31, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2050, 9, 1)
DAYS = 31
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
ZONES += ("America/Phoenix",)


def working_hours(zone_name: str) -> Schedule:
    hours = TimeRange(time(9), time(17))
    return Schedule(zone_name, weekly=tuple(WeeklyHours(Weekday(d), hours) for d in range(5)))


def month_bounds(zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(FIRST_DAY, time(0), zone)
    return start, datetime.combine(FIRST_DAY + timedelta(days=DAYS), time(0), zone)


def event_type() -> EventType:
    return EventType(1, 1, "intro", "Intro call", 30, slot_interval_minutes=15)


def case_one() -> tuple[HostCalendar, SlotRequest, ZoneInfo]:
    rng = random.Random(SEED)
    zone = ZoneInfo("America/New_York")
    start, end = month_bounds(zone)
    busy = []
    for _ in range(300):
        begin = start + timedelta(minutes=5 * rng.randrange(DAYS * 24 * 12))
        busy.append(Interval.utc(begin, begin + timedelta(minutes=rng.choice((15, 30, 60, 90)))))
    host = HostCalendar(1, zone, expand_schedule(working_hours(zone.key), start, end), busy)
    return host, SlotRequest(start, end, NOW, 30), zone


def case_two() -> tuple[list[HostCalendar], SlotRequest]:
    rng = random.Random(SEED + 2)
    availability: list[list[Interval]] = []
    busy: list[list[Interval]] = [[] for _ in range(50)]
    for index in range(50):
        zone = ZoneInfo(ZONES[index % len(ZONES)])
        availability.append(expand_schedule(working_hours(zone.key), *month_bounds(zone)))
    for _ in range(300):
        index = rng.randrange(50)
        day = rng.choice(availability[index])
        begin = day.start + timedelta(minutes=15 * rng.randrange(31))
        busy[index].append(Interval.utc(begin, begin + timedelta(minutes=rng.choice((30, 60)))))
    hosts = [
        HostCalendar(100 + i, ZoneInfo(ZONES[i % len(ZONES)]), availability[i], busy[i])
        for i in range(50)
    ]
    start, end = month_bounds(ZoneInfo("America/New_York"))
    return hosts, SlotRequest(start, end, NOW, 30)


def measure(action: Callable[[], object], runs: int) -> dict[str, float]:
    for _ in range(max(5, runs // 20)):
        action()
    samples = []
    for _ in range(runs):
        began = clock.perf_counter_ns()
        action()
        samples.append((clock.perf_counter_ns() - began) / 1e6)
    samples.sort()
    return {
        "median": round(statistics.median(samples), 4),
        "p90": round(samples[int(len(samples) * 0.9)], 4),
    }


def report_case_one(runs: int) -> dict[str, Any]:
    host, request, zone = case_one()
    et = event_type()
    slots = compute_slots(et, [host], request)
    return {
        "slots": len(slots),
        "days_with_slots": len(group_by_local_date(slots, zone)),
        "compute_ms": measure(lambda: compute_slots(et, [host], request), runs),
        "format_ms": measure(lambda: group_by_local_date(slots, zone), runs),
        "total_ms": measure(
            lambda: group_by_local_date(compute_slots(et, [host], request), zone), runs
        ),
        "target_total_ms": 0.6,
    }


def report_case_two(mode: TeamMode, target: float, runs: int) -> dict[str, Any]:
    hosts, request = case_two()
    et = event_type()
    zone = ZoneInfo("America/New_York")
    slots = compute_slots(et, hosts, request, mode=mode)
    return {
        "slots": len(slots),
        "mean_hosts_per_slot": round(statistics.fmean(len(s.host_ids) for s in slots), 2),
        "compute_ms": measure(lambda: compute_slots(et, hosts, request, mode=mode), runs),
        "format_ms": measure(lambda: group_by_local_date(slots, zone), runs),
        "total_ms": measure(
            lambda: group_by_local_date(compute_slots(et, hosts, request, mode=mode), zone), runs
        ),
        "target_total_ms": target,
    }


def main() -> None:
    result = {
        "python": platform.python_version(),
        "case1_individual_1_host": report_case_one(2000),
        "case2_round_robin_50_hosts": report_case_two(TeamMode.ROUND_ROBIN, 5.0, 300),
        "case2_collective_50_hosts": report_case_two(TeamMode.COLLECTIVE, 3.0, 300),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
