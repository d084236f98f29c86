"""Finding slots through the service: gathered from the database, computed by the domain."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from calendula.domain.bookings import Attendee
from calendula.domain.errors import InvalidInput, NotFound
from calendula.domain.event_types import BookingWindow, WindowKind
from calendula.domain.schedules import DateOverride
from calendula.domain.slots import TeamMode
from calendula.services import slot_cache
from calendula.services.availability import AvailabilityService, NoCalendars, SlotQuery
from calendula.services.booking import NewBooking
from calendula.services.slot_cache import SlotAnswer, Snapshot, SnapshotCache
from factories import make_booking, make_event_type, make_host

TUESDAY = datetime(2026, 3, 3, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
GUEST = Attendee(name="Grace", email="grace@example.com", time_zone="UTC")


def slots_on_tuesday(container, host, **query):
    _, slots = container.availability.find_slots(
        SlotQuery(
            event_type_id=host.event_type.id,
            start=TUESDAY,
            end=TUESDAY + timedelta(days=1),
            **query,
        )
    )
    return [s.start for s in slots]


def test_a_working_day_has_sixteen_half_hour_slots_in_new_york(container, host):
    starts = slots_on_tuesday(container, host)
    assert len(starts) == 16
    assert starts[0] == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert starts[-1] == datetime(2026, 3, 3, 21, 30, tzinfo=UTC)  # 16:30 EST


def test_a_booked_time_disappears_and_reappears_for_its_reschedule(container, host):
    booking = container.bookings.create(
        NewBooking(start=TUESDAY_10, attendee=GUEST, event_type_id=host.event_type.id)
    )
    assert TUESDAY_10 not in slots_on_tuesday(container, host)
    assert TUESDAY_10 in slots_on_tuesday(container, host, reschedule_uid=booking.uid)


def test_slots_are_found_by_username_and_slug(container, host):
    _, slots = container.availability.find_slots(
        SlotQuery(username="ada", event_slug="meet", start=TUESDAY, end=TUESDAY + timedelta(days=1))
    )
    assert len(slots) == 16


def test_unknown_event_type_is_not_found(container, host):
    with pytest.raises(NotFound):
        container.availability.find_slots(
            SlotQuery(event_type_id=999_999, start=TUESDAY, end=TUESDAY + timedelta(days=1))
        )


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (TUESDAY, TUESDAY - timedelta(days=1), "end"),
        (TUESDAY, TUESDAY + timedelta(days=101), "end"),
    ],
)
def test_bad_ranges_name_the_field(container, host, start, end, field):
    with pytest.raises(InvalidInput) as caught:
        container.availability.find_slots(
            SlotQuery(event_type_id=host.event_type.id, start=start, end=end)
        )
    assert caught.value.field == field


# -- dynamic groups ----------------------------------------------------------------------------


def test_a_dynamic_group_is_free_only_when_every_member_is(container, host):
    container.accounts.create_user("bob", "bob@example.com", time_zone="Europe/Berlin")
    event_type, slots = container.availability.find_slots(
        SlotQuery(usernames=("ada", "bob"), start=TUESDAY, end=TUESDAY + timedelta(days=1))
    )
    assert event_type.length_minutes == 30
    assert [s.start.hour for s in slots] == [14, 14, 15, 15]
    assert all(len(s.host_ids) == 2 for s in slots)


def test_a_dynamic_group_takes_any_duration(container, host):
    container.accounts.create_user("bob", "bob@example.com", time_zone="Europe/Berlin")
    event_type, slots = container.availability.find_slots(
        SlotQuery(
            usernames=("ada", "bob"),
            start=TUESDAY,
            end=TUESDAY + timedelta(days=1),
            length_minutes=120,
        )
    )
    assert event_type.length_minutes == 120
    assert [(s.start.hour, s.end.hour) for s in slots] == [(14, 16)]


@pytest.mark.parametrize(
    ("usernames", "error"),
    [(("ada",), InvalidInput), (("ada", "ada"), InvalidInput), (("ada", "ghost"), NotFound)],
)
def test_a_dynamic_group_needs_two_known_users(container, host, usernames, error):
    with pytest.raises(error):
        container.availability.find_slots(
            SlotQuery(usernames=usernames, start=TUESDAY, end=TUESDAY + timedelta(days=1))
        )


# -- the snapshot cache ------------------------------------------------------------------------


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cached_service(container, clock, seconds: float = 1.0):
    ticks = FakeMonotonic()
    service = AvailabilityService(
        container.uow_factory,
        clock,
        NoCalendars(),
        changes=container.changes,  # hears the writes of the container's services
        cache_seconds=seconds,
        monotonic=ticks,
        spawn=None,
    )
    return service, ticks


def tuesday_starts(service, host, **query):
    _, slots = service.find_slots(
        SlotQuery(
            event_type_id=host.event_type.id,
            start=TUESDAY,
            end=TUESDAY + timedelta(days=1),
            **query,
        )
    )
    return [s.start for s in slots]


def book_elsewhere(container, host, start):
    """A booking written as another process would: no calendar change is announced here."""
    with container.uow_factory(write=True) as uow:
        uow.bookings.add(make_booking(host.user.id, start=start, event_type_id=host.event_type.id))
        uow.commit()


def test_a_write_by_another_process_shows_once_the_cache_entry_expires(
    container, host, clock, monkeypatch
):
    # Earlier writes in this process would shorten the entry's life (the settle rule).
    monkeypatch.setattr(slot_cache, "WRITE_SETTLE_SECONDS", 0.0)
    service, ticks = cached_service(container, clock)
    assert TUESDAY_10 in tuesday_starts(service, host)
    book_elsewhere(container, host, TUESDAY_10)
    ticks.now += 0.9
    assert TUESDAY_10 in tuesday_starts(service, host)  # still the cached snapshot
    ticks.now += 0.2
    assert TUESDAY_10 not in tuesday_starts(service, host)


def test_a_booking_in_this_process_drops_the_cache_at_once(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    assert TUESDAY_10 in tuesday_starts(service, host)
    container.bookings.create(
        NewBooking(start=TUESDAY_10, attendee=GUEST, event_type_id=host.event_type.id)
    )
    assert TUESDAY_10 not in tuesday_starts(service, host)


def test_an_announced_change_drops_the_cache(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    assert TUESDAY_10 in tuesday_starts(service, host)
    book_elsewhere(container, host, TUESDAY_10)
    container.changes.note()
    assert TUESDAY_10 not in tuesday_starts(service, host)


def test_a_zero_lifetime_turns_the_cache_off(container, host, clock):
    service, _ = cached_service(container, clock, seconds=0)
    assert TUESDAY_10 in tuesday_starts(service, host)
    book_elsewhere(container, host, TUESDAY_10)
    assert TUESDAY_10 not in tuesday_starts(service, host)


def test_cached_holds_expire_on_the_clock_without_a_new_read(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    container.holds.hold(host.event_type.id, TUESDAY_10)
    assert TUESDAY_10 not in tuesday_starts(service, host)
    clock.advance(timedelta(minutes=5))
    assert TUESDAY_10 in tuesday_starts(service, host)


def test_minimum_notice_moves_with_the_clock_on_a_cached_snapshot(container, clock):
    host = make_host(container, "nora", minimum_notice_minutes=60)
    service, _ = cached_service(container, clock, seconds=3600)
    clock.current = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    assert tuesday_starts(service, host)[0] == datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    clock.current = datetime(2026, 3, 3, 15, 1, tzinfo=UTC)
    assert tuesday_starts(service, host)[0] == datetime(2026, 3, 3, 16, 30, tzinfo=UTC)


def test_reschedule_queries_have_their_own_cache_entry(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    booking = container.bookings.create(
        NewBooking(start=TUESDAY_10, attendee=GUEST, event_type_id=host.event_type.id)
    )
    assert TUESDAY_10 not in tuesday_starts(service, host)
    assert TUESDAY_10 in tuesday_starts(service, host, reschedule_uid=booking.uid)
    assert TUESDAY_10 not in tuesday_starts(service, host)


def tiny_snapshot(version: int) -> Snapshot:
    """A snapshot without hosts whose event type's title carries `version`."""
    return Snapshot(make_event_type(1, title=f"v{version}"), TeamMode.INDIVIDUAL, ())


def versions_of(gathered: list[int]):
    def gather(n: int):
        def run() -> Snapshot:
            gathered.append(n)
            return tiny_snapshot(n)

        return run

    return gather


def test_the_cache_keeps_a_bounded_number_of_entries():
    cache = SnapshotCache(60, entries=2, monotonic=FakeMonotonic())
    gathered: list[int] = []
    gather = versions_of(gathered)
    for n in (1, 2, 3, 1):
        cache.entry(n, gather(n))
    assert gathered == [1, 2, 3, 1]  # 1 was evicted by 3
    cache.entry(3, gather(3))
    assert gathered == [1, 2, 3, 1]


def test_the_cache_keeps_a_bounded_weight_of_answers(clock):
    ticks = FakeMonotonic()
    cache = SnapshotCache(60, weight=400, monotonic=ticks, spawn=None)
    gathered: list[int] = []
    gather = versions_of(gathered)
    first = cache.entry("a", gather(1))
    second = cache.entry("b", gather(2))
    answer = SlotAnswer(first.snapshot.event_type, [], clock.now(), clock.now())
    big = SlotAnswer(answer.event_type, [None] * 19, clock.now(), clock.now())  # type: ignore[list-item]
    cache.remember(second, "q", big)  # weight 19 * 5 = 95
    assert cache.weight == 2 + 95
    cache.remember(first, "q", answer)
    too_big = SlotAnswer(answer.event_type, [None] * 21, clock.now(), clock.now())  # type: ignore[list-item]
    cache.remember(first, "r", too_big)  # over a quarter of the budget: not kept
    assert "r" not in first.answers
    for n in range(4):
        cache.remember(first, n, big)
    assert cache.weight <= 400
    assert cache.entry("b", gather(2)) is not second  # "b" was dropped to make room
    assert gathered == [1, 2, 2]


def test_an_ageing_snapshot_is_gathered_again_before_it_expires(monkeypatch):
    monkeypatch.setattr(slot_cache, "WRITE_SETTLE_SECONDS", 0.0)
    ticks = FakeMonotonic()
    spawned: list = []
    cache = SnapshotCache(1.0, monotonic=ticks, spawn=spawned.append)
    gathered: list[int] = []
    gather = versions_of(gathered)

    first = cache.entry("k", gather(1))
    ticks.now += 0.7
    assert cache.entry("k", gather(2)) is first and not spawned
    ticks.now += 0.1
    assert cache.entry("k", gather(2)) is first
    assert cache.entry("k", gather(2)) is first and len(spawned) == 1  # one refresh at a time
    spawned.pop()()  # the background refresh runs
    assert cache.entry("k", gather(3)).snapshot.event_type.title == "v2"
    assert gathered == [1, 2]


def test_the_same_query_gets_the_same_answer_while_it_holds(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    query = SlotQuery(
        event_type_id=host.event_type.id, start=TUESDAY, end=TUESDAY + timedelta(days=1)
    )
    first = service.answer(query)
    assert service.answer(query) is first
    clock.current = first.slots[0].start
    assert service.answer(query) is first
    clock.current = first.slots[0].start + timedelta(seconds=1)
    later = service.answer(query)
    assert later is not first
    assert later.slots == first.slots[1:]


def test_answers_of_event_types_with_a_booking_window_are_not_reused(container, clock):
    window = BookingWindow(WindowKind.CALENDAR_DAYS, days=30, rolling=True)
    host = make_host(container, "wendy", booking_window=window)
    service, _ = cached_service(container, clock, seconds=3600)
    query = SlotQuery(
        event_type_id=host.event_type.id, start=TUESDAY, end=TUESDAY + timedelta(days=1)
    )
    assert service.answer(query) is not service.answer(query)


def test_an_entry_read_while_a_write_may_be_in_flight_lives_only_briefly(container, host, clock):
    service, ticks = cached_service(container, clock, seconds=3600)
    container.changes.note()  # a writer has re-checked and is about to commit
    assert TUESDAY_10 in tuesday_starts(service, host)
    book_elsewhere(container, host, TUESDAY_10)  # ... and commits without another announcement
    ticks.now += slot_cache.WRITE_SETTLE_SECONDS + 0.01
    assert TUESDAY_10 not in tuesday_starts(service, host)


def test_concurrent_misses_of_one_key_gather_once(monkeypatch):
    monkeypatch.setattr(slot_cache, "WRITE_SETTLE_SECONDS", 0.0)
    cache = SnapshotCache(60, spawn=None)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_gather() -> Snapshot:
        calls.append(1)
        started.set()
        release.wait(5)
        return tiny_snapshot(1)

    results: list = []
    leader = threading.Thread(target=lambda: results.append(cache.entry("k", slow_gather)))
    leader.start()
    assert started.wait(5)
    followers = [
        threading.Thread(target=lambda: results.append(cache.entry("k", slow_gather)))
        for _ in range(3)
    ]
    for follower in followers:
        follower.start()
    release.set()
    for thread in (leader, *followers):
        thread.join(5)
    assert len(calls) == 1
    assert len(results) == 4 and all(r is results[0] for r in results)


def test_a_failed_gather_fails_its_waiters_too_and_is_not_kept():
    cache = SnapshotCache(60, spawn=None)

    def missing() -> Snapshot:
        raise NotFound("Event Type not found")

    with pytest.raises(NotFound):
        cache.entry("k", missing)
    assert cache.entry("k", lambda: tiny_snapshot(2)).snapshot.event_type.title == "v2"


def test_a_cancel_in_this_process_frees_the_time_at_once(container, host, clock):
    booking = container.bookings.create(
        NewBooking(start=TUESDAY_10, attendee=GUEST, event_type_id=host.event_type.id)
    )
    service, _ = cached_service(container, clock, seconds=3600)
    assert TUESDAY_10 not in tuesday_starts(service, host)
    container.bookings.cancel(booking.uid, reason="ill")
    assert TUESDAY_10 in tuesday_starts(service, host)


def test_an_event_type_edit_in_this_process_shows_at_once(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    assert len(tuesday_starts(service, host)) == 16
    longer = dataclasses.replace(host.event_type, length_minutes=60)
    container.event_types.update(host.user.id, longer)
    assert len(tuesday_starts(service, host)) == 8


def test_a_schedule_edit_in_this_process_shows_at_once(container, host, clock):
    service, _ = cached_service(container, clock, seconds=3600)
    assert tuesday_starts(service, host)
    schedule = container.schedules.get_default(host.user.id)
    day_off = DateOverride(date(2026, 3, 3))
    container.schedules.update(host.user.id, dataclasses.replace(schedule, overrides=(day_off,)))
    assert tuesday_starts(service, host) == []
