"""SQL repository for calendar connections and published feeds (port `CalendarRepository`).

Owns: the mapping between `CalendarConnectionRow` / `ConnectedCalendarRow` / `PublishedFeedRow`
and `domain.calendars`. Secrets are stored as the service hands them (sealed). One destination
calendar per host: `update_calendar` clears the owner's other one first, and the partial unique
index `uq_connected_calendars_destination` backs it. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from calendula.domain.calendars import (
    Connection,
    ConnectionKind,
    DiscoveredCalendar,
    PublishedFeed,
    RemoteCalendar,
)
from calendula.domain.errors import NotFound
from calendula.storage.integrity import guarded
from calendula.storage.tables import CalendarConnectionRow, ConnectedCalendarRow, PublishedFeedRow

_DESTINATION_UNIQUE = {"uq_connected_calendars_destination": "destination"}


class SqlCalendarRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- connections -------------------------------------------------------------------------

    def add_connection(
        self, connection: Connection, calendars: Sequence[DiscoveredCalendar]
    ) -> Connection:
        row = CalendarConnectionRow(
            owner_id=connection.owner_id,
            kind=connection.kind.value,
            url=connection.url,
            username=connection.username,
            secret=connection.secret,
            created_at=connection.created_at,
            last_success_at=connection.last_success_at,
            last_error=connection.last_error,
            last_error_at=connection.last_error_at,
            consecutive_failures=connection.consecutive_failures,
        )
        self._session.add(row)
        self._session.flush()
        for found in calendars:
            self._session.add(
                ConnectedCalendarRow(
                    connection_id=row.id,
                    owner_id=connection.owner_id,
                    external_id=found.external_id,
                    name=found.name[:255],
                    is_busy=True,
                    is_destination=False,
                    read_only=found.read_only,
                )
            )
        self._session.flush()
        return _connection(row)

    def get_connection(self, connection_id: int) -> Connection | None:
        row = self._session.get(CalendarConnectionRow, connection_id)
        return None if row is None else _connection(row)

    def list_connections(self, owner_ids: Sequence[int]) -> list[Connection]:
        rows = self._session.scalars(
            select(CalendarConnectionRow)
            .where(CalendarConnectionRow.owner_id.in_(list(owner_ids)))
            .order_by(CalendarConnectionRow.id)
        )
        return [_connection(row) for row in rows]

    def record_health(
        self, connection_id: int, now: datetime, error: str | None = None
    ) -> Connection | None:
        row = self._session.get(CalendarConnectionRow, connection_id)
        if row is None:
            return None
        if error is None:
            row.last_success_at = now
            row.consecutive_failures = 0
        else:
            row.last_error = error[:500]
            row.last_error_at = now
            row.consecutive_failures += 1
        self._session.flush()
        return _connection(row)

    def delete_connection(self, connection_id: int) -> None:
        self._session.execute(
            delete(ConnectedCalendarRow).where(ConnectedCalendarRow.connection_id == connection_id)
        )
        self._session.execute(
            delete(CalendarConnectionRow).where(CalendarConnectionRow.id == connection_id)
        )
        self._session.expire_all()

    # -- calendars ---------------------------------------------------------------------------

    def list_calendars(self, owner_ids: Sequence[int]) -> list[RemoteCalendar]:
        rows = self._session.scalars(
            select(ConnectedCalendarRow)
            .where(ConnectedCalendarRow.owner_id.in_(list(owner_ids)))
            .order_by(ConnectedCalendarRow.connection_id, ConnectedCalendarRow.id)
        )
        return [_calendar(row) for row in rows]

    def update_calendar(self, calendar: RemoteCalendar) -> RemoteCalendar:
        row = self._session.get(ConnectedCalendarRow, calendar.id)
        if row is None:
            raise NotFound(f"Calendar ({calendar.id}) not found")
        with guarded(self._session, _DESTINATION_UNIQUE):
            if calendar.is_destination and not row.is_destination:
                self._session.execute(
                    update(ConnectedCalendarRow)
                    .where(
                        ConnectedCalendarRow.owner_id == row.owner_id,
                        ConnectedCalendarRow.is_destination.is_(True),
                    )
                    .values(is_destination=False)
                )
            row.is_busy = calendar.is_busy
            row.is_destination = calendar.is_destination
            self._session.flush()
        return _calendar(row)

    # -- published feeds ---------------------------------------------------------------------

    def add_feed(self, feed: PublishedFeed) -> PublishedFeed:
        row = PublishedFeedRow(
            owner_id=feed.owner_id,
            token_hash=feed.token_hash,
            free_busy_only=feed.free_busy_only,
            name=feed.name[:255],
            created_at=feed.created_at,
        )
        self._session.add(row)
        self._session.flush()
        return _feed(row)

    def list_feeds(self, owner_id: int) -> list[PublishedFeed]:
        rows = self._session.scalars(
            select(PublishedFeedRow)
            .where(PublishedFeedRow.owner_id == owner_id)
            .order_by(PublishedFeedRow.id)
        )
        return [_feed(row) for row in rows]

    def get_feed(self, feed_id: int) -> PublishedFeed | None:
        row = self._session.get(PublishedFeedRow, feed_id)
        return None if row is None else _feed(row)

    def get_feed_by_hash(self, token_hash: str) -> PublishedFeed | None:
        row = self._session.scalar(
            select(PublishedFeedRow).where(PublishedFeedRow.token_hash == token_hash)
        )
        return None if row is None else _feed(row)

    def delete_feed(self, feed_id: int) -> None:
        self._session.execute(delete(PublishedFeedRow).where(PublishedFeedRow.id == feed_id))
        self._session.expire_all()


def _connection(row: CalendarConnectionRow) -> Connection:
    return Connection(
        id=row.id,
        owner_id=row.owner_id,
        kind=ConnectionKind(row.kind),
        url=row.url,
        created_at=row.created_at,
        username=row.username,
        secret=row.secret,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
        last_error_at=row.last_error_at,
        consecutive_failures=row.consecutive_failures,
    )


def _calendar(row: ConnectedCalendarRow) -> RemoteCalendar:
    return RemoteCalendar(
        id=row.id,
        connection_id=row.connection_id,
        owner_id=row.owner_id,
        external_id=row.external_id,
        name=row.name,
        is_busy=row.is_busy,
        is_destination=row.is_destination,
        read_only=row.read_only,
    )


def _feed(row: PublishedFeedRow) -> PublishedFeed:
    return PublishedFeed(
        id=row.id,
        owner_id=row.owner_id,
        token_hash=row.token_hash,
        free_busy_only=row.free_busy_only,
        created_at=row.created_at,
        name=row.name,
    )
