"""Booking emails through a real SMTP server: recipients, parts, invites, zones, escaping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import vobject

from calendula.domain.bookings import Attendee
from calendula.domain.event_types import ConfirmationPolicy
from calendula.services.booking import NewBooking
from tests.mail.conftest import book, drain, html_of, invite_of, make_la_host, text_of

# Tuesday 3 March 2026, 18:00 UTC: 10:00 in Los Angeles (PST), 23:30 in Kolkata (IST).
TUESDAY = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
ATTENDEE = "priya@client.example"
HOST = "ada@host.example"


def _event(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_a_booking_sends_each_side_a_confirmation_with_an_invite(mail, ada, smtp):
    booking = book(mail, ada, TUESDAY)
    drain(mail)

    assert sorted(r for rcpt in smtp.envelopes for r in rcpt) == sorted([ATTENDEE, HOST])
    (to_attendee,) = smtp.to(ATTENDEE)
    (to_host,) = smtp.to(HOST)
    assert to_attendee["Subject"].startswith("Confirmed: ")
    assert to_host["Subject"].startswith("New booking: ")
    assert to_attendee["From"] == "Calendula <bookings@book.example>"
    assert HOST in to_attendee["Reply-To"] and ATTENDEE in to_host["Reply-To"]
    assert to_attendee["Message-ID"].endswith("@book.example>")
    assert to_attendee["Message-ID"] != to_host["Message-ID"]
    types = [p.get_content_type() for p in to_attendee.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]

    for message in (to_attendee, to_host):
        calendar = invite_of(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        event = _event(calendar)
        assert str(event["UID"]) == booking.ics_uid
        assert int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART") == TUESDAY
        assert event.decoded("DTEND") == TUESDAY + timedelta(minutes=30)
        assert str(event["ORGANIZER"]) == f"mailto:{HOST}"
        attendee = event["ATTENDEE"]
        assert str(attendee) == f"mailto:{ATTENDEE}"
        assert attendee.params["PARTSTAT"] == "ACCEPTED"
        assert attendee.params["CN"] == "Priya"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert "DTSTAMP" in event
        assert f"https://book.example/reschedule/{booking.uid}?token=" in str(event["DESCRIPTION"])


def test_each_recipient_sees_their_own_local_time_and_zone_name(mail, ada, smtp):
    book(mail, ada, TUESDAY)
    drain(mail)
    attendee_text = text_of(smtp.to(ATTENDEE)[0])
    host_text = text_of(smtp.to(HOST)[0])
    assert "Tuesday, March 3, 2026, 11:30 PM – 12:00 AM" not in attendee_text  # not one line
    assert "Tuesday, March 3, 2026, 11:30 PM – Wednesday, March 4, 2026 12:00 AM" in (attendee_text)
    assert "Asia/Kolkata (IST)" in attendee_text
    assert "Tuesday, March 3, 2026, 10:00 AM – 10:30 AM" in host_text
    assert "America/Los_Angeles (PST)" in host_text
    assert "Asia/Kolkata (IST)" in html_of(smtp.to(ATTENDEE)[0])


def test_a_booking_after_the_dst_change_shows_daylight_time(mail, ada, smtp):
    # Booked on 2 March (PST) for Monday 9 March, after the US switch to PDT on 8 March.
    book(mail, ada, datetime(2026, 3, 9, 17, 0, tzinfo=UTC))
    drain(mail)
    host_text = text_of(smtp.to(HOST)[0])
    assert "Monday, March 9, 2026, 10:00 AM – 10:30 AM" in host_text
    assert "America/Los_Angeles (PDT)" in host_text


def test_a_second_parser_reads_the_invite_too(mail, ada, smtp):
    booking = book(mail, ada, TUESDAY)
    drain(mail)
    inline = next(p for p in smtp.to(ATTENDEE)[0].walk() if p.get_content_type() == "text/calendar")
    parsed = vobject.readOne(inline.get_content())
    assert parsed.method.value == "REQUEST"
    assert parsed.vevent.uid.value == booking.ics_uid
    assert parsed.vevent.dtstart.value == TUESDAY
    assert parsed.vevent.organizer.value == f"mailto:{HOST}"
    assert parsed.vevent.attendee.value == f"mailto:{ATTENDEE}"


def test_a_reschedule_moves_the_same_entry_and_a_cancel_withdraws_it(mail, ada, smtp):
    first = book(mail, ada, TUESDAY)
    drain(mail)
    smtp.messages.clear()
    smtp.envelopes.clear()

    moved = mail.bookings.reschedule(first.uid, TUESDAY + timedelta(hours=2))
    drain(mail)
    (to_attendee,) = smtp.to(ATTENDEE)
    assert to_attendee["Subject"].startswith("Rescheduled: ")
    assert "Previously: Tuesday, March 3, 2026, 11:30 PM" in text_of(to_attendee)
    assert f"/reschedule/{moved.uid}?token=" in text_of(to_attendee)
    event = _event(invite_of(to_attendee))
    assert str(event["UID"]) == first.ics_uid == moved.ics_uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == TUESDAY + timedelta(hours=2)
    assert len(smtp.to(HOST)) == 1

    smtp.messages.clear()
    smtp.envelopes.clear()
    mail.bookings.cancel(moved.uid, reason="Feeling better")
    drain(mail)
    for address in (ATTENDEE, HOST):
        (message,) = smtp.to(address)
        assert message["Subject"].startswith("Cancelled: ")
        assert "Feeling better" in text_of(message)
        calendar = invite_of(message)
        assert str(calendar["METHOD"]) == "CANCEL"
        event = _event(calendar)
        assert str(event["UID"]) == first.ics_uid
        assert int(event["SEQUENCE"]) == 2
        assert str(event["STATUS"]) == "CANCELLED"


def test_a_request_asks_the_host_then_a_confirmation_sends_the_invites(mail, smtp):
    host = make_la_host(mail, "bea", slug="vetted", confirmation=ConfirmationPolicy())
    booking = book(mail, host, TUESDAY)
    drain(mail)
    (to_attendee,) = smtp.to(ATTENDEE)
    (to_host,) = smtp.to("bea@host.example")
    assert to_attendee["Subject"].startswith("Request sent: ")
    assert to_host["Subject"].startswith(
        "Action needed: confirm Consultation between Bea and Priya"
    )
    assert f"https://book.example/booking/{booking.uid}" in text_of(to_host)
    assert not [
        p for m in smtp.messages for p in m.walk() if p.get_content_type() == "text/calendar"
    ]

    smtp.messages.clear()
    smtp.envelopes.clear()
    assert host.user.id is not None
    mail.bookings.confirm(booking.uid, actor_id=host.user.id)
    drain(mail)
    (confirmed,) = smtp.to(ATTENDEE)
    assert confirmed["Subject"].startswith("Confirmed: ")
    assert int(_event(invite_of(confirmed))["SEQUENCE"]) == 0


def test_a_declined_request_tells_the_attendee_why(mail, smtp):
    host = make_la_host(mail, "cy", slug="vetted", confirmation=ConfirmationPolicy())
    booking = book(mail, host, TUESDAY)
    drain(mail)
    smtp.messages.clear()
    smtp.envelopes.clear()
    assert host.user.id is not None
    mail.bookings.decline(booking.uid, actor_id=host.user.id, reason="Fully booked that week")
    drain(mail)
    assert [r for rcpt in smtp.envelopes for r in rcpt] == [ATTENDEE]
    (message,) = smtp.messages
    assert message["Subject"].startswith("Declined: ")
    assert "Fully booked that week" in text_of(message)


def test_guests_get_the_email_and_an_invite_asking_for_their_answer(mail, ada, smtp):
    book(mail, ada, TUESDAY, guests=("guest@friend.example",))
    drain(mail)
    (to_guest,) = smtp.to("guest@friend.example")
    assert to_guest["Subject"].startswith("Confirmed: ")
    attendees = {str(a): a for a in _event(invite_of(to_guest)).get("ATTENDEE")}
    guest = attendees["mailto:guest@friend.example"]
    assert guest.params["PARTSTAT"] == "NEEDS-ACTION" and guest.params["RSVP"] == "TRUE"


def test_hostile_names_and_answers_are_escaped_in_the_html_part(mail, ada, smtp):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    book(mail, ada, TUESDAY, name=hostile, responses={"notes": "<b>bold</b> & <a href=x>"})
    drain(mail)
    for message in smtp.messages:
        html = html_of(message)
        assert "<script>" not in html and "<img" not in html and "<b>bold" not in html
        assert "&lt;script&gt;" in html
        assert "src=" not in html.replace("src=x", "")  # no external image either way
    host_html = html_of(smtp.to(HOST)[0])
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=x&gt;" in host_html
    assert hostile in text_of(smtp.to(HOST)[0])  # the text part is not HTML


def test_the_attendee_language_picks_the_catalogue(mail, ada, smtp):
    book(mail, ada, TUESDAY, language="de")
    drain(mail)
    (to_attendee,) = smtp.to(ATTENDEE)
    assert to_attendee["Subject"].startswith(
        "Bestätigt: Consultation between Ada and Priya am Dienstag, 3. März 2026 23:30"
    )
    assert "Zeitzone: Asia/Kolkata (IST)" in text_of(to_attendee)
    assert smtp.to(HOST)[0]["Subject"].startswith("New booking: ")


def test_the_host_brand_colour_frames_the_email(mail, ada, smtp):
    book(mail, ada, TUESDAY)
    drain(mail)
    assert f"border-top:6px solid {ada.user.brand_color}" in html_of(smtp.messages[0])


def test_a_dynamic_group_booking_tells_every_host(mail, ada, smtp):
    make_la_host(mail, "eve")
    attendee = Attendee(name="Priya", email=ATTENDEE, time_zone="Asia/Kolkata")
    booking = mail.bookings.create(
        NewBooking(start=TUESDAY, attendee=attendee, usernames=("ada", "eve"))
    )
    drain(mail)

    recipients = sorted(r for rcpt in smtp.envelopes for r in rcpt)
    assert recipients == sorted([ATTENDEE, HOST, "eve@host.example"])
    for host in (HOST, "eve@host.example"):
        (to_host,) = smtp.to(host)
        assert to_host["Subject"].startswith("New booking: ")
        assert str(_event(invite_of(to_host))["UID"]) == booking.ics_uid
    (to_attendee,) = smtp.to(ATTENDEE)
    assert str(_event(invite_of(to_attendee))["ORGANIZER"]) == f"mailto:{HOST}"
