"""JSON renderer: the report document itself, canonical, versioned and self-hashed."""

from __future__ import annotations

import json

from pledge.policy_model.evidence import body_sha256
from pledge.reports.document import Report
from pledge.reports.safe import plain_data

# Values pledge computes itself (hashes, fingerprints): never redacted, so they stay exact.
_COMPUTED = frozenset({"fingerprint", "sha256", "source_sha256"})
BODY_HASH = "body_sha256"
"""The field holding the sha256 of the rest of the document (``pledge verify`` checks it)."""


def render(report: Report) -> str:
    """The report as canonical JSON (secrets redacted, control characters escaped), with the
    sha256 of its own body (:func:`~pledge.policy_model.evidence.body_sha256`)."""
    data = plain_data(report.model_dump(mode="json"), _COMPUTED)
    data[BODY_HASH] = body_sha256(data, BODY_HASH)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
