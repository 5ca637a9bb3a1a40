"""Hierarchical vocabularies of data categories, purposes, data subjects and legal bases.

Ids are dotted (``user.contact.email``) and aligned with fideslang's default
taxonomy; pledge's own additions are marked ``source: pledge``. Selecting an id
selects all its descendants. An unknown id is an input error that suggests the
nearest known one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pledge.policy_model.yaml_source import load_file

VOCABULARY_DIR = Path(__file__).resolve().parent
KINDS = ("data_categories", "purposes", "data_subjects", "legal_bases")
LABELS = {
    "data_categories": "data category",
    "purposes": "purpose",
    "data_subjects": "data subject",
    "legal_bases": "legal basis",
}


@dataclass(frozen=True)
class Term:
    """One vocabulary entry."""

    id: str
    name: str
    description: str
    source: str


@dataclass
class Vocabulary:
    """One taxonomy: its terms, their hierarchy, and selection by ancestor."""

    kind: str
    terms: dict[str, Term]
    _selected_cache: dict[tuple[str, frozenset[str]], bool] = field(default_factory=dict,
                                                                      repr=False)

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

    def is_selected(self, term_id: str, selectors: frozenset[str]) -> bool:
        """True when ``term_id`` is one of ``selectors`` or a descendant of one."""
        key = (term_id, selectors)
        hit = self._selected_cache.get(key)
        if hit is None:
            hit = any(a in selectors for a in self.ancestors(term_id))
            self._selected_cache[key] = hit
        return hit

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
    """All four vocabularies pledge checks ids against."""

    data_categories: Vocabulary
    purposes: Vocabulary
    data_subjects: Vocabulary
    legal_bases: Vocabulary

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
