"""`/v2/calendars` and friends over HTTP, with an ICS feed served on loopback and Radicale.

The container here allows private calendar targets (loopback servers); the default refusal is
tested in tests/calendars/test_caldav_busy.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest

from calendar_servers import FeedServer, Radicale
from calendula import bootstrap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendars"


@pytest.fixture
def container(make_container) -> bootstrap.Container:
    return make_container(calendar_allow_private_targets=True, calendar_timeout_seconds=3)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def dav(tmp_path) -> Iterator[Radicale]:
    server = Radicale(tmp_path)
    server.start()
    yield server
    server.stop()


def test_caldav_connection_lifecycle_over_the_api(api, demo_key, dav):
    _, key = demo_key
    dav.calendar("ada", "work")
    dav.calendar("ada", "home")
    body = {"url": dav.url, "username": "ada", "password": "app-password"}
    created = api.post("/v2/calendars/caldav/credentials", key=key, json=body)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["integration"]["type"] == "caldav_calendar"
    assert "app-password" not in created.text
    connection_id = data["id"]
    listed = api.get("/v2/calendars", key=key).json()["data"]
    assert [c["id"] for c in listed["connectedCalendars"]] == [connection_id]
    home = next(c for c in data["calendars"] if c["name"] == "Home")
    moved = api.request(
        "PUT",
        "/v2/destination-calendars",
        key=key,
        json={"integration": "caldav_calendar", "externalId": home["externalId"]},
    )
    assert moved.status_code == 200 and moved.json()["data"]["isDestination"] is True
    listed = api.get("/v2/calendars", key=key).json()["data"]
    assert listed["destinationConnectedCalendar"]["externalId"] == home["externalId"]
    off = api.delete(
        "/v2/selected-calendars",
        key=key,
        params={"integration": "caldav_calendar", "externalId": home["externalId"]},
    )
    assert off.json()["data"]["isSelected"] is False
    checked = api.post(f"/v2/calendars/connections/{connection_id}/check", key=key)
    assert checked.json()["data"]["health"]["consecutiveFailures"] == 0
    busy = api.get(
        "/v2/calendars/busy-times",
        key=key,
        params={"dateFrom": "2026-03-02T00:00:00Z", "dateTo": "2026-03-09T00:00:00Z"},
    )
    assert busy.status_code == 200 and busy.json()["data"] == []
    removed = api.delete(f"/v2/calendars/connections/{connection_id}", key=key)
    assert removed.status_code == 200
    assert api.get(f"/v2/calendars/connections/{connection_id}", key=key).status_code == 404


def test_a_wrong_caldav_address_is_a_400_naming_url(api, demo_key, dav):
    _, key = demo_key
    dav.stop()
    body = {"url": dav.url, "username": "ada", "password": "pw"}
    refused = api.post("/v2/calendars/caldav/credentials", key=key, json=body)
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["field"] == "url"


def test_ics_feed_save_and_busy_times(api, demo_key, feeds):
    _, key = demo_key
    feeds.files["/secret-abc/outlook.ics"] = (FIXTURES / "outlook.ics").read_bytes()
    url = f"{feeds.url}/secret-abc/outlook.ics"
    saved = api.post("/v2/calendars/ics-feed/save", key=key, json={"urls": [url]})
    assert saved.status_code == 201, saved.text
    assert "secret-abc" not in saved.text
    busy = api.get(
        "/v2/calendars/busy-times",
        key=key,
        params={"dateFrom": "2026-03-02T00:00:00Z", "dateTo": "2026-03-05T00:00:00Z"},
    )
    assert [(b["start"], b["end"]) for b in busy.json()["data"]] == [
        ("2026-03-02T14:00:00.000Z", "2026-03-02T14:30:00.000Z"),
        ("2026-03-03T15:00:00.000Z", "2026-03-03T16:00:00.000Z"),
    ]


def test_published_feed_is_served_at_its_secret_address_until_revoked(api, demo_key):
    _, key = demo_key
    created = api.post("/v2/calendars/feeds", key=key, json={"freeBusyOnly": True})
    assert created.status_code == 201, created.text
    feed = created.json()["data"]
    path = "/" + feed["url"].split("/", 3)[3]
    served = api.get(path)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(served.content).get("X-WR-CALNAME")
    assert [f["id"] for f in api.get("/v2/calendars/feeds", key=key).json()["data"]] == [feed["id"]]
    assert "url" not in api.get("/v2/calendars/feeds", key=key).json()["data"][0]
    assert api.delete(f"/v2/calendars/feeds/{feed['id']}", key=key).status_code == 200
    assert api.get(path).status_code == 404
    assert api.get("/feeds/not-a-token.ics").status_code == 404


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [
        ("2026-03-09T00:00:00Z", "2026-03-02T00:00:00Z", "dateTo"),
        ("2026-03-02T00:00:00Z", "2026-07-02T00:00:00Z", "dateTo"),
        ("2026-03-02T00:00:00", "2026-03-09T00:00:00", "dateFrom"),
    ],
)
def test_a_bad_busy_times_range_is_a_400_naming_the_field(api, demo_key, date_from, date_to, field):
    _, key = demo_key
    response = api.get(
        "/v2/calendars/busy-times", key=key, params={"dateFrom": date_from, "dateTo": date_to}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["field"] == field
