"""Fixtures for the email tests: a real SMTP server on loopback and a container that uses it.

- `smtp`: an aiosmtpd server on 127.0.0.1 (a free port). `smtp.messages` are the received
  messages parsed with the standard library (`email.message.EmailMessage`), each with
  `smtp.envelopes` recipients; `smtp.stop()` / `smtp.start()` take it down and bring it back on
  the same port; `smtp.refuse[address] = 550` makes it refuse a recipient.
- `mail`: a container (`bootstrap.build`) over the test's database and clock whose emails go to
  `smtp` (no STARTTLS: a loopback relay).
- `ada`: a Los Angeles host with a 30-minute event type on `mail`.
- helpers: `book`, `drain`, `invite_of`, `text_of`, `html_of`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from icalendar import Calendar

from calendula import bootstrap
from calendula.domain.bookings import Attendee, Booking
from calendula.domain.event_types import EventType
from calendula.services.booking import NewBooking
from calendula.settings import Settings
from factories import FakeResolver, Host, SettableClock


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SmtpServer:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        code = self.refuse.get(address)
        if code is not None:
            return f"{code} mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.messages, self.envelopes, strict=True) if address in rcpt]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(_free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail(
    database_url: str, clock: SettableClock, smtp: SmtpServer, tmp_path: Path
) -> Iterator[bootstrap.Container]:
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key="s" * 40,
        rate_limit_per_minute=0,
        public_base_url="https://book.example",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_starttls=False,
        smtp_timeout=5,
        smtp_from="Calendula <bookings@book.example>",
        mail_folder=str(tmp_path / "unused-mail"),
    )
    built = bootstrap.build(settings, clock=clock, resolver=FakeResolver())
    yield built
    built.close()


def make_la_host(container: bootstrap.Container, username: str = "ada", **fields: Any) -> Host:
    """A Los Angeles host (default schedule Mon-Fri 09:00-17:00 local) with one event type."""
    user = container.accounts.create_user(
        username,
        f"{username}@host.example",
        time_zone="America/Los_Angeles",
        name=username.title(),
    )
    assert user.id is not None
    values: dict[str, Any] = {"slug": "consult", "title": "Consultation", "length_minutes": 30}
    values.update(fields)
    event_type = container.event_types.create(
        user.id, EventType(id=None, owner_id=user.id, **values)
    )
    return Host(user, event_type)


@pytest.fixture
def ada(mail: bootstrap.Container) -> Host:
    return make_la_host(mail)


def book(
    container: bootstrap.Container,
    host: Host,
    start: datetime,
    *,
    name: str = "Priya",
    email: str = "priya@client.example",
    time_zone: str = "Asia/Kolkata",
    language: str = "en",
    **fields: Any,
) -> Booking:
    attendee = Attendee(name=name, email=email, time_zone=time_zone, language=language)
    return container.bookings.create(
        NewBooking(start=start, attendee=attendee, event_type_id=host.event_type.id, **fields)
    )


def drain(container: bootstrap.Container) -> int:
    return container.dispatcher.drain()


def invite_of(message: EmailMessage) -> Calendar:
    """The inline `text/calendar` part, parsed (and checked equal to the attachment)."""
    inline = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    attached = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    assert len(inline) == 1 and len(attached) == 1
    method = inline[0].get_param("method")
    text = inline[0].get_content()
    assert attached[0].get_content().decode() == text
    calendar = Calendar.from_ical(text)
    assert str(calendar["METHOD"]) == method
    return calendar


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\u202f", " ")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\u202f", " ")
