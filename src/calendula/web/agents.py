"""Agent-readable pages: `/{username}/llms.txt` and `/{username}/{eventSlug}.md`.

Owns: plain Markdown descriptions of a host's public event types and of the two API calls an
agent needs (check slots, book), with absolute URLs on this server, as Cal.com publishes for AI
agents. Host-typed text is put in Markdown as given (it is served as text/plain or
text/markdown with `nosniff`, so a browser never renders it as HTML).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from calendula.domain.accounts import User
from calendula.domain.event_types import EventType
from calendula.web.booker import durations_of
from calendula.web.booking_form import booking_fields
from calendula.web.names import check_name
from calendula.web.render import web_of

router = APIRouter(include_in_schema=False)

HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=60"}


def _text(body: str, media_type: str, status: int = 200) -> Response:
    return PlainTextResponse(body, status_code=status, media_type=media_type, headers=HEADERS)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@router.get("/{username}/llms.txt")
def llms_txt(request: Request, username: str) -> Response:
    web = web_of(request)
    found = web.public(check_name(request, username))
    if found is None:
        return _text("Not found\n", "text/plain", 404)
    owner, base = found.owner, web.base_url
    lines = [
        f"# {_one_line(owner.name or owner.username)}",
        "",
        f"> Book time with {_one_line(owner.name or owner.username)} ({owner.username}) "
        f"on {base}. Times are computed live; the host's time zone is {owner.time_zone}.",
        "",
    ]
    if owner.bio:
        lines += [_one_line(owner.bio), ""]
    lines += ["## Event types", ""]
    for et in found.event_types:
        summary = f": {_one_line(et.description)}" if et.description else ""
        lines.append(
            f"- [{_one_line(et.title)}]({base}/{owner.username}/{et.slug}.md) "
            f"({_lengths(et)}){summary}"
        )
    lines += ["", *_how_to(base, owner, None)]
    return _text("\n".join(lines) + "\n", "text/plain")


def event_type_markdown(request: Request, username: str, slug: str) -> Response:
    web = web_of(request)
    found = web.public(username, slug)
    if found is None or not found.event_types:
        return _text("Not found\n", "text/markdown", 404)
    owner, et, base = found.owner, found.event_types[0], web.base_url
    lines = [
        f"# {_one_line(et.title)}",
        "",
        f"With {_one_line(owner.name or owner.username)}. Length: {_lengths(et)}. "
        f"Booking page: {base}/{owner.username}/{et.slug}",
        "",
    ]
    if et.description:
        lines += [et.description.strip(), ""]
    lines += ["## Questions asked when booking", ""]
    for field in booking_fields(et):
        required = "required" if field.required else "optional"
        options = f"; one of: {', '.join(field.options)}" if field.options else ""
        lines.append(
            f"- `{field.slug}` ({field.type.value}, {required}): "
            f"{_one_line(field.label or field.slug)}{options}"
        )
    lines += ["", *_how_to(base, owner, et)]
    return _text("\n".join(lines) + "\n", "text/markdown")


def _lengths(et: EventType) -> str:
    return " or ".join(f"{n} min" for n in durations_of(et))


def _how_to(base: str, owner: User, et: EventType | None) -> list[str]:
    lookup = f"eventTypeId={et.id}" if et else f"username={owner.username}&eventTypeSlug=<slug>"
    event = f'"eventTypeId": {et.id}' if et else '"eventTypeSlug": "<slug>", "username": ...'
    return [
        "## How to book through the API",
        "",
        "1. Free times (no API key needed), grouped by day in the time zone you pass:",
        "",
        f"   GET {base}/v2/slots?{lookup}&start=2026-01-05&end=2026-01-12&timeZone=Europe/London",
        "   Header: cal-api-version: 2024-09-04",
        "",
        "2. Book one of those times (start in UTC):",
        "",
        f"   POST {base}/v2/bookings",
        "   Header: cal-api-version: 2024-08-13",
        f'   Body: {{"start": "2026-01-05T09:00:00Z", {event}, '
        '"attendee": {"name": "...", "email": "...", "timeZone": "Europe/London"}, '
        '"bookingFieldsResponses": {}}',
        "",
        "A time taken meanwhile answers 409: ask for slots again. "
        f"The full API: {base}/docs (OpenAPI: {base}/v2/openapi.json).",
    ]
