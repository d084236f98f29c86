"""Users and API keys.

Owns: `User`, `ApiKey`, the API-key format and its hashing. Keys follow Cal.com's scheme so that
hashes exported from a Cal.com database keep working: a key is `cal_` + secret; what is stored is
`sha256_hex(key without the "cal_" prefix)`. The secret has 128 bits of entropy, so a fast hash is
enough (a slow password hash protects low-entropy secrets, not random tokens).
Imports only the standard library.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calendula.domain.errors import InvalidInput

API_KEY_PREFIX = "cal_"
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class User:
    username: str
    email: str
    time_zone: str
    id: int | None = None
    name: str | None = None
    bio: str | None = None
    avatar_url: str | None = None
    locale: str = "en"
    time_format: int = 24
    week_start: str = "Monday"
    brand_color: str = "#4f46e5"
    dark_brand_color: str = "#818cf8"
    default_schedule_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ApiKey:
    user_id: int
    hashed_key: str
    id: int | None = None
    name: str = ""
    expires_at: datetime | None = None
    created_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def validate_username(username: str) -> str:
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            "username",
            "username must be 1-63 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    return username


def validate_email(email: str, field_name: str = "email") -> str:
    email = email.strip()
    local, _, domain = email.rpartition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise InvalidInput(field_name, f"{field_name} must be a valid email address")
    return email


def generate_api_key(live: bool = True) -> str:
    """A new key: `cal_live_` (or `cal_test_`) followed by 32 hex digits."""
    return f"{API_KEY_PREFIX}{'live' if live else 'test'}_{secrets.token_hex(16)}"


def hash_api_key(key: str) -> str:
    """What is stored for a key: sha256 hex of the key with the `cal_` prefix removed once."""
    rest = key[len(API_KEY_PREFIX) :] if key.startswith(API_KEY_PREFIX) else key
    return hashlib.sha256(rest.encode()).hexdigest()
