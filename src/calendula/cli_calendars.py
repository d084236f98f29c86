"""`calendula calendar ...`: connect, list, check, remove calendars; choose busy and destination
calendars; publish and revoke ICS feeds (docs/calendars.md). Mounted by `cli.py`.

A thin entry point like `cli.py`: parse, call `CalendarService` / `FeedService`, print. A
CalDAV password is prompted for (hidden) unless given with `--password`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from calendula import bootstrap
from calendula.domain.errors import CalendulaError, InvalidInput
from calendula.services.calendars import ConnectionView
from calendula.settings import Settings

calendar_app = typer.Typer(
    help="Calendar connections (CalDAV, ICS feeds) and published feeds.", no_args_is_help=True
)

out = Console()
err = Console(stderr=True)


@contextmanager
def _host(username: str) -> Iterator[tuple[bootstrap.Container, int]]:
    """The container and the id of USERNAME; errors printed, exit 1 (2 for configuration)."""
    try:
        settings = Settings()
    except ValueError as error:
        err.print(f"[red]Configuration error:[/red] {error}")
        raise typer.Exit(2) from None
    container = bootstrap.build(settings)
    try:
        user = container.accounts.get_user_by_username(username)
        assert user.id is not None
        yield container, user.id
    except CalendulaError as error:
        where = f" ({error.field})" if isinstance(error, InvalidInput) else ""
        err.print(f"[red]Error{where}:[/red] {error.message}")
        raise typer.Exit(1) from None
    finally:
        container.close()


def _show(view: ConnectionView) -> None:
    connection = view.connection
    state = "FLAGGED" if connection.is_flagged else "ok"
    if connection.consecutive_failures and not connection.is_flagged:
        state = f"{connection.consecutive_failures} failure(s)"
    out.print(f"[bold]{connection.id}[/bold] {connection.kind.value} {connection.url} ({state})")
    if connection.last_error:
        out.print(f"  last error: {connection.last_error}")
    for calendar in view.calendars:
        marks = [
            m
            for m, on in (("busy", calendar.is_busy), ("destination", calendar.is_destination))
            if on
        ]
        out.print(f"  - {calendar.name}: {calendar.external_id} [{', '.join(marks) or 'unused'}]")


@calendar_app.command("connect-caldav")
def connect_caldav(
    username: str,
    url: Annotated[str, typer.Option(help="CalDAV server address.")],
    login: Annotated[str, typer.Option(help="The CalDAV account's user name.")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="An app password (prompted).")
    ],
) -> None:
    """Connect USERNAME's CalDAV account: its calendars count as busy; the first receives
    new bookings unless another calendar already does."""
    with _host(username) as (container, user_id):
        _show(container.calendars.connect_caldav(user_id, url, login, password))


@calendar_app.command("add-feed")
def add_feed(username: str, url: str) -> None:
    """Subscribe USERNAME to an ICS feed (read-only: its events count as busy)."""
    with _host(username) as (container, user_id):
        for view in container.calendars.add_ics_feeds(user_id, [url]):
            _show(view)


@calendar_app.command("list")
def list_connections(username: str) -> None:
    """USERNAME's connections, their calendars and their health."""
    with _host(username) as (container, user_id):
        for view in container.calendars.connections(user_id):
            _show(view)


@calendar_app.command("check")
def check(username: str, connection_id: int) -> None:
    """Read a connection's calendars now and record how it went."""
    with _host(username) as (container, user_id):
        _show(container.calendars.check(user_id, connection_id))


@calendar_app.command("remove")
def remove(username: str, connection_id: int) -> None:
    """Remove a connection (pending calendar writes to it are cancelled)."""
    with _host(username) as (container, user_id):
        container.calendars.remove(user_id, connection_id)
        out.print(f"Removed connection {connection_id}.")


@calendar_app.command("select")
def select(
    username: str,
    connection_id: int,
    external_id: str,
    busy: Annotated[
        bool | None, typer.Option("--busy/--not-busy", help="Its events block time.")
    ] = None,
    destination: Annotated[
        bool, typer.Option("--destination", help="New bookings are written to it.")
    ] = False,
) -> None:
    """Choose whether a calendar counts as busy and whether it receives new bookings."""
    with _host(username) as (container, user_id):
        calendar = container.calendars.select(
            user_id, connection_id, external_id, busy=busy, destination=destination or None
        )
        out.print(f"{calendar.name}: busy={calendar.is_busy} destination={calendar.is_destination}")


@calendar_app.command("publish")
def publish(
    username: str,
    free_busy_only: Annotated[
        bool, typer.Option("--free-busy-only", help="Events say only 'Busy'.")
    ] = False,
    name: Annotated[str, typer.Option(help="The feed's calendar name.")] = "",
) -> None:
    """Publish USERNAME's bookings as an ICS feed; prints its secret address once."""
    with _host(username) as (container, user_id):
        feed, address = container.calendar_feeds.create(
            user_id, free_busy_only=free_busy_only, name=name
        )
        out.print(f"Feed {feed.id}:")
        typer.echo(address)


@calendar_app.command("revoke-feed")
def revoke_feed(username: str, feed_id: int) -> None:
    """Revoke a published feed: its address stops working."""
    with _host(username) as (container, user_id):
        container.calendar_feeds.revoke(user_id, feed_id)
        out.print(f"Revoked feed {feed_id}.")
