"""Racing bookers through the whole booking path: the database lets exactly the right number win.

Each attempt runs in its own thread with its own container (its own engine and connection), all
released at once by a barrier.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from calendula import bootstrap
from calendula.domain.bookings import Attendee
from calendula.domain.errors import SeatsFull, SlotUnavailable
from calendula.domain.event_types import Seats
from calendula.domain.intervals import Interval
from calendula.services.booking import NewBooking
from calendula.settings import Settings
from factories import make_host

TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
ATTEMPTS = 32


def race(database_url, clock, requests):
    """Run each request on its own container at the same moment; returns (wins, losses)."""
    settings = Settings(database_url=database_url, environment="test", secret_key="x" * 40)
    containers = [bootstrap.build(settings, clock=clock) for _ in requests]
    barrier = threading.Barrier(len(requests))
    wins, losses, errors = [], [], []

    def attempt(container, request):
        barrier.wait()
        try:
            wins.append(container.bookings.create(request))
        except (SlotUnavailable, SeatsFull) as error:
            losses.append(error)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [
        threading.Thread(target=attempt, args=pair)
        for pair in zip(containers, requests, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for container in containers:
        container.close()
    assert not errors, errors
    return wins, losses


def attendee(i: int) -> Attendee:
    return Attendee(name=f"Caller {i}", email=f"caller{i}@example.com", time_zone="UTC")


@pytest.mark.slow
def test_overlapping_requests_of_different_lengths_let_exactly_one_win(
    database_url, container, clock
):
    host = make_host(
        container, min_length_minutes=10, max_length_minutes=120, slot_interval_minutes=5
    )
    requests = [
        NewBooking(
            start=TUESDAY_10 + timedelta(minutes=5 * (i % 6)),  # 10:00 ... 10:25
            length_minutes=30 + (i * 7) % 60,  # 30 ... 89 minutes: all cover 10:25-10:30
            attendee=attendee(i),
            event_type_id=host.event_type.id,
        )
        for i in range(ATTEMPTS)
    ]
    wins, losses = race(database_url, clock, requests)
    assert len(wins) == 1
    assert len(losses) == ATTEMPTS - 1
    window = Interval(TUESDAY_10 - timedelta(hours=2), TUESDAY_10 + timedelta(hours=4))
    with container.uow_factory() as uow:
        held = uow.bookings.list_blocking([host.user.id], window)
    assert [b.uid for b in held] == [wins[0].uid]


@pytest.mark.slow
def test_a_seated_slot_fills_to_exactly_its_seat_count_under_a_race(database_url, container, clock):
    host = make_host(container, seats=Seats(per_slot=3))
    requests = [
        NewBooking(start=TUESDAY_10, attendee=attendee(i), event_type_id=host.event_type.id)
        for i in range(12)
    ]
    wins, losses = race(database_url, clock, requests)
    assert len(wins) == 3
    assert len(losses) == 9
    assert len({b.uid for b in wins}) == 1
    booking = container.bookings.get(wins[0].uid)
    assert len(booking.attendees) == 3


def test_dynamic_group_bookings_racing_each_members_own_bookings_let_one_win(
    database_url, container, clock
):
    ada, eve, max_ = (make_host(container, name) for name in ("ada", "eve", "max"))
    groups = [("ada", "eve"), ("eve", "max"), ("max", "ada"), ("ada", "eve", "max")]
    requests = []
    for i in range(16):
        if i % 2:
            requests.append(NewBooking(TUESDAY_10, attendee(i), usernames=groups[i // 2 % 4]))
        else:
            member = (ada, eve, max_)[i // 2 % 3]
            requests.append(NewBooking(TUESDAY_10, attendee(i), member.event_type.id))
    wins, losses = race(database_url, clock, requests)
    window = Interval(TUESDAY_10 - timedelta(hours=1), TUESDAY_10 + timedelta(hours=2))
    with container.uow_factory() as uow:
        blocking = uow.bookings.list_blocking([ada.user.id, eve.user.id, max_.user.id], window)
    claimed = [host_id for booking in blocking for host_id in booking.host_ids]
    assert len(claimed) == len(set(claimed))  # nobody is booked twice
    assert len(wins) == len(blocking) >= 1 and len(wins) + len(losses) == 16
