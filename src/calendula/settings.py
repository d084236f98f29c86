"""Typed settings, read from `CALENDULA_*` environment variables once, in the composition root.

Owns: `Settings` and its validation. Nothing else in Calendula reads the environment.
Every field here is documented in docs/configuration.md (a test keeps the two in step).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INSECURE_SECRET_KEYS = frozenset({"", "change-me", "changeme", "secret", "dev-insecure-secret-key"})
DEV_SECRET_KEY = "dev-insecure-secret-key"
MIN_SECRET_KEY_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


def default_database_url() -> str:
    return f"sqlite:///{Path('var/calendula.db').resolve()}"


class Settings(BaseSettings):
    """Calendula's configuration. Each field maps to `CALENDULA_<FIELD NAME IN CAPITALS>`."""

    model_config = SettingsConfigDict(env_prefix="CALENDULA_", extra="ignore", frozen=True)

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="development, production or test. Outside development, an insecure "
        "secret key is refused.",
    )
    database_url: str = Field(
        default_factory=default_database_url,
        description="SQLAlchemy URL. Default: a SQLite file at var/calendula.db. "
        "PostgreSQL: postgresql+psycopg://user:password@host:5432/dbname",
    )
    secret_key: str = Field(
        default=DEV_SECRET_KEY,
        description="Signs links and encrypts stored credentials. At least 32 characters; "
        "required outside development.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people and integrations reach this server at; used in "
        "links (booking pages, emails, bookingUrl).",
    )
    host: str = Field(default="127.0.0.1", description="Address `calendula serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `calendula serve` binds to.")
    workers: int = Field(default=1, ge=1, le=64, description="Server processes for `serve`.")
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="Requests per minute allowed per API key (or per client address without a "
        "key) on /v2; 0 turns rate limiting off.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 — when set, rate-limit counters are shared through "
        "Redis so several server processes count together; else counted in each process.",
    )

    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Allow webhook subscriber URLs on private, loopback and link-local "
        "addresses (an intranet receiver). Off by default: such URLs are refused (SSRF).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=60,
        description="How long one webhook delivery may take (connecting: at most 5 s).",
    )
    outbox_inline: bool = Field(
        default=True,
        description="Deliver webhooks (and other outbox work) from inside each `calendula "
        "serve` process. Set false when separate `calendula worker` processes deliver.",
    )
    outbox_lease_seconds: int = Field(
        default=120,
        ge=2,
        le=3600,
        description="How long a dispatcher owns a job it took; a job whose dispatcher died is "
        "taken again after this. Keep it above CALENDULA_WEBHOOK_TIMEOUT_SECONDS.",
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for emails. Unset: emails are written as .eml files to "
        "CALENDULA_MAIL_FOLDER instead of being sent.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_tls: bool = Field(
        default=False, description="Connect with TLS from the start (SMTPS, usually port 465)."
    )
    smtp_starttls: bool = Field(
        default=True,
        description="Upgrade the connection with STARTTLS (usually port 587); ignored when "
        "CALENDULA_SMTP_TLS is true.",
    )
    smtp_user: str | None = Field(default=None, description="SMTP login name, if needed.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="Calendula <calendula@localhost>",
        description="The From address of every email, e.g. `Bookings <bookings@example.com>`.",
    )
    smtp_timeout: float = Field(default=30.0, gt=0, description="SMTP timeout in seconds.")
    mail_folder: str = Field(
        default="var/mail",
        description="Where emails are written as .eml files when no SMTP host is set.",
    )
    notifications_enabled: bool = Field(
        default=True,
        description="Send booking emails, invites and reminders. False: Calendula sends none "
        "(a platform that notifies people itself, from webhooks).",
    )
    sms_webhook_url: str | None = Field(
        default=None,
        description="SMS reminders are POSTed as JSON to this URL (your SMS gateway). "
        "Unset: SMS reminders are not sent.",
    )
    sms_webhook_secret: str | None = Field(
        default=None, description="Signs SMS webhook requests (Standard Webhooks headers)."
    )

    calendar_cache_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long busy times read from a connected calendar (CalDAV, ICS feed) "
        "are reused by slot lists; read again in the background late in that time. Bookings "
        "always re-check the calendars themselves.",
    )
    calendar_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="The longest a slot list or booking waits for connected calendars (all "
        "of them, read in parallel); a calendar that has not answered counts as unreadable.",
    )
    calendar_failure_policy: Literal["hide", "ignore"] = Field(
        default="hide",
        description="When a host's calendar cannot be read: `hide` that host's times (no "
        "double booking; the default) or `ignore` the calendar (treat it as empty). Logged.",
    )
    calendar_allow_private_targets: bool = Field(
        default=False,
        description="Allow CalDAV servers and ICS feeds on private, loopback and link-local "
        "addresses (a Radicale or Nextcloud on the intranet). Off by default: refused (SSRF).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError(
                "CALENDULA_DATABASE_URL must start with sqlite:// or postgresql+psycopg://"
            )
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("CALENDULA_PUBLIC_BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"debug", "info", "warning", "error"}:
            raise ValueError("CALENDULA_LOG_LEVEL must be debug, info, warning or error")
        return value

    @field_validator("sms_webhook_url")
    @classmethod
    def _sms_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("CALENDULA_SMS_WEBHOOK_URL must start with http:// or https://")
        return value or None

    @model_validator(mode="after")
    def _secure_outside_development(self) -> Settings:
        if self.environment is Environment.DEVELOPMENT:
            return self
        if self.secret_key in INSECURE_SECRET_KEYS or len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                "CALENDULA_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters outside development "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
