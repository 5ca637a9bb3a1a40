"""JSON renderer: the report document itself, canonical, versioned and self-hashed."""

from __future__ import annotations

import hashlib
import json
from itertools import chain

from pledge.reports.document import Report
from pledge.reports.evidence import Quoted, json_list, marker, plain_lines, splice, texts
from pledge.reports.safe import plain_data

# Values pledge computes itself (hashes, fingerprints): never redacted, so they stay exact.
_COMPUTED = frozenset({"fingerprint", "sha256", "source_sha256"})
BODY_HASH = "body_sha256"
"""The field holding the sha256 of the rest of the document (``pledge verify`` checks it)."""
_JUDGED_INDENT = 6
"""Column of a commitment's ``judged`` key: document, ``commitments`` list, commitment."""


def render(report: Report) -> str:
    """The report as canonical JSON (secrets redacted, control characters escaped), with the
    sha256 of its own body (:func:`~pledge.policy_model.evidence.body_sha256`).

    Each commitment's ``judged`` subjects are written as text and spliced in at
    their place, byte for byte what dumping them with the rest would give (the
    body hash is taken over the compact form spliced the same way).
    """
    data = plain_data(report.model_dump(
        mode="json", exclude={"commitments": {"__all__": {"judged"}}}), _COMPUTED)
    quoted = Quoted(plain_lines(report.redactor()))
    judged = [report.judged(c.id) for c in report.commitments]
    report.redact_ahead(chain.from_iterable(map(texts, judged)))
    for number, commitment in enumerate(data["commitments"]):
        commitment["judged"] = marker(f"judged:{number}")
    body = {key: value for key, value in data.items() if key != BODY_HASH}
    compact = splice(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                separators=(",", ":")),
                     {f"judged:{n}": json_list(j, None, quoted) for n, j in enumerate(judged)})
    data[BODY_HASH] = hashlib.sha256(compact.encode("utf-8", "surrogatepass")).hexdigest()
    del compact
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return splice(text, {f"judged:{n}": json_list(j, _JUDGED_INDENT, quoted)
                         for n, j in enumerate(judged)})
