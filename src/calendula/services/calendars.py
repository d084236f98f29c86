"""Calendar connections: connect, list, test, remove; choose busy and destination calendars.

Owns: `CalendarService` and `ConnectionView` (a connection with its calendars). A connection
and its calendars are visible to their owner only: anyone else's id is reported as not found.

CalDAV (`connect_caldav`): the server is asked for its calendars before anything is stored
(a wrong address or password is an `InvalidInput` naming `url` or `password`); every calendar
counts as busy, and the first one becomes the destination of new bookings when the host has
none. The password is sealed with the `SecretBox`. ICS feeds (`add_ics_feeds`): each address is
fetched and parsed once before it is stored, sealed too (a secret address is a credential);
only its scheme and host are shown.

Safety (SSRF): a server or feed address whose host is, or resolves to, a private address or a
metadata endpoint is refused (as webhook URLs, `domain.destinations`) unless
`allow_private_targets` (setting `CALENDAR_ALLOW_PRIVATE_TARGETS`). Discovery and resolution
are I/O: they run before the write transaction. Changes drop the busy cache (`forget`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from calendula.domain.calendars import (
    Connection,
    ConnectionKind,
    DiscoveredCalendar,
    RemoteCalendar,
    check_calendar_url,
    normalise_calendar_url,
    redacted_url,
)
from calendula.domain.destinations import Refusal
from calendula.domain.errors import (
    BusySourceUnavailable,
    CalendarUnreachable,
    InvalidInput,
    InvalidState,
    NotFound,
)
from calendula.domain.intervals import Interval
from calendula.services.availability import validate_range
from calendula.services.calendar_busy import access_for
from calendula.services.destinations import destination_refusal
from calendula.services.ports import (
    BusyTimeSource,
    CalendarAccess,
    CalendarClient,
    Clock,
    HostResolver,
    SecretBox,
    UnitOfWork,
    UnitOfWorkFactory,
)

log = logging.getLogger(__name__)

CALENDAR_JOB_KIND = "calendar"
MAX_FEEDS_PER_CALL = 10
CHECK_SPAN = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ConnectionView:
    connection: Connection
    calendars: list[RemoteCalendar]


class CalendarService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        client: CalendarClient,
        box: SecretBox,
        resolver: HostResolver,
        *,
        live: BusyTimeSource,
        forget: Callable[[], None] = lambda: None,
        allow_private_targets: bool = False,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._client = client
        self._box = box
        self._resolver = resolver
        self._live = live
        self._forget = forget
        self._allow_private = allow_private_targets

    # -- connecting --------------------------------------------------------------------------

    def connect_caldav(
        self, owner_id: int, url: str, username: str, password: str
    ) -> ConnectionView:
        """Discover the account's calendars and store the connection. Raises `InvalidInput`
        (`url`: refused or unreachable address; `password`: refused credentials)."""
        url = normalise_calendar_url(url)
        self._check_target(check_calendar_url(url), "url")
        if not username or not password:
            raise InvalidInput("password", "username and password are required")
        access = CalendarAccess(ConnectionKind.CALDAV, url, url, username, password)
        found = self._discover(access)
        for calendar in found:  # the server names them: they must be safe to call too
            self._check_target(check_calendar_url(calendar.external_id), "url")
        connection = Connection(
            id=None,
            owner_id=owner_id,
            kind=ConnectionKind.CALDAV,
            url=url,
            created_at=self._clock.now(),
            username=username,
            secret=self._box.seal(password),
            last_success_at=self._clock.now(),
        )
        return self._store(connection, found)

    def add_ics_feeds(self, owner_id: int, urls: Sequence[str]) -> list[ConnectionView]:
        """Subscribe to ICS feeds (read-only busy). Each is fetched once first. Raises
        `InvalidInput` (`urls`)."""
        if not urls or len(urls) > MAX_FEEDS_PER_CALL:
            raise InvalidInput("urls", f"urls must hold 1 to {MAX_FEEDS_PER_CALL} addresses")
        checked = []
        for raw in urls:
            url = normalise_calendar_url(raw)
            self._check_target(check_calendar_url(url, "urls"), "urls")
            access = CalendarAccess(ConnectionKind.ICS_FEED, url, url)
            self._discover(access, field="urls")
            checked.append(url)
        views = []
        for url in checked:
            connection = Connection(
                id=None,
                owner_id=owner_id,
                kind=ConnectionKind.ICS_FEED,
                url=redacted_url(url),
                created_at=self._clock.now(),
                secret=self._box.seal(url),
                last_success_at=self._clock.now(),
            )
            found = [DiscoveredCalendar(redacted_url(url), "ICS feed", read_only=True)]
            views.append(self._store(connection, found))
        return views

    def _discover(
        self, access: CalendarAccess, field: str | None = None
    ) -> list[DiscoveredCalendar]:
        try:
            found = self._client.discover(access)
        except CalendarUnreachable as error:
            name = field or ("password" if error.status_code == 401 else "url")
            raise InvalidInput(name, f"the calendar cannot be used: {error.message}") from None
        if not found:
            raise InvalidInput(field or "url", "the server lists no calendars for this account")
        return found

    def _store(self, connection: Connection, found: Sequence[DiscoveredCalendar]) -> ConnectionView:
        with self._uow_factory(write=True) as uow:
            created = uow.calendars.add_connection(connection, found)
            assert created.id is not None
            calendars = _calendars_of(uow, created)
            has_destination = any(
                c.is_destination for c in uow.calendars.list_calendars([connection.owner_id])
            )
            writable = [c for c in calendars if not c.read_only]
            if not has_destination and writable:
                first = uow.calendars.update_calendar(
                    dataclasses.replace(writable[0], is_destination=True)
                )
                calendars = [first if c.id == first.id else c for c in calendars]
            uow.commit()
        self._forget()
        return ConnectionView(created, calendars)

    # -- reading -----------------------------------------------------------------------------

    def connections(self, owner_id: int) -> list[ConnectionView]:
        with self._uow_factory() as uow:
            connections = uow.calendars.list_connections([owner_id])
            calendars = uow.calendars.list_calendars([owner_id])
        return [
            ConnectionView(c, [cal for cal in calendars if cal.connection_id == c.id])
            for c in connections
        ]

    def get(self, owner_id: int, connection_id: int) -> ConnectionView:
        with self._uow_factory() as uow:
            connection = _owned(uow, owner_id, connection_id)
            return ConnectionView(connection, _calendars_of(uow, connection))

    def check(self, owner_id: int, connection_id: int) -> ConnectionView:
        """Read every calendar of the connection now (the next `CHECK_SPAN`) and record the
        result in its health; returns the connection as recorded."""
        view = self.get(owner_id, connection_id)
        now = self._clock.now()
        window = Interval(now, now + CHECK_SPAN)
        error: str | None = None
        try:
            for calendar in view.calendars:
                access = access_for(view.connection, calendar.external_id, self._box)
                self._client.busy(access, window, "UTC")
        except CalendarUnreachable as failure:
            error = failure.message
        with self._uow_factory(write=True) as uow:
            recorded = uow.calendars.record_health(connection_id, self._clock.now(), error)
            uow.commit()
        if recorded is None:
            raise NotFound(f"Calendar connection ({connection_id}) not found")
        self._forget()
        return ConnectionView(recorded, view.calendars)

    def busy_times(self, owner_id: int, start: datetime, end: datetime) -> list[Interval]:
        """The owner's busy times in `[start, end)` read from their calendars now (no cache).
        Raises `InvalidInput` for a bad range (`dateFrom`/`dateTo`, at most 100 days),
        `InvalidState` when one of the calendars cannot be read."""
        window = validate_range(start, end, ("dateFrom", "dateTo"))
        try:
            return self._live.busy_times([owner_id], window).get(owner_id, [])
        except BusySourceUnavailable as error:
            raise InvalidState(f"a connected calendar cannot be read: {error.message}") from None

    # -- changing ----------------------------------------------------------------------------

    def remove(self, owner_id: int, connection_id: int) -> ConnectionView:
        """Delete the connection and its calendars; pending calendar writes to it are
        cancelled. Returns it as it was."""
        with self._uow_factory(write=True) as uow:
            connection = _owned(uow, owner_id, connection_id)
            calendars = _calendars_of(uow, connection)
            uow.calendars.delete_connection(connection_id)
            uow.outbox.cancel_pending(
                CALENDAR_JOB_KIND, str(connection_id), self._clock.now(), "connection removed"
            )
            uow.commit()
        self._forget()
        return ConnectionView(connection, calendars)

    def select(
        self,
        owner_id: int,
        connection_id: int | None,
        external_id: str,
        *,
        busy: bool | None = None,
        destination: bool | None = None,
    ) -> RemoteCalendar:
        """Make a calendar (of the connection, or of any of the owner's when None) count as
        busy (or not) and/or receive new bookings (or not). Raises `NotFound`, `InvalidInput`
        (`externalId`: a read-only calendar cannot be a destination)."""
        with self._uow_factory(write=True) as uow:
            if connection_id is None:
                calendar = _any_calendar(uow, owner_id, external_id)
            else:
                calendar = _calendar(uow, _owned(uow, owner_id, connection_id), external_id)
            if destination and calendar.read_only:
                raise InvalidInput("externalId", "a read-only calendar cannot receive bookings")
            changed = dataclasses.replace(
                calendar,
                is_busy=calendar.is_busy if busy is None else busy,
                is_destination=calendar.is_destination if destination is None else destination,
            )
            updated = uow.calendars.update_calendar(changed)
            uow.commit()
        self._forget()
        return updated

    # -- helpers -----------------------------------------------------------------------------

    def _check_target(self, host: str, field: str) -> None:
        """Refuse metadata endpoints always, private addresses unless allowed."""
        refused = destination_refusal(self._resolver, host, allow_private=self._allow_private)
        if refused is None:
            return
        if refused.reason is Refusal.METADATA:
            raise InvalidInput(field, f"{field} points at a cloud metadata endpoint; refused")
        if refused.reason is Refusal.UNRESOLVED:
            raise InvalidInput(field, f"{field} host {host} does not resolve to any address")
        raise InvalidInput(
            field,
            f"{field} points at a private, loopback or link-local address ({refused.address}); "
            "this server does not connect there",
        )


def _owned(uow: UnitOfWork, owner_id: int, connection_id: int) -> Connection:
    found = uow.calendars.get_connection(connection_id) if 0 < connection_id < 2**31 else None
    if found is None or found.owner_id != owner_id:
        raise NotFound(f"Calendar connection ({connection_id}) not found")
    return found


def _calendars_of(uow: UnitOfWork, connection: Connection) -> list[RemoteCalendar]:
    return [
        c
        for c in uow.calendars.list_calendars([connection.owner_id])
        if c.connection_id == connection.id
    ]


def _calendar(uow: UnitOfWork, connection: Connection, external_id: str) -> RemoteCalendar:
    for calendar in _calendars_of(uow, connection):
        if calendar.external_id == external_id:
            return calendar
    raise NotFound(f"Calendar ({external_id}) not found in connection {connection.id}")


def _any_calendar(uow: UnitOfWork, owner_id: int, external_id: str) -> RemoteCalendar:
    for calendar in uow.calendars.list_calendars([owner_id]):
        if calendar.external_id == external_id:
            return calendar
    raise NotFound(f"Calendar ({external_id}) not found")
