"""Per-key rate limiting for /v2, with Cal.com's headers and 429 `ThrottlerException`.

Owns: `RateLimitMiddleware` (pure ASGI, so it costs little per request). The tracker is the API
key (a hash of it; keys never reach logs or the counter store in plain form), or the client
address when no key is sent. Every /v2 answer carries `X-RateLimit-Limit-Default`,
`X-RateLimit-Remaining-Default` and `X-RateLimit-Reset-Default` (seconds until the window
resets, or on a 429 until the block ends, as Cal.com's throttler reports it).
"""

from __future__ import annotations

import hashlib
import math

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calendula.api.errors import error_response
from calendula.services.ports import RateCounter

WINDOW_SECONDS = 60
BLOCK_SECONDS = 60
"""After going over the limit a tracker is refused for this long (Cal.com's block duration);
its 429s report the seconds left of the block in `X-RateLimit-Reset-Default`."""
THROTTLED = "CustomThrottlerGuard - Too many requests. Please try again later."


def tracker_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return "key:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, counter: RateCounter, limit: int) -> None:
        self.app = app
        self.counter = counter
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or not scope["path"].startswith("/v2"):
            await self.app(scope, receive, send)
            return
        count, reset = await self.counter.hit(
            tracker_of(scope), WINDOW_SECONDS, self.limit, BLOCK_SECONDS
        )
        headers = {
            "X-RateLimit-Limit-Default": str(self.limit),
            "X-RateLimit-Remaining-Default": str(max(0, self.limit - count)),
            "X-RateLimit-Reset-Default": str(math.ceil(reset)),
        }
        if count > self.limit:
            response = error_response(Request(scope), 429, THROTTLED, headers=headers)
            await response(scope, receive, send)
            return
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *raw]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
