"""The claim table: one host's blocked time never overlaps, whatever blocks it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from calendula.domain.bookings import BookingStatus, cancel, confirm, decline
from calendula.domain.errors import SlotUnavailable
from calendula.domain.intervals import Interval
from calendula.storage import SqlUnitOfWorkFactory
from calendula.storage.tables import TimeBlockRow
from factories import T0, make_booking, make_hold

MIN = timedelta(minutes=1)


def add_committed(uow_factory: SqlUnitOfWorkFactory, *bookings: object) -> None:
    with uow_factory(write=True) as uow:
        for booking in bookings:
            uow.bookings.add(booking)  # type: ignore[arg-type]
        uow.commit()


def count_claims(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(TimeBlockRow)) or 0


def test_rejects_overlapping_booking_for_the_same_host(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, engine: Engine
) -> None:
    add_committed(uow_factory, make_booking(host_id, start=T0, minutes=60))
    with uow_factory(write=True) as uow:
        with pytest.raises(SlotUnavailable):
            uow.bookings.add(make_booking(host_id, start=T0 + 30 * MIN, minutes=15))
        # The refusal left nothing behind and the unit of work is still usable.
        uow.bookings.add(make_booking(host_id, start=T0 + 60 * MIN))
        uow.commit()
    assert count_claims(engine) == 2
    with uow_factory() as uow:
        window = Interval(T0, T0 + timedelta(days=1))
        assert len(uow.bookings.list_blocking([host_id], window)) == 2


def test_touching_bookings_do_not_conflict(uow_factory: SqlUnitOfWorkFactory, host_id: int) -> None:
    add_committed(
        uow_factory,
        make_booking(host_id, start=T0, minutes=30),
        make_booking(host_id, start=T0 + 30 * MIN, minutes=30),
        make_booking(host_id, start=T0 - 30 * MIN, minutes=30),
    )


def test_different_hosts_do_not_conflict(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int]
) -> None:
    add_committed(
        uow_factory, make_booking(add_host(), start=T0), make_booking(add_host(), start=T0)
    )


def test_rejects_booking_when_any_of_its_hosts_is_busy(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int]
) -> None:
    free, busy = add_host(), add_host()
    add_committed(uow_factory, make_booking(busy, start=T0))
    with uow_factory(write=True) as uow, pytest.raises(SlotUnavailable):
        uow.bookings.add(make_booking((free, busy), start=T0))
    add_committed(uow_factory, make_booking(free, start=T0))


def test_rejects_overlap_with_buffered_booking(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    add_committed(uow_factory, make_booking(host_id, start=T0, after_buffer_minutes=15))
    with uow_factory(write=True) as uow, pytest.raises(SlotUnavailable):
        uow.bookings.add(make_booking(host_id, start=T0 + 40 * MIN))
    with uow_factory(write=True) as uow, pytest.raises(SlotUnavailable):
        uow.bookings.add(
            make_booking(
                host_id, start=T0 - 40 * MIN, before_buffer_minutes=0, after_buffer_minutes=11
            )
        )
    add_committed(uow_factory, make_booking(host_id, start=T0 + 45 * MIN))


def test_rejects_booking_over_an_active_hold(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    with uow_factory(write=True) as uow:
        uow.holds.add(make_hold(event_type_id, host_id, start=T0, expires_at=T0))
        uow.commit()
    with uow_factory(write=True) as uow, pytest.raises(SlotUnavailable):
        uow.bookings.add(make_booking(host_id, start=T0 + 10 * MIN))
    with uow_factory(write=True) as uow, pytest.raises(SlotUnavailable):
        uow.holds.add(make_hold(event_type_id, host_id, start=T0 - 10 * MIN))


def test_rejects_hold_over_a_booking(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    add_committed(uow_factory, make_booking(host_id, start=T0))
    with uow_factory(write=True) as uow, pytest.raises(SlotUnavailable):
        uow.holds.add(make_hold(event_type_id, host_id, start=T0 + 29 * MIN))


def test_purging_an_expired_hold_frees_its_time(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int, engine: Engine
) -> None:
    expires = T0 - timedelta(hours=1)
    with uow_factory(write=True) as uow:
        expired = uow.holds.add(make_hold(event_type_id, host_id, start=T0, expires_at=expires))
        later = uow.holds.add(
            make_hold(event_type_id, host_id, start=T0 + timedelta(hours=3), expires_at=expires)
        )
        uow.commit()
    window = Interval(T0, T0 + 30 * MIN)
    with uow_factory(write=True) as uow:
        assert uow.holds.purge_expired([host_id], window, now=expires - MIN) == 0
        assert uow.holds.purge_expired([host_id], window, now=expires) == 1
        uow.bookings.add(make_booking(host_id, start=T0))
        uow.commit()
    with uow_factory() as uow:
        assert uow.holds.get(expired.uid) is None
        assert uow.holds.get(later.uid) == later  # outside the window: left alone
    assert count_claims(engine) == 2


def test_cancelled_booking_frees_its_time(uow_factory: SqlUnitOfWorkFactory, host_id: int) -> None:
    with uow_factory(write=True) as uow:
        booking = uow.bookings.add(make_booking(host_id, start=T0))
        uow.commit()
    with uow_factory(write=True) as uow:
        uow.bookings.update(cancel(booking, reason="ill", by="host", now=T0 - MIN))
        uow.bookings.add(make_booking(host_id, start=T0))
        uow.commit()
    with uow_factory() as uow:
        listed = uow.bookings.list_blocking([host_id], Interval(T0, T0 + MIN))
        stored = uow.bookings.get_by_uid(booking.uid)
    assert len(listed) == 1 and listed[0].uid != booking.uid
    assert stored is not None and stored.status is BookingStatus.CANCELLED


def test_declined_pending_booking_frees_its_time(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        pending = uow.bookings.add(make_booking(host_id, status=BookingStatus.PENDING))
        with pytest.raises(SlotUnavailable):
            uow.bookings.add(make_booking(host_id))
        uow.bookings.update(decline(pending, reason=None, now=T0))
        uow.bookings.add(make_booking(host_id))
        uow.commit()


def test_pending_booking_that_does_not_block_claims_time_once_confirmed(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, engine: Engine
) -> None:
    with uow_factory(write=True) as uow:
        first = uow.bookings.add(
            make_booking(host_id, status=BookingStatus.PENDING, blocks_when_pending=False)
        )
        second = uow.bookings.add(
            make_booking(host_id, status=BookingStatus.PENDING, blocks_when_pending=False)
        )
        assert uow.bookings.list_blocking([host_id], first.blocked) == []
        uow.bookings.update(confirm(first, now=T0))
        with pytest.raises(SlotUnavailable):
            uow.bookings.update(confirm(second, now=T0))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.bookings.get_by_uid(second.uid)
    assert stored is not None and stored.status is BookingStatus.PENDING
    assert count_claims(engine) == 1


def test_moving_a_booking_moves_its_claim(uow_factory: SqlUnitOfWorkFactory, host_id: int) -> None:
    with uow_factory(write=True) as uow:
        booking = uow.bookings.add(make_booking(host_id, start=T0))
        blocker = uow.bookings.add(make_booking(host_id, start=T0 + timedelta(hours=2)))
        uow.bookings.update(dataclasses.replace(booking, start=T0 + 60 * MIN, end=T0 + 90 * MIN))
        uow.bookings.add(make_booking(host_id, start=T0))
        with pytest.raises(SlotUnavailable):
            uow.bookings.update(dataclasses.replace(booking, start=blocker.start, end=blocker.end))
        uow.commit()


def test_moving_a_hold_onto_taken_time_is_refused(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    with uow_factory(write=True) as uow:
        hold = uow.holds.add(make_hold(event_type_id, host_id, start=T0))
        uow.bookings.add(make_booking(host_id, start=T0 + timedelta(hours=1)))
        with pytest.raises(SlotUnavailable):
            uow.holds.update(dataclasses.replace(hold, start=T0 + 45 * MIN, end=T0 + 75 * MIN))
        # Refused atomically: the hold keeps its old time.
        assert uow.holds.get(hold.uid) == hold
        with pytest.raises(SlotUnavailable):
            uow.bookings.add(make_booking(host_id, start=T0))
