"""Sending: retries while the SMTP server is away, permanent refusals, the .eml folder default,
the owner's notice of a disabled webhook, and logs without addresses."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.errors import HeaderParseError
from pathlib import Path

import pytest

from calendula import bootstrap
from calendula.domain.notifications import Method
from calendula.domain.outbox import JobStatus, OutboxEvent, Result
from calendula.integrations.mail.delivery import WIRE, as_bytes, compose, redact
from calendula.integrations.mail.render import RenderedEmail
from calendula.settings import Settings
from factories import FakeResolver
from tests.mail.conftest import book, drain, invite_of, make_la_host, text_of

TUESDAY = datetime(2026, 3, 3, 18, 0, tzinfo=UTC)
ATTENDEE = "priya@client.example"
HOST = "ada@host.example"


def _jobs(container, target):
    with container.uow_factory() as uow:
        return uow.outbox.list_jobs("email", target, 10, 0)


def test_an_email_is_retried_while_the_server_is_down_and_delivered_once(mail, ada, smtp, clock):
    smtp.stop()
    booking = book(mail, ada, TUESDAY)
    drain(mail)
    ((job, attempts),) = _jobs(mail, f"booking:{booking.uid}:host")
    assert job.status is JobStatus.PENDING and job.due_at > clock.now()
    assert [a.result for a in attempts] == [Result.RETRY]
    assert "SMTP unavailable" in (attempts[0].error or "")

    smtp.start()
    drain(mail)  # not due yet: nothing is sent before the backoff
    assert smtp.messages == []
    clock.advance(timedelta(minutes=5))
    drain(mail)
    assert len(smtp.to(HOST)) == 1 and len(smtp.to(ATTENDEE)) == 1
    ((job, attempts),) = _jobs(mail, f"booking:{booking.uid}:host")
    assert job.status is JobStatus.DELIVERED
    assert [a.result for a in attempts] == [Result.RETRY, Result.DELIVERED]
    clock.advance(timedelta(days=2))
    drain(mail)
    assert len(smtp.messages) == 2  # delivered once, never again


def test_a_permanent_refusal_fails_the_job_without_the_address_in_the_log(mail, ada, smtp):
    smtp.refuse[ATTENDEE] = 550
    booking = book(mail, ada, TUESDAY)
    drain(mail)
    assert len(smtp.to(HOST)) == 1
    with mail.uow_factory() as uow:
        jobs = [
            j
            for target_jobs in (
                uow.outbox.list_jobs("email", t, 10, 0)
                for t in _attendee_targets(mail, booking.uid)
            )
            for j in target_jobs
        ]
    ((job, attempts),) = jobs
    assert job.status is JobStatus.FAILED
    assert attempts[0].status_code == 550
    assert ATTENDEE not in (attempts[0].error or "") and ATTENDEE not in job.target


def _attendee_targets(container, uid):
    from calendula.domain.notifications import Recipient, Role
    from calendula.services.notifications import recipient_target

    person = Recipient("Priya", ATTENDEE, "Asia/Kolkata", "en", Role.ATTENDEE)
    return [recipient_target(uid, person)]


def test_without_smtp_emails_are_written_to_the_mail_folder(database_url, clock, tmp_path):
    folder = tmp_path / "outgoing"
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key="s" * 40,
        mail_folder=str(folder),
    )
    container = bootstrap.build(settings, clock=clock, resolver=FakeResolver())
    try:
        host = make_la_host(container)
        booking = book(container, host, TUESDAY)
        drain(container)
    finally:
        container.close()
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    messages = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(str(m["To"]) for m in messages) == [
        "Ada <ada@host.example>",
        f"Priya <{ATTENDEE}>",
    ]
    assert str(invite_of(messages[0]).walk("VEVENT")[0]["UID"]) == booking.ics_uid
    assert not list(Path(folder).glob("*.tmp"))


def test_the_owner_is_told_when_a_webhook_is_switched_off(mail, ada, smtp, clock):
    with mail.uow_factory(write=True) as uow:
        uow.outbox.add_event(
            OutboxEvent(
                topic="WEBHOOK_DISABLED",
                created_at=clock.now(),
                owner_id=ada.user.id,
                data={
                    "webhook": {
                        "id": "4b7c",
                        "subscriberUrl": "https://hooks.example/in",
                        "reason": "20 failed deliveries in a row",
                    }
                },
            )
        )
        uow.commit()
    drain(mail)
    (message,) = smtp.to(HOST)
    assert message["Subject"] == "A webhook was switched off"
    text = text_of(message)
    assert "https://hooks.example/in" in text and "20 failed deliveries in a row" in text


def test_sending_logs_no_attendee_address(mail, ada, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    smtp.stop()
    booking = book(mail, ada, TUESDAY)
    drain(mail)
    smtp.start()
    mail.bookings.cancel(booking.uid, reason="no")
    drain(mail)
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # aiosmtpd's
    logged = "\n".join(r.getMessage() for r in ours)
    assert ATTENDEE not in logged and HOST not in logged


def test_error_texts_lose_their_addresses():
    assert redact("550 5.1.1 <bob@x.example>: unknown, also a.b@c.d") == (
        "550 5.1.1 <<address>>: unknown, also <address>"
    )


COMPAT32_CRLF = policy.compat32.clone(linesep="\r\n")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1.0",
        'text/calendar; charset="utf-8"; method="REQUEST"',
        "two  spaces,\ta tab and a trailing space ",
        "x" * 66,  # "Subject: " + 66 = 75 characters: one line
        "x" * 69,  # exactly 78: still one line
        "x" * 70,  # 79: compat32 decides (no fold point, so it stays long)
        "words " * 20,  # long: folded by compat32
        "Bestätigt: non-ASCII goes the standard way",
        "a\r\nInjected: header",
    ],
)
def test_the_wire_policy_writes_each_header_as_compat32_does(value):
    def written(wire_policy):
        try:
            return wire_policy.fold_binary("Subject", value)
        except HeaderParseError as error:  # an embedded header is refused by both
            return str(error)

    assert written(WIRE) == written(COMPAT32_CRLF)


@pytest.mark.parametrize(
    "subject",
    [
        "Confirmed: Consultation between Ada and Priya on Tuesday, March 3, 2026 11:30 PM",
        "Bestätigt: Beratung zwischen Ada und Priya am Dienstag, 3. März 2026 23:30 Uhr (MEZ)",
        "予約が確定しました：相談 — エイダ と プリヤ",
    ],
)
def test_a_composed_message_is_the_same_bytes_and_its_subject_reads_back(subject):
    rendered = RenderedEmail(
        subject, "Hello", "<p>Hello</p>", b"BEGIN:VCALENDAR\r\n", Method.REQUEST
    )
    message = compose(
        rendered,
        sender="Calendula Bookings <bookings@host.example>",
        to={"name": "Priya Žužek", "email": ATTENDEE},
        message_id="<m1@host.example>",
        sent_at=TUESDAY,
    )
    wire = as_bytes(message)
    assert wire == message.as_bytes(policy=COMPAT32_CRLF)
    parsed = message_from_bytes(wire, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["To"].addresses[0].display_name == "Priya Žužek"
    assert all(len(line) <= 78 for line in wire.split(b"\r\n\r\n")[0].split(b"\r\n"))
