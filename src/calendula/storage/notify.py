"""Cross-process wake-ups for outbox dispatchers on PostgreSQL (LISTEN/NOTIFY).

Owns: `CHANNEL`, notified by the `outbox_events` trigger of migration 0007 (a transaction that
records events notifies at commit, never on rollback), and `PostgresListener` (a dedicated
autocommit connection that LISTENs and calls back on every notification, reconnecting after
errors). Dispatchers in other processes then start work at once instead of at their next poll;
polling stays as the safety net, so a lost notification only delays work. SQLite has no
equivalent: its dispatchers poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

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
