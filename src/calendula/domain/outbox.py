"""The outbox: events recorded with the change that caused them, and the jobs they fan out to.

Owns: `OutboxEvent` (a fact written in the same transaction as a booking change: it exists if
and only if the change committed), `NewJob` / `Job` (one piece of side-effect work, such as one
webhook message to one subscriber, one email, one calendar write; possibly due later), `Attempt`
(one try at a job, kept forever), `Outcome` (what a try came to) and the retry policy
(`RetryPolicy`: exponential backoff with full jitter for about a day, `Retry-After` honoured).

Scheduled jobs (`schedule_key` set, e.g. MEETING_STARTED at the start time, a reminder before
it) belong to one booking uid and are withdrawn when that booking is cancelled, rejected or
moved (`withdrawn_uid`). Imports only the standard library.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class JobStatus(StrEnum):
    PENDING = "pending"
    """Waiting for `due_at` (or for a retry)."""
    RUNNING = "running"
    """Claimed by a dispatcher until `lease_until`; an expired lease makes it claimable again."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """Given up: a permanent refusal, or retries exhausted. Redelivery on request re-opens it."""
    CANCELLED = "cancelled"
    """Withdrawn before it ran (booking moved or cancelled, subscription deleted or disabled)."""


FINISHED = frozenset({JobStatus.DELIVERED, JobStatus.FAILED, JobStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A change that happened. `topic` names it (for bookings: a webhook trigger name such as
    `BOOKING_CREATED`); `data` is a JSON snapshot taken inside the change's transaction (for
    bookings: `{"payload": <Cal.com booking payload>}`), so what is sent later describes the
    booking as it was at that moment."""

    topic: str
    created_at: datetime
    owner_id: int | None = None
    booking_uid: str | None = None
    event_type_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class NewJob:
    """Work to do for an event. `kind` picks the handler; `target` is what the job is for (a
    webhook id, a connection id, a recipient...), used to list a target's deliveries.
    `message_id` is unique and stays the same across retries and redeliveries."""

    kind: str
    target: str
    message_id: str
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    booking_uid: str | None = None
    schedule_key: str | None = None
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    target: str
    message_id: str
    status: JobStatus
    due_at: datetime
    created_at: datetime
    attempts: int = 0
    payload: Mapping[str, Any] = field(default_factory=dict)
    booking_uid: str | None = None
    schedule_key: str | None = None
    event_id: int | None = None
    last_error: str | None = None
    finished_at: datetime | None = None


class Result(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """A transient failure (timeout, connection error, 429, 5xx): try again later."""
    FAILED = "failed"
    """A permanent failure (any other answer): not retried."""
    CANCELLED = "cancelled"
    """Nothing to do any more (target gone or switched off); recorded, not retried."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one try came to. `retry_after` is the receiver's `Retry-After`, when given."""

    result: Result
    status_code: int | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class Attempt:
    job_id: int
    started_at: datetime
    result: Result
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the n-th retry waits a random time up to
    `base * 2**(n-1)`, capped at `cap`, but never less than half of that bound (so retries
    spread out without bunching near zero). A receiver's `Retry-After` is honoured up to `cap`.
    Gives up once the next try would fall more than `give_up_after` after the job was due
    (about 24 hours: 19 tries with the defaults)."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=4)
    give_up_after: timedelta = timedelta(hours=24)

    def next_due(
        self,
        job: Job,
        attempts: int,
        now: datetime,
        retry_after: timedelta | None = None,
        rng: random.Random | None = None,
    ) -> datetime | None:
        """When to try again after `attempts` failed tries, or None to give up."""
        bound = min(self.cap, self.base * (2 ** max(attempts - 1, 0)))
        fraction = rng.random() if rng is not None else random.random()
        wait = bound * (0.5 + 0.5 * fraction)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap))
        due: datetime = now + wait
        if due - job.created_at > self.give_up_after:
            return None
        return due


WITHDRAWING_TOPICS = frozenset({"BOOKING_CANCELLED", "BOOKING_REJECTED", "BOOKING_RESCHEDULED"})


def withdrawn_uid(event: OutboxEvent) -> str | None:
    """The booking uid whose scheduled jobs `event` withdraws: a cancelled or rejected
    booking's own (unless only one seat was given up: the booking still stands), a rescheduled
    booking's predecessor."""
    if event.topic not in WITHDRAWING_TOPICS:
        return None
    payload = event.data.get("payload", {})
    if event.topic == "BOOKING_RESCHEDULED":
        previous = payload.get("rescheduleUid")
        return previous if isinstance(previous, str) else None
    if payload.get("status") not in ("CANCELLED", "REJECTED"):
        return None
    return event.booking_uid
