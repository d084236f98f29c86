"""Request dependencies: the container, the caller, the API version.

`Annotated` aliases keep routes thin: `Services`, `CurrentUser`, `OptionalUser`, `ApiVersion`.
Authentication follows Cal.com: `Authorization: Bearer cal_...`; a missing or bad key on an
endpoint that needs one is a 401 with Cal.com's messages.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
