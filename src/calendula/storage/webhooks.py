"""SQL repository for webhook subscriptions (port `WebhookRepository`).

Owns: the mapping between `WebhookRow` and the domain `Webhook` (triggers as a JSON list of
names; unknown names, from a newer version, are skipped on read) and the duplicate-URL
refusals: `uq_webhooks_owner_id_subscriber_url` (user webhooks, a partial unique index) and
`uq_webhooks_event_type_id_subscriber_url` (event-type webhooks) both become a `Conflict` naming
`subscriberUrl`. The secret is stored as the service hands it (sealed). Never commits.
"""

from __future__ import annotations

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session

from calendula.domain.errors import NotFound
from calendula.domain.webhooks import Trigger, Webhook
from calendula.storage.integrity import guarded
from calendula.storage.tables import WebhookRow

_WEBHOOK_UNIQUE = {
    "uq_webhooks_owner_id_subscriber_url": "subscriberUrl",
    "uq_webhooks_event_type_id_subscriber_url": "subscriberUrl",
}
_TRIGGERS = {t.value: t for t in Trigger}


class SqlWebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, webhook: Webhook) -> Webhook:
        row = WebhookRow(
            id=webhook.id, owner_id=webhook.owner_id, event_type_id=webhook.event_type_id
        )
        _webhook_to_row(webhook, row)
        with guarded(self._session, _WEBHOOK_UNIQUE):
            self._session.add(row)
            self._session.flush()
        return _webhook_from_row(row)

    def get(self, webhook_id: str) -> Webhook | None:
        row = self._session.get(WebhookRow, webhook_id)
        return None if row is None else _webhook_from_row(row)

    def list_for_owner(self, user_id: int, take: int, skip: int) -> list[Webhook]:
        query = select(WebhookRow).where(
            WebhookRow.owner_id == user_id, WebhookRow.event_type_id.is_(None)
        )
        return self._page(query, take, skip)

    def list_for_event_type(self, event_type_id: int, take: int, skip: int) -> list[Webhook]:
        query = select(WebhookRow).where(WebhookRow.event_type_id == event_type_id)
        return self._page(query, take, skip)

    def _page(self, query: Select[WebhookRow], take: int, skip: int) -> list[Webhook]:
        ordered = query.order_by(WebhookRow.created_at, WebhookRow.id).offset(skip).limit(take)
        return [_webhook_from_row(row) for row in self._session.scalars(ordered)]

    def update(self, webhook: Webhook) -> Webhook:
        row = self._session.get(WebhookRow, webhook.id)
        if row is None:
            raise NotFound(f"Webhook ({webhook.id}) not found")
        with guarded(self._session, _WEBHOOK_UNIQUE):
            _webhook_to_row(webhook, row)
            self._session.flush()
        return _webhook_from_row(row)

    def delete(self, webhook_id: str) -> None:
        self._session.execute(delete(WebhookRow).where(WebhookRow.id == webhook_id))
        self._session.expire_all()

    def delete_for_event_type(self, event_type_id: int) -> int:
        ids = list(
            self._session.scalars(
                select(WebhookRow.id).where(WebhookRow.event_type_id == event_type_id)
            )
        )
        if ids:
            self._session.execute(delete(WebhookRow).where(WebhookRow.id.in_(ids)))
            self._session.expire_all()
        return len(ids)

    def reset_failures(self, webhook_id: str) -> None:
        self._session.execute(
            update(WebhookRow)
            .where(WebhookRow.id == webhook_id, WebhookRow.consecutive_failures > 0)
            .values(consecutive_failures=0)
            .execution_options(synchronize_session=False)
        )

    def find_subscribers(
        self, owner_id: int, event_type_id: int | None, trigger: Trigger | None
    ) -> list[Webhook]:
        own = (WebhookRow.owner_id == owner_id) & WebhookRow.event_type_id.is_(None)
        scope = (
            own if event_type_id is None else or_(own, WebhookRow.event_type_id == event_type_id)
        )
        rows = self._session.scalars(
            select(WebhookRow)
            .where(scope, WebhookRow.active.is_(True), WebhookRow.disabled_at.is_(None))
            .order_by(WebhookRow.created_at, WebhookRow.id)
        )
        found = (_webhook_from_row(row) for row in rows)
        if trigger is None:
            return list(found)
        return [webhook for webhook in found if webhook.listens_to(trigger)]


def _webhook_to_row(webhook: Webhook, row: WebhookRow) -> None:
    """Every field but the identity (`id`, `owner_id`, `event_type_id`), which never changes."""
    row.subscriber_url = webhook.subscriber_url
    row.triggers = [t.value for t in webhook.triggers]
    row.active = webhook.active
    row.payload_template = webhook.payload_template
    row.secret = webhook.secret
    row.version = webhook.version
    if webhook.created_at is None:
        raise ValueError("a webhook needs created_at to be stored")
    row.created_at = webhook.created_at
    row.consecutive_failures = webhook.consecutive_failures
    row.disabled_at = webhook.disabled_at
    row.disabled_reason = webhook.disabled_reason


def _webhook_from_row(row: WebhookRow) -> Webhook:
    return Webhook(
        id=row.id,
        owner_id=row.owner_id,
        event_type_id=row.event_type_id,
        subscriber_url=row.subscriber_url,
        triggers=tuple(_TRIGGERS[name] for name in row.triggers if name in _TRIGGERS),
        active=row.active,
        payload_template=row.payload_template,
        secret=row.secret,
        version=row.version,
        created_at=row.created_at,
        consecutive_failures=row.consecutive_failures,
        disabled_at=row.disabled_at,
        disabled_reason=row.disabled_reason,
    )
