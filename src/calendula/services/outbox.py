"""The dispatcher: turns committed outbox events into jobs and runs the jobs that are due.

Owns: `Dispatcher`, the `Fanout` and `JobHandler` protocols that features plug into (webhooks,
emails, calendar writes), and the dispatcher's lanes (`start`/`stop`/`wake`; `drain` runs
everything due now in the calling thread, for tests and `calendula worker --once`).

The steps, each its own transaction:
1. fan-out: pending events (oldest first) are given to every `Fanout`; the jobs they return
   are inserted and the events marked fanned out, all in one transaction. A cancelled, rejected
   or moved booking's scheduled jobs are withdrawn first (`domain.outbox.withdrawn_uid`).
2. claim: due jobs are marked running under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL:
   several dispatchers, in one process or many, never run the same attempt).
3. run: the handlers do their I/O with no transaction open, several jobs at a time (a thread
   pool per job kind).
4. record: each attempt is recorded and its job moved on (delivered, retried later with
   backoff, failed, cancelled) in one transaction per job, with the handler's bookkeeping.

A crash anywhere leaves work pending: an event not marked fanned out is fanned out again (its
jobs were rolled back with the mark), a running job whose lease expires is claimed again. So a
job runs at least once; a receiver de-duplicates by the job's `message_id`.
"""

from __future__ import annotations

import functools
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from calendula.domain.outbox import (
    Attempt,
    Job,
    JobStatus,
    NewJob,
    OutboxEvent,
    Outcome,
    Result,
    RetryPolicy,
    withdrawn_uid,
)
from calendula.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 500


class Fanout(Protocol):
    def jobs_for(self, uow: UnitOfWork, event: OutboxEvent, now: datetime) -> Sequence[NewJob]:
        """The jobs `event` calls for. Runs inside the fan-out transaction: may read through
        `uow`, must not do other I/O. Raising leaves the event pending (logged, retried)."""
        ...


class JobHandler(Protocol):
    kind: str
    """The `Job.kind` this handler runs. A handler may also set `concurrency` (how many of its
    jobs run at once; default the dispatcher's): CPU-bound work gains nothing from more
    threads and would only slow the other kinds' lanes."""

    def run(self, job: Job) -> Outcome:
        """Do the work (network I/O). No transaction is open. Exceptions are caught by the
        dispatcher and count as a transient failure (`Result.RETRY`)."""
        ...

    def settle(self, uow: UnitOfWork, job: Job, outcome: Outcome, status: JobStatus) -> None:
        """Bookkeeping in the transaction that records the attempt; `status` is where the job
        goes (e.g. count a subscriber's failures, disable it, record a calendar's event id)."""
        ...


@dataclass(frozen=True, slots=True)
class CycleReport:
    fanned_out: int = 0
    ran: int = 0


class Dispatcher:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        fanouts: Sequence[Fanout],
        handlers: Sequence[JobHandler],
        *,
        policy: RetryPolicy | None = None,
        batch: int = 100,
        concurrency: int = 16,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 0.05,
        idle_poll_interval: float = 1.0,
        linger: float = 0.02,
        rng: random.Random | None = None,
        listener: Callable[[Callable[[], None], threading.Event], None] | None = None,
        changed: Callable[[], bool] | None = None,
    ) -> None:
        """`listener(wake, stop)` runs in a thread of its own and calls `wake` when another
        process committed events (PostgreSQL). `changed()`, where nothing can wake the
        dispatcher from elsewhere (SQLite), is a cheap check whether the database may have
        changed since it was last asked; the fan-out lane reads for events only when it says
        yes, and at least every `idle_poll_interval` anyway."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._fanouts = list(fanouts)
        self._handlers = {h.kind: h for h in handlers}
        self._policy = policy or RetryPolicy()
        self._batch = batch
        self._concurrency = concurrency
        self._lease = lease
        self._poll_interval = poll_interval
        self._idle_poll_interval = max(poll_interval, idle_poll_interval)
        self._linger = linger
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._kind_wake = {kind: threading.Event() for kind in self._handlers}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener = listener
        self._changed = changed
        self._last_look = 0.0
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pools_lock = threading.Lock()

    # -- one cycle -----------------------------------------------------------------------------

    def run_once(self) -> CycleReport:
        """Fan out pending events, then run one batch of due jobs. Returns what it did."""
        fanned = self.fan_out()
        jobs = self._claim()
        if jobs:
            self._run_and_record(jobs)
        return CycleReport(fanned, len(jobs))

    def drain(self, max_cycles: int = 1000) -> int:
        """Run cycles until nothing is left to do now (tests, `calendula worker --once`).
        Returns how many jobs ran."""
        total = 0
        for _ in range(max_cycles):
            report = self.run_once()
            total += report.ran
            if not report.ran and not report.fanned_out:
                break
        return total

    def has_work(self, kinds: Sequence[str] | None = None) -> bool:
        """Whether an event waits or a job of `kinds` (default: all) is due: a read."""
        kinds = list(self._handlers) if kinds is None else list(kinds)
        with self._uow_factory() as uow:
            return uow.outbox.has_work(self._clock.now(), kinds)

    def fan_out(self) -> int:
        now = self._clock.now()
        with self._uow_factory(write=True) as uow:
            events = uow.outbox.pending_events(self._batch)
            if not events:
                return 0
            jobs: list[NewJob] = []
            for event in events:
                gone = withdrawn_uid(event)
                if gone is not None:
                    if jobs:  # earlier events' jobs first: they may be what is withdrawn
                        uow.outbox.add_jobs(jobs, now)
                        jobs = []
                    uow.outbox.withdraw(gone, now, f"booking {event.topic.lower()}")
                for fanout in self._fanouts:
                    jobs.extend(fanout.jobs_for(uow, event, now))
            if jobs:
                uow.outbox.add_jobs(jobs, now)
            uow.outbox.mark_fanned_out([e.id for e in events if e.id is not None], now)
            uow.commit()
        return len(events)

    def _claim(self, kinds: Sequence[str] | None = None) -> list[Job]:
        now = self._clock.now()
        kinds = list(self._handlers) if kinds is None else list(kinds)
        with self._uow_factory(write=True) as uow:
            jobs = uow.outbox.claim(now, self._batch, now + self._lease, kinds)
            uow.commit()
        return jobs

    def _run_and_record(self, jobs: list[Job]) -> None:
        if len(jobs) == 1 or self._concurrency <= 1:
            done = [self._run(job) for job in jobs]
        else:
            done = list(self._executor(jobs[0].kind).map(self._run, jobs))
        try:  # one transaction for the batch...
            self._record(done)
        except Exception:  # ...or, if one job's bookkeeping fails, one per job
            log.exception("outbox: recording a batch failed; recording job by job")
            for one in done:
                try:
                    self._record([one])
                except Exception:  # its lease expires and it runs again: never lost
                    log.exception("outbox job %s: its attempt could not be recorded", one[0].id)

    def _executor(self, kind: str) -> ThreadPoolExecutor:
        """A pool per job kind: one kind's slow jobs never queue ahead of another's."""
        with self._pools_lock:
            if kind not in self._pools:
                size = getattr(self._handlers[kind], "concurrency", self._concurrency)
                self._pools[kind] = ThreadPoolExecutor(size, thread_name_prefix=f"outbox-{kind}")
            return self._pools[kind]

    def _run(self, job: Job) -> tuple[Job, datetime, Outcome]:
        started = self._clock.now()
        handler = self._handlers[job.kind]
        try:
            return job, started, handler.run(job)
        except Exception as error:  # a handler bug must not stop the dispatcher
            log.exception("outbox job %s (%s) raised", job.id, job.kind)
            return job, started, Outcome(Result.RETRY, error=f"{type(error).__name__}: {error}")

    def _record(self, done: Sequence[tuple[Job, datetime, Outcome]]) -> None:
        now = self._clock.now()
        results = []
        for job, started, outcome in done:
            status, due = self._next(job, outcome, now)
            error = outcome.error[:MAX_ERROR_LENGTH] if outcome.error else None
            attempt = Attempt(
                job_id=job.id,
                started_at=started,
                result=outcome.result,
                duration_ms=outcome.duration_ms,
                status_code=outcome.status_code,
                error=error,
            )
            results.append((job, attempt, status, due))
        with self._uow_factory(write=True) as uow:
            kept = uow.outbox.finish_many(results, now)
            for (job, _attempt, status, _), (_, _, outcome), keep in zip(
                results, done, kept, strict=True
            ):
                if not keep:
                    log.warning("outbox job %s: lease lost, attempt not recorded twice", job.id)
                    continue
                self._handlers[job.kind].settle(uow, job, outcome, status)
            uow.commit()
        for (job, attempt, status, _), keep in zip(results, kept, strict=True):
            if keep and status is JobStatus.FAILED:
                log.warning("outbox job %s (%s) failed: %s", job.id, job.kind, attempt.error)

    def _next(self, job: Job, outcome: Outcome, now: datetime) -> tuple[JobStatus, datetime | None]:
        if outcome.result is Result.DELIVERED:
            return JobStatus.DELIVERED, None
        if outcome.result is Result.CANCELLED:
            return JobStatus.CANCELLED, None
        if outcome.result is Result.FAILED:
            return JobStatus.FAILED, None
        due = self._policy.next_due(job, job.attempts, now, outcome.retry_after, self._rng)
        return (JobStatus.FAILED, None) if due is None else (JobStatus.PENDING, due)

    # -- the loop ------------------------------------------------------------------------------
    #
    # Lanes: one thread fans events out, and each job kind has its own thread that claims, runs
    # and records jobs of that kind, so slow work of one kind (emails, calendars) never holds
    # up another (webhooks). A lane runs at once when woken: a commit in this process wakes the
    # fan-out lane (`wake`), and so does, on PostgreSQL, a commit in another process (the
    # listener); the fan-out lane wakes the job lanes when it made jobs. Between wake-ups a
    # lane polls with a cheap read, a transaction: polling often costs an idle server CPU time
    # and a busy one its share of the interpreter. The job lanes poll every
    # `idle_poll_interval` (they only miss jobs coming due: retries, reminders, scheduled
    # triggers, and the jobs of a dispatcher that died), as does the fan-out lane when a
    # listener wakes it. Without one (SQLite) the fan-out lane looks every `poll_interval`, and
    # reads only when `changed()` says the database files changed or `idle_poll_interval` has
    # passed. After a lane did some work it waits `linger` before looking again: under load the
    # next transaction then takes several events or jobs at once instead of one each (the first
    # after a quiet spell still goes at once).

    def wake(self) -> None:
        """Fan out now (called after a commit that wrote events)."""
        self._wake.set()

    def start(self) -> None:
        """Run the lanes in background threads until `stop()`."""
        if self._threads:
            return
        self._threads = [
            threading.Thread(target=target, name=f"outbox-{name}", daemon=True)
            for name, target in self._lanes()
        ]
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        """Ask the lanes to end after their current batch (safe in a signal handler)."""
        self._stop.set()
        self._wake.set()
        for event in self._kind_wake.values():
            event.set()

    def stop(self, timeout: float = 10.0) -> None:
        """End the lanes and wait for them (each finishes the jobs it holds)."""
        self.request_stop()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
        with self._pools_lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=True)
        self._stop.clear()  # may be started again

    def run_forever(self) -> None:
        """Run the lanes until `request_stop()` (`calendula worker`), blocking this thread.
        A stop requested before this is called is honoured (a signal during startup)."""
        self.start()
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.stop()

    def _lanes(self) -> list[tuple[str, Callable[[], None]]]:
        lanes: list[tuple[str, Callable[[], None]]] = [("fan-out", self._fan_out_lane)]
        if self._listener is not None:  # commits in other processes wake the fan-out lane
            listener = self._listener
            lanes.append(("listener", lambda: listener(self.wake, self._stop)))
        for kind in self._handlers:
            lanes.append((kind, functools.partial(self._job_lane, kind)))
        return lanes

    def _fan_out_lane(self) -> None:
        while not self._stop.is_set():
            try:
                if self._wake.is_set() or self._events_may_wait():
                    self._wake.clear()
                    if self.fan_out():
                        for event in self._kind_wake.values():
                            event.set()
                        self._stop.wait(self._linger)  # busy: let the next batch gather
                        continue  # more may be waiting
            except Exception:
                log.exception("outbox fan-out failed; retrying")
            idle = self._poll_interval if self._listener is None else self._idle_poll_interval
            self._wake.wait(idle)

    def _events_may_wait(self) -> bool:
        """The fan-out lane's poll: a read for waiting events, skipped while `changed` says
        the database has not changed (at most `idle_poll_interval` long)."""
        if self._changed is not None:
            now = time.monotonic()
            if not self._changed() and now - self._last_look < self._idle_poll_interval:
                return False
            self._last_look = now
        return self.has_work(())

    def _job_lane(self, kind: str) -> None:
        wake = self._kind_wake[kind]
        while not self._stop.is_set():
            try:
                if wake.is_set() or self.has_work([kind]):
                    wake.clear()
                    jobs = self._claim([kind])
                    if jobs:
                        self._run_and_record(jobs)
                        self._stop.wait(self._linger)  # busy: let the next batch gather
                        continue  # more may be due
            except Exception:
                log.exception("outbox %s jobs failed; retrying", kind)
            wake.wait(self._idle_poll_interval)


K = TypeVar("K")
V = TypeVar("V")


class TransactionMemo(Generic[K, V]):
    """What a `Fanout` read once in a fan-out transaction, kept until that transaction ends.

    One fan-out transaction hands a batch of events to each fan-out; under load most belong to
    the same few owners and event types, so reading their subscriptions, calendars or
    reminders once per batch instead of once per event saves a statement each. Safe across
    threads (each thread keeps its own) and across transactions (a new unit of work starts
    afresh)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self, uow: UnitOfWork, key: K, read: Callable[[], V]) -> V:
        """The value read for `key` in `uow`'s transaction, or `read()` the first time."""
        if getattr(self._local, "uow", None) is not uow:
            self._local.uow, self._local.memo = uow, {}
        memo: dict[K, V] = self._local.memo
        if key not in memo:
            memo[key] = read()
        return memo[key]


def new_message_id() -> str:
    """A unique message id (`msg_` + 128 random bits), the `webhook-id` of a delivery."""
    return "msg_" + secrets.token_urlsafe(16)
