"""Settings: typed, validated, insecure defaults refused outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from calendula.settings import Settings


def test_defaults_to_a_sqlite_file_in_development():
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/calendula.db")


def test_reads_calendula_variables_from_the_environment(monkeypatch):
    monkeypatch.setenv("CALENDULA_DATABASE_URL", "postgresql://u@db:5432/cal")
    monkeypatch.setenv("CALENDULA_PUBLIC_BASE_URL", "https://book.example.com/")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@db:5432/cal"
    assert settings.public_base_url == "https://book.example.com"


@pytest.mark.parametrize("key", ["", "change-me", "dev-insecure-secret-key", "short"])
def test_refuses_an_insecure_secret_key_in_production(key):
    with pytest.raises(ValidationError, match="CALENDULA_SECRET_KEY"):
        Settings(environment="production", secret_key=key)


def test_accepts_a_long_random_secret_key_in_production():
    assert Settings(environment="production", secret_key="k" * 48).secret_key == "k" * 48


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("database_url", "mysql://x", "CALENDULA_DATABASE_URL"),
        ("public_base_url", "example.com", "CALENDULA_PUBLIC_BASE_URL"),
        ("log_level", "loud", "CALENDULA_LOG_LEVEL"),
    ],
)
def test_bad_values_name_the_variable(field, value, named):
    with pytest.raises(ValidationError, match=named):
        Settings(**{field: value})
