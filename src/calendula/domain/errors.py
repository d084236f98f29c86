"""The one error tree of Calendula.

Every failure a user can cause is one of these. The domain and the services raise them; the HTTP
layer maps them to status codes and the Cal.com error envelope in exactly one place
(`api/errors.py`). Nothing here knows about HTTP.
"""

from __future__ import annotations


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


class SeatsFull(SlotUnavailable):
    """The seated slot has no seat left."""


class ReservationConflict(CalendulaError):
    """A slot reservation cannot be made because the time is booked or reserved by someone else."""
