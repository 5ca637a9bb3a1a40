"""Gate controls: --fail-on, and --select / --ignore by commitment id or kind code."""

from __future__ import annotations

import json

import pytest

from pledge.checks.findings import Finding, Status, Subject
from pledge.checks.gating.selection import Selection, parse_selectors
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.loading import load_policy
from pledge.policy_model.types import Severity
from pledge.reports.document import Gate
from tests.conftest import AS_OF, EXAMPLES, POLICY, run_inprocess, run_pledge

RET002 = EXAMPLES / "RET-002-sellers-no-disposal"  # five medium-severity failures


def test_failures_below_fail_on_are_reported_but_do_not_fail_the_run() -> None:
    run = run_pledge("check", RET002, "--as-of", AS_OF, "--fail-on", "high", "-f", "json")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    assert len(failing) == 5 and {f["severity"] for f in failing} == {"medium"}
    assert report["summary"]["result"] == "pass"
    assert report["gate"]["fail_on"] == "high"
    assert any("below --fail-on high" in w for w in report["warnings"])


def test_failures_at_fail_on_fail_the_run() -> None:
    run = run_pledge("check", RET002, "--as-of", AS_OF, "--fail-on", "medium")
    assert run.code == 1, run.out + run.err
    assert "FAIL RET-002" in run.out


def test_select_and_ignore_by_id_prefix_and_kind_code() -> None:
    run = run_pledge("check", "--as-of", AS_OF, "-f", "json", "--select", "PAY,PLG3",
                     "--select", "sec-00", "--ignore", "PAY-00", "--ignore", "PLG203")
    assert run.code == 0, run.err
    report = json.loads(run.out)
    got = {c["id"]: c["code"] for c in report["commitments"]}
    policy = load_policy(POLICY).policy
    codes = {"consent-gate": "PLG301", "automated-decisions": "PLG302"}
    expected = {c.id for c in policy.commitments
                if c.check.kind in codes or (c.id.startswith("SEC-00")
                                             and c.check.kind != "transport-encryption")}
    assert set(got) == expected and expected
    assert not any(i.startswith("PAY") for i in got)
    assert report["gate"]["select"] == ["PAY", "PLG3", "SEC-00"]
    assert {f["commitment"] for f in report["findings"]} <= expected


def test_ignoring_the_broken_commitment_passes_the_run() -> None:
    run = run_inprocess("check", RET002, "--as-of", AS_OF, "--ignore", "RET-002")
    assert run.code == 0, run.out + run.err
    assert "RET-002" not in run.out


@pytest.mark.parametrize(("option", "value", "hint"), [
    ("--select", "PAX", "did you mean PAY?"),
    ("--ignore", "PAY-0012", "did you mean PAY-001?"),
    ("--select", "PLG9", "did you mean"),
])
def test_unknown_selectors_are_input_errors_with_a_suggestion(option: str, value: str,
                                                              hint: str) -> None:
    run = run_inprocess("check", "--as-of", AS_OF, option, value)
    assert run.code == 2
    assert "PLG-E015" in run.err and f"{option} {value}" in run.err and hint in run.err
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


def test_the_more_specific_selector_wins() -> None:
    assert Selection(("PAY-001",), ("PAY",)).includes("PAY-001", "PLG101")
    assert not Selection(("PAY-001",), ("PAY",)).includes("PAY-002", "PLG201")
    assert not Selection(("PAY",), ("PAY-001",)).includes("PAY-001", "PLG101")
    assert Selection(("PAY",), ("PAY-001",)).includes("PAY-002", "PLG201")
    assert not Selection((), ("PLG2",)).includes("PAY-002", "PLG201")
    assert not Selection(("PAY",), ("PAY",)).includes("PAY-002", "PLG201")  # tie: ignore
    assert Selection(("PLG101",), ("PAY",)).includes("PAY-001", "PLG101")
    assert Selection().includes("ANY-001", "PLG999")


def test_selectors_are_split_upper_cased_and_deduplicated() -> None:
    assert parse_selectors(["pay, PLG1", "PAY", " ,sec-001"]) == ["PAY", "PLG1", "SEC-001"]


def test_check_known_reports_every_unknown_selector() -> None:
    policy = load_policy(POLICY).policy
    Selection(("PAY", "PLG1", "PLG", "SEC-008"), ("PAY-001",)).check_known(policy)
    with pytest.raises(InputErrors) as caught:
        Selection(("NOPE",), ("PLG77",)).check_known(policy)
    assert {e.code for e in caught.value.errors} == {"PLG-E015"}
    assert len(caught.value.errors) == 2


def _finding(status: Status, severity: Severity, fingerprint: str = "f" * 32) -> Finding:
    return Finding(commitment="PAY-001", kind="forbidden-storage", code="PLG101",
                   status=status, severity=severity, subject=Subject(type="field", id="a.b"),
                   message="m", fingerprint=fingerprint)


def test_gate_states() -> None:
    gate = Gate(fail_on=Severity.HIGH, baseline="b.json", baselined=["b" * 32])
    assert gate.state(_finding(Status.FAIL, Severity.CRITICAL)) == "fails"
    assert gate.state(_finding(Status.FAIL, Severity.MEDIUM)) == "below-threshold"
    assert gate.state(_finding(Status.FAIL, Severity.CRITICAL, "b" * 32)) == "baseline"
    # a check that could not decide fails whatever the floor or the baseline say
    assert gate.state(_finding(Status.ERROR, Severity.LOW, "b" * 32)) == "fails"
    assert gate.state(_finding(Status.WAIVED, Severity.CRITICAL)) is None
    assert gate.state(_finding(Status.PASS, Severity.CRITICAL)) is None
