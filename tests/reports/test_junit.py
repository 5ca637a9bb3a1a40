"""JUnit XML: parses, one test case per finding, one failure per failing finding."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from pledge.checks.findings import Status
from pledge.reports import junit
from tests.conftest import AS_OF, run_pledge
from tests.reports.ci_support import (
    copy_inventory,
    report_for,
    send_cards_to_ads,
    set_flow_tls,
    store_card_numbers,
    waived_and_baselined_report,
)


def test_bundled_inventory_has_no_failures() -> None:
    run = run_pledge("check", "--as-of", AS_OF, "--format", "junit")
    assert run.code == 0, run.err
    root = ET.fromstring(run.out)
    assert root.tag == "testsuites"
    assert root.get("failures") == "0" and root.get("errors") == "0"
    report = report_for()
    assert len(root.findall("testsuite")) == len(report.commitments)
    # one case per finding, and per commitment one listing the subjects it judged
    cases = list(root.iter("testcase"))
    assert int(root.get("tests")) == len(report.findings) + len(report.commitments) == len(cases)
    listings = [c for c in cases if c.get("name").startswith("judged subjects (")]
    assert len(listings) == len(report.commitments)


def test_one_failure_per_failing_finding(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    set_flow_tls(root, "orders_to_amana", "1.0")
    send_cards_to_ads(root)
    run = run_pledge("check", "inv", "--as-of", AS_OF, "-f", "junit", "-f", "json", "-o",
                     "report.json", cwd=tmp_path)
    assert run.code == 1, run.err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    failing = [f for f in report["findings"] if f["status"] == "fail"]
    xml = ET.fromstring(run.out)
    failures = list(xml.iter("failure"))
    assert len(failures) == len(failing) == int(xml.get("failures")) >= 5
    assert sum(int(s.get("failures")) for s in xml.iter("testsuite")) == len(failing)
    pay001 = next(s for s in xml.iter("testsuite") if s.get("name").startswith("PAY-001 "))
    case = next(c for c in pay001.iter("testcase") if c.find("failure") is not None)
    assert case.get("name") == "field order_db.card_number"
    assert case.get("classname") == "pledge.PAY-001"
    assert case.get("file") == "inv/stores.yaml" and case.get("line")
    body = case.find("failure").text
    assert "card_number" in body and "Evidence:" in body and "Fix:" in body
    # a subject failing two rules of one commitment gets two cases, told apart by the rule
    pay002 = next(s for s in xml.iter("testsuite") if s.get("name").startswith("PAY-002 "))
    names = [c.get("name") for c in pay002.iter("testcase")
             if not c.get("name").startswith("judged subjects")]
    assert len(names) == len(set(names)) == 2


def test_text_is_escaped_and_redacted(tmp_path: Path) -> None:
    root = copy_inventory(tmp_path)
    store_card_numbers(root)
    report = report_for(root)
    failing = next(f for f in report.findings if f.status is Status.FAIL)
    message = "<b>&\"]]></failure>\x00\x1b[2J card 4111-1111-1111-1111 token=abc123"
    hostile = failing.model_copy(update={"message": message})
    text = junit.render(report.model_copy(update={"findings": [hostile]}))
    assert text == junit.render(report.model_copy(update={"findings": [hostile]}))
    xml = ET.fromstring(text)  # parses: nothing escaped the markup
    failure = next(xml.iter("failure"))
    assert "<b>&\"]]></failure>" in failure.get("message")
    assert "4111-1111-1111-1111" not in text and "abc123" not in text
    assert "\x00" not in text and "\x1b" not in text


def test_waived_and_known_failures_are_skipped_not_failed(tmp_path: Path) -> None:
    gated = waived_and_baselined_report(tmp_path)
    xml = ET.fromstring(junit.render(gated))
    assert xml.get("failures") == "0"
    messages = [s.get("message") for s in xml.iter("skipped")]
    assert any(m.startswith("waived until 2027-01-01 by dpo") for m in messages)
    assert any(m.startswith("known failure, in the baseline") for m in messages)
