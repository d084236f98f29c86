"""Published ICS feeds: a host's bookings at a secret, revocable address.

Owns: `FeedService` (create, list and revoke a host's feeds; render one by its token). A token
is 256 random bits (`secrets.token_urlsafe(32)`), shown once at creation; only its SHA-256 is
stored, so a database leak reveals no working address. Revoking deletes the feed: its address
answers 404 from then on. A feed lists the host's bookings that have not ended (cancelled and
rejected ones are left out) from `PAST_DAYS` ago on; a free/busy-only feed shows each as "Busy"
and nothing else. Rendering (iCalendar) is the injected `render` (`integrations.ical`).
Must not import storage, integrations or entry points.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from calendula.domain.bookings import Booking, ListStatus
from calendula.domain.calendars import PublishedFeed
from calendula.domain.errors import InvalidInput, NotFound
from calendula.services.ports import BookingFilter, Clock, UnitOfWorkFactory

PAST_DAYS = 60
MAX_BOOKINGS = 2000
MAX_FEEDS = 10
FEED_PATH = "/feeds/{token}.ics"
"""Where the API serves a feed (`public_base_url` + this)."""

FeedRenderer = Callable[[Sequence[Booking], datetime, bool, str], bytes]
"""(bookings, now, free_busy_only, calendar name) -> iCalendar bytes."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FeedService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        render: FeedRenderer,
        public_base_url: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._render = render
        self._base = public_base_url.rstrip("/")

    def create(
        self, owner_id: int, *, free_busy_only: bool = False, name: str = ""
    ) -> tuple[PublishedFeed, str]:
        """A new feed and its address (shown only now). Raises `InvalidInput` (`name`) past
        `MAX_FEEDS` feeds."""
        token = secrets.token_urlsafe(32)
        feed = PublishedFeed(
            id=None,
            owner_id=owner_id,
            token_hash=hash_token(token),
            free_busy_only=free_busy_only,
            created_at=self._clock.now(),
            name=name.strip()[:255],
        )
        with self._uow_factory(write=True) as uow:
            if len(uow.calendars.list_feeds(owner_id)) >= MAX_FEEDS:
                raise InvalidInput("name", f"a host may publish at most {MAX_FEEDS} feeds")
            created = uow.calendars.add_feed(feed)
            uow.commit()
        return created, self.address(token)

    def address(self, token: str) -> str:
        return self._base + FEED_PATH.format(token=token)

    def feeds(self, owner_id: int) -> list[PublishedFeed]:
        with self._uow_factory() as uow:
            return uow.calendars.list_feeds(owner_id)

    def revoke(self, owner_id: int, feed_id: int) -> PublishedFeed:
        """Delete the feed (its address stops working); returns it as it was."""
        with self._uow_factory(write=True) as uow:
            feed = uow.calendars.get_feed(feed_id) if 0 < feed_id < 2**31 else None
            if feed is None or feed.owner_id != owner_id:
                raise NotFound(f"Calendar feed ({feed_id}) not found")
            uow.calendars.delete_feed(feed_id)
            uow.commit()
        return feed

    def render(self, token: str) -> bytes:
        """The feed's iCalendar text. Raises `NotFound` for an unknown or revoked token."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            feed = uow.calendars.get_feed_by_hash(hash_token(token)) if token else None
            if feed is None:
                raise NotFound("Calendar feed not found")
            owner = uow.users.get(feed.owner_id)
            criteria = BookingFilter(
                statuses=frozenset({ListStatus.UPCOMING, ListStatus.PAST}),
                after_start=now - timedelta(days=PAST_DAYS),
                take=MAX_BOOKINGS,
            )
            bookings = uow.bookings.search(feed.owner_id, criteria, now).items
        name = feed.name or (f"{owner.name or owner.username} bookings" if owner else "Bookings")
        return self._render(bookings, now, feed.free_busy_only, name)
