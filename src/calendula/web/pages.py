"""Routes of the public pages with Cal.com's URLs: `/{username}` (profile), `/{user1}+{user2}`
(dynamic group), `/{username}/{eventSlug}` (the booker, GET and its form's POST), and their
embeddable variants `/{calLink}/embed`.

These paths are catch-alls, so they are added after every API route and refuse the first path
segments the rest of the app owns (`not_a_page`): there the answer is what it was without the
pages (the API's `Cannot GET` 404, or 405). Routes are thin: read the request, call the
services on the container, render a template.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from calendula.domain.accounts import User
from calendula.domain.booking_links import manage_token
from calendula.domain.errors import InvalidInput, NotFound, SlotUnavailable
from calendula.domain.event_types import EventType
from calendula.services.availability import SlotQuery
from calendula.web import agents
from calendula.web.booker import (
    GROUP_DURATIONS,
    Booker,
    booker_context,
    field_of,
    group_event_type,
    new_booking,
    next_free,
    open_booker,
)
from calendula.web.booking_form import booking_fields, form_values, prefill, read_submission
from calendula.web.calendar_view import parse_booker_time, parse_utc, times_by_day
from calendula.web.form_data import read_form
from calendula.web.guard import check_form
from calendula.web.names import check_name
from calendula.web.render import Theme, Web, embed_namespace, web_of

router = APIRouter(include_in_schema=False)

GROUP_SLUG = "dynamic"
"""The slug of a dynamic group's booker (`/{user1}+{user2}/dynamic`); any slug books the same
group meeting, as Cal.com's dynamic event."""


def missing(web: Web, request: Request, what: str) -> Response:
    embed = embed_namespace(request)
    context = {"title": "Not found", "message": f"{what} does not exist.", "embed": embed}
    return web.page(request, "message.html", context, status=404)


# -- profile and dynamic group -----------------------------------------------------------------


@router.get("/{username}")
def profile(request: Request, username: str) -> Response:
    return _profile(request, username, embedded=False)


@router.get("/{username}/embed")
def profile_embed(request: Request, username: str) -> Response:
    return _profile(request, username, embedded=True)


def _profile(request: Request, username: str, *, embedded: bool) -> Response:
    web = web_of(request)
    name = check_name(request, username)
    if "+" in name:
        return _group(web, request, name, embedded=embedded)
    found = web.public(name)
    if found is None:
        return missing(web, request, "This page")
    embed = embed_namespace(request, embedded=embedded)
    context = {"owner": found.owner, "event_types": found.event_types, "embed": embed}
    theme = Theme.of(found.owner, request.query_params.get("theme"))
    return web.page(request, "profile.html", context, theme=theme)


def members(web: Web, names: str) -> tuple[User, ...] | None:
    """The users of a dynamic group `a+b` in that order, or None if any is unknown."""
    usernames = tuple(dict.fromkeys(names.split("+")))
    users = tuple(web.container.event_types.find_users(usernames))
    if len(users) < 2 or len(users) != len(usernames):
        return None
    return users


def _group(web: Web, request: Request, names: str, *, embedded: bool) -> Response:
    users = members(web, names)
    if users is None:
        return missing(web, request, "This group")
    usernames = tuple(user.username for user in users)
    now = web.container.clock.now()
    time = parse_booker_time(
        request.query_params, host_zone=users[0].time_zone, hour12_default=False, now=now
    )
    duration = time.duration if time.duration in GROUP_DURATIONS else 30
    start, end = time.window
    query = SlotQuery(start=start, end=end, length_minutes=duration, usernames=usernames)
    try:
        slots = web.container.availability.answer(query).slots if now < end else []
    except (InvalidInput, NotFound):
        slots = []
    context = {
        "users": users,
        "zone": time.zone.key,
        "zone_asked": "timeZone" in request.query_params,
        "hour12": time.hour12,
        "days": times_by_day(slots, time.zone),
        "duration": duration,
        "durations": GROUP_DURATIONS,
        "booker_path": f"/{names}/{GROUP_SLUG}" + ("/embed" if embedded else ""),
        "embed": embed_namespace(request, embedded=embedded),
    }
    return web.page(request, "group.html", context)


# -- the booker ----------------------------------------------------------------------------------


@router.get("/{username}/{slug}")
def booker_page(request: Request, username: str, slug: str) -> Response:
    if slug.endswith(".md"):
        return agents.event_type_markdown(request, check_name(request, username), slug[:-3])
    return _booker_get(request, username, slug, embedded=False)


@router.get("/{username}/{slug}/embed")
def booker_embed(request: Request, username: str, slug: str) -> Response:
    return _booker_get(request, username, slug, embedded=True)


@router.post("/{username}/{slug}")
async def book(request: Request, username: str, slug: str) -> Response:
    return await _booker_post(request, username, slug, embedded=False)


@router.post("/{username}/{slug}/embed")
async def book_embedded(request: Request, username: str, slug: str) -> Response:
    return await _booker_post(request, username, slug, embedded=True)


def _event_type(
    web: Web, request: Request, username: str, slug: str
) -> tuple[Any, EventType, tuple[User, ...]]:
    """The booker's owner, event type and, for a dynamic group `a+b`, its members."""
    name = check_name(request, username)
    if "+" in name:
        users = members(web, name)
        if users is None:
            raise NotFound("Group not found")
        return users[0], group_event_type(users, slug), users
    found = web.public(name, slug)
    if found is None or not found.event_types:
        # Hidden event types are bookable by their link, as in Cal.com: only the profile hides them.
        owner = found.owner if found else None
        hidden = _hidden(web, owner, slug) if owner else None
        if owner is None or hidden is None:
            raise NotFound("Event type not found")
        return owner, hidden, ()
    return found.owner, found.event_types[0], ()


def _hidden(web: Web, owner: Any, slug: str) -> EventType | None:
    listed = web.container.event_types.list_public(owner.username, slug=slug, viewer_id=owner.id)
    return listed.event_types[0] if listed and listed.event_types else None


def _booker_get(request: Request, username: str, slug: str, *, embedded: bool) -> Response:
    web = web_of(request)
    try:
        owner, event_type, group = _event_type(web, request, username, slug)
    except NotFound:
        return missing(web, request, "This event type")
    reschedule_uid = request.query_params.get("rescheduleUid")
    if reschedule_uid:
        return reschedule_redirect(request, reschedule_uid)
    booker = open_booker(web.container, owner, event_type, request.query_params, group=group)
    if booker.answer is None:
        values = prefill(request.query_params)
        return render_booker(web, request, booker, embedded=embedded, values=values)
    # The same answer (cached slots) and the same link give the same page: render it once.
    key = ("booker", embedded, request.url.path, request.url.query)
    html = booker.answer.memo.get(key)
    if html is None:
        context = booker_context_for(request, booker, embedded=embedded)
        html = booker.answer.keep(key, web.render(request, "booker.html", context))
    return web.respond(request, html, embeddable=embedded)


def reschedule_redirect(request: Request, uid: str) -> Response:
    """Cal.com's booker in reschedule mode (`?rescheduleUid=`) is our `/reschedule/{uid}`: the
    same query (the signed `token` included) goes there, which checks the token and explains
    a link without one. The booking's own event type is rescheduled, whatever the path."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "rescheduleUid"]
    if request.url.path.endswith("/embed") and "embed" not in dict(params):
        params.append(("embed", ""))
    query = urlencode(params)
    target = f"/reschedule/{quote(uid, safe='')}" + (f"?{query}" if query else "")
    return RedirectResponse(target, status_code=303)


def booker_context_for(
    request: Request,
    booker: Booker,
    *,
    embedded: bool,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    alternatives: list[Any] | None = None,
) -> dict[str, Any]:
    if values is None:
        values = prefill(request.query_params)
    context = booker_context(
        booker, request.url.path, request.query_params, values=values, errors=errors or {}
    )
    context.update(
        embed=embed_namespace(request, embedded=embedded),
        notice=notice,
        alternatives=alternatives or [],
        hide_details=request.query_params.get("hideEventTypeDetails") == "true",
        theme=Theme.of(booker.owner, request.query_params.get("theme")),
    )
    return context


def render_booker(
    web: Web,
    request: Request,
    booker: Booker,
    *,
    embedded: bool,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    alternatives: list[Any] | None = None,
    status: int = 200,
) -> Response:
    context = booker_context_for(
        request,
        booker,
        embedded=embedded,
        values=values,
        errors=errors,
        notice=notice,
        alternatives=alternatives,
    )
    return web.page(request, "booker.html", context, status=status)


def forbidden(web: Web, request: Request) -> Response:
    context = {
        "title": "This form has expired",
        "message": "Please reload the page and try again.",
        "embed": embed_namespace(request),
    }
    return web.page(request, "message.html", context, status=403)


async def _booker_post(request: Request, username: str, slug: str, *, embedded: bool) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_book_from_form, request, form, username, slug, embedded)


def _book_from_form(
    request: Request, form: Any, username: str, slug: str, embedded: bool
) -> Response:
    web = web_of(request)
    try:
        owner, event_type, group = _event_type(web, request, username, slug)
    except NotFound:
        return missing(web, request, "This event type")
    now = web.container.clock.now()
    if not check_form(request, form.get("csrf"), web.secret_key, web.base_url, now):
        return forbidden(web, request)
    picked = str(form.get("pick") or form.get("slot") or "")
    booker = open_booker(web.container, owner, event_type, form, chosen=picked or None, group=group)
    values = form_values(form, booking_fields(event_type))
    submission = read_submission(event_type, form)
    start = parse_utc(picked)
    if submission.errors or start is None:
        errors = dict(submission.errors)
        if start is None:
            errors["slot"] = "Choose a time first."
        return render_booker(
            web, request, booker, embedded=embedded, values=values, errors=errors, status=422
        )
    try:
        booking = web.container.bookings.create(new_booking(booker, start, submission))
    except SlotUnavailable:
        return render_booker(
            web,
            request,
            booker,
            embedded=embedded,
            values=values,
            notice="taken",
            alternatives=next_free(web.container, booker, start),
            status=409,
        )
    except NotFound:
        return missing(web, request, "This group")
    except InvalidInput as error:
        slug_ = field_of(error.field) or "slot"
        errors = {slug_: error.message}
        return render_booker(
            web, request, booker, embedded=embedded, values=values, errors=errors, status=422
        )
    token = manage_token(web.secret_key, booking.uid)
    embed = embed_namespace(request, embedded=embedded)
    target = f"/booking/{booking.uid}?token={token}&event=booked"
    if embed is not None:
        target += f"&embed={embed}"
    return RedirectResponse(target, status_code=303)
