"""The booker: what `/{username}/{eventSlug}` (and `/reschedule/{uid}`) shows, and a booking
made from its form.

Owns: `Booker` (one visitor's view of one event type: month, days with times, the chosen day
and time, the form), `booker_context` (the template's values, including the data `booker.js`
starts from, so the first times are visible without a request from the browser), `Links`
(query-string links that keep the visitor's choices, the no-JavaScript path), `next_free` (the
times offered when the chosen one was just taken) and `new_booking` (a form submission as the
booking service's request). Calls services only through the container it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from calendula.bootstrap import Container
from calendula.domain.accounts import User
from calendula.domain.bookings import Attendee, Booking
from calendula.domain.errors import CalendulaError
from calendula.domain.event_types import EventType
from calendula.domain.slots import Slot
from calendula.services.availability import DYNAMIC_LENGTH_MINUTES, SlotQuery
from calendula.services.booking import NewBooking
from calendula.services.slot_cache import SlotAnswer
from calendula.web.booking_form import Submission, form_fields
from calendula.web.calendar_view import (
    WEEKDAYS,
    BookerTime,
    month_grid,
    next_month,
    parse_booker_time,
    parse_utc,
    previous_month,
    times_by_day,
    utc_iso,
    weekday_headers,
)

GROUP_DURATIONS = (15, 30, 60)
"""The lengths a dynamic group's booker offers (the slots API takes any)."""
NEXT_FREE_COUNT = 3
NEXT_FREE_DAYS = 14


class Links:
    """Links to this page that keep every query parameter but the ones changed."""

    def __init__(self, path: str, params: Mapping[str, str]) -> None:
        self.path = path
        self.params = {k: v for k, v in params.items() if k != "slot"}

    def __call__(self, **changes: str | None) -> str:
        merged = {**self.params, **changes}
        kept = {k: v for k, v in merged.items() if v not in (None, "")}
        return f"{self.path}?{urlencode(kept)}" if kept else self.path


@dataclass(frozen=True)
class Booker:
    owner: User
    event_type: EventType
    time: BookerTime
    duration: int
    durations: list[int]
    slots: list[Slot]
    chosen: datetime | None
    this_month: date
    reschedule: Booking | None = None
    answer: SlotAnswer | None = None
    group: tuple[User, ...] = ()
    """A dynamic group's members (the owner first); empty for one host's event type."""

    @property
    def hosts(self) -> tuple[User, ...]:
        return self.group or (self.owner,)

    @property
    def usernames(self) -> tuple[str, ...]:
        return tuple(user.username for user in self.group)

    @cached_property
    def days(self) -> dict[Any, list[datetime]]:
        return times_by_day(self.slots, self.time.zone)

    @property
    def day(self) -> Any:
        """The chosen day, or the first with times (so times show at once)."""
        if self.time.day is not None:
            return self.time.day
        if self.chosen is not None:
            return self.chosen.astimezone(self.time.zone).date()
        return next(iter(self.days), None)


def durations_of(event_type: EventType) -> list[int]:
    return sorted({event_type.length_minutes, *event_type.length_options})


def group_event_type(users: tuple[User, ...], slug: str) -> EventType:
    """What the booker of a dynamic group shows: no stored event type, Cal.com's default
    group meeting (30 minutes, or 15 or 60), owned by the first user."""
    return EventType(
        id=None,
        owner_id=users[0].id or 0,
        slug=slug,
        title="Group meeting",
        length_minutes=DYNAMIC_LENGTH_MINUTES,
        length_options=GROUP_DURATIONS,
    )


def open_booker(
    container: Container,
    owner: User,
    event_type: EventType,
    params: Mapping[str, str],
    *,
    reschedule: Booking | None = None,
    chosen: str | None = None,
    group: tuple[User, ...] = (),
) -> Booker:
    """Read the visitor's choices and the month's slots (from the availability cache).
    `chosen` (a posted time) is kept even when it is no longer free, to say so. `group`: the
    members of a dynamic group (`event_type` is then `group_event_type`)."""
    now = container.clock.now()
    time = parse_booker_time(
        params, host_zone=owner.time_zone, hour12_default=owner.time_format == 12, now=now
    )
    durations = durations_of(event_type)
    default = reschedule.duration_minutes if reschedule else event_type.length_minutes
    duration = time.duration if time.duration in durations and not reschedule else default
    start, end = time.window
    query = SlotQuery(
        event_type_id=event_type.id,
        start=start,  # not `now`: one stable query (and cached answer) per month shown
        end=end,
        length_minutes=duration,
        reschedule_uid=reschedule.uid if reschedule else None,
        usernames=tuple(user.username for user in group),
    )
    answer = _answer(container, query) if now < end else None
    wanted = parse_utc(chosen if chosen is not None else params.get("slot"))
    slots = answer.slots if answer else []
    offered = wanted is not None and any(s.start == wanted for s in slots)
    picked = wanted if offered or chosen is not None else None
    this_month = now.astimezone(time.zone).date().replace(day=1)
    return Booker(
        owner, event_type, time, duration, durations, slots, picked, this_month, reschedule,
        answer, group,
    )  # fmt: skip


def _answer(container: Container, query: SlotQuery) -> SlotAnswer | None:
    try:
        return container.availability.answer(query)
    except CalendulaError:
        return None


def next_free(container: Container, booker: Booker, after: datetime) -> list[datetime]:
    """The next few free times after `after` (the time someone else just took)."""
    query = SlotQuery(
        event_type_id=booker.event_type.id,
        start=after,
        end=after + timedelta(days=NEXT_FREE_DAYS),
        length_minutes=booker.duration,
        reschedule_uid=booker.reschedule.uid if booker.reschedule else None,
        usernames=booker.usernames,
    )
    answer = _answer(container, query)
    slots = answer.slots if answer else []
    return [s.start for s in slots if s.start != after][:NEXT_FREE_COUNT]


def booker_context(
    booker: Booker,
    path: str,
    params: Mapping[str, str],
    *,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
) -> dict[str, Any]:
    """Everything `booker.html` renders."""
    time = booker.time
    week_start = (
        WEEKDAYS.index(booker.owner.week_start) if booker.owner.week_start in WEEKDAYS else 0
    )
    links = Links(path, params)
    days = booker.days
    day = booker.day
    return {
        "owner": booker.owner,
        "host_names": " + ".join(user.name or user.username for user in booker.hosts),
        "event_type": booker.event_type,
        "booker": booker,
        "zone": time.zone.key,
        "hour12": time.hour12,
        "month": time.month,
        "grid": month_grid(time.month, week_start),
        "weekdays": weekday_headers(week_start),
        "days": days,
        "day": day,
        "times": days.get(day, []) if day else [],
        "chosen": booker.chosen,
        "prev_month": previous_month(time.month).isoformat()[:7],
        "next_month": next_month(time.month).isoformat()[:7],
        "can_go_back": time.month > booker.this_month,
        "link": links,
        "state": {k: v for k, v in links.params.items() if k not in ("timeZone",)},
        "fields": form_fields(booker.event_type, values, errors),
        "values": values,
        "errors": errors,
        "script_data": {**_script_data(booker, day), "weekStart": week_start},
    }


def _script_data(booker: Booker, day: Any) -> dict[str, Any]:
    """What booker.js starts from (rendered as JSON, escaped by the `tojson` filter)."""
    zone = booker.time.zone
    return {
        "eventTypeId": booker.event_type.id,
        "usernames": ",".join(booker.usernames) or None,
        "duration": booker.duration,
        "timeZone": zone.key,
        "hour12": booker.time.hour12,
        "month": booker.time.month.isoformat()[:7],
        "date": day.isoformat() if day else None,
        "rescheduleUid": booker.reschedule.uid if booker.reschedule else None,
        "slots": {d.isoformat(): [utc_iso(t) for t in times] for d, times in booker.days.items()},
    }


def new_booking(booker: Booker, start: datetime, submission: Submission) -> NewBooking:
    attendee = Attendee(
        name=submission.name,
        email=submission.email,
        time_zone=booker.time.zone.key,
        phone_number=submission.phone,
    )
    return NewBooking(
        start=start,
        attendee=attendee,
        event_type_id=booker.event_type.id,
        usernames=booker.usernames,
        length_minutes=booker.duration,
        guests=submission.guests,
        responses=submission.responses,
        location=submission.location,
    )


def field_of(error_field: str | None) -> str:
    """The form slug a service error names (`attendee.email` -> `email`)."""
    if not error_field:
        return ""
    if error_field.startswith("bookingFieldsResponses."):
        return error_field.split(".", 1)[1]
    if error_field.startswith("attendee."):
        name = error_field.split(".", 1)[1]
        return {"phoneNumber": "attendeePhoneNumber", "timeZone": ""}.get(name, name)
    return error_field.split(".", 1)[0]
