"""Which booking emails go to whom, with which calendar invite: pure rules.

Owns: `Notice` (the kinds of email), `Recipient`, `PlannedEmail`, `plan_booking_emails` (from an
outbox event's topic and its Cal.com booking payload), and the invite SEQUENCE rule
(`invite_sequence`): the n-th booking of a reschedule chain (0 for the original) sends its
REQUEST with SEQUENCE n, and a cancellation or rejection sends CANCEL with SEQUENCE n + 1. The
rule needs no counter: it is computed again, identically, when an event is fanned out again.
A seated booking's BOOKING_CREATED (a seat taken) is for the newest attendee and the host
only; the earlier attendees were told when they booked. Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Notice(StrEnum):
    CONFIRMED = "booking_confirmed"
    """To attendees and guests: the booking stands (also after the host confirmed a request)."""
    NEW_BOOKING = "booking_new"
    """To the host: someone booked."""
    REQUEST_SENT = "booking_request_sent"
    """To attendees: the request waits for the host's confirmation."""
    REQUEST_RECEIVED = "booking_request_received"
    """To the host: confirm or decline."""
    RESCHEDULED = "booking_rescheduled"
    CANCELLED = "booking_cancelled"
    SEAT_CANCELLED = "booking_seat_cancelled"
    """To the host: one attendee gave up their seat; the booking stands."""
    DECLINED = "booking_declined"
    REMINDER = "reminder"
    WEBHOOK_DISABLED = "webhook_disabled"


class Role(StrEnum):
    ATTENDEE = "attendee"
    GUEST = "guest"
    HOST = "host"


class Method(StrEnum):
    """iTIP methods (RFC 5546 §1.4) an email's invite carries."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    email: str
    time_zone: str
    language: str
    role: Role

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "email": self.email,
            "timeZone": self.time_zone,
            "language": self.language,
            "role": self.role.value,
        }


@dataclass(frozen=True, slots=True)
class PlannedEmail:
    notice: Notice
    recipient: Recipient
    method: Method | None = None
    sequence: int = 0


def invite_sequence(chain_position: int, method: Method) -> int:
    """SEQUENCE of an invite for the `chain_position`-th booking of a reschedule chain."""
    return chain_position + (1 if method is Method.CANCEL else 0)


def recipients(
    payload: Mapping[str, Any], guests: Collection[str] = ()
) -> tuple[Recipient, list[Recipient]]:
    """The host (the payload's organizer) and the attendees; an attendee whose email is in
    `guests` (the booking's guest list) or in the `guests` response is a guest."""
    organizer = payload.get("organizer") or {}
    host = _person(organizer, Role.HOST)
    guests = {g.lower() for g in (*guests, *guest_emails(payload))}
    people = []
    for attendee in payload.get("attendees") or []:
        email = str(attendee.get("email") or "")
        if not email:
            continue  # phone-only attendees get no email
        role = Role.GUEST if email.lower() in guests else Role.ATTENDEE
        people.append(_person(attendee, role))
    return host, people


def plan_booking_emails(
    topic: str, payload: Mapping[str, Any], chain_position: int, guests: Collection[str] = ()
) -> list[PlannedEmail]:
    """The emails a booking event calls for (empty for topics that send none)."""
    host, people = recipients(payload, guests)
    status = str(payload.get("status") or "")
    if topic == "BOOKING_CREATED" and is_seated(payload):
        people = newest_seat(people)  # the others were told when they took their seats

    def plan(
        to_people: Notice | None, to_host: Notice | None, method: Method | None
    ) -> list[PlannedEmail]:
        sequence = invite_sequence(chain_position, method) if method else 0
        planned = []
        if to_host is not None:
            hosts = [h for h in (host, *co_hosts(payload)) if h.email]
            planned += [PlannedEmail(to_host, h, method, sequence) for h in hosts]
        if to_people is not None:
            planned += [PlannedEmail(to_people, p, method, sequence) for p in people]
        return planned

    if topic == "BOOKING_CREATED":
        return plan(Notice.CONFIRMED, Notice.NEW_BOOKING, Method.REQUEST)
    if topic == "BOOKING_REQUESTED":
        return plan(Notice.REQUEST_SENT, Notice.REQUEST_RECEIVED, None)
    if topic == "BOOKING_RESCHEDULED":
        if status == "PENDING":
            return plan(Notice.RESCHEDULED, Notice.REQUEST_RECEIVED, None)
        return plan(Notice.RESCHEDULED, Notice.RESCHEDULED, Method.REQUEST)
    if topic == "BOOKING_CANCELLED":
        if status != "CANCELLED":
            return plan(None, Notice.SEAT_CANCELLED, None)
        return plan(Notice.CANCELLED, Notice.CANCELLED, Method.CANCEL)
    if topic == "BOOKING_REJECTED":
        # A first request never had an invite; a rejected reschedule withdraws the old entry.
        return plan(Notice.DECLINED, None, Method.CANCEL if chain_position else None)
    return []


def co_hosts(payload: Mapping[str, Any]) -> list[Recipient]:
    """The booking's hosts other than the organizer (a dynamic group): `team.members`."""
    team = payload.get("team")
    members = team.get("members") if isinstance(team, Mapping) else None
    if not isinstance(members, list):
        return []
    return [_person(m, Role.HOST) for m in members if isinstance(m, Mapping)]


def is_seated(payload: Mapping[str, Any]) -> bool:
    return bool(payload.get("seatsPerTimeSlot"))


def newest_seat(people: list[Recipient]) -> list[Recipient]:
    """Of a seated booking's attendees (in the order they took their seats), the one whose
    seat a BOOKING_CREATED event announces."""
    return people[-1:]


def _person(data: Mapping[str, Any], role: Role) -> Recipient:
    language = data.get("language")
    locale = language.get("locale") if isinstance(language, Mapping) else language
    return Recipient(
        name=str(data.get("name") or ""),
        email=str(data.get("email") or ""),
        time_zone=str(data.get("timeZone") or "UTC"),
        language=str(locale or "en"),
        role=role,
    )


def guest_emails(payload: Mapping[str, Any]) -> Sequence[str]:
    """The emails listed in the `guests` booking response."""
    responses = payload.get("responses") or {}
    guests = responses.get("guests")
    value = guests.get("value") if isinstance(guests, Mapping) else guests
    if isinstance(value, list):
        return [str(v) for v in value]
    return []
