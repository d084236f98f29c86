"""The bookings contract of Cal.com API v2 (2024-08-13, and the legacy 2024-04-15 shapes).

Owns: the request models (camelCase aliases, Pydantic) and the pure output mappings: booking
output (§2.4 of the reference), seated variant, attendees, the list's `pagination` object (§1.5),
calendar links with an RFC 5545 iCalendar event, and the legacy raw booking. Imports domain and
service values; knows nothing of storage.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote, urlencode

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from calendula.api.envelope import iso_instant
from calendula.api.schemas.instants import Instant
from calendula.api.storable import unstorable_text
from calendula.domain.bookings import (
    Attendee,
    Booking,
    BookingStatus,
    ListStatus,
    LocationChoice,
    integration_location,
)
from calendula.domain.errors import InvalidInput
from calendula.services.booking import BookingView, NewBooking, NewGuest
from calendula.services.booking_changes import SeriesSummary
from calendula.services.ports import BookingFilter, SortKey

Language = Literal[
    "ar", "ca", "de", "es", "eu", "he", "id", "ja", "lv", "pl", "ro", "sr", "th", "vi", "az",
    "cs", "el", "es-419", "fi", "hr", "it", "km", "nl", "pt", "ru", "sv", "tr", "zh-CN", "bg",
    "da", "en", "et", "fr", "hu", "iw", "ko", "no", "pt-BR", "sk", "ta", "uk", "zh-TW", "bn",
]  # fmt: skip
Integration = Literal[
    "cal-video", "google-meet", "zoom", "whereby-video", "whatsapp-video", "webex-video",
    "telegram-video", "tandem", "sylaps-video", "skype-video", "sirius-video", "signal-video",
    "shimmer-video", "salesroom-video", "roam-video", "riverside-video", "ping-video",
    "office365-video", "mirotalk-video", "jitsi", "jelly-video", "jelly-conferencing", "huddle",
    "facetime-video", "element-call-video", "eightxeight-video", "discord-video",
    "demodesk-video", "campfire-video",
]  # fmt: skip
LocationType = Literal[
    "address", "link", "phone", "integration", "attendeeAddress", "attendeePhone",
    "attendeeDefined", "organizersDefaultApp",
]  # fmt: skip
SortOrder = Literal["asc", "desc"]

M = TypeVar("M", bound=BaseModel)
_SUB_ADDRESS = re.compile(r"\+[a-zA-Z0-9]{25}")
MAX_DB_INT = 2**31 - 1

# Bounds of the stored columns, so that no input can make the database refuse a write.
Id = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
Name = Annotated[str, Field(max_length=255)]
Email = Annotated[str, Field(max_length=254)]
Zone = Annotated[str, Field(max_length=64)]
Phone = Annotated[str, Field(max_length=64)]


def _reject_unstorable_text(data: Any) -> Any:
    """Refuse strings no database stores (`api.storable`, which every `/v2` route already
    applies to its query and body with the field named; this covers models validated from
    elsewhere). Walks nested lists and objects (metadata, booking-field responses)."""
    found = unstorable_text(data)
    if found:
        raise ValueError(found[1])
    return data


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    _storable = model_validator(mode="before")(_reject_unstorable_text)


def parse(model: type[M], data: Any, where: str = "body") -> M:
    """Validate `data` as `model`; failures become the API's 400 naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [{**e, "loc": (where, *e["loc"])} for e in error.errors(include_url=False)]
        raise RequestValidationError(problems) from None


# -- requests: create ------------------------------------------------------------------------


class AttendeeIn(CamelModel):
    name: Name
    email: Email
    time_zone: Zone
    phone_number: Phone | None = None
    language: Language = "en"

    def to_attendee(self) -> Attendee:
        return Attendee(
            name=self.name,
            email=self.email,
            time_zone=self.time_zone,
            language=self.language,
            phone_number=self.phone_number or None,
        )


class LocationIn(CamelModel):
    """A location object by `type` (§2.3). Create uses the attendee kinds' values; the update
    (`PATCH …/location`) also takes the organiser kinds' values."""

    type: LocationType
    integration: Integration | None = None
    address: str | None = None
    phone: str | None = None
    link: str | None = None
    location: str | None = None

    def value(self) -> str | None:
        by_type = {
            "address": self.address,
            "attendeeAddress": self.address,
            "phone": self.phone,
            "attendeePhone": self.phone,
            "link": self.link,
            "integration": self.integration,
            "attendeeDefined": self.location,
        }
        return by_type.get(self.type)

    def choice(self) -> LocationChoice:
        if self.type == "organizersDefaultApp":
            raise InvalidInput("location.type", "organizersDefaultApp is for team event types")
        return LocationChoice(self.type, self.value())

    def stored(self) -> str:
        """The stored location for an update, where the organiser supplies every value."""
        value = self.value()
        if self.type == "organizersDefaultApp" or not value or not value.strip():
            raise InvalidInput("location", f"a location of type {self.type} needs a value")
        return integration_location(value) if self.type == "integration" else value.strip()


class CreateBookingIn(CamelModel):
    start: Instant
    attendee: AttendeeIn
    event_type_id: Id | None = None
    event_type_slug: str | None = None
    username: str | None = None
    guests: list[str] = Field(default_factory=list)
    location: LocationIn | None = None
    location_text: str | None = None
    meeting_url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    booking_fields_responses: dict[str, Any] = Field(default_factory=dict)
    length_in_minutes: Count | None = None
    reservation_uid: str | None = None
    recurrence_count: Count | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string_location(cls, data: Any) -> Any:
        """A plain string location (URL, phone or free text) is stored as given."""
        if isinstance(data, dict) and isinstance(data.get("location"), str):
            data = {**data, "locationText": data["location"]}
            del data["location"]
        return data

    def to_new_booking(self, idempotency_key: str | None) -> NewBooking:
        location: str | LocationChoice | None = self.location_text or self.meeting_url
        if self.location is not None:
            location = self.location.choice()
        return NewBooking(
            start=self.start,
            attendee=self.attendee.to_attendee(),
            event_type_id=self.event_type_id,
            username=self.username,
            event_slug=self.event_type_slug,
            length_minutes=self.length_in_minutes,
            guests=tuple(self.guests),
            responses=self.booking_fields_responses,
            metadata=self.metadata,
            location=location,
            idempotency_key=idempotency_key,
            hold_uid=self.reservation_uid,
            recurrence_count=self.recurrence_count,
        )


# -- requests: actions -----------------------------------------------------------------------


class RescheduleIn(CamelModel):
    start: Instant
    rescheduling_reason: str | None = None
    rescheduled_by: Name | None = None
    seat_uid: str | None = None


class CancelIn(CamelModel):
    cancellation_reason: str | None = None
    cancel_subsequent_bookings: bool | None = None
    seat_uid: str | None = None


class DeclineIn(CamelModel):
    reason: str | None = None


class AbsentAttendeeIn(CamelModel):
    email: str
    absent: bool


class MarkAbsentIn(CamelModel):
    host: bool | None = None
    attendees: list[AbsentAttendeeIn] = Field(default_factory=list)

    def flags(self) -> dict[str, bool]:
        return {a.email: a.absent for a in self.attendees}


class GuestIn(CamelModel):
    email: Email
    name: Name | None = None
    time_zone: Zone | None = None
    phone_number: Phone | None = None
    language: Language | None = None

    def to_guest(self) -> NewGuest:
        return NewGuest(self.email, self.name, self.time_zone, self.phone_number, self.language)


class AddGuestsIn(CamelModel):
    guests: list[GuestIn] = Field(min_length=1, max_length=10)


class AddAttendeeIn(AttendeeIn):
    pass


class UpdateLocationIn(CamelModel):
    location: LocationIn


# -- requests: list --------------------------------------------------------------------------


def _comma_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class ListBookingsIn(CamelModel):
    status: list[ListStatus] = Field(default_factory=list)
    attendee_email: str | None = None
    attendee_name: str | None = None
    booking_uid: str | None = None
    event_type_ids: list[Id] = Field(default_factory=list)
    event_type_id: Id | None = None
    teams_ids: list[Id] = Field(default_factory=list)
    team_id: Id | None = None
    after_start: Instant | None = None
    before_end: Instant | None = None
    after_created_at: Instant | None = None
    before_created_at: Instant | None = None
    after_updated_at: Instant | None = None
    before_updated_at: Instant | None = None
    sort_start: SortOrder | None = None
    sort_end: SortOrder | None = None
    sort_created: SortOrder | None = None
    sort_updated_at: SortOrder | None = None
    take: int = Field(default=100, ge=1, le=250)
    skip: Count = 0

    _lists = field_validator("status", "event_type_ids", "teams_ids", mode="before")(_comma_list)

    @field_validator(
        "after_start",
        "before_end",
        "after_created_at",
        "before_created_at",
        "after_updated_at",
        "before_updated_at",
    )
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @property
    def asks_for_teams(self) -> bool:
        """Calendula has no team bookings: a team filter matches nothing."""
        return bool(self.teams_ids) or self.team_id is not None

    def to_filter(self) -> BookingFilter:
        sorts = (
            (SortKey.START, self.sort_start),
            (SortKey.END, self.sort_end),
            (SortKey.CREATED, self.sort_created),
            (SortKey.UPDATED, self.sort_updated_at),
        )
        type_ids = [*self.event_type_ids, *([self.event_type_id] if self.event_type_id else [])]
        return BookingFilter(
            statuses=frozenset(self.status),
            attendee_email=self.attendee_email,
            attendee_name=self.attendee_name,
            uid=self.booking_uid,
            event_type_ids=tuple(type_ids),
            after_start=self.after_start,
            before_end=self.before_end,
            after_created=self.after_created_at,
            before_created=self.before_created_at,
            after_updated=self.after_updated_at,
            before_updated=self.before_updated_at,
            sort=tuple((key, order == "desc") for key, order in sorts if order),
            take=self.take,
            skip=self.skip,
        )


def pagination(total: int, take: int, skip: int) -> dict[str, Any]:
    """Cal.com's `PaginationMetaDto`, computed exactly as its API does (§1.5)."""
    safe_skip = min(max(skip, 0), total)
    total_pages = math.ceil(total / take) if take else 0
    current = 0 if total_pages == 0 else min(max(safe_skip // take + 1, 1), total_pages)
    return {
        "totalItems": total,
        "remainingItems": min(max(total - (safe_skip + take), 0), total),
        "returnedItems": min(max(total - safe_skip, 0), take),
        "itemsPerPage": take,
        "currentPage": current,
        "totalPages": total_pages,
        "hasNextPage": safe_skip + take < total,
        "hasPreviousPage": safe_skip > 0,
    }


# -- outputs ---------------------------------------------------------------------------------


def display_email(email: str) -> str:
    """The email without a platform sub-address (`+` and 25 letters or digits)."""
    return _SUB_ADDRESS.sub("", email, count=1)


def host_output(view: BookingView) -> list[dict[str, Any]]:
    if not view.hosts:
        unknown = "unknown"
        return [{k: unknown for k in ("id", "name", "email", "displayEmail", "username")}]
    return [
        {
            "id": user.id,
            "name": user.name or user.username,
            "email": user.email,
            "displayEmail": display_email(user.email),
            "username": user.username,
            "timeZone": user.time_zone,
        }
        for user in view.hosts
    ]


def attendee_output(attendee: Attendee, booking_id: int | None = None) -> dict[str, Any]:
    """An attendee as in a booking; with `booking_id`, as the attendees endpoints give it."""
    out: dict[str, Any] = {}
    if booking_id is not None:
        out.update({"id": attendee.id, "bookingId": booking_id})
    out.update(
        {
            "name": attendee.name,
            "email": attendee.email,
            "displayEmail": display_email(attendee.email),
            "timeZone": attendee.time_zone,
            "language": attendee.language,
            "absent": attendee.absent,
        }
    )
    if attendee.phone_number:
        out["phoneNumber"] = attendee.phone_number
    return out


def _seat_output(attendee: Attendee) -> dict[str, Any]:
    out = attendee_output(attendee)
    out["seatUid"] = attendee.seat_uid
    out["bookingFieldsResponses"] = {"name": attendee.name}  # email left out, as Cal.com does
    out["metadata"] = {}
    return out


def booking_output(view: BookingView, *, viewer_id: int | None = None) -> dict[str, Any]:
    """`BookingOutput_2024_08_13`, or the seated variant for a seated booking (whose attendees
    only a host, or anyone when the event type shows attendees, may see)."""
    b = view.booking
    out: dict[str, Any] = {
        "id": b.id,
        "uid": b.uid,
        "title": b.title,
        "description": b.description,
        "hosts": host_output(view),
        "status": b.status.value,
    }
    if b.status is BookingStatus.CANCELLED:
        out["cancellationReason"] = b.cancellation_reason or ""
        out["cancelledByEmail"] = b.cancelled_by or ""
    optional = {
        "reschedulingReason": b.rescheduling_reason,
        "rescheduledByEmail": b.rescheduled_by,
        "rescheduledFromUid": b.rescheduled_from_uid,
        "rescheduledToUid": b.rescheduled_to_uid,
    }
    out.update({key: value for key, value in optional.items() if value})
    location = b.metadata.get("videoCallUrl") or b.location or ""
    out.update(
        {
            "start": iso_instant(b.start),
            "end": iso_instant(b.end),
            "duration": b.duration_minutes,
            "eventTypeId": b.event_type_id,
            "eventType": _event_type_ref(view),
            "meetingUrl": location,
            "location": location,
            "absentHost": b.absent_host,
            "createdAt": iso_instant(b.created_at),
            "updatedAt": iso_instant(b.updated_at),
            "metadata": {k: v for k, v in b.metadata.items() if k != "videoCallUrl"},
            "rating": None,
            "icsUid": b.ics_uid,
        }
    )
    if b.seats_total is not None:
        out["attendees"] = [_seat_output(a) for a in b.attendees] if _sees(view, viewer_id) else []
        return out
    out["attendees"] = [attendee_output(a) for a in b.attendees]
    out["guests"] = list(b.guests)
    out["bookingFieldsResponses"] = _responses(b)
    if b.recurring_booking_uid is not None:  # RecurringBookingOutput_2024_08_13
        out["recurringBookingUid"] = b.recurring_booking_uid
    return out


def created_output(view: BookingView, email: str, *, viewer_id: int | None) -> dict[str, Any]:
    """The create answer: the booking, plus `seatUid` of the seat taken on a seated one."""
    out = booking_output(view, viewer_id=viewer_id)
    if view.booking.seats_total is not None:
        seats = [a.seat_uid for a in view.booking.attendees if a.email.lower() == email.lower()]
        out["seatUid"] = seats[0] if seats else None
    return out


def _event_type_ref(view: BookingView) -> dict[str, Any] | None:
    if view.event_type is None:
        return None
    return {"id": view.event_type.id, "slug": view.event_type.slug}


def _sees(view: BookingView, viewer_id: int | None) -> bool:
    seats = view.event_type.seats if view.event_type else None
    shown = bool(seats and seats.show_attendee_info)
    return shown or (viewer_id is not None and viewer_id in view.booking.host_ids)


def _responses(b: Booking) -> dict[str, Any]:
    responses = dict(b.responses)
    email = responses.get("email")
    if isinstance(email, str):
        responses["displayEmail"] = display_email(email)
    if b.guests:
        responses["guests"] = list(b.guests)
        responses["displayGuests"] = [display_email(g) for g in b.guests]
    return responses


# -- calendar links --------------------------------------------------------------------------


def calendar_links(booking: Booking) -> list[dict[str, str]]:
    """Add-to-calendar links as Cal.com labels them; the ICS link is a `data:` URI."""
    start, end = _utc_stamp(booking.start), _utc_stamp(booking.end)
    common = {"subject": booking.title, "body": booking.description or ""}
    if booking.location:
        common["location"] = booking.location
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "startdt": iso_instant(booking.start),
        "enddt": iso_instant(booking.end),
        **common,
    }
    google = {"dates": f"{start}/{end}", "text": booking.title, "details": common["body"]}
    if booking.location:
        google["location"] = booking.location
    return [
        {
            "label": "Google Calendar",
            "link": f"https://calendar.google.com/calendar/r/eventedit?{_query(google)}",
        },
        {
            "label": "Microsoft Office",
            "link": f"https://outlook.office.com/calendar/0/deeplink/compose?{_query(outlook)}",
        },
        {
            "label": "Microsoft Outlook",
            "link": f"https://outlook.live.com/calendar/0/deeplink/compose?{_query(outlook)}",
        },
        {"label": "ICS", "link": "data:text/calendar," + quote(ics_event(booking), safe="")},
    ]


def _query(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=quote)


def _utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_event(booking: Booking) -> str:
    """One VEVENT in a VCALENDAR (RFC 5545): CRLF line ends (§3.1), TEXT escaping (§3.3.11),
    lines folded at 75 octets (§3.1), UTC times (§3.3.5). UID is the chain-stable `ics_uid`;
    DTSTAMP is the booking's last change (§3.8.7.2, no METHOD)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Calendula//Bookings//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{_ics_text(booking.ics_uid)}",
        f"DTSTAMP:{_utc_stamp(booking.updated_at)}",
        f"DTSTART:{_utc_stamp(booking.start)}",
        f"DTEND:{_utc_stamp(booking.end)}",
        f"SUMMARY:{_ics_text(booking.title)}",
    ]
    if booking.description:
        lines.append(f"DESCRIPTION:{_ics_text(booking.description)}")
    if booking.location:
        lines.append(f"LOCATION:{_ics_text(booking.location)}")
    status = "CANCELLED" if booking.status is BookingStatus.CANCELLED else "CONFIRMED"
    if booking.status is BookingStatus.PENDING:
        status = "TENTATIVE"
    lines += [f"STATUS:{status}", "END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ics_text(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space."""
    chunks: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            chunks.append(current)
            current, size, limit = "", 0, 74  # the leading space counts
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


# -- legacy (cal-api-version missing or before 2024-08-13) -------------------------------------


class LegacyLocationIn(CamelModel):
    value: str | None = None
    option_value: str | None = None


class LegacyResponsesIn(CamelModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    name: Name
    email: Email
    location: LegacyLocationIn | str | None = None
    guests: list[str] = Field(default_factory=list)
    notes: str | None = None


class LegacyCreateIn(CamelModel):
    start: Instant
    end: Instant | None = None
    event_type_id: Id
    time_zone: Zone
    language: Language = "en"
    metadata: dict[str, Any] = Field(default_factory=dict)
    responses: LegacyResponsesIn
    reschedule_uid: str | None = None

    def to_new_booking(self, idempotency_key: str | None) -> NewBooking:
        r = self.responses
        extra = {k: v for k, v in (r.model_extra or {}).items()}
        if r.notes is not None:
            extra["notes"] = r.notes
        location = r.location
        if isinstance(location, LegacyLocationIn):
            location = location.option_value or location.value
        length = None
        if self.end is not None:
            length = int((self.end - self.start).total_seconds() // 60)
        return NewBooking(
            start=self.start,
            attendee=Attendee(r.name, r.email, self.time_zone, language=self.language),
            event_type_id=self.event_type_id,
            length_minutes=length,
            guests=tuple(r.guests),
            responses=extra,
            metadata=self.metadata,
            location=location,
            idempotency_key=idempotency_key,
        )


class LegacyListIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    _storable = model_validator(mode="before")(_reject_unstorable_text)

    status: ListStatus | None = Field(default=None, alias="filters[status]")
    attendee_email: str | None = Field(default=None, alias="filters[attendeeEmail]")
    attendee_name: str | None = Field(default=None, alias="filters[attendeeName]")
    event_type_ids: list[Id] = Field(default_factory=list, alias="filters[eventTypeIds]")
    cursor: Count = 0
    limit: int = Field(default=10, ge=1, le=250)

    _lists = field_validator("event_type_ids", mode="before")(_comma_list)

    def to_filter(self) -> BookingFilter:
        return BookingFilter(
            statuses=frozenset([self.status] if self.status else []),
            attendee_email=self.attendee_email,
            attendee_name=self.attendee_name,
            event_type_ids=tuple(self.event_type_ids),
            take=self.limit,
            skip=self.cursor,
        )


LEGACY_SERIES_STATUSES = (
    BookingStatus.ACCEPTED,
    BookingStatus.CANCELLED,
    BookingStatus.REJECTED,
    BookingStatus.PENDING,
)
"""The statuses Cal.com's `recurringInfo[].bookings` always lists, in its order."""


def legacy_recurring_info(summary: SeriesSummary) -> dict[str, Any]:
    """One entry of the legacy list's `recurringInfo`, as Cal.com's (2024-04-15) bookings
    handler builds it: the series uid, its number of occurrences, the first one's start and
    the starts of its occurrences by upper-case status."""
    first = summary.first_start
    return {
        "recurringEventId": summary.recurring_booking_uid,
        "count": summary.count,
        "firstDate": iso_instant(first) if first is not None else None,
        "bookings": {
            status.value.upper(): [iso_instant(start) for start in summary.starts[status]]
            for status in LEGACY_SERIES_STATUSES
        },
    }


def legacy_booking_output(view: BookingView) -> dict[str, Any]:
    """The raw booking the legacy (2024-04-15) endpoints answer with: Prisma field names,
    status in upper case."""
    b = view.booking
    owner = view.hosts[0] if view.hosts else None
    return {
        "id": b.id,
        "uid": b.uid,
        "userId": b.owner_id,
        "userPrimaryEmail": owner.email if owner else None,
        "eventTypeId": b.event_type_id,
        "title": b.title,
        "description": b.description,
        "customInputs": {},
        "responses": dict(b.responses) | ({"guests": list(b.guests)} if b.guests else {}),
        "startTime": iso_instant(b.start),
        "endTime": iso_instant(b.end),
        "location": b.location,
        "createdAt": iso_instant(b.created_at),
        "updatedAt": iso_instant(b.updated_at),
        "status": b.status.value.upper(),
        "paid": False,
        "payment": [],
        "references": [],
        "isRecorded": False,
        "seatsReferences": [],
        "cancellationReason": b.cancellation_reason,
        "rejectionReason": b.rejection_reason,
        "rescheduled": True if b.rescheduled_to_uid else None,
        "fromReschedule": b.rescheduled_from_uid,
        "recurringEventId": b.recurring_booking_uid,
        "metadata": dict(b.metadata),
        "iCalUID": b.ics_uid,
        "noShowHost": b.absent_host,
        "eventType": _event_type_ref(view),
        "user": {"id": owner.id, "name": owner.name, "email": owner.email} if owner else None,
        "attendees": [
            {
                "id": a.id,
                "email": a.email,
                "name": a.name,
                "timeZone": a.time_zone,
                "locale": a.language,
                "bookingId": b.id,
                "noShow": a.absent,
            }
            for a in b.attendees
        ],
    }
