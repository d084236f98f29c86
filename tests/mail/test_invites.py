"""Pure parts: which emails an event calls for, the SEQUENCE rule, reminder variables, and one
rendered invite pinned by a golden file (set CALENDULA_UPDATE_GOLDEN=1 to rewrite it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from calendula.domain.errors import InvalidInput
from calendula.domain.notifications import Method, Notice, Role, invite_sequence
from calendula.domain.notifications import plan_booking_emails as plan
from calendula.domain.reminders import Reminder, check_reminder, fill_variables
from calendula.integrations.mail.render import render_email

GOLDEN = Path(__file__).parent / "golden"

PAYLOAD = {
    "uid": "bk_1",
    "iCalUID": "bk_1@calendula",
    "title": "Free estimate; kitchen, sink",
    "startTime": "2026-03-03T18:00:00Z",
    "endTime": "2026-03-03T19:00:00Z",
    "organizer": {
        "name": "Ada Plumbing",
        "email": "ada@host.example",
        "timeZone": "America/Los_Angeles",
        "language": {"locale": "en"},
    },
    "attendees": [
        {
            "name": 'Priya "P" Rao',
            "email": "priya@client.example",
            "timeZone": "Asia/Kolkata",
            "language": {"locale": "en"},
        }
    ],
    "location": "12 Main Street, Springfield",
    "responses": {"notes": {"label": "additional_notes", "value": "Leaking tap"}},
    "status": "ACCEPTED",
}


def _spec(**changes):
    spec = {
        "notice": "booking_confirmed",
        "to": {
            "name": 'Priya "P" Rao',
            "email": "priya@client.example",
            "timeZone": "Asia/Kolkata",
            "language": "en",
            "role": "attendee",
        },
        "booking": PAYLOAD,
        "invite": {"method": "REQUEST", "sequence": 0},
        "links": {
            "reschedule": "https://book.example/reschedule/bk_1?token=t",
            "cancel": "https://book.example/booking/bk_1?cancel=true&token=t",
            "view": "https://book.example/booking/bk_1",
        },
        "stamp": "2026-03-02T08:00:00+00:00",
    }
    spec.update(changes)
    return spec


def test_a_rendered_invite_matches_its_golden_file():
    invite = render_email(_spec()).invite
    assert invite is not None
    path = GOLDEN / "invite_request.ics"
    if os.environ.get("CALENDULA_UPDATE_GOLDEN"):
        path.write_bytes(invite)
    assert invite == path.read_bytes()
    event = Calendar.from_ical(invite).walk("VEVENT")[0]
    assert str(event["ATTENDEE"].params["CN"]) == 'Priya "P" Rao'
    assert str(event["SUMMARY"]) == "Free estimate; kitchen, sink"
    parsed = vobject.readOne(invite.decode())
    assert parsed.vevent.summary.value == "Free estimate; kitchen, sink"
    assert parsed.vevent.location.value == "12 Main Street, Springfield"


def test_the_rendered_text_part_matches_its_golden_file():
    text = render_email(_spec()).text.replace("\u202f", " ")
    path = GOLDEN / "confirmed_attendee.txt"
    if os.environ.get("CALENDULA_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_every_booking_event_is_planned_for_the_right_people():
    def kinds(topic, payload=PAYLOAD, position=0):
        return [
            (p.notice, p.recipient.role, p.method, p.sequence)
            for p in plan(topic, payload, position)
        ]

    host, attendee = Role.HOST, Role.ATTENDEE
    assert kinds("BOOKING_CREATED") == [
        (Notice.NEW_BOOKING, host, Method.REQUEST, 0),
        (Notice.CONFIRMED, attendee, Method.REQUEST, 0),
    ]
    assert kinds("BOOKING_REQUESTED") == [
        (Notice.REQUEST_RECEIVED, host, None, 0),
        (Notice.REQUEST_SENT, attendee, None, 0),
    ]
    assert kinds("BOOKING_RESCHEDULED", position=2) == [
        (Notice.RESCHEDULED, host, Method.REQUEST, 2),
        (Notice.RESCHEDULED, attendee, Method.REQUEST, 2),
    ]
    cancelled = {**PAYLOAD, "status": "CANCELLED"}
    assert kinds("BOOKING_CANCELLED", cancelled, 2) == [
        (Notice.CANCELLED, host, Method.CANCEL, 3),
        (Notice.CANCELLED, attendee, Method.CANCEL, 3),
    ]
    assert kinds("BOOKING_CANCELLED") == [(Notice.SEAT_CANCELLED, host, None, 0)]
    assert kinds("BOOKING_REJECTED", {**PAYLOAD, "status": "REJECTED"}) == [
        (Notice.DECLINED, attendee, None, 0)
    ]
    assert kinds("BOOKING_NO_SHOW_UPDATED") == []
    seated = {
        **PAYLOAD,
        "seatsPerTimeSlot": 3,
        "attendees": [
            *PAYLOAD["attendees"],
            {"name": "Newcomer", "email": "new@client.example", "timeZone": "UTC"},
        ],
    }
    assert [p.recipient.email for p in plan("BOOKING_CREATED", seated, 0)] == [
        "ada@host.example",
        "new@client.example",
    ]


def test_sequence_rises_with_each_move_and_once_more_on_cancel():
    assert [invite_sequence(n, Method.REQUEST) for n in range(3)] == [0, 1, 2]
    assert invite_sequence(2, Method.CANCEL) == 3


def test_reminder_variables_are_filled_and_unknown_ones_refused():
    text = "Hi {ATTENDEE_NAME}, {EVENT_TIME} {unknown} {LOCATION}"
    assert fill_variables(text, {"ATTENDEE_NAME": "Priya", "EVENT_TIME": "10:00"}) == (
        "Hi Priya, 10:00 {unknown} "
    )
    with pytest.raises(InvalidInput) as refused:
        check_reminder(Reminder(event_type_id=1, owner_id=1, offset=1, subject="{WHEN}"))
    assert refused.value.field == "subject"
