"""Routes for /v2/schedules (Cal.com API v2 compatible).

Versions (Cal.com routes by `cal-api-version`): `2024-06-11` and `2024-06-14` reach these
handlers. No header, `2024-04-15` or an unknown value is Cal.com's legacy controller: its reads
(`GET` list, default, one) and `DELETE` answer here with the current shapes (the data is the
same; tools in the wild call GET without the header); legacy *write bodies* are not supported,
so a legacy `POST`/`PATCH` is a 400 that says which header to send. `2024-08-13` and
`2024-09-04` have no schedules controller in Cal.com: Nest's 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from calendula.api.deps import ApiVersion, CurrentUser, Services
from calendula.api.envelope import success
from calendula.api.errors import ApiError
from calendula.api.responses import JsonResponse
from calendula.api.schemas.schedules import (
    CreateScheduleInput,
    UpdateScheduleInput,
    schedule_changes,
    schedule_from_input,
    schedule_output,
)

router = APIRouter()

CURRENT_VERSIONS = frozenset({"2024-06-11", "2024-06-14"})
UNROUTED_VERSIONS = frozenset({"2024-08-13", "2024-09-04"})
LEGACY_WRITE_MESSAGE = (
    "Legacy (cal-api-version 2024-04-15) schedule bodies are not supported: send the header "
    "cal-api-version: 2024-06-11 with the current body"
)


def _routed(request: Request, version: ApiVersion) -> str:
    if version in UNROUTED_VERSIONS:
        raise ApiError(404, f"Cannot {request.method} {request.url.path}")
    return version


def read_version(version: Annotated[str, Depends(_routed)]) -> str:
    """Current and legacy versions read the same data."""
    return version


def write_version(version: Annotated[str, Depends(_routed)], _: CurrentUser) -> str:
    """Only the current versions may write (legacy bodies have another shape); checked after
    the key, like Cal.com's legacy controller would."""
    if version not in CURRENT_VERSIONS:
        raise ApiError(400, LEGACY_WRITE_MESSAGE)
    return version


ReadVersion = Annotated[str, Depends(read_version)]
WriteVersion = Annotated[str, Depends(write_version)]
ScheduleId = Annotated[int, Path(alias="scheduleId")]


@router.post("/schedules", status_code=201)
def create_schedule(
    _: WriteVersion, body: CreateScheduleInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    created = services.schedules.create(user.id, schedule_from_input(body))
    return success(schedule_output(created), status_code=201)


@router.get("/schedules")
def list_schedules(_: ReadVersion, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success([schedule_output(s) for s in services.schedules.list(user.id)])


@router.get("/schedules/default")
def get_default_schedule(_: ReadVersion, user: CurrentUser, services: Services) -> JsonResponse:
    """The caller's default schedule, or `data: null` when there is none."""
    assert user.id is not None
    schedule = services.schedules.get_default(user.id)
    return success(None if schedule is None else schedule_output(schedule))


@router.get("/schedules/{scheduleId}")
def get_schedule(
    _: ReadVersion, schedule_id: ScheduleId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    return success(schedule_output(services.schedules.get(user.id, schedule_id)))


@router.patch("/schedules/{scheduleId}")
def update_schedule(
    _: WriteVersion,
    schedule_id: ScheduleId,
    body: UpdateScheduleInput,
    user: CurrentUser,
    services: Services,
) -> JsonResponse:
    assert user.id is not None
    updated = services.schedules.revise(user.id, schedule_id, schedule_changes(body))
    return success(schedule_output(updated))


@router.delete("/schedules/{scheduleId}")
def delete_schedule(
    _: ReadVersion, schedule_id: ScheduleId, user: CurrentUser, services: Services
) -> JsonResponse:
    """Cal.com answers `{"status": "success"}` without data."""
    assert user.id is not None
    services.schedules.delete(user.id, schedule_id)
    return success()
