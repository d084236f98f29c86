"""Write-back to a real Radicale through the outbox: book, reschedule, cancel, and a server
that is down when the write is due (the booking stands; the write lands later)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from calendula.domain.bookings import Attendee
from calendula.domain.outbox import JobStatus
from calendula.services.booking import NewBooking
from factories import make_host

NY = ZoneInfo("America/New_York")
GUEST = Attendee(name="Grace Hopper", email="grace@example.com", time_zone="Europe/London")


def ny(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=NY)


def events(radicale) -> dict[str, tuple[datetime, datetime, str]]:
    found = {}
    for event in radicale.events("ada", "work"):
        vevent = event.icalendar_component
        found[str(vevent["UID"])] = (
            vevent.decoded("DTSTART").astimezone(UTC),
            vevent.decoded("DTEND").astimezone(UTC),
            str(vevent["SUMMARY"]),
        )
    return found


def connect(container, radicale, host) -> int:
    radicale.calendar("ada", "work")
    view = container.calendars.connect_caldav(host.user.id, radicale.url, "ada", "pw")
    assert [c.is_destination for c in view.calendars] == [True]
    assert view.connection.id is not None
    return view.connection.id


def calendar_jobs(container, connection_id: int):
    with container.uow_factory() as uow:
        return uow.outbox.list_jobs("calendar", str(connection_id), 50, 0)


def test_a_booking_appears_moves_and_disappears_with_its_ical_uid(calendar_container, radicale):
    container = calendar_container
    host = make_host(container)
    connect(container, radicale, host)
    booking = container.bookings.create(
        NewBooking(start=ny(3, 10), attendee=GUEST, event_type_id=host.event_type.id)
    )
    container.dispatcher.drain()
    start = ny(3, 10).astimezone(UTC)
    assert events(radicale) == {
        booking.ics_uid: (start, start + timedelta(minutes=30), booking.title)
    }
    moved = container.bookings.reschedule(booking.uid, ny(3, 14))
    assert moved.ics_uid == booking.ics_uid and moved.uid != booking.uid
    container.dispatcher.drain()
    start, end, _ = events(radicale)[booking.ics_uid]
    assert (start, end) == (
        ny(3, 14).astimezone(UTC),
        ny(3, 14).astimezone(UTC) + timedelta(minutes=30),
    )
    assert len(events(radicale)) == 1
    container.bookings.cancel(moved.uid, reason="no longer needed")
    container.dispatcher.drain()
    assert events(radicale) == {}


def test_a_write_due_while_the_server_is_down_is_retried_and_lands(
    calendar_container, radicale, clock
):
    container = calendar_container
    host = make_host(container)
    connection_id = connect(container, radicale, host)
    booking = container.bookings.create(
        NewBooking(start=ny(4, 11), attendee=GUEST, event_type_id=host.event_type.id)
    )
    radicale.stop()
    container.dispatcher.drain()
    [(job, attempts)] = calendar_jobs(container, connection_id)
    assert job.status is JobStatus.PENDING and len(attempts) == 1
    with container.uow_factory() as uow:
        assert uow.bookings.get_by_uid(booking.uid) is not None  # the booking stands
        health = uow.calendars.get_connection(connection_id)
    assert health is not None and health.consecutive_failures == 1 and health.last_error
    radicale.start()
    clock.advance(timedelta(minutes=5))
    container.dispatcher.drain()
    [(job, attempts)] = calendar_jobs(container, connection_id)
    assert job.status is JobStatus.DELIVERED and len(attempts) == 2
    assert booking.ics_uid in events(radicale)
    with container.uow_factory() as uow:
        healed = uow.calendars.get_connection(connection_id)
    assert healed is not None and healed.consecutive_failures == 0


def test_a_pending_write_is_withdrawn_when_the_booking_is_cancelled_first(
    calendar_container, radicale
):
    container = calendar_container
    host = make_host(container)
    connection_id = connect(container, radicale, host)
    booking = container.bookings.create(
        NewBooking(start=ny(5, 11), attendee=GUEST, event_type_id=host.event_type.id)
    )
    container.dispatcher.fan_out()
    container.bookings.cancel(booking.uid, reason="changed my mind")
    container.dispatcher.drain()
    statuses = sorted(
        (job.payload["action"], job.status.value)
        for job, _ in calendar_jobs(container, connection_id)
    )
    assert statuses == [("delete", "delivered"), ("put", "cancelled")]
    assert events(radicale) == {}


def test_removing_the_connection_cancels_its_pending_writes(calendar_container, radicale):
    container = calendar_container
    host = make_host(container)
    connection_id = connect(container, radicale, host)
    container.bookings.create(
        NewBooking(start=ny(5, 14), attendee=GUEST, event_type_id=host.event_type.id)
    )
    container.dispatcher.fan_out()
    container.calendars.remove(host.user.id, connection_id)
    container.dispatcher.drain()
    [(job, _)] = calendar_jobs(container, connection_id)
    assert job.status is JobStatus.CANCELLED
    assert events(radicale) == {}
