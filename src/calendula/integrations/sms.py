"""SMS reminders through the user's own gateway: a provider interface and an HTTP-webhook
provider.

Owns: `SmsProvider` (the interface another gateway plugs into), `WebhookSmsProvider` (POSTs
`{"to", "body", "messageId", "bookingUid"}` as JSON to a configured URL, signed like Calendula's
webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">` when a secret is set) and `SmsHandler` (port `services.outbox.JobHandler`
for jobs of kind "sms"). A 2xx answer is delivered; timeouts, connection errors, 408, 429 and
5xx are retried (honouring `Retry-After`); any other answer is a permanent failure.
Phone numbers never reach the logs or the attempt log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any, Protocol

import httpx

from calendula.domain.outbox import Job, JobStatus, Outcome, Result
from calendula.integrations.mail.render import render_sms

TRANSIENT_STATUSES = frozenset({408, 425, 429})


class SmsProvider(Protocol):
    def send(self, to: str, body: str, message_id: str, booking_uid: str | None) -> Outcome:
        """Send `body` to the phone number `to`; the same `message_id` on every retry (the
        gateway de-duplicates by it). Returns the outcome; never raises for a failed send."""
        ...


class WebhookSmsProvider:
    def __init__(
        self,
        url: str,
        *,
        secret: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url
        self._secret = secret
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def send(self, to: str, body: str, message_id: str, booking_uid: str | None) -> Outcome:
        content = json.dumps(
            {"to": to, "body": body, "messageId": message_id, "bookingUid": booking_uid},
            separators=(",", ":"),
        ).encode()
        headers = {"content-type": "application/json", **self._signature(message_id, content)}
        started = time.monotonic()
        try:
            response = self._client.post(self._url, content=content, headers=headers)
        except httpx.HTTPError as error:
            return Outcome(Result.RETRY, error=f"{type(error).__name__}", duration_ms=_ms(started))
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(Result.DELIVERED, status, duration_ms=_ms(started))
        transient = status >= 500 or status in TRANSIENT_STATUSES
        return Outcome(
            Result.RETRY if transient else Result.FAILED,
            status,
            error=f"SMS gateway answered {status}",
            retry_after=_retry_after(response.headers.get("retry-after")),
            duration_ms=_ms(started),
        )

    def _signature(self, message_id: str, content: bytes) -> dict[str, str]:
        if not self._secret:
            return {}
        stamp = str(int(time.time()))
        signed = f"{message_id}.{stamp}.".encode() + content
        digest = hmac.new(self._secret.encode(), signed, hashlib.sha256).digest()
        return {
            "webhook-id": message_id,
            "webhook-timestamp": stamp,
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        }

    def close(self) -> None:
        self._client.close()


class SmsHandler:
    kind = "sms"

    def __init__(self, provider: SmsProvider) -> None:
        self._provider = provider

    def run(self, job: Job) -> Outcome:
        spec = job.payload
        return self._provider.send(
            str(spec["phone"]), render_sms(spec), job.message_id, job.booking_uid
        )

    def settle(self, uow: Any, job: Job, outcome: Outcome, status: JobStatus) -> None:
        """Nothing to keep beyond the dispatcher's attempt log."""


def _retry_after(value: str | None) -> timedelta | None:
    if value is None or not value.strip().isdigit():
        return None
    return timedelta(seconds=int(value.strip()))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
