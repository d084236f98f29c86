"""/v2/event-types (cal-api-version 2024-06-14): Cal.com's shapes, every field in and out,
validation, public listing, tenant isolation, version routing (legacy list, 404s)."""

from __future__ import annotations

from typing import Any

import pytest

from factories import make_event_type

V = "2024-06-14"
BASE = "http://127.0.0.1:8000"
NO_AUTH = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' "
    "header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)


def make_key(container, username):
    user = container.accounts.create_user(username, f"{username}@example.com", time_zone="UTC")
    _, key = container.accounts.create_api_key(user.id)
    return user, key


def create(api, key, **fields):
    body = {"lengthInMinutes": 30, "title": "Intro call", "slug": "intro-call", **fields}
    return api.post("/v2/event-types", key=key, version=V, json=body)


FULL_BODY: dict[str, Any] = {
    "lengthInMinutes": 30,
    "lengthInMinutesOptions": [15, 30, 60],
    "title": "Discovery",
    "slug": "discovery",
    "description": "A first talk",
    "locations": [
        {"type": "address", "address": "1 Main Street", "public": True},
        {"type": "link", "link": "https://meet.example.com/ada", "public": False},
        {"type": "phone", "phone": "+15551234567", "public": True},
        {"type": "integration", "integration": "cal-video"},
        {"type": "attendeePhone"},
    ],
    "bookingFields": [
        {"type": "name", "label": "Full name", "placeholder": "Jane Doe"},
        {"type": "select", "slug": "topic", "label": "Topic", "required": True,
         "options": ["Sales", "Support"], "placeholder": "Pick one", "disableOnPrefill": True},
        {"type": "boolean", "slug": "newsletter", "label": "Newsletter?", "required": False},
        {"slug": "notes", "required": True, "label": "Anything else?"},
    ],
    "disableGuests": True,
    "slotInterval": 15,
    "minimumBookingNotice": 120,
    "beforeEventBuffer": 5,
    "afterEventBuffer": 10,
    "bookingLimitsCount": {"day": 3, "week": 10},
    "bookingLimitsDuration": {"day": 120},
    "onlyShowFirstAvailableSlot": True,
    "bookingWindow": {"type": "businessDays", "value": 20, "rolling": True},
    "confirmationPolicy": {
        "type": "time",
        "noticeThreshold": {"unit": "hours", "count": 12},
        "blockUnconfirmedBookingsInBooker": True,
    },
    "seats": {"seatsPerTimeSlot": 4, "showAttendeeInfo": True, "showAvailabilityCount": False},
    "hidden": True,
    "minLengthInMinutes": 10,
    "maxLengthInMinutes": 90,
}  # fmt: skip


# -- create ----------------------------------------------------------------------------------


def test_create_returns_201_with_every_required_calcom_field(api, demo_key, calcom):
    host, key = demo_key
    response = create(api, key)
    assert response.status_code == 201, response.text
    data = calcom.check(response, "POST", "/v2/event-types")["data"]
    assert data["ownerId"] == host.user.id
    assert data["lengthInMinutes"] == 30
    assert (data["title"], data["slug"], data["description"]) == ("Intro call", "intro-call", "")
    assert data["locations"] == []
    assert (data["price"], data["currency"], data["metadata"]) == (0, "usd", {})
    assert data["recurrence"] is None
    assert data["scheduleId"] is None
    assert data["hidden"] is False
    assert data["bookingUrl"] == f"{BASE}/ada/intro-call"
    assert data["users"] == [
        {
            "id": host.user.id,
            "name": "Ada",
            "username": "ada",
            "avatarUrl": None,
            "weekStart": "Monday",
            "brandColor": "#4f46e5",
            "darkBrandColor": "#818cf8",
            "metadata": {},
        }
    ]
    for setting in ("bookingLimitsCount", "bookingLimitsDuration", "bookingWindow", "seats"):
        assert data[setting] == {"disabled": True}
    assert data["confirmationPolicy"] == {"disabled": True}
    assert "minLengthInMinutes" not in data
    assert "lengthInMinutesOptions" not in data


def test_the_default_booking_form_is_name_and_email_plus_cal_coms_system_fields(api, demo_key):
    _, key = demo_key
    fields = create(api, key).json()["data"]["bookingFields"]
    assert [(f["slug"], f["type"], f["isDefault"]) for f in fields] == [
        ("name", "name", True),
        ("email", "email", True),
        ("title", "text", True),
        ("notes", "textarea", True),
        ("guests", "multiemail", True),
        ("rescheduleReason", "textarea", True),
    ]
    assert fields[0]["required"] is True and fields[1]["required"] is True


def test_create_with_every_field_reads_back_what_was_sent(api, demo_key, calcom):
    _, key = demo_key
    response = api.post("/v2/event-types", key=key, version=V, json=FULL_BODY)
    assert response.status_code == 201, response.text
    data = calcom.check(response, "POST", "/v2/event-types")["data"]
    for name in (
        "lengthInMinutesOptions", "description", "locations", "disableGuests", "slotInterval",
        "minimumBookingNotice", "beforeEventBuffer", "afterEventBuffer", "bookingLimitsCount",
        "bookingLimitsDuration", "onlyShowFirstAvailableSlot", "bookingWindow",
        "confirmationPolicy", "seats", "hidden", "minLengthInMinutes", "maxLengthInMinutes",
    ):  # fmt: skip
        assert data[name] == FULL_BODY[name], name
    assert data["seatsPerTimeSlot"] == 4
    assert data["seatsShowAvailabilityCount"] is False
    fields = {f["slug"]: f for f in data["bookingFields"]}
    assert list(fields) == [
        "name", "email", "location", "topic", "newsletter", "title", "notes", "guests",
        "rescheduleReason",
    ]  # fmt: skip
    assert fields["name"]["label"] == "Full name"
    assert fields["name"]["placeholder"] == "Jane Doe"
    assert fields["topic"] == {
        "isDefault": False,
        "type": "select",
        "slug": "topic",
        "label": "Topic",
        "required": True,
        "placeholder": "Pick one",
        "options": ["Sales", "Support"],
        "disableOnPrefill": True,
        "hidden": False,
    }
    assert "placeholder" not in fields["newsletter"]
    assert fields["notes"]["required"] is True
    assert fields["notes"]["label"] == "Anything else?"
    assert fields["guests"]["hidden"] is True  # disableGuests hides the guests field
    assert fields["location"]["type"] == "radioInput"


def test_create_stores_the_rules_in_the_domain(api, demo_key, container):
    host, key = demo_key
    data = api.post("/v2/event-types", key=key, version=V, json=FULL_BODY).json()["data"]
    stored = container.event_types.get(host.user.id, data["id"])
    assert stored.length_options == (15, 30, 60)
    assert stored.slot_interval_minutes == 15
    assert stored.minimum_notice_minutes == 120
    assert (stored.before_buffer_minutes, stored.after_buffer_minutes) == (5, 10)
    assert stored.booking_limits_count.day == 3
    assert stored.booking_limits_duration.day == 120
    assert stored.booking_window.days == 20 and stored.booking_window.rolling is True
    assert stored.confirmation.notice_threshold_minutes == 12 * 60
    assert stored.confirmation.block_pending is True
    assert stored.seats.per_slot == 4
    assert stored.only_first_slot_of_day is True
    assert (stored.min_length_minutes, stored.max_length_minutes) == (10, 90)
    assert [(x.kind, x.value) for x in stored.locations][:2] == [
        ("address", "1 Main Street"),
        ("link", "https://meet.example.com/ada"),
    ]
    assert [f.slug for f in stored.booking_fields] == ["name", "topic", "newsletter", "notes"]


def test_a_range_booking_window_and_an_always_policy_read_back(api, demo_key):
    _, key = demo_key
    window = {"type": "range", "value": ["2030-01-01", "2030-03-31"]}
    policy = {"type": "always", "blockUnconfirmedBookingsInBooker": False}
    data = create(api, key, bookingWindow=window, confirmationPolicy=policy).json()["data"]
    assert data["bookingWindow"] == window
    assert data["confirmationPolicy"] == policy


def test_create_can_use_one_of_the_callers_schedules(api, demo_key):
    host, key = demo_key
    data = create(api, key, scheduleId=host.user.default_schedule_id).json()["data"]
    assert data["scheduleId"] == host.user.default_schedule_id


def test_create_with_another_users_or_an_unknown_schedule_is_404(api, demo_key, container):
    _, key = demo_key
    stranger = container.accounts.create_user("grace", "grace@example.com")
    for schedule_id in (stranger.default_schedule_id, 424242):
        response = create(api, key, scheduleId=schedule_id)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NotFoundException"


def test_a_duplicate_slug_is_a_409_conflict_naming_the_slug(api, demo_key):
    _, key = demo_key
    assert create(api, key).status_code == 201
    response = create(api, key)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "User already has an event type with this slug."
    assert response.json()["error"]["details"]["field"] == "slug"


def test_two_users_may_use_the_same_slug(api, demo_key, container):
    _, key = demo_key
    _, other_key = make_key(container, "grace")
    assert create(api, key).status_code == 201
    assert create(api, other_key).status_code == 201


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lengthInMinutes": None}, "lengthInMinutes"),
        ({"lengthInMinutes": 0}, "lengthInMinutes"),
        ({"lengthInMinutes": "30"}, "lengthInMinutes"),
        ({"lengthInMinutes": 30.5}, "lengthInMinutes"),
        ({"lengthInMinutes": 2**40}, "lengthInMinutes"),
        ({"title": ""}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"slug": "Intro Call"}, "slug"),
        ({"slug": "a/b"}, "slug"),
        ({"slug": ""}, "slug"),
        ({"slug": 7}, "slug"),
        ({"lengthInMinutesOptions": [15, 60]}, "lengthInMinutesOptions"),
        ({"lengthInMinutesOptions": [30, 30]}, "lengthInMinutesOptions"),
        ({"lengthInMinutesOptions": ["30"]}, "lengthInMinutesOptions.0"),
        ({"slotInterval": 0}, "slotInterval"),
        ({"slotInterval": 2**31}, "slotInterval"),
        ({"minimumBookingNotice": -1}, "minimumBookingNotice"),
        ({"beforeEventBuffer": -5}, "beforeEventBuffer"),
        ({"afterEventBuffer": -5}, "afterEventBuffer"),
        ({"disableGuests": "yes"}, "disableGuests"),
        ({"hidden": 1}, "hidden"),
        ({"scheduleId": "one"}, "scheduleId"),
        ({"locations": [{"type": "teleport"}]}, "locations.0"),
        ({"locations": [{"type": "address", "public": True}]}, "locations.0.address.address"),
        ({"locations": [{"type": "link", "link": "not a url"}]}, "locations.0.link.link"),
        (
            {"locations": [{"type": "integration", "integration": "skype-ish"}]},
            "locations.0.integration.integration",
        ),
        ({"bookingFields": [{"type": "text", "label": "No slug"}]}, "bookingFields.0.slug"),
        ({"bookingFields": [{"type": "text", "slug": "q"}]}, "bookingFields.0.label"),
        ({"bookingFields": [{"type": "date", "slug": "d", "label": "D"}]}, "bookingFields.0.type"),
        ({"bookingFields": [{"slug": "q", "label": "Q"}]}, "bookingFields.0.type"),
        (
            {"bookingFields": [{"type": "select", "slug": "s", "label": "S"}]},
            "bookingFields.0.options",
        ),
        (
            {"bookingFields": [{"type": "text", "slug": "a b", "label": "A"}]},
            "bookingFields.0.slug",
        ),
        (
            {"bookingFields": [{"type": "text", "slug": "email", "label": "E"}]},
            "bookingFields.0.slug",
        ),
        (
            {
                "bookingFields": [
                    {"type": "text", "slug": "q", "label": "Q"},
                    {"type": "number", "slug": "q", "label": "Q2"},
                ]
            },
            "bookingFields.1.slug",
        ),
        ({"bookingFields": [{"type": "email", "required": False}]}, "bookingFields.0"),
        ({"bookingFields": [{"type": "email", "hidden": True}]}, "bookingFields.0"),
        ({"bookingFields": [{"type": "name", "required": False}]}, "bookingFields.0"),
        ({"bookingFields": [{"type": "text", "slug": "q", "label": 3}]}, "bookingFields.0.label"),
        ({"bookingLimitsCount": {"day": 0}}, "bookingLimitsCount.day"),
        ({"bookingLimitsCount": {"day": "2"}}, "bookingLimitsCount.day"),
        ({"bookingLimitsDuration": {"day": 50}}, "bookingLimitsDuration.day"),
        ({"bookingWindow": {"value": 5}}, "bookingWindow.type"),
        ({"bookingWindow": {"type": "calendarDays", "value": -1}}, "bookingWindow.value"),
        (
            {"bookingWindow": {"type": "calendarDays", "value": ["2030-01-01"]}},
            "bookingWindow.value",
        ),
        ({"bookingWindow": {"type": "range", "value": 3}}, "bookingWindow.value"),
        (
            {"bookingWindow": {"type": "range", "value": ["2030-02-01", "2030-01-01"]}},
            "bookingWindow.value",
        ),
        ({"bookingWindow": {"type": "weeks", "value": 2}}, "bookingWindow.type"),
        ({"confirmationPolicy": {"type": "time"}}, "confirmationPolicy.noticeThreshold"),
        (
            {
                "confirmationPolicy": {
                    "type": "time",
                    "noticeThreshold": {"unit": "days", "count": 1},
                }
            },
            "confirmationPolicy.noticeThreshold.unit",
        ),
        (
            {
                "confirmationPolicy": {
                    "type": "time",
                    "noticeThreshold": {"unit": "hours", "count": 0},
                }
            },
            "confirmationPolicy.noticeThreshold.count",
        ),
        (
            {"confirmationPolicy": {"blockUnconfirmedBookingsInBooker": True}},
            "confirmationPolicy.type",
        ),
        ({"seats": {"seatsPerTimeSlot": 0}}, "seats.seatsPerTimeSlot"),
        ({"seats": {"seatsPerTimeSlot": 1001}}, "seats.seatsPerTimeSlot"),
        ({"seats": {"showAttendeeInfo": True}}, "seats.seatsPerTimeSlot"),
        (
            {"recurrence": {"interval": 0, "occurrences": 4, "frequency": "weekly"}},
            "recurrence.interval",
        ),
        (
            {"recurrence": {"interval": 1, "occurrences": 101, "frequency": "weekly"}},
            "recurrence.occurrences",
        ),
        (
            {"recurrence": {"interval": 1, "occurrences": 4, "frequency": "daily"}},
            "recurrence.frequency",
        ),
        ({"recurrence": {"interval": 1, "frequency": "weekly"}}, "recurrence.occurrences"),
        (
            {
                "recurrence": {"interval": 1, "occurrences": 4, "frequency": "weekly"},
                "seats": {"seatsPerTimeSlot": 3},
            },
            "recurrence",
        ),
        ({"minLengthInMinutes": 60, "maxLengthInMinutes": 30}, "minLengthInMinutes"),
        ({"maxLengthInMinutes": 0}, "maxLengthInMinutes"),
        # Found by tests/api/test_fuzz.py: accepted, these made every slots query and booking
        # of the event type a 500 (OverflowError) or a near-endless loop (business days).
        ({"maxLengthInMinutes": 2**31 - 1}, "maxLengthInMinutes"),
        ({"lengthInMinutesOptions": [30, 1441]}, "lengthInMinutesOptions"),
        ({"beforeEventBuffer": 2**31 - 1}, "beforeEventBuffer"),
        ({"afterEventBuffer": 2**31 - 1}, "afterEventBuffer"),
        ({"slotInterval": 2**31 - 1}, "slotInterval"),
        ({"minimumBookingNotice": 2**31 - 1}, "minimumBookingNotice"),
        ({"bookingWindow": {"type": "calendarDays", "value": 2**31 - 1}}, "bookingWindow.value"),
        ({"bookingWindow": {"type": "businessDays", "value": 100_000}}, "bookingWindow.value"),
        (
            {"bookingWindow": {"type": "range", "value": ["0001-01-01", "9999-12-31"]}},
            "bookingWindow.value",
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


def test_a_hidden_email_field_is_refused_with_calcoms_message(api, demo_key):
    _, key = demo_key
    response = create(api, key, bookingFields=[{"type": "email", "hidden": True}])
    assert response.json()["error"]["message"] == (
        "checkIsEmailUserAccessible - Email booking field must be required and visible"
    )


@pytest.mark.parametrize("missing", ["lengthInMinutes", "title", "slug"])
def test_create_requires_length_title_and_slug(api, demo_key, missing):
    _, key = demo_key
    body = {"lengthInMinutes": 30, "title": "Intro call", "slug": "intro-call"}
    del body[missing]
    response = api.post("/v2/event-types", key=key, version=V, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == missing


def test_a_body_that_is_not_an_object_is_400(api, demo_key):
    _, key = demo_key
    response = api.post("/v2/event-types", key=key, version=V, json=[1, 2])
    assert response.status_code == 400
    response = api.post(
        "/v2/event-types",
        key=key,
        version=V,
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400


def test_disabled_settings_and_a_disabled_recurrence_are_accepted_on_create(api, demo_key):
    _, key = demo_key
    off = {"disabled": True}
    response = create(
        api,
        key,
        bookingLimitsCount=off,
        bookingLimitsDuration=off,
        bookingWindow=off,
        confirmationPolicy=off,
        seats=off,
        recurrence=off,
    )
    assert response.status_code == 201, response.text


def test_unknown_and_unsupported_cosmetic_fields_are_ignored(api, demo_key):
    _, key = demo_key
    response = create(api, key, color={"lightThemeHex": "#fff"}, customName="{Scheduler}", x=1)
    assert response.status_code == 201


def test_create_without_a_key_is_401_with_calcoms_message(api, host):
    response = create(api, None)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == NO_AUTH


# -- get -------------------------------------------------------------------------------------


def test_get_returns_the_callers_event_type(api, demo_key, calcom):
    host, key = demo_key
    response = api.get(f"/v2/event-types/{host.event_type.id}", key=key, version=V)
    assert response.status_code == 200
    data = calcom.check(response, "GET", "/v2/event-types/{eventTypeId}")["data"]
    assert (data["id"], data["slug"], data["lengthInMinutes"]) == (host.event_type.id, "meet", 30)
    assert data["bookingUrl"] == f"{BASE}/ada/meet"


def test_get_an_unknown_event_type_is_404_with_calcoms_message(api, demo_key):
    _, key = demo_key
    for event_type_id in (424242, 2**40):
        response = api.get(f"/v2/event-types/{event_type_id}", key=key, version=V)
        assert response.status_code == 404
        message = response.json()["error"]["message"]
        assert message == f"Event type with id {event_type_id} not found"


def test_get_without_a_key_is_401(api, host):
    response = api.get(f"/v2/event-types/{host.event_type.id}", version=V)
    assert response.status_code == 401


def test_a_non_numeric_event_type_id_is_400_naming_it(api, demo_key):
    _, key = demo_key
    response = api.get("/v2/event-types/abc", key=key, version=V)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == "eventTypeId"


# -- update ----------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields(api, demo_key, calcom):
    _, key = demo_key
    created = api.post("/v2/event-types", key=key, version=V, json=FULL_BODY).json()["data"]
    response = api.patch(
        f"/v2/event-types/{created['id']}",
        key=key,
        version=V,
        json={"title": "Deep dive", "afterEventBuffer": 0},
    )
    assert response.status_code == 200, response.text
    data = calcom.check(response, "PATCH", "/v2/event-types/{eventTypeId}")["data"]
    assert data["title"] == "Deep dive"
    assert data["afterEventBuffer"] == 0
    unchanged = {k: v for k, v in data.items() if k not in ("title", "afterEventBuffer")}
    assert unchanged == {k: v for k, v in created.items() if k not in ("title", "afterEventBuffer")}


def test_update_with_disabled_resets_each_setting(api, demo_key):
    _, key = demo_key
    created = api.post("/v2/event-types", key=key, version=V, json=FULL_BODY).json()["data"]
    off = {"disabled": True}
    names = ("bookingLimitsCount", "bookingLimitsDuration", "bookingWindow", "confirmationPolicy")
    response = api.patch(
        f"/v2/event-types/{created['id']}",
        key=key,
        version=V,
        json={**dict.fromkeys(names, off), "seats": off},
    )
    data = response.json()["data"]
    for name in (*names, "seats"):
        assert data[name] == off, name
    assert data["seatsPerTimeSlot"] is None


def test_update_with_null_clears_optional_values(api, demo_key):
    host, key = demo_key
    created = create(
        api, key, slotInterval=10, scheduleId=host.user.default_schedule_id, minLengthInMinutes=5
    ).json()["data"]
    response = api.patch(
        f"/v2/event-types/{created['id']}",
        key=key,
        version=V,
        json={"slotInterval": None, "scheduleId": None, "minLengthInMinutes": None},
    )
    data = response.json()["data"]
    assert data["slotInterval"] is None
    assert data["scheduleId"] is None
    assert "minLengthInMinutes" not in data


def test_update_booking_fields_replaces_the_custom_ones(api, demo_key):
    _, key = demo_key
    created = api.post("/v2/event-types", key=key, version=V, json=FULL_BODY).json()["data"]
    response = api.patch(
        f"/v2/event-types/{created['id']}",
        key=key,
        version=V,
        json={"bookingFields": [{"type": "url", "slug": "site", "label": "Website"}]},
    )
    slugs = [f["slug"] for f in response.json()["data"]["bookingFields"]]
    assert "topic" not in slugs and "site" in slugs
    fields = {f["slug"]: f for f in response.json()["data"]["bookingFields"]}
    assert fields["name"]["label"] == "Your name"
    assert fields["site"]["disableOnPrefill"] is False


def test_update_can_rename_the_slug_unless_another_event_type_has_it(api, demo_key):
    _, key = demo_key
    created = create(api, key).json()["data"]
    path = f"/v2/event-types/{created['id']}"
    response = api.patch(path, key=key, version=V, json={"slug": "meet"})
    assert response.status_code == 409
    response = api.patch(path, key=key, version=V, json={"slug": "intro-call"})
    assert response.status_code == 200
    response = api.patch(path, key=key, version=V, json={"slug": "first-call"})
    assert response.json()["data"]["bookingUrl"] == f"{BASE}/ada/first-call"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"slug": None}, "slug"),
        ({"lengthInMinutes": None}, "lengthInMinutes"),
        ({"slug": "UPPER"}, "slug"),
        ({"beforeEventBuffer": -1}, "beforeEventBuffer"),
        ({"lengthInMinutes": 45}, "lengthInMinutesOptions"),
        ({"seats": {"seatsPerTimeSlot": -2}}, "seats.seatsPerTimeSlot"),
        ({"bookingWindow": {"type": "calendarDays"}}, "bookingWindow.value"),
    ],
)
def test_update_rejects_bad_input_with_400_and_keeps_the_event_type(api, demo_key, body, field):
    _, key = demo_key
    created = create(api, key, lengthInMinutesOptions=[15, 30]).json()["data"]
    path = f"/v2/event-types/{created['id']}"
    response = api.patch(path, key=key, version=V, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["field"] == field
    assert api.get(path, key=key, version=V).json()["data"] == created


def test_update_with_another_users_schedule_is_404(api, demo_key, container):
    host, key = demo_key
    stranger = container.accounts.create_user("grace", "grace@example.com")
    response = api.patch(
        f"/v2/event-types/{host.event_type.id}",
        key=key,
        version=V,
        json={"scheduleId": stranger.default_schedule_id},
    )
    assert response.status_code == 404


# -- delete ----------------------------------------------------------------------------------


def test_delete_returns_the_short_form_and_removes_it(api, demo_key, calcom):
    _, key = demo_key
    created = create(api, key).json()["data"]
    path = f"/v2/event-types/{created['id']}"
    response = api.delete(path, key=key, version=V)
    assert response.status_code == 200
    body = calcom.check(response, "DELETE", "/v2/event-types/{eventTypeId}")
    assert body["data"] == {
        "id": created["id"],
        "lengthInMinutes": 30,
        "title": "Intro call",
        "slug": "intro-call",
    }
    assert api.get(path, key=key, version=V).status_code == 404
    assert api.delete(path, key=key, version=V).status_code == 404


# -- tenant isolation ------------------------------------------------------------------------


def test_another_user_cannot_read_update_or_delete_my_event_type(api, demo_key, container):
    host, key = demo_key
    _, other_key = make_key(container, "grace")
    path = f"/v2/event-types/{host.event_type.id}"
    before = api.get(path, key=key, version=V).json()["data"]
    assert api.get(path, key=other_key, version=V).status_code == 404
    assert api.patch(path, key=other_key, version=V, json={"title": "Mine"}).status_code == 404
    assert api.delete(path, key=other_key, version=V).status_code == 404
    assert api.get(path, key=key, version=V).json()["data"] == before
    own = api.get("/v2/event-types", key=other_key, version=V).json()["data"]
    assert own == []


# -- list ------------------------------------------------------------------------------------


def test_list_with_a_key_and_no_filters_is_the_callers_own_hidden_ones_included(
    api, demo_key, container, calcom
):
    host, key = demo_key
    hidden = container.event_types.create(host.user.id, make_event_type(host.user.id, hidden=True))
    response = api.get("/v2/event-types", key=key, version=V)
    assert response.status_code == 200
    data = calcom.check(response, "GET", "/v2/event-types")["data"]
    assert [et["id"] for et in data] == [host.event_type.id, hidden.id]
    assert "title" not in [f["slug"] for f in data[0]["bookingFields"]]  # hidden fields left out


def test_list_without_a_key_and_without_filters_is_empty(api, host):
    response = api.get("/v2/event-types", version=V)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": []}


def test_list_by_username_is_public_and_hides_hidden_ones_from_others(api, demo_key, container):
    host, key = demo_key
    container.event_types.create(host.user.id, make_event_type(host.user.id, hidden=True))
    _, other_key = make_key(container, "grace")
    public = api.get("/v2/event-types?username=ada", version=V).json()["data"]
    assert [et["id"] for et in public] == [host.event_type.id]
    as_other = api.get("/v2/event-types?username=ada", key=other_key, version=V).json()["data"]
    assert [et["id"] for et in as_other] == [host.event_type.id]
    as_owner = api.get("/v2/event-types?username=ada", key=key, version=V).json()["data"]
    assert len(as_owner) == 2


def test_public_list_drops_hidden_booking_fields(api, demo_key):
    _, key = demo_key
    create(
        api, key, bookingFields=[{"type": "text", "slug": "secret", "label": "S", "hidden": True}]
    )
    public = api.get("/v2/event-types?username=ada&eventSlug=intro-call", version=V).json()["data"]
    slugs = [f["slug"] for f in public[0]["bookingFields"]]
    assert "secret" not in slugs and "title" not in slugs
    assert "name" in slugs


def test_list_by_username_and_slug_returns_zero_or_one(api, host, calcom):
    response = api.get("/v2/event-types?username=ada&eventSlug=meet", version=V)
    data = calcom.check(response, "GET", "/v2/event-types")["data"]
    assert [et["id"] for et in data] == [host.event_type.id]
    assert data[0]["bookingUrl"] == f"{BASE}/ada/meet"
    missing = api.get("/v2/event-types?username=ada&eventSlug=nope", version=V)
    assert missing.json()["data"] == []


def test_a_hidden_event_type_is_found_by_its_slug_but_not_listed(api, demo_key, container):
    """As in Cal.com (getUserEventTypeBySlug has no hidden filter): hiding keeps an event type
    off its owner's list; whoever has its link may read it, as they may see its slots and book
    it."""
    host, key = demo_key
    secret = container.event_types.create(
        host.user.id, make_event_type(host.user.id, slug="secret", hidden=True)
    )
    path = "/v2/event-types?username=ada&eventSlug=secret"
    assert [et["id"] for et in api.get(path, version=V).json()["data"]] == [secret.id]
    assert [et["id"] for et in api.get(path, key=key, version=V).json()["data"]] == [secret.id]
    listed = api.get("/v2/event-types?username=ada", version=V).json()["data"]
    assert secret.id not in [et["id"] for et in listed]


def test_an_unknown_username_lists_nothing(api, host):
    assert api.get("/v2/event-types?username=nobody", version=V).json()["data"] == []


def test_usernames_are_looked_up_ignoring_case(api, host):
    data = api.get("/v2/event-types?username=Ada&eventSlug=meet", version=V).json()["data"]
    assert [et["id"] for et in data] == [host.event_type.id]


def test_event_slug_without_username_is_400_naming_username(api, host):
    response = api.get("/v2/event-types?eventSlug=meet", version=V)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == "username"


def test_sort_created_at_orders_by_creation(api, demo_key, container):
    host, key = demo_key
    later = container.event_types.create(host.user.id, make_event_type(host.user.id))
    ids = [host.event_type.id, later.id]
    desc = api.get("/v2/event-types?sortCreatedAt=desc", key=key, version=V).json()["data"]
    assert [et["id"] for et in desc] == ids[::-1]
    asc = api.get("/v2/event-types?username=ada&sortCreatedAt=asc", version=V).json()["data"]
    assert [et["id"] for et in asc] == ids
    bad = api.get("/v2/event-types?sortCreatedAt=sideways", version=V)
    assert bad.status_code == 400
    assert bad.json()["error"]["details"]["field"] == "sortCreatedAt"


def test_usernames_gives_one_dynamic_group_event_type(api, host, container, calcom):
    grace = container.accounts.create_user("grace", "grace@example.com")
    response = api.get("/v2/event-types?usernames=ada,grace,nobody", version=V)
    assert response.status_code == 200
    data = calcom.check(response, "GET", "/v2/event-types")["data"]
    assert len(data) == 1
    dynamic = data[0]
    assert (dynamic["id"], dynamic["ownerId"], dynamic["slug"]) == (0, 0, "dynamic")
    assert [u["id"] for u in dynamic["users"]] == [host.user.id, grace.id]
    assert dynamic["bookingUrl"] == f"{BASE}/ada+grace"


def test_usernames_needs_at_least_two_names(api, host):
    response = api.get("/v2/event-types?usernames=ada", version=V)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["field"] == "usernames"


def test_list_with_a_bad_key_is_401_even_though_the_list_is_public(api, host):
    response = api.get("/v2/event-types", key="cal_live_" + "f" * 32, version=V)
    assert response.status_code == 401


# -- versions --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "2024-04-15", "2024-06-11", "1999-01-01"])
def test_legacy_list_returns_event_type_groups_with_internal_names(api, demo_key, version):
    host, key = demo_key
    response = api.get("/v2/event-types", key=key, version=version)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    groups = body["data"]["eventTypeGroups"]
    assert len(groups) == 1
    (event_type,) = groups[0]["eventTypes"]
    assert event_type["id"] == host.event_type.id
    assert (event_type["title"], event_type["slug"], event_type["length"]) == (
        "Meeting",
        "meet",
        30,
    )
    assert event_type["hidden"] is False
    assert event_type["userId"] == host.user.id
    assert "lengthInMinutes" not in event_type


def test_legacy_list_maps_locations_limits_and_window_to_internal_names(api, demo_key):
    _, key = demo_key
    api.post("/v2/event-types", key=key, version=V, json=FULL_BODY)
    groups = api.get("/v2/event-types", key=key).json()["data"]["eventTypeGroups"]
    legacy = {et["slug"]: et for et in groups[0]["eventTypes"]}["discovery"]
    assert [x["type"] for x in legacy["locations"]] == [
        "inPerson", "link", "userPhone", "integrations:daily", "phone",
    ]  # fmt: skip
    assert legacy["bookingLimits"] == {"PER_DAY": 3, "PER_WEEK": 10}
    assert legacy["periodType"] == "ROLLING_WINDOW"
    assert legacy["periodDays"] == 20
    assert legacy["requiresConfirmation"] is True
    assert legacy["seatsPerTimeSlot"] == 4
    assert legacy["metadata"] == {"multipleDuration": [15, 30, 60]}


def test_legacy_list_needs_a_key_as_in_calcom(api, host):
    response = api.get("/v2/event-types")  # no header: the legacy list, the caller's own
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UnauthorizedException"
    assert api.get("/v2/event-types", version=V).json() == {"status": "success", "data": []}


@pytest.mark.parametrize("version", ["2024-08-13", "2024-09-04"])
def test_versions_without_an_event_types_controller_get_nests_404(api, demo_key, version):
    host, key = demo_key
    response = api.get("/v2/event-types", key=key, version=version)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Cannot GET /v2/event-types"
    one = f"/v2/event-types/{host.event_type.id}"
    response = api.patch(one, key=key, version=version, json={"title": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"Cannot PATCH {one}"
    assert create(api, None).status_code == 401  # the right version still needs a key


@pytest.mark.parametrize("version", [None, "2024-04-15", "2024-06-11"])
def test_legacy_operations_other_than_the_list_are_400_naming_the_header(api, demo_key, version):
    host, key = demo_key
    one = f"/v2/event-types/{host.event_type.id}"
    for response in (
        api.get(one, key=key, version=version),
        api.patch(one, key=key, version=version, json={"title": "x"}),
        api.delete(one, key=key, version=version),
        api.post("/v2/event-types", key=key, version=version, json={"title": "x"}),
    ):
        assert response.status_code == 400
        assert "cal-api-version: 2024-06-14" in response.json()["error"]["message"]
    assert api.get(one, key=key, version=V).status_code == 200


ODD_VALUES = [None, -1, 2**31, 2**63, 1.5, "", "\x00", "a" * 300, [], [None], {}, True]
ODD_VALUES += [{"disabled": False}, {"type": "range", "value": [None, None]}, [{"type": "x"}]]
FIELDS = (
    "lengthInMinutes", "lengthInMinutesOptions", "title", "slug", "description", "locations",
    "bookingFields", "disableGuests", "slotInterval", "minimumBookingNotice",
    "beforeEventBuffer", "afterEventBuffer", "scheduleId", "bookingLimitsCount",
    "bookingLimitsDuration", "onlyShowFirstAvailableSlot", "bookingWindow",
    "confirmationPolicy", "seats", "hidden", "recurrence", "minLengthInMinutes",
    "maxLengthInMinutes",
)  # fmt: skip


def test_odd_values_in_any_field_never_cause_a_server_error(api, demo_key):
    host, key = demo_key
    path = f"/v2/event-types/{host.event_type.id}"
    failures = []
    for number, (name, value) in enumerate((n, v) for n in FIELDS for v in ODD_VALUES):
        body = {"lengthInMinutes": 30, "title": "T", "slug": f"odd-{number}", name: value}
        for response in (
            api.post("/v2/event-types", key=key, version=V, json=body),
            api.patch(path, key=key, version=V, json={name: value}),
        ):
            if response.status_code >= 500:
                failures.append((name, value, response.status_code))
    assert failures == []
