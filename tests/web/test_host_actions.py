"""The host's confirm and decline pages (`/booking/{uid}/confirm|decline?token=`) through the
ASGI app, on SQLite and PostgreSQL: the host token is the only key (an attendee's is refused,
and the host's opens nothing of the attendee's), forged posts are refused, a settled booking
is explained, everything typed by the attendee is escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from calendula import bootstrap
from calendula.domain.booking_links import host_token, manage_token
from calendula.domain.bookings import Attendee
from calendula.domain.event_types import ConfirmationPolicy, EventType
from calendula.domain.recurrence import Frequency, Recurrence
from calendula.services.booking import NewBooking
from factories import make_host
from tests.web.conftest import hidden_fields

HOSTILE = "<script>alert(1)</script>"
TUESDAY_10_NY = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
_PER_RESPONSE = re.compile(r'nonce-[\w-]+|nonce="[^"]*"')


@pytest.fixture
def uid(container: bootstrap.Container) -> str:
    """A pending request on vera's event type that needs confirmation."""
    host = make_host(container, "vera", slug="vetted", confirmation=ConfirmationPolicy())
    attendee = Attendee(name=HOSTILE, email="ann@example.com", time_zone="Europe/Rome")
    booking = container.bookings.create(
        NewBooking(
            start=TUESDAY_10_NY,
            attendee=attendee,
            event_type_id=host.event_type.id,
            responses={"notes": f"Notes {HOSTILE}"},
        )
    )
    assert booking.status == "pending"
    return booking.uid


def _token(container: bootstrap.Container, uid: str) -> str:
    return host_token(container.settings.secret_key, uid)


def _form(pages, path: str) -> dict[str, str]:
    page = pages.get(path)
    assert page.status_code == 200, page.text
    return hidden_fields(page.text)


def test_the_page_shows_the_request_escaped_with_the_page_headers(pages, container, uid):
    page = pages.get(f"/booking/{uid}/confirm?token={_token(container, uid)}")
    assert page.status_code == 200
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Notes &lt;script&gt;" in page.text and "ann@example.com" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert page.headers["cache-control"] == "no-store"
    assert not re.findall(r"(?:https?:)?//[\w.-]+", page.text)  # nothing from other hosts
    assert f'href="/booking/{uid}/decline?token={_token(container, uid)}"' in page.text


@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_a_wrong_or_missing_token_is_the_same_404_as_no_booking(pages, container, uid, action):
    attendee_token = manage_token(container.settings.secret_key, uid)
    unknown = pages.get(f"/booking/no-such-uid/{action}?token={_token(container, 'no-such-uid')}")
    assert unknown.status_code == 404
    for query in ("", "?token=", "?token=" + "x" * 22, f"?token={attendee_token}"):
        answer = pages.get(f"/booking/{uid}/{action}{query}")
        assert answer.status_code == 404, query
        assert _PER_RESPONSE.sub("", answer.text) == _PER_RESPONSE.sub("", unknown.text)
    assert container.bookings.get(uid).status == "pending"


@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_a_post_with_an_attendee_token_is_refused(pages, container, uid, action):
    form = _form(pages, f"/booking/{uid}/{action}?token={_token(container, uid)}")
    attendee_token = manage_token(container.settings.secret_key, uid)
    refused = pages.post(f"/booking/{uid}/{action}", data={**form, "token": attendee_token})
    assert refused.status_code == 404
    assert container.bookings.get(uid).status == "pending"


def test_the_host_token_does_not_cancel_or_reschedule(pages, container, uid):
    token = _token(container, uid)
    page = pages.get(f"/booking/{uid}?cancel=true&token={token}")
    assert "This link cannot cancel the booking" in page.text
    assert pages.get(f"/reschedule/{uid}?token={token}").status_code == 403


@pytest.mark.parametrize("action", ["confirm", "decline"])
def test_forged_posts_are_refused(pages, container, uid, action):
    path = f"/booking/{uid}/{action}"
    form = _form(pages, f"{path}?token={_token(container, uid)}")
    assert pages.post(path, data={"token": form["token"]}).status_code == 403
    assert pages.post(path, data={**form, "csrf": "1.abc"}).status_code == 403
    elsewhere = _form(pages, f"/booking/{uid}/{'decline' if action == 'confirm' else 'confirm'}"
                      f"?token={form['token']}")  # fmt: skip
    assert pages.post(path, data={**form, "csrf": elsewhere["csrf"]}).status_code == 403
    cross = pages.post(path, data=form, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    cross_site = pages.post(path, data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    assert container.bookings.get(uid).status == "pending"
    assert pages.post(path, data=form).status_code == 303


def test_confirm_twice_or_decline_after_confirm_explains_instead_of_failing(pages, container, uid):
    token = _token(container, uid)
    confirm_form = _form(pages, f"/booking/{uid}/confirm?token={token}")
    decline_form = _form(pages, f"/booking/{uid}/decline?token={token}")
    done = pages.post(f"/booking/{uid}/confirm", data=confirm_form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/booking/{uid}/confirm?token={token}&done=confirm"
    again = pages.post(f"/booking/{uid}/confirm", data=confirm_form)
    assert again.status_code == 409 and "This booking is already confirmed" in again.text
    late = pages.post(f"/booking/{uid}/decline", data={**decline_form, "reason": "No"})
    assert late.status_code == 409 and "This booking is already confirmed" in late.text
    assert container.bookings.get(uid).status == "accepted"


def test_a_cancelled_request_is_explained(pages, container, uid):
    container.bookings.cancel(uid, reason=f"Changed my mind {HOSTILE}", by="ann@example.com")
    page = pages.get(f"/booking/{uid}/decline?token={_token(container, uid)}")
    assert page.status_code == 200
    assert "This booking was cancelled" in page.text and 'name="csrf"' not in page.text
    assert "Changed my mind &lt;script&gt;" in page.text


def test_confirming_an_occurrence_on_the_page_confirms_the_pending_series(pages, container):
    host = make_host(container, "rita")
    assert host.user.id is not None
    weekly = EventType(
        id=None, owner_id=host.user.id, slug="weekly", title="Weekly", length_minutes=30,
        recurrence=Recurrence(Frequency.WEEKLY, 1, 4), confirmation=ConfirmationPolicy(),
    )  # fmt: skip
    weekly = container.event_types.create(host.user.id, weekly)
    attendee = Attendee(name="Ann", email="ann@example.com", time_zone="America/New_York")
    views = container.bookings.book_series(
        NewBooking(start=TUESDAY_10_NY, attendee=attendee, event_type_id=weekly.id)
    )
    uid = views[1].booking.uid
    path = f"/booking/{uid}/confirm?token={_token(container, uid)}"
    done = pages.post(path, data=_form(pages, path))
    assert done.status_code == 303, done.text
    assert [container.bookings.get(v.booking.uid).status for v in views] == ["accepted"] * 4
