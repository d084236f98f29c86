"""Routes for /v2/event-types (Cal.com API v2 compatible).

Versions (Cal.com routes by `cal-api-version`): `2024-06-14` reaches these handlers.
No header, `2024-04-15`, `2024-06-11` or an unknown value is Cal.com's legacy controller: its
list (`GET /v2/event-types`) answers here in the legacy `eventTypeGroups` shape; its other
operations (internal field names, `/{username}/public` paths) are not supported, so they are a
400 naming the header to send. `2024-08-13` and `2024-09-04` have no event-types controller in
Cal.com: Nest's 404 (`Cannot GET /v2/event-types`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from calendula.api.deps import (
    RESOURCE_VERSIONS,
    CurrentUser,
    OptionalUser,
    Services,
    current_user,
    versions,
)
from calendula.api.envelope import success
from calendula.api.openapi import errors
from calendula.api.responses import JsonResponse
from calendula.api.schemas.event_types import (
    CreateEventTypeInput,
    EventTypesQuery,
    UpdateEventTypeInput,
    deleted_output,
    dynamic_event_type_output,
    event_type_changes,
    event_type_from_input,
    legacy_event_types_output,
    owned_event_type_output,
    sorted_by_creation,
)
from calendula.api.schemas.outputs import (
    DeletedEventTypeResponse,
    EventTypeResponse,
    EventTypesResponse,
    LegacyEventTypesResponse,
)
from calendula.bootstrap import Container
from calendula.domain.accounts import User
from calendula.domain.errors import InvalidInput

router = APIRouter()

VERSIONS = RESOURCE_VERSIONS["event-types"]
RoutedVersion = Annotated[str, versions("event-types")]
CurrentVersion = Annotated[str, versions("event-types", legacy="refused")]
EventTypeId = Annotated[int, Path(alias="eventTypeId")]


def _base_url(services: Container) -> str:
    return services.settings.public_base_url


@router.get("/event-types", response_model=EventTypesResponse | LegacyEventTypesResponse)
def list_event_types(
    version: RoutedVersion,
    query: Annotated[EventTypesQuery, Query()],
    user: OptionalUser,
    services: Services,
) -> JsonResponse:
    """Public with filters (`username`, `username`+`eventSlug`, `usernames`); without filters
    the caller's own event types, or `[]` without a key. Like Cal.com, list items leave out
    hidden booking fields."""
    if not VERSIONS.is_current(version):
        return _legacy_list(user, services)
    return success(_find(query, user, services))


def _find(query: EventTypesQuery, user: User | None, services: Container) -> list[dict[str, Any]]:
    base_url = _base_url(services)
    if query.event_slug is not None and query.username is None:
        raise InvalidInput("username", "eventSlug needs username")
    if query.username is not None:
        found = services.event_types.list_public(
            query.username, slug=query.event_slug, viewer_id=user.id if user else None
        )
        if found is None:
            return []
        ordered = sorted_by_creation(found.event_types, query.sort_created_at)
        return [
            owned_event_type_output(et, found.owner, base_url, visible_fields_only=True)
            for et in ordered
        ]
    if query.usernames is not None:
        hosts = services.event_types.find_users(query.username_list())
        return [dynamic_event_type_output(hosts, base_url)]
    if user is None or user.id is None:
        return []
    own = sorted_by_creation(services.event_types.list_for_owner(user.id), query.sort_created_at)
    return [owned_event_type_output(et, user, base_url, visible_fields_only=True) for et in own]


def _legacy_list(user: User | None, services: Container) -> JsonResponse:
    """The caller's own event types: Cal.com's legacy list needs a key (a 401 without one,
    where the current version's list is public)."""
    owner = current_user(user)
    own = services.event_types.list_for_owner(owner.id) if owner.id is not None else []
    return success(legacy_event_types_output(owner, own, _base_url(services)))


@router.post(
    "/event-types", status_code=201, response_model=EventTypeResponse, responses=errors(409)
)
def create_event_type(
    _: CurrentVersion, body: CreateEventTypeInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    created = services.event_types.create(user.id, event_type_from_input(body, user.id))
    return success(owned_event_type_output(created, user, _base_url(services)), status_code=201)


@router.get("/event-types/{eventTypeId}", response_model=EventTypeResponse)
def get_event_type(
    _: CurrentVersion, event_type_id: EventTypeId, user: CurrentUser, services: Services
) -> JsonResponse:
    """One of the caller's event types; anyone else's id is a 404."""
    assert user.id is not None
    event_type = services.event_types.get(user.id, event_type_id)
    return success(owned_event_type_output(event_type, user, _base_url(services)))


@router.patch("/event-types/{eventTypeId}", response_model=EventTypeResponse, responses=errors(409))
def update_event_type(
    _: CurrentVersion,
    event_type_id: EventTypeId,
    body: UpdateEventTypeInput,
    user: CurrentUser,
    services: Services,
) -> JsonResponse:
    assert user.id is not None
    updated = services.event_types.revise(user.id, event_type_id, event_type_changes(body))
    return success(owned_event_type_output(updated, user, _base_url(services)))


@router.delete("/event-types/{eventTypeId}", response_model=DeletedEventTypeResponse)
def delete_event_type(
    _: CurrentVersion, event_type_id: EventTypeId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    return success(deleted_output(services.event_types.delete(user.id, event_type_id)))
