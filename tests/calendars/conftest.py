"""Fixtures of the calendar tests (servers in tests/calendar_servers.py).

- `radicale`: a `Radicale` in a fresh folder per test, started; stopped after the test.
- `feed_server`: a `FeedServer` for ICS feed subscriptions.
- `calendar_container`: the container with private calendar targets allowed (loopback
  servers), a 3-second calendar timeout and emails written to the test's folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from calendar_servers import FeedServer, Radicale
from calendula import bootstrap


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    server = Radicale(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def calendar_container(make_container) -> bootstrap.Container:
    return make_container(calendar_allow_private_targets=True, calendar_timeout_seconds=3)
