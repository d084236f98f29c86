"""Docs that cannot drift: the CLI reference and the settings table follow the code."""

from __future__ import annotations

from pathlib import Path

from calendula.cli_docs import render
from calendula.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_cli_reference_is_generated_from_the_current_commands():
    assert (DOCS / "cli.md").read_text() == render(), (
        "docs/cli.md is stale: run `.venv/bin/python -m calendula.cli_docs > docs/cli.md`"
    )


def test_every_setting_is_documented():
    text = (DOCS / "configuration.md").read_text()
    for name in Settings.model_fields:
        assert f"`CALENDULA_{name.upper()}`" in text, f"CALENDULA_{name.upper()} is undocumented"
