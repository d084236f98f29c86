"""Answer shapes for the OpenAPI document: what the routes' `*_output` mappers return.

Owns: one Pydantic model per answer shape (`MeOutput`, `ScheduleOutput`, `EventTypeOutput`,
`BookingOutput`, ...), `envelope` (Cal.com's `{"status": "success", "data": ...}` around one),
and `ErrorOutput` (the error envelope of `api/errors.py`). These models only document: routes
build their answers as plain dicts (cheaper, and in Cal.com's key order) and never instantiate
them. `tests/api/test_fuzz.py` validates every answer it provokes against this document, so a
mapper and its model cannot drift apart silently. A field without a default is always present;
a field with a default may be absent. Nested settings Cal.com models in detail are `object`s here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.alias_generators import to_camel

from calendula.domain.bookings import BookingStatus

Instant = str
"""An instant as JavaScript prints it (`2024-08-13T15:30:00.000Z`); slots carry an offset."""


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


def envelope(data: Any, name: str, *, paginated: bool = False) -> type[BaseModel]:
    """The success envelope model `name` whose `data` is `data` (a type)."""
    fields: dict[str, Any] = {"status": (Literal["success"], ...), "data": (data, ...)}
    if paginated:
        fields["pagination"] = (PaginationOutput, ...)
    return create_model(name, **fields)


class StatusOutput(BaseModel):
    """A success without data (deletes, releases)."""

    status: Literal["success"]


# -- errors ------------------------------------------------------------------------------------


class Problem(_Out):
    """One refused field, shaped like Cal.com's class-validator entries."""

    property: str
    message: str
    constraints: dict[str, str]
    children: list[Any]


class ErrorDetails(_Out):
    message: str
    error: str
    status_code: int
    field: str | None = None
    errors: list[Problem] | None = None


class ErrorBody(_Out):
    code: str
    message: str
    details: ErrorDetails


class ErrorOutput(_Out):
    """Cal.com's error envelope; `error.details.field` names a bad field (dotted path)."""

    status: Literal["error"]
    timestamp: Instant
    path: str
    error: ErrorBody


# -- me, schedules -----------------------------------------------------------------------------


class MeOutput(_Out):
    id: int
    username: str
    email: str
    name: str | None
    avatar_url: str | None
    bio: str | None
    time_format: int
    default_schedule_id: int | None
    week_start: str
    time_zone: str
    organization_id: None


class AvailabilityOutput(_Out):
    days: list[str]
    start_time: str
    end_time: str


class OverrideOutput(_Out):
    date: str
    start_time: str
    end_time: str


class ScheduleOutput(_Out):
    id: int
    owner_id: int
    name: str
    time_zone: str
    availability: list[AvailabilityOutput]
    is_default: bool
    overrides: list[OverrideOutput]


# -- event types -------------------------------------------------------------------------------


class EventTypeUserOutput(_Out):
    id: int
    name: str | None
    username: str
    avatar_url: str | None
    week_start: str
    brand_color: str | None
    dark_brand_color: str | None
    metadata: dict[str, Any]


class BookingFieldOutput(_Out):
    is_default: bool
    type: str
    slug: str
    required: bool
    label: str
    placeholder: str | None = None
    options: list[Any] | None = None
    disable_on_prefill: bool | None = None
    hidden: bool | None = None


class RecurrenceOutput(_Out):
    """`Recurrence_2024_06_14`: every `interval` weeks, months or years, `occurrences` times."""

    interval: int
    occurrences: int
    frequency: Literal["yearly", "monthly", "weekly"]


class EventTypeOutput(_Out):
    """Cal.com's `EventTypeOutput_2024_06_14` (settings objects are `{disabled: true}` when
    unset), plus Calendula's `minLengthInMinutes` / `maxLengthInMinutes` when set."""

    id: int
    owner_id: int
    length_in_minutes: int
    length_in_minutes_options: list[int] | None = None
    min_length_in_minutes: int | None = None
    max_length_in_minutes: int | None = None
    title: str
    slug: str
    description: str | None
    locations: list[dict[str, Any]]
    booking_fields: list[BookingFieldOutput]
    disable_guests: bool
    slot_interval: int | None
    minimum_booking_notice: int
    before_event_buffer: int
    after_event_buffer: int
    recurrence: RecurrenceOutput | None
    metadata: dict[str, Any]
    price: int
    currency: str
    lock_time_zone_toggle_on_booking_page: bool
    seats_per_time_slot: int | None
    forward_params_success_redirect: None
    success_redirect_url: None
    is_instant_event: bool
    seats_show_availability_count: bool | None
    schedule_id: int | None
    booking_limits_count: dict[str, Any]
    only_show_first_available_slot: bool
    booking_limits_duration: dict[str, Any]
    booking_window: dict[str, Any]
    confirmation_policy: dict[str, Any]
    requires_booker_email_verification: bool
    hide_calendar_notes: bool
    seats: dict[str, Any]
    hidden: bool
    booking_requires_authentication: bool
    users: list[EventTypeUserOutput]
    booking_url: str


class DeletedEventTypeOutput(_Out):
    id: int
    length_in_minutes: int
    title: str
    slug: str


class LegacyEventTypesOutput(_Out):
    """The legacy (no header) list: Cal.com's internal `eventTypeGroups` and `profiles`."""

    event_type_groups: list[dict[str, Any]]
    profiles: list[dict[str, Any]]


# -- slots -------------------------------------------------------------------------------------


class SlotOutput(_Out):
    start: Instant
    end: Instant | None = None
    seats_booked: int | None = None
    seats_remaining: int | None = None
    seats_total: int | None = None
    booking_uid: str | None = None


class LegacySlotsOutput(_Out):
    slots: dict[str, list[dict[str, Any]]]


class ReservationOutput(_Out):
    event_type_id: int
    slot_start: Instant
    slot_end: Instant
    slot_duration: int
    reservation_uid: str
    reservation_duration: int | None = None
    reservation_until: Instant


# -- bookings ----------------------------------------------------------------------------------


class HostOutput(_Out):
    """A host; a booking whose host no longer exists shows one host whose fields are all
    the string `unknown`."""

    id: int | Literal["unknown"]
    name: str
    email: str
    display_email: str
    username: str
    time_zone: str | None = None


class AttendeeOutput(_Out):
    """An attendee in a booking; the attendee endpoints add `id` and `bookingId`, a seated
    booking adds `seatUid`, `bookingFieldsResponses` and `metadata`."""

    id: int | None = None
    booking_id: int | None = None
    name: str
    email: str
    display_email: str
    time_zone: str
    language: str | None
    absent: bool
    phone_number: str | None = None
    seat_uid: str | None = None
    booking_fields_responses: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class EventTypeRef(_Out):
    id: int | None
    slug: str


class BookingOutput(_Out):
    """`BookingOutput_2024_08_13`, or its seated variant (no `guests` or
    `bookingFieldsResponses`; attendees with `seatUid`; `seatUid` of the seat just taken on
    create), or an occurrence of a recurring series (`RecurringBookingOutput_2024_08_13`:
    with `recurringBookingUid`)."""

    id: int
    uid: str
    title: str
    description: str | None
    hosts: list[HostOutput]
    status: BookingStatus
    cancellation_reason: str | None = None
    cancelled_by_email: str | None = None
    rescheduling_reason: str | None = None
    rescheduled_by_email: str | None = None
    rescheduled_from_uid: str | None = None
    rescheduled_to_uid: str | None = None
    start: Instant
    end: Instant
    duration: int
    event_type_id: int | None
    event_type: EventTypeRef | None
    meeting_url: str
    location: str
    absent_host: bool
    created_at: Instant
    updated_at: Instant
    metadata: dict[str, Any]
    rating: None
    ics_uid: str
    attendees: list[AttendeeOutput]
    guests: list[str] | None = None
    booking_fields_responses: dict[str, Any] | None = None
    seat_uid: str | None = None
    recurring_booking_uid: str | None = None


class LegacyBookingOutput(_Out):
    """The raw booking of the legacy (2024-04-15) endpoints: Prisma field names, status in
    upper case (only the fields every integration reads are listed)."""

    id: int
    uid: str
    user_id: int | None
    event_type_id: int | None
    title: str
    start_time: Instant
    end_time: Instant
    status: Literal["ACCEPTED", "PENDING", "CANCELLED", "REJECTED"]
    attendees: list[dict[str, Any]]
    responses: dict[str, Any]
    metadata: dict[str, Any]
    i_cal_uid: str = Field(alias="iCalUID")


class LegacyRecurringInfoOutput(_Out):
    """One recurring series among the listed bookings (Cal.com's 2024-04-15 shape): every
    occurrence counted, listed or not; `bookings` maps ACCEPTED, CANCELLED, REJECTED and
    PENDING to their occurrences' starts."""

    recurring_event_id: str
    count: int
    first_date: Instant | None
    bookings: dict[str, list[Instant]]


class LegacyBookingsOutput(_Out):
    bookings: list[LegacyBookingOutput]
    recurring_info: list[LegacyRecurringInfoOutput]
    next_cursor: int | None


class PaginationOutput(_Out):
    total_items: int
    remaining_items: int
    returned_items: int
    items_per_page: int
    current_page: int
    total_pages: int
    has_next_page: bool
    has_previous_page: bool


class CalendarLinkOutput(_Out):
    label: str
    link: str


class HealthOutput(_Out):
    status: Literal["ok"]
    version: str


# -- webhooks ----------------------------------------------------------------------------------


class UserWebhookOutput(_Out):
    id: str
    user_id: int
    subscriber_url: str
    triggers: list[str]
    active: bool
    payload_template: str | None


class EventTypeWebhookOutput(_Out):
    id: str
    event_type_id: int
    subscriber_url: str
    triggers: list[str]
    active: bool
    payload_template: str | None


class DeliveryAttemptOutput(_Out):
    started_at: Instant
    result: Literal["delivered", "retry", "failed", "cancelled"]
    status_code: int | None
    duration_ms: int
    error: str | None


class DeliveryOutput(_Out):
    id: int
    message_id: str
    trigger: str
    status: Literal["pending", "running", "delivered", "failed", "cancelled"]
    created_at: Instant
    due_at: Instant
    finished_at: Instant | None
    attempt_count: int
    last_error: str | None
    attempts: list[DeliveryAttemptOutput]


class DeliveryLogOutput(_Out):
    webhook_id: str
    active: bool
    consecutive_failures: int
    disabled_at: Instant | None
    disabled_reason: str | None
    deliveries: list[DeliveryOutput]


# -- the answers, by operation -----------------------------------------------------------------

MeResponse = envelope(MeOutput, "MeResponse")
ScheduleResponse = envelope(ScheduleOutput, "ScheduleResponse")
SchedulesResponse = envelope(list[ScheduleOutput], "SchedulesResponse")
DefaultScheduleResponse = envelope(ScheduleOutput | None, "DefaultScheduleResponse")
EventTypeResponse = envelope(EventTypeOutput, "EventTypeResponse")
EventTypesResponse = envelope(list[EventTypeOutput], "EventTypesResponse")
LegacyEventTypesResponse = envelope(LegacyEventTypesOutput, "LegacyEventTypesResponse")
DeletedEventTypeResponse = envelope(DeletedEventTypeOutput, "DeletedEventTypeResponse")
SlotsResponse = envelope(dict[str, list[SlotOutput]], "SlotsResponse")
LegacySlotsResponse = envelope(LegacySlotsOutput, "LegacySlotsResponse")
ReservationResponse = envelope(ReservationOutput, "ReservationResponse")
MaybeReservationResponse = envelope(ReservationOutput | None, "MaybeReservationResponse")
LegacyReservationResponse = envelope(str, "LegacyReservationResponse")
BookingResponse = envelope(BookingOutput, "BookingResponse")
SeriesResponse = envelope(list[BookingOutput], "SeriesResponse")
"""A recurring series: every occurrence in start order (create, get or cancel by series)."""
LegacyBookingResponse = envelope(LegacyBookingOutput, "LegacyBookingResponse")
BookingsResponse = envelope(list[BookingOutput], "BookingsResponse", paginated=True)
LegacyBookingsResponse = envelope(LegacyBookingsOutput, "LegacyBookingsResponse")
AttendeeResponse = envelope(AttendeeOutput, "AttendeeResponse")
AttendeesResponse = envelope(list[AttendeeOutput], "AttendeesResponse")
CalendarLinksResponse = envelope(list[CalendarLinkOutput], "CalendarLinksResponse")
ReferencesResponse = envelope(list[dict[str, Any]], "ReferencesResponse")
UserWebhookResponse = envelope(UserWebhookOutput, "UserWebhookResponse")
UserWebhooksResponse = envelope(list[UserWebhookOutput], "UserWebhooksResponse")
EventTypeWebhookResponse = envelope(EventTypeWebhookOutput, "EventTypeWebhookResponse")
EventTypeWebhooksResponse = envelope(list[EventTypeWebhookOutput], "EventTypeWebhooksResponse")
DeletedWebhooksResponse = envelope(str, "DeletedWebhooksResponse")
DeliveryLogResponse = envelope(DeliveryLogOutput, "DeliveryLogResponse")
DeliveryResponse = envelope(DeliveryOutput, "DeliveryResponse")
