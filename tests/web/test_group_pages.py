"""Dynamic group bookings through the pages (`/{user1}+{user2}` and its booker
`/{user1}+{user2}/dynamic`), and Cal.com's reschedule form of the booker
(`/{username}/{eventSlug}?rescheduleUid=`), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from calendula.domain.booking_links import manage_token
from calendula.domain.bookings import Attendee
from calendula.domain.errors import SlotUnavailable
from calendula.services.booking import NewBooking
from calendula.services.ports import BookingFilter
from calendula.storage.tables import OutboxEventRow
from factories import make_host
from tests.web.conftest import first_time_link, hidden_fields, manage_link

TUESDAY_10_NY = "2026-03-03T15:00:00Z"
GROUP = "/ada+eve/dynamic"


def _events(container: Any, uid: str) -> list[Any]:
    row = OutboxEventRow
    query = select(row.topic, row.data).where(row.booking_uid == uid).order_by(row.id)
    with container.uow_factory() as uow:
        return list(uow.session.execute(query).all())


def _form(pages: Any, path: str, slot: str) -> dict[str, str]:
    page = pages.get(f"{path}?slot={slot}&date={slot[:10]}&timeZone=America/New_York")
    assert page.status_code == 200, page.text
    return hidden_fields(page.text)


def _uid(response: Any) -> str:
    return str(response.headers["location"]).split("/booking/")[1].split("?")[0]


def test_books_a_dynamic_group_from_its_page_and_claims_every_members_time(pages, container, host):
    eve = make_host(container, "eve")
    group_page = pages.get("/ada+eve?timeZone=America/New_York&date=2026-03-03")
    link = first_time_link(group_page.text)
    assert link.startswith(f"{GROUP}?slot=") and "duration=30" in link
    form_page = pages.get(link)
    assert form_page.status_code == 200 and 'id="book"' in form_page.text
    assert "Ada + Eve" in form_page.text
    form = {**_form(pages, GROUP, TUESDAY_10_NY), "name": "Grace", "email": "grace@example.com"}
    done = pages.post(GROUP, data=form)
    assert done.status_code == 303, done.text
    uid = _uid(done)
    booking = container.bookings.get(uid)
    assert booking.host_ids == (host.user.id, eve.user.id)
    assert booking.event_type_id is None and booking.duration_minutes == 30
    assert booking.title == "30 min meeting between Ada, Eve and Grace"
    events = _events(container, uid)
    assert [topic for topic, _ in events] == ["BOOKING_CREATED"]
    assert events[0].data["payload"]["organizer"]["email"] == "ada@example.com"
    confirmation = pages.get(done.headers["location"]).text
    assert confirmation.count('<span class="badge">Host</span>') == 2
    assert "/reschedule/" not in confirmation and "cancel=true" in confirmation
    for member in ("ada", "eve"):  # the time is claimed for each member
        form = _form(pages, f"/{member}/meet", TUESDAY_10_NY)
        assert form["slot"] == ""  # no longer offered
        answers = {"slot": TUESDAY_10_NY, "name": "X", "email": "x@example.com"}
        late = pages.post(f"/{member}/meet", data={**form, **answers})
        assert late.status_code == 409, member
        assert "Someone just booked that time." in late.text


def test_a_member_busy_at_that_time_makes_the_group_time_unbookable(pages, container, host):
    make_host(container, "eve")
    group_form = _form(pages, GROUP, TUESDAY_10_NY)
    eve_form = {**_form(pages, "/eve/meet", TUESDAY_10_NY), "name": "E", "email": "e@e.io"}
    assert pages.post("/eve/meet", data=eve_form).status_code == 303
    late = pages.post(GROUP, data={**group_form, "name": "G", "email": "g@example.com"})
    assert late.status_code == 409
    assert "Someone just booked that time." in late.text
    assert 'name="pick" value="2026-03-03T15:30:00Z"' in late.text
    request = NewBooking(
        start=datetime(2026, 3, 3, 15, 0, tzinfo=UTC),
        attendee=Attendee(name="G", email="g@example.com", time_zone="UTC"),
        usernames=("ada", "eve"),
    )
    with pytest.raises(SlotUnavailable):
        container.bookings.create(request)
    assert not container.bookings.search(host.user.id, BookingFilter()).views


def test_group_booker_books_a_chosen_length_and_rejects_unknown_members(pages, container, host):
    eve = make_host(container, "eve")
    page = pages.get(f"{GROUP}?duration=60&timeZone=America/New_York&date=2026-03-03")
    assert page.status_code == 200 and 'aria-current="true">60 min' in page.text
    form = hidden_fields(pages.get(first_time_link(page.text)).text)
    done = pages.post(GROUP, data={**form, "name": "Lin", "email": "lin@example.com"})
    assert done.status_code == 303, done.text
    booking = container.bookings.get(_uid(done))
    assert booking.duration_minutes == 60 and set(booking.host_ids) == {host.user.id, eve.user.id}
    assert pages.get("/ada+nobody/dynamic").status_code == 404


def test_cancelling_a_group_booking_frees_every_member_with_one_event(pages, container, host):
    make_host(container, "eve")
    form = {**_form(pages, GROUP, TUESDAY_10_NY), "name": "Grace", "email": "grace@example.com"}
    done = pages.post(GROUP, data=form)
    uid = _uid(done)
    cancel_page = pages.get(manage_link(pages.get(done.headers["location"]).text, "Cancel"))
    cancelled = pages.post(f"/booking/{uid}", data=hidden_fields(cancel_page.text))
    assert cancelled.status_code == 303
    assert container.bookings.get(uid).status == "cancelled"
    topics = [topic for topic, _ in _events(container, uid)]
    assert topics == ["BOOKING_CREATED", "BOOKING_CANCELLED"]
    for member in ("ada", "eve"):
        assert _form(pages, f"/{member}/meet", TUESDAY_10_NY)["slot"] == TUESDAY_10_NY


def test_reschedule_uid_with_the_token_opens_the_reschedule_booker(pages, container, host):
    form = {**_form(pages, "/ada/meet", TUESDAY_10_NY), "name": "R", "email": "r@example.com"}
    uid = _uid(pages.post("/ada/meet", data=form))
    token = manage_token(container.settings.secret_key, uid)
    answer = pages.get(f"/ada/meet?rescheduleUid={uid}&token={token}&date=2026-03-04")
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == f"/reschedule/{uid}"
    assert parse_qs(target.query) == {"token": [token], "date": ["2026-03-04"]}
    page = pages.get(answer.headers["location"])
    assert page.status_code == 200 and "Pick a new time" in page.text


def test_reschedule_uid_without_the_token_explains_and_changes_nothing(pages, container, host):
    form = {**_form(pages, "/ada/meet", TUESDAY_10_NY), "name": "R", "email": "r@example.com"}
    uid = _uid(pages.post("/ada/meet", data=form))
    answer = pages.get(f"/ada/meet?rescheduleUid={uid}")
    assert answer.status_code == 303
    page = pages.get(answer.headers["location"])
    assert page.status_code == 403 and "This link cannot change the booking" in page.text
    embedded = pages.get(f"/ada/meet/embed?rescheduleUid={uid}&embed=ns")
    assert "embed=ns" in embedded.headers["location"]
    assert (
        pages.get(pages.get("/ada/meet?rescheduleUid=nope").headers["location"]).status_code == 404
    )
    assert container.bookings.get(uid).rescheduled_to_uid is None
