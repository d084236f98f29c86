"""Booking use cases against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from calendula.domain.bookings import Attendee, BookingStatus
from calendula.domain.errors import (
    InvalidInput,
    InvalidState,
    NotFound,
    SeatsFull,
    SlotUnavailable,
)
from calendula.domain.event_types import (
    BookingField,
    ConfirmationPolicy,
    FieldType,
    Seats,
)
from calendula.services.booking import NewBooking
from factories import Host, make_host

# Tuesday 3 March 2026, 10:00 in New York (EST, UTC-5).
TUESDAY_10 = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
GUEST = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="Europe/London")


def book(container, host: Host, start=TUESDAY_10, **fields):
    request = NewBooking(
        start=start,
        attendee=fields.pop("attendee", GUEST),
        event_type_id=host.event_type.id,
        **fields,
    )
    return container.bookings.create(request)


def count_bookings(container, host: Host) -> int:
    from calendula.domain.intervals import Interval

    window = Interval(TUESDAY_10 - timedelta(days=30), TUESDAY_10 + timedelta(days=30))
    with container.uow_factory() as uow:
        return len(uow.bookings.list_for_event_type(host.event_type.id, window, active_only=False))


def test_books_a_free_slot_as_accepted_with_an_unguessable_uid(container, host):
    booking = book(container, host)
    assert booking.status is BookingStatus.ACCEPTED
    assert booking.start == TUESDAY_10 and booking.end == TUESDAY_10 + timedelta(minutes=30)
    assert len(booking.uid) >= 22 and booking.uid != booking.ics_uid
    assert booking.attendees[0].email == "grace@example.com"
    assert booking.title == "Meeting between Ada and Grace Hopper"
    assert container.bookings.get(booking.uid).id == booking.id


def test_rejects_the_same_time_twice(container, host):
    book(container, host)
    with pytest.raises(SlotUnavailable):
        book(container, host, attendee=dataclasses.replace(GUEST, email="other@example.com"))
    assert count_bookings(container, host) == 1


def test_rejects_an_overlapping_booking_of_another_length(container):
    host = make_host(container, length_options=(30, 60), length_minutes=30)
    book(container, host, start=TUESDAY_10, length_minutes=60)
    with pytest.raises(SlotUnavailable):
        book(container, host, start=TUESDAY_10 + timedelta(minutes=30))


def test_buffers_keep_the_next_booking_away(container):
    host = make_host(container, after_buffer_minutes=15, slot_interval_minutes=15)
    book(container, host)
    with pytest.raises(SlotUnavailable):
        book(container, host, start=TUESDAY_10 + timedelta(minutes=30))
    later = book(container, host, start=TUESDAY_10 + timedelta(minutes=45))
    assert later.status is BookingStatus.ACCEPTED


def test_free_duration_books_exactly_22_minutes_off_the_grid(container):
    host = make_host(container, min_length_minutes=10, max_length_minutes=90)
    booking = book(container, host, start=TUESDAY_10 + timedelta(minutes=5), length_minutes=22)
    assert booking.duration_minutes == 22


def test_refuses_a_length_outside_the_event_types_bounds(container):
    host = make_host(container, min_length_minutes=10, max_length_minutes=90)
    with pytest.raises(InvalidInput) as caught:
        book(container, host, length_minutes=120)
    assert caught.value.field == "lengthInMinutes"
    assert count_bookings(container, host) == 0


@pytest.mark.parametrize(
    ("attendee", "field"),
    [
        (dataclasses.replace(GUEST, time_zone="Mars/Olympus"), "attendee.timeZone"),
        (dataclasses.replace(GUEST, email="not-an-email"), "attendee.email"),
        (dataclasses.replace(GUEST, name="  "), "attendee.name"),
    ],
)
def test_bad_attendee_input_names_the_field_and_writes_nothing(container, host, attendee, field):
    with pytest.raises(InvalidInput) as caught:
        book(container, host, attendee=attendee)
    assert caught.value.field == field
    assert count_bookings(container, host) == 0


def test_refuses_a_booking_in_the_past(container, host, clock):
    clock.advance(timedelta(days=2))
    with pytest.raises(InvalidInput) as caught:
        book(container, host)
    assert caught.value.field == "start"


def test_refuses_a_time_outside_the_schedule(container, host):
    with pytest.raises(SlotUnavailable):
        book(container, host, start=datetime(2026, 3, 3, 23, 0, tzinfo=UTC))  # 18:00 EST


def test_required_booking_field_is_named_when_missing(container):
    field = BookingField(FieldType.NUMBER, "age", "Age", required=True)
    host = make_host(container, booking_fields=(field,))
    with pytest.raises(InvalidInput) as caught:
        book(container, host)
    assert caught.value.field == "bookingFieldsResponses.age"
    with pytest.raises(InvalidInput):
        book(container, host, responses={"age": "old"})
    booking = book(container, host, responses={"age": 42})
    assert booking.responses["age"] == 42


def test_a_repeated_idempotency_key_returns_the_first_booking(container, host):
    first = book(container, host, idempotency_key="call-123")
    again = book(container, host, idempotency_key="call-123")
    assert again.uid == first.uid
    assert count_bookings(container, host) == 1


def test_reschedule_links_both_ways_and_keeps_the_ics_uid(container, host):
    old = book(container, host)
    new = container.bookings.reschedule(
        old.uid, TUESDAY_10 + timedelta(hours=2), by="grace@example.com", reason="clash"
    )
    old_after = container.bookings.get(old.uid)
    assert new.uid != old.uid
    assert new.rescheduled_from_uid == old.uid
    assert old_after.rescheduled_to_uid == new.uid
    assert old_after.status is BookingStatus.CANCELLED
    assert new.ics_uid == old.ics_uid
    assert new.rescheduling_reason == "clash"
    # the old time is free again
    assert book(container, host, attendee=dataclasses.replace(GUEST, email="x@example.com"))


def test_only_the_owner_itself_skips_confirmation_when_rescheduling(container):
    host = make_host(container, "pat", confirmation=ConfirmationPolicy())
    pending = book(container, host)
    later = TUESDAY_10 + timedelta(hours=1)
    claimed = container.bookings.reschedule(pending.uid, later, by="pat@example.com")
    assert claimed.status is BookingStatus.PENDING  # an email alone proves nothing
    owner = container.bookings.reschedule(
        claimed.uid, TUESDAY_10, by="pat@example.com", actor_id=host.user.id
    )
    assert owner.status is BookingStatus.ACCEPTED
    attendee = container.bookings.reschedule(
        owner.uid, later, by="grace@example.com", actor_id=host.user.id
    )
    assert attendee.status is BookingStatus.PENDING  # the owner, acting for the attendee


def test_reschedule_may_move_within_its_own_old_time(container, host):
    old = book(container, host)
    moved = container.bookings.reschedule(old.uid, TUESDAY_10 + timedelta(minutes=15))
    assert moved.start == TUESDAY_10 + timedelta(minutes=15)


def test_a_failed_reschedule_leaves_the_old_booking_untouched(container, host):
    old = book(container, host)
    other = book(
        container,
        host,
        start=TUESDAY_10 + timedelta(hours=1),
        attendee=dataclasses.replace(GUEST, email="o@example.com"),
    )
    with pytest.raises(SlotUnavailable):
        container.bookings.reschedule(old.uid, other.start)
    assert container.bookings.get(old.uid).status is BookingStatus.ACCEPTED
    assert container.bookings.get(old.uid).rescheduled_to_uid is None


def test_cannot_reschedule_a_booking_that_was_rescheduled(container, host):
    old = book(container, host)
    new = container.bookings.reschedule(old.uid, TUESDAY_10 + timedelta(hours=2))
    with pytest.raises(InvalidState) as caught:
        container.bookings.reschedule(old.uid, TUESDAY_10 + timedelta(hours=3))
    assert new.uid in caught.value.message


def test_cancel_frees_the_time_and_a_host_must_give_a_reason(container, host):
    booking = book(container, host)
    with pytest.raises(InvalidInput) as caught:
        container.bookings.cancel(booking.uid, actor_id=host.user.id)
    assert caught.value.field == "cancellationReason"
    cancelled = container.bookings.cancel(booking.uid, reason="sick", by="grace@example.com")
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancellation_reason == "sick"
    with pytest.raises(InvalidState):
        container.bookings.cancel(booking.uid)
    assert book(container, host).status is BookingStatus.ACCEPTED


def test_pending_requests_block_or_not_as_the_policy_says(container):
    blocking = make_host(container, "bea", confirmation=ConfirmationPolicy())
    request = book(container, blocking)
    assert request.status is BookingStatus.PENDING
    with pytest.raises(SlotUnavailable):
        book(container, blocking, attendee=dataclasses.replace(GUEST, email="o@example.com"))

    open_ = make_host(container, "cy", confirmation=ConfirmationPolicy(block_pending=False))
    first = book(container, open_)
    second = book(container, open_, attendee=dataclasses.replace(GUEST, email="o@example.com"))
    assert first.status is second.status is BookingStatus.PENDING
    container.bookings.confirm(first.uid, actor_id=open_.user.id)
    with pytest.raises(SlotUnavailable):
        container.bookings.confirm(second.uid, actor_id=open_.user.id)


def test_decline_rejects_a_pending_booking_and_frees_it(container):
    host = make_host(container, confirmation=ConfirmationPolicy())
    request = book(container, host)
    declined = container.bookings.decline(request.uid, actor_id=host.user.id, reason="busy")
    assert declined.status is BookingStatus.REJECTED
    assert declined.rejection_reason == "busy"
    with pytest.raises(InvalidState):
        container.bookings.confirm(request.uid, actor_id=host.user.id)


def test_only_a_host_may_confirm(container):
    host = make_host(container, confirmation=ConfirmationPolicy())
    stranger = make_host(container, "eve")
    request = book(container, host)
    with pytest.raises(NotFound):
        container.bookings.confirm(request.uid, actor_id=stranger.user.id)


def test_no_show_can_be_marked_only_after_the_start(container, host, clock):
    booking = book(container, host)
    with pytest.raises(InvalidState):
        container.bookings.mark_absent(booking.uid, actor_id=host.user.id, host=True)
    clock.current = TUESDAY_10 + timedelta(minutes=5)
    marked = container.bookings.mark_absent(
        booking.uid, actor_id=host.user.id, attendees={"grace@example.com": True}
    )
    assert marked.attendees[0].absent is True and marked.absent_host is False


def test_seats_fill_up_to_the_seat_count(container):
    host = make_host(container, seats=Seats(per_slot=3))
    uids = {
        book(container, host, attendee=dataclasses.replace(GUEST, email=f"p{i}@example.com")).uid
        for i in range(3)
    }
    assert len(uids) == 1
    booking = container.bookings.get(uids.pop())
    assert len(booking.attendees) == 3
    assert len({a.seat_uid for a in booking.attendees}) == 3
    with pytest.raises(SeatsFull):
        book(container, host, attendee=dataclasses.replace(GUEST, email="late@example.com"))


def test_a_hold_blocks_others_until_it_expires_and_its_owner_can_book(container, host, clock):
    hold = container.holds.hold(host.event_type.id, TUESDAY_10)
    with pytest.raises(SlotUnavailable):
        book(container, host)
    booking = book(container, host, hold_uid=hold.uid)
    assert booking.status is BookingStatus.ACCEPTED
    assert container.holds.get(hold.uid) is None

    later = TUESDAY_10 + timedelta(hours=3)
    container.holds.hold(host.event_type.id, later)
    clock.advance(timedelta(minutes=6))
    assert book(container, host, start=later).status is BookingStatus.ACCEPTED


# -- the bookings API's use cases: guests, seats, attendees, location, views, search ---------


def test_guests_are_stored_as_attendees_in_the_bookers_zone(container, host):
    booking = book(container, host, guests=("lin@example.com", "lin@example.com"))
    assert booking.guests == ("lin@example.com",)
    assert [(a.email, a.name, a.time_zone) for a in booking.attendees] == [
        ("grace@example.com", "Grace Hopper", "Europe/London"),
        ("lin@example.com", "", "Europe/London"),
    ]


def test_seated_event_types_take_no_guests(container):
    host = make_host(container, seats=Seats(per_slot=3))
    with pytest.raises(InvalidInput) as caught:
        book(container, host, guests=("lin@example.com",))
    assert caught.value.field == "guests"


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({f"k{i}": 1 for i in range(51)}, "metadata"),
        ({"k" * 41: "v"}, "metadata"),
        ({"note": "v" * 501}, "metadata.note"),
        ({"nested": {"a": 1}}, "metadata.nested"),
    ],
)
def test_metadata_limits_name_the_field_and_write_nothing(container, host, metadata, field):
    with pytest.raises(InvalidInput) as caught:
        book(container, host, metadata=metadata)
    assert caught.value.field == field
    assert count_bookings(container, host) == 0


def test_a_typed_location_is_resolved_against_the_event_type(container):
    from calendula.domain.bookings import LocationChoice
    from calendula.domain.event_types import Location

    host = make_host(
        container,
        locations=(
            Location("link", "https://meet.example.com/ada"),
            Location("integration", "zoom"),
        ),
    )
    linked = book(container, host, location=LocationChoice("link"))
    assert linked.location == "https://meet.example.com/ada"
    zoom = book(
        container,
        host,
        start=TUESDAY_10 + timedelta(hours=1),
        location=LocationChoice("integration", "zoom"),
    )
    assert zoom.location == "integrations:zoom"
    default = book(container, host, start=TUESDAY_10 + timedelta(hours=2))
    assert default.location == "https://meet.example.com/ada"
    with pytest.raises(InvalidInput):
        book(
            container,
            host,
            start=TUESDAY_10 + timedelta(hours=3),
            location=LocationChoice("integration", "cal-video"),
        )


def test_the_attendees_phone_is_checked_and_kept_in_the_responses(container, host):
    with pytest.raises(InvalidInput) as caught:
        book(container, host, attendee=dataclasses.replace(GUEST, phone_number="call me"))
    assert caught.value.field == "attendee.phoneNumber"
    booking = book(container, host, attendee=dataclasses.replace(GUEST, phone_number="+441234567"))
    assert booking.responses["attendeePhoneNumber"] == "+441234567"


def test_a_seat_is_given_up_alone_and_the_last_one_cancels(container):
    host = make_host(container, seats=Seats(per_slot=3))
    first = book(container, host)
    book(container, host, attendee=dataclasses.replace(GUEST, email="p2@example.com"))
    seats = [a.seat_uid for a in container.bookings.get(first.uid).attendees]
    with pytest.raises(InvalidInput):
        container.bookings.cancel(first.uid)  # a seated booking needs the seat
    with pytest.raises(InvalidInput):
        container.bookings.cancel(first.uid, seat_uid="nope")
    left = container.bookings.cancel(first.uid, seat_uid=seats[0])
    assert left.status is BookingStatus.ACCEPTED and len(left.attendees) == 1
    gone = container.bookings.cancel(first.uid, seat_uid=seats[1])
    assert gone.status is BookingStatus.CANCELLED
    assert book(container, host).status is BookingStatus.ACCEPTED  # the time is free again


def test_the_host_cancels_a_whole_seated_booking(container):
    host = make_host(container, seats=Seats(per_slot=3))
    booking = book(container, host)
    cancelled = container.bookings.cancel(booking.uid, reason="closed", actor_id=host.user.id)
    assert cancelled.status is BookingStatus.CANCELLED


def test_guests_added_later_respect_the_limit_and_skip_known_emails(container, host):
    from calendula.services.booking import NewGuest

    booking = book(container, host)
    added = container.bookings.add_guests(
        booking.uid,
        actor_id=host.user.id,
        guests=[NewGuest("g@example.com", name="Gil"), NewGuest("GRACE@example.com")],
    )
    assert added.guests == ("g@example.com",)
    assert added.attendees[-1].name == "Gil" and added.attendees[-1].id is not None
    many = [NewGuest(f"n{i}@example.com") for i in range(30)]
    with pytest.raises(InvalidInput):
        container.bookings.add_guests(booking.uid, actor_id=host.user.id, guests=many)
    assert len(container.bookings.get(booking.uid).attendees) == 2
    stranger = make_host(container, "zed")
    with pytest.raises(NotFound):
        container.bookings.add_guests(booking.uid, actor_id=stranger.user.id, guests=many[:1])


def test_an_attendee_added_to_a_seated_booking_takes_a_seat(container):
    host = make_host(container, seats=Seats(per_slot=2))
    booking = book(container, host)
    extra = dataclasses.replace(GUEST, email="x@example.com")
    updated, added = container.bookings.add_attendee(
        booking.uid, actor_id=host.user.id, attendee=extra
    )
    assert added.seat_uid and added.id and len(updated.attendees) == 2
    with pytest.raises(SeatsFull):
        container.bookings.add_attendee(
            booking.uid,
            actor_id=host.user.id,
            attendee=dataclasses.replace(GUEST, email="y@example.com"),
        )


def test_the_location_is_changed_by_a_host_only(container, host):
    booking = book(container, host)
    moved = container.bookings.update_location(
        booking.uid, actor_id=host.user.id, location=" Room 4 "
    )
    assert moved.location == "Room 4"
    with pytest.raises(NotFound):
        container.bookings.update_location(booking.uid, actor_id=999, location="x")


def test_a_view_carries_hosts_and_event_type(container, host):
    booking = book(container, host)
    view = container.bookings.get_view(booking.uid)
    assert view.hosts[0].username == "ada" and view.event_type.slug == "meet"
    with pytest.raises(NotFound):
        container.bookings.host_view(booking.uid, actor_id=999)


def test_search_orders_by_status_defaults_and_counts(container, host, clock):
    from calendula.domain.bookings import ListStatus
    from calendula.services.ports import BookingFilter

    uids = [
        book(
            container,
            host,
            start=TUESDAY_10 + timedelta(hours=i),
            attendee=dataclasses.replace(GUEST, email=f"g{i}@example.com"),
        ).uid
        for i in range(3)
    ]
    clock.current = TUESDAY_10 + timedelta(hours=5)
    past = container.bookings.search(
        host.user.id, BookingFilter(statuses=frozenset({ListStatus.PAST}))
    )
    assert [v.booking.uid for v in past.views] == uids[::-1] and past.total == 3
    page = container.bookings.search(host.user.id, BookingFilter(take=1, skip=1))
    assert [v.booking.uid for v in page.views] == [uids[1]] and page.total == 3
