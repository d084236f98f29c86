"""Routes for `/v2/event-types/{eventTypeId}/reminders` (Calendula's reminder API; see
docs/notifications.md).

Any `cal-api-version` value, or none, reaches these handlers. Every route needs an API key; an
event type or reminder of another user is a 404. Create answers 201; list answers every
reminder of the event type; delete answers the deleted reminder.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from calendula.api.deps import CurrentUser, Services
from calendula.api.envelope import success
from calendula.api.responses import JsonResponse
from calendula.api.schemas.reminders import (
    CreateReminderInput,
    ReminderResponse,
    RemindersResponse,
    UpdateReminderInput,
    reminder_output,
)

router = APIRouter()

EventTypeId = Annotated[int, Path(alias="eventTypeId")]
ReminderId = Annotated[int, Path(alias="reminderId")]
BASE = "/event-types/{eventTypeId}/reminders"


@router.post(BASE, status_code=201, response_model=ReminderResponse)
def create_reminder(
    event_type_id: EventTypeId, body: CreateReminderInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    created = services.reminders.create(user.id, event_type_id, body.to_patch())
    return success(reminder_output(created), status_code=201)


@router.get(BASE, response_model=RemindersResponse)
def list_reminders(
    event_type_id: EventTypeId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    found = services.reminders.list(user.id, event_type_id)
    return success([reminder_output(r) for r in found])


@router.get(BASE + "/{reminderId}", response_model=ReminderResponse)
def get_reminder(
    event_type_id: EventTypeId, reminder_id: ReminderId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    return success(reminder_output(services.reminders.get(user.id, event_type_id, reminder_id)))


@router.patch(BASE + "/{reminderId}", response_model=ReminderResponse)
def update_reminder(
    event_type_id: EventTypeId,
    reminder_id: ReminderId,
    body: UpdateReminderInput,
    user: CurrentUser,
    services: Services,
) -> JsonResponse:
    assert user.id is not None
    updated = services.reminders.update(user.id, event_type_id, reminder_id, body.to_patch())
    return success(reminder_output(updated))


@router.delete(BASE + "/{reminderId}", response_model=ReminderResponse)
def delete_reminder(
    event_type_id: EventTypeId, reminder_id: ReminderId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    deleted = services.reminders.delete(user.id, event_type_id, reminder_id)
    return success(reminder_output(deleted))
