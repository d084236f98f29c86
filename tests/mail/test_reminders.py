"""Reminders: sent at their time with an injected clock, moved on reschedule, withdrawn on
cancel, never sent twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from calendula.domain.errors import InvalidInput, NotFound
from calendula.domain.outbox import Job, JobStatus, Result
from calendula.domain.reminders import Channel, OffsetUnit, SendTo
from calendula.integrations.sms import SmsHandler, WebhookSmsProvider
from calendula.services.reminders import ReminderPatch
from tests.mail.conftest import book, drain, text_of

TUESDAY = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
ATTENDEE = "priya@client.example"
HOST = "ada@host.example"
SUBJECT = "Soon: {EVENT_NAME} at {EVENT_TIME} ({TIMEZONE})"
BODY = "Hi {ATTENDEE_NAME}, see you at {LOCATION}.\n\nCancel: {CANCEL_URL}"


def _remind(container, host, **fields):
    values = {"offset": 1, "unit": OffsetUnit.HOURS, "subject": SUBJECT, "body": BODY}
    values.update(fields)
    return container.reminders.create(host.user.id, host.event_type.id, ReminderPatch(**values))


def _reset(smtp):
    smtp.messages.clear()
    smtp.envelopes.clear()


def test_a_reminder_is_sent_once_at_its_time(mail, ada, smtp, clock):
    _remind(mail, ada, send_to=SendTo.BOTH)
    booking = book(mail, ada, TUESDAY)
    drain(mail)
    _reset(smtp)

    clock.current = TUESDAY - timedelta(hours=1, minutes=1)
    drain(mail)
    assert smtp.messages == []
    clock.advance(timedelta(minutes=2))
    drain(mail)
    (to_attendee,) = smtp.to(ATTENDEE)
    (to_host,) = smtp.to(HOST)
    expected = "Soon: Consultation between Ada and Priya at 11:30 PM (Asia/Kolkata (IST))"
    assert to_attendee["Subject"].strip() == expected
    assert "(America/Los_Angeles (PST))" in to_host["Subject"]
    assert f"https://book.example/booking/{booking.uid}?cancel=true&token=" in text_of(to_attendee)
    assert not [p for p in to_attendee.walk() if p.get_content_type() == "text/calendar"]

    clock.advance(timedelta(days=3))
    drain(mail)
    assert len(smtp.messages) == 2  # never twice


def test_a_reschedule_moves_the_reminder_to_the_new_time(mail, ada, smtp, clock):
    _remind(mail, ada)
    first = book(mail, ada, TUESDAY)
    drain(mail)
    mail.bookings.reschedule(first.uid, TUESDAY + timedelta(hours=3))
    drain(mail)
    _reset(smtp)

    clock.current = TUESDAY - timedelta(minutes=30)  # the old reminder's time has passed
    drain(mail)
    assert smtp.messages == []
    clock.current = TUESDAY + timedelta(hours=2, minutes=1)
    drain(mail)
    (reminder,) = smtp.messages
    assert "at 2:30 AM" in reminder["Subject"]  # 21:00 UTC in Kolkata, the new time
    clock.advance(timedelta(days=1))
    drain(mail)
    assert len(smtp.messages) == 1


def test_a_cancel_withdraws_the_reminder(mail, ada, smtp, clock):
    _remind(mail, ada, send_to=SendTo.BOTH)
    booking = book(mail, ada, TUESDAY)
    drain(mail)
    mail.bookings.cancel(booking.uid, reason="plans changed")
    drain(mail)
    _reset(smtp)
    clock.current = TUESDAY + timedelta(days=1)
    drain(mail)
    assert smtp.messages == []


def test_a_reminder_whose_time_has_passed_is_not_sent(mail, ada, smtp, clock):
    _remind(mail, ada, offset=2, unit=OffsetUnit.DAYS)  # due Sunday: before the booking
    book(mail, ada, TUESDAY)
    drain(mail)
    _reset(smtp)
    clock.current = TUESDAY
    drain(mail)
    assert smtp.messages == []


def test_deleting_or_switching_off_a_reminder_withdraws_what_it_scheduled(mail, ada, smtp, clock):
    gone = _remind(mail, ada)
    paused = _remind(mail, ada, offset=30, unit=OffsetUnit.MINUTES)
    book(mail, ada, TUESDAY)
    drain(mail)
    _reset(smtp)
    mail.reminders.delete(ada.user.id, ada.event_type.id, gone.id)
    mail.reminders.update(ada.user.id, ada.event_type.id, paused.id, ReminderPatch(active=False))
    clock.current = TUESDAY
    drain(mail)
    assert smtp.messages == []


def test_reminders_belong_to_the_event_type_owner(mail, ada):
    from tests.mail.conftest import make_la_host

    other = make_la_host(mail, "eve")
    created = _remind(mail, ada)
    with pytest.raises(NotFound, match=str(ada.event_type.id)):
        mail.reminders.list(other.user.id, ada.event_type.id)
    with pytest.raises(NotFound, match=str(created.id)):
        mail.reminders.get(other.user.id, other.event_type.id, created.id)
    with pytest.raises(InvalidInput, match="UNKNOWN"):
        _remind(mail, ada, body="Hi {UNKNOWN}")


def test_an_sms_reminder_goes_to_the_gateway_webhook():
    sent: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(202 if len(sent) > 1 else 503)

    provider = WebhookSmsProvider(
        "https://sms.example/send", secret="k", transport=httpx.MockTransport(gateway)
    )
    spec = {
        "notice": "reminder",
        "to": {"name": "Priya", "email": "", "timeZone": "Asia/Kolkata", "language": "en"},
        "phone": "+919800000000",
        "booking": {
            "title": "Consultation",
            "startTime": "2026-03-03T18:00:00Z",
            "endTime": "2026-03-03T18:30:00Z",
            "organizer": {"name": "Ada"},
            "attendees": [{"name": "Priya"}],
            "location": "Main Street 1",
        },
        "links": {"cancel": "https://book.example/booking/u?cancel=true&token=t"},
        "reminder": {"subject": "s", "body": "{ATTENDEE_NAME}: {EVENT_TIME} at {LOCATION}"},
    }
    job = Job(
        id=1,
        kind="sms",
        target="booking:u:attendee:x",
        message_id="msg_1",
        status=JobStatus.RUNNING,
        due_at=TUESDAY,
        created_at=TUESDAY,
        payload=spec,
        booking_uid="u",
    )
    handler = SmsHandler(provider)
    assert handler.run(job).result is Result.RETRY
    outcome = handler.run(job)
    assert outcome.result is Result.DELIVERED
    body = sent[-1].read()
    assert b'"to":"+919800000000"' in body
    assert b"Priya: 11:30\\u202fPM at Main Street 1" in body
    assert sent[-1].headers["webhook-id"] == "msg_1"
    assert sent[-1].headers["webhook-signature"].startswith("v1,")
    provider.close()


def test_reminder_channels_and_targets_round_trip(mail, ada):
    created = _remind(mail, ada, channel=Channel.SMS, send_to=SendTo.HOST, offset=90)
    assert created.offset_minutes == 90 * 60
    (listed,) = mail.reminders.list(ada.user.id, ada.event_type.id)
    assert listed == created
