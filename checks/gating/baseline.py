"""Baselines: fail only on findings a previous report did not already have.

A baseline is a JSON report (``pledge check --format json``, or
``--write-baseline FILE``). Findings are matched by their fingerprint, which
hashes the commitment, the kind, the subject and the broken rule, never line
numbers or file order, so a baseline survives reordering and unrelated edits.
Only ``fail`` findings are taken from it: a waived finding whose waiver
expires, and an error, fail again whatever the baseline says.
"""

from __future__ import annotations

from pathlib import Path

from pledge.checks.findings import Finding, Status
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import display_path
from pledge.policy_model.redact import redact
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE, parse_json, read_text

REPORT_PREFIX = "pledge-report/"


def load_baseline(path: Path, *, max_size: int = DEFAULT_MAX_FILE_SIZE) -> frozenset[str]:
    """The fingerprints of the failing findings of a JSON report."""
    shown = display_path(path)
    text = read_text(path, max_size=max_size, display=shown)

    def bad(message: str, line: int | None = None) -> InputErrors:
        return InputErrors([InputError("PLG-E017", message, shown, line,
                                       "give a report written by --write-baseline or "
                                       "--format json")])

    try:  # the guarded parser: huge numbers and deep nesting are input errors, not crashes
        data = parse_json(text, shown)
    except InputError as exc:
        raise InputErrors([exc]) from None
    if not isinstance(data, dict) or not str(data.get("format", "")).startswith(REPORT_PREFIX):
        raise bad("not a pledge JSON report (no 'format': 'pledge-report/1')", 1)
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise bad("the report has no 'findings' list")
    prints: set[str] = set()
    for item in findings:
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise bad("a finding of the report has no fingerprint")
        if item.get("status") == Status.FAIL.value:
            prints.add(item["fingerprint"])
    return frozenset(prints)


def baselined(findings: list[Finding], known: frozenset[str]) -> list[str]:
    """Fingerprints of this run's failing findings that the baseline already had, sorted.

    A JSON report passes every string through the redactor, which masks a run
    of digits in a hex fingerprint that happens to pass the Luhn check as if
    it were a card number; such a fingerprint is matched in its masked form.
    """
    return sorted({f.fingerprint for f in findings if f.status is Status.FAIL
                   and (f.fingerprint in known or redact(f.fingerprint) in known)})
