"""Text renderer: a readable table for the terminal, one line per finding, and a summary."""

from __future__ import annotations

from pledge.checks.findings import Status
from pledge.reports.document import Report
from pledge.reports.safe import plain

_LABEL = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERROR",
          Status.MANUAL: "MANUAL", Status.NOT_APPLICABLE: "N/A", Status.WAIVED: "WAIVED"}


def render(report: Report, *, verbose: bool = False) -> str:
    """A table of commitments, then each failing finding with where and how to fix it."""
    lines = [f"pledge {report.tool.version}: {plain(report.policy.title)} "
             f"v{plain(report.policy.version)} against inventory '{plain(report.inventory)}' "
             f"as of {report.as_of.isoformat()}", ""]
    width = max((len(c.id) for c in report.commitments), default=6)
    lines.append(f"{'STATUS':<7} {'ID':<{width}} {'SEVERITY':<8} {'KIND':<24} TITLE")
    for c in report.commitments:
        lines.append(f"{_LABEL[c.status]:<7} {c.id:<{width}} {c.severity.value:<8} "
                     f"{plain(c.kind):<24} {plain(c.title)}")
    shown = [f for f in report.findings
             if f.status in (Status.FAIL, Status.ERROR, Status.WAIVED)
             or (verbose and f.status is Status.MANUAL)]
    if shown:
        lines += ["", "Findings:"]
    for f in shown:
        where = ""
        if f.location:
            where = plain(f.location.file) + (f":{f.location.line}" if f.location.line else "")
        state = report.gate.state(f) if report.gate else None
        note = {"baseline": "  (in baseline: does not fail the run)",
                "below-threshold": f"  (below --fail-on {report.gate.fail_on.value}: does not "
                                   "fail the run)" if report.gate else ""}.get(state or "", "")
        lines.append(f"  {_LABEL[f.status]} {f.commitment} [{f.code}] "
                     f"{f.subject.type} {plain(f.subject.id)}" + (f"  {where}" if where else "")
                     + note)
        lines.append(f"      {plain(f.message)}")
        if f.remediation and f.status is not Status.WAIVED:
            lines.append(f"      fix: {plain(f.remediation)}")
    lines += _notices(report)
    s = report.summary
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s.commitments_by_status.items())
    failing = sum(1 for f in report.findings if f.status.failing)
    lines += ["", f"{s.result.upper()}: {s.commitments} commitments ({counts}); "
                  f"{failing} failing finding{'s' if failing != 1 else ''}" + _tally(report)]
    for warning in report.warnings:
        lines.append(f"warning: {plain(warning)}")
    return "\n".join(lines) + "\n"


def _notices(report: Report) -> list[str]:
    """The inventory's inconsistencies with itself: errors fail the run, warnings do not."""
    if not report.notices:
        return []
    lines = ["", "Inventory consistency:"]
    for n in report.notices:
        where = ""
        if n.location:
            where = plain(n.location.file) + (f":{n.location.line}" if n.location.line else "")
        lines.append(f"  {n.level.upper()} [{n.rule}] {n.subject.type} {plain(n.subject.id)}"
                     + (f"  {where}" if where else ""))
        lines.append(f"      {plain(n.message)}")
        if n.remediation:
            lines.append(f"      fix: {plain(n.remediation)}")
    return lines


def _tally(report: Report) -> str:
    """``; 1 inventory error, 2 inventory warnings`` (nothing without notices)."""
    errors = sum(1 for n in report.notices if n.failing)
    warnings = len(report.notices) - errors
    parts = [f"{count} inventory {noun}{'s' if count != 1 else ''}"
             for count, noun in ((errors, "error"), (warnings, "warning")) if count]
    return "; " + ", ".join(parts) if parts else ""
