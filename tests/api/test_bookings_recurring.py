"""Recurring event types and series (Cal.com 2024-06-14 `recurrence`, 2024-08-13 recurring
bookings): the whole series in one transaction, all or nothing, DST-true local times, the
series in get, list and cancel, and each occurrence's outbox event. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from calendula.domain.event_types import ConfirmationPolicy
from calendula.domain.recurrence import Frequency, Recurrence
from calendula.storage.tables import OutboxEventRow
from factories import make_host
from tests.api.test_bookings import ATTENDEE, TUESDAY_10, V, book, booked, error_of

ET = "2024-06-14"
WEEKLY_4 = Recurrence(Frequency.WEEKLY, 1, 4)
# Tuesdays at 10:00 in New York: EST on 3 March, EDT from 8 March 2026 on.
SERIES_STARTS = [
    "2026-03-03T15:00:00.000Z",
    "2026-03-10T14:00:00.000Z",
    "2026-03-17T14:00:00.000Z",
    "2026-03-24T14:00:00.000Z",
]
THIRD = datetime(2026, 3, 17, 14, 0, tzinfo=UTC)
NEW_YORKER = {**ATTENDEE, "timeZone": "America/New_York"}
"""A series keeps the wall-clock time of the attendee's zone (Cal.com's rule)."""


def book_series(api, event_type_id: int, start: datetime = TUESDAY_10, **fields: Any):
    fields.setdefault("attendee", NEW_YORKER)
    return book(api, event_type_id, start, **fields)


def booked_series(api, event_type_id: int, start: datetime = TUESDAY_10, **fields: Any):
    fields.setdefault("attendee", NEW_YORKER)
    return booked(api, event_type_id, start, **fields)


@pytest.fixture
def weekly(container, demo_key):
    """The demo host's weekly event type (4 occurrences) and their key."""
    host, key = demo_key
    recurring = make_recurring(container, host.user.id, "weekly")
    return recurring, key


def make_recurring(container, owner_id: int, slug: str, **fields: Any):
    from calendula.domain.event_types import EventType

    fields.setdefault("recurrence", WEEKLY_4)
    event_type = EventType(
        id=None, owner_id=owner_id, slug=slug, title="Weekly", length_minutes=30, **fields
    )
    return container.event_types.create(owner_id, event_type)


def outbox(container) -> list[Any]:
    """Every outbox event so far (id, topic, booking_uid, data), oldest first."""
    row = OutboxEventRow
    query = select(row.id, row.topic, row.booking_uid, row.data).order_by(row.id)
    with container.uow_factory() as uow:
        return list(uow.session.execute(query).all())


def all_bookings(api, key) -> list[dict[str, Any]]:
    response = api.get("/v2/bookings", key=key, version=V, params={"take": 250})
    assert response.status_code == 200, response.text
    return response.json()["data"]


# -- event types ------------------------------------------------------------------------------


def test_an_event_type_recurrence_round_trips_in_calcoms_shape(api, demo_key, calcom):
    _, key = demo_key
    rule = {"frequency": "weekly", "interval": 2, "occurrences": 6}
    body = {"lengthInMinutes": 30, "title": "Coaching", "slug": "coaching", "recurrence": rule}
    created = api.post("/v2/event-types", key=key, version=ET, json=body)
    assert created.status_code == 201, created.text
    data = calcom.check(created, "POST", "/v2/event-types")["data"]
    assert data["recurrence"] == {"interval": 2, "occurrences": 6, "frequency": "weekly"}
    path = f"/v2/event-types/{data['id']}"
    got = api.get(path, key=key, version=ET)
    assert calcom.check(got, "GET", "/v2/event-types/{eventTypeId}")["data"]["recurrence"] == {
        "interval": 2,
        "occurrences": 6,
        "frequency": "weekly",
    }
    legacy = api.get("/v2/event-types", key=key).json()["data"]["eventTypeGroups"][0]
    listed = {e["slug"]: e for e in legacy["eventTypes"]}
    assert listed["coaching"]["recurringEvent"] == {"freq": 2, "count": 6, "interval": 2}
    monthly = {"frequency": "monthly", "interval": 1, "occurrences": 3}
    patched = api.patch(path, key=key, version=ET, json={"recurrence": monthly})
    assert patched.json()["data"]["recurrence"]["frequency"] == "monthly"
    off = api.patch(path, key=key, version=ET, json={"recurrence": {"disabled": True}})
    assert calcom.check(off, "PATCH", "/v2/event-types/{eventTypeId}")["data"]["recurrence"] is None
    assert listed["meet"]["recurringEvent"] is None


# -- booking a series ---------------------------------------------------------------------------


def test_booking_a_recurring_event_type_books_the_series_in_calcoms_shape(
    api, container, weekly, calcom
):
    event_type, _ = weekly
    response = book_series(api, event_type.id)
    assert response.status_code == 201, response.text
    data = calcom.check(response, "POST", "/v2/bookings")["data"]
    assert isinstance(data, list)
    assert [b["start"] for b in data] == SERIES_STARTS
    assert len({b["uid"] for b in data}) == 4
    series = {b["recurringBookingUid"] for b in data}
    assert len(series) == 1 and None not in series
    assert all(b["status"] == "accepted" and b["duration"] == 30 for b in data)
    events = outbox(container)
    assert [e.topic for e in events] == ["BOOKING_CREATED"] * 4
    assert [e.booking_uid for e in events] == [b["uid"] for b in data]
    payload = events[0].data["payload"]
    assert payload["recurringEvent"] == {"freq": 2, "count": 4, "interval": 1}
    assert payload["startTime"] == "2026-03-03T15:00:00Z"


def test_recurrence_count_books_fewer_and_more_than_the_rule_is_a_400(api, weekly):
    event_type, _ = weekly
    data = booked_series(api, event_type.id, recurrenceCount=2)
    assert [b["start"] for b in data] == SERIES_STARTS[:2]
    response = book_series(api, event_type.id, TUESDAY_10 + timedelta(hours=2), recurrenceCount=5)
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "recurrenceCount"


def test_one_taken_occurrence_refuses_the_whole_series_and_writes_nothing(
    api, host, container, weekly
):
    event_type, key = weekly
    taken = booked(api, host.event_type.id, THIRD)  # the host's plain `meet` event type
    assert taken["start"] == "2026-03-17T14:00:00.000Z"
    before = outbox(container)
    response = book_series(api, event_type.id)
    assert response.status_code == 409
    message = error_of(response)["message"]
    assert "Occurrence 3 of 4" in message and "2026-03-17T14:00:00+00:00" in message
    assert [b["uid"] for b in all_bookings(api, key)] == [taken["uid"]]
    assert [e.id for e in outbox(container)] == [e.id for e in before]


def test_the_series_keeps_the_local_time_of_the_attendees_zone(api, weekly):
    event_type, _ = weekly
    # 15:00 in London is 10:00 in New York until London's own change (29 March 2026).
    london = {**ATTENDEE, "timeZone": "Europe/London"}
    first = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    data = booked(api, event_type.id, first, attendee=london)
    assert [b["start"] for b in data] == [
        "2026-03-03T15:00:00.000Z",
        "2026-03-10T15:00:00.000Z",
        "2026-03-17T15:00:00.000Z",
        "2026-03-24T15:00:00.000Z",
    ]


def test_an_idempotent_retry_returns_the_same_series(api, weekly):
    event_type, _ = weekly
    headers = {"Idempotency-Key": "series-1"}
    first = booked_series(api, event_type.id, headers=headers)
    again = booked_series(api, event_type.id, headers=headers)
    assert [b["uid"] for b in again] == [b["uid"] for b in first]


def test_a_pending_series_is_requested_unconfirmed_and_recurring_but_not_upcoming(
    api, container, demo_key
):
    host, key = demo_key
    event_type = make_recurring(container, host.user.id, "asks", confirmation=ConfirmationPolicy())
    data = booked_series(api, event_type.id)
    assert {b["status"] for b in data} == {"pending"}
    assert {e.topic for e in outbox(container)} == {"BOOKING_REQUESTED"}

    def uids(status: str) -> list[str]:
        response = api.get("/v2/bookings", key=key, version=V, params={"status": status})
        return [b["uid"] for b in response.json()["data"]]

    assert uids("upcoming") == []
    assert uids("unconfirmed") == uids("recurring") == [b["uid"] for b in data]


def test_the_legacy_create_books_one_occurrence(api, weekly):
    event_type, key = weekly
    body = {
        "start": "2026-03-03T15:00:00.000Z",
        "eventTypeId": event_type.id,
        "timeZone": "America/New_York",
        "language": "en",
        "metadata": {},
        "responses": {"name": "Grace Hopper", "email": "grace@example.com"},
    }
    response = api.post("/v2/bookings", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["recurringEventId"] is None
    assert len(all_bookings(api, key)) == 1


# -- reading and listing ----------------------------------------------------------------------


def test_get_by_the_series_uid_answers_every_occurrence_and_by_one_uid_that_one(
    api, weekly, calcom
):
    event_type, _ = weekly
    data = booked_series(api, event_type.id)
    series = data[0]["recurringBookingUid"]
    whole = api.get(f"/v2/bookings/{series}", version=V)
    assert whole.status_code == 200
    listed = calcom.check(whole, "GET", "/v2/bookings/{bookingUid}")["data"]
    assert [b["uid"] for b in listed] == [b["uid"] for b in data]
    one = api.get(f"/v2/bookings/{data[1]['uid']}", version=V)
    single = calcom.check(one, "GET", "/v2/bookings/{bookingUid}")["data"]
    assert single["uid"] == data[1]["uid"] and single["recurringBookingUid"] == series


def test_status_recurring_lists_the_series_and_not_single_bookings(api, host, weekly, calcom):
    event_type, key = weekly
    single = booked(api, host.event_type.id, TUESDAY_10 + timedelta(hours=3))
    data = booked_series(api, event_type.id)
    response = api.get("/v2/bookings", key=key, version=V, params={"status": "recurring"})
    body = calcom.check(response, "GET", "/v2/bookings")
    assert [b["uid"] for b in body["data"]] == [b["uid"] for b in data]
    assert body["pagination"]["totalItems"] == 4
    upcoming = api.get("/v2/bookings", key=key, version=V, params={"status": "upcoming"})
    assert {b["uid"] for b in upcoming.json()["data"]} == {single["uid"]} | {b["uid"] for b in data}
    assert "recurringBookingUid" not in single


# -- cancelling ---------------------------------------------------------------------------------


def test_cancel_subsequent_bookings_cancels_this_occurrence_and_the_later_ones(
    api, host, container, weekly, calcom
):
    event_type, _ = weekly
    data = booked_series(api, event_type.id)
    before = len(outbox(container))
    response = api.post(
        f"/v2/bookings/{data[1]['uid']}/cancel",
        version=V,
        json={"cancellationReason": "moving", "cancelSubsequentBookings": True},
    )
    assert response.status_code == 200, response.text
    answered = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/cancel")["data"]
    assert [b["status"] for b in answered] == ["accepted", "cancelled", "cancelled", "cancelled"]
    cancelled = outbox(container)[before:]
    assert [e.topic for e in cancelled] == ["BOOKING_CANCELLED"] * 3
    assert [e.booking_uid for e in cancelled] == [b["uid"] for b in data[1:]]
    assert cancelled[0].data["payload"]["recurringEvent"]["count"] == 4
    # the freed times can be booked again
    assert book(api, host.event_type.id, THIRD).status_code == 201


def test_cancel_without_subsequent_cancels_one_occurrence(api, weekly, calcom):
    event_type, _ = weekly
    data = booked_series(api, event_type.id)
    response = api.post(f"/v2/bookings/{data[2]['uid']}/cancel", version=V, json={})
    single = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/cancel")["data"]
    assert single["status"] == "cancelled" and single["uid"] == data[2]["uid"]
    statuses = [
        api.get(f"/v2/bookings/{b['uid']}", version=V).json()["data"]["status"] for b in data
    ]
    assert statuses == ["accepted", "accepted", "cancelled", "accepted"]


def test_cancel_by_the_series_uid_cancels_every_remaining_occurrence(api, weekly, calcom):
    event_type, key = weekly
    data = booked_series(api, event_type.id)
    api.post(f"/v2/bookings/{data[0]['uid']}/cancel", version=V, json={})
    series = data[0]["recurringBookingUid"]
    without_reason = api.post(f"/v2/bookings/{series}/cancel", key=key, version=V, json={})
    assert without_reason.status_code == 400
    assert error_of(without_reason)["details"]["field"] == "cancellationReason"
    response = api.post(
        f"/v2/bookings/{series}/cancel", key=key, version=V, json={"cancellationReason": "done"}
    )
    assert response.status_code == 200, response.text
    answered = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/cancel")["data"]
    assert [b["status"] for b in answered] == ["cancelled"] * 4
    again = api.post(
        f"/v2/bookings/{series}/cancel", key=key, version=V, json={"cancellationReason": "x"}
    )
    assert again.status_code == 400
    unknown = api.post("/v2/bookings/no-such-series/cancel", version=V, json={})
    assert unknown.status_code == 404


# -- confirming and declining -------------------------------------------------------------------


@pytest.fixture
def pending_series(api, container, demo_key):
    """The demo host's four pending occurrences (an event type that needs confirmation)."""
    host, key = demo_key
    event_type = make_recurring(container, host.user.id, "asks", confirmation=ConfirmationPolicy())
    return booked_series(api, event_type.id), key


def series_statuses(api, data) -> list[str]:
    return [api.get(f"/v2/bookings/{b['uid']}", version=V).json()["data"]["status"] for b in data]


def test_confirming_an_occurrence_confirms_the_pending_series(
    api, container, pending_series, calcom
):
    data, key = pending_series
    before = len(outbox(container))
    response = api.post(f"/v2/bookings/{data[2]['uid']}/confirm", key=key, version=V)
    assert response.status_code == 200, response.text
    answered = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/confirm")["data"]
    assert answered["uid"] == data[2]["uid"] and answered["status"] == "accepted"
    assert series_statuses(api, data) == ["accepted"] * 4
    confirmed = outbox(container)[before:]
    assert [e.topic for e in confirmed] == ["BOOKING_CREATED"] * 4
    assert [e.booking_uid for e in confirmed] == [b["uid"] for b in data]
    again = api.post(f"/v2/bookings/{data[0]['uid']}/confirm", key=key, version=V)
    assert again.status_code == 400


def test_declining_by_the_series_uid_rejects_every_waiting_occurrence(
    api, container, pending_series, calcom
):
    data, key = pending_series
    api.post(f"/v2/bookings/{data[1]['uid']}/cancel", version=V, json={})
    series = data[0]["recurringBookingUid"]
    before = len(outbox(container))
    response = api.post(
        f"/v2/bookings/{series}/decline", key=key, version=V, json={"reason": "Fully booked"}
    )
    assert response.status_code == 200, response.text
    answered = calcom.check(response, "POST", "/v2/bookings/{bookingUid}/decline")["data"]
    assert [b["uid"] for b in answered] == [b["uid"] for b in data]
    assert [b["status"] for b in answered] == ["rejected", "cancelled", "rejected", "rejected"]
    rejected = outbox(container)[before:]
    assert [e.topic for e in rejected] == ["BOOKING_REJECTED"] * 3
    assert {e.data["payload"]["rejectionReason"] for e in rejected} == {"Fully booked"}
    again = api.post(f"/v2/bookings/{series}/confirm", key=key, version=V)
    assert again.status_code == 400


def test_declining_an_occurrence_rejects_the_series_with_the_reason(api, pending_series):
    data, key = pending_series
    response = api.post(
        f"/v2/bookings/{data[0]['uid']}/decline", key=key, version=V, json={"reason": "Away"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["uid"] == data[0]["uid"]
    assert series_statuses(api, data) == ["rejected"] * 4


def test_another_users_key_cannot_confirm_or_decline_a_series(
    api, container, pending_series, demo_key
):
    data, _ = pending_series
    eve = make_host(container, "eve")
    _, eve_key = container.accounts.create_api_key(eve.user.id, name="eve")
    series = data[0]["recurringBookingUid"]
    before = len(outbox(container))
    for uid in (data[1]["uid"], series):
        for action in ("confirm", "decline"):
            response = api.post(f"/v2/bookings/{uid}/{action}", key=eve_key, version=V)
            assert response.status_code == 404, (uid, action)
    assert series_statuses(api, data) == ["pending"] * 4
    assert len(outbox(container)) == before


# -- the legacy list's recurringInfo ------------------------------------------------------------


def test_the_legacy_list_summarises_each_listed_series_in_recurring_info(api, host, weekly):
    event_type, key = weekly
    data = booked_series(api, event_type.id)
    single = booked(api, host.event_type.id, TUESDAY_10 + timedelta(hours=3))
    api.post(f"/v2/bookings/{data[1]['uid']}/cancel", version=V, json={})
    response = api.get("/v2/bookings", key=key, params={"limit": 2})
    assert response.status_code == 200, response.text
    page = response.json()["data"]
    assert [b["uid"] for b in page["bookings"]] == [data[0]["uid"], single["uid"]]
    series = data[0]["recurringBookingUid"]
    assert (
        page["recurringInfo"]
        == [
            {
                "recurringEventId": series,
                "count": 4,  # every occurrence, the unlisted and the cancelled too
                "firstDate": SERIES_STARTS[0],
                "bookings": {
                    "ACCEPTED": [SERIES_STARTS[0], *SERIES_STARTS[2:]],
                    "CANCELLED": [SERIES_STARTS[1]],
                    "REJECTED": [],
                    "PENDING": [],
                },
            }
        ]
    )
    alone = api.get("/v2/bookings", key=key, params={"limit": 1, "cursor": 1}).json()["data"]
    assert [b["uid"] for b in alone["bookings"]] == [single["uid"]]
    assert alone["recurringInfo"] == []
