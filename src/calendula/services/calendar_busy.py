"""Busy times from connected calendars (port `BusyTimeSource`): cached, parallel, bounded.

Owns: `ConnectedCalendars`. For the hosts asked about it finds their busy calendars (CalDAV
calendars marked busy, ICS feeds), and answers from a per-calendar cache whose entries are fresh
for `freshness` seconds (setting `CALENDAR_CACHE_SECONDS`); an entry read after three quarters
of its life is fetched again in the background, a missing or stale one is fetched now. Fetches
run in parallel on a thread pool and are waited for at most `timeout` seconds in all
(`CALENDAR_TIMEOUT_SECONDS`): a calendar that has not answered by then counts as unreadable. A
failed read is remembered for a few seconds too, so an unreachable server does not make every
slot query wait for the timeout.

Failure policy (`domain.calendars.FailurePolicy`): with `HIDE` (the default) a host with an
unreadable calendar makes `busy_times` raise `BusySourceUnavailable` naming them, which
availability turns into "busy for the whole window" (never a double booking); with `IGNORE` the
calendar counts as empty. Either way it is logged, and the connection's health (failures in a
row, last error) is recorded in the background; connections that keep failing are flagged.

`live()` is the same source without the busy cache: the booking path re-checks exactly the
requested interval against the calendars themselves. Which calendars a host has is cached for
`freshness` too and dropped at once by `forget()` (called by `CalendarService` on changes).
Must not import storage, integrations or entry points.
"""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from calendula.domain.calendars import Connection, ConnectionKind, FailurePolicy
from calendula.domain.errors import BusySourceUnavailable, CalendarUnreachable
from calendula.domain.intervals import Interval
from calendula.services.ports import (
    CalendarAccess,
    CalendarClient,
    Clock,
    SecretBox,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

REFRESH_AFTER = 0.75
FAILURE_MEMORY_SECONDS = 10.0
"""How long a failed read is remembered (at most `freshness`)."""
MAX_ENTRIES = 4096
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BusyCalendar:
    """One calendar whose events block a host's time, with what it takes to read it."""

    host_id: int
    connection_id: int
    calendar_id: int
    access: CalendarAccess
    zone: str
    problem: str | None = None
    """Why it cannot be read at all (its stored secret cannot be opened)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    covered: Interval
    intervals: tuple[Interval, ...]
    fetched_at: float
    error: str | None = None


def access_for(connection: Connection, calendar_url: str, box: SecretBox) -> CalendarAccess:
    """The credentials in clear for one calendar of `connection` (raises `CalendarUnreachable`
    when the sealed secret cannot be opened: the secret key changed)."""
    try:
        opened = box.open(connection.secret) if connection.secret else None
    except ValueError:
        raise CalendarUnreachable(
            "stored credentials cannot be opened (the secret key changed): connect again",
            transient=False,
        ) from None
    if connection.kind is ConnectionKind.ICS_FEED:
        feed = opened or connection.url
        return CalendarAccess(connection.kind, feed, feed)
    return CalendarAccess(
        connection.kind, connection.url, calendar_url, connection.username, opened
    )


class ConnectedCalendars:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        client: CalendarClient,
        box: SecretBox,
        *,
        freshness: float = 60.0,
        timeout: float = 5.0,
        policy: FailurePolicy = FailurePolicy.HIDE,
        workers: int = 8,
        monotonic: Callable[[], float] = monotonic_time.monotonic,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._client = client
        self._box = box
        self.freshness = freshness
        self.timeout = timeout
        self.policy = policy
        self._monotonic = monotonic
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="calendar-read")
        self._lock = threading.Lock()
        self._entries: dict[int, _Entry] = {}
        self._refreshing: set[int] = set()
        self._sources: dict[int, tuple[float, list[BusyCalendar]]] = {}
        self._health: dict[int, bool] = {}

    # -- the port ----------------------------------------------------------------------------

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        return self._busy(host_ids, window, cached=True)

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        return bool(self.sources(host_ids))

    def live(self) -> LiveCalendars:
        """This source without the busy cache (the booking path's re-check)."""
        return LiveCalendars(self)

    def forget(self) -> None:
        """Drop every cached entry and calendar list (a connection or selection changed)."""
        with self._lock:
            self._entries.clear()
            self._sources.clear()

    def close(self) -> None:
        """Wait for reads and health records under way (each bounded by the client's
        timeout); drop those not started."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- reading -----------------------------------------------------------------------------

    def _busy(
        self, host_ids: Sequence[int], window: Interval, *, cached: bool
    ) -> dict[int, list[Interval]]:
        sources = self.sources(host_ids)
        if not sources:
            return {}
        found: dict[int, list[Interval]] = {}
        failed: dict[int, str] = {}
        wanted = _whole_days(window) if cached else window
        results = self._read(sources, wanted, window, cached=cached)
        for source, (intervals, error) in zip(sources, results, strict=True):
            if error is not None:
                failed[source.host_id] = error
                continue
            found.setdefault(source.host_id, []).extend(i for i in intervals if i.overlaps(window))
        if not failed:
            return found
        for host_id, error in failed.items():
            log.warning(
                "calendar of host %s unreadable (%s): policy %s", host_id, error, self.policy
            )
        if self.policy is FailurePolicy.IGNORE:
            return found
        raise BusySourceUnavailable(
            frozenset(failed),
            {h: v for h, v in found.items() if h not in failed},
            "; ".join(sorted(set(failed.values()))),
        )

    def _read(
        self,
        sources: list[BusyCalendar],
        wanted: Interval,
        window: Interval,
        *,
        cached: bool,
    ) -> list[tuple[tuple[Interval, ...], str | None]]:
        now = self._monotonic()
        results: list[tuple[tuple[Interval, ...], str | None] | None] = []
        pending: dict[int, Future[_Entry]] = {}
        for index, source in enumerate(sources):
            entry = self._usable(source, window, now) if cached else None
            if entry is not None:
                results.append((entry.intervals, entry.error))
                if now - entry.fetched_at > self.freshness * REFRESH_AFTER:
                    self._refresh_later(source, entry.covered)
                continue
            results.append(None)
            pending[index] = self._pool.submit(self._fetch, source, wanted, cached)
        if pending:
            wait(pending.values(), timeout=self.timeout)
            for index, future in pending.items():
                if future.done():
                    entry = future.result()
                    results[index] = (entry.intervals, entry.error)
                else:
                    error = f"no answer within {self.timeout:g} s"
                    if cached:
                        self._store(sources[index], _Entry(wanted, (), now, error))
                    self._note_health(sources[index], error)
                    results[index] = ((), error)
        return [r if r is not None else ((), "not read") for r in results]

    def _usable(self, source: BusyCalendar, window: Interval, now: float) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(source.calendar_id)
        if entry is None:
            return None
        age = now - entry.fetched_at
        if entry.error is not None:
            fresh = age < min(self.freshness, FAILURE_MEMORY_SECONDS)
            return entry if fresh else None
        if age >= self.freshness or not entry.covered.contains(window):
            return None
        return entry

    def _fetch(self, source: BusyCalendar, wanted: Interval, store: bool) -> _Entry:
        fetched_at = self._monotonic()
        try:
            if source.problem is not None:
                raise CalendarUnreachable(source.problem, transient=False)
            intervals = tuple(self._client.busy(source.access, wanted, source.zone))
            entry = _Entry(wanted, intervals, fetched_at)
        except CalendarUnreachable as error:
            entry = _Entry(wanted, (), fetched_at, error.message)
        except Exception as error:  # an adapter bug must not break slot lists
            log.exception("reading calendar %s failed", source.calendar_id)
            entry = _Entry(wanted, (), fetched_at, f"{type(error).__name__}")
        if store:
            self._store(source, entry)
        self._note_health(source, entry.error)
        return entry

    def _store(self, source: BusyCalendar, entry: _Entry) -> None:
        with self._lock:
            current = self._entries.get(source.calendar_id)
            if current is not None and current.fetched_at > entry.fetched_at:
                return  # a later fetch already landed
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[source.calendar_id] = entry

    def _refresh_later(self, source: BusyCalendar, covered: Interval) -> None:
        with self._lock:
            if source.calendar_id in self._refreshing:
                return
            self._refreshing.add(source.calendar_id)

        def refresh() -> None:
            try:
                self._fetch(source, covered, True)
            finally:
                with self._lock:
                    self._refreshing.discard(source.calendar_id)

        self._pool.submit(refresh)

    # -- which calendars ---------------------------------------------------------------------

    def sources(self, host_ids: Sequence[int]) -> list[BusyCalendar]:
        """The busy calendars of `host_ids` (cached for `freshness`)."""
        now = self._monotonic()
        found: list[BusyCalendar] = []
        missing: list[int] = []
        with self._lock:
            for host_id in host_ids:
                kept = self._sources.get(host_id)
                if kept is not None and now - kept[0] < self.freshness:
                    found.extend(kept[1])
                else:
                    missing.append(host_id)
        if missing:
            loaded = self._load_sources(missing)
            with self._lock:
                for host_id in missing:
                    self._sources[host_id] = (now, loaded.get(host_id, []))
            for host_id in missing:
                found.extend(loaded.get(host_id, []))
        return found

    def _load_sources(self, host_ids: list[int]) -> dict[int, list[BusyCalendar]]:
        with self._uow_factory() as uow:
            connections = {c.id: c for c in uow.calendars.list_connections(host_ids)}
            if not connections:  # the common case: no calendars, nothing more to read
                return {}
            calendars = uow.calendars.list_calendars(host_ids)
            zones = {h: (u.time_zone if (u := uow.users.get(h)) else "UTC") for h in host_ids}
        loaded: dict[int, list[BusyCalendar]] = {}
        for calendar in calendars:
            connection = connections.get(calendar.connection_id)
            if connection is None or not calendar.is_busy or calendar.id is None:
                continue
            problem = None
            try:
                access = access_for(connection, calendar.external_id, self._box)
            except CalendarUnreachable as error:
                access, problem = CalendarAccess(connection.kind, "", ""), error.message
            assert connection.id is not None
            loaded.setdefault(calendar.owner_id, []).append(
                BusyCalendar(
                    calendar.owner_id,
                    connection.id,
                    calendar.id,
                    access,
                    zones.get(calendar.owner_id, "UTC"),
                    problem,
                )
            )
        return loaded

    # -- health ------------------------------------------------------------------------------

    def _note_health(self, source: BusyCalendar, error: str | None) -> None:
        """Record a failure, or the first success after failures, in the background (never
        inside the caller's transaction)."""
        with self._lock:
            was_ok = self._health.get(source.connection_id)
            self._health[source.connection_id] = error is None
        if error is None and was_ok is not False:
            return
        self._pool.submit(self._record_health, source.connection_id, error)

    def _record_health(self, connection_id: int, error: str | None) -> None:
        try:
            with self._uow_factory(write=True) as uow:
                uow.calendars.record_health(connection_id, self._clock.now(), error)
                uow.commit()
        except Exception:
            log.exception("recording the health of connection %s failed", connection_id)


class LiveCalendars:
    """`ConnectedCalendars` read without the busy cache (port `BusyTimeSource`)."""

    def __init__(self, source: ConnectedCalendars) -> None:
        self._source = source

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        return self._source._busy(host_ids, window, cached=False)

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        return self._source.reads_remote(host_ids)


def _whole_days(window: Interval) -> Interval:
    """`window` grown to whole UTC days, so nearby queries share one cache entry."""
    first = datetime.combine(window.start.date(), time(0), UTC)
    last = datetime.combine(window.end.date(), time(0), UTC)
    return Interval(first, last if last == window.end else last + _DAY)
