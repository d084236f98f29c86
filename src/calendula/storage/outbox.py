"""SQL repository for the outbox (port `OutboxRepository`).

Owns: the mapping between the outbox rows and `domain.outbox` values, and the claim query.
On PostgreSQL, `pending_events` and `claim` lock the rows they pick with `FOR UPDATE SKIP
LOCKED`, so concurrent dispatchers (threads or `calendula worker` processes) take disjoint
batches; on SQLite the write unit of work already holds the database write lock. `finish` only
moves a job that is still running under the claim that was handed out (same `attempts`), so a
dispatcher whose lease expired cannot record over the one that took the job after it.
Never commits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import Insert, Select, Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from calendula.domain.errors import NotFound
from calendula.domain.outbox import (
    FINISHED,
    Attempt,
    Job,
    JobStatus,
    NewJob,
    OutboxEvent,
    Result,
)
from calendula.storage.tables import OutboxAttemptRow, OutboxEventRow, OutboxJobRow

IN_LINE_LEASE = timedelta(minutes=5)
_Q = TypeVar("_Q", bound=Select[Any])


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- events --------------------------------------------------------------------------------

    def add_event(self, event: OutboxEvent) -> OutboxEvent:
        # One Core INSERT (the booking path records an event per booking). On PostgreSQL the
        # table's trigger (migration 0007) notifies other processes' dispatchers at commit.
        values = {
            "topic": event.topic,
            "owner_id": event.owner_id,
            "booking_uid": event.booking_uid,
            "event_type_id": event.event_type_id,
            "data": dict(event.data),
            "created_at": event.created_at,
        }
        event_id = self._session.execute(_insert_event(), values).scalar_one()
        return dataclasses.replace(event, id=event_id)

    def pending_events(self, limit: int) -> list[OutboxEvent]:
        query = (
            select(OutboxEventRow)
            .where(OutboxEventRow.fanned_out_at.is_(None))
            .order_by(OutboxEventRow.id)
            .limit(limit)
        )
        return [_event(row) for row in self._session.scalars(self._locking(query))]

    def mark_fanned_out(self, event_ids: Sequence[int], now: datetime) -> None:
        if event_ids:
            self._session.execute(
                update(OutboxEventRow)
                .where(OutboxEventRow.id.in_(list(event_ids)))
                .values(fanned_out_at=now)
            )

    # -- jobs ----------------------------------------------------------------------------------

    def add_jobs(self, jobs: Sequence[NewJob], now: datetime) -> None:
        if not jobs:
            return
        self._session.execute(  # one multi-row INSERT (Core: no ORM bookkeeping per row)
            insert(OutboxJobRow),
            [
                {
                    "kind": job.kind,
                    "target": job.target,
                    "message_id": job.message_id,
                    "status": JobStatus.PENDING.value,
                    "due_at": job.due_at,
                    "attempts": 0,
                    "payload": dict(job.payload),
                    "booking_uid": job.booking_uid,
                    "schedule_key": job.schedule_key,
                    "event_id": job.event_id,
                    "created_at": now,
                }
                for job in jobs
            ],
        )

    def withdraw(self, booking_uid: str, now: datetime, reason: str) -> int:
        return self._cancel(
            and_(
                OutboxJobRow.booking_uid == booking_uid,
                OutboxJobRow.schedule_key.is_not(None),
            ),
            now,
            reason,
        )

    def has_work(self, now: datetime, kinds: Sequence[str]) -> bool:
        event = select(OutboxEventRow.id).where(OutboxEventRow.fanned_out_at.is_(None)).limit(1)
        if self._session.scalar(event) is not None:
            return True
        if not kinds:
            return False
        job = (
            select(OutboxJobRow.id)
            .where(
                OutboxJobRow.kind.in_(list(kinds)),
                or_(
                    and_(
                        OutboxJobRow.status == JobStatus.PENDING.value,
                        OutboxJobRow.due_at <= now,
                    ),
                    and_(
                        OutboxJobRow.status == JobStatus.RUNNING.value,
                        OutboxJobRow.lease_until < now,
                    ),
                ),
            )
            .limit(1)
        )
        return self._session.scalar(job) is not None

    def pending_schedule_keys(self, booking_uid: str) -> set[str]:
        keys = self._session.scalars(
            select(OutboxJobRow.schedule_key).where(
                OutboxJobRow.booking_uid == booking_uid,
                OutboxJobRow.schedule_key.is_not(None),
                OutboxJobRow.status == JobStatus.PENDING.value,
            )
        )
        return {key for key in keys if key is not None}

    def claim_message(self, message_id: str, now: datetime) -> Job:
        row = self._session.scalars(
            select(OutboxJobRow).where(
                OutboxJobRow.message_id == message_id,
                OutboxJobRow.status == JobStatus.PENDING.value,
            )
        ).first()
        if row is None:
            raise NotFound(f"no pending message {message_id}")
        row.status = JobStatus.RUNNING.value
        row.lease_until = now + IN_LINE_LEASE
        row.attempts += 1
        self._session.flush()
        return _job(row)

    def cancel_pending(self, kind: str, target: str, now: datetime, reason: str) -> int:
        return self._cancel(
            and_(OutboxJobRow.kind == kind, OutboxJobRow.target == target), now, reason
        )

    def _cancel(self, which: object, now: datetime, reason: str) -> int:
        result = self._session.execute(
            update(OutboxJobRow)
            .where(which, OutboxJobRow.status == JobStatus.PENDING.value)  # type: ignore[arg-type]
            .values(status=JobStatus.CANCELLED.value, finished_at=now, last_error=reason)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def claim(
        self, now: datetime, limit: int, lease_until: datetime, kinds: Sequence[str]
    ) -> list[Job]:
        if not kinds:
            return []
        due = or_(
            and_(OutboxJobRow.status == JobStatus.PENDING.value, OutboxJobRow.due_at <= now),
            and_(OutboxJobRow.status == JobStatus.RUNNING.value, OutboxJobRow.lease_until < now),
        )
        query = (
            select(OutboxJobRow.id)
            .where(due, OutboxJobRow.kind.in_(list(kinds)))
            .order_by(OutboxJobRow.due_at, OutboxJobRow.id)
            .limit(limit)
        )
        ids = list(self._session.scalars(self._locking(query)))
        if not ids:
            return []
        self._session.execute(
            update(OutboxJobRow)
            .where(OutboxJobRow.id.in_(ids))
            .values(
                status=JobStatus.RUNNING.value,
                lease_until=lease_until,
                attempts=OutboxJobRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        rows = self._session.execute(
            select(OutboxJobRow.__table__).where(OutboxJobRow.id.in_(ids))
        ).all()
        by_id = {row.id: _job(row) for row in rows}
        return [by_id[i] for i in ids]

    def finish(
        self,
        job: Job,
        attempt: Attempt,
        status: JobStatus,
        now: datetime,
        due_at: datetime | None = None,
    ) -> bool:
        return self.finish_many([(job, attempt, status, due_at)], now)[0]

    def finish_many(
        self,
        results: Sequence[tuple[Job, Attempt, JobStatus, datetime | None]],
        now: datetime,
    ) -> list[bool]:
        """`finish` for a batch: one locking read of the claims still held, then one
        executemany UPDATE and one INSERT of the attempts (Core statements: a batch of a
        hundred costs about what one ORM update did)."""
        if not results:
            return []
        held_query = select(OutboxJobRow.id, OutboxJobRow.attempts).where(
            OutboxJobRow.id.in_([job.id for job, *_ in results]),
            OutboxJobRow.status == JobStatus.RUNNING.value,
        )
        if self._session.get_bind().dialect.name == "postgresql":
            held_query = held_query.with_for_update()
        held = {row.id: row.attempts for row in self._session.execute(held_query)}
        kept = [held.get(job.id) == job.attempts for job, *_ in results]
        jobs = cast(Table, OutboxJobRow.__table__)
        updates = [
            {
                "b_id": job.id,
                "b_status": status.value,
                "b_due": due_at or job.due_at,
                "b_error": attempt.error,
                "b_finished": now if status in FINISHED else None,
            }
            for (job, attempt, status, due_at), keep in zip(results, kept, strict=True)
            if keep
        ]
        if updates:
            self._session.execute(
                update(jobs)
                .where(jobs.c.id == bindparam("b_id"))
                .values(
                    status=bindparam("b_status"),
                    due_at=bindparam("b_due"),
                    last_error=bindparam("b_error"),
                    finished_at=bindparam("b_finished"),
                    lease_until=None,
                ),
                updates,
            )
            self._session.execute(
                insert(cast(Table, OutboxAttemptRow.__table__)),
                [
                    {
                        "job_id": job.id,
                        "started_at": attempt.started_at,
                        "result": attempt.result.value,
                        "duration_ms": attempt.duration_ms,
                        "status_code": attempt.status_code,
                        "error": attempt.error,
                    }
                    for (job, attempt, _, _), keep in zip(results, kept, strict=True)
                    if keep
                ],
            )
        return kept

    def get_job(self, job_id: int) -> Job | None:
        row = self._session.get(OutboxJobRow, job_id)
        return None if row is None else _job(row)

    def list_jobs(
        self, kind: str, target: str, take: int, skip: int
    ) -> list[tuple[Job, list[Attempt]]]:
        rows = list(
            self._session.scalars(
                select(OutboxJobRow)
                .where(OutboxJobRow.kind == kind, OutboxJobRow.target == target)
                .order_by(OutboxJobRow.id.desc())
                .offset(skip)
                .limit(take)
            )
        )
        attempts: dict[int, list[Attempt]] = {row.id: [] for row in rows}
        if rows:
            for attempt_row in self._session.scalars(
                select(OutboxAttemptRow)
                .where(OutboxAttemptRow.job_id.in_(list(attempts)))
                .order_by(OutboxAttemptRow.id)
            ):
                attempts[attempt_row.job_id].append(_attempt(attempt_row))
        return [(_job(row), attempts[row.id]) for row in rows]

    def reopen(self, job_id: int, now: datetime) -> Job | None:
        row = self._session.get(OutboxJobRow, job_id)
        if row is None:
            return None
        if row.status in {s.value for s in FINISHED}:
            row.status = JobStatus.PENDING.value
            row.due_at = now
            row.created_at = now  # the retry budget starts again
            row.finished_at = None
            row.lease_until = None
            self._session.flush()
        return _job(row)

    def _locking(self, query: _Q) -> _Q:
        if self._session.get_bind().dialect.name == "postgresql":
            return query.with_for_update(skip_locked=True)
        return query


@cache
def _insert_event() -> Insert:
    """The event INSERT of `add_event`, returning the new id (built once)."""
    table = cast(Table, OutboxEventRow.__table__)
    return insert(table).returning(table.c.id)


def _event(row: OutboxEventRow) -> OutboxEvent:
    return OutboxEvent(
        id=row.id,
        topic=row.topic,
        owner_id=row.owner_id,
        booking_uid=row.booking_uid,
        event_type_id=row.event_type_id,
        data=row.data,
        created_at=row.created_at,
    )


def _job(row: Any) -> Job:
    """A job from an `OutboxJobRow` or a Core row of its table (same attribute names)."""
    return Job(
        id=row.id,
        kind=row.kind,
        target=row.target,
        message_id=row.message_id,
        status=JobStatus(row.status),
        due_at=row.due_at,
        created_at=row.created_at,
        attempts=row.attempts,
        payload=row.payload,
        booking_uid=row.booking_uid,
        schedule_key=row.schedule_key,
        event_id=row.event_id,
        last_error=row.last_error,
        finished_at=row.finished_at,
    )


def _attempt(row: OutboxAttemptRow) -> Attempt:
    return Attempt(
        id=row.id,
        job_id=row.job_id,
        started_at=row.started_at,
        result=Result(row.result),
        duration_ms=row.duration_ms,
        status_code=row.status_code,
        error=row.error,
    )
