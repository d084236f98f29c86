"""Rescheduling a dynamic group booking (made with `usernames`: every member a host): the new
time is re-checked and claimed for every member, the old claims of all are released, or
nothing changes. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calendula.domain.bookings import Attendee, BookingStatus
from calendula.services.booking import NewBooking
from calendula.services.ports import BookingFilter
from factories import make_host
from tests.api.test_bookings import TUESDAY_10, V, book, iso
from tests.api.test_bookings_recurring import outbox

NOON = TUESDAY_10 + timedelta(hours=2)  # 12:00 in New York
ONE_PM = TUESDAY_10 + timedelta(hours=3)


@pytest.fixture
def group(container, host):
    """(ada, eve, the uid of their group booking at Tuesday 10:00 New York)."""
    eve = make_host(container, "eve")
    attendee = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="UTC")
    booking = container.bookings.create(
        NewBooking(start=TUESDAY_10, attendee=attendee, usernames=("ada", "eve"))
    )
    assert booking.host_ids == (host.user.id, eve.user.id)
    return host, eve, booking.uid


def reschedule(api, uid: str, start):
    return api.post(f"/v2/bookings/{uid}/reschedule", version=V, json={"start": iso(start)})


def test_a_member_busy_at_the_new_time_is_a_409_and_nothing_changes(api, container, group):
    ada, eve, uid = group
    assert book(api, eve.event_type.id, NOON).status_code == 201  # eve, not the organizer
    before = len(outbox(container))
    response = reschedule(api, uid, NOON)
    assert response.status_code == 409, response.text
    old = container.bookings.get(uid)
    assert old.status is BookingStatus.ACCEPTED and old.rescheduled_to_uid is None
    assert len(outbox(container)) == before
    for member in (ada, eve):  # the old time is still claimed for both
        assert book(api, member.event_type.id, TUESDAY_10).status_code == 409
    ada_bookings = container.bookings.search(ada.user.id, BookingFilter()).views
    assert [v.booking.uid for v in ada_bookings] == [uid]


def test_both_members_free_moves_the_booking_for_both(api, container, group):
    ada, eve, uid = group
    response = reschedule(api, uid, ONE_PM)
    assert response.status_code == 201, response.text
    new = response.json()["data"]  # no event type: Cal.com's schema wants one, so no check
    assert new["rescheduledFromUid"] == uid and new["start"] == "2026-03-03T18:00:00.000Z"
    moved = container.bookings.get(new["uid"])
    assert moved.host_ids == (ada.user.id, eve.user.id)
    assert moved.status is BookingStatus.ACCEPTED and moved.duration_minutes == 30
    old = container.bookings.get(uid)
    assert old.status is BookingStatus.CANCELLED and old.rescheduled_to_uid == new["uid"]
    assert outbox(container)[-1].topic == "BOOKING_RESCHEDULED"
    for member in (ada, eve):  # the new time is claimed for both, the old one freed for both
        assert book(api, member.event_type.id, ONE_PM).status_code == 409
        assert book(api, member.event_type.id, TUESDAY_10).status_code == 201
