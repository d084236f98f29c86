"""Reminders: messages sent a fixed time before a booking starts (a small "workflow").

Owns: `Reminder` (per event type: "N minutes/hours/days before start", by email or SMS, to the
attendees and/or the host, with an editable subject and body), the rules for its fields
(`check_reminder`, each refusal naming the API field), when one is due (`Reminder.due_at`),
its schedule key, and the template variables (`REMINDER_VARIABLES`, `fill_variables`).
Imports only the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from calendula.domain.errors import InvalidInput

MAX_OFFSET_MINUTES = 60 * 24 * 30
"""Reminders are at most 30 days before start."""
MAX_SUBJECT_LENGTH = 200
MAX_BODY_LENGTH = 5000
MAX_REMINDERS_PER_EVENT_TYPE = 20
SCHEDULE_KEY_PREFIX = "reminder:"


class OffsetUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"


UNIT_MINUTES = {OffsetUnit.MINUTES: 1, OffsetUnit.HOURS: 60, OffsetUnit.DAYS: 60 * 24}


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    """Sent through the configured SMS provider (an HTTP webhook to the user's gateway)."""


class SendTo(StrEnum):
    ATTENDEES = "attendees"
    HOST = "host"
    BOTH = "both"


REMINDER_VARIABLES = (
    "EVENT_NAME",
    "EVENT_TIME",
    "EVENT_DATE",
    "TIMEZONE",
    "LOCATION",
    "ATTENDEE_NAME",
    "ORGANIZER_NAME",
    "ADDITIONAL_NOTES",
    "MEETING_URL",
    "CANCEL_URL",
    "RESCHEDULE_URL",
)
"""`{NAME}` variables a reminder's subject and body may use. Times are in the recipient's zone."""

DEFAULT_SUBJECT = "Reminder: {EVENT_NAME} on {EVENT_DATE} at {EVENT_TIME}"
DEFAULT_BODY = (
    "Hi {ATTENDEE_NAME},\n\n"
    "This is a reminder of {EVENT_NAME} with {ORGANIZER_NAME} on {EVENT_DATE} at {EVENT_TIME} "
    "({TIMEZONE}).\nWhere: {LOCATION}\n\nNeed to change it? Reschedule: {RESCHEDULE_URL}\n"
    "Cancel: {CANCEL_URL}\n"
)

_VARIABLE = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True, slots=True)
class Reminder:
    """Send `subject`/`body` (with `{VARIABLES}` filled in) `offset` `unit`s before the start of
    every accepted booking of `event_type_id`, to `send_to`, by `channel`."""

    event_type_id: int
    owner_id: int
    offset: int
    unit: OffsetUnit = OffsetUnit.HOURS
    channel: Channel = Channel.EMAIL
    send_to: SendTo = SendTo.ATTENDEES
    subject: str = DEFAULT_SUBJECT
    body: str = DEFAULT_BODY
    active: bool = True
    id: int | None = None
    created_at: datetime | None = None

    @property
    def offset_minutes(self) -> int:
        return self.offset * UNIT_MINUTES[self.unit]

    def due_at(self, start: datetime) -> datetime:
        return start - timedelta(minutes=self.offset_minutes)

    @property
    def schedule_key(self) -> str:
        """Names this reminder's scheduled jobs (`domain.outbox.NewJob.schedule_key`)."""
        return f"{SCHEDULE_KEY_PREFIX}{self.id}"

    def to_attendees(self) -> bool:
        return self.send_to in (SendTo.ATTENDEES, SendTo.BOTH)

    def to_host(self) -> bool:
        return self.send_to in (SendTo.HOST, SendTo.BOTH)


def check_reminder(reminder: Reminder) -> Reminder:
    """Refuse out-of-range offsets, empty or overlong texts and unknown `{VARIABLES}`."""
    if reminder.offset < 0 or reminder.offset_minutes > MAX_OFFSET_MINUTES:
        raise InvalidInput(
            "offset", f"offset must be between 0 and {MAX_OFFSET_MINUTES} minutes (30 days)"
        )
    _check_text("subject", reminder.subject, MAX_SUBJECT_LENGTH)
    _check_text("body", reminder.body, MAX_BODY_LENGTH)
    if "\n" in reminder.subject or "\r" in reminder.subject:
        raise InvalidInput("subject", "subject must be one line")
    return reminder


def _check_text(field: str, text: str, limit: int) -> None:
    if not text.strip():
        raise InvalidInput(field, f"{field} must not be empty")
    if len(text) > limit:
        raise InvalidInput(field, f"{field} must be at most {limit} characters")
    unknown = sorted(set(_VARIABLE.findall(text)) - set(REMINDER_VARIABLES))
    if unknown:
        raise InvalidInput(
            field,
            f"{field} uses unknown variables {', '.join(unknown)}; known: "
            + ", ".join(REMINDER_VARIABLES),
        )


def fill_variables(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known `{NAME}` replaced by `values[NAME]` (empty when missing); other
    braces are left alone. The result is plain text: escape it for HTML afterwards."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in REMINDER_VARIABLES:
            return match.group(0)
        return values.get(name, "")

    return _VARIABLE.sub(replace, text)
