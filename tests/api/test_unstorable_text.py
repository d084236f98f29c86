"""Text no database stores (a NUL character, a lone surrogate written as a JSON escape) is a 400
naming the field on every `/v2` route that takes text, and nothing is written
(`api.storable`). Before, most routes other than bookings answered 500, and some saved the
text first (event-type locations, user metadata), which then broke every later read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

BOOKINGS, EVENT_TYPES, SCHEDULES = "2024-08-13", "2024-06-14", "2024-06-11"
LONE = "\\ud800"  # the six characters of a JSON escape, as a client would send them
NUL = "\\u0000"


def send(api, method: str, path: str, raw: str, *, key: str, version: str | None):
    return api.request(
        method,
        path,
        key=key,
        version=version,
        content=raw.encode(),
        headers={"Content-Type": "application/json"},
    )


def refusal(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BadRequestException"
    return dict(error["details"])


CASES = [
    (
        "POST",
        "/v2/event-types",
        EVENT_TYPES,
        f'{{"title": "x{LONE}", "slug": "s1", "lengthInMinutes": 30}}',
        "title",
    ),
    (
        "POST",
        "/v2/event-types",
        EVENT_TYPES,
        f'{{"title": "Loc", "slug": "s2", "lengthInMinutes": 30, '
        f'"locations": [{{"type": "address", "address": "{LONE}", "public": true}}]}}',
        "locations.0.address",
    ),
    (
        "PATCH",
        "/v2/event-types/{event_type}",
        EVENT_TYPES,
        f'{{"bookingFields": [{{"type": "text", "slug": "a", "label": "L{LONE}"}}]}}',
        "bookingFields.0.label",
    ),
    (
        "POST",
        "/v2/schedules",
        SCHEDULES,
        f'{{"name": "N{LONE}", "timeZone": "UTC", "isDefault": false}}',
        "name",
    ),
    ("PATCH", "/v2/me", None, f'{{"metadata": {{"a": "x{LONE}"}}}}', "metadata.a"),
    ("PATCH", "/v2/me", None, f'{{"metadata": {{"a{LONE}": "x"}}}}', "metadata.a\\ud800"),
    ("PATCH", "/v2/me", None, f'{{"bio": "a{NUL}b"}}', "bio"),
    (
        "POST",
        "/v2/webhooks",
        None,
        f'{{"subscriberUrl": "https://example.com/{LONE}", "triggers": ["BOOKING_CREATED"]}}',
        "subscriberUrl",
    ),
    (
        "POST",
        "/v2/bookings",
        BOOKINGS,
        f'{{"start": "2026-03-03T15:00:00Z", "eventTypeId": {{event_type}}, "attendee": '
        f'{{"name": "a{LONE}", "email": "a@example.com", "timeZone": "UTC"}}}}',
        "attendee.name",
    ),
    (
        "POST",
        "/v2/bookings",
        BOOKINGS,
        f'{{"start": "2026-03-03T15:00:00Z", "eventTypeId": {{event_type}}, "attendee": '
        f'{{"name": "A", "email": "a@example.com", "timeZone": "UTC{NUL}"}}}}',
        "attendee.timeZone",
    ),
]


@pytest.mark.parametrize(("method", "path", "version", "raw", "field"), CASES)
def test_unstorable_text_is_a_400_naming_the_field(
    api, demo_key, method, path, version, raw, field
):
    host, key = demo_key
    before = api.get("/v2/event-types", key=key, version=EVENT_TYPES).json()["data"]
    event_type = str(host.event_type.id)
    path = path.replace("{event_type}", event_type)
    raw = raw.replace("{event_type}", event_type)
    details = refusal(send(api, method, path, raw, key=key, version=version))
    assert details["field"] == field
    reason = "NUL characters" if NUL in raw else "valid Unicode"
    assert reason in details["message"]
    # Nothing was written, and every read still works.
    assert api.get("/v2/event-types", key=key, version=EVENT_TYPES).json()["data"] == before
    assert api.get("/v2/me", key=key).status_code == 200
    assert api.get("/v2/schedules", key=key, version=SCHEDULES).json()["data"][1:] == []


def test_a_query_parameter_with_a_nul_is_named(api, demo_key):
    _, key = demo_key
    response = api.get("/v2/bookings?bookingUid=a%00b", key=key, version=BOOKINGS)
    assert refusal(response)["field"] == "bookingUid"


def test_an_escaped_surrogate_pair_is_ordinary_text(api, demo_key):
    host, key = demo_key
    raw = (
        f'{{"start": "2026-03-03T15:00:00Z", "eventTypeId": {host.event_type.id}, '
        '"attendee": {"name": "Ada \\ud83d\\ude00", "email": "a@example.com", '
        '"timeZone": "UTC"}}'
    )
    response = send(api, "POST", "/v2/bookings", raw, key=key, version=BOOKINGS)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["attendees"][0]["name"] == "Ada \U0001f600"


def test_a_body_in_several_chunks_is_checked_whole_and_handed_on_whole():
    """The middleware reads the body before the route does: it must see every chunk (an
    escape split across two) and give the route the same bytes."""
    import asyncio

    from calendula.api.storable import StorableInputMiddleware

    seen: list[bytes] = []

    async def route(scope, receive, send):
        message = await receive()
        seen.append(message["body"])
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def call(chunks: list[bytes]) -> int:
        pending = [
            {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
            for i, c in enumerate(chunks)
        ]
        sent: list[dict[str, Any]] = []

        async def receive():
            return pending.pop(0)

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/v2/bookings",
            "headers": [],
            "query_string": b"",
            "server": ("test", 80),
            "scheme": "http",
            "root_path": "",
        }
        await StorableInputMiddleware(route)(scope, receive, send)
        return int(sent[0]["status"])

    assert asyncio.run(call([b'{"name": "a\\ud', b'800"}'])) == 400
    assert seen == []
    assert asyncio.run(call([b'{"name": "a', b'b"}'])) == 201
    assert seen == [b'{"name": "ab"}']


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
def test_the_schemas_refuse_such_text_on_their_own_too(text):
    """The second line, for models validated without the middleware in front."""
    from pydantic import ValidationError

    from calendula.api.schemas.schedules import CreateScheduleInput

    with pytest.raises(ValidationError, match="text must"):
        CreateScheduleInput.model_validate({"name": text, "timeZone": "UTC", "isDefault": False})
