"""Benchmark of the booking page: what a visitor's browser loads, how soon the times show, and
how many booker pages the server renders per second.

Prints one JSON object. Run as `.venv/bin/python bench/bench_pages.py`; needs `wrk`
(`apt-get install -y wrk`), Debian's Chromium at /usr/bin/chromium and the `playwright` package
(the `test` extra).

Server: `calendula serve` (production settings, one worker, rate limiting off) on a loopback
port over a temporary SQLite database, as bench/_server.py starts it. Data: a host in
America/New_York whose schedule is open around the clock, so the current month always has
times, and one 30-minute event type.

Runs:
(a) first load of `/{username}/{eventSlug}` in headless Chromium, fresh context each time
    (`RUNS` times): bytes transferred (sum of response bodies: HTML, CSS, scripts, icon;
    target <= 150 KB), requests that left loopback (target 0), and the time until the first
    day's times are visible, from navigation start (target <= 300 ms). The times are in the
    server's HTML and the CSS blocks rendering, so they are visible at the first contentful
    paint: that is `times_visible_ms`. `times_seen_by_driver_ms` is when Playwright saw them
    (its polling and round trips included). Medians.
(b) `GET /{username}/{eventSlug}` under `wrk`, 16 connections, `SECONDS` s: pages/s and
    latency (target >= 500 pages/s).
"""

from __future__ import annotations

import json
import platform
import statistics
from datetime import time as clock_time
from typing import Any
from urllib.parse import urlsplit

from _server import rss_mb, server, sqlite_database, wrk
from calendula import bootstrap
from calendula.domain.event_types import EventType
from calendula.domain.schedules import Schedule, TimeRange, Weekday, WeeklyHours
from calendula.settings import Settings

ZONE = "America/New_York"
RUNS = 7
SECONDS = 10
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def seed(database_url: str) -> None:
    settings = Settings(database_url=database_url, environment="test", secret_key="x" * 40)
    bootstrap.migrate(settings)
    container = bootstrap.build(settings)
    try:
        user = container.accounts.create_user("bench", "bench@example.com", time_zone=ZONE)
        assert user.id is not None
        weekly = tuple(
            WeeklyHours(Weekday(d), TimeRange(clock_time(0), clock_time(23, 59))) for d in range(7)
        )
        always = container.schedules.create(
            user.id, Schedule(ZONE, weekly=weekly, name="Around the clock")
        )
        container.event_types.create(
            user.id, EventType(None, user.id, "intro", "Intro call", 30, schedule_id=always.id)
        )
    finally:
        container.close()


NAVIGATION_TIMING = """() => ({
  paint: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
  response_end: performance.getEntriesByType('navigation')[0].responseEnd,
})"""


def first_loads(url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    sizes, paints, observed_times, responses, foreign = [], [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(RUNS):
            context = browser.new_context()
            page = context.new_page()
            bodies: list[int] = []
            page.on("requestfinished", lambda r, b=bodies: b.append(r.sizes()["responseBodySize"]))
            page.on("request", lambda r: foreign.append(r.url) if _far(r.url) else None)
            page.goto(url, wait_until="commit")
            page.wait_for_selector("a.time", state="attached")
            observed = page.evaluate("() => performance.now()")
            page.wait_for_load_state("load")
            timing = page.evaluate(NAVIGATION_TIMING)
            page.wait_for_timeout(200)  # late requests (the script's own) are counted too
            sizes.append(sum(bodies))
            observed_times.append(observed)
            paints.append(timing["paint"] or 0.0)
            responses.append(timing["response_end"])
            context.close()
        browser.close()
    return {
        "runs": RUNS,
        "bytes_median": statistics.median(sizes),
        "html_response_end_ms_median": round(statistics.median(responses), 1),
        "times_visible_ms_median": round(statistics.median(paints), 1),
        "times_visible_ms_max": round(max(paints), 1),
        "times_seen_by_driver_ms_median": round(statistics.median(observed_times), 1),
        "external_requests": len(foreign),
    }


def _far(url: str) -> bool:
    return urlsplit(url).hostname not in ("127.0.0.1", None)


def main() -> None:
    with sqlite_database() as database_url:
        seed(database_url)
        with server(database_url) as (base, pid):
            url = f"{base}/bench/intro"
            browser = first_loads(url)
            load = wrk(url, 16, SECONDS, headers=())
            result = {
                "benchmark": "booking pages",
                "python": platform.python_version(),
                "first_load": browser,
                "booker_16_connections": load,
                "server_rss_mb": rss_mb(pid),
                "targets": {"bytes": 150_000, "times_visible_ms": 300, "pages_per_s": 500},
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
