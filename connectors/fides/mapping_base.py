"""What every part of the Fides import shares: the notes, id checks, left-out keys."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pledge.connectors.fides.manifests import Manifests, Resource
from pledge.policy_model.errors import InputError
from pledge.policy_model.sources import SourceIndex
from pledge.policy_model.vocabulary import Vocabularies

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
UNKNOWN_COUNTRY = "ZZ"
"""ISO 3166-1's user-assigned code for an unknown country: Fides records none."""


@dataclass(frozen=True)
class Note:
    """Something of the manifests the inventory does not hold as it is."""

    file: str
    line: int | None
    message: str

    def render(self) -> str:
        """``file:line: message`` on one line."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return " ".join(f"{where}: {self.message}".split())


def listed(value: Any) -> list[Any]:
    """``value`` if it is a list (not copied: read it, do not change it), else ``[]``."""
    return value if isinstance(value, list) else []


class MapperBase:
    """The state of one import: what was built, notes and errors."""

    def __init__(self, manifests: Manifests, vocab: Vocabularies, country: str | None) -> None:
        self.m = manifests
        self.vocab = vocab
        self.country = country or UNKNOWN_COUNTRY
        self.notes: list[Note] = []
        self.errors: list[InputError] = []
        self.index = SourceIndex()
        self.systems: dict[str, dict[str, Any]] = {}
        self.stores: dict[str, dict[str, Any]] = {}
        self.dataset_stores: dict[str, list[str]] = {}
        self.subjects: dict[str, dict[str, Any]] = {}
        self.activities: list[dict[str, Any]] = []
        self.flows: dict[tuple[str, str], dict[str, Any]] = {}
        self.system_cats: dict[str, list[str]] = {}
        self.system_uses: dict[str, list[str]] = {}

    # --- helpers -------------------------------------------------------------------------
    def note(self, res: Resource | tuple[str, int | None], message: str) -> None:
        """Record a note at a resource (or a (file, line))."""
        file, line = (res.file, res.line) if isinstance(res, Resource) else res
        self.notes.append(Note(file, line, message))

    def known(self, kind: str, ids: Iterable[Any], file: str, line: int | None) -> list[str]:
        """The ids that the vocabulary knows; an error for each that it does not."""
        vocabulary = self.vocab.get(kind)
        good = []
        for term in ids:
            if isinstance(term, str) and term in vocabulary:
                good.append(term)
            else:
                self.errors.append(InputError("PLG-E007", f"unknown {vocabulary.label} "
                                              f"'{term}'", file, line,
                                              vocabulary.unknown_hint(str(term))))
        return good

    def unused(self, what: str, name: str, data: dict[str, Any], res: tuple[str, int | None],
               used: set[str]) -> None:
        """A note for every key of ``data`` the import leaves out."""
        for key in data:
            value = data[key]
            if key not in used and value not in (None, "", [], {}, False):
                self.note(res, f"{what} '{name}': '{key}' not imported (the inventory has no "
                               "such fact)")

    def valid_id(self, key: object, what: str, file: str, line: int | None) -> bool:
        """True when ``key`` can be an inventory id; an error that says why when not."""
        if isinstance(key, str) and _ID.match(key) and len(key) <= 200:
            return True
        hint = ("a template's placeholder: put the instance's key in its place"
                if isinstance(key, str) and key.startswith("<") else
                "use letters, digits and _ . : - only, starting with a letter or digit")
        self.errors.append(InputError("PLG-E026", f"{what} '{key}' cannot be an inventory id",
                                      file, line, hint))
        return False
