"""The HTML report: one self-contained page an auditor can hand to anyone.

Inline CSS, a few lines of vanilla JavaScript and the interactive data map
(:mod:`pledge.reports.map_page`: Cytoscape.js and dagre, inlined), locked down by
a Content-Security-Policy that allows only those exact blocks (by hash) and no
network at all. Every input-derived string goes through :func:`esc`
(redaction, control characters, then ``html.escape``); no event handler is
built from input. The evidence manifest is embedded as JSON in
``<script type="application/json" id="pledge-manifest">`` for ``pledge verify``.

The renderer takes the flow graph beside the report (``render(report, graph)``)
instead of a graph section in :class:`~pledge.reports.document.Report`: the JSON report
format stays as it is, and the drawing is computed from the same graph the
checks ran on (its data: :mod:`pledge.reports.data_map`).
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from typing import Any

from pledge.checks.findings import Finding, Status
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.checks.judged import Judged, counts
from pledge.checks.registry import get_kind
from pledge.policy_model.policy import Policy
from pledge.reports import data_map, map_page
from pledge.reports.coverage import Coverage
from pledge.reports.document import CommitmentResult, Report
from pledge.reports.evidence import where
from pledge.reports.safe import plain

MANIFEST_FORMAT = "pledge-manifest/1"
MANIFEST_ID = "pledge-manifest"
STATUS_ORDER = ("fail", "error", "waived", "manual", "pass", "not_applicable")
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
LABEL = {"pass": "Kept", "fail": "Broken", "error": "Could not be checked",
         "manual": "Attested", "not_applicable": "Not applicable", "waived": "Waived"}
MEANING = {
    "pass": "the inventory shows the promise is kept",
    "fail": "the inventory shows the promise is broken",
    "error": "pledge could not decide, which counts as a failure",
    "manual": "kept on a named person's recorded, unexpired statement and evidence",
    "not_applicable": "the inventory holds nothing this promise is about",
    "waived": "broken, but an accepted exception is on record",
}
SYMBOL = {"pass": "✓", "fail": "✗", "error": "!", "manual": "✎", "not_applicable": "–",
          "waived": "≈"}
JUDGED_SHOWN = 200
"""Judged subjects listed per commitment; the JSON report (``report.json``) lists them all."""


def esc(value: object) -> str:
    """Input-derived text made safe for HTML: redacted, control characters shown, escaped."""
    return html.escape(plain(value), quote=True)


def _badge(status: str) -> str:
    return (f'<span class="badge st-{status}">{SYMBOL.get(status, "")} '
            f'{LABEL.get(status, esc(status))}</span>')


def _sev(severity: str) -> str:
    return f'<span class="badge sev sev-{esc(severity)}">{esc(severity)}</span>'


def _inline(text: str) -> str:
    """Escaped documentation text with ``code`` marked up."""
    return re.sub(r"``(.+?)``", r"<code>\1</code>", esc(text))


def doc_html(text: str) -> str:
    """A kind's documentation section as paragraphs and bullet lists."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        if all(line.lstrip().startswith("- ") or line.startswith("  ") for line in lines):
            items: list[str] = []
            for line in lines:
                if line.lstrip().startswith("- "):
                    items.append(line.lstrip()[2:])
                elif items:
                    items[-1] += " " + line.strip()
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return "".join(out)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in sorted(value.items()))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value is None else str(value)


def _where(f: Finding) -> str:
    if not f.location:
        return ""
    line = f":{f.location.line}" if f.location.line else ""
    return f'<code>{esc(f.location.file)}{line}</code>'


def _evidence(f: Finding) -> str:
    rows = []
    for key in sorted(f.evidence):
        value = f.evidence[key]
        if key == "rule":
            continue
        if key == "path" and isinstance(value, list):
            shown = " → ".join(f'<span class="hop">{esc(v)}</span>' for v in value)
            rows.append(f'<dt>path</dt><dd class="path">{shown}</dd>')
        else:
            rows.append(f"<dt>{esc(key)}</dt><dd>{esc(_value(value))}</dd>")
    return "".join(rows)


def _finding(f: Finding) -> str:
    parts = [f'<div class="finding" data-status="{f.status.value}" '
             f'data-severity="{f.severity.value}">',
             f'<p class="msg">{_badge(f.status.value)} <strong>{esc(f.subject.type)} '
             f'<code>{esc(f.subject.id)}</code></strong>: {esc(f.message)}</p><dl>']
    if f.location:
        parts.append(f"<dt>declared at</dt><dd>{_where(f)}</dd>")
    if f.remediation and f.status is not Status.PASS:
        parts.append(f'<dt>how to fix</dt><dd class="fix">{esc(f.remediation)}</dd>')
    parts.append(_evidence(f))
    parts.append(f'<dt>rule</dt><dd><code>{esc(f.evidence.get("rule", ""))}</code> '
                 f'<span class="kind">fingerprint {esc(f.fingerprint[:12])}</span></dd>')
    parts.append("</dl></div>")
    return "".join(parts)


def _commitment(c: CommitmentResult, findings: list[Finding],
                related: dict[str, list[tuple[str, str]]], judged: list[Judged]) -> str:
    status = c.status.value
    kind = get_kind(c.kind)
    checks = kind.sections().get("What it checks", "") if kind else ""
    out = [f'<section class="commitment status-{status}" id="c-{esc(c.id)}" '
           f'data-status="{status}" data-severity="{c.severity.value}">',
           f'<h3><span class="mono">{esc(c.id)}</span> {esc(c.title)}</h3>',
           f'<p class="badges">{_badge(status)} {_sev(c.severity.value)} '
           f'<span class="kind">{esc(c.kind)} ({esc(c.code)}) · {c.checked} '
           f'{esc(c.noun)} checked</span></p>',
           f'<blockquote class="clause"><p>“{esc(c.clause.quote)}”</p>'
           f'<span class="where">Policy section “{esc(c.clause.section)}”</span></blockquote>']
    for section, quote in related.get(c.id, []):
        out.append(f'<blockquote class="clause"><p>“{esc(quote)}”</p><span class="where">'
                   f'Also in “{esc(section)}”</span></blockquote>')
    if c.rationale:
        out.append(f"<p><strong>How the promise is read:</strong> {esc(c.rationale)}</p>")
    out.append('<div class="checked"><strong>What was checked:</strong>'
               f'{doc_html(checks) if checks else "<p>(unknown kind)</p>"}</div>')
    params = "".join(f"<tr><th>{esc(k)}</th><td>{esc(_value(v))}</td></tr>"
                     for k, v in sorted(c.parameters.items()))
    refs = ", ".join(f"{esc(r.framework)} {esc(r.id)}" for r in c.references)
    opened = " open" if c.status.failing else ""
    out.append(f"<details{opened}><summary>Parameters{' and references' if refs else ''}"
               "</summary>"
               f"<table>{params}</table>"
               + (f"<p><strong>References:</strong> {refs}</p>" if refs else "") + "</details>")
    out.append(f"<h4>Verdicts ({len(findings)})</h4>")
    out += [_finding(f) for f in findings]
    out.append(_judged(c.id, judged))
    out.append("</section>")
    return "\n".join(out)


def _judged(commitment: str, judged: list[Judged]) -> str:
    """Every subject the commitment judged, collapsed: counts, then the first :data:`JUDGED_SHOWN`.

    Those that do not pass come first; the JSON report has the complete list.
    """
    if not judged:
        return ('<details class="judged"><summary>Subjects judged: none listed</summary>'
                "<p>No subject of the inventory was judged one by one for this commitment."
                "</p></details>")
    tally = ", ".join(f"{n} {LABEL.get(v, v).lower()}" for v, n in counts(judged).items())
    shown = sorted(judged, key=lambda j: j.verdict in ("pass", "not_applicable"))[:JUDGED_SHOWN]
    rows = "".join(
        f'<tr data-verdict="{esc(j.verdict)}"><td>{_badge(j.verdict)}</td>'
        f"<td>{esc(j.subject_type)}</td><td><code>{esc(j.subject_id)}</code></td>"
        f"<td><code>{esc(where(j))}</code></td><td>{esc(j.reason)}</td></tr>" for j in shown)
    more = len(judged) - len(shown)
    note = (f'<p class="judged-more">{more} more not shown here: the JSON report '
            f"(<code>report.json</code>, <code>commitments[].judged</code> of "
            f"<code>{esc(commitment)}</code>) lists all {len(judged)}.</p>" if more else "")
    return (f'<details class="judged"><summary>Subjects judged ({len(judged)}: {tally})'
            "</summary><table><tr><th>Verdict</th><th>Type</th><th>Subject</th>"
            f"<th>Declared at</th><th>Why</th></tr>{rows}</table>{note}</details>")


def _verdict(report: Report) -> str:
    """The answer in one sentence, and the broken promises by name."""
    s = report.summary
    failing = [f for f in report.findings if f.status.failing]
    by_status = s.commitments_by_status
    org = esc(report.policy.organisation)
    if s.result != "fail":
        manual = by_status.get("manual", 0)
        return (f'<div class="verdict pass"><strong>✓ Yes: {org} keeps every promise '
                f"the inventory can show.</strong><p>All {s.commitments} commitments hold"
                + (f"; {manual} of them on a person's recorded attestation" if manual else "")
                + ".</p></div>")
    broken = [c for c in report.commitments if c.status.failing]
    items = "".join(f'<li><a href="#c-{esc(c.id)}"><code>{esc(c.id)}</code></a> '
                    f"{_sev(c.severity.value)} {esc(c.title)}</li>" for c in broken)
    return (f'<div class="verdict fail"><strong>✗ No: {org} does not keep every '
            f"promise.</strong><p>{len(broken)} of {s.commitments} commitments are broken or "
            f"could not be checked ({len(failing)} failing "
            f"finding{'s' if len(failing) != 1 else ''}):</p><ul>{items}</ul></div>")


def _summary(report: Report) -> str:
    s = report.summary
    by_status = s.commitments_by_status
    cards = "".join(f'<div class="card st-{st}"><span class="n">{by_status[st]}</span>'
                    f"{SYMBOL[st]} {LABEL[st]}</div>" for st in STATUS_ORDER if st in by_status)
    grid: dict[tuple[str, str], int] = defaultdict(int)
    for c in report.commitments:
        grid[(c.severity.value, c.status.value)] += 1
    statuses = [st for st in STATUS_ORDER if st in by_status]
    rows = "".join(
        f"<tr><th>{sev}</th>" + "".join(f'<td class="num">{grid[(sev, st)] or ""}</td>'
                                         for st in statuses)
        + f'<td class="num">{s.failing_by_severity.get(sev, 0) or ""}</td></tr>'
        for sev in SEVERITY_ORDER if any(grid[(sev, st)] for st in statuses))
    head = "".join(f'<th class="num">{LABEL[st]}</th>' for st in statuses)
    meaning = "".join(f"<li>{_badge(st)} {MEANING[st]}</li>" for st in STATUS_ORDER)
    return (f'<section id="summary"><h2>Summary</h2>{_verdict(report)}'
            f'<div class="cards">{cards}</div>'
            f"<table class=\"matrix\"><caption>Commitments by severity and verdict; the last "
            f"column counts failing findings</caption><tr><th>Severity</th>{head}"
            f'<th class="num">Failing findings</th></tr>{rows}</table>'
            f'<details><summary>What the verdicts mean</summary><ul>{meaning}</ul></details>'
            "</section>")


def _facts(report: Report) -> str:
    rows = [("Policy", f"{esc(report.policy.title)} (version {esc(report.policy.version)})"),
            ("Organisation", esc(report.policy.organisation)),
            ("Source text", esc(report.policy.source_title)),
            ("Inventory", esc(report.inventory)),
            ("Judged on", report.as_of.isoformat())]
    if report.generated_at:
        rows.append(("Generated at", esc(report.generated_at)))
    rows.append(("Checked by", f"pledge {esc(report.tool.version)}"))
    rows.append(("Evidence", f'<a href="#evidence">{len(report.inputs)} input files</a>, each '
                 "fingerprinted with SHA-256 (check them with <code>pledge verify</code>)"))
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _filters(report: Report) -> str:
    statuses = sorted({c.status.value for c in report.commitments}, key=STATUS_ORDER.index)
    severities = sorted({c.severity.value for c in report.commitments}, key=SEVERITY_ORDER.index)
    counts: defaultdict[str, int] = defaultdict(int)
    for c in report.commitments:
        counts[c.status.value] += 1
        counts[c.severity.value] += 1
    boxes = [
        "".join(f'<label><input type="checkbox" name="{name}" value="{v}" checked> '
                f"{LABEL.get(v, v)} ({counts[v]})</label>" for v in values)
        for name, values in (("status", statuses), ("severity", severities))]
    return ('<form id="filters" class="filters" aria-label="Filter commitments">'
            f"<fieldset><legend>Verdict</legend>{boxes[0]}</fieldset>"
            f"<fieldset><legend>Severity</legend>{boxes[1]}</fieldset>"
            '<p class="count" id="filter-count" aria-live="polite"></p></form>')


def _overview(report: Report) -> str:
    rows = "".join(
        f'<tr data-status="{c.status.value}" data-severity="{c.severity.value}">'
        f'<td><a href="#c-{esc(c.id)}"><code>{esc(c.id)}</code></a></td><td>{esc(c.title)}</td>'
        f"<td>{_sev(c.severity.value)}</td><td>{_badge(c.status.value)}</td></tr>"
        for c in sorted(report.commitments,
                        key=lambda c: (STATUS_ORDER.index(c.status.value), c.id)))
    return ('<section id="overview"><h2>Commitments at a glance</h2><table><tr><th>Id</th>'
            f"<th>Promise</th><th>Severity</th><th>Verdict</th></tr>{rows}</table></section>")


MAP_NODES = 20_000
"""Above this many nodes the report embeds only the failing paths' part of the data map
(the whole map at 100,000 systems is about 100 MB of page); ``pledge graph html`` draws all."""


def _graph(report: Report, graph: FlowGraph | None) -> str:
    """The interactive data map (:mod:`pledge.reports.map_page`), or nothing without a graph."""
    if graph is None:
        return ""
    only = (data_map.failing_subgraph(graph, report.findings)
            if len(graph.node_ids()) > MAP_NODES else None)
    return map_page.section(data_map.build(graph, report.findings, title=report.inventory,
                                           only=only))


def _coverage(coverage: Coverage | None) -> str:
    if coverage is None:
        return ""
    rows = []
    for row in coverage.sections:
        cells = " ".join(f'<a href="#c-{esc(e.commitment)}"><code>{esc(e.commitment)}</code></a>'
                         f"{'' if e.primary else '*'} {_badge(e.status)}"
                         for e in row.encodings) or "<em>not encoded by any commitment</em>"
        cls = "" if row.covered else ' class="uncovered"'
        rows.append(f'<tr{cls}><td class="num">{row.section.index}</td>'
                    f"<td>{esc(row.section.label)}</td><td class=\"num\">{row.section.line}</td>"
                    f"<td>{cells}</td></tr>")
    covered = sum(1 for r in coverage.sections if r.covered)
    return (f'<section id="coverage"><h2>Which parts of the policy text are checked</h2>'
            f"<p>{covered} of {len(coverage.sections)} sections of “{esc(coverage.source_title)}”"
            " are encoded by at least one commitment (* marks a related clause).</p>"
            '<table><tr><th class="num">#</th><th>Section</th><th class="num">Line</th>'
            f"<th>Commitments</th></tr>{''.join(rows)}</table></section>")


def manifest(report: Report) -> dict[str, Any]:
    """The evidence manifest embedded in the page, read back by ``pledge verify``."""
    return {"format": MANIFEST_FORMAT, "report_format": report.format,
            "tool": {"name": "pledge", "version": plain(report.tool.version)},
            "policy": {"id": plain(report.policy.id), "version": plain(report.policy.version)},
            "inventory": plain(report.inventory), "as_of": report.as_of.isoformat(),
            "generated_at": report.generated_at,
            "inputs": [{"path": plain(i.path), "role": i.role, "sha256": i.sha256}
                       for i in report.inputs],
            "directories": [{"path": plain(d.path), "excluded": [plain(e) for e in d.excluded],
                             "files": [{"path": plain(f.path), "sha256": f.sha256}
                                       for f in d.files]} for d in report.directories]}


def _manifest_html(report: Report) -> str:
    rows = "".join(f"<tr><td>{esc(i.role)}</td><td><code>{esc(i.path)}</code></td>"
                   f'<td class="hash">{esc(i.sha256)}</td></tr>' for i in report.inputs)
    return ('<section id="evidence"><h2>Evidence manifest</h2><p>The files this report was '
            "made from, with their SHA-256 fingerprints. To check that the files have not "
            "changed since, run <code>pledge verify</code> on this page from the same "
            "directory.</p><table><tr><th>Role</th><th>File</th><th>SHA-256</th></tr>"
            f"{rows}</table></section>")


def _json_for_script(data: object) -> str:
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _warnings_html(report: Report) -> str:
    """The run's warnings (implicit waivers first), above the verdict."""
    if not report.warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in report.warnings)
    return f'<section id="warnings" role="alert"><h2>Warnings</h2><ul>{items}</ul></section>'


def render(report: Report, graph: FlowGraph | None = None,
           coverage: Coverage | None = None, *,
           related: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """The whole page. ``related`` maps commitment ids to (section, quote) of related clauses."""
    css, js = map_page.asset("report.css"), map_page.asset("report.js")
    styles, scripts = [css], [js]
    if graph is not None:  # the data map's style and scripts (Cytoscape.js, dagre, map.js)
        styles.append(map_page.asset("map.css"))
        scripts += map_page.scripts()
    csp = map_page.csp(styles, scripts)
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        grouped[f.commitment].append(f)
    ordered = sorted(report.commitments,
                     key=lambda c: (STATUS_ORDER.index(c.status.value), c.id))
    title = f"{report.policy.title}: privacy compliance report for {report.inventory}"
    body = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>", *(f"<style>{block}</style>" for block in styles),
        "</head>", "<body>",
        '<header class="page">',
        f"<h1>Does {esc(report.policy.organisation)} keep its privacy policy?</h1>",
        f'<p class="subtitle">{esc(report.policy.title)} checked against the data inventory '
        f"“{esc(report.inventory)}” as of {report.as_of.isoformat()}</p>",
        _facts(report), "</header>", "<main>", _warnings_html(report), _summary(report),
        _filters(report),
        _overview(report), _graph(report, graph),
        '<section id="commitments"><h2>Each commitment</h2>',
        *(_commitment(c, grouped.get(c.id, []), related or {}, report.judged(c.id))
          for c in ordered),
        "</section>", _coverage(coverage), _manifest_html(report), "</main>",
        f'<footer class="page">Made by pledge {esc(report.tool.version)} from the files in '
        "the evidence manifest. This page loads nothing from the network.</footer>",
        f'<script type="application/json" id="{MANIFEST_ID}">'
        f"{_json_for_script(manifest(report))}</script>",
        *(f"<script>{block}</script>" for block in scripts), "</body>", "</html>"]
    return "\n".join(body) + "\n"


def related_from(policy: Policy) -> dict[str, list[tuple[str, str]]]:
    """Each commitment's related clauses as (section, quote), for :func:`render`."""
    return {c.id: [(r.section, r.quote) for r in c.related] for c in policy.commitments}
