"""EventType validation names the offending field; allowed_length picks the booking's length."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from domain_factories import event_type

from calendula.domain.errors import InvalidInput
from calendula.domain.event_types import (
    MAX_SETTING_MINUTES,
    MAX_WINDOW_DAYS,
    BookingWindow,
    PeriodLimits,
    Seats,
    WindowKind,
    allowed_length,
)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"before_buffer_minutes": -5}, "beforeEventBuffer"),
        ({"after_buffer_minutes": -1}, "afterEventBuffer"),
        ({"minimum_notice_minutes": -1}, "minimumBookingNotice"),
        ({"slot_interval_minutes": 0}, "slotInterval"),
        ({"length_minutes": 0}, "lengthInMinutes"),
        ({"length_minutes": 1441}, "lengthInMinutes"),
        ({"length_options": (15, 60)}, "lengthInMinutesOptions"),
        ({"min_length_minutes": 60, "max_length_minutes": 10}, "minLengthInMinutes"),
        ({"seats": Seats(0)}, "seats.seatsPerTimeSlot"),
        ({"booking_window": BookingWindow(WindowKind.RANGE)}, "bookingWindow.value"),
        ({"booking_window": BookingWindow(WindowKind.CALENDAR_DAYS)}, "bookingWindow.value"),
        ({"booking_limits_count": PeriodLimits(day=0)}, "bookingLimitsCount.day"),
        ({"booking_limits_duration": PeriodLimits(week=-1)}, "bookingLimitsDuration.week"),
        ({"slug": " "}, "slug"),
        ({"title": ""}, "title"),
        # bounds that keep the slot engine's date arithmetic in range (found by fuzzing)
        ({"before_buffer_minutes": MAX_SETTING_MINUTES + 1}, "beforeEventBuffer"),
        ({"after_buffer_minutes": MAX_SETTING_MINUTES + 1}, "afterEventBuffer"),
        ({"minimum_notice_minutes": MAX_SETTING_MINUTES + 1}, "minimumBookingNotice"),
        ({"slot_interval_minutes": MAX_SETTING_MINUTES + 1}, "slotInterval"),
        ({"length_options": (30, 1441)}, "lengthInMinutesOptions"),
        ({"min_length_minutes": 1441}, "minLengthInMinutes"),
        ({"max_length_minutes": 1441}, "maxLengthInMinutes"),
        (
            {"booking_window": BookingWindow(WindowKind.BUSINESS_DAYS, days=MAX_WINDOW_DAYS + 1)},
            "bookingWindow.value",
        ),
        (
            {
                "booking_window": BookingWindow(
                    WindowKind.RANGE, start_date=date(1, 1, 1), end_date=date(2026, 1, 1)
                )
            },
            "bookingWindow.value",
        ),
        (
            {
                "booking_window": BookingWindow(
                    WindowKind.RANGE, start_date=date(2026, 1, 1), end_date=date(9999, 12, 31)
                )
            },
            "bookingWindow.value",
        ),
    ],
)
def test_event_type_validation_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        event_type(**changes)
    assert error.value.field == field


def test_allowed_length_defaults_to_the_event_types_length() -> None:
    assert allowed_length(event_type(), None) == 30


def test_allowed_length_accepts_one_of_the_options() -> None:
    assert allowed_length(event_type(length_options=(15, 30, 60)), 60) == 60


def test_allowed_length_accepts_a_free_duration_within_bounds() -> None:
    et = event_type(min_length_minutes=10, max_length_minutes=45)
    assert allowed_length(et, 22) == 22


def test_allowed_length_refuses_other_lengths_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as error:
        allowed_length(event_type(length_options=(15, 30)), 45)
    assert error.value.field == "lengthInMinutes"
