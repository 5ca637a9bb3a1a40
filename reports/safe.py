"""Make input-derived text safe to print: no control codes, no secrets."""

from __future__ import annotations

import re
from typing import Any

from pledge.policy_model.redact import redact

_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline) and C1 controls, ESC among them
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks and overrides
    r"\u2028\u2029"  # line and paragraph separators: a new line to some readers
    r"\ufffe\uffff"  # noncharacters: XML 1.0 forbids them (a GraphML parser stops there)
    r"\ud800-\udfff]"  # lone surrogates (from JSON escapes): not encodable, so not printable
)


def plain(text: object, *, keep_newlines: bool = False) -> str:
    """Text with secrets redacted and control characters shown as escapes.

    ANSI escape sequences, carriage returns and bidirectional overrides in a
    system name cannot move the cursor, recolour the terminal or hide text.
    """
    return printable(redact(str(text)), keep_newlines=keep_newlines)


def printable(redacted: str, *, keep_newlines: bool = False) -> str:
    """:func:`plain` of text already passed through :func:`~pledge.policy_model.redact.redact`.

    For callers that redact each distinct text once and print it several times.
    """
    if keep_newlines:
        return "\n".join(_CONTROL.sub(_escape, line) for line in redacted.split("\n"))
    return _CONTROL.sub(_escape, redacted.replace("\n", " "))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain_data(value: Any, exact: frozenset[str] = frozenset()) -> Any:
    """``value`` with :func:`plain` (newlines kept) applied to every string in it, keys too.

    For JSON-like data (dicts, lists, scalars) about to be written out: JSON
    escapes keep control characters off the terminal, but a consumer decoding
    them would meet them again, and bidirectional overrides are not escaped.
    String values under the keys in ``exact`` (hashes, fingerprints pledge
    computes itself) are kept as they are, so they stay exact. Each distinct
    string is made plain once (a report repeats its keys and ids thousands of times).
    """
    return _plain_data(value, exact, {})


def _plain_data(value: Any, exact: frozenset[str], done: dict[str, str]) -> Any:
    if isinstance(value, str):
        safe = done.get(value)
        if safe is None:
            safe = done[value] = plain(value, keep_newlines=True)
        return safe
    if isinstance(value, list | tuple):
        return [_plain_data(v, exact, done) for v in value]
    if isinstance(value, dict):
        return {_plain_data(k, frozenset(), done) if isinstance(k, str) else k:
                v if k in exact and isinstance(v, str) else _plain_data(v, exact, done)
                for k, v in value.items()}
    return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet read a cell as a formula: the OWASP list (``=``, ``+``, ``-``,
``@``, a leading tab or carriage return) and their fullwidth forms."""


def spreadsheet_cell(value: object) -> str:
    """:func:`plain` text that a spreadsheet shows and never runs: a would-be formula is
    prefixed with ``'``."""
    return formula_safe(plain(value))


def formula_safe(text: str) -> str:
    """:func:`spreadsheet_cell` of text already made :func:`plain`."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
