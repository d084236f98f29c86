"""Cross-process wake-ups for outbox dispatchers: LISTEN/NOTIFY on PostgreSQL, a file probe on
SQLite.

Owns: `CHANNEL`, notified by the `outbox_events` trigger of migration 0007 (a transaction that
records events notifies at commit, never on rollback), and `PostgresListener` (a dedicated
autocommit connection that LISTENs and calls back on every notification, reconnecting after
errors). Dispatchers in other processes then start work at once instead of at their next poll;
polling stays as the safety net, so a lost notification only delays work. SQLite has no
equivalent: its dispatchers poll, and `SqliteFileProbe` (`sqlite_file_probe`) spares them the
query while the database files have not changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

CHANNEL = "calendula_outbox"
RETRY_SECONDS = 2.0


class PostgresListener:
    """Calls `on_notify` for each notification on `CHANNEL` until `stop` is set."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)

    def run(self, on_notify: Callable[[], None], stop: threading.Event) -> None:
        import psycopg  # here: a server on SQLite never loads the driver (about 9 MB)

        while not stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    on_notify()  # anything written while we were not listening
                    while not stop.is_set():
                        for _ in connection.notifies(timeout=0.5):
                            on_notify()
            except psycopg.Error as error:
                log.warning("outbox listener: %s; retrying", type(error).__name__)
                stop.wait(RETRY_SECONDS)


class SqliteFileProbe:
    """Tells whether a SQLite database file may have changed since the last call, from the
    sizes, times and inodes of the file and its `-wal` file (`os.stat`, no query): every
    commit in WAL mode appends to the WAL or, after a checkpoint, rewrites it.

    A dispatcher on SQLite cannot be notified of other processes' commits; it asks this every
    `poll_interval` and reads the database only when it says yes, so an idle server makes one
    outbox query a second instead of twenty. A change it misses (two commits within one tick
    of the file system's clock, leaving the same size) is found by that once-a-second read."""

    def __init__(self, database: str) -> None:
        self._files = [Path(database), Path(f"{database}-wal")]
        self._seen: list[tuple[int, int, int] | None] = []

    def __call__(self) -> bool:
        now = [_stamp(file) for file in self._files]
        changed = now != self._seen
        self._seen = now
        return changed


def _stamp(file: Path) -> tuple[int, int, int] | None:
    try:
        status = file.stat()
    except OSError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def sqlite_file_probe(database_url: str) -> SqliteFileProbe | None:
    """A probe for a SQLite database in a file; None for an in-memory one (nothing else can
    write it)."""
    database = make_url(database_url).database
    return SqliteFileProbe(database) if database and database != ":memory:" else None
