"""Cal.com's HTTP conventions around the envelope (reference 1.3 and 1.6): CORS for any origin
on the API, `X-Request-Id` echoed on errors, and a method a path lacks answered like an unknown
route (404 `Cannot PUT /v2/...`), never 405."""

from __future__ import annotations

import pytest

ORIGIN = "https://receptionist.example"


def test_a_preflight_from_any_origin_is_allowed_for_a_day(api):
    response = api.request(
        "OPTIONS",
        "/v2/bookings",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "cal-api-version,authorization,content-type,"
            "idempotency-key,x-cal-client-id",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("cal-api-version", "authorization", "idempotency-key", "x-cal-client-id"):
        assert header in allowed
    assert response.headers["access-control-max-age"] == "86400"
    assert "access-control-allow-credentials" not in response.headers


def test_api_answers_carry_cors_headers_and_pages_do_not(api, demo_key):
    _, key = demo_key
    answer = api.get("/v2/me", key=key, headers={"Origin": ORIGIN})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert (
        "x-ratelimit-remaining-default" in answer.headers["access-control-expose-headers"].lower()
    )
    refused = api.get("/v2/me", headers={"Origin": ORIGIN})  # no key: 401, still readable
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "*"
    page = api.get("/ada/meet", headers={"Origin": ORIGIN})
    assert page.status_code == 200
    assert "access-control-allow-origin" not in page.headers


def test_errors_echo_the_request_id(api):
    echoed = api.get("/v2/bookings/nope", version="2024-08-13", headers={"X-Request-Id": "r-42"})
    assert echoed.status_code == 404
    assert echoed.headers["x-request-id"] == "r-42"
    unnamed = api.get("/v2/bookings/nope", version="2024-08-13")
    assert unnamed.headers["x-request-id"] == "unknown-request-id"


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v2/bookings"), ("DELETE", "/v2/me"), ("PATCH", "/v2/slots/reservations")],
)
def test_a_method_the_path_lacks_is_an_unknown_route(api, demo_key, method, path):
    _, key = demo_key
    response = api.request(method, path, key=key, version="2024-08-13")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "NotFoundException"
    assert error["message"] == f"Cannot {method} {path}"


def test_a_refused_field_is_listed_like_calcoms_validation_errors(api, demo_key):
    _, key = demo_key
    schema_refusal = api.get("/v2/bookings?take=0", key=key, version="2024-08-13")
    domain_refusal = api.post(
        "/v2/bookings",
        version="2024-08-13",
        json={
            "start": "2026-03-03T15:00:00Z",
            "attendee": {"name": "A", "email": "a@x.example", "timeZone": "UTC"},
        },
    )
    for response, field in ((schema_refusal, "take"), (domain_refusal, "eventTypeId")):
        assert response.status_code == 400, response.text
        details = response.json()["error"]["details"]
        assert details["field"] == field
        (problem,) = details["errors"]
        assert problem["property"] == field
        assert problem["children"] == []
        assert list(problem["constraints"].values()) == [problem["message"]]
        assert field in response.json()["error"]["message"]


@pytest.mark.parametrize("raw", [b"{bad json", b"\xff\xfe", b'{"start": "2026-03-03T15:00:00Z",}'])
def test_a_body_that_is_not_json_is_the_bodys_fault(api, raw):
    response = api.post(
        "/v2/bookings",
        version="2024-08-13",
        content=raw,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["details"]["field"] == "body"
    assert error["message"].startswith("body: the body is not valid JSON: ")


def test_a_refused_union_member_is_named_by_the_clients_field(api, demo_key):
    _, key = demo_key
    response = api.post(
        "/v2/event-types",
        key=key,
        version="2024-06-14",
        json={
            "title": "Window",
            "slug": "window",
            "lengthInMinutes": 30,
            "bookingWindow": {"type": "calendarDays", "value": "ten"},
        },
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]["field"] == "bookingWindow.value"
