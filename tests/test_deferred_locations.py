"""Where entities of cached files are declared: every file indexed once, the first one wins.

A cached inventory file keeps its declarations encoded until asked
(:class:`~pledge.policy_model.fragment_cache.CachedDeclarations`). Locating a
subject looks it up once among all the deferred files, not file by file: the
JSON report of a 42-file inventory locates a million judged subjects. Those are
listed by :meth:`SourceIndex.position`, which reads a line without building a
location or splitting every key's line, and must agree with :meth:`SourceIndex.locate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.policy_model import fragment_cache
from pledge.policy_model.fragment_cache import (
    CachedDeclarations,
    FragmentCache,
    _encode_declarations,
)
from pledge.policy_model.sources import (
    Declaration,
    Declarations,
    Declared,
    KindTable,
    Location,
    SourceIndex,
)


class Counting(Declarations):
    """A file's declarations that count how often an entity is looked up in them."""

    def __init__(self, table: dict[tuple[str, str], Declared]) -> None:
        super().__init__((kind, ident, line, keys) for (kind, ident), (line, keys) in table.items())
        self.lookups = 0

    def __getitem__(self, key: tuple[str, str]) -> Declared:
        self.lookups += 1
        return super().__getitem__(key)


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


_KINDS = ("store", "field", "flow", "system")
_IDS = ("a", "b", "c", "d.e", "tab\tand\nbreak.ü")  # a field's name may hold anything
_DECLARATION = st.tuples(st.sampled_from(_KINDS), st.sampled_from(_IDS),
                         st.one_of(st.none(), st.integers(1, 9_999)),
                         st.one_of(st.none(), st.dictionaries(
                             st.sampled_from(("name", "retention", "fields", "transport")),
                             st.integers(1, 9_999), max_size=3)))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_DECLARATION, max_size=8), min_size=1, max_size=5),
       st.sampled_from(("cached", "parsed")))
def test_position_is_where_locate_points(files: list[list[Declaration]], form: str) -> None:
    """For every entity and key, in both forms a file's declarations take, the fast
    (file, line) of a listed subject is the location a finding would get: the first
    file declaring it, the first declaration in that file, the key's line if given."""
    index, again = SourceIndex(), SourceIndex()
    for n, found in enumerate(files):
        for target in (index, again):
            declared: KindTable = (CachedDeclarations(_encode_declarations(found))
                                   if form == "cached" else Declarations(found))
            target.defer(f"file-{n}.yaml", declared)
    expected: dict[tuple[str, str], tuple[str, int | None, dict[str, int] | None]] = {}
    for n, found in enumerate(files):
        for kind, ident, line, keys in found:
            expected.setdefault((kind, ident), (f"file-{n}.yaml", line, keys or None))
    for kind in _KINDS:
        for ident in (*_IDS, "absent"):
            for key in (None, "name", "retention", "fields", "transport"):
                where = again.locate(kind, ident, key)
                assert index.position(kind, ident, key) == (
                    (where.file, where.line) if where else (None, None))
                if (kind, ident) in expected:
                    file, line, keys = expected[(kind, ident)]
                    assert where == Location(file=file, line=keys[key] if key and keys
                                             and key in keys else line)
                else:
                    assert where is None


def test_cached_declarations_list_one_kind_and_read_one_key() -> None:
    declared = CachedDeclarations(_encode_declarations([
        ("store", "orders", 3, {"fields": 5, "retention": 9}), ("field", "orders.email", 6, None),
        ("store", "orders", 30, None), ("flow", "f1", 12, {"transport": 14})]))
    assert sorted(declared.ids_of("store")) == ["orders"]
    assert list(declared.ids_of("consent_gate")) == []
    assert declared.line("store", "orders", "retention") == 9  # the first declaration's
    assert declared.line("store", "orders", "name") == 3  # a key not given: the entity's line
    assert declared.line("flow", "f1", None) == 12
    assert declared[("store", "orders")] == (3, {"fields": 5, "retention": 9})
    assert sorted(declared) == [("field", "orders.email"), ("flow", "f1"), ("store", "orders")]
    assert len(declared) == 3


def test_one_kind_is_decoded_without_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing the stores of a cached file decodes their ids only; a line, their rows;
    the fields (most of a large file's declarations) are never decoded."""
    decoded: list[Any] = []

    class Spy:
        dumps = staticmethod(json.dumps)

        @staticmethod
        def loads(text: bytes) -> Any:
            decoded.append(json.loads(text))
            return decoded[-1]

    encoded = _encode_declarations(
        [("store", "orders", 3, {"fields": 5})]
        + [("field", f"orders.f{n}", 6 + n, {"name": 6 + n}) for n in range(50)]
        + [("flow", "f1", 80, None)])
    monkeypatch.setattr(fragment_cache, "json", Spy)
    declared = CachedDeclarations(encoded)
    assert list(declared.ids_of("consent_gate")) == []
    assert list(declared.ids_of("store")) == ["orders"]
    assert decoded == [{"store": decoded[0]["store"], "field": decoded[0]["field"],
                        "flow": decoded[0]["flow"]}, ["orders"]]
    assert declared.line("store", "orders", "fields") == 5
    assert decoded[2:] == [["3\tfields\t5"]]
    assert declared.line("store", "orders", None) == 3
    assert len(decoded) == 3  # each part decoded once


def test_declarations_a_tab_would_split_are_not_kept(tmp_path: Path) -> None:
    """A key holding a tab cannot be kept in the cache's encoding: the entry is not
    written (the file is read again next run) rather than written wrong."""
    from pledge.policy_model.inventory import InventoryFragment

    cache = FragmentCache(tmp_path, {})
    fragment = InventoryFragment.model_validate({})
    cache.put("0" * 64, "yaml", fragment, {}, [("organisation", "shop", 1, {"a\tb": 2})])
    assert cache.written == 0 and cache.get("0" * 64, "yaml") is None
    cache.put("0" * 64, "yaml", fragment, {}, [("organisation", "shop", 1, {"a.b": 2})])
    assert cache.written == 1
    found = cache.get("0" * 64, "yaml")
    assert found is not None and found.declared.line("organisation", "shop", "a.b") == 2
