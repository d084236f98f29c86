"""group_by_local_date: Cal.com's slot shape, grouped by local date, ISO strings with offsets."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from domain_factories import utc

from calendula.domain.slots import _SLOT_FIELDS, Slot, _make_slots, group_by_local_date


def slot(
    hour: int, minute: int = 0, day: int = 5, *, booked: int | None = None, total: int | None = None
) -> Slot:
    start = utc(2050, 9, day, hour, minute)
    return Slot(start, start + timedelta(minutes=30), (1,), booked, total)


def test_strings_carry_milliseconds_and_the_viewers_offset() -> None:
    grouped = group_by_local_date([slot(7)], ZoneInfo("Europe/Berlin"))
    assert grouped == {"2050-09-05": [{"start": "2050-09-05T09:00:00.000+02:00"}]}


def test_no_zone_means_utc_with_a_z() -> None:
    assert group_by_local_date([slot(7)], None) == {
        "2050-09-05": [{"start": "2050-09-05T07:00:00.000Z"}]
    }


def test_a_utc_zone_is_written_with_a_z_too() -> None:
    grouped = group_by_local_date([slot(7)], ZoneInfo("UTC"), with_end=True)
    assert grouped == {
        "2050-09-05": [{"start": "2050-09-05T07:00:00.000Z", "end": "2050-09-05T07:30:00.000Z"}]
    }


def test_dates_are_the_viewers_local_dates_and_empty_dates_are_absent() -> None:
    slots = [slot(2), slot(23, 45), slot(3, day=7)]
    grouped = group_by_local_date(slots, ZoneInfo("America/Los_Angeles"), with_end=True)
    assert grouped == {
        "2050-09-04": [
            {"start": "2050-09-04T19:00:00.000-07:00", "end": "2050-09-04T19:30:00.000-07:00"}
        ],
        "2050-09-05": [
            {"start": "2050-09-05T16:45:00.000-07:00", "end": "2050-09-05T17:15:00.000-07:00"}
        ],
        "2050-09-06": [
            {"start": "2050-09-06T20:00:00.000-07:00", "end": "2050-09-06T20:30:00.000-07:00"}
        ],
    }


def test_an_end_past_local_midnight_is_written_on_its_own_date() -> None:
    grouped = group_by_local_date([slot(21, 45)], ZoneInfo("Europe/Berlin"), with_end=True)
    assert grouped == {
        "2050-09-05": [
            {"start": "2050-09-05T23:45:00.000+02:00", "end": "2050-09-06T00:15:00.000+02:00"}
        ]
    }


def test_milliseconds_of_odd_instants_are_kept() -> None:
    start = utc(2050, 9, 5, 7) + timedelta(seconds=5, microseconds=123_900)
    grouped = group_by_local_date(
        [Slot(start, start + timedelta(minutes=1))], ZoneInfo("Asia/Kathmandu")
    )
    assert grouped == {"2050-09-05": [{"start": "2050-09-05T12:45:05.123+05:45"}]}


def test_seat_fields_follow_the_slot() -> None:
    grouped = group_by_local_date([slot(7, booked=1, total=4)], None)
    assert grouped["2050-09-05"] == [
        {
            "start": "2050-09-05T07:00:00.000Z",
            "seatsBooked": 1,
            "seatsRemaining": 3,
            "seatsTotal": 4,
        }
    ]


def test_slot_factory_matches_the_dataclass() -> None:
    assert tuple(Slot.__dataclass_fields__) == _SLOT_FIELDS
    start = utc(2050, 9, 5, 7)
    [made] = _make_slots([start], [(1, 2)], timedelta(minutes=30), 5)
    assert made == Slot(start, start + timedelta(minutes=30), (1, 2), 0, 5, None)
    assert hash(made) == hash(Slot(start, start + timedelta(minutes=30), (1, 2), 0, 5, None))
