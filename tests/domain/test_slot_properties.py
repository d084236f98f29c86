"""Property tests: the fast slot engine against the plain oracle, and invariants of its output."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from domain_factories import day_request, event_type, host, working_week
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slot_oracle import grid_anchors, oracle_slots, utc_instant
from slot_strategies import ZONES, Scenario, busy_intervals, scenarios

from calendula.domain import _slot_format
from calendula.domain.errors import InvalidInput, SlotUnavailable
from calendula.domain.intervals import Interval, merge
from calendula.domain.schedules import expand_schedule
from calendula.domain.slots import (
    Slot,
    SlotRequest,
    TeamMode,
    check_slot,
    compute_slots,
    group_by_local_date,
)

SLOW = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def compute(s: Scenario) -> list[Slot]:
    return compute_slots(s.event_type, s.hosts, s.request, mode=s.mode, seated=s.seated)


@SLOW
@given(scenarios())
def test_fast_engine_matches_the_oracle(s: Scenario) -> None:
    expected = oracle_slots(s.event_type, s.hosts, s.request, mode=s.mode, seated=s.seated)
    assert compute(s) == expected


@SLOW
@given(scenarios())
def test_no_slot_widened_by_its_buffers_overlaps_busy_time(s: Scenario) -> None:
    before = timedelta(minutes=s.event_type.before_buffer_minutes)
    after = timedelta(minutes=s.event_type.after_buffer_minutes)
    by_id = {h.host_id: h for h in s.hosts}
    for slot in compute(s):
        widened = Interval(slot.start - before, slot.end + after)
        for host_id in slot.host_ids:
            assert not any(widened.overlaps(b) for b in by_id[host_id].busy)


@SLOW
@given(scenarios())
def test_every_slot_lies_inside_the_availability_of_each_listed_host(s: Scenario) -> None:
    by_id = {h.host_id: (h, schedule) for h, schedule in zip(s.hosts, s.schedules, strict=True)}
    for slot in compute(s):
        assert slot.host_ids, "a slot always names its hosts"
        for host_id in slot.host_ids:
            host, schedule = by_id[host_id]
            own = Interval(slot.start, slot.end)
            assert any(iv.contains(own) for iv in merge(host.availability))
            hours = expand_schedule(schedule, slot.start - timedelta(days=1), slot.end)
            assert any(iv.contains(own) for iv in hours)


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(ZONES), st.sampled_from((10, 15, 30)), st.data())
def test_slots_stay_in_working_hours_in_the_hosts_zone(
    zone: str, interval: int, data: st.DataObject
) -> None:
    first = date(2026, 3, 4)
    busy = data.draw(busy_intervals(datetime.combine(first, time(0), UTC), zone))
    calendar = host(working_week(zone, "09:00", "17:00"), first=first, days=10, busy=busy)
    slots = compute_slots(
        event_type(slot_interval_minutes=interval),
        [calendar],
        day_request(first, zone, days=10),
    )
    assert slots
    for slot in slots:
        local_start = slot.start.astimezone(calendar.zone)
        local_end = slot.end.astimezone(calendar.zone)
        assert local_start.weekday() < 5
        assert local_start.time() >= time(9)
        assert local_end.date() == local_start.date()
        assert local_end.time() <= time(17)


@SLOW
@given(scenarios(), st.sampled_from((None, *ZONES)), st.booleans())
def test_the_set_of_slots_does_not_depend_on_the_viewers_zone(
    s: Scenario, viewer: str | None, with_end: bool
) -> None:
    slots = compute(s)
    zone = ZoneInfo(viewer) if viewer else None
    grouped = group_by_local_date(slots, zone, with_end=with_end)
    starts = [utc_instant(item["start"]) for items in grouped.values() for item in items]
    assert sorted(starts) == [slot.start for slot in slots]
    for day, items in grouped.items():
        assert items, "no empty dates"
        assert all(item["start"].startswith(day + "T") for item in items)
    if with_end:
        ends = [utc_instant(item["end"]) for items in grouped.values() for item in items]
        assert sorted(ends) == sorted(slot.end for slot in slots)


@settings(deadline=None, max_examples=300)
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(1990, 1, 1),
            max_value=datetime(2060, 1, 1),
            timezones=st.just(UTC),
        ),
        max_size=40,
    ),
    st.sampled_from((None, "Europe/Dublin", "America/Santiago", "Asia/Tehran", *ZONES)),
)
def test_formatting_equals_isoformat_in_the_viewers_zone(
    instants: list[datetime], viewer: str | None
) -> None:
    zone = ZoneInfo(viewer) if viewer else None
    slots = [Slot(t, t + timedelta(minutes=30)) for t in sorted(instants)]
    grouped = group_by_local_date(slots, zone, with_end=True)
    expected: dict[str, list[dict[str, str]]] = {}
    for slot in slots:
        text = _slot_format.iso_in_zone(slot.start, zone)
        item = {"start": text, "end": _slot_format.iso_in_zone(slot.end, zone)}
        expected.setdefault(text[:10], []).append(item)
    assert grouped == expected


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(max_hosts=2))
def test_check_slot_accepts_exactly_the_offered_grid_starts(s: Scenario) -> None:
    offered = {slot.start: slot for slot in compute(s)}
    length = timedelta(minutes=s.request.length_minutes)
    for start in grid_candidates(s)[:40]:
        wanted = Interval(start, start + length)
        try:
            slot = check_slot(
                s.event_type, s.hosts, wanted, s.request.now, mode=s.mode, seated=s.seated
            )
        except SlotUnavailable:
            assert start not in offered
        else:
            assert offered.get(start) == slot


def grid_candidates(s: Scenario) -> list[datetime]:
    length = timedelta(minutes=s.request.length_minutes)
    step = timedelta(minutes=s.event_type.slot_interval_minutes or s.request.length_minutes)
    found = []
    for anchor in grid_anchors(s.hosts, s.mode):
        start = anchor.start
        while start + length <= anchor.end:
            if s.request.start <= start < s.request.end:
                found.append(start)
            start += step
    return found


def test_oracle_and_engine_agree_on_an_empty_host_list() -> None:
    et = event_type()
    request = day_request(date(2026, 3, 9))
    assert compute_slots(et, [], request, mode=TeamMode.COLLECTIVE) == []
    assert oracle_slots(et, [], request) == []


@pytest.mark.parametrize("mode", list(TeamMode))
def test_engine_rejects_naive_request_times(mode: TeamMode) -> None:
    naive = datetime(2026, 1, 1)
    with pytest.raises(InvalidInput) as error:
        compute_slots(event_type(), [host()], SlotRequest(naive, naive, naive, 30), mode=mode)
    assert error.value.field == "start"
