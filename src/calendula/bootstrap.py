"""The one composition root: settings -> engine, clock, adapters, services.

Nothing else builds an engine or reads settings. Entry points (`cli`, `api`) call `build()` and
use the services on the returned `Container`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from calendula.integrations.counters import MemoryCounter, RedisCounter
from calendula.integrations.host_resolver import SystemResolver
from calendula.integrations.secret_box import FernetSecretBox
from calendula.services.accounts import AccountService
from calendula.services.availability import AvailabilityService, NoCalendars
from calendula.services.booking import BookingService
from calendula.services.event_types import EventTypeService
from calendula.services.holds import HoldService
from calendula.services.ports import (
    BusyTimeSource,
    Clock,
    HostResolver,
    RateCounter,
    UnitOfWorkFactory,
)
from calendula.services.schedules import ScheduleService
from calendula.services.slot_cache import CalendarChanges
from calendula.services.webhooks import WebhookService
from calendula.settings import Settings
from calendula.storage import SqlUnitOfWorkFactory, create_engine_for, upgrade_database


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    uow_factory: UnitOfWorkFactory
    clock: Clock
    accounts: AccountService
    schedules: ScheduleService
    event_types: EventTypeService
    availability: AvailabilityService
    bookings: BookingService
    holds: HoldService
    webhooks: WebhookService
    rate_counter: RateCounter
    changes: CalendarChanges
    engine: Engine

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def migrate(settings: Settings) -> None:
    """Create or upgrade the database schema to the newest revision."""
    _ensure_sqlite_folder(settings)
    upgrade_database(settings.database_url)


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    busy_source: BusyTimeSource | None = None,
    resolver: HostResolver | None = None,
) -> Container:
    """Wire Calendula for `settings` (read from the environment when None). `resolver`
    answers webhook host names (default: the system resolver)."""
    settings = settings or Settings()
    _ensure_sqlite_folder(settings)
    engine = create_engine_for(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(engine)
    clock = clock or SystemClock()
    busy = busy_source or NoCalendars()
    changes = CalendarChanges()  # every writer announces here; the slot cache listens
    return Container(
        settings=settings,
        uow_factory=uow_factory,
        clock=clock,
        accounts=AccountService(uow_factory, clock, changes),
        schedules=ScheduleService(uow_factory, changes),
        event_types=EventTypeService(uow_factory, changes),
        availability=AvailabilityService(uow_factory, clock, busy, changes=changes),
        bookings=BookingService(uow_factory, clock, busy, changes=changes),
        holds=HoldService(uow_factory, clock, busy, changes),
        webhooks=WebhookService(
            uow_factory,
            clock,
            resolver or SystemResolver(),
            FernetSecretBox(settings.secret_key),
            allow_private_targets=settings.webhook_allow_private_targets,
        ),
        rate_counter=RedisCounter(settings.redis_url) if settings.redis_url else MemoryCounter(),
        changes=changes,
        engine=engine,
    )


def _ensure_sqlite_folder(settings: Settings) -> None:
    if not settings.is_sqlite:
        return
    path = settings.database_url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
