"""`/v2/webhooks` and `/v2/event-types/{eventTypeId}/webhooks`: bodies in, Cal.com's
`UserWebhookOutputDto` / `EventTypeWebhookOutputDto` out.

Owns: `CreateWebhookInput` (Cal.com's `CreateWebhookInputDto`: `subscriberUrl`, `triggers`,
`active` required), `UpdateWebhookInput` (every field optional; `payloadTemplate: null` and
`secret: null` remove them, other nulls change nothing), `WebhooksQuery` (`take` 1-250, default
250; `skip`), and the output mappers.

Output: `id` (a UUID string, as Cal.com's runtime; its published schema says number),
`userId` or `eventTypeId`, `subscriberUrl`, `triggers`, `active`, `payloadTemplate` (`null`
without one, as Cal.com's database NULL). The secret is never returned: Cal.com's schema makes
it optional and Calendula keeps it write-only. Field rules (URL, trigger names, sizes) are the
domain's, so their refusals name the API field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.alias_generators import to_camel

from calendula.api.storable import StorableText
from calendula.domain.outbox import Attempt
from calendula.domain.webhooks import WEBHOOK_VERSION, Webhook, js_iso
from calendula.services.webhook_delivery import Delivery
from calendula.services.webhooks import KEEP, NewWebhook, WebhookPatch

MAX_TAKE = 250
MAX_INT = 2**31 - 1
MAX_TRIGGERS = 100


Text = StorableText
Url = Annotated[Text, Field(min_length=1)]
Triggers = Annotated[list[Text], Field(max_length=MAX_TRIGGERS)]


class _Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class CreateWebhookInput(_Input):
    subscriber_url: Url
    triggers: Triggers
    active: StrictBool
    payload_template: Text | None = None
    secret: Text | None = None
    version: Text | None = None

    def to_new(self) -> NewWebhook:
        return NewWebhook(
            subscriber_url=self.subscriber_url,
            triggers=self.triggers,
            active=self.active,
            payload_template=self.payload_template or None,
            secret=self.secret or None,
            version=self.version or WEBHOOK_VERSION,
        )


class UpdateWebhookInput(_Input):
    subscriber_url: Url | None = None
    triggers: Triggers | None = None
    active: StrictBool | None = None
    payload_template: Text | None = None
    secret: Text | None = None
    version: Text | None = None

    def to_patch(self) -> WebhookPatch:
        sent = self.model_fields_set
        return WebhookPatch(
            subscriber_url=self.subscriber_url,
            triggers=self.triggers,
            active=self.active,
            payload_template=(self.payload_template or None)
            if "payload_template" in sent
            else KEEP,
            secret=(self.secret or None) if "secret" in sent else KEEP,
            version=self.version,
        )


class WebhooksQuery(_Input):
    take: int = Field(default=MAX_TAKE, ge=1, le=MAX_TAKE)
    skip: int = Field(default=0, ge=0, le=MAX_INT)


def _output(webhook: Webhook, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": webhook.id,
        **owner,
        "subscriberUrl": webhook.subscriber_url,
        "triggers": [t.value for t in webhook.triggers],
        "active": webhook.active,
        "payloadTemplate": webhook.payload_template,
    }


def user_webhook_output(webhook: Webhook) -> dict[str, Any]:
    """`UserWebhookOutputDto`, without the secret."""
    return _output(webhook, {"userId": webhook.owner_id})


def event_type_webhook_output(webhook: Webhook) -> dict[str, Any]:
    """`EventTypeWebhookOutputDto`, without the secret."""
    return _output(webhook, {"eventTypeId": webhook.event_type_id})


def deleted_count_output(count: int) -> str:
    """What Cal.com answers for deleting all webhooks of an event type."""
    return f"{count} webhooks deleted"


class DeliveriesQuery(_Input):
    take: int = Field(default=20, ge=1, le=100)
    skip: int = Field(default=0, ge=0, le=MAX_INT)


def _attempt_output(attempt: Attempt) -> dict[str, Any]:
    return {
        "startedAt": js_iso(attempt.started_at),
        "result": attempt.result.value,
        "statusCode": attempt.status_code,
        "durationMs": attempt.duration_ms,
        "error": attempt.error,
    }


def delivery_output(delivery: Delivery) -> dict[str, Any]:
    """One message of the delivery log (Calendula's own shape; Cal.com has none)."""
    job = delivery.job
    return {
        "id": job.id,
        "messageId": job.message_id,
        "trigger": str(job.payload.get("trigger", "")),
        "status": job.status.value,
        "createdAt": js_iso(job.created_at),
        "dueAt": js_iso(job.due_at),
        "finishedAt": js_iso(job.finished_at) if job.finished_at else None,
        "attemptCount": job.attempts,
        "lastError": job.last_error,
        "attempts": [_attempt_output(a) for a in delivery.attempts],
    }


def delivery_log_output(webhook: Webhook, deliveries: list[Delivery]) -> dict[str, Any]:
    return {
        "webhookId": webhook.id,
        "active": webhook.active,
        "consecutiveFailures": webhook.consecutive_failures,
        "disabledAt": js_iso(webhook.disabled_at) if webhook.disabled_at else None,
        "disabledReason": webhook.disabled_reason,
        "deliveries": [delivery_output(d) for d in deliveries],
    }
