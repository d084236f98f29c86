"""The host's "Action needed" email links to confirm and decline the request, and those links
work through the pages (the ASGI app over the same container): received through a real SMTP
server, followed, posted back. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from calendula import bootstrap
from calendula.api.app import create_app
from calendula.domain.booking_links import host_token, manage_token
from calendula.domain.event_types import ConfirmationPolicy
from calendula.integrations.mail.render import render_email
from calendula.storage.tables import OutboxEventRow
from factories import Host
from tests.api.conftest import ApiClient
from tests.mail.conftest import SmtpServer, book, drain, html_of, make_la_host, text_of
from tests.mail.test_invites import PAYLOAD
from tests.web.conftest import hidden_fields

TUESDAY = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
ATTENDEE = "priya@client.example"
HOST = "bea@host.example"
BASE = "https://book.example"


@pytest.fixture
def pages(mail: bootstrap.Container) -> Iterator[ApiClient]:
    client = ApiClient(create_app(mail))
    yield client
    client.close()


@pytest.fixture
def bea(mail: bootstrap.Container) -> Host:
    return make_la_host(mail, "bea", slug="vetted", confirmation=ConfirmationPolicy())


def _topics(container: bootstrap.Container, uid: str) -> list[str]:
    row = OutboxEventRow
    query = select(row.topic).where(row.booking_uid == uid).order_by(row.id)
    with container.uow_factory() as uow:
        return list(uow.session.execute(query).scalars())


def _link(text: str, label: str) -> str:
    match = re.search(rf"^{label}: (\S+)$", text, re.MULTILINE)
    assert match, f"no {label} link in:\n{text}"
    return match.group(1)


def _host_email_links(smtp: SmtpServer) -> tuple[str, str]:
    (to_host,) = smtp.to(HOST)
    text, html = text_of(to_host), html_of(to_host)
    confirm, decline = _link(text, "Confirm"), _link(text, "Decline")
    assert f'href="{confirm}"' in html and f'href="{decline}"' in html
    assert "Confirm or decline it with the links below" in text
    return confirm, decline


def _requested(mail: bootstrap.Container, host: Host, **fields: Any) -> str:
    """A request booked and its emails sent; its uid."""
    booking = book(mail, host, TUESDAY, **fields)
    drain(mail)
    return booking.uid


def test_the_host_email_carries_signed_confirm_and_decline_links(mail, bea, smtp):
    uid = _requested(mail, bea)
    confirm, decline = _host_email_links(smtp)
    token = host_token(mail.settings.secret_key, uid)
    assert confirm == f"{BASE}/booking/{uid}/confirm?token={token}"
    assert decline == f"{BASE}/booking/{uid}/decline?token={token}"
    (to_attendee,) = smtp.to(ATTENDEE)
    for part in (text_of(to_attendee), html_of(to_attendee)):
        assert "/confirm?" not in part and "/decline?" not in part and token not in part
    assert manage_token(mail.settings.secret_key, uid) not in text_of(smtp.to(HOST)[0])


def test_the_emailed_confirm_link_confirms_through_the_page(mail, bea, smtp, pages):
    uid = _requested(mail, bea, responses={"notes": "Bring <b>the plans</b>"})
    confirm, _ = _host_email_links(smtp)
    path = confirm.removeprefix(BASE)
    page = pages.get(path)
    assert page.status_code == 200, page.text
    assert "Confirm this booking request" in page.text and "Priya" in page.text
    assert "Bring &lt;b&gt;the plans&lt;/b&gt;" in page.text
    assert "America/Los_Angeles" in page.text  # the host's own zone
    form = hidden_fields(page.text)

    done = pages.post(urlsplit(path).path, data=form)
    assert done.status_code == 303, done.text
    assert mail.bookings.get(uid).status == "accepted"
    assert _topics(mail, uid) == ["BOOKING_REQUESTED", "BOOKING_CREATED"]
    shown = pages.get(done.headers["location"])
    assert "You confirmed this booking" in shown.text

    smtp.messages.clear()
    smtp.envelopes.clear()
    drain(mail)
    (confirmed,) = smtp.to(ATTENDEE)
    assert confirmed["Subject"].startswith("Confirmed: ")

    again = pages.post(urlsplit(path).path, data=form)  # the button pressed twice
    assert again.status_code == 409
    assert "This booking is already confirmed" in again.text
    assert _topics(mail, uid) == ["BOOKING_REQUESTED", "BOOKING_CREATED"]
    later = pages.get(path)
    assert later.status_code == 200 and "This booking is already confirmed" in later.text
    assert 'name="csrf"' not in later.text


def test_the_emailed_decline_link_declines_with_a_reason(mail, bea, smtp, pages):
    uid = _requested(mail, bea)
    _, decline = _host_email_links(smtp)
    path = decline.removeprefix(BASE)
    page = pages.get(path)
    assert page.status_code == 200 and "Decline this booking request" in page.text
    form = {**hidden_fields(page.text), "reason": "Fully booked <that> week"}
    done = pages.post(urlsplit(path).path, data=form)
    assert done.status_code == 303, done.text
    booking = mail.bookings.get(uid)
    assert booking.status == "rejected"
    assert booking.rejection_reason == "Fully booked <that> week"
    assert _topics(mail, uid) == ["BOOKING_REQUESTED", "BOOKING_REJECTED"]
    shown = pages.get(done.headers["location"])
    assert "You declined this request" in shown.text
    assert "Fully booked &lt;that&gt; week" in shown.text

    smtp.messages.clear()
    smtp.envelopes.clear()
    drain(mail)
    (declined,) = smtp.to(ATTENDEE)
    assert declined["Subject"].startswith("Declined: ")
    assert "Fully booked <that> week" in text_of(declined)

    confirm_after = pages.get(f"/booking/{uid}/confirm?token={urlsplit(path).query[6:]}")
    assert confirm_after.status_code == 200
    assert "This request was already declined" in confirm_after.text


def test_the_attendees_links_do_not_confirm(mail, bea, smtp, pages):
    uid = _requested(mail, bea)
    (to_attendee,) = smtp.to(ATTENDEE)
    cancel = _link(text_of(to_attendee), "Cancel")
    attendee_token = cancel.split("token=")[1]
    assert attendee_token == manage_token(mail.settings.secret_key, uid)
    refused = pages.get(f"/booking/{uid}/confirm?token={attendee_token}")
    assert refused.status_code == 404
    assert mail.bookings.get(uid).status == "pending"


def test_a_german_host_gets_the_links_in_german_and_an_old_job_keeps_its_review_link():
    links = {
        "view": "https://book.example/booking/bk_1",
        "confirm": "https://book.example/booking/bk_1/confirm?token=h",
        "decline": "https://book.example/booking/bk_1/decline?token=h",
    }
    to = {"name": "Ada", "email": "ada@host.example", "timeZone": "Europe/Berlin",
          "language": "de", "role": "host"}  # fmt: skip
    spec = {"notice": "booking_request_received", "to": to, "booking": PAYLOAD,
            "invite": None, "links": links, "stamp": "2026-03-02T08:00:00+00:00"}  # fmt: skip
    german = render_email(spec)
    assert german.subject.startswith("Bitte bestätigen: ")
    assert f"Bestätigen: {links['confirm']}" in german.text
    assert f"Ablehnen: {links['decline']}" in german.text
    assert "die anfragende Person wird in beiden Fällen benachrichtigt" in german.text
    old = render_email({**spec, "links": {"view": links["view"]}})
    assert f"Anfrage ansehen: {links['view']}" in old.text
    assert "/confirm?" not in old.text and "Links unten" not in old.text
