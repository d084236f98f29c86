"""Slot reservations: /v2/slots/reservations (2024-09-04) and the legacy reserve/selected-slot.

The `host` fixture is Ada in New York (Mon-Fri 09:00-17:00, 30-minute event type); the clock is at
Monday 2 March 2026 08:00 UTC. Tuesday 10:00 in New York is 15:00 UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from calendula.domain.bookings import Attendee
from calendula.services.booking import NewBooking
from factories import make_host

V = "2024-09-04"
SLOT = "2026-03-03T15:00:00Z"
SLOT_START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
TUESDAY = "2026-03-03"


def reserve(api, event_type_id: int, start: str = SLOT, *, key: str | None = None, **more: Any):
    body = {"eventTypeId": event_type_id, "slotStart": start, **more}
    return api.post("/v2/slots/reservations", json=body, key=key, version=V)


def slot_starts(api, event_type_id: int) -> list[str]:
    response = api.get(
        f"/v2/slots?eventTypeId={event_type_id}&start={TUESDAY}&end={TUESDAY}", version=V
    )
    assert response.status_code == 200
    return [item["start"] for items in response.json()["data"].values() for item in items]


def check_null_reservation(calcom, response) -> None:
    """`data: null` answer of GET /v2/slots/reservations/{uid}. The reference schema marks `data`
    `nullable` next to an `allOf`, which OAS 3.0 validators read as "an object, never null"; so
    the null is checked here and the rest of the envelope against the schema's `status`."""
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "success", "data": None}
    envelope = calcom.spec["components"]["schemas"]["GetReservedSlotOutput_2024_09_04"]
    assert set(envelope["required"]) == set(body)
    OAS30Validator(envelope["properties"]["status"]).validate(body["status"])


def assert_error(response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message
    return body


def test_a_reservation_is_created_with_cal_coms_output(api, host, calcom):
    response = reserve(api, host.event_type.id)
    assert response.status_code == 201
    data = calcom.check(response, "POST", "/v2/slots/reservations")["data"]
    assert uuid.UUID(data["reservationUid"])
    assert data == {
        "eventTypeId": host.event_type.id,
        "slotStart": "2026-03-03T15:00:00.000Z",
        "slotEnd": "2026-03-03T15:30:00.000Z",
        "slotDuration": 30,
        "reservationUid": data["reservationUid"],
        "reservationDuration": 5,
        "reservationUntil": "2026-03-02T08:05:00.000Z",
    }


def test_a_reservation_can_be_read_moved_and_deleted(api, host, calcom):
    uid = reserve(api, host.event_type.id).json()["data"]["reservationUid"]
    path = f"/v2/slots/reservations/{uid}"

    got = api.get(path, version=V)
    data = calcom.check(got, "GET", "/v2/slots/reservations/{uid}")["data"]
    assert data["reservationUid"] == uid
    assert data["slotStart"] == "2026-03-03T15:00:00.000Z"
    assert data["reservationUntil"] == "2026-03-02T08:05:00.000Z"

    later = "2026-03-03T16:00:00Z"
    moved = api.patch(path, json={"eventTypeId": host.event_type.id, "slotStart": later}, version=V)
    assert moved.status_code == 200
    moved_data = calcom.check(moved, "PATCH", "/v2/slots/reservations/{uid}")["data"]
    assert moved_data["reservationUid"] == uid
    assert moved_data["slotStart"] == "2026-03-03T16:00:00.000Z"
    assert "2026-03-03T15:00:00.000Z" in slot_starts(api, host.event_type.id)
    assert "2026-03-03T16:00:00.000Z" not in slot_starts(api, host.event_type.id)

    deleted = api.delete(path, version=V)
    assert deleted.status_code == 200
    assert calcom.check(deleted, "DELETE", "/v2/slots/reservations/{uid}") == {"status": "success"}
    check_null_reservation(calcom, api.get(path, version=V))
    assert "2026-03-03T16:00:00.000Z" in slot_starts(api, host.event_type.id)


def test_an_unknown_reservation_reads_as_null(api, host, calcom):
    check_null_reservation(calcom, api.get(f"/v2/slots/reservations/{uuid.uuid4()}", version=V))


def test_a_reservation_hides_the_slot_until_it_expires(api, host, clock):
    taken = "2026-03-03T15:00:00.000Z"
    assert taken in slot_starts(api, host.event_type.id)
    assert reserve(api, host.event_type.id).status_code == 201
    assert taken not in slot_starts(api, host.event_type.id)
    clock.advance(timedelta(minutes=4, seconds=59))
    assert taken not in slot_starts(api, host.event_type.id)
    clock.advance(timedelta(seconds=1))
    assert taken in slot_starts(api, host.event_type.id)
    assert reserve(api, host.event_type.id).status_code == 201  # free to reserve again


def test_a_reserved_slot_cannot_be_reserved_again(api, host):
    assert reserve(api, host.event_type.id).status_code == 201
    overlapping = reserve(api, host.event_type.id, "2026-03-03T15:15:00Z")
    assert_error(
        overlapping,
        422,
        "UnprocessableEntityException",
        "This time slot is already reserved by another user. Please choose a different time.",
    )


def test_a_booked_slot_cannot_be_reserved(api, container, host):
    container.bookings.create(
        NewBooking(
            start=SLOT_START,
            attendee=Attendee("Grace", "grace@example.com", "UTC"),
            event_type_id=host.event_type.id,
        )
    )
    assert_error(
        reserve(api, host.event_type.id),
        422,
        "UnprocessableEntityException",
        "Can't reserve a slot if the event is already booked.",
    )


def test_reservation_duration_needs_a_key(api, host):
    response = reserve(api, host.event_type.id, reservationDuration=10)
    assert_error(
        response,
        401,
        "UnauthorizedException",
        "reservationDuration can only be used for authenticated requests - use access token, "
        "api key or OAuth credentials",
    )


def test_reservation_duration_is_for_the_event_types_owner(api, container, demo_key):
    host, key = demo_key
    stranger = make_host(container, "eve")
    _, stranger_key = container.accounts.create_api_key(stranger.user.id, name="eve")
    refused = reserve(api, host.event_type.id, key=stranger_key, reservationDuration=10)
    assert_error(refused, 403, "ForbiddenException")

    allowed = reserve(api, host.event_type.id, key=key, reservationDuration=10)
    assert allowed.status_code == 201
    data = allowed.json()["data"]
    assert data["reservationDuration"] == 10
    assert data["reservationUntil"] == "2026-03-02T08:10:00.000Z"


def test_a_bad_key_is_refused_even_without_reservation_duration(api, host):
    response = reserve(api, host.event_type.id, key="cal_live_" + "0" * 32)
    assert_error(response, 401, "UnauthorizedException")


def test_slot_duration_needs_an_event_type_with_several_lengths(api, container, host):
    refused = reserve(api, host.event_type.id, slotDuration=60)
    body = assert_error(
        refused,
        400,
        "BadRequestException",
        "You passed 'slotDuration' but this event type is not a variable length event type.",
    )
    assert body["error"]["details"]["field"] == "slotDuration"

    variable = make_host(container, "lena", length_options=(15, 30, 60))
    hour = reserve(api, variable.event_type.id, slotDuration=60)
    assert hour.status_code == 201
    assert hour.json()["data"]["slotEnd"] == "2026-03-03T16:00:00.000Z"
    assert hour.json()["data"]["slotDuration"] == 60
    odd = reserve(api, variable.event_type.id, "2026-03-03T18:00:00Z", slotDuration=45)
    assert_error(odd, 400, "BadRequestException")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slotStart": SLOT}, "eventTypeId"),
        ({"eventTypeId": "abc", "slotStart": SLOT}, "eventTypeId"),
        ({"eventTypeId": 1}, "slotStart"),
        ({"eventTypeId": 1, "slotStart": "tomorrow"}, "slotStart"),
        ({"eventTypeId": 1, "slotStart": SLOT, "slotDuration": 0}, "slotDuration"),
        ({"eventTypeId": 1, "slotStart": SLOT, "reservationDuration": -5}, "reservationDuration"),
        # Found by tests/api/test_fuzz.py: out of `datetime`'s range once converted to UTC, these
        # raised OverflowError inside the body's validation (a 500, on POST and PATCH).
        ({"eventTypeId": 1, "slotStart": "0001-01-01T00:00:00+00:01"}, "slotStart"),
        ({"eventTypeId": 1, "slotStart": "9999-12-31T23:59:00-01:00"}, "slotStart"),
    ],
)
def test_bad_bodies_are_400s_naming_the_field(api, host, body, field):
    response = api.post("/v2/slots/reservations", json=body, version=V)
    result = assert_error(response, 400, "BadRequestException")
    assert result["error"]["details"]["field"] == field
    moved = api.patch("/v2/slots/reservations/any-uid", json=body, version=V)
    assert assert_error(moved, 400, "BadRequestException")["error"]["details"]["field"] == field


def test_a_past_slot_cannot_be_reserved(api, host):
    body = assert_error(
        reserve(api, host.event_type.id, "2026-03-01T15:00:00Z"), 400, "BadRequestException"
    )
    assert body["error"]["details"]["field"] == "slotStart"


def test_an_unknown_event_type_or_reservation_is_not_found(api, host):
    assert_error(
        reserve(api, 999_999), 404, "NotFoundException", "Event Type with ID=999999 not found"
    )
    response = api.patch(
        "/v2/slots/reservations/nope",
        json={"eventTypeId": host.event_type.id, "slotStart": SLOT},
        version=V,
    )
    assert_error(response, 404, "NotFoundException", "Slot with uid=nope not found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v2/slots/reservations"),
        ("GET", "/v2/slots/reservations/abc"),
        ("PATCH", "/v2/slots/reservations/abc"),
        ("DELETE", "/v2/slots/reservations/abc"),
    ],
)
def test_reservations_need_the_2024_09_04_header(api, host, method, path):
    body = {"eventTypeId": host.event_type.id, "slotStart": SLOT}
    response = api.request(method, path, json=body if method in ("POST", "PATCH") else None)
    assert_error(response, 404, "NotFoundException", f"Cannot {method} {path}")


# -- legacy ------------------------------------------------------------------------------------


def test_legacy_reserve_returns_the_uid_and_selected_slot_releases_it(api, host):
    body = {
        "eventTypeId": host.event_type.id,
        "slotUtcStartDate": "2026-03-03T15:00:00.000Z",
        "slotUtcEndDate": "2026-03-03T15:30:00.000Z",
    }
    response = api.post("/v2/slots/reserve", json=body)
    assert response.status_code == 201
    result = response.json()
    assert result["status"] == "success"
    uid = result["data"]
    assert uuid.UUID(uid)
    assert response.cookies.get("uid") == uid
    assert "2026-03-03T15:00:00.000Z" not in slot_starts(api, host.event_type.id)

    released = api.delete(f"/v2/slots/selected-slot?uid={uid}")
    assert released.status_code == 200
    assert released.json() == {"status": "success"}
    assert "2026-03-03T15:00:00.000Z" in slot_starts(api, host.event_type.id)


def test_legacy_reserve_refuses_instants_outside_the_supported_years(api, host):
    body = {
        "eventTypeId": host.event_type.id,
        "slotUtcStartDate": "9999-12-31T23:59:00-01:00",
        "slotUtcEndDate": "2026-03-03T15:30:00.000Z",
    }
    response = api.post("/v2/slots/reserve", json=body)
    result = assert_error(response, 400, "BadRequestException")
    assert result["error"]["details"]["field"] == "slotUtcStartDate"


def test_legacy_reserve_is_not_served_to_the_2024_09_04_version(api, host):
    response = api.post("/v2/slots/reserve", json={}, version=V)
    assert_error(response, 404, "NotFoundException", "Cannot POST /v2/slots/reserve")
