"""The floor of Calendula's stack on this machine: what a bare FastAPI app on uvicorn, writing
through SQLAlchemy Core and psycopg, does at 16 clients, with none of Calendula's code.

Prints one JSON object. Run as `.venv/bin/python bench/bench_stack_floor.py`; needs `wrk`
(Debian/Ubuntu: `apt-get install -y wrk`). With `CALENDULA_BENCH_DATABASE_URL` set to a
PostgreSQL server (e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`) the app writes
to a temporary database created there (and dropped afterwards); otherwise to a SQLite file.

Why: the issue's booking target (>= 300 bookings/s at 16 clients, p99 <= 50 ms) is a figure for
the whole machine. This bench tells what the same server stack reaches when a request does
almost nothing, so a booking's figures (bench_api_bookings.py) can be read against it:
- `GET /health`: an async route answering a constant envelope (no database);
- `POST /insert`: a sync route (FastAPI's thread pool, as Calendula's writes) validating a JSON
  body with pydantic and running one transaction with one INSERT ... RETURNING;
- `POST /statements10`: the same with ten statements in the transaction (five reads by primary
  key, five inserts), the count of a warm booking on PostgreSQL (docs/storage.md).
Each runs with 1 and 2 uvicorn processes (uvloop and httptools, as `calendula serve`), wrk with
16 connections for `SECONDS` seconds; the server's CPU per request comes from /proc.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from _server import (
    free_port,
    postgres_database,
    sqlite_database,
    tree_cpu_seconds,
    tree_rss_mb,
    wrk,
)

CLIENTS = 16
SECONDS = 10

APP = """
import os

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["FLOOR_DATABASE_URL"], pool_size=20, max_overflow=0)
INSERT = text("INSERT INTO floor_rows (start, name, email) VALUES (:s, :n, :e) RETURNING id")
READ = text("SELECT name FROM floor_rows WHERE id = 1")
app = FastAPI()


class Body(BaseModel):
    start: str
    name: str
    email: str


@app.get("/health")
async def health():
    return {"status": "success", "data": {"ok": True}}


@app.post("/insert", status_code=201)
def insert(body: Body):
    with engine.begin() as connection:
        row_id = connection.execute(
            INSERT, {"s": body.start, "n": body.name, "e": body.email}
        ).scalar_one()
    return {"status": "success", "data": {"id": row_id}}


@app.post("/statements10", status_code=201)
def statements10(body: Body):
    with engine.begin() as connection:
        for _ in range(5):
            connection.execute(READ).scalar_one()
        for _ in range(5):
            row_id = connection.execute(
                INSERT, {"s": body.start, "n": body.name, "e": body.email}
            ).scalar_one()
    return {"status": "success", "data": {"id": row_id}}
"""

POST = """
wrk.method = "POST"
wrk.body = '{"start": "2030-01-07T09:00:00Z", "name": "Ada Lovelace", "email": "ada@example.com"}'
wrk.headers["Content-Type"] = "application/json"
"""


def create_table(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    key = "serial PRIMARY KEY" if url.startswith("postgresql") else "INTEGER PRIMARY KEY"
    with engine.begin() as connection:
        if url.startswith("sqlite"):
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        connection.execute(
            text(f"CREATE TABLE floor_rows (id {key}, start text, name text, email text)")
        )
        connection.execute(
            text("INSERT INTO floor_rows (start, name, email) VALUES ('', 'seed', '')")
        )
    engine.dispose()


@contextmanager
def floor_server(url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="calendula-floor-") as folder:
        Path(folder, "floor_app.py").write_text(APP)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "floor_app:app",
                "--app-dir",
                folder,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={**os.environ, "FLOOR_DATABASE_URL": url},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("the floor app did not start") from None
                    time.sleep(0.1)
            yield base, process.pid
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=15)


def measure(url: str) -> dict[str, Any]:
    create_table(url)
    runs: dict[str, Any] = {}
    for workers in (1, 2):
        with floor_server(url, workers) as (base, pid):
            for route, script in (("health", ""), ("insert", POST), ("statements10", POST)):
                wrk(f"{base}/{route}", CLIENTS, 1, script, headers=())  # warm up
                before = tree_cpu_seconds(pid)
                report = wrk(f"{base}/{route}", CLIENTS, SECONDS, script, headers=())
                cpu = tree_cpu_seconds(pid) - before
                report["server_cpu_ms_per_request"] = round(
                    1000 * cpu / max(report["requests"], 1), 3
                )
                runs[f"{route}_{workers}_process{'es' if workers > 1 else ''}"] = report
            runs[f"rss_mb_{workers}_process{'es' if workers > 1 else ''}"] = tree_rss_mb(pid)
    return runs


def main() -> None:
    server_url = os.environ.get("CALENDULA_BENCH_DATABASE_URL")
    result: dict[str, Any] = {
        "bench": "stack_floor",
        "clients": CLIENTS,
        "seconds": SECONDS,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if server_url:
        with postgres_database(server_url) as url:
            result["database"] = "postgresql"
            result["runs"] = measure(url)
    else:
        with sqlite_database() as url:
            result["database"] = "sqlite"
            result["runs"] = measure(url)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
