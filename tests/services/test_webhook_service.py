"""WebhookService with its adapters: the system resolver, the Fernet secret box (how its key is
derived), secrets sealed under another key, re-enabling, and the order of the checks."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import logging

import pytest

from calendula.domain.errors import InvalidInput, NotFound
from calendula.integrations.host_resolver import SystemResolver
from calendula.integrations.secret_box import FernetSecretBox, derive_fernet_key
from calendula.services.webhooks import NewWebhook, WebhookPatch, WebhookService
from factories import FakeResolver

SECRET = "signing-secret-for-tests"


def service(container, clock, resolver=None, box=None, **options) -> WebhookService:
    return WebhookService(
        container.uow_factory,
        clock,
        resolver or FakeResolver(),
        box or FernetSecretBox("x" * 40),
        **options,
    )


def new(url: str = "https://hooks.example.com/a", **fields) -> NewWebhook:
    return NewWebhook(subscriber_url=url, triggers=["BOOKING_CREATED"], **fields)


def test_the_system_resolver_answers_loopback_for_localhost_and_addresses_as_is():
    resolver = SystemResolver()
    assert "127.0.0.1" in resolver.resolve("localhost")
    assert resolver.resolve("127.0.0.1") == ["127.0.0.1"]
    assert resolver.resolve("no-such-host.invalid") == []


@pytest.mark.parametrize("url", ["http://localhost:8000/hook", "http://127.0.0.1/hook"])
def test_with_the_system_resolver_loopback_targets_are_refused(container, clock, host, url):
    webhooks = service(container, clock, resolver=SystemResolver())
    with pytest.raises(InvalidInput) as caught:
        webhooks.create(host.user.id, new(url))
    assert caught.value.field == "subscriberUrl"
    assert "127.0.0.1" in caught.value.message


def test_the_fernet_key_is_hkdf_sha256_of_the_secret_key_without_salt():
    secret_key = "k" * 40
    prk = hmac.new(b"\x00" * 32, secret_key.encode(), hashlib.sha256).digest()  # RFC 5869
    okm = hmac.new(prk, b"calendula/secret-box/v1\x01", hashlib.sha256).digest()
    assert derive_fernet_key(secret_key) == base64.urlsafe_b64encode(okm)


def test_the_box_seals_differently_each_time_and_only_its_key_opens():
    box = FernetSecretBox("x" * 40)
    first, second = box.seal(SECRET), box.seal(SECRET)
    assert first != second and SECRET not in first
    assert box.open(first) == box.open(second) == SECRET
    with pytest.raises(ValueError):
        FernetSecretBox("z" * 40).open(first)
    with pytest.raises(ValueError):
        box.open(first[:-4] + "AAAA")
    assert "x" * 40 not in repr(box)


def test_a_secret_sealed_under_an_old_key_reads_as_none_and_survives_other_changes(
    container, clock, host, caplog
):
    old = service(container, clock, box=FernetSecretBox("old" * 14))
    created = old.create(host.user.id, new(secret=SECRET))
    rotated = service(container, clock, box=FernetSecretBox("new" * 14))
    caplog.set_level(logging.WARNING)
    assert rotated.get(host.user.id, created.id).secret is None
    assert created.id in caplog.text and SECRET not in caplog.text
    rotated.update(host.user.id, created.id, WebhookPatch(active=False))
    assert old.get(host.user.id, created.id).secret == SECRET  # the stored token is intact
    rotated.update(host.user.id, created.id, WebhookPatch(secret="fresh"))
    assert rotated.get(host.user.id, created.id).secret == "fresh"


def test_an_empty_secret_means_no_secret(container, clock, host):
    created = service(container, clock).create(host.user.id, new(secret=""))
    assert created.secret is None


def test_re_enabling_a_webhook_clears_its_delivery_health(container, clock, host):
    webhooks = service(container, clock)
    created = webhooks.create(host.user.id, new())
    with container.uow_factory(write=True) as uow:
        stored = uow.webhooks.get(created.id)
        assert stored is not None
        uow.webhooks.update(
            dataclasses.replace(
                stored,
                active=False,
                consecutive_failures=7,
                disabled_at=clock.now(),
                disabled_reason="HTTP 500 seven times",
            )
        )
        uow.commit()
    enabled = webhooks.update(host.user.id, created.id, WebhookPatch(active=True))
    assert enabled.active and enabled.consecutive_failures == 0
    assert enabled.disabled_at is None and enabled.disabled_reason is None


def test_ownership_is_checked_before_any_name_is_resolved(container, clock, host):
    resolver = FakeResolver()
    webhooks = service(container, clock, resolver=resolver)
    created = webhooks.create(host.user.id, new())
    stranger = container.accounts.create_user("eve", "eve@example.com", time_zone="UTC")
    resolver.asked.clear()
    with pytest.raises(NotFound):
        webhooks.update(stranger.id, created.id, WebhookPatch(subscriber_url="https://x.example"))
    with pytest.raises(NotFound):
        webhooks.create(stranger.id, new("https://y.example"), host.event_type.id)
    assert resolver.asked == []


def test_lists_clamp_take_and_skip(container, clock, host):
    webhooks = service(container, clock)
    for n in range(3):
        webhooks.create(host.user.id, new(f"https://hooks.example.com/{n}"))
    assert len(webhooks.list(host.user.id, take=0)) == 1
    assert len(webhooks.list(host.user.id, take=1000, skip=-5)) == 3
