"""Database discovery: introspect stores, classify columns, find what may not be stored.

:func:`discover` opens a target (:mod:`.dsn`) read-only, reads its tables and a
bounded sample (:mod:`.introspect`), and proposes a category per column from
the shared label rules and the value detectors (:mod:`.classify`, :mod:`.values`);
:mod:`.fragment` writes the result as inventory YAML and :mod:`.drift` compares
it with a declared inventory. SQLAlchemy and the drivers are the optional
``db`` extra: they are imported only when a database is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pledge.connectors.database.classify import ColumnVerdict, classify_table
from pledge.connectors.database.dsn import Target, check_allowed, parse_target
from pledge.connectors.database.introspect import Snapshot, snapshot
from pledge.policy_model.label_rules import LabelRules

__all__ = ["Discovery", "Target", "check_allowed", "discover", "parse_target"]


@dataclass(frozen=True)
class Discovery:
    """One database read and classified: its tables and each column's verdict."""

    snapshot: Snapshot
    verdicts: tuple[list[ColumnVerdict], ...]


def discover(target: Target, rules: LabelRules, *, sample: int, timeout: float,
             schema: str | None = None, progress: Callable[[int], Any] | None = None,
             on_tables: Callable[[int], Any] | None = None) -> Discovery:
    """Read ``target`` (at most ``sample`` rows a table) and propose each column's category."""
    read = snapshot(target, sample=sample, timeout=timeout, schema=schema, progress=progress,
                    on_tables=on_tables)
    return Discovery(read, tuple(classify_table(t, rules) for t in read.tables))
