"""manual-attestation: the newest record decides; each way a record falls short has its words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pledge.checks.engine import evaluate
from pledge.checks.findings import Status
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.policy import Policy
from tests.helpers import AS_OF_DATE, only, run_check, write_inventory

VALID = {"commitment": "EX-001", "statement": "Staff trained", "attested_by": "DPO",
         "date": "2026-06-01", "evidence": "https://intranet/training", "expires": "2027-06-01"}


def _run(tmp_path: Path, records: list[dict[str, Any]], **check: Any) -> Any:
    return run_check(tmp_path, {"kind": "manual-attestation", **check},
                     {"attestations": records} if records else {})


def test_a_valid_attestation_is_manual_with_its_facts(tmp_path: Path) -> None:
    result = _run(tmp_path, [VALID], max_age="P1Y", method="interview")
    [finding] = result.findings
    assert finding.status is Status.MANUAL
    assert (finding.subject.type, finding.subject.id) == ("attestation", "EX-001")
    assert finding.message == "attested by DPO on 2026-06-01: Staff trained"
    assert finding.evidence == {"rule": "attested", "attested_by": "DPO", "date": "2026-06-01",
                                "expires": "2027-06-01", "evidence": "https://intranet/training",
                                "statement": "Staff trained", "method": "interview"}
    assert result.outcomes[0].checked == 1


@pytest.mark.parametrize(("changes", "words"), [
    ({"date": "2026-11-30", "expires": "2027-11-30"},
     "is dated 2026-11-30, after the evaluation date 2026-11-29"),
    ({"date": "2026-01-01", "expires": "2026-11-28"}, "expired on 2026-11-28"),
    ({"date": "2025-11-28", "expires": "2027-01-01"},
     "is 366 days old, older than P1Y on the calendar"),
])
def test_each_way_a_record_falls_short(tmp_path: Path, changes: dict[str, str],
                                       words: str) -> None:
    [finding] = only(_run(tmp_path, [{**VALID, **changes}], max_age="P1Y"), Status.FAIL)
    assert finding.message == f"the attestation for EX-001 {words}"
    assert finding.evidence["rule"] == "stale"
    assert finding.evidence["method"] == "examine"


@pytest.mark.parametrize(("date", "expires"), [("2026-11-29", "2026-11-29"),
                                               ("2025-11-29", "2026-11-29")])
def test_the_last_day_still_counts(tmp_path: Path, date: str, expires: str) -> None:
    result = _run(tmp_path, [{**VALID, "date": date, "expires": expires}], max_age="P1Y")
    assert [f.status for f in result.findings] == [Status.MANUAL]


def test_without_max_age_an_old_unexpired_record_counts(tmp_path: Path) -> None:
    result = _run(tmp_path, [{**VALID, "date": "2020-01-01", "expires": "2030-01-01"}])
    assert [f.status for f in result.findings] == [Status.MANUAL]


def test_the_newest_record_decides(tmp_path: Path) -> None:
    old = {**VALID, "date": "2024-01-01", "expires": "2025-01-01"}
    assert [f.status for f in _run(tmp_path / "a", [VALID, old]).findings] == [Status.MANUAL]
    newer_but_expired = {**VALID, "date": "2026-07-01", "expires": "2026-08-01"}
    [finding] = _run(tmp_path / "b", [VALID, newer_but_expired]).findings
    assert finding.status is Status.FAIL and "expired on 2026-08-01" in finding.message


def test_no_record_fails_and_says_how_to_record_one(tmp_path: Path) -> None:
    other = {**VALID, "commitment": "EX-002"}  # no commitment of the policy: it attests nothing
    failing = only(_run(tmp_path, [other]), Status.FAIL)
    assert sorted(f.evidence["rule"] for f in failing) == ["missing", "unknown-commitment"]
    [finding] = [f for f in failing if f.evidence["rule"] == "missing"]
    assert (finding.subject.type, finding.subject.id) == ("commitment", "EX-001")
    assert finding.message == "no attestation is recorded for EX-001"
    assert finding.evidence == {"rule": "missing"}
    assert finding.remediation == ("record one under attestations: (commitment, statement, "
                                   "attested_by, date, evidence, expires)")


@pytest.mark.parametrize("method", ["examine", "interview", "test"])
def test_each_assessment_method_is_accepted_and_reported(tmp_path: Path, method: str) -> None:
    [finding] = _run(tmp_path, [VALID], method=method).findings
    assert finding.status is Status.MANUAL and finding.evidence["method"] == method


@pytest.mark.parametrize(("changes", "words"), [
    ({"attested_by": "TBD"}, "names no one who attests it"),
    ({"attested_by": "n/a"}, "names no one who attests it"),
    ({"evidence": "none"}, "links no evidence"),
    ({"evidence": "TBD"}, "links no evidence"),
])
def test_a_placeholder_record_fails_and_says_what_is_missing(
        tmp_path: Path, changes: dict[str, str], words: str) -> None:
    [finding] = _run(tmp_path, [{**VALID, **changes}]).findings
    assert finding.status is Status.FAIL
    assert (finding.subject.type, finding.subject.id) == ("attestation", "EX-001")
    assert finding.message == f"the attestation for EX-001 {words}"
    assert finding.remediation == "renew the attestation with current evidence"
    assert finding.evidence["rule"] == "stale"


def test_an_attestation_of_no_commitment_is_failed_under_the_nearest(tmp_path: Path) -> None:
    """Two manual commitments: each unknown id is reported once, under the nearest commitment
    (the first one when none is near), with a hint only when one is."""
    def commitment(cid: str) -> dict[str, Any]:
        return {"id": cid, "title": cid, "severity": "high",
                "clause": {"section": "Test", "quote": "We promise."},
                "check": {"kind": "manual-attestation"}}

    policy = Policy.model_validate({
        "id": "test-policy", "title": "Test policy", "version": "1", "organisation": "Test",
        "source": {"title": "t", "path": "t.txt", "sha256": "0" * 64},
        "commitments": [commitment("SEC-006"), commitment("SEC-007")]})
    records = [{**VALID, "commitment": cid} for cid in ("SEC-007x", "SEC-006x", "UNRELATED")]
    root = write_inventory(tmp_path / "inventory", {"attestations": records})
    result = evaluate(policy, load_inventory(root), as_of=AS_OF_DATE)
    unknown = [(f.commitment, f.subject.id, f.message) for f in result.findings
               if f.evidence.get("rule") == "unknown-commitment"]
    said = "which the policy does not have, so it attests nothing"
    assert unknown == [
        ("SEC-006", "SEC-006x", f"an attestation names commitment 'SEC-006x', {said}; did you "
                                "mean SEC-006?"),
        ("SEC-006", "UNRELATED", f"an attestation names commitment 'UNRELATED', {said}"),
        ("SEC-007", "SEC-007x", f"an attestation names commitment 'SEC-007x', {said}; did you "
                                "mean SEC-007?")]
