"""The public pages through the ASGI app, on SQLite and PostgreSQL: profile, booker, the
no-JavaScript booking flow (links and a plain form post), confirmation, cancel and reschedule
links, escaping, 404s, agent pages, and that nothing served points outside this server."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from calendula.domain.booking_links import manage_token
from calendula.domain.event_types import BookingField, ConfirmationPolicy, EventType, FieldType
from factories import make_host
from tests.web.conftest import first_time_link, hidden_fields, manage_link

HOSTILE = "<script>alert(1)</script>"
TUESDAY_10_NY = "2026-03-03T15:00:00Z"


def _form(pages, path: str) -> dict[str, str]:
    page = pages.get(path)
    assert page.status_code == 200, page.text
    return hidden_fields(page.text)


def _book(pages, path: str, slot: str, **answers: str):
    sep = "&" if "?" in path else "?"
    form = {**_form(pages, f"{path}{sep}slot={slot}&date={slot[:10]}"), **answers}
    return pages.post(path, data=form)


def test_profile_lists_visible_event_types_only(pages, container, host):
    container.event_types.create(
        host.user.id,
        EventType(
            id=None,
            owner_id=host.user.id,
            slug="secret",
            title="Secret",
            length_minutes=15,
            hidden=True,
        ),
    )
    page = pages.get("/ada")
    assert page.status_code == 200
    assert "Meeting" in page.text and 'href="/ada/meet"' in page.text
    assert "Secret" not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_booker_marks_days_with_times_and_lists_the_first_days_times(pages, host):
    page = pages.get("/ada/meet?timeZone=Europe/Rome&timeFormat=24")
    assert page.status_code == 200
    assert 'data-date="2026-03-03"' in page.text and "times available" in page.text
    # Monday 2 March: 09:00 in New York is 15:00 in Rome.
    assert '<a class="time"' in page.text and ">15:00</a>" in page.text
    assert re.search(r'<span class="day" data-date="2026-03-07">7</span>', page.text)  # Saturday


def test_books_without_javascript_through_links_and_a_form_post(pages, container, host):
    day = pages.get("/ada/meet?date=2026-03-03&timeZone=America/New_York")
    time_link = first_time_link(day.text)
    assert "slot=2026-03-03T14%3A00%3A00Z" in time_link
    form_page = pages.get(time_link)
    assert 'id="book"' in form_page.text and "Tuesday, 3 March 2026, 09:00" in form_page.text
    form = {**hidden_fields(form_page.text), "name": "Grace Hopper", "email": "grace@example.com"}
    done = pages.post("/ada/meet", data=form)
    assert done.status_code == 303, done.text
    target = done.headers["location"]
    uid = target.split("/booking/")[1].split("?")[0]
    assert container.bookings.get(uid).attendees[0].name == "Grace Hopper"
    confirmation = pages.get(target)
    assert "This meeting is scheduled" in confirmation.text
    assert "Grace Hopper" in confirmation.text
    assert f"/reschedule/{uid}?token=" in confirmation.text


def test_missing_required_fields_show_every_message(pages, host):
    answer = _book(pages, "/ada/meet", TUESDAY_10_NY, name="", email="not-an-email")
    assert answer.status_code == 422
    assert "Your name is required." in answer.text
    assert "Email address" in answer.text and 'aria-invalid="true"' in answer.text


def test_a_time_taken_meanwhile_is_explained_with_the_next_free_times(pages, host):
    first = _form(pages, f"/ada/meet?slot={TUESDAY_10_NY}&date=2026-03-03")
    second = dict(first)
    ok = pages.post("/ada/meet", data={**first, "name": "One", "email": "one@example.com"})
    assert ok.status_code == 303
    late = pages.post("/ada/meet", data={**second, "name": "Two", "email": "two@example.com"})
    assert late.status_code == 409
    assert "Someone just booked that time." in late.text
    assert 'name="pick" value="2026-03-03T15:30:00Z"' in late.text
    again = pages.post(
        "/ada/meet",
        data={**second, "name": "Two", "email": "two@example.com", "pick": "2026-03-03T15:30:00Z"},
    )
    assert again.status_code == 303


def test_booking_that_needs_confirmation_says_so(pages, container):
    make_host(container, "vera", slug="vetted", confirmation=ConfirmationPolicy())
    page = pages.get(f"/vera/vetted?slot={TUESDAY_10_NY}&date=2026-03-03")
    assert "Request booking" in page.text
    done = _book(pages, "/vera/vetted", TUESDAY_10_NY, name="Ann", email="ann@example.com")
    confirmation = pages.get(done.headers["location"])
    assert "Your request was sent" in confirmation.text and "needs to confirm" in confirmation.text


def test_booking_fields_of_every_type_are_asked_and_checked(pages, container):
    fields = (
        BookingField(FieldType.NAME, "name", "Name", required=True),
        BookingField(FieldType.EMAIL, "email", "Email", required=True),
        BookingField(FieldType.PHONE, "attendeePhoneNumber", "Phone"),
        BookingField(FieldType.TEXT, "company", "Company", required=True),
        BookingField(FieldType.NUMBER, "size", "Team size"),
        BookingField(FieldType.SELECT, "topic", "Topic", options=("Sales", "Support")),
        BookingField(FieldType.MULTISELECT, "tools", "Tools", options=("A", "B")),
        BookingField(FieldType.CHECKBOX, "days", "Days", options=("Mon", "Tue")),
        BookingField(FieldType.RADIO, "level", "Level", options=("New", "Pro")),
        BookingField(FieldType.BOOLEAN, "agree", "I agree", required=True),
        BookingField(FieldType.TEXTAREA, "notes", "Notes"),
        BookingField(FieldType.MULTIEMAIL, "guests", "Guests"),
        BookingField(FieldType.URL, "site", "Website"),
    )
    make_host(container, "fay", slug="intake", booking_fields=fields)
    page = pages.get(f"/fay/intake?slot={TUESDAY_10_NY}&company=ACME&topic=Support")
    for slug in ("company", "size", "topic", "level", "agree", "site", "guests"):
        assert f'name="{slug}"' in page.text
    assert 'value="ACME"' in page.text and '<option value="Support" selected>' in page.text
    bad = _book(pages, "/fay/intake", TUESDAY_10_NY, name="Al", email="al@example.com", size="many")
    assert bad.status_code == 422
    assert "Company is required." in bad.text and "I agree is required." in bad.text
    assert "Team size" in bad.text
    good = {
        **_form(pages, f"/fay/intake?slot={TUESDAY_10_NY}"),
        "name": "Al", "email": "al@example.com", "company": "ACME", "size": "3", "topic": "Sales",
        "tools": ["A", "B"], "level": "Pro", "agree": "on",
        "guests": "g1@example.com\ng2@example.com",
        "site": "https://acme.example",
    }  # fmt: skip
    done = pages.post("/fay/intake", data=good)
    assert done.status_code == 303, done.text
    uid = done.headers["location"].split("/booking/")[1].split("?")[0]
    booking = container.bookings.get(uid)
    assert booking.responses["tools"] == ["A", "B"] and booking.responses["agree"] is True
    assert booking.guests == ("g1@example.com", "g2@example.com")


def test_duration_options_are_offered_and_booked(pages, container):
    make_host(container, "dan", slug="chat", length_minutes=30, length_options=(15, 30, 60))
    page = pages.get("/dan/chat")
    assert 'data-duration="60"' in page.text
    done = _book(pages, "/dan/chat?duration=60", TUESDAY_10_NY, name="B", email="b@example.com")
    assert done.status_code == 303, done.text
    uid = done.headers["location"].split("/booking/")[1].split("?")[0]
    assert container.bookings.get(uid).duration_minutes == 60


def test_cancel_needs_the_signed_link(pages, container, host):
    done = _book(pages, "/ada/meet", TUESDAY_10_NY, name="C", email="c@example.com")
    confirmation = pages.get(done.headers["location"])
    uid = done.headers["location"].split("/booking/")[1].split("?")[0]
    bare = pages.get(f"/booking/{uid}?cancel=true")
    assert (
        "This link cannot cancel the booking" in bare.text
        and "Cancel this booking" not in bare.text
    )
    cancel_page = pages.get(manage_link(confirmation.text, "Cancel"))
    form = hidden_fields(cancel_page.text)
    forged = pages.post(f"/booking/{uid}", data={**form, "token": "x" * 22})
    assert forged.status_code == 403
    no_csrf = pages.post(f"/booking/{uid}", data={"token": form["token"]})
    assert no_csrf.status_code == 403
    cross_site = pages.post(
        f"/booking/{uid}", data=form, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403
    assert container.bookings.get(uid).status == "accepted"
    cancelled = pages.post(f"/booking/{uid}", data={**form, "reason": "Ill"})
    assert cancelled.status_code == 303
    assert container.bookings.get(uid).status == "cancelled"
    shown = pages.get(cancelled.headers["location"])
    assert "This meeting was cancelled" in shown.text and '"bookingCancelled"' in shown.text


def test_reschedule_link_moves_the_booking_and_links_old_and_new(pages, container, host):
    done = _book(pages, "/ada/meet", TUESDAY_10_NY, name="D", email="d@example.com")
    uid = done.headers["location"].split("/booking/")[1].split("?")[0]
    token = manage_token(container.settings.secret_key, uid)
    assert pages.get(f"/reschedule/{uid}").status_code == 403
    link = f"/reschedule/{uid}?token={token}&date=2026-03-04&timeZone=America/New_York"
    page = pages.get(link)
    assert page.status_code == 200 and "Pick a new time" in page.text
    chosen = first_time_link(page.text)
    query = parse_qs(urlsplit(chosen).query)
    assert query["token"] == [token]
    form = hidden_fields(pages.get(chosen).text)
    moved = pages.post(chosen, data={**form, "rescheduleReason": "Clash"})
    assert moved.status_code == 303, moved.text
    new_uid = moved.headers["location"].split("/booking/")[1].split("?")[0]
    old, new = container.bookings.get(uid), container.bookings.get(new_uid)
    assert old.rescheduled_to_uid == new_uid and new.rescheduled_from_uid == uid
    assert new.start.isoformat().startswith("2026-03-04T14:00")
    assert "rescheduleBookingSuccessfulV2" in pages.get(moved.headers["location"]).text


def test_attendee_and_host_text_is_escaped_everywhere(pages, container):
    make_host(container, "eve", slug="x", title=HOSTILE, description=HOSTILE)
    done = _book(pages, "/eve/x", TUESDAY_10_NY, name=HOSTILE, email="e@example.com", notes=HOSTILE)
    assert done.status_code == 303, done.text
    for path in ("/eve", "/eve/x", done.headers["location"], f"/eve/x?name={HOSTILE}"):
        text = pages.get(path).text
        assert HOSTILE not in text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


def test_unknown_pages_are_404_and_api_paths_keep_their_answers(pages, host):
    assert pages.get("/nobody").status_code == 404
    assert pages.get("/ada/none").status_code == 404
    assert pages.get("/booking/unknown-uid").status_code == 404
    assert pages.get("/nobody/llms.txt").status_code == 404
    api_404 = pages.get("/v2/nothing")
    assert api_404.json()["error"]["message"] == "Cannot GET /v2/nothing"
    wrong_method = pages.post("/v2/me")  # Cal.com (Express) has no 405: an unknown route
    assert wrong_method.status_code == 404
    assert wrong_method.json()["error"]["message"] == "Cannot POST /v2/me"
    assert pages.get("/health").json()["status"] == "ok"


def test_agent_pages_describe_event_types_and_the_api(pages, container, host):
    container.event_types.create(
        host.user.id,
        EventType(
            id=None, owner_id=host.user.id, slug="hid", title="Hid", length_minutes=15, hidden=True
        ),
    )
    text = pages.get("/ada/llms.txt").text
    assert "[Meeting](http://127.0.0.1:8000/ada/meet.md) (30 min)" in text
    assert (
        "Hid" not in text
        and "/v2/slots?" in text
        and "POST http://127.0.0.1:8000/v2/bookings" in text
    )
    md = pages.get("/ada/meet.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert f"eventTypeId={host.event_type.id}" in md.text and "`email` (email, required)" in md.text


def test_embed_pages_may_be_framed_anywhere_and_normal_pages_not(pages, host):
    embedded = pages.get("/ada/meet/embed?embed=ns1")
    assert "frame-ancestors *" in embedded.headers["content-security-policy"]
    assert 'data-embed="ns1"' in embedded.text and "/static/frame.js" in embedded.text
    normal = pages.get("/ada/meet")
    assert "frame-ancestors 'self'" in normal.headers["content-security-policy"]
    assert normal.headers["x-frame-options"] == "SAMEORIGIN"
    script = pages.get("/embed/embed.js")
    assert script.headers["access-control-allow-origin"] == "*"
    assert "bookingSuccessfulV2" in pages.get("/static/booker.js").text or "Cal(" in script.text


def test_nothing_served_points_outside_this_server(pages, container, host):
    done = _book(pages, "/ada/meet", TUESDAY_10_NY, name="F", email="f@example.com")
    paths = [
        "/ada", "/ada/meet", "/ada/meet/embed", "/ada+eve", done.headers["location"],
        "/static/calendula.css", "/static/booker.js", "/static/frame.js", "/embed/embed.js",
    ]  # fmt: skip
    make_host(container, "eve")
    for path in paths:
        text = pages.get(path).text
        urls = re.findall(r"(?:https?:)?//[\w.-]+", text)
        foreign = [u for u in urls if "127.0.0.1" not in u and "w3.org" not in u]
        assert not foreign, (path, foreign)
        assert "@import" not in text and "fonts.g" not in text


def test_dynamic_group_shows_times_when_everyone_is_free(pages, container, host):
    make_host(container, "eve")
    page = pages.get("/ada+eve?timeZone=America/New_York")
    assert page.status_code == 200 and "Times when everyone is free" in page.text
    assert "09:00" in page.text
    assert pages.get("/ada+nobody").status_code == 404


def test_a_month_or_date_past_the_last_showable_month_shows_this_month(pages, host):
    # The month after 9999-12 cannot be represented: such links fall back like `month=99999-01`.
    for path in ("/ada/meet", "/ada/meet/embed"):
        for query in ("month=9999-12", "date=9999-12-31", "month=9999-12&date=9999-12-31"):
            page = pages.get(f"{path}?{query}")
            assert page.status_code == 200, (path, query, page.text)
            assert ">March 2026</h2>" in page.text and 'data-month="2026-04"' in page.text
            assert 'data-date="2026-03-03"' in page.text and "times available" in page.text


def test_the_last_showable_month_is_shown(pages, host):
    for path in ("/ada/meet", "/ada/meet/embed"):
        page = pages.get(f"{path}?month=9999-11&timeZone=Pacific/Kiritimati")
        assert page.status_code == 200, (path, page.text)
        assert ">November 9999</h2>" in page.text and 'data-month="9999-12"' in page.text


def test_a_duration_int_cannot_read_is_ignored_like_any_bad_duration(pages, container):
    make_host(container, "dan", slug="chat", length_minutes=30, length_options=(15, 30, 60))
    for path in ("/dan/chat", "/dan/chat/embed"):
        for duration in ("%C2%B2", "6%C2%B2", "9" * 5000, "abc"):
            page = pages.get(f"{path}?duration={duration}")
            assert page.status_code == 200, (path, duration, page.text)
            assert 'data-duration="30" aria-current="true"' in page.text
            assert 'name="duration" value="30"' in page.text
