"""`/v2/event-types/{eventTypeId}/reminders`: create, list, read, change, delete; refusals."""

from __future__ import annotations


def _path(host) -> str:
    return f"/v2/event-types/{host.event_type.id}/reminders"


def test_a_host_manages_the_reminders_of_an_event_type(api, demo_key):
    host, key = demo_key
    created = api.post(
        _path(host),
        key=key,
        json={"offset": 2, "unit": "days", "sendTo": "both", "subject": "See you {EVENT_DATE}"},
    )
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["offset"] == 2 and data["unit"] == "days" and data["offsetMinutes"] == 2880
    assert data["channel"] == "email" and data["sendTo"] == "both" and data["active"] is True
    assert data["subject"] == "See you {EVENT_DATE}" and "{ATTENDEE_NAME}" in data["body"]
    one = f"{_path(host)}/{data['id']}"

    listed = api.get(_path(host), key=key)
    assert [r["id"] for r in listed.json()["data"]] == [data["id"]]
    changed = api.patch(one, key=key, json={"offset": 30, "unit": "minutes", "active": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["offsetMinutes"] == 30
    assert changed.json()["data"]["active"] is False
    assert api.get(one, key=key).json()["data"]["subject"] == "See you {EVENT_DATE}"
    deleted = api.delete(one, key=key)
    assert deleted.status_code == 200 and deleted.json()["data"]["id"] == data["id"]
    assert api.get(one, key=key).status_code == 404
    assert api.get(_path(host), key=key).json()["data"] == []


def test_bad_reminders_are_refused_naming_the_field(api, demo_key):
    host, key = demo_key
    unknown = api.post(_path(host), key=key, json={"offset": 1, "body": "Hi {NOPE}"})
    assert unknown.status_code == 400, unknown.text
    assert unknown.json()["error"]["details"]["field"] == "body"
    too_far = api.post(_path(host), key=key, json={"offset": 31, "unit": "days"})
    assert too_far.status_code == 400
    assert too_far.json()["error"]["details"]["field"] == "offset"
    assert api.post(_path(host), key=key, json={"unit": "hours"}).status_code == 400
    assert api.post(_path(host), key=key, json={"offset": 1, "channel": "fax"}).status_code == 400
    assert api.get(_path(host)).status_code == 401
