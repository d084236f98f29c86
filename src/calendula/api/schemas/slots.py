"""`/v2/slots`: query parsing, reservation bodies and output shapes (2024-09-04 and legacy).

Owns: `parse_slots_query` / `parse_legacy_query` (query string -> `SlotAsk`), the reservation
bodies (`ReserveSlotInput`, `LegacyReserveSlotInput`), `reservation_output`, and `legacy_slots`
(the 2024-04-15 `{"slots": {date: [{"time"}]}}` shape). Query strings are parsed by hand: it is
cheaper than a model on the hot path, and every bad value becomes `InvalidInput` naming its
parameter (a 400), never a 500. The 2024-09-04 slot map itself is built by
`domain.slots.group_by_local_date`.

Time rules (Cal.com): `start`/`end` are ISO 8601 dates or date-times, read as UTC when they carry
no offset; an `end` at 00:00:00 UTC (a bare date included) is moved to 23:59:59 of that day.
The legacy `startTime`/`endTime` are taken as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import QueryParams

from calendula.api.envelope import iso_instant
from calendula.api.schemas.instants import YEARS_MESSAGE, UtcInstant, to_utc
from calendula.domain.bookings import SlotHold
from calendula.domain.errors import InvalidInput, NotFound
from calendula.domain.schedules import zone_from_name
from calendula.services.availability import SlotQuery, validate_range

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers in storage; larger numbers are refused before any query."""
MAX_TEXT = 200
_OFFSET_AFTER_SPACE = re.compile(r" (\d{2}(:?\d{2})?)$")
_END_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)
_DATE_HINT = "an ISO 8601 date or date-time, e.g. 2050-09-05 or 2050-09-05T09:00:00Z"


@dataclass(frozen=True, slots=True)
class SlotAsk:
    """A parsed slots request: what to compute, and how to print it."""

    query: SlotQuery
    zone: ZoneInfo | None
    with_end: bool


# -- query values ------------------------------------------------------------------------------


def parse_instant(text: str | None, field: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime (no offset: UTC)."""
    if not text:
        raise InvalidInput(field, f"{field} is required: {_DATE_HINT}")
    text = _OFFSET_AFTER_SPACE.sub(r"+\1", text.strip())  # a "+" that arrived as a space
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, f"{field} must be {_DATE_HINT}") from None
    try:
        value = to_utc(value)  # checks the year first: no overflow
    except ValueError:
        raise InvalidInput(field, f"{field} {YEARS_MESSAGE}") from None
    if end_of_day and not (value.hour or value.minute or value.second):
        value += _END_OF_DAY
    return value


def parse_count(text: str | None, field: str) -> int | None:
    """A positive whole number ("60", also "60.0"), or None when absent."""
    if not text:
        return None
    try:
        number = float(text) if len(text) <= 20 else float("nan")
    except ValueError:
        number = float("nan")
    if not number.is_integer() or not 0 < number <= 2**53:
        raise InvalidInput(field, f"{field} must be a positive whole number")
    return int(number)


def parse_zone(text: str | None) -> ZoneInfo | None:
    return zone_from_name(text, "timeZone") if text else None


def parse_format(text: str | None, field: str) -> bool:
    """True for `range`, False for `time` or absent."""
    if not text or text == "time":
        return False
    if text == "range":
        return True
    raise InvalidInput(field, f"{field} must be 'time' or 'range'")


def _text(params: QueryParams, name: str) -> str | None:
    value = params.get(name)
    if not value:
        return None
    if len(value) > MAX_TEXT:
        raise InvalidInput(name, f"{name} must be at most {MAX_TEXT} characters")
    return value


def _names(values: list[str]) -> tuple[str, ...]:
    names = tuple(n.strip() for value in values for n in value.split(",") if n.strip())
    if any(len(n) > MAX_TEXT for n in names):
        raise InvalidInput("usernames", f"usernames must be at most {MAX_TEXT} characters each")
    return names


# -- 2024-09-04 --------------------------------------------------------------------------------


def parse_slots_query(params: QueryParams) -> SlotAsk:
    """`GET /v2/slots`: `start`, `end`, one lookup (`eventTypeId`; `eventTypeSlug` with
    `username` or `teamSlug`; `usernames`), `timeZone`, `duration`, `format`,
    `bookingUidToReschedule`."""
    event_type_id = parse_count(_text(params, "eventTypeId"), "eventTypeId")
    slug = _text(params, "eventTypeSlug")
    team = _text(params, "teamSlug")
    if event_type_id is None and slug and team and not _text(params, "username"):
        raise NotFound(f"Team with slug {team} not found")
    usernames = () if event_type_id or slug else _names(params.getlist("usernames"))
    query = SlotQuery(
        event_type_id=event_type_id,
        username=_text(params, "username"),
        event_slug=slug,
        start=parse_instant(_text(params, "start"), "start"),
        end=parse_instant(_text(params, "end"), "end", end_of_day=True),
        length_minutes=parse_count(_text(params, "duration"), "duration"),
        reschedule_uid=_text(params, "bookingUidToReschedule"),
        usernames=usernames,
    )
    zone = parse_zone(_text(params, "timeZone"))
    return SlotAsk(query, zone, parse_format(_text(params, "format"), "format"))


# -- legacy (2024-04-15) -----------------------------------------------------------------------


def parse_legacy_query(params: QueryParams) -> SlotAsk:
    """`GET /v2/slots/available`: `startTime`, `endTime`, `eventTypeId` or `eventTypeSlug` with
    `usernameList[]`, (or two or more `usernameList[]` alone), `timeZone`, `duration`,
    `slotFormat`, `rescheduleUid`."""
    event_type_id = parse_count(_text(params, "eventTypeId"), "eventTypeId")
    slug = _text(params, "eventTypeSlug")
    names = _names([*params.getlist("usernameList[]"), *params.getlist("usernameList")])
    start = parse_instant(_text(params, "startTime"), "startTime")
    end = parse_instant(_text(params, "endTime"), "endTime")
    if start is not None and end is not None:  # refusals name this version's parameters
        validate_range(start, end, ("startTime", "endTime"))
    query = SlotQuery(
        event_type_id=event_type_id,
        username=names[0] if names and slug else None,
        event_slug=slug,
        start=start,
        end=end,
        length_minutes=parse_count(_text(params, "duration"), "duration"),
        reschedule_uid=_text(params, "rescheduleUid"),
        usernames=() if event_type_id or slug else names,
    )
    zone = parse_zone(_text(params, "timeZone"))
    return SlotAsk(query, zone, parse_format(_text(params, "slotFormat"), "slotFormat"))


def legacy_slots(grouped: dict[str, list[dict[str, Any]]], with_end: bool) -> dict[str, Any]:
    """The 2024-09-04 slot map in the legacy shape: `{"slots": {date: [{"time": ...}]}}`, or
    `{startTime, endTime}` items; seated slots add `attendees` (when some) and `bookingUid`."""
    slots: dict[str, list[dict[str, Any]]] = {}
    for day, items in grouped.items():
        out = []
        for item in items:
            legacy = (
                {"startTime": item["start"], "endTime": item["end"]}
                if with_end
                else {"time": item["start"]}
            )
            if item.get("seatsBooked"):
                legacy["attendees"] = item["seatsBooked"]
            if "bookingUid" in item:
                legacy["bookingUid"] = item["bookingUid"]
            out.append(legacy)
        slots[day] = out
    return {"slots": slots}


# -- reservations ------------------------------------------------------------------------------


Instant = UtcInstant
"""A time without an offset is read as UTC (Cal.com parses `slotStart` in UTC)."""
Id = Annotated[int, Field(gt=0, le=MAX_ID)]
Minutes = Annotated[int, Field(gt=0, le=24 * 60)]


class ReserveSlotInput(BaseModel):
    """Cal.com `ReserveSlotInput_2024_09_04` (POST and PATCH)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event_type_id: Id = Field(alias="eventTypeId")
    slot_start: Instant = Field(alias="slotStart")
    slot_duration: Minutes | None = Field(default=None, alias="slotDuration")
    reservation_duration: Minutes | None = Field(default=None, alias="reservationDuration")


class LegacyReserveSlotInput(BaseModel):
    """Cal.com `ReserveSlotInput_2024_04_15` (`POST /v2/slots/reserve`)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event_type_id: Id = Field(alias="eventTypeId")
    slot_utc_start_date: Instant = Field(alias="slotUtcStartDate")
    slot_utc_end_date: Instant = Field(alias="slotUtcEndDate")
    booking_uid: str | None = Field(default=None, alias="bookingUid", max_length=MAX_TEXT)

    def length_minutes(self) -> int:
        minutes, rest = divmod(
            self.slot_utc_end_date - self.slot_utc_start_date, timedelta(minutes=1)
        )
        if minutes <= 0 or rest:
            raise InvalidInput(
                "slotUtcEndDate", "slotUtcEndDate must be a whole number of minutes after the start"
            )
        return minutes


def reservation_output(hold: SlotHold, reservation_minutes: int | None = None) -> dict[str, Any]:
    """`ReserveSlotOutput_2024_09_04`, or `GET`'s `ReservedSlotData` without the duration."""
    data: dict[str, Any] = {
        "eventTypeId": hold.event_type_id,
        "slotStart": iso_instant(hold.start),
        "slotEnd": iso_instant(hold.end),
        "slotDuration": (hold.end - hold.start) // timedelta(minutes=1),
        "reservationUid": hold.uid,
    }
    if reservation_minutes is not None:
        data["reservationDuration"] = reservation_minutes
    data["reservationUntil"] = iso_instant(hold.expires_at)
    return data
