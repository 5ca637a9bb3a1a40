"""OSCAL 1.0.6 plan of action and milestones (POA&M): the open gaps of one report.

Every failing, erroring or waived finding is one POA&M item, related to the same
observation, risk and finding UUIDs as in the assessment results
(:mod:`pledge.reports.oscal`), so the two documents cross-reference. A waived finding's
risk has the status ``deviation-approved``; the others are ``open``.

An OSCAL POA&M needs at least one item, so a report without open gaps has no
POA&M: :func:`render` raises :class:`NothingToPlan` and ``pledge report`` says so.
"""

from __future__ import annotations

from typing import Any

from pledge.reports.document import Report
from pledge.reports.oscal import assess, back_matter, dump, metadata, props, seed, text, uid


class NothingToPlan(ValueError):
    """The report has no open gaps, so there is no POA&M to write."""


def build(report: Report) -> dict[str, Any]:
    """The POA&M document as a dict; raises :class:`NothingToPlan` without open gaps."""
    a = assess(report)
    if not a.open_items:
        raise NothingToPlan("no open gaps: every commitment is kept, attested or not applicable")
    titles = {c.id: c.title for c in report.commitments}
    items = []
    for f, obs_uuid, risk_uuid, finding_uuid in a.open_items:
        fix = f" Remediation: {f.remediation}" if f.remediation else ""
        items.append({
            "uuid": uid("poam-item", f.fingerprint or finding_uuid),
            "title": text(f"{f.commitment}: {titles.get(f.commitment, f.kind)} "
                          f"({f.subject.type} {f.subject.id})"),
            "description": text(f"{f.message}.{fix}"),
            "props": props(("commitment", f.commitment), ("severity", f.severity.value),
                           ("status", f.status.value), ("subject-type", f.subject.type),
                           ("subject-id", f.subject.id), ("fingerprint", f.fingerprint)),
            "origins": [{"actors": [{"type": "tool", "actor-uuid": a.tool_uuid}]}],
            "related-findings": [{"finding-uuid": finding_uuid}],
            "related-observations": [{"observation-uuid": obs_uuid}],
            "related-risks": [{"risk-uuid": risk_uuid}],
        })
    open_uuids = {item[3] for item in a.open_items}
    observation_uuids = {item[1] for item in a.open_items}
    doc: dict[str, Any] = {
        "uuid": uid("poam", seed(report)),
        "metadata": metadata(report, f"Plan of action: {report.policy.title} "
                             f"v{report.policy.version}, {report.inventory}", a),
        "observations": [o for o in a.observations if o["uuid"] in observation_uuids],
        "risks": a.risks,
        "findings": [f for f in a.findings if f["uuid"] in open_uuids],
        "poam-items": items,
    }
    matter = back_matter(report)
    if matter:
        doc["back-matter"] = matter
    return {"plan-of-action-and-milestones": doc}


def render(report: Report) -> str:
    """The POA&M as canonical JSON."""
    return dump(build(report))
