"""/v2/schedules (cal-api-version 2024-06-11 and 2024-06-14): Cal.com's shapes, the mapping of
availability and overrides to the domain, validation, tenant isolation, version routing."""

from __future__ import annotations

from datetime import date, time

import pytest

from factories import make_override, make_schedule

V = "2024-06-11"
ANOTHER_V = "2024-06-14"


def make_key(container, username):
    user = container.accounts.create_user(username, f"{username}@example.com", time_zone="UTC")
    _, key = container.accounts.create_api_key(user.id)
    return user, key


def create(api, key, version=V, **fields):
    body = {"name": "Focus hours", "timeZone": "Europe/Rome", "isDefault": False, **fields}
    return api.post("/v2/schedules", key=key, version=version, json=body)


# -- create ----------------------------------------------------------------------------------


def test_create_returns_201_with_the_schedule_in_calcoms_shape(api, demo_key, calcom):
    host, key = demo_key
    response = create(
        api,
        key,
        availability=[
            {"days": ["Monday", "Tuesday"], "startTime": "17:00", "endTime": "19:00"},
            {"days": ["Wednesday", "Thursday"], "startTime": "16:00", "endTime": "20:00"},
        ],
        overrides=[{"date": "2030-05-20", "startTime": "18:00", "endTime": "21:00"}],
    )
    assert response.status_code == 201
    data = calcom.check(response, "POST", "/v2/schedules")["data"]
    assert data == {
        "id": data["id"],
        "ownerId": host.user.id,
        "name": "Focus hours",
        "timeZone": "Europe/Rome",
        "availability": [
            {"days": ["Monday", "Tuesday"], "startTime": "17:00", "endTime": "19:00"},
            {"days": ["Wednesday", "Thursday"], "startTime": "16:00", "endTime": "20:00"},
        ],
        "isDefault": False,
        "overrides": [{"date": "2030-05-20", "startTime": "18:00", "endTime": "21:00"}],
    }


def test_create_without_availability_gets_monday_to_friday_nine_to_five(api, demo_key):
    _, key = demo_key
    data = create(api, key).json()["data"]
    assert data["availability"] == [
        {
            "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            "startTime": "09:00",
            "endTime": "17:00",
        }
    ]
    assert data["overrides"] == []


def test_create_with_an_empty_availability_list_has_no_weekly_hours(api, demo_key):
    _, key = demo_key
    assert create(api, key, availability=[]).json()["data"]["availability"] == []


def test_create_is_stored_in_the_domain_as_weekly_hours_and_overrides(api, demo_key, container):
    host, key = demo_key
    data = create(
        api,
        key,
        availability=[{"days": ["Friday"], "startTime": "22:00", "endTime": "02:00"}],
        overrides=[
            {"date": "2030-05-20", "startTime": "00:00", "endTime": "00:00"},
            {"date": "2030-05-21", "startTime": "09:00", "endTime": "12:00"},
            {"date": "2030-05-21", "startTime": "13:00", "endTime": "24:00"},
        ],
    ).json()["data"]
    stored = container.schedules.get(host.user.id, data["id"])
    assert [(w.weekday.name, w.hours.start, w.hours.end) for w in stored.weekly] == [
        ("FRIDAY", time(22), time(2))
    ]
    overrides = {o.day.isoformat(): o.ranges for o in stored.overrides}
    assert overrides["2030-05-20"] == ()
    assert [(r.start, r.end) for r in overrides["2030-05-21"]] == [
        (time(9), time(12)),
        (time(13), time(0)),
    ]


def test_a_day_off_and_midnight_ends_read_back_as_they_were_written(api, demo_key):
    _, key = demo_key
    availability = [
        {"days": ["Monday"], "startTime": "18:00", "endTime": "00:00"},
        {"days": ["Saturday"], "startTime": "00:00", "endTime": "24:00"},
        {"days": ["Sunday"], "startTime": "22:00", "endTime": "02:00"},
    ]
    overrides = [
        {"date": "2030-05-20", "startTime": "00:00", "endTime": "00:00"},
        {"date": "2030-05-22", "startTime": "00:00", "endTime": "24:00"},
    ]
    data = create(api, key, availability=availability, overrides=overrides).json()["data"]
    assert data["availability"] == availability
    assert data["overrides"] == overrides


def test_whole_day_weekly_hours_may_be_written_as_midnight_to_midnight(api, demo_key):
    _, key = demo_key
    data = create(
        api, key, availability=[{"days": ["Sunday"], "startTime": "00:00", "endTime": "00:00"}]
    ).json()["data"]
    assert data["availability"] == [{"days": ["Sunday"], "startTime": "00:00", "endTime": "24:00"}]


def test_create_with_is_default_makes_it_the_users_default(api, demo_key):
    host, key = demo_key
    created = create(api, key, isDefault=True).json()["data"]
    assert created["isDefault"] is True
    assert api.get("/v2/me", key=key).json()["data"]["defaultScheduleId"] == created["id"]
    old = api.get(f"/v2/schedules/{host.user.default_schedule_id}", key=key, version=V)
    assert old.json()["data"]["isDefault"] is False


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"timeZone": ""}, "timeZone"),
        ({"timeZone": 5}, "timeZone"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"isDefault": "yes"}, "isDefault"),
        (
            {"availability": [{"days": ["Funday"], "startTime": "09:00", "endTime": "17:00"}]},
            "availability.0.days.0",
        ),
        (
            {"availability": [{"days": ["Monday"], "startTime": "9:00", "endTime": "17:00"}]},
            "availability.0.startTime",
        ),
        (
            {"availability": [{"days": ["Monday"], "startTime": "24:00", "endTime": "17:00"}]},
            "availability.0.startTime",
        ),
        (
            {"availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "25:00"}]},
            "availability.0.endTime",
        ),
        ({"availability": [{"days": ["Monday"], "startTime": "09:00"}]}, "availability.0.endTime"),
        (
            {"availability": [{"days": ["Monday"], "startTime": "09:00", "endTime": "09:00"}]},
            "availability",
        ),
        (
            {
                "availability": [
                    {"days": ["Monday"], "startTime": "09:00", "endTime": "17:00"},
                    {"days": ["Monday"], "startTime": "16:00", "endTime": "18:00"},
                ]
            },
            "availability",
        ),
        (
            {
                "availability": [
                    {"days": ["Sunday"], "startTime": "20:00", "endTime": "10:00"},
                    {"days": ["Monday"], "startTime": "09:00", "endTime": "12:00"},
                ]
            },
            "availability",
        ),
        ({"availability": "Monday"}, "availability"),
        (
            {"overrides": [{"date": "2030-02-30", "startTime": "09:00", "endTime": "10:00"}]},
            "overrides.0.date",
        ),
        (
            {
                "overrides": [
                    {"date": "2030-05-20", "startTime": "09:00", "endTime": "12:00"},
                    {"date": "2030-05-20", "startTime": "11:00", "endTime": "13:00"},
                ]
            },
            "overrides",
        ),
        (
            {
                "overrides": [
                    {"date": "2030-05-20", "startTime": "00:00", "endTime": "00:00"},
                    {"date": "2030-05-20", "startTime": "11:00", "endTime": "13:00"},
                ]
            },
            "overrides",
        ),
        (
            {"overrides": [{"date": "2030-05-20", "startTime": "10:00", "endTime": "10:00"}]},
            "overrides",
        ),
    ],
)
def test_create_rejects_bad_input_with_400_naming_the_field(api, demo_key, fields, field):
    _, key = demo_key
    response = create(api, key, **fields)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BadRequestException"
    assert error["details"]["field"] == field


@pytest.mark.parametrize("missing", ["name", "timeZone", "isDefault"])
def test_create_requires_name_time_zone_and_is_default(api, demo_key, missing):
    _, key = demo_key
    body = {"name": "Focus hours", "timeZone": "Europe/Rome", "isDefault": False}
    del body[missing]
    response = api.post("/v2/schedules", key=key, version=V, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == missing


def test_create_without_a_key_is_401(api, host):
    response = create(api, None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UnauthorizedException"


# -- read ------------------------------------------------------------------------------------


def test_list_returns_the_callers_schedules_in_calcoms_shape(api, demo_key, calcom, container):
    host, key = demo_key
    container.schedules.create(
        host.user.id,
        make_schedule(host.user.id, name="Holidays", overrides=(make_override(date(2030, 1, 1)),)),
    )
    response = api.get("/v2/schedules", key=key, version=ANOTHER_V)
    assert response.status_code == 200
    data = calcom.check(response, "GET", "/v2/schedules")["data"]
    assert [s["name"] for s in data] == ["Working hours", "Holidays"]
    assert data[1]["overrides"] == [
        {"date": "2030-01-01", "startTime": "00:00", "endTime": "00:00"}
    ]


def test_get_one_returns_it_in_calcoms_shape(api, demo_key, calcom):
    host, key = demo_key
    response = api.get(f"/v2/schedules/{host.user.default_schedule_id}", key=key, version=V)
    assert response.status_code == 200
    data = calcom.check(response, "GET", "/v2/schedules/{scheduleId}")["data"]
    assert data["id"] == host.user.default_schedule_id
    assert data["isDefault"] is True
    assert data["timeZone"] == "America/New_York"


def test_get_default_returns_the_default_schedule(api, demo_key, calcom):
    host, key = demo_key
    response = api.get("/v2/schedules/default", key=key, version=V)
    assert response.status_code == 200
    data = calcom.check(response, "GET", "/v2/schedules/default")["data"]
    assert data["id"] == host.user.default_schedule_id


def test_get_default_is_null_when_the_user_has_no_schedule(api, demo_key, container):
    host, key = demo_key
    container.schedules.delete(host.user.id, host.user.default_schedule_id)
    response = api.get("/v2/schedules/default", key=key, version=V)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": None}


def test_get_an_unknown_schedule_is_404(api, demo_key):
    _, key = demo_key
    for schedule_id in (987654, 99999999999999):
        response = api.get(f"/v2/schedules/{schedule_id}", key=key, version=V)
        assert response.status_code == 404
        message = response.json()["error"]["message"]
        assert message == f"Schedule with ID={schedule_id} does not exist."


def test_a_non_numeric_schedule_id_is_400_naming_it(api, demo_key):
    _, key = demo_key
    response = api.get("/v2/schedules/abc", key=key, version=V)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == "scheduleId"


# -- update ----------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields(api, demo_key, calcom):
    _, key = demo_key
    created = create(
        api, key, overrides=[{"date": "2030-05-20", "startTime": "18:00", "endTime": "21:00"}]
    ).json()["data"]
    response = api.patch(
        f"/v2/schedules/{created['id']}",
        key=key,
        version=V,
        json={
            "name": "Late shift",
            "availability": [{"days": ["Saturday"], "startTime": "12:00", "endTime": "20:00"}],
        },
    )
    assert response.status_code == 200
    data = calcom.check(response, "PATCH", "/v2/schedules/{scheduleId}")["data"]
    assert data["name"] == "Late shift"
    assert data["timeZone"] == "Europe/Rome"
    assert data["availability"] == [
        {"days": ["Saturday"], "startTime": "12:00", "endTime": "20:00"}
    ]
    assert data["overrides"] == created["overrides"]


def test_update_with_an_empty_overrides_list_removes_them(api, demo_key):
    _, key = demo_key
    created = create(
        api, key, overrides=[{"date": "2030-05-20", "startTime": "18:00", "endTime": "21:00"}]
    ).json()["data"]
    response = api.patch(
        f"/v2/schedules/{created['id']}", key=key, version=V, json={"overrides": []}
    )
    assert response.json()["data"]["overrides"] == []


def test_update_is_default_true_moves_the_default(api, demo_key):
    host, key = demo_key
    created = create(api, key).json()["data"]
    response = api.patch(
        f"/v2/schedules/{created['id']}", key=key, version=V, json={"isDefault": True}
    )
    assert response.json()["data"]["isDefault"] is True
    old = api.get(f"/v2/schedules/{host.user.default_schedule_id}", key=key, version=V)
    assert old.json()["data"]["isDefault"] is False
    assert api.get("/v2/me", key=key).json()["data"]["defaultScheduleId"] == created["id"]


def test_update_is_default_false_on_the_default_keeps_it_default(api, demo_key):
    host, key = demo_key
    response = api.patch(
        f"/v2/schedules/{host.user.default_schedule_id}",
        key=key,
        version=V,
        json={"isDefault": False},
    )
    assert response.status_code == 200
    assert response.json()["data"]["isDefault"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timeZone": "Nowhere/Land"}, "timeZone"),
        ({"name": None, "timeZone": 3}, "timeZone"),
        (
            {
                "availability": [
                    {"days": ["Monday", "Monday"], "startTime": "09:00", "endTime": "10:00"}
                ]
            },
            "availability",
        ),
        (
            {"overrides": [{"date": "tomorrow", "startTime": "09:00", "endTime": "10:00"}]},
            "overrides.0.date",
        ),
    ],
)
def test_update_rejects_bad_input_with_400_and_keeps_the_schedule(api, demo_key, body, field):
    host, key = demo_key
    path = f"/v2/schedules/{host.user.default_schedule_id}"
    before = api.get(path, key=key, version=V).json()["data"]
    response = api.patch(path, key=key, version=V, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == field
    assert api.get(path, key=key, version=V).json()["data"] == before


# -- delete ----------------------------------------------------------------------------------


def test_delete_answers_success_without_data_and_removes_it(api, demo_key, calcom):
    _, key = demo_key
    created = create(api, key).json()["data"]
    response = api.delete(f"/v2/schedules/{created['id']}", key=key, version=V)
    assert response.status_code == 200
    assert calcom.check(response, "DELETE", "/v2/schedules/{scheduleId}") == {"status": "success"}
    assert api.get(f"/v2/schedules/{created['id']}", key=key, version=V).status_code == 404


def test_delete_of_the_default_while_others_exist_is_refused(api, demo_key):
    host, key = demo_key
    create(api, key)
    response = api.delete(f"/v2/schedules/{host.user.default_schedule_id}", key=key, version=V)
    assert response.status_code == 400


# -- tenant isolation ------------------------------------------------------------------------


def test_another_user_cannot_read_update_or_delete_my_schedule(api, demo_key, container):
    _, key = demo_key
    mine = create(api, key).json()["data"]
    _, other_key = make_key(container, "grace")
    path = f"/v2/schedules/{mine['id']}"
    assert api.get(path, key=other_key, version=V).status_code == 404
    assert api.patch(path, key=other_key, version=V, json={"name": "Mine now"}).status_code == 404
    assert api.delete(path, key=other_key, version=V).status_code == 404
    listed = api.get("/v2/schedules", key=other_key, version=V).json()["data"]
    assert mine["id"] not in [s["id"] for s in listed]
    assert api.get(path, key=key, version=V).json()["data"] == mine


def test_another_user_cannot_make_my_schedule_their_default(api, demo_key, container):
    _, key = demo_key
    mine = create(api, key).json()["data"]
    _, other_key = make_key(container, "grace")
    response = api.patch("/v2/me", key=other_key, json={"defaultScheduleId": mine["id"]})
    assert response.status_code == 404


# -- versions --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "2024-04-15", "2099-01-01"])
def test_legacy_versions_read_the_same_data(api, demo_key, version):
    host, key = demo_key
    current = api.get("/v2/schedules", key=key, version=V).json()
    assert api.get("/v2/schedules", key=key, version=version).json() == current
    one = f"/v2/schedules/{host.user.default_schedule_id}"
    assert api.get(one, key=key, version=version).json() == api.get(one, key=key, version=V).json()
    default = api.get("/v2/schedules/default", key=key, version=version)
    assert default.json()["data"]["id"] == host.user.default_schedule_id


@pytest.mark.parametrize("version", [None, "2024-04-15"])
def test_legacy_writes_are_refused_with_a_400_naming_the_header(api, demo_key, version):
    host, key = demo_key
    response = create(api, key, version=version)
    assert response.status_code == 400
    assert "cal-api-version: 2024-06-11" in response.json()["error"]["message"]
    path = f"/v2/schedules/{host.user.default_schedule_id}"
    assert api.patch(path, key=key, version=version, json={"name": "x"}).status_code == 400


@pytest.mark.parametrize("version", ["2024-08-13", "2024-09-04"])
def test_versions_without_a_schedules_controller_get_nests_404(api, demo_key, version):
    _, key = demo_key
    response = api.get("/v2/schedules", key=key, version=version)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Cannot GET /v2/schedules"


def test_reads_without_a_key_are_401(api, host):
    for path in ("/v2/schedules", "/v2/schedules/default", "/v2/schedules/1"):
        assert api.get(path, version=V).status_code == 401


ODD_VALUES = [None, -1, 2**63, 1.5, "", "\x00", "a" * 300, [], [None], [{}], {}, True]
ODD_VALUES += ["24:00", "UTC\n", "/etc/localtime", "localtime", [{"date": 10**15}]]


@pytest.mark.parametrize("field", ["name", "timeZone", "isDefault", "availability", "overrides"])
def test_odd_values_in_any_field_never_cause_a_server_error(api, demo_key, field):
    host, key = demo_key
    path = f"/v2/schedules/{host.user.default_schedule_id}"
    for value in ODD_VALUES:
        body = {"name": "n", "timeZone": "UTC", "isDefault": False, field: value}
        assert create(api, key, **body).status_code < 500, value
        assert api.patch(path, key=key, version=V, json={field: value}).status_code < 500, value


def test_legacy_writes_without_a_key_are_401_first(api, host):
    assert create(api, None, version=None).status_code == 401


def test_an_unrouted_version_is_404_even_without_a_key(api, host):
    assert api.get("/v2/schedules", version="2024-09-04").status_code == 404
