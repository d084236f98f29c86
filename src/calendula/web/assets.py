"""The pages' own files: `/static/{name}` (CSS, scripts, icons) and `/embed/embed.js`.

Owns: serving the files in `web/static/` from memory with a content hash as ETag. Everything a
page needs comes from here: no CDN, no web fonts, nothing from the internet. `embed.js` is
loaded by other sites, so it may be fetched cross-origin.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request
from starlette.responses import Response

router = APIRouter(include_in_schema=False)

TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@cache
def load(name: str) -> tuple[bytes, str] | None:
    """The file's bytes and ETag, or None when there is no such file (read once)."""
    if "/" in name or name.startswith(".") or not name.endswith(tuple(TYPES)):
        return None
    path = resources.files("calendula.web").joinpath("static", name)
    if not path.is_file():
        return None
    body = path.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _serve(request: Request, name: str, *, cross_origin: bool = False) -> Response:
    found = load(name)
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    body, etag = found
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
    }
    if cross_origin:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media_type = TYPES[name[name.rindex(".") :]]
    return Response(body, media_type=media_type, headers=headers)


@router.get("/static/{name}")
async def static_file(request: Request, name: str) -> Response:
    return _serve(request, name)


@router.get("/embed/embed.js")
async def embed_script(request: Request) -> Response:
    return _serve(request, "embed.js", cross_origin=True)
