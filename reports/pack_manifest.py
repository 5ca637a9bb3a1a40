"""``manifest.json``: the evidence manifest of a ``pledge report`` pack, for ``pledge verify``.

One JSON document (``pledge-manifest/1``, the format of the manifest the HTML
report embeds, with more in it) holding:

- ``inputs``: the files the run read (policy, source text, inventory files,
  waivers), each with its sha256;
- ``directories``: every file of each input directory with its sha256, so that
  a file added, removed or edited there shows (what the run wrote there is left
  out and named in ``excluded``);
- ``outputs``: every file of the pack (the HTML report, OSCAL, the record of
  processing as CSV and Markdown, the coverage matrix, the JSON report) with its
  sha256, paths relative to the manifest's directory;
- ``warnings``: the run's warnings (IMPLICIT WAIVERS first);
- ``body_sha256``: the sha256 of the rest of this document
  (:func:`~pledge.policy_model.evidence.body_sha256`).

Nothing is signed: whoever rewrites the pack and the manifest consistently is
not caught (sign ``manifest.json`` for that; see ``docs/audit-reports.md``).
"""

from __future__ import annotations

import json
from typing import Any

from pledge.policy_model.evidence import body_sha256
from pledge.reports.document import Report
from pledge.reports.html import MANIFEST_FORMAT
from pledge.reports.safe import plain_data

MANIFEST_FILE = "manifest.json"
BODY_HASH = "body_sha256"
_EXACT = frozenset({"sha256"})


def render(report: Report, outputs: list[tuple[str, str, str]]) -> str:
    """The manifest of a pack: ``outputs`` holds (format, file name, sha256 of its bytes) of
    each file written (the bytes are hashed once, where they are encoded for writing)."""
    data: dict[str, Any] = plain_data({
        "format": MANIFEST_FORMAT,
        "report_format": report.format,
        "tool": {"name": "pledge", "version": report.tool.version},
        "policy": {"id": report.policy.id, "version": report.policy.version},
        "inventory": report.inventory,
        "as_of": report.as_of.isoformat(),
        "generated_at": report.generated_at,
        "result": report.summary.result,
        "warnings": report.warnings,
        "inputs": [i.model_dump(mode="json") for i in report.inputs],
        "directories": [d.model_dump(mode="json") for d in report.directories],
        "outputs": sorted(({"path": name, "format": fmt, "sha256": digest}
                           for fmt, name, digest in outputs), key=lambda o: o["path"]),
    }, _EXACT)
    data[BODY_HASH] = body_sha256(data, BODY_HASH)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
