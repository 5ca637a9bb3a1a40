"""The README tells the truth: its console outputs are real, its commands and codes exist."""

from __future__ import annotations

import importlib.util
import re

from pledge.policy_model.errors import CATALOGUE
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _refresher():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "refresh_doc_outputs", ROOT / "scripts" / "refresh_doc_outputs.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_console_blocks_show_real_output() -> None:
    blocks = re.findall(r"```console\n\$ pledge ", README)
    assert len(blocks) >= 6
    assert _refresher().refresh(README) == README, (
        "run: python scripts/refresh_doc_outputs.py README.md")


def test_the_two_setup_commands_are_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
                    ".venv/bin/ruff check . && .venv/bin/lint-imports && .venv/bin/mypy && "
                    ".venv/bin/python -m pytest")
    assert test_command in README
    assert test_command.replace(" -q", "") in ci.replace(" -q", "")
    main_job = ("python3 -m venv .venv && .venv/bin/pip install -q -e . && "
                ".venv/bin/pledge check --as-of 2026-12-01")
    assert main_job in README


def test_the_main_job_passes_on_the_date_it_names() -> None:
    """README command 1 stays true: the bundled inventory passes on its snapshot date."""
    from tests.conftest import run_pledge

    run = run_pledge("check", "--as-of", "2026-12-01")
    assert run.code == 0, run.out[-2000:] + run.err


def test_every_error_code_is_listed_with_its_cause() -> None:
    for code, (cause, _fix) in CATALOGUE.items():
        assert f"| {code} | {cause} |" in README, code
