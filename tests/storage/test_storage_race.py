"""Race tests: many concurrent overlapping bookings for one host, exactly one wins.

Each attempt runs in its own thread with its own connection and unit of work; a barrier
releases them together. The intervals differ in start and length (see `claim_race`).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable

import pytest
from claim_race import LOST, RACE_INSTANT, WON, race, race_in_process, racing_booking
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from calendula.domain.errors import SlotUnavailable
from calendula.storage import SqlUnitOfWorkFactory
from calendula.storage.tables import BookingRow, TimeBlockRow
from factories import make_booking

ATTEMPTS = 32


def overlapping_claim_pairs(engine: Engine, host_id: int) -> int:
    a, b = aliased(TimeBlockRow), aliased(TimeBlockRow)
    query = (
        select(func.count())
        .select_from(a)
        .join(b, (a.host_id == b.host_id) & (a.id < b.id))
        .where(a.host_id == host_id, a.start_at < b.end_at, b.start_at < a.end_at)
    )
    with engine.connect() as connection:
        return connection.scalar(query) or 0


def count_bookings(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(BookingRow)) or 0


def assert_exactly_one_winner(results: list[str], engine: Engine, host_id: int) -> None:
    assert len(results) == ATTEMPTS
    assert sorted(results) == sorted([WON] + [LOST] * (ATTEMPTS - 1)), results
    assert count_bookings(engine) == 1
    assert overlapping_claim_pairs(engine, host_id) == 0


def test_the_race_intervals_all_differ_and_overlap_one_instant() -> None:
    bookings = [racing_booking(1, i) for i in range(ATTEMPTS)]
    assert len({(b.start, b.end) for b in bookings}) == ATTEMPTS
    assert {b.duration_minutes for b in bookings} >= {30, 90}
    assert all(b.start < RACE_INSTANT < b.end for b in bookings)


@pytest.mark.slow
def test_only_one_of_many_racing_overlapping_bookings_wins(
    database_url: str, engine: Engine, host_id: int
) -> None:
    results = race(database_url, host_id, range(ATTEMPTS), threading.Barrier(ATTEMPTS))
    assert_exactly_one_winner(results, engine, host_id)


@pytest.mark.slow
def test_only_one_booking_wins_across_processes(
    database_url: str, engine: Engine, host_id: int
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite is a single-machine file database; the threaded race covers it")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(ATTEMPTS)
    queue = context.Queue()
    half = ATTEMPTS // 2
    processes = [
        context.Process(
            target=race_in_process,
            args=(database_url, host_id, list(indices), barrier, queue),
        )
        for indices in (range(half), range(half, ATTEMPTS))
    ]
    for process in processes:
        process.start()
    results = [outcome for _ in processes for outcome in queue.get(timeout=180)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    queue.close()
    queue.join_thread()
    assert_exactly_one_winner(results, engine, host_id)


def test_a_deadlock_between_two_claims_becomes_slot_unavailable(
    engine: Engine, uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int]
) -> None:
    """Two transactions each claim one host, then the other's: PostgreSQL detects the deadlock
    (40P01, after `deadlock_timeout`); the victim gets `SlotUnavailable`, the other proceeds."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite write units of work never run at the same time")
    first_host, second_host = add_host(), add_host()
    barrier = threading.Barrier(2)
    outcomes: dict[str, BaseException | None] = {}

    def run(name: str, mine: int, theirs: int) -> None:
        try:
            with uow_factory(write=True) as uow:
                uow.bookings.add(make_booking(mine))
                barrier.wait(timeout=30)
                uow.bookings.add(make_booking(theirs))
                uow.commit()
            outcomes[name] = None
        except BaseException as err:
            outcomes[name] = err

    threads = [
        threading.Thread(target=run, args=("a", first_host, second_host)),
        threading.Thread(target=run, args=("b", second_host, first_host)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [err for err in outcomes.values() if err is not None]
    assert len(outcomes) == 2 and len(errors) == 1, outcomes
    assert isinstance(errors[0], SlotUnavailable)
    assert getattr(getattr(errors[0].__cause__, "orig", None), "sqlstate", None) == "40P01"
    assert overlapping_claim_pairs(engine, first_host) == 0
    assert count_bookings(engine) == 2
