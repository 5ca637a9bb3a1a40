"""SARIF 2.1.0 renderer, for code-scanning platforms.

One rule per commitment (its title, the policy clause as help, the severity as
a SARIF level and a ``security-severity``), one result per failing or waived
finding, located at the inventory file and line that declare its subject, with
the graph path as a code flow and the finding's fingerprint as a partial
fingerprint, so a platform tracks the finding across commits. Paths relative
to the working directory are relative URIs against ``%SRCROOT%``; a file shipped
with pledge (``pledge:policy_model/policies/marosoap.yaml``, the bundled policy
when it is not under the working directory) is relative to ``PLEDGE``, described
in the run's ``originalUriBaseIds``.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from pledge.checks.findings import Finding, Status
from pledge.policy_model.loading import BUNDLED_PREFIX
from pledge.policy_model.types import Severity
from pledge.reports.document import CommitmentResult, Report
from pledge.reports.markdown import NODE_TYPES, md
from pledge.reports.safe import plain

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
SRCROOT = "%SRCROOT%"
PLEDGE_ROOT = "PLEDGE"
"""The base of files shipped with pledge (``pledge:`` paths): the installed package."""
FINGERPRINT_KEY = "pledgeFingerprint/v1"
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0", Severity.INFO: "0.0"}
"""GitHub reads these as critical (9.0+), high (7.0+), medium (4.0+) and low."""


def artifact(file: str) -> dict[str, str]:
    """An artifactLocation: relative paths against %SRCROOT%, absolute ones as file URIs."""
    text = plain(file).replace("\\", "/")
    if PurePosixPath(text).is_absolute() or PureWindowsPath(file).is_absolute():
        if re.match(r"^[A-Za-z]:/", text):
            text = "/" + text
        return {"uri": "file://" + quote(text, safe="/:")}
    if text.startswith(BUNDLED_PREFIX):
        return {"uri": quote(text.removeprefix(BUNDLED_PREFIX), safe="/"),
                "uriBaseId": PLEDGE_ROOT}
    text = text.removeprefix("./")
    return {"uri": quote(text, safe="/"), "uriBaseId": SRCROOT}


def physical(file: str, line: int | None, end: int | None = None) -> dict[str, Any]:
    """A physicalLocation at ``file`` (and ``line`` through ``end`` when known)."""
    where: dict[str, Any] = {"artifactLocation": artifact(file)}
    if line:
        region: dict[str, int] = {"startLine": line}
        if end and end > line:
            region["endLine"] = end
        where["region"] = region
    return where


def _rule(c: CommitmentResult) -> dict[str, Any]:
    refs = [f"{r.framework} {r.id}" for r in c.references]
    help_text = f"{c.clause.section}: \"{c.clause.quote}\""
    help_md = f"**{md(c.clause.section)}**\n\n> {md(c.clause.quote)}"
    if c.rationale:
        help_text += f"\n\n{c.rationale}"
        help_md += f"\n\n{md(c.rationale)}"
    if refs:
        help_text += "\n\nReferences: " + "; ".join(refs)
        help_md += "\n\nReferences: " + "; ".join(md(r) for r in refs)
    return {
        "id": c.id,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", c.kind)),
        "shortDescription": {"text": plain(c.title)},
        "fullDescription": {"text": plain(f"{c.title} ({c.kind}, {c.code})")},
        "help": {"text": plain(help_text, keep_newlines=True), "markdown": help_md},
        "defaultConfiguration": {"level": LEVEL[c.severity]},
        "properties": {
            "tags": sorted({"privacy", "compliance", plain(c.kind), c.code}),
            "security-severity": SECURITY_SEVERITY[c.severity],
            "severity": c.severity.value,
            "precision": "very-high",
            "references": [plain(r) for r in refs],
        },
    }


def _primary(report: Report, finding: Finding) -> dict[str, Any] | None:
    """The declaration of the subject, spanning to the offending key when it is below."""
    loc = finding.location
    declared = report.declared(finding.subject.id, (finding.subject.type,))
    if declared is not None:
        end = loc.line if loc and loc.file == declared.file else None
        return physical(declared.file, declared.line, end)
    if loc is not None:
        return physical(loc.file, loc.line)
    return None


def _code_flow(report: Report, finding: Finding) -> list[dict[str, Any]]:
    path, flows = finding.evidence.get("path"), finding.evidence.get("flows")
    if not isinstance(path, list) or not isinstance(flows, list) or not flows:
        return []
    steps: list[dict[str, Any]] = []

    def step(ident: str, types: tuple[str, ...], text: str) -> None:
        declared = report.declared(ident, types)
        location: dict[str, Any] = {"message": {"text": plain(text)}}
        if declared is not None:
            location["physicalLocation"] = physical(declared.file, declared.line)
        steps.append({"location": location, "executionOrder": len(steps) + 1})

    for index, node in enumerate(path):
        declared = report.declared(str(node), NODE_TYPES)
        step(str(node), NODE_TYPES, f"{declared.type if declared else 'node'} {node}")
        if index < len(flows):
            step(str(flows[index]), ("flow",), f"flow {flows[index]}")
    route = " -> ".join(str(n) for n in path)
    return [{"message": {"text": plain(f"personal data path: {route}")},
             "threadFlows": [{"locations": steps}]}]


def _result(report: Report, finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    text = finding.message
    if finding.remediation and finding.status is not Status.WAIVED:
        text += f". Fix: {finding.remediation}"
    result: dict[str, Any] = {
        "ruleId": finding.commitment,
        "level": "error" if finding.status is Status.ERROR else LEVEL[finding.severity],
        "message": {"text": plain(text)},
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"status": finding.status.value, "kind": plain(finding.kind),
                       "code": finding.code, "severity": finding.severity.value,
                       "subject": {"type": plain(finding.subject.type),
                                   "id": plain(finding.subject.id)}},
    }
    if finding.commitment in rule_index:
        result["ruleIndex"] = rule_index[finding.commitment]
    primary = _primary(report, finding)
    if primary is None:
        policy = next((i.path for i in report.inputs if i.role == "policy"), None)
        primary = physical(policy, None) if policy else None
    if primary is not None:
        result["locations"] = [{"physicalLocation": primary}]
    flow = _code_flow(report, finding)
    if flow:
        result["codeFlows"] = flow
    state = report.gate_state(finding)
    if report.gate is not None and report.gate.baseline is not None and state:
        result["baselineState"] = "unchanged" if state == "baseline" else "new"
    if state:
        result["properties"]["gate"] = state
    waiver = finding.evidence.get("waiver")
    if finding.status is Status.WAIVED and isinstance(waiver, dict):
        result["suppressions"] = [{
            "kind": "external", "status": "accepted",
            "justification": plain(f"{waiver.get('justification')} (approved by "
                                   f"{waiver.get('approver')} until {waiver.get('expires')})"),
            "location": {"physicalLocation": physical(str(waiver.get("file")),
                                                      waiver.get("line"))},
        }]
    return result


def sarif(report: Report) -> dict[str, Any]:
    """The SARIF log as a mapping."""
    rules = [_rule(c) for c in report.commitments]
    rule_index = {c.id: i for i, c in enumerate(report.commitments)}
    shown = [f for f in report.findings if f.status.failing or f.status is Status.WAIVED]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "pledge",
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "rules": rules,
        }},
        "results": [_result(report, f, rule_index) for f in shown],
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": plain(w)}} for w in report.warnings]}],
        "columnKind": "unicodeCodePoints",
        "properties": {"policy": plain(report.policy.id),
                       "policyVersion": plain(report.policy.version),
                       "inventory": plain(report.inventory),
                       "asOf": report.as_of.isoformat(),
                       "result": report.summary.result},
    }
    if f'"uriBaseId": "{PLEDGE_ROOT}"' in json.dumps(run["results"]):
        run["originalUriBaseIds"] = {PLEDGE_ROOT: {"description": {
            "text": "the installed pledge package: files shipped with pledge"}}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    """The report as SARIF 2.1.0 JSON text (sorted keys, stable bytes)."""
    return json.dumps(sarif(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
