"""`calendula calendar ...` as a user runs it: a real process against a SQLite file, with an
ICS feed served on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "calendars"
CLI = [sys.executable, "-m", "calendula"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    values["CALENDULA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    values["CALENDULA_PUBLIC_BASE_URL"] = "http://book.test"
    values["CALENDULA_CALENDAR_ALLOW_PRIVATE_TARGETS"] = "true"
    values["CALENDULA_MAIL_FOLDER"] = str(tmp_path / "mail")
    return values


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done


def test_a_feed_is_added_listed_and_removed_and_bookings_are_published(env, feed_server):
    feed_server.files["/cal.ics"] = (FIXTURES / "outlook.ics").read_bytes()
    run(env, "db", "upgrade")
    run(env, "user", "create", "ada", "--email", "ada@example.com")
    added = run(env, "calendar", "add-feed", "ada", f"{feed_server.url}/cal.ics")
    assert "ics-feed" in added.stdout and "/cal.ics" not in added.stdout
    listed = run(env, "calendar", "list", "ada")
    connection_id = listed.stdout.split()[0]
    assert run(env, "calendar", "check", "ada", connection_id).stdout.count("(ok)") == 1
    published = run(env, "calendar", "publish", "ada", "--free-busy-only")
    address = published.stdout.strip().splitlines()[-1]
    assert address.startswith("http://book.test/feeds/") and address.endswith(".ics")
    run(env, "calendar", "revoke-feed", "ada", "1")
    run(env, "calendar", "remove", "ada", connection_id)
    assert run(env, "calendar", "list", "ada").stdout.strip() == ""


def test_an_unknown_connection_is_an_error(env):
    run(env, "db", "upgrade")
    run(env, "user", "create", "ada", "--email", "ada@example.com")
    done = subprocess.run(
        [*CLI, "calendar", "remove", "ada", "99"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1 and "not found" in done.stderr
