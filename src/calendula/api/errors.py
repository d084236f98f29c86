"""The one place where errors become HTTP responses in Cal.com's error envelope.

    {"status": "error", "timestamp": "...Z", "path": "/v2/...",
     "error": {"code": "NotFoundException", "message": "...", "details": {...}}}

Domain errors map by class; request validation errors become 400 naming the field; unknown
routes become Nest's `Cannot GET /path` 404; anything unexpected is a 500 whose details are
logged, never sent.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from calendula.api.responses import JsonResponse
from calendula.domain.errors import (
    CalendulaError,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidState,
    NotFound,
    ReservationConflict,
    SlotUnavailable,
    TimeNotBookable,
    Unauthorized,
)

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[CalendulaError], int], ...] = (
    (InvalidInput, 400),
    (InvalidState, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (TimeNotBookable, 400),
    (SlotUnavailable, 409),
    (Conflict, 409),
    (ReservationConflict, 422),
)

NOT_BOOKABLE_AT_START = 'The event type can\'t be booked at the "start" time provided.'
"""Cal.com's 400 for a start that breaks the notice or the booking window (our reason follows)."""

MAX_REQUEST_ID = 200
"""An `X-Request-Id` is echoed up to this many characters."""

CODE_BY_STATUS = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    409: "ConflictException",
    422: "UnprocessableEntityException",
    429: "ThrottlerException",
    500: "InternalServerErrorException",
}

REASON_BY_STATUS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """An HTTP-level refusal raised by the API layer itself (auth, rate limit, version)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_response(
    request: Request,
    status: int,
    message: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    details: dict[str, Any] = {
        "message": message,
        "error": REASON_BY_STATUS.get(status, "Error"),
        "statusCode": status,
    }
    details.update(extra or {})
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # Cal.com's exception filters echo the caller's request id (or say there was none).
    request_id = request.headers.get("x-request-id", "")[:MAX_REQUEST_ID] or "unknown-request-id"
    headers = {**(headers or {}), "X-Request-Id": request_id}
    body = {
        "status": "error",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "path": path,
        "error": {
            "code": CODE_BY_STATUS.get(status, "HttpException"),
            "message": message,
            "details": details,
        },
    }
    return JsonResponse(body, status_code=status, headers=headers)


def status_of(error: CalendulaError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


_UNION_MEMBER = re.compile(
    r"constrained-[a-z]+|int|str|float|bool|none"
    r"|(function-(after|before|wrap|plain)|json-or-python|tagged-union|union)\[.*"
)
"""The names pydantic gives a union's members in an error's location: not the client's
fields (no field of ours has such a name; `date` does, so it is not listed), so they are left
out of `details.field`."""


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [
        str(p)
        for p in loc
        if p not in ("body", "query", "path", "header")
        and not (isinstance(p, str) and _UNION_MEMBER.fullmatch(p))
    ]
    return ".".join(parts) or "body"


def _described(error: dict[str, Any]) -> tuple[str, str, str]:
    """(field, rule, message) of one validation error. A body that is not JSON is the body's
    fault: its loc holds a character position, not a field."""
    rule = str(error.get("type") or "invalid")
    if rule == "json_invalid":
        position = (error.get("loc") or ("body", 0))[-1]
        reason = str((error.get("ctx") or {}).get("error") or "invalid JSON")
        return "body", rule, f"the body is not valid JSON: {reason} (at character {position})"
    return _field_of(tuple(error.get("loc", ()))), rule, str(error.get("msg", ""))


def _problem(field: str, rule: str, message: str) -> dict[str, Any]:
    """One entry of `details.errors`: Cal.com's class-validator entry (`property`,
    `constraints` by rule, `children`) with the message beside it."""
    return {"property": field, "message": message, "constraints": {rule: message}, "children": []}


def validation_response(request: Request, error: RequestValidationError) -> JsonResponse:
    """The 400 for refused input: the first field in the message, all in `details.errors`."""
    problems = [_problem(*_described(e)) for e in error.errors()]
    first = problems[0] if problems else _problem("body", "invalid", "invalid")
    message = f"{first['property']}: {first['message']}"
    return error_response(
        request, 400, message, extra={"field": first["property"], "errors": problems}
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CalendulaError)
    async def domain_error(request: Request, error: CalendulaError) -> JsonResponse:
        field = getattr(error, "field", None)
        message = error.message
        if isinstance(error, TimeNotBookable):  # Cal.com's words first: clients match them
            message, field = f"{NOT_BOOKABLE_AT_START} {message}.", "start"
        status = status_of(error)
        extra: dict[str, Any] | None = None
        if field:
            extra = {"field": field}
            if status == 400:  # the same list a schema's refusal carries
                extra["errors"] = [_problem(field, "invalid", message)]
        return error_response(request, status, message, extra=extra)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JsonResponse:
        return error_response(request, error.status, error.message, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JsonResponse:
        return validation_response(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JsonResponse:
        if error.status_code == 405 or (error.status_code == 404 and error.detail == "Not Found"):
            # Express, under Cal.com, has no 405: a method a path lacks is an unknown route.
            cannot = f"Cannot {request.method} {request.url.path}"
            return error_response(request, 404, cannot)
        return error_response(request, error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JsonResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "There was an error, please try again later.")
