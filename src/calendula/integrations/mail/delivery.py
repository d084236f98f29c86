"""Sending emails: the outbox handler for jobs of kind "email", and where messages go.

Owns: `compose` (a MIME message: multipart/mixed with a multipart/alternative of text/plain,
text/html and, for invites, `text/calendar; method=...` inline, plus the same invite attached as
`invite.ics`), the transports (`SmtpTransport` through the standard library's smtplib with
implicit TLS or STARTTLS and optional login; `FolderTransport`, which writes `.eml` files, the
default when no SMTP host is configured), and `EmailHandler` (port `services.outbox.JobHandler`).

Failures: connection errors, timeouts, 4xx replies and refused logins are transient
(`Result.RETRY`: the dispatcher retries with backoff); a 5xx reply to the message or to every
recipient is permanent (`Result.FAILED`). Error texts are kept in the attempt log, so addresses
are removed from them; nothing here logs a recipient.
"""

from __future__ import annotations

import os
import re
import secrets
import smtplib
import ssl
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from calendula.domain.outbox import Job, JobStatus, Outcome, Result

if TYPE_CHECKING:  # the templates (jinja2, babel, icalendar) load with the first email
    from calendula.integrations.mail.render import RenderedEmail


class _Wire(Compat32):
    """compat32 with CRLF line ends, and a shortcut for the usual header: one line of ASCII
    that fits in `max_line_length`. compat32 runs every header through `email.header.Header`
    to fold it (about a third of the time `as_bytes` took, for ~24 headers a message); for
    such a value what it writes is the value itself (tests/mail/test_delivery.py checks)."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\r" not in value
            and "\n" not in value
            and len(name) + 2 + len(value) <= (self.max_line_length or 0)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE = _Wire(linesep="\r\n")
_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.header_encoding = BASE64
"""UTF-8 encoded words in base64. The default ("shortest of base64 and quoted-printable")
measures both for every prefix of the text, which took a millisecond for one subject."""
_ADDRESS = re.compile(r"[^\s<>()\"',;:]+@[^\s<>()\"',;:]+")


class MailError(Exception):
    """A failed send. `code` is the SMTP reply code when there was one. The message never
    contains an address."""

    def __init__(self, message: str, code: int | None = None, *, permanent: bool = False):
        super().__init__(redact(message))
        self.code = code
        self.permanent = permanent


class MailTransport(Protocol):
    def send(self, message: Message, sender: str, recipients: list[str]) -> None:
        """Hand `message` over for delivery. Raises `MailError` (`permanent` for a 5xx)."""
        ...


def redact(text: str) -> str:
    """`text` with every email address replaced by `<address>`."""
    return _ADDRESS.sub("<address>", text)


class SmtpTransport:
    """One SMTP connection per message (a dispatcher sends a few at a time, in threads)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool = False,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self._host, self._port, self._tls, self._starttls = host, port, tls, starttls
        self._user, self._password, self._timeout = user, password, timeout
        self._context = context

    def send(self, message: Message, sender: str, recipients: list[str]) -> None:
        try:
            with self._connect() as smtp:
                if self._starttls and not self._tls:
                    smtp.starttls(context=self._context or ssl.create_default_context())
                if self._user:
                    smtp.login(self._user, self._password or "")
                refused = smtp.send_message(message, sender, recipients)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise MailError(
                f"SMTP recipients refused ({codes})", min(codes), permanent=permanent
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            # A configuration problem: retried, so fixing the settings lets the mail through.
            raise MailError(f"SMTP login refused: {error.smtp_code}", error.smtp_code) from None
        except smtplib.SMTPResponseException as error:
            raw = error.smtp_error
            detail = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
            code = error.smtp_code
            raise MailError(f"SMTP {code} {detail}".strip(), code, permanent=code >= 500) from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"SMTP unavailable: {type(error).__name__}: {error}") from None
        if refused:
            codes = [code for code, _ in refused.values()]
            if all(code >= 500 for code in codes):
                raise MailError(f"SMTP recipients refused ({codes})", min(codes), permanent=True)

    def _connect(self) -> smtplib.SMTP:
        if self._tls:
            context = self._context or ssl.create_default_context()
            return smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=context)
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout)


class FolderTransport:
    """Writes each message to `<folder>/<UTC time>-<message id>.eml`, for a server without
    SMTP settings: open the files with any mail program to see what would have been sent."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: Message, sender: str, recipients: list[str]) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        name = re.sub(r"[^A-Za-z0-9_.@-]", "", str(message["Message-ID"] or "message"))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(as_bytes(message))  # CRLF, as sent
            os.replace(temporary, self.folder / f"{stamp}-{name}.eml")
        except OSError as error:
            raise MailError(f"cannot write to the mail folder: {error.strerror}") from None


def compose(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: Mapping[str, Any],
    message_id: str,
    sent_at: datetime,
    reply_to: str | None = None,
) -> Message:
    """The MIME message. Built with the standard library's `email.mime` classes (the compat32
    API): the same structure as `EmailMessage` would give, at about a fifth of the CPU time,
    which matters when one worker sends the confirmations of fifty bookings a second."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    message: Message = body
    if rendered.invite is not None and rendered.method is not None:
        method = rendered.method.value
        inline = MIMEText(rendered.invite.decode(), "calendar", "utf-8")
        inline.set_param("method", method)
        body.attach(inline)
        attached = MIMEApplication(rendered.invite, "ics")
        attached.set_param("method", method)
        attached.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message = MIMEMultipart("mixed")
        message.attach(body)
        message.attach(attached)
    for part in [body] if message is body else [body, message]:
        # A random boundary set here: the generator would otherwise pick one and compile a
        # regular expression for it to scan the text (a third of the time `as_bytes` took).
        part.set_boundary(f"===={secrets.token_hex(16)}==")
    if rendered.subject.isascii():
        message["Subject"] = rendered.subject  # folded when written, if long
    else:
        subject = Header(rendered.subject, _UTF8_BASE64, header_name="Subject")
        message["Subject"] = subject  # type: ignore[assignment]
    message["From"] = _address(sender)
    message["To"] = formataddr(
        (_header_text(str(to.get("name") or "")), str(to["email"])), charset="utf-8"
    )
    if reply_to:
        message["Reply-To"] = _address(reply_to)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    return message


def _address(text: str) -> str:
    name, address = parseaddr(text)
    return formataddr((_header_text(name), address), charset="utf-8")


def as_bytes(message: Message) -> bytes:
    """The message as sent: CRLF line ends."""
    return message.as_bytes(policy=WIRE)


class EmailHandler:
    """Runs "email" jobs: render the job's spec, compose, hand to the transport."""

    kind = "email"
    concurrency = 4
    """Rendering is CPU work; four at a time keep an SMTP server busy enough."""

    def __init__(self, transport: MailTransport, sender: str, clock: Any) -> None:
        self._transport = transport
        self._sender = sender
        self._clock = clock
        address = parseaddr(sender)[1]
        self._domain = address.rpartition("@")[2] or "calendula.invalid"

    def run(self, job: Job) -> Outcome:
        started = time.monotonic()
        spec = job.payload
        from calendula.integrations.mail.render import render_email

        rendered = render_email(spec)
        message = compose(
            rendered,
            sender=self._sender,
            to=spec["to"],
            message_id=f"<{job.message_id}@{self._domain}>",
            sent_at=self._clock.now(),
            reply_to=spec.get("replyTo") or None,
        )
        try:
            self._transport.send(message, parseaddr(self._sender)[1], [spec["to"]["email"]])
        except MailError as error:
            result = Result.FAILED if error.permanent else Result.RETRY
            return Outcome(result, error.code, str(error), duration_ms=_since(started))
        return Outcome(Result.DELIVERED, 250, duration_ms=_since(started))

    def settle(self, uow: Any, job: Job, outcome: Outcome, status: JobStatus) -> None:
        """Nothing to keep beyond the dispatcher's attempt log."""


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _header_text(name: str) -> str:
    return " ".join(name.split())
