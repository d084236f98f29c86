"""Interval algebra: properties of merge, subtract and intersect, and the Interval value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendula.domain.errors import InvalidInput
from calendula.domain.intervals import Interval, intersect, merge, subtract

ORIGIN = datetime(2026, 3, 7, 12, tzinfo=UTC)
ZONES = (UTC, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=45)))


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    """Minute-aligned intervals around the 2026 US spring-forward, in one of several zones."""
    start = draw(st.integers(0, 2000))
    length = draw(st.integers(1, 300))
    zone = draw(st.sampled_from(ZONES))
    return Interval(
        (ORIGIN + timedelta(minutes=start)).astimezone(zone),
        (ORIGIN + timedelta(minutes=start + length)).astimezone(zone),
    )


interval_lists = st.lists(intervals(), max_size=12)


def minutes_covered(spans: list[Interval]) -> set[int]:
    covered: set[int] = set()
    for iv in spans:
        first = int((iv.start - ORIGIN) / timedelta(minutes=1))
        last = int((iv.end - ORIGIN) / timedelta(minutes=1))
        covered.update(range(first, last))
    return covered


def assert_normal_form(spans: list[Interval]) -> None:
    """Sorted, in UTC, and neither overlapping nor touching."""
    for iv in spans:
        assert iv.start.tzinfo is UTC and iv.end.tzinfo is UTC
    for a, b in pairwise(spans):
        assert a.end < b.start


@given(interval_lists)
def test_merge_covers_exactly_the_union(spans: list[Interval]) -> None:
    merged = merge(spans)
    assert_normal_form(merged)
    assert minutes_covered(merged) == minutes_covered(spans)


@given(interval_lists)
def test_merge_is_idempotent(spans: list[Interval]) -> None:
    assert merge(merge(spans)) == merge(spans)


@given(interval_lists, interval_lists)
def test_subtract_keeps_what_is_in_base_and_not_in_cuts(
    base: list[Interval], cuts: list[Interval]
) -> None:
    result = subtract(base, cuts)
    assert_normal_form(result)
    assert minutes_covered(result) == minutes_covered(base) - minutes_covered(cuts)
    assert not any(r.overlaps(c) for r in result for c in cuts)
    assert all(any(b.contains(r) for b in merge(base)) for r in result)


@given(interval_lists, interval_lists)
def test_intersect_is_commutative_and_inside_both(a: list[Interval], b: list[Interval]) -> None:
    result = intersect(a, b)
    assert_normal_form(result)
    assert result == intersect(b, a)
    assert minutes_covered(result) == minutes_covered(a) & minutes_covered(b)


@given(interval_lists, interval_lists)
def test_union_and_intersection_measures_add_up(a: list[Interval], b: list[Interval]) -> None:
    def measure(spans: list[Interval]) -> timedelta:
        return sum((iv.duration for iv in spans), timedelta(0))

    assert measure(merge(a)) + measure(merge(b)) == measure(merge(a + b)) + measure(intersect(a, b))


def test_touching_intervals_are_merged_but_do_not_overlap() -> None:
    first = Interval(ORIGIN, ORIGIN + timedelta(hours=1))
    second = Interval(ORIGIN + timedelta(hours=1), ORIGIN + timedelta(hours=2))
    assert not first.overlaps(second)
    assert merge([second, first]) == [Interval(ORIGIN, ORIGIN + timedelta(hours=2))]


def test_interval_rejects_naive_bounds_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        Interval(datetime(2026, 1, 1), datetime(2026, 1, 2))
    assert error.value.field == "start"


def test_interval_rejects_an_end_not_after_its_start() -> None:
    with pytest.raises(InvalidInput) as error:
        Interval(ORIGIN, ORIGIN)
    assert error.value.field == "end"


def test_interval_across_a_dst_fold_in_one_zone_is_valid_and_an_hour_long() -> None:
    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=zone)
    second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=zone)
    interval = Interval(first, second)
    assert merge([interval]) == [
        Interval(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    ]
    assert interval.overlaps(Interval.utc(second - timedelta(minutes=1), second))


def test_results_are_in_utc_whatever_the_input_zone() -> None:
    zone = ZoneInfo("Asia/Kathmandu")
    start = datetime(2026, 3, 9, 9, 0, tzinfo=zone)
    [result] = merge([Interval(start, start + timedelta(hours=1))])
    assert result.start == datetime(2026, 3, 9, 3, 15, tzinfo=UTC)
    assert result.start.tzinfo is UTC
