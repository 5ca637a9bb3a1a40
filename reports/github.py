"""GitHub Actions renderer: workflow-command annotations on the inventory files.

Each failing finding becomes ``::error file=…,line=…,endLine=…,title=…::message``
at the declaration of its subject, shown on the pull request's diff. A failure
reported without failing the run (in the baseline, below ``--fail-on``) is a
``::warning``, a waived one a ``::notice``. Values are escaped as the runner
expects (``%``, CR and LF everywhere; ``:`` and ``,`` in properties too), so
text from an inventory cannot end the command or inject another one.
"""

from __future__ import annotations

from pledge.checks.findings import Finding, Status
from pledge.reports.document import Report
from pledge.reports.markdown import where
from pledge.reports.safe import plain


def escape_data(text: object) -> str:
    """Escape a command's message (then redact it and show other control characters)."""
    return plain(str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: object) -> str:
    """Escape a command property value (file, title)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(report: Report, finding: Finding) -> str | None:
    state = report.gate_state(finding)
    if state == "fails":
        level = "error"
    elif state in ("baseline", "below-threshold"):
        level = "warning"
    elif finding.status is Status.WAIVED:
        level = "notice"
    else:
        return None
    props: list[str] = []
    place = where(report, finding)
    if place is not None:
        file, line = place
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={line}")
            loc = finding.location
            if loc and loc.file == file and loc.line and loc.line > line:
                props.append(f"endLine={loc.line}")
    title = next((c.title for c in report.commitments if c.id == finding.commitment), "")
    props.append("title=" + escape_property(
        f"{finding.commitment} [{finding.severity.value}] {title}"))
    text = finding.message
    if state == "baseline":
        text += " (known: in the baseline)"
    elif state == "below-threshold":
        text += " (below --fail-on)"
    waiver = finding.evidence.get("waiver")
    if finding.status is Status.WAIVED and isinstance(waiver, dict):
        text += (f" (waived until {waiver.get('expires')} by {waiver.get('approver')}: "
                 f"{waiver.get('justification')})")
    elif finding.remediation:
        text += f"\nFix: {finding.remediation}"
    return f"::{level} {','.join(props)}::{escape_data(text)}"


def render(report: Report) -> str:
    """One annotation per failing or waived finding, then a one-line summary."""
    lines = [c for c in (_command(report, f) for f in report.findings) if c]
    for notice in report.notices:  # the inventory against itself: at the declaration
        props = []
        if notice.location is not None:
            props.append(f"file={escape_property(notice.location.file)}")
            if notice.location.line:
                props.append(f"line={notice.location.line}")
        props.append("title=" + escape_property(f"pledge inventory [{notice.rule}]"))
        text = notice.message + (f"\nFix: {notice.remediation}" if notice.remediation else "")
        lines.append(f"::{notice.level} {','.join(props)}::{escape_data(text)}")
    for warning in report.warnings:
        lines.append(f"::warning title=pledge::{escape_data(warning)}")
    gating = len(report.gating)
    lines.append(f"pledge: {report.summary.result.upper()}: {report.summary.commitments} "
                 f"commitments, {gating} failing finding{'s' if gating != 1 else ''} "
                 "fail the run" + _inventory_errors(report))
    return "\n".join(lines) + "\n"


def _inventory_errors(report: Report) -> str:
    errors = sum(1 for n in report.notices if n.failing)
    return (f", and {errors} inventory error{'s' if errors != 1 else ''}" if errors else "")
