"""`/v2/me`: the caller's profile in Cal.com's `MeOutput` shape, and the PATCH body.

Owns: `UpdateMeInput` (Cal.com's `UpdateManagedUserInput`), `profile_changes` (body -> service
value) and `me_output` (domain `User` -> `MeOutput`). Calendula has no organizations, so
`organizationId` is always null and `organization` is omitted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt
from pydantic.alias_generators import to_camel

from calendula.api.storable import StorableText
from calendula.domain.accounts import User
from calendula.services.accounts import ProfileChanges

MAX_METADATA_KEYS = 50
MAX_METADATA_KEY_LENGTH = 40
MAX_METADATA_VALUE_LENGTH = 500
WeekdayName = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _checked_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """Cal.com's limits: at most 50 keys, keys up to 40 characters, values up to 500."""
    if len(value) > MAX_METADATA_KEYS:
        raise ValueError(f"metadata must have at most {MAX_METADATA_KEYS} keys")
    for key, item in value.items():
        if len(key) > MAX_METADATA_KEY_LENGTH:
            raise ValueError(f"metadata keys must be at most {MAX_METADATA_KEY_LENGTH} characters")
        if isinstance(item, str) and len(item) > MAX_METADATA_VALUE_LENGTH:
            raise ValueError(
                f"metadata values must be at most {MAX_METADATA_VALUE_LENGTH} characters"
            )
    return value


Text = StorableText


class UpdateMeInput(BaseModel):
    """Every field optional; unknown fields are ignored (as Cal.com's whitelist does)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    email: Text | None = None
    name: Annotated[Text, Field(max_length=255)] | None = None
    time_format: Literal[12, 24] | None = None
    default_schedule_id: StrictInt | None = None
    week_start: WeekdayName | None = None
    time_zone: Annotated[Text, Field(max_length=64)] | None = None
    locale: Annotated[Text, Field(min_length=1, max_length=16)] | None = None
    avatar_url: Text | None = None
    bio: Text | None = None
    metadata: Annotated[dict[str, Any], AfterValidator(_checked_metadata)] | None = None


def profile_changes(body: UpdateMeInput) -> ProfileChanges:
    return ProfileChanges(
        email=body.email,
        name=body.name,
        time_format=body.time_format,
        default_schedule_id=body.default_schedule_id,
        week_start=body.week_start,
        time_zone=body.time_zone,
        locale=body.locale,
        avatar_url=body.avatar_url,
        bio=body.bio,
        metadata=body.metadata,
    )


def me_output(user: User) -> dict[str, Any]:
    """Cal.com's `MeOutput`."""
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "avatarUrl": user.avatar_url,
        "bio": user.bio,
        "timeFormat": user.time_format,
        "defaultScheduleId": user.default_schedule_id,
        "weekStart": user.week_start,
        "timeZone": user.time_zone,
        "organizationId": None,
    }
