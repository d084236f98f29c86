"""Webhook delivery end to end: booking changes -> outbox -> dispatcher -> a real HTTP receiver
on loopback. Clock injected (`SettableClock`), dispatcher driven by `drain()`; SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.domain.errors import SlotUnavailable
from calendula.domain.event_types import ConfirmationPolicy
from calendula.domain.outbox import Job, JobStatus, Result
from calendula.integrations.secret_box import FernetSecretBox
from calendula.integrations.webhook_transport import HttpcoreTransport
from calendula.services.booking import NewBooking
from calendula.services.outbox import Dispatcher
from calendula.services.webhook_delivery import WebhookFanout, WebhookHandler
from calendula.services.webhooks import NewWebhook, WebhookPatch
from calendula.storage.notify import PostgresListener, sqlite_file_probe
from calendula.storage.tables import OutboxEventRow, OutboxJobRow
from factories import FakeResolver, Host, SettableClock, make_host
from receiver import Answer, Receiver

TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
GUEST = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="Europe/London")
SECRET = "whsec-test-secret"
BOOKING_TRIGGERS = [
    "BOOKING_CREATED",
    "BOOKING_REQUESTED",
    "BOOKING_RESCHEDULED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
]


@pytest.fixture
def delivering(make_container) -> bootstrap.Container:
    """A container whose webhooks may target loopback (the receiver), short timeouts, and
    whose dispatcher runs webhooks alone."""
    built = make_container(webhook_allow_private_targets=True, webhook_timeout_seconds=1.0)
    built.dispatcher = webhooks_only(built)
    built.bookings._on_commit = built.dispatcher.wake  # the replacement is woken on commit
    return built


def webhooks_only(container: bootstrap.Container, **options: Any) -> Dispatcher:
    """The container's dispatcher without the other features' fan-outs (emails, calendars):
    these tests look at webhooks alone. `options` go to `Dispatcher`."""
    handler = WebhookHandler(
        container.uow_factory,
        container.clock,
        FernetSecretBox(container.settings.secret_key),
        container.transport,
    )
    return Dispatcher(
        container.uow_factory, container.clock, [WebhookFanout()], [handler], **options
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def subscribe(container, host: Host, url: str, triggers=BOOKING_TRIGGERS, **fields):
    assert host.user.id is not None
    new = NewWebhook(subscriber_url=url, triggers=triggers, secret=SECRET, **fields)
    return container.webhooks.create(host.user.id, new)


def book(container, host: Host, start=TUESDAY_10, event_type=None, attendee=GUEST):
    event_type = event_type or host.event_type
    return container.bookings.create(
        NewBooking(start=start, attendee=attendee, event_type_id=event_type.id)
    )


def verify_like_calcom(received) -> None:
    """Cal.com's documented check, then the Standard Webhooks one (docs/webhooks.md)."""
    expected = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Cal-Signature-256"] == expected
    msg_id, ts = received.headers["webhook-id"], received.headers["webhook-timestamp"]
    signed = hmac.new(SECRET.encode(), f"{msg_id}.{ts}.".encode() + received.body, hashlib.sha256)
    assert (
        received.headers["webhook-signature"] == "v1," + base64.b64encode(signed.digest()).decode()
    )
    assert received.headers["X-Cal-Webhook-Version"] == "2021-10-20"


def test_every_booking_trigger_reaches_the_receiver_signed(
    delivering, receiver: Receiver, clock: SettableClock
) -> None:
    host = make_host(delivering)
    assert host.user.id is not None
    confirm_type = delivering.event_types.create(
        host.user.id,
        __import__("dataclasses").replace(
            host.event_type, id=None, slug="ask", confirmation=ConfirmationPolicy()
        ),
    )
    subscribe(delivering, host, receiver.url())

    first = book(delivering, host)
    moved = delivering.bookings.reschedule(
        first.uid, TUESDAY_10 + timedelta(hours=2), by="grace@example.com"
    )
    delivering.bookings.cancel(moved.uid, reason="no longer needed", by="grace@example.com")
    asked = book(delivering, host, TUESDAY_10 + timedelta(hours=4), event_type=confirm_type)
    delivering.bookings.decline(asked.uid, actor_id=host.user.id, reason="fully booked")
    shown = book(delivering, host, TUESDAY_10 + timedelta(days=1))
    clock.current = shown.start + timedelta(minutes=5)
    delivering.bookings.mark_absent(
        shown.uid, actor_id=host.user.id, attendees={"grace@example.com": True}
    )
    delivering.dispatcher.drain()

    got = receiver.received
    assert len(got) == 7
    for message in got:
        verify_like_calcom(message)
    bodies = [m.json() for m in got]  # sent concurrently: in any order
    by_trigger = {b["triggerEvent"]: b for b in bodies}
    assert sorted(b["triggerEvent"] for b in bodies) == sorted(
        [*BOOKING_TRIGGERS, "BOOKING_CREATED"]
    )
    (created,) = [
        b["payload"]
        for b in bodies
        if b["triggerEvent"] == "BOOKING_CREATED" and b["payload"]["uid"] == first.uid
    ]
    assert created["uid"] == first.uid
    assert created["attendees"][0]["email"] == "grace@example.com"
    assert created["organizer"]["email"] == "ada@example.com"
    assert created["status"] == "ACCEPTED"
    rescheduled = by_trigger["BOOKING_RESCHEDULED"]["payload"]
    assert rescheduled["uid"] == moved.uid
    assert rescheduled["rescheduleUid"] == first.uid
    assert rescheduled["rescheduleStartTime"] == "2026-03-03T15:00:00Z"
    assert rescheduled["rescheduledBy"] == "grace@example.com"
    assert rescheduled["iCalUID"] == created["iCalUID"]
    cancelled = by_trigger["BOOKING_CANCELLED"]["payload"]
    assert cancelled["cancellationReason"] == "no longer needed"
    assert cancelled["cancelledBy"] == "grace@example.com"
    assert cancelled["status"] == "CANCELLED"
    assert by_trigger["BOOKING_REQUESTED"]["payload"]["status"] == "PENDING"
    assert by_trigger["BOOKING_REJECTED"]["payload"]["rejectionReason"] == "fully booked"
    no_show = by_trigger["BOOKING_NO_SHOW_UPDATED"]["payload"]
    assert no_show["bookingUid"] == shown.uid
    assert no_show["attendees"] == [{"email": "grace@example.com", "noShow": True}]
    assert len({m.headers["webhook-id"] for m in got}) == 7


def test_a_payload_template_is_rendered(delivering, receiver: Receiver) -> None:
    host = make_host(delivering)
    template = '{"content": "New: {{title}}", "who": "{{attendees.0.name}}", "t": "{{type}}"}'
    subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"], payload_template=template)
    book(delivering, host)
    delivering.dispatcher.drain()
    (message,) = receiver.wait_for(1)
    assert message.json() == {
        "content": "New: Meeting between Ada and Grace Hopper",
        "who": "Grace Hopper",
        "t": "meet",
    }
    verify_like_calcom(message)


def test_a_rolled_back_booking_has_no_event_and_a_committed_one_has_it(delivering) -> None:
    host = make_host(delivering)
    book(delivering, host)
    with pytest.raises(SlotUnavailable):
        book(delivering, host)  # same time: refused, its transaction rolled back
    with delivering.uow_factory() as uow:
        session = uow.session  # type: ignore[attr-defined]
        topics = session.scalars(select(OutboxEventRow.topic)).all()
    assert topics == ["BOOKING_CREATED"]


def test_an_event_only_goes_to_its_owner_and_event_type_subscribers(
    delivering, receiver: Receiver
) -> None:
    ada = make_host(delivering)
    eve = make_host(delivering, "eve")
    subscribe(delivering, eve, receiver.url("/eve"))
    assert ada.user.id is not None
    other_type = delivering.event_types.create(
        ada.user.id,
        __import__("dataclasses").replace(ada.event_type, id=None, slug="other"),
    )
    delivering.webhooks.create(
        ada.user.id,
        NewWebhook(subscriber_url=receiver.url("/other-type"), triggers=["BOOKING_CREATED"]),
        other_type.id,
    )
    subscribe(delivering, ada, receiver.url("/ada"), ["BOOKING_CREATED"])
    book(delivering, ada)
    delivering.dispatcher.drain()
    assert [m.path for m in receiver.wait_for(1)] == ["/ada"]


# -- scheduled triggers --------------------------------------------------------------------------


def meeting_hooks(delivering, host, receiver):
    return subscribe(delivering, host, receiver.url(), ["MEETING_STARTED", "MEETING_ENDED"])


def run_at(container, clock: SettableClock, when: datetime, receiver: Receiver) -> int:
    """Run the dispatcher at `when`; how many webhook messages arrived."""
    clock.current = when
    before = len(receiver.received)
    container.dispatcher.drain()
    return len(receiver.received) - before


def test_meeting_started_and_ended_fire_at_the_booking_times(
    delivering, receiver: Receiver, clock: SettableClock
) -> None:
    host = make_host(delivering)
    meeting_hooks(delivering, host, receiver)
    booking = book(delivering, host)
    delivering.dispatcher.drain()
    assert receiver.received == []  # both are due later
    assert run_at(delivering, clock, booking.start - timedelta(seconds=1), receiver) == 0
    assert run_at(delivering, clock, booking.start, receiver) == 1
    assert run_at(delivering, clock, booking.end - timedelta(seconds=1), receiver) == 0
    assert run_at(delivering, clock, booking.end, receiver) == 1
    started, ended = [m.json() for m in receiver.wait_for(2)]
    assert started["triggerEvent"] == "MEETING_STARTED"
    assert ended["triggerEvent"] == "MEETING_ENDED"
    assert started["payload"]["uid"] == ended["payload"]["uid"] == booking.uid


def test_rescheduling_moves_the_meeting_messages(
    delivering, receiver: Receiver, clock: SettableClock
) -> None:
    host = make_host(delivering)
    meeting_hooks(delivering, host, receiver)
    booking = book(delivering, host)
    later = booking.start + timedelta(hours=3)
    moved = delivering.bookings.reschedule(booking.uid, later)
    delivering.dispatcher.drain()
    assert run_at(delivering, clock, booking.end + timedelta(minutes=1), receiver) == 0  # withdrawn
    assert run_at(delivering, clock, moved.end, receiver) == 2
    bodies = [m.json() for m in receiver.wait_for(2)]
    assert {b["payload"]["uid"] for b in bodies} == {moved.uid}
    assert {b["payload"]["startTime"] for b in bodies} == {"2026-03-03T18:00:00Z"}


def test_cancelling_withdraws_the_meeting_messages_with_a_record(
    delivering, receiver: Receiver, clock: SettableClock
) -> None:
    host = make_host(delivering)
    hook = meeting_hooks(delivering, host, receiver)
    booking = book(delivering, host)
    delivering.dispatcher.drain()
    delivering.bookings.cancel(booking.uid, reason="ill")
    assert run_at(delivering, clock, booking.end + timedelta(hours=1), receiver) == 0
    assert receiver.received == []
    assert host.user.id is not None
    log = delivering.webhook_deliveries.deliveries(host.user.id, hook.id)
    assert [d.job.status for d in log] == [JobStatus.CANCELLED, JobStatus.CANCELLED]
    assert all("cancelled" in (d.job.last_error or "") for d in log)


# -- failures, retries, health -----------------------------------------------------------------


def only_job(container) -> Job:
    with container.uow_factory() as uow:
        query = select(OutboxJobRow.id).where(OutboxJobRow.kind == "webhook")
        (job_id,) = uow.session.scalars(query).all()  # type: ignore[attr-defined]
        job = uow.outbox.get_job(job_id)
    assert job is not None
    return job


def test_transient_failures_are_retried_with_backoff_and_recorded(
    delivering, receiver: Receiver, clock: SettableClock
) -> None:
    host = make_host(delivering)
    hook = subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"])
    receiver.plan = [
        Answer(500),
        Answer(200, delay=1.5),  # longer than the 1 s timeout
        Answer(429, {"Retry-After": "600"}),
        Answer(200),
    ]
    book(delivering, host)
    delivering.dispatcher.drain()
    job = only_job(delivering)
    assert job.status == "pending"
    wait = job.due_at - clock.now()
    assert timedelta(seconds=15) <= wait <= timedelta(seconds=30)  # 1st retry: 30 s, jittered
    assert run_at(delivering, clock, job.due_at, receiver) == 1  # times out
    job = only_job(delivering)
    assert timedelta(seconds=30) <= job.due_at - clock.now() <= timedelta(seconds=60)
    assert run_at(delivering, clock, job.due_at, receiver) == 1  # 429 Retry-After: 600
    job = only_job(delivering)
    assert job.due_at - clock.now() >= timedelta(seconds=600)
    assert run_at(delivering, clock, job.due_at - timedelta(seconds=1), receiver) == 0
    assert run_at(delivering, clock, job.due_at, receiver) == 1
    assert only_job(delivering).status == "delivered"
    assert host.user.id is not None
    (delivery,) = delivering.webhook_deliveries.deliveries(host.user.id, hook.id)
    attempts = [(a.result, a.status_code) for a in delivery.attempts]
    assert attempts == [
        (Result.RETRY, 500),
        (Result.RETRY, None),
        (Result.RETRY, 429),
        (Result.DELIVERED, 200),
    ]
    assert "timeout" in (delivery.attempts[1].error or "")
    ids = {m.headers["webhook-id"] for m in receiver.wait_for(4)}
    assert ids == {delivery.job.message_id}  # retries share the delivery id


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_is_retried(delivering, clock: SettableClock) -> None:
    host = make_host(delivering)
    subscribe(delivering, host, f"http://127.0.0.1:{closed_port()}/hook", ["BOOKING_CREATED"])
    book(delivering, host)
    delivering.dispatcher.drain()
    job = only_job(delivering)
    assert (job.status, job.attempts) == ("pending", 1)
    assert "ConnectError" in (job.last_error or "")


@pytest.mark.parametrize("status", [400, 404, 302])
def test_refusals_and_redirects_fail_without_retry(
    delivering, receiver: Receiver, status: int
) -> None:
    host = make_host(delivering)
    subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"])
    receiver.default = Answer(status, {"Location": receiver.url("/elsewhere")})
    book(delivering, host)
    delivering.dispatcher.drain()
    job = only_job(delivering)
    assert (job.status, job.attempts, job.last_error) == ("failed", 1, f"HTTP {status}")
    assert [m.path for m in receiver.received] == ["/hook"]  # the redirect was not followed


def test_a_subscriber_failing_for_a_day_is_disabled_then_redelivery_works(
    delivering, receiver: Receiver, clock: SettableClock
) -> None:
    host = make_host(delivering)
    assert host.user.id is not None
    hook = subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"])
    receiver.default = Answer(503)
    book(delivering, host)
    started = clock.now()
    delivering.dispatcher.drain()
    while only_job(delivering).status == "pending":
        run_at(delivering, clock, only_job(delivering).due_at, receiver)
    job = only_job(delivering)
    assert job.status == "failed"
    assert 10 <= job.attempts <= 30
    assert timedelta(hours=20) <= clock.now() - started <= timedelta(hours=24)
    disabled = delivering.webhooks.get(host.user.id, hook.id)
    assert disabled.active is False
    assert disabled.disabled_at is not None and "24 hours" in (disabled.disabled_reason or "")
    with delivering.uow_factory() as uow:
        topics = uow.session.scalars(select(OutboxEventRow.topic)).all()  # type: ignore[attr-defined]
    assert "WEBHOOK_DISABLED" in topics
    # a new booking is not sent to a disabled subscription
    book(delivering, host, TUESDAY_10 + timedelta(days=1))
    delivering.dispatcher.drain()
    with delivering.uow_factory() as uow:
        query = select(func.count()).where(OutboxJobRow.kind == "webhook")
        count = uow.session.scalar(query)  # type: ignore[attr-defined]
    assert count == 1
    # the owner re-enables it and asks for the failed message again
    delivering.webhooks.update(host.user.id, hook.id, WebhookPatch(active=True))
    receiver.default = Answer(200)
    delivering.webhook_deliveries.redeliver(host.user.id, hook.id, job.id)
    delivering.dispatcher.drain()
    assert only_job(delivering).status == "delivered"
    assert delivering.webhooks.get(host.user.id, hook.id).consecutive_failures == 0


def test_ping_sends_now_and_is_logged(delivering, receiver: Receiver) -> None:
    host = make_host(delivering)
    assert host.user.id is not None
    hook = subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"], active=False)
    delivery = delivering.webhook_deliveries.ping(host.user.id, hook.id)
    assert delivery.job.status is JobStatus.DELIVERED
    (message,) = receiver.wait_for(1)
    assert message.json()["triggerEvent"] == "PING"
    verify_like_calcom(message)
    delivering.dispatcher.drain()
    assert len(receiver.received) == 1  # not sent twice


# -- SSRF at connect time ------------------------------------------------------------------------


def test_the_transport_refuses_a_name_that_now_resolves_to_loopback(receiver: Receiver) -> None:
    transport = HttpcoreTransport(timeout=1.0, allow_private=False)
    try:
        answer = transport.post(f"http://localhost:{receiver.port}/hook", b"{}", {})
        literal = transport.post(receiver.url(), b"{}", {})
    finally:
        transport.close()
    assert answer.refused and answer.status_code is None
    assert "non-public" in (answer.error or "")
    assert literal.refused
    assert receiver.received == []


def test_the_transport_override_lets_private_targets_through(receiver: Receiver) -> None:
    transport = HttpcoreTransport(timeout=1.0, allow_private=True)
    try:
        answer = transport.post(f"http://localhost:{receiver.port}/hook", b"{}", {})
    finally:
        transport.close()
    assert answer.status_code == 200 and not answer.refused


def test_metadata_endpoints_stay_refused_with_the_override() -> None:
    transport = HttpcoreTransport(timeout=1.0, allow_private=True)
    try:
        answer = transport.post("http://169.254.169.254/latest/meta-data", b"{}", {})
    finally:
        transport.close()
    assert answer.refused and "metadata" in (answer.error or "")


# -- several dispatchers ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_dispatchers_never_send_the_same_attempt(
    database_url: str, delivering, receiver: Receiver, clock: SettableClock
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: SKIP LOCKED between two connections")
    host = make_host(delivering)
    subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"])
    receiver.default = Answer(200, delay=0.01)
    for day in range(4):
        for hour in range(8):
            start = TUESDAY_10 + timedelta(days=day, hours=hour - 1)
            if start.weekday() < 5:
                book(delivering, host, start)
    expected = len(only_pending(delivering))
    other = bootstrap.build(delivering.settings, clock=clock, resolver=FakeResolver())
    other.dispatcher = webhooks_only(other)
    try:
        delivering.dispatcher.fan_out()
        threads = [
            threading.Thread(target=c.dispatcher.drain) for c in (delivering, other, delivering)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        other.close()
    got = receiver.wait_for(expected)
    ids = [m.headers["webhook-id"] for m in got]
    assert len(ids) == expected == len(set(ids))


def only_pending(container) -> list[int]:
    with container.uow_factory() as uow:
        return list(uow.session.scalars(select(OutboxEventRow.id)).all())  # type: ignore[attr-defined]


def test_the_running_dispatcher_delivers_right_after_the_commit(
    delivering, receiver: Receiver
) -> None:
    host = make_host(delivering)
    subscribe(delivering, host, receiver.url(), ["BOOKING_CREATED"])
    delivering.dispatcher.start()
    try:
        booked = book(delivering, host)
        (message,) = receiver.wait_for(1, timeout=5)
    finally:
        delivering.dispatcher.stop()
    assert message.json()["payload"]["uid"] == booked.uid


@pytest.mark.postgres
def test_a_commit_elsewhere_wakes_a_listening_dispatcher_through_the_trigger(
    database_url: str, make_container, receiver: Receiver
) -> None:
    """The `outbox_events` trigger (migration 0007) notifies at commit: a dispatcher that polls
    only every 30 s delivers at once a booking committed by another container (as another
    process would), which cannot wake it in-process, because its LISTEN thread hears it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: LISTEN/NOTIFY")
    listening = make_container(webhook_allow_private_targets=True, webhook_timeout_seconds=1.0)
    listening.dispatcher = webhooks_only(
        listening,
        idle_poll_interval=30.0,
        listener=PostgresListener(listening.settings.database_url).run,
    )
    host = make_host(listening)
    subscribe(listening, host, receiver.url(), ["BOOKING_CREATED"])
    elsewhere = make_container()  # its commits wake its own dispatcher (not started) only
    listening.dispatcher.start()
    try:
        time.sleep(1.0)  # connected: the listener fans out once when it connects
        booked = book(elsewhere, host)
        (message,) = receiver.wait_for(1, timeout=5)
    finally:
        listening.dispatcher.stop()
    assert message.json()["payload"]["uid"] == booked.uid


def test_a_commit_elsewhere_is_seen_on_sqlite_through_the_file_probe(
    database_url: str, make_container, receiver: Receiver
) -> None:
    """SQLite cannot notify: the fan-out lane stats the database files every 50 ms and reads
    only when they changed. With its unconditional read only every 30 s, a booking committed by
    another container (as another process would) is still delivered at once."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite: the file probe")
    listening = make_container(webhook_allow_private_targets=True, webhook_timeout_seconds=1.0)
    listening.dispatcher = webhooks_only(
        listening, idle_poll_interval=30.0, changed=sqlite_file_probe(database_url)
    )
    host = make_host(listening)
    subscribe(listening, host, receiver.url(), ["BOOKING_CREATED"])
    elsewhere = make_container()  # its commits wake its own dispatcher (not started) only
    listening.dispatcher.start()
    try:
        time.sleep(0.5)  # the lane's first look (the probe's first answer is "changed") is over
        booked = book(elsewhere, host)
        (message,) = receiver.wait_for(1, timeout=5)
    finally:
        listening.dispatcher.stop()
    assert message.json()["payload"]["uid"] == booked.uid


def test_the_file_probe_says_changed_only_when_the_files_did(tmp_path) -> None:
    database = tmp_path / "probe.db"
    probe = sqlite_file_probe(f"sqlite:///{database}")
    assert probe is not None
    assert probe() is True  # the first look
    assert probe() is False
    database.write_bytes(b"x")
    assert probe() is True
    assert probe() is False
    (tmp_path / "probe.db-wal").write_bytes(b"frame")
    assert probe() is True
    assert sqlite_file_probe("sqlite://") is None  # in memory: no other writer
    assert sqlite_file_probe("sqlite:///:memory:") is None
