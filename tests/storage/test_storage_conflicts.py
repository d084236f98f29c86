"""Unique values taken twice become `Conflict` naming the field; the unit of work stays usable."""

from __future__ import annotations

import dataclasses

import pytest

from calendula.domain.errors import Conflict, NotFound, SlotUnavailable
from calendula.storage import SqlUnitOfWorkFactory
from factories import make_api_key, make_attendee, make_booking, make_event_type, make_user


def test_duplicate_username_is_a_conflict_naming_username(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with uow_factory(write=True) as uow:
        taken = uow.users.add(make_user())
        with pytest.raises(Conflict) as caught:
            uow.users.add(make_user(username=taken.username))
        assert caught.value.field == "username"
        # The refused insert was rolled back to its savepoint: the first user is still there.
        uow.commit()
    with uow_factory() as uow:
        assert uow.users.get_by_username(taken.username) == taken


def test_duplicate_email_in_other_case_is_a_conflict_naming_email(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with uow_factory(write=True) as uow:
        taken = uow.users.add(make_user(email="Ada@Example.com"))
        with pytest.raises(Conflict) as caught:
            uow.users.add(make_user(email="ada@example.COM"))
        assert caught.value.field == "email"
        other = uow.users.add(make_user())
        with pytest.raises(Conflict) as caught:
            uow.users.update(dataclasses.replace(other, email=taken.email.upper()))
        assert caught.value.field == "email"


def test_updating_an_unknown_user_is_not_found(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory(write=True) as uow, pytest.raises(NotFound):
        uow.users.update(make_user(id=424242))


def test_duplicate_slug_for_one_owner_is_a_conflict_naming_slug(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        other_owner = uow.users.add(make_user())
        first = uow.event_types.add(make_event_type(host_id, slug="intro"))
        uow.event_types.add(make_event_type(other_owner.id or 0, slug="intro"))
        with pytest.raises(Conflict) as caught:
            uow.event_types.add(make_event_type(host_id, slug="intro"))
        assert caught.value.field == "slug"
        second = uow.event_types.add(make_event_type(host_id, slug="deep-dive"))
        with pytest.raises(Conflict) as caught:
            uow.event_types.update(dataclasses.replace(second, slug=first.slug))
        assert caught.value.field == "slug"
        with pytest.raises(NotFound):
            uow.event_types.update(dataclasses.replace(second, id=424242))


def test_duplicate_idempotency_key_is_a_conflict_naming_the_key(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        first = uow.bookings.add(make_booking(host_id, idempotency_key="same"))
        later = first.start.replace(year=2031)
        with pytest.raises(Conflict) as caught:
            uow.bookings.add(make_booking(host_id, start=later, idempotency_key="same"))
        assert not isinstance(caught.value, SlotUnavailable)
        assert caught.value.field == "idempotencyKey"
        uow.commit()
    with uow_factory() as uow:
        assert uow.bookings.get_by_idempotency_key("same") == first


def test_duplicate_seat_uid_and_api_key_hash_are_conflicts(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        booking = uow.bookings.add(make_booking(host_id))
        uow.bookings.add_attendee(booking.uid, make_attendee(seat_uid="s1"))
        with pytest.raises(Conflict) as caught:
            uow.bookings.add_attendee(booking.uid, make_attendee(seat_uid="s1"))
        assert caught.value.field == "seatUid"
        with pytest.raises(NotFound):
            uow.bookings.add_attendee("no-such-booking", make_attendee())
        key = uow.api_keys.add(make_api_key(host_id))
        with pytest.raises(Conflict) as caught:
            uow.api_keys.add(make_api_key(host_id, hashed_key=key.hashed_key))
        assert caught.value.field == "hashedKey"


def test_updating_an_unknown_booking_or_hold_is_not_found(
    uow_factory: SqlUnitOfWorkFactory, host_id: int
) -> None:
    with uow_factory(write=True) as uow:
        with pytest.raises(NotFound):
            uow.bookings.update(make_booking(host_id))
        booking = uow.bookings.add(make_booking(host_id))
        with pytest.raises(NotFound):
            stranger = dataclasses.replace(make_attendee(), id=987654)
            uow.bookings.update(dataclasses.replace(booking, attendees=(stranger,)))
