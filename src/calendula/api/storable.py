"""Text no database stores, refused at the door with the field named.

Owns: `text_problem` (why one string cannot be stored), `unstorable_text` (the path of the first
such string in decoded JSON) and `StorableInputMiddleware`, which applies them to every `/v2`
request. A NUL character is refused by PostgreSQL (text and jsonb) and a lone surrogate
(`"\\ud800"` in JSON, which Python's decoder accepts) is not UTF-8, so SQLite's driver, psycopg
and the JSON encoder of the answer all fail on it. Caught here, before any schema or service
runs, such input gets the API's 400 naming the field (`attendee.name`, `locations.0.address`,
`bookingUid`) instead of a 500, and nothing is written. The schemas' own checks stay as a
second line.

A pure ASGI middleware rather than a FastAPI dependency: a dependency on every route cost the
cached slots answer about a fifth of its throughput, while this one only looks at a GET's raw
query string (`%00` is the only way a NUL reaches it; a percent-encoded surrogate is not UTF-8
and is decoded as a replacement character) and scans a body for `\\u` escapes before parsing
anything.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, StrictStr
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calendula.api.errors import validation_response

Path = tuple[str | int, ...]

# A body can only hold such text as a JSON escape: a raw NUL or surrogate is invalid JSON or
# invalid UTF-8, which the body parser refuses. Surrogate pairs (emoji escaped by clients that
# write ASCII JSON) match too, and pass the walk.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "text must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode"
    return None


def storable(text: str) -> str:
    """`text`, or `ValueError` saying why it cannot be stored (a pydantic validator)."""
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


StorableText = Annotated[StrictStr, AfterValidator(storable)]
"""A JSON string a database can store: the schemas' own check, behind the middleware's."""


def unstorable_text(data: Any) -> tuple[Path, str] | None:
    """The path and problem of the first string in `data` (decoded JSON, keys included, in
    document order) that cannot be stored, or None."""
    pending: deque[tuple[Path, Any]] = deque([((), data)])
    while pending:
        path, item = pending.popleft()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return path, problem
        elif isinstance(item, dict):
            for key, value in item.items():
                problem = text_problem(key) if isinstance(key, str) else None
                if problem:  # named with the surrogate escaped, so the answer can say it
                    return (*path, key.encode("utf-8", "backslashreplace").decode()), problem
                pending.append(((*path, key), value))
        elif isinstance(item, list):
            pending.extend(((*path, index), value) for index, value in enumerate(item))
    return None


def _query_problem(query_string: bytes) -> tuple[Path, str] | None:
    if b"%00" not in query_string:
        return None
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:  # decoded as UTF-8 with replacement, as Starlette
            return ("query", name.replace("\x00", "\\x00")), "text must not contain NUL characters"
    return None


def _body_problem(body: bytes) -> tuple[Path, str] | None:
    if not _SUSPECT_ESCAPE.search(body):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own parsing answers
    found = unstorable_text(data)
    return None if found is None else (("body", *found[0]), found[1])


class StorableInputMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v2/"):
            await self._app(scope, receive, send)
            return
        found = _query_problem(scope.get("query_string", b""))
        if found is None and scope["method"] in _WRITES:
            body, receive = await _buffered(receive)
            found = _body_problem(body)
        if found is None:
            await self._app(scope, receive, send)
            return
        location, problem = found
        error = RequestValidationError([{"loc": location, "msg": problem, "type": "value_error"}])
        await validation_response(Request(scope), error)(scope, receive, send)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that hands it on as one message (then defers
    to the server's, e.g. for a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: pass that on
            return b"", _replay([message], receive)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
