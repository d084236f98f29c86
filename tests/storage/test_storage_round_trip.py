"""Every repository stores and returns every field unchanged (datetimes as aware UTC)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendula.domain.bookings import BookingStatus
from calendula.domain.event_types import (
    BookingField,
    BookingWindow,
    ConfirmationMode,
    ConfirmationPolicy,
    EventType,
    FieldType,
    Location,
    PeriodLimits,
    Seats,
    WindowKind,
)
from calendula.domain.intervals import Interval
from calendula.domain.schedules import Weekday
from calendula.storage import SqlUnitOfWorkFactory
from factories import (
    T0,
    make_api_key,
    make_attendee,
    make_booking,
    make_event_type,
    make_hold,
    make_override,
    make_schedule,
    make_user,
)

BERLIN = ZoneInfo("Europe/Berlin")


def assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is UTC


def test_user_round_trips_every_field(uow_factory: SqlUnitOfWorkFactory) -> None:
    user = make_user(
        name="Ada Lovelace",
        bio="Analyst",
        avatar_url="https://example.com/a.png",
        locale="de",
        time_format=12,
        week_start="Sunday",
        brand_color="#000000",
        dark_brand_color="#ffffff",
        metadata={"plan": "pro", "nested": {"n": [1, 2]}},
        created_at=datetime(2029, 5, 1, 12, 30, 15, 123456, tzinfo=BERLIN),
    )
    with uow_factory(write=True) as uow:
        added = uow.users.add(user)
        uow.commit()
    assert added.id is not None
    with uow_factory() as uow:
        loaded = uow.users.get(added.id)
        by_name = uow.users.get_by_username(user.username)
    assert loaded == dataclasses.replace(user, id=added.id) == added == by_name
    assert loaded is not None
    assert_utc(loaded.created_at)


def test_user_created_at_defaults_to_the_database_time(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with uow_factory(write=True) as uow:
        added = uow.users.add(make_user())
        uow.commit()
    assert_utc(added.created_at)
    assert added.created_at is not None
    assert abs(added.created_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_user_update_persists_every_field(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow:
        user = uow.users.add(make_user())
        schedule = uow.schedules.add(make_schedule(user.id))
        changed = dataclasses.replace(
            user, name="New", locale="fr", default_schedule_id=schedule.id, metadata={"a": 1}
        )
        uow.users.update(changed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.users.get(changed.id or 0) == changed


def test_users_are_listed_in_the_order_of_the_names_asked(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with uow_factory(write=True) as uow:
        a, b, c = (uow.users.add(make_user()) for _ in range(3))
        uow.commit()
    with uow_factory() as uow:
        listed = uow.users.list_by_usernames([c.username, "nobody", a.username, b.username])
    assert [u.username for u in listed] == [c.username, a.username, b.username]


def test_api_key_round_trips_and_records_last_use(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    expires = datetime(2031, 1, 1, tzinfo=UTC)
    with uow_factory(write=True) as uow:
        key = uow.api_keys.add(make_api_key(host_id, name="ci", expires_at=expires))
        uow.commit()
    assert key.id is not None
    assert_utc(key.created_at)
    used = datetime(2030, 2, 3, 4, 5, 6, tzinfo=BERLIN)
    with uow_factory(write=True) as uow:
        uow.api_keys.touch(key.id, used)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.api_keys.get_by_hash(key.hashed_key)
    assert loaded == dataclasses.replace(key, last_used_at=used)
    assert loaded is not None
    assert_utc(loaded.last_used_at)
    with uow_factory(write=True) as uow:
        uow.api_keys.delete(key.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.api_keys.get_by_hash(key.hashed_key) is None


def test_schedule_round_trips_hours_and_overrides(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    schedule = make_schedule(
        host_id,
        name="Evenings",
        time_zone="America/New_York",
        is_default=True,
        overrides=(
            make_override(date(2030, 1, 1)),
            make_override(date(2030, 1, 2), (time(8), time(9, 30)), (time(22), time(2))),
        ),
    )
    with uow_factory(write=True) as uow:
        added = uow.schedules.add(schedule)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.schedules.get(added.id or 0)
        listed = uow.schedules.list_for_owner(host_id)
    assert loaded == dataclasses.replace(schedule, id=added.id) == added
    assert listed == [added]


def test_schedule_update_replaces_hours_and_overrides(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        schedule = uow.schedules.add(
            make_schedule(host_id, overrides=(make_override(date(2030, 1, 1)),))
        )
        uow.commit()
    changed = dataclasses.replace(
        schedule,
        weekly=schedule.weekly[:1],
        overrides=(
            make_override(date(2030, 1, 1), (time(10), time(11))),
            make_override(date(2030, 1, 3)),
        ),
    )
    with uow_factory(write=True) as uow:
        assert uow.schedules.update(changed) == changed
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.schedules.get(schedule.id or 0)
    assert loaded == changed
    assert loaded is not None and loaded.weekly[0].weekday is Weekday.MONDAY


def test_deleting_a_schedule_clears_references_to_it(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        schedule = uow.schedules.add(make_schedule(host_id))
        user = uow.users.get(host_id)
        assert user is not None
        uow.users.update(dataclasses.replace(user, default_schedule_id=schedule.id))
        et = uow.event_types.add(make_event_type(host_id, schedule_id=schedule.id))
        uow.schedules.delete(schedule.id or 0)
        uow.commit()
    with uow_factory() as uow:
        assert uow.schedules.get(schedule.id or 0) is None
        assert uow.schedules.list_for_owner(host_id) == []
        user = uow.users.get(host_id)
        assert user is not None and user.default_schedule_id is None
        loaded = uow.event_types.get(et.id or 0)
        assert loaded is not None
        assert loaded.schedule_id is None


def full_event_type(owner_id: int, schedule_id: int | None = None) -> EventType:
    return make_event_type(
        owner_id,
        description="A long talk",
        length_minutes=30,
        length_options=(15, 30, 60),
        min_length_minutes=10,
        max_length_minutes=90,
        slot_interval_minutes=15,
        before_buffer_minutes=5,
        after_buffer_minutes=10,
        minimum_notice_minutes=120,
        booking_window=BookingWindow(
            WindowKind.RANGE, start_date=date(2030, 1, 1), end_date=date(2030, 3, 31)
        ),
        booking_limits_count=PeriodLimits(day=2, week=5),
        booking_limits_duration=PeriodLimits(month=600, year=6000),
        only_first_slot_of_day=True,
        seats=Seats(per_slot=12, show_attendee_info=True, show_availability_count=False),
        confirmation=ConfirmationPolicy(
            ConfirmationMode.TIME, notice_threshold_minutes=60, block_pending=False
        ),
        hidden=True,
        locations=(
            Location("address", "Main St 1"),
            Location("link", "https://meet.example.com/x", public=False),
            Location("attendeePhone"),
        ),
        booking_fields=(
            BookingField(FieldType.NAME, "name", "Your name", required=True, is_default=True),
            BookingField(
                FieldType.SELECT, "topic", "Topic", placeholder="Pick", options=("a", "b")
            ),
        ),
        schedule_id=schedule_id,
        disable_guests=True,
        metadata={"source": "test", "list": [1, "two", None]},
    )


def test_event_type_round_trips_every_policy(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        schedule = uow.schedules.add(make_schedule(host_id))
        event_type = full_event_type(host_id, schedule.id)
        added = uow.event_types.add(event_type)
        rolling = uow.event_types.add(
            make_event_type(
                host_id,
                booking_window=BookingWindow(WindowKind.BUSINESS_DAYS, days=10, rolling=True),
            )
        )
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.event_types.get(added.id or 0)
        by_slug = uow.event_types.get_by_slug(host_id, added.slug)
        listed = uow.event_types.list_for_owner(host_id)
    assert loaded == dataclasses.replace(event_type, id=added.id) == added == by_slug
    assert listed == [added, rolling]


def test_event_type_update_replaces_every_field(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        added = uow.event_types.add(make_event_type(host_id))
        uow.commit()
    changed = dataclasses.replace(full_event_type(host_id), id=added.id, slug="renamed")
    with uow_factory(write=True) as uow:
        uow.event_types.update(changed)
        uow.commit()
    with uow_factory() as uow:
        assert uow.event_types.get(added.id or 0) == changed
    with uow_factory(write=True) as uow:
        uow.event_types.delete(added.id or 0)
        uow.commit()
    with uow_factory() as uow:
        assert uow.event_types.get(added.id or 0) is None


def test_booking_round_trips_every_field_with_attendees_and_hosts(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int], event_type_id: int
) -> None:
    hosts = (add_host(), add_host(), add_host())
    booking = make_booking(
        hosts,
        start=datetime(2030, 1, 7, 10, 0, tzinfo=BERLIN),
        minutes=45,
        event_type_id=event_type_id,
        status=BookingStatus.PENDING,
        attendees=(
            make_attendee(language="de", phone_number="+49301234", seat_uid="seat-1"),
            make_attendee(absent=True),
        ),
        description="Agenda",
        guests=("g1@example.com", "g2@example.com"),
        responses={"name": "Ada", "notes": "hi", "multi": ["x", "y"], "n": 3},
        metadata={"utm": {"source": "mail"}},
        location="https://meet.example.com/abc",
        before_buffer_minutes=5,
        after_buffer_minutes=15,
        seats_total=10,
        cancellation_reason="c",
        cancelled_by="host@example.com",
        rejection_reason="r",
        rescheduling_reason="rr",
        rescheduled_by="someone@example.com",
        rescheduled_from_uid="olduid",
        rescheduled_to_uid="newuid",
        absent_host=True,
        idempotency_key="idem-1",
        blocks_when_pending=True,
        created_at=datetime(2029, 12, 1, 8, 0, 0, 5, tzinfo=BERLIN),
        updated_at=datetime(2029, 12, 2, 8, 0, tzinfo=UTC),
    )
    with uow_factory(write=True) as uow:
        added = uow.bookings.add(booking)
        uow.commit()
    assert added.id is not None
    assert all(a.id is not None for a in added.attendees)
    with uow_factory() as uow:
        loaded = uow.bookings.get_by_uid(booking.uid)
        by_key = uow.bookings.get_by_idempotency_key("idem-1")
    expected = dataclasses.replace(
        booking,
        id=added.id,
        attendees=tuple(
            dataclasses.replace(a, id=s.id)
            for a, s in zip(booking.attendees, added.attendees, strict=True)
        ),
    )
    assert loaded == expected == added == by_key
    assert loaded is not None
    assert loaded.host_ids == hosts and loaded.owner_id == hosts[0]
    for value in (loaded.start, loaded.end, loaded.created_at, loaded.updated_at):
        assert_utc(value)


def test_booking_update_persists_fields_and_attendees(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int]
) -> None:
    first, second = add_host(), add_host()
    with uow_factory(write=True) as uow:
        added = uow.bookings.add(make_booking(first, attendees=(make_attendee(), make_attendee())))
        uow.commit()
    kept, dropped = added.attendees
    changed = dataclasses.replace(
        added,
        host_ids=(second, first),
        title="Changed",
        attendees=(dataclasses.replace(kept, absent=True, name="Renamed"), make_attendee()),
        absent_host=True,
        updated_at=T0,
    )
    with uow_factory(write=True) as uow:
        updated = uow.bookings.update(changed)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.bookings.get_by_uid(added.uid)
    assert loaded == updated
    assert loaded is not None
    assert loaded.host_ids == (second, first)
    assert loaded.attendees[0] == changed.attendees[0]
    assert loaded.attendees[1].id not in (kept.id, dropped.id)
    assert loaded.title == "Changed" and loaded.absent_host


def test_added_attendee_is_returned_with_an_id_and_listed(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        booking = uow.bookings.add(make_booking(host_id, seats_total=3))
        loaded_before = uow.bookings.get_by_uid(booking.uid)
        seat = uow.bookings.add_attendee(booking.uid, make_attendee(seat_uid="seat-xyz"))
        loaded_after = uow.bookings.get_by_uid(booking.uid)
        uow.commit()
    assert seat.id is not None and seat.seat_uid == "seat-xyz"
    assert loaded_before is not None and len(loaded_before.attendees) == 1
    assert loaded_after is not None and loaded_after.attendees[-1] == seat


def test_bookings_of_an_event_type_are_listed_by_start_in_a_window(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    with uow_factory(write=True) as uow:
        late = uow.bookings.add(
            make_booking(host_id, start=T0 + timedelta(hours=2), event_type_id=event_type_id)
        )
        early = uow.bookings.add(make_booking(host_id, start=T0, event_type_id=event_type_id))
        cancelled = uow.bookings.add(
            make_booking(
                host_id,
                start=T0 + timedelta(hours=1),
                event_type_id=event_type_id,
                status=BookingStatus.CANCELLED,
            )
        )
        uow.bookings.add(
            make_booking(host_id, start=T0 + timedelta(days=2), event_type_id=event_type_id)
        )
        uow.bookings.add(make_booking(host_id, start=T0 + timedelta(hours=3)))
        uow.commit()
    window = Interval(T0, T0 + timedelta(days=1))
    with uow_factory() as uow:
        active = uow.bookings.list_for_event_type(event_type_id, window)
        every = uow.bookings.list_for_event_type(event_type_id, window, active_only=False)
    assert [b.uid for b in active] == [early.uid, late.uid]
    assert [b.uid for b in every] == [early.uid, cancelled.uid, late.uid]


def test_blocking_bookings_are_listed_by_their_buffered_interval(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int]
) -> None:
    host, other = add_host(), add_host()
    with uow_factory(write=True) as uow:
        buffered = uow.bookings.add(
            make_booking(host, start=T0 + timedelta(hours=1), before_buffer_minutes=30)
        )
        shared = uow.bookings.add(make_booking((other, host), start=T0 + timedelta(hours=3)))
        uow.bookings.add(make_booking(host, start=T0, status=BookingStatus.CANCELLED))
        uow.bookings.add(
            make_booking(
                host,
                start=T0 + timedelta(hours=5),
                status=BookingStatus.PENDING,
                blocks_when_pending=False,
            )
        )
        uow.bookings.add(make_booking(other, start=T0))
        uow.commit()
    # The window ends where `buffered` starts, but its 30-minute buffer reaches into it.
    window = Interval(T0 + timedelta(minutes=15), T0 + timedelta(hours=6))
    with uow_factory() as uow:
        listed = uow.bookings.list_blocking([host], window)
        nothing = uow.bookings.list_blocking([host], Interval(T0 - timedelta(hours=1), T0))
    assert [b.uid for b in listed] == [buffered.uid, shared.uid]
    assert nothing == []


def test_hold_round_trips_and_is_listed_while_active(
    uow_factory: SqlUnitOfWorkFactory, add_host: Callable[[], int], event_type_id: int
) -> None:
    hosts = (add_host(), add_host())
    hold = make_hold(
        event_type_id,
        hosts,
        start=datetime(2030, 1, 7, 10, 0, tzinfo=BERLIN),
        expires_at=T0 - timedelta(hours=1),
        before_buffer_minutes=5,
        after_buffer_minutes=10,
    )
    with uow_factory(write=True) as uow:
        assert uow.holds.add(hold) == hold
        uow.commit()
    window = Interval(T0 - timedelta(days=1), T0 + timedelta(days=1))
    with uow_factory() as uow:
        loaded = uow.holds.get(hold.uid)
        active_before = uow.holds.list_active([hosts[1]], window, T0 - timedelta(hours=2))
        active_after = uow.holds.list_active([hosts[1]], window, T0 - timedelta(hours=1))
    assert loaded == hold
    assert loaded is not None
    for value in (loaded.start, loaded.end, loaded.expires_at, loaded.created_at):
        assert_utc(value)
    assert active_before == [hold]
    assert active_after == []


def test_hold_update_moves_it_and_delete_removes_it(
    uow_factory: SqlUnitOfWorkFactory, host_id: int, event_type_id: int
) -> None:
    with uow_factory(write=True) as uow:
        hold = uow.holds.add(make_hold(event_type_id, host_id))
        uow.commit()
    moved = dataclasses.replace(
        hold, start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=2), expires_at=T0
    )
    with uow_factory(write=True) as uow:
        assert uow.holds.update(moved) == moved
        # The old time is free again, the new one is taken.
        uow.bookings.add(make_booking(host_id, start=T0))
        uow.commit()
    with uow_factory(write=True) as uow:
        assert uow.holds.get(hold.uid) == moved
        uow.holds.delete(hold.uid)
        uow.holds.delete("unknown-uid")
        uow.commit()
    with uow_factory() as uow:
        assert uow.holds.get(hold.uid) is None
