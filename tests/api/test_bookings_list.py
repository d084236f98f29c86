"""GET /v2/bookings: filters, status semantics, sorting and the exact pagination object; and the
legacy (no version header) list."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from calendula.api.schemas.bookings import pagination
from tests.api.test_bookings import ATTENDEE, TUESDAY_10, V, booked, error_of


@pytest.fixture
def five(api, demo_key):
    """The host's key and five bookings, one hour apart from Tuesday 10:00 New York."""
    host, key = demo_key
    uids = [
        booked(
            api,
            host.event_type.id,
            TUESDAY_10 + timedelta(hours=i),
            attendee={**ATTENDEE, "name": f"Caller {i}", "email": f"caller{i}@example.com"},
        )["uid"]
        for i in range(5)
    ]
    return host, key, uids


def listed(api, key, **params):
    response = api.get("/v2/bookings", version=V, key=key, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def uids_of(body) -> list[str]:
    return [b["uid"] for b in body["data"]]


def test_lists_the_hosts_bookings_in_calcoms_shape(api, five, calcom):
    _, key, uids = five
    response = api.get("/v2/bookings", version=V, key=key)
    body = calcom.check(response, "GET", "/v2/bookings")
    assert uids_of(body) == uids
    assert body["pagination"] == {
        "totalItems": 5,
        "remainingItems": 0,
        "returnedItems": 5,
        "itemsPerPage": 100,
        "currentPage": 1,
        "totalPages": 1,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


@pytest.mark.parametrize(
    ("take", "skip", "expected"),
    [
        (2, 0, (3, 2, 1, 3, True, False)),
        (2, 2, (1, 2, 2, 3, True, True)),
        (2, 4, (0, 1, 3, 3, False, True)),
        (2, 9, (0, 0, 3, 3, False, True)),
        (5, 0, (0, 5, 1, 1, False, False)),
        (3, 1, (1, 3, 1, 2, True, True)),
        (250, 0, (0, 5, 1, 1, False, False)),
        (1, 5, (0, 0, 5, 5, False, True)),
    ],
)
def test_pagination_is_exactly_calcoms(api, five, calcom, take, skip, expected):
    _, key, uids = five
    response = api.get("/v2/bookings", version=V, key=key, params={"take": take, "skip": skip})
    body = calcom.check(response, "GET", "/v2/bookings")
    remaining, returned, page, pages, has_next, has_previous = expected
    assert body["pagination"] == {
        "totalItems": 5,
        "remainingItems": remaining,
        "returnedItems": returned,
        "itemsPerPage": take,
        "currentPage": page,
        "totalPages": pages,
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
    }
    assert uids_of(body) == uids[skip : skip + take]


@pytest.mark.parametrize("total", [0, 1, 7, 100, 101])
@pytest.mark.parametrize("take", [1, 3, 100, 250])
@pytest.mark.parametrize("skip", [0, 1, 99, 300])
def test_the_pagination_formula_follows_the_reference(total, take, skip):
    p = pagination(total, take, skip)
    safe = min(max(skip, 0), total)
    pages = math.ceil(total / take)
    assert p["totalPages"] == pages
    assert p["currentPage"] == (0 if pages == 0 else min(max(safe // take + 1, 1), pages))
    assert p["returnedItems"] == min(max(total - safe, 0), take)
    assert p["remainingItems"] == min(max(total - safe - take, 0), total)
    assert p["hasNextPage"] is (safe + take < total)
    assert p["hasPreviousPage"] is (safe > 0)


def test_an_empty_list_has_a_zero_page(api, demo_key, calcom):
    _, key = demo_key
    body = calcom.check(api.get("/v2/bookings", version=V, key=key), "GET", "/v2/bookings")
    assert body["data"] == []
    assert body["pagination"]["currentPage"] == 0 and body["pagination"]["totalPages"] == 0


def test_status_filters_use_the_service_clock(api, five, clock):
    _, key, uids = five
    api.post(f"/v2/bookings/{uids[4]}/cancel", version=V, json={})
    clock.current = TUESDAY_10 + timedelta(hours=2)  # bookings 0 and 1 have ended
    assert uids_of(listed(api, key, status="past")) == [uids[1], uids[0]]  # newest first
    assert uids_of(listed(api, key, status="upcoming")) == uids[2:4]
    assert uids_of(listed(api, key, status="cancelled")) == [uids[4]]
    assert uids_of(listed(api, key, status="unconfirmed")) == []
    assert uids_of(listed(api, key, status="recurring")) == []
    both = listed(api, key, status="upcoming,cancelled")
    assert uids_of(both) == uids[2:]


def test_unconfirmed_lists_pending_bookings(api, container):
    from calendula.domain.event_types import ConfirmationPolicy
    from factories import make_host

    host = make_host(container, "pia", confirmation=ConfirmationPolicy())
    _, key = container.accounts.create_api_key(host.user.id, name="pia")
    uid = booked(api, host.event_type.id)["uid"]
    assert uids_of(listed(api, key, status="unconfirmed")) == [uid]


def test_filters_narrow_the_list(api, five):
    host, key, uids = five
    assert uids_of(listed(api, key, attendeeEmail="CALLER3@example.com")) == [uids[3]]
    assert uids_of(listed(api, key, attendeeName="caller 2")) == [uids[2]]
    assert uids_of(listed(api, key, bookingUid=uids[1])) == [uids[1]]
    assert uids_of(listed(api, key, eventTypeId=host.event_type.id)) == uids
    assert uids_of(listed(api, key, eventTypeIds=f"{host.event_type.id},999")) == uids
    assert uids_of(listed(api, key, eventTypeIds="999")) == []
    after = (TUESDAY_10 + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert uids_of(listed(api, key, afterStart=after)) == uids[3:]
    before = (TUESDAY_10 + timedelta(hours=1, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert uids_of(listed(api, key, beforeEnd=before)) == uids[:2]
    assert uids_of(listed(api, key, teamId=1)) == []


def test_created_and_updated_bounds(api, five, clock):
    _, key, uids = five
    clock.advance(timedelta(minutes=5))
    api.post(f"/v2/bookings/{uids[0]}/cancel", version=V, json={})
    stamp = clock.current.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert uids_of(listed(api, key, afterUpdatedAt=stamp)) == [uids[0]]
    assert uids_of(listed(api, key, beforeUpdatedAt=stamp, sortStart="asc")) == uids
    assert uids_of(listed(api, key, afterCreatedAt=stamp)) == []
    assert len(uids_of(listed(api, key, beforeCreatedAt=stamp))) == 5


def test_sorting(api, five):
    _, key, uids = five
    assert uids_of(listed(api, key, sortStart="desc")) == uids[::-1]
    assert uids_of(listed(api, key, sortEnd="asc")) == uids
    assert uids_of(listed(api, key, sortCreated="desc", take=2)) == [uids[0], uids[1]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"take": 0}, "take"),
        ({"take": 251}, "take"),
        ({"skip": -1}, "skip"),
        ({"status": "someday"}, "status.0"),
        ({"sortStart": "up"}, "sortStart"),
        ({"afterStart": "yesterday"}, "afterStart"),
        ({"eventTypeIds": "a,b"}, "eventTypeIds.0"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_them(api, demo_key, params, field):
    _, key = demo_key
    response = api.get("/v2/bookings", version=V, key=key, params=params)
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == field


def test_the_legacy_list_pages_with_a_cursor(api, five):
    _, key, uids = five
    response = api.get("/v2/bookings", key=key, params={"limit": 2})
    assert response.status_code == 200
    data = response.json()["data"]
    assert [b["uid"] for b in data["bookings"]] == uids[:2]
    assert data["nextCursor"] == 2 and data["recurringInfo"] == []
    assert data["bookings"][0]["status"] == "ACCEPTED"
    last = api.get("/v2/bookings", key=key, params={"limit": 2, "cursor": 4}).json()["data"]
    assert [b["uid"] for b in last["bookings"]] == uids[4:] and last["nextCursor"] is None
    upcoming = api.get("/v2/bookings", key=key, params={"filters[status]": "cancelled"})
    assert upcoming.json()["data"]["bookings"] == []
