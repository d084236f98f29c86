"""The webhook repository: round trip, one URL per owner (user, or event type) guaranteed by
the database, paging, subscriber lookup, and cascades from users and event types."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from calendula.domain.errors import Conflict, NotFound
from calendula.domain.webhooks import Trigger, Webhook
from calendula.storage import SqlUnitOfWorkFactory
from factories import T0, make_event_type


def make_webhook(owner_id: int, **overrides: object) -> Webhook:
    fields: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "owner_id": owner_id,
        "subscriber_url": f"https://example.com/{uuid.uuid4().hex}",
        "triggers": (Trigger.BOOKING_CREATED,),
        "created_at": T0,
    }
    fields.update(overrides)
    return Webhook(**fields)  # type: ignore[arg-type]


def add(uow_factory: SqlUnitOfWorkFactory, webhook: Webhook) -> Webhook:
    with uow_factory(write=True) as uow:
        stored = uow.webhooks.add(webhook)
        uow.commit()
    return stored


def test_every_field_survives_a_round_trip(uow_factory, host_id, event_type_id):
    webhook = make_webhook(
        host_id,
        event_type_id=event_type_id,
        triggers=(Trigger.BOOKING_CANCELLED, Trigger.BOOKING_CREATED),
        active=False,
        payload_template='{"who":"{{organizer.name}}"}',
        secret="sealed-token",
        consecutive_failures=3,
        disabled_at=T0 + timedelta(hours=1),
        disabled_reason="HTTP 410",
    )
    assert add(uow_factory, webhook) == webhook
    with uow_factory() as uow:
        assert uow.webhooks.get(webhook.id) == webhook
        assert uow.webhooks.get(str(uuid.uuid4())) is None


def test_update_persists_changes_and_unknown_ids_are_not_found(uow_factory, host_id):
    webhook = add(uow_factory, make_webhook(host_id))
    changed = dataclasses.replace(
        webhook, subscriber_url="https://example.org/new", active=False, secret=None
    )
    with uow_factory(write=True) as uow:
        assert uow.webhooks.update(changed) == changed
        with pytest.raises(NotFound):
            uow.webhooks.update(dataclasses.replace(changed, id=str(uuid.uuid4())))
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.get(webhook.id) == changed


def test_a_user_cannot_subscribe_one_url_twice(uow_factory, host_id):
    first = add(uow_factory, make_webhook(host_id))
    with uow_factory(write=True) as uow:
        with pytest.raises(Conflict) as caught:
            uow.webhooks.add(make_webhook(host_id, subscriber_url=first.subscriber_url))
        assert caught.value.field == "subscriberUrl"
        other = uow.webhooks.add(make_webhook(host_id))
        with pytest.raises(Conflict) as caught:
            uow.webhooks.update(dataclasses.replace(other, subscriber_url=first.subscriber_url))
        assert caught.value.field == "subscriberUrl"
        uow.commit()  # the refusals were rolled back to their savepoints; the rest commits
    with uow_factory() as uow:
        assert len(uow.webhooks.list_for_owner(host_id, 250, 0)) == 2


def test_an_event_type_cannot_subscribe_one_url_twice(uow_factory, host_id, event_type_id):
    first = add(uow_factory, make_webhook(host_id, event_type_id=event_type_id))
    with uow_factory(write=True) as uow, pytest.raises(Conflict) as caught:
        uow.webhooks.add(
            make_webhook(host_id, event_type_id=event_type_id, subscriber_url=first.subscriber_url)
        )
    assert caught.value.field == "subscriberUrl"


def test_one_url_may_serve_the_user_and_each_of_their_event_types(uow_factory, host_id, add_host):
    url = "https://example.com/shared"
    someone_else = add_host()
    with uow_factory(write=True) as uow:
        first = uow.event_types.add(make_event_type(host_id))
        second = uow.event_types.add(make_event_type(host_id))
        uow.webhooks.add(make_webhook(host_id, subscriber_url=url))
        uow.webhooks.add(make_webhook(host_id, subscriber_url=url, event_type_id=first.id))
        uow.webhooks.add(make_webhook(host_id, subscriber_url=url, event_type_id=second.id))
        uow.webhooks.add(make_webhook(someone_else, subscriber_url=url))
        uow.commit()


def test_lists_separate_user_and_event_type_webhooks_and_page_oldest_first(
    uow_factory, host_id, event_type_id
):
    own = [
        add(uow_factory, make_webhook(host_id, created_at=T0 + timedelta(minutes=n)))
        for n in (3, 1, 2)
    ]
    of_event_type = add(uow_factory, make_webhook(host_id, event_type_id=event_type_id))
    oldest_first = sorted(own, key=lambda w: w.created_at or T0)
    with uow_factory() as uow:
        assert uow.webhooks.list_for_owner(host_id, 250, 0) == oldest_first
        assert uow.webhooks.list_for_owner(host_id, 1, 1) == oldest_first[1:2]
        assert uow.webhooks.list_for_owner(host_id, 250, 5) == []
        assert uow.webhooks.list_for_event_type(event_type_id, 250, 0) == [of_event_type]


def test_subscribers_are_the_users_and_the_event_types_live_webhooks_for_the_trigger(
    uow_factory, host_id, event_type_id, add_host
):
    created = (Trigger.BOOKING_CREATED,)
    user_wide = add(uow_factory, make_webhook(host_id, triggers=created))
    for_event_type = add(
        uow_factory, make_webhook(host_id, event_type_id=event_type_id, triggers=created)
    )
    add(uow_factory, make_webhook(host_id, triggers=(Trigger.BOOKING_CANCELLED,)))
    add(uow_factory, make_webhook(host_id, triggers=created, active=False))
    add(uow_factory, make_webhook(host_id, triggers=created, disabled_at=T0))
    add(uow_factory, make_webhook(add_host(), triggers=created))
    with uow_factory(write=True) as uow:
        other_type = uow.event_types.add(make_event_type(host_id))
        uow.webhooks.add(make_webhook(host_id, event_type_id=other_type.id, triggers=created))
        uow.commit()
    with uow_factory() as uow:
        found = uow.webhooks.find_subscribers(host_id, event_type_id, Trigger.BOOKING_CREATED)
        assert {w.id for w in found} == {user_wide.id, for_event_type.id}
        without_type = uow.webhooks.find_subscribers(host_id, None, Trigger.BOOKING_CREATED)
        assert [w.id for w in without_type] == [user_wide.id]


def test_delete_for_event_type_counts_and_deleting_the_event_type_cascades(
    uow_factory, host_id, event_type_id
):
    for _ in range(2):
        add(uow_factory, make_webhook(host_id, event_type_id=event_type_id))
    own = add(uow_factory, make_webhook(host_id))
    with uow_factory(write=True) as uow:
        assert uow.webhooks.delete_for_event_type(event_type_id) == 2
        assert uow.webhooks.delete_for_event_type(event_type_id) == 0
        kept = uow.event_types.add(make_event_type(host_id))
        assert kept.id is not None
        doomed = uow.webhooks.add(make_webhook(host_id, event_type_id=kept.id))
        uow.event_types.delete(kept.id)
        assert uow.webhooks.get(doomed.id) is None
        uow.webhooks.delete(own.id)
        uow.webhooks.delete(own.id)  # unknown ids are ignored
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.list_for_owner(host_id, 250, 0) == []
