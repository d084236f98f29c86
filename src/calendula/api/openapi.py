"""The OpenAPI document behind the interactive docs (/docs, /redoc) and /openapi.json.

Owns: the document's title, description and tags; the error answers operations declare
(`errors`); helpers that document what a route parses by hand (`query_parameters`,
`request_body`); and `install_openapi`, which serves the document at `/openapi.json` and
`/v2/openapi.json`, completed from what the routes already say: the bearer key each operation
needs or accepts, the `cal-api-version` header each /v2 resource reads (so "Try it out" in
/docs can send them), and without FastAPI's `422 HTTPValidationError` (Calendula answers
invalid input with Cal.com's 400). Answer shapes live in `schemas/outputs.py`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from calendula.api.deps import RESOURCE_VERSIONS, current_user, optional_user
from calendula.api.responses import JsonResponse
from calendula.api.schemas.outputs import ErrorOutput

TITLE = "Calendula API"
DESCRIPTION = """\
Self-hosted scheduling with Cal.com's API v2: the same paths, headers, envelopes and field
names, so an integration written for `https://api.cal.com/v2` works against this server.

**Authentication**: `Authorization: Bearer cal_...` (a key from `calendula apikey create`).
Creating, reading, cancelling and rescheduling a booking, slots, slot reservations and the
event-type list also work without a key.

**Versions**: send `cal-api-version` as Cal.com expects: `2024-08-13` for `/v2/bookings`,
`2024-09-04` for `/v2/slots` and `/v2/slots/reservations`, `2024-06-14` for `/v2/event-types`,
`2024-06-11` for `/v2/schedules`. Without it (or with an older or unknown value) the legacy
2024-04-15 behaviour applies: `/v2/slots/available`, `/v2/slots/reserve` and
`/v2/slots/selected-slot` are the legacy slot operations.

**Errors** share one envelope (`ErrorOutput`): invalid input is a 400 whose
`error.details.field` names the field. This document is also served at `/v2/openapi.json`.
"""
TAGS = [
    {"name": "Me", "description": "The caller's profile."},
    {"name": "Schedules", "description": "Weekly hours and date overrides (2024-06-11)."},
    {"name": "Event Types", "description": "What can be booked, and how (2024-06-14)."},
    {"name": "Slots", "description": "Free times and short reservations (2024-09-04)."},
    {"name": "Bookings", "description": "Book, list, reschedule, cancel (2024-08-13)."},
    {"name": "Webhooks", "description": "Calls to your URL when bookings change."},
    {
        "name": "Reminders",
        "description": "Emails or SMS a set time before each booking of an event type "
        "(Calendula's own API).",
    },
    {
        "name": "Calendars",
        "description": "CalDAV and ICS connections, busy and destination calendars, "
        "published feeds.",
    },
    {"name": "Health", "description": "Liveness of the server."},
]

_REASONS = {
    400: "Invalid input (`error.details.field` names it), or a legacy version where only the "
    "current one is supported",
    401: "No API key where one is needed, or an invalid or expired key",
    403: "The key may not do this",
    404: "Unknown or another user's resource, or no such route for this `cal-api-version`",
    409: "The time is taken, or a duplicate (slug, email, seat)",
    422: "The slot is already booked or reserved",
    429: "Over the rate limit",
}
COMMON_STATUSES = (400, 401, 404, 429)
"""What any /v2 operation may answer: bad input or version, bad key, unknown route for the
version (Nest's 404), rate limit."""


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these error statuses, each with the error envelope."""
    return {status: {"model": ErrorOutput, "description": _REASONS[status]} for status in statuses}


# -- what routes parse by hand -----------------------------------------------------------------


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """`schema` with every local `$ref` replaced by its definition (no recursion here)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return _inlined(definitions[ref.rsplit("/", 1)[-1]], definitions)
        return {k: _inlined(v, definitions) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def _self_contained(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True)
    inlined: dict[str, Any] = _inlined(schema, schema.get("$defs", {}))
    return inlined


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A field's schema as a query value: never null (absent is how a query says none)."""
    kept = {k: v for k, v in schema.items() if k != "title"}
    branches = [b for b in kept.pop("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        return {**kept, **branches[0]}
    return {**kept, "anyOf": branches} if branches else kept


def query_parameters(*models: tuple[type[BaseModel], str]) -> list[dict[str, Any]]:
    """OpenAPI query parameters for the fields (by alias) of each `(model, when)`, for routes
    that read the query string themselves; `when` describes when the model applies. Lists
    are comma-separated (`style: form, explode: false`)."""
    parameters: list[dict[str, Any]] = []
    for model, when in models:
        for name, field in _self_contained(model).get("properties", {}).items():
            schema = _query_schema(field)
            parameter: dict[str, Any] = {"name": name, "in": "query", "schema": schema}
            if schema.get("type") == "array":
                parameter.update(style="form", explode=False)
            parameters.append({**parameter, "description": when})
    return parameters


def request_body(*models: type[BaseModel], description: str = "") -> dict[str, Any]:
    """A JSON request body that is one of `models` (a route that picks the model itself)."""
    shapes = [_self_contained(model) for model in models]
    schema = shapes[0] if len(shapes) == 1 else {"anyOf": shapes}
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    return {**body, "description": description} if description else body


# -- the document ------------------------------------------------------------------------------


def _without_fastapi_validation_errors(document: dict[str, Any]) -> None:
    """Drop the 422 FastAPI adds to every operation with parameters: the error handlers turn
    request validation errors into Cal.com's 400, so no such 422 is ever sent."""
    fastapi_error = "#/components/schemas/HTTPValidationError"
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            schema = responses.get("422", {}).get("content", {}).get("application/json", {})
            if schema.get("schema", {}).get("$ref") == fastapi_error:
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


BEARER = {"type": "http", "scheme": "bearer", "description": "An API key: `cal_live_...`"}
LEGACY_ONLY_PATHS = frozenset(
    {"/v2/slots/available", "/v2/slots/reserve", "/v2/slots/selected-slot"}
)
"""Operations only the legacy (no header) slots controller has (`routes/slots.py`)."""


def _calls(dependant: Dependant) -> set[Any]:
    found = {dependant.call}
    for child in dependant.dependencies:
        found |= _calls(child)
    return found


def _with_security(document: dict[str, Any], app: FastAPI) -> None:
    """Each operation's key: required when its route depends on `current_user`, optional
    (`{}` also satisfies it) when only on `optional_user`."""
    document.setdefault("components", {})["securitySchemes"] = {"ApiKey": BEARER}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        calls = _calls(route.dependant)
        if current_user in calls:
            security: list[dict[str, list[str]]] = [{"ApiKey": []}]
        elif optional_user in calls:
            security = [{"ApiKey": []}, {}]
        else:
            continue
        operations = document["paths"][context.path_format]
        for method in route.methods or ():
            operations[method.lower()]["security"] = security


def _version_header(path: str) -> dict[str, Any] | None:
    """The `cal-api-version` parameter for a /v2 path of a versioned resource."""
    resource = path.removeprefix("/v2/").split("/", 1)[0]
    table = RESOURCE_VERSIONS.get(resource)
    if not path.startswith("/v2/") or table is None or "/webhooks" in path:
        return None  # webhook controllers (also under /v2/event-types/...) are not versioned
    current = ", ".join(sorted(table.current))
    schema: dict[str, Any] = {"type": "string"}
    if path not in LEGACY_ONLY_PATHS:
        schema["example"] = min(table.current)
    return {
        "name": "cal-api-version",
        "in": "header",
        "required": False,
        "description": f"Current: {current}. Missing or older: the legacy (2024-04-15) "
        "behaviour, where this operation has one.",
        "schema": schema,
    }


def _with_version_headers(document: dict[str, Any]) -> None:
    for path, operations in document.get("paths", {}).items():
        header = _version_header(path)
        for operation in operations.values() if header else ():
            operation.setdefault("parameters", []).append(header)


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at `app.openapi_url` and at `/v2/openapi.json`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _without_fastapi_validation_errors(document)
            _with_security(document, app)
            _with_version_headers(document)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/v2/openapi.json", include_in_schema=False)
    async def openapi_v2() -> JsonResponse:
        """The same document under the API's own prefix."""
        return JsonResponse(app.openapi())
