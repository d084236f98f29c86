"""The read path's short-lived cache of gathered calendars, and its invalidation.

Owns: `SnapshotCache` (an LRU of `Snapshot`s and the `SlotAnswer`s computed from them, bounded in
entries and weight, refreshed in the background late in an entry's life) and `CalendarChanges`
(announcements of writes, one instance per container, shared by every writing service).

Why it exists: the slot list is the voice agents' hot path. Gathering 31 days with 300 bookings
costs ~3-4 ms in process (one lean read of the claims, `BookingRepository.busy_for`; it was
~20 ms through the ORM), computing their slots ~0.3 ms and rendering them ~0.2 ms; uncached, one
server process answers ~150 such queries/s at 16 clients, cached ~6,000 (bench/bench_api_slots.py,
2 cores), so repeated queries are answered from what was gathered a moment ago. Bounds on
staleness: an entry lives at most `CACHE_SECONDS`, and is dropped at once when this process
announces a write; writes by other processes are seen within `CACHE_SECONDS`. The booking path
never reads this cache: it re-checks inside its write transaction, so a stale slot list can at
worst offer a time that then answers 409.
Must not import storage, integrations or entry points.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time as monotonic_time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.slots import HostCalendar, SeatedOccupancy, Slot, TeamMode

log = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
"""How long `find_slots` may reuse what it gathered (seconds of real time): the longest a write
by another process (or one not announced) can stay unseen by the slot lists of this one."""
CACHE_ENTRIES = 128
REFRESH_AFTER = 0.75
"""A snapshot used after this share of its life is gathered again in the background."""
ANSWERS_PER_ENTRY = 16
MEMO_PER_ANSWER = 4
CACHE_WEIGHT = 100_000
"""Bound on what the cache keeps alive, in slots and intervals (one unit is ~200 bytes)."""
GATHERS_AT_ONCE = 2
"""Gathers run at once per cache: more only add memory (the ORM rows of each) and GIL
contention, little speed (measured with bench/bench_api_slots.py)."""
WRITE_SETTLE_SECONDS = 0.25
"""After a write intent, entries gathered meanwhile live at most this long: the writer has
usually committed by then, and what they read may predate its commit."""


@dataclass(frozen=True, slots=True)
class ActiveHold:
    host_id: int
    blocked: Interval
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one lookup needs for a window, gathered at one moment. `calendars` hold bookings and
    external busy times; holds are kept apart so that each use sees only the unexpired ones."""

    event_type: EventType
    mode: TeamMode
    calendars: tuple[HostCalendar, ...]
    holds: tuple[ActiveHold, ...] = ()
    seated: tuple[SeatedOccupancy, ...] = ()

    def calendars_at(self, now: datetime) -> list[HostCalendar]:
        active = [hold for hold in self.holds if now < hold.expires_at]
        if not active:
            return list(self.calendars)
        held: dict[int, list[Interval]] = {}
        for hold in active:
            held.setdefault(hold.host_id, []).append(hold.blocked)
        return [
            dataclasses.replace(calendar, busy=[*calendar.busy, *held[calendar.host_id]])
            if calendar.host_id in held
            else calendar
            for calendar in self.calendars
        ]


# -- calendar changes (cache invalidation) ------------------------------------------------------


class CalendarChanges:
    """Announcements of calendar writes in this process: a generation count and when the last
    one was made. One instance per container (built in `bootstrap`), shared by every service
    that writes bookings, holds, event types, schedules or profiles and by the slot cache.

    Writers call `note()` when they are about to write (inside the transaction, after the
    re-check) and again after commit, so an entry gathered in between lives only briefly."""

    def __init__(self, monotonic: Callable[[], float] = monotonic_time.monotonic) -> None:
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self.generation = 0
        self.last_change = float("-inf")

    def note(self) -> None:
        with self._lock:
            self.generation += 1
            self.last_change = self._monotonic()

    def seconds_since_last(self) -> float:
        return self._monotonic() - self.last_change


@dataclass(slots=True)
class SlotAnswer:
    """Slots for one query, reusable by the same query while `computed_at <= now < valid_until`
    (clock time). `memo` holds up to `MEMO_PER_ANSWER` renderings of these slots (e.g. JSON
    bytes) keyed by the caller (`keep`): they live and die with the answer."""

    event_type: EventType
    slots: list[Slot]
    computed_at: datetime
    valid_until: datetime
    memo: dict[Hashable, Any] = dataclasses.field(default_factory=dict)

    def holds_at(self, now: datetime) -> bool:
        return self.computed_at <= now < self.valid_until

    def keep(self, key: Hashable, rendering: Any) -> Any:
        if len(self.memo) >= MEMO_PER_ANSWER:
            self.memo.clear()
        self.memo[key] = rendering
        return rendering

    @property
    def weight(self) -> int:
        return len(self.slots) * (1 + MEMO_PER_ANSWER)


@dataclass(slots=True)
class CacheEntry:
    key: Hashable
    snapshot: Snapshot
    generation: int
    gathered: float
    expires: float
    weight: int
    answers: dict[Hashable, SlotAnswer] = dataclasses.field(default_factory=dict)


def _weight(snapshot: Snapshot) -> int:
    """Roughly how many objects a snapshot keeps alive (the unit of `CACHE_WEIGHT`)."""
    hosts = sum(len(c.availability) + len(c.busy) + len(c.counted) for c in snapshot.calendars)
    return 1 + hosts + len(snapshot.holds) + len(snapshot.seated)


def in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="slot-cache-refresh", daemon=True).start()


class SnapshotCache:
    """An LRU of snapshots and their answers, bounded in entries and in weight (slots and
    intervals kept). A snapshot is served at most `seconds` after it was gathered and never after
    a calendar change; one used late in its life is gathered again in the background (`spawn`),
    so busy queries rarely wait for the database."""

    def __init__(
        self,
        seconds: float,
        *,
        entries: int = CACHE_ENTRIES,
        weight: int = CACHE_WEIGHT,
        changes: CalendarChanges | None = None,
        monotonic: Callable[[], float] = monotonic_time.monotonic,
        spawn: Callable[[Callable[[], None]], None] | None = in_thread,
    ) -> None:
        self._changes = changes or CalendarChanges(monotonic)
        self._seconds = seconds
        self._entries = entries
        self._budget = weight
        self._monotonic = monotonic
        self._spawn = spawn
        self._lock = threading.Lock()
        self._store: OrderedDict[Hashable, CacheEntry] = OrderedDict()
        self._weight = 0
        self._refreshing: set[Hashable] = set()
        self._pending: dict[Hashable, Future[CacheEntry]] = {}
        self._gathering = threading.BoundedSemaphore(GATHERS_AT_ONCE)

    def entry(
        self, key: Hashable, gather: Callable[[], Snapshot], *, read: bool = True
    ) -> CacheEntry | None:
        """The fresh entry for `key`, gathered now if needed (`read=False`: None instead)."""
        if self._seconds <= 0:
            return (
                CacheEntry(key, gather(), self._changes.generation, 0.0, 0.0, 0) if read else None
            )
        now = self._monotonic()
        with self._lock:
            found = self._store.get(key)
            if found is not None and (
                found.generation != self._changes.generation or now >= found.expires
            ):
                found = None
            if found is not None:
                self._store.move_to_end(key)
                ageing = now - found.gathered > self._seconds * REFRESH_AFTER
                refresh = ageing and self._start_refresh(key)
        if found is None:
            return self._gather(key, gather) if read else None
        if refresh:
            self._spawn_refresh(key, gather)
        return found

    def remember(self, entry: CacheEntry, key: Hashable, answer: SlotAnswer) -> None:
        """Keep `answer` with `entry` (unless the entry is gone or the answer too heavy)."""
        if answer.weight > self._budget // 4:
            return
        with self._lock:
            if self._store.get(entry.key) is not entry:
                return
            if len(entry.answers) >= ANSWERS_PER_ENTRY:
                dropped = sum(a.weight for a in entry.answers.values())
                entry.answers.clear()
                entry.weight -= dropped
                self._weight -= dropped
            previous = entry.answers.get(key)
            change = answer.weight - (previous.weight if previous else 0)
            entry.answers[key] = answer
            entry.weight += change
            self._weight += change
            self._store.move_to_end(entry.key)
            self._trim()

    def _start_refresh(self, key: Hashable) -> bool:
        if self._spawn is None or key in self._refreshing:
            return False
        self._refreshing.add(key)
        return True

    def _spawn_refresh(self, key: Hashable, gather: Callable[[], Snapshot]) -> None:
        assert self._spawn is not None

        def refresh() -> None:
            try:
                self._gather(key, gather)
            except Exception:  # the next request past expiry gathers (and reports) again
                log.debug("background refresh of slot snapshot %r failed", key, exc_info=True)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        self._spawn(refresh)

    def _gather(self, key: Hashable, gather: Callable[[], Snapshot]) -> CacheEntry:
        """Gather once per key at a time: callers that arrive meanwhile wait for that result
        (or its error), unless calendars changed after they arrived."""
        for _ in range(3):
            arrived = self._changes.generation
            with self._lock:
                pending = self._pending.get(key)
                leader = pending is None
                if pending is None:
                    pending = self._pending[key] = Future()
            if leader:
                return self._lead(key, gather, pending)
            entry: CacheEntry = pending.result()
            if entry.generation >= arrived:
                return entry
        return self._lead(key, gather, None)

    def _lead(
        self,
        key: Hashable,
        gather: Callable[[], Snapshot],
        pending: Future[CacheEntry] | None,
    ) -> CacheEntry:
        try:
            entry = self._store_gathered(key, gather)
        except BaseException as error:
            if pending is not None:
                pending.set_exception(error)
            raise
        finally:
            if pending is not None:
                with self._lock:
                    self._pending.pop(key, None)
        if pending is not None:
            pending.set_result(entry)
        return entry

    def _store_gathered(self, key: Hashable, gather: Callable[[], Snapshot]) -> CacheEntry:
        with self._gathering:
            generation, started = self._changes.generation, self._monotonic()
            settling = WRITE_SETTLE_SECONDS - self._changes.seconds_since_last()
            snapshot = gather()
        life = min(self._seconds, settling) if settling > 0 else self._seconds
        entry = CacheEntry(key, snapshot, generation, started, started + life, _weight(snapshot))
        with self._lock:
            previous = self._store.pop(key, None)
            self._weight -= previous.weight if previous else 0
            self._store[key] = entry
            self._weight += entry.weight
            self._trim()
        return entry

    def _trim(self) -> None:
        """Drop least recently used entries beyond the limits (the newest one stays)."""
        while len(self._store) > 1 and (
            len(self._store) > self._entries or self._weight > self._budget
        ):
            _, dropped = self._store.popitem(last=False)
            self._weight -= dropped.weight

    @property
    def weight(self) -> int:
        return self._weight

    def clear(self) -> None:
        with self._lock:
            self._store.clear()
            self._weight = 0
