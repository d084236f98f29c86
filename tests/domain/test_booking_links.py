"""Signed manage links: the token belongs to one uid and one secret key."""

from __future__ import annotations

from calendula.domain.booking_links import TOKEN_LENGTH, is_manage_token, manage_token

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
