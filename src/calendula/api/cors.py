"""Cross-origin access to the API, as Cal.com allows it (any origin, no cookies).

Owns: `ApiCors`, an ASGI wrapper that answers CORS preflights and adds the CORS headers for
paths under `/v2/` only (Starlette's `CORSMiddleware` does the work). Browser code on any site
may call the API with an API key in `Authorization`: the key, not the origin, is the
credential, and no cookie is ever honoured cross-origin (`allow_credentials` stays off, so a
browser does not send the host pages' session cookie along). The booking and host pages are
left out: they are pages, not an API.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

METHODS = ("GET", "PATCH", "DELETE", "HEAD", "POST", "PUT", "OPTIONS")
EXPOSED = (
    "X-RateLimit-Limit-Default",
    "X-RateLimit-Remaining-Default",
    "X-RateLimit-Reset-Default",
    "X-Request-Id",
)
MAX_AGE = 86_400


class ApiCors:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=METHODS,
            allow_headers=["*"],  # cal-api-version, Authorization, Idempotency-Key, x-cal-*...
            expose_headers=EXPOSED,
            max_age=MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v2/"):
            await self._cors(scope, receive, send)
        else:
            await self._app(scope, receive, send)
