"""Shared fixtures: paths of the bundled data, a fixed evaluation date, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCHEMAS = ROOT / "tests" / "data" / "schemas"  # vendored, with their provenance
POLICY = ROOT / "policy_model" / "policies" / "marosoap.yaml"
INVENTORY = ROOT / "inventories" / "marosoap"
EXAMPLES = ROOT / "inventories" / "examples"
AS_OF = "2026-11-29"
"""Tests judge dates on this day, so expiry checks do not drift with the calendar."""


@dataclass
class Run:
    """What one ``pledge`` process did."""

    code: int
    out: str
    err: str


def run_pledge(*args: str | os.PathLike[str], cwd: Path = ROOT,
               env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    """Run ``python -m pledge ARGS`` as a user would, in a real subprocess."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "pledge", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=full_env, timeout=timeout,
                          check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def pledge() -> type[Run]:
    """The CLI runner, as a fixture for tests that prefer one."""
    return run_pledge  # type: ignore[return-value]


def run_inprocess(*args: str | os.PathLike[str]) -> Run:
    """Run ``pledge ARGS`` in this process (fast; same exit-code mapping as the CLI)."""
    import contextlib
    import io

    from pledge.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True)
def _no_github_link_base(monkeypatch: pytest.MonkeyPatch) -> None:
    """Markdown links are relative unless a test asks: CI's own GITHUB_* must not leak in."""
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name, raising=False)
