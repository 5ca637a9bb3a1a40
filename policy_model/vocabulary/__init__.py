"""Hierarchical vocabularies of data categories, purposes, data subjects and legal bases.

Ids are dotted (``user.contact.email``) and aligned with fideslang's default
taxonomy; pledge's own additions are marked ``source: pledge``. Selecting an id
selects all its descendants. An unknown id is an input error that suggests the
nearest known one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pledge.policy_model.yaml_source import load_file

VOCABULARY_DIR = Path(__file__).resolve().parent
KINDS = ("data_categories", "purposes", "data_subjects", "legal_bases", "breach_notice_contents",
         "notification_channels")
LABELS = {
    "data_categories": "data category",
    "purposes": "purpose",
    "data_subjects": "data subject",
    "legal_bases": "legal basis",
    "breach_notice_contents": "breach notice content",
    "notification_channels": "notification channel",
}


@dataclass(frozen=True)
class Term:
    """One vocabulary entry."""

    id: str
    name: str
    description: str
    source: str


class TermSelection(dict[str, bool]):
    """Which ids one set of selectors selects, memoised: look ids up with ``[id]``.

    The one cache over :meth:`Vocabulary.is_selected`: an id is judged once per
    set of selectors, whoever asks (the checks ask once per field or flow).
    """

    __slots__ = ("selectors",)

    def __init__(self, selectors: frozenset[str]) -> None:
        super().__init__()
        self.selectors = selectors

    def __missing__(self, term_id: str) -> bool:
        hit = self[term_id] = any(a in self.selectors for a in Vocabulary.ancestors(term_id))
        return hit

    def any(self, term_ids: Iterable[str]) -> bool:
        """True when any of ``term_ids`` is selected."""
        return any(self[t] for t in term_ids)


@dataclass
class Vocabulary:
    """One taxonomy: its terms, their hierarchy, and selection by ancestor."""

    kind: str
    terms: dict[str, Term]
    _selections: dict[frozenset[str], TermSelection] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """Human name of the vocabulary, e.g. ``data category``."""
        return LABELS.get(self.kind, self.kind)

    def __contains__(self, term_id: object) -> bool:
        return term_id in self.terms

    @staticmethod
    def ancestors(term_id: str) -> list[str]:
        """The id and every ancestor, nearest first: a.b.c, a.b, a."""
        parts = term_id.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    def parent(self, term_id: str) -> str | None:
        """The parent id, or None at the top."""
        return term_id.rsplit(".", 1)[0] if "." in term_id else None

    def selection(self, selectors: frozenset[str]) -> TermSelection:
        """Which ids ``selectors`` select, as a memoised mapping id -> bool."""
        found = self._selections.get(selectors)
        if found is None:
            found = self._selections[selectors] = TermSelection(selectors)
        return found

    def is_selected(self, term_id: str, selectors: frozenset[str]) -> bool:
        """True when ``term_id`` is one of ``selectors`` or a descendant of one."""
        return self.selection(selectors)[term_id]

    def is_broader(self, term_id: str, selectors: frozenset[str]) -> bool:
        """True when ``term_id`` is a strict ancestor of a selector (could hide it)."""
        prefix = term_id + "."
        return any(s.startswith(prefix) for s in selectors)

    def descendants(self, term_id: str) -> list[str]:
        """Every known id under ``term_id``, itself included, sorted."""
        prefix = term_id + "."
        return sorted(t for t in self.terms if t == term_id or t.startswith(prefix))

    def suggest(self, term_id: str) -> str | None:
        """The nearest known id, for a 'did you mean' hint."""
        if not isinstance(term_id, str):
            return None
        completions = sorted((t for t in self.terms if t.startswith(term_id)), key=len)
        if completions:
            return completions[0]
        matches = difflib.get_close_matches(term_id, self.terms, n=1, cutoff=0.5)
        if matches:
            return matches[0]
        leaf = term_id.rsplit(".", 1)[-1]
        leafs = {t.rsplit(".", 1)[-1]: t for t in sorted(self.terms)}
        close = difflib.get_close_matches(leaf, leafs, n=1, cutoff=0.6)
        return leafs[close[0]] if close else None

    def unknown_hint(self, term_id: str) -> str:
        """Hint text for an unknown id."""
        guess = self.suggest(term_id)
        if guess:
            return f"did you mean {guess}?"
        return f"see `pledge vocabulary {self.kind}` for the known ids"


@dataclass(frozen=True)
class Vocabularies:
    """Every vocabulary pledge checks ids against."""

    data_categories: Vocabulary
    purposes: Vocabulary
    data_subjects: Vocabulary
    legal_bases: Vocabulary
    breach_notice_contents: Vocabulary
    notification_channels: Vocabulary

    def get(self, kind: str) -> Vocabulary:
        """The vocabulary named ``kind``."""
        return getattr(self, kind)  # type: ignore[no-any-return]


def load_vocabulary(path: Path, kind: str) -> Vocabulary:
    """Load one vocabulary YAML file."""
    data, _ = load_file(path)
    terms = {
        e["id"]: Term(e["id"], e["name"], e["description"], e.get("source", "pledge"))
        for e in data["entries"]
    }
    return Vocabulary(kind, terms)


@cache
def default_vocabularies() -> Vocabularies:
    """The bundled vocabularies (loaded once per process)."""
    return Vocabularies(**{k: load_vocabulary(VOCABULARY_DIR / f"{k}.yaml", k) for k in KINDS})
