"""Rendering an email job's spec into a subject, a plain-text part, an HTML part and an invite.

Owns: `render_email` and `RenderedEmail`. The spec is what `services.notifications` put in the
job (`notice`, `to`, `booking` = the Cal.com booking payload as it was, `invite`, `links`,
`brandColor`, `stamp`, and `reminder` or `webhook`). Times are shown in the recipient's own
zone, the zone named (`Asia/Kolkata (IST)`), dates in the recipient's language (Babel).
Templates (`templates/email.html`, `email.txt`) are Jinja2 with autoescaping for HTML: every
attendee-provided string is escaped there; the text part is not HTML. No external images.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from calendula.domain.notifications import Method, Notice, Role
from calendula.domain.reminders import fill_variables
from calendula.integrations.mail.invites import build_invite, parse_instant
from calendula.integrations.mail.texts import (
    HEADINGS,
    INTROS,
    LABELS,
    SUBJECTS,
    catalogue,
    locale_for,
)

DEFAULT_BRAND = "#4f46e5"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_HIDDEN_RESPONSES = frozenset({"name", "email", "guests", "location", "attendeePhoneNumber"})


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    invite: bytes | None = None
    method: Method | None = None


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("calendula.integrations.mail", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


class _Words:
    """Translation for one recipient's language."""

    def __init__(self, language: str) -> None:
        self._t = catalogue(language)

    def __call__(self, text: str, **values: str) -> str:
        translated = self._t.gettext(text) if text else ""
        return translated % values if values else translated


def render_email(spec: Mapping[str, Any]) -> RenderedEmail:
    notice = Notice(spec["notice"])
    to = spec["to"]
    language = str(to.get("language") or "en")
    words = _Words(language)
    if notice is Notice.WEBHOOK_DISABLED:
        context = _webhook_context(spec, words)
    else:
        context = _booking_context(spec, notice, words)
    context |= {"lang": language.split("-")[0], "brand_color": _brand(spec.get("brandColor"))}
    env = _environment()
    html = env.get_template("email.html").render(context)
    text = env.get_template("email.txt").render(context)
    invite, method = _invite(spec, context.get("description", ""))
    return RenderedEmail(_one_line(context["subject"]), text, html, invite, method)


def _booking_context(spec: Mapping[str, Any], notice: Notice, words: _Words) -> dict[str, Any]:
    to, booking, links = spec["to"], spec["booking"], spec.get("links") or {}
    role = Role(to.get("role") or "attendee")
    zone = _zone(str(to.get("timeZone") or "UTC"))
    locale = locale_for(str(to.get("language") or "en"))
    start, end = parse_instant(booking["startTime"]), parse_instant(booking["endTime"])
    organizer = str((booking.get("organizer") or {}).get("name") or "")
    attendees = [a for a in booking.get("attendees") or [] if isinstance(a, Mapping)]
    first = str(attendees[0].get("name") or "") if attendees else ""
    title = str(booking.get("title") or "")
    local_date = format_date(start.astimezone(zone), "full", locale=locale)
    local_time = format_time(start.astimezone(zone), "short", locale=locale)
    values = {
        "name": str(to.get("name") or ""),
        "organizer": organizer,
        "attendee": first,
        "title": title,
        "date": f"{local_date} {local_time}",
        "notes": str(booking.get("additionalNotes") or ""),
    }
    location = str(booking.get("location") or "")
    rows: list[dict[str, Any]] = [
        _row(words(LABELS["what"]), title),
        _row(words(LABELS["when"]), _span(start, end, zone, locale)),
    ]
    if notice is Notice.RESCHEDULED and booking.get("rescheduleStartTime"):
        previous = _span(
            parse_instant(booking["rescheduleStartTime"]),
            parse_instant(booking.get("rescheduleEndTime") or booking["rescheduleStartTime"]),
            zone,
            locale,
        )
        rows.append(_row(words(LABELS["previous"]), previous, strike=True))
    rows.append(_row(words(LABELS["zone"]), _zone_name(zone, start)))
    rows.append(_location_row(words, location))
    people = _people(booking, role, to, words, spec.get("guests"))
    rows.append(_row(words(LABELS["who"]), *people))
    reason = booking.get("cancellationReason") or booking.get("rejectionReason")
    if reason and notice in (Notice.CANCELLED, Notice.DECLINED, Notice.SEAT_CANCELLED):
        rows.append(_row(words(LABELS["reason"]), str(reason)))
    variables = _variables(values, local_date, local_time, zone, start, location, links)
    reminder = spec.get("reminder") or {}
    if notice is Notice.REMINDER:
        subject = fill_variables(str(reminder.get("subject") or ""), variables)
        paragraphs = fill_variables(str(reminder.get("body") or ""), variables).split("\n\n")
    else:
        key = (notice, role) if (notice, role) in SUBJECTS else (notice, None)
        subject = words(SUBJECTS[key], **values)
        paragraphs = []
        if notice is Notice.REQUEST_RECEIVED and links.get("confirm"):
            paragraphs = [words(LABELS["decide"])]
    invite = spec.get("invite")
    return {
        "subject": subject,
        "heading": words(HEADINGS[notice]),
        "intro": words(INTROS[notice], **values) if INTROS[notice] else "",
        "paragraphs": [p.strip() for p in paragraphs if p.strip()],
        "rows": rows,
        "answers": _answers(booking) if notice is not Notice.REMINDER else [],
        "answers_label": words(LABELS["answers"]),
        "buttons": _buttons(notice, links, words),
        "invite_note": words(LABELS["invite_note"]) if invite else "",
        "footer": words(LABELS["footer"], organizer=organizer),
        "description": _description(title, organizer, links, words),
    }


def _webhook_context(spec: Mapping[str, Any], words: _Words) -> dict[str, Any]:
    webhook = spec.get("webhook") or {}
    name = str(spec["to"].get("name") or "")
    return {
        "subject": words(SUBJECTS[(Notice.WEBHOOK_DISABLED, None)]),
        "heading": words(HEADINGS[Notice.WEBHOOK_DISABLED]),
        "intro": words(INTROS[Notice.WEBHOOK_DISABLED], name=name),
        "paragraphs": [],
        "rows": [
            _row(words(LABELS["webhook"]), str(webhook.get("subscriberUrl") or "")),
            _row(words(LABELS["reason"]), str(webhook.get("reason") or "")),
        ],
        "answers": [],
        "answers_label": "",
        "buttons": [],
        "invite_note": "",
        "footer": words(LABELS["footer"], organizer=name),
    }


def _invite(spec: Mapping[str, Any], description: str) -> tuple[bytes | None, Method | None]:
    invite = spec.get("invite")
    if not invite:
        return None, None
    method = Method(invite["method"])
    booking, to = spec["booking"], spec["to"]
    listed = None
    hides_others = booking.get("seatsPerTimeSlot") and not booking.get("seatsShowAttendees")
    if hides_others and to.get("role") != Role.HOST.value:
        listed = [a for a in booking.get("attendees") or [] if a.get("email") == to.get("email")]
    stamp = parse_instant(str(spec.get("stamp") or booking["startTime"]))
    data = build_invite(
        booking,
        method,
        int(invite.get("sequence") or 0),
        stamp,
        description=description,
        attendees=listed,
        guests=[str(g) for g in spec.get("guests") or []],
    )
    return data, method


def _row(label: str, *lines: str, strike: bool = False, href: str = "") -> dict[str, Any]:
    return {
        "label": label,
        "lines": list(lines),
        "value": " ".join(lines),
        "strike": strike,
        "href": href,
    }


def _location_row(words: _Words, location: str) -> dict[str, Any]:
    if location.startswith(("https://", "http://")):
        return _row(words(LABELS["where"]), location, href=location)
    return _row(words(LABELS["where"]), location or words(LABELS["no_location"]))


def _people(
    booking: Mapping[str, Any],
    role: Role,
    to: Mapping[str, Any],
    words: _Words,
    spec_guests: list[Any] | None = None,
) -> list[str]:
    organizer = booking.get("organizer") or {}
    lines = [f"{organizer.get('name') or ''} ({words(LABELS['organizer'])})"]
    hides_others = booking.get("seatsPerTimeSlot") and not booking.get("seatsShowAttendees")
    guests = {str(g).lower() for g in (*_guest_list(booking), *(spec_guests or []))}
    for attendee in booking.get("attendees") or []:
        email = str(attendee.get("email") or "")
        if hides_others and role is not Role.HOST and email != to.get("email"):
            continue
        suffix = f" ({words(LABELS['guest'])})" if email.lower() in guests else ""
        lines.append(f"{attendee.get('name') or email}{suffix}")
    return lines


def _guest_list(booking: Mapping[str, Any]) -> list[Any]:
    guests = (booking.get("responses") or {}).get("guests")
    value = guests.get("value") if isinstance(guests, Mapping) else guests
    return value if isinstance(value, list) else []


def _answers(booking: Mapping[str, Any]) -> list[dict[str, str]]:
    answers = []
    for slug, answer in (booking.get("responses") or {}).items():
        if slug in _HIDDEN_RESPONSES or not isinstance(answer, Mapping):
            continue
        value = answer.get("value")
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        label = str(answer.get("label") or slug).replace("_", " ")
        answers.append({"label": label[:1].upper() + label[1:], "value": str(value)})
    return answers


def _buttons(notice: Notice, links: Mapping[str, str], words: _Words) -> list[dict[str, Any]]:
    if notice is Notice.REQUEST_RECEIVED:
        if not links.get("confirm"):  # a job queued before the host's confirm/decline pages
            return [{"label": words(LABELS["review"]), "url": links["view"], "primary": True}]
        names = [("confirm", True), ("decline", False)]
    elif notice in (Notice.CANCELLED, Notice.DECLINED, Notice.WEBHOOK_DISABLED):
        names = [("view", False)] if notice is not Notice.WEBHOOK_DISABLED else []
    else:
        names = [("reschedule", True), ("cancel", False)]
    return [
        {"label": words(LABELS[name]), "url": links[name], "primary": primary}
        for name, primary in names
        if links.get(name)
    ]


def _variables(
    values: Mapping[str, str],
    local_date: str,
    local_time: str,
    zone: ZoneInfo,
    start: datetime,
    location: str,
    links: Mapping[str, str],
) -> dict[str, str]:
    return {
        "EVENT_NAME": values["title"],
        "EVENT_DATE": local_date,
        "EVENT_TIME": local_time,
        "TIMEZONE": _zone_name(zone, start),
        "LOCATION": location,
        "ATTENDEE_NAME": values["attendee"],
        "ORGANIZER_NAME": values["organizer"],
        "ADDITIONAL_NOTES": values["notes"],
        "MEETING_URL": location if location.startswith(("https://", "http://")) else "",
        "CANCEL_URL": links.get("cancel", ""),
        "RESCHEDULE_URL": links.get("reschedule", ""),
    }


def _description(title: str, organizer: str, links: Mapping[str, str], words: _Words) -> str:
    lines = [f"{title} ({organizer})" if organizer else title]
    for name in ("reschedule", "cancel"):
        if links.get(name):
            lines.append(f"{words(LABELS[name])}: {links[name]}")
    return "\n".join(lines)


def _span(start: datetime, end: datetime, zone: ZoneInfo, locale: Any) -> str:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = format_date(local_start, "full", locale=locale)
    first = format_time(local_start, "short", locale=locale)
    last = format_time(local_end, "short", locale=locale)
    if local_end.date() != local_start.date():
        last = f"{format_date(local_end, 'full', locale=locale)} {last}"
    return f"{day}, {first} – {last}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _zone_name(zone: ZoneInfo, at: datetime) -> str:
    abbreviation = at.astimezone(zone).strftime("%Z")
    return f"{zone.key} ({abbreviation})" if abbreviation and abbreviation != zone.key else zone.key


def _brand(value: Any) -> str:
    return value if isinstance(value, str) and _COLOUR.match(value) else DEFAULT_BRAND


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_sms(spec: Mapping[str, Any]) -> str:
    """A reminder's body with its variables filled in, as one plain text (SMS)."""
    context = _booking_context(spec, Notice.REMINDER, _Words(str(spec["to"].get("language"))))
    return "\n\n".join(context["paragraphs"])
