"""Interactive docs that work offline (/docs, /redoc with assets served by us) and the OpenAPI
document at /openapi.json and /v2/openapi.json: what it declares, checked against what the
API does. (`test_fuzz.py` checks every fuzzed answer against the document.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator

from calendula import __version__
from tests.api.test_event_types import FULL_BODY

GOLDEN = Path(__file__).parent / "golden"
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
RESOURCE_TAGS = {
    "Me",
    "Schedules",
    "Event Types",
    "Slots",
    "Bookings",
    "Webhooks",
    "Reminders",
    "Calendars",
}


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.fixture
def document(api) -> dict[str, Any]:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


# -- interactive docs --------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_references_no_external_origin(api, page):
    response = api.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "cdn" not in html.lower()
    assert not re.search(r"""["'](https?:)?//""", html)  # no absolute or protocol-relative URL
    assert "/openapi.json" in html


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_assets_are_served_by_us(api, page):
    assets = ASSET.findall(api.get(page).text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = api.get(asset)
        assert response.status_code == 200, asset
        assert response.content, asset
    if page == "/docs":
        css = [a for a in assets if a.endswith(".css")]
        assert css and api.get(css[0]).headers["content-type"].startswith("text/css")


# -- the document ------------------------------------------------------------------------------


def test_openapi_is_served_at_the_root_and_under_v2(api, document):
    again = api.get("/v2/openapi.json")
    assert again.status_code == 200
    assert again.json() == document
    assert document["info"]["title"] == "Calendula API"
    assert document["info"]["version"] == __version__
    assert "cal-api-version" in document["info"]["description"]
    for path in ("/v2/me", "/v2/schedules", "/v2/event-types", "/v2/slots", "/v2/bookings"):
        assert path in document["paths"]
    assert "/v2/bookings/{uid}/cancel" in document["paths"]
    assert "/openapi.json" not in document["paths"]
    assert "/v2/openapi.json" not in document["paths"]


def test_every_v2_operation_is_tagged_with_its_resource(document):
    declared = {tag["name"] for tag in document["tags"]}
    for method, path, operation in _operations(document):
        if path.startswith("/v2/"):
            assert len(operation["tags"]) == 1, (method, path)
            assert operation["tags"][0] in RESOURCE_TAGS & declared, (method, path)


def test_success_answers_are_documented_as_json_objects_not_strings(document):
    """Regression: with our orjson response class FastAPI documented every answer as a
    `string` (it only describes subclasses of Starlette's JSONResponse as JSON)."""
    for method, path, operation in _operations(document):
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert len(success) == 1, (method, path)
        schema = operation["responses"][success[0]]["content"]["application/json"]["schema"]
        assert schema.get("type") != "string", (method, path)


def test_invalid_input_is_documented_as_calcoms_400_not_fastapis_422(api, document):
    """Regression: FastAPI documented a 422 `HTTPValidationError` that is never sent; invalid
    input answers 400 in the error envelope, as the document now says."""
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in _operations(document):
        if path.startswith("/v2/"):
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOutput"
            }, (method, path)
            unprocessable = operation["responses"].get("422", {})
            assert "HTTPValidationError" not in str(unprocessable), (method, path)
    answer = api.get("/v2/schedules/not-a-number", key=None)
    assert answer.status_code in (400, 401)
    schema = {**document["components"]["schemas"]["ErrorOutput"], **_components(document)}
    OAS31Validator(schema).validate(answer.json())


def _components(document: dict[str, Any]) -> dict[str, Any]:
    return {"components": document["components"]}


def test_a_real_answer_matches_its_documented_schema(api, demo_key, document):
    _, key = demo_key
    answer = api.get("/v2/schedules", key=key, version="2024-06-11")
    assert answer.status_code == 200
    documented = document["paths"]["/v2/schedules"]["get"]["responses"]["200"]
    schema = {**documented["content"]["application/json"]["schema"], **_components(document)}
    OAS31Validator(schema).validate(answer.json())


def test_operations_declare_the_key_they_need_or_accept(document):
    assert document["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert document["paths"]["/v2/me"]["get"]["security"] == [{"ApiKey": []}]
    assert document["paths"]["/v2/bookings"]["get"]["security"] == [{"ApiKey": []}]
    public = document["paths"]["/v2/bookings"]["post"]["security"]
    assert public == [{"ApiKey": []}, {}]  # a key is optional
    assert "security" not in document["paths"]["/v2/slots"]["get"]


def test_operations_declare_the_cal_api_version_they_read(document):
    def header(path: str, method: str) -> dict[str, Any]:
        parameters = document["paths"][path][method]["parameters"]
        (found,) = [p for p in parameters if p["name"] == "cal-api-version"]
        assert found["in"] == "header" and not found["required"]
        return found

    assert header("/v2/slots", "get")["schema"]["example"] == "2024-09-04"
    assert header("/v2/bookings", "post")["schema"]["example"] == "2024-08-13"
    assert header("/v2/event-types", "get")["schema"]["example"] == "2024-06-14"
    assert header("/v2/schedules", "get")["schema"]["example"] == "2024-06-11"
    assert "example" not in header("/v2/slots/available", "get")["schema"]  # legacy only
    me = document["paths"]["/v2/me"]["get"].get("parameters", [])
    assert not [p for p in me if p["name"] == "cal-api-version"]


def test_hand_parsed_inputs_are_documented(document):
    """The bookings list reads its query and create its body by hand (one model per version):
    both are documented so that clients (and the fuzzer) see them."""
    listed = {p["name"] for p in document["paths"]["/v2/bookings"]["get"]["parameters"]}
    assert {"status", "take", "skip", "afterStart", "filters[status]", "cursor"} <= listed
    body = document["paths"]["/v2/bookings"]["post"]["requestBody"]["content"]
    shapes = body["application/json"]["schema"]["anyOf"]
    assert [sorted(shape["required"]) for shape in shapes] == [
        ["attendee", "start"],
        ["eventTypeId", "responses", "start", "timeZone"],
    ]
    slots = {p["name"]: p for p in document["paths"]["/v2/slots"]["get"]["parameters"]}
    assert slots["eventTypeId"]["schema"]["type"] == "integer"
    assert slots["start"]["required"] is True


def _valid(document: dict[str, Any], component: str, value: Any) -> None:
    schema = {**document["components"]["schemas"][component], **_components(document)}
    OAS31Validator(schema).validate(value)


@pytest.mark.parametrize("golden", ["booking_output.json", "seated_booking_output.json"])
def test_the_golden_booking_outputs_match_the_documented_booking(document, golden):
    """Shapes the fuzzer's seeded data does not reach (seats, a reschedule chain)."""
    _valid(document, "BookingOutput", json.loads((GOLDEN / golden).read_text()))


def test_an_event_type_with_every_setting_matches_the_documented_event_type(
    api, demo_key, document
):
    _, key = demo_key
    created = api.post("/v2/event-types", key=key, version="2024-06-14", json=FULL_BODY)
    assert created.status_code == 201, created.text
    _valid(document, "EventTypeOutput", created.json()["data"])
    listed = api.get("/v2/event-types", key=key)  # legacy list, without the header
    _valid(document, "LegacyEventTypesOutput", listed.json()["data"])
