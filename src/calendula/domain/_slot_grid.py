"""Private grid sweeps of the slot engine: which grid starts are free, fast.

A grid is anchored at the start `a0` of each availability span and steps by `step`; a start `s`
fits when `s + length <= a1`. Forbidden starts come as merged spans (see `_slot_rules`), so a sweep
walks the grid and the forbidden list together with one moving index and jumps over forbidden runs
instead of testing every busy interval per candidate. Round robin shares one grid (anchored on the
union of the hosts' availability) and turns each host's free start spans into enter/leave events
on grid indices. Imports only the standard library and `calendula.domain`.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from datetime import datetime, timedelta

from calendula.domain._spans import ONE_MICROSECOND, Span


def _ceil_steps(distance: timedelta, step: timedelta) -> int:
    """The smallest `k` with `k * step >= distance`."""
    return -(-distance // step)


def grid_starts(
    anchors: list[Span],
    forbidden: list[Span],
    bounds: Span,
    length: timedelta,
    step: timedelta,
) -> list[datetime]:
    """Grid starts of `anchors` inside `bounds` (half-open) and outside `forbidden` (merged)."""
    low, high = bounds
    starts: list[datetime] = []
    append = starts.append
    j, n = 0, len(forbidden)
    for a0, a1 in anchors:
        stop = min(a1 - length + ONE_MICROSECOND, high)
        s = a0 if a0 >= low else a0 + _ceil_steps(low - a0, step) * step
        while s < stop:
            while j < n and forbidden[j][1] <= s:
                j += 1
            if j < n and forbidden[j][0] <= s:
                s = a0 + _ceil_steps(forbidden[j][1] - a0, step) * step
                continue
            run_stop = min(stop, forbidden[j][0]) if j < n else stop
            while s < run_stop:
                append(s)
                s += step
    return starts


def free_start_spans(
    available: list[Span], forbidden: list[Span], bounds: Span, length: timedelta
) -> list[Span]:
    """Half-open spans of starts `s` with `[s, s+length)` available, in `bounds`, not forbidden."""
    low, high = bounds
    spans: list[Span] = []
    j, n = 0, len(forbidden)
    for a0, a1 in available:
        x = a0 if a0 > low else low
        y = a1 - length + ONE_MICROSECOND
        y = y if y < high else high
        while x < y:
            while j < n and forbidden[j][1] <= x:
                j += 1
            if j < n and forbidden[j][0] <= x:
                x = forbidden[j][1]
                continue
            stop = forbidden[j][0] if j < n and forbidden[j][0] < y else y
            spans.append((x, stop))
            x = stop
    return spans


class SharedGrid:
    """The grid over merged `anchors`: every start as one flat, sorted list."""

    def __init__(self, anchors: list[Span], length: timedelta, step: timedelta) -> None:
        self.starts: list[datetime] = []
        for a0, a1 in anchors:
            if a1 - a0 >= length:
                count = (a1 - a0 - length) // step + 1
                self.starts.extend(a0 + k * step for k in range(count))

    def index_spans(self, spans: list[Span]) -> list[tuple[int, int]]:
        """Half-open index ranges of the grid starts inside each of the sorted `spans`."""
        ranges = []
        starts, lo = self.starts, 0
        for x, y in spans:
            lo = bisect_left(starts, x, lo)
            hi = bisect_left(starts, y, lo)
            if lo < hi:
                ranges.append((lo, hi))
        return ranges


def round_robin_starts(
    grid: SharedGrid, free_spans: list[tuple[int, list[Span]]]
) -> tuple[list[datetime], list[tuple[int, ...]]]:
    """Starts where at least one host is free, with the sorted ids of the free hosts."""
    enter: defaultdict[int, list[int]] = defaultdict(list)
    leave: defaultdict[int, list[int]] = defaultdict(list)
    for host_id, spans in free_spans:
        for lo, hi in grid.index_spans(spans):
            enter[lo].append(host_id)
            leave[hi].append(host_id)
    starts: list[datetime] = []
    host_ids: list[tuple[int, ...]] = []
    active: list[int] = []
    previous = 0
    current: tuple[int, ...] = ()
    for index in sorted(enter.keys() | leave.keys()):
        if current:
            starts.extend(grid.starts[previous:index])
            host_ids.extend([current] * (index - previous))
        for host_id in leave.get(index, ()):
            active.remove(host_id)
        for host_id in enter.get(index, ()):
            insort(active, host_id)
        previous, current = index, tuple(active)
    return starts, host_ids
