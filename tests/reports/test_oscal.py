"""OSCAL 1.0.6 assessment results and POA&M: valid against the official schemas, deterministic."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

import pytest

from pledge.reports import oscal, poam
from tests.conftest import AS_OF, run_pledge
from tests.helpers import inventory_examples
from tests.reports.support import (
    WAIVERS,
    Rendered,
    broken_inventory,
    run_inventory,
    schema_errors,
)

UUID5 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def example_dirs() -> list[Path]:
    """The broken examples (one per commitment), when that directory holds them."""
    return inventory_examples()


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """A run of a copy of MAROSOAP that breaks PAY-001 and PAY-002."""
    return run_inventory(broken_inventory(tmp_path_factory.mktemp("oscal")))


def uuids(document: object) -> list[str]:
    """Every value of a 'uuid' key, anywhere in the document."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "uuid":
                found.append(value)
            found += uuids(value)
    elif isinstance(document, list):
        for value in document:
            found += uuids(value)
    return found


def test_the_validator_really_checks_patterns_and_formats(broken: Rendered) -> None:
    good = oscal.build(broken.report)
    assert schema_errors("assessment-results", good) == []
    for path, value in ((("metadata", "last-modified"), "2026-11-29"),
                        (("metadata", "last-modified"), "2026-11-29T00:00:00"),
                        (("uuid",), str(uuid.uuid1())),
                        (("results", 0, "reviewed-controls", "control-selections", 0,
                          "include-controls", 0, "control-id"), "not a token")):
        bad = copy.deepcopy(good)
        target = bad["assessment-results"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert schema_errors("assessment-results", bad), f"{path} = {value!r} was accepted"


def test_bundled_inventory_is_valid_and_has_no_open_gaps() -> None:
    run = run_inventory()
    document = oscal.build(run.report)
    assert schema_errors("assessment-results", document) == []
    result = document["assessment-results"]["results"][0]
    assert "risks" not in result
    states = {f["target"]["status"]["state"] for f in result["findings"]}
    assert states == {"satisfied"}
    with pytest.raises(poam.NothingToPlan):
        poam.build(run.report)


def test_failures_become_findings_with_observation_risk_and_poam_item(broken: Rendered) -> None:
    document = oscal.build(broken.report)["assessment-results"]
    result = document["results"][0]
    controls = [c["control-id"] for c in
                result["reviewed-controls"]["control-selections"][0]["include-controls"]]
    assert controls == [c.id for c in broken.report.commitments]
    observations = {o["uuid"]: o for o in result["observations"]}
    risks = {r["uuid"]: r for r in result["risks"]}
    open_findings = [f for f in result["findings"]
                     if f["target"]["status"]["state"] == "not-satisfied"]
    assert {f["target"]["target-id"] for f in open_findings} == {"PAY-001", "PAY-002"}
    for finding in open_findings:
        observation = observations[finding["related-observations"][0]["observation-uuid"]]
        assert observation["methods"] == ["TEST"]
        assert observation["relevant-evidence"][0]["description"]
        risk = risks[finding["related-risks"][0]["risk-uuid"]]
        assert risk["status"] == "open" and risk["remediations"][0]["description"]
    plan = poam.build(broken.report)
    assert schema_errors("poam", plan) == []
    items = plan["plan-of-action-and-milestones"]["poam-items"]
    assert sorted(i["related-findings"][0]["finding-uuid"] for i in items) == sorted(
        f["uuid"] for f in open_findings)


def test_manual_attestations_are_observations_with_their_method(broken: Rendered) -> None:
    result = oscal.build(broken.report)["assessment-results"]["results"][0]
    methods = {}
    for observation in result["observations"]:
        props = {p["name"]: p["value"] for p in observation["props"]}
        if props["kind"] == "manual-attestation":
            methods[props["commitment"]] = observation["methods"]
            assert observation["origins"][0]["actors"][0]["type"] == "party"
            assert observation["relevant-evidence"][0]["href"].startswith("https://")
            assert observation["expires"].endswith("T00:00:00Z")
    expected = {c.id: [str(c.parameters["method"]).upper()]
                for c in broken.report.commitments if c.kind == "manual-attestation"}
    assert methods == expected
    assert {"EXAMINE", "INTERVIEW", "TEST"} <= {m[0] for m in methods.values()}


def test_back_matter_carries_the_evidence_manifest(broken: Rendered) -> None:
    document = oscal.build(broken.report)["assessment-results"]
    resources = document["back-matter"]["resources"]
    recorded = sorted((r["rlinks"][0]["hashes"][0]["value"], r["title"]) for r in resources)
    assert recorded == sorted((i.sha256, f"{i.role}: {i.path}") for i in broken.report.inputs)
    assert document["import-ap"]["href"] == "#" + oscal.policy_resource(broken.report)


def test_uuids_are_version_5_unique_and_stable(broken: Rendered) -> None:
    first = oscal.build(broken.report)
    found = uuids(first)
    assert all(UUID5.match(u) for u in found)
    assert len(found) == len(set(found)), "uuids repeat"
    assert oscal.render(broken.report) == oscal.render(broken.report)
    again = run_inventory(Path(broken.inventory.root or ""))
    assert oscal.render(again.report) == oscal.render(broken.report)


def test_timestamps_come_from_the_date_unless_one_is_given(broken: Rendered) -> None:
    document = oscal.build(broken.report)["assessment-results"]
    assert document["metadata"]["last-modified"] == f"{AS_OF}T00:00:00Z"
    assert document["results"][0]["start"] == f"{AS_OF}T00:00:00Z"
    stamped = broken.report.model_copy(update={"generated_at": "2026-11-29T13:14:15+02:00"})
    later = oscal.build(stamped)
    assert later["assessment-results"]["metadata"]["last-modified"] == "2026-11-29T11:14:15Z"
    assert schema_errors("assessment-results", later) == []
    assert later["assessment-results"]["uuid"] != document["uuid"]


def test_check_writes_oscal_too() -> None:
    run = run_pledge("check", "--as-of", AS_OF, "--format", "oscal")
    assert run.code == 0, run.err
    assert schema_errors("assessment-results", json.loads(run.out)) == []


@pytest.mark.parametrize("example", example_dirs(), ids=lambda p: p.name)
def test_every_broken_example_is_valid_oscal(example: Path) -> None:
    run = run_inventory(example)
    assert run.report.summary.result == "fail"
    assert schema_errors("assessment-results", oscal.build(run.report)) == []
    assert schema_errors("poam", poam.build(run.report)) == []


def test_a_waived_failure_is_an_approved_deviation(tmp_path: Path) -> None:
    root = broken_inventory(tmp_path)
    (root / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    run = run_inventory(root)
    assert "waivers" in {i.role for i in run.report.inputs}
    document = oscal.build(run.report)
    assert schema_errors("assessment-results", document) == []
    risks = document["assessment-results"]["results"][0]["risks"]
    status = {next(p["value"] for p in r["props"] if p["name"] == "commitment"): r["status"]
              for r in risks}
    assert status == {"PAY-001": "deviation-approved", "PAY-002": "open"}
    # PAY-002 fails twice on the card posted to the shop: an internal recipient, and one that
    # processes for a purpose other than the transaction (sales)
    assert len(poam.build(run.report)["plan-of-action-and-milestones"]["poam-items"]) == 3
