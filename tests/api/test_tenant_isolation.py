"""Tenant isolation: another tenant's key, given this tenant's ids, reaches nothing of theirs.

Tenant A (ada) owns schedules, event types (one hidden, one that needs confirmation, one seated),
bookings on them, a slot reservation and webhooks; tenant B (eve) has her own key and data.
`ROUTES` classifies every route of the app, and `test_every_route_is_classified` fails when a
route is added (or removed) without this table being told:

- `private`: the path names a tenant-owned resource. B's key with A's id is a 404 (or 403) from
  the ownership check: its message names A's id, so it is neither Nest's `Cannot GET` 404 nor a
  validation error. Every other `cal-api-version` value is refused too (404, 403, or the 400
  that names the header to send).
- `public`: public by design in Cal.com (the reason is given). B's key gains nothing an
  anonymous caller lacks, and nothing only A may do (confirm, see seated attendees, hold longer).
- `own`: no tenant id in the path: the caller's own data. B's lists hold none of A's data, and
  an id of A's in the body is refused.

The walk writes nothing: every table of the database is the same after it. Public routes whose
purpose is to write (book, reschedule, release a reservation) are checked with their writes in
the tests after the walk.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import Engine, select

from calendula.api.app import create_app
from calendula.api.deps import KNOWN_VERSIONS
from calendula.domain.calendars import Connection, ConnectionKind, DiscoveredCalendar
from calendula.domain.event_types import ConfirmationPolicy, Seats
from calendula.storage.tables import Base
from factories import make_event_type, make_host, make_schedule

BOOKINGS_V = "2024-08-13"
SLOTS_V = "2024-09-04"
EVENT_TYPES_V = "2024-06-14"
SCHEDULES_V = "2024-06-11"
LEGACY = None  # no header: Cal.com's 2024-04-15 controllers
ALL_VERSIONS: tuple[str | None, ...] = (LEGACY, *sorted(KNOWN_VERSIONS), "2099-01-01")

# Tuesday 3 March 2026 in New York (EST): 10:00, 11:00, 12:00, 13:00, 14:00 local.
ACCEPTED_AT = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
PENDING_AT = ACCEPTED_AT + timedelta(hours=1)
SEATED_AT = ACCEPTED_AT + timedelta(hours=2)
RESERVED_AT = ACCEPTED_AT + timedelta(hours=3)
FREE_AT = ACCEPTED_AT + timedelta(hours=4)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_for(path: str) -> str | None:
    """The `cal-api-version` that reaches the current handler of `path`."""
    if path.startswith("/v2/bookings"):
        return BOOKINGS_V
    if path in ("/v2/slots/available", "/v2/slots/reserve", "/v2/slots/selected-slot"):
        return LEGACY
    if path.startswith("/v2/slots"):
        return SLOTS_V
    if path.startswith("/v2/event-types"):
        return EVENT_TYPES_V
    if path.startswith("/v2/schedules"):
        return SCHEDULES_V
    return LEGACY


# -- the two tenants -------------------------------------------------------------------------


@dataclass
class World:
    """A's ids (the targets) and B's key and own ids."""

    a_key: str
    b_key: str
    b_user_id: int
    a_schedules: list[int]
    b_schedules: list[int]
    a_event_types: dict[str, int]  # meet, hidden, confirm, seated
    b_event_types: list[int]
    a_bookings: dict[str, str]  # accepted, pending, seated -> uid
    a_reservation: str
    a_webhooks: dict[str, str]  # user, event_type -> id
    a_reminder: str  # a reminder of A's "meet" event type
    a_connection: int = 0  # A's calendar connection (its calendar blocks nothing)
    a_calendar: str = ""  # that calendar's externalId
    a_feed: int = 0  # A's published ICS feed
    a_seat: str = ""  # the seat uid of the attendee of A's seated booking
    secrets: set[str] = field(default_factory=set)
    """Strings only A's private data contains; none may appear in B's private/own answers."""


def _book(api, event_type_id: int, start: datetime, email: str, key: str | None = None) -> str:
    attendee = {"name": "Client of Ada", "email": email, "timeZone": "Europe/London"}
    body = {"start": iso(start), "eventTypeId": event_type_id, "attendee": attendee}
    response = api.post("/v2/bookings", version=BOOKINGS_V, key=key, json=body)
    assert response.status_code == 201, response.text
    uid: str = response.json()["data"]["uid"]
    return uid


def _webhook(api, key: str, path: str, url: str) -> str:
    body = {"subscriberUrl": url, "triggers": ["BOOKING_CREATED"], "active": True}
    response = api.post(path, key=key, version=EVENT_TYPES_V, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


@pytest.fixture
def world(api, container) -> World:
    a = make_host(container, "ada")
    b = make_host(container, "eve")
    _, a_key = container.accounts.create_api_key(a.user.id, name="ada")
    _, b_key = container.accounts.create_api_key(b.user.id, name="eve")
    extra = container.schedules.create(
        a.user.id, make_schedule(a.user.id, name="Ada private hours")
    )

    def event_type(**fields: Any) -> int:
        created = container.event_types.create(a.user.id, make_event_type(a.user.id, **fields))
        assert created.id is not None
        return created.id

    event_types = {
        "meet": a.event_type.id,
        "hidden": event_type(slug="secret-plan", title="Secret plan", hidden=True),
        "confirm": event_type(slug="vetted", confirmation=ConfirmationPolicy()),
        "seated": event_type(slug="workshop", seats=Seats(per_slot=3)),
    }
    bookings = {
        "accepted": _book(api, event_types["meet"], ACCEPTED_AT, "accepted.client@ada.example"),
        "pending": _book(api, event_types["confirm"], PENDING_AT, "pending.client@ada.example"),
        "seated": _book(api, event_types["seated"], SEATED_AT, "seat.client@ada.example"),
    }
    hold = api.post(
        "/v2/slots/reservations",
        version=SLOTS_V,
        key=a_key,
        json={"eventTypeId": a.event_type.id, "slotStart": iso(RESERVED_AT)},
    )
    assert hold.status_code == 201, hold.text
    webhooks = {
        "user": _webhook(api, a_key, "/v2/webhooks", "https://hooks.ada.example/all"),
        "event_type": _webhook(
            api,
            a_key,
            f"/v2/event-types/{a.event_type.id}/webhooks",
            "https://hooks.ada.example/meet",
        ),
    }
    reminder = api.post(
        f"/v2/event-types/{a.event_type.id}/reminders",
        key=a_key,
        json={"offset": 1, "subject": "Ada's private reminder", "body": "See you"},
    )
    assert reminder.status_code == 201, reminder.text
    _book(api, b.event_type.id, ACCEPTED_AT, "client@eve.example")  # B has data of her own
    a_connection, a_calendar = _calendar_connection(container, a.user.id)
    a_feed, _ = container.calendar_feeds.create(a.user.id, name="Ada private feed")
    world = World(
        a_key=a_key,
        b_key=b_key,
        b_user_id=b.user.id,
        a_schedules=[a.user.default_schedule_id, extra.id],
        b_schedules=[b.user.default_schedule_id],
        a_event_types=event_types,
        b_event_types=[b.event_type.id],
        a_bookings=bookings,
        a_reservation=hold.json()["data"]["reservationUid"],
        a_webhooks=webhooks,
        a_connection=a_connection,
        a_calendar=a_calendar,
        a_feed=a_feed.id,
        a_reminder=str(reminder.json()["data"]["id"]),
        a_seat=str(container.bookings.get(bookings["seated"]).attendees[0].seat_uid),
    )
    world.secrets = {
        *bookings.values(),
        "accepted.client@ada.example",
        "pending.client@ada.example",
        "seat.client@ada.example",
        "Ada private hours",
        "secret-plan",
        "Secret plan",
        world.a_reservation,
        *webhooks.values(),
        "dav.ada.example",
        "ada-dav-login",
        "Ada private calendar",
        "Ada private feed",
        "hooks.ada.example",
        "Ada's private reminder",
    }
    return world


# -- calling as B ----------------------------------------------------------------------------


@dataclass
class Walk:
    api: Any
    world: World
    calls: int = 0

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None,
        version: str | None,
        body: Any = None,
    ) -> httpx.Response:
        self.calls += 1
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        response: httpx.Response = self.api.request(
            method, path, key=key, version=version, **kwargs
        )
        assert response.status_code < 500, response.text
        return response

    def as_b(
        self, method: str, path: str, version: str | None, body: Any = None, *, private: bool
    ) -> httpx.Response:
        """B's call. `private`: the answer may hold none of A's secrets but those B sent."""
        response = self.request(method, path, key=self.world.b_key, version=version, body=body)
        if private:
            sent = path + json.dumps(body)
            leaked = {s for s in self.world.secrets if s in response.text and s not in sent}
            assert not leaked, f"{method} {path} as B shows A's {leaked}: {response.text}"
        return response

    def anonymous(
        self, method: str, path: str, version: str | None, body: Any = None
    ) -> httpx.Response:
        return self.request(method, path, key=None, version=version, body=body)

    def b_like_anonymous(
        self, method: str, path: str, version: str | None, body: Any = None
    ) -> httpx.Response:
        """B's answer on a public route, asserted equal to an anonymous caller's."""
        mine = self.as_b(method, path, version, body, private=False)
        theirs = self.anonymous(method, path, version, body)
        assert _gist(mine) == _gist(theirs), (method, path, mine.text, theirs.text)
        return mine


def _gist(response: httpx.Response) -> tuple[int, Any]:
    """Status and body, without the error envelope's timestamp."""
    body = response.json()
    if body.get("status") == "error":
        return response.status_code, body["error"]
    return response.status_code, body


def _error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert body["status"] == "error", response.text
    error: dict[str, Any] = body["error"]
    return error


# -- private routes: B's key with A's ids ----------------------------------------------------


def _bindings(path: str, w: World) -> list[dict[str, str]]:
    """A's ids for every path parameter of `path` (several combinations where useful)."""
    names = re.findall(r"{(\w+)}", path)
    a_types = [str(i) for i in w.a_event_types.values()]
    if names == ["uid"] and path.startswith("/v2/bookings/"):
        return [{"uid": uid} for uid in w.a_bookings.values()]
    if names == ["scheduleId"]:
        return [{"scheduleId": str(i)} for i in w.a_schedules]
    if names == ["eventTypeId"]:
        return [{"eventTypeId": i} for i in a_types]
    if names == ["connectionId"]:
        return [{"connectionId": str(w.a_connection)}]
    if names == ["feedId"]:
        return [{"feedId": str(w.a_feed)}]
    if names == ["webhookId"]:
        return [{"webhookId": i} for i in w.a_webhooks.values()]
    if names == ["uid", "attendeeId"]:
        return [{"uid": uid, "attendeeId": "1"} for uid in w.a_bookings.values()]
    if names == ["webhookId", "deliveryId"]:
        return [{"webhookId": i, "deliveryId": "1"} for i in w.a_webhooks.values()]
    if names == ["eventTypeId", "webhookId"]:
        hook = w.a_webhooks["event_type"]
        return [
            {"eventTypeId": str(w.a_event_types["meet"]), "webhookId": hook},
            {"eventTypeId": str(w.b_event_types[0]), "webhookId": hook},  # B's type, A's hook
            {"eventTypeId": str(w.b_event_types[0]), "webhookId": w.a_webhooks["user"]},
        ]
    if names == ["eventTypeId", "reminderId"]:
        return [
            {"eventTypeId": str(w.a_event_types["meet"]), "reminderId": w.a_reminder},
            {"eventTypeId": str(w.b_event_types[0]), "reminderId": w.a_reminder},  # B's type
        ]
    raise AssertionError(f"no ids of A's for {path}: add them to _bindings")


def _filled(path: str, binding: dict[str, str]) -> str:
    for name, value in binding.items():
        path = path.replace("{" + name + "}", value)
    return path


def check_private(walk: Walk, method: str, path: str, body: Any) -> None:
    for binding in _bindings(path, walk.world):
        target = _filled(path, binding)
        right = version_for(path)
        response = walk.as_b(method, target, right, body, private=True)
        assert response.status_code in (403, 404), (method, target, response.text)
        message = _error(response)["message"]
        assert not message.startswith("Cannot "), (method, target, message)
        assert any(value in message for value in binding.values()), (method, target, message)
        for version in ALL_VERSIONS:
            if version == right:
                continue
            other = walk.as_b(method, target, version, body, private=True)
            refused = other.status_code in (403, 404) or (
                other.status_code == 400 and "cal-api-version" in _error(other)["message"]
            )
            assert refused, (method, target, version, other.text)


# -- public and own routes: what B may see ---------------------------------------------------


def _data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def probe_booking(walk: Walk) -> None:
    """Public: a booking uid is the attendee's link. B sees what anyone with the link sees."""
    w = walk.world
    for uid in w.a_bookings.values():
        walk.b_like_anonymous("GET", f"/v2/bookings/{uid}", BOOKINGS_V)
    seated = f"/v2/bookings/{w.a_bookings['seated']}"
    assert _data(walk.as_b("GET", seated, BOOKINGS_V, private=False))["attendees"] == []
    owner = walk.request("GET", seated, key=w.a_key, version=BOOKINGS_V)
    assert len(_data(owner)["attendees"]) == 1  # the host's privilege, not B's


def probe_seat(walk: Walk) -> None:
    """Public: a seat uid is that attendee's link. B sees what anyone with it sees; the
    other attendees of the seated booking stay hidden."""
    path = f"/v2/bookings/by-seat/{walk.world.a_seat}"
    seen = walk.b_like_anonymous("GET", path, BOOKINGS_V)
    assert _data(seen)["attendees"] == []


def probe_cancel(walk: Walk) -> None:
    """Public: attendees cancel by uid. Only a host cancels a whole seated booking."""
    path = f"/v2/bookings/{walk.world.a_bookings['seated']}/cancel"
    body = {"cancellationReason": "taking over"}
    refused = walk.b_like_anonymous("POST", path, BOOKINGS_V, body)
    assert refused.status_code == 400 and _error(refused)["details"]["field"] == "seatUid"


def probe_reschedule(walk: Walk) -> None:
    """Public: attendees reschedule by uid; B's key adds nothing (the taken time stays taken)."""
    path = f"/v2/bookings/{walk.world.a_bookings['accepted']}/reschedule"
    refused = walk.b_like_anonymous("POST", path, BOOKINGS_V, {"start": iso(PENDING_AT)})
    assert refused.status_code == 409


def probe_create_booking(walk: Walk) -> None:
    """Public: anyone books an event type by id (hidden ones too, as in Cal.com)."""
    attendee = {"name": "Mallory", "email": "mallory@eve.example", "timeZone": "UTC"}
    for name in ("meet", "hidden"):
        body = {
            "start": iso(ACCEPTED_AT),
            "eventTypeId": walk.world.a_event_types[name],
            "attendee": attendee,
        }
        assert walk.b_like_anonymous("POST", "/v2/bookings", BOOKINGS_V, body).status_code == 409


def probe_slots(walk: Walk) -> None:
    """Public: availability is what booking pages show; B sees what anyone sees."""
    w = walk.world
    window = "start=2026-03-03&end=2026-03-04"
    for event_type_id in w.a_event_types.values():
        found = walk.b_like_anonymous(
            "GET", f"/v2/slots?{window}&eventTypeId={event_type_id}", SLOTS_V
        )
        assert found.status_code == 200
    again = f"/v2/slots?{window}&eventTypeId={w.a_event_types['meet']}"
    walk.b_like_anonymous(
        "GET", f"{again}&bookingUidToReschedule={w.a_bookings['accepted']}", SLOTS_V
    )


def probe_legacy_slots(walk: Walk) -> None:
    """Public (legacy): as `GET /v2/slots`."""
    window = "startTime=2026-03-03T00:00:00Z&endTime=2026-03-04T00:00:00Z"
    for event_type_id in walk.world.a_event_types.values():
        path = f"/v2/slots/available?{window}&eventTypeId={event_type_id}"
        assert walk.b_like_anonymous("GET", path, LEGACY).status_code == 200


def probe_reserve(walk: Walk) -> None:
    """Public: anyone holds a slot; only the event type's owner may hold it longer."""
    body = {
        "eventTypeId": walk.world.a_event_types["meet"],
        "slotStart": iso(FREE_AT),
        "reservationDuration": 30,
    }
    assert (
        walk.as_b("POST", "/v2/slots/reservations", SLOTS_V, body, private=False).status_code == 403
    )


def probe_reservation(walk: Walk) -> None:
    """Public: the reservation uid is the booker's token."""
    path = f"/v2/slots/reservations/{walk.world.a_reservation}"
    assert _data(walk.b_like_anonymous("GET", path, SLOTS_V)) is not None


def probe_move_reservation(walk: Walk) -> None:
    """Public: the holder moves it by uid; only the owner may make it longer."""
    w = walk.world
    body = {
        "eventTypeId": w.a_event_types["meet"],
        "slotStart": iso(RESERVED_AT),
        "reservationDuration": 30,
    }
    path = f"/v2/slots/reservations/{w.a_reservation}"
    assert walk.as_b("PATCH", path, SLOTS_V, body, private=False).status_code == 403


def probe_legacy_reserve(walk: Walk) -> None:
    """Public (legacy): as `POST /v2/slots/reservations` (no custom length there)."""
    body = {
        "eventTypeId": walk.world.a_event_types["meet"],
        "slotUtcStartDate": iso(ACCEPTED_AT),
        "slotUtcEndDate": iso(ACCEPTED_AT + timedelta(minutes=30)),
    }
    assert walk.b_like_anonymous("POST", "/v2/slots/reserve", LEGACY, body).status_code == 422


def probe_event_type_list(walk: Walk) -> None:
    """Public with `username`: A's visible event types, never the hidden one; without a
    filter the caller's own; the legacy list the caller's own."""
    w = walk.world
    a_ids = set(w.a_event_types.values())
    own = _data(walk.as_b("GET", "/v2/event-types", EVENT_TYPES_V, private=True))
    assert {et["id"] for et in own} == set(w.b_event_types)
    public = _data(walk.b_like_anonymous("GET", "/v2/event-types?username=ada", EVENT_TYPES_V))
    assert {et["id"] for et in public} == a_ids - {w.a_event_types["hidden"]}
    # Hidden means "not listed", not private: its link (slug) finds it, as in Cal.com.
    by_slug = "/v2/event-types?username=ada&eventSlug=secret-plan"
    found = _data(walk.b_like_anonymous("GET", by_slug, EVENT_TYPES_V))
    assert [et["id"] for et in found] == [w.a_event_types["hidden"]]
    for version in (LEGACY, "2024-04-15", "2024-06-11"):
        legacy = _data(walk.as_b("GET", "/v2/event-types", version, private=True))
        listed = {et["id"] for g in legacy["eventTypeGroups"] for et in g["eventTypes"]}
        assert listed == set(w.b_event_types)


def probe_me(walk: Walk) -> None:
    assert _data(walk.as_b("GET", "/v2/me", LEGACY, private=True))["id"] == walk.world.b_user_id


def probe_me_default_schedule(walk: Walk) -> None:
    for schedule_id in walk.world.a_schedules:
        body = {"defaultScheduleId": schedule_id}
        refused = walk.as_b("PATCH", "/v2/me", LEGACY, body, private=True)
        assert refused.status_code == 404 and str(schedule_id) in _error(refused)["message"]


def probe_schedule_list(walk: Walk) -> None:
    for version in (SCHEDULES_V, "2024-06-14", LEGACY):
        listed = _data(walk.as_b("GET", "/v2/schedules", version, private=True))
        assert [s["id"] for s in listed] == walk.world.b_schedules


def probe_default_schedule(walk: Walk) -> None:
    found = _data(walk.as_b("GET", "/v2/schedules/default", SCHEDULES_V, private=True))
    assert found["id"] == walk.world.b_schedules[0]


def probe_event_type_schedule_references(walk: Walk) -> None:
    """A schedule named in the body must be the caller's."""
    for schedule_id in walk.world.a_schedules:
        body = {"title": "Mine", "slug": "mine", "lengthInMinutes": 30, "scheduleId": schedule_id}
        refused = walk.as_b("POST", "/v2/event-types", EVENT_TYPES_V, body, private=True)
        assert refused.status_code == 404 and str(schedule_id) in _error(refused)["message"]
    own = str(walk.world.b_event_types[0])
    for schedule_id in walk.world.a_schedules:
        body = {"scheduleId": schedule_id}
        path = f"/v2/event-types/{own}"
        refused = walk.as_b("PATCH", path, EVENT_TYPES_V, body, private=True)
        assert refused.status_code == 404 and str(schedule_id) in _error(refused)["message"]


def probe_booking_list(walk: Walk) -> None:
    """B's bookings only, whatever filter names A's data, in both shapes."""
    w = walk.world
    filters = [
        "",
        f"?eventTypeId={w.a_event_types['meet']}",
        f"?eventTypeIds={w.a_event_types['confirm']}",
        "?attendeeEmail=accepted.client@ada.example",
        f"?bookingUid={w.a_bookings['accepted']}",
        "?status=upcoming,unconfirmed,past,cancelled",
    ]
    for query in filters:
        listed = _data(walk.as_b("GET", f"/v2/bookings{query}", BOOKINGS_V, private=True))
        assert all(w.b_user_id in [h["id"] for h in b["hosts"]] for b in listed), listed
    legacy_filters = ["", "?filters[attendeeEmail]=pending.client@ada.example"]
    for query in legacy_filters:
        legacy = _data(walk.as_b("GET", f"/v2/bookings{query}", LEGACY, private=True))
        assert all(b["userId"] == w.b_user_id for b in legacy["bookings"]), legacy


def _calendar_connection(container: Any, owner_id: int) -> tuple[int, str]:
    """A CalDAV connection of A's, stored directly (no server to discover); its calendar
    counts as busy for nothing, so A's slots and bookings never call out."""
    external_id = "https://dav.ada.example/calendars/ada/private/"
    connection = Connection(
        id=None,
        owner_id=owner_id,
        kind=ConnectionKind.CALDAV,
        url="https://dav.ada.example/",
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        username="ada-dav-login",
        secret="sealed",
    )
    with container.uow_factory(write=True) as uow:
        created = uow.calendars.add_connection(
            connection, [DiscoveredCalendar(external_id, "Ada private calendar")]
        )
        [calendar] = uow.calendars.list_calendars([owner_id])
        uow.calendars.update_calendar(dataclasses.replace(calendar, is_busy=False))
        uow.commit()
    return created.id, external_id


def probe_calendar_list(walk: Walk) -> None:
    listed = _data(walk.as_b("GET", "/v2/calendars", LEGACY, private=True))
    assert listed == {"connectedCalendars": [], "destinationConnectedCalendar": None}


def probe_feed_list(walk: Walk) -> None:
    assert _data(walk.as_b("GET", "/v2/calendars/feeds", LEGACY, private=True)) == []


def probe_calendar_busy_times(walk: Walk) -> None:
    query = "dateFrom=2026-03-02T00:00:00Z&dateTo=2026-03-03T00:00:00Z"
    found = walk.as_b("GET", f"/v2/calendars/busy-times?{query}", LEGACY, private=True)
    assert _data(found) == []


def probe_calendar_selection(walk: Walk) -> None:
    """A's calendar named in the body (or query) is not found for B."""
    w = walk.world
    for credential in (None, w.a_connection):
        body: dict[str, Any] = {"integration": "caldav_calendar", "externalId": w.a_calendar}
        if credential is not None:
            body["credentialId"] = credential
        for method, path in (
            ("POST", "/v2/selected-calendars"),
            ("PUT", "/v2/destination-calendars"),
        ):
            refused = walk.as_b(method, path, LEGACY, body, private=True)
            assert refused.status_code == 404, refused.text
        query = "&".join(f"{k}={v}" for k, v in body.items())
        refused = walk.as_b("DELETE", f"/v2/selected-calendars?{query}", LEGACY, private=True)
        assert refused.status_code == 404, refused.text


def probe_published_feed(walk: Walk) -> None:
    """Public: the token is the feed's only key; B guessing one is any stranger guessing."""
    assert walk.b_like_anonymous("GET", "/feeds/guessed-token.ics", LEGACY).status_code == 404


def probe_webhook_list(walk: Walk) -> None:
    listed = _data(walk.as_b("GET", "/v2/webhooks", LEGACY, private=True))
    assert listed == []


# -- public pages (calendula.web): HTML, the same for B as for anyone ---------------------------

_PER_RESPONSE = re.compile(r'nonce-[\w-]+|nonce="[^"]*"|name="csrf" value="[^"]*"')


def _page_gist(response: httpx.Response) -> tuple[int, str]:
    """Status and text without what differs per response (CSP nonce, form token)."""
    return response.status_code, _PER_RESPONSE.sub("", response.text)


def page_probe(method: str, template: str) -> Callable[[Walk], None]:
    """B's call of a page equals an anonymous one; posts without a form token are refused."""

    def probe(walk: Walk) -> None:
        w = walk.world
        fills = {
            "username": ["ada"],
            "slug": ["meet", "secret-plan"],
            "uid": list(w.a_bookings.values()),
            "name": ["calendula.css"],
        }
        paths = [template]
        for name, values in fills.items():
            paths = [p.replace("{" + name + "}", v) for p in paths for v in values]
        for path in paths:
            mine = walk.as_b(method, path, None, private=False)
            theirs = walk.anonymous(method, path, None)
            assert _page_gist(mine) == _page_gist(theirs), (method, path)
            if method == "POST":
                assert mine.status_code == 403, (path, mine.status_code)
            if path in ("/ada", "/ada/embed", "/ada/llms.txt"):
                assert mine.status_code == 200 and "Secret plan" not in mine.text

    return probe


# -- the table -------------------------------------------------------------------------------

Kind = Literal["private", "public", "own"]
WRITES_BY_DESIGN = "public by design, and it writes: checked in the tests after the walk"


@dataclass(frozen=True)
class Rule:
    kind: Kind
    reason: str
    probe: Callable[[Walk], None] | None = None
    body: Any = None  # private routes: a plausible body


def private(resource: str, body: Any = None) -> Rule:
    return Rule("private", f"the path names A's {resource}", body=body)


def public(reason: str, probe: Callable[[Walk], None] | None) -> Rule:
    return Rule("public", reason, probe)


def own(reason: str, probe: Callable[[Walk], None] | None = None) -> Rule:
    return Rule("own", reason, probe)


HOOK = {"subscriberUrl": "https://evil.eve.example/hook", "triggers": ["BOOKING_CREATED"]}
ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/health"): own("liveness only; no tenant data"),
    ("GET", "/v2/openapi.json"): own("the API's description; no tenant data"),
    ("GET", "/docs"): own("the API's documentation page; no tenant data"),
    ("GET", "/docs/oauth2-redirect"): own("part of the documentation page; no tenant data"),
    ("GET", "/redoc"): own("the API's documentation page; no tenant data"),
    # -- me
    ("GET", "/v2/me"): own("the caller's profile", probe_me),
    ("PATCH", "/v2/me"): own("the caller's profile", probe_me_default_schedule),
    # -- schedules
    ("POST", "/v2/schedules"): own("creates for the caller; the body names no other resource"),
    ("GET", "/v2/schedules"): own("the caller's schedules", probe_schedule_list),
    ("GET", "/v2/schedules/default"): own("the caller's default", probe_default_schedule),
    ("GET", "/v2/schedules/{scheduleId}"): private("schedule"),
    ("PATCH", "/v2/schedules/{scheduleId}"): private("schedule", {"name": "Taken over"}),
    ("DELETE", "/v2/schedules/{scheduleId}"): private("schedule"),
    # -- event types
    ("GET", "/v2/event-types"): public(
        "Cal.com lists a user's visible event types to anyone (`?username=`)",
        probe_event_type_list,
    ),
    ("POST", "/v2/event-types"): own(
        "creates for the caller", probe_event_type_schedule_references
    ),
    ("GET", "/v2/event-types/{eventTypeId}"): private("event type"),
    ("PATCH", "/v2/event-types/{eventTypeId}"): private("event type", {"title": "Taken over"}),
    ("DELETE", "/v2/event-types/{eventTypeId}"): private("event type"),
    # -- webhooks
    ("POST", "/v2/webhooks"): own("creates for the caller; the body names no other resource"),
    ("GET", "/v2/webhooks"): own("the caller's webhooks", probe_webhook_list),
    ("GET", "/v2/webhooks/{webhookId}"): private("webhook"),
    ("PATCH", "/v2/webhooks/{webhookId}"): private("webhook", {"active": False}),
    ("DELETE", "/v2/webhooks/{webhookId}"): private("webhook"),
    ("POST", "/v2/webhooks/{webhookId}/ping"): private("webhook"),
    ("GET", "/v2/webhooks/{webhookId}/deliveries"): private("webhook"),
    ("POST", "/v2/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver"): private("webhook"),
    ("POST", "/v2/event-types/{eventTypeId}/webhooks"): private(
        "event type", {**HOOK, "active": True}
    ),
    ("GET", "/v2/event-types/{eventTypeId}/webhooks"): private("event type"),
    ("DELETE", "/v2/event-types/{eventTypeId}/webhooks"): private("event type"),
    ("GET", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"): private("webhook"),
    ("PATCH", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"): private(
        "webhook", {"active": False}
    ),
    ("DELETE", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"): private("webhook"),
    # -- reminders
    ("POST", "/v2/event-types/{eventTypeId}/reminders"): private("event type", {"offset": 5}),
    ("GET", "/v2/event-types/{eventTypeId}/reminders"): private("event type"),
    ("GET", "/v2/event-types/{eventTypeId}/reminders/{reminderId}"): private("reminder"),
    ("PATCH", "/v2/event-types/{eventTypeId}/reminders/{reminderId}"): private(
        "reminder", {"subject": "Taken over"}
    ),
    ("DELETE", "/v2/event-types/{eventTypeId}/reminders/{reminderId}"): private("reminder"),
    # -- slots and reservations
    ("GET", "/v2/slots"): public("booking pages show availability to anyone", probe_slots),
    ("GET", "/v2/slots/available"): public("legacy `GET /v2/slots`", probe_legacy_slots),
    ("POST", "/v2/slots/reservations"): public("bookers hold slots without a key", probe_reserve),
    ("GET", "/v2/slots/reservations/{uid}"): public(
        "the reservation uid is the booker's token (Cal.com: no auth)", probe_reservation
    ),
    ("PATCH", "/v2/slots/reservations/{uid}"): public(
        "the reservation uid is the booker's token (Cal.com: no auth)", probe_move_reservation
    ),
    ("DELETE", "/v2/slots/reservations/{uid}"): public(WRITES_BY_DESIGN, None),
    ("POST", "/v2/slots/reserve"): public("legacy reservation", probe_legacy_reserve),
    ("DELETE", "/v2/slots/selected-slot"): public(WRITES_BY_DESIGN, None),
    # -- bookings
    ("POST", "/v2/bookings"): public("anyone books an event type", probe_create_booking),
    ("GET", "/v2/bookings"): own("the caller's bookings as host", probe_booking_list),
    ("GET", "/v2/bookings/{uid}"): public(
        "the booking uid is the attendee's link (Cal.com: auth optional)", probe_booking
    ),
    ("POST", "/v2/bookings/{uid}/cancel"): public(
        "attendees cancel by uid (Cal.com: auth optional; host powers need the host)",
        probe_cancel,
    ),
    ("POST", "/v2/bookings/{uid}/reschedule"): public(
        "attendees reschedule by uid (Cal.com: auth optional)", probe_reschedule
    ),
    ("POST", "/v2/bookings/{uid}/confirm"): private("booking"),
    ("POST", "/v2/bookings/{uid}/decline"): private("booking", {"reason": "no"}),
    ("POST", "/v2/bookings/{uid}/mark-absent"): private("booking", {"host": True}),
    ("GET", "/v2/bookings/{uid}/attendees"): private("booking"),
    ("GET", "/v2/bookings/{uid}/attendees/{attendeeId}"): private("booking"),
    ("DELETE", "/v2/bookings/{uid}/attendees/{attendeeId}"): private("booking"),
    ("GET", "/v2/bookings/by-seat/{seatUid}"): public(
        "the seat uid is the attendee's link (Cal.com: auth optional)", probe_seat
    ),
    ("POST", "/v2/bookings/{uid}/attendees"): private(
        "booking", {"name": "Mallory", "email": "mallory@eve.example", "timeZone": "UTC"}
    ),
    ("POST", "/v2/bookings/{uid}/guests"): private(
        "booking", {"guests": [{"email": "mallory@eve.example"}]}
    ),
    ("PATCH", "/v2/bookings/{uid}/location"): private(
        "booking", {"location": {"type": "link", "link": "https://evil.eve.example"}}
    ),
    ("GET", "/v2/bookings/{uid}/calendar-links"): private("booking"),
    ("GET", "/v2/bookings/{uid}/references"): private("booking"),
    # -- calendars
    ("GET", "/v2/calendars"): own("the caller's connections", probe_calendar_list),
    ("POST", "/v2/calendars/caldav/credentials"): own(
        "connects for the caller; the body names no other resource"
    ),
    ("POST", "/v2/calendars/apple/credentials"): own(
        "connects for the caller; the body names no other resource"
    ),
    ("POST", "/v2/calendars/ics-feed/save"): own(
        "subscribes the caller; the body names no other resource"
    ),
    ("GET", "/v2/calendars/busy-times"): own("the caller's busy times", probe_calendar_busy_times),
    ("GET", "/v2/calendars/connections/{connectionId}"): private("calendar connection"),
    ("POST", "/v2/calendars/connections/{connectionId}/check"): private("calendar connection"),
    ("DELETE", "/v2/calendars/connections/{connectionId}"): private("calendar connection"),
    ("POST", "/v2/selected-calendars"): own("the caller's calendars", probe_calendar_selection),
    ("DELETE", "/v2/selected-calendars"): own("the caller's calendars", probe_calendar_selection),
    ("PUT", "/v2/destination-calendars"): own("the caller's calendars", probe_calendar_selection),
    ("POST", "/v2/calendars/feeds"): own("publishes a feed of the caller's bookings"),
    ("GET", "/v2/calendars/feeds"): own("the caller's feeds", probe_feed_list),
    ("DELETE", "/v2/calendars/feeds/{feedId}"): private("calendar feed"),
    ("GET", "/feeds/{token}.ics"): public(
        "a published feed: its secret token is the only key (B is any stranger)",
        probe_published_feed,
    ),
    # -- public pages and the embed (calendula.web)
    ("GET", "/embed/embed.js"): own("the embed script; no tenant data"),
    ("GET", "/static/{name}"): public("the pages' files", page_probe("GET", "/static/{name}")),
    ("GET", "/{username}"): public("a host's public profile", page_probe("GET", "/{username}")),
    ("GET", "/{username}/embed"): public(
        "a host's public profile, embeddable", page_probe("GET", "/{username}/embed")
    ),
    ("GET", "/{username}/llms.txt"): public(
        "the profile for agents", page_probe("GET", "/{username}/llms.txt")
    ),
    ("GET", "/{username}/{slug}"): public(
        "the booker (hidden event types by link, as Cal.com)",
        page_probe("GET", "/{username}/{slug}"),
    ),
    ("GET", "/{username}/{slug}/embed"): public(
        "the booker, embeddable", page_probe("GET", "/{username}/{slug}/embed")
    ),
    ("POST", "/{username}/{slug}"): public(
        "anyone books; a post without the form token is refused",
        page_probe("POST", "/{username}/{slug}"),
    ),
    ("POST", "/{username}/{slug}/embed"): public(
        "anyone books; a post without the form token is refused",
        page_probe("POST", "/{username}/{slug}/embed"),
    ),
    ("GET", "/booking/{uid}"): public(
        "the booking uid is the attendee's link; changes need the signed token",
        page_probe("GET", "/booking/{uid}"),
    ),
    ("POST", "/booking/{uid}"): public(
        "cancelling needs the signed token and a form token", page_probe("POST", "/booking/{uid}")
    ),
    ("GET", "/booking/{uid}/confirm"): public(
        "the host's page: without the signed host token it is a 404",
        page_probe("GET", "/booking/{uid}/confirm"),
    ),
    ("POST", "/booking/{uid}/confirm"): public(
        "confirming needs the signed host token and a form token",
        page_probe("POST", "/booking/{uid}/confirm"),
    ),
    ("GET", "/booking/{uid}/decline"): public(
        "the host's page: without the signed host token it is a 404",
        page_probe("GET", "/booking/{uid}/decline"),
    ),
    ("POST", "/booking/{uid}/decline"): public(
        "declining needs the signed host token and a form token",
        page_probe("POST", "/booking/{uid}/decline"),
    ),
    ("GET", "/reschedule/{uid}"): public(
        "without the signed token the page refuses", page_probe("GET", "/reschedule/{uid}")
    ),
    ("POST", "/reschedule/{uid}"): public(
        "rescheduling needs the signed token and a form token",
        page_probe("POST", "/reschedule/{uid}"),
    ),
}


def app_routes(container: Any) -> set[tuple[str, str]]:
    """(method, path) of every FastAPI route of the app, included routers flattened."""
    app = create_app(container)
    return {
        (method, str(route.path))
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for method in (route.methods or set()) - {"HEAD"}
    }


def database_rows(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


# -- tests -----------------------------------------------------------------------------------


def test_every_route_is_classified(container):
    routes = app_routes(container)
    assert routes - ROUTES.keys() == set(), "classify the new routes in ROUTES"
    assert ROUTES.keys() - routes == set(), "these routes are gone: remove them from ROUTES"
    for (method, path), rule in ROUTES.items():
        names_a_resource = re.search(r"{\w+}", path) is not None
        if rule.kind == "own":
            assert not names_a_resource, f"{method} {path} names a resource: private or public"
        if rule.kind == "private":
            assert names_a_resource, f"{method} {path}: private needs an id in the path"
        if rule.kind == "public" and rule.probe is None:
            assert rule.reason == WRITES_BY_DESIGN and (method, path) in WRITE_TESTED


def test_another_tenants_key_reaches_nothing_on_any_route(api, world, engine):
    before = database_rows(engine)
    walk = Walk(api, world)
    for (method, path), rule in ROUTES.items():
        if rule.kind == "private":
            check_private(walk, method, path, rule.body)
        elif rule.probe is not None:
            rule.probe(walk)
    assert walk.calls > 300
    assert database_rows(engine) == before, "a call with B's key wrote to the database"


# -- public routes that write by design ------------------------------------------------------

WRITE_TESTED = {("DELETE", "/v2/slots/reservations/{uid}"), ("DELETE", "/v2/slots/selected-slot")}


def test_another_tenants_key_books_and_reschedules_only_as_an_anonymous_booker(api, world):
    """Cal.com: anyone books, and anyone with the uid reschedules; B's key makes B no host."""
    w = world
    walk = Walk(api, w)
    uid = _book(api, w.a_event_types["confirm"], FREE_AT, "mallory@eve.example", key=w.b_key)
    booking = _data(walk.request("GET", f"/v2/bookings/{uid}", key=w.a_key, version=BOOKINGS_V))
    assert booking["status"] == "pending"  # not confirmed by B's key
    mine = _data(walk.as_b("GET", "/v2/bookings", BOOKINGS_V, private=False))
    assert uid not in [b["uid"] for b in mine]
    # A reschedule by anyone but the owner needs the owner's confirmation again, whatever
    # `rescheduledBy` claims; the owner's own reschedule does not.
    path = f"/v2/bookings/{w.a_bookings['pending']}/reschedule"
    claimed = {"start": iso(FREE_AT + timedelta(hours=1)), "rescheduledBy": "ada@example.com"}
    moved = walk.as_b("POST", path, BOOKINGS_V, claimed, private=False)
    assert moved.status_code == 201, moved.text
    assert moved.json()["data"]["status"] == "pending"
    back = f"/v2/bookings/{moved.json()['data']['uid']}/reschedule"
    by_owner = walk.request(
        "POST", back, key=w.a_key, version=BOOKINGS_V, body={"start": iso(PENDING_AT)}
    )
    assert by_owner.status_code == 201 and by_owner.json()["data"]["status"] == "accepted"


def test_another_tenants_key_releases_a_reservation_only_as_its_holder_would(api, world):
    """Cal.com: whoever has the reservation uid (the booker) may release it, key or not."""
    w = world
    walk = Walk(api, w)
    path = f"/v2/slots/reservations/{w.a_reservation}"
    assert walk.as_b("DELETE", path, SLOTS_V, private=False).json() == {"status": "success"}
    assert _data(walk.anonymous("GET", path, SLOTS_V)) is None
    legacy = api.post(
        "/v2/slots/reserve",
        json={
            "eventTypeId": w.a_event_types["meet"],
            "slotUtcStartDate": iso(RESERVED_AT),
            "slotUtcEndDate": iso(RESERVED_AT + timedelta(minutes=30)),
        },
    )
    held = legacy.json()["data"]
    released = walk.as_b("DELETE", f"/v2/slots/selected-slot?uid={held}", LEGACY, private=False)
    assert released.json() == {"status": "success"}
    assert _data(walk.anonymous("GET", f"/v2/slots/reservations/{held}", SLOTS_V)) is None
