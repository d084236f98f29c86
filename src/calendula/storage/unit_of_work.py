"""The SQL unit of work: one database transaction and the repositories that share it.

Owns: `SqlUnitOfWork` and `SqlUnitOfWorkFactory` (ports `UnitOfWork`, `UnitOfWorkFactory`).
The transaction is rolled back on exit unless `commit()` was called; repositories never commit.
A write unit of work (`factory(write=True)`) starts its transaction on entry; on SQLite that is
`BEGIN IMMEDIATE`, which takes the database write lock and serialises writers, so the claim
check-then-insert in `claims` cannot race; writers of one process queue on a lock of the
factory first, so they do not poll in SQLite's busy handler.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from calendula.storage.accounts import SqlApiKeyRepository, SqlUserRepository
from calendula.storage.bookings import SqlBookingRepository
from calendula.storage.calendars import SqlCalendarRepository
from calendula.storage.claims import WRITE_SESSION_KEY
from calendula.storage.engine import SQLITE_BUSY_TIMEOUT_MS, WRITE_OPTION
from calendula.storage.event_types import SqlEventTypeRepository
from calendula.storage.holds import SqlHoldRepository
from calendula.storage.outbox import SqlOutboxRepository
from calendula.storage.reminders import SqlReminderRepository
from calendula.storage.schedules import SqlScheduleRepository
from calendula.storage.webhooks import SqlWebhookRepository

if TYPE_CHECKING:
    from calendula.services.ports import (
        ApiKeyRepository,
        BookingRepository,
        CalendarRepository,
        EventTypeRepository,
        HoldRepository,
        OutboxRepository,
        ReminderRepository,
        ScheduleRepository,
        UnitOfWork,
        UnitOfWorkFactory,
        UserRepository,
        WebhookRepository,
    )


class SqlUnitOfWork:
    def __init__(
        self, bind: Engine, *, write: bool, writer_lock: threading.RLock | None = None
    ) -> None:
        self._write = write
        self._writer_lock = writer_lock if write else None
        self._locked = False
        self._session = Session(bind=bind, autoflush=False, expire_on_commit=False)
        self._session.info[WRITE_SESSION_KEY] = write
        self.users: UserRepository = SqlUserRepository(self._session)
        self.api_keys: ApiKeyRepository = SqlApiKeyRepository(self._session)
        self.schedules: ScheduleRepository = SqlScheduleRepository(self._session)
        self.event_types: EventTypeRepository = SqlEventTypeRepository(self._session)
        self.bookings: BookingRepository = SqlBookingRepository(self._session)
        self.holds: HoldRepository = SqlHoldRepository(self._session)
        self.webhooks: WebhookRepository = SqlWebhookRepository(self._session)
        self.outbox: OutboxRepository = SqlOutboxRepository(self._session)
        self.calendars: CalendarRepository = SqlCalendarRepository(self._session)
        self.reminders: ReminderRepository = SqlReminderRepository(self._session)

    @property
    def session(self) -> Session:
        """The session, for storage adapters that join this transaction (e.g. an outbox)."""
        return self._session

    def __enter__(self) -> Self:
        if self._writer_lock is not None:
            # Queue for SQLite's write lock here rather than in its busy handler, which sleeps
            # and retries: waiting writers of this process then take turns promptly and fairly.
            self._locked = self._writer_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        if self._write:
            try:
                self._session.connection()  # BEGIN (IMMEDIATE on SQLite) now, not at first use
            except BaseException:
                self._release()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._session.rollback()
        finally:
            try:
                self._session.close()
            finally:
                self._release()

    def _release(self) -> None:
        if self._locked and self._writer_lock is not None:
            self._locked = False
            self._writer_lock.release()

    def commit(self) -> None:
        self._session.commit()

    def rollback(self) -> None:
        self._session.rollback()


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine: `factory(write=True)` for transactions that write.

    On SQLite, write units of work made here also take turns on a process-local lock before
    `BEGIN IMMEDIATE` (other processes still meet SQLite's busy timeout)."""

    def __init__(self, engine: Engine) -> None:
        self._read_engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._writer_lock = threading.RLock() if engine.dialect.name == "sqlite" else None

    def __call__(self, write: bool = False) -> SqlUnitOfWork:
        if not write:
            return SqlUnitOfWork(self._read_engine, write=False)
        return SqlUnitOfWork(self._write_engine, write=True, writer_lock=self._writer_lock)


if TYPE_CHECKING:

    def _implements_the_ports(engine: Engine) -> tuple[UnitOfWorkFactory, UnitOfWork]:
        """Never called: makes mypy check that these classes satisfy the port Protocols."""
        factory = SqlUnitOfWorkFactory(engine)
        return factory, factory(write=True)
