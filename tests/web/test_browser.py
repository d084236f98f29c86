"""Real-browser tests: Debian's Chromium driven by Playwright against a real uvicorn server on a
loopback port (SQLite). Skipped with a reason when /usr/bin/chromium or Playwright is missing
(`.ci/run` installs Chromium). Each test asserts that no request left this machine."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from calendula.api.app import create_app
from factories import make_host

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """SQLite only: the browser is the subject here; the pages' SQL is tested on both."""
    path = tmp_path / "calendula.db"
    path.write_bytes(_sqlite_template.read_bytes())
    return f"sqlite:///{path}"


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def server(container: Any) -> Iterator[str]:
    """The app under uvicorn on a loopback port, in a thread; yields its origin."""
    sock = _free_socket()
    config = uvicorn.Config(create_app(container), lifespan="off", log_level="warning")
    app_server = uvicorn.Server(config)
    thread = threading.Thread(target=app_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not app_server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    app_server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def other_site() -> Iterator[tuple[str, dict[str, str]]]:
    """A second origin (another loopback port) serving the HTML in `pages[path]`."""
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", pages
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context (visitor in Europe/Rome); every request must stay on loopback."""
    context = browser.new_context(timezone_id="Europe/Rome", locale="en-GB")
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    seen: list[str] = []
    dialogs: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    opened.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    opened.seen = seen  # type: ignore[attr-defined]
    yield opened
    context.close()
    foreign = [u for u in seen if urlsplit(u).hostname not in ("127.0.0.1", None)]
    assert not foreign, f"requests left loopback: {foreign}"
    assert not dialogs, f"a script ran: {dialogs}"


def shot(page: Any, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_books_with_the_keyboard_in_the_visitors_zone_then_cancels(page, server, container):
    make_host(container)
    page.goto(f"{server}/ada/meet")
    # The visitor's zone (Europe/Rome) replaces the host's, and the times follow it.
    page.wait_for_function("() => document.querySelector('#time-zone').value === 'Europe/Rome'")
    page.wait_for_selector("a.time")
    assert page.inner_text("a.time >> nth=0") == "15:00"  # 09:00 in New York
    shot(page, "1-booker")
    _tab_to(page, "a.day.available")
    page.keyboard.press("Enter")
    _tab_to(page, "a.time")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "field-name"
    assert "(Europe/Rome)" in page.inner_text("[data-summary]")
    page.keyboard.type("Grace Hopper")
    page.keyboard.press("Tab")
    page.keyboard.type("grace@example.com")
    shot(page, "2-form")
    _tab_to(page, "[data-submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/booking/**")
    assert "This meeting is scheduled" in page.inner_text("h1")
    assert "Europe/Rome" in page.inner_text(".facts")
    shot(page, "3-confirmation")
    page.click("text=Cancel")
    page.fill("#reason", "Something came up")
    page.click("button.danger")
    page.wait_for_url("**event=cancelled**")
    assert "cancelled" in page.inner_text("h1")


def test_required_fields_are_reported_and_dark_theme_applies(page, server, container):
    make_host(container)
    page.goto(f"{server}/ada/meet?theme=dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(15, 17, 21)"
    page.click("a.time >> nth=0")
    page.click("[data-submit]")
    page.wait_for_selector(".alert")
    assert "Your name is required." in page.inner_text(".alert")
    assert page.evaluate("document.activeElement.classList.contains('alert')")
    shot(page, "4-dark-errors")


def test_a_hostile_attendee_name_is_shown_as_text(page, server, container):
    make_host(container)
    hostile = "<script>alert(1)</script>"
    page.goto(f"{server}/ada/meet?name={hostile}")
    page.click("a.time >> nth=0")
    assert page.input_value("#field-name") == hostile
    page.fill("#field-email", "x@example.com")
    page.click("[data-submit]")
    page.wait_for_url("**/booking/**")
    assert hostile in page.inner_text(".facts")


def test_two_browsers_race_for_one_time_and_the_loser_is_offered_others(
    page, browser, server, container
):
    make_host(container)
    other = browser.new_context(timezone_id="America/New_York").new_page()
    for visitor in (page, other):
        visitor.goto(f"{server}/ada/meet?timeZone=America/New_York")
        visitor.click("a.time >> nth=0")
        visitor.fill("#field-name", "Racer")
    page.fill("#field-email", "one@example.com")
    other.fill("#field-email", "two@example.com")
    page.click("[data-submit]")
    page.wait_for_url("**/booking/**")
    other.click("[data-submit]")
    other.wait_for_selector("text=Someone just booked that time.")
    other.click("button[name=pick] >> nth=0")
    other.wait_for_url("**/booking/**")
    assert "This meeting is scheduled" in other.inner_text("h1")
    other.context.close()


def test_an_inline_embed_on_another_origin_books_and_resizes(page, server, other_site, container):
    make_host(container)
    origin, site = other_site
    site["/"] = (Path(__file__).parent / "embed_host.html").read_text().replace("SERVER", server)
    page.goto(origin + "/")
    page.wait_for_function("window.events.includes('linkReady')")
    frame_element = page.wait_for_selector("#cal iframe")
    page.wait_for_function("document.querySelector('#cal iframe').style.height !== '320px'")
    height = frame_element.bounding_box()["height"]
    frame = frame_element.content_frame()
    inner = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    assert abs(height - inner) <= 2 and not frame.evaluate(
        "document.documentElement.scrollHeight > window.innerHeight + 2"
    )
    frame.click("a.time >> nth=0")
    assert frame.input_value("#field-name") == "Embedded Ann"
    frame.fill("#field-email", "ann@example.com")
    frame.click("[data-submit]")
    page.wait_for_function("window.booked !== undefined")
    booked = page.evaluate("window.booked")
    assert booked["status"] == "ACCEPTED" and booked["uid"]
    assert container.bookings.get(booked["uid"]).attendees[0].name == "Embedded Ann"
    assert "__dimensionChanged" in page.evaluate("window.events")
    shot(page, "5-embed-inline")
    page.click("text=Popup")
    popup = page.wait_for_selector("[data-cal-modal] iframe")
    assert "theme=dark" in popup.get_attribute("src")
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-cal-modal]", state="detached")
    page.click("text=Book a visit")  # the floating button opens the same dialog
    page.wait_for_selector("[data-cal-modal] iframe")


def test_books_a_duration_option_then_reschedules_from_the_link(page, server, container):
    make_host(container, length_minutes=30, length_options=(30, 60))
    page.goto(f"{server}/ada/meet?timeZone=America/New_York")
    page.click("[data-duration='60']")
    page.wait_for_selector("[data-duration='60'][aria-current='true']")
    page.wait_for_function("() => !document.querySelector('.booker').hasAttribute('aria-busy')")
    page.click("a.day.available >> nth=1")
    page.click("a.time >> nth=0")
    assert "60 min" in page.inner_text(".summary")
    page.fill("#field-name", "Lin")
    page.fill("#field-email", "lin@example.com")
    page.click("[data-submit]")
    page.wait_for_url("**/booking/**")
    assert "60 min" in page.inner_text(".facts")
    old_uid = page.url.split("/booking/")[1].split("?")[0]
    page.click("text=Reschedule")
    page.wait_for_url("**/reschedule/**")
    page.click("a.day.available >> nth=2")
    page.click("a.time >> nth=0")
    page.fill("#field-rescheduleReason", "Clash")
    page.click("[data-submit]")
    page.wait_for_url("**event=booked**")
    new_uid = page.url.split("/booking/")[1].split("?")[0]
    assert new_uid != old_uid
    assert container.bookings.get(old_uid).rescheduled_to_uid == new_uid
    assert container.bookings.get(new_uid).duration_minutes == 60


AXE = Path(__file__).resolve().parents[2] / ".venv" / "node" / "node_modules" / "axe-core"


def _axe_problems(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page as `rule: target` lines."""
    page.add_script_tag(path=str(AXE / "axe.min.js"))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {node['target']}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


@pytest.mark.skipif(
    not (AXE / "axe.min.js").exists(),
    reason="needs axe-core: npm install --prefix .venv/node axe-core@4 (.ci/run does it)",
)
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_problems_on_profile_booker_form_and_confirmation(
    browser, server, container, theme
):
    make_host(container)
    context = browser.new_context(bypass_csp=True)  # axe is added as an inline script
    page = context.new_page()
    problems = {}
    page.goto(f"{server}/ada?theme={theme}")
    problems["profile"] = _axe_problems(page)
    page.goto(f"{server}/ada/meet?theme={theme}")
    problems["booker"] = _axe_problems(page)
    page.click("a.time >> nth=0")
    page.click("[data-submit]")  # with the error messages shown
    page.wait_for_selector(".alert")
    problems["form"] = _axe_problems(page)
    page.fill("#field-name", "Axe")
    page.fill("#field-email", "axe@example.com")
    page.click("[data-submit]")
    page.wait_for_url("**/booking/**")
    problems["confirmation"] = _axe_problems(page)
    context.close()
    assert problems == {"profile": [], "booker": [], "form": [], "confirmation": []}


def test_books_a_dynamic_group_in_the_visitors_zone(page, server, container):
    ada, eve = make_host(container), make_host(container, "eve")
    page.goto(f"{server}/ada+eve")
    page.click("text=open the calendar")
    page.wait_for_function("() => document.querySelector('#time-zone').value === 'Europe/Rome'")
    page.wait_for_selector("a.time")
    assert page.inner_text("a.time >> nth=0") == "15:00"  # 09:00 in New York for both
    page.click("[data-duration='60']")
    page.wait_for_function("() => document.querySelector('[data-duration-input]').value === '60'")
    page.click("a.time >> nth=0")
    assert "Ada + Eve" in page.inner_text(".summary")
    page.fill("#field-name", "Grace Hopper")
    page.fill("#field-email", "grace@example.com")
    page.click("[data-submit]")
    page.wait_for_url("**/booking/**")
    assert "This meeting is scheduled" in page.inner_text("h1")
    facts = page.inner_text(".facts")
    assert "Ada" in facts and "Eve" in facts
    uid = urlsplit(page.url).path.split("/booking/")[1]
    booking = container.bookings.get(uid)
    assert booking.host_ids == (ada.user.id, eve.user.id) and booking.duration_minutes == 60
    assert any("usernames=ada%2Ceve" in url for url in page.seen)
    shot(page, "6-dynamic-group")
