"""Demo data: one host with a schedule, two event types and an API key.

Owns: `seed_demo`. Idempotent for the host and event types (a second run finds them); every run
issues a fresh API key, since only key hashes are stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from calendula.domain.accounts import User
from calendula.domain.errors import NotFound
from calendula.domain.event_types import BookingField, EventType, FieldType, Location
from calendula.services.accounts import AccountService
from calendula.services.event_types import EventTypeService

DEMO_USERNAME = "demo"


@dataclass(frozen=True, slots=True)
class DemoData:
    user: User
    api_key: str
    event_types: list[EventType]


def demo_event_types(owner_id: int) -> list[EventType]:
    return [
        EventType(
            id=None,
            owner_id=owner_id,
            slug="30min",
            title="30 Minute Meeting",
            description="A quick call to get to know each other.",
            length_minutes=30,
            length_options=(15, 30, 60),
            slot_interval_minutes=15,
            minimum_notice_minutes=120,
            locations=(Location("link", "https://meet.example.com/demo"),),
        ),
        EventType(
            id=None,
            owner_id=owner_id,
            slug="consultation",
            title="Consultation",
            description="A longer consultation. Voice agents may book any length from 10 to 90 "
            "minutes.",
            length_minutes=60,
            min_length_minutes=10,
            max_length_minutes=90,
            before_buffer_minutes=10,
            after_buffer_minutes=10,
            minimum_notice_minutes=60,
            locations=(Location("address", "1 Main Street, Springfield"),),
            booking_fields=(
                BookingField(FieldType.TEXTAREA, "topic", "What would you like to discuss?"),
                BookingField(FieldType.PHONE, "attendeePhoneNumber", "Phone number"),
            ),
        ),
    ]


def seed_demo(accounts: AccountService, event_types: EventTypeService) -> DemoData:
    try:
        user = accounts.get_user_by_username(DEMO_USERNAME)
    except NotFound:
        user = accounts.create_user(
            DEMO_USERNAME, "demo@example.com", time_zone="America/New_York", name="Demo Host"
        )
    assert user.id is not None
    existing = {et.slug: et for et in event_types.list_for_owner(user.id)}
    seeded = [
        existing.get(et.slug) or event_types.create(user.id, et) for et in demo_event_types(user.id)
    ]
    _, key = accounts.create_api_key(user.id, name="demo")
    return DemoData(user=user, api_key=key, event_types=seeded)
