"""The booking form: an event type's booking fields as form inputs, and a submission read back.

Owns: `form_fields` (what the template renders, prefilled from the query string as Cal.com
does), `read_submission` (form data -> attendee, guests, responses, location, and every field
error at once, so a form without JavaScript shows all its messages in one round trip).
The field checks are the domain's own (`validate_responses`, `validate_email`); this module
only maps them onto inputs. No services, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from calendula.domain.accounts import validate_email
from calendula.domain.booking_fields import validate_responses
from calendula.domain.bookings import ATTENDEE_LOCATION_KINDS, LocationChoice
from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import BookingField, EventType, FieldType, Location

NAME = BookingField(FieldType.NAME, "name", "Your name", required=True, is_default=True)
EMAIL = BookingField(FieldType.EMAIL, "email", "Email address", required=True, is_default=True)
NOTES = BookingField(FieldType.TEXTAREA, "notes", "Additional notes", is_default=True)
GUESTS = BookingField(FieldType.MULTIEMAIL, "guests", "Add guests", is_default=True)
LOCATION = BookingField(FieldType.RADIO_INPUT, "location", "Location", required=True)
PHONE_SLUG = "attendeePhoneNumber"
MULTI_VALUE = frozenset({FieldType.MULTISELECT, FieldType.CHECKBOX})
INPUT_TYPES = {
    FieldType.EMAIL: "email",
    FieldType.PHONE: "tel",
    FieldType.NUMBER: "number",
    FieldType.URL: "url",
}
KIND_LABELS = {
    "address": "In person",
    "link": "Online meeting (link)",
    "phone": "Phone call",
    "attendeeAddress": "In person, at an address you give",
    "attendeePhone": "Phone call, to a number you give",
    "attendeeDefined": "A place you choose",
}


@dataclass(frozen=True, slots=True)
class LocationOption:
    kind: str
    label: str
    value: str | None  # the integration name, for integrations
    needs_detail: bool


@dataclass(frozen=True, slots=True)
class FormField:
    """One input: its booking field, the HTML input type, and its current value and error."""

    spec: BookingField
    input_type: str
    value: Any
    error: str | None = None
    options: tuple[LocationOption, ...] = ()

    @property
    def id(self) -> str:
        return f"field-{self.spec.slug}"


@dataclass
class Submission:
    name: str = ""
    email: str = ""
    phone: str | None = None
    guests: tuple[str, ...] = ()
    responses: dict[str, Any] = field(default_factory=dict)
    location: LocationChoice | None = None
    errors: dict[str, str] = field(default_factory=dict)


def booking_fields(event_type: EventType) -> list[BookingField]:
    """The visible questions, with Cal.com's defaults (name, email, notes, guests) when the
    event type defines none, name and email always first, and a location choice when the event
    type offers more than one place or one the attendee must give."""
    own = [f for f in event_type.booking_fields if not f.hidden]
    fields = own or [NOTES, GUESTS]
    slugs = {f.slug for f in fields}
    types = {f.type for f in fields}
    first = [f for f in (NAME, EMAIL) if f.slug not in slugs and f.type not in types]
    fields = first + fields
    if event_type.disable_guests or event_type.seats is not None:
        fields = [f for f in fields if f.type is not FieldType.MULTIEMAIL]
    locations = event_type.locations
    needs_choice = len(locations) > 1 or any(
        loc.kind in ATTENDEE_LOCATION_KINDS for loc in locations
    )
    if needs_choice and FieldType.RADIO_INPUT not in types:
        fields.append(LOCATION)
    return fields


def location_options(locations: Sequence[Location]) -> tuple[LocationOption, ...]:
    options = []
    for loc in locations:
        if loc.kind == "integration":
            label = (loc.value or "Video call").replace("-", " ").title()
            options.append(LocationOption(loc.kind, label, loc.value, False))
            continue
        label = KIND_LABELS.get(loc.kind, loc.kind)
        if loc.kind == "address" and loc.public and loc.value:
            label = f"{label}: {loc.value}"
        options.append(LocationOption(loc.kind, label, None, loc.kind in ATTENDEE_LOCATION_KINDS))
    return tuple(options)


def form_fields(
    event_type: EventType, values: Mapping[str, Any], errors: Mapping[str, str]
) -> list[FormField]:
    """The inputs to render: `values` are prefill (query string) or the submitted form."""
    options = location_options(event_type.locations)
    rendered = []
    for spec in booking_fields(event_type):
        value = values.get(spec.slug)
        if spec.type in MULTI_VALUE and isinstance(value, str):
            value = [value]
        rendered.append(
            FormField(
                spec,
                INPUT_TYPES.get(spec.type, "text"),
                value,
                errors.get(spec.slug),
                options if spec.type is FieldType.RADIO_INPUT else (),
            )
        )
    return rendered


def prefill(params: Any) -> dict[str, Any]:
    """Cal.com's prefill parameters: `name`, `email`, `notes`, `guests` (repeatable or comma
    separated) and any booking-field slug."""
    values: dict[str, Any] = {key: params.get(key) for key in params}
    guests = [g for item in params.getlist("guests") for g in item.split(",") if g.strip()]
    if guests:
        values["guests"] = "\n".join(g.strip() for g in guests)
    return values


def form_values(form: Any, fields: Sequence[BookingField]) -> dict[str, Any]:
    """What was typed, keyed by slug, to re-render the form after an error."""
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.type in MULTI_VALUE:
            values[spec.slug] = form.getlist(spec.slug)
        elif spec.type is FieldType.BOOLEAN:
            values[spec.slug] = form.get(spec.slug) == "on"
        else:
            values[spec.slug] = form.get(spec.slug, "")
    values["location-detail"] = form.get("location-detail", "")
    return values


def read_submission(event_type: EventType, form: Any) -> Submission:
    """Read and check every field; `errors` maps slugs to messages (empty when all is well)."""
    fields = booking_fields(event_type)
    submitted = Submission()
    for spec in fields:
        reader = _READERS.get(spec.type, _read_response)
        try:
            reader(submitted, spec, form, event_type)
        except InvalidInput as error:
            submitted.errors[spec.slug] = _message(spec, error)
    return submitted


def _message(spec: BookingField, error: InvalidInput) -> str:
    label = spec.label or spec.slug
    if error.message.endswith("is required"):
        return f"{label} is required."
    return f"{label}: {error.message.split(' ', 1)[-1]}."


def _required(spec: BookingField, text: str) -> str:
    if spec.required and not text:
        raise InvalidInput(spec.slug, f"{spec.slug} is required")
    return text


def _read_name(sub: Submission, spec: BookingField, form: Any, et: EventType) -> None:
    sub.name = _required(spec, str(form.get(spec.slug, "")).strip())


def _read_email(sub: Submission, spec: BookingField, form: Any, et: EventType) -> None:
    text = _required(spec, str(form.get(spec.slug, "")).strip())
    sub.email = validate_email(text, spec.slug) if text else ""


def _read_guests(sub: Submission, spec: BookingField, form: Any, et: EventType) -> None:
    text = str(form.get(spec.slug, ""))
    guests = [g.strip() for g in text.replace(",", "\n").splitlines() if g.strip()]
    _required(spec, ",".join(guests))
    checked = tuple(validate_email(g, spec.slug) for g in guests)
    if spec.slug == GUESTS.slug:
        sub.guests = checked
    elif checked:
        sub.responses[spec.slug] = list(checked)


def _read_location(sub: Submission, spec: BookingField, form: Any, et: EventType) -> None:
    options = location_options(et.locations)
    chosen = str(form.get(spec.slug, ""))
    picked = next((o for o in options if f"{o.kind}:{o.value or ''}" == chosen), None)
    if picked is None:
        _required(spec, "")
        return
    detail = str(form.get("location-detail", "")).strip()
    if picked.needs_detail and not detail:
        raise InvalidInput(spec.slug, f"{spec.slug} is required")
    sub.location = LocationChoice(picked.kind, picked.value or detail or None)


def _read_response(sub: Submission, spec: BookingField, form: Any, et: EventType) -> None:
    value: Any
    if spec.type in MULTI_VALUE:
        value = [str(v) for v in form.getlist(spec.slug)]
    elif spec.type is FieldType.BOOLEAN:
        value = form.get(spec.slug) == "on"
        if spec.required and not value:
            raise InvalidInput(spec.slug, f"{spec.slug} is required")
    else:
        value = str(form.get(spec.slug, "")).strip()
    validate_responses([spec], {spec.slug: value})
    if value not in ("", [], None):
        sub.responses[spec.slug] = value
    if spec.slug == PHONE_SLUG and value:
        sub.phone = str(value)


_READERS: dict[FieldType, Callable[[Submission, BookingField, Any, EventType], None]] = {
    FieldType.NAME: _read_name,
    FieldType.EMAIL: _read_email,
    FieldType.MULTIEMAIL: _read_guests,
    FieldType.RADIO_INPUT: _read_location,
}
