"""`/v2/calendars`, `/v2/selected-calendars`, `/v2/destination-calendars`: bodies in, JSON out.

Owns: the inputs (`CaldavCredentialsInput`, `IcsFeedInput` as Cal.com's `CreateIcsFeedInputDto`
with `urls` and `readOnly`, `SelectedCalendarInput` and `DestinationCalendarInput` with
Cal.com's `integration` / `externalId` / `credentialId` names, `FeedInput`) and the output
mappers. A connection is shown as Cal.com's connected-calendar item (`integration.type`
`caldav_calendar` or `ics-feed_calendar`, `credentialId`, `calendars` with `externalId`,
`name`, `isSelected` (counts as busy), `readOnly`) plus Calendula's `id`, `url` (an ICS feed's
without its secret path), `username` and `health` (`consecutiveFailures`, `lastError`,
`flagged`...). Passwords and feed tokens are never shown (a feed's address once, at creation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.alias_generators import to_camel

from calendula.api.envelope import iso_instant
from calendula.api.storable import StorableText
from calendula.domain.calendars import Connection, ConnectionKind, PublishedFeed, RemoteCalendar
from calendula.domain.intervals import Interval
from calendula.services.calendars import ConnectionView

MAX_INT = 2**31 - 1
INTEGRATIONS = {
    ConnectionKind.CALDAV: ("caldav_calendar", "caldav-calendar", "CalDAV"),
    ConnectionKind.ICS_FEED: ("ics-feed_calendar", "ics-feed", "ICS feed"),
}
INTEGRATION_NAMES = frozenset({"caldav_calendar", "apple_calendar", "ics-feed_calendar"})
ICLOUD_URL = "https://caldav.icloud.com/"


Text = Annotated[StorableText, Field(max_length=2048)]
Required = Annotated[Text, Field(min_length=1)]


class _Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class CaldavCredentialsInput(_Input):
    """A CalDAV account: `url` (the server, e.g. `https://nextcloud.example/remote.php/dav`;
    default iCloud's for `/v2/calendars/apple/credentials`), `username`, `password` (an app
    password)."""

    url: Text | None = None
    username: Required
    password: Required


class IcsFeedInput(_Input):
    urls: Annotated[list[Required], Field(min_length=1, max_length=10)]
    read_only: StrictBool = True


class SelectedCalendarInput(_Input):
    integration: Required
    external_id: Required
    credential_id: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class DestinationCalendarInput(_Input):
    integration: Required
    external_id: Required
    credential_id: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class FeedInput(_Input):
    free_busy_only: StrictBool = False
    name: Annotated[Text, Field(max_length=255)] = ""


class BusyTimesQuery(_Input):
    date_from: datetime
    date_to: datetime


def _instant(value: datetime | None) -> str | None:
    return None if value is None else iso_instant(value)


def calendar_output(calendar: RemoteCalendar, kind: ConnectionKind) -> dict[str, Any]:
    return {
        "externalId": calendar.external_id,
        "name": calendar.name,
        "integration": INTEGRATIONS[kind][0],
        "credentialId": calendar.connection_id,
        "isSelected": calendar.is_busy,
        "isDestination": calendar.is_destination,
        "readOnly": calendar.read_only,
    }


def health_output(connection: Connection) -> dict[str, Any]:
    return {
        "lastSuccessAt": _instant(connection.last_success_at),
        "lastError": connection.last_error,
        "lastErrorAt": _instant(connection.last_error_at),
        "consecutiveFailures": connection.consecutive_failures,
        "flagged": connection.is_flagged,
    }


def connection_output(view: ConnectionView) -> dict[str, Any]:
    connection = view.connection
    kind, slug, title = INTEGRATIONS[connection.kind]
    return {
        "id": connection.id,
        "credentialId": connection.id,
        "integration": {"type": kind, "slug": slug, "title": title},
        "url": connection.url,
        "username": connection.username,
        "createdAt": iso_instant(connection.created_at),
        "health": health_output(connection),
        "calendars": [calendar_output(c, connection.kind) for c in view.calendars],
    }


def connected_calendars_output(views: list[ConnectionView]) -> dict[str, Any]:
    destination = next(
        (
            calendar_output(c, view.connection.kind)
            for view in views
            for c in view.calendars
            if c.is_destination
        ),
        None,
    )
    return {
        "connectedCalendars": [connection_output(v) for v in views],
        "destinationConnectedCalendar": destination,
    }


def busy_output(intervals: list[Interval]) -> list[dict[str, Any]]:
    return [
        {"start": iso_instant(i.start), "end": iso_instant(i.end), "source": None}
        for i in intervals
    ]


def feed_output(feed: PublishedFeed, url: str | None = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": feed.id,
        "name": feed.name,
        "freeBusyOnly": feed.free_busy_only,
        "createdAt": iso_instant(feed.created_at),
    }
    if url is not None:
        shown["url"] = url
    return shown
