"""`BookingRepository.busy_for`: the lean read of busy time, on SQLite and PostgreSQL.

It must say exactly what the claims say (buffers included, holds until they expire, one row per
queried host), count the seats of seated bookings of the event type asked about, and give the
slot engine the same picture as the ORM reads it replaced (`list_blocking`, `list_active`).
The booking path's re-check reads it only around the wanted interval (`recheck_window`): the
last tests show that neighbours reaching in through buffers are still seen.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from calendula import bootstrap
from calendula.domain.bookings import Attendee, Booking, BookingStatus, SlotHold
from calendula.domain.errors import SlotUnavailable
from calendula.domain.event_types import Seats
from calendula.domain.intervals import Interval
from calendula.services.availability import NoCalendars, gather_snapshot
from calendula.services.booking import NewBooking
from calendula.services.ports import BusyRow
from calendula.storage import SqlUnitOfWorkFactory
from factories import T0, Host, make_attendee, make_booking, make_event_type, make_hold, make_host

MIN = timedelta(minutes=1)
DAY = timedelta(days=1)
WINDOW = Interval(T0 - DAY, T0 + DAY)
NOW = T0 - timedelta(hours=2)


def add_committed(uow_factory: SqlUnitOfWorkFactory, *items: Booking | SlotHold) -> None:
    with uow_factory(write=True) as uow:
        for item in items:
            if isinstance(item, SlotHold):
                uow.holds.add(item)
            else:
                uow.bookings.add(item)
        uow.commit()


def busy_for(
    uow_factory: SqlUnitOfWorkFactory,
    host_ids: list[int],
    window: Interval = WINDOW,
    now: datetime = NOW,
    seated: int | None = None,
) -> list[BusyRow]:
    with uow_factory() as uow:
        return uow.bookings.busy_for(host_ids, window, now, seated_event_type_id=seated)


def test_reads_the_claimed_time_of_a_booking_with_its_buffers(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    booking = make_booking(
        host_id,
        start=T0,
        minutes=30,
        event_type_id=event_type_id,
        before_buffer_minutes=10,
        after_buffer_minutes=15,
    )
    add_committed(uow_factory, booking)
    [row] = busy_for(uow_factory, [host_id])
    assert row == BusyRow(
        host_id=host_id,
        blocked=Interval(T0 - 10 * MIN, T0 + 45 * MIN),
        start=T0,
        end=T0 + 30 * MIN,
        event_type_id=event_type_id,
        booking_uid=booking.uid,
    )
    assert row.start.tzinfo is not None and row.blocked.start.tzinfo is not None


def test_overlap_is_judged_on_the_buffered_claim_and_touching_does_not_count(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    add_committed(uow_factory, make_booking(host_id, start=T0, after_buffer_minutes=15))
    claim_end = T0 + 45 * MIN
    assert busy_for(uow_factory, [host_id], Interval(T0 + 40 * MIN, T0 + 2 * 60 * MIN))
    assert busy_for(uow_factory, [host_id], Interval(claim_end, claim_end + DAY)) == []
    assert busy_for(uow_factory, [host_id], Interval(T0 - DAY, T0)) == []


def test_lists_one_row_per_queried_host_ordered_by_blocked_start(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int]
) -> None:
    first, second, other = add_host(), add_host(), add_host()
    late = make_booking((first, second, other), start=T0 + 60 * MIN)
    early = make_booking(second, start=T0 - 60 * MIN)
    add_committed(uow_factory, late, early)
    rows = busy_for(uow_factory, [first, second])
    assert [(row.booking_uid, row.host_id) for row in rows[:1]] == [(early.uid, second)]
    assert sorted((row.booking_uid, row.host_id) for row in rows[1:]) == sorted(
        [(late.uid, first), (late.uid, second)]
    )
    assert busy_for(uow_factory, []) == []


def test_bookings_that_do_not_block_are_not_busy(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    blocking = make_booking(host_id, start=T0)
    add_committed(
        uow_factory,
        blocking,
        make_booking(host_id, start=T0 + 60 * MIN, status=BookingStatus.CANCELLED),
        make_booking(
            host_id, start=T0 + 60 * MIN, status=BookingStatus.PENDING, blocks_when_pending=False
        ),
    )
    with uow_factory(write=True) as uow:
        uow.bookings.update(dataclasses.replace(blocking, status=BookingStatus.CANCELLED))
        uow.commit()
    assert busy_for(uow_factory, [host_id]) == []


def test_reads_holds_until_they_expire(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    expires = T0 - 60 * MIN
    hold = make_hold(event_type_id, host_id, start=T0, expires_at=expires, after_buffer_minutes=5)
    add_committed(uow_factory, hold)
    [row] = busy_for(uow_factory, [host_id], now=expires - MIN)
    assert row == BusyRow(
        host_id=host_id,
        blocked=Interval(T0, T0 + 35 * MIN),
        start=T0,
        end=T0 + 30 * MIN,
        event_type_id=event_type_id,
        hold_expires_at=expires,
    )
    assert busy_for(uow_factory, [host_id], now=expires) == []
    assert busy_for(uow_factory, [host_id], now=expires + MIN) == []


def test_counts_the_seats_of_seated_bookings_of_the_event_type_asked_about(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    with uow_factory(write=True) as uow:
        other = uow.event_types.add(make_event_type(host_id))
        uow.commit()
    seated = make_booking(
        host_id,
        start=T0,
        event_type_id=event_type_id,
        seats_total=5,
        attendees=(make_attendee(seat_uid="s1"), make_attendee(seat_uid="s2")),
    )
    unrelated = make_booking(host_id, start=T0 + 60 * MIN, event_type_id=other.id)
    add_committed(uow_factory, seated, unrelated)
    with uow_factory(write=True) as uow:
        uow.bookings.add_attendee(seated.uid, make_attendee(seat_uid="s3"))
        uow.commit()
    rows = {row.booking_uid: row for row in busy_for(uow_factory, [host_id], seated=event_type_id)}
    assert rows[seated.uid].seats_booked == 3
    assert rows[unrelated.uid].seats_booked is None
    plain = busy_for(uow_factory, [host_id])
    assert [row.seats_booked for row in plain] == [None, None]


def test_gathering_skips_the_booking_being_rescheduled(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    moving = make_booking(host_id, start=T0, event_type_id=event_type_id)
    staying = make_booking(host_id, start=T0 + 60 * MIN, event_type_id=event_type_id)
    add_committed(uow_factory, moving, staying)
    with uow_factory() as uow:
        event_type = uow.event_types.get(event_type_id)
        owner = uow.users.get(host_id)
        assert event_type is not None and owner is not None
        window = Interval(T0, T0 + 2 * 60 * MIN)
        snapshot = gather_snapshot(uow, event_type, [owner], window, NOW, NoCalendars(), moving.uid)
    [calendar] = snapshot.calendars
    assert list(calendar.busy) == [staying.blocked]


def test_gathering_keeps_one_occupancy_per_seated_booking(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        event_type = uow.event_types.add(make_event_type(host_id, seats=Seats(per_slot=4)))
        owner = uow.users.get(host_id)
        uow.commit()
    assert owner is not None and event_type.id is not None
    booking = make_booking(
        host_id,
        start=T0,
        event_type_id=event_type.id,
        seats_total=4,
        attendees=(make_attendee(seat_uid="a"), make_attendee(seat_uid="b")),
    )
    excluded = make_booking(
        host_id, start=T0 + 60 * MIN, event_type_id=event_type.id, seats_total=4
    )
    add_committed(uow_factory, booking, excluded)
    with uow_factory() as uow:
        window = Interval(T0, T0 + 2 * 60 * MIN)
        snapshot = gather_snapshot(
            uow, event_type, [owner], window, NOW, NoCalendars(), excluded.uid
        )
    assert [(s.start, s.end, s.seats_booked, s.booking_uid) for s in snapshot.seated] == [
        (T0, T0 + 30 * MIN, 2, booking.uid)
    ]
    assert list(snapshot.calendars[0].busy) == []


def test_agrees_with_the_entity_reads_it_replaces(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int], event_type_id: int
) -> None:
    hosts = [add_host(), add_host(), add_host()]
    rng = random.Random(7)
    items: list[Booking | SlotHold] = []
    for n in range(60):
        chosen = tuple(rng.sample(hosts, rng.choice((1, 1, 2))))
        start = T0 - DAY + 15 * MIN * rng.randrange(4 * 48)
        buffers = {"before_buffer_minutes": rng.choice((0, 5)), "after_buffer_minutes": 0}
        if n % 4 == 0:
            expires = NOW + MIN * rng.choice((-30, 30))
            items.append(make_hold(event_type_id, chosen, start=start, expires_at=expires))
        else:
            items.append(make_booking(chosen, start=start, minutes=rng.choice((15, 30)), **buffers))
    for item in items:  # overlapping ones are refused; the rest stay
        try:
            add_committed(uow_factory, item)
        except SlotUnavailable:
            continue
    queried, window = hosts[:2], Interval(T0 - 12 * 60 * MIN, T0 + 12 * 60 * MIN)
    with uow_factory() as uow:
        expected = {
            (host, booking.uid, booking.blocked)
            for booking in uow.bookings.list_blocking(queried, window)
            for host in booking.host_ids
            if host in queried
        } | {
            (host, None, hold.blocked)
            for hold in uow.holds.list_active(queried, window, NOW)
            for host in hold.host_ids
            if host in queried
        }
        rows = uow.bookings.busy_for(queried, window, NOW)
    assert len(expected) > 10
    assert {(row.host_id, row.booking_uid, row.blocked) for row in rows} == expected
    assert len(rows) == len(expected)
    assert [row.blocked.start for row in rows] == sorted(row.blocked.start for row in rows)


# -- the booking path's re-check reads busy time only near the wanted interval -----------------

TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York, a working hour
GUEST = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="Europe/London")


def book(container: bootstrap.Container, host: Host, start: datetime) -> Booking:
    request = NewBooking(start=start, attendee=GUEST, event_type_id=host.event_type.id)
    return container.bookings.create(request)


def test_the_recheck_sees_a_neighbour_through_both_buffers(container: bootstrap.Container) -> None:
    host = make_host(container, before_buffer_minutes=20, after_buffer_minutes=20)
    book(container, host, TUESDAY_10)  # claims 09:40-10:50
    with pytest.raises(SlotUnavailable, match="busy then"):
        book(container, host, TUESDAY_10 + 60 * MIN)  # would need 10:40-11:50
    assert book(container, host, TUESDAY_10 + 70 * MIN).status is BookingStatus.ACCEPTED


def test_the_recheck_sees_a_seated_neighbour_through_both_buffers(
    container: bootstrap.Container,
) -> None:
    host = make_host(
        container, seats=Seats(per_slot=3), before_buffer_minutes=10, after_buffer_minutes=10
    )
    book(container, host, TUESDAY_10)
    with pytest.raises(SlotUnavailable, match="seated booking"):
        book(container, host, TUESDAY_10 + 40 * MIN)
    assert book(container, host, TUESDAY_10 + 50 * MIN).status is BookingStatus.ACCEPTED
