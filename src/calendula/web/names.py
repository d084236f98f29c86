"""Which first path segments are pages: usernames, not the paths the rest of the app owns.

Owns: `RESERVED`, `check_name` and `not_a_page`. The pages' routes are catch-alls added after
every other route; on a reserved or malformed name they answer as the app would without them
(the API's `Cannot GET` 404, or 405 when another route knows the path with another method).
"""

from __future__ import annotations

import re
from typing import NoReturn

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match

RESERVED = frozenset(
    {"v2", "v1", "api", "docs", "redoc", "health", "openapi.json", "static", "embed", "booking"}
    | {"reschedule", "team", "apps", "auth", "settings", "feeds", "favicon.ico", "robots.txt"}
)
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def not_a_page(request: Request) -> NoReturn:
    """Answer as the app would without the pages: 405 if another route knows the path."""
    for route in request.app.router.routes:
        endpoint = getattr(route, "endpoint", None)
        if getattr(endpoint, "__module__", "").startswith("calendula.web"):
            continue
        match, _ = route.matches(request.scope)
        if match is Match.PARTIAL:
            raise HTTPException(405)
    raise HTTPException(404)


def check_name(request: Request, username: str) -> str:
    name = username.lower()
    if name in RESERVED or not all(NAME.match(part) for part in name.split("+")):
        not_a_page(request)
    return name
