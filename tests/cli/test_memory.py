"""What keeps `calendula serve` small: malloc arenas capped, and no adapter library imported
before it is used (docs/architecture.md, "Memory")."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from calendula import cli

LAZY = (
    "cryptography",
    "httpx",
    "icalendar",
    "recurring_ical_events",
    "babel",
    "caldav",
    "psycopg",
)
"""Libraries the server process loads on first use only (a secret, a feed, an email, a
PostgreSQL database)."""


@pytest.fixture
def no_arena_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """MALLOC_ARENA_MAX unset now and restored afterwards (the limiter writes it)."""
    monkeypatch.setenv("MALLOC_ARENA_MAX", "restored-after-the-test")
    monkeypatch.delenv("MALLOC_ARENA_MAX")


def test_the_server_imports_no_adapter_library_it_has_not_used_yet():
    code = (
        "import sys, calendula.cli, calendula.api.app; "
        f"print(sorted(n for n in {LAZY!r} if n in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert found.stdout.strip() == "[]"


def test_a_malloc_arena_max_the_user_set_is_left_alone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert cli.limit_malloc_arenas() is False
    assert cli.os.environ["MALLOC_ARENA_MAX"] == "8"


@pytest.mark.usefixtures("no_arena_setting")
def test_the_arena_limit_is_a_no_op_off_linux(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(cli.sys, "platform", "darwin")
    assert cli.limit_malloc_arenas() is False
    assert "MALLOC_ARENA_MAX" not in cli.os.environ


@pytest.mark.usefixtures("no_arena_setting")
def test_on_glibc_the_limit_applies_here_and_to_the_worker_processes():
    import platform

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc only")
    assert cli.limit_malloc_arenas(2) is True
    assert cli.os.environ["MALLOC_ARENA_MAX"] == "2"  # inherited by uvicorn's workers


def test_serve_limits_the_arenas_before_the_server_starts(monkeypatch: pytest.MonkeyPatch):
    import uvicorn

    calls: list[str] = []
    monkeypatch.setattr(cli, "limit_malloc_arenas", lambda: calls.append("arenas") or True)
    monkeypatch.setattr(cli.bootstrap, "migrate", lambda settings: calls.append("migrate"))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append("run"))
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    assert calls == ["arenas", "migrate", "run"]
