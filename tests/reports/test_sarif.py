"""SARIF 2.1.0: valid against the official schema, located on the declaring YAML line."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from pledge.checks.findings import Status
from pledge.reports import sarif
from pledge.reports.document import Gate
from tests.conftest import AS_OF, run_pledge
from tests.helpers import inventory_examples
from tests.reports.ci_support import (
    copy_inventory,
    declares,
    line_of,
    report_for,
    reverse_entries,
    sarif_errors,
    send_cards_to_ads,
    set_flow_tls,
    store_card_numbers,
)

EXAMPLE_DIRS = inventory_examples()


def uri_path(uri: str) -> Path:
    """The file a SARIF artifact URI names (absolute file URI, or relative to the cwd)."""
    return Path(unquote(uri.removeprefix("file://")))


def _results(log: dict) -> list[dict]:
    return log["runs"][0]["results"]


def _region_line(result: dict) -> tuple[str, int | None]:
    where = result["locations"][0]["physicalLocation"]
    return where["artifactLocation"]["uri"], where.get("region", {}).get("startLine")


def test_bundled_inventory_gives_a_valid_log_with_one_rule_per_commitment() -> None:
    run = run_pledge("check", "--as-of", AS_OF, "--format", "sarif")
    assert run.code == 0, run.err
    log = json.loads(run.out)
    assert sarif_errors(log) == []
    assert log["version"] == "2.1.0"
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    report = report_for()
    assert [r["id"] for r in rules] == [c.id for c in report.commitments]
    for rule, commitment in zip(rules, report.commitments, strict=True):
        assert rule["shortDescription"]["text"] == commitment.title
        assert commitment.clause.quote in rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) >= 0
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert _results(log) == []


def test_broken_inventory_results_sit_on_the_declaring_lines(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)                      # PAY-001: a field
    set_flow_tls(root, "orders_to_amana", "1.0")  # SEC-008: a flow
    set_flow_tls(root, "orders_to_dhl", None)     # SEC-008: a flow without TLS
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "sarif", cwd=tmp_path)
    assert run.code == 1, run.err
    log = json.loads(run.out)
    assert sarif_errors(log) == []
    by_subject = {r["properties"]["subject"]["id"]: r for r in _results(log)}
    expected = {
        "order_db.card_number": ("inv/stores.yaml", line_of(root / "stores.yaml",
                                                             r"name: card_number, .*P18M")),
        "orders_to_amana": ("inv/flows.yaml", line_of(root / "flows.yaml",
                                                      r"- id: orders_to_amana$")),
        "orders_to_dhl": ("inv/flows.yaml", line_of(root / "flows.yaml",
                                                    r"- id: orders_to_dhl$")),
    }
    for subject, place in expected.items():
        assert _region_line(by_subject[subject]) == place
        assert by_subject[subject]["locations"][0]["physicalLocation"]["artifactLocation"][
            "uriBaseId"] == "%SRCROOT%"
    assert by_subject["order_db.card_number"]["ruleId"] == "PAY-001"
    assert by_subject["order_db.card_number"]["level"] == "error"
    assert {r["ruleId"] for r in _results(log)} == {"PAY-001", "SEC-008"}
    # the flow's region runs from its declaration down to the offending transport line
    amana = by_subject["orders_to_amana"]["locations"][0]["physicalLocation"]["region"]
    assert amana["endLine"] == line_of(root / "flows.yaml", r'tls: "1.0"')


def test_path_findings_carry_the_graph_path_as_a_code_flow(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    send_cards_to_ads(root)
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "sarif", cwd=tmp_path)
    log = json.loads(run.out)
    assert sarif_errors(log) == []
    pay002 = [r for r in _results(log) if r["ruleId"] == "PAY-002"]
    assert pay002
    steps = pay002[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    texts = [s["location"]["message"]["text"] for s in steps]
    assert texts == ["subject customers", "flow card_to_ads", "system ad_network"]
    lines = [s["location"]["physicalLocation"]["region"]["startLine"] for s in steps]
    assert lines == [line_of(root / "subjects.yaml", r"- id: customers$"),
                     line_of(root / "flows.yaml", r"- id: card_to_ads$"),
                     line_of(root / "systems.yaml", r"- id: ad_network$")]
    assert [s["executionOrder"] for s in steps] == [1, 2, 3]


@pytest.mark.parametrize("example", EXAMPLE_DIRS, ids=lambda p: p.name)
def test_every_broken_example_gives_a_valid_log_on_the_declaring_lines(example: Path) -> None:
    report = report_for(example)
    log = sarif.sarif(report)
    assert sarif_errors(log) == []
    commitment = "-".join(example.name.split("-")[:2])
    results = _results(log)
    assert results and {r["ruleId"] for r in results} == {commitment}
    for result in results:
        subject = result["properties"]["subject"]
        uri, line = _region_line(result)
        if line is None:  # a missing attestation: nothing in the inventory declares it
            assert subject["type"] == "commitment"
            continue
        text = uri_path(uri).read_text(encoding="utf-8").splitlines()[line - 1]
        assert declares(text, subject["type"], subject["id"]), (subject, text)
        assert len(result["partialFingerprints"]["pledgeFingerprint/v1"]) == 32


def test_fingerprints_survive_reordering(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    send_cards_to_ads(root)
    before = {r["partialFingerprints"]["pledgeFingerprint/v1"]
              for r in _results(sarif.sarif(report_for(root)))}
    reverse_entries(root / "flows.yaml")
    after = {r["partialFingerprints"]["pledgeFingerprint/v1"]
             for r in _results(sarif.sarif(report_for(root)))}
    assert before == after and before


def test_waived_and_baselined_results(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    report = report_for(root)
    failing = next(f for f in report.findings if f.status is Status.FAIL)
    waived = failing.model_copy(update={"status": Status.WAIVED, "evidence": {
        **failing.evidence, "waiver": {"file": "inv/waivers.yaml", "line": 2,
                                       "justification": "migration", "approver": "dpo",
                                       "expires": "2027-01-01", "state": "active"}}})
    log = sarif.sarif(report.model_copy(update={"findings": [waived]}))
    assert sarif_errors(log) == []
    assert _results(log)[0]["suppressions"][0]["status"] == "accepted"
    gated = report.model_copy(update={"gate": Gate(baseline="base.json",
                                                   baselined=[failing.fingerprint])})
    log = sarif.sarif(gated)
    assert sarif_errors(log) == []
    assert {r["baselineState"] for r in _results(log)} == {"unchanged"}


def test_output_is_deterministic_and_redacted(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    report = report_for(root)
    failing = next(f for f in report.findings if f.status is Status.FAIL)
    hostile = failing.model_copy(update={
        "message": "card 4111 1111 1111 1111 via postgres://app:hunter2@db/x \x1b[31m"})
    report = report.model_copy(update={"findings": [hostile]})
    text = sarif.render(report)
    assert text == sarif.render(report)
    assert "4111 1111 1111 1111" not in text and "hunter2" not in text and "\x1b" not in text
    assert sarif_errors(json.loads(text)) == []
