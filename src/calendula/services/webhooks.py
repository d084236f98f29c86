"""Webhook subscriptions: create, list, read, change and delete, scoped to their owner.

Owns: `WebhookService`, its inputs (`NewWebhook`, `WebhookPatch`) and the subscriber-URL
safety rule. A user's webhooks and the webhooks of their event types are only visible to that
user: anyone else's id (webhook or event type) is reported as not found.

Safety (SSRF): a subscriber URL is refused (`InvalidInput` on `subscriberUrl`) when its host is,
or resolves to, a private address (`domain.destinations`) or a cloud metadata endpoint, or does
not resolve at all. `allow_private_targets` (setting `CALENDULA_WEBHOOK_ALLOW_PRIVATE_TARGETS`)
lifts the private-address rule and skips name resolution; metadata endpoints written as an
address or a known name stay refused. Resolution is I/O: it runs before the write transaction,
after the owner check.

Secrets: sealed with the `SecretBox` before they reach the repository and opened on the way
out. The API never shows them; nothing here logs them.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from calendula.domain.destinations import Refusal
from calendula.domain.errors import InvalidInput, NotFound
from calendula.domain.webhooks import (
    WEBHOOK_VERSION,
    Trigger,
    Webhook,
    check_payload_template,
    check_secret,
    check_subscriber_url,
    check_version,
    parse_triggers,
)
from calendula.services.destinations import destination_refusal
from calendula.services.ports import (
    Clock,
    HostResolver,
    SecretBox,
    UnitOfWork,
    UnitOfWorkFactory,
)
from calendula.services.schedules import MAX_ID

log = logging.getLogger(__name__)

MAX_TAKE = 250
PRIVATE_TARGET_MESSAGE = (
    "subscriberUrl points at a private, loopback, link-local or otherwise non-public address "
    "({address}); this server does not send webhooks there"
)
METADATA_TARGET_MESSAGE = "subscriberUrl points at a cloud metadata endpoint; refused"
UNRESOLVED_MESSAGE = "subscriberUrl host {host} does not resolve to any address"


class Keep(Enum):
    """`WebhookPatch` value for a nullable field that was not sent (None clears it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class NewWebhook:
    """What a caller sends to create a webhook (`triggers` by name; checked here)."""

    subscriber_url: str
    triggers: Sequence[str]
    active: bool = True
    payload_template: str | None = None
    secret: str | None = None
    version: str = WEBHOOK_VERSION


@dataclass(frozen=True, slots=True)
class WebhookPatch:
    """A partial update: None (or `KEEP`) leaves a field as it is; `payload_template=None`
    and `secret=None` remove the template or the secret. `active=True` also clears the
    delivery-health record (a re-enabled webhook starts afresh)."""

    subscriber_url: str | None = None
    triggers: Sequence[str] | None = None
    active: bool | None = None
    payload_template: str | Keep | None = KEEP
    secret: str | Keep | None = KEEP
    version: str | None = None


class WebhookService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        resolver: HostResolver,
        box: SecretBox,
        *,
        allow_private_targets: bool = False,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._resolver = resolver
        self._box = box
        self._allow_private = allow_private_targets

    def create(self, owner_id: int, new: NewWebhook, event_type_id: int | None = None) -> Webhook:
        """A user webhook, or with `event_type_id` one of the owner's event type. Raises
        `NotFound` (event type), `InvalidInput` (naming the field), `Conflict`
        (`subscriberUrl`: the owner already has a webhook for that URL)."""
        host = check_subscriber_url(new.subscriber_url)
        triggers = parse_triggers(new.triggers)
        check_payload_template(new.payload_template)
        check_secret(new.secret)
        check_version(new.version)
        if event_type_id is not None:
            with self._uow_factory() as uow:
                _owned_event_type(uow, owner_id, event_type_id)
        self._check_target(host)
        webhook = Webhook(
            id=str(uuid.uuid4()),
            owner_id=owner_id,
            event_type_id=event_type_id,
            subscriber_url=new.subscriber_url,
            triggers=triggers,
            active=new.active,
            payload_template=new.payload_template,
            secret=self._seal(new.secret),
            version=new.version,
            created_at=self._clock.now(),
        )
        with self._uow_factory(write=True) as uow:
            if event_type_id is not None:
                _owned_event_type(uow, owner_id, event_type_id)
            created = uow.webhooks.add(webhook)
            uow.commit()
        return self._opened(created)

    def list(
        self, owner_id: int, *, event_type_id: int | None = None, take: int = 250, skip: int = 0
    ) -> list[Webhook]:
        """The user's webhooks, or those of one of their event types, oldest first."""
        take, skip = max(1, min(take, MAX_TAKE)), max(0, skip)
        with self._uow_factory() as uow:
            if event_type_id is None:
                found = uow.webhooks.list_for_owner(owner_id, take, skip)
            else:
                _owned_event_type(uow, owner_id, event_type_id)
                found = uow.webhooks.list_for_event_type(event_type_id, take, skip)
        return [self._opened(w) for w in found]

    def get(self, owner_id: int, webhook_id: str, *, event_type_id: int | None = None) -> Webhook:
        with self._uow_factory() as uow:
            return self._opened(_owned(uow, owner_id, webhook_id, event_type_id))

    def update(
        self,
        owner_id: int,
        webhook_id: str,
        patch: WebhookPatch,
        *,
        event_type_id: int | None = None,
    ) -> Webhook:
        """Apply `patch`. Raises `NotFound`, `InvalidInput`, `Conflict` like `create`."""
        host = None if patch.subscriber_url is None else check_subscriber_url(patch.subscriber_url)
        triggers = None if patch.triggers is None else parse_triggers(patch.triggers)
        if not isinstance(patch.payload_template, Keep):
            check_payload_template(patch.payload_template)
        if not isinstance(patch.secret, Keep):
            check_secret(patch.secret)
        if patch.version is not None:
            check_version(patch.version)
        if host is not None:
            with self._uow_factory() as uow:
                _owned(uow, owner_id, webhook_id, event_type_id)
            self._check_target(host)
        with self._uow_factory(write=True) as uow:
            current = _owned(uow, owner_id, webhook_id, event_type_id)
            updated = uow.webhooks.update(self._patched(current, patch, triggers))
            uow.commit()
        return self._opened(updated)

    def delete(
        self, owner_id: int, webhook_id: str, *, event_type_id: int | None = None
    ) -> Webhook:
        """Delete one webhook; returns it as it was."""
        with self._uow_factory(write=True) as uow:
            webhook = _owned(uow, owner_id, webhook_id, event_type_id)
            uow.webhooks.delete(webhook_id)
            uow.commit()
        return self._opened(webhook)

    def delete_all(self, owner_id: int, event_type_id: int) -> int:
        """Delete every webhook of one of the owner's event types; returns how many."""
        with self._uow_factory(write=True) as uow:
            _owned_event_type(uow, owner_id, event_type_id)
            count = uow.webhooks.delete_for_event_type(event_type_id)
            uow.commit()
        return count

    # -- helpers --------------------------------------------------------------------------

    def _check_target(self, host: str) -> None:
        """Refuse metadata endpoints always, private addresses unless allowed."""
        refused = destination_refusal(self._resolver, host, allow_private=self._allow_private)
        if refused is None:
            return
        if refused.reason is Refusal.METADATA:
            raise InvalidInput("subscriberUrl", METADATA_TARGET_MESSAGE)
        if refused.reason is Refusal.UNRESOLVED:
            raise InvalidInput("subscriberUrl", UNRESOLVED_MESSAGE.format(host=host))
        raise InvalidInput("subscriberUrl", PRIVATE_TARGET_MESSAGE.format(address=refused.address))

    def _patched(
        self, current: Webhook, patch: WebhookPatch, triggers: tuple[Trigger, ...] | None
    ) -> Webhook:
        changes: dict[str, Any] = {}
        if patch.subscriber_url is not None:
            changes["subscriber_url"] = patch.subscriber_url
        if triggers is not None:
            changes["triggers"] = triggers
        if patch.active is not None:
            changes["active"] = patch.active
        if patch.active is True:
            changes.update(consecutive_failures=0, disabled_at=None, disabled_reason=None)
        if not isinstance(patch.payload_template, Keep):
            changes["payload_template"] = patch.payload_template
        if not isinstance(patch.secret, Keep):
            changes["secret"] = self._seal(patch.secret)
        if patch.version is not None:
            changes["version"] = patch.version
        return dataclasses.replace(current, **changes)

    def _seal(self, secret: str | None) -> str | None:
        return self._box.seal(secret) if secret else None

    def _opened(self, webhook: Webhook) -> Webhook:
        """The webhook with its secret in clear. A secret sealed under another secret key
        reads as None here (logged); the stored token is left alone."""
        if webhook.secret is None:
            return webhook
        try:
            return dataclasses.replace(webhook, secret=self._box.open(webhook.secret))
        except ValueError:
            log.warning(
                "webhook %s: its stored secret cannot be opened (CALENDULA_SECRET_KEY changed?); "
                "set the secret again",
                webhook.id,
            )
            return dataclasses.replace(webhook, secret=None)


def _owned_event_type(uow: UnitOfWork, owner_id: int, event_type_id: int) -> None:
    event_type = uow.event_types.get(event_type_id) if 0 < event_type_id <= MAX_ID else None
    if event_type is None or event_type.owner_id != owner_id:
        raise NotFound(f"Event type with id {event_type_id} not found")


def _owned(uow: UnitOfWork, owner_id: int, webhook_id: str, event_type_id: int | None) -> Webhook:
    """The webhook when it belongs to `owner_id` (and to `event_type_id`, or is a user webhook
    when that is None); otherwise `NotFound`, whatever the reason."""
    if event_type_id is not None:
        _owned_event_type(uow, owner_id, event_type_id)
    webhook = uow.webhooks.get(webhook_id) if is_webhook_id(webhook_id) else None
    if webhook is None or webhook.owner_id != owner_id or webhook.event_type_id != event_type_id:
        raise NotFound(f"Webhook ({webhook_id}) not found")
    return webhook


def is_webhook_id(text: str) -> bool:
    """Whether `text` is a canonical UUID (webhook ids are; anything else finds nothing)."""
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False
