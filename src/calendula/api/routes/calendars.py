"""Routes for calendar connections (docs/calendars.md), following Cal.com's names where it has
them (API v2 "Calendars", "Selected Calendars", "Destination Calendars").

Any `cal-api-version` value, or none, reaches these handlers. Every `/v2` route needs an API
key and shows only the caller's own connections and feeds; another user's id is a 404.
`GET /feeds/{token}.ics` is a published feed: the token in the address is its only key.
Connecting, checking and busy-time reads call the calendar servers, so these routes are
plain functions (FastAPI runs them on its thread pool, off the event loop).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from calendula.api.deps import CurrentUser, Services
from calendula.api.envelope import success
from calendula.api.responses import JsonResponse
from calendula.api.schemas.calendars import (
    ICLOUD_URL,
    INTEGRATION_NAMES,
    BusyTimesQuery,
    CaldavCredentialsInput,
    DestinationCalendarInput,
    FeedInput,
    IcsFeedInput,
    SelectedCalendarInput,
    busy_output,
    calendar_output,
    connected_calendars_output,
    connection_output,
    feed_output,
)
from calendula.bootstrap import Container
from calendula.domain.calendars import RemoteCalendar
from calendula.domain.errors import InvalidInput

router = APIRouter()
feed_router = APIRouter()

ConnectionId = Annotated[int, Path(alias="connectionId")]
FeedId = Annotated[int, Path(alias="feedId")]


def _integration(name: str) -> None:
    if name not in INTEGRATION_NAMES:
        raise InvalidInput("integration", f"integration must be one of {sorted(INTEGRATION_NAMES)}")


@router.get("/calendars")
def list_calendars(user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success(connected_calendars_output(services.calendars.connections(user.id)))


@router.post("/calendars/caldav/credentials", status_code=201)
def connect_caldav(
    body: CaldavCredentialsInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    if not body.url:
        raise InvalidInput("url", "url is required")
    view = services.calendars.connect_caldav(user.id, body.url, body.username, body.password)
    return success(connection_output(view), status_code=201)


@router.post("/calendars/apple/credentials", status_code=201)
def connect_apple(
    body: CaldavCredentialsInput, user: CurrentUser, services: Services
) -> JsonResponse:
    """iCloud: CalDAV at caldav.icloud.com with an app-specific password (Cal.com's name)."""
    assert user.id is not None
    url = body.url or ICLOUD_URL
    view = services.calendars.connect_caldav(user.id, url, body.username, body.password)
    return success(connection_output(view), status_code=201)


@router.post("/calendars/ics-feed/save", status_code=201)
def save_ics_feeds(body: IcsFeedInput, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    views = services.calendars.add_ics_feeds(user.id, body.urls)
    return success([connection_output(v) for v in views], status_code=201)


@router.get("/calendars/busy-times")
def busy_times(
    query: Annotated[BusyTimesQuery, Query()], user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    found = services.calendars.busy_times(user.id, query.date_from, query.date_to)
    return success(busy_output(found))


@router.get("/calendars/connections/{connectionId}")
def get_connection(
    connection_id: ConnectionId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    return success(connection_output(services.calendars.get(user.id, connection_id)))


@router.post("/calendars/connections/{connectionId}/check")
def check_connection(
    connection_id: ConnectionId, user: CurrentUser, services: Services
) -> JsonResponse:
    """Read the connection's calendars now; the answer's `health` says how it went."""
    assert user.id is not None
    return success(connection_output(services.calendars.check(user.id, connection_id)))


@router.delete("/calendars/connections/{connectionId}")
def remove_connection(
    connection_id: ConnectionId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    return success(connection_output(services.calendars.remove(user.id, connection_id)))


@router.post("/selected-calendars", status_code=201)
def select_calendar(
    body: SelectedCalendarInput, user: CurrentUser, services: Services
) -> JsonResponse:
    """The calendar's events count as busy (Cal.com: add a selected calendar)."""
    assert user.id is not None
    _integration(body.integration)
    calendar = services.calendars.select(user.id, body.credential_id, body.external_id, busy=True)
    return success(_shown(services, user.id, calendar))


@router.delete("/selected-calendars")
def unselect_calendar(
    query: Annotated[SelectedCalendarInput, Query()], user: CurrentUser, services: Services
) -> JsonResponse:
    """The calendar's events no longer count as busy."""
    assert user.id is not None
    _integration(query.integration)
    calendar = services.calendars.select(
        user.id, query.credential_id, query.external_id, busy=False
    )
    return success(_shown(services, user.id, calendar))


@router.put("/destination-calendars")
def set_destination(
    body: DestinationCalendarInput, user: CurrentUser, services: Services
) -> JsonResponse:
    """New bookings are written to this calendar."""
    assert user.id is not None
    _integration(body.integration)
    calendar = services.calendars.select(
        user.id, body.credential_id, body.external_id, destination=True
    )
    return success(_shown(services, user.id, calendar))


def _shown(services: Container, owner_id: int, calendar: RemoteCalendar) -> dict[str, Any]:
    view = services.calendars.get(owner_id, calendar.connection_id)
    return calendar_output(calendar, view.connection.kind)


# -- published feeds ---------------------------------------------------------------------------


@router.post("/calendars/feeds", status_code=201)
def create_feed(body: FeedInput, user: CurrentUser, services: Services) -> JsonResponse:
    """A secret address of the caller's bookings as an ICS feed; `url` is shown only now."""
    assert user.id is not None
    feed, url = services.calendar_feeds.create(
        user.id, free_busy_only=body.free_busy_only, name=body.name
    )
    return success(feed_output(feed, url), status_code=201)


@router.get("/calendars/feeds")
def list_feeds(user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success([feed_output(f) for f in services.calendar_feeds.feeds(user.id)])


@router.delete("/calendars/feeds/{feedId}")
def revoke_feed(feed_id: FeedId, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success(feed_output(services.calendar_feeds.revoke(user.id, feed_id)))


@feed_router.get("/feeds/{token}.ics", response_class=Response, include_in_schema=False)
def published_feed(token: str, services: Services) -> Response:
    """A published feed (text/calendar); 404 once revoked."""
    body = services.calendar_feeds.render(token[:100])
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )
