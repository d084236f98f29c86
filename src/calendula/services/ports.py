"""Ports: the small interfaces services need from the outside world.

Storage (`calendula.storage`) and integrations implement these; tests may pass their own
implementations of the same Protocols. Each method's docstring is its contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from calendula.domain.accounts import ApiKey, User
from calendula.domain.bookings import Attendee, Booking, BookingStatus, ListStatus, SlotHold
from calendula.domain.calendars import (
    Connection,
    ConnectionKind,
    DiscoveredCalendar,
    PublishedFeed,
    RemoteCalendar,
)
from calendula.domain.event_types import EventType
from calendula.domain.intervals import Interval
from calendula.domain.outbox import Attempt, Job, JobStatus, NewJob, OutboxEvent
from calendula.domain.reminders import Reminder
from calendula.domain.schedules import Schedule
from calendula.domain.webhooks import Trigger, Webhook


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> User:
        """Insert; returns the user with `id` and `created_at` set.
        Raises `Conflict` naming `username` or `email` when either is taken."""
        ...

    def get(self, user_id: int) -> User | None: ...

    def get_by_username(self, username: str) -> User | None: ...

    def list_by_usernames(self, usernames: Sequence[str]) -> list[User]:
        """The users found, in the order of `usernames`; unknown names are skipped."""
        ...

    def update(self, user: User) -> User:
        """Persist every field of `user` (matched by id). Raises `NotFound`, `Conflict`."""
        ...


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> ApiKey: ...

    def get_by_hash(self, hashed_key: str) -> ApiKey | None: ...

    def touch(self, key_id: int, when: datetime) -> None:
        """Record `when` as the key's last use."""
        ...

    def delete(self, key_id: int) -> None: ...


class ScheduleRepository(Protocol):
    def add(self, schedule: Schedule) -> Schedule:
        """Insert with its weekly hours and overrides; returns it with `id` set."""
        ...

    def get(self, schedule_id: int) -> Schedule | None: ...

    def list_for_owner(self, owner_id: int) -> list[Schedule]:
        """The owner's schedules ordered by id."""
        ...

    def update(self, schedule: Schedule) -> Schedule:
        """Replace the stored schedule (hours and overrides included). Raises `NotFound`."""
        ...

    def delete(self, schedule_id: int) -> None: ...


class EventTypeRepository(Protocol):
    def add(self, event_type: EventType) -> EventType:
        """Insert; returns it with `id` set. Raises `Conflict` (field `slug`) when the owner
        already has an event type with that slug."""
        ...

    def get(self, event_type_id: int) -> EventType | None: ...

    def get_by_slug(self, owner_id: int, slug: str) -> EventType | None: ...

    def list_for_owner(self, owner_id: int) -> list[EventType]:
        """The owner's event types ordered by id."""
        ...

    def update(self, event_type: EventType) -> EventType:
        """Replace every stored field. Raises `NotFound`, `Conflict` (slug)."""
        ...

    def delete(self, event_type_id: int) -> None: ...


class SortKey(StrEnum):
    START = "start"
    END = "end"
    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class BookingFilter:
    """What `BookingRepository.search` selects; every criterion that is set must hold.

    `statuses` are OR-combined (`ListStatus` semantics, `domain.bookings.in_list_status`);
    attendee email and name match case-insensitively and exactly; `after_*` bounds are
    inclusive (`>=`), `before_*` bounds too (`<=`). `sort` lists (key, descending) pairs (empty:
    start ascending); ties are broken by id ascending. `skip` rows are skipped, then at most
    `take` returned."""

    statuses: frozenset[ListStatus] = frozenset()
    attendee_email: str | None = None
    attendee_name: str | None = None
    uid: str | None = None
    event_type_ids: tuple[int, ...] = ()
    after_start: datetime | None = None
    before_end: datetime | None = None
    after_created: datetime | None = None
    before_created: datetime | None = None
    after_updated: datetime | None = None
    before_updated: datetime | None = None
    sort: tuple[tuple[SortKey, bool], ...] = ()
    take: int = 100
    skip: int = 0


@dataclass(frozen=True, slots=True)
class BookingPage:
    """One page of a search: the bookings and how many match in all."""

    items: list[Booking]
    total: int


@dataclass(frozen=True, slots=True)
class SeriesStart:
    """One occurrence of a recurring series as the legacy list's `recurringInfo` counts it
    (`BookingRepository.list_series_starts`)."""

    recurring_booking_uid: str
    status: BookingStatus
    start: datetime


@dataclass(frozen=True, slots=True)
class BusyRow:
    """One claim on a host's time overlapping a queried window, with what the slot engine needs
    of what made it (`BookingRepository.busy_for`).

    `host_id` is busy during `blocked` (the claim: the meeting widened by its buffers). `start`
    and `end` are the meeting itself. A booking's claim names `booking_uid` and carries
    `seats_booked` (its attendee count) when it is a booking of the seated event type asked
    about; a hold's claim has no `booking_uid` and carries `hold_expires_at`."""

    host_id: int
    blocked: Interval
    start: datetime
    end: datetime
    event_type_id: int | None
    booking_uid: str | None = None
    seats_booked: int | None = None
    hold_expires_at: datetime | None = None


class BookingRepository(Protocol):
    def add(self, booking: Booking, *, last_write: bool = False) -> Booking:
        """Insert the booking with its attendees; returns it with `id` (and attendee ids) set.

        When `booking.blocks_time`, also claims `booking.blocked` for every host in
        `booking.host_ids`. The claim is the double-booking guarantee: if any host already has
        an overlapping claim (another blocking booking, or a hold: expired holds keep their claim
        until `HoldRepository.purge_expired` removes them) this raises
        `SlotUnavailable` and nothing is written. On PostgreSQL an exclusion constraint enforces
        it (its violation, and a deadlock between racing inserts, both become `SlotUnavailable`);
        on SQLite the unit of work holds the write lock and the claim is checked before insert.
        Raises `Conflict` (field `idempotencyKey`) when the idempotency key is taken.

        By default a refusal leaves the unit of work usable (the insert runs in a savepoint).
        `last_write=True` promises that the caller abandons the unit of work on a refusal
        (the create path: it raises): then no savepoint is made, two round trips fewer, and on
        PostgreSQL a refused insert leaves the transaction aborted until it is rolled back.
        """
        ...

    def get_by_uid(self, uid: str, *, for_update: bool = False) -> Booking | None:
        """The booking; `for_update` locks its row until the transaction ends (PostgreSQL)."""
        ...

    def get_by_idempotency_key(self, key: str) -> Booking | None: ...

    def get_by_seat_uid(self, seat_uid: str) -> Booking | None:
        """The booking one of whose attendees holds the seat `seat_uid`."""
        ...

    def update(self, booking: Booking) -> Booking:
        """Persist changed fields and attendees of an existing booking (matched by uid).

        Keeps the claims in step: a booking that no longer `blocks_time` releases them; one
        that newly blocks claims them (and may raise `SlotUnavailable`)."""
        ...

    def add_attendee(self, booking_uid: str, attendee: Attendee) -> Attendee:
        """Append an attendee (a seat, or a guest added later); returns it with `id` set."""
        ...

    def list_blocking(self, host_ids: Sequence[int], window: Interval) -> list[Booking]:
        """Bookings that block time for any of `host_ids` and whose blocked interval overlaps
        `window`, ordered by start."""
        ...

    def busy_for(
        self,
        host_ids: Sequence[int],
        window: Interval,
        now: datetime,
        *,
        seated_event_type_id: int | None = None,
    ) -> list[BusyRow]:
        """The claims of `host_ids` that overlap `window`: one row per host and claim, of
        blocking bookings and of holds unexpired at `now` (`now < expires_at`), ordered by
        blocked start. Bookings of `seated_event_type_id` carry their attendee count.

        What the slot engine sees busy, read in one query of plain columns: no booking or hold
        is loaded (the cheap read of the slot path and of the booking path's re-check)."""
        ...

    def list_series(self, recurring_booking_uid: str, *, for_update: bool = False) -> list[Booking]:
        """Every occurrence of a recurring series (whatever its status), ordered by start;
        `[]` for an unknown uid. `for_update` locks their rows until the transaction ends."""
        ...

    def list_series_starts(self, recurring_booking_uids: Sequence[str]) -> list[SeriesStart]:
        """Status and start of every occurrence of the given series (whatever its status),
        ordered by start; one query of plain columns, no booking loaded."""
        ...

    def list_for_event_type(
        self, event_type_id: int, window: Interval, *, active_only: bool = True
    ) -> list[Booking]:
        """Bookings of one event type starting in `window`, ordered by start (limits, seats)."""
        ...

    def search(self, host_id: int, criteria: BookingFilter, now: datetime) -> BookingPage:
        """The page of `host_id`'s bookings (those where they are among the hosts) matching
        `criteria`, with the total count of matches; `now` decides the time-based statuses.
        Filters and counts in the database."""
        ...


class HoldRepository(Protocol):
    def add(self, hold: SlotHold) -> SlotHold:
        """Insert and claim `hold.blocked` for its hosts (same guarantee as bookings).
        Raises `SlotUnavailable` when the time is already claimed."""
        ...

    def get(self, uid: str) -> SlotHold | None: ...

    def update(self, hold: SlotHold) -> SlotHold:
        """Move or extend an existing hold, re-claiming its time. Raises `SlotUnavailable`."""
        ...

    def delete(self, uid: str) -> None:
        """Remove the hold and release its claim; unknown uids are ignored."""
        ...

    def list_active(
        self, host_ids: Sequence[int], window: Interval, now: datetime
    ) -> list[SlotHold]:
        """Unexpired holds of `host_ids` whose blocked interval overlaps `window`."""
        ...

    def purge_expired(self, host_ids: Sequence[int], window: Interval, now: datetime) -> int:
        """Delete expired holds of `host_ids` overlapping `window` (releasing their claims) so
        they cannot stand in the way of a new claim. Returns how many were deleted."""
        ...


class WebhookRepository(Protocol):
    """Webhook subscriptions. `secret` is stored and returned exactly as given: the service
    hands it over sealed (`SecretBox`), so the database never holds it in clear. Lists are
    ordered by `created_at`, then `id`."""

    def add(self, webhook: Webhook) -> Webhook:
        """Insert. Raises `Conflict` (field `subscriberUrl`) when the owner (the user for a
        user webhook, the event type for an event-type webhook) already has that URL."""
        ...

    def get(self, webhook_id: str) -> Webhook | None: ...

    def list_for_owner(self, user_id: int, take: int, skip: int) -> list[Webhook]:
        """The user's own webhooks (not those of their event types): `skip`, then `take`."""
        ...

    def list_for_event_type(self, event_type_id: int, take: int, skip: int) -> list[Webhook]:
        """The event type's webhooks: `skip`, then at most `take`."""
        ...

    def update(self, webhook: Webhook) -> Webhook:
        """Persist every field (matched by id; owner and event type never change).
        Raises `NotFound`, `Conflict` (`subscriberUrl`)."""
        ...

    def delete(self, webhook_id: str) -> None:
        """Remove it; unknown ids are ignored."""
        ...

    def delete_for_event_type(self, event_type_id: int) -> int:
        """Remove every webhook of the event type; returns how many."""
        ...

    def reset_failures(self, webhook_id: str) -> None:
        """Set `consecutive_failures` to 0 (a delivery succeeded); one statement, no read."""
        ...

    def find_subscribers(
        self, owner_id: int, event_type_id: int | None, trigger: Trigger | None
    ) -> list[Webhook]:
        """Who receives `trigger` for a booking of `owner_id` (and of `event_type_id`): the
        user's webhooks and the event type's, that are active, not disabled and subscribe to
        the trigger (`Webhook.listens_to`); with `trigger` None, every active one."""
        ...


class OutboxRepository(Protocol):
    """Events, jobs and attempts (`domain.outbox`). Events are written by use cases in their
    own transaction; everything else is the dispatcher's. Never commits."""

    def add_event(self, event: OutboxEvent) -> OutboxEvent:
        """Record an event in the current transaction; returns it with `id` set."""
        ...

    def pending_events(self, limit: int) -> list[OutboxEvent]:
        """Up to `limit` events not yet fanned out, oldest first. On PostgreSQL the rows are
        locked (`FOR UPDATE SKIP LOCKED`): concurrent dispatchers take different events."""
        ...

    def mark_fanned_out(self, event_ids: Sequence[int], now: datetime) -> None: ...

    def add_jobs(self, jobs: Sequence[NewJob], now: datetime) -> None:
        """Insert pending jobs (duplicate `message_id`s are a programming error)."""
        ...

    def withdraw(self, booking_uid: str, now: datetime, reason: str) -> int:
        """Cancel the pending scheduled jobs (`schedule_key` set) of `booking_uid`; returns
        how many."""
        ...

    def has_work(self, now: datetime, kinds: Sequence[str]) -> bool:
        """Whether an event waits to be fanned out or a job of `kinds` is due: one cheap read,
        so idle dispatchers can poll often without taking the write lock."""
        ...

    def pending_schedule_keys(self, booking_uid: str) -> set[str]:
        """The `schedule_key`s of `booking_uid`'s pending scheduled jobs."""
        ...

    def claim_message(self, message_id: str, now: datetime) -> Job:
        """Claim one pending job by message id for an immediate, in-line try (a test
        delivery): running, `attempts` counted up. Raises `NotFound` if there is none."""
        ...

    def cancel_pending(self, kind: str, target: str, now: datetime, reason: str) -> int:
        """Cancel every pending job of `kind` for `target` (a subscription removed or
        disabled); returns how many."""
        ...

    def claim(
        self, now: datetime, limit: int, lease_until: datetime, kinds: Sequence[str]
    ) -> list[Job]:
        """Up to `limit` jobs of `kinds` that are due (pending with `due_at <= now`, or running
        with `lease_until < now`), oldest due first, marked running until `lease_until`, their
        `attempts` counted up. On PostgreSQL `FOR UPDATE SKIP LOCKED`: concurrent dispatchers
        never claim the same job."""
        ...

    def finish(
        self,
        job: Job,
        attempt: Attempt,
        status: JobStatus,
        now: datetime,
        due_at: datetime | None = None,
    ) -> bool:
        """Record `attempt` and move a job this dispatcher claimed (`job.attempts` as claimed)
        to `status` (`PENDING` with `due_at` to retry). Returns False, recording nothing, when
        the claim was lost (the job was claimed again after its lease expired)."""
        ...

    def finish_many(
        self,
        results: Sequence[tuple[Job, Attempt, JobStatus, datetime | None]],
        now: datetime,
    ) -> list[bool]:
        """`finish` for several jobs at once (job, attempt, status, due_at); one bool each."""
        ...

    def get_job(self, job_id: int) -> Job | None: ...

    def list_jobs(
        self, kind: str, target: str, take: int, skip: int
    ) -> list[tuple[Job, list[Attempt]]]:
        """A target's jobs, newest first, each with its attempts (oldest first)."""
        ...

    def reopen(self, job_id: int, now: datetime) -> Job | None:
        """Make a finished job pending again, due now (redelivery on request); same message
        id, earlier attempts kept. None when there is no such job."""
        ...


class ReminderRepository(Protocol):
    """Reminders of event types (`domain.reminders`). Never commits."""

    def add(self, reminder: Reminder) -> Reminder:
        """Insert; returns it with `id` and `created_at` as given."""
        ...

    def get(self, reminder_id: int) -> Reminder | None: ...

    def list_for_event_type(self, event_type_id: int) -> list[Reminder]:
        """The event type's reminders ordered by id (active or not)."""
        ...

    def update(self, reminder: Reminder) -> Reminder:
        """Persist every field (matched by id). Raises `NotFound`."""
        ...

    def delete(self, reminder_id: int) -> None: ...

    def withdraw_scheduled(self, schedule_key: str, now: datetime) -> int:
        """Cancel the pending outbox jobs scheduled under `schedule_key` (a reminder deleted
        or switched off); returns how many."""
        ...

    def withdraw_departed(self, booking_uid: str, staying: Sequence[str], now: datetime) -> int:
        """Cancel the pending reminder jobs of `booking_uid` whose target is not in `staying`
        (an attendee gave up their seat); returns how many."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. Rolls back on exit unless `commit()` was called.
    Repositories never commit."""

    users: UserRepository
    api_keys: ApiKeyRepository
    schedules: ScheduleRepository
    event_types: EventTypeRepository
    bookings: BookingRepository
    holds: HoldRepository
    webhooks: WebhookRepository
    outbox: OutboxRepository
    reminders: ReminderRepository
    calendars: CalendarRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """A new unit of work. `write=True` for transactions that will write: on SQLite it
        takes the database write lock at the start (BEGIN IMMEDIATE), which serialises writers
        and makes check-then-insert safe."""
        ...


class BusyTimeSource(Protocol):
    def busy_times(self, host_ids: Sequence[int], window: Interval) -> dict[int, list[Interval]]:
        """External calendar busy intervals per host overlapping `window`.
        Raises `BusySourceUnavailable` when a host's calendars cannot be read."""
        ...

    def reads_remote(self, host_ids: Sequence[int]) -> bool:
        """Whether `busy_times` for these hosts may wait on a calendar server. False: it
        answers from memory or the database at once (no calendar connected), so the booking
        path need not read busy times before its write transaction opens."""
        ...


class HostResolver(Protocol):
    def resolve(self, host: str) -> list[str]:
        """The IP addresses `host` resolves to, as text (`93.184.215.14`, `2606:2800::1`),
        without duplicates. An empty list when it does not resolve; never raises for that.
        Blocks for the resolver's own timeout: call it outside database transactions."""
        ...


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """How one outbound POST went. `status_code` is None when no answer came (`error` says
    why: timeout, connection refused...). `refused` means it was never sent: the address the
    host resolved to at connect time is not allowed (SSRF rule). `retry_after` is the answer's
    `Retry-After`, when it had one."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    retry_after: timedelta | None = None
    refused: bool = False


class WebhookTransport(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        """POST `body` once: short timeouts, redirects not followed, the connected address
        checked against the SSRF rule. Never raises for network trouble (see `HttpAnswer`).
        Thread-safe: the dispatcher calls it from several threads."""
        ...

    def close(self) -> None: ...


class SecretBox(Protocol):
    """Authenticated encryption of short secrets at rest (webhook signing secrets)."""

    def seal(self, plain: str) -> str:
        """An opaque, printable token for `plain`; a new token on every call."""
        ...

    def open(self, sealed: str) -> str:
        """The plain text of a token from `seal`. Raises `ValueError` when the token was
        sealed with another key (the secret key changed) or was altered."""
        ...


class RateCounter(Protocol):
    async def hit(
        self, key: str, window_seconds: int, limit: int, block_seconds: int
    ) -> tuple[int, float]:
        """Count one request for `key` in the current fixed window of `window_seconds`.
        Returns (requests counted in this window including this one, seconds until it resets).
        A count over `limit` refuses the request and blocks `key` for `block_seconds`: while
        blocked every request is refused uncounted, reported as `limit + 1` with the seconds
        left of the block. Never raises for a backend outage: an unreachable store counts
        nothing (fails open)."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class CalendarAccess:
    """What an adapter needs to reach one calendar: the connection's kind and address
    (`url`: the CalDAV server, or the ICS feed), its credentials in clear (opened from the
    `SecretBox` just before use; never logged) and the calendar (`calendar_url`, the CalDAV
    collection; the feed itself for ICS)."""

    kind: ConnectionKind
    url: str
    calendar_url: str
    username: str | None = None
    password: str | None = None


class CalendarRepository(Protocol):
    """Calendar connections, their calendars and published feeds. Never commits."""

    def add_connection(
        self, connection: Connection, calendars: Sequence[DiscoveredCalendar]
    ) -> Connection:
        """Insert the connection and its calendars (busy by default, not destinations)."""
        ...

    def get_connection(self, connection_id: int) -> Connection | None: ...

    def list_connections(self, owner_ids: Sequence[int]) -> list[Connection]:
        """The connections of `owner_ids`, ordered by id."""
        ...

    def record_health(
        self, connection_id: int, now: datetime, error: str | None = None
    ) -> Connection | None:
        """A success (`error` None: failures reset) or a failure (counted up, `error` kept).
        None when the connection is gone."""
        ...

    def delete_connection(self, connection_id: int) -> None:
        """Remove it with its calendars; unknown ids are ignored."""
        ...

    def list_calendars(self, owner_ids: Sequence[int]) -> list[RemoteCalendar]:
        """The calendars of `owner_ids`' connections, ordered by connection, then id."""
        ...

    def update_calendar(self, calendar: RemoteCalendar) -> RemoteCalendar:
        """Persist `is_busy` and `is_destination` (matched by id). Making one the destination
        first clears the owner's other destination. Raises `NotFound`."""
        ...

    def add_feed(self, feed: PublishedFeed) -> PublishedFeed: ...

    def list_feeds(self, owner_id: int) -> list[PublishedFeed]: ...

    def get_feed(self, feed_id: int) -> PublishedFeed | None: ...

    def get_feed_by_hash(self, token_hash: str) -> PublishedFeed | None: ...

    def delete_feed(self, feed_id: int) -> None: ...


class CalendarClient(Protocol):
    """Reads and writes connected calendars (CalDAV, RFC 4791; ICS feeds, RFC 5545). Every
    method raises `CalendarUnreachable` on any failure and gives up after its own timeout."""

    def discover(self, access: CalendarAccess) -> list[DiscoveredCalendar]:
        """The calendars of a CalDAV account (`access.calendar_url` unused), or the feed itself
        (an ICS feed is one calendar; it is fetched and parsed to prove it works)."""
        ...

    def busy(self, access: CalendarAccess, window: Interval, zone: str) -> list[Interval]:
        """Busy intervals of one calendar overlapping `window`: recurrences expanded,
        transparent and cancelled events left out, floating and all-day times read in `zone`
        (IANA name, the host's)."""
        ...

    def put_event(self, access: CalendarAccess, uid: str, event: Mapping[str, Any]) -> None:
        """Create or replace the event `uid` (`domain.calendars.CalendarWrite.event`)."""
        ...

    def delete_event(self, access: CalendarAccess, uid: str) -> None:
        """Delete the event `uid`; an event that is already gone is not an error."""
        ...
