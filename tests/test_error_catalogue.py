"""The error catalogue: every code documented, raised somewhere, and its page up to date."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pledge.policy_model.errors import CATALOGUE, InputError
from tests.conftest import ROOT

SOURCE_DIRS = ("pledge", "policy_model", "checks", "reports", "connectors")
_RAISED = re.compile(r"[\"'](PLG-E\d{3})\b")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_error_catalogue", ROOT / "scripts" / "gen_error_catalogue.py")
    assert spec and spec.loader
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def codes_in_source() -> dict[str, list[str]]:
    """Each ``PLG-Ennn`` string literal in the code (not the catalogue itself), with its files."""
    found: dict[str, list[str]] = {}
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "policy_model" / "errors.py":
                continue
            for code in set(_RAISED.findall(path.read_text(encoding="utf-8"))):
                found.setdefault(code, []).append(path.relative_to(ROOT).as_posix())
    return found


def test_every_catalogue_code_is_raised_somewhere() -> None:
    unused = sorted(set(CATALOGUE) - set(codes_in_source()))
    assert not unused, f"in the catalogue but never raised: {unused}"


def test_every_raised_code_is_in_the_catalogue() -> None:
    unknown = {code: files for code, files in codes_in_source().items() if code not in CATALOGUE}
    assert not unknown, f"raised but not in the catalogue: {unknown}"


def test_codes_are_sequential_with_cause_and_fix() -> None:
    codes = sorted(CATALOGUE)
    assert codes == [f"PLG-E{n:03d}" for n in range(1, len(codes) + 1)]
    for code, (cause, fix) in CATALOGUE.items():
        assert cause.strip() and fix.strip(), code
        assert "\n" not in cause + fix, code


def test_an_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown error code"):
        InputError("PLG-E999", "nope")


def test_every_code_has_an_example_that_produces_it() -> None:
    script = _script()
    assert set(script.EXAMPLES) == set(CATALOGUE)


def test_the_catalogue_page_is_up_to_date() -> None:
    """docs/error-catalogue.md is what the script writes now (run it after changing a message)."""
    script = _script()
    page = (ROOT / "docs" / "error-catalogue.md").read_text(encoding="utf-8")
    assert page == script.render(), (
        "docs/error-catalogue.md is out of date: run python scripts/gen_error_catalogue.py")
    for code in CATALOGUE:
        assert f"| {code} |" in page


def test_examples_are_one_line_with_their_code() -> None:
    page = Path(ROOT / "docs" / "error-catalogue.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| PLG-E")]
    assert len(rows) == len(CATALOGUE)
    for row in rows:
        code = row.split("|")[1].strip()
        assert f"{code} " in row.split("|")[-2], row
