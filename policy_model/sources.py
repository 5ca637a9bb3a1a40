"""Where each inventory entity is declared: file and line, for findings and errors.

YAML files are indexed while loading (every mapping knows its line). JSON files
carry no line information, so an entity declared in JSON is found on demand by
searching the file's text for its id: only for the few entities a finding names.
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import repeat

from pydantic import BaseModel, ConfigDict, Field

from pledge.policy_model.json_slices import Layout


class Location(BaseModel):
    """Where something is declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(description="Input file, as given on the command line.")
    line: int | None = Field(None, description="1-based line of the declaration.")


Declaration = tuple[str, str, int | None, dict[str, int] | None]
"""(entity kind, id, line, line of each key): one declaration in a file."""
Declared = tuple[int | None, dict[str, int] | None]
"""(line, line of each key) of one declaration."""
Entry = tuple[str, int | None, dict[str, int] | None]
"""(file, line, line of each key) of one declaration."""

_ID_KEY = {"field": "name", "attestation": "commitment", "commitment": "commitment"}


@dataclass
class SourceIndex:
    """Maps (entity type, id) to the file and line that declares it."""

    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)
    json_texts: dict[str, str] = field(default_factory=dict)
    _json_found: dict[str, _TextIndex] = field(default_factory=dict, repr=False,
                                               compare=False)
    _deferred: list[tuple[str, KindTable]] = field(
        default_factory=list, repr=False, compare=False)
    _layouts: dict[str, Layout] = field(default_factory=dict, repr=False, compare=False)
    _declaring: dict[str, dict[str, int]] = field(default_factory=dict, repr=False,
                                                  compare=False)

    def add(self, kind: str, ident: str, file: str, line: int | None,
            key_lines: dict[str, int] | None = None) -> None:
        """Record a declaration (the first one wins)."""
        self.entries.setdefault((kind, ident), (file, line, key_lines))

    def defer(self, file: str, declared: KindTable) -> None:
        """Add a file whose declarations are looked up only when a location is asked for.

        ``declared`` maps (kind, id) to (line, line of each key) and reads one kind
        at a time (:class:`KindTable`); it may decode itself on first use. Deferred
        files are searched in the order given, after the declarations added directly
        (a loader defers every file or none).
        """
        self._deferred.append((file, declared))
        self._declaring.clear()

    def add_text(self, file: str, text: str, *, is_json: bool,
                 layout: Layout | None = None) -> None:
        """Keep a JSON file's text to locate its entities on demand.

        ``layout`` is where the sliced loader found the items of the file's long
        sections, one per line (:func:`pledge.policy_model.json_slices.models_by_lines`):
        their ids are then looked up among the models instead of indexed in the text.
        """
        if is_json:
            self.json_texts[file] = text
            if layout:
                self._layouts[file] = layout

    def add_text_file(self, file: str) -> None:
        """Note a file whose data carries no lines (nothing to do until asked)."""

    def locate(self, kind: str, ident: str, key: str | None = None) -> Location | None:
        """Location of an entity, or of one of its keys when ``key`` is given."""
        entry = self.entries.get((kind, ident))
        if entry is None and self._deferred:
            entry = self._look_deferred(kind, ident)
        if entry is None:
            return self._search_json(kind, ident)
        file, line, key_lines = entry
        if key and key_lines and key in key_lines:
            line = key_lines[key]
        return Location(file=file, line=line)

    def position(self, kind: str, ident: str,
                 key: str | None = None) -> tuple[str | None, int | None]:
        """(file, line) of an entity or one of its keys, as :meth:`locate` finds it;
        ``(None, None)`` when it is declared nowhere.

        For listing many subjects: a deferred file's declaration is read without
        building a :class:`Location`, splitting every key's line, or remembering it.
        """
        if (kind, ident) not in self.entries and self._deferred:
            hit = self._deferring_file(kind, ident)
            if hit is not None:
                file, declared = self._deferred[hit]
                return file, declared.line(kind, ident, key)
        where = self.locate(kind, ident, key)
        return (where.file, where.line) if where else (None, None)

    def _look_deferred(self, kind: str, ident: str) -> Entry | None:
        """The entry of the first deferred file declaring the entity, remembered."""
        hit = self._deferring_file(kind, ident)
        if hit is None:
            return None
        file, declared = self._deferred[hit]
        entry = self.entries[(kind, ident)] = (file, *declared[(kind, ident)])
        return entry

    def _deferring_file(self, kind: str, ident: str) -> int | None:
        """Position of the first deferred file declaring the entity (one look-up: the
        files' ids of one kind are indexed together the first time that kind is asked
        for, not searched file by file per entity)."""
        declaring = self._declaring.get(kind)
        if declaring is None:
            declaring = self._declaring[kind] = {}
            for at in range(len(self._deferred) - 1, -1, -1):  # the first file wins
                declaring.update(dict.fromkeys(self._deferred[at][1].ids_of(kind), at))
        return declaring.get(ident)

    def _search_json(self, kind: str, ident: str) -> Location | None:
        if not self.json_texts:
            return None
        if kind == "field" and "." in ident:
            store, name = ident.rsplit(".", 1)
            for file in sorted(self.json_texts):
                found = self._text_index(file)
                at = found.first(store)
                if at >= 0:  # the field's name, from the start of its store's line on
                    pos = found.find("name", name, found.line_start(at))
                    return Location(file=file, line=found.line_of(pos if pos >= 0 else at))
            return None
        key = _ID_KEY.get(kind, "id")
        for file in sorted(self.json_texts):
            found = self._text_index(file)
            pos = found.first(ident) if key == "id" else found.find(key, ident, 0)
            if pos >= 0:
                location = Location(file=file, line=found.line_of(pos))
                self.entries[(kind, ident)] = (location.file, location.line, None)
                return location
        return None

    def _text_index(self, file: str) -> _TextIndex:
        """The search helper of one JSON file, made on first use."""
        found = self._json_found.get(file)
        if found is None:
            found = self._json_found[file] = _TextIndex(self.json_texts[file],
                                                        self._layouts.get(file))
        return found


class KindTable(Mapping[tuple[str, str], Declared]):
    """Where one file declares its entities, readable one kind at a time.

    ``ids_of`` lists the ids of one kind and ``line`` reads one declaration's (or
    key's) line, neither decoding what it does not need.
    """

    @abstractmethod
    def ids_of(self, kind: str) -> Iterable[str]:
        """The ids of the entities of ``kind`` the file declares."""

    @abstractmethod
    def line(self, kind: str, ident: str, key: str | None) -> int | None:
        """Line of a declared entity, or of its key ``key`` when the file gives one."""


class Declarations(KindTable):
    """One parsed file's declarations, by kind (the first of a repeated id wins)."""

    def __init__(self, found: Iterable[Declaration]) -> None:
        self._by_kind: dict[str, dict[str, Declared]] = {}
        for kind, ident, line, key_lines in found:
            self._by_kind.setdefault(kind, {}).setdefault(ident, (line, key_lines))

    def __getitem__(self, key: tuple[str, str]) -> Declared:
        return self._by_kind[key[0]][key[1]]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for kind, ids in self._by_kind.items():
            yield from zip(repeat(kind), ids)

    def __len__(self) -> int:
        return sum(map(len, self._by_kind.values()))

    def ids_of(self, kind: str) -> Iterable[str]:
        """The ids of the entities of ``kind`` the file declares."""
        return self._by_kind.get(kind, {}).keys()

    def line(self, kind: str, ident: str, key: str | None) -> int | None:
        """Line of a declared entity, or of its key ``key`` when the file gives one."""
        line, key_lines = self._by_kind[kind][ident]
        return key_lines.get(key, line) if key and key_lines else line


_BLOCK = 1 << 16
_WINDOW_CUT = re.compile(r"[\n{]")
_LINE_BACK = 1 << 20


class _TextIndex:
    """Searches one JSON text the way a person would, without rescanning it per finding.

    An entity named in a finding is the first ``"id": "..."`` (else
    ``"id":"..."``) with its id in the text. Searching the whole text for each
    costs a scan of a hundred megabytes per finding on an inventory of a
    hundred thousand systems, so the first offset of every ``"id"`` value is
    collected in one pass when first needed (the JSON parsed, so its string
    literals cannot overlap and the pass finds exactly what a search would).
    Newline counts per block turn offsets into lines without rescanning.
    """

    _ID = re.compile(r'"id":( ?"[^"\\]*(?:\\.[^"\\]*)*")')

    def __init__(self, text: str, layout: Layout | None = None) -> None:
        self.text = text
        self._layout = layout
        self._by_line: _LineLayout | None = None
        self._ids: dict[str, int] | None = None
        self._starts: list[int] = [0]
        self._spaced_after: dict[str, int] = {}
        self._key_first: dict[str, int] = {}
        self.lines_before: list[int] = [0]  # newlines before each block
        for start in range(0, len(text), _BLOCK):
            self.lines_before.append(self.lines_before[-1] + text.count("\n", start,
                                                                        start + _BLOCK))

    def first(self, ident: str) -> int:
        """Offset of the first ``"id": ident`` (else ``"id":ident``), or -1."""
        if self._layout is not None:
            if self._by_line is None:
                self._by_line = _LineLayout(self, self._layout)
            found = self._by_line.first(ident)
            if found is not None:
                return found
            self._layout = None  # a form the layout cannot vouch for: the whole text's index
        if self._ids is None:
            self._ids = self._index_ids()
        value_text = json.dumps(ident)
        for space in (" ", ""):
            window = self._ids.get(space + value_text)
            if window is not None:
                return self.text.find(f'"id":{space}{value_text}', self._starts[window])
        return -1

    def _index_ids(self) -> dict[str, int]:
        """The first window (of about :data:`_BLOCK` characters) holding each ``"id"`` value.

        Windows end at a newline, which no JSON string holds, or just before an
        object's opening brace, which no id holds (ids are validated identifiers;
        a brace inside a string cannot start a match, whose quotes would be
        escaped there), so no match spans two, and a file on one line is cut too;
        each window is searched by one ``findall`` and, last window first, recorded
        by one ``dict.update``: no Python work per entity.
        """
        text = self.text
        self._starts = [0]
        pos = _BLOCK
        while pos < len(text):
            cut = _WINDOW_CUT.search(text, pos)
            if cut is None:
                break
            start = cut.end() if cut.group() == "\n" else cut.start()
            self._starts.append(start)
            pos = start + _BLOCK
        ends = [*self._starts[1:], len(text)]
        found: dict[str, int] = {}
        for window in range(len(self._starts) - 1, -1, -1):
            found.update(dict.fromkeys(
                self._ID.findall(text, self._starts[window], ends[window]), window))
        return found

    def find(self, key: str, value: str, start: int) -> int:
        """Offset of the first ``"key": value`` (else ``"key":value``) from ``start``, or -1."""
        first = self._key_first.get(key)
        if first is None:  # keys such as "commitment" stand in one section: start there
            first = self._key_first[key] = self.text.find(f'"{key}":')
        if first < 0:
            return -1
        start = max(start, first)
        value_text = json.dumps(value)
        spaced = f'"{key}": '
        last = self._spaced_after.get(key)
        if last is None:  # compact JSON has no '"key": ' at all: skip the hopeless scan
            last = self._spaced_after[key] = self.text.rfind(spaced)
        if last >= start:
            pos = self.text.find(spaced + value_text, start)
            if pos >= 0:
                return pos
        return self.text.find(f'"{key}":{value_text}', start)

    def line_start(self, offset: int) -> int:
        """Offset of the start of ``offset``'s line, looking back at most :data:`_LINE_BACK`.

        On a minified file (one long line) the search for a field starts that
        far back, not at the file's start: every offset between is on the same line.
        """
        earliest = max(0, offset - _LINE_BACK)
        newline = self.text.rfind("\n", earliest, offset)
        return newline + 1 if newline >= 0 else earliest

    def line_of(self, offset: int) -> int:
        """1-based line of a character offset."""
        block = offset // _BLOCK
        return self.lines_before[block] + self.text.count("\n", block * _BLOCK, offset) + 1

    def line_offset(self, line: int) -> int:
        """Offset of the start of 1-based ``line`` (the text has that many lines)."""
        newlines = line - 1  # the line starts after this many newlines
        if newlines <= 0:
            return 0
        block = bisect_left(self.lines_before, newlines) - 1  # the block holding the last one
        pos = block * _BLOCK - 1
        for _ in range(newlines - self.lines_before[block]):
            pos = self.text.find("\n", pos + 1)
        return pos + 1


class _LineLayout:
    """Finds ``"id"`` values in a file laid out one entity per line, from its models.

    In such a file (:data:`~pledge.policy_model.json_slices.Layout`) the only
    ``"id"`` key on a long section's line is its item's own: the models hold no
    free-form mappings, strings hold no bare quotes, and a loaded file repeats
    no key. So the first ``"id": ident`` (else ``"id":ident``) of the text is the
    first of: the occurrences outside the long sections (indexed by a search of
    that text alone) and the lines of the items whose id is ``ident``, each
    checked to hold it written so. An item whose line does not (an id written
    with escapes, or spaced otherwise) gives ``None``: the caller then searches
    the whole text, as for any other file.
    """

    def __init__(self, index: _TextIndex, layout: Layout) -> None:
        self.index = index
        self.layout = layout
        self.first_lines = [index.line_of(start) for start, _end, _items in layout]
        self._items: list[dict[str | None, int] | None] = [None] * len(layout)
        self._outside: dict[str, int] | None = None

    def _outside_ids(self) -> dict[str, int]:
        """The first offset of each ``"id"`` value (spaced or not) outside the long sections."""
        if self._outside is None:
            text, last = self.index.text, 0
            found: dict[str, int] = {}
            for start, end in [*((s, e) for s, e, _items in self.layout), (len(text), 0)]:
                for match in _TextIndex._ID.finditer(text, last, start):
                    found.setdefault(match.group(1), match.start())
                last = end
            self._outside = found
        return self._outside

    def _position(self, region: int, ident: str) -> int | None:
        found = self._items[region]
        if found is None:
            ids: list[str | None] = list(map(getattr, self.layout[region][2], repeat("id"),
                                             repeat(None)))
            found = self._items[region] = dict(zip(  # the first line of each id
                reversed(ids), range(len(ids) - 1, -1, -1), strict=True))
        return found.get(ident)

    def first(self, ident: str) -> int | None:
        """Offset of the first ``"id": ident`` (else ``"id":ident``), -1 for none; ``None``:
        the layout cannot tell."""
        text, value = self.index.text, json.dumps(ident)
        outside = self._outside_ids()
        spaced: list[int] = []
        compact: list[int] = []
        for space, found in ((" ", spaced), ("", compact)):
            at = outside.get(space + value)
            if at is not None:
                found.append(at)
        for region, first_line in enumerate(self.first_lines):
            position = self._position(region, ident)
            if position is None:
                continue
            start = self.index.line_offset(first_line + position)
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            for space, found in ((" ", spaced), ("", compact)):
                at = text.find(f'"id":{space}{value}', start, end)
                if at >= 0:
                    found.append(at)
                    break
            else:
                return None
        return min(spaced) if spaced else min(compact) if compact else -1
