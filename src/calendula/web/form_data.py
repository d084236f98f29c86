"""Reading a page's form post: `application/x-www-form-urlencoded`, at most `MAX_FORM_BYTES`.

Owns: `read_form`. The pages' forms are plain HTML forms without file uploads, so the standard
library parses them (no multipart parser is needed); an oversized body is refused (413).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> FormData:
    """The posted fields (repeated names kept, for checkbox groups)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, "The form is too large.")
    text = body.decode("utf-8", errors="replace")
    pairs: list[tuple[str, str | UploadFile]] = list(
        parse_qsl(text, keep_blank_values=True, max_num_fields=200)
    )
    return FormData(pairs)
