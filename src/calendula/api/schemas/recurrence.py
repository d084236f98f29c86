"""Recurring event types and series in Cal.com's shapes (event types 2024-06-14, bookings
2024-08-13).

Owns: `RecurrenceInput` (`Recurrence_2024_06_14` or `Disabled_2024_06_14`) and its mapping to
the domain `Recurrence`, the `recurrence` output (null when the event type does not recur), the
legacy `recurringEvent` (Cal.com's internal rrule form) and the answers that are a series
(`RecurringBookingOutput_2024_08_13[]`). Imports domain values and the booking mappers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.alias_generators import to_camel

from calendula.api.schemas.bookings import booking_output, created_output
from calendula.domain.errors import InvalidInput
from calendula.domain.recurrence import Frequency, Recurrence
from calendula.services.booking import BookingView

MAX_INT = 2**31 - 1
Int = Annotated[int, Field(strict=True, ge=-MAX_INT, le=MAX_INT)]


class RecurrenceInput(BaseModel):
    """`{frequency, interval, occurrences}` or `{disabled: true}`."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    frequency: Literal["yearly", "monthly", "weekly"] | None = None
    interval: Int | None = None
    occurrences: Int | None = None
    disabled: StrictBool | None = None


def recurrence_from_input(value: RecurrenceInput | None) -> Recurrence | None:
    """The rule, or None for `null` / `{disabled: true}`. Raises `InvalidInput` naming
    `recurrence.<field>`."""
    if value is None or value.disabled:
        return None
    for name in ("frequency", "interval", "occurrences"):
        if getattr(value, name) is None:
            raise InvalidInput(
                f"recurrence.{name}", f"recurrence.{name} is required unless disabled"
            )
    assert value.frequency and value.interval is not None and value.occurrences is not None
    return Recurrence(Frequency(value.frequency), value.interval, value.occurrences)


def recurrence_output(recurrence: Recurrence | None) -> dict[str, Any] | None:
    """`Recurrence_2024_06_14`, or null (Cal.com's output for an event type that does not
    recur)."""
    if recurrence is None:
        return None
    return {
        "interval": recurrence.interval,
        "occurrences": recurrence.occurrences,
        "frequency": recurrence.frequency.value,
    }


def legacy_recurring_event(recurrence: Recurrence | None) -> dict[str, int] | None:
    """The legacy event type's `recurringEvent`: Cal.com's stored rrule form."""
    if recurrence is None:
        return None
    return {
        "freq": recurrence.rrule_frequency,
        "count": recurrence.occurrences,
        "interval": recurrence.interval,
    }


def series_output(views: Sequence[BookingView], *, viewer_id: int | None) -> list[dict[str, Any]]:
    """A series as Cal.com answers get and cancel by the series uid: every occurrence."""
    return [booking_output(view, viewer_id=viewer_id) for view in views]


def created_series_output(
    views: Sequence[BookingView], email: str, *, viewer_id: int | None
) -> dict[str, Any] | list[dict[str, Any]]:
    """The create answer: the booking, or (a recurring series) the list of its occurrences."""
    if len(views) == 1 and views[0].booking.recurring_booking_uid is None:
        return created_output(views[0], email, viewer_id=viewer_id)
    return [created_output(view, email, viewer_id=viewer_id) for view in views]
