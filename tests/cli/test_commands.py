"""The `calendula` command, run as a user runs it: a real process against a SQLite file."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from calendula import bootstrap
from calendula.settings import Settings

CLI = [sys.executable, "-m", "calendula"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = dict(os.environ)
    values["CALENDULA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    values["CALENDULA_PUBLIC_BASE_URL"] = "http://book.test"
    return values


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=60)


def test_demo_json_describes_the_seeded_host_and_a_working_key(env):
    first = run(env, "demo", "--json")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["username"] == "demo"
    assert [et["slug"] for et in data["eventTypes"]] == ["30min", "consultation"]
    assert all(isinstance(et["id"], int) for et in data["eventTypes"])
    assert data["bookingUrl"] == "http://book.test/demo/30min"
    assert data["apiKey"].startswith("cal_live_")

    again = json.loads(run(env, "demo", "--json").stdout)
    assert again["eventTypes"] == data["eventTypes"]
    assert again["apiKey"] != data["apiKey"]

    container = bootstrap.build(Settings(database_url=env["CALENDULA_DATABASE_URL"]))
    try:
        assert container.accounts.authenticate(data["apiKey"]).username == "demo"
    finally:
        container.close()
    db_bytes = Path(env["CALENDULA_DATABASE_URL"].removeprefix("sqlite:///")).read_bytes()
    assert data["apiKey"].encode() not in db_bytes
    assert data["apiKey"].removeprefix("cal_").encode() not in db_bytes


def test_user_and_apikey_commands_create_a_user_and_print_a_key_once(env):
    assert run(env, "db", "upgrade").returncode == 0
    created = run(
        env, "user", "create", "lin", "--email", "lin@example.com", "--time-zone", "Asia/Kathmandu"
    )
    assert created.returncode == 0, created.stderr
    key = run(env, "apikey", "create", "lin", "--days", "30")
    assert key.returncode == 0
    assert key.stdout.strip().startswith("cal_live_")


def test_user_create_names_the_bad_field(env):
    run(env, "db", "upgrade")
    bad = run(env, "user", "create", "lin", "--email", "lin@example.com", "--time-zone", "Nowhere")
    assert bad.returncode == 1
    assert "timeZone" in bad.stderr
    dup = [run(env, "user", "create", "kim", "--email", "kim@example.com") for _ in range(2)]
    assert dup[0].returncode == 0 and dup[1].returncode == 1


def test_insecure_production_settings_stop_the_command(env):
    env["CALENDULA_ENVIRONMENT"] = "production"
    result = run(env, "db", "upgrade")
    assert result.returncode == 2
    assert "CALENDULA_SECRET_KEY" in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_on_the_chosen_port(env):
    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()


def test_worker_once_delivers_what_is_due_and_a_running_worker_stops_on_sigterm(env):
    from datetime import UTC, datetime

    from calendula.domain.bookings import Attendee
    from calendula.services.booking import NewBooking
    from calendula.services.webhooks import NewWebhook
    from factories import make_host
    from receiver import Receiver

    env["CALENDULA_WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"
    assert run(env, "db", "upgrade").returncode == 0
    settings = Settings(
        database_url=env["CALENDULA_DATABASE_URL"], webhook_allow_private_targets=True
    )
    container = bootstrap.build(settings)
    with Receiver() as receiver:
        try:
            host = make_host(container)
            assert host.user.id is not None
            container.webhooks.create(
                host.user.id,
                NewWebhook(subscriber_url=receiver.url(), triggers=["BOOKING_CREATED"]),
            )
            now = datetime.now(UTC)
            start = now.replace(year=now.year + 1, month=3, day=2, hour=15, minute=0)
            container.bookings.create(
                NewBooking(
                    start=start.replace(day=2 + (7 - start.weekday()) % 7),
                    attendee=Attendee("Grace", "grace@example.com", "UTC"),
                    event_type_id=host.event_type.id,
                )
            )
        finally:
            container.close()
        once = run(env, "worker", "--once")
        assert once.returncode == 0, once.stderr
        assert "Ran" in once.stdout
        (message,) = receiver.wait_for(1)
        assert message.json()["triggerEvent"] == "BOOKING_CREATED"

    with subprocess.Popen([*CLI, "worker"], env=env, stdout=subprocess.PIPE, text=True) as worker:
        try:
            assert worker.stdout is not None
            assert "running" in worker.stdout.readline()
            worker.terminate()  # SIGTERM: the lanes finish what they hold, then exit 0
            assert worker.wait(timeout=30) == 0
        finally:
            worker.kill()
