"""The benchmark's synthetic inventories: valid, deterministic, and failing exactly as planted."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from benchmarks.generate import VIOLATIONS, Generated, generate, main, write_json, write_yaml
from pledge.checks.engine import evaluate
from pledge.checks.registry import all_kinds
from pledge.policy_model.loading import load_inventory, load_policy
from pledge.policy_model.vocabulary import default_vocabularies
from tests.conftest import AS_OF, POLICY
from tests.test_policy import IMPORTED_POLICY_KINDS

WHEN = date.fromisoformat(AS_OF)
SMALL = 200  # twenty units: every violation of the cycle is planted once at rate 1


def failing(root: Path) -> set[tuple[str, str, str]]:
    """(commitment, subject type, subject id) of every failing finding."""
    policy = load_policy(POLICY).policy
    result = evaluate(policy, load_inventory(root), as_of=WHEN)
    return {(f.commitment, f.subject.type, f.subject.id) for f in result.findings
            if f.status.failing}


@pytest.fixture(scope="module")
def planted() -> Generated:
    """A small inventory with a violation in every unit."""
    return generate(SMALL, rate=1.0)


def test_every_violation_is_planted_at_small_size(planted: Generated) -> None:
    names = {p.violation for p in planted.manifest}
    assert {name for name, _ in VIOLATIONS} <= names
    assert {"audit-overdue", "attestation-expired"} <= names


def test_planted_violations_cover_every_commitment_kind(planted: Generated) -> None:
    policy = load_policy(POLICY).policy
    kind_of = {c.id: c.check.kind for c in policy.commitments}
    assert {p.commitment for p in planted.manifest} <= set(kind_of)
    run_time_only = {"inventory-drift"}  # DISC-001: added by `pledge check --discover`
    assert {kind_of[p.commitment] for p in planted.manifest} == {
        k.name for k in all_kinds()} - run_time_only - IMPORTED_POLICY_KINDS


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_failing_findings_are_exactly_the_planted_ones(planted: Generated, tmp_path: Path,
                                                       fmt: str) -> None:
    if fmt == "json":
        root = write_json(planted, tmp_path / "inventory.json")
    else:
        root = write_yaml(planted, tmp_path / "inventory", units_per_file=7)
        assert len(list(root.glob("*.yaml"))) > 4  # split into several files
    found = failing(root)
    assert found - planted.expected() == set(), "found but not planted"
    assert planted.expected() - found == set(), "planted but not found"


def test_a_clean_inventory_keeps_every_commitment(tmp_path: Path) -> None:
    clean = generate(100, rate=0.0, singletons=False)
    assert clean.manifest == []
    assert failing(write_json(clean, tmp_path / "clean.json")) == set()


def test_default_rate_plants_few_and_finds_them(tmp_path: Path) -> None:
    generated = generate(1000)
    units = {re.search(r"_(\d{5})", p.subject_id).group(1)  # type: ignore[union-attr]
             for p in generated.manifest if p.subject_type not in ("organisation", "attestation")}
    assert 0 < len(units) < 100 * 0.15  # a hundred units, about five per cent planted
    assert failing(write_json(generated, tmp_path / "inventory.json")) == generated.expected()


def test_proportions_are_realistic(planted: Generated) -> None:
    counts = planted.counts()
    assert counts["systems"] == SMALL
    assert 4.0 <= counts["fields"] / counts["systems"] <= 6.0
    assert 1.8 <= counts["flows"] / counts["systems"] <= 2.5
    assert counts["data_subjects"] >= 2 and counts["consent_gates"] >= 2
    assert planted.data["organisation"] and planted.data["attestations"]


def test_ids_come_from_the_vocabularies(planted: Generated) -> None:
    vocab = default_vocabularies()
    data = planted.data
    categories = {f["category"] for s in data["stores"] for f in s["fields"]}
    categories |= {c for f in data["flows"] for c in f["categories"]}
    purposes = {p for s in data["systems"] for p in s["purposes"]}
    purposes |= {p for f in data["flows"] for p in f["purposes"]}
    assert categories <= set(vocab.data_categories.terms)
    assert purposes <= set(vocab.purposes.terms)


def test_generation_is_deterministic() -> None:
    first, second = generate(300, seed=7), generate(300, seed=7)
    assert json.dumps(first.data) == json.dumps(second.data)
    assert first.manifest == second.manifest
    assert json.dumps(generate(300, seed=8).data) != json.dumps(first.data)


def test_sizes_must_be_whole_units() -> None:
    with pytest.raises(ValueError, match="multiple of 10"):
        generate(15)
    with pytest.raises(ValueError, match="rate"):
        generate(10, rate=2.0)


def test_command_line_writes_inventory_and_manifest(tmp_path: Path) -> None:
    out, manifest = tmp_path / "inv.json", tmp_path / "manifest.json"
    assert main(["--systems", "50", "--rate", "1", "--out", str(out),
                 "--manifest", str(manifest)]) == 0
    document = json.loads(manifest.read_text(encoding="utf-8"))
    assert document["systems"] == 50 and document["counts"]["systems"] == 50
    expected = {(p["commitment"], p["subject_type"], p["subject_id"])
                for p in document["planted"]}
    assert failing(out) == expected
    assert main(["--systems", "50", "--format", "yaml", "--out", str(tmp_path / "yaml")]) == 0
    assert (tmp_path / "yaml" / "systems-000.yaml").is_file()
