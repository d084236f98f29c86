"""Answers to an event type's booking questions: checked against each field's type and rules.

Owns: `validate_responses`. Errors name the field as `bookingFieldsResponses.<slug>`.
Imports only the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from calendula.domain.accounts import validate_email
from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import BookingField, FieldType

MAX_TEXT_LENGTH = 5000
PHONE_PATTERN = re.compile(r"^\+?[0-9]{6,15}$")
ATTENDEE_FIELDS = frozenset({FieldType.NAME, FieldType.EMAIL})


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def validate_responses(
    fields: Sequence[BookingField], responses: Mapping[str, Any]
) -> dict[str, Any]:
    """The responses, checked: required answers present, each answer of its field's type.

    Answers for slugs the event type does not ask are kept as given (Cal.com keeps them).
    The attendee's own name and email are checked elsewhere and skipped here.
    """
    for booking_field in fields:
        if booking_field.type in ATTENDEE_FIELDS or booking_field.hidden:
            continue
        value = responses.get(booking_field.slug)
        name = f"bookingFieldsResponses.{booking_field.slug}"
        if _is_empty(value):
            if booking_field.required:
                label = booking_field.label or booking_field.slug
                raise InvalidInput(name, f"{label} is required")
            continue
        _CHECKS.get(booking_field.type, _check_text)(name, booking_field, value)
    return dict(responses)


def _check_text(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidInput(name, f"{name} must be a string")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidInput(name, f"{name} must be at most {MAX_TEXT_LENGTH} characters")


def _check_number(name: str, field: BookingField, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(name, f"{name} must be a number")
    try:
        float(value)
    except ValueError:
        raise InvalidInput(name, f"{name} must be a number") from None


def _check_email(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidInput(name, f"{name} must be an email address")
    validate_email(value, name)


def _check_emails(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, list):
        raise InvalidInput(name, f"{name} must be a list of email addresses")
    for item in value:
        _check_email(name, field, item)


def _check_phone(name: str, field: BookingField, value: Any) -> None:
    digits = re.sub(r"[\s().-]", "", value) if isinstance(value, str) else ""
    if not PHONE_PATTERN.match(digits):
        raise InvalidInput(name, f"{name} must be a phone number in international format")


def _check_choice(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidInput(name, f"{name} must be one of the options")
    if field.options and value not in field.options:
        raise InvalidInput(name, f"{name} must be one of: {', '.join(field.options)}")


def _check_choices(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(name, f"{name} must be a list of options")
    unknown = [v for v in value if field.options and v not in field.options]
    if unknown:
        raise InvalidInput(name, f"{name} has unknown options: {', '.join(unknown)}")


def _check_boolean(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(name, f"{name} must be true or false")


def _check_url(name: str, field: BookingField, value: Any) -> None:
    _check_text(name, field, value)
    if not value.startswith(("http://", "https://")):
        raise InvalidInput(name, f"{name} must be an http(s) URL")


def _check_location(name: str, field: BookingField, value: Any) -> None:
    if not isinstance(value, str | dict):
        raise InvalidInput(name, f"{name} must be a location")


_CHECKS: dict[FieldType, Callable[[str, BookingField, Any], None]] = {
    FieldType.NUMBER: _check_number,
    FieldType.MULTIEMAIL: _check_emails,
    FieldType.PHONE: _check_phone,
    FieldType.SELECT: _check_choice,
    FieldType.RADIO: _check_choice,
    FieldType.MULTISELECT: _check_choices,
    FieldType.CHECKBOX: _check_choices,
    FieldType.BOOLEAN: _check_boolean,
    FieldType.URL: _check_url,
    FieldType.RADIO_INPUT: _check_location,
}
