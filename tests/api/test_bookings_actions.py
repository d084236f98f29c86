"""Booking actions: cancel, reschedule, confirm, decline, mark absent, attendees, guests,
location, calendar links; host-only routes and tenant isolation."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest

from calendula.domain.event_types import ConfirmationPolicy, Seats
from factories import make_host
from tests.api.test_bookings import ATTENDEE, TUESDAY_10, V, booked, error_of, iso


@pytest.fixture
def keyed(api, demo_key):
    """(host, key, uid of one accepted booking of the host's event type)."""
    host, key = demo_key
    return host, key, booked(api, host.event_type.id)["uid"]


@pytest.fixture
def stranger_key(container):
    stranger = make_host(container, "eve")
    _, key = container.accounts.create_api_key(stranger.user.id, name="eve")
    return key


# -- cancel ------------------------------------------------------------------------------------


def test_an_attendee_cancels_without_a_key(api, keyed, calcom):
    _, _, uid = keyed
    response = api.post(f"/v2/bookings/{uid}/cancel", version=V, json={"cancellationReason": "ill"})
    assert response.status_code == 200
    data = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/cancel")["data"]
    assert data["status"] == "cancelled" and data["cancellationReason"] == "ill"
    assert data["cancelledByEmail"] == ""


def test_a_host_must_give_a_reason_to_cancel(api, keyed):
    _, key, uid = keyed
    response = api.post(f"/v2/bookings/{uid}/cancel", version=V, key=key, json={})
    assert response.status_code == 400
    assert error_of(response)["message"] == "Cancellation reason is required when you are the host"
    ok = api.post(
        f"/v2/bookings/{uid}/cancel", version=V, key=key, json={"cancellationReason": "away"}
    )
    assert ok.json()["data"]["cancelledByEmail"] == "ada@example.com"


def test_cancelling_twice_is_a_400_and_cancel_without_a_body_works(api, keyed):
    _, _, uid = keyed
    assert api.post(f"/v2/bookings/{uid}/cancel", version=V).status_code == 200
    assert api.post(f"/v2/bookings/{uid}/cancel", version=V).status_code == 400


def test_a_seat_is_cancelled_alone_and_the_last_seat_cancels_the_booking(api, container, calcom):
    host = make_host(container, "si", seats=Seats(per_slot=3))
    first = booked(api, host.event_type.id)
    second = booked(api, host.event_type.id, attendee={**ATTENDEE, "email": "p2@example.com"})
    uid = first["uid"]
    refused = api.post(f"/v2/bookings/{uid}/cancel", version=V, json={})
    assert error_of(refused)["details"]["field"] == "seatUid"
    wrong = api.post(f"/v2/bookings/{uid}/cancel", version=V, json={"seatUid": "nope"})
    assert wrong.status_code == 400
    one = api.post(f"/v2/bookings/{uid}/cancel", version=V, json={"seatUid": first["seatUid"]})
    data = calcom.check(one, "POST", "/v2/bookings/{bookingUid}/cancel")["data"]
    assert data["status"] == "accepted"
    with container.uow_factory() as uow:
        assert [a.email for a in uow.bookings.get_by_uid(uid).attendees] == ["p2@example.com"]
    last = api.post(f"/v2/bookings/{uid}/cancel", version=V, json={"seatUid": second["seatUid"]})
    assert last.json()["data"]["status"] == "cancelled"


# -- reschedule --------------------------------------------------------------------------------


def test_reschedule_links_both_ways(api, keyed, calcom):
    _, _, uid = keyed
    response = api.post(
        f"/v2/bookings/{uid}/reschedule",
        version=V,
        json={
            "start": iso(TUESDAY_10 + timedelta(hours=2)),
            "reschedulingReason": "clash",
            "rescheduledBy": "grace@example.com",
        },
    )
    assert response.status_code == 201
    new = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/reschedule")["data"]
    assert new["rescheduledFromUid"] == uid
    assert new["reschedulingReason"] == "clash"
    assert new["rescheduledByEmail"] == "grace@example.com"
    old = calcom.check(
        api.get(f"/v2/bookings/{uid}", version=V), "GET", "/v2/bookings/{bookingUid}"
    )["data"]
    assert old["status"] == "cancelled" and old["rescheduledToUid"] == new["uid"]
    again = api.post(
        f"/v2/bookings/{uid}/reschedule",
        version=V,
        json={"start": iso(TUESDAY_10 + timedelta(hours=3))},
    )
    assert again.status_code == 400
    assert new["uid"] in error_of(again)["message"]


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:00-01:00"])
def test_reschedule_outside_the_supported_years_is_a_400_not_a_500(api, keyed, start):
    """Found by tests/api/test_fuzz.py (an OverflowError on the way to UTC was a 500)."""
    _, _, uid = keyed
    response = api.post(f"/v2/bookings/{uid}/reschedule", version=V, json={"start": start})
    assert response.status_code == 400, response.text
    assert error_of(response)["details"]["field"] == "start"
    assert api.get(f"/v2/bookings/{uid}", version=V).json()["data"]["status"] == "accepted"


def test_reschedule_onto_a_taken_time_is_409_and_keeps_the_old_booking(api, keyed):
    host, _, uid = keyed
    other = booked(
        api,
        host.event_type.id,
        TUESDAY_10 + timedelta(hours=1),
        attendee={**ATTENDEE, "email": "o@example.com"},
    )
    response = api.post(f"/v2/bookings/{uid}/reschedule", version=V, json={"start": other["start"]})
    assert response.status_code == 409
    assert api.get(f"/v2/bookings/{uid}", version=V).json()["data"]["status"] == "accepted"


# -- confirm / decline ---------------------------------------------------------------------


@pytest.fixture
def pending(api, container):
    host = make_host(container, "pat", confirmation=ConfirmationPolicy())
    _, key = container.accounts.create_api_key(host.user.id, name="pat")
    data = booked(api, host.event_type.id)
    assert data["status"] == "pending"
    return key, data["uid"]


def test_the_host_confirms_a_pending_booking(api, pending, calcom):
    key, uid = pending
    response = api.post(f"/v2/bookings/{uid}/confirm", version=V, key=key)
    assert response.status_code == 200
    data = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/confirm")["data"]
    assert data["status"] == "accepted"


def test_the_host_declines_a_pending_booking(api, pending, calcom):
    key, uid = pending
    response = api.post(f"/v2/bookings/{uid}/decline", version=V, key=key, json={"reason": "busy"})
    assert response.status_code == 200
    data = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/decline")["data"]
    assert data["status"] == "rejected"


# -- mark absent -----------------------------------------------------------------------------


def test_no_shows_are_marked_after_the_start(api, keyed, clock, calcom):
    _, key, uid = keyed
    body = {"host": True, "attendees": [{"email": "grace@example.com", "absent": True}]}
    early = api.post(f"/v2/bookings/{uid}/mark-absent", version=V, key=key, json=body)
    assert early.status_code == 400
    clock.current = TUESDAY_10 + timedelta(minutes=10)
    response = api.post(f"/v2/bookings/{uid}/mark-absent", version=V, key=key, json=body)
    data = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/mark-absent")["data"]
    assert data["absentHost"] is True and data["attendees"][0]["absent"] is True


# -- attendees, guests, location -------------------------------------------------------------


def test_attendees_are_listed_and_added_by_the_host(api, keyed, calcom):
    _, key, uid = keyed
    listed = api.get(f"/v2/bookings/{uid}/attendees", version=V, key=key)
    rows = calcom.check(listed, "GET", "/v2/bookings/{bookingUid}/attendees")["data"]
    assert [r["email"] for r in rows] == ["grace@example.com"] and rows[0]["id"]
    added = api.post(
        f"/v2/bookings/{uid}/attendees",
        version=V,
        key=key,
        json={"name": "Lin", "email": "lin@example.com", "timeZone": "Asia/Tokyo"},
    )
    assert added.status_code == 201
    row = calcom.check(added, "POST", "/v2/bookings/{bookingUid}/attendees")["data"]
    assert row["email"] == "lin@example.com" and row["bookingId"]
    again = api.post(
        f"/v2/bookings/{uid}/attendees",
        version=V,
        key=key,
        json={"name": "Lin", "email": "LIN@example.com", "timeZone": "Asia/Tokyo"},
    )
    assert again.status_code == 400


def test_guests_are_added_up_to_ten_a_call_and_thirty_in_all(api, keyed, calcom):
    _, key, uid = keyed

    def add(emails):
        body = {"guests": [{"email": e} for e in emails]}
        return api.post(f"/v2/bookings/{uid}/guests", version=V, key=key, json=body)

    response = add(["g1@example.com"])
    assert response.status_code == 200
    data = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/guests")["data"]
    assert data["guests"] == ["g1@example.com"]
    assert data["attendees"][1]["timeZone"] == "Europe/London"
    assert add([f"x{i}@example.com" for i in range(11)]).status_code == 400
    for batch in range(2):
        assert add([f"b{batch}-{i}@example.com" for i in range(10)]).status_code == 200
    assert add([f"c{i}@example.com" for i in range(10)]).status_code == 400  # 31 in all
    assert add([f"c{i}@example.com" for i in range(9)]).status_code == 200  # 30
    refused = add(["last@example.com"])
    assert refused.status_code == 400
    assert error_of(refused)["details"]["field"] == "guests"
    assert add(["not-an-email"]).status_code == 400


def test_the_host_moves_the_meeting_to_another_location(api, keyed, calcom):
    _, key, uid = keyed
    response = api.patch(
        f"/v2/bookings/{uid}/location",
        version=V,
        key=key,
        json={"location": {"type": "link", "link": "https://meet.example.com/new"}},
    )
    assert response.status_code == 200
    data = calcom.check(response, "PATCH", "/v2/bookings/{bookingUid}/location")["data"]
    assert data["location"] == "https://meet.example.com/new"
    missing = api.patch(
        f"/v2/bookings/{uid}/location", version=V, key=key, json={"location": {"type": "phone"}}
    )
    assert missing.status_code == 400


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "attendees", None),
        ("POST", "attendees", {"name": "L", "email": "l@example.com", "timeZone": "UTC"}),
        ("POST", "guests", {"guests": [{"email": "g@example.com"}]}),
        ("PATCH", "location", {"location": {"type": "link", "link": "https://x.example"}}),
    ],
)
def test_newer_sub_routes_do_not_exist_without_the_version_header(api, keyed, method, suffix, body):
    _, key, uid = keyed
    response = api.request(method, f"/v2/bookings/{uid}/{suffix}", key=key, json=body)
    assert response.status_code == 404
    assert error_of(response)["message"] == f"Cannot {method} /v2/bookings/{uid}/{suffix}"


# -- calendar links --------------------------------------------------------------------------


def test_calendar_links_include_a_valid_ics_event(api, keyed, calcom):
    _, key, uid = keyed
    response = api.get(f"/v2/bookings/{uid}/calendar-links", version=V, key=key)
    links = calcom.check(response, "GET", "/v2/bookings/{bookingUid}/calendar-links")["data"]
    assert [link["label"] for link in links] == [
        "Google Calendar",
        "Microsoft Office",
        "Microsoft Outlook",
        "ICS",
    ]
    assert "dates=20260303T150000Z%2F20260303T153000Z" in links[0]["link"]
    assert links[1]["link"].startswith("https://outlook.office.com/calendar/0/deeplink/compose?")
    assert "startdt=2026-03-03T15%3A00%3A00.000Z" in links[2]["link"]
    ics = unquote(links[3]["link"].removeprefix("data:text/calendar,"))
    lines = ics.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2:] == ["END:VCALENDAR", ""]
    assert "DTSTART:20260303T150000Z" in lines and "DTEND:20260303T153000Z" in lines
    assert any(line.startswith("UID:") for line in lines)
    assert all(len(line.encode()) <= 75 for line in lines)


# -- auth and tenant isolation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "confirm", None),
        ("POST", "decline", {"reason": "no"}),
        ("POST", "mark-absent", {"host": True}),
        ("GET", "attendees", None),
        ("POST", "attendees", {"name": "L", "email": "l@example.com", "timeZone": "UTC"}),
        ("POST", "guests", {"guests": [{"email": "g@example.com"}]}),
        ("PATCH", "location", {"location": {"type": "link", "link": "https://x.example"}}),
        ("GET", "calendar-links", None),
        ("GET", "references", None),
    ],
)
def test_host_routes_are_401_without_a_key_and_404_for_another_user(
    api, keyed, stranger_key, method, suffix, body
):
    _, _, uid = keyed
    path = f"/v2/bookings/{uid}/{suffix}"
    anonymous = api.request(method, path, version=V, json=body)
    assert anonymous.status_code == 401
    assert error_of(anonymous)["code"] == "UnauthorizedException"
    foreign = api.request(method, path, version=V, key=stranger_key, json=body)
    assert foreign.status_code == 404
    assert error_of(foreign)["message"] == f"Booking with uid={uid} was not found in the database"


def test_the_list_shows_only_the_callers_own_bookings(api, keyed, stranger_key):
    _, key, uid = keyed
    assert [b["uid"] for b in api.get("/v2/bookings", version=V, key=key).json()["data"]] == [uid]
    theirs = api.get("/v2/bookings", version=V, key=stranger_key).json()
    assert theirs["data"] == [] and theirs["pagination"]["totalItems"] == 0
    assert api.get("/v2/bookings", version=V).status_code == 401


def test_unknown_uids_are_404_on_actions(api, keyed):
    _, key, _ = keyed
    for path in ("cancel", "confirm"):
        response = api.post(f"/v2/bookings/nope/{path}", version=V, key=key, json={})
        assert response.status_code == 404


def test_references_take_only_calcoms_types(api, demo_key):
    host, key = demo_key
    uid = booked(api, host.event_type.id)["uid"]
    path = f"/v2/bookings/{uid}/references"
    assert api.get(f"{path}?type=zoom_video", key=key, version=V).json()["data"] == []
    refused = api.get(f"{path}?type=bogus", key=key, version=V)
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["field"] == "type"
