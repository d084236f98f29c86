"""`BookingRepository.search`: filtering and counting in SQL, on SQLite and PostgreSQL.

The status rules are checked against `domain.bookings.in_list_status`, their reference.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from calendula.domain.bookings import BookingStatus, ListStatus, in_list_status
from calendula.services.ports import BookingFilter, SortKey
from factories import T0, make_attendee, make_booking

NOW = T0 + timedelta(days=2, minutes=30)  # the end of day 2's first booking: both past and upcoming
STATUSES = [
    BookingStatus.ACCEPTED,
    BookingStatus.PENDING,
    BookingStatus.CANCELLED,
    BookingStatus.REJECTED,
]


@pytest.fixture
def stored(uow_factory, add_host, event_type_id):
    """Sixteen bookings of one host over four days (every status each day; the accepted and
    pending ones form a recurring series), two of another host, and one shared by both.
    Returns (host, other, bookings of host in start order)."""
    host, other = add_host(), add_host()
    mine = []
    with uow_factory(write=True) as uow:
        for day, (i, status) in itertools.product(range(4), enumerate(STATUSES)):
            start = T0 + timedelta(days=day, hours=i)
            booking = make_booking(
                host,
                start=start,
                status=status,
                event_type_id=event_type_id if i % 2 == 0 else None,
                attendees=(make_attendee(name=f"Name {day}-{i}", email=f"p{day}{i}@Example.com"),),
                created_at=T0 - timedelta(days=10 - day, minutes=i),
                updated_at=T0 - timedelta(days=5, minutes=day * 10 + i),
                recurring_booking_uid="series-1" if i in (0, 1) else None,
            )
            mine.append(uow.bookings.add(booking))
        for i in range(2):
            uow.bookings.add(make_booking(other, start=T0 + timedelta(hours=10 + i)))
        mine.append(uow.bookings.add(make_booking((other, host), start=T0 + timedelta(hours=20))))
        uow.commit()
    return host, other, sorted(mine, key=lambda b: (b.start, b.id))


def search(uow_factory, host, **criteria):
    with uow_factory() as uow:
        return uow.bookings.search(host, BookingFilter(**criteria), NOW)


@pytest.mark.parametrize(
    "statuses",
    [
        frozenset(combo)
        for size in (1, 2, 3)
        for combo in itertools.combinations(sorted(ListStatus), size)
    ],
)
def test_status_filters_match_the_domain_rules(uow_factory, stored, statuses):
    host, _, mine = stored
    page = search(uow_factory, host, statuses=statuses)
    assert any(b.end == NOW for b in mine)
    expected = [b.uid for b in mine if any(in_list_status(b, s, NOW) for s in statuses)]
    assert [b.uid for b in page.items] == expected
    assert page.total == len(expected)


def test_a_search_sees_only_the_hosts_bookings_including_shared_ones(uow_factory, stored):
    host, other, mine = stored
    assert search(uow_factory, host).total == len(mine) == 17
    theirs = search(uow_factory, other)
    assert theirs.total == 3
    assert all(other in b.host_ids for b in theirs.items)


def test_the_count_is_the_total_while_take_and_skip_cut_the_page(uow_factory, stored):
    host, _, mine = stored
    page = search(uow_factory, host, take=5, skip=3)
    assert page.total == 17
    assert [b.uid for b in page.items] == [b.uid for b in mine[3:8]]
    beyond = search(uow_factory, host, take=5, skip=40)
    assert beyond.items == [] and beyond.total == 17


def test_attendee_filters_are_exact_and_ignore_case(uow_factory, stored):
    host, _, _ = stored
    by_email = search(uow_factory, host, attendee_email="P21@example.COM")
    assert [b.attendees[0].email for b in by_email.items] == ["p21@Example.com"]
    by_name = search(uow_factory, host, attendee_name=" name 3-2 ")
    assert [b.attendees[0].name for b in by_name.items] == ["Name 3-2"]
    assert search(uow_factory, host, attendee_name="Name").total == 0


def test_uid_and_event_type_filters(uow_factory, stored, event_type_id):
    host, _, mine = stored
    assert [b.uid for b in search(uow_factory, host, uid=mine[5].uid).items] == [mine[5].uid]
    typed = search(uow_factory, host, event_type_ids=(event_type_id,))
    assert typed.total == 8
    assert all(b.event_type_id == event_type_id for b in typed.items)


def test_time_bounds_are_inclusive(uow_factory, stored):
    host, _, mine = stored
    start = mine[4].start
    after = search(uow_factory, host, after_start=start)
    assert [b.uid for b in after.items] == [b.uid for b in mine if b.start >= start]
    end = mine[4].end
    before = search(uow_factory, host, before_end=end)
    assert [b.uid for b in before.items] == [b.uid for b in mine if b.end <= end]
    created = mine[6].created_at
    assert search(uow_factory, host, after_created=created).total == sum(
        b.created_at >= created for b in mine
    )
    assert search(uow_factory, host, before_created=created).total == sum(
        b.created_at <= created for b in mine
    )
    updated = mine[6].updated_at
    assert search(uow_factory, host, after_updated=updated).total == sum(
        b.updated_at >= updated for b in mine
    )
    assert search(uow_factory, host, before_updated=updated).total == sum(
        b.updated_at <= updated for b in mine
    )


@pytest.mark.parametrize(
    ("key", "attribute"),
    [
        (SortKey.START, "start"),
        (SortKey.END, "end"),
        (SortKey.CREATED, "created_at"),
        (SortKey.UPDATED, "updated_at"),
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_each_key_with_id_breaking_ties(uow_factory, stored, key, attribute, descending):
    host, _, mine = stored
    page = search(uow_factory, host, sort=((key, descending),))
    values = [getattr(b, attribute) for b in page.items]
    assert values == sorted(values, reverse=descending)
    assert page.total == len(page.items) == len(mine)
