"""Event types: what can be booked, for how long, and under which rules.

Owns: `EventType` and its policy values (booking window, limits, seats, confirmation, locations,
booking fields; the recurrence rule lives in `recurrence`), and the pure checks on a requested
length. The slot engine reads these rules; storage persists them; the API maps them to
Cal.com's field names.
Imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from calendula.domain.errors import InvalidInput
from calendula.domain.intervals import FIRST_YEAR, LAST_YEAR
from calendula.domain.recurrence import Recurrence

MAX_SEATS_PER_SLOT = 1000
MAX_LENGTH_MINUTES = 24 * 60
"""The longest meeting: `lengthInMinutes`, its options and the free-duration bounds."""
MAX_SETTING_MINUTES = 10 * 366 * 24 * 60
MAX_WINDOW_DAYS = 10 * 366
"""Ten years: the longest notice, buffer or slot interval, and booking window. Longer values
are mistakes, and these bounds keep every instant the slot engine derives in range."""


class WindowKind(StrEnum):
    CALENDAR_DAYS = "calendarDays"
    BUSINESS_DAYS = "businessDays"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class BookingWindow:
    """How far ahead one may book.

    `CALENDAR_DAYS` / `BUSINESS_DAYS`: `days` ahead of now (`rolling=True`: counted from now;
    `rolling=False`: counted from today in the host's zone, so the window ends at a fixed day).
    `RANGE`: only between `start_date` and `end_date` inclusive (host's local dates).
    """

    kind: WindowKind
    days: int | None = None
    rolling: bool = False
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True, slots=True)
class PeriodLimits:
    """A limit per local day, ISO week, month and year (None = no limit for that period).

    Used twice: as a count of bookings, and as a total of booked minutes.
    """

    day: int | None = None
    week: int | None = None
    month: int | None = None
    year: int | None = None

    @property
    def is_set(self) -> bool:
        return any(v is not None for v in (self.day, self.week, self.month, self.year))


class ConfirmationMode(StrEnum):
    ALWAYS = "always"
    TIME = "time"  # only when booked less than `notice_threshold_minutes` ahead


@dataclass(frozen=True, slots=True)
class ConfirmationPolicy:
    """Bookings start as `pending` until the host confirms them."""

    mode: ConfirmationMode = ConfirmationMode.ALWAYS
    notice_threshold_minutes: int | None = None
    block_pending: bool = True  # a pending request hides the slot from other bookers


@dataclass(frozen=True, slots=True)
class Seats:
    per_slot: int
    show_attendee_info: bool = False
    show_availability_count: bool = True


@dataclass(frozen=True, slots=True)
class Location:
    """Where the meeting happens. `kind` is Cal.com's location type (`address`, `link`, `phone`,
    `integration`, `attendeeAddress`, `attendeePhone`, `attendeeDefined`); `value` holds the
    address, link, phone or integration name."""

    kind: str
    value: str | None = None
    public: bool = True


class FieldType(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    TEXT = "text"
    NUMBER = "number"
    TEXTAREA = "textarea"
    SELECT = "select"
    MULTISELECT = "multiselect"
    MULTIEMAIL = "multiemail"
    CHECKBOX = "checkbox"
    RADIO = "radio"
    BOOLEAN = "boolean"
    URL = "url"
    RADIO_INPUT = "radioInput"


@dataclass(frozen=True, slots=True)
class BookingField:
    """A question on the booking form. `slug` keys the answer in booking-field responses."""

    type: FieldType
    slug: str
    label: str = ""
    required: bool = False
    hidden: bool = False
    placeholder: str = ""
    options: tuple[str, ...] = ()
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class EventType:
    """A bookable kind of meeting and all the rules the slot engine honours.

    Lengths: `length_minutes` is the default; `length_options` (if any) are the lengths an
    attendee may choose; `min_length_minutes`/`max_length_minutes` (Calendula extension) allow any
    whole-minute length within the bounds ("free duration", for voice agents).
    `slot_interval_minutes` None means: step by the length asked for.
    """

    id: int | None
    owner_id: int
    slug: str
    title: str
    length_minutes: int
    description: str = ""
    length_options: tuple[int, ...] = ()
    min_length_minutes: int | None = None
    max_length_minutes: int | None = None
    slot_interval_minutes: int | None = None
    before_buffer_minutes: int = 0
    after_buffer_minutes: int = 0
    minimum_notice_minutes: int = 0
    booking_window: BookingWindow | None = None
    booking_limits_count: PeriodLimits = field(default_factory=PeriodLimits)
    booking_limits_duration: PeriodLimits = field(default_factory=PeriodLimits)
    only_first_slot_of_day: bool = False
    seats: Seats | None = None
    confirmation: ConfirmationPolicy | None = None
    hidden: bool = False
    locations: tuple[Location, ...] = ()
    booking_fields: tuple[BookingField, ...] = ()
    schedule_id: int | None = None
    disable_guests: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    recurrence: Recurrence | None = None

    def __post_init__(self) -> None:
        validate_event_type(self)


def _positive(field_name: str, value: int | None, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(field_name, f"{field_name} must be {'>= 0' if allow_zero else '> 0'}")


def validate_event_type(et: EventType) -> None:
    """Raise `InvalidInput` naming the first field that breaks a rule."""
    if not et.slug or not et.slug.strip():
        raise InvalidInput("slug", "slug must not be empty")
    if not et.title or not et.title.strip():
        raise InvalidInput("title", "title must not be empty")
    _positive("lengthInMinutes", et.length_minutes)
    _at_most("lengthInMinutes", et.length_minutes, MAX_LENGTH_MINUTES)
    for n in et.length_options:
        _positive("lengthInMinutesOptions", n)
        _at_most("lengthInMinutesOptions", n, MAX_LENGTH_MINUTES)
    if et.length_options and et.length_minutes not in et.length_options:
        raise InvalidInput(
            "lengthInMinutesOptions", "lengthInMinutesOptions must include lengthInMinutes"
        )
    if len(set(et.length_options)) != len(et.length_options):
        raise InvalidInput("lengthInMinutesOptions", "lengthInMinutesOptions must be unique")
    for name, value in (
        ("minLengthInMinutes", et.min_length_minutes),
        ("maxLengthInMinutes", et.max_length_minutes),
    ):
        _positive(name, value)
        _at_most(name, value, MAX_LENGTH_MINUTES)
    if (
        et.min_length_minutes is not None
        and et.max_length_minutes is not None
        and et.min_length_minutes > et.max_length_minutes
    ):
        raise InvalidInput("minLengthInMinutes", "minLengthInMinutes must be <= maxLengthInMinutes")
    _positive("slotInterval", et.slot_interval_minutes)
    _positive("beforeEventBuffer", et.before_buffer_minutes, allow_zero=True)
    _positive("afterEventBuffer", et.after_buffer_minutes, allow_zero=True)
    _positive("minimumBookingNotice", et.minimum_notice_minutes, allow_zero=True)
    for name, value in (
        ("slotInterval", et.slot_interval_minutes),
        ("beforeEventBuffer", et.before_buffer_minutes),
        ("afterEventBuffer", et.after_buffer_minutes),
        ("minimumBookingNotice", et.minimum_notice_minutes),
    ):
        _at_most(name, value, MAX_SETTING_MINUTES)
    if et.seats is not None and not 1 <= et.seats.per_slot <= MAX_SEATS_PER_SLOT:
        raise InvalidInput("seats.seatsPerTimeSlot", "seatsPerTimeSlot must be between 1 and 1000")
    _validate_window(et.booking_window)
    if et.recurrence is not None and et.seats is not None:
        raise InvalidInput("recurrence", "a seated event type cannot be recurring")
    for name, limits in (
        ("bookingLimitsCount", et.booking_limits_count),
        ("bookingLimitsDuration", et.booking_limits_duration),
    ):
        for period in ("day", "week", "month", "year"):
            _positive(f"{name}.{period}", getattr(limits, period))
    slugs = [f.slug for f in et.booking_fields]
    if len(set(slugs)) != len(slugs):
        raise InvalidInput("bookingFields", "booking field slugs must be unique")


def _at_most(field_name: str, value: int | None, limit: int) -> None:
    if value is not None and value > limit:
        raise InvalidInput(field_name, f"{field_name} must be at most {limit}")


def _validate_window(window: BookingWindow | None) -> None:
    if window is None:
        return
    if window.kind is WindowKind.RANGE:
        if window.start_date is None or window.end_date is None:
            raise InvalidInput("bookingWindow.value", "a range window needs a start and end date")
        if window.end_date < window.start_date:
            raise InvalidInput("bookingWindow.value", "the window's end date is before its start")
        if window.start_date.year < FIRST_YEAR or window.end_date.year > LAST_YEAR:
            raise InvalidInput(
                "bookingWindow.value",
                f"the window's dates must lie between the years {FIRST_YEAR} and {LAST_YEAR}",
            )
    elif window.days is None or window.days < 0:
        raise InvalidInput("bookingWindow.value", "the window needs a number of days >= 0")
    else:
        _at_most("bookingWindow.value", window.days, MAX_WINDOW_DAYS)


def allowed_length(et: EventType, requested: int | None) -> int:
    """The length in minutes a booking of `et` will have, or `InvalidInput` on `lengthInMinutes`.

    None -> the default length. Otherwise the value must be one of `length_options`, or within
    `[min_length_minutes, max_length_minutes]` when free duration is on, or equal the default.
    """
    if requested is None or requested == et.length_minutes:
        return et.length_minutes
    if requested in et.length_options:
        return requested
    lo, hi = et.min_length_minutes, et.max_length_minutes
    if (lo is not None or hi is not None) and (lo or 1) <= requested <= (hi or 24 * 60):
        return requested
    raise InvalidInput(
        "lengthInMinutes",
        f"lengthInMinutes {requested} is not allowed for this event type",
    )
