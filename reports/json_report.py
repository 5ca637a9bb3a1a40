"""JSON renderer: the report document itself, canonical and versioned."""

from __future__ import annotations

import json

from pledge.reports.document import Report
from pledge.reports.safe import plain_data

# Values pledge computes itself (hashes, fingerprints): never redacted, so they stay exact.
_COMPUTED = frozenset({"fingerprint", "sha256", "source_sha256"})




def render(report: Report) -> str:
    """The report as canonical JSON (secrets redacted, control characters escaped)."""
    data = plain_data(report.model_dump(mode="json"), _COMPUTED)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
