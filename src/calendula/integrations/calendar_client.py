"""Reads and writes connected calendars: CalDAV (RFC 4791) and ICS feeds (RFC 5545).

Owns: `NetworkCalendarClient` (port `CalendarClient`). CalDAV goes through the `caldav`
package: discovery from the principal's calendar home set (§6.2.1), busy times by a
calendar-query REPORT with a time-range filter (§7.8) whose objects are expanded here
(`integrations.ical`, so a CalDAV calendar and an ICS feed follow exactly the same rules for
recurrences, transparency, cancellations, floating and all-day times), writes by PUT of one
resource per UID (`<uid>.ics`) and DELETE. ICS feeds are fetched with `httpx` and conditional
requests (RFC 9110 §13: `If-None-Match` / `If-Modified-Since`); on 304 the copy kept from the
previous answer is used.

Every call has the client's `timeout`; every failure is a `CalendarUnreachable`. Credentials
are never logged. The address given is the one called (no RFC 6764 DNS discovery; the service
checks it against the private-address rule first). `caldav` 1.x (on `requests`) is used: later
versions bring `niquests`, whose `urllib3-future` replaces `urllib3` for every other library.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from calendula.domain.calendars import ConnectionKind, DiscoveredCalendar
from calendula.domain.destinations import Refusal, ip_literal, refusal
from calendula.domain.errors import CalendarUnreachable
from calendula.domain.intervals import Interval
from calendula.integrations.host_resolver import SystemResolver
from calendula.integrations.ical import booking_event_ics, busy_from_calendars, parse_calendars
from calendula.services.ports import CalendarAccess

# `caldav` (with lxml and requests) is imported on first CalDAV use only: servers without CalDAV
# never pay its ~25 MB. `httpx` and `icalendar` likewise on the first feed (the client is made
# then).
if TYPE_CHECKING:
    import httpx
    import icalendar
    from caldav.davclient import DAVClient

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 10 * 1024 * 1024
USER_AGENT = "Calendula calendar sync"


@dataclass(frozen=True, slots=True)
class _Feed:
    etag: str | None
    last_modified: str | None
    calendars: list[icalendar.Calendar]


class NetworkCalendarClient:
    def __init__(
        self,
        *,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        allow_private: bool = True,
    ) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._transport = transport
        self._client: httpx.Client | None = None
        self._feeds: dict[str, _Feed] = {}
        self._lock = threading.Lock()
        self._now = now
        self.feed_requests = 0
        """Feed GETs sent (tests and benchmarks count conditional requests with it)."""

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    @property
    def _http(self) -> httpx.Client:
        """The feed client, made on first use."""
        with self._lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(
                    timeout=self._timeout,
                    transport=self._transport,
                    follow_redirects=True,
                    max_redirects=3,
                    headers={"User-Agent": USER_AGENT},
                    event_hooks={"request": [self._check_target]},
                )
            return self._client

    def _check_target(self, request: httpx.Request) -> None:
        """Every feed request, each redirect included, goes to a public address only (unless
        private targets are allowed); metadata endpoints never. The service checked the
        address given; this catches a redirect, or a name that resolves elsewhere now."""
        host = request.url.host
        literal = ip_literal(host)
        addresses = [str(literal)] if literal is not None else SystemResolver().resolve(host)
        refused = refusal(host, addresses, allow_private=self._allow_private)
        import httpx

        if refused is None or refused.reason is Refusal.UNRESOLVED:
            return  # an unresolvable host fails to connect, with the client's own error
        if refused.reason is Refusal.METADATA:
            raise httpx.ConnectError(f"{host} is a cloud metadata endpoint", request=request)
        raise httpx.ConnectError(f"{host} resolves to a non-public address", request=request)

    # -- the port ------------------------------------------------------------------------------

    def discover(self, access: CalendarAccess) -> list[DiscoveredCalendar]:
        if access.kind is ConnectionKind.ICS_FEED:
            self._feed(access.url)
            return [DiscoveredCalendar(access.url, "ICS feed", read_only=True)]
        from caldav.lib import error as dav_error

        with _dav_errors():
            client = self._dav(access)
            try:
                calendars = client.principal().calendars()  # type: ignore[no-untyped-call]
            except dav_error.AuthorizationError:
                raise
            except dav_error.DAVError:  # the address may be a calendar, not a server
                calendars = [client.calendar(url=access.url)]  # type: ignore[no-untyped-call]
            return [
                DiscoveredCalendar(str(c.url), str(c.get_display_name() or c.url))
                for c in calendars
            ]

    def busy(self, access: CalendarAccess, window: Interval, zone: str) -> list[Interval]:
        if access.kind is ConnectionKind.ICS_FEED:
            return busy_from_calendars(self._feed(access.url), window, zone)
        with _dav_errors():
            calendar = self._dav(access).calendar(url=access.calendar_url)  # type: ignore[no-untyped-call]
            found = calendar.search(start=window.start, end=window.end, event=True, expand=False)
            data = [obj.data for obj in found if obj.data]
        calendars = [c for text in data for c in parse_calendars(text)]
        return busy_from_calendars(calendars, window, zone)

    def put_event(self, access: CalendarAccess, uid: str, event: Mapping[str, Any]) -> None:
        body = booking_event_ics(uid, event, self._now()).decode()
        with _dav_errors():
            client = self._dav(access)
            url = _resource_url(access.calendar_url, uid)
            response = client.put(url, body, {"Content-Type": "text/calendar; charset=utf-8"})
            _check_status(response.status, "PUT")

    def delete_event(self, access: CalendarAccess, uid: str) -> None:
        with _dav_errors():
            client = self._dav(access)
            response = client.delete(_resource_url(access.calendar_url, uid))
            if response.status != 404:
                _check_status(response.status, "DELETE")

    # -- helpers -------------------------------------------------------------------------------

    def _dav(self, access: CalendarAccess) -> DAVClient:
        from caldav.davclient import DAVClient

        return DAVClient(
            url=access.url,
            username=access.username,
            password=access.password,
            timeout=max(1, round(self._timeout)),
        )

    def _feed(self, url: str) -> list[icalendar.Calendar]:
        with self._lock:
            kept = self._feeds.get(url)
        headers: dict[str, str] = {}
        if kept is not None and kept.etag:
            headers["If-None-Match"] = kept.etag
        if kept is not None and kept.last_modified:
            headers["If-Modified-Since"] = kept.last_modified
        self.feed_requests += 1
        import httpx

        try:
            response = self._http.get(url, headers=headers)
        except httpx.HTTPError as error:
            raise CalendarUnreachable(f"feed request failed: {type(error).__name__}") from None
        if response.status_code == 304 and kept is not None:
            return kept.calendars
        if response.status_code != 200:
            raise CalendarUnreachable(
                f"feed answered HTTP {response.status_code}",
                transient=response.status_code in (408, 429) or response.status_code >= 500,
                status_code=response.status_code,
            )
        if len(response.content) > MAX_FEED_BYTES:
            raise CalendarUnreachable("feed is larger than 10 MB", transient=False)
        calendars = parse_calendars(response.content)
        fresh = _Feed(
            response.headers.get("etag"), response.headers.get("last-modified"), calendars
        )
        with self._lock:
            self._feeds[url] = fresh
        return calendars


def _resource_url(calendar_url: str, uid: str) -> str:
    return calendar_url.rstrip("/") + "/" + quote(uid, safe="@.-_") + ".ics"


def _check_status(status: int, method: str) -> None:
    if 200 <= status < 300:
        return
    raise CalendarUnreachable(
        f"CalDAV {method} answered HTTP {status}",
        transient=status in (408, 409, 423, 429) or status >= 500,
        status_code=status,
    )


@contextmanager
def _dav_errors() -> Iterator[None]:
    """Every failure of the `caldav` package (and of its HTTP library) as `CalendarUnreachable`."""
    from caldav.lib import error as dav_error

    try:
        yield
    except CalendarUnreachable:
        raise
    except dav_error.AuthorizationError:
        raise CalendarUnreachable(
            "the CalDAV server refused the username or password", transient=False, status_code=401
        ) from None
    except dav_error.NotFoundError:
        raise CalendarUnreachable(
            "the CalDAV server has no calendar at this address", transient=False, status_code=404
        ) from None
    except Exception as error:  # network errors of niquests/requests, DAV errors, bad XML
        raise CalendarUnreachable(f"CalDAV request failed: {type(error).__name__}") from None
