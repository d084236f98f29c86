"""The relational schema: SQLAlchemy typed declarative table classes.

Owns: every table and constraint of Calendula's database. These classes are storage rows, never
domain values or API schemas; the repositories map between them explicitly. The migrations in
`migrations/versions` create exactly this schema (a test compares the two).

`time_blocks` is the claim table behind the no-double-booking guarantee: one row per host and
blocked range (buffers included) of a blocking booking or an active hold. On PostgreSQL the
exclusion constraint `time_blocks_no_overlap` forbids two overlapping ranges for one host; on
SQLite the write unit of work holds the database write lock and the repositories check for
overlap before inserting.
Imports SQLAlchemy, `column_types` and the booking status values.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    column,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from calendula.domain.bookings import BookingStatus
from calendula.storage.column_types import UtcDateTime, json_document

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in BookingStatus)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: json_document(),
    }


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower(column("email")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(63), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    time_zone: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    bio: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(16))
    time_format: Mapped[int] = mapped_column(SmallInteger)
    week_start: Mapped[str] = mapped_column(String(16))
    brand_color: Mapped[str] = mapped_column(String(16))
    dark_brand_color: Mapped[str] = mapped_column(String(16))
    default_schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL", use_alter=True)
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    hashed_key: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    last_used_at: Mapped[datetime | None]


class ScheduleRow(Base):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    time_zone: Mapped[str] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean)
    hours: Mapped[list[ScheduleHoursRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ScheduleHoursRow.id"
    )
    overrides: Mapped[list[ScheduleOverrideRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ScheduleOverrideRow.day"
    )


class ScheduleHoursRow(Base):
    """One weekly range: `weekday` 0 = Monday; `end_time <= start_time` crosses midnight."""

    __tablename__ = "schedule_hours"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class ScheduleOverrideRow(Base):
    """All availability of one local date; `ranges` is a list of `["HH:MM:SS", "HH:MM:SS"]`."""

    __tablename__ = "schedule_overrides"
    __table_args__ = (UniqueConstraint("schedule_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    ranges: Mapped[list[Any]] = mapped_column(json_document())


class EventTypeRow(Base):
    """An event type; the nested policy values are JSON documents (see `event_types.py`)."""

    __tablename__ = "event_types"
    __table_args__ = (UniqueConstraint("owner_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    length_minutes: Mapped[int] = mapped_column(Integer)
    length_options: Mapped[list[Any]] = mapped_column(json_document())
    min_length_minutes: Mapped[int | None] = mapped_column(Integer)
    max_length_minutes: Mapped[int | None] = mapped_column(Integer)
    slot_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    before_buffer_minutes: Mapped[int] = mapped_column(Integer)
    after_buffer_minutes: Mapped[int] = mapped_column(Integer)
    minimum_notice_minutes: Mapped[int] = mapped_column(Integer)
    booking_window: Mapped[dict[str, Any] | None]
    booking_limits_count: Mapped[dict[str, Any]]
    booking_limits_duration: Mapped[dict[str, Any]]
    only_first_slot_of_day: Mapped[bool] = mapped_column(Boolean)
    seats: Mapped[dict[str, Any] | None]
    confirmation: Mapped[dict[str, Any] | None]
    hidden: Mapped[bool] = mapped_column(Boolean)
    locations: Mapped[list[Any]] = mapped_column(json_document())
    booking_fields: Mapped[list[Any]] = mapped_column(json_document())
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    disable_guests: Mapped[bool] = mapped_column(Boolean)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    recurrence: Mapped[dict[str, Any] | None]


class BookingRow(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status"),
        CheckConstraint("start_at < end_at", name="interval"),
        Index("ix_bookings_owner_id_start_at", "owner_id", "start_at"),
        Index("ix_bookings_event_type_id_start_at", "event_type_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    ics_uid: Mapped[str] = mapped_column(String(255), index=True)
    event_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_types.id", ondelete="SET NULL")
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    before_buffer_minutes: Mapped[int] = mapped_column(Integer)
    after_buffer_minutes: Mapped[int] = mapped_column(Integer)
    seats_total: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(Text)
    responses: Mapped[dict[str, Any]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata")
    guests: Mapped[list[Any]] = mapped_column(json_document())
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(255))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    rescheduling_reason: Mapped[str | None] = mapped_column(Text)
    rescheduled_by: Mapped[str | None] = mapped_column(String(255))
    rescheduled_from_uid: Mapped[str | None] = mapped_column(String(64))
    rescheduled_to_uid: Mapped[str | None] = mapped_column(String(64))
    absent_host: Mapped[bool] = mapped_column(Boolean)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    blocks_when_pending: Mapped[bool] = mapped_column(Boolean)
    recurring_booking_uid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    hosts: Mapped[list[BookingHostRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="BookingHostRow.position"
    )
    attendees: Mapped[list[AttendeeRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AttendeeRow.id"
    )


class BookingHostRow(Base):
    """The hosts of a booking in order; position 0 is the owner (`bookings.owner_id`)."""

    __tablename__ = "booking_hosts"

    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(SmallInteger)


class AttendeeRow(Base):
    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254))
    time_zone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16))
    phone_number: Mapped[str | None] = mapped_column(String(64))
    absent: Mapped[bool] = mapped_column(Boolean)
    seat_uid: Mapped[str | None] = mapped_column(String(64), unique=True)


class SlotHoldRow(Base):
    __tablename__ = "slot_holds"
    __table_args__ = (CheckConstraint("start_at < end_at", name="interval"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE"), index=True
    )
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    before_buffer_minutes: Mapped[int] = mapped_column(Integer)
    after_buffer_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    hosts: Mapped[list[SlotHoldHostRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SlotHoldHostRow.position"
    )


class SlotHoldHostRow(Base):
    __tablename__ = "slot_hold_hosts"

    hold_id: Mapped[int] = mapped_column(
        ForeignKey("slot_holds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(SmallInteger)


class TimeBlockRow(Base):
    """A claim: `host_id` is busy during `[start_at, end_at)` (buffers included) because of
    exactly one booking or one hold. Deleting the booking or hold deletes its claims."""

    __tablename__ = "time_blocks"
    __table_args__ = (
        CheckConstraint("(booking_id IS NULL) <> (hold_id IS NULL)", name="one_owner"),
        CheckConstraint("start_at < end_at", name="interval"),
        Index("ix_time_blocks_host_id_end_at", "host_id", "end_at"),
        ExcludeConstraint(
            (column("host_id"), "="),
            (
                func.tstzrange(column("start_at"), column("end_at"), literal_column("'[)'")),
                "&&",
            ),
            name="time_blocks_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    hold_id: Mapped[int | None] = mapped_column(
        ForeignKey("slot_holds.id", ondelete="CASCADE"), index=True
    )


class WebhookRow(Base):
    """A webhook subscription; `secret` is sealed by the service (never plain text here).

    A user webhook has `event_type_id` NULL and a URL unique per owner (partial unique index);
    an event-type webhook has a URL unique per event type. Deleting the user or the event type
    deletes its webhooks."""

    __tablename__ = "webhooks"
    __table_args__ = (
        UniqueConstraint("event_type_id", "subscriber_url"),
        Index(
            "uq_webhooks_owner_id_subscriber_url",
            "owner_id",
            "subscriber_url",
            unique=True,
            sqlite_where=text("event_type_id IS NULL"),
            postgresql_where=text("event_type_id IS NULL"),
        ),
        CheckConstraint("consecutive_failures >= 0", name="consecutive_failures"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE")
    )
    subscriber_url: Mapped[str] = mapped_column(String(2048))
    triggers: Mapped[list[Any]] = mapped_column(json_document())
    active: Mapped[bool] = mapped_column(Boolean)
    payload_template: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    consecutive_failures: Mapped[int] = mapped_column(Integer)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)


class OutboxEventRow(Base):
    """A change that happened, written in the change's own transaction (`domain.outbox`).

    `fanned_out_at` is set, in one transaction with the jobs it produced, when the dispatcher
    has turned the event into jobs; unprocessed events are found by the partial index."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index(
            "ix_outbox_events_pending",
            "id",
            sqlite_where=text("fanned_out_at IS NULL"),
            postgresql_where=text("fanned_out_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    booking_uid: Mapped[str | None] = mapped_column(String(64))
    event_type_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    fanned_out_at: Mapped[datetime | None]


class OutboxJobRow(Base):
    """One piece of side-effect work (a webhook message to one subscriber, an email...).

    Claimable when `status` is pending and `due_at` has come, or running with an expired
    `lease_until` (its dispatcher died). `message_id` stays the same across retries."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        UniqueConstraint("message_id"),
        Index("ix_outbox_jobs_status_due_at", "status", "due_at"),
        Index("ix_outbox_jobs_kind_target_id", "kind", "target", "id"),
        Index("ix_outbox_jobs_booking_uid", "booking_uid"),
        CheckConstraint(
            "status IN ('pending', 'running', 'delivered', 'failed', 'cancelled')", name="status"
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]
    booking_uid: Mapped[str | None] = mapped_column(String(64))
    schedule_key: Mapped[str | None] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_events.id", ondelete="SET NULL")
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class OutboxAttemptRow(Base):
    """One try at a job: when, how long, what answered. Never updated."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_jobs.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime]
    result: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class ReminderRow(Base):
    """A reminder of an event type (`domain.reminders.Reminder`): `offset` `unit`s before the
    start of each of its bookings. Deleting the event type or the user deletes its reminders."""

    __tablename__ = "reminders"
    __table_args__ = (
        CheckConstraint("offset_value >= 0", name="offset_value"),
        CheckConstraint("unit IN ('minutes', 'hours', 'days')", name="unit"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("send_to IN ('attendees', 'host', 'both')", name="send_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    offset_value: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    send_to: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class CalendarConnectionRow(Base):
    """A host's CalDAV account or ICS feed subscription (`domain.calendars.Connection`).
    `secret` holds the sealed password (CalDAV) or the sealed feed address (ICS)."""

    __tablename__ = "calendar_connections"
    __table_args__ = (
        CheckConstraint("kind IN ('caldav', 'ics-feed')", name="kind"),
        CheckConstraint("consecutive_failures >= 0", name="consecutive_failures"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    username: Mapped[str | None] = mapped_column(String(255))
    secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer)


class ConnectedCalendarRow(Base):
    """One calendar of a connection: busy (its events block time) and/or the destination of
    new bookings (`uq_connected_calendars_destination`: at most one per host)."""

    __tablename__ = "connected_calendars"
    __table_args__ = (
        UniqueConstraint("connection_id", "external_id"),
        Index(
            "uq_connected_calendars_destination",
            "owner_id",
            unique=True,
            sqlite_where=text("is_destination"),
            postgresql_where=text("is_destination"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_connections.id", ondelete="CASCADE")
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str] = mapped_column(String(255))
    is_busy: Mapped[bool] = mapped_column(Boolean)
    is_destination: Mapped[bool] = mapped_column(Boolean)
    read_only: Mapped[bool] = mapped_column(Boolean)


class PublishedFeedRow(Base):
    """A host's secret ICS address; only the SHA-256 of its token is kept."""

    __tablename__ = "published_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    free_busy_only: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
