"""Signed links: a token belongs to one uid, one secret key and one purpose (the attendee's
manage token, the host's confirm/decline token)."""

from __future__ import annotations

from calendula.domain.booking_links import (
    TOKEN_LENGTH,
    host_token,
    is_host_token,
    is_manage_token,
    manage_token,
)

KEY = "k" * 40


def test_a_token_opens_its_own_booking_only():
    token = manage_token(KEY, "uid-one")
    assert len(token) == TOKEN_LENGTH
    assert is_manage_token(KEY, "uid-one", token)
    assert not is_manage_token(KEY, "uid-two", token)


def test_another_secret_key_or_a_missing_token_opens_nothing():
    token = manage_token(KEY, "uid-one")
    assert not is_manage_token("other" * 8, "uid-one", token)
    assert not is_manage_token(KEY, "uid-one", None)
    assert not is_manage_token(KEY, "uid-one", token[:-1])


def test_a_host_token_opens_its_own_booking_only():
    token = host_token(KEY, "uid-one")
    assert len(token) == TOKEN_LENGTH
    assert is_host_token(KEY, "uid-one", token)
    assert not is_host_token(KEY, "uid-two", token)
    assert not is_host_token("other" * 8, "uid-one", token)
    assert not is_host_token(KEY, "uid-one", None)
    assert not is_host_token(KEY, "uid-one", "")


def test_an_attendee_token_is_no_host_token_and_back():
    attendee, host = manage_token(KEY, "uid-one"), host_token(KEY, "uid-one")
    assert attendee != host
    assert not is_host_token(KEY, "uid-one", attendee)
    assert not is_manage_token(KEY, "uid-one", host)
