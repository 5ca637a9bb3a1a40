"""The main job of the README: the bundled policy and inventory pass, as a subprocess."""

from __future__ import annotations

import json

from tests.conftest import AS_OF, run_pledge


def test_bundled_inventory_passes_every_commitment() -> None:
    run = run_pledge("check", "--as-of", AS_OF)
    assert run.code == 0, run.out + run.err
    assert "PASS: 29 commitments" in run.out


def test_json_report_lists_every_commitment_once() -> None:
    run = run_pledge("check", "--as-of", AS_OF, "--format", "json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    ids = [c["id"] for c in report["commitments"]]
    assert len(ids) == len(set(ids)) == 29
    assert {c["status"] for c in report["commitments"]} <= {"pass", "manual"}
