"""Markdown renderer: a pull-request comment or job summary.

Summary counts, a table of failures linking to the file and line that
declares each subject, collapsed details per failure, and a Mermaid diagram of
each failing path. Every input-derived string is redacted and escaped for its
context: Markdown text, HTML inside ``<details>``, or a Mermaid label, so a
system name cannot break the table, open a link, mention a person or close
the diagram's fence.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from pledge.checks.findings import Finding, Status
from pledge.policy_model.sources import Location
from pledge.reports.document import Report
from pledge.reports.safe import plain

if TYPE_CHECKING:  # the diff's models are imported when a diff is rendered
    from pledge.checks.gating.diff import InventoryDiff

_MD_BACKSLASH = frozenset("\\`*_{}[]|~$")
_MD_CHARS = re.compile(r"[&<>#@\\`*_{}\[\]|~$]")
_HTML_CHARS = re.compile(r"[&<>\"'#@\\`*_{}\[\]|~$]")
_MERMAID_SAFE = re.compile(r"[^A-Za-z0-9 _.:/-]")
NODE_TYPES = ("subject", "system", "store")


def _entity(match: re.Match[str]) -> str:
    return f"&#{ord(match.group(0))};"


def md(text: object) -> str:
    """Escape for Markdown text and table cells (one line, secrets redacted).

    Markdown punctuation (pipes and backticks included) is backslash-escaped;
    ``& < >`` and the ``# @`` of issue references and mentions become entities.
    """
    return _MD_CHARS.sub(lambda m: "\\" + m.group(0) if m.group(0) in _MD_BACKSLASH
                         else _entity(m), plain(text))


def hex_only(text: str) -> str:
    """A hash pledge made (a fingerprint): only its hex digits, never redacted or escaped."""
    return re.sub(r"[^0-9a-f]", "", text)


def md_html(text: object) -> str:
    """Escape for text inside an HTML element such as ``<summary>``: all as entities."""
    return _HTML_CHARS.sub(_entity, plain(text))


def mermaid_label(text: object) -> str:
    """Escape for a quoted Mermaid label: anything but plain characters becomes ``#NN;``."""
    return _MERMAID_SAFE.sub(lambda m: f"#{ord(m.group(0))};", plain(text))


LINK_BASE: ContextVar[str | None] = ContextVar("pledge_markdown_link_base", default=None)
"""A URL that file links start with (``--link-base``); unset, it is made from GitHub
Actions' ``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY`` and ``GITHUB_SHA`` when all are set
(``https://github.com/owner/repo/blob/SHA/``), else links stay relative."""


def link_base() -> str:
    """Where file links point: ``--link-base``, else the GitHub blob URL of this commit."""
    given = LINK_BASE.get()
    if given:
        return given if given.endswith("/") else given + "/"
    server, repo, sha = (os.environ.get(k, "") for k in
                         ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repo and sha:
        return f"{server.rstrip('/')}/{repo}/blob/{sha}/"
    return ""


def link(file: str, line: int | None) -> str:
    """A Markdown link ``[file:line](BASE/file#Lline)`` to a declaration.

    An absolute path (or one leading out with ``..``) gets no base: it is not in the
    repository the base names.
    """
    shown = f"{file}:{line}" if line else file
    target = plain(file).replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    target = target.replace("<", "%3C").replace(">", "%3E")
    base = link_base()
    if base and not target.startswith(("/", "..")):
        target = plain(base).replace(" ", "%20").replace("<", "%3C").replace(
            ">", "%3E") + target.removeprefix("./")
    return f"[{md(shown)}](<{target}{f'#L{line}' if line else ''}>)"


def where(report: Report, finding: Finding) -> tuple[str, int | None] | None:
    """The file and line that declare a finding's subject (else the finding's location)."""
    declared = report.declared(finding.subject.id, (finding.subject.type,))
    if declared is not None:
        return declared.file, declared.line
    if finding.location is not None:
        return finding.location.file, finding.location.line
    return None


def mermaid_chart(path: list[str], flows: list[str], kind_of: Callable[[str], str]) -> list[str]:
    """A left-to-right Mermaid flowchart of a path (nodes joined by flows), fenced."""
    if not flows or len(path) != len(flows) + 1:
        return []
    lines = ["```mermaid", "flowchart LR"]
    for index, node in enumerate(path):
        kind = kind_of(str(node))
        shape = ('[("', '")]') if kind == "store" else (
            '(["', '"])') if kind == "subject" else ('["', '"]')
        lines.append(f"  n{index}{shape[0]}{mermaid_label(node)}{shape[1]}")
    for index, flow in enumerate(flows):
        lines.append(f'  n{index} -->|"{mermaid_label(flow)}"| n{index + 1}')
    lines.append(f"  style n{len(path) - 1} stroke:#d1242f,stroke-width:3px")
    lines.append("```")
    return lines


def mermaid(report: Report, finding: Finding) -> list[str]:
    """A Mermaid flowchart of the finding's graph path, or nothing."""
    path = finding.evidence.get("path")
    flows = finding.evidence.get("flows")
    if not isinstance(path, list) or not isinstance(flows, list):
        return []

    def kind_of(node: str) -> str:
        declared = report.declared(node, NODE_TYPES)
        return declared.type if declared else "node"

    return mermaid_chart([str(n) for n in path], [str(f) for f in flows], kind_of)


_STATE = {"fails": "fails", "baseline": "in baseline", "below-threshold": "below --fail-on"}


def _details(report: Report, finding: Finding) -> list[str]:
    commitment = next((c for c in report.commitments if c.id == finding.commitment), None)
    state = report.gate_state(finding) or finding.status.value
    lines = ["<details>",
             f"<summary><b>{md_html(finding.commitment)}</b> {md_html(finding.subject.type)} "
             f"<code>{md_html(finding.subject.id)}</code> ({md_html(_STATE.get(state, state))})"
             "</summary>", ""]
    lines.append(md(finding.message))
    if finding.remediation and finding.status is not Status.WAIVED:
        lines += ["", f"**Fix:** {md(finding.remediation)}"]
    waiver = finding.evidence.get("waiver")
    if isinstance(waiver, dict):
        lines += ["", f"**Waiver** ({md(waiver.get('state', ''))}, until "
                      f"{md(waiver.get('expires', ''))}, approved by "
                      f"{md(waiver.get('approver', ''))}): {md(waiver.get('justification', ''))}"]
    if commitment is not None:
        lines += ["", f"**Clause** ({md(commitment.clause.section)}):", "",
                  f"> {md(commitment.clause.quote)}"]
    facts = [(k, v) for k, v in sorted(finding.evidence.items())
             if k not in ("path", "flows", "waiver")]
    if facts:
        lines += ["", "**Evidence**", ""]
        lines += [f"- {md(k)}: {md(', '.join(map(str, v)) if isinstance(v, list) else v)}"
                  for k, v in facts]
    lines += ["", f"Fingerprint: {hex_only(finding.fingerprint)} · kind {md(finding.kind)} "
                  f"({md(finding.code)})"]
    diagram = mermaid(report, finding)
    if diagram:
        lines += ["", *diagram]
    lines += ["", "</details>", ""]
    return lines


def _row(report: Report, finding: Finding) -> str:
    title = next((c.title for c in report.commitments if c.id == finding.commitment), "")
    place = where(report, finding)
    state = report.gate_state(finding) or finding.status.value
    cells = [md(finding.severity.value), f"**{md(finding.commitment)}** {md(title)}",
             f"{md(finding.subject.type)} {md(finding.subject.id)}",
             link(*place) if place else "", md(_STATE.get(state, state))]
    return "| " + " | ".join(cells) + " |"


def render(report: Report) -> str:
    """The report as a pull-request comment in GitHub-flavoured Markdown."""
    gating = report.gating
    failing = [f for f in report.findings if f.status.failing]
    waived = [f for f in report.findings if f.status is Status.WAIVED]
    verdict = "FAIL" if report.summary.result == "fail" else "PASS"
    lines = [f"## pledge: {verdict}", "",
             f"**{md(report.policy.title)}** v{md(report.policy.version)} against inventory "
             f"**{md(report.inventory)}**, as of {report.as_of.isoformat()}.", ""]
    lines += [f"> **Warning:** {md(w)}\n" for w in report.warnings
              if w.startswith("IMPLICIT WAIVERS")]
    noun = "finding" if len(gating) == 1 else "findings"
    extra = len(failing) - len(gating)
    inventory_errors = sum(1 for n in report.notices if n.failing)
    lines.append(f"{len(gating)} failing {noun} fail the run"
                 + (f"; {extra} more are reported only (baseline or below --fail-on)"
                    if extra else "")
                 + (f"; {len(waived)} waived" if waived else "")
                 + (f"; {inventory_errors} inventory error"
                    f"{'s' if inventory_errors != 1 else ''} (below) fail"
                    f"{'s' if inventory_errors == 1 else ''} it too"
                    if inventory_errors else "") + ".")
    lines += ["", "| Status | Commitments |", "| --- | ---: |"]
    lines += [f"| {md(k.replace('_', ' '))} | {n} |"
              for k, n in report.summary.commitments_by_status.items()]
    by_severity = Counter(f.severity for f in failing)
    if by_severity:
        lines += ["", "Failing findings by severity: " + ", ".join(
            f"{s.value} {by_severity[s]}" for s in sorted(by_severity, key=lambda s: -s.rank))
            + "."]
    tail: list[str] = []
    if report.notices:
        errors = sum(1 for n in report.notices if n.failing)
        tail += ["", "### Inventory consistency", "",
                 f"{errors} error{'s' if errors != 1 else ''} (failing the run), "
                 f"{len(report.notices) - errors} warning"
                 f"{'s' if len(report.notices) - errors != 1 else ''}.", "",
                 "| Level | Rule | Subject | Declared at | Message |",
                 "| --- | --- | --- | --- | --- |"]
        listed = [f"| {n.level} | {md(n.rule)} | {md(n.subject.type)} {md(n.subject.id)} | "
                  f"{_place(n.location)} | {md(n.message)} |" for n in report.notices]
        room = MAX_CHARS // 4  # errors first: the rows that fail the run are the ones kept
        kept = 0
        while kept < len(listed) and room - len(listed[kept]) - 1 >= 0:
            room -= len(listed[kept]) + 1
            kept += 1
        tail += listed[:kept]
        if kept < len(listed):
            tail += ["", f"> {len(listed) - kept} more notices are not shown; every notice is "
                         "in the JSON, SARIF and JUnit outputs."]
    if report.warnings:
        tail += ["", "### Warnings", ""]
        tail += [f"- {md(w)}" for w in report.warnings]
    budget = MAX_CHARS - _size(lines) - _size(tail) - 400  # the note about cuts fits in 400
    rows: list[str] = []
    blocks: list[list[str]] = []
    ordered = sorted(failing, key=lambda f: (-f.severity.rank, f.sort_key()))
    for finding in ordered:
        row = _row(report, finding)
        if budget - len(row) - 1 < 0:
            break
        rows.append(row)
        budget -= len(row) + 1
    for finding in [*ordered[:len(rows)], *waived]:
        block = _details(report, finding)
        if budget - _size(block) < 0:
            break
        blocks.append(block)
        budget -= _size(block)
    if failing:
        lines += ["", "### Failures", "",
                  "| Severity | Commitment | Subject | Declared at | Gate |",
                  "| --- | --- | --- | --- | --- |", *rows, ""]
        for block in blocks[:len(rows)]:
            lines += block
    if waived and len(blocks) > len(rows):
        lines += ["", "### Waived", ""]
        for block in blocks[len(rows):]:
            lines += block
    left_rows, left_blocks = len(failing) - len(rows), len(failing) + len(waived) - len(blocks)
    if left_rows or left_blocks:
        lines += ["", f"> **Cut to fit a comment ({MAX_CHARS:,} characters at most):** "
                      f"{left_rows} of {len(failing)} failure rows and {left_blocks} of "
                      f"{len(failing) + len(waived)} detail blocks are not shown. Every "
                      "finding is in the JSON, SARIF and JUnit outputs."]
    lines += [*tail, ""]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


MAX_CHARS = 60_000
"""The summary's size cap: under GitHub's 65,536-character limit on a comment, with room
for what a workflow adds around it. Rows, then detail blocks, are left out past it (most
severe first kept), and a note says how many."""


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _place(location: Location | None) -> str:
    return link(location.file, location.line) if location else ""


def _via(path: list[str], flows: list[str]) -> str:
    if not flows:
        return ""
    steps = [md(path[0])]
    for node, flow in zip(path[1:], flows, strict=True):
        steps.append(f"–{md(flow)}→ {md(node)}")
    return " ".join(steps)


def render_diff(diff: InventoryDiff) -> str:
    """An inventory diff as a pull-request comment: personal data first, then commitments."""
    from pledge.checks.gating.diff import breaks

    gating = [f for f in diff.newly_failing if breaks(f, diff.fail_on)]
    broken = sorted({f.commitment for f in gating})
    verdict = "FAIL" if diff.result == "fail" else "PASS"
    lines = [f"## pledge diff: {verdict}", "",
             f"Base {md(diff.base)} → head {md(diff.head)}, as of {diff.as_of.isoformat()}.", ""]
    if broken:
        lines.append(f"The change newly breaks {len(broken)} commitment"
                     f"{'s' if len(broken) != 1 else ''} ({', '.join(md(b) for b in broken)}) "
                     f"with {len(gating)} failing finding{'s' if len(gating) != 1 else ''}.")
    elif not diff.changed:
        lines.append("No change to personal data or to the commitments.")
    else:
        lines.append("The change breaks no commitment"
                     + (f" at or above {diff.fail_on.value}." if diff.newly_failing else "."))
    if diff.recipients:
        lines += ["", "### Recipients", "",
                  "| Change | Recipient | Categories | Via | Declared at |",
                  "| --- | --- | --- | --- | --- |"]
        for r in diff.recipients:
            who = f"{md(r.recipient)} ({md(r.type)}{', third party' if r.third_party else ''}"
            who += f", {md(r.role)})" if r.role else ")"
            lines.append(f"| {r.change} | {who} | {', '.join(md(c) for c in r.categories)} | "
                         f"{_via(r.path, r.flows)} | {_place(r.location)} |")
    if diff.reach:
        lines += ["", "### Categories reaching a recipient", "",
                  "| Change | Category | Recipient | Via | Declared at |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {r.change} | {md(r.category)} | {md(r.recipient)}"
                  f"{' (third party)' if r.third_party else ''} | {_via(r.path, r.flows)} | "
                  f"{_place(r.location)} |" for r in diff.reach]
    if diff.purposes:
        lines += ["", "### Purposes", ""]
        lines += [f"- {p.change}: {md(p.purpose)} ({', '.join(md(u) for u in p.used_by)})"
                  for p in diff.purposes]
    if diff.retention:
        lines += ["", "### Retention", "", "| Field | Category | Base | Head | Declared at |",
                  "| --- | --- | --- | --- | --- |"]
        lines += [f"| {md(r.store)}.{md(r.field)} | {md(r.category)} | {md(r.base or 'none')} "
                  f"| {md(r.head or 'none')} | {_place(r.location)} |" for r in diff.retention]
    if diff.sensitive_storage:
        lines += ["", "### Sensitive data newly stored", "",
                  "| Store | Field | Category | Declared at |", "| --- | --- | --- | --- |"]
        lines += [f"| {md(s.store)}{' (new store)' if s.new_store else ''} | {md(s.field)} | "
                  f"{md(s.category)} | {_place(s.location)} |" for s in diff.sensitive_storage]
    for title, findings in (("Commitments newly broken", diff.newly_failing),
                            ("Commitments newly kept", diff.newly_fixed)):
        if not findings:
            continue
        lines += ["", f"### {title}", "",
                  "| Severity | Commitment | Subject | Location | Message |",
                  "| --- | --- | --- | --- | --- |"]
        ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))
        lines += [f"| {md(f.severity.value)} | {md(f.commitment)} | {md(f.subject.type)} "
                  f"{md(f.subject.id)} | "
                  f"{_place(f.location)} | {md(f.message)} |" for f in ordered]
    charts: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for r in diff.recipients:
        if r.change == "added" and r.flows:
            charts.setdefault((tuple(r.path), tuple(r.flows)), []).append(
                f"new recipient {r.recipient}")
    for f in diff.newly_failing:
        path, flows = f.evidence.get("path"), f.evidence.get("flows")
        if isinstance(path, list) and isinstance(flows, list) and flows:
            names = charts.setdefault((tuple(map(str, path)), tuple(map(str, flows))), [])
            if f.commitment not in names:
                names.append(f.commitment)
    if charts:
        lines += ["", "<details>", "<summary>Paths of the new data flows</summary>", ""]
        for (path, flows), names in sorted(charts.items()):
            lines += [f"**{', '.join(md(n) for n in names)}**", "",
                      *mermaid_chart(list(path), list(flows), lambda _n: "node"), ""]
        lines += ["</details>"]
    if diff.warnings:
        lines += ["", "### Warnings", ""]
        lines += [f"- {md(w)}" for w in diff.warnings]
    lines.append("")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip("\n") + "\n"
