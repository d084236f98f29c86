"""Routes for /v2/me (Cal.com API v2 compatible; any `cal-api-version`, or none)."""

from __future__ import annotations

from fastapi import APIRouter

from calendula.api.deps import CurrentUser, Services
from calendula.api.envelope import success
from calendula.api.openapi import errors
from calendula.api.responses import JsonResponse
from calendula.api.schemas.me import UpdateMeInput, me_output, profile_changes
from calendula.api.schemas.outputs import MeResponse

router = APIRouter()


@router.get("/me", response_model=MeResponse)
def get_me(user: CurrentUser) -> JsonResponse:
    """The caller's profile."""
    return success(me_output(user))


@router.patch("/me", response_model=MeResponse, responses=errors(409))
def update_me(body: UpdateMeInput, user: CurrentUser, services: Services) -> JsonResponse:
    """Change the caller's profile; a new `timeZone` also moves the default schedule."""
    assert user.id is not None
    updated = services.accounts.update_profile(user.id, profile_changes(body))
    return success(me_output(updated))
