"""Outbound webhook POSTs over httpcore (port `services.ports.WebhookTransport`).

Owns: `HttpcoreTransport`: one connection pool shared by the dispatcher's threads, short
timeouts, no redirects (httpcore never follows them), and the connect-time SSRF check: the
network backend resolves the host itself, refuses the connection when any address it resolved
to is private (unless allowed) or a metadata endpoint, and connects to an address it checked.
So a name that resolved to a public address when the subscription was saved and to
127.0.0.1 now (DNS rebinding) is not called. TLS still verifies the certificate against the
host name (httpcore passes the URL's host for SNI and verification).

httpcore (the engine under httpx) is used directly because its network backend is the one
public hook where the connected address can be checked; httpx would need its private pool.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpcore

from calendula.domain.destinations import Refusal, ip_literal, refusal
from calendula.integrations.host_resolver import SystemResolver
from calendula.services.ports import HttpAnswer

USER_AGENT = "Calendula-Webhooks/1"
MAX_ERROR = 300


class RefusedAddress(httpcore.ConnectError):
    """The host resolved to an address webhooks must not reach."""


class CheckedBackend(httpcore.SyncBackend):
    """Resolves, checks every address, then connects to the first one."""

    def __init__(self, allow_private: bool) -> None:
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        literal = ip_literal(host)
        addresses = [str(literal)] if literal is not None else SystemResolver().resolve(host)
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        refused = refusal(host, addresses, allow_private=self._allow_private)
        if refused is not None and refused.reason is Refusal.METADATA:
            raise RefusedAddress(f"{host} is a cloud metadata endpoint")
        if refused is not None:
            raise RefusedAddress(f"{host} resolves to a non-public address ({refused.address})")
        return super().connect_tcp(addresses[0], port, timeout, local_address, socket_options)


class HttpcoreTransport:
    def __init__(
        self,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        allow_private: bool = False,
        max_connections: int = 64,
    ) -> None:
        self._timeouts = {
            "connect": connect_timeout,
            "read": timeout,
            "write": timeout,
            "pool": timeout,
        }
        self._pool = httpcore.ConnectionPool(
            max_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=CheckedBackend(allow_private),
        )

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        started = time.perf_counter()
        host = urlsplit(url).netloc
        sent = [(b"Host", host.encode()), (b"User-Agent", USER_AGENT.encode())]
        sent += [(k.encode(), v.encode()) for k, v in headers.items()]
        sent.append((b"Content-Length", str(len(body)).encode()))
        try:
            response = self._pool.request(
                "POST", url, headers=sent, content=body, extensions={"timeout": self._timeouts}
            )
        except RefusedAddress as error:
            return HttpAnswer(None, _ms(started), _text(error), refused=True)
        except httpcore.TimeoutException as error:
            return HttpAnswer(
                None, _ms(started), f"timeout: {_text(error) or type(error).__name__}"
            )
        except (
            httpcore.NetworkError,
            httpcore.ProtocolError,
            httpcore.UnsupportedProtocol,
        ) as error:
            return HttpAnswer(None, _ms(started), f"{type(error).__name__}: {_text(error)}")
        retry_after = _retry_after(_header(response.headers, b"retry-after"))
        return HttpAnswer(response.status, _ms(started), retry_after=retry_after)

    def close(self) -> None:
        self._pool.close()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _text(error: BaseException) -> str:
    return str(error)[:MAX_ERROR]


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _retry_after(value: str | None) -> timedelta | None:
    """`Retry-After` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - datetime.now(UTC))
