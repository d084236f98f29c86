"""Renders the CLI reference (docs/cli.md) from the Typer app, so the docs cannot drift.

`python -m calendula.cli_docs > docs/cli.md` regenerates it; tests/cli/test_docs.py fails when the
file is out of date.
"""

from __future__ import annotations

from typing import Any

import typer

from calendula.cli import app

# Typer ships its own copy of click's classes, so commands and parameters are read by their
# attributes (`commands`, `opts`) rather than by class.


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    for name in sorted(getattr(command, "commands", {})):
        found.extend(_walk(command.commands[name], [*path, name]))
    return found


def _param_line(param: Any) -> str:
    if getattr(param, "param_type_name", "") == "option":
        names = ", ".join(f"`{n}`" for n in (*param.opts, *param.secondary_opts))
        default = param.default
        shown = "" if default in (None, "", False) or param.is_flag else f" (default: `{default}`)"
        return f"- {names}: {param.help or ''}{shown}"
    return f"- `{str(param.name).upper()}` (argument)"


def render() -> str:
    root = typer.main.get_command(app)
    lines = [
        "# Command line",
        "",
        "Generated from the code by `python -m calendula.cli_docs`; do not edit by hand.",
        "Settings come from `CALENDULA_*` variables (docs/configuration.md).",
        "",
    ]
    for path, command in _walk(root, ["calendula"])[1:]:
        if hasattr(command, "commands"):
            continue
        lines += [f"## `{' '.join(path)}`", "", (command.help or "").strip(), ""]
        params = [p for p in command.params if p.name != "help"]
        lines += [_param_line(p) for p in params]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")  # noqa: T201
