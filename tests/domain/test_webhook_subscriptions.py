"""Webhook subscriptions in the domain: field rules naming the API field, and which addresses
and hosts count as private or cloud-metadata targets (the SSRF rule's pure half)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from calendula.domain.destinations import (
    Refusal,
    Refused,
    first_private,
    ip_literal,
    is_metadata_target,
    is_private_address,
    refusal,
)
from calendula.domain.errors import InvalidInput
from calendula.domain.webhooks import (
    SUBSCRIBABLE_TRIGGERS,
    Trigger,
    Webhook,
    check_payload_template,
    check_secret,
    check_subscriber_url,
    check_version,
    parse_triggers,
)


def refused_field(call, *args) -> str:
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    return caught.value.field


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://example.com/hook", "example.com"),
        ("http://Example.COM:8080/a?b=c#d", "example.com"),
        ("https://user:pw@hooks.example.org/x", "hooks.example.org"),
        ("http://[2606:2800:220:1::248]/hook", "2606:2800:220:1::248"),
        ("https://münchen.example/hook", "münchen.example"),
    ],
)
def test_accepts_absolute_http_urls_and_returns_their_host(url, host):
    assert check_subscriber_url(url) == host


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/hook",
        "/relative/hook",
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "https:///path-only",
        "https://example.com:99999/",
        "https://exa mple.com/",
        "https://example.com/\nX-Injected: 1",
        "https://example.com/" + "a" * 2048,
    ],
)
def test_refuses_anything_but_an_absolute_http_url_naming_subscriber_url(url):
    assert refused_field(check_subscriber_url, url) == "subscriberUrl"


def test_a_url_of_exactly_2048_bytes_is_accepted():
    url = "https://example.com/"
    check_subscriber_url(url + "a" * (2048 - len(url)))


def test_triggers_keep_their_order_and_drop_duplicates():
    parsed = parse_triggers(["BOOKING_CANCELLED", "BOOKING_CREATED", "BOOKING_CANCELLED"])
    assert parsed == (Trigger.BOOKING_CANCELLED, Trigger.BOOKING_CREATED)


@pytest.mark.parametrize(
    "triggers",
    [[], ["BOOKING_CONFIRMED"], ["booking_created"], ["PING"], ["BOOKING_CREATED", "BOOKING_PAID"]],
)
def test_empty_or_unknown_triggers_are_refused_naming_triggers(triggers):
    assert refused_field(parse_triggers, triggers) == "triggers"


def test_the_refusal_lists_the_unknown_names_and_what_is_supported():
    with pytest.raises(InvalidInput) as caught:
        parse_triggers(["BOOKING_COMPLETED"])
    assert "BOOKING_COMPLETED" in caught.value.message
    assert all(t.value in caught.value.message for t in SUBSCRIBABLE_TRIGGERS)


def test_every_trigger_but_ping_can_be_subscribed():
    assert set(SUBSCRIBABLE_TRIGGERS) == set(Trigger) - {Trigger.PING}


def test_size_limits_name_their_fields():
    check_payload_template("x" * 100 * 1024)
    assert refused_field(check_payload_template, "x" * (100 * 1024 + 1)) == "payloadTemplate"
    assert refused_field(check_payload_template, "é" * (50 * 1024 + 1)) == "payloadTemplate"
    check_secret("s" * 255)
    assert refused_field(check_secret, "s" * 256) == "secret"
    check_version("2021-10-20")
    assert refused_field(check_version, "2024-01-01") == "version"


def test_a_webhook_listens_only_while_active_not_disabled_and_subscribed():
    webhook = Webhook(
        id="5b5f2a8e-1c1e-4c55-9f43-8c8b4bd0a0b1",
        owner_id=1,
        subscriber_url="https://example.com/hook",
        triggers=(Trigger.BOOKING_CREATED,),
    )
    assert webhook.listens_to(Trigger.BOOKING_CREATED)
    assert not webhook.listens_to(Trigger.BOOKING_CANCELLED)
    assert not dataclasses.replace(webhook, active=False).listens_to(Trigger.BOOKING_CREATED)
    disabled = dataclasses.replace(webhook, disabled_at=datetime(2026, 3, 2, tzinfo=UTC))
    assert not disabled.listens_to(Trigger.BOOKING_CREATED)


# -- destinations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.1.1",
        "fe80::1",
        "fd00:ec2::254",
        "fc00::1",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1",
        "100.64.0.1",
        "192.0.2.10",
        "240.0.0.1",
        "255.255.255.255",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "not-an-address",
    ],
)
def test_non_public_addresses_are_private(address):
    assert is_private_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:2800:220:1::248"])
def test_public_unicast_addresses_are_not_private(address):
    assert not is_private_address(address)


def test_ip_literals_are_recognised_with_brackets_and_mapped_forms():
    assert str(ip_literal("[::1]")) == "::1"
    assert str(ip_literal("::ffff:10.0.0.1")) == "10.0.0.1"
    assert ip_literal("example.com") is None
    assert ip_literal("127.1") is None  # not canonical: left to the resolver, which says 127.0.0.1


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("169.254.169.254", []),
        ("[fd00:ec2::254]", []),
        ("metadata.google.internal", []),
        ("METADATA.google.internal.", []),
        ("innocent.example.com", ["93.184.215.14", "169.254.169.254"]),
    ],
)
def test_cloud_metadata_endpoints_are_recognised_by_address_or_name(host, addresses):
    assert is_metadata_target(host, addresses)


def test_an_ordinary_host_is_no_metadata_target():
    assert not is_metadata_target("example.com", ["93.184.215.14"])


def test_first_private_names_the_offending_address():
    assert first_private(["93.184.215.14", "10.1.2.3"]) == "10.1.2.3"
    assert first_private(["93.184.215.14"]) is None


@pytest.mark.parametrize(
    ("host", "addresses", "allow", "expected"),
    [
        ("hooks.example", ["93.184.215.14"], False, None),
        ("hooks.example", [], False, Refused(Refusal.UNRESOLVED)),
        (
            "hooks.example",
            ["93.184.215.14", "10.0.0.5"],
            False,
            Refused(Refusal.PRIVATE, "10.0.0.5"),
        ),
        ("hooks.example", ["10.0.0.5"], True, None),
        ("intranet", [], True, None),
        ("metadata.google.internal", [], True, Refused(Refusal.METADATA)),
        ("hooks.example", ["169.254.169.254"], True, Refused(Refusal.METADATA)),
    ],
)
def test_one_refusal_rule_for_every_destination(host, addresses, allow, expected):
    assert refusal(host, addresses, allow_private=allow) == expected
