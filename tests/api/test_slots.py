"""GET /v2/slots (cal-api-version 2024-09-04) and the legacy GET /v2/slots/available.

The `host` fixture is Ada in New York, Monday to Friday 09:00-17:00, with a 30-minute event type;
the clock stands at Monday 2 March 2026 08:00 UTC. Tuesday 3 March: EST (UTC-5), so her day is
14:00-22:00 UTC; the US switches to EDT on Sunday 8 March.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from calendula.domain.bookings import Attendee
from calendula.domain.event_types import (
    MAX_LENGTH_MINUTES,
    MAX_SETTING_MINUTES,
    MAX_WINDOW_DAYS,
    BookingWindow,
    EventType,
    Seats,
    WindowKind,
)
from calendula.services.booking import NewBooking
from factories import make_host

V = "2024-09-04"
TUESDAY = "2026-03-03"
TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York


def guest(n: int = 1) -> Attendee:
    return Attendee(name=f"Guest {n}", email=f"guest{n}@example.com", time_zone="UTC")


def book(container, event_type_id: int, start: datetime = TUESDAY_10, n: int = 1):
    return container.bookings.create(
        NewBooking(start=start, attendee=guest(n), event_type_id=event_type_id)
    )


def slots(api, query: str, *, version: str | None = V) -> Any:
    return api.get(f"/v2/slots?{query}", version=version)


def starts(body: dict[str, Any]) -> list[str]:
    return [item["start"] for items in body["data"].values() for item in items]


def check_items(calcom, body: dict[str, Any], item_schema: str) -> None:
    """Validate against one branch of Cal.com's slots schema. The published `oneOf` cannot tell
    a range answer, an empty answer or a seated answer from the plain one (each item is valid
    under several branches), so those answers are checked against the branch they belong to."""
    schema = {
        "type": "object",
        "required": ["status", "data"],
        "properties": {
            "status": {"type": "string", "enum": ["success"]},
            "data": {
                "type": "object",
                "additionalProperties": {
                    "type": "array",
                    "items": {"$ref": f"#/components/schemas/{item_schema}"},
                },
            },
        },
        "components": calcom.spec["components"],
    }
    OAS30Validator(schema).validate(body)


def assert_error(response, status: int, code: str, message: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message
    return body


# -- lookups -----------------------------------------------------------------------------------


def test_slots_by_event_type_id_are_grouped_by_utc_date(api, host, calcom):
    response = slots(api, f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = calcom.check(response, "GET", "/v2/slots")
    assert list(body["data"]) == [TUESDAY]
    day = body["data"][TUESDAY]
    assert len(day) == 16
    assert day[0] == {"start": "2026-03-03T14:00:00.000Z"}
    assert day[-1] == {"start": "2026-03-03T21:30:00.000Z"}


def test_slots_by_event_type_slug_and_username_match_the_id_lookup(api, host, calcom):
    by_slug = slots(api, f"eventTypeSlug=meet&username=ada&start={TUESDAY}&end={TUESDAY}")
    by_id = slots(api, f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}")
    assert calcom.check(by_slug, "GET", "/v2/slots") == by_id.json()


def test_a_dynamic_group_gets_the_times_when_everyone_is_free(api, container, host, calcom):
    bob = container.accounts.create_user("bob", "bob@example.com", time_zone="Europe/Berlin")
    # Berlin 09:00-17:00 is 08:00-16:00 UTC; New York 09:00-17:00 is 14:00-22:00 UTC.
    response = slots(api, f"usernames=ada,bob&start={TUESDAY}&end={TUESDAY}")
    body = calcom.check(response, "GET", "/v2/slots")
    assert starts(body) == [f"{TUESDAY}T{t}:00.000Z" for t in ("14:00", "14:30", "15:00", "15:30")]

    hour = slots(api, f"usernames=bob,ada&start={TUESDAY}&end={TUESDAY}&duration=60")
    assert starts(hour.json()) == [f"{TUESDAY}T14:00:00.000Z", f"{TUESDAY}T15:00:00.000Z"]

    chat = EventType(id=None, owner_id=bob.id, slug="chat", title="Chat", length_minutes=30)
    bobs = container.event_types.create(bob.id, chat)
    book(container, bobs.id, start=datetime(2026, 3, 3, 14, 0, tzinfo=UTC))
    after = slots(api, f"usernames=ada,bob&start={TUESDAY}&end={TUESDAY}")
    assert starts(after.json())[0] == f"{TUESDAY}T14:30:00.000Z"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("usernames=ada", 400, "usernames"),
        ("usernames=ada,ada", 400, "usernames"),
        ("usernames=ada,nobody", 404, None),
        ("usernames=ada,bob&duration=0", 400, "duration"),
        ("usernames=ada,bob&duration=1441", 400, "duration"),
    ],
)
def test_bad_dynamic_groups_are_refused(api, container, host, query, status, field):
    container.accounts.create_user("bob", "bob@example.com", time_zone="Europe/Berlin")
    response = slots(api, f"{query}&start={TUESDAY}&end={TUESDAY}")
    code = "BadRequestException" if status == 400 else "NotFoundException"
    body = assert_error(response, status, code)
    if field:
        assert body["error"]["details"]["field"] == field


# -- time ranges and time zones ----------------------------------------------------------------


def test_instants_limit_the_range_and_may_carry_offsets(api, host):
    query = f"eventTypeId={host.event_type.id}&start=2026-03-03T15:00:00Z&end=2026-03-03T17:00:00Z"
    assert starts(slots(api, query).json()) == [
        f"{TUESDAY}T{t}:00.000Z" for t in ("15:00", "15:30", "16:00", "16:30")
    ]
    offset = "start=2026-03-03T10:00:00-05:00&end=2026-03-03T12:00:00-05:00"
    same = slots(api, f"eventTypeId={host.event_type.id}&{offset}")
    assert starts(same.json())[0] == f"{TUESDAY}T15:00:00.000Z"
    assert len(starts(same.json())) == 4


def test_a_bare_end_date_or_midnight_end_covers_that_whole_day(api, host):
    two_days = slots(api, f"eventTypeId={host.event_type.id}&start={TUESDAY}&end=2026-03-04")
    assert {day: len(items) for day, items in two_days.json()["data"].items()} == {
        TUESDAY: 16,
        "2026-03-04": 16,
    }
    midnight = slots(
        api,
        f"eventTypeId={host.event_type.id}&start={TUESDAY}T00:00:00Z&end=2026-03-04T00:00:00.000Z",
    )
    assert midnight.json() == two_days.json()


def test_time_zone_sets_the_dates_and_offsets_of_the_output(api, host, calcom):
    response = slots(
        api,
        f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}&timeZone=America/New_York",
    )
    body = calcom.check(response, "GET", "/v2/slots")
    assert body["data"][TUESDAY][0] == {"start": "2026-03-03T09:00:00.000-05:00"}
    assert body["data"][TUESDAY][-1] == {"start": "2026-03-03T16:30:00.000-05:00"}


def test_a_late_slot_in_utc_falls_on_the_next_date_in_tokyo(api, host):
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}&timeZone=Asia/Tokyo"
    data = slots(api, query).json()["data"]
    # 14:00-22:00 UTC is 23:00 Tuesday to 07:00 Wednesday in Tokyo.
    assert data[TUESDAY] == [
        {"start": "2026-03-03T23:00:00.000+09:00"},
        {"start": "2026-03-03T23:30:00.000+09:00"},
    ]
    assert data["2026-03-04"][-1] == {"start": "2026-03-04T06:30:00.000+09:00"}


def test_the_daylight_saving_week_keeps_local_hours_and_changes_the_offset(api, host):
    query = f"eventTypeId={host.event_type.id}&start=2026-03-06&end=2026-03-09"
    local = slots(api, f"{query}&timeZone=America/New_York").json()["data"]
    assert list(local) == ["2026-03-06", "2026-03-09"]
    assert local["2026-03-06"][0]["start"] == "2026-03-06T09:00:00.000-05:00"
    assert local["2026-03-09"][0]["start"] == "2026-03-09T09:00:00.000-04:00"
    assert local["2026-03-09"][-1]["start"] == "2026-03-09T16:30:00.000-04:00"
    utc = slots(api, query).json()["data"]
    assert utc["2026-03-06"][0]["start"] == "2026-03-06T14:00:00.000Z"
    assert utc["2026-03-09"][0]["start"] == "2026-03-09T13:00:00.000Z"


def test_range_format_adds_the_end_of_each_slot(api, host, calcom):
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}"
    response = slots(api, f"{query}&format=range&timeZone=Europe/Berlin")
    assert response.status_code == 200
    body = response.json()
    check_items(calcom, body, "RangeSlot_2024_09_04")
    assert body["data"][TUESDAY][0] == {
        "start": "2026-03-03T15:00:00.000+01:00",
        "end": "2026-03-03T15:30:00.000+01:00",
    }


# -- lengths, seats, rescheduling -------------------------------------------------------------


def test_duration_picks_one_of_the_event_types_lengths(api, container, calcom):
    host = make_host(container, "lena", length_options=(15, 30, 60))
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}&format=range"
    hour = slots(api, f"{query}&duration=60").json()
    check_items(calcom, hour, "RangeSlot_2024_09_04")
    assert len(hour["data"][TUESDAY]) == 8
    assert hour["data"][TUESDAY][0] == {
        "start": "2026-03-03T14:00:00.000Z",
        "end": "2026-03-03T15:00:00.000Z",
    }
    assert len(slots(api, f"{query}&duration=15").json()["data"][TUESDAY]) == 32
    refused = assert_error(slots(api, f"{query}&duration=45"), 400, "BadRequestException")
    assert refused["error"]["details"]["field"] == "duration"


def test_duration_on_a_single_length_event_type_is_refused(api, host):
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}&duration=60"
    body = assert_error(slots(api, query), 400, "BadRequestException")
    assert body["error"]["details"]["field"] == "duration"
    same = slots(api, f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}&duration=30")
    assert same.status_code == 200


def test_seated_slots_carry_their_seat_counts(api, container, calcom):
    host = make_host(container, "sam", seats=Seats(per_slot=3))
    booking = book(container, host.event_type.id)
    book(container, host.event_type.id, n=2)
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}"
    body = slots(api, query).json()
    check_items(calcom, body, "SeatedSlot_2024_09_04")
    by_start = {item["start"]: item for item in body["data"][TUESDAY]}
    assert by_start["2026-03-03T15:00:00.000Z"] == {
        "start": "2026-03-03T15:00:00.000Z",
        "seatsBooked": 2,
        "seatsRemaining": 1,
        "seatsTotal": 3,
        "bookingUid": booking.uid,
    }
    assert by_start["2026-03-03T14:00:00.000Z"] == {
        "start": "2026-03-03T14:00:00.000Z",
        "seatsBooked": 0,
        "seatsRemaining": 3,
        "seatsTotal": 3,
    }
    ranged = slots(api, f"{query}&format=range").json()
    check_items(calcom, ranged, "SeatedRangeSlot_2024_09_04")


def test_a_booked_slot_disappears_at_once_and_returns_for_its_reschedule(api, container, host):
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}"
    taken = "2026-03-03T15:00:00.000Z"
    assert taken in starts(slots(api, query).json())  # fills the cache
    booking = book(container, host.event_type.id)
    assert taken not in starts(slots(api, query).json())
    again = slots(api, f"{query}&bookingUidToReschedule={booking.uid}").json()
    assert taken in starts(again)


def test_an_empty_answer_is_an_empty_object(api, host, calcom):
    response = slots(api, f"eventTypeId={host.event_type.id}&start=2026-03-07&end=2026-03-08")
    assert response.status_code == 200
    assert response.json() == {"status": "success", "data": {}}
    check_items(calcom, response.json(), "Slot_2024_09_04")


def test_the_past_and_the_minimum_notice_are_not_offered(api, container, clock):
    host = make_host(container, "nora", minimum_notice_minutes=120)
    clock.current = datetime(2026, 3, 3, 15, 10, tzinfo=UTC)
    query = f"eventTypeId={host.event_type.id}&start={TUESDAY}&end={TUESDAY}"
    assert starts(slots(api, query).json())[0] == "2026-03-03T17:30:00.000Z"


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "2024-08-13", "2024-04-15", "nonsense"])
def test_without_the_2024_09_04_header_the_route_does_not_exist(api, host, version):
    response = slots(api, f"eventTypeId={host.event_type.id}&start={TUESDAY}", version=version)
    body = assert_error(response, 404, "NotFoundException", "Cannot GET /v2/slots")
    assert body["error"]["details"]["statusCode"] == 404


def test_an_unknown_event_type_is_not_found(api, host):
    for query in (
        "eventTypeId=999999",
        "eventTypeSlug=nope&username=ada",
        "eventTypeId=9999999999",
    ):
        response = slots(api, f"{query}&start={TUESDAY}&end={TUESDAY}")
        assert_error(response, 404, "NotFoundException", "Event Type not found")


def test_an_end_before_the_start_is_an_invalid_time_range(api, host):
    response = slots(api, f"eventTypeId={host.event_type.id}&start=2026-03-05&end=2026-03-03")
    assert_error(
        response,
        400,
        "BadRequestException",
        "Invalid time range given - check the 'start' and 'end' query parameters.",
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=yesterday&end=2026-03-03", "start"),
        ("start=2026-03-03&end=2026-13-40", "end"),
        ("end=2026-03-03", "start"),
        ("start=2026-03-03", "end"),
        ("start=2026-03-03&end=2026-03-03&timeZone=Mars/Olympus", "timeZone"),
        ("start=2026-03-03&end=2026-03-03&timeZone=../../etc/passwd", "timeZone"),
        ("start=2026-03-03&end=2026-07-01", "end"),
        ("start=2026-03-03&end=2026-03-03&duration=abc", "duration"),
        ("start=2026-03-03&end=2026-03-03&duration=-30", "duration"),
        ("start=2026-03-03&end=2026-03-03&format=list", "format"),
        # Found by tests/api/test_fuzz.py: year 1 plus an offset overflowed on the way to UTC
        # (a 500); the year is now checked on the value as sent.
        ("start=0001-01-01T00:00:00%2B00:01&end=2026-03-03", "start"),
        ("start=2026-03-03&end=9999-12-31T23:59:59-01:00", "end"),
    ],
)
def test_bad_query_values_are_400s_naming_the_parameter(api, host, query, field):
    response = slots(api, f"eventTypeId={host.event_type.id}&{query}")
    body = assert_error(response, 400, "BadRequestException")
    assert body["error"]["details"]["field"] == field


def test_a_lookup_is_required(api, host):
    response = slots(api, f"start={TUESDAY}&end={TUESDAY}")
    body = assert_error(response, 400, "BadRequestException")
    assert body["error"]["details"]["field"] == "eventTypeId"


def test_team_event_types_are_not_found(api, host):
    response = slots(api, f"eventTypeSlug=meet&teamSlug=sales&start={TUESDAY}&end={TUESDAY}")
    assert_error(response, 404, "NotFoundException", "Team with slug sales not found")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "eventTypeId=&start=&end=",
        "eventTypeId=1e400&start=2026-03-03&end=2026-03-03",
        "eventTypeId=nan&start=2026-03-03&end=2026-03-03",
        "eventTypeId=-1&start=2026-03-03&end=2026-03-03",
        "eventTypeId=1&start=0001-01-01&end=0001-01-02",
        "eventTypeId=1&start=9999-12-30&end=9999-12-31",
        "eventTypeId=1&start=2026-03-03T25:00&end=2026-03-03",
        "eventTypeId=1&start=%00&end=%FF%FE",
        "eventTypeId=1&start=2026-03-03&end=2026-03-03&timeZone=%00",
        "eventTypeId=1&start=2026-03-03&end=2026-03-03&timeZone=" + "A" * 300,
        "eventTypeId=1&start=2026-03-03&end=2026-03-03&duration=99999999999999999999999",
        "eventTypeId=1&start=2026-03-03&end=2026-03-03&bookingUidToReschedule=" + "x" * 5000,
        "usernames=,,,&start=2026-03-03&end=2026-03-03",
        "usernames=" + ",".join(f"u{i}" for i in range(60)) + "&start=2026-03-03&end=2026-03-03",
        "eventTypeSlug=meet&start=2026-03-03&end=2026-03-03",
        "start[]=1&end[]=2&eventTypeId[]=3",
    ],
)
def test_garbage_queries_never_cause_a_server_error(api, host, query):
    response = slots(api, query)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["status"] == "error"


# -- legacy ------------------------------------------------------------------------------------


def test_legacy_available_slots_use_the_time_key_under_slots(api, host):
    start, end = "2026-03-03T00:00:00.000Z", "2026-03-04T00:00:00.000Z"
    response = api.get(
        f"/v2/slots/available?eventTypeId={host.event_type.id}&startTime={start}&endTime={end}"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "success"
    assert list(body["data"]) == ["slots"]
    day = body["data"]["slots"][TUESDAY]
    assert day[0] == {"time": "2026-03-03T14:00:00.000Z"}
    assert len(day) == 16


def test_legacy_range_format_time_zone_and_username_lookup(api, host):
    response = api.get(
        "/v2/slots/available?eventTypeSlug=meet&usernameList[]=ada"
        "&startTime=2026-03-03T00:00:00Z&endTime=2026-03-04T00:00:00Z"
        "&slotFormat=range&timeZone=America/New_York",
        version="2024-08-13",
    )
    assert response.status_code == 200
    first = response.json()["data"]["slots"][TUESDAY][0]
    assert first == {
        "startTime": "2026-03-03T09:00:00.000-05:00",
        "endTime": "2026-03-03T09:30:00.000-05:00",
    }


def test_legacy_seated_slots_report_attendees_and_booking_uid(api, container):
    host = make_host(container, "sam", seats=Seats(per_slot=3))
    booking = book(container, host.event_type.id)
    response = api.get(
        f"/v2/slots/available?eventTypeId={host.event_type.id}"
        "&startTime=2026-03-03T00:00:00Z&endTime=2026-03-04T00:00:00Z"
    )
    items = {i["time"]: i for i in response.json()["data"]["slots"][TUESDAY]}
    assert items["2026-03-03T15:00:00.000Z"] == {
        "time": "2026-03-03T15:00:00.000Z",
        "attendees": 1,
        "bookingUid": booking.uid,
    }
    assert items["2026-03-03T14:00:00.000Z"] == {"time": "2026-03-03T14:00:00.000Z"}


def test_legacy_slots_are_not_served_to_the_2024_09_04_version(api, host):
    response = api.get(
        f"/v2/slots/available?eventTypeId={host.event_type.id}&startTime=2026-03-03&endTime=2026-03-04",
        version=V,
    )
    assert_error(response, 404, "NotFoundException", "Cannot GET /v2/slots/available")


def test_legacy_instants_outside_the_supported_years_are_400s_not_500s(api, host):
    response = api.get(
        f"/v2/slots/available?eventTypeId={host.event_type.id}"
        "&startTime=0001-01-01T00:00:00%2B00:01&endTime=2026-03-04"
    )
    body = assert_error(response, 400, "BadRequestException")
    assert body["error"]["details"]["field"] == "startTime"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-31T00:00:00Z", "2026-03-01T00:00:00Z"),
        ("2026-03-01T00:00:00Z", "2026-12-01T00:00:00Z"),
    ],
)
def test_a_bad_legacy_range_names_the_legacy_parameter(api, host, start, end):
    response = api.get(
        f"/v2/slots/available?eventTypeId={host.event_type.id}&startTime={start}&endTime={end}"
    )
    body = assert_error(response, 400, "BadRequestException")
    assert body["error"]["details"]["field"] == "endTime"


def test_the_largest_allowed_event_type_settings_still_answer_slots_and_bookings(api, container):
    """The bounds that refuse overflowing settings (test_event_types.py) are enough: at the
    bounds, slots and booking keep their date arithmetic in range."""
    host = make_host(
        container,
        "max",
        before_buffer_minutes=MAX_SETTING_MINUTES,
        after_buffer_minutes=MAX_SETTING_MINUTES,
        booking_window=BookingWindow(WindowKind.BUSINESS_DAYS, days=MAX_WINDOW_DAYS),
        min_length_minutes=1,
        max_length_minutes=MAX_LENGTH_MINUTES,
    )
    for query in (f"start={TUESDAY}&end={TUESDAY}", "start=1900-01-01&end=1900-01-02"):
        response = slots(api, f"eventTypeId={host.event_type.id}&{query}")
        assert response.status_code == 200, response.text
    booking = {
        "start": "2026-03-03T15:00:00Z",
        "eventTypeId": host.event_type.id,
        "lengthInMinutes": MAX_LENGTH_MINUTES,
        "attendee": {"name": "Grace", "email": "grace@example.com", "timeZone": "UTC"},
    }
    response = api.post("/v2/bookings", version="2024-08-13", json=booking)
    assert response.status_code in (201, 409), response.text


def test_legacy_errors_name_the_legacy_parameters(api, host):
    response = api.get(f"/v2/slots/available?eventTypeId={host.event_type.id}&startTime=2026-03-03")
    body = assert_error(response, 400, "BadRequestException")
    assert body["error"]["details"]["field"] == "endTime"
    response = api.get(
        f"/v2/slots/available?eventTypeId={host.event_type.id}"
        "&startTime=2026-03-03&endTime=2026-03-04&slotFormat=weird"
    )
    assert assert_error(response, 400, "BadRequestException")["error"]["details"]["field"] == (
        "slotFormat"
    )


def test_legacy_dynamic_group_by_username_list(api, container, host):
    container.accounts.create_user("bob", "bob@example.com", time_zone="Europe/Berlin")
    response = api.get(
        "/v2/slots/available?usernameList[]=ada&usernameList[]=bob"
        "&startTime=2026-03-03T00:00:00Z&endTime=2026-03-04T00:00:00Z"
    )
    assert [i["time"] for i in response.json()["data"]["slots"][TUESDAY]] == [
        f"{TUESDAY}T{t}:00.000Z" for t in ("14:00", "14:30", "15:00", "15:30")
    ]


def test_slot_answers_start_with_the_request_range_not_the_cache_range(api, host):
    """Two queries inside one cached day get exactly their own slots."""
    base = f"eventTypeId={host.event_type.id}"
    morning = slots(api, f"{base}&start=2026-03-03T14:00:00Z&end=2026-03-03T15:00:00Z").json()
    evening = slots(api, f"{base}&start=2026-03-03T21:00:00Z&end=2026-03-03T22:00:00Z").json()
    assert starts(morning) == ["2026-03-03T14:00:00.000Z", "2026-03-03T14:30:00.000Z"]
    assert starts(evening) == ["2026-03-03T21:00:00.000Z", "2026-03-03T21:30:00.000Z"]
    assert timedelta(hours=7) == datetime.fromisoformat(
        starts(evening)[0]
    ) - datetime.fromisoformat(starts(morning)[0])
