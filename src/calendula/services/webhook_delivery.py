"""Webhook delivery: booking events become messages to subscribers, sent with retries.

Owns: `WebhookFanout` (which subscribers get an event, the exact body each gets, and the
MEETING_STARTED / MEETING_ENDED messages scheduled at the booking's start and end),
`WebhookHandler` (one POST per attempt, signed when it is sent; subscriber health), and
`WebhookDeliveryService` (the delivery log, redelivery and the PING test delivery for owners).

The body is rendered once, at fan-out, from the event's snapshot: every retry of a message
sends the same bytes with the same `webhook-id`; only `webhook-timestamp` and the signatures
are made at send time. The subscription is read again at send time: a deleted subscription
cancels its messages, a deactivated or disabled one too (recorded, never silently dropped), a
changed URL or secret applies to messages still waiting.

Subscriber health (`DISABLE_AFTER_FAILURES`): each failed attempt counts one against the
subscription, a delivered one resets the count. When a message has been retried for the whole
retry window (about 24 hours) without success and the subscription has failed at least
`DISABLE_AFTER_FAILURES` times in a row, it is disabled: `disabled_at` and `disabled_reason`
are set (visible in the API), its waiting messages are cancelled (redeliverable on request),
and a WEBHOOK_DISABLED outbox event tells the owner (by email, where mail is set up).
Setting `active: true` again re-enables it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from calendula.domain.errors import NotFound
from calendula.domain.outbox import (
    Attempt,
    Job,
    JobStatus,
    NewJob,
    OutboxEvent,
    Outcome,
    Result,
)
from calendula.domain.webhooks import (
    Trigger,
    Webhook,
    delivery_headers,
    ping_payload,
    wire_body,
)
from calendula.services.outbox import TransactionMemo, new_message_id
from calendula.services.ports import (
    Clock,
    SecretBox,
    UnitOfWork,
    UnitOfWorkFactory,
    WebhookTransport,
)
from calendula.services.webhooks import is_webhook_id

log = logging.getLogger(__name__)

KIND = "webhook"
DISABLE_AFTER_FAILURES = 10
DISABLED_TOPIC = "WEBHOOK_DISABLED"
BOOKING_TRIGGERS = frozenset(
    {
        Trigger.BOOKING_CREATED,
        Trigger.BOOKING_REQUESTED,
        Trigger.BOOKING_RESCHEDULED,
        Trigger.BOOKING_CANCELLED,
        Trigger.BOOKING_REJECTED,
        Trigger.BOOKING_NO_SHOW_UPDATED,
    }
)
SCHEDULING_TRIGGERS = frozenset({Trigger.BOOKING_CREATED, Trigger.BOOKING_RESCHEDULED})
MEETING_TRIGGERS = ((Trigger.MEETING_STARTED, "startTime"), (Trigger.MEETING_ENDED, "endTime"))
MAX_TAKE = 100
MAX_CACHED = 10_000


def parse_js_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class WebhookFanout:
    """Jobs for an outbox event: one message per subscriber of its trigger, plus the meeting
    messages of an accepted booking (scheduled, withdrawn when the booking is cancelled or
    moved: `domain.outbox.withdrawn_uid`).

    The subscriptions of an (owner, event type) are read once per fan-out transaction (a
    batch of events), not once per event and trigger."""

    def __init__(self) -> None:
        self._subscriptions: TransactionMemo[tuple[int, int | None], list[Webhook]]
        self._subscriptions = TransactionMemo()

    def jobs_for(self, uow: UnitOfWork, event: OutboxEvent, now: datetime) -> Sequence[NewJob]:
        if event.topic not in BOOKING_TRIGGERS or event.owner_id is None:
            return []
        trigger = Trigger(event.topic)
        payload = dict(event.data.get("payload", {}))
        subscribers = self._subscribers(uow, event.owner_id, event.event_type_id)
        jobs = [
            _message(webhook, trigger, payload, event, event.created_at, event.created_at)
            for webhook in subscribers
            if webhook.listens_to(trigger)
        ]
        if trigger in SCHEDULING_TRIGGERS and payload.get("status") == "ACCEPTED":
            jobs.extend(self._meetings(uow, event, payload, subscribers, now))
        return jobs

    def _subscribers(
        self, uow: UnitOfWork, owner_id: int, event_type_id: int | None
    ) -> list[Webhook]:
        return self._subscriptions.get(
            uow,
            (owner_id, event_type_id),
            lambda: uow.webhooks.find_subscribers(owner_id, event_type_id, None),
        )

    def _meetings(
        self,
        uow: UnitOfWork,
        event: OutboxEvent,
        payload: dict[str, object],
        subscribers: list[Webhook],
        now: datetime,
    ) -> list[NewJob]:
        wanted = [
            (trigger, field, webhook)
            for trigger, field in MEETING_TRIGGERS
            for webhook in subscribers
            if webhook.listens_to(trigger)
        ]
        if not wanted:
            return []
        taken = uow.outbox.pending_schedule_keys(event.booking_uid) if event.booking_uid else set()
        jobs = []
        for trigger, field, webhook in wanted:
            at = parse_js_instant(str(payload.get(field)))
            key = f"{trigger.value.lower()}:{webhook.id}"
            if at >= now and key not in taken:  # a seat taken later: not scheduled twice
                jobs.append(_message(webhook, trigger, payload, event, at, at, key))
        return jobs


def _message(
    webhook: Webhook,
    trigger: Trigger,
    payload: dict[str, object],
    event: OutboxEvent,
    created_at: datetime,
    due_at: datetime,
    schedule_key: str | None = None,
) -> NewJob:
    body, content_type = wire_body(trigger, created_at, dict(payload), webhook.payload_template)
    return NewJob(
        kind=KIND,
        target=webhook.id,
        message_id=new_message_id(),
        due_at=due_at,
        payload={
            "trigger": trigger.value,
            "body": body.decode(),
            "contentType": content_type,
        },
        booking_uid=event.booking_uid,
        schedule_key=schedule_key,
        event_id=event.id,
    )


class WebhookHandler:
    """Sends one message (`run`) and keeps the subscriber's health (`settle`)."""

    kind = KIND

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        box: SecretBox,
        transport: WebhookTransport,
        *,
        cache_seconds: float = 1.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._box = box
        self._transport = transport
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Webhook | None]] = {}

    def _subscription(self, webhook_id: str) -> Webhook | None:
        """The subscription as stored at most `cache_seconds` ago (one read per subscription
        and second, not per message: a burst to one subscriber reads it once)."""
        now = time.monotonic()
        cached = self._cache.get(webhook_id)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        with self._uow_factory() as uow:
            webhook = uow.webhooks.get(webhook_id)
        if len(self._cache) > MAX_CACHED:
            self._cache.clear()
        self._cache[webhook_id] = (now, webhook)
        return webhook

    def run(self, job: Job) -> Outcome:
        webhook = self._subscription(job.target)
        if webhook is None:
            return Outcome(Result.CANCELLED, error="the subscription was deleted")
        if job.payload.get("trigger") != Trigger.PING.value and not webhook.active:
            return Outcome(Result.CANCELLED, error="the subscription is not active")
        if webhook.disabled_at is not None:
            return Outcome(Result.CANCELLED, error="the subscription is disabled")
        try:
            secret = self._box.open(webhook.secret) if webhook.secret else None
        except ValueError:
            return Outcome(
                Result.FAILED,
                error="the subscription's secret cannot be read (CALENDULA_SECRET_KEY "
                "changed): set it again",
            )
        return self.send(job, webhook.subscriber_url, secret)

    def send(self, job: Job, url: str, secret: str | None) -> Outcome:
        body = str(job.payload["body"]).encode()
        timestamp = int(self._clock.now().timestamp())
        headers = delivery_headers(
            job.message_id, timestamp, body, str(job.payload["contentType"]), secret
        )
        answer = self._transport.post(url, body, headers)
        code = answer.status_code
        if answer.refused:
            result = Result.FAILED
        elif code is None or code in (408, 429) or code >= 500:
            result = Result.RETRY
        elif 200 <= code < 300:
            result = Result.DELIVERED
        else:  # 3xx (redirects are not followed) and other 4xx: the receiver said no
            result = Result.FAILED
        error = answer.error
        if error is None and result is not Result.DELIVERED:
            error = f"HTTP {code}"
        return Outcome(result, code, error, answer.retry_after, answer.duration_ms)

    def settle(self, uow: UnitOfWork, job: Job, outcome: Outcome, status: JobStatus) -> None:
        if outcome.result is Result.CANCELLED or job.payload.get("trigger") == Trigger.PING.value:
            return
        if outcome.result is Result.DELIVERED:
            uow.webhooks.reset_failures(job.target)
            return
        webhook = uow.webhooks.get(job.target)
        if webhook is None:
            return
        failures = webhook.consecutive_failures + 1
        webhook = dataclasses.replace(webhook, consecutive_failures=failures)
        exhausted = outcome.result is Result.RETRY and status is JobStatus.FAILED
        if exhausted and failures >= DISABLE_AFTER_FAILURES and webhook.disabled_at is None:
            webhook = self._disable(uow, webhook)
            self._cache.pop(webhook.id, None)
        uow.webhooks.update(webhook)

    def _disable(self, uow: UnitOfWork, webhook: Webhook) -> Webhook:
        now = self._clock.now()
        reason = (
            f"disabled after {webhook.consecutive_failures} failed attempts in a row; "
            "a message was retried for 24 hours without success"
        )
        log.warning("webhook %s disabled: %s", webhook.id, reason)
        uow.outbox.cancel_pending(KIND, webhook.id, now, "the subscription was disabled")
        uow.outbox.add_event(
            OutboxEvent(
                topic=DISABLED_TOPIC,
                created_at=now,
                owner_id=webhook.owner_id,
                event_type_id=webhook.event_type_id,
                data={
                    "webhook": {
                        "id": webhook.id,
                        "subscriberUrl": webhook.subscriber_url,
                        "reason": reason,
                    }
                },
            )
        )
        return dataclasses.replace(webhook, active=False, disabled_at=now, disabled_reason=reason)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to a subscriber with every attempt at it (the delivery log)."""

    job: Job
    attempts: list[Attempt]


class WebhookDeliveryService:
    """What an owner sees and does with deliveries: the log, redelivery, a test PING."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        handler: WebhookHandler,
        *,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._handler = handler
        self._on_commit = on_commit

    def deliveries(
        self, owner_id: int, webhook_id: str, *, take: int = 20, skip: int = 0
    ) -> list[Delivery]:
        """The webhook's messages, newest first, each with its attempts."""
        return self.log(owner_id, webhook_id, take=take, skip=skip)[1]

    def log(
        self, owner_id: int, webhook_id: str, *, take: int = 20, skip: int = 0
    ) -> tuple[Webhook, list[Delivery]]:
        """The webhook (its health fields: `consecutive_failures`, `disabled_*`; its secret
        stays sealed) and its messages, newest first, each with its attempts: one read."""
        take, skip = max(1, min(take, MAX_TAKE)), max(0, skip)
        with self._uow_factory() as uow:
            webhook = _owned(uow, owner_id, webhook_id)
            found = uow.outbox.list_jobs(KIND, webhook_id, take, skip)
        return webhook, [Delivery(job, attempts) for job, attempts in found]

    def redeliver(self, owner_id: int, webhook_id: str, delivery_id: int) -> Delivery:
        """Send a finished message again (same `webhook-id`), as soon as the dispatcher runs.
        A message still waiting or being sent is left as it is."""
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            _owned(uow, owner_id, webhook_id)
            job = uow.outbox.get_job(delivery_id) if 0 < delivery_id < 2**63 else None
            if job is None or job.kind != KIND or job.target != webhook_id:
                raise NotFound(f"Delivery {delivery_id} of webhook {webhook_id} not found")
            reopened = uow.outbox.reopen(delivery_id, now)
            assert reopened is not None
            uow.commit()
        if self._on_commit is not None:
            self._on_commit()
        return Delivery(reopened, [])

    def ping(self, owner_id: int, webhook_id: str) -> Delivery:
        """Send a PING test message now and record it like any delivery (never retried)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            webhook = _owned(uow, owner_id, webhook_id)
        body, content_type = wire_body(Trigger.PING, now, ping_payload(now), None)
        new = NewJob(
            kind=KIND,
            target=webhook.id,
            message_id=new_message_id(),
            due_at=now + timedelta(days=3650),  # never claimed by a dispatcher: sent here
            payload={
                "trigger": Trigger.PING.value,
                "body": body.decode(),
                "contentType": content_type,
            },
        )
        with self._uow_factory(write=True) as uow:
            uow.outbox.add_jobs([new], now)
            job = uow.outbox.claim_message(new.message_id, now)
            uow.commit()
        started = self._clock.now()
        outcome = self._handler.run(job)
        status = JobStatus.DELIVERED if outcome.result is Result.DELIVERED else JobStatus.FAILED
        attempt = Attempt(
            job.id, started, outcome.result, outcome.duration_ms, outcome.status_code, outcome.error
        )
        with self._uow_factory(write=True) as uow:
            uow.outbox.finish(job, attempt, status, self._clock.now())
            uow.commit()
            finished = uow.outbox.get_job(job.id)
        assert finished is not None
        return Delivery(finished, [attempt])


def _owned(uow: UnitOfWork, owner_id: int, webhook_id: str) -> Webhook:
    webhook = uow.webhooks.get(webhook_id) if is_webhook_id(webhook_id) else None
    if webhook is None or webhook.owner_id != owner_id:
        raise NotFound(f"Webhook ({webhook_id}) not found")
    return webhook
