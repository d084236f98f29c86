"""Schedules: validation naming the field, zones, expansion with overrides and midnight crossing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from domain_factories import hours, override, utc, working_week

from calendula.domain.errors import InvalidInput
from calendula.domain.intervals import Interval
from calendula.domain.schedules import (
    DateOverride,
    Schedule,
    TimeRange,
    Weekday,
    WeeklyHours,
    expand_schedule,
    validate_schedule,
    zone_from_name,
)


def weekly(*entries: tuple[Weekday, str, str]) -> Schedule:
    return Schedule("UTC", weekly=tuple(WeeklyHours(d, hours(a, b)) for d, a, b in entries))


def field_of_error(schedule: Schedule) -> str:
    with pytest.raises(InvalidInput) as error:
        validate_schedule(schedule)
    return error.value.field


def test_touching_weekly_ranges_are_valid() -> None:
    validate_schedule(
        weekly((Weekday.MONDAY, "09:00", "12:00"), (Weekday.MONDAY, "12:00", "17:00"))
    )


def test_a_full_day_written_as_midnight_to_midnight_is_valid() -> None:
    validate_schedule(weekly((Weekday.SUNDAY, "00:00", "00:00")))


def test_overlapping_weekly_ranges_are_rejected_as_availability() -> None:
    schedule = weekly((Weekday.MONDAY, "09:00", "12:00"), (Weekday.MONDAY, "11:00", "17:00"))
    assert field_of_error(schedule) == "availability"


def test_a_range_crossing_midnight_that_overlaps_the_next_day_is_rejected() -> None:
    schedule = weekly((Weekday.MONDAY, "22:00", "02:00"), (Weekday.TUESDAY, "01:00", "05:00"))
    assert field_of_error(schedule) == "availability"


def test_sunday_night_crossing_into_monday_is_checked_around_the_week() -> None:
    schedule = weekly((Weekday.SUNDAY, "23:00", "03:00"), (Weekday.MONDAY, "02:00", "04:00"))
    with pytest.raises(InvalidInput, match="Monday"):
        validate_schedule(schedule)


def test_an_empty_range_that_is_not_a_full_day_is_rejected() -> None:
    assert field_of_error(weekly((Weekday.MONDAY, "09:00", "09:00"))) == "availability"


def test_an_override_date_given_twice_is_rejected_as_overrides() -> None:
    day = date(2026, 3, 9)
    schedule = working_week(overrides=[override(day), override(day, ("10:00", "11:00"))])
    assert field_of_error(schedule) == "overrides"


def test_overlapping_ranges_of_one_override_are_rejected_as_overrides() -> None:
    day = date(2026, 3, 9)
    schedule = working_week(overrides=[override(day, ("10:00", "12:00"), ("11:00", "13:00"))])
    assert field_of_error(schedule) == "overrides"


def test_an_empty_override_range_is_rejected_as_overrides() -> None:
    schedule = working_week(overrides=[override(date(2026, 3, 9), ("10:00", "10:00"))])
    assert field_of_error(schedule) == "overrides"


def test_an_unknown_time_zone_names_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        Schedule("Mars/Olympus_Mons")
    assert error.value.field == "timeZone"
    with pytest.raises(InvalidInput) as error:
        zone_from_name("../etc/passwd", "user.timeZone")
    assert error.value.field == "user.timeZone"


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", "right/UTC", "posix/UTC"])
def test_the_systems_extra_zone_files_are_not_time_zones(name: str) -> None:
    with pytest.raises(InvalidInput):
        zone_from_name(name)


@pytest.mark.parametrize("name", ["UTC", "Etc/GMT-14", "America/Argentina/Buenos_Aires", "EST"])
def test_zone_names_with_slashes_and_old_names_still_work(name: str) -> None:
    assert zone_from_name(name).key == name


def test_expansion_gives_working_hours_in_utc_clipped_to_the_range() -> None:
    schedule = working_week("Asia/Kathmandu")
    result = expand_schedule(schedule, utc(2026, 3, 9, 4), utc(2026, 3, 10))
    assert result == [Interval(utc(2026, 3, 9, 4), utc(2026, 3, 9, 11, 15))]


def test_an_override_replaces_the_whole_local_date() -> None:
    day = date(2026, 3, 10)
    schedule = working_week(overrides=[override(day, ("13:00", "14:00"))])
    result = expand_schedule(schedule, utc(2026, 3, 10), utc(2026, 3, 11))
    assert result == [Interval(utc(2026, 3, 10, 13), utc(2026, 3, 10, 14))]


def test_an_override_without_ranges_is_a_day_off() -> None:
    schedule = working_week(overrides=[DateOverride(date(2026, 3, 10))])
    assert expand_schedule(schedule, utc(2026, 3, 10), utc(2026, 3, 11)) == []


def test_hours_crossing_midnight_run_into_the_next_day() -> None:
    schedule = working_week("America/New_York", "22:00", "02:00", days=[Weekday.FRIDAY])
    result = expand_schedule(schedule, utc(2026, 3, 6), utc(2026, 3, 8))
    assert result == [Interval(utc(2026, 3, 7, 3), utc(2026, 3, 7, 7))]


def test_spill_over_into_an_overridden_date_is_clipped_at_its_midnight() -> None:
    schedule = working_week(
        "America/New_York",
        "22:00",
        "02:00",
        days=[Weekday.FRIDAY],
        overrides=[override(date(2026, 3, 7), ("10:00", "11:00"))],
    )
    result = expand_schedule(schedule, utc(2026, 3, 6), utc(2026, 3, 8))
    assert result == [
        Interval(utc(2026, 3, 7, 3), utc(2026, 3, 7, 5)),
        Interval(utc(2026, 3, 7, 15), utc(2026, 3, 7, 16)),
    ]


def test_an_hour_ending_at_midnight_ends_at_the_next_days_start() -> None:
    schedule = weekly((Weekday.MONDAY, "18:00", "00:00"), (Weekday.TUESDAY, "00:00", "01:00"))
    validate_schedule(schedule)
    result = expand_schedule(schedule, utc(2026, 3, 9), utc(2026, 3, 11))
    assert result == [Interval(utc(2026, 3, 9, 18), utc(2026, 3, 10, 1))]


def test_expansion_of_an_empty_or_reversed_range_is_empty() -> None:
    assert expand_schedule(working_week(), utc(2026, 3, 10), utc(2026, 3, 10)) == []


def test_expansion_rejects_naive_bounds() -> None:
    with pytest.raises(InvalidInput):
        expand_schedule(working_week(), datetime(2026, 3, 10), datetime(2026, 3, 11, tzinfo=UTC))


def test_times_of_day_with_a_zone_are_rejected() -> None:
    aware = TimeRange(time(9, tzinfo=UTC), time(17))
    schedule = Schedule("UTC", weekly=(WeeklyHours(Weekday.MONDAY, aware),))
    assert field_of_error(schedule) == "availability"
