"""/v2/webhooks and /v2/event-types/{eventTypeId}/webhooks (Cal.com §6.1): Cal.com's shapes,
CRUD, owner scoping, duplicate URLs, field refusals, the SSRF rule and its setting, and secrets
that are stored sealed and never shown."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from calendula import bootstrap
from calendula.api.app import create_app
from calendula.integrations.secret_box import FernetSecretBox
from calendula.settings import Settings
from calendula.storage import create_engine_for
from factories import FakeResolver
from tests.api.conftest import ApiClient

SECRET = "whsec-very-private-value-123"
TEMPLATE = '{"content":"New booking","name":"{{title}}"}'
NO_AUTH = "ApiAuthStrategy - No authentication method provided"


def body(**fields: Any) -> dict[str, Any]:
    return {
        "subscriberUrl": f"https://hooks.example.com/{uuid.uuid4().hex}",
        "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"],
        "active": True,
        **fields,
    }


def other_user(container) -> tuple[Any, str]:
    """A second user with an event type of their own and an API key."""
    user = container.accounts.create_user("bob", "bob@example.com", time_zone="UTC")
    _, key = container.accounts.create_api_key(user.id)
    return user, key


def error(response) -> dict[str, Any]:
    payload: dict[str, Any] = response.json()
    assert payload["status"] == "error"
    return payload["error"]


# -- user webhooks: Cal.com's shapes and CRUD ------------------------------------------------


def test_create_answers_201_with_calcoms_user_webhook_and_no_secret(api, demo_key, calcom):
    host, key = demo_key
    response = api.post("/v2/webhooks", key=key, json=body(secret=SECRET))
    assert response.status_code == 201, response.text
    data = calcom.check(response, "POST", "/v2/webhooks")["data"]
    assert uuid.UUID(data["id"]).version == 4
    assert data["userId"] == host.user.id
    assert data["triggers"] == ["BOOKING_CREATED", "BOOKING_CANCELLED"]
    assert data["active"] is True
    assert data["payloadTemplate"] is None
    assert "secret" not in data and SECRET not in response.text
    assert set(data) == {"id", "userId", "subscriberUrl", "triggers", "active", "payloadTemplate"}


def test_the_version_header_does_not_matter(api, demo_key, calcom):
    _, key = demo_key
    for version in ("2024-08-13", "2024-06-14", "nonsense", None):
        response = api.post("/v2/webhooks", key=key, version=version, json=body())
        assert response.status_code == 201, (version, response.text)
        listed = api.get("/v2/webhooks", key=key, version=version)
        calcom.check(listed, "GET", "/v2/webhooks")


def test_get_patch_and_delete_one_webhook(api, demo_key, calcom):
    _, key = demo_key
    created = api.post("/v2/webhooks", key=key, json=body(payloadTemplate=TEMPLATE)).json()
    path = f"/v2/webhooks/{created['data']['id']}"

    got = api.get(path, key=key)
    assert calcom.check(got, "GET", "/v2/webhooks/{webhookId}")["data"] == created["data"]
    assert got.json()["data"]["payloadTemplate"] == TEMPLATE

    patched = api.patch(
        path,
        key=key,
        json={"triggers": ["BOOKING_RESCHEDULED"], "active": False, "payloadTemplate": None},
    )
    assert patched.status_code == 200, patched.text
    data = calcom.check(patched, "PATCH", "/v2/webhooks/{webhookId}")["data"]
    assert data["triggers"] == ["BOOKING_RESCHEDULED"]
    assert data["active"] is False and data["payloadTemplate"] is None
    assert data["subscriberUrl"] == created["data"]["subscriberUrl"]  # not sent: unchanged

    deleted = api.delete(path, key=key)
    assert calcom.check(deleted, "DELETE", "/v2/webhooks/{webhookId}")["data"] == data
    assert api.get(path, key=key).status_code == 404
    assert api.delete(path, key=key).status_code == 404


def test_list_pages_with_take_and_skip_as_a_bare_array(api, demo_key, calcom):
    _, key = demo_key
    ids = {api.post("/v2/webhooks", key=key, json=body()).json()["data"]["id"] for _ in range(3)}
    listed = api.get("/v2/webhooks", key=key)
    data = calcom.check(listed, "GET", "/v2/webhooks")["data"]
    assert {w["id"] for w in data} == ids and set(listed.json()) == {"status", "data"}
    first = api.get("/v2/webhooks?take=2", key=key).json()["data"]
    rest = api.get("/v2/webhooks?take=2&skip=2", key=key).json()["data"]
    assert len(first) == 2 and len(rest) == 1
    assert {w["id"] for w in first + rest} == ids
    for query in ("take=0", "take=251", "skip=-1", "take=abc"):
        refused = api.get(f"/v2/webhooks?{query}", key=key)
        assert refused.status_code == 400, query
        assert error(refused)["details"]["field"] == query.split("=")[0]


def test_a_patch_with_a_new_secret_or_a_null_one_keeps_it_out_of_the_answer(
    api, demo_key, container
):
    host, key = demo_key
    webhook_id = api.post("/v2/webhooks", key=key, json=body()).json()["data"]["id"]
    patched = api.patch(f"/v2/webhooks/{webhook_id}", key=key, json={"secret": SECRET})
    assert patched.status_code == 200 and SECRET not in patched.text
    assert container.webhooks.get(host.user.id, webhook_id).secret == SECRET
    cleared = api.patch(f"/v2/webhooks/{webhook_id}", key=key, json={"secret": None})
    assert cleared.status_code == 200
    assert container.webhooks.get(host.user.id, webhook_id).secret is None


def test_the_secret_is_stored_sealed_and_opens_back(api, demo_key, container, database_url):
    host, key = demo_key
    created = api.post("/v2/webhooks", key=key, json=body(secret=SECRET)).json()["data"]
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT secret FROM webhooks WHERE id = :id"), {"id": created["id"]}
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored and SECRET not in stored
    assert FernetSecretBox("x" * 40).open(stored) == SECRET
    assert container.webhooks.get(host.user.id, created["id"]).secret == SECRET
    with pytest.raises(ValueError):
        FernetSecretBox("y" * 40).open(stored)


def test_the_secret_never_appears_in_any_answer_or_log(api, demo_key, caplog):
    host, key = demo_key
    caplog.set_level(logging.DEBUG)
    et = f"/v2/event-types/{host.event_type.id}/webhooks"
    answers = [api.post("/v2/webhooks", key=key, json=body(secret=SECRET))]
    answers.append(api.post(et, key=key, json=body(secret=SECRET)))
    user_id, et_id = (a.json()["data"]["id"] for a in answers)
    answers += [
        api.get("/v2/webhooks", key=key),
        api.get(f"/v2/webhooks/{user_id}", key=key),
        api.patch(f"/v2/webhooks/{user_id}", key=key, json={"secret": SECRET + "2"}),
        api.get(et, key=key),
        api.get(f"{et}/{et_id}", key=key),
        api.patch(f"{et}/{et_id}", key=key, json={"secret": SECRET + "3"}),
        api.delete(f"/v2/webhooks/{user_id}", key=key),
        api.delete(f"{et}/{et_id}", key=key),
    ]
    assert all(a.status_code in (200, 201) for a in answers)
    assert not [a.text for a in answers if SECRET in a.text or '"secret"' in a.text]
    assert SECRET not in "\n".join(r.getMessage() for r in caplog.records)


# -- event-type webhooks ---------------------------------------------------------------------


def test_event_type_webhooks_crud_in_calcoms_shapes(api, demo_key, calcom):
    host, key = demo_key
    base = f"/v2/event-types/{host.event_type.id}/webhooks"
    created = api.post(base, key=key, json=body(payloadTemplate=TEMPLATE))
    assert created.status_code == 201, created.text
    data = calcom.check(created, "POST", "/v2/event-types/{eventTypeId}/webhooks")["data"]
    assert data["eventTypeId"] == host.event_type.id and "userId" not in data
    one = f"{base}/{data['id']}"
    listed = api.get(base, key=key)
    assert calcom.check(listed, "GET", "/v2/event-types/{eventTypeId}/webhooks")["data"] == [data]
    got = api.get(one, key=key)
    assert calcom.check(got, "GET", "/v2/event-types/{eventTypeId}/webhooks/{webhookId}")
    patched = api.patch(one, key=key, json={"subscriberUrl": "https://other.example.com/h"})
    operation = "/v2/event-types/{eventTypeId}/webhooks/{webhookId}"
    assert calcom.check(patched, "PATCH", operation)["data"]["subscriberUrl"] == (
        "https://other.example.com/h"
    )
    deleted = api.delete(one, key=key)
    assert calcom.check(deleted, "DELETE", operation)["data"]["id"] == data["id"]
    assert api.get(one, key=key).status_code == 404


def test_deleting_all_of_an_event_types_webhooks_answers_the_count(api, demo_key, calcom):
    host, key = demo_key
    base = f"/v2/event-types/{host.event_type.id}/webhooks"
    for _ in range(2):
        assert api.post(base, key=key, json=body()).status_code == 201
    own = api.post("/v2/webhooks", key=key, json=body()).json()["data"]["id"]
    deleted = api.delete(base, key=key)
    checked = calcom.check(deleted, "DELETE", "/v2/event-types/{eventTypeId}/webhooks")
    assert checked == {"status": "success", "data": "2 webhooks deleted"}
    assert api.get(base, key=key).json()["data"] == []
    assert api.get(f"/v2/webhooks/{own}", key=key).status_code == 200  # user webhook stays
    assert api.delete(base, key=key).json()["data"] == "0 webhooks deleted"


def test_user_and_event_type_webhooks_are_separate_collections(api, demo_key):
    host, key = demo_key
    base = f"/v2/event-types/{host.event_type.id}/webhooks"
    of_type = api.post(base, key=key, json=body()).json()["data"]["id"]
    own = api.post("/v2/webhooks", key=key, json=body()).json()["data"]["id"]
    assert [w["id"] for w in api.get("/v2/webhooks", key=key).json()["data"]] == [own]
    assert [w["id"] for w in api.get(base, key=key).json()["data"]] == [of_type]
    assert api.get(f"/v2/webhooks/{of_type}", key=key).status_code == 404
    assert api.get(f"{base}/{own}", key=key).status_code == 404


# -- authentication and owner scoping --------------------------------------------------------

ROUTES = [
    ("POST", "/v2/webhooks"),
    ("GET", "/v2/webhooks"),
    ("GET", "/v2/webhooks/{webhook}"),
    ("PATCH", "/v2/webhooks/{webhook}"),
    ("DELETE", "/v2/webhooks/{webhook}"),
    ("POST", "/v2/event-types/{event_type}/webhooks"),
    ("GET", "/v2/event-types/{event_type}/webhooks"),
    ("DELETE", "/v2/event-types/{event_type}/webhooks"),
    ("GET", "/v2/event-types/{event_type}/webhooks/{et_webhook}"),
    ("PATCH", "/v2/event-types/{event_type}/webhooks/{et_webhook}"),
    ("DELETE", "/v2/event-types/{event_type}/webhooks/{et_webhook}"),
]


@pytest.fixture
def owned(api, demo_key) -> dict[str, Any]:
    """The demo host's ids: a user webhook, its event type and one of that type's webhooks."""
    host, key = demo_key
    base = f"/v2/event-types/{host.event_type.id}/webhooks"
    return {
        "webhook": api.post("/v2/webhooks", key=key, json=body()).json()["data"]["id"],
        "event_type": host.event_type.id,
        "et_webhook": api.post(base, key=key, json=body()).json()["data"]["id"],
    }


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_an_api_key(api, owned, method, path):
    response = api.request(method, path.format(**owned), json=body())
    assert response.status_code == 401
    assert error(response)["message"].startswith(NO_AUTH)


@pytest.mark.parametrize(("method", "path"), ROUTES[2:])
def test_another_users_webhooks_and_event_types_are_not_found(api, container, owned, method, path):
    _, stranger = other_user(container)
    response = api.request(method, path.format(**owned), key=stranger, json=body())
    assert response.status_code == 404, response.text
    assert error(response)["code"] == "NotFoundException"


def test_nothing_of_another_user_is_listed_changed_or_deleted(api, container, demo_key, owned):
    _, key = demo_key
    _, stranger = other_user(container)
    assert api.get("/v2/webhooks", key=stranger).json()["data"] == []
    for method, path in ROUTES[2:]:
        api.request(method, path.format(**owned), key=stranger, json=body(active=False))
    mine = api.get(f"/v2/webhooks/{owned['webhook']}", key=key).json()["data"]
    assert mine["active"] is True
    et = f"/v2/event-types/{owned['event_type']}/webhooks/{owned['et_webhook']}"
    assert api.get(et, key=key).status_code == 200


@pytest.mark.parametrize("webhook_id", ["not-a-uuid", "0" * 300, "123", str(uuid.uuid4())])
def test_unknown_or_malformed_webhook_ids_are_not_found(api, demo_key, webhook_id):
    _, key = demo_key
    response = api.get(f"/v2/webhooks/{webhook_id}", key=key)
    assert response.status_code == 404


def test_an_unknown_event_type_is_not_found(api, demo_key):
    _, key = demo_key
    for event_type_id in (999_999, 2**40):
        response = api.post(f"/v2/event-types/{event_type_id}/webhooks", key=key, json=body())
        assert response.status_code == 404
    response = api.get("/v2/event-types/999999/webhooks", key=key)
    assert response.status_code == 404


# -- refusals naming the field ---------------------------------------------------------------


def test_a_duplicate_url_for_the_same_owner_is_a_409_naming_subscriber_url(api, demo_key):
    host, key = demo_key
    url = "https://hooks.example.com/same"
    base = f"/v2/event-types/{host.event_type.id}/webhooks"
    assert api.post("/v2/webhooks", key=key, json=body(subscriberUrl=url)).status_code == 201
    again = api.post("/v2/webhooks", key=key, json=body(subscriberUrl=url))
    assert again.status_code == 409
    assert error(again)["code"] == "ConflictException"
    assert error(again)["details"]["field"] == "subscriberUrl"
    assert api.post(base, key=key, json=body(subscriberUrl=url)).status_code == 201
    assert api.post(base, key=key, json=body(subscriberUrl=url)).status_code == 409
    other = api.post("/v2/webhooks", key=key, json=body()).json()["data"]["id"]
    moved = api.patch(f"/v2/webhooks/{other}", key=key, json={"subscriberUrl": url})
    assert moved.status_code == 409


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"triggers": []}, "triggers"),
        ({"triggers": ["BOOKING_CONFIRMED"]}, "triggers"),
        ({"triggers": ["PING"]}, "triggers"),
        ({"triggers": "BOOKING_CREATED"}, "triggers"),
        ({"subscriberUrl": "not a url"}, "subscriberUrl"),
        ({"subscriberUrl": "ftp://example.com/x"}, "subscriberUrl"),
        ({"subscriberUrl": "https://example.com/" + "a" * 2100}, "subscriberUrl"),
        ({"subscriberUrl": ""}, "subscriberUrl"),
        ({"subscriberUrl": 5}, "subscriberUrl"),
        ({"active": "yes"}, "active"),
        ({"payloadTemplate": "x" * (100 * 1024 + 1)}, "payloadTemplate"),
        ({"secret": "s" * 256}, "secret"),
        ({"secret": "nul\x00"}, "secret"),
        ({"version": "2099-01-01"}, "version"),
    ],
)
def test_bad_fields_are_a_400_naming_the_field(api, demo_key, fields, field):
    _, key = demo_key
    for method, path in (("POST", "/v2/webhooks"),):
        response = api.request(method, path, key=key, json=body(**fields))
        assert response.status_code == 400, response.text
        assert error(response)["details"]["field"] == field


@pytest.mark.parametrize("missing", ["subscriberUrl", "triggers", "active"])
def test_create_requires_calcoms_required_fields(api, demo_key, missing):
    _, key = demo_key
    sent = body()
    del sent[missing]
    response = api.post("/v2/webhooks", key=key, json=sent)
    assert response.status_code == 400
    assert error(response)["details"]["field"] == missing


def test_a_refused_patch_changes_nothing(api, demo_key):
    _, key = demo_key
    created = api.post("/v2/webhooks", key=key, json=body()).json()["data"]
    path = f"/v2/webhooks/{created['id']}"
    refused = api.patch(path, key=key, json={"active": False, "triggers": ["NOPE"]})
    assert refused.status_code == 400
    assert api.get(path, key=key).json()["data"] == created


# -- the SSRF rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.0.0.1/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fd00:ec2::254]/latest",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[::ffff:10.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://internal.example.com/hook",
        "http://nowhere.invalid/hook",
    ],
)
def test_private_loopback_metadata_and_unresolvable_targets_are_refused(
    api, demo_key, resolver, url
):
    host, key = demo_key
    resolver.addresses["internal.example.com"] = ["93.184.215.14", "10.20.30.40"]
    for path in ("/v2/webhooks", f"/v2/event-types/{host.event_type.id}/webhooks"):
        response = api.post(path, key=key, json=body(subscriberUrl=url))
        assert response.status_code == 400, (path, response.text)
        assert error(response)["details"]["field"] == "subscriberUrl"
    assert api.get("/v2/webhooks", key=key).json()["data"] == []


def test_the_refusal_names_the_private_address_a_host_resolves_to(api, demo_key, resolver):
    _, key = demo_key
    resolver.addresses["sneaky.example.com"] = ["10.9.8.7"]
    response = api.post(
        "/v2/webhooks", key=key, json=body(subscriberUrl="https://sneaky.example.com/")
    )
    assert "10.9.8.7" in error(response)["message"]
    assert resolver.asked == ["sneaky.example.com"]


def test_a_patch_to_a_private_target_is_refused_and_changes_nothing(api, demo_key):
    _, key = demo_key
    created = api.post("/v2/webhooks", key=key, json=body()).json()["data"]
    path = f"/v2/webhooks/{created['id']}"
    refused = api.patch(path, key=key, json={"subscriberUrl": "http://10.0.0.1/x"})
    assert refused.status_code == 400
    assert error(refused)["details"]["field"] == "subscriberUrl"
    assert api.get(path, key=key).json()["data"] == created


@pytest.fixture
def private_targets_allowed(database_url, clock) -> Iterator[tuple[ApiClient, FakeResolver]]:
    """An app whose administrator allows private webhook targets."""
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key="x" * 40,
        rate_limit_per_minute=0,
        webhook_allow_private_targets=True,
    )
    resolver = FakeResolver()
    container = bootstrap.build(settings, clock=clock, resolver=resolver)
    client = ApiClient(create_app(container))
    yield client, resolver
    client.close()
    container.close()


def test_the_setting_allows_private_targets_but_never_metadata_endpoints(
    private_targets_allowed, demo_key
):
    client, resolver = private_targets_allowed
    _, key = demo_key
    for url in ("http://127.0.0.1:9000/hook", "http://localhost/hook", "http://10.0.0.1/h"):
        response = client.post("/v2/webhooks", key=key, json=body(subscriberUrl=url))
        assert response.status_code == 201, response.text
    assert resolver.asked == []  # nothing to resolve when every address is allowed
    for url in ("http://169.254.169.254/", "http://metadata.google.internal/"):
        refused = client.post("/v2/webhooks", key=key, json=body(subscriberUrl=url))
        assert refused.status_code == 400
        assert error(refused)["details"]["field"] == "subscriberUrl"
