"""Feed requests are checked against the private-address rule at every hop, redirects
included (the service only checks the address it was given)."""

from __future__ import annotations

import httpx
import pytest

from calendula.domain.errors import CalendarUnreachable
from calendula.integrations.calendar_client import NetworkCalendarClient

FEED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nEND:VCALENDAR\r\n"


def redirecting(target: str) -> httpx.MockTransport:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "feeds.example.invalid":
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, content=FEED)

    transport = httpx.MockTransport(answer)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:9/feed.ics", "http://169.254.169.254/latest/meta-data"]
)
def test_a_redirect_to_a_private_address_is_not_followed(target: str) -> None:
    transport = redirecting(target)
    client = NetworkCalendarClient(transport=transport, allow_private=False)
    try:
        with pytest.raises(CalendarUnreachable):
            client._feed("http://feeds.example.invalid/secret.ics")
    finally:
        client.close()
    assert transport.seen == ["http://feeds.example.invalid/secret.ics"]  # type: ignore[attr-defined]


def test_with_private_targets_allowed_the_redirect_is_followed() -> None:
    transport = redirecting("http://127.0.0.1:9/feed.ics")
    client = NetworkCalendarClient(transport=transport, allow_private=True)
    try:
        calendars = client._feed("http://feeds.example.invalid/secret.ics")
    finally:
        client.close()
    assert len(calendars) == 1  # the feed behind the redirect, parsed
    assert transport.seen[-1] == "http://127.0.0.1:9/feed.ics"  # type: ignore[attr-defined]


def test_metadata_endpoints_stay_refused_when_private_targets_are_allowed() -> None:
    transport = redirecting("http://169.254.169.254/latest/meta-data")
    client = NetworkCalendarClient(transport=transport, allow_private=True)
    try:
        with pytest.raises(CalendarUnreachable):
            client._feed("http://feeds.example.invalid/secret.ics")
    finally:
        client.close()
    assert transport.seen == ["http://feeds.example.invalid/secret.ics"]  # type: ignore[attr-defined]
