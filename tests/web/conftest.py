"""Fixtures of the page tests.

- `pages`: an `ApiClient` (tests/api/conftest.py) over the app of the test's `container`: the
  pages are routes of the same ASGI app (in-process, no network).
- `ada`: the `host` fixture's New York host (Mon-Fri 09:00-17:00, a 30-minute `meet`).
- `form_of(html)`: the hidden and prefilled fields of the page's booking form, to post back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest

from calendula.api.app import create_app
from tests.api.conftest import ApiClient


@pytest.fixture
def pages(container: Any) -> Iterator[ApiClient]:
    client = ApiClient(create_app(container))
    yield client
    client.close()


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page (csrf, slot, duration, timeZone, ...), unescaped."""
    found = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return {name: unescape(value) for name, value in found}


def first_time_link(html: str) -> str:
    match = re.search(r'<a class="time" href="([^"]+)"', html)
    assert match, "no time on the page"
    return unescape(match.group(1))


def manage_link(html: str, text: str) -> str:
    match = re.search(r'<a href="([^"]+)">' + text + "</a>", html)
    assert match, f"no {text} link"
    return unescape(match.group(1))
