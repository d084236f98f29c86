"""A real HTTP webhook receiver on loopback, for delivery tests and benchmarks.

`Receiver` runs a threaded `http.server` on 127.0.0.1 (a free port), records every complete
request (`Received`: path, headers, exact body bytes; a request cut off before its whole body
arrived, as when the sender is killed, is not a delivery and is not recorded) and answers
from a script: `plan` is a list of `Answer`s used in order (status, extra headers, delay
before answering), then `default`.
`wait_for(n)` blocks until n requests arrived. Also usable as a separate process
(`python tests/receiver.py PORT FILE`), appending one JSON line per request to FILE
(with its receipt time).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.plan: list[Answer] = []
        self.default = Answer()
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request: nothing was delivered
                    self.close_connection = True
                    return
                answer = receiver._record(self.path, dict(self.headers.items()), body)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            self.received.append(Received(path, headers, body, time.perf_counter()))
            answer = self.plan.pop(0) if self.plan else self.default
            self._lock.notify_all()
        return answer

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self._lock:
            self._lock.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    """Serve on PORT, appending `{"id", "at", "path", "body"}` per request to FILE (one line;
    `at` is the Unix time of receipt)."""
    port, path = int(sys.argv[1]), sys.argv[2]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request
                self.close_connection = True
                return
            line = json.dumps(
                {
                    "id": self.headers.get("webhook-id"),
                    "at": time.time(),
                    "path": self.path,
                    "body": body.decode(),
                }
            )
            with lock, open(path, "a") as out:
                out.write(line + "\n")
                out.flush()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
