"""Text no database stores, refused at the door with the field named.

Owns: `text_problem` (why one string cannot be stored), `unstorable_text` (the path of the first
such string in decoded JSON) and `storable_input`, a dependency of every `/v2` route. A NUL
character is refused by PostgreSQL (text and jsonb) and a lone surrogate (`"\\ud800"` in JSON,
which Python's decoder accepts) is not UTF-8, so SQLite's driver, psycopg and the JSON encoder
of the answer all fail on it. Caught here, before any schema or service runs, such input gets
the API's 400 naming the field (`attendee.name`, `locations.0.address`, `bookingUid`) instead
of a 500, and nothing is written. The schemas' own checks stay as a second line.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

Path = tuple[str | int, ...]

# A body can only hold such text as a JSON escape: a raw NUL or surrogate is invalid JSON or
# invalid UTF-8, which the body parser refuses. Surrogate pairs (emoji escaped by clients that
# write ASCII JSON) match too, and pass the walk.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None."""
    if "\x00" in text:
        return "text must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode"
    return None


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


def _refuse(location: Path, problem: str) -> RequestValidationError:
    return RequestValidationError([{"loc": location, "msg": problem, "type": "value_error"}])


async def storable_input(request: Request) -> None:
    """Refuse a request whose query or JSON body holds text that cannot be stored."""
    for name, value in request.query_params.multi_items():
        problem = text_problem(name) or text_problem(value)
        if problem:
            raise _refuse(("query", name), problem)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    body = await request.body()  # kept by the request: the route reads it again for free
    if not _SUSPECT_ESCAPE.search(body):
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # not JSON: the route's own parsing answers
    found = unstorable_text(data)
    if found:
        path, problem = found
        raise _refuse(("body", *path), problem)
