"""Baselines: only findings absent from a previous JSON report fail the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pledge.checks.findings import Finding, Status, Subject
from pledge.checks.gating.baseline import baselined
from pledge.policy_model.redact import redact
from pledge.policy_model.types import Severity
from tests.conftest import AS_OF, run_pledge
from tests.reports.ci_support import (
    add_unrelated_system,
    copy_inventory,
    report_for,
    reverse_entries,
    send_cards_to_ads,
    set_flow_tls,
    store_card_numbers,
)


def _failing(report: dict) -> set[str]:
    return {f["fingerprint"] for f in report["findings"] if f["status"] == "fail"}


@pytest.fixture(scope="module")
def baselined_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A failing inventory and the baseline written for it, made once for the module."""
    where = tmp_path_factory.mktemp("baselined")
    root = copy_inventory(where)
    send_cards_to_ads(root)
    set_flow_tls(root, "orders_to_amana", "1.0")
    run = run_pledge("check", "inv", "--as-of", AS_OF, "--write-baseline", "base.json",
                     cwd=where)
    assert run.code == 0, run.out + run.err  # the new baseline accepts what fails today
    return where


def _baselined_inventory(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template / "inv", tmp_path / "inv")
    shutil.copy(template / "base.json", tmp_path / "base.json")
    return tmp_path / "inv"


def test_write_baseline_writes_a_json_report(baselined_template: Path, tmp_path: Path) -> None:
    _baselined_inventory(baselined_template, tmp_path)
    base = json.loads((tmp_path / "base.json").read_text(encoding="utf-8"))
    assert base["format"] == "pledge-report/1"
    assert len(_failing(base)) >= 5
    assert set(base["gate"]["baselined"]) == {
        f["fingerprint"] for f in base["findings"] if f["status"] == "fail"}


def test_reordering_and_unrelated_edits_add_no_new_finding(baselined_template: Path,
                                                           tmp_path: Path) -> None:
    root = _baselined_inventory(baselined_template, tmp_path)
    for name in ("flows.yaml", "stores.yaml", "systems.yaml", "subjects.yaml"):
        reverse_entries(root / name)
    add_unrelated_system(root)
    run = run_pledge("check", "inv", "--as-of", AS_OF, "--baseline", "base.json", "-f", "json",
                     cwd=tmp_path)
    assert run.code == 0, run.err
    report = json.loads(run.out)
    base = json.loads((tmp_path / "base.json").read_text(encoding="utf-8"))
    assert _failing(report) == _failing(base)  # still reported, every one known
    assert set(report["gate"]["baselined"]) == _failing(report)
    assert report["summary"]["result"] == "pass"
    # the lines moved, the fingerprints did not
    lines = {f["fingerprint"]: f["location"]["line"] for f in report["findings"]
             if f["status"] == "fail"}
    base_lines = {f["fingerprint"]: f["location"]["line"] for f in base["findings"]
                  if f["status"] == "fail"}
    assert lines != base_lines


def test_a_new_failure_fails_the_run_and_only_it(baselined_template: Path, tmp_path: Path) -> None:
    root = _baselined_inventory(baselined_template, tmp_path)
    store_card_numbers(root)
    run = run_pledge("check", "inv", "--as-of", AS_OF, "--baseline", "base.json",
                     "-f", "sarif", "-f", "json", "-o", "report.json", cwd=tmp_path)
    assert run.code == 1, run.err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    base = json.loads((tmp_path / "base.json").read_text(encoding="utf-8"))
    new = _failing(report) - _failing(base)
    assert [f["commitment"] for f in report["findings"] if f["fingerprint"] in new] == [
        "PAY-001"]
    states = {r["ruleId"]: r["baselineState"] for r in json.loads(run.out)["runs"][0]["results"]
              if r["ruleId"] in ("PAY-001", "SEC-008")}
    assert states == {"PAY-001": "new", "SEC-008": "unchanged"}


def test_a_baseline_that_is_not_a_report_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"format": "pledge-report/1",\n  "findings": [}\n',
                                          encoding="utf-8")
    (tmp_path / "other.json").write_text('{"version": "2.1.0"}\n', encoding="utf-8")
    run = run_pledge("check", "--as-of", AS_OF, "--baseline", tmp_path / "broken.json")
    assert run.code == 2 and "broken.json:2: PLG-E002" in run.err, run.err
    run = run_pledge("check", "--as-of", AS_OF, "--baseline", tmp_path / "other.json")
    assert run.code == 2 and "other.json:1: PLG-E017" in run.err, run.err


def test_fingerprints_ignore_order_and_unrelated_entries(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    send_cards_to_ads(root)
    before = {f.fingerprint for f in report_for(root).findings if f.status is Status.FAIL}
    for name in ("flows.yaml", "stores.yaml", "systems.yaml"):
        reverse_entries(root / name)
    add_unrelated_system(root)
    after = {f.fingerprint for f in report_for(root).findings if f.status is Status.FAIL}
    assert before == after and before


def test_a_fingerprint_with_a_card_like_digit_run_is_left_intact() -> None:
    fingerprint = "d4111111111111111" + "a" * 15  # a Luhn-valid digit run inside the hash
    assert redact(fingerprint) == fingerprint
    finding = Finding(commitment="PAY-001", kind="forbidden-storage", code="PLG101",
                      status=Status.FAIL, severity=Severity.CRITICAL,
                      subject=Subject(type="field", id="a.b"), message="m",
                      fingerprint=fingerprint)
    assert baselined([finding], frozenset({fingerprint})) == [fingerprint]
    assert baselined([finding], frozenset({"0" * 32})) == []


def test_gated_waived_report_matches_the_report_schema(baselined_template: Path) -> None:
    from jsonschema import Draft202012Validator

    from pledge.cli.commands.schema import schemas

    base = json.loads((baselined_template / "base.json").read_text(encoding="utf-8"))
    assert base["gate"] is not None and base["declarations"]
    validator = Draft202012Validator(schemas()["report"])
    assert sorted(e.message for e in validator.iter_errors(base)) == []
    waived = dict(base["findings"][0], status="waived", evidence={
        "waiver": {"file": "w.yaml", "line": 2, "justification": "j", "approver": "a",
                   "expires": "2027-01-01", "ticket": None, "state": "active"}})
    assert sorted(e.message for e in validator.iter_errors(
        dict(base, findings=[waived]))) == []
