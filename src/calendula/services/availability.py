"""Find slots: gather everything one query needs, then call the pure slot engine.

Owns: `find_slots` (one event type, or a dynamic group of users who must all be free),
`gather_calendars` and `load_event_type`, which the booking and hold paths reuse for their
re-check of exactly one interval, and the short-lived snapshot cache of the read path.
Gather, then compute: every read happens before `domain.slots` runs.

The cache (the slot list is the voice agents' hot path; gathering 31 days with 300 bookings
costs ~3-4 ms even with the lean claim read, computing their slots ~0.3 ms, rendering them
~0.2 ms; bench/bench_busy_read.py, bench/bench_api_slots.py): `answer` keeps what it
gathered (event type, schedules, bookings, holds, external busy times) per lookup and whole UTC
days for `cache_seconds` (default 2 s), and gathers it again in the background when a busy entry
is three quarters through its life. Answers computed from a snapshot are kept with it while they
provably stay the same for a later `now` (until the first slot falls behind the minimum notice or
a hold expires), together with their renderings (`SlotAnswer.memo`), so a repeated query costs
a dictionary lookup. The cache is bounded in entries and in weight (slots and intervals kept).
An entry is dropped early when this process changes calendars: `gather_calendars` (the write
paths' re-check, called inside every booking and reschedule transaction) and
`note_calendar_change` (holds call it; other writers should, after commit) bump a process-wide
generation. What an entry can miss is bounded by `cache_seconds`: writes by other processes, and
writes here that announce nothing (today: cancel, confirm, decline, event type, schedule and
profile edits). The booking path never reads the cache: it re-checks inside its write
transaction.
Must not import storage, integrations or entry points.
"""

from __future__ import annotations

import dataclasses
import logging
import time as monotonic_time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendula.domain.accounts import User
from calendula.domain.errors import (
    BusySourceUnavailable,
    EventTypeNotFound,
    InvalidInput,
    NotFound,
)
from calendula.domain.event_types import EventType, allowed_length
from calendula.domain.intervals import Interval
from calendula.domain.schedules import Schedule, expand_schedule, zone_from_name
from calendula.domain.slots import (
    CountedBooking,
    HostCalendar,
    SeatedOccupancy,
    Slot,
    SlotRequest,
    TeamMode,
    compute_slots,
)
from calendula.services.ports import BusyTimeSource, Clock, UnitOfWork, UnitOfWorkFactory
from calendula.services.slot_cache import (
    CACHE_SECONDS,
    ActiveHold,
    CalendarChanges,
    SlotAnswer,
    Snapshot,
    SnapshotCache,
    in_thread,
)

log = logging.getLogger(__name__)

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in storage: a larger one cannot exist (and must not reach SQL)."""
MAX_RANGE = timedelta(days=100)
"""The longest `[start, end)` one slot query may ask for (documented in docs/scheduling.md)."""

DYNAMIC_LENGTH_MINUTES = 30
"""The slot length of a dynamic group (`usernames`) when no duration is asked for."""
MAX_LENGTH_MINUTES = 24 * 60

_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
_MINUTE = timedelta(minutes=1)


class NoCalendars:
    """The busy-time source used when no external calendar is connected: nothing is busy."""

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        return {}

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """Bookable slots starting in `[start, end)` of one event type (`event_type_id`, or
    `event_slug` with `username`), or of a dynamic group (`usernames`, two or more: times when
    all of them are free, `length_minutes` long, default 30)."""

    event_type_id: int | None = None
    username: str | None = None
    event_slug: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    length_minutes: int | None = None
    reschedule_uid: str | None = None
    usernames: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Gathered:
    calendars: list[HostCalendar]
    seated: list[SeatedOccupancy]


# -- gathering ---------------------------------------------------------------------------------


def validate_range(
    start: datetime, end: datetime, names: tuple[str, str] = ("start", "end")
) -> Interval:
    """`[start, end)` as an interval, or `InvalidInput` naming the field (`names`: the API's
    names of the two bounds): both need an offset, end after start, at most 100 days."""
    first, last = names
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(first, f"{first} and {last} must include a time zone offset or Z")
    if end <= start:
        raise InvalidInput(
            last, f"Invalid time range given - check the '{first}' and '{last}' query parameters."
        )
    if end - start > MAX_RANGE:
        raise InvalidInput(last, f"the range may span at most {MAX_RANGE.days} days")
    return Interval.utc(start, end)


def load_event_type(uow: UnitOfWork, query: SlotQuery) -> EventType:
    if query.event_type_id is not None:
        found = (
            uow.event_types.get(query.event_type_id) if 0 < query.event_type_id <= MAX_ID else None
        )
        if found is None:
            raise EventTypeNotFound("Event Type not found")
        return found
    if query.username and query.event_slug:
        owner = uow.users.get_by_username(query.username)
        found = (
            uow.event_types.get_by_slug(owner.id, query.event_slug) if owner and owner.id else None
        )
        if found is None:
            raise EventTypeNotFound("Event Type not found")
        return found
    raise InvalidInput("eventTypeId", "eventTypeId, or eventTypeSlug with username, is required")


def host_schedule(uow: UnitOfWork, event_type: EventType, user: User) -> Schedule | None:
    schedule_id = event_type.schedule_id or user.default_schedule_id
    if schedule_id is not None:
        schedule = uow.schedules.get(schedule_id)
        if schedule is not None and schedule.owner_id == user.id:
            return schedule
    schedules = uow.schedules.list_for_owner(user.id or 0)
    defaults = [s for s in schedules if s.is_default]
    return (defaults or schedules)[0] if schedules else None


def counting_window(event_type: EventType, window: Interval, zone: ZoneInfo) -> Interval | None:
    """The span of whole limit periods (host-local) that the query touches, if limits are set."""
    limits = (event_type.booking_limits_count, event_type.booking_limits_duration)
    if not any(limit.is_set for limit in limits):
        return None
    first = window.start.astimezone(zone).date()
    last = window.end.astimezone(zone).date()
    if any(limit.year for limit in limits):
        first, last = date(first.year, 1, 1), date(last.year, 12, 31)
    elif any(limit.month for limit in limits):
        first = first.replace(day=1)
        last = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    elif any(limit.week for limit in limits):
        first -= timedelta(days=first.weekday())
        last += timedelta(days=6 - last.weekday())
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return Interval.utc(start, end)


def gather_calendars(
    uow: UnitOfWork,
    event_type: EventType,
    window: Interval,
    now: datetime,
    busy_source: BusyTimeSource,
    *,
    exclude_uid: str | None = None,
    owner: User | None = None,
) -> Gathered:
    """Everything `check_slot` needs to re-check exactly `window` for `event_type` (its owner,
    loaded unless given): busy time is read only where it can decide `window`
    (`recheck_window`). The write paths call this inside their write transaction."""
    owner = owner or uow.users.get(event_type.owner_id)
    if owner is None or owner.id is None:
        raise NotFound("Event Type not found")
    snapshot = gather_snapshot(
        uow,
        event_type,
        [owner],
        window,
        now,
        busy_source,
        exclude_uid,
        busy_window=recheck_window(event_type, window),
    )
    return Gathered(snapshot.calendars_at(now), list(snapshot.seated))


def recheck_window(event_type: EventType, wanted: Interval) -> Interval | None:
    """Where busy time can decide whether exactly `wanted` is free (`check_slot`): whatever
    overlaps `wanted` widened by the event type's buffers (both of them on each side, since a
    seated booking blocks with buffers on both sides). None when busy time anywhere in the
    local day counts: `only_first_slot_of_day` compares with every slot of the day."""
    if event_type.only_first_slot_of_day:
        return None
    reach = timedelta(minutes=event_type.before_buffer_minutes + event_type.after_buffer_minutes)
    return wanted.widen(reach, reach)


def recheck_span(event_type: EventType, wanted: Interval) -> Interval:
    """The span `gather_calendars` reads busy time in to re-check exactly `wanted`."""
    window = recheck_window(event_type, wanted)
    if window is not None:
        return window
    margin = _DAY + timedelta(minutes=_reach(event_type))
    return wanted.widen(margin, margin)


class PrefetchedBusy:
    """A `BusyTimeSource` answering from busy times read beforehand (outside the write
    transaction, so calendar servers are never waited for while the database write lock or
    row locks are held). Asked about other hosts, or beyond the span it read, it asks
    `source` (correct, only slower); a read that failed fails again the same way."""

    def __init__(self, source: BusyTimeSource, host_ids: Sequence[int], span: Interval) -> None:
        self._source = source
        self._hosts = frozenset(host_ids)
        self._span = span
        self._error: BusySourceUnavailable | None = None
        self._answer: dict[int, list[Interval]] = {}
        try:
            self._answer = source.busy_times(list(host_ids), span)
        except BusySourceUnavailable as error:
            self._error = error

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        covered = self._span.start <= window.start and window.end <= self._span.end
        if not covered or not set(host_ids) <= self._hosts:
            return self._source.busy_times(host_ids, window)
        if self._error is not None:
            raise self._error
        return {
            host_id: [i for i in self._answer.get(host_id, []) if i.overlaps(window)]
            for host_id in host_ids
        }

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        return not set(host_ids) <= self._hosts and self._source.reads_remote(host_ids)


def gather_snapshot(
    uow: UnitOfWork,
    event_type: EventType,
    hosts: Sequence[User],
    window: Interval,
    now: datetime,
    busy_source: BusyTimeSource,
    exclude_uid: str | None = None,
    *,
    mode: TeamMode = TeamMode.INDIVIDUAL,
    busy_window: Interval | None = None,
) -> Snapshot:
    """Read schedules, blocking bookings, active holds and external busy times of `hosts`
    around `window` (one query per source for all hosts). `hosts[0]` is the owner.
    Busy time (bookings, holds, external) is read in `busy_window` when given (a re-check of
    one interval, `recheck_window`), else in the same span around `window` as schedules.
    Bookings and holds come from one lean read of the claims (`BookingRepository.busy_for`)."""
    host_ids = [host.id for host in hosts if host.id is not None]
    margin = _DAY + timedelta(minutes=_reach(event_type))
    span = window.widen(margin, margin)
    busy_span = span if busy_window is None else busy_window
    busy: dict[int, list[Interval]] = {host_id: [] for host_id in host_ids}
    seated: dict[str, SeatedOccupancy] = {}
    holds: list[ActiveHold] = []
    seated_id = event_type.id if event_type.seats is not None else None
    for row in uow.bookings.busy_for(host_ids, busy_span, now, seated_event_type_id=seated_id):
        if row.booking_uid is None:
            assert row.hold_expires_at is not None  # a hold's claim
            holds.append(ActiveHold(row.host_id, row.blocked, row.hold_expires_at))
        elif row.booking_uid == exclude_uid:
            continue
        elif row.seats_booked is not None:  # one occupancy per booking, whatever its hosts
            occupancy = SeatedOccupancy(row.start, row.end, row.seats_booked, row.booking_uid)
            seated.setdefault(row.booking_uid, occupancy)
        else:
            busy[row.host_id].append(row.blocked)
    for host_id, intervals in external_busy(busy_source, host_ids, busy_span).items():
        if host_id in busy:
            busy[host_id].extend(intervals)
    calendars = tuple(
        _host_calendar(uow, event_type, host, span, window, busy[host.id], exclude_uid)
        for host in hosts
        if host.id is not None
    )
    ordered = sorted(seated.values(), key=lambda occupancy: occupancy.start)
    return Snapshot(event_type, mode, calendars, tuple(holds), tuple(ordered))


def external_busy(
    busy_source: BusyTimeSource, host_ids: Sequence[int], span: Interval
) -> dict[int, list[Interval]]:
    """The external calendars' busy times of `host_ids` in `span`, with the failure policy
    applied: a host whose calendars cannot be read (`BusySourceUnavailable`) is busy for the
    whole `span`, so neither a slot list nor a booking can double-book them (logged)."""
    try:
        return busy_source.busy_times(host_ids, span)
    except BusySourceUnavailable as error:
        log.warning(
            "calendars unreadable, hiding the times of hosts %s: %s",
            sorted(error.host_ids),
            error.message,
        )
        hidden: dict[int, list[Interval]] = {
            host_id: list(found) for host_id, found in error.partial.items()
        }
        for host_id in error.host_ids:
            hidden[host_id] = [span]
        return hidden


def _host_calendar(
    uow: UnitOfWork,
    event_type: EventType,
    host: User,
    span: Interval,
    window: Interval,
    busy: list[Interval],
    exclude_uid: str | None,
) -> HostCalendar:
    assert host.id is not None
    schedule = host_schedule(uow, event_type, host)
    zone = schedule.zone if schedule else zone_from_name(host.time_zone)
    availability = expand_schedule(schedule, span.start, span.end) if schedule else []
    counted = _counted(uow, event_type, window, zone, exclude_uid)
    return HostCalendar(host.id, zone, availability, busy, counted)


def _reach(event_type: EventType) -> int:
    longest = max((event_type.length_minutes, *event_type.length_options))
    longest = max(longest, event_type.max_length_minutes or 0)
    return longest + event_type.before_buffer_minutes + event_type.after_buffer_minutes


def _counted(
    uow: UnitOfWork,
    event_type: EventType,
    window: Interval,
    zone: ZoneInfo,
    exclude_uid: str | None,
) -> list[CountedBooking]:
    span = counting_window(event_type, window, zone)
    if span is None or event_type.id is None:
        return []
    return [
        CountedBooking(b.start, b.duration_minutes)
        for b in uow.bookings.list_for_event_type(event_type.id, span)
        if b.uid != exclude_uid
    ]


# -- the read path -----------------------------------------------------------------------------


def dynamic_event_type(owner_id: int, length_minutes: int) -> EventType:
    """The event type of a dynamic group: `length_minutes` long, no other rules."""
    return EventType(
        id=None, owner_id=owner_id, slug="dynamic", title="Dynamic", length_minutes=length_minutes
    )


def group_length(requested: int | None) -> int:
    """A dynamic group's meeting length: `requested`, default 30 (as the slots API)."""
    if requested is not None and not 1 <= requested <= MAX_LENGTH_MINUTES:
        raise InvalidInput("duration", f"duration must be between 1 and {MAX_LENGTH_MINUTES}")
    return requested or DYNAMIC_LENGTH_MINUTES


def gather_group(
    uow: UnitOfWork,
    users: Sequence[User],
    wanted: Interval,
    now: datetime,
    busy_source: BusyTimeSource,
) -> Gathered:
    """What `check_slot` (mode COLLECTIVE) needs to re-check exactly `wanted` for every member
    of a dynamic group (`load_group`): the same gathering as its slot list, busy time read
    only where it can decide `wanted`. The booking path calls this in its write transaction."""
    event_type = dynamic_event_type(users[0].id or 0, int((wanted.end - wanted.start) // _MINUTE))
    snapshot = gather_snapshot(
        uow,
        event_type,
        users,
        wanted,
        now,
        busy_source,
        mode=TeamMode.COLLECTIVE,
        busy_window=recheck_window(event_type, wanted),
    )
    return Gathered(snapshot.calendars_at(now), list(snapshot.seated))


def _whole_days(window: Interval) -> Interval:
    """`window` grown to whole UTC days, so that nearby queries share one cache entry."""
    first = datetime.combine(window.start.date(), time(0), UTC)
    last = datetime.combine(window.end.date(), time(0), UTC)
    return Interval(first, last if last == window.end else last + _DAY)


def _lookup_key(query: SlotQuery) -> tuple[Hashable, ...]:
    if query.usernames:
        return ("users", query.usernames)
    if query.event_type_id is not None:
        return ("id", query.event_type_id)
    if query.username and query.event_slug:
        return ("slug", query.username, query.event_slug)
    raise InvalidInput(
        "eventTypeId", "eventTypeId, eventTypeSlug with username, or usernames is required"
    )


def _length(event_type: EventType, query: SlotQuery) -> int:
    requested = query.length_minutes
    if requested is not None and not 1 <= requested <= MAX_LENGTH_MINUTES:
        raise InvalidInput("duration", f"duration must be between 1 and {MAX_LENGTH_MINUTES}")
    if query.usernames:
        return group_length(requested)
    try:
        return allowed_length(event_type, requested)
    except InvalidInput:
        options = sorted({event_type.length_minutes, *event_type.length_options})
        raise InvalidInput(
            "duration",
            f"duration {requested} is not allowed for this event type; allowed: "
            + ", ".join(str(n) for n in options),
        ) from None


class AvailabilityService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        busy_source: BusyTimeSource,
        *,
        changes: CalendarChanges | None = None,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = monotonic_time.monotonic,
        spawn: Callable[[Callable[[], None]], None] | None = in_thread,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._busy_source = busy_source
        self._cache = SnapshotCache(
            cache_seconds, changes=changes, monotonic=monotonic, spawn=spawn
        )

    def find_slots(self, query: SlotQuery) -> tuple[EventType, list[Slot]]:
        """The event type and its bookable slots for `query` (sorted by start, UTC).

        Raises `InvalidInput` (`start`, `end`, `duration`, `usernames`, `eventTypeId`) and
        `NotFound` (`Event Type not found`, unknown users)."""
        answer = self.answer(query)
        return answer.event_type, answer.slots

    def answer(self, query: SlotQuery) -> SlotAnswer:
        """`find_slots` as a `SlotAnswer`: the same object comes back for the same query while
        it still holds, so callers may keep renderings in its `memo`. Treat it as read-only."""
        answer = self._answer(query, read=True)
        assert answer is not None
        return answer

    def cached_answer(self, query: SlotQuery) -> SlotAnswer | None:
        """`answer` if it needs no database read (its snapshot is cached), else None. Never
        blocks on I/O, so an event loop may call it directly; same errors as `answer`."""
        return self._answer(query, read=False)

    def _answer(self, query: SlotQuery, *, read: bool) -> SlotAnswer | None:
        if query.start is None or query.end is None:
            raise InvalidInput("start", "start and end are required")
        window = validate_range(query.start, query.end)
        if query.usernames and len(query.usernames) < 2:
            raise InvalidInput("usernames", "usernames must contain at least 2 usernames")
        days = _whole_days(window)
        key = (*_lookup_key(query), days.start, days.end, query.reschedule_uid)
        entry = self._cache.entry(key, lambda: self._gather(query, days), read=read)
        if entry is None:
            return None
        length = _length(entry.snapshot.event_type, query)
        now = self._clock.now()
        asked = (window.start, window.end, length)
        found = entry.answers.get(asked)
        if found is not None and found.holds_at(now):
            return found
        answer = _answer(entry.snapshot, query, window, length, now)
        self._cache.remember(entry, asked, answer)
        return answer

    def forget(self) -> None:
        """Drop this service's cached snapshots (the next query reads the database)."""
        self._cache.clear()

    def _gather(self, query: SlotQuery, window: Interval) -> Snapshot:
        now = self._clock.now()
        with self._uow_factory() as uow:
            if query.usernames:
                users = load_group(uow, query.usernames)
                # Gathered for the longest length, so any requested duration is covered.
                template = dynamic_event_type(users[0].id or 0, MAX_LENGTH_MINUTES)
                snapshot = gather_snapshot(
                    uow,
                    template,
                    users,
                    window,
                    now,
                    self._busy_source,
                    query.reschedule_uid,
                    mode=TeamMode.COLLECTIVE,
                )
                return dataclasses.replace(
                    snapshot,
                    event_type=dynamic_event_type(template.owner_id, DYNAMIC_LENGTH_MINUTES),
                )
            event_type = load_event_type(uow, query)
            owner = uow.users.get(event_type.owner_id)
            if owner is None or owner.id is None:
                raise NotFound("Event Type not found")
            return gather_snapshot(
                uow, event_type, [owner], window, now, self._busy_source, query.reschedule_uid
            )


def _answer(
    snapshot: Snapshot, query: SlotQuery, window: Interval, length: int, now: datetime
) -> SlotAnswer:
    event_type = snapshot.event_type
    if query.usernames:
        event_type = dynamic_event_type(event_type.owner_id, length)
    slots = compute_slots(
        event_type,
        snapshot.calendars_at(now),
        SlotRequest(window.start, window.end, now, length),
        mode=snapshot.mode,
        seated=snapshot.seated,
    )
    return SlotAnswer(event_type, slots, now, _valid_until(event_type, snapshot, slots, now))


def _valid_until(
    event_type: EventType, snapshot: Snapshot, slots: list[Slot], now: datetime
) -> datetime:
    """Until when the same slots come out for a later `now` (same snapshot): the first slot
    falls behind the minimum notice, or a hold expires. Booking windows move with `now` in ways
    not tracked here, so their answers are not reused."""
    if event_type.booking_window is not None:
        return now
    until = datetime.max.replace(tzinfo=UTC)
    if slots:
        # The first slot is offered while `now + notice <= start`.
        until = slots[0].start - timedelta(minutes=event_type.minimum_notice_minutes) + _TICK
    for hold in snapshot.holds:
        if now < hold.expires_at < until:
            until = hold.expires_at
    return until


def load_group(uow: UnitOfWork, usernames: Sequence[str]) -> list[User]:
    """The users of a dynamic group in the order named (the first is the organizer).
    Raises `NotFound` for an unknown username, `InvalidInput` for fewer than two users."""
    users = uow.users.list_by_usernames(usernames)
    found = {user.username for user in users}
    missing = [name for name in dict.fromkeys(usernames) if name not in found]
    if missing:
        raise NotFound(f"User with username {missing[0]} not found")
    if len(users) < 2:
        raise InvalidInput("usernames", "usernames must contain at least 2 different usernames")
    return users
