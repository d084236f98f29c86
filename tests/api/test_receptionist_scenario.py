"""An AI receptionist's whole call, through the HTTP API only, as an agent built for Cal.com
would make it: list event types, ask for next Tuesday's afternoon times in the caller's zone,
hold one, book it for an unusual length, read it back, move it, cancel it."""

from __future__ import annotations

from datetime import datetime

from factories import make_host

BOOKINGS = "2024-08-13"
SLOTS = "2024-09-04"
EVENT_TYPES = "2024-06-14"
CALLER_ZONE = "Europe/London"


def test_a_voice_agent_books_moves_and_cancels_a_22_minute_appointment(api, container, calcom):
    host = make_host(
        container, "clinic", slug="consult", min_length_minutes=10, max_length_minutes=60
    )
    # 1. What can be booked? (public list by username)
    listed = api.get("/v2/event-types?username=clinic", version=EVENT_TYPES)
    assert listed.status_code == 200
    event = next(et for et in listed.json()["data"] if et["slug"] == "consult")

    # 2. Free times next Tuesday, shown in the caller's zone.
    slots = api.get(
        f"/v2/slots?eventTypeId={event['id']}&start=2026-03-03&end=2026-03-03"
        f"&timeZone={CALLER_ZONE}&duration=22",
        version=SLOTS,
    )
    calcom.check(slots, "GET", "/v2/slots")
    afternoon = [
        s["start"] for s in slots.json()["data"]["2026-03-03"] if s["start"][11:13] >= "17"
    ]
    chosen = datetime.fromisoformat(afternoon[0])  # London afternoon = New York morning

    # 3. Hold it while the caller spells their email.
    hold = api.post(
        "/v2/slots/reservations",
        version=SLOTS,
        json={"eventTypeId": event["id"], "slotStart": chosen.isoformat(), "slotDuration": 22},
    )
    assert hold.status_code == 201, hold.text
    reservation = hold.json()["data"]["reservationUid"]
    others = api.get(
        f"/v2/slots?eventTypeId={event['id']}&start=2026-03-03&end=2026-03-03"
        f"&timeZone={CALLER_ZONE}&duration=22",
        version=SLOTS,
    ).json()["data"]["2026-03-03"]
    assert afternoon[0] not in [s["start"] for s in others]

    # 4. Book exactly 22 minutes with the hold.
    booked = api.post(
        "/v2/bookings",
        version=BOOKINGS,
        headers={"Idempotency-Key": "call-42"},
        json={
            "eventTypeId": event["id"],
            "start": chosen.isoformat(),
            "lengthInMinutes": 22,
            "reservationUid": reservation,
            "attendee": {
                "name": "Sam Caller",
                "email": "sam@example.com",
                "timeZone": CALLER_ZONE,
                "phoneNumber": "+447700900123",
            },
        },
    )
    assert booked.status_code == 201, booked.text
    booking = calcom.check(booked, "POST", "/v2/bookings")["data"]
    assert booking["duration"] == 22
    assert datetime.fromisoformat(booking["start"]) == chosen

    # 5. The agent's retry after a dropped connection changes nothing.
    retried = api.post(
        "/v2/bookings",
        version=BOOKINGS,
        headers={"Idempotency-Key": "call-42"},
        json={
            "eventTypeId": event["id"],
            "start": chosen.isoformat(),
            "lengthInMinutes": 22,
            "attendee": {"name": "Sam Caller", "email": "sam@example.com", "timeZone": CALLER_ZONE},
        },
    )
    assert retried.json()["data"]["uid"] == booking["uid"]

    # 6. Read it back, move it an hour later, cancel the new one.
    fetched = api.get(f"/v2/bookings/{booking['uid']}", version=BOOKINGS)
    assert fetched.json()["data"]["attendees"][0]["timeZone"] == CALLER_ZONE
    moved = api.post(
        f"/v2/bookings/{booking['uid']}/reschedule",
        version=BOOKINGS,
        json={"start": "2026-03-03T18:00:00Z", "reschedulingReason": "caller asked"},
    )
    assert moved.status_code == 201, moved.text
    new = moved.json()["data"]
    assert new["rescheduledFromUid"] == booking["uid"]
    assert new["duration"] == 22
    old = api.get(f"/v2/bookings/{booking['uid']}", version=BOOKINGS).json()["data"]
    assert old["status"] == "cancelled"
    assert old["rescheduledToUid"] == new["uid"]
    assert old["icsUid"] == new["icsUid"]

    cancelled = api.post(
        f"/v2/bookings/{new['uid']}/cancel",
        version=BOOKINGS,
        json={"cancellationReason": "feeling better"},
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["data"]["status"] == "cancelled"
    assert host.event_type.id == event["id"]
