"""Shared helpers of the HTTP benchmarks: temporary databases, a `calendula serve` subprocess on
loopback, `wrk` runs that report one JSON object, and the server's resident memory.

Used by bench_api_slots.py and bench_api_bookings.py (run from the repository root as
`.venv/bin/python bench/<name>.py`, so this folder is on `sys.path`). Needs `wrk`
(Debian/Ubuntu: `apt-get install -y wrk`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
CALENDULA = Path(sys.executable).with_name("calendula")
LOGS: list[str] = []
"""What each server wrote (stdout and stderr), for inspection after a run."""

WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %.4f, "p90_ms": %.4f, "p99_ms": %.4f, "max_ms": %.4f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- databases ---------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="calendula-bench-")
    try:
        yield f"sqlite:///{folder}/bench.db"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A temporary database on the server at `server_url`, dropped afterwards."""
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"calendula_bench_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# -- server ------------------------------------------------------------------------------------


@contextmanager
def server(
    database_url: str, *, workers: int = 1, env: Mapping[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """`calendula serve` with production settings and rate limiting off; yields (base URL, pid).

    The pid is the serving process with one worker; with several it is uvicorn's supervisor
    (see `tree_rss_mb`)."""
    port = free_port()
    environment = {
        **os.environ,
        "CALENDULA_DATABASE_URL": database_url,
        "CALENDULA_ENVIRONMENT": "production",
        "CALENDULA_SECRET_KEY": secrets.token_urlsafe(48),
        "CALENDULA_RATE_LIMIT_PER_MINUTE": "0",
        "CALENDULA_LOG_LEVEL": "warning",
        "CALENDULA_WORKERS": str(workers),
        **(env or {}),
    }
    # The server writes to a file, not a pipe: a full pipe would stall it.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(CALENDULA), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process, log)
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.seek(0)
            LOGS.append(log.read().decode(errors="replace"))


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"calendula serve exited: {log.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("calendula serve did not answer /health within 30 s")


# -- load and measurements ---------------------------------------------------------------------


def wrk(
    url: str,
    connections: int,
    seconds: int,
    extra_script: str = "",
    *,
    headers: Sequence[str] = ("cal-api-version: 2024-09-04",),
) -> dict[str, Any]:
    """One `wrk -t1` run; returns its report (requests, rps, errors, non2xx, latency ms)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(extra_script + WRK_REPORT)
    header_args = [arg for header in headers for arg in ("-H", header)]
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                *header_args,
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        )
    finally:
        os.unlink(script.name)
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["rps"] = round(report["requests"] / report["seconds"], 1)
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in report.items()}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def tree_pids(pid: int) -> list[int]:
    """`pid` and all its descendants (the workers of a multi-worker server)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            pending.extend(int(child) for child in children.read_text().split())
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants."""
    return round(sum(rss_mb(each) for each in tree_pids(pid)), 1)


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its live descendants."""
    ticks = 0
    for each in tree_pids(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
