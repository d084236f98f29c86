"""Bounded fuzzing of our own OpenAPI document with Schemathesis: no 5xx, no answer that
violates the document.

Each operation of `create_app(...).openapi()` is one test, `test_operation_survives_fuzzing[GET
/v2/me]`, that sends about `CASES / number of operations` generated requests (Schemathesis'
positive and negative generation; Hypothesis derandomized, so every run sends the same
requests) to a fresh database seeded with a host (`ada`), an API key, an event type, a booking
and a slot reservation. Every answer must pass `not_a_server_error`,
`response_schema_conformance` (the body matches the schema documented for its status),
`status_code_conformance` (the status is documented) and `content_type_conformance`.

So that requests get past the first checks and reach the services, each case also draws:
- the `cal-api-version` header: usually the current version the operation documents (its
  example), else the value Schemathesis generated, or none (legacy, unknown or unrouted),
- a valid key of the seeded host, or (in one case out of four) the credentials Schemathesis
  generated: none, empty or garbage, and in negative cases a removed header,
- whether to use real values: path ids of the seeded resources, and (`_REAL_QUERY`,
  `_REAL_BODY`) the event type, a valid time zone and email, times inside the host's working
  hours... for every such field the operation declares (in the query, or at the top of the
  body), and wherever a generated object one level down has a field of that name.

Webhook operations are fuzzed like the rest, without a seeded webhook (their answers declare
no schema yet). SQLite and PostgreSQL (with `CALENDULA_TEST_DATABASE_URL`) both run it: about
20 s and 25 s on a busy 2-core machine.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from calendula import bootstrap
from calendula.api.app import create_app
from calendula.domain.bookings import Attendee
from calendula.services.booking import NewBooking
from calendula.settings import Settings
from factories import make_host

CASES = int(os.environ.get("CALENDULA_FUZZ_CASES", "1000"))
"""Generated requests in one run, spread evenly over the operations (raise it for a deeper
local run: `CALENDULA_FUZZ_CASES=20000 pytest tests/api/test_fuzz.py`)."""
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
BASE_URL = "http://testserver"
# Tuesday 3 March 2026 10:00 in New York (the `clock` fixture is Monday 2 March, 08:00 UTC).
BOOKED = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
RESERVED = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
_REAL_QUERY = {
    "username": "ada",
    "eventTypeSlug": "meet",
    "timeZone": "Europe/Rome",
    "start": "2026-03-04T15:00:00Z",
    "end": "2026-03-06T00:00:00Z",
    "startTime": "2026-03-04T00:00:00Z",
    "endTime": "2026-03-06T00:00:00Z",
}
_REAL_BODY = {
    "timeZone": "Europe/Rome",
    "email": "grace@example.com",
    "name": "Grace Hopper",
    "start": "2026-03-04T15:00:00Z",
    "slotStart": "2026-03-05T16:00:00Z",
    "slotUtcStartDate": "2026-03-05T17:00:00Z",
    "slotUtcEndDate": "2026-03-05T17:30:00Z",
    "lengthInMinutes": 30,
    "title": "Fuzzed",
    "slug": "fuzzed",
}
"""Field values that can succeed, used in "real" cases instead of the generated ones."""


@cache
def _document() -> dict[str, Any]:
    """Our OpenAPI document (it does not depend on the database: an unused in-memory one)."""
    settings = Settings(database_url="sqlite:///:memory:", environment="test", secret_key="x" * 40)
    container = bootstrap.build(settings)
    try:
        return create_app(container).openapi()
    finally:
        container.close()


def _labels() -> list[str]:
    document = _document()
    return [f"{m.upper()} {path}" for path, ops in document["paths"].items() for m in ops]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation_label" in metafunc.fixturenames:
        metafunc.parametrize("operation_label", _labels())


def _declared_fields(schema: dict[str, Any]) -> set[str]:
    """Top-level property names of a request body schema (through `$ref` and `anyOf`)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        schema = _document()["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    names = set(schema.get("properties", {}))
    for branch in schema.get("anyOf", []):
        names |= _declared_fields(branch)
    return names


@dataclass(frozen=True)
class Seeded:
    key: str
    event_type_id: int
    path_ids: dict[str, Any]
    """Path parameter values of real resources, by name (`uid` depends on the path)."""
    reservation_uid: str

    def real_path(self, path: str) -> dict[str, Any]:
        if path.startswith("/v2/slots/reservations"):
            return {**self.path_ids, "uid": self.reservation_uid}
        return self.path_ids

    def real_query(self) -> dict[str, Any]:
        return {**_REAL_QUERY, "eventTypeId": self.event_type_id}

    def real_body(self) -> dict[str, Any]:
        return {**_REAL_BODY, "eventTypeId": self.event_type_id}


@pytest.fixture
def seeded(container: bootstrap.Container) -> Seeded:
    host = make_host(container)
    assert host.user.id is not None and host.event_type.id is not None
    _, key = container.accounts.create_api_key(host.user.id, name="fuzz")
    guest = Attendee(name="Grace", email="grace@example.com", time_zone="Europe/London")
    booking = container.bookings.create(
        NewBooking(start=BOOKED, attendee=guest, event_type_id=host.event_type.id)
    )
    hold = container.holds.hold(host.event_type.id, RESERVED)
    ids = {
        "uid": booking.uid,
        "eventTypeId": host.event_type.id,
        "scheduleId": host.user.default_schedule_id,
    }
    return Seeded(key=key, event_type_id=host.event_type.id, path_ids=ids, reservation_uid=hold.uid)


@pytest.fixture
def client(container: bootstrap.Container) -> Iterator[asgi.ASGIClient]:
    """Schemathesis' in-process client, used without `with`: the app's lifespan (which closes
    the container) stays with the `container` fixture."""
    session = asgi.get_client(create_app(container))
    yield session
    session.close()


def _versions(parameters: list[dict[str, Any]]) -> tuple[str | None, ...]:
    """The `cal-api-version` values a case draws from: the documented current version three
    times in four; None leaves the generated header (or its absence) as it is."""
    for parameter in parameters:
        if parameter["name"] == "cal-api-version" and "example" in parameter["schema"]:
            current = parameter["schema"]["example"]
            return (current, current, current, None)
    return (None,)


def _with_real_values(
    container: Any, real: dict[str, Any], declared: set[str], depth: int = 2
) -> None:
    """Set, in place, the `declared` fields of `container` that `real` has a value for, and
    replace those values in the objects it holds (one level down)."""
    if not isinstance(container, dict) or depth == 0:
        return
    for name, value in container.items():
        if name not in real:
            _with_real_values(value, real, set(), depth - 1)
    container.update({name: real[name] for name in real if name in declared or name in container})


def _headers(seeded: Seeded, version: str | None, generated_key: bool) -> dict[str, str]:
    headers = {} if generated_key else {"Authorization": f"Bearer {seeded.key}"}
    if version is not None:
        headers["cal-api-version"] = version
    return headers


def test_operation_survives_fuzzing(operation_label: str, seeded: Seeded, client) -> None:
    operation = schemathesis.openapi.from_dict(_document()).find_operation_by_label(operation_label)
    assert operation is not None
    generated = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    definition = operation.definition.raw
    body_schema = definition.get("requestBody", {}).get("content", {}).get("application/json", {})
    body_fields = _declared_fields(body_schema.get("schema", {}))
    parameters = definition.get("parameters", [])
    query_fields = {p["name"] for p in parameters if p["in"] == "query"}
    path_fields = {p["name"] for p in parameters if p["in"] == "path"}
    path_ids = seeded.real_path(operation.path)
    sent: list[int] = []

    @given(
        case=generated,
        version=st.sampled_from(_versions(parameters)),
        generated_key=st.sampled_from((False, False, False, True)),
        with_real_values=st.sampled_from((True, False)),
    )
    @settings(
        max_examples=math.ceil(CASES / len(_labels())),
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def run(case: Case, version: str | None, generated_key: bool, with_real_values: bool) -> None:
        if with_real_values:
            _with_real_values(case.path_parameters, path_ids, path_fields)
            _with_real_values(case.query, seeded.real_query(), query_fields)
            _with_real_values(case.body, seeded.real_body(), body_fields)
        headers = _headers(seeded, version, generated_key)
        response = case.call(session=client, base_url=BASE_URL, headers=headers)
        sent.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()
    assert sent, "no request was generated"
