"""JSON renderer: the report document itself, canonical, versioned and self-hashed."""

from __future__ import annotations

import json
from itertools import chain

from pledge.reports.document import Report
from pledge.reports.evidence import (
    Encoded,
    Quoted,
    json_list,
    marker,
    one_per_line,
    plain_lines,
    splice,
    spliced_sha256,
    texts,
)
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
    their place, one subject per line, each in its compact form: the body hash is
    taken over the compact document spliced the same way, so both share one text
    per list, and the file parses to exactly the data hashed.
    """
    return encoded(report).decode("utf-8")


def encoded(report: Report) -> bytes:
    """:func:`render`'s text in UTF-8, made as bytes: the judged lists are encoded and laid
    out one at a time and joined once (:func:`~pledge.reports.evidence.splice`),
    never joined as one text first."""
    data = plain_data(report.model_dump(
        mode="json", exclude={"commitments": {"__all__": {"judged"}}}), _COMPUTED)
    quoted = Quoted(plain_lines(report.redactor()))
    judged = [report.judged(c.id) for c in report.commitments]
    quoted.ahead(chain.from_iterable(map(texts, judged)), report.redacted_many)
    for number, commitment in enumerate(data["commitments"]):
        commitment["judged"] = marker(f"judged:{number}")
    subjects: dict[tuple[str, str], str] = {}  # each subject written once for every list
    lists = {f"judged:{n}": json_list(j, quoted, subjects) for n, j in enumerate(judged)}
    del subjects
    del judged
    body = {key: value for key, value in data.items() if key != BODY_HASH}
    data[BODY_HASH] = spliced_sha256(json.dumps(body, sort_keys=True, ensure_ascii=False,
                                                separators=(",", ":")), lists)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    laid_out: dict[str, tuple[Encoded, ...]] = {}
    for key in list(lists):  # each list's text replaced by its layout in turn
        laid_out[key] = one_per_line(lists.pop(key), _JUDGED_INDENT)
    return splice(text, laid_out)
