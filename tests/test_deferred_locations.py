"""Where entities of cached files are declared: every file indexed once, the first one wins.

A cached inventory file keeps its declarations encoded until asked
(:class:`~pledge.policy_model.fragment_cache.CachedDeclarations`). Locating a
subject looks it up once among all the deferred files, not file by file: the
JSON report of a 42-file inventory locates a million judged subjects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pledge.policy_model.fragment_cache import CachedDeclarations, _encode_declarations
from pledge.policy_model.sources import Declared, Location, SourceIndex


class Counting(Mapping[tuple[str, str], Declared]):
    """A file's declarations that count how often an entity is looked up in them."""

    def __init__(self, table: dict[tuple[str, str], Declared]) -> None:
        self.table = table
        self.lookups = 0

    def __getitem__(self, key: tuple[str, str]) -> Declared:
        self.lookups += 1
        return self.table[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


def test_each_entity_is_looked_up_in_its_own_file_only() -> None:
    index = SourceIndex()
    files = [Counting({("store", f"s{n}"): (n + 1, {"retention": n + 2}),
                       ("shared", "x"): (100 + n, None)}) for n in range(40)]
    for n, declared in enumerate(files):
        index.defer(f"stores-{n}.yaml", declared)
    for n in range(40):
        assert index.locate("store", f"s{n}") == Location(file=f"stores-{n}.yaml", line=n + 1)
        assert index.locate("store", f"s{n}", "retention") == Location(
            file=f"stores-{n}.yaml", line=n + 2)
    assert index.locate("shared", "x") == Location(file="stores-0.yaml", line=100)  # first wins
    assert index.locate("store", "nowhere") is None
    assert [f.lookups for f in files] == [2] + [1] * 39  # once each, then remembered


def test_a_file_deferred_later_is_found_too() -> None:
    index = SourceIndex()
    index.defer("a.yaml", CachedDeclarations(_encode_declarations(
        [("store", "orders", 3, {"fields": 5})])))
    assert index.locate("store", "orders", "fields") == Location(file="a.yaml", line=5)
    index.defer("b.yaml", CachedDeclarations(_encode_declarations([("flow", "f1", 7, None)])))
    assert index.locate("flow", "f1") == Location(file="b.yaml", line=7)
    assert index.locate("store", "orders") == Location(file="a.yaml", line=3)
