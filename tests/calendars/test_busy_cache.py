"""`ConnectedCalendars`: the per-calendar cache, the hard timeout, the failure policy and the
booking path's live view, with a `CalendarClient` double (the real one is tested against
Radicale and a feed server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from calendula.domain.calendars import DiscoveredCalendar, FailurePolicy
from calendula.domain.errors import BusySourceUnavailable, CalendarUnreachable
from calendula.domain.intervals import Interval
from calendula.integrations.secret_box import FernetSecretBox
from calendula.services.calendar_busy import ConnectedCalendars
from calendula.services.calendars import CalendarService
from factories import make_host

WINDOW = Interval(datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))
BUSY = Interval(datetime(2026, 3, 3, 15, tzinfo=UTC), datetime(2026, 3, 3, 16, tzinfo=UTC))


class FakeClient:
    def __init__(self) -> None:
        self.reads: list[Interval] = []
        self.fail: str | None = None
        self.hang = threading.Event()
        self.hanging = False

    def discover(self, access):
        return [DiscoveredCalendar(f"{access.url}cal/", "Work")]

    def busy(self, access, window, zone):
        self.reads.append(window)
        if self.hanging:
            self.hang.wait(5)
        if self.fail:
            raise CalendarUnreachable(self.fail)
        return [BUSY]

    def put_event(self, access, uid, event):
        raise AssertionError("not here")

    def delete_event(self, access, uid):
        raise AssertionError("not here")


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(container, resolver):
    host = make_host(container)
    client = FakeClient()
    ticks = Ticks()
    box = FernetSecretBox("x" * 40)
    source = ConnectedCalendars(
        container.uow_factory,
        container.clock,
        client,
        box,
        freshness=60,
        timeout=0.5,
        monotonic=ticks,
    )
    service = CalendarService(
        container.uow_factory,
        container.clock,
        client,
        box,
        resolver,
        live=source.live(),
        forget=source.forget,
    )
    service.connect_caldav(host.user.id, "https://dav.example/", "ada", "pw")
    yield source, client, ticks, host.user.id
    client.hang.set()
    source.close()


def test_a_fresh_entry_answers_without_reading_again(setup):
    source, client, ticks, host_id = setup
    assert source.busy_times([host_id], WINDOW) == {host_id: [BUSY]}
    ticks.now += 30
    assert source.busy_times([host_id], WINDOW) == {host_id: [BUSY]}
    assert len(client.reads) == 1
    ticks.now += 31
    source.busy_times([host_id], WINDOW)
    assert len(client.reads) == 2


def test_the_live_view_reads_exactly_the_window_every_time(setup):
    source, client, _, host_id = setup
    live = source.live()
    live.busy_times([host_id], WINDOW)
    live.busy_times([host_id], WINDOW)
    assert client.reads == [WINDOW, WINDOW]


def test_a_calendar_that_does_not_answer_in_time_hides_the_host(setup):
    source, client, _, host_id = setup
    client.hanging = True
    started = datetime.now(UTC)
    with pytest.raises(BusySourceUnavailable) as raised:
        source.busy_times([host_id], WINDOW)
    assert datetime.now(UTC) - started < timedelta(seconds=2)
    assert raised.value.host_ids == {host_id}


def test_a_failure_is_remembered_briefly_and_the_ignore_policy_returns_nothing(setup):
    source, client, ticks, host_id = setup
    client.fail = "down"
    with pytest.raises(BusySourceUnavailable):
        source.busy_times([host_id], WINDOW)
    with pytest.raises(BusySourceUnavailable):
        source.busy_times([host_id], WINDOW)
    assert len(client.reads) == 1  # remembered
    source.policy = FailurePolicy.IGNORE
    ticks.now += 11
    assert source.busy_times([host_id], WINDOW) == {}
    assert len(client.reads) == 2


def test_hosts_without_calendars_cost_no_read(setup, container):
    source, client, _, _ = setup
    other = make_host(container, "bob")
    assert source.busy_times([other.user.id], WINDOW) == {}
    assert client.reads == []
