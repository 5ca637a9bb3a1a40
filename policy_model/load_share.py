"""What one inventory load validated, offered to the loads after it (``pledge diff``).

The base and the head of a diff mostly agree. A :class:`LoadShare` given to both
loads keeps what the first validated clean: each file's models by the sha256 of
its bytes and its format, as the fragment cache does on disk
(:mod:`pledge.policy_model.fragment_cache`), and the slices of a large JSON file
(:class:`~pledge.policy_model.json_slices.SliceMemo`). The loads after it take a
file's models only for the same bytes, and a slice's only for the same text;
everything the loader checks across files (ids unique, references, one
organisation) is checked on each load as a whole. What a later load takes, the
first load's own last checks vouch for (a taken slice's models are scanned, and
its keys counted, only there: :class:`~pledge.policy_model.json_slices.Taken`):
a caller that leaves the first load's checks for later
(``confirm_later``) reads them before a later load's, as ``pledge diff`` does.
Loaded models are never changed (:mod:`pledge.policy_model.shared_keys`), so two
inventories can hold the same ones. Nothing is kept past the process.
"""

from __future__ import annotations

from pledge.policy_model.fragment_cache import CachedFile
from pledge.policy_model.inventory import InventoryFragment
from pledge.policy_model.json_slices import SliceMemo
from pledge.policy_model.sources import KindTable


class LoadShare:
    """The files and slices the first load kept, for the loads after it."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], CachedFile] = {}
        self.slices = SliceMemo()
        self.salt: str | None = None
        self.closed = False
        self.shared_files = 0
        """Files later loads took whole (for tests and benchmarks)."""

    def usable(self, salt: str) -> bool:
        """Whether a load checking ids against the vocabulary of ``salt`` may use this."""
        if self.salt is None:
            self.salt = salt
        return self.salt == salt

    def file(self, sha256: str, kind: str) -> CachedFile | None:
        """The models of a file with these bytes, kept by the first load."""
        found = self.files.get((sha256, kind)) if self.closed else None
        if found is not None:
            self.shared_files += 1
        return found

    def keep(self, sha256: str, kind: str, fragment: InventoryFragment,
             section_lines: dict[str, int],
             declared: KindTable) -> None:
        """Keep a file that loaded clean (while the first load runs)."""
        if not self.closed:
            self.files.setdefault((sha256, kind), CachedFile(fragment, section_lines, declared))

    def close(self) -> None:
        """The first load is over: the loads after it only take."""
        self.closed = True
        self.slices.close()
