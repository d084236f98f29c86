"""JSON responses rendered with orjson.

FastAPI's `ORJSONResponse` is deprecated; this is the same few lines, kept here so hot paths
(slots) can return pre-shaped data without a Pydantic model in between.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
