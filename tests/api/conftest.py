"""API test fixtures.

- `api`: an `ApiClient` bound to the app over the test's `container` (in-process ASGI; no
  network). `api.get/post/patch/delete(path, key=..., version=..., **httpx kwargs)`.
- `demo_key`: `(host, plain API key)` for the `host` fixture's user.
- `calcom`: validates a response against Cal.com's published schema for an operation:
  `calcom.check(response, "GET", "/v2/bookings/{bookingUid}")`. Skips the test when
  ../shared/reference is absent (a developer machine without the reference folder).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS30Validator

from calendula.api.app import create_app

REFERENCE = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "calcom-openapi-v2-core.json"
)


class ApiClient:
    """A synchronous client for the ASGI app. It keeps one event loop for its life, because
    async resources of the app (the Redis rate counter) belong to the loop that opened them."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._loop = asyncio.new_event_loop()

    def close(self) -> None:
        """Close the app's async resources on this client's loop, then the loop."""
        self._loop.run_until_complete(self._app.state.container.rate_counter.close())
        self._loop.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        version: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if key:
            sent["Authorization"] = f"Bearer {key}"
        if version:
            sent["cal-api-version"] = version

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self._app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                return await c.request(method, path, headers=sent, **kwargs)

        return self._loop.run_until_complete(go())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


def correct_published_defects(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of Cal.com's published OpenAPI with its known defects corrected, each named.

    The published document cannot validate real Cal.com responses in these places (found by
    checking our Cal.com-shaped answers; reference §10 lists similar ones):
    - event types: `locations`/`bookingFields` items use `oneOf` whose members overlap (an
      address location also matches the organizer-default-app schema), so `anyOf`; `users`
      items are user objects, not strings (§4.4); `slotInterval`/`seatsPerTimeSlot` are
      nullable numbers, not objects; `bookingWindow` is one object, not an array (§10.5);
      `seats` may be `{disabled: true}` like every resettable setting (§4.3); `recurrence`'s
      documented `null` never validates (`nullable` beside a non-nullable `allOf`);
    - bookings: `rating` is `number | null` (the database NULL); `currentPage` is 0 for an
      empty list by Cal.com's own formula (§1.5); calendar links' `status` is the string
      "success" like every envelope, not an object; the booking answers' `data` (and list
      items) use `oneOf` whose members overlap (an occurrence of a recurring series,
      `RecurringBookingOutput`, also matches `BookingOutput`, which allows extra keys), so
      `anyOf`;
    - webhooks: `id` is a UUID string at runtime, not a number (§10.4); `payloadTemplate` is
      `null` for a webhook without a template (the database NULL), not always a string.
    """
    fixed = copy.deepcopy(spec)
    schemas = fixed["components"]["schemas"]
    props = schemas["EventTypeOutput_2024_06_14"]["properties"]
    for name in ("locations", "bookingFields"):
        props[name]["items"] = {"anyOf": props[name]["items"]["oneOf"]}
    props["users"]["items"] = {
        "type": "object",
        "required": ["id", "name", "username", "avatarUrl", "weekStart", "metadata"],
    }
    props["slotInterval"] = {"type": "number", "nullable": True}
    props["seatsPerTimeSlot"] = {"type": "number", "nullable": True}
    disabled = {"$ref": "#/components/schemas/Disabled_2024_06_14"}
    props["bookingWindow"] = {"anyOf": [*props["bookingWindow"]["items"]["oneOf"], disabled]}
    props["seats"] = {"anyOf": [props["seats"], disabled]}
    props["recurrence"] = {"anyOf": [*props["recurrence"]["allOf"], {"enum": [None]}]}
    for schema in schemas.values():
        rating = schema.get("properties", {}).get("rating")
        if rating is not None:
            rating["nullable"] = True
    for name, schema in schemas.items():
        data = schema.get("properties", {}).get("data", {})
        if name.endswith("Output_2024_08_13"):
            for part in (data, data.get("items", {})):
                if "oneOf" in part:
                    part["anyOf"] = part.pop("oneOf")
    schemas["PaginationMetaDto"]["properties"]["currentPage"]["minimum"] = 0
    schemas["CalendarLinksOutput_2024_08_13"]["properties"]["status"] = {"type": "string"}
    for name in ("UserWebhookOutputDto", "EventTypeWebhookOutputDto"):
        webhook = schemas[name]["properties"]
        webhook["id"] = {"type": "string", "format": "uuid"}
        webhook["payloadTemplate"] = {"type": "string", "nullable": True}
    return fixed


class CalcomSchemas:
    """Cal.com's OpenAPI document (with its published defects corrected), used to check that
    our responses keep its shapes."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = correct_published_defects(spec)

    def schema_for(self, method: str, path: str, status: int) -> dict[str, Any]:
        operation = self.spec["paths"][path][method.lower()]
        response = operation["responses"][str(status)]
        schema = response["content"]["application/json"]["schema"]
        return {**schema, "components": self.spec["components"]}

    def check(self, response: httpx.Response, method: str, path: str) -> dict[str, Any]:
        """Validate `response`'s JSON against the operation's schema for its status code."""
        body: dict[str, Any] = response.json()
        OAS30Validator(self.schema_for(method, path, response.status_code)).validate(body)
        return body


@pytest.fixture
def api(container) -> Iterator[ApiClient]:
    client = ApiClient(create_app(container))
    yield client
    client.close()


@pytest.fixture
def demo_key(container, host) -> tuple[Any, str]:
    _, key = container.accounts.create_api_key(host.user.id, name="test")
    return host, key


@pytest.fixture(scope="session")
def calcom() -> CalcomSchemas:
    if not REFERENCE.exists():
        pytest.skip(f"Cal.com reference schema not found at {REFERENCE}")
    return CalcomSchemas(json.loads(REFERENCE.read_text()))
