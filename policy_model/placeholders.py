"""Placeholder values: a presence fact filled with 'none', 'n/a', 'TBD' or a fake address is absent.

Inventories are written from templates and questionnaires; a field that must
say who, where or how is often left holding a stand-in. :func:`present` is the
one test every "is it declared?" question asks, so a placeholder never counts
as an answer.
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDERS = frozenset({
    # English
    "", "none", "n/a", "na", "n.a.", "nil", "null", "nothing", "tbd", "tba", "tbc", "todo",
    "to do", "unknown", "pending", "placeholder", "changeme", "change me", "not applicable",
    "not available", "not yet", "xxx", "xx", "x", "-", "--", "---", "?", "??", "...",
    "lorem ipsum", "example", "dummy", "fake", "test",
    # French, Spanish, German, Arabic transliteration (the inventories' other languages)
    "aucun", "aucune", "néant", "neant", "à définir", "a definir", "à venir", "non défini",
    "ninguno", "ninguna", "pendiente", "por definir", "nada",
    "keine", "keiner", "k.a.", "k. a.", "offen", "noch offen",
    "la shay", "la shay'", "lashay",
})
"""Values that stand for an answer not given (compared case-insensitively, trimmed)."""

_RESERVED_DOMAIN = re.compile(
    r"(?:^|[@./])(?:example\.(?:com|org|net)|[a-z0-9-]+\.(?:example|test|invalid|localhost)"
    r"|localhost)(?:$|[/:?#])", re.IGNORECASE)
"""Domains reserved for documentation and tests (RFC 2606, RFC 6761): nobody reads mail there."""


def is_placeholder(value: Any) -> bool:
    """Whether ``value`` is a stand-in rather than an answer: empty, 'TBD', a reserved domain."""
    if value is None:
        return True
    if isinstance(value, str):
        text = " ".join(value.split()).casefold()
        return text in PLACEHOLDERS or bool(_RESERVED_DOMAIN.search(text))
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(is_placeholder(item) for item in value)
    return False


def present(value: Any) -> bool:
    """Whether a fact is declared with a real answer (a list: at least one real item)."""
    return not is_placeholder(value)
