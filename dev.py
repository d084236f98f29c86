#!/usr/bin/env python3
"""Calendula's two set-up commands. Needs only Python 3.11+ (and git to get the code).

    python3 dev.py up     install into .venv, migrate the SQLite database, seed demo data, serve
    python3 dev.py test   install the test dependencies into .venv and run every check and test

Arguments after `test` go to pytest (`python3 dev.py test -k slots -x`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(extra: str) -> None:
    """Create .venv and install the project (with `extra`) unless pyproject.toml is unchanged."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("Calendula needs Python 3.11 or newer.")
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / f".installed-{extra or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extra}]" if extra else "."
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
    stamp.write_text(digest)


def up() -> None:
    ensure_venv("")
    calendula = BIN / "calendula"
    run(calendula, "db", "upgrade")
    run(calendula, "demo")
    os.execv(str(calendula), [str(calendula), "serve", "--no-migrate"])


def test(pytest_args: list[str]) -> None:
    ensure_venv("test")
    run(BIN / "ruff", "check", "src", "tests", "bench", "dev.py")
    run(BIN / "ruff", "format", "--check", "src", "tests", "bench", "dev.py")
    run(BIN / "mypy")
    run(BIN / "lint-imports")
    run(PYTHON, "-m", "pytest", *pytest_args)


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "up":
        up()
    elif command == "test":
        test(rest)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
