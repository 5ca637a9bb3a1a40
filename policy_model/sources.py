"""Where each inventory entity is declared: file and line, for findings and errors.

YAML files are indexed while loading (every mapping knows its line). JSON files
carry no line information, so an entity declared in JSON is found on demand by
searching the file's text for its id: only for the few entities a finding names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class Location(BaseModel):
    """Where something is declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str = Field(description="Input file, as given on the command line.")
    line: int | None = Field(None, description="1-based line of the declaration.")


_ID_KEY = {"field": "name", "attestation": "commitment", "commitment": "commitment"}


@dataclass
class SourceIndex:
    """Maps (entity type, id) to the file and line that declares it."""

    entries: dict[tuple[str, str], tuple[str, int | None, dict[str, int] | None]] = field(
        default_factory=dict)
    json_texts: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, ident: str, file: str, line: int | None,
            key_lines: dict[str, int] | None = None) -> None:
        """Record a declaration (the first one wins)."""
        self.entries.setdefault((kind, ident), (file, line, key_lines))

    def add_text(self, file: str, text: str, *, is_json: bool) -> None:
        """Keep a JSON file's text to locate its entities on demand."""
        if is_json:
            self.json_texts[file] = text

    def add_text_file(self, file: str) -> None:
        """Note a file whose data carries no lines (nothing to do until asked)."""

    def locate(self, kind: str, ident: str, key: str | None = None) -> Location | None:
        """Location of an entity, or of one of its keys when ``key`` is given."""
        entry = self.entries.get((kind, ident))
        if entry is None:
            return self._search_json(kind, ident)
        file, line, key_lines = entry
        if key and key_lines and key in key_lines:
            line = key_lines[key]
        return Location(file=file, line=line)

    def _search_json(self, kind: str, ident: str) -> Location | None:
        if not self.json_texts:
            return None
        if kind == "field" and "." in ident:
            store, name = ident.rsplit(".", 1)
            anchor = self._search_json("store", store)
            if anchor is None or anchor.line is None:
                return anchor
            text = self.json_texts[anchor.file]
            start = _offset_of_line(text, anchor.line)
            return _find(anchor.file, text, "name", name, start) or anchor
        for file in sorted(self.json_texts):
            found = _find(file, self.json_texts[file], _ID_KEY.get(kind, "id"), ident, 0)
            if found:
                self.entries[(kind, ident)] = (found.file, found.line, None)
                return found
        return None


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    return offset


def _find(file: str, text: str, key: str, value: str, start: int) -> Location | None:
    value_text = json.dumps(value)
    for sep in (": ", ":"):
        pos = text.find(f'"{key}"{sep}{value_text}', start)
        if pos >= 0:
            return Location(file=file, line=text.count("\n", 0, pos) + 1)
    return None
