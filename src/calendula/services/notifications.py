"""Emails and reminders for booking events: the outbox fan-out that decides what to send.

Owns: `NotificationFanout` (port `services.outbox.Fanout`). For each committed booking event it
returns one job of kind "email" per recipient (`domain.notifications.plan_booking_emails`), and
for an accepted booking (new, confirmed or moved) one scheduled job per active reminder of its
event type and recipient: due `offset` before the start, `schedule_key` "reminder:<id>",
`booking_uid` the booking's, so the dispatcher withdraws them when that booking is cancelled,
rejected or moved, and the move's own event schedules them again for the new time. A
reminder whose time has already passed is not sent. "WEBHOOK_DISABLED" tells the owner.

A job's payload is the *spec* of one message: the recipient, the booking payload as the event
recorded it, the invite's method and SEQUENCE, the links (`/reschedule/{uid}?token=...`,
`/booking/{uid}?cancel=true&token=...`, the manage token of `domain.booking_links`; in the
host's request email also `/booking/{uid}/confirm|decline?token=...`, the host token), the
host's brand colour, the reminder texts. The "email" (and "sms") handlers in
`integrations.mail` render and send it. Its `target` names the booking and the recipient's
role and position (`booking:<uid>:attendee:1`), never an address. Reads only through the unit
of work; no other I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from email.utils import formataddr
from typing import Any

from calendula.domain.booking_links import host_token, manage_token
from calendula.domain.notifications import (
    Notice,
    PlannedEmail,
    Recipient,
    Role,
    is_seated,
    newest_seat,
    plan_booking_emails,
    recipients,
)
from calendula.domain.outbox import NewJob, OutboxEvent
from calendula.domain.reminders import Channel, Reminder
from calendula.services.outbox import TransactionMemo, new_message_id
from calendula.services.ports import UnitOfWork

EMAIL = "email"
SMS = "sms"
MAX_CHAIN = 1000
"""A reschedule chain is followed back at most this far (a guard, not a product limit)."""
SCHEDULING_TOPICS = frozenset({"BOOKING_CREATED", "BOOKING_RESCHEDULED"})


class NotificationFanout:
    def __init__(self, public_base_url: str, secret_key: str, *, sms: bool = False) -> None:
        """`sms`: whether an SMS provider is configured (else SMS reminders are skipped)."""
        self._base = public_base_url.rstrip("/")
        self._secret = secret_key
        self._sms = sms
        self._reminder_lists: TransactionMemo[int, list[Reminder]] = TransactionMemo()

    def jobs_for(self, uow: UnitOfWork, event: OutboxEvent, now: datetime) -> list[NewJob]:
        if event.topic == "WEBHOOK_DISABLED":
            return self._webhook_disabled(uow, event, now)
        payload = event.data.get("payload")
        if not isinstance(payload, Mapping) or not event.booking_uid:
            return []
        uid = event.booking_uid
        mail = event.data.get("mail")
        if isinstance(mail, Mapping) and isinstance(mail.get("chain"), int):
            # Recorded by the booking's own transaction (services.booking_support.mail_facts).
            brand, position = mail.get("brandColor"), mail["chain"]
            guests: tuple[str, ...] = tuple(mail.get("guests") or ())
        else:
            brand = self._brand(uow, event.owner_id)
            position, guests = _chain_position_and_guests(uow, uid)
        links = self.links(uid)
        common = {
            "booking": dict(payload),
            "guests": list(guests),
            "links": links,
            "brandColor": brand,
            "stamp": event.created_at.isoformat(),
        }
        planned = plan_booking_emails(event.topic, payload, position, guests)
        jobs = [self._email(uid, p, common, now, event.id) for p in planned]
        if event.topic == "BOOKING_CANCELLED" and payload.get("status") != "CANCELLED":
            self._withdraw_departed(uow, uid, payload, now)
        if event.topic in SCHEDULING_TOPICS and payload.get("status") == "ACCEPTED":
            jobs += self._reminders(uow, event, payload, common, now)
        return jobs

    def links(self, uid: str) -> dict[str, str]:
        """The links an email about booking `uid` offers (the attendee's manage token)."""
        token = manage_token(self._secret, uid)
        return {
            "reschedule": f"{self._base}/reschedule/{uid}?token={token}",
            "cancel": f"{self._base}/booking/{uid}?cancel=true&token={token}",
            "view": f"{self._base}/booking/{uid}",
        }

    def host_links(self, uid: str) -> dict[str, str]:
        """The host's links to confirm or decline request `uid` (the host token): only in
        the host's "Action needed" email, never in an attendee's job."""
        token = host_token(self._secret, uid)
        return {
            "confirm": f"{self._base}/booking/{uid}/confirm?token={token}",
            "decline": f"{self._base}/booking/{uid}/decline?token={token}",
        }

    # -- booking emails ------------------------------------------------------------------------

    def _email(
        self,
        uid: str,
        planned: PlannedEmail,
        common: Mapping[str, Any],
        now: datetime,
        event_id: int | None,
    ) -> NewJob:
        invite = None
        if planned.method is not None:
            invite = {"method": planned.method.value, "sequence": planned.sequence}
        links = common["links"]
        if planned.notice is Notice.REQUEST_RECEIVED and planned.recipient.role is Role.HOST:
            links = {**links, **self.host_links(uid)}
        spec = {
            **common,
            "links": links,
            "notice": planned.notice.value,
            "to": planned.recipient.as_json(),
            "invite": invite,
            "replyTo": _reply_to(planned.recipient, common["booking"]),
        }
        return NewJob(
            kind=EMAIL,
            target=recipient_target(uid, planned.recipient, _organizer_email(common["booking"])),
            message_id=new_message_id(),
            due_at=now,
            payload=spec,
            booking_uid=uid,
            event_id=event_id,
        )

    # -- reminders -----------------------------------------------------------------------------

    def _reminders(
        self,
        uow: UnitOfWork,
        event: OutboxEvent,
        payload: Mapping[str, Any],
        common: Mapping[str, Any],
        now: datetime,
    ) -> list[NewJob]:
        event_type_id = payload.get("eventTypeId") or event.event_type_id
        if not isinstance(event_type_id, int):
            return []
        start = datetime.fromisoformat(str(payload["startTime"]).replace("Z", "+00:00"))
        host, people = recipients(payload, common["guests"])
        seated = is_seated(payload)
        if seated and event.topic == "BOOKING_CREATED":
            people = newest_seat(people)  # earlier seats' reminders are already scheduled
        first_seat = len(payload.get("attendees") or []) <= 1
        phones = _phones(payload)
        jobs = []
        reminders = self._reminder_lists.get(
            uow, event_type_id, lambda: uow.reminders.list_for_event_type(event_type_id)
        )
        for reminder in reminders:
            due = reminder.due_at(start)
            if not reminder.active or due <= now:
                continue
            if reminder.channel is Channel.SMS and not self._sms:
                continue
            targets: list[Recipient] = []
            if reminder.to_host() and (
                not seated or first_seat or event.topic != "BOOKING_CREATED"
            ):
                targets.append(host)
            if reminder.to_attendees():
                targets += people
            for recipient in targets:
                job = self._reminder(event, reminder, recipient, common, due, phones)
                if job is not None:
                    jobs.append(job)
        return jobs

    def _reminder(
        self,
        event: OutboxEvent,
        reminder: Reminder,
        recipient: Recipient,
        common: Mapping[str, Any],
        due: datetime,
        phones: Mapping[str, str],
    ) -> NewJob | None:
        uid = str(event.booking_uid)
        spec: dict[str, Any] = {
            **common,
            "notice": Notice.REMINDER.value,
            "to": recipient.as_json(),
            "invite": None,
            "reminder": {"id": reminder.id, "subject": reminder.subject, "body": reminder.body},
            "replyTo": _reply_to(recipient, common["booking"]),
        }
        kind = EMAIL
        if reminder.channel is Channel.SMS:
            phone = phones.get(recipient.email.lower()) if recipient.role is not Role.HOST else ""
            if not phone:
                return None
            kind, spec["phone"] = SMS, phone
        if kind == EMAIL and not recipient.email:
            return None
        return NewJob(
            kind=kind,
            target=recipient_target(uid, recipient),
            message_id=new_message_id(),
            due_at=due,
            payload=spec,
            booking_uid=uid,
            schedule_key=reminder.schedule_key,
            event_id=event.id,
        )

    def _withdraw_departed(
        self, uow: UnitOfWork, uid: str, payload: Mapping[str, Any], now: datetime
    ) -> None:
        """One seat was given up: withdraw the reminders of attendees no longer listed."""
        host, people = recipients(payload)
        staying = [recipient_target(uid, host), *(recipient_target(uid, p) for p in people)]
        uow.reminders.withdraw_departed(uid, staying, now)

    # -- other events --------------------------------------------------------------------------

    def _webhook_disabled(self, uow: UnitOfWork, event: OutboxEvent, now: datetime) -> list[NewJob]:
        owner = uow.users.get(event.owner_id) if event.owner_id is not None else None
        if owner is None or not owner.email:
            return []
        to = Recipient(
            owner.name or owner.username, owner.email, owner.time_zone, owner.locale, Role.HOST
        )
        spec = {
            "notice": Notice.WEBHOOK_DISABLED.value,
            "to": to.as_json(),
            "webhook": dict(event.data.get("webhook") or {}),
            "brandColor": owner.brand_color,
            "stamp": event.created_at.isoformat(),
        }
        return [
            NewJob(
                kind=EMAIL,
                target=f"user:{owner.id}",
                message_id=new_message_id(),
                due_at=now,
                payload=spec,
                event_id=event.id,
            )
        ]

    def _brand(self, uow: UnitOfWork, owner_id: int | None) -> str | None:
        owner = uow.users.get(owner_id) if owner_id is not None else None
        return owner.brand_color if owner is not None else None


def _chain_position_and_guests(uow: UnitOfWork, uid: str) -> tuple[int, tuple[str, ...]]:
    """How many bookings came before `uid` in its reschedule chain (0 for an original), and
    the booking's guest emails."""
    position = 0
    booking = uow.bookings.get_by_uid(uid)
    guests = booking.guests if booking is not None else ()
    seen = {uid}
    while booking is not None and booking.rescheduled_from_uid and position < MAX_CHAIN:
        previous = booking.rescheduled_from_uid
        if previous in seen:
            break
        seen.add(previous)
        position += 1
        booking = uow.bookings.get_by_uid(previous)
    return position, guests


def recipient_target(uid: str, recipient: Recipient, organizer_email: str | None = None) -> str:
    """A job's target: the booking and whom it is for, without the address (an attendee, or
    a host other than the organizer `organizer_email`, is named by a short hash of their
    lower-cased email, stable while seats come and go)."""
    digest = hashlib.sha256(recipient.email.lower().encode()).hexdigest()[:16]
    if recipient.role is Role.HOST:
        if organizer_email is None or recipient.email.lower() == organizer_email.lower():
            return f"booking:{uid}:host"
        return f"booking:{uid}:host:{digest}"
    return f"booking:{uid}:attendee:{digest}"


def _organizer_email(payload: Mapping[str, Any]) -> str | None:
    organizer = payload.get("organizer")
    return str(organizer.get("email") or "") if isinstance(organizer, Mapping) else None


def _reply_to(recipient: Recipient, payload: Mapping[str, Any]) -> str:
    """Replies go to the other side: the host for attendees, the first attendee for hosts."""
    if recipient.role is not Role.HOST:
        organizer = payload.get("organizer") or {}
        return _address(organizer.get("name"), organizer.get("email"))
    for attendee in payload.get("attendees") or []:
        if attendee.get("email"):
            return _address(attendee.get("name"), attendee["email"])
    return ""


def _address(name: Any, email: Any) -> str:
    """`Name <email>` on one line (names are attendee input: no line breaks pass)."""
    email = "".join(str(email or "").split())
    return formataddr((" ".join(str(name or "").split()), email)) if email else ""


def _phones(payload: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(a.get("email") or "").lower(): str(a["phoneNumber"])
        for a in payload.get("attendees") or []
        if a.get("phoneNumber")
    }
