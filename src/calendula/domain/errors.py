"""The one error tree of Calendula.

Every failure a user can cause is one of these. The domain and the services raise them; the HTTP
layer maps them to status codes and the Cal.com error envelope in exactly one place
(`api/errors.py`). Nothing here knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class CalendulaError(Exception):
    """Base of every error Calendula raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(CalendulaError):
    """Input that can never be valid; `field` names the offending field (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(CalendulaError):
    """The named resource does not exist, or is not visible to the caller."""


class EventTypeNotFound(NotFound):
    """No event type answers to the id, or to the slug and username, a request named."""


class Unauthorized(CalendulaError):
    """No credentials, or credentials that are not valid."""


class Forbidden(CalendulaError):
    """Valid credentials that may not do this."""


class InvalidState(CalendulaError):
    """The operation is not allowed in the resource's current state (cancel a cancelled booking)."""


class Conflict(CalendulaError):
    """The operation collides with existing data (a duplicate, a taken time); `field` names the
    duplicated field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SlotUnavailable(Conflict):
    """The requested time is not free: booked, held, outside availability, or past a limit."""


class TimeNotBookable(SlotUnavailable):
    """The time breaks the event type's timing rules (in the past, less notice than required,
    outside the booking window): nobody can book it, whatever else is booked."""


class SeatsFull(SlotUnavailable):
    """The seated slot has no seat left."""


class ReservationConflict(CalendulaError):
    """A slot reservation cannot be made because the time is booked or reserved by someone else."""


class BusySourceUnavailable(CalendulaError):
    """A host's external calendars could not be read in time (`BusyTimeSource.busy_times`).

    `host_ids` are the hosts whose calendars failed; `partial` holds what could be read (per
    host) for the others. Availability applies the failure policy: the failed hosts' times are
    hidden (never a double booking); it never reaches the HTTP layer."""

    def __init__(
        self, host_ids: frozenset[int], partial: dict[int, list[Any]], message: str = ""
    ) -> None:
        super().__init__(message or f"calendars of hosts {sorted(host_ids)} cannot be read")
        self.host_ids = host_ids
        self.partial = partial


class CalendarUnreachable(CalendulaError):
    """A connected calendar could not be read or written (network, timeout, refusal, a
    malformed answer). `transient`: worth retrying (timeouts, 5xx, 429); `status_code` is the
    server's answer when there was one. Services turn it into a policy or an `InvalidInput`."""

    def __init__(
        self, message: str, *, transient: bool = True, status_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.status_code = status_code
