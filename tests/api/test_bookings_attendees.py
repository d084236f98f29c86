"""One attendee of a booking (`GET`/`DELETE /v2/bookings/{uid}/attendees/{attendeeId}`) and a
booking by seat (`GET /v2/bookings/by-seat/{seatUid}`), checked against Cal.com's schemas."""

from __future__ import annotations

from sqlalchemy import select

from calendula.domain.event_types import Seats
from calendula.storage.tables import OutboxEventRow
from factories import make_host
from tests.api.test_bookings import ATTENDEE, V, booked, error_of

ONE = "/v2/bookings/{bookingUid}/attendees/{attendeeId}"


def add_attendee(api, key: str, uid: str, email: str) -> dict:
    body = {"name": "Lin", "email": email, "timeZone": "Asia/Tokyo"}
    added = api.post(f"/v2/bookings/{uid}/attendees", version=V, key=key, json=body)
    assert added.status_code == 201, added.text
    return dict(added.json()["data"])


def topics(container) -> list[str]:
    with container.uow_factory() as uow:
        return list(uow.session.scalars(select(OutboxEventRow.topic).order_by(OutboxEventRow.id)))


def test_the_host_reads_and_removes_one_attendee(api, demo_key, container, calcom):
    host, key = demo_key
    uid = booked(api, host.event_type.id)["uid"]
    lin = add_attendee(api, key, uid, "lin@example.com")

    got = api.get(f"/v2/bookings/{uid}/attendees/{lin['id']}", version=V, key=key)
    assert calcom.check(got, "GET", ONE)["data"]["email"] == "lin@example.com"

    removed = api.delete(f"/v2/bookings/{uid}/attendees/{lin['id']}", version=V, key=key)
    assert calcom.check(removed, "DELETE", ONE)["data"]["email"] == "lin@example.com"
    left = api.get(f"/v2/bookings/{uid}/attendees", version=V, key=key).json()["data"]
    assert [a["email"] for a in left] == [ATTENDEE["email"]]
    assert topics(container)[-1] == "BOOKING_UPDATED"  # emails and calendars hear of it
    again = api.get(f"/v2/bookings/{uid}/attendees/{lin['id']}", version=V, key=key)
    assert again.status_code == 404 and str(lin["id"]) in error_of(again)["message"]


def test_the_first_attendee_cannot_be_removed(api, demo_key):
    host, key = demo_key
    uid = booked(api, host.event_type.id)["uid"]
    first = api.get(f"/v2/bookings/{uid}/attendees", version=V, key=key).json()["data"][0]
    refused = api.delete(f"/v2/bookings/{uid}/attendees/{first['id']}", version=V, key=key)
    assert refused.status_code == 400
    assert error_of(refused)["details"]["field"] == "attendeeId"


def test_bad_attendee_ids_are_clear_errors(api, demo_key):
    host, key = demo_key
    uid = booked(api, host.event_type.id)["uid"]
    assert api.get(f"/v2/bookings/{uid}/attendees/999", version=V, key=key).status_code == 404
    assert api.get(f"/v2/bookings/{uid}/attendees/0", version=V, key=key).status_code == 400
    assert api.get(f"/v2/bookings/{uid}/attendees/abc", version=V, key=key).status_code == 400
    assert api.get(f"/v2/bookings/{uid}/attendees/1", version=V).status_code == 401


def test_a_booking_is_found_by_seat_and_a_removed_seat_is_free_again(api, container, calcom):
    host = make_host(container, "si", seats=Seats(per_slot=2))
    _, key = container.accounts.create_api_key(host.user.id, name="si")
    first = booked(api, host.event_type.id)
    second = booked(api, host.event_type.id, attendee={**ATTENDEE, "email": "p2@example.com"})
    assert first["uid"] == second["uid"]

    found = api.get(f"/v2/bookings/by-seat/{second['seatUid']}", version=V)
    data = calcom.check(found, "GET", "/v2/bookings/by-seat/{seatUid}")["data"]
    assert data["uid"] == first["uid"]
    assert api.get("/v2/bookings/by-seat/nope", version=V).status_code == 404

    full = api.post(
        "/v2/bookings",
        version=V,
        json={
            "start": first["start"],
            "eventTypeId": host.event_type.id,
            "attendee": {**ATTENDEE, "email": "p3@example.com"},
        },
    )
    assert full.status_code == 409  # both seats taken
    seats = api.get(f"/v2/bookings/{first['uid']}/attendees", version=V, key=key).json()["data"]
    (p2,) = [a for a in seats if a["email"] == "p2@example.com"]
    assert api.delete(
        f"/v2/bookings/{first['uid']}/attendees/{p2['id']}", version=V, key=key
    ).is_success
    third = booked(api, host.event_type.id, attendee={**ATTENDEE, "email": "p3@example.com"})
    assert third["uid"] == first["uid"]
    assert api.get(f"/v2/bookings/by-seat/{second['seatUid']}", version=V).status_code == 404


def test_a_retried_seat_join_returns_the_seat_and_takes_no_second_one(api, container):
    host = make_host(container, "sk", seats=Seats(per_slot=2))
    booked(api, host.event_type.id)  # the first booker opens the seated booking
    guest = {**ATTENDEE, "email": "p2@example.com"}
    headers = {"Idempotency-Key": "seat-call-7"}
    joined = booked(api, host.event_type.id, attendee=guest, headers=headers)
    retried = booked(api, host.event_type.id, attendee=guest, headers=headers)
    assert retried["uid"] == joined["uid"]
    with container.uow_factory() as uow:
        booking = uow.bookings.get_by_uid(joined["uid"])
    assert booking is not None and len(booking.attendees) == 2  # no third seat, no error
    assert topics(container).count("BOOKING_CREATED") == 2  # the retry recorded nothing
    plain = api.post(
        "/v2/bookings",
        version=V,
        json={"start": joined["start"], "eventTypeId": host.event_type.id, "attendee": guest},
    )
    assert plain.status_code == 409  # without the key, a second seat for one person is refused
