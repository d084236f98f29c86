"""Routes for /v2/webhooks and /v2/event-types/{eventTypeId}/webhooks (Cal.com API v2 §6.1).

Any `cal-api-version` value, or none, reaches these handlers (Cal.com's webhook controllers are
not versioned). Every route needs an API key; a webhook or event type of another user is a 404.
Create answers 201; lists take `take` (1-250, default 250) and `skip` and answer a bare array;
deleting one webhook answers it, deleting all of an event type's answers `"<n> webhooks
deleted"`.

Beyond Cal.com (docs/webhooks.md): `POST /v2/webhooks/{webhookId}/ping` sends a test message
now and answers how it went; `GET /v2/webhooks/{webhookId}/deliveries` is the delivery log
(with the subscription's health); `POST .../deliveries/{deliveryId}/redeliver` sends a
finished message again. They work for event-type webhooks too (by webhook id).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from calendula.api.deps import CurrentUser, Services
from calendula.api.envelope import success
from calendula.api.responses import JsonResponse
from calendula.api.schemas.outputs import (
    DeletedWebhooksResponse,
    DeliveryLogResponse,
    DeliveryResponse,
    EventTypeWebhookResponse,
    EventTypeWebhooksResponse,
    UserWebhookResponse,
    UserWebhooksResponse,
)
from calendula.api.schemas.webhooks import (
    CreateWebhookInput,
    DeliveriesQuery,
    UpdateWebhookInput,
    WebhooksQuery,
    deleted_count_output,
    delivery_log_output,
    delivery_output,
    event_type_webhook_output,
    user_webhook_output,
)

router = APIRouter()

WebhookId = Annotated[str, Path(alias="webhookId")]
EventTypeId = Annotated[int, Path(alias="eventTypeId")]
Page = Annotated[WebhooksQuery, Query()]
DeliveryPage = Annotated[DeliveriesQuery, Query()]
DeliveryId = Annotated[int, Path(alias="deliveryId")]


# -- user webhooks ---------------------------------------------------------------------------


@router.post("/webhooks", status_code=201, response_model=UserWebhookResponse)
def create_webhook(body: CreateWebhookInput, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    created = services.webhooks.create(user.id, body.to_new())
    return success(user_webhook_output(created), status_code=201)


@router.get("/webhooks", response_model=UserWebhooksResponse)
def list_webhooks(page: Page, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    found = services.webhooks.list(user.id, take=page.take, skip=page.skip)
    return success([user_webhook_output(w) for w in found])


@router.get("/webhooks/{webhookId}", response_model=UserWebhookResponse)
def get_webhook(webhook_id: WebhookId, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success(user_webhook_output(services.webhooks.get(user.id, webhook_id)))


@router.patch("/webhooks/{webhookId}", response_model=UserWebhookResponse)
def update_webhook(
    webhook_id: WebhookId, body: UpdateWebhookInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    updated = services.webhooks.update(user.id, webhook_id, body.to_patch())
    return success(user_webhook_output(updated))


@router.delete("/webhooks/{webhookId}", response_model=UserWebhookResponse)
def delete_webhook(webhook_id: WebhookId, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success(user_webhook_output(services.webhooks.delete(user.id, webhook_id)))


# -- deliveries (Calendula's own) ------------------------------------------------------------


@router.post("/webhooks/{webhookId}/ping", response_model=DeliveryResponse)
def ping_webhook(webhook_id: WebhookId, user: CurrentUser, services: Services) -> JsonResponse:
    """Send a PING test message now (recorded in the delivery log, never retried)."""
    assert user.id is not None
    return success(delivery_output(services.webhook_deliveries.ping(user.id, webhook_id)))


@router.get("/webhooks/{webhookId}/deliveries", response_model=DeliveryLogResponse)
def list_deliveries(
    webhook_id: WebhookId, page: DeliveryPage, user: CurrentUser, services: Services
) -> JsonResponse:
    """The webhook's messages, newest first, with every attempt, and its health."""
    assert user.id is not None
    webhook, found = services.webhook_deliveries.log(
        user.id, webhook_id, take=page.take, skip=page.skip
    )
    return success(delivery_log_output(webhook, found))


@router.post(
    "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", response_model=DeliveryResponse
)
def redeliver(
    webhook_id: WebhookId, delivery_id: DeliveryId, user: CurrentUser, services: Services
) -> JsonResponse:
    """Send a finished message again, same `webhook-id` (receivers may de-duplicate)."""
    assert user.id is not None
    again = services.webhook_deliveries.redeliver(user.id, webhook_id, delivery_id)
    return success(delivery_output(again))


# -- event-type webhooks ---------------------------------------------------------------------


@router.post(
    "/event-types/{eventTypeId}/webhooks", status_code=201, response_model=EventTypeWebhookResponse
)
def create_event_type_webhook(
    event_type_id: EventTypeId, body: CreateWebhookInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    created = services.webhooks.create(user.id, body.to_new(), event_type_id)
    return success(event_type_webhook_output(created), status_code=201)


@router.get("/event-types/{eventTypeId}/webhooks", response_model=EventTypeWebhooksResponse)
def list_event_type_webhooks(
    event_type_id: EventTypeId, page: Page, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    found = services.webhooks.list(
        user.id, event_type_id=event_type_id, take=page.take, skip=page.skip
    )
    return success([event_type_webhook_output(w) for w in found])


@router.delete("/event-types/{eventTypeId}/webhooks", response_model=DeletedWebhooksResponse)
def delete_event_type_webhooks(
    event_type_id: EventTypeId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    count = services.webhooks.delete_all(user.id, event_type_id)
    return success(deleted_count_output(count))


@router.get(
    "/event-types/{eventTypeId}/webhooks/{webhookId}", response_model=EventTypeWebhookResponse
)
def get_event_type_webhook(
    event_type_id: EventTypeId, webhook_id: WebhookId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    webhook = services.webhooks.get(user.id, webhook_id, event_type_id=event_type_id)
    return success(event_type_webhook_output(webhook))


@router.patch(
    "/event-types/{eventTypeId}/webhooks/{webhookId}", response_model=EventTypeWebhookResponse
)
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


@router.delete(
    "/event-types/{eventTypeId}/webhooks/{webhookId}", response_model=EventTypeWebhookResponse
)
def delete_event_type_webhook(
    event_type_id: EventTypeId, webhook_id: WebhookId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    deleted = services.webhooks.delete(user.id, webhook_id, event_type_id=event_type_id)
    return success(event_type_webhook_output(deleted))
