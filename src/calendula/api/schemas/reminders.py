"""`/v2/event-types/{eventTypeId}/reminders`: Calendula's own reminder API (Cal.com's workflows
are not part of its public v2 core).

Owns: `CreateReminderInput` (`offset` required; `unit` `minutes`|`hours`|`days`, default
`hours`; `channel` `email`|`sms`, default `email`; `sendTo` `attendees`|`host`|`both`, default
`attendees`; `subject`, `body` with `{VARIABLES}`, defaults given; `active`, default true),
`UpdateReminderInput` (every field optional; null keeps the value) and `reminder_output`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.alias_generators import to_camel

from calendula.api.schemas.outputs import envelope
from calendula.api.storable import StorableText
from calendula.domain.reminders import (
    MAX_BODY_LENGTH,
    MAX_SUBJECT_LENGTH,
    Channel,
    OffsetUnit,
    Reminder,
    SendTo,
)
from calendula.domain.webhooks import js_iso
from calendula.services.reminders import ReminderPatch

MAX_OFFSET = 60 * 24 * 30


Subject = Annotated[StorableText, Field(max_length=MAX_SUBJECT_LENGTH)]
Body = Annotated[StorableText, Field(max_length=MAX_BODY_LENGTH)]
Offset = Annotated[StrictInt, Field(ge=0, le=MAX_OFFSET)]


class _Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class UpdateReminderInput(_Input):
    offset: Offset | None = None
    unit: OffsetUnit | None = None
    channel: Channel | None = None
    send_to: SendTo | None = None
    subject: Subject | None = None
    body: Body | None = None
    active: StrictBool | None = None

    def to_patch(self) -> ReminderPatch:
        return ReminderPatch(
            offset=self.offset,
            unit=self.unit,
            channel=self.channel,
            send_to=self.send_to,
            subject=self.subject,
            body=self.body,
            active=self.active,
        )


class CreateReminderInput(UpdateReminderInput):
    offset: Offset


class ReminderOutput(BaseModel):
    """One reminder (documents `reminder_output`)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
    id: int
    event_type_id: int
    offset: int
    unit: Literal["minutes", "hours", "days"]
    offset_minutes: int
    channel: Literal["email", "sms"]
    send_to: Literal["attendees", "host", "both"]
    subject: str
    body: str
    active: bool
    created_at: str | None


ReminderResponse = envelope(ReminderOutput, "ReminderResponse")
RemindersResponse = envelope(list[ReminderOutput], "RemindersResponse")


def reminder_output(reminder: Reminder) -> dict[str, Any]:
    return {
        "id": reminder.id,
        "eventTypeId": reminder.event_type_id,
        "offset": reminder.offset,
        "unit": reminder.unit.value,
        "offsetMinutes": reminder.offset_minutes,
        "channel": reminder.channel.value,
        "sendTo": reminder.send_to.value,
        "subject": reminder.subject,
        "body": reminder.body,
        "active": reminder.active,
        "createdAt": js_iso(reminder.created_at) if reminder.created_at else None,
    }
