"""Where each inventory entity is declared: file and line, for findings and errors.

YAML files are indexed while loading (every mapping knows its line). JSON files
carry no line information, so an entity declared in JSON is found on demand by
searching the file's text for its id: only for the few entities a finding names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


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
    _deferred: list[tuple[str, Mapping[tuple[str, str], Declared]]] = field(
        default_factory=list, repr=False, compare=False)

    def add(self, kind: str, ident: str, file: str, line: int | None,
            key_lines: dict[str, int] | None = None) -> None:
        """Record a declaration (the first one wins)."""
        self.entries.setdefault((kind, ident), (file, line, key_lines))

    def defer(self, file: str, declared: Mapping[tuple[str, str], Declared]) -> None:
        """Add a file whose declarations are looked up only when a location is asked for.

        ``declared`` maps (kind, id) to (line, line of each key); it may decode
        itself on first use. Deferred files are searched in the order given,
        after the declarations added directly (a loader defers every file or none).
        """
        self._deferred.append((file, declared))

    def add_text(self, file: str, text: str, *, is_json: bool) -> None:
        """Keep a JSON file's text to locate its entities on demand."""
        if is_json:
            self.json_texts[file] = text

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

    def _look_deferred(self, kind: str, ident: str) -> Entry | None:
        for file, declared in self._deferred:
            found = declared.get((kind, ident))
            if found is not None:
                entry = self.entries[(kind, ident)] = (file, *found)
                return entry
        return None

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
            found = self._json_found[file] = _TextIndex(self.json_texts[file])
        return found


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

    def __init__(self, text: str) -> None:
        self.text = text
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
