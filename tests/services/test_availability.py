"""Finding slots through the service: gathered from the database, computed by the domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calendula.domain.bookings import Attendee
from calendula.domain.errors import InvalidInput, NotFound
from calendula.services.availability import SlotQuery
from calendula.services.booking import NewBooking

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
