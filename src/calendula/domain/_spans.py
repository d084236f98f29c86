"""Private span algebra behind `intervals`: sorted lists of `(start, end)` UTC datetime pairs.

Owns the fast internal representation the slot engine sweeps over: a span is a plain tuple of two
aware datetimes in `datetime.UTC` (the same tzinfo object everywhere, so comparisons stay in C),
half-open `[start, end)`. Empty spans (`start >= end`) are dropped by every function here.
Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Protocol

Span = tuple[datetime, datetime]

ONE_MICROSECOND = timedelta(microseconds=1)
ZERO = timedelta(0)


def to_utc(moment: datetime) -> datetime:
    """`moment` with `datetime.UTC` as its tzinfo (a no-op for values already in UTC)."""
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


class Bounded(Protocol):
    """Anything with aware `start` and `end` datetimes (an `Interval`, a `SeatedOccupancy`)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


def spans_of(intervals: Iterable[Bounded]) -> list[Span]:
    """`(start, end)` pairs in UTC."""
    return [(to_utc(iv.start), to_utc(iv.end)) for iv in intervals]


_BOUNDS = attrgetter("start", "end")


def sorted_spans_of(intervals: Iterable[Bounded]) -> list[Span]:
    """`spans_of`, sorted; the common all-UTC case is checked, not converted.

    Spans in another zone are sorted again after conversion: within one zone, datetimes compare
    by wall time and ignore `fold`, so the first sort can be wrong around a DST fold.
    """
    spans: list[Span] = sorted(map(_BOUNDS, intervals))
    for start, end in spans:
        if start.tzinfo is not UTC or end.tzinfo is not UTC:
            return sorted((to_utc(start), to_utc(end)) for start, end in spans)
    return spans


def merge_sorted(
    spans: Iterable[Span], lead: timedelta = ZERO, tail: timedelta = ZERO
) -> list[Span]:
    """`merge_spans` of `(start - lead, end + tail)` for spans sorted by start (one pass)."""
    merged: list[Span] = []
    iterator = iter(spans)
    first = next(iterator, None)
    if first is None:
        return merged
    low, high = first[0] - lead, first[1] + tail
    for start, end in iterator:
        start -= lead
        end += tail
        if start <= high:
            if end > high:
                high = end
        else:
            merged.append((low, high))
            low, high = start, end
    merged.append((low, high))
    return merged


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted union: overlapping or touching spans are joined; empty spans are dropped."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract_spans(base: list[Span], cuts: list[Span]) -> list[Span]:
    """`base` minus `cuts`; both must be merged (sorted, disjoint, non-touching)."""
    result: list[Span] = []
    j, n = 0, len(cuts)
    for start, end in base:
        while j < n and cuts[j][1] <= start:
            j += 1
        cursor, k = start, j
        while k < n and cuts[k][0] < end:
            cut_start, cut_end = cuts[k]
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect_spans(a: list[Span], b: list[Span]) -> list[Span]:
    """The parts covered by both; both must be merged. The result is merged too."""
    result: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def intersect_all(span_lists: list[list[Span]]) -> list[Span]:
    """Intersection of several merged span lists (empty input -> empty result)."""
    if not span_lists:
        return []
    common = span_lists[0]
    for spans in span_lists[1:]:
        common = intersect_spans(common, spans)
    return common
