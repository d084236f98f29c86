"""Real servers for calendar tests: Radicale (CalDAV) and an HTTP server for ICS feeds.

- `Radicale(folder)`: a Radicale server (from PyPI, `python -m radicale`) on a free loopback
  port with no authentication (any username is its own principal). `stop()` / `start()` take it
  down and bring it back on the same port with the same data. `calendar(user, cal_id)` creates
  a calendar with the `caldav` client; `events(user, cal_id)` lists its events.
- `FeedServer()`: a `http.server` thread serving `files[path] = bytes` with an ETag; it answers
  304 to a matching `If-None-Match` and records every request's headers in `requests`;
  `status_override` makes it answer that status to everything.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import caldav
import icalendar


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Radicale:
    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._config = folder / "config"
        self._config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            "[auth]\ntype = none\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[logging]\nlevel = warning\nmask_passwords = True\n"
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def client(self, user: str) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url, username=user, password="secret")

    def calendar(self, user: str, cal_id: str, name: str | None = None) -> Any:
        principal = self.client(user).principal()
        return principal.make_calendar(name=name or cal_id.title(), cal_id=cal_id)

    def events(self, user: str, cal_id: str) -> list[Any]:
        calendar = self.client(user).calendar(url=f"{self.url}{user}/{cal_id}/")
        return list(calendar.events())


class FeedServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[dict[str, str]] = []
        self.status_override: int | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append({k.lower(): v for k, v in self.headers.items()})
                if outer.status_override is not None:
                    self.send_response(outer.status_override)
                    self.end_headers()
                    return
                body = outer.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def event_ics(uid: str, start: Any, end: Any, summary: str, **props: Any) -> str:
    """One VEVENT in a VCALENDAR (props such as `transp`, `status`, `rrule` added as given)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Calendula tests//EN")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime(2026, 3, 1, tzinfo=UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    for name, value in props.items():
        event.add(name, value)
    calendar.add_component(event)
    return str(calendar.to_ical().decode())
