"""Write-back: booking changes become events in the host's destination calendar, via the outbox.

Owns: `CalendarFanout` (port `services.outbox.Fanout`) and `CalendarWriter` (port
`JobHandler`, kind `calendar`). A booking event of the owner (`domain.calendars.
calendar_write_for`) becomes one job for the connection of their destination calendar (target:
the connection id): PUT the event, named by the booking's iCalUID (the same UID as the email
invite; a reschedule keeps it, so the same resource is overwritten with the new times), or
DELETE it (cancelled, rejected, moved back into a request).

Order: a PUT job carries `schedule_key` `calendar-put`, so the dispatcher withdraws it while
still pending when its booking is cancelled, rejected or moved (`domain.outbox.withdrawn_uid`):
an old PUT retried late can never resurrect a deleted or moved event. DELETE jobs are never
withdrawn. A calendar that is down delays the write (retries with backoff for about a day)
and never touches the booking; a removed connection cancels its jobs. Each attempt updates the
connection's health (`record_health`): a connection failing again and again is flagged.
Must not import storage, integrations or entry points.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime

from calendula.domain.calendars import RemoteCalendar, WriteAction, calendar_write_for
from calendula.domain.errors import CalendarUnreachable
from calendula.domain.outbox import Job, JobStatus, NewJob, OutboxEvent, Outcome, Result
from calendula.services.calendar_busy import access_for
from calendula.services.calendars import CALENDAR_JOB_KIND
from calendula.services.outbox import TransactionMemo, new_message_id
from calendula.services.ports import (
    CalendarClient,
    Clock,
    SecretBox,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

PUT_SCHEDULE_KEY = "calendar-put"


class CalendarFanout:
    def __init__(self) -> None:
        self._destinations: TransactionMemo[int, RemoteCalendar | None] = TransactionMemo()

    def jobs_for(self, uow: UnitOfWork, event: OutboxEvent, now: datetime) -> Sequence[NewJob]:
        if event.owner_id is None or event.booking_uid is None:
            return []
        payload = event.data.get("payload")
        if not isinstance(payload, dict):
            return []
        write = calendar_write_for(event.topic, payload)
        if write is None:
            return []
        owner_id = event.owner_id
        destination = self._destinations.get(
            uow,
            owner_id,
            lambda: next(
                (c for c in uow.calendars.list_calendars([owner_id]) if c.is_destination), None
            ),
        )
        if destination is None:
            return []
        return [
            NewJob(
                kind=CALENDAR_JOB_KIND,
                target=str(destination.connection_id),
                message_id=new_message_id(),
                due_at=now,
                payload={
                    "action": write.action.value,
                    "uid": write.uid,
                    "calendarUrl": destination.external_id,
                    "event": dict(write.event),
                },
                booking_uid=event.booking_uid,
                schedule_key=PUT_SCHEDULE_KEY if write.action is WriteAction.PUT else None,
                event_id=event.id,
            )
        ]


class CalendarWriter:
    kind = CALENDAR_JOB_KIND

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        client: CalendarClient,
        box: SecretBox,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._client = client
        self._box = box

    def run(self, job: Job) -> Outcome:
        started = time.monotonic()
        with self._uow_factory() as uow:
            connection = uow.calendars.get_connection(int(job.target))
        if connection is None:
            return Outcome(Result.CANCELLED, error="the calendar connection was removed")
        try:
            access = access_for(connection, str(job.payload["calendarUrl"]), self._box)
            uid = str(job.payload["uid"])
            if job.payload["action"] == WriteAction.DELETE.value:
                self._client.delete_event(access, uid)
            else:
                self._client.put_event(access, uid, job.payload["event"])
        except CalendarUnreachable as error:
            return Outcome(
                Result.RETRY if error.transient else Result.FAILED,
                status_code=error.status_code,
                error=error.message,
                duration_ms=_since(started),
            )
        return Outcome(Result.DELIVERED, duration_ms=_since(started))

    def settle(self, uow: UnitOfWork, job: Job, outcome: Outcome, status: JobStatus) -> None:
        if outcome.result is Result.CANCELLED:
            return
        error = None if outcome.result is Result.DELIVERED else (outcome.error or "failed")
        recorded = uow.calendars.record_health(int(job.target), self._clock.now(), error)
        if recorded is not None and recorded.is_flagged and error is not None:
            log.warning(
                "calendar connection %s keeps failing (%s in a row): %s",
                recorded.id,
                recorded.consecutive_failures,
                error,
            )


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
