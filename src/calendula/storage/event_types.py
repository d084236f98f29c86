"""SQL repository for event types (port `EventTypeRepository`).

Owns: the mapping between `EventTypeRow` and the domain `EventType`, including the JSON form of
its nested policy values (snake_case keys, enums by value, dates in ISO form). Missing keys read
back as the dataclass defaults, so documents written by older versions keep loading.
Never commits: the unit of work does.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from calendula.domain.errors import NotFound
from calendula.domain.event_types import (
    BookingField,
    BookingWindow,
    ConfirmationMode,
    ConfirmationPolicy,
    EventType,
    FieldType,
    Location,
    PeriodLimits,
    Seats,
    WindowKind,
)
from calendula.domain.recurrence import Frequency, Recurrence
from calendula.storage.integrity import guarded
from calendula.storage.rows import row_by_id
from calendula.storage.tables import EventTypeRow

_EVENT_TYPE_UNIQUE = {"uq_event_types_owner_id_slug": "slug"}


class SqlEventTypeRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event_type: EventType) -> EventType:
        row = EventTypeRow()
        _event_type_to_row(event_type, row)
        with guarded(self._session, _EVENT_TYPE_UNIQUE):
            self._session.add(row)
            self._session.flush()
        return _event_type_from_row(row)

    def get(self, event_type_id: int) -> EventType | None:
        row = row_by_id(self._session, EventTypeRow, event_type_id)  # every booking reads one
        return None if row is None else _event_type_from_row(cast(EventTypeRow, row))

    def get_by_slug(self, owner_id: int, slug: str) -> EventType | None:
        row = self._session.scalar(
            select(EventTypeRow).where(EventTypeRow.owner_id == owner_id, EventTypeRow.slug == slug)
        )
        return None if row is None else _event_type_from_row(row)

    def list_for_owner(self, owner_id: int) -> list[EventType]:
        rows = self._session.scalars(
            select(EventTypeRow).where(EventTypeRow.owner_id == owner_id).order_by(EventTypeRow.id)
        )
        return [_event_type_from_row(row) for row in rows]

    def update(self, event_type: EventType) -> EventType:
        row = self._session.get(EventTypeRow, event_type.id) if event_type.id is not None else None
        if row is None:
            raise NotFound(f"Event type with id={event_type.id} does not exist")
        with guarded(self._session, _EVENT_TYPE_UNIQUE):
            _event_type_to_row(event_type, row)
            self._session.flush()
        return _event_type_from_row(row)

    def delete(self, event_type_id: int) -> None:
        """Delete the event type and its holds; unknown ids are ignored. Its bookings stay,
        with no event type."""
        self._session.execute(delete(EventTypeRow).where(EventTypeRow.id == event_type_id))
        # The database cascaded and set references to NULL: forget rows loaded before.
        self._session.expire_all()


def _event_type_to_row(et: EventType, row: EventTypeRow) -> None:
    row.owner_id = et.owner_id
    row.slug = et.slug
    row.title = et.title
    row.description = et.description
    row.length_minutes = et.length_minutes
    row.length_options = list(et.length_options)
    row.min_length_minutes = et.min_length_minutes
    row.max_length_minutes = et.max_length_minutes
    row.slot_interval_minutes = et.slot_interval_minutes
    row.before_buffer_minutes = et.before_buffer_minutes
    row.after_buffer_minutes = et.after_buffer_minutes
    row.minimum_notice_minutes = et.minimum_notice_minutes
    row.booking_window = _window_to_json(et.booking_window)
    row.booking_limits_count = _limits_to_json(et.booking_limits_count)
    row.booking_limits_duration = _limits_to_json(et.booking_limits_duration)
    row.only_first_slot_of_day = et.only_first_slot_of_day
    row.seats = _seats_to_json(et.seats)
    row.confirmation = _confirmation_to_json(et.confirmation)
    row.hidden = et.hidden
    row.locations = [{"kind": x.kind, "value": x.value, "public": x.public} for x in et.locations]
    row.booking_fields = [_field_to_json(f) for f in et.booking_fields]
    row.schedule_id = et.schedule_id
    row.disable_guests = et.disable_guests
    row.metadata_ = dict(et.metadata)
    row.recurrence = _recurrence_to_json(et.recurrence)


def _event_type_from_row(row: EventTypeRow) -> EventType:
    return EventType(
        id=row.id,
        owner_id=row.owner_id,
        slug=row.slug,
        title=row.title,
        description=row.description,
        length_minutes=row.length_minutes,
        length_options=tuple(row.length_options),
        min_length_minutes=row.min_length_minutes,
        max_length_minutes=row.max_length_minutes,
        slot_interval_minutes=row.slot_interval_minutes,
        before_buffer_minutes=row.before_buffer_minutes,
        after_buffer_minutes=row.after_buffer_minutes,
        minimum_notice_minutes=row.minimum_notice_minutes,
        booking_window=_window_from_json(row.booking_window),
        booking_limits_count=_limits_from_json(row.booking_limits_count),
        booking_limits_duration=_limits_from_json(row.booking_limits_duration),
        only_first_slot_of_day=row.only_first_slot_of_day,
        seats=_seats_from_json(row.seats),
        confirmation=_confirmation_from_json(row.confirmation),
        hidden=row.hidden,
        locations=tuple(
            Location(kind=x["kind"], value=x.get("value"), public=x.get("public", True))
            for x in row.locations
        ),
        booking_fields=tuple(_field_from_json(f) for f in row.booking_fields),
        schedule_id=row.schedule_id,
        disable_guests=row.disable_guests,
        metadata=dict(row.metadata_),
        recurrence=_recurrence_from_json(row.recurrence),
    )


def _window_to_json(window: BookingWindow | None) -> dict[str, Any] | None:
    if window is None:
        return None
    return {
        "kind": window.kind.value,
        "days": window.days,
        "rolling": window.rolling,
        "start_date": _date_to_json(window.start_date),
        "end_date": _date_to_json(window.end_date),
    }


def _window_from_json(doc: dict[str, Any] | None) -> BookingWindow | None:
    if doc is None:
        return None
    return BookingWindow(
        kind=WindowKind(doc["kind"]),
        days=doc.get("days"),
        rolling=doc.get("rolling", False),
        start_date=_date_from_json(doc.get("start_date")),
        end_date=_date_from_json(doc.get("end_date")),
    )


def _limits_to_json(limits: PeriodLimits) -> dict[str, Any]:
    return {"day": limits.day, "week": limits.week, "month": limits.month, "year": limits.year}


def _limits_from_json(doc: dict[str, Any]) -> PeriodLimits:
    return PeriodLimits(
        day=doc.get("day"), week=doc.get("week"), month=doc.get("month"), year=doc.get("year")
    )


def _seats_to_json(seats: Seats | None) -> dict[str, Any] | None:
    if seats is None:
        return None
    return {
        "per_slot": seats.per_slot,
        "show_attendee_info": seats.show_attendee_info,
        "show_availability_count": seats.show_availability_count,
    }


def _seats_from_json(doc: dict[str, Any] | None) -> Seats | None:
    if doc is None:
        return None
    return Seats(
        per_slot=doc["per_slot"],
        show_attendee_info=doc.get("show_attendee_info", False),
        show_availability_count=doc.get("show_availability_count", True),
    )


def _confirmation_to_json(policy: ConfirmationPolicy | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {
        "mode": policy.mode.value,
        "notice_threshold_minutes": policy.notice_threshold_minutes,
        "block_pending": policy.block_pending,
    }


def _confirmation_from_json(doc: dict[str, Any] | None) -> ConfirmationPolicy | None:
    if doc is None:
        return None
    return ConfirmationPolicy(
        mode=ConfirmationMode(doc.get("mode", ConfirmationMode.ALWAYS.value)),
        notice_threshold_minutes=doc.get("notice_threshold_minutes"),
        block_pending=doc.get("block_pending", True),
    )


def _recurrence_to_json(recurrence: Recurrence | None) -> dict[str, Any] | None:
    if recurrence is None:
        return None
    return {
        "frequency": recurrence.frequency.value,
        "interval": recurrence.interval,
        "occurrences": recurrence.occurrences,
    }


def _recurrence_from_json(doc: dict[str, Any] | None) -> Recurrence | None:
    if doc is None:
        return None
    return Recurrence(Frequency(doc["frequency"]), doc["interval"], doc["occurrences"])


def _field_to_json(f: BookingField) -> dict[str, Any]:
    return {
        "type": f.type.value,
        "slug": f.slug,
        "label": f.label,
        "required": f.required,
        "hidden": f.hidden,
        "placeholder": f.placeholder,
        "options": list(f.options),
        "is_default": f.is_default,
    }


def _field_from_json(doc: dict[str, Any]) -> BookingField:
    return BookingField(
        type=FieldType(doc["type"]),
        slug=doc["slug"],
        label=doc.get("label", ""),
        required=doc.get("required", False),
        hidden=doc.get("hidden", False),
        placeholder=doc.get("placeholder", ""),
        options=tuple(doc.get("options", ())),
        is_default=doc.get("is_default", False),
    )


def _date_to_json(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_from_json(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
