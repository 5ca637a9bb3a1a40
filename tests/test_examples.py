"""Every broken example fails its own commitment and no other; the bundled inventory passes.

An example with a Terraform plan (``infra/plan.json``) is checked as the plan leaves it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pledge.checks.engine import evaluate
from pledge.checks.findings import Status
from pledge.connectors.terraform import plan_future
from pledge.policy_model.loading import load_inventory, load_policy
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, POLICY, ROOT, run_pledge

EXAMPLE_DIRS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
POLICY_LOADED = load_policy(POLICY)


def _plan(path: Path) -> Path | None:
    plan = path / "infra" / "plan.json"
    return plan if plan.is_file() else None


def _failing_commitments(path: Path) -> set[str]:
    loaded = load_inventory(path)
    future = plan_future(loaded, plan) if (plan := _plan(path)) else None
    result = evaluate(POLICY_LOADED.policy, future.loaded if future else loaded,
                      as_of=date.fromisoformat(AS_OF))
    if future:
        future.annotate(result)
    # an example breaks a promise, never the inventory's consistency with itself
    assert [n.subject.id for n in result.notices] == [], path.name
    return {f.commitment for f in result.findings if f.status.failing}


def test_plan_examples_pass_without_their_plan() -> None:
    planned = [p for p in EXAMPLE_DIRS if _plan(p)]
    assert len(planned) >= 3
    for example in planned:  # the inventory is the bundled one: only the plan breaks it
        result = evaluate(POLICY_LOADED.policy, load_inventory(example),
                          as_of=date.fromisoformat(AS_OF))
        assert not any(f.status.failing for f in result.findings), example.name


def test_there_is_one_example_per_commitment() -> None:
    ids = {c.id for c in POLICY_LOADED.policy.commitments}
    assert {p.name.split("-")[0] + "-" + p.name.split("-")[1] for p in EXAMPLE_DIRS} == ids


@pytest.mark.parametrize("example", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_example_breaks_exactly_its_commitment(example: Path) -> None:
    commitment = "-".join(example.name.split("-")[:2])
    assert _failing_commitments(example) == {commitment}


def test_bundled_inventory_keeps_every_commitment() -> None:
    assert _failing_commitments(INVENTORY) == set()


@pytest.mark.parametrize("example", EXAMPLE_DIRS[::7], ids=lambda p: p.name)
def test_cli_exits_1_and_names_the_commitment(example: Path) -> None:
    commitment = "-".join(example.name.split("-")[:2])
    plan = ["--terraform", _plan(example)] if _plan(example) else []
    run = run_pledge("check", example, "--as-of", AS_OF, "--format", "json", *plan)
    assert run.code == 1, run.err
    report = json.loads(run.out)
    assert {f["commitment"] for f in report["findings"] if f["status"] == "fail"} == {commitment}
    statuses = {c["id"]: c["status"] for c in report["commitments"]}
    assert statuses[commitment] == "fail"


def test_examples_are_up_to_date_with_the_generator(tmp_path: Path) -> None:
    out = tmp_path / "examples"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_examples.py"), str(out)],
                   check=True)
    generated = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    committed = {p.relative_to(EXAMPLES): p.read_bytes() for p in EXAMPLES.rglob("*")
                 if p.is_file()}
    assert generated == committed, "run: python scripts/make_examples.py"


def test_every_failing_finding_points_into_the_changed_file() -> None:
    for example in EXAMPLE_DIRS:
        result = evaluate(POLICY_LOADED.policy, load_inventory(example),
                          as_of=date.fromisoformat(AS_OF))
        for finding in result.findings:
            if finding.status is Status.FAIL and finding.location:
                text = Path(finding.location.file).read_text(encoding="utf-8")
                assert finding.location.line <= text.count("\n") + 1
