"""Request dependencies: the container, the caller, the API version.

`Annotated` aliases keep routes thin: `Services`, `CurrentUser`, `OptionalUser`, `ApiVersion`.
Authentication follows Cal.com: `Authorization: Bearer cal_...`; a missing or bad key on an
endpoint that needs one is a 401 with Cal.com's messages.

Version routing (Cal.com picks a controller by `cal-api-version`) is one mechanism here:
`RESOURCE_VERSIONS` says which versions reach each resource's current handlers and which have
no controller for it at all; `versions(resource, ...)` is the dependency a route declares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.params import Depends as DependsMarker

from calendula.api.errors import ApiError
from calendula.bootstrap import Container
from calendula.domain.accounts import User
from calendula.domain.errors import Unauthorized

LEGACY_VERSION = "2024-04-15"
KNOWN_VERSIONS = frozenset(
    {"2024-04-15", "2024-06-11", "2024-06-14", "2024-08-13", "2024-09-04", "2026-02-25"}
)
NO_AUTH_MESSAGE = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' "
    "header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def api_version(request: Request) -> str:
    """The `cal-api-version` header if it is a known value, else the legacy 2024-04-15."""
    value = request.headers.get("cal-api-version", "").strip()
    return value if value in KNOWN_VERSIONS else LEGACY_VERSION


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def optional_user(
    request: Request, container: Annotated[Container, Depends(get_container)]
) -> User | None:
    """The caller when a key is sent (a bad key is still a 401), else None."""
    token = _bearer(request)
    if token is None:
        return None
    try:
        user = container.accounts.authenticate(token)
    except Unauthorized as error:
        raise ApiError(401, error.message) from None
    request.state.user_id = user.id
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise ApiError(401, NO_AUTH_MESSAGE)
    return user


Services = Annotated[Container, Depends(get_container)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
ApiVersion = Annotated[str, Depends(api_version)]


# -- version routing ---------------------------------------------------------------------------

Reach = Literal["served", "refused", "unrouted"]
"""What a route does with a group of versions: `served` (the handler answers; it may branch on
`ResourceVersions.is_current`), `refused` (a 400 naming the header, checked after the key, as
Cal.com's guards run; only for legacy versions) or `unrouted` (Nest's 404, no controller)."""


@dataclass(frozen=True, slots=True)
class ResourceVersions:
    """Which `cal-api-version` values reach one resource's controllers (reference §1.2).

    `current`: the documented (current) handlers. `unrouted`: no controller for the resource,
    so Nest's `Cannot GET /path` 404 on every route. Every other value, including a missing or
    unknown one (read as 2024-04-15), is *legacy*. `legacy_refusal`: the 400 message for routes
    whose legacy body or shape Calendula does not support (`versions(..., legacy="refused")`).
    """

    current: frozenset[str]
    unrouted: frozenset[str] = frozenset()
    legacy_refusal: str = ""

    def is_current(self, version: str) -> bool:
        return version in self.current

    def resolve(
        self, request: Request, *, legacy: Reach = "served", current: Reach = "served"
    ) -> str:
        """The request's version, or Nest's 404 when no controller serves it on this route.
        Cheap enough for hot paths, which call it directly instead of through `versions`."""
        version = api_version(request)
        if version in self.unrouted:
            raise route_not_found(request)
        reach = current if version in self.current else legacy
        if reach == "unrouted":
            raise route_not_found(request)
        return version


RESOURCE_VERSIONS: dict[str, ResourceVersions] = {
    "bookings": ResourceVersions(
        current=frozenset({"2024-08-13", "2026-02-25"}), unrouted=frozenset({"2024-09-04"})
    ),
    "slots": ResourceVersions(current=frozenset({"2024-09-04"})),
    "event-types": ResourceVersions(
        current=frozenset({"2024-06-14"}),
        unrouted=frozenset({"2024-08-13", "2024-09-04"}),
        legacy_refusal=(
            "Legacy (cal-api-version 2024-04-15 / 2024-06-11) event-type operations other than "
            "the list are not supported: send the header cal-api-version: 2024-06-14"
        ),
    ),
    "schedules": ResourceVersions(
        current=frozenset({"2024-06-11", "2024-06-14"}),
        unrouted=frozenset({"2024-08-13", "2024-09-04"}),
        legacy_refusal=(
            "Legacy (cal-api-version 2024-04-15) schedule bodies are not supported: send the "
            "header cal-api-version: 2024-06-11 with the current body"
        ),
    ),
}
"""The one table of version routing, keyed by the path segment after `/v2/` (docs/api.md
"Versions" shows it). Routes that declare no `versions(...)` (`/v2/me`, the webhooks, also
those under `/v2/event-types/{id}/webhooks`) answer any value or none."""


def route_not_found(request: Request) -> ApiError:
    """Nest's 404 for a path that no controller of the request's version serves."""
    return ApiError(404, f"Cannot {request.method} {request.url.path}")


def versions(
    resource: str, *, legacy: Reach = "served", current: Reach = "served"
) -> DependsMarker:
    """The dependency of a route of `resource`: it resolves the version (`Annotated[str, ...]`
    or `dependencies=[...]`) or refuses it, in Cal.com's order: unrouted 404, then the key's
    401, then the legacy 400.

    - `versions("schedules")`: every routed version reaches the handler.
    - `versions("bookings", legacy="unrouted")`: a path only the current controller has.
    - `versions("slots", current="unrouted")`: a path only the legacy controller has.
    - `versions("event-types", legacy="refused")`: legacy callers get the table's 400.
    """
    table = RESOURCE_VERSIONS[resource]
    if current == "refused" or (legacy == "refused" and not table.legacy_refusal):
        raise ValueError(f"{resource}: only legacy versions with a message can be refused")

    def routed(request: Request) -> str:
        return table.resolve(request, legacy=legacy, current=current)

    if legacy != "refused":
        return DependsMarker(routed)

    # Defaults, not `Annotated`: a string annotation cannot name the local `routed`. The
    # parameter order is the check order (404, then the key's 401, then this 400).
    def refused(version: str = Depends(routed), *, _: CurrentUser) -> str:
        if not table.is_current(version):
            raise ApiError(400, table.legacy_refusal)
        return version

    return DependsMarker(refused)
