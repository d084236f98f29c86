"""The API's shared behaviour: error envelope, unknown routes, auth messages, health."""

from __future__ import annotations


def test_health_answers_without_a_key(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unknown_routes_get_nests_not_found_in_the_error_envelope(api):
    response = api.get("/v2/nothing-here?x=1")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == "error"
    assert body["path"] == "/v2/nothing-here?x=1"
    assert body["timestamp"].endswith("Z")
    assert body["error"]["code"] == "NotFoundException"
    assert body["error"]["message"] == "Cannot GET /v2/nothing-here"
    assert body["error"]["details"]["statusCode"] == 404
