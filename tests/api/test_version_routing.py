"""Version routing has one table (`deps.RESOURCE_VERSIONS`), and docs/api.md shows that table.

The behaviour of each resource's versions is tested with the resource (test_bookings.py,
test_slots.py, test_event_types.py, test_schedules.py); here: the documentation cannot drift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calendula.api.deps import KNOWN_VERSIONS, RESOURCE_VERSIONS, versions

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_rows() -> dict[str, list[str]]:
    """The Versions table of docs/api.md: first path prefix of a row -> its cells."""
    text = DOCS.read_text()
    section = text.split("## Versions", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        found = re.match(r"\| `/v2/([a-z-]+)…?`", line)
        if found:
            rows[found.group(1)] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


def backticked_versions(cell: str) -> set[str]:
    return set(re.findall(r"`(\d{4}-\d{2}-\d{2})`", cell))


def test_the_documented_versions_table_is_the_one_in_deps():
    rows = documented_rows()
    assert set(RESOURCE_VERSIONS) <= set(rows)
    for resource, table in RESOURCE_VERSIONS.items():
        _, current, _, unrouted = rows[resource]
        assert backticked_versions(current) == table.current, resource
        assert backticked_versions(unrouted) == table.unrouted, resource
    assert "any value or none" in rows["me"][1]


def test_every_routed_version_is_one_cal_com_knows():
    for resource, table in RESOURCE_VERSIONS.items():
        assert table.current | table.unrouted <= KNOWN_VERSIONS, resource
        assert not table.current & table.unrouted, resource


def test_only_legacy_versions_can_be_refused():
    with pytest.raises(ValueError):
        versions("schedules", current="refused")
