"""Find slots: gather everything one query needs, then call the pure slot engine.

Owns: `find_slots` and `gather_calendars`, which the booking path reuses for its re-check of
exactly one interval. Gather, then compute: every read happens here, before `domain.slots` runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendula.domain.accounts import User
from calendula.domain.errors import InvalidInput, NotFound
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

MAX_RANGE = timedelta(days=100)
"""The longest `[start, end)` one slot query may ask for (documented in docs/scheduling.md)."""


class NoCalendars:
    """The busy-time source used when no external calendar is connected: nothing is busy."""

    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        return {}


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """Bookable slots of one event type starting in `[start, end)`."""

    event_type_id: int | None = None
    username: str | None = None
    event_slug: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    length_minutes: int | None = None
    reschedule_uid: str | None = None


@dataclass(frozen=True, slots=True)
class Gathered:
    calendars: list[HostCalendar]
    seated: list[SeatedOccupancy]


def validate_range(start: datetime, end: datetime) -> Interval:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start", "start and end must include a time zone offset or Z")
    if end <= start:
        raise InvalidInput(
            "end", "Invalid time range given - check the 'start' and 'end' query parameters."
        )
    if end - start > MAX_RANGE:
        raise InvalidInput("end", f"the range may span at most {MAX_RANGE.days} days")
    return Interval.utc(start, end)


def load_event_type(uow: UnitOfWork, query: SlotQuery) -> EventType:
    if query.event_type_id is not None:
        found = uow.event_types.get(query.event_type_id)
        if found is None:
            raise NotFound("Event Type not found")
        return found
    if query.username and query.event_slug:
        owner = uow.users.get_by_username(query.username)
        found = (
            uow.event_types.get_by_slug(owner.id, query.event_slug) if owner and owner.id else None
        )
        if found is None:
            raise NotFound("Event Type not found")
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
) -> Gathered:
    """Everything the slot engine needs for `event_type` around `window` (one host for now)."""
    owner = uow.users.get(event_type.owner_id)
    if owner is None or owner.id is None:
        raise NotFound("Event Type not found")
    schedule = host_schedule(uow, event_type, owner)
    zone = schedule.zone if schedule else zone_from_name(owner.time_zone)
    margin = timedelta(days=1, minutes=_reach(event_type))
    span = Interval(window.start - margin, window.end + margin)
    availability = expand_schedule(schedule, span.start, span.end) if schedule else []
    busy: list[Interval] = []
    seated: list[SeatedOccupancy] = []
    for booking in uow.bookings.list_blocking([owner.id], span):
        if booking.uid == exclude_uid:
            continue
        if event_type.seats is not None and booking.event_type_id == event_type.id:
            seated.append(
                SeatedOccupancy(booking.start, booking.end, len(booking.attendees), booking.uid)
            )
        else:
            busy.append(booking.blocked)
    busy.extend(hold.blocked for hold in uow.holds.list_active([owner.id], span, now))
    busy.extend(busy_source.busy_times([owner.id], span).get(owner.id, []))
    counted = _counted(uow, event_type, window, zone, exclude_uid)
    calendar = HostCalendar(owner.id, zone, availability, busy, counted)
    return Gathered([calendar], seated)


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


class AvailabilityService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, busy_source: BusyTimeSource
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._busy_source = busy_source

    def find_slots(self, query: SlotQuery) -> tuple[EventType, list[Slot]]:
        """The event type and its bookable slots for `query` (sorted by start, UTC)."""
        if query.start is None or query.end is None:
            raise InvalidInput("start", "start and end are required")
        window = validate_range(query.start, query.end)
        now = self._clock.now()
        with self._uow_factory() as uow:
            event_type = load_event_type(uow, query)
            length = allowed_length(event_type, query.length_minutes)
            gathered = gather_calendars(
                uow, event_type, window, now, self._busy_source, exclude_uid=query.reschedule_uid
            )
        request = SlotRequest(window.start, window.end, now, length)
        slots = compute_slots(
            event_type,
            gathered.calendars,
            request,
            mode=TeamMode.INDIVIDUAL,
            seated=gathered.seated,
        )
        return event_type, slots
