"""Routes for /v2/slots (Cal.com API v2 compatible).

`cal-api-version: 2024-09-04` reaches `GET /v2/slots` and `/v2/slots/reservations...`; any other
value (or none) reaches the legacy `GET /v2/slots/available`, `POST /v2/slots/reserve` and
`DELETE /v2/slots/selected-slot`. A request for the other family's path gets Nest's 404
(`Cannot GET /v2/slots`), as in Cal.com.

`GET /v2/slots` is the voice agents' hot path: it parses the query string by hand, takes a cached
answer directly on the event loop (a few microseconds; a thread hop for every request halved the
throughput in bench/bench_api_slots.py) and only goes to a worker thread when the database must
be read; the JSON body is rendered once per answer with orjson and kept with it.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from calendula.api.deps import RESOURCE_VERSIONS, OptionalUser, Services, get_container, versions
from calendula.api.envelope import success
from calendula.api.openapi import errors
from calendula.api.responses import JsonResponse
from calendula.api.schemas.outputs import (
    LegacyReservationResponse,
    LegacySlotsResponse,
    MaybeReservationResponse,
    ReservationResponse,
    SlotsResponse,
    StatusOutput,
)
from calendula.api.schemas.slots import (
    LegacyReserveSlotInput,
    ReserveSlotInput,
    SlotAsk,
    legacy_slots,
    parse_legacy_query,
    parse_slots_query,
    reservation_output,
)
from calendula.domain.slots import group_by_local_date
from calendula.services.holds import DEFAULT_HOLD_MINUTES
from calendula.services.slot_cache import SlotAnswer

router = APIRouter()

VERSIONS = RESOURCE_VERSIONS["slots"]
Current = versions("slots", legacy="unrouted")
"""Only the current version (2024-09-04) reaches these routes."""
Legacy = versions("slots", current="unrouted")
"""Every version but the current one reaches the legacy routes."""


_TEXT: dict[str, object] = {"type": "string", "maxLength": 200}
_INSTANT: dict[str, object] = {"type": "string", "format": "date-time"}
_DATE_OR_INSTANT: dict[str, object] = {"anyOf": [{"type": "string", "format": "date"}, _INSTANT]}
_ID: dict[str, object] = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_MINUTES: dict[str, object] = {"type": "integer", "minimum": 1, "maximum": 24 * 60}
_FORMAT: dict[str, object] = {"type": "string", "enum": ["time", "range"]}


def _query_parameter(
    name: str, description: str, example: str, schema: dict[str, object] = _TEXT
) -> dict[str, object]:
    return {
        "name": name,
        "in": "query",
        "required": name in ("start", "end", "startTime", "endTime"),
        "description": description,
        "schema": {**schema, "example": example},
    }


_SLOTS_PARAMETERS = [
    _query_parameter("start", "ISO 8601 date or UTC date-time", "2050-09-05", _DATE_OR_INSTANT),
    _query_parameter(
        "end", "ISO 8601 date (whole day) or UTC date-time", "2050-09-06", _DATE_OR_INSTANT
    ),
    _query_parameter("eventTypeId", "Event type id", "100", _ID),
    _query_parameter("eventTypeSlug", "Event type slug (with username)", "intro"),
    _query_parameter("username", "Owner of eventTypeSlug", "ada"),
    _query_parameter("usernames", "Dynamic group: two or more usernames, comma separated", "a,b"),
    _query_parameter("timeZone", "IANA time zone of the output (default UTC)", "Europe/Rome"),
    _query_parameter("duration", "Slot length in minutes (an allowed length)", "60", _MINUTES),
    _query_parameter("format", "time (default) or range", "range", _FORMAT),
    _query_parameter("bookingUidToReschedule", "Frees this booking's time", "abc123"),
]


@router.get("/slots", response_model=SlotsResponse, openapi_extra={"parameters": _SLOTS_PARAMETERS})
async def get_slots(request: Request) -> Response:
    """Bookable slots grouped by date in `timeZone` (cal-api-version 2024-09-04)."""
    VERSIONS.resolve(request, legacy="unrouted")  # `Current`, without a dependency's cost
    ask = parse_slots_query(request.query_params)
    return _rendered(await _answer(request, ask), ask, legacy=False)


async def _answer(request: Request, ask: SlotAsk) -> SlotAnswer:
    """From the cache on the event loop; when the database must be read, in a worker thread."""
    availability = get_container(request).availability
    answer = availability.cached_answer(ask.query)
    if answer is None:
        answer = await run_in_threadpool(availability.answer, ask.query)
    return answer


def _rendered(answer: SlotAnswer, ask: SlotAsk, *, legacy: bool) -> Response:
    """The JSON body for `answer` as `ask` wants it, rendered once per answer (`memo`)."""
    key = ("slots", legacy, ask.zone.key if ask.zone else None, ask.with_end)
    body = answer.memo.get(key)
    if body is None:
        data = group_by_local_date(answer.slots, ask.zone, with_end=ask.with_end)
        payload = legacy_slots(data, ask.with_end) if legacy else data
        body = answer.keep(key, orjson.dumps({"status": "success", "data": payload}))
    return Response(body, media_type="application/json")


# -- reservations (2024-09-04) -----------------------------------------------------------------


@router.post(
    "/slots/reservations",
    status_code=201,
    dependencies=[Current],
    response_model=ReservationResponse,
    responses=errors(403, 422),
)
def reserve_slot(body: ReserveSlotInput, services: Services, user: OptionalUser) -> JsonResponse:
    """Hold a slot for a few minutes while the booker confirms."""
    hold = services.holds.hold(
        body.event_type_id,
        body.slot_start,
        length_minutes=body.slot_duration,
        minutes=body.reservation_duration,
        actor_id=user.id if user else None,
    )
    minutes = body.reservation_duration or DEFAULT_HOLD_MINUTES
    return success(reservation_output(hold, minutes), status_code=201)


@router.get(
    "/slots/reservations/{uid}", dependencies=[Current], response_model=MaybeReservationResponse
)
def get_reservation(uid: str, services: Services) -> JsonResponse:
    """The reservation while it lasts, else `data: null`."""
    hold = services.holds.get(uid)
    return success(None if hold is None else reservation_output(hold))


@router.patch(
    "/slots/reservations/{uid}",
    dependencies=[Current],
    response_model=ReservationResponse,
    responses=errors(403, 422),
)
def update_reservation(
    uid: str, body: ReserveSlotInput, services: Services, user: OptionalUser
) -> JsonResponse:
    """Move or extend a reservation."""
    hold = services.holds.move(
        uid,
        body.event_type_id,
        body.slot_start,
        length_minutes=body.slot_duration,
        minutes=body.reservation_duration,
        actor_id=user.id if user else None,
    )
    minutes = body.reservation_duration or DEFAULT_HOLD_MINUTES
    return success(reservation_output(hold, minutes))


@router.delete("/slots/reservations/{uid}", dependencies=[Current], response_model=StatusOutput)
def delete_reservation(uid: str, services: Services) -> JsonResponse:
    """Release a reservation (unknown uids are ignored)."""
    services.holds.release(uid)
    return success()


# -- legacy (2024-04-15 and no header) ---------------------------------------------------------


@router.get(
    "/slots/available",
    dependencies=[Legacy],
    response_model=LegacySlotsResponse,
    openapi_extra={
        "parameters": [
            _query_parameter(
                "startTime", "ISO 8601 date-time", "2050-09-05T00:00:00Z", _DATE_OR_INSTANT
            ),
            _query_parameter(
                "endTime", "ISO 8601 date-time", "2050-09-06T00:00:00Z", _DATE_OR_INSTANT
            ),
            _query_parameter("eventTypeId", "Event type id", "100", _ID),
            _query_parameter("eventTypeSlug", "Event type slug (with usernameList[])", "intro"),
            _query_parameter("usernameList[]", "Owner, or two or more users", "ada"),
            _query_parameter("timeZone", "IANA time zone of the output", "Europe/Rome"),
            _query_parameter("duration", "Slot length in minutes", "30", _MINUTES),
            _query_parameter("slotFormat", "time (default) or range", "range", _FORMAT),
            _query_parameter("rescheduleUid", "Frees this booking's time", "abc123"),
        ]
    },
)
async def get_available_slots(request: Request) -> Response:
    """Legacy slots: `{"slots": {date: [{"time": ...}]}}`."""
    ask = parse_legacy_query(request.query_params)
    return _rendered(await _answer(request, ask), ask, legacy=True)


@router.post(
    "/slots/reserve",
    status_code=201,
    dependencies=[Legacy],
    response_model=LegacyReservationResponse,
    responses=errors(422),
)
def legacy_reserve_slot(body: LegacyReserveSlotInput, services: Services) -> JsonResponse:
    """Legacy reservation: `data` is the reservation uid (also set as the `uid` cookie)."""
    hold = services.holds.hold(
        body.event_type_id, body.slot_utc_start_date, length_minutes=body.length_minutes()
    )
    response = success(hold.uid, status_code=201)
    response.set_cookie("uid", hold.uid)
    return response


@router.delete("/slots/selected-slot", dependencies=[Legacy], response_model=StatusOutput)
def legacy_delete_selected_slot(
    request: Request, services: Services, uid: str | None = None
) -> JsonResponse:
    """Legacy release of a reservation (`uid` query parameter or cookie)."""
    chosen = request.cookies.get("uid") or uid
    if chosen:
        services.holds.release(chosen)
    return success()
