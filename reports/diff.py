"""``pledge diff`` as text for a terminal and as canonical JSON (Markdown: :mod:`markdown`)."""

from __future__ import annotations

import json
from typing import Any

from pledge.checks.gating.diff import InventoryDiff, breaks
from pledge.reports.safe import plain, plain_data


def render_json(diff: InventoryDiff) -> str:
    """The diff as canonical JSON (secrets redacted, control characters escaped)."""
    data = plain_data(diff.model_dump(mode="json"))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def location_text(location: Any) -> str:
    """``  file:line`` of a location (masked), or nothing when there is none."""
    if location is None:
        return ""
    return f"  {plain(location.file)}" + (f":{location.line}" if location.line else "")


def _route(path: list[str], flows: list[str]) -> str:
    if not flows:
        return ""
    text = plain(path[0])
    for node, flow in zip(path[1:], flows, strict=True):
        text += f" -[{plain(flow)}]-> {plain(node)}"
    return f"\n      via {text}"


def render_text(diff: InventoryDiff) -> str:
    """The diff for a terminal: personal data first, then commitments, then the verdict."""
    sign = {"added": "+", "removed": "-"}
    lines = [f"pledge diff: {plain(diff.base)} -> {plain(diff.head)} as of "
             f"{diff.as_of.isoformat()}"]
    if diff.recipients:
        lines += ["", "Recipients:"]
        for r in diff.recipients:
            what = f"{r.type}{', third party' if r.third_party else ''}"
            what += f", {r.role}" if r.role else ""
            verb = "now receives" if r.change == "added" else "no longer receives"
            lines.append(f"  {sign[r.change]} {plain(r.recipient)} ({plain(what)}) {verb} "
                         f"{plain(', '.join(r.categories))}{location_text(r.location)}"
                         + _route(r.path, r.flows))
    if diff.reach:
        lines += ["", "Categories reaching a recipient:"]
        for p in diff.reach:
            verb = "now reaches" if p.change == "added" else "no longer reaches"
            lines.append(f"  {sign[p.change]} {plain(p.category)} {verb} {plain(p.recipient)}"
                         f"{' (third party)' if p.third_party else ''}{location_text(p.location)}"
                         + _route(p.path, p.flows))
    if diff.purposes:
        lines += ["", "Purposes:"]
        lines += [f"  {sign[p.change]} {plain(p.purpose)} ({plain(', '.join(p.used_by))})"
                  for p in diff.purposes]
    if diff.retention:
        lines += ["", "Retention:"]
        lines += [f"  ~ {plain(r.store)}.{plain(r.field)} ({plain(r.category)}): "
                  f"{plain(r.base or 'none')} -> {plain(r.head or 'none')}"
                  f"{location_text(r.location)}"
                  for r in diff.retention]
    if diff.sensitive_storage:
        lines += ["", "Sensitive data newly stored:"]
        lines += [f"  + {plain(s.store)}.{plain(s.field)} holds {plain(s.category)}"
                  f"{' (new store)' if s.new_store else ''}{location_text(s.location)}"
                  for s in diff.sensitive_storage]
    lines += commitment_lines(diff)
    if not diff.changed:
        lines += ["", "No change to personal data or to the commitments."]
    verdict = verdict_line(diff, "the change")
    fixed = len(diff.newly_fixed)
    if fixed:
        verdict += f"; {fixed} failing finding{'s are' if fixed != 1 else ' is'} fixed"
    lines += ["", verdict]
    lines += [f"warning: {plain(w)}" for w in diff.warnings]
    return "\n".join(lines) + "\n"


def commitment_lines(diff: InventoryDiff) -> list[str]:
    """The findings a change newly fails and newly fixes, two lines each, under a title."""
    lines: list[str] = []
    for title, findings in (("Commitments newly broken:", diff.newly_failing),
                            ("Commitments newly kept:", diff.newly_fixed)):
        if findings:
            lines += ["", title]
            for f in findings:
                lines.append(f"  {f.status.value.upper()} {f.commitment} [{f.code}] "
                             f"{plain(f.subject.type)} {plain(f.subject.id)}"
                             f"{location_text(f.location)}")
                lines.append(f"      {plain(f.message)}")
    return lines


def verdict_line(diff: InventoryDiff, what: str) -> str:
    """PASS or FAIL for ``what`` (the change, the plan): the commitments newly broken at
    or above ``--fail-on`` and how many findings break them."""
    broken = sorted({f.commitment for f in diff.newly_failing if breaks(f, diff.fail_on)})
    count = sum(1 for f in diff.newly_failing if breaks(f, diff.fail_on))
    if broken:
        return (f"FAIL: {what} newly breaks {', '.join(broken)} "
                f"({count} failing finding{'s' if count != 1 else ''})")
    verdict = f"PASS: {what} breaks no commitment"
    if diff.newly_failing:
        verdict += f" at or above --fail-on {diff.fail_on.value}"
    return verdict
