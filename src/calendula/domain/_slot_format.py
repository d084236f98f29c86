"""Private formatter behind `slots.group_by_local_date`: ISO strings by arithmetic, not isoformat.

A *segment* is a stretch of one local date with one UTC offset (a whole day, except on the day a
zone changes its offset). Per segment the date prefix and the offset suffix are built once; the
time of day (`HH:MM:SS.mmm`) is looked up in a per-call table keyed by the distance from the local
midnight. Strings equal `datetime.isoformat(timespec="milliseconds")` in the viewer's zone, with
`Z` for UTC. Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})


class SlotLike(Protocol):
    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...

    @property
    def seats_booked(self) -> int | None: ...

    @property
    def seats_total(self) -> int | None: ...

    @property
    def booking_uid(self) -> str | None: ...


def is_utc(zone: ZoneInfo | None) -> bool:
    return zone is None or zone.key in _UTC_KEYS


def iso_in_zone(moment: datetime, zone: ZoneInfo | None) -> str:
    """The plain (slow) rendering, used on odd instants and as the reference in tests."""
    if is_utc(zone):
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def _segment(moment: datetime, zone: tzinfo) -> tuple[datetime, datetime, str, timedelta]:
    """`(base, high, date, offset)`: `moment`'s local date and offset, valid until `high`.

    `base` is the UTC instant whose wall time under `offset` is that date's 00:00, so the time of
    day of any instant `t` in `[moment, high)` is `t - base`.
    """
    local = moment.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    base = datetime(local.year, local.month, local.day, 0, 0, 0, 0, UTC) - offset
    high = base + _DAY
    if zone is not UTC and _offset_at(high - _SECOND, zone) != offset:
        high = _offset_change(moment, high, zone)
    return base, high, local.date().isoformat(), offset


def _offset_at(moment: datetime, zone: tzinfo) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()


def _offset_change(low: datetime, high: datetime, zone: tzinfo) -> datetime:
    """The first whole second after `low` whose offset is the one at `high` (one change)."""
    target = _offset_at(high, zone)
    low = low.replace(microsecond=0)
    lo, hi = 0, -(-(high - low) // _SECOND)
    while lo + 1 < hi:
        middle = (lo + hi) // 2
        if _offset_at(low + middle * _SECOND, zone) == target:
            hi = middle
        else:
            lo = middle
    return low + hi * _SECOND


def _suffix(offset: timedelta, zone: tzinfo) -> str:
    return "Z" if zone is UTC else _offset_text(offset)


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    seconds = int(abs(offset).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def _time_text(since_midnight: timedelta) -> str:
    seconds = since_midnight.seconds
    millis = since_midnight.microseconds // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{millis:03d}"


def group(
    slots: Sequence[SlotLike], zone: ZoneInfo | None, with_end: bool
) -> dict[str, list[dict[str, Any]]]:
    """See `slots.group_by_local_date`. Slots are expected sorted (any order works, slower)."""
    target: tzinfo = UTC if is_utc(zone) or zone is None else zone
    grouped: dict[str, list[dict[str, Any]]] = {}
    times: dict[int, str] = {}
    suffixes: dict[timedelta, str] = {}
    low = high = base = datetime.max.replace(tzinfo=UTC)
    prefix = suffix = ""
    bucket: list[dict[str, Any]] = []
    for slot in slots:
        start = slot.start
        if not low <= start < high:
            base, high, day, offset = _segment(start, target)
            low, prefix = start, day + "T"
            suffix = suffixes.get(offset) or suffixes.setdefault(offset, _suffix(offset, target))
            bucket = grouped.setdefault(day, [])
        since = start - base
        if since.microseconds:
            text = _time_text(since)
        else:
            text = times.get(since.seconds) or times.setdefault(since.seconds, _time_text(since))
        item: dict[str, Any] = {"start": f"{prefix}{text}{suffix}"}
        if with_end:
            end = slot.end
            item["end"] = (
                f"{prefix}{_time_text(end - base)}{suffix}"
                if low <= end < high
                else iso_in_zone(end, zone)
            )
        if slot.seats_total is not None:
            _add_seats(item, slot)
        bucket.append(item)
    return grouped


def _add_seats(item: dict[str, Any], slot: SlotLike) -> None:
    booked = slot.seats_booked or 0
    total = slot.seats_total or 0
    item["seatsBooked"] = booked
    item["seatsRemaining"] = total - booked
    item["seatsTotal"] = total
    if slot.booking_uid:
        item["bookingUid"] = slot.booking_uid
