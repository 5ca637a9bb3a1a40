"""JSON renderer: the report document itself, canonical and versioned."""

from __future__ import annotations

import json
from typing import Any

from pledge.reports.document import Report
from pledge.reports.safe import plain

# Values pledge computes itself (hashes, fingerprints): never redacted, so they stay exact.
_COMPUTED = frozenset({"fingerprint", "sha256", "source_sha256"})


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return plain(value, keep_newlines=True)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in _COMPUTED and isinstance(v, str) else _clean(v)
                for k, v in value.items()}
    return value


def render(report: Report) -> str:
    """The report as canonical JSON (secrets redacted, control characters escaped)."""
    data = _clean(report.model_dump(mode="json"))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
