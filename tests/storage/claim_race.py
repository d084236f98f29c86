"""Racing booking attempts, shared by the race tests and the processes they spawn.

Attempt `i` books one host for a different length (30-90 minutes) starting on a 5-minute grid,
so every attempt overlaps the instant `RACE_INSTANT` and no two attempts are the same interval:
an idempotency key or an equality check could not stop them, only the claim table can.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

from calendula.domain.bookings import Booking
from calendula.domain.errors import SlotUnavailable
from calendula.storage import SqlUnitOfWorkFactory, create_engine_for
from factories import T0, make_booking

RACE_INSTANT = T0 + timedelta(hours=1)
HOLD_OPEN_SECONDS = 0.05
WON, LOST = "won", "lost"


class Waitable(Protocol):
    def wait(self, timeout: float | None = None) -> Any: ...


def racing_booking(host_id: int, index: int) -> Booking:
    row, column = divmod(index, 13)
    minutes = 30 + 5 * column  # 30..90
    offset = 5 * (1 + column // 2 + row)  # starts 5..45 minutes before the instant
    buffers = {"after_buffer_minutes": 5} if index % 3 == 0 else {}
    return make_booking(
        host_id, start=RACE_INSTANT - timedelta(minutes=offset), minutes=minutes, **buffers
    )


def attempt(factory: SqlUnitOfWorkFactory, booking: Booking, barrier: Waitable) -> str:
    barrier.wait(timeout=60)
    try:
        with factory(write=True) as uow:
            uow.bookings.add(booking)
            # Commit a little later, so that the others race against an uncommitted claim.
            time.sleep(HOLD_OPEN_SECONDS)
            uow.commit()
    except SlotUnavailable:
        return LOST
    except Exception as err:  # reported to the test, which fails on anything but won/lost
        return f"{type(err).__name__}: {err}"
    return WON


def race(url: str, host_id: int, indices: Sequence[int], barrier: Waitable) -> list[str]:
    """Run one thread per index, each with its own connection, all released by `barrier`."""
    engine = create_engine_for(url, pool_size=len(indices))
    try:
        warm = [engine.connect() for _ in indices]  # open every connection before the start
        for connection in warm:
            connection.close()
        factory = SqlUnitOfWorkFactory(engine)
        results: list[str] = [""] * len(indices)

        def run(slot: int, index: int) -> None:
            results[slot] = attempt(factory, racing_booking(host_id, index), barrier)

        threads = [
            threading.Thread(target=run, args=(slot, index)) for slot, index in enumerate(indices)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results
    finally:
        engine.dispose()


def race_in_process(
    url: str, host_id: int, indices: Sequence[int], barrier: Waitable, queue: Any
) -> None:
    """Entry point of a spawned process: race its threads and report the outcomes."""
    queue.put(race(url, host_id, indices, barrier))
