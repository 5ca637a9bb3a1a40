"""JUnit XML renderer, for the test-report viewers of CI systems.

One test suite per commitment and one test case per finding (a commitment
and a subject): a failure that fails the run is a ``<failure>`` carrying the
message and the evidence, a check that could not decide an ``<error>``. What
is reported without failing the run (waived, in the baseline, below
``--fail-on``, not applicable) is ``<skipped>`` with the reason. Each suite
ends with one more test case, ``judged subjects``, whose ``<system-out>`` lists
every subject the commitment judged, passes included, one line each (verdict,
type, id, file:line, reason). Text is redacted, stripped of characters XML
cannot hold, kept on one line, and escaped by the XML serialiser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from pledge.checks.findings import Finding, Status
from pledge.checks.judged import counts
from pledge.reports.document import Report
from pledge.reports.evidence import Quoted, listing
from pledge.reports.markdown import hex_only
from pledge.reports.safe import plain, printable

_SKIP_REASON = {"baseline": "known failure, in the baseline",
                "below-threshold": "below the --fail-on severity"}


_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _text(value: object) -> str:
    """Redacted one-line text holding only characters XML 1.0 allows.

    Input newlines become spaces: a file name or an attested-by holding
    ``\n::error ...`` or ``\nLocation: ...`` cannot forge a line of the body, which
    CI logs print as they are.
    """
    return _NOT_XML.sub("\ufffd", plain(value))


def _evidence_lines(evidence: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in sorted(evidence.items()):
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
        elif isinstance(value, list):
            value = " -> " .join(map(str, value)) if key == "path" else ", ".join(map(str, value))
        lines.append(f"  {key}: {value}")
    return lines


def _body(finding: Finding) -> str:
    lines = [finding.message]
    if finding.remediation and finding.status is not Status.WAIVED:
        lines.append(f"Fix: {finding.remediation}")
    if finding.location:
        line = f":{finding.location.line}" if finding.location.line else ""
        lines.append(f"Location: {finding.location.file}{line}")
    lines.append(f"Commitment: {finding.commitment} ({finding.kind}, {finding.code}, "
                 f"{finding.severity.value})")
    if finding.evidence:
        lines.append("Evidence:")
        lines += _evidence_lines(finding.evidence)
    # the fingerprint is a hash pledge made, not input text: never masked as a card number
    return "\n".join(_text(line) for line in lines) + (
        f"\nFingerprint: {hex_only(finding.fingerprint)}")


def _case_name(finding: Finding, repeated: bool) -> str:
    if finding.subject.type == "inventory":
        return finding.message
    name = f"{finding.subject.type} {finding.subject.id}"
    rule = finding.evidence.get("rule")
    return f"{name} ({rule})" if repeated and rule else name


def _case(report: Report, classname: str, finding: Finding,
          repeated: bool) -> tuple[ET.Element, str]:
    case = ET.Element("testcase", {"name": _text(_case_name(finding, repeated)),
                                   "classname": f"pledge.{classname}"})
    if finding.location:
        case.set("file", _text(finding.location.file))
        if finding.location.line:
            case.set("line", str(finding.location.line))
    state = report.gate_state(finding)
    title = _text(f"{finding.commitment}: {finding.message}")
    if finding.status is Status.ERROR:
        ET.SubElement(case, "error", {"message": title, "type": finding.code}).text = \
            _body(finding)
        return case, "error"
    if state == "fails":
        ET.SubElement(case, "failure", {"message": title,
                                        "type": f"{finding.code} {finding.kind}"}).text = \
            _body(finding)
        return case, "failure"
    if state in _SKIP_REASON:
        ET.SubElement(case, "skipped", {"message": _text(f"{_SKIP_REASON[state]}: "
                                                         f"{finding.message}")})
        ET.SubElement(case, "system-out").text = _body(finding)
        return case, "skipped"
    if finding.status is Status.WAIVED:
        waiver = finding.evidence.get("waiver") or {}
        reason = (f"waived until {waiver.get('expires')} by {waiver.get('approver')}: "
                  f"{waiver.get('justification')}")
        ET.SubElement(case, "skipped", {"message": _text(reason)})
        ET.SubElement(case, "system-out").text = _body(finding)
        return case, "skipped"
    if finding.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": _text(finding.message)})
        return case, "skipped"
    if finding.status is Status.MANUAL:
        ET.SubElement(case, "system-out").text = _body(finding)
    return case, "passed"


def _cases(report: Report, suite: ET.Element, classname: str, mine: list[Finding],
           totals: Counter[str]) -> None:
    """One test case per finding, and the suite's counts."""
    subjects = Counter((f.subject.type, f.subject.id) for f in mine)
    counts: Counter[str] = Counter()
    for finding in mine:
        case, outcome = _case(report, classname, finding,
                              subjects[(finding.subject.type, finding.subject.id)] > 1)
        suite.append(case)
        counts[outcome] += 1
    for key, attr in (("tests", None), ("failure", "failures"), ("error", "errors"),
                      ("skipped", "skipped")):
        count = len(mine) if key == "tests" else counts[key]
        suite.set(attr or key, str(count))
        totals[attr or key] += count


def _judged_case(report: Report, commitment: str, suite: ET.Element,
                 totals: Counter[str], shown: Quoted) -> None:
    """The suite's last test case: every subject the commitment judged, in ``<system-out>``
    (``shown``, one for every commitment, makes each distinct text safe once)."""
    judged = report.judged(commitment)
    tally = ", ".join(f"{n} {verdict}" for verdict, n in counts(judged).items()) or "none"
    case = ET.SubElement(suite, "testcase", {"name": f"judged subjects ({tally})",
                                             "classname": f"pledge.{_text(commitment)}"})
    ET.SubElement(case, "system-out").text = listing(judged, shown, report.redacted_many)
    suite.set("tests", str(int(suite.get("tests", "0")) + 1))
    totals["tests"] += 1


def render(report: Report) -> str:
    """The report as JUnit XML (one suite per commitment, one case per finding, one listing
    the judged subjects)."""
    findings: dict[str, list[Finding]] = {}
    for finding in report.findings:
        findings.setdefault(finding.commitment, []).append(finding)
    root = ET.Element("testsuites", {"name": _text(f"pledge: {report.policy.title} "
                                                   f"v{report.policy.version}")})
    totals: Counter[str] = Counter()
    redacted = report.redactor()  # each distinct text of the judged lists made safe once
    shown = Quoted(lambda value: _NOT_XML.sub("\ufffd", printable(redacted(value))), quote=str)
    for commitment in report.commitments:
        suite = ET.SubElement(root, "testsuite", {
            "name": _text(f"{commitment.id} {commitment.title}")})
        props = ET.SubElement(suite, "properties")
        for name, value in (("severity", commitment.severity.value), ("kind", commitment.kind),
                            ("code", commitment.code), ("status", commitment.status.value),
                            ("clause", commitment.clause.quote)):
            ET.SubElement(props, "property", {"name": name, "value": _text(value)})
        _cases(report, suite, commitment.id, findings.pop(commitment.id, []), totals)
        _judged_case(report, commitment.id, suite, totals, shown)
    for other, mine in sorted(findings.items()):  # findings of no commitment: undeclared stores
        suite = ET.SubElement(root, "testsuite", {"name": _text(f"{other} (not a commitment)")})
        _cases(report, suite, other, mine, totals)
    if report.notices:  # the inventory against itself: an error notice is a failed case
        suite = ET.SubElement(root, "testsuite", {"name": "pledge inventory consistency"})
        failed = 0
        for notice in report.notices:
            case = ET.SubElement(suite, "testcase", {
                "classname": "inventory." + notice.rule,
                "name": _text(f"{notice.subject.type} {notice.subject.id}")})
            where = (f" ({notice.location.file}:{notice.location.line})"
                     if notice.location else "")
            if notice.failing:
                failed += 1
                ET.SubElement(case, "failure", {"message": _text(notice.message),
                                                "type": notice.rule}).text = _text(
                    notice.message + where)
            else:
                ET.SubElement(case, "system-out").text = _text(
                    "warning: " + notice.message + where)
        for attr, count in (("tests", len(report.notices)), ("failures", failed),
                            ("errors", 0), ("skipped", 0)):
            suite.set(attr, str(count))
            totals[attr] += count
    if report.warnings:  # implicit waivers, expired waivers: where a CI log shows them
        suite = ET.SubElement(root, "testsuite", {"name": "pledge warnings", "tests": "0",
                                                  "failures": "0", "errors": "0",
                                                  "skipped": "0"})
        props = ET.SubElement(suite, "properties")
        for warning in report.warnings:
            ET.SubElement(props, "property", {"name": "warning", "value": _text(warning)})
        ET.SubElement(suite, "system-err").text = "\n".join(
            "warning: " + _text(w) for w in report.warnings)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(totals[attr]))
    ET.indent(root, space="  ")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode") + "\n")
