"""Command line (Typer): serve, worker, db upgrade, user create, apikey create, demo.

A thin entry point: parse arguments, call `bootstrap` and one service, print the result.
The reference in docs/cli.md is generated from this module's `--help` (see tests/cli).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console

from calendula import bootstrap
from calendula.cli_calendars import calendar_app
from calendula.domain.errors import CalendulaError, InvalidInput
from calendula.settings import Settings

app = typer.Typer(
    help="Calendula: self-hostable scheduling with a Cal.com API v2 compatible API.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")
app.add_typer(calendar_app, name="calendar")

out = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as error:
        err.print(f"[red]Configuration error:[/red] {error}")
        raise typer.Exit(2) from None


M_ARENA_MAX = -8
"""glibc's `mallopt` parameter for the most malloc arenas (malloc.h)."""
MALLOC_ARENAS = 2
"""Arenas a server or worker process uses unless MALLOC_ARENA_MAX says otherwise. glibc's own
limit is 8 per core; with the server's threads each arena grows and keeps its own free memory
(see "Memory" in docs/architecture.md)."""


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas at `arenas` for this process, and (through MALLOC_ARENA_MAX)
    for the worker processes it starts; call it before any thread starts. A no-op returning
    False when MALLOC_ARENA_MAX is set already (glibc applied the user's value at start) or
    the C library is not glibc (macOS, musl)."""
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 (only glibc has it)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)
    return bool(mallopt(M_ARENA_MAX, arenas))


def _fail(error: CalendulaError) -> typer.Exit:
    where = f" ({error.field})" if isinstance(error, InvalidInput) else ""
    err.print(f"[red]Error{where}:[/red] {error.message}")
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (CALENDULA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CALENDULA_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (CALENDULA_WORKERS).")] = None,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first.")] = True,
) -> None:
    """Run the HTTP server."""
    import uvicorn

    limit_malloc_arenas()
    settings = _settings()
    if migrate:
        bootstrap.migrate(settings)
    uvicorn.run(
        "calendula.api.app:app_factory",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
        access_log=False,
    )


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option(help="Deliver what is due now, then exit (cron, tests).")
    ] = False,
) -> None:
    """Deliver webhooks and other outbox work until stopped (SIGTERM or Ctrl-C).

    Run as many as you like beside `serve` (then set CALENDULA_OUTBOX_INLINE=false): they
    never send the same attempt twice."""
    import signal

    limit_malloc_arenas()
    settings = _settings()
    container = bootstrap.build(settings)
    bootstrap.configure_logging(settings)
    try:
        if once:
            ran = container.dispatcher.drain()
            out.print(f"Ran {ran} outbox jobs.")
            return
        signal.signal(signal.SIGTERM, lambda *_: container.dispatcher.request_stop())
        out.print("Outbox worker running; Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            container.dispatcher.run_forever()
    finally:
        container.close()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest revision."""
    settings = _settings()
    bootstrap.migrate(settings)
    out.print("Database is up to date.")


@user_app.command("create")
def user_create(
    username: str,
    email: Annotated[str, typer.Option(help="The user's email address.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    time_zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin.")] = "UTC",
) -> None:
    """Create a user with a Monday-Friday 09:00-17:00 default schedule."""
    container = bootstrap.build(_settings())
    try:
        user = container.accounts.create_user(username, email, time_zone=time_zone, name=name)
    except CalendulaError as error:
        raise _fail(error) from None
    finally:
        container.close()
    out.print(f"Created user {user.username} (id {user.id}).")


@apikey_app.command("create")
def apikey_create(
    username: str,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Create an API key for USERNAME and print it once (only its hash is stored)."""
    container = bootstrap.build(_settings())
    try:
        user = container.accounts.get_user_by_username(username)
        expires = datetime.now(UTC) + timedelta(days=days) if days else None
        assert user.id is not None
        _, key = container.accounts.create_api_key(user.id, name=name, expires_at=expires)
    except CalendulaError as error:
        raise _fail(error) from None
    finally:
        container.close()
    typer.echo(key)


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Seed a demo host with a schedule, two event types and a new API key."""
    settings = _settings()
    bootstrap.migrate(settings)
    container = bootstrap.build(settings)
    try:
        from calendula.services.demo import seed_demo

        data = seed_demo(container.accounts, container.event_types)
    finally:
        container.close()
    base = settings.public_base_url
    username = data.user.username
    event_types = [
        {"id": et.id, "slug": et.slug, "title": et.title, "lengthInMinutes": et.length_minutes}
        for et in data.event_types
    ]
    result = {
        "apiKey": data.api_key,
        "username": username,
        "eventTypes": event_types,
        "bookingUrl": f"{base}/{username}/{data.event_types[0].slug}",
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    out.print(f"Demo host [bold]{username}[/bold] is ready.")
    for et in event_types:
        out.print(f"  event type {et['id']}: {et['slug']} ({et['lengthInMinutes']} min)")
    out.print(f"  API key (shown once): [bold]{data.api_key}[/bold]")
    out.print(f"  Server: {base}  (health: {base}/health)")


def main() -> None:
    app()
