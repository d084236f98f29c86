"""The delivery API: `POST /v2/webhooks/{id}/ping`, `GET /v2/webhooks/{id}/deliveries`,
`POST /v2/webhooks/{id}/deliveries/{deliveryId}/redeliver`, with a real receiver on loopback
(this module's container lets webhooks target private addresses)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from calendula import bootstrap
from receiver import Answer, Receiver

TUESDAY_10 = "2026-03-03T15:00:00Z"


@pytest.fixture
def container(make_container) -> bootstrap.Container:
    return make_container(webhook_allow_private_targets=True, webhook_timeout_seconds=1.0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_hook(api, key: str, url: str) -> str:
    response = api.post(
        "/v2/webhooks",
        headers=auth(key),
        json={"subscriberUrl": url, "triggers": ["BOOKING_CREATED"], "active": True},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def test_ping_delivers_now_and_answers_how_it_went(api, demo_key, receiver: Receiver) -> None:
    _, key = demo_key
    hook = create_hook(api, key, receiver.url())
    response = api.post(f"/v2/webhooks/{hook}/ping", headers=auth(key))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["trigger"] == "PING"
    assert data["status"] == "delivered"
    assert data["attempts"][0]["statusCode"] == 200
    (message,) = receiver.wait_for(1)
    assert message.json()["payload"]["title"] == "Test trigger event"
    assert message.headers["webhook-id"] == data["messageId"]


def test_the_log_shows_attempts_and_a_redelivery_sends_again(
    api, demo_key, receiver: Receiver, container
) -> None:
    host, key = demo_key
    hook = create_hook(api, key, receiver.url())
    receiver.default = Answer(404)
    booked = api.post(
        "/v2/bookings",
        headers={"cal-api-version": "2024-08-13"},
        json={
            "start": TUESDAY_10,
            "eventTypeId": host.event_type.id,
            "attendee": {"name": "Grace", "email": "grace@example.com", "timeZone": "UTC"},
        },
    )
    assert booked.status_code == 201, booked.text
    container.dispatcher.drain()

    log = api.get(f"/v2/webhooks/{hook}/deliveries", headers=auth(key))
    assert log.status_code == 200, log.text
    data = log.json()["data"]
    assert (data["webhookId"], data["active"], data["consecutiveFailures"]) == (hook, True, 1)
    (delivery,) = [d for d in data["deliveries"] if d["trigger"] == "BOOKING_CREATED"]
    assert delivery["status"] == "failed"
    assert delivery["lastError"] == "HTTP 404"
    assert [(a["result"], a["statusCode"]) for a in delivery["attempts"]] == [("failed", 404)]

    receiver.default = Answer(200)
    again = api.post(
        f"/v2/webhooks/{hook}/deliveries/{delivery['id']}/redeliver", headers=auth(key)
    )
    assert again.status_code == 200, again.text
    assert again.json()["data"]["status"] == "pending"
    container.dispatcher.drain()
    log = api.get(f"/v2/webhooks/{hook}/deliveries", headers=auth(key)).json()["data"]
    (delivery,) = [d for d in log["deliveries"] if d["trigger"] == "BOOKING_CREATED"]
    assert delivery["status"] == "delivered"
    assert len(delivery["attempts"]) == 2
    assert log["consecutiveFailures"] == 0
    ids = {m.headers["webhook-id"] for m in receiver.received}
    assert ids == {delivery["messageId"]}


def test_an_unknown_delivery_is_a_404_naming_it(api, demo_key, receiver: Receiver) -> None:
    _, key = demo_key
    hook = create_hook(api, key, receiver.url())
    response = api.post(f"/v2/webhooks/{hook}/deliveries/999/redeliver", headers=auth(key))
    assert response.status_code == 404
    assert "999" in response.json()["error"]["message"]


def test_delivery_paging_is_validated(api, demo_key, receiver: Receiver) -> None:
    _, key = demo_key
    hook = create_hook(api, key, receiver.url())
    response = api.get(f"/v2/webhooks/{hook}/deliveries?take=0", headers=auth(key))
    assert response.status_code == 400
    assert "take" in response.text
