"""GET and PATCH /v2/me: Cal.com's MeOutput, profile changes, validation, auth."""

from __future__ import annotations

import pytest

from factories import make_schedule

NO_AUTH = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' "
    "header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)


def test_me_returns_the_callers_profile_in_calcoms_shape(api, demo_key, calcom):
    host, key = demo_key
    response = api.get("/v2/me", key=key)
    assert response.status_code == 200
    body = calcom.check(response, "GET", "/v2/me")
    assert body["data"] == {
        "id": host.user.id,
        "username": "ada",
        "email": "ada@example.com",
        "name": "Ada",
        "avatarUrl": None,
        "bio": None,
        "timeFormat": 24,
        "defaultScheduleId": host.user.default_schedule_id,
        "weekStart": "Monday",
        "timeZone": "America/New_York",
        "organizationId": None,
    }


@pytest.mark.parametrize("version", [None, "2024-04-15", "2024-06-14", "2024-08-13", "nonsense"])
def test_me_answers_whatever_the_api_version(api, demo_key, version):
    _, key = demo_key
    response = api.get("/v2/me", key=key, version=version)
    assert response.status_code == 200
    assert response.json()["data"]["username"] == "ada"


def test_me_without_a_key_is_401_with_calcoms_message(api):
    response = api.get("/v2/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UnauthorizedException"
    assert response.json()["error"]["message"] == NO_AUTH


def test_me_with_an_unknown_key_is_401(api, host):
    response = api.get("/v2/me", key="cal_live_" + "0" * 32)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == (
        "ApiAuthStrategy - api key - Your api key is not valid"
    )


def test_patch_me_changes_the_given_fields_only(api, demo_key, calcom):
    _, key = demo_key
    response = api.patch(
        "/v2/me",
        key=key,
        json={
            "name": "Ada Lovelace",
            "timeFormat": 12,
            "weekStart": "Sunday",
            "bio": "Analyst",
            "avatarUrl": "https://example.com/ada.png",
            "locale": "de",
            "metadata": {"team": "engines"},
        },
    )
    assert response.status_code == 200
    data = calcom.check(response, "PATCH", "/v2/me")["data"]
    assert data["name"] == "Ada Lovelace"
    assert data["timeFormat"] == 12
    assert data["weekStart"] == "Sunday"
    assert data["bio"] == "Analyst"
    assert data["avatarUrl"] == "https://example.com/ada.png"
    assert data["email"] == "ada@example.com"
    assert data["timeZone"] == "America/New_York"
    assert api.get("/v2/me", key=key).json()["data"] == data


def test_patch_me_with_an_empty_body_changes_nothing(api, demo_key):
    _, key = demo_key
    before = api.get("/v2/me", key=key).json()["data"]
    response = api.patch("/v2/me", key=key, json={})
    assert response.status_code == 200
    assert response.json()["data"] == before


def test_patch_me_time_zone_also_moves_the_default_schedule(api, demo_key):
    host, key = demo_key
    response = api.patch("/v2/me", key=key, json={"timeZone": "Europe/Paris"})
    assert response.status_code == 200
    assert response.json()["data"]["timeZone"] == "Europe/Paris"
    default = api.get("/v2/schedules/default", key=key, version="2024-06-11").json()["data"]
    assert default["id"] == host.user.default_schedule_id
    assert default["timeZone"] == "Europe/Paris"


def test_patch_me_default_schedule_id_makes_that_schedule_the_default(api, demo_key, container):
    host, key = demo_key
    other = container.schedules.create(host.user.id, make_schedule(host.user.id, name="Evenings"))
    response = api.patch("/v2/me", key=key, json={"defaultScheduleId": other.id})
    assert response.status_code == 200
    assert response.json()["data"]["defaultScheduleId"] == other.id
    listed = api.get("/v2/schedules", key=key, version="2024-06-14").json()["data"]
    assert {s["id"]: s["isDefault"] for s in listed} == {
        host.user.default_schedule_id: False,
        other.id: True,
    }


def test_patch_me_refuses_another_users_schedule_as_default(api, demo_key, container):
    _, key = demo_key
    stranger = container.accounts.create_user("grace", "grace@example.com")
    response = api.patch(
        "/v2/me", key=key, json={"defaultScheduleId": stranger.default_schedule_id}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFoundException"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"timeZone": "../etc/passwd"}, "timeZone"),
        ({"email": "not-an-email"}, "email"),
        ({"weekStart": "Funday"}, "weekStart"),
        ({"timeFormat": 13}, "timeFormat"),
        ({"timeFormat": "24"}, "timeFormat"),
        ({"defaultScheduleId": "one"}, "defaultScheduleId"),
        ({"name": 42}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"bio": "nul\x00byte"}, "bio"),
        ({"metadata": {f"k{i}": i for i in range(51)}}, "metadata"),
        ({"metadata": "flat"}, "metadata"),
    ],
)
def test_patch_me_rejects_bad_fields_with_400_naming_the_field(api, demo_key, body, field):
    _, key = demo_key
    response = api.patch("/v2/me", key=key, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequestException"
    assert error["details"]["field"] == field


def test_patch_me_with_a_taken_email_is_a_conflict(api, demo_key, container):
    _, key = demo_key
    container.accounts.create_user("grace", "grace@example.com")
    response = api.patch("/v2/me", key=key, json={"email": "GRACE@example.com"})
    assert response.status_code == 409
    assert response.json()["error"]["details"]["field"] == "email"


def test_patch_me_without_a_key_is_401(api, host):
    response = api.patch("/v2/me", json={"name": "Nobody"})
    assert response.status_code == 401


ODD_VALUES = [None, -1, 2**63, 1.5, "", "\x00", "a" * 300, [], [None], {}, True, "Etc/GMT+5"]
FIELDS = (
    "email", "name", "timeFormat", "defaultScheduleId", "weekStart", "timeZone", "locale",
    "avatarUrl", "bio", "metadata",
)  # fmt: skip


@pytest.mark.parametrize("field", FIELDS)
def test_odd_values_in_any_field_never_cause_a_server_error(api, demo_key, field):
    _, key = demo_key
    for value in ODD_VALUES:
        assert api.patch("/v2/me", key=key, json={field: value}).status_code < 500, value
