"""`/v2/event-types` (cal-api-version 2024-06-14): bodies in, `EventTypeOutput_2024_06_14` out.

Owns: the create/update bodies and the list query, `event_type_from_input` /
`event_type_changes` (body -> domain `EventType`), and the output mappers (`event_type_output`,
`dynamic_event_type_output`, `deleted_output`, and the legacy `eventTypeGroups` list).
One module because it is one contract: Cal.com's event-type shape in and out (hence its length).

Mapping decisions where Cal.com and the domain differ:
- `{disabled: true}` resets a setting on input and is what output shows for an unset
  `bookingLimitsCount`, `bookingLimitsDuration`, `bookingWindow`, `confirmationPolicy`, `seats`.
- Booking fields: only fields sent are stored (default ones with `is_default`); output is always
  the whole Cal.com form: name, email, location (only with two or more locations), the custom
  fields in order, then title, notes, guests, rescheduleReason, each default taking what was
  stored for it. The email and name fields must stay required and visible (Cal.com's rule).
- Presentation details the domain has no place for (`disableOnPrefill`, the notice-threshold
  unit) live under the `calendula.api` key of the event type's metadata, which output hides
  (Cal.com keeps its own such keys in metadata the same way).
- `locations` omitted means none (Calendula has no Cal Video to default to).
- `recurrence` (`Recurrence_2024_06_14` or disabled) is mapped in `schemas.recurrence`; output
  shows `null` when the event type does not recur. Other Cal.com fields Calendula does not
  model (`color`, `bookerLayouts`, ...) are ignored like any unknown field.
- Extension: `minLengthInMinutes` / `maxLengthInMinutes` (free-duration bookings) in and out,
  only present in output when set.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr
from pydantic.alias_generators import to_camel

from calendula.api.schemas.recurrence import (
    RecurrenceInput,
    legacy_recurring_event,
    recurrence_from_input,
    recurrence_output,
)
from calendula.api.storable import StorableText
from calendula.domain.accounts import User
from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import (
    BookingField,
    BookingWindow,
    ConfirmationMode,
    ConfirmationPolicy,
    EventType,
    FieldType,
    Location,
    PeriodLimits,
    Seats,
    WindowKind,
)

MAX_INT = 2**31 - 1
API_METADATA_KEY = "calendula.api"
ALWAYS_SHOWN_MESSAGES = {
    "email": "checkIsEmailUserAccessible - Email booking field must be required and visible",
    "name": "Name booking field must be required and visible",
}
INTEGRATIONS = (
    "cal-video", "google-meet", "zoom", "whereby-video", "whatsapp-video", "webex-video",
    "telegram-video", "tandem", "sylaps-video", "skype-video", "sirius-video", "signal-video",
    "shimmer-video", "salesroom-video", "roam-video", "riverside-video", "ping-video",
    "office365-video", "mirotalk-video", "jitsi", "jelly-video", "jelly-conferencing", "huddle",
    "facetime-video", "element-call-video", "eightxeight-video", "discord-video",
    "demodesk-video", "campfire-video",
)  # fmt: skip
PERIODS = ("day", "week", "month", "year")


def _is_integration(value: str) -> str:
    if value not in INTEGRATIONS:
        raise ValueError(f"integration must be one of: {', '.join(INTEGRATIONS)}")
    return value


Int = Annotated[int, Field(strict=True, ge=-MAX_INT, le=MAX_INT)]
Text = StorableText
Title = Annotated[Text, Field(min_length=1, max_length=255)]
Slug = Annotated[Text, Field(max_length=255)]
Url = Annotated[Text, Field(pattern=r"^https?://\S+$")]


class _Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


# -- locations (Cal.com's InputLocation_2024_06_14) -----------------------------------------


class AddressLocationInput(_Input):
    type: Literal["address"]
    address: Text
    public: StrictBool = False


class LinkLocationInput(_Input):
    type: Literal["link"]
    link: Url
    public: StrictBool = False


class PhoneLocationInput(_Input):
    type: Literal["phone"]
    phone: Text
    public: StrictBool = False


class IntegrationLocationInput(_Input):
    type: Literal["integration"]
    integration: Annotated[StrictStr, AfterValidator(_is_integration)]


class AttendeeLocationInput(_Input):
    type: Literal["attendeeAddress", "attendeePhone", "attendeeDefined"]


LocationInput = Annotated[
    AddressLocationInput
    | LinkLocationInput
    | PhoneLocationInput
    | IntegrationLocationInput
    | AttendeeLocationInput,
    Field(discriminator="type"),
]


def _location(item: LocationInput) -> Location:
    if isinstance(item, AddressLocationInput):
        return Location(item.type, item.address, item.public)
    if isinstance(item, LinkLocationInput):
        return Location(item.type, item.link, item.public)
    if isinstance(item, PhoneLocationInput):
        return Location(item.type, item.phone, item.public)
    if isinstance(item, IntegrationLocationInput):
        return Location(item.type, item.integration)
    return Location(item.type)


def _location_output(location: Location) -> dict[str, Any]:
    kind, value = location.kind, location.value or ""
    if kind in ("address", "link", "phone"):
        return {"type": kind, kind: value, "public": location.public}
    if kind == "integration":
        return {"type": kind, "integration": value}
    if kind in ("attendeeAddress", "attendeePhone", "attendeeDefined"):
        return {"type": kind}
    return {"type": "unknown", "location": json.dumps({"type": kind, "value": location.value})}


# -- booking fields (Cal.com's InputBookingField_2024_06_14) --------------------------------


class BookingFieldInput(_Input):
    """One entry of `bookingFields`: a default field (by `type` name/email, or by `slug`
    title/notes/guests/rescheduleReason/location) or a custom field (by `type`)."""

    type: Text | None = None
    slug: Text | None = None
    label: Text | None = None
    required: StrictBool | None = None
    placeholder: Text | None = None
    hidden: StrictBool | None = None
    options: list[Text] | None = None
    disable_on_prefill: StrictBool | None = None


@dataclass(frozen=True, slots=True)
class _DefaultField:
    slug: str
    type: FieldType
    label: str
    required: bool
    hidden: bool


_DEFAULTS_BEFORE = (
    _DefaultField("name", FieldType.NAME, "Your name", True, False),
    _DefaultField("email", FieldType.EMAIL, "Email address", True, False),
    _DefaultField("location", FieldType.RADIO_INPUT, "Location", False, False),
)
_DEFAULTS_AFTER = (
    _DefaultField("title", FieldType.TEXT, "What is this meeting about?", False, True),
    _DefaultField("notes", FieldType.TEXTAREA, "Additional notes", False, False),
    _DefaultField("guests", FieldType.MULTIEMAIL, "Add guests", False, False),
    _DefaultField("rescheduleReason", FieldType.TEXTAREA, "Reason for reschedule", False, False),
)
DEFAULT_FIELDS = {d.slug: d for d in (*_DEFAULTS_BEFORE, *_DEFAULTS_AFTER)}
CUSTOM_TYPES = (
    "phone", "address", "text", "number", "textarea", "select", "multiselect", "multiemail",
    "checkbox", "radio", "boolean", "url",
)  # fmt: skip
OPTION_TYPES = frozenset({"select", "multiselect", "checkbox", "radio"})
NO_PLACEHOLDER_TYPES = frozenset({"boolean", "multiselect", "checkbox", "radio"})
FIELD_SLUG_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
)


def _default_field(name: str, slug: str, item: BookingFieldInput) -> BookingField:
    default = DEFAULT_FIELDS[slug]
    required = default.required if item.required is None else item.required
    hidden = default.hidden if item.hidden is None else item.hidden
    if slug in ("name", "email") and (not required or hidden):
        raise InvalidInput(name, ALWAYS_SHOWN_MESSAGES[slug])
    return BookingField(
        default.type,
        slug,
        item.label or "",
        required,
        hidden,
        item.placeholder or "",
        is_default=True,
    )


def _custom_field(name: str, item: BookingFieldInput) -> BookingField:
    if item.type not in CUSTOM_TYPES:
        raise InvalidInput(f"{name}.type", f"type must be one of: {', '.join(CUSTOM_TYPES)}")
    slug = item.slug or ""
    if not slug or len(slug) > 100 or not set(slug) <= FIELD_SLUG_CHARACTERS:
        raise InvalidInput(f"{name}.slug", "slug must be 1-100 letters, digits, '-' or '_'")
    if slug in DEFAULT_FIELDS:
        raise InvalidInput(f"{name}.slug", f"slug {slug!r} is the default {slug} field's")
    if item.label is None:
        raise InvalidInput(f"{name}.label", "label is required")
    if item.type in OPTION_TYPES and not item.options:
        raise InvalidInput(f"{name}.options", f"a {item.type} field needs options")
    return BookingField(
        FieldType(item.type),
        slug,
        item.label,
        bool(item.required),
        bool(item.hidden),
        item.placeholder or "",
        tuple(item.options or ()),
    )


def booking_fields_from_input(
    items: Sequence[BookingFieldInput],
) -> tuple[tuple[BookingField, ...], list[str]]:
    """The fields to store and the slugs whose `disableOnPrefill` is set."""
    fields: list[BookingField] = []
    for index, item in enumerate(items):
        name = f"bookingFields.{index}"
        if item.type in ("name", "email"):
            if item.slug not in (None, item.type):
                raise InvalidInput(f"{name}.slug", f"the default {item.type} field's slug is fixed")
            field = _default_field(name, item.type, item)
        elif item.slug in DEFAULT_FIELDS and item.slug not in ("name", "email"):
            field = _default_field(name, item.slug, item)
        else:
            field = _custom_field(name, item)
        if field.slug in (f.slug for f in fields):
            raise InvalidInput(f"{name}.slug", f"slug {field.slug!r} is used twice")
        fields.append(field)
    prefill = [f.slug for f, item in zip(fields, items, strict=True) if item.disable_on_prefill]
    return tuple(fields), prefill


def _default_field_output(
    default: _DefaultField, stored: BookingField | None, et: EventType, prefill: Set[str]
) -> dict[str, Any]:
    label = (stored.label if stored else "") or default.label
    required = stored.required if stored else default.required
    hidden = (stored.hidden if stored else default.hidden) or (
        default.slug == "guests" and et.disable_guests
    )
    out: dict[str, Any] = {
        "isDefault": True,
        "type": default.type.value,
        "slug": default.slug,
        "required": required,
        "label": label,
    }
    if default.slug == "location":
        return {**out, "hidden": hidden}
    out["placeholder"] = stored.placeholder if stored else ""
    out["disableOnPrefill"] = default.slug in prefill
    if default.slug != "name":
        out["hidden"] = hidden
    return out


def _custom_field_output(field: BookingField, prefill: Set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "isDefault": False,
        "type": field.type.value,
        "slug": field.slug,
        "label": field.label,
        "required": field.required,
    }
    if field.type.value not in NO_PLACEHOLDER_TYPES:
        out["placeholder"] = field.placeholder
    if field.type.value in OPTION_TYPES:
        out["options"] = list(field.options)
    out["disableOnPrefill"] = field.slug in prefill
    out["hidden"] = field.hidden
    return out


def _booking_fields_output(et: EventType, prefill: Set[str]) -> list[dict[str, Any]]:
    stored = {f.slug: f for f in et.booking_fields if f.is_default}
    before = [d for d in _DEFAULTS_BEFORE if d.slug != "location" or len(et.locations) >= 2]
    return [
        *(_default_field_output(d, stored.get(d.slug), et, prefill) for d in before),
        *(_custom_field_output(f, prefill) for f in et.booking_fields if not f.is_default),
        *(_default_field_output(d, stored.get(d.slug), et, prefill) for d in _DEFAULTS_AFTER),
    ]


# -- policies: limits, window, confirmation, seats -------------------------------------------


class LimitsInput(_Input):
    """`{day?, week?, month?, year?}` or `{disabled: true}`."""

    day: Int | None = None
    week: Int | None = None
    month: Int | None = None
    year: Int | None = None
    disabled: StrictBool | None = None


class BookingWindowInput(_Input):
    """`{type: businessDays|calendarDays, value, rolling?}`, `{type: range, value: [d1, d2]}`
    or `{disabled: true}`."""

    type: Literal["businessDays", "calendarDays", "range"] | None = None
    value: Int | list[date] | None = None
    rolling: StrictBool | None = None
    disabled: StrictBool | None = None


class NoticeThresholdInput(_Input):
    unit: Literal["minutes", "hours"]
    count: Int


class ConfirmationPolicyInput(_Input):
    type: Literal["always", "time"] | None = None
    notice_threshold: NoticeThresholdInput | None = None
    block_unconfirmed_bookings_in_booker: StrictBool | None = None
    disabled: StrictBool | None = None


class SeatsInput(_Input):
    seats_per_time_slot: Int | None = None
    show_attendee_info: StrictBool | None = None
    show_availability_count: StrictBool | None = None
    disabled: StrictBool | None = None


def _limits(value: LimitsInput | None, name: str, multiple_of: int = 1) -> PeriodLimits:
    if value is None or value.disabled:
        return PeriodLimits()
    for period in PERIODS:
        amount = getattr(value, period)
        if amount is not None and amount % multiple_of:
            raise InvalidInput(f"{name}.{period}", f"{name}.{period} must be a multiple of 15")
    return PeriodLimits(value.day, value.week, value.month, value.year)


def _limits_output(limits: PeriodLimits) -> dict[str, Any]:
    if not limits.is_set:
        return {"disabled": True}
    return {p: getattr(limits, p) for p in PERIODS if getattr(limits, p) is not None}


def _window(value: BookingWindowInput | None) -> BookingWindow | None:
    if value is None or value.disabled:
        return None
    if value.type is None:
        raise InvalidInput("bookingWindow.type", "bookingWindow needs a type unless disabled")
    if value.type == "range":
        if not isinstance(value.value, list) or len(value.value) != 2:
            raise InvalidInput("bookingWindow.value", "a range needs [startDate, endDate]")
        return BookingWindow(WindowKind.RANGE, start_date=value.value[0], end_date=value.value[1])
    if not isinstance(value.value, int):
        raise InvalidInput("bookingWindow.value", "bookingWindow.value must be a number of days")
    return BookingWindow(WindowKind(value.type), days=value.value, rolling=bool(value.rolling))


def _window_output(window: BookingWindow | None) -> dict[str, Any]:
    if window is None:
        return {"disabled": True}
    if window.kind is WindowKind.RANGE:
        dates = (window.start_date, window.end_date)
        return {"type": "range", "value": [d.isoformat() if d else None for d in dates]}
    return {"type": window.kind.value, "value": window.days, "rolling": window.rolling}


def _confirmation(
    value: ConfirmationPolicyInput | None,
) -> tuple[ConfirmationPolicy | None, str | None]:
    """The policy and the notice-threshold unit the caller used (to answer in kind)."""
    if value is None or value.disabled:
        return None, None
    if value.type is None:
        raise InvalidInput("confirmationPolicy.type", "confirmationPolicy needs a type")
    block = bool(value.block_unconfirmed_bookings_in_booker)
    if value.type == "always":
        return ConfirmationPolicy(ConfirmationMode.ALWAYS, None, block), None
    threshold = value.notice_threshold
    if threshold is None:
        raise InvalidInput("confirmationPolicy.noticeThreshold", "type time needs a threshold")
    if threshold.count <= 0:
        raise InvalidInput("confirmationPolicy.noticeThreshold.count", "count must be > 0")
    minutes = threshold.count * (60 if threshold.unit == "hours" else 1)
    return ConfirmationPolicy(ConfirmationMode.TIME, minutes, block), threshold.unit


def _confirmation_output(policy: ConfirmationPolicy | None, unit: str | None) -> dict[str, Any]:
    if policy is None:
        return {"disabled": True}
    out: dict[str, Any] = {"type": policy.mode.value}
    if policy.mode is ConfirmationMode.TIME and policy.notice_threshold_minutes is not None:
        minutes = policy.notice_threshold_minutes
        if unit == "hours" and minutes % 60 == 0:
            out["noticeThreshold"] = {"unit": "hours", "count": minutes // 60}
        else:
            out["noticeThreshold"] = {"unit": "minutes", "count": minutes}
    out["blockUnconfirmedBookingsInBooker"] = policy.block_pending
    return out


def _seats(value: SeatsInput | None) -> Seats | None:
    if value is None or value.disabled:
        return None
    if value.seats_per_time_slot is None:
        raise InvalidInput("seats.seatsPerTimeSlot", "seatsPerTimeSlot is required")
    return Seats(
        value.seats_per_time_slot,
        bool(value.show_attendee_info),
        True if value.show_availability_count is None else value.show_availability_count,
    )


def _seats_output(seats: Seats | None) -> dict[str, Any]:
    if seats is None:
        return {"disabled": True}
    return {
        "seatsPerTimeSlot": seats.per_slot,
        "showAttendeeInfo": seats.show_attendee_info,
        "showAvailabilityCount": seats.show_availability_count,
    }


# -- the bodies ------------------------------------------------------------------------------


class UpdateEventTypeInput(_Input):
    """Cal.com's `UpdateEventTypeInput_2024_06_14` (every field optional) plus Calendula's
    `minLengthInMinutes` / `maxLengthInMinutes`."""

    length_in_minutes: Int | None = None
    length_in_minutes_options: list[Int] | None = None
    title: Title | None = None
    slug: Slug | None = None
    description: Text | None = None
    locations: list[LocationInput] | None = None
    booking_fields: list[BookingFieldInput] | None = None
    disable_guests: StrictBool | None = None
    slot_interval: Int | None = None
    minimum_booking_notice: Int | None = None
    before_event_buffer: Int | None = None
    after_event_buffer: Int | None = None
    schedule_id: Int | None = None
    booking_limits_count: LimitsInput | None = None
    booking_limits_duration: LimitsInput | None = None
    only_show_first_available_slot: StrictBool | None = None
    booking_window: BookingWindowInput | None = None
    confirmation_policy: ConfirmationPolicyInput | None = None
    seats: SeatsInput | None = None
    hidden: StrictBool | None = None
    recurrence: RecurrenceInput | None = None
    min_length_in_minutes: Int | None = None
    max_length_in_minutes: Int | None = None


class CreateEventTypeInput(UpdateEventTypeInput):
    """Cal.com's `CreateEventTypeInput_2024_06_14`: `lengthInMinutes`, `title`, `slug`
    required."""

    length_in_minutes: Int
    title: Title
    slug: Slug


NOT_NULL = {"length_in_minutes": "lengthInMinutes", "title": "title", "slug": "slug"}


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A body turned into domain field values (only for the fields sent) and the API-only
    presentation details to keep in metadata."""

    fields: dict[str, Any]
    api_details: dict[str, Any]


def _simple_fields(body: UpdateEventTypeInput, sent: Set[str]) -> dict[str, Any]:
    for attr, alias in NOT_NULL.items():
        if attr in sent and getattr(body, attr) is None:
            raise InvalidInput(alias, f"{alias} must not be null")
    direct = {
        "length_in_minutes": ("length_minutes", body.length_in_minutes),
        "length_in_minutes_options": (
            "length_options",
            tuple(body.length_in_minutes_options or ()),
        ),
        "title": ("title", body.title),
        "slug": ("slug", body.slug),
        "description": ("description", body.description or ""),
        "locations": ("locations", tuple(_location(x) for x in body.locations or ())),
        "disable_guests": ("disable_guests", bool(body.disable_guests)),
        "slot_interval": ("slot_interval_minutes", body.slot_interval),
        "minimum_booking_notice": ("minimum_notice_minutes", body.minimum_booking_notice or 0),
        "before_event_buffer": ("before_buffer_minutes", body.before_event_buffer or 0),
        "after_event_buffer": ("after_buffer_minutes", body.after_event_buffer or 0),
        "schedule_id": ("schedule_id", body.schedule_id),
        "only_show_first_available_slot": (
            "only_first_slot_of_day",
            bool(body.only_show_first_available_slot),
        ),
        "hidden": ("hidden", bool(body.hidden)),
        "min_length_in_minutes": ("min_length_minutes", body.min_length_in_minutes),
        "max_length_in_minutes": ("max_length_minutes", body.max_length_in_minutes),
    }
    return {field: value for attr, (field, value) in direct.items() if attr in sent}


def _parse(body: UpdateEventTypeInput, sent: Set[str]) -> _Parsed:
    fields = _simple_fields(body, sent)
    if "recurrence" in sent:
        fields["recurrence"] = recurrence_from_input(body.recurrence)
    details: dict[str, Any] = {}
    if "booking_fields" in sent:
        fields["booking_fields"], details["disableOnPrefill"] = booking_fields_from_input(
            body.booking_fields or ()
        )
    if "booking_limits_count" in sent:
        fields["booking_limits_count"] = _limits(body.booking_limits_count, "bookingLimitsCount")
    if "booking_limits_duration" in sent:
        fields["booking_limits_duration"] = _limits(
            body.booking_limits_duration, "bookingLimitsDuration", multiple_of=15
        )
    if "booking_window" in sent:
        fields["booking_window"] = _window(body.booking_window)
    if "confirmation_policy" in sent:
        fields["confirmation"], details["noticeThresholdUnit"] = _confirmation(
            body.confirmation_policy
        )
    if "seats" in sent:
        fields["seats"] = _seats(body.seats)
    return _Parsed(fields, details)


def _with_details(metadata: dict[str, Any], details: dict[str, Any]) -> dict[str, Any]:
    merged = {**metadata.get(API_METADATA_KEY, {}), **details}
    kept = {k: v for k, v in merged.items() if v}
    rest = {k: v for k, v in metadata.items() if k != API_METADATA_KEY}
    return {**rest, API_METADATA_KEY: kept} if kept else rest


def event_type_from_input(body: CreateEventTypeInput, owner_id: int) -> EventType:
    """A new event type (no id yet). Raises `InvalidInput` naming the first bad field."""
    parsed = _parse(body, body.model_fields_set)
    return EventType(
        id=None, owner_id=owner_id, metadata=_with_details({}, parsed.api_details), **parsed.fields
    )


def event_type_changes(body: UpdateEventTypeInput) -> Callable[[EventType], EventType]:
    """The partial update as a function of the current event type (fields not sent stay;
    `{disabled: true}` or `null` resets a setting). Raises `InvalidInput` for a bad body."""
    parsed = _parse(body, body.model_fields_set)

    def change(current: EventType) -> EventType:
        metadata = _with_details(current.metadata, parsed.api_details)
        return dataclasses.replace(current, metadata=metadata, **parsed.fields)

    return change


class EventTypesQuery(_Input):
    """`GET /v2/event-types` query parameters (`orgSlug`/`orgId` are accepted and ignored:
    Calendula has no organizations)."""

    username: Text | None = None
    event_slug: Text | None = None
    usernames: Text | None = None
    org_slug: Text | None = None
    org_id: Int | None = None
    sort_created_at: Literal["asc", "desc"] | None = None

    def username_list(self) -> list[str]:
        """`usernames` split at commas; at least two are needed for a group event type."""
        names = [n.strip() for n in (self.usernames or "").split(",") if n.strip()]
        if len(names) < 2:
            raise InvalidInput("usernames", "usernames must list at least 2 usernames")
        return names


# -- output ----------------------------------------------------------------------------------


def booking_url(base_url: str, username: str, slug: str) -> str:
    return f"{base_url.rstrip('/')}/{username}/{slug}"


def _user_output(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "username": user.username,
        "avatarUrl": user.avatar_url,
        "weekStart": user.week_start,
        "brandColor": user.brand_color,
        "darkBrandColor": user.dark_brand_color,
        "metadata": user.metadata,
    }


def event_type_output(
    et: EventType, users: Sequence[User], url: str, *, visible_fields_only: bool = False
) -> dict[str, Any]:
    """Cal.com's `EventTypeOutput_2024_06_14`. `visible_fields_only` drops hidden booking
    fields (what Cal.com's public list shows)."""
    details = et.metadata.get(API_METADATA_KEY, {})
    fields = _booking_fields_output(et, frozenset(details.get("disableOnPrefill", ())))
    out: dict[str, Any] = {
        "id": et.id,
        "ownerId": et.owner_id,
        "lengthInMinutes": et.length_minutes,
        **({"lengthInMinutesOptions": list(et.length_options)} if et.length_options else {}),
        "title": et.title,
        "slug": et.slug,
        "description": et.description,
        "locations": [_location_output(x) for x in et.locations],
        "bookingFields": [f for f in fields if not (visible_fields_only and f.get("hidden"))],
        "disableGuests": et.disable_guests,
        "slotInterval": et.slot_interval_minutes,
        "minimumBookingNotice": et.minimum_notice_minutes,
        "beforeEventBuffer": et.before_buffer_minutes,
        "afterEventBuffer": et.after_buffer_minutes,
        "recurrence": recurrence_output(et.recurrence),
        "metadata": {k: v for k, v in et.metadata.items() if k != API_METADATA_KEY},
        "price": 0,
        "currency": "usd",
        "lockTimeZoneToggleOnBookingPage": False,
        "seatsPerTimeSlot": et.seats.per_slot if et.seats else None,
        "forwardParamsSuccessRedirect": None,
        "successRedirectUrl": None,
        "isInstantEvent": False,
        "seatsShowAvailabilityCount": et.seats.show_availability_count if et.seats else None,
        "scheduleId": et.schedule_id,
        "bookingLimitsCount": _limits_output(et.booking_limits_count),
        "onlyShowFirstAvailableSlot": et.only_first_slot_of_day,
        "bookingLimitsDuration": _limits_output(et.booking_limits_duration),
        "bookingWindow": _window_output(et.booking_window),
        "confirmationPolicy": _confirmation_output(
            et.confirmation, details.get("noticeThresholdUnit")
        ),
        "requiresBookerEmailVerification": False,
        "hideCalendarNotes": False,
        "seats": _seats_output(et.seats),
        "hidden": et.hidden,
        "bookingRequiresAuthentication": False,
        "users": [_user_output(u) for u in users],
        "bookingUrl": url,
    }
    if et.min_length_minutes is not None:
        out["minLengthInMinutes"] = et.min_length_minutes
    if et.max_length_minutes is not None:
        out["maxLengthInMinutes"] = et.max_length_minutes
    return out


def owned_event_type_output(
    et: EventType, owner: User, base_url: str, *, visible_fields_only: bool = False
) -> dict[str, Any]:
    url = booking_url(base_url, owner.username, et.slug)
    return event_type_output(et, [owner], url, visible_fields_only=visible_fields_only)


DYNAMIC_EVENT_TYPE = EventType(id=0, owner_id=0, slug="dynamic", title="Dynamic", length_minutes=30)


def dynamic_event_type_output(users: Sequence[User], base_url: str) -> dict[str, Any]:
    """Cal.com's dynamic group event type for `usernames` (id and ownerId 0); its booking
    page is `{base}/{user1}+{user2}...`."""
    url = f"{base_url.rstrip('/')}/{'+'.join(u.username for u in users)}" if users else ""
    return event_type_output(DYNAMIC_EVENT_TYPE, users, url, visible_fields_only=True)


def deleted_output(et: EventType) -> dict[str, Any]:
    """Cal.com's `DeleteData_2024_06_14`."""
    return {"id": et.id, "lengthInMinutes": et.length_minutes, "title": et.title, "slug": et.slug}


def sorted_by_creation(
    event_types: Iterable[EventType], order: Literal["asc", "desc"] | None
) -> list[EventType]:
    """`sortCreatedAt`: ids grow with creation time."""
    return sorted(event_types, key=lambda et: et.id or 0, reverse=order == "desc")


# -- legacy list (no header, 2024-04-15, 2024-06-11) ------------------------------------------

_LEGACY_INTEGRATIONS = {
    "cal-video": "integrations:daily",
    "google-meet": "integrations:google:meet",
    "zoom": "integrations:zoom",
    "office365-video": "integrations:office365_video",
}
_LEGACY_LOCATION_TYPES = {
    "attendeeAddress": "attendeeInPerson",
    "attendeePhone": "phone",
    "attendeeDefined": "somewhereElse",
}
_LEGACY_PERIODS = {"day": "PER_DAY", "week": "PER_WEEK", "month": "PER_MONTH", "year": "PER_YEAR"}


def _legacy_location(location: Location) -> dict[str, Any]:
    """Cal.com's internal location form (what the legacy API returned)."""
    shown = {"displayLocationPublicly": location.public}
    match location.kind:
        case "address":
            return {"type": "inPerson", "address": location.value, **shown}
        case "link":
            return {"type": "link", "link": location.value, **shown}
        case "phone":
            return {"type": "userPhone", "hostPhoneNumber": location.value, **shown}
        case "integration":
            name = location.value or ""
            return {"type": _LEGACY_INTEGRATIONS.get(name, f"integrations:{name}")}
    return {"type": _LEGACY_LOCATION_TYPES.get(location.kind, location.kind)}


def _legacy_limits(limits: PeriodLimits) -> dict[str, int] | None:
    if not limits.is_set:
        return None
    return {_LEGACY_PERIODS[p]: getattr(limits, p) for p in PERIODS if getattr(limits, p)}


def _legacy_period(window: BookingWindow | None) -> dict[str, Any]:
    if window is None:
        kind = "UNLIMITED"
    elif window.kind is WindowKind.RANGE:
        kind = "RANGE"
    else:
        kind = "ROLLING_WINDOW" if window.rolling else "ROLLING"
    start = window.start_date if window else None
    end = window.end_date if window else None
    return {
        "periodType": kind,
        "periodStartDate": f"{start.isoformat()}T00:00:00.000Z" if start else None,
        "periodEndDate": f"{end.isoformat()}T00:00:00.000Z" if end else None,
        "periodDays": window.days if window else None,
        "periodCountCalendarDays": bool(window and window.kind is WindowKind.CALENDAR_DAYS),
    }


def _legacy_event_type(et: EventType) -> dict[str, Any]:
    """One event type with Cal.com's internal field names (`length`, `userId`, ...)."""
    return {
        "id": et.id,
        "title": et.title,
        "slug": et.slug,
        "length": et.length_minutes,
        "description": et.description,
        "hidden": et.hidden,
        "position": 0,
        "userId": et.owner_id,
        "teamId": None,
        "parentId": None,
        "eventName": None,
        "locations": [_legacy_location(x) for x in et.locations],
        "offsetStart": 0,
        "timeZone": None,
        **_legacy_period(et.booking_window),
        "lockTimeZoneToggleOnBookingPage": False,
        "requiresConfirmation": et.confirmation is not None,
        "requiresBookerEmailVerification": False,
        "recurringEvent": legacy_recurring_event(et.recurrence),
        "disableGuests": et.disable_guests,
        "hideCalendarNotes": False,
        "minimumBookingNotice": et.minimum_notice_minutes,
        "beforeEventBuffer": et.before_buffer_minutes,
        "afterEventBuffer": et.after_buffer_minutes,
        "seatsPerTimeSlot": et.seats.per_slot if et.seats else None,
        "seatsShowAttendees": bool(et.seats and et.seats.show_attendee_info),
        "seatsShowAvailabilityCount": bool(et.seats and et.seats.show_availability_count),
        "onlyShowFirstAvailableSlot": et.only_first_slot_of_day,
        "schedulingType": None,
        "scheduleId": et.schedule_id,
        "price": 0,
        "currency": "usd",
        "slotInterval": et.slot_interval_minutes,
        "metadata": {
            **{k: v for k, v in et.metadata.items() if k != API_METADATA_KEY},
            **({"multipleDuration": list(et.length_options)} if et.length_options else {}),
        },
        "successRedirectUrl": None,
        "bookingLimits": _legacy_limits(et.booking_limits_count),
        "durationLimits": _legacy_limits(et.booking_limits_duration),
        "isInstantEvent": False,
        "assignAllTeamMembers": False,
        "useEventTypeDestinationCalendarEmail": False,
        "secondaryEmailId": None,
    }


def legacy_event_types_output(
    owner: User | None, event_types: Sequence[EventType], base_url: str
) -> dict[str, Any]:
    """The legacy `data`: `{eventTypeGroups: [{..., eventTypes: [...]}], profiles: [...]}`
    (one group, the caller's; empty without a caller)."""
    if owner is None:
        return {"eventTypeGroups": [], "profiles": []}
    profile = {"slug": owner.username, "name": owner.name, "image": owner.avatar_url or ""}
    group = {
        "teamId": None,
        "parentId": None,
        "bookerUrl": base_url.rstrip("/"),
        "membershipRole": None,
        "profile": profile,
        "metadata": {"membershipCount": 1, "readOnly": False},
        "eventTypes": [_legacy_event_type(et) for et in event_types],
    }
    return {"eventTypeGroups": [group], "profiles": [{**profile, "teamId": None}]}
