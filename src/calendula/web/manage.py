"""Routes of one booking's pages: `/booking/{uid}` (confirmation and details; with
`?cancel=true` the cancel form) and `/reschedule/{uid}` (the booker, to pick a new time).

Seeing a booking needs its uid (128 random bits, as in Cal.com). Changing it from these pages
also needs the link's `token` (`domain.booking_links`): the confirmation page and the
attendee's links carry it. A new booking's page tells an embedding site what happened
(`bookingSuccessfulV2`, `rescheduleBookingSuccessfulV2`, `bookingCancelled`) through
`frame.js`, so the same flow works with and without JavaScript in the booker.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from calendula.domain.booking_links import is_manage_token, manage_token
from calendula.domain.bookings import Booking, BookingStatus
from calendula.domain.errors import CalendulaError, NotFound, SlotUnavailable
from calendula.services.booking import BookingView
from calendula.web.booker import next_free, open_booker
from calendula.web.calendar_view import parse_utc, utc_iso, zone_or
from calendula.web.form_data import read_form
from calendula.web.guard import check_form
from calendula.web.pages import forbidden, missing, render_booker
from calendula.web.render import Theme, Web, embed_namespace, web_of

router = APIRouter(include_in_schema=False)
MAX_REASON = 1000
STATUS_TEXT = {
    BookingStatus.ACCEPTED: "This meeting is scheduled",
    BookingStatus.PENDING: "Your request was sent",
    BookingStatus.CANCELLED: "This meeting was cancelled",
    BookingStatus.REJECTED: "This request was declined",
}


def _view(web: Web, uid: str) -> BookingView | None:
    try:
        return web.container.bookings.get_view(uid)
    except (NotFound, CalendulaError):
        return None


def _target(uid: str, token: str, event: str | None, embed: str | None) -> str:
    target = f"/booking/{uid}?token={token}"
    if event:
        target += f"&event={event}"
    if embed is not None:
        target += f"&embed={embed}"
    return target


def cal_event(view: BookingView, event: str | None) -> dict[str, Any] | None:
    """The embed event a page announces after a change (Cal.com's payloads)."""
    booking = view.booking
    owner = view.hosts[0] if view.hosts else None
    data: dict[str, Any]
    if event == "booked":
        kind = "rescheduleBookingSuccessfulV2" if booking.rescheduled_from_uid else None
        data = {
            "uid": booking.uid,
            "title": booking.title,
            "startTime": utc_iso(booking.start),
            "endTime": utc_iso(booking.end),
            "eventTypeId": booking.event_type_id,
            "status": booking.status.upper(),
            "paymentRequired": False,
            "isRecurring": False,
        }
        return {"type": kind or "bookingSuccessfulV2", "data": data}
    if event == "cancelled":
        event_type = view.event_type
        organizer = (
            {
                "name": owner.name or owner.username,
                "email": owner.email,
                "timeZone": owner.time_zone,
            }
            if owner
            else {}
        )
        data = {
            "booking": {"uid": booking.uid, "title": booking.title, "status": "CANCELLED"},
            "organizer": organizer,
            "eventType": {"id": event_type.id, "title": event_type.title, "slug": event_type.slug}
            if event_type
            else None,
        }
        return {"type": "bookingCancelled", "data": data}
    return None


def _booking_page(
    web: Web, request: Request, view: BookingView, *, error: str | None = None, status: int = 200
) -> Response:
    params = request.query_params
    booking = view.booking
    token = params.get("token")
    can_manage = is_manage_token(web.secret_key, booking.uid, token)
    attendee = booking.attendees[0] if booking.attendees else None
    owner = view.hosts[0] if view.hosts else None
    zone = zone_or(params.get("timeZone"), attendee.time_zone if attendee else "UTC")
    moved_to = booking.rescheduled_to_uid
    context = {
        "view": view,
        "booking": booking,
        "owner": owner,
        "zone": zone,
        "hour12": params.get("timeFormat") == "12",
        "headline": "This meeting was moved" if moved_to else STATUS_TEXT[booking.status],
        "can_manage": can_manage and booking.is_active,
        "token": token if can_manage else None,
        "moved_to": _target(moved_to, manage_token(web.secret_key, moved_to), None, None)
        if moved_to and can_manage
        else None,
        "cancelling": params.get("cancel") == "true" and can_manage and booking.is_active,
        "cancel_refused": params.get("cancel") == "true" and not can_manage,
        "cal_event": cal_event(view, params.get("event")) if can_manage else None,
        "error": error,
        "embed": embed_namespace(request),
        "answers": _answers(view),
    }
    theme = Theme.of(owner, params.get("theme"))
    return web.page(request, "booking.html", context, status=status, theme=theme)


def _answers(view: BookingView) -> list[tuple[str, str]]:
    """The attendee's answers to show, labelled by the event type's questions."""
    labels = {
        f.slug: f.label or f.slug
        for f in (view.event_type.booking_fields if view.event_type else ())
    }
    labels.setdefault("notes", "Additional notes")
    shown = []
    for slug, value in view.booking.responses.items():
        if slug in ("name", "email", "guests", "location") or value in ("", None, [], False):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        shown.append((labels.get(slug, slug), "Yes" if value is True else text))
    return shown


@router.get("/booking/{uid}")
def booking_page(request: Request, uid: str) -> Response:
    web = web_of(request)
    view = _view(web, uid)
    if view is None:
        return missing(web, request, "This booking")
    return _booking_page(web, request, view)


@router.post("/booking/{uid}")
async def cancel_booking(request: Request, uid: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_cancel, request, form, uid)


def _cancel(request: Request, form: Any, uid: str) -> Response:
    web = web_of(request)
    view = _view(web, uid)
    if view is None:
        return missing(web, request, "This booking")
    now = web.container.clock.now()
    token = str(form.get("token", ""))
    fresh = check_form(request, form.get("csrf"), web.secret_key, web.base_url, now)
    if not fresh or not is_manage_token(web.secret_key, uid, token):
        return forbidden(web, request)
    reason = str(form.get("reason", "")).strip()[:MAX_REASON] or None
    attendee = view.booking.attendees[0].email if view.booking.attendees else None
    try:
        web.container.bookings.cancel(uid, reason=reason, by=attendee)
    except CalendulaError as error:
        return _booking_page(web, request, view, error=error.message, status=409)
    target = _target(uid, token, "cancelled", embed_namespace(request))
    return RedirectResponse(target, status_code=303)


# -- reschedule ----------------------------------------------------------------------------------


def _reschedulable(web: Web, request: Request, uid: str, token: str | None) -> Response | Any:
    view = _view(web, uid)
    if view is None or view.event_type is None or not view.hosts:
        return missing(web, request, "This booking")
    if not is_manage_token(web.secret_key, uid, token):
        context = {
            "title": "This link cannot change the booking",
            "message": "Open the reschedule link from your confirmation to pick a new time.",
            "embed": embed_namespace(request),
        }
        return web.page(request, "message.html", context, status=403)
    if not view.booking.is_active:
        return _booking_page(web, request, view, status=409)
    return view


@router.get("/reschedule/{uid}")
def reschedule_page(request: Request, uid: str) -> Response:
    web = web_of(request)
    found = _reschedulable(web, request, uid, request.query_params.get("token"))
    if isinstance(found, Response):
        return found
    booker = open_booker(
        web.container,
        found.hosts[0],
        found.event_type,
        request.query_params,
        reschedule=found.booking,
    )
    embedded = embed_namespace(request) is not None
    return render_booker(web, request, booker, embedded=embedded, values={})


@router.post("/reschedule/{uid}")
async def reschedule(request: Request, uid: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_reschedule, request, form, uid)


def _reschedule(request: Request, form: Any, uid: str) -> Response:
    web = web_of(request)
    token = str(form.get("token", ""))
    found = _reschedulable(web, request, uid, token)
    if isinstance(found, Response):
        return found
    now = web.container.clock.now()
    if not check_form(request, form.get("csrf"), web.secret_key, web.base_url, now):
        return forbidden(web, request)
    old: Booking = found.booking
    picked = str(form.get("pick") or form.get("slot") or "")
    booker = open_booker(
        web.container, found.hosts[0], found.event_type, form, reschedule=old, chosen=picked or None
    )
    embedded = embed_namespace(request) is not None
    start = parse_utc(picked)
    reason = str(form.get("rescheduleReason", "")).strip()[:MAX_REASON] or None
    values = {"rescheduleReason": reason or ""}
    if start is None:
        errors = {"slot": "Choose a time first."}
        return render_booker(
            web, request, booker, embedded=embedded, values=values, errors=errors, status=422
        )
    by = old.attendees[0].email if old.attendees else None
    try:
        new = web.container.bookings.reschedule(uid, start, by=by, reason=reason)
    except SlotUnavailable:
        alternatives = next_free(web.container, booker, start)
        return render_booker(
            web, request, booker, embedded=embedded, values=values, notice="taken",
            alternatives=alternatives, status=409,
        )  # fmt: skip
    except CalendulaError as error:
        errors = {"slot": error.message}
        return render_booker(
            web, request, booker, embedded=embedded, values=values, errors=errors, status=422
        )
    target = _target(
        new.uid, manage_token(web.secret_key, new.uid), "booked", embed_namespace(request)
    )
    return RedirectResponse(target, status_code=303)
