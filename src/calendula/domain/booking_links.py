"""Signed links that let an attendee manage one booking (cancel it or pick a new time), and
that let its host confirm or decline a request.

Owns: `manage_token` / `is_manage_token` (the attendee's) and `host_token` / `is_host_token`
(the host's, for `/booking/{uid}/confirm|decline`: signed under another purpose, so neither
token works as the other). A booking uid is 128 random bits and is the
attendee's link to *see* a booking (as in Cal.com); to *change* it through the booking pages the
link must also carry `token`, an HMAC-SHA256 of the uid under the instance's secret key. So
knowing a uid (a webhook consumer, a calendar entry, a forwarded confirmation page) is not
enough to cancel someone else's booking from the pages, and no state needs storing: rotating
the secret key revokes every link. The secret is a parameter; nothing here reads settings.
Imports only the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_PURPOSE = b"calendula:manage-booking:v1:"
_HOST_PURPOSE = b"calendula:host-booking:v1:"
TOKEN_LENGTH = 22
"""Characters of a token: 132 bits of the HMAC, URL-safe base64."""


def _sign(purpose: bytes, secret_key: str, uid: str) -> str:
    digest = hmac.new(secret_key.encode(), purpose + uid.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def _matches(expected: str, token: str | None) -> bool:
    if not token or len(token) != TOKEN_LENGTH:
        return False
    return hmac.compare_digest(expected, token)


def manage_token(secret_key: str, uid: str) -> str:
    """The token that, with `uid`, lets its holder cancel or reschedule that booking."""
    return _sign(_PURPOSE, secret_key, uid)


def is_manage_token(secret_key: str, uid: str, token: str | None) -> bool:
    """Whether `token` is `uid`'s manage token (compared in constant time)."""
    return _matches(manage_token(secret_key, uid), token)


def host_token(secret_key: str, uid: str) -> str:
    """The token that, with `uid`, lets its holder (the host, by email) confirm or decline
    that booking request. Not a manage token, and a manage token is not one."""
    return _sign(_HOST_PURPOSE, secret_key, uid)


def is_host_token(secret_key: str, uid: str, token: str | None) -> bool:
    """Whether `token` is `uid`'s host token (compared in constant time)."""
    return _matches(host_token(secret_key, uid), token)
