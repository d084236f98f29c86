"""Routes for /v2/webhooks and /v2/event-types/{eventTypeId}/webhooks (Cal.com API v2 §6.1).

Any `cal-api-version` value, or none, reaches these handlers (Cal.com's webhook controllers are
not versioned). Every route needs an API key; a webhook or event type of another user is a 404.
Create answers 201; lists take `take` (1-250, default 250) and `skip` and answer a bare array;
deleting one webhook answers it, deleting all of an event type's answers `"<n> webhooks
deleted"`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from calendula.api.deps import CurrentUser, Services
from calendula.api.envelope import success
from calendula.api.responses import JsonResponse
from calendula.api.schemas.webhooks import (
    CreateWebhookInput,
    UpdateWebhookInput,
    WebhooksQuery,
    deleted_count_output,
    event_type_webhook_output,
    user_webhook_output,
)

router = APIRouter()

WebhookId = Annotated[str, Path(alias="webhookId")]
EventTypeId = Annotated[int, Path(alias="eventTypeId")]
Page = Annotated[WebhooksQuery, Query()]


# -- user webhooks ---------------------------------------------------------------------------


@router.post("/webhooks", status_code=201)
def create_webhook(body: CreateWebhookInput, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    created = services.webhooks.create(user.id, body.to_new())
    return success(user_webhook_output(created), status_code=201)


@router.get("/webhooks")
def list_webhooks(page: Page, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    found = services.webhooks.list(user.id, take=page.take, skip=page.skip)
    return success([user_webhook_output(w) for w in found])


@router.get("/webhooks/{webhookId}")
def get_webhook(webhook_id: WebhookId, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success(user_webhook_output(services.webhooks.get(user.id, webhook_id)))


@router.patch("/webhooks/{webhookId}")
def update_webhook(
    webhook_id: WebhookId, body: UpdateWebhookInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    updated = services.webhooks.update(user.id, webhook_id, body.to_patch())
    return success(user_webhook_output(updated))


@router.delete("/webhooks/{webhookId}")
def delete_webhook(webhook_id: WebhookId, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success(user_webhook_output(services.webhooks.delete(user.id, webhook_id)))


# -- event-type webhooks ---------------------------------------------------------------------


@router.post("/event-types/{eventTypeId}/webhooks", status_code=201)
def create_event_type_webhook(
    event_type_id: EventTypeId, body: CreateWebhookInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    created = services.webhooks.create(user.id, body.to_new(), event_type_id)
    return success(event_type_webhook_output(created), status_code=201)


@router.get("/event-types/{eventTypeId}/webhooks")
def list_event_type_webhooks(
    event_type_id: EventTypeId, page: Page, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    found = services.webhooks.list(
        user.id, event_type_id=event_type_id, take=page.take, skip=page.skip
    )
    return success([event_type_webhook_output(w) for w in found])


@router.delete("/event-types/{eventTypeId}/webhooks")
def delete_event_type_webhooks(
    event_type_id: EventTypeId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    count = services.webhooks.delete_all(user.id, event_type_id)
    return success(deleted_count_output(count))


@router.get("/event-types/{eventTypeId}/webhooks/{webhookId}")
def get_event_type_webhook(
    event_type_id: EventTypeId, webhook_id: WebhookId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    webhook = services.webhooks.get(user.id, webhook_id, event_type_id=event_type_id)
    return success(event_type_webhook_output(webhook))


@router.patch("/event-types/{eventTypeId}/webhooks/{webhookId}")
def update_event_type_webhook(
    event_type_id: EventTypeId,
    webhook_id: WebhookId,
    body: UpdateWebhookInput,
    user: CurrentUser,
    services: Services,
) -> JsonResponse:
    assert user.id is not None
    updated = services.webhooks.update(
        user.id, webhook_id, body.to_patch(), event_type_id=event_type_id
    )
    return success(event_type_webhook_output(updated))


@router.delete("/event-types/{eventTypeId}/webhooks/{webhookId}")
def delete_event_type_webhook(
    event_type_id: EventTypeId, webhook_id: WebhookId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    deleted = services.webhooks.delete(user.id, webhook_id, event_type_id=event_type_id)
    return success(event_type_webhook_output(deleted))
