"""Every kind documents itself, and the examples in its documentation run as documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
import yaml

from pledge.checks.findings import Status
from pledge.checks.registry import DOC_SECTIONS, Kind, all_kinds
from tests.conftest import ROOT
from tests.helpers import run_check

KINDS = all_kinds()


def _example(kind: Kind, section: str) -> dict:
    block = re.search(r"```yaml\n(.*?)```", kind.sections()[section], re.S)
    assert block, f"{kind.name}: no YAML block in {section}"
    return yaml.safe_load(block.group(1))


def test_every_kind_module_registers_one_kind_with_a_unique_code() -> None:
    modules = {p.stem for p in (ROOT / "checks" / "kinds").glob("*.py") if p.stem != "__init__"}
    assert sorted(k.run.__module__.rsplit(".", 1)[1] for k in KINDS) == sorted(modules)
    assert len({k.code for k in KINDS}) == len(KINDS)
    assert len({k.name for k in KINDS}) == len(KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_kind_has_every_documentation_section(kind: Kind) -> None:
    sections = kind.sections()
    missing = [s for s in DOC_SECTIONS if not sections.get(s, "").strip()]
    assert not missing, f"{kind.name} lacks {missing}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_registered_name_matches_params_literal(kind: Kind) -> None:
    assert get_args(kind.params.model_fields["kind"].annotation) == (kind.name,)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_passing_example_passes(kind: Kind, tmp_path: Path) -> None:
    example = _example(kind, "Passing example")
    result = run_check(tmp_path, example["check"], example["inventory"])
    assert {f.status for f in result.findings} <= {Status.PASS, Status.MANUAL}, [
        f.message for f in result.findings]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_failing_example_fails_with_the_kinds_code(kind: Kind, tmp_path: Path) -> None:
    example = _example(kind, "Failing example")
    result = run_check(tmp_path, example["check"], example["inventory"])
    failures = [f for f in result.findings if f.status is Status.FAIL]
    assert failures and all(f.code == kind.code for f in failures)


def test_generated_kind_pages_are_up_to_date() -> None:
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("gen_docs", root / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    for path, text in module.build(root / "docs" / "checks").items():
        assert path.read_text(encoding="utf-8") == text, "run: python scripts/gen_docs.py"
