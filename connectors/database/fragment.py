"""Write discovered tables as an inventory fragment: one store per table, a field per column.

The fragment is the YAML of ``inventories/`` (a ``stores:`` section), ready to
merge: each personal-data column is a field with its proposed category, and the
reason (name rule, value rule) is a comment above it; columns no rule claims are
listed in a comment. Values never appear, the DSN has no password, every name
passes through :func:`pledge.policy_model.redact.redact` (and control and
bidirectional characters are shown as escapes), and the text is the same
byte for byte from run to run.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable

from pledge.connectors.database.classify import ColumnVerdict
from pledge.connectors.database.introspect import Snapshot, Table
from pledge.policy_model.redact import redact

_PLAIN_SCALAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:-]+")


def plain(value: str) -> str:
    """Redacted text with control, format and separator characters shown as escapes."""
    return "".join(
        c if c == " " or unicodedata.category(c)[0] not in "CZ" else
        f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
        for c in redact(value))


def scalar(value: str) -> str:
    """``value`` as a YAML scalar: bare when that is unambiguous, else double-quoted."""
    text = plain(value)
    if _PLAIN_SCALAR.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def comment(text: str) -> str:
    """Text safe on one comment line."""
    return plain(text).replace("\n", " ")


def store_id(table: Table, taken: set[str]) -> str:
    """An inventory id for the table (``schema.table``), unique among ``taken``."""
    base = _NOT_ID.sub("_", table.qualified).strip("_.:-") or "table"
    if not base[0].isalnum():
        base = "t" + base
    candidate, n = base, 2
    while candidate.lower() in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate.lower())
    return candidate


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def render(snapshot: Snapshot, verdicts: Iterable[list[ColumnVerdict]], *,
           system: str) -> str:
    """The fragment's YAML text."""
    target = snapshot.target
    lines = [
        f"# Discovered from {comment(target.shown)} by pledge discover "
        f"(at most {snapshot.sample} rows sampled per table).",
        "# Each field's category is a proposal: check it, then merge the stores into the "
        "inventory.",
        "stores:",
    ]
    taken: set[str] = set()
    tables = list(zip(snapshot.tables, verdicts, strict=True))
    if not tables:
        lines[-1] = "stores: []"
    for table, columns in tables:
        lines += _store(table, columns, target.shown, target.backend, system, taken)
    return "\n".join(lines) + "\n"


def _store(table: Table, columns: list[ColumnVerdict], shown: str, backend: str, system: str,
           taken: set[str]) -> list[str]:
    out = [
        f"  - id: {scalar(store_id(table, taken))}",
        f"    name: {scalar(table.qualified)}",
        f"    system: {scalar(system)}",
        f"    technology: {backend}",
        f"    connection: {scalar(f'{shown}#{table.qualified}')}",
        f"    # {_rows(table.rows)}, {table.sampled} sampled",
    ]
    personal = [c for c in columns if c.personal]
    others = [c for c in columns if not c.personal]
    out.append("    fields:" if personal else "    fields: []")
    for verdict in personal:
        out.append(f"      # {comment(verdict.category or '')}: {comment(verdict.reason)}")
        out.append(f"      - name: {scalar(verdict.column.name)}")
        out.append(f"        category: {verdict.category}")
    if others:
        listed = ", ".join(f"{c.column.name} ({c.column.type.lower()})" for c in others)
        out.append(f"    # no personal data found in: {comment(listed)}")
    return out
