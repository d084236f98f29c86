"""The words of every email, in one gettext catalogue per language.

Owns: the English source texts (`SUBJECTS`, `HEADINGS`, `INTROS`, `LABELS`), `catalogue(language)`
(the translations for a language: `locale/<lang>/LC_MESSAGES/messages.po`, compiled in memory
with Babel on first use; English, the source language, needs none) and `locale_for(language)`.
Texts are `%(name)s` templates; values are filled in after translation. A missing language or
a missing translation falls back to English. To add a language, copy `locale/de` to
`locale/<code>` and translate its `msgstr`s (docs/notifications.md).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from calendula.domain.notifications import Notice, Role

LOCALE_DIR = Path(__file__).parent / "locale"


def N_(text: str) -> str:
    """Marks `text` for the catalogue; it is translated later, where the language is known."""
    return text


# Subjects: (notice, role) first, then (notice, None) for every role.
SUBJECTS: dict[tuple[Notice, Role | None], str] = {
    (Notice.CONFIRMED, None): N_("Confirmed: %(title)s on %(date)s"),
    (Notice.NEW_BOOKING, None): N_("New booking: %(title)s on %(date)s"),
    (Notice.REQUEST_SENT, None): N_("Request sent: %(title)s on %(date)s"),
    (Notice.REQUEST_RECEIVED, None): N_("Action needed: confirm %(title)s on %(date)s"),
    (Notice.RESCHEDULED, None): N_("Rescheduled: %(title)s is now on %(date)s"),
    (Notice.CANCELLED, None): N_("Cancelled: %(title)s on %(date)s"),
    (Notice.SEAT_CANCELLED, None): N_("A seat was given up: %(title)s on %(date)s"),
    (Notice.DECLINED, None): N_("Declined: %(title)s on %(date)s"),
    (Notice.WEBHOOK_DISABLED, None): N_("A webhook was switched off"),
}

HEADINGS: dict[Notice, str] = {
    Notice.CONFIRMED: N_("Your booking is confirmed"),
    Notice.NEW_BOOKING: N_("New booking"),
    Notice.REQUEST_SENT: N_("Your request was sent"),
    Notice.REQUEST_RECEIVED: N_("New booking request"),
    Notice.RESCHEDULED: N_("The booking was rescheduled"),
    Notice.CANCELLED: N_("The booking was cancelled"),
    Notice.SEAT_CANCELLED: N_("An attendee gave up their seat"),
    Notice.DECLINED: N_("Your booking request was declined"),
    Notice.REMINDER: N_("Reminder"),
    Notice.WEBHOOK_DISABLED: N_("A webhook was switched off"),
}

INTROS: dict[Notice, str] = {
    Notice.CONFIRMED: N_("Hi %(name)s, your meeting with %(organizer)s is booked."),
    Notice.NEW_BOOKING: N_("Hi %(name)s, %(attendee)s booked a meeting with you."),
    Notice.REQUEST_SENT: N_(
        "Hi %(name)s, %(organizer)s needs to confirm this booking. You will get another "
        "email when they do."
    ),
    Notice.REQUEST_RECEIVED: N_(
        "Hi %(name)s, %(attendee)s asked for a meeting. It is not booked until you confirm it."
    ),
    Notice.RESCHEDULED: N_("Hi %(name)s, the meeting moved to a new time."),
    Notice.CANCELLED: N_("Hi %(name)s, this meeting will not take place."),
    Notice.SEAT_CANCELLED: N_("Hi %(name)s, one attendee gave up their seat; the event stands."),
    Notice.DECLINED: N_("Hi %(name)s, %(organizer)s could not accept this booking."),
    Notice.REMINDER: "",
    Notice.WEBHOOK_DISABLED: N_(
        "Hi %(name)s, Calendula stopped sending to one of your webhooks because its "
        "deliveries kept failing. Fix the receiver, then switch the webhook on again."
    ),
}

LABELS: dict[str, str] = {
    "what": N_("What"),
    "when": N_("When"),
    "previous": N_("Previously"),
    "zone": N_("Time zone"),
    "where": N_("Where"),
    "who": N_("Who"),
    "organizer": N_("organizer"),
    "guest": N_("guest"),
    "reason": N_("Reason"),
    "answers": N_("Answers"),
    "reschedule": N_("Reschedule"),
    "cancel": N_("Cancel"),
    "confirm": N_("Confirm"),
    "decline": N_("Decline"),
    "view": N_("View booking"),
    "review": N_("Review the request"),
    "decide": N_(
        "Confirm or decline it with the links below; the attendee hears from us either way."
    ),
    "webhook": N_("Webhook"),
    "invite_note": N_("The calendar invite is attached."),
    "footer": N_("Sent by Calendula on behalf of %(organizer)s."),
    "no_location": N_("To be announced"),
}


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    """The translations for `language` (`de`, `pt-BR`...), or English."""
    for code in _candidates(language):
        po = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
        if po.is_file():
            with po.open("rb") as source:
                catalog = read_po(source, locale=code)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


@cache
def locale_for(language: str) -> Locale:
    """The Babel locale for dates and times in `language`, English when unknown."""
    for code in _candidates(language):
        try:
            return Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en")


def _candidates(language: str) -> list[str]:
    code = (language or "en").replace("-", "_")
    return [code, code.split("_")[0]] if "_" in code else [code]
