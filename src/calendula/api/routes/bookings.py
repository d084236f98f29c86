"""Routes for /v2/bookings (Cal.com API v2 compatible).

`cal-api-version` 2024-08-13 and 2026-02-25 reach the current handlers; 2024-09-04 gets Nest's
route-not-found 404 on every bookings route; a missing, unknown or older version gets the legacy
(2024-04-15) list and create, the current behaviour on the older sub-routes, and a 404 on the
newer ones (`/guests`, `/attendees`, `/location`). Routes parse, call the booking service and
map its values with `schemas.bookings`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request

from calendula.api.deps import RESOURCE_VERSIONS, CurrentUser, OptionalUser, Services, versions
from calendula.api.envelope import success
from calendula.api.errors import ApiError
from calendula.api.openapi import errors, query_parameters, request_body
from calendula.api.responses import JsonResponse
from calendula.api.schemas import bookings as schema
from calendula.api.schemas import recurrence as series
from calendula.api.schemas.outputs import (
    AttendeeResponse,
    AttendeesResponse,
    BookingResponse,
    BookingsResponse,
    CalendarLinksResponse,
    LegacyBookingResponse,
    LegacyBookingsResponse,
    ReferencesResponse,
    SeriesResponse,
)
from calendula.domain.bookings import Booking
from calendula.domain.errors import EventTypeNotFound, NotFound
from calendula.services.booking import BookingListing

router = APIRouter()

VERSIONS = RESOURCE_VERSIONS["bookings"]
BookingsVersion = Annotated[str, versions("bookings")]
"""Every version that has a bookings controller (legacy ones included)."""
CurrentVersion = Annotated[str, versions("bookings", legacy="unrouted")]
"""Only 2024-08-13 (and 2026-02-25) know the newer sub-routes."""
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
Uid = Annotated[str, Path(pattern=r"^[^\x00]+$")]
SeatUid = Annotated[str, Path(alias="seatUid", pattern=r"^[^\x00]+$")]
AttendeeId = Annotated[int, Path(alias="attendeeId", ge=1, le=2**31 - 1)]


def _viewer(user: Any) -> int | None:
    return None if user is None else user.id


@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingResponse | SeriesResponse | LegacyBookingResponse,
    responses=errors(409),
    openapi_extra={
        "requestBody": request_body(
            schema.CreateBookingIn,
            schema.LegacyCreateIn,
            description="CreateBookingIn with cal-api-version 2024-08-13; LegacyCreateIn "
            "without it",
        )
    },
)
def create_booking(
    version: BookingsVersion,
    services: Services,
    user: OptionalUser,
    payload: Annotated[Any, Body()],
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    if not VERSIONS.is_current(version):
        return _create_legacy(services, payload, idempotency_key)
    body = schema.parse(schema.CreateBookingIn, payload)
    try:
        views = services.bookings.book_series(body.to_new_booking(idempotency_key))
    except EventTypeNotFound:  # Cal.com's booking wording (slots say "Event Type not found")
        if body.event_type_id is not None:
            raise NotFound(f"Event type with id {body.event_type_id} not found.") from None
        raise NotFound(
            f"Event type with slug {body.event_type_slug} belonging to user {body.username} "
            "not found."
        ) from None
    data = series.created_series_output(views, body.attendee.email, viewer_id=_viewer(user))
    return success(data, status_code=201)


def _create_legacy(services: Services, payload: Any, key: str | None) -> JsonResponse:
    body = schema.parse(schema.LegacyCreateIn, payload)
    if body.reschedule_uid:
        booking = services.bookings.reschedule(
            body.reschedule_uid, body.start, by=body.responses.email
        )
    else:
        booking = services.bookings.create(body.to_new_booking(key))
    return success(schema.legacy_booking_output(services.bookings.view(booking)), status_code=201)


@router.get(
    "/bookings",
    response_model=BookingsResponse | LegacyBookingsResponse,
    openapi_extra={
        "parameters": query_parameters(
            (schema.ListBookingsIn, "With cal-api-version 2024-08-13."),
            (schema.LegacyListIn, "Legacy: without cal-api-version (or an older one)."),
        )
    },
)
def list_bookings(
    request: Request, version: BookingsVersion, services: Services, user: CurrentUser
) -> JsonResponse:
    query = dict(request.query_params)
    if not VERSIONS.is_current(version):
        return _list_legacy(services, user.id, query)
    params = schema.parse(schema.ListBookingsIn, query, "query")
    criteria = params.to_filter()
    if params.asks_for_teams:
        listing = BookingListing([], 0)
    else:
        listing = services.bookings.search(_id(user.id), criteria)
    data = [schema.booking_output(v, viewer_id=user.id) for v in listing.views]
    return success(data, pagination=schema.pagination(listing.total, params.take, params.skip))


def _list_legacy(services: Services, user_id: int | None, query: dict[str, str]) -> JsonResponse:
    params = schema.parse(schema.LegacyListIn, query, "query")
    listing = services.bookings.search(_id(user_id), params.to_filter())
    summaries = services.bookings.series_summaries([v.booking for v in listing.views])
    following = params.cursor + params.limit
    data = {
        "bookings": [schema.legacy_booking_output(v) for v in listing.views],
        "recurringInfo": [schema.legacy_recurring_info(s) for s in summaries],
        "nextCursor": following if following < listing.total else None,
    }
    return success(data)


def _id(user_id: int | None) -> int:
    if user_id is None:  # a stored user always has an id
        raise ApiError(401, "ApiAuthStrategy - api key - Your api key is not valid")
    return user_id


@router.get("/bookings/{uid}", response_model=BookingResponse | SeriesResponse)
def get_booking(
    uid: Uid, version: BookingsVersion, services: Services, user: OptionalUser
) -> JsonResponse:
    """A booking, or by a recurring series' uid every occurrence of the series."""
    found = services.bookings.find_views(uid)
    if isinstance(found, list):
        return success(series.series_output(found, viewer_id=_viewer(user)))
    return success(schema.booking_output(found, viewer_id=_viewer(user)))


@router.post(
    "/bookings/{uid}/reschedule",
    status_code=201,
    response_model=BookingResponse,
    responses=errors(409),
)
def reschedule_booking(
    uid: Uid,
    version: BookingsVersion,
    services: Services,
    user: OptionalUser,
    body: schema.RescheduleIn,
) -> JsonResponse:
    if body.seat_uid:
        raise ApiError(400, "Rescheduling a single seat is not supported; cancel it and book again")
    by = body.rescheduled_by or (user.email if user else None)
    booking = services.bookings.reschedule(
        uid, body.start, by=by, reason=body.rescheduling_reason, actor_id=_viewer(user)
    )
    view = services.bookings.view(booking)
    return success(schema.booking_output(view, viewer_id=_viewer(user)), status_code=201)


@router.post("/bookings/{uid}/cancel", response_model=BookingResponse | SeriesResponse)
def cancel_booking(
    uid: Uid,
    version: BookingsVersion,
    services: Services,
    user: OptionalUser,
    body: schema.CancelIn | None = None,
) -> JsonResponse:
    """Cancel a booking; a recurring series' uid cancels the whole series, and
    `cancelSubsequentBookings` an occurrence and the later ones (both answer the series)."""
    body = body or schema.CancelIn()
    by, actor = (user.email if user else None), _viewer(user)
    subsequent = bool(body.cancel_subsequent_bookings) and body.seat_uid is None
    try:
        booking = services.bookings.cancel(
            uid,
            reason=body.cancellation_reason,
            by=by,
            actor_id=actor,
            seat_uid=body.seat_uid,
            subsequent=subsequent,
        )
    except NotFound:
        if body.seat_uid is not None:
            raise
        cancelled = services.bookings.cancel_series(
            uid, reason=body.cancellation_reason, by=by, actor_id=actor
        )
        views = services.bookings.series_views(cancelled[0])
        return success(series.series_output(views, viewer_id=actor))
    if subsequent and booking.recurring_booking_uid is not None:
        views = services.bookings.series_views(booking)
        return success(series.series_output(views, viewer_id=actor))
    view = services.bookings.view(booking)
    return success(schema.booking_output(view, viewer_id=actor))


@router.post("/bookings/{uid}/confirm", response_model=BookingResponse | SeriesResponse)
def confirm_booking(
    uid: Uid, version: BookingsVersion, services: Services, user: CurrentUser
) -> JsonResponse:
    """Confirm a pending booking; on an occurrence of a recurring series every occurrence
    still awaiting confirmation is confirmed with it (the answer is the booking asked for),
    and a series' uid confirms them and answers the whole series (as its GET does)."""
    actor = _id(user.id)
    try:
        booking = services.bookings.confirm(uid, actor_id=actor)
    except NotFound:
        confirmed = services.bookings.confirm_series(uid, actor_id=actor)
        return _series(services, confirmed[0], actor)
    return success(schema.booking_output(services.bookings.view(booking), viewer_id=actor))


@router.post("/bookings/{uid}/decline", response_model=BookingResponse | SeriesResponse)
def decline_booking(
    uid: Uid,
    version: BookingsVersion,
    services: Services,
    user: CurrentUser,
    body: schema.DeclineIn | None = None,
) -> JsonResponse:
    """Decline a pending booking, or a whole pending series, as `confirm` confirms them."""
    reason, actor = (body.reason if body else None), _id(user.id)
    try:
        booking = services.bookings.decline(uid, actor_id=actor, reason=reason)
    except NotFound:
        declined = services.bookings.decline_series(uid, actor_id=actor, reason=reason)
        return _series(services, declined[0], actor)
    return success(schema.booking_output(services.bookings.view(booking), viewer_id=actor))


def _series(services: Services, occurrence: Booking, viewer_id: int) -> JsonResponse:
    views = services.bookings.series_views(occurrence)
    return success(series.series_output(views, viewer_id=viewer_id))


@router.post("/bookings/{uid}/mark-absent", response_model=BookingResponse)
def mark_absent(
    uid: Uid,
    version: BookingsVersion,
    services: Services,
    user: CurrentUser,
    body: schema.MarkAbsentIn,
) -> JsonResponse:
    booking = services.bookings.mark_absent(
        uid, actor_id=_id(user.id), host=body.host, attendees=body.flags()
    )
    return success(schema.booking_output(services.bookings.view(booking), viewer_id=user.id))


@router.get("/bookings/{uid}/attendees", response_model=AttendeesResponse)
def list_attendees(
    uid: Uid, version: CurrentVersion, services: Services, user: CurrentUser
) -> JsonResponse:
    booking = services.bookings.host_view(uid, actor_id=_id(user.id)).booking
    return success([schema.attendee_output(a, booking.id) for a in booking.attendees])


@router.get("/bookings/{uid}/attendees/{attendeeId}", response_model=AttendeeResponse)
def get_attendee(
    uid: Uid,
    attendee_id: AttendeeId,
    version: CurrentVersion,
    services: Services,
    user: CurrentUser,
) -> JsonResponse:
    booking, attendee = services.bookings.host_attendee(uid, attendee_id, actor_id=_id(user.id))
    return success(schema.attendee_output(attendee, booking.id))


@router.delete("/bookings/{uid}/attendees/{attendeeId}", response_model=AttendeeResponse)
def remove_attendee(
    uid: Uid,
    attendee_id: AttendeeId,
    version: CurrentVersion,
    services: Services,
    user: CurrentUser,
) -> JsonResponse:
    """Remove a guest, or free a seat; the first attendee cannot be removed (400)."""
    booking, removed = services.bookings.remove_attendee(uid, attendee_id, actor_id=_id(user.id))
    return success(schema.attendee_output(removed, booking.id))


@router.get("/bookings/by-seat/{seatUid}", response_model=BookingResponse)
def get_booking_by_seat(
    seat_uid: SeatUid, version: BookingsVersion, services: Services, user: OptionalUser
) -> JsonResponse:
    """The booking holding a seat (the seat uid is that attendee's link, like a booking uid)."""
    view = services.bookings.seat_view(seat_uid)
    return success(schema.booking_output(view, viewer_id=_viewer(user)))


@router.post(
    "/bookings/{uid}/attendees",
    status_code=201,
    response_model=AttendeeResponse,
    responses=errors(409),
)
def add_attendee(
    uid: Uid,
    version: CurrentVersion,
    services: Services,
    user: CurrentUser,
    body: schema.AddAttendeeIn,
) -> JsonResponse:
    booking, added = services.bookings.add_attendee(
        uid, actor_id=_id(user.id), attendee=body.to_attendee()
    )
    return success(schema.attendee_output(added, booking.id), status_code=201)


@router.post("/bookings/{uid}/guests", response_model=BookingResponse, responses=errors(409))
def add_guests(
    uid: Uid,
    version: CurrentVersion,
    services: Services,
    user: CurrentUser,
    body: schema.AddGuestsIn,
) -> JsonResponse:
    guests = [g.to_guest() for g in body.guests]
    booking = services.bookings.add_guests(uid, actor_id=_id(user.id), guests=guests)
    return success(schema.booking_output(services.bookings.view(booking), viewer_id=user.id))


@router.patch("/bookings/{uid}/location", response_model=BookingResponse)
def update_location(
    uid: Uid,
    version: CurrentVersion,
    services: Services,
    user: CurrentUser,
    body: schema.UpdateLocationIn,
) -> JsonResponse:
    booking = services.bookings.update_location(
        uid, actor_id=_id(user.id), location=body.location.stored()
    )
    return success(schema.booking_output(services.bookings.view(booking), viewer_id=user.id))


@router.get("/bookings/{uid}/calendar-links", response_model=CalendarLinksResponse)
def calendar_links(
    uid: Uid, version: BookingsVersion, services: Services, user: CurrentUser
) -> JsonResponse:
    view = services.bookings.host_view(uid, actor_id=_id(user.id))
    return success(schema.calendar_links(view.booking))


REFERENCE_TYPES = Literal[
    "google_calendar",
    "office365_calendar",
    "daily_video",
    "google_video",
    "office365_video",
    "zoom_video",
]


@router.get("/bookings/{uid}/references", response_model=ReferencesResponse)
def booking_references(
    uid: Uid,
    version: BookingsVersion,
    services: Services,
    user: CurrentUser,
    kind: Annotated[REFERENCE_TYPES | None, Query(alias="type")] = None,
) -> JsonResponse:
    """Calendula writes no third-party calendar or video references yet: always `[]` (a
    `type` outside Cal.com's list is a 400 naming it)."""
    services.bookings.host_view(uid, actor_id=_id(user.id))
    return success([])
