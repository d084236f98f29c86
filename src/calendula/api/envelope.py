"""Cal.com's success envelope: `{"status": "success", "data": ...}` (+ `pagination` on lists
that paginate), and the ISO format Cal.com uses for instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from calendula.api.responses import JsonResponse

_NO_DATA: Any = object()


def success(
    data: Any = _NO_DATA, *, status_code: int = 200, pagination: dict[str, Any] | None = None
) -> JsonResponse:
    """`{"status": "success", "data": data}`. Call without `data` for Cal.com's data-less
    answers (deletes); `data=None` gives `"data": null` (e.g. no default schedule)."""
    body: dict[str, Any] = {"status": "success"}
    if data is not _NO_DATA:
        body["data"] = data
    if pagination is not None:
        body["pagination"] = pagination
    return JsonResponse(body, status_code=status_code)


def iso_instant(value: datetime) -> str:
    """A UTC instant as JavaScript prints it: `2024-08-13T15:30:00.000Z`."""
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
