"""Waivers: waived, expired, unused and malformed, read from real YAML files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pledge.checks.findings import Status
from tests.conftest import AS_OF, run_inprocess, run_pledge
from tests.reports.ci_support import (
    copy_inventory,
    line_of,
    report_for,
    set_flow_tls,
    store_card_numbers,
)

CARD_WAIVER = """waivers:
  - commitment: PAY-001
    subject: {{type: field, id: order_db.card_number}}
    justification: Legacy column, dropped by migration 0042
    approver: dpo@marosoap.example
    expires: {expires}
    ticket: PRIV-142
"""


def _broken(tmp_path: Path) -> Path:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    return root


def _json(run_out: str) -> dict:
    return json.loads(run_out)


def test_an_active_waiver_waives_the_failure(tmp_path: Path) -> None:
    root = _broken(tmp_path)
    waivers = root / "waivers.yaml"  # found automatically inside the inventory
    waivers.write_text(CARD_WAIVER.format(expires="2027-03-31"), encoding="utf-8")
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    report = _json(run.out)
    finding = next(f for f in report["findings"] if f["commitment"] == "PAY-001")
    assert finding["status"] == "waived"
    assert finding["evidence"]["waiver"] == {
        "file": "inv/waivers.yaml", "line": 2, "justification":
        "Legacy column, dropped by migration 0042", "approver": "dpo@marosoap.example",
        "expires": "2027-03-31", "ticket": "PRIV-142", "state": "active"}
    assert next(c for c in report["commitments"] if c["id"] == "PAY-001")["status"] == "waived"
    assert {"path": "inv/waivers.yaml", "role": "waivers",
            "sha256": hashlib.sha256(waivers.read_bytes()).hexdigest()} in report["inputs"]
    assert report["summary"]["result"] == "pass"
    # found inside the inventory: said loudly, with what it waived and who approved it
    [implicit] = report["warnings"]
    assert implicit.startswith("IMPLICIT WAIVERS: inv/waivers.yaml")
    assert "1 finding waived" in implicit
    assert "dpo@marosoap.example" in implicit


def test_an_expired_waiver_does_not_waive_and_says_so(tmp_path: Path) -> None:
    root = _broken(tmp_path)
    (root / "waivers.yaml").write_text(CARD_WAIVER.format(expires="2026-11-28"),
                                       encoding="utf-8")
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "json", cwd=tmp_path)
    assert run.code == 1, run.err
    report = _json(run.out)
    finding = next(f for f in report["findings"] if f["commitment"] == "PAY-001")
    assert finding["status"] == "fail"
    assert "inv/waivers.yaml:2" in finding["message"]
    assert "expired on 2026-11-28" in finding["message"]
    assert finding["evidence"]["waiver"]["state"] == "expired"
    assert report["warnings"][0].startswith("IMPLICIT WAIVERS: inv/waivers.yaml")
    assert report["warnings"][1:] == ["inv/waivers.yaml:2: the waiver for PAY-001 field "
                                  "order_db.card_number expired on 2026-11-28; the finding "
                                  "fails again"]


def test_a_waiver_on_its_last_day_still_waives(tmp_path: Path) -> None:
    root = _broken(tmp_path)
    (root / "waivers.yaml").write_text(CARD_WAIVER.format(expires=AS_OF), encoding="utf-8")
    run = run_pledge("check", "inv", "--as-of", AS_OF, cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    assert "WAIVED PAY-001" in run.out


def test_an_unused_waiver_is_a_warning_and_waivers_match_by_fingerprint(tmp_path: Path) -> None:
    root = _broken(tmp_path)
    set_flow_tls(root, "orders_to_amana", "1.0")
    amana = next(f for f in report_for(root).findings
                 if f.status is Status.FAIL and f.subject.id == "orders_to_amana")
    (tmp_path / "accepted.yaml").write_text(
        CARD_WAIVER.format(expires="2027-01-01")
        + f"""  - commitment: SEC-008
    fingerprint: {amana.fingerprint}
    justification: Amana's endpoint is upgraded in December
    approver: cto@marosoap.example
    expires: 2027-01-01
  - commitment: RET-001
    subject: {{type: field, id: customer_db.email}}
    justification: nothing fails here
    approver: dpo@marosoap.example
    expires: 2027-01-01
""", encoding="utf-8")
    run = run_pledge("check", "inv", "--as-of", AS_OF, "--waivers", "accepted.yaml",
                     "-f", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    report = _json(run.out)
    assert {f["commitment"]: f["status"] for f in report["findings"]
            if f["commitment"] in ("PAY-001", "SEC-008")} == {"PAY-001": "waived",
                                                               "SEC-008": "waived"}
    line = line_of(tmp_path / "accepted.yaml", r"commitment: RET-001")
    assert report["warnings"] == [f"accepted.yaml:{line}: the waiver for RET-001 field "
                                  "customer_db.email matches no failing finding; remove it"]


def test_malformed_waivers_are_input_errors_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "waivers.yaml").write_text("""waivers:
  - commitment: PAY-001
    subject: {type: field, id: order_db.card_number}
    approver: dpo
    expires: 2027-01-01
  - commitment: PAY-001
    subject: {type: field, id: order_db.card_number}
    justification: "   "
    approver: dpo
  - commitment: PAY-007
    subject: {type: field, id: order_db.card_number}
    justification: typo in the id
    approver: dpo
    expires: 2027-01-01
""", encoding="utf-8")
    run = run_pledge("check", "--as-of", AS_OF, "--waivers", tmp_path / "waivers.yaml")
    assert run.code == 2
    errors = run.err.splitlines()
    assert any(":2: PLG-E005 missing required field 'justification'" in e for e in errors)
    assert any(":6: PLG-E005 missing required field 'expires'" in e for e in errors)
    assert any(":8: PLG-E006" in e and "justification" in e for e in errors)
    assert "Traceback" not in run.err
    # subject and fingerprint together are one too many
    (tmp_path / "waivers.yaml").write_text("""waivers:
  - commitment: PAY-007
    fingerprint: 0123456789abcdef0123456789abcdef
    subject: {type: field, id: order_db.card_number}
    justification: both ways of naming the finding
    approver: dpo
    expires: 2027-01-01
""", encoding="utf-8")
    run = run_inprocess("check", "--as-of", AS_OF, "--waivers", tmp_path / "waivers.yaml")
    assert run.code == 2
    assert "waivers.yaml:2: PLG-E006" in run.err and "exactly one" in run.err


def test_an_unknown_commitment_and_two_waiver_files_are_input_errors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _broken(tmp_path)
    monkeypatch.chdir(tmp_path)
    (root / "waivers.yaml").write_text(CARD_WAIVER.format(expires="2027-01-01").replace(
        "PAY-001", "PAY-01O"), encoding="utf-8")
    run = run_inprocess("check", "inv", "--as-of", AS_OF)
    assert run.code == 2
    assert "inv/waivers.yaml:2: PLG-E006" in run.err  # the id's form is checked first
    (root / "waivers.yaml").write_text(CARD_WAIVER.format(expires="2027-01-01").replace(
        "PAY-001", "PAY-011"), encoding="utf-8")
    (root / "waivers.yml").write_text("waivers: []\n", encoding="utf-8")
    run = run_inprocess("check", "inv", "--as-of", AS_OF)
    assert run.code == 2 and "PLG-E009" in run.err and "two waiver files" in run.err
    (root / "waivers.yml").unlink()
    run = run_inprocess("check", "inv", "--as-of", AS_OF)
    assert run.code == 2
    assert "inv/waivers.yaml:2: PLG-E015" in run.err and "did you mean PAY-001?" in run.err
