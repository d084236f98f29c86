"""Logs never carry attendee emails or API keys (security is part of done)."""

from __future__ import annotations

import logging

SECRET_EMAIL = "private.person@example.org"


def test_a_booking_flow_logs_neither_the_attendee_email_nor_the_api_key(api, demo_key, caplog):
    host, key = demo_key
    caplog.set_level(logging.DEBUG)
    booked = api.post(
        "/v2/bookings",
        version="2024-08-13",
        json={
            "eventTypeId": host.event_type.id,
            "start": "2026-03-03T15:00:00Z",
            "attendee": {"name": "P", "email": SECRET_EMAIL, "timeZone": "UTC"},
        },
    )
    assert booked.status_code == 201, booked.text
    uid = booked.json()["data"]["uid"]
    api.get(f"/v2/bookings?attendeeEmail={SECRET_EMAIL}", key=key, version="2024-08-13")
    api.post(
        f"/v2/bookings/{uid}/cancel",
        key=key,
        version="2024-08-13",
        json={"cancellationReason": "test"},
    )
    api.get("/v2/me", key="cal_live_" + "0" * 32)  # a bad key is logged nowhere either
    # The test client's own request log (logger "httpx") is the caller's, not the server's.
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() for r in server)
    assert server, "expected some log lines from the booking flow"
    assert SECRET_EMAIL not in logged
    assert key not in logged and key.removeprefix("cal_") not in logged
    assert "0" * 32 not in logged
