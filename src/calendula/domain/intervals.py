"""Half-open time intervals `[start, end)` and their algebra.

Owns: the `Interval` value and `merge`, `subtract`, `intersect`. Times are timezone-aware
datetimes; inputs in any zone are accepted, results are in UTC. Overlap is one predicate:
`a.start < b.end and b.start < a.end` (touching intervals do not overlap).
Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from calendula.domain._spans import (
    Span,
    intersect_spans,
    merge_spans,
    spans_of,
    subtract_spans,
    to_utc,
)
from calendula.domain.errors import InvalidInput

FIRST_YEAR = 1900
LAST_YEAR = 9000
"""Instants and dates Calendula accepts lie in these years (entry points refuse others). With
buffers, notices and windows bounded too (`event_types`), no arithmetic on them can leave
`datetime`'s range (years 1-9999)."""


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open interval `[start, end)` with `start < end`, stored in UTC.

    Bounds may be given in any zone; they are converted to UTC on construction, so ordering,
    equality and overlap are true instants (two datetimes of one zone compare by wall time and
    ignore `fold`, which is wrong across a DST fold)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("start", "interval bounds must be timezone-aware")
        start, end = to_utc(self.start), to_utc(self.end)
        if not start < end:
            raise InvalidInput("end", "end must be after start")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def utc(cls, start: datetime, end: datetime) -> Interval:
        """Build an interval (an alias kept for readability: every interval is in UTC)."""
        return cls(start, end)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end

    def widen(self, before: timedelta, after: timedelta) -> Interval:
        """The interval grown by `before` at the start and `after` at the end (buffers)."""
        return Interval(self.start - before, self.end + after)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union: overlapping or touching intervals are joined. Result in UTC."""
    return _intervals(merge_spans(spans_of(intervals)))


def subtract(base: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """The parts of `base` not covered by any of `cuts`, sorted and merged. Result in UTC."""
    return _intervals(subtract_spans(merge_spans(spans_of(base)), merge_spans(spans_of(cuts))))


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The parts covered by both `a` and `b`, sorted and merged. Result in UTC."""
    return _intervals(intersect_spans(merge_spans(spans_of(a)), merge_spans(spans_of(b))))


def _intervals(spans: list[Span]) -> list[Interval]:
    return [Interval(start, end) for start, end in spans]
