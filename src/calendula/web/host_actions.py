"""The host's pages for a booking request: `/booking/{uid}/confirm` and `/booking/{uid}/decline`.

Owns: the two routes (GET shows the request and a button; POST does it). They are opened from
the host's "Action needed" email, whose links carry `token`, the booking's *host* token
(`domain.booking_links.host_token`): an attendee's manage token does not work here, nor a
host token on the attendee's pages. A missing or wrong token, or an unknown uid, is the same
404, so the pages reveal nothing about bookings. A post also needs the page's form token and
this origin (`guard.check_form`), checked first: a forged post is refused (403) before any
booking is read. Confirming or declining acts as the booking's owner
(`BookingService.confirm` / `decline`), so the API's rules, webhooks and emails follow (on
an occurrence of a pending recurring series, every occurrence awaiting confirmation). A
booking that is no longer pending (confirmed, declined, cancelled, moved) is explained, never
an error. The routes are installed before `pages`, whose `/{username}/{slug}` would take them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from calendula.domain.booking_links import is_host_token
from calendula.domain.bookings import BookingStatus
from calendula.domain.errors import CalendulaError
from calendula.services.booking import BookingView
from calendula.web.calendar_view import zone_or
from calendula.web.form_data import read_form
from calendula.web.guard import check_form
from calendula.web.pages import forbidden, missing
from calendula.web.render import Theme, Web, web_of

router = APIRouter(include_in_schema=False)
MAX_REASON = 1000
CONFIRM, DECLINE = "confirm", "decline"
ASK = {
    CONFIRM: "Confirm this booking request",
    DECLINE: "Decline this booking request",
}
DONE = {
    CONFIRM: "You confirmed this booking",
    DECLINE: "You declined this request",
}
SETTLED = {
    BookingStatus.ACCEPTED: "This booking is already confirmed",
    BookingStatus.REJECTED: "This request was already declined",
    BookingStatus.CANCELLED: "This booking was cancelled",
}
HIDDEN_ANSWERS = frozenset({"name", "email", "guests", "location"})


def _request_of(web: Web, uid: str, token: str | None) -> BookingView | None:
    """The booking, if `token` is its host token (checked before anything is read)."""
    if not is_host_token(web.secret_key, uid, token):
        return None
    try:
        return web.container.bookings.get_view(uid)
    except CalendulaError:
        return None


def _page(
    web: Web,
    request: Request,
    view: BookingView,
    action: str,
    token: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    params = request.query_params
    booking = view.booking
    owner = view.hosts[0] if view.hosts else None
    pending = booking.status is BookingStatus.PENDING
    if pending:
        headline = ASK[action]
    elif params.get("done") == action:
        headline = DONE[action]
    elif booking.rescheduled_to_uid:
        headline = "This booking was moved to another time"
    else:
        headline = SETTLED[booking.status]
    context = {
        "view": view,
        "booking": booking,
        "zone": zone_or(params.get("timeZone"), owner.time_zone if owner else "UTC"),
        "hour12": params.get("timeFormat") == "12",
        "action": action,
        "token": token,
        "pending": pending,
        "headline": headline,
        "error": error,
        "answers": _answers(view),
    }
    theme = Theme.of(owner, params.get("theme"))
    return web.page(request, "host_action.html", context, status=status, theme=theme)


def _answers(view: BookingView) -> list[tuple[str, str]]:
    """The attendee's answers, labelled by the event type's questions."""
    fields = view.event_type.booking_fields if view.event_type else ()
    labels = {f.slug: f.label or f.slug for f in fields}
    labels.setdefault("notes", "Additional notes")
    shown = []
    for slug, value in view.booking.responses.items():
        if slug in HIDDEN_ANSWERS or value in ("", None, [], False):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        shown.append((labels.get(slug, slug), "Yes" if value is True else text))
    return shown


def _show(request: Request, uid: str, action: str) -> Response:
    web = web_of(request)
    token = request.query_params.get("token")
    view = _request_of(web, uid, token)
    if view is None or token is None:
        return missing(web, request, "This booking")
    return _page(web, request, view, action, token)


def _act(request: Request, form: Any, uid: str, action: str) -> Response:
    web = web_of(request)
    now = web.container.clock.now()
    if not check_form(request, form.get("csrf"), web.secret_key, web.base_url, now):
        return forbidden(web, request)
    token = str(form.get("token") or request.query_params.get("token") or "")
    view = _request_of(web, uid, token)
    if view is None:
        return missing(web, request, "This booking")
    if view.booking.status is not BookingStatus.PENDING:
        return _page(web, request, view, action, token, status=409)
    owner_id = view.booking.owner_id
    bookings = web.container.bookings
    try:
        if action == CONFIRM:
            bookings.confirm(uid, actor_id=owner_id)
        else:
            reason = str(form.get("reason", "")).strip()[:MAX_REASON] or None
            bookings.decline(uid, actor_id=owner_id, reason=reason)
    except CalendulaError as error:  # e.g. confirmed meanwhile from another tab or the API
        latest = _request_of(web, uid, token) or view
        message = None if latest.booking.status is not BookingStatus.PENDING else error.message
        return _page(web, request, latest, action, token, error=message, status=409)
    return RedirectResponse(f"/booking/{uid}/{action}?token={token}&done={action}", 303)


@router.get("/booking/{uid}/confirm")
def confirm_page(request: Request, uid: str) -> Response:
    return _show(request, uid, CONFIRM)


@router.post("/booking/{uid}/confirm")
async def confirm(request: Request, uid: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_act, request, form, uid, CONFIRM)


@router.get("/booking/{uid}/decline")
def decline_page(request: Request, uid: str) -> Response:
    return _show(request, uid, DECLINE)


@router.post("/booking/{uid}/decline")
async def decline(request: Request, uid: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_act, request, form, uid, DECLINE)
