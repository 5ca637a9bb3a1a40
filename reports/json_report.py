"""JSON renderer: the report document itself, canonical and versioned."""

from __future__ import annotations

import json

from pledge.reports.document import Report
from pledge.reports.evidence import Quoted, json_list, marker, plain_lines, splice
from pledge.reports.safe import plain_data

# Values pledge computes itself (hashes, fingerprints): never redacted, so they stay exact.
_COMPUTED = frozenset({"fingerprint", "sha256", "source_sha256"})
_JUDGED_INDENT = 6
"""Column of a commitment's ``judged`` key: document, ``commitments`` list, commitment."""


def render(report: Report) -> str:
    """The report as canonical JSON (secrets redacted, control characters escaped).

    Each commitment's ``judged`` subjects are written as text and spliced in at
    their place, byte for byte what dumping them with the rest would give.
    """
    data = plain_data(report.model_dump(
        mode="json", exclude={"commitments": {"__all__": {"judged"}}}), _COMPUTED)
    quoted = Quoted(plain_lines(report.redactor()))
    parts: dict[str, str] = {}
    for number, commitment in enumerate(data["commitments"]):
        key = f"judged:{number}"
        commitment["judged"] = marker(key)
        parts[key] = json_list(report.judged(report.commitments[number].id), _JUDGED_INDENT,
                               quoted)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return splice(text, parts)
