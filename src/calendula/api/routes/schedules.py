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

from fastapi import APIRouter, Path

from calendula.api.deps import CurrentUser, Services, versions
from calendula.api.envelope import success
from calendula.api.responses import JsonResponse
from calendula.api.schemas.outputs import (
    DefaultScheduleResponse,
    ScheduleResponse,
    SchedulesResponse,
    StatusOutput,
)
from calendula.api.schemas.schedules import (
    CreateScheduleInput,
    UpdateScheduleInput,
    schedule_changes,
    schedule_from_input,
    schedule_output,
)

router = APIRouter()

ReadVersion = Annotated[str, versions("schedules")]
"""Current and legacy versions read the same data."""
WriteVersion = Annotated[str, versions("schedules", legacy="refused")]
"""Only the current versions may write (legacy bodies have another shape)."""
ScheduleId = Annotated[int, Path(alias="scheduleId")]


@router.post("/schedules", status_code=201, response_model=ScheduleResponse)
def create_schedule(
    _: WriteVersion, body: CreateScheduleInput, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    created = services.schedules.create(user.id, schedule_from_input(body))
    return success(schedule_output(created), status_code=201)


@router.get("/schedules", response_model=SchedulesResponse)
def list_schedules(_: ReadVersion, user: CurrentUser, services: Services) -> JsonResponse:
    assert user.id is not None
    return success([schedule_output(s) for s in services.schedules.list(user.id)])


@router.get("/schedules/default", response_model=DefaultScheduleResponse)
def get_default_schedule(_: ReadVersion, user: CurrentUser, services: Services) -> JsonResponse:
    """The caller's default schedule, or `data: null` when there is none."""
    assert user.id is not None
    schedule = services.schedules.get_default(user.id)
    return success(None if schedule is None else schedule_output(schedule))


@router.get("/schedules/{scheduleId}", response_model=ScheduleResponse)
def get_schedule(
    _: ReadVersion, schedule_id: ScheduleId, user: CurrentUser, services: Services
) -> JsonResponse:
    assert user.id is not None
    return success(schedule_output(services.schedules.get(user.id, schedule_id)))


@router.patch("/schedules/{scheduleId}", response_model=ScheduleResponse)
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


@router.delete("/schedules/{scheduleId}", response_model=StatusOutput)
def delete_schedule(
    _: ReadVersion, schedule_id: ScheduleId, user: CurrentUser, services: Services
) -> JsonResponse:
    """Cal.com answers `{"status": "success"}` without data."""
    assert user.id is not None
    services.schedules.delete(user.id, schedule_id)
    return success()
