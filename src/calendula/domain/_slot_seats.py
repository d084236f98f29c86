"""Private seat bookkeeping of the slot engine: seated bookings of the queried event type.

Seated bookings are passed apart from busy time. Grouped by start, they say which starts may be
joined (and with how many seats taken) and which starts they rule out: for any other start a
seated booking acts like a booking of this event type, buffers on both sides.
Imports only the standard library and `calendula.domain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from calendula.domain._slot_rules import Rules
from calendula.domain._spans import Span, to_utc
from calendula.domain.event_types import EventType


class Occupancy(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def seats_booked(self) -> int: ...

    @property
    def booking_uid(self) -> str: ...


class SeatBook:
    """Seated bookings of the event type grouped by start, and the starts they rule out.

    A seated booking acts like a booking of this event type (buffers on both sides) for every
    candidate with another start; a candidate with its start may join it while seats remain.
    """

    def __init__(self, event_type: EventType, seated: Sequence[Occupancy], rules: Rules):
        self.rules = rules
        self.total = event_type.seats.per_slot if event_type.seats else None
        self.by_start: dict[datetime, tuple[int, str]] = {}
        self.blocking: list[Span] = []
        if self.total is None:
            return
        for occupancy in seated:
            start = to_utc(occupancy.start)
            booked, uid = self.by_start.get(start, (0, occupancy.booking_uid))
            self.by_start[start] = (booked + occupancy.seats_booked, uid)
            self.blocking.append((start - rules.before, to_utc(occupancy.end) + rules.after))

    @property
    def forbidden(self) -> list[Span]:
        return [self.rules.blocked_starts(span) for span in self.blocking]

    def conflict(self, start: datetime, end: datetime) -> bool:
        """Whether `[start, end)` (buffered) meets a seated booking that starts elsewhere."""
        low, high = start - self.rules.before, end + self.rules.after
        return any(
            b0 + self.rules.before != start and b0 < high and low < b1 for b0, b1 in self.blocking
        )
