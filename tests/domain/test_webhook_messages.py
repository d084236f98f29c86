"""Webhook messages: Cal.com's payload shapes (golden files), templates, and signatures a
Cal.com subscriber verifies unchanged.

Regenerate the golden files after a deliberate shape change with
`CALENDULA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/domain/test_webhook_messages.py`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from calendula.domain.accounts import User
from calendula.domain.bookings import Attendee, Booking, BookingStatus
from calendula.domain.event_types import BookingField, EventType, FieldType
from calendula.domain.webhooks import (
    NO_SECRET,
    BookingFacts,
    Trigger,
    booking_payload,
    delivery_headers,
    no_show_payload,
    render_template,
    wire_body,
)

GOLDEN = Path(__file__).parent / "golden"
CREATED = datetime(2026, 3, 2, 8, 0, 0, 123000, tzinfo=UTC)
START = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
END = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)

ORGANIZER = User(
    id=7,
    username="ada",
    email="ada@example.com",
    time_zone="America/New_York",
    name="Ada",
    time_format=12,
)
EVENT_TYPE = EventType(
    id=3,
    owner_id=7,
    slug="intro",
    title="Intro call",
    length_minutes=30,
    description="Say hello",
    booking_fields=(BookingField(FieldType.TEXT, "company", "Company"),),
)
BOOKING = Booking(
    id=11,
    uid="bk_abc",
    ics_uid="ics_abc@calendula",
    event_type_id=3,
    host_ids=(7,),
    title="Intro call between Ada and Grace",
    start=START,
    end=END,
    status=BookingStatus.ACCEPTED,
    attendees=(Attendee("Grace", "grace@example.com", "Asia/Kolkata", phone_number="+911234567"),),
    created_at=CREATED,
    updated_at=CREATED,
    responses={
        "name": "Grace",
        "email": "grace@example.com",
        "company": "Navy <&> Co",
        "notes": 'Bring "plans"',
    },
    metadata={"crmId": "c-9"},
    location="https://meet.example.com/ada",
)


def golden(name: str, value: object) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("CALENDULA_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"golden file {path.name} is missing; see the module docstring"
    assert text == path.read_text(), f"{name} shape changed; see the module docstring"


def test_booking_created_payload_keeps_calcoms_shape():
    payload = booking_payload(Trigger.BOOKING_CREATED, BookingFacts(BOOKING, ORGANIZER, EVENT_TYPE))
    golden("booking_created_payload", payload)
    assert payload["startTime"] == "2026-03-03T15:00:00Z"
    assert payload["status"] == "ACCEPTED"
    assert payload["organizer"]["utcOffset"] == -300  # EST
    assert payload["attendees"][0]["utcOffset"] == 330  # IST +05:30
    assert payload["organizer"]["timeFormat"] == "h:mma"
    assert payload["responses"]["company"] == {"label": "Company", "value": "Navy <&> Co"}
    assert payload["responses"]["name"]["label"] == "your_name"


def test_rescheduled_payload_names_the_old_booking_and_who_moved_it():
    old = dataclasses.replace(
        BOOKING, id=10, uid="bk_old", start=START.replace(hour=14), end=END.replace(hour=14)
    )
    new = dataclasses.replace(
        BOOKING, rescheduled_from_uid="bk_old", rescheduled_by="grace@example.com"
    )
    payload = booking_payload(
        Trigger.BOOKING_RESCHEDULED, BookingFacts(new, ORGANIZER, EVENT_TYPE, previous=old)
    )
    golden(
        "booking_rescheduled_extras", {k: payload[k] for k in sorted(payload) if "eschedul" in k}
    )
    assert payload["rescheduleUid"] == "bk_old"
    assert payload["rescheduleStartTime"] == "2026-03-03T14:00:00Z"
    assert payload["rescheduledBy"] == "grace@example.com"


def test_cancelled_and_rejected_payloads_carry_their_reasons():
    cancelled = dataclasses.replace(
        BOOKING,
        status=BookingStatus.CANCELLED,
        cancellation_reason="ill",
        cancelled_by="grace@example.com",
    )
    payload = booking_payload(Trigger.BOOKING_CANCELLED, BookingFacts(cancelled, ORGANIZER))
    assert (payload["status"], payload["cancellationReason"], payload["cancelledBy"]) == (
        "CANCELLED",
        "ill",
        "grace@example.com",
    )
    rejected = dataclasses.replace(BOOKING, status=BookingStatus.REJECTED, rejection_reason="no")
    assert (
        booking_payload(Trigger.BOOKING_REJECTED, BookingFacts(rejected, ORGANIZER))[
            "rejectionReason"
        ]
        == "no"
    )


def test_no_show_payload_lists_each_attendee():
    absent = dataclasses.replace(
        BOOKING, attendees=(dataclasses.replace(BOOKING.attendees[0], absent=True),)
    )
    golden("booking_no_show_payload", no_show_payload(absent))


def test_default_body_is_compact_json_that_a_calcom_subscriber_verifies():
    payload = booking_payload(Trigger.BOOKING_CREATED, BookingFacts(BOOKING, ORGANIZER, EVENT_TYPE))
    body, content_type = wire_body(Trigger.BOOKING_CREATED, CREATED, payload, None)
    assert content_type == "application/json"
    assert body.startswith(
        b'{"triggerEvent":"BOOKING_CREATED","createdAt":"2026-03-02T08:00:00.123Z"'
    )
    headers = delivery_headers("msg_1", 1772438400, body, content_type, "s3cret")
    # Cal.com's documented check: createHmac('sha256', secret).update(rawBody).digest('hex')
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Cal-Signature-256"] == expected
    assert headers["X-Cal-Webhook-Version"] == "2021-10-20"
    # Standard Webhooks: base64 HMAC of "id.timestamp.body"
    signed = hmac.new(b"s3cret", b"msg_1.1772438400." + body, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(signed).decode()
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == "1772438400"


def test_without_a_secret_the_signature_says_so():
    headers = delivery_headers("m", 1, b"{}", "application/json", None)
    assert headers["X-Cal-Signature-256"] == NO_SECRET


def test_calcoms_example_template_renders_to_json():
    template = (
        '{"content":"A new event has been scheduled","type":"{{type}}","name":"{{title}}",'
        '"organizer":"{{organizer.name}}","booker":"{{attendees.0.name}}"}'
    )
    payload = booking_payload(Trigger.BOOKING_CREATED, BookingFacts(BOOKING, ORGANIZER, EVENT_TYPE))
    body, content_type = wire_body(Trigger.BOOKING_CREATED, CREATED, payload, template)
    assert content_type == "application/json"
    assert json.loads(body) == {
        "content": "A new event has been scheduled",
        "type": "intro",
        "name": "Intro call between Ada and Grace",
        "organizer": "Ada",
        "booker": "Grace",
    }


def test_template_values_are_escaped_like_handlebars_and_quotes_restored():
    context = {"responses": {"company": {"value": "Navy <&> 'Co' =1"}}, "n": {"a": 1}, "l": [1, 2]}
    assert render_template("{{responses.company.value}}", context) == (
        "Navy &lt;&amp;&gt; &#x27;Co&#x27; &#x3D;1"
    )
    assert render_template('say "{{missing.path}}"', context) == 'say ""'
    assert render_template("{{n}}|{{l}}|{{ l.1 }}", context) == "[object Object]|1,2|2"


def test_a_template_that_is_not_json_is_sent_form_encoded():
    payload = {"title": "Intro", "uid": "bk_abc"}
    body, content_type = wire_body(
        Trigger.BOOKING_CREATED, CREATED, payload, "event={{triggerEvent}}&uid={{uid}}"
    )
    assert content_type == "application/x-www-form-urlencoded"
    assert parse_qs(body.decode()) == {"event": ["BOOKING_CREATED"], "uid": ["bk_abc"]}


@pytest.mark.parametrize("trigger", list(Trigger))
def test_every_trigger_is_documented(trigger):
    docs = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
    assert trigger.value in docs.read_text()
