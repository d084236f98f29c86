"""The one composition root: settings -> engine, clock, adapters, services.

Nothing else builds an engine or reads settings. Entry points (`cli`, `api`) call `build()` and
use the services on the returned `Container`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from calendula.domain.calendars import FailurePolicy
from calendula.integrations.calendar_client import NetworkCalendarClient
from calendula.integrations.counters import MemoryCounter, RedisCounter
from calendula.integrations.host_resolver import SystemResolver
from calendula.integrations.ical import bookings_feed_ics
from calendula.integrations.mail.delivery import EmailHandler, FolderTransport, SmtpTransport
from calendula.integrations.secret_box import FernetSecretBox
from calendula.integrations.webhook_transport import HttpcoreTransport
from calendula.services.accounts import AccountService
from calendula.services.availability import AvailabilityService
from calendula.services.booking import BookingService
from calendula.services.calendar_busy import ConnectedCalendars
from calendula.services.calendar_feeds import FeedService
from calendula.services.calendar_sync import CalendarFanout, CalendarWriter
from calendula.services.calendars import CalendarService
from calendula.services.event_types import EventTypeService
from calendula.services.holds import HoldService
from calendula.services.notifications import NotificationFanout
from calendula.services.outbox import Dispatcher, Fanout, JobHandler
from calendula.services.ports import (
    BusyTimeSource,
    Clock,
    HostResolver,
    RateCounter,
    UnitOfWorkFactory,
    WebhookTransport,
)
from calendula.services.reminders import ReminderService
from calendula.services.schedules import ScheduleService
from calendula.services.slot_cache import CalendarChanges
from calendula.services.webhook_delivery import (
    WebhookDeliveryService,
    WebhookFanout,
    WebhookHandler,
)
from calendula.services.webhooks import WebhookService
from calendula.settings import Settings
from calendula.storage import SqlUnitOfWorkFactory, create_engine_for, upgrade_database
from calendula.storage.notify import PostgresListener, sqlite_file_probe


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
    calendars: CalendarService
    calendar_feeds: FeedService
    calendar_busy: ConnectedCalendars
    dispatcher: Dispatcher
    webhook_deliveries: WebhookDeliveryService
    transport: WebhookTransport
    reminders: ReminderService

    def close(self) -> None:
        """Stop the dispatcher (if it runs here), release connections."""
        self.dispatcher.stop()
        self.calendar_busy.close()
        self.transport.close()
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
    transport: WebhookTransport | None = None,
) -> Container:
    """Wire Calendula for `settings` (read from the environment when None). `resolver`
    answers webhook host names (default: the system resolver)."""
    settings = settings or Settings()
    _ensure_sqlite_folder(settings)
    engine = create_engine_for(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(engine)
    clock = clock or SystemClock()
    box = FernetSecretBox(settings.secret_key)
    calendar_client = NetworkCalendarClient(
        timeout=settings.calendar_timeout_seconds,
        allow_private=settings.calendar_allow_private_targets,
    )
    connected = ConnectedCalendars(
        uow_factory,
        clock,
        calendar_client,
        box,
        freshness=settings.calendar_cache_seconds,
        timeout=settings.calendar_timeout_seconds,
        policy=FailurePolicy(settings.calendar_failure_policy),
    )
    busy: BusyTimeSource = busy_source or connected
    # The booking path re-checks the calendars themselves, without the busy cache.
    recheck: BusyTimeSource = busy_source or connected.live()
    changes = CalendarChanges()  # every writer announces here; the slot cache listens
    transport = transport or HttpcoreTransport(
        timeout=settings.webhook_timeout_seconds,
        allow_private=settings.webhook_allow_private_targets,
    )
    webhook_handler = WebhookHandler(uow_factory, clock, box, transport)
    fanouts: list[Fanout] = [WebhookFanout()]
    if settings.notifications_enabled:
        fanouts.append(
            NotificationFanout(
                settings.public_base_url, settings.secret_key, sms=bool(settings.sms_webhook_url)
            )
        )
    handlers: list[JobHandler] = [webhook_handler, *_mail_handlers(settings, clock)]
    fanouts.append(CalendarFanout())
    handlers.append(CalendarWriter(uow_factory, clock, calendar_client, box))
    dispatcher = Dispatcher(
        uow_factory,
        clock,
        fanouts,
        handlers,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        listener=None if settings.is_sqlite else PostgresListener(settings.database_url).run,
        changed=sqlite_file_probe(settings.database_url) if settings.is_sqlite else None,
    )
    return Container(
        settings=settings,
        uow_factory=uow_factory,
        clock=clock,
        accounts=AccountService(uow_factory, clock, changes),
        schedules=ScheduleService(uow_factory, changes),
        event_types=EventTypeService(uow_factory, changes),
        availability=AvailabilityService(uow_factory, clock, busy, changes=changes),
        bookings=BookingService(
            uow_factory, clock, recheck, changes=changes, on_commit=dispatcher.wake
        ),
        holds=HoldService(uow_factory, clock, busy, changes),
        webhooks=WebhookService(
            uow_factory,
            clock,
            resolver or SystemResolver(),
            box,
            allow_private_targets=settings.webhook_allow_private_targets,
        ),
        rate_counter=RedisCounter(settings.redis_url) if settings.redis_url else MemoryCounter(),
        changes=changes,
        engine=engine,
        calendars=CalendarService(
            uow_factory,
            clock,
            calendar_client,
            box,
            resolver or SystemResolver(),
            live=recheck,
            forget=connected.forget,
            allow_private_targets=settings.calendar_allow_private_targets,
        ),
        calendar_feeds=FeedService(uow_factory, clock, bookings_feed_ics, settings.public_base_url),
        calendar_busy=connected,
        dispatcher=dispatcher,
        webhook_deliveries=WebhookDeliveryService(
            uow_factory, clock, webhook_handler, on_commit=dispatcher.wake
        ),
        transport=transport,
        reminders=ReminderService(uow_factory, clock),
    )


def _mail_handlers(settings: Settings, clock: Clock) -> list[JobHandler]:
    """Emails go through SMTP when a host is set, else to .eml files in the mail folder;
    SMS reminders go to the SMS webhook when one is set."""
    mail = (
        SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            tls=settings.smtp_tls,
            starttls=settings.smtp_starttls,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )
        if settings.smtp_host
        else FolderTransport(Path(settings.mail_folder))
    )
    handlers: list[JobHandler] = [EmailHandler(mail, settings.smtp_from, clock)]
    if settings.sms_webhook_url:
        from calendula.integrations.sms import SmsHandler, WebhookSmsProvider  # httpx: only then

        provider = WebhookSmsProvider(settings.sms_webhook_url, secret=settings.sms_webhook_secret)
        handlers.append(SmsHandler(provider))
    return handlers


def _ensure_sqlite_folder(settings: Settings) -> None:
    if not settings.is_sqlite:
        return
    path = settings.database_url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
