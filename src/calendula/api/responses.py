"""JSON responses rendered with orjson.

FastAPI's `ORJSONResponse` is deprecated; this is the same few lines, kept here so hot paths
(slots) can return pre-shaped data without a Pydantic model in between. It subclasses
Starlette's `JSONResponse` because FastAPI documents the answers of a default response class
as JSON only then (otherwise every answer in the OpenAPI document is a `string`).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JsonResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
