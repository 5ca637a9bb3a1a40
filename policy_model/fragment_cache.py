"""A content-addressed cache of validated inventory files, for incremental checks.

Each inventory file that loads clean (parsed with every guard, its models valid,
its vocabulary ids known, no repeated values, no duplicate keys) can be kept in a
cache directory. An entry is keyed by the sha256 of the file's bytes and its
format (JSON or YAML), under a *salt* naming everything else its content depends
on: the cache format, pledge's version, pydantic-core's version, Python's version
and the vocabulary the ids were checked against. A later run reads the file, hashes
it and, finding an entry for that hash, takes the file's models from the entry
instead of parsing and judging the file again.

Guarantees:

- **never stale**: the key is the hash of the bytes just read, so a changed file
  has another key; an entry also names the hash it was made for;
- **another version's entries are never used**: they sit under another salt, and
  each entry names its salt, which must match;
- **corrupted or truncated entries are ignored** (and rewritten): each entry
  holds the sha256 of its body, checked before anything is read from it;
- **concurrent jobs are safe**: an entry is written to a temporary file in its
  directory and renamed into place, so a reader sees a whole entry or none;
- **no code runs from the cache**: entries are JSON, and the models are
  validated again by pydantic (from JSON, in Rust) as they are read.

An entry holds three parts: a header (one JSON line), the file's fragment as
JSON (``model_dump_json(exclude_unset=True)``: the keys given, so the models
come back as they were), and where each entity is declared (lines, for YAML),
decoded only when a finding or an error needs a line.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import pydantic_core
from pydantic import ValidationError

from pledge.base.version import __version__
from pledge.policy_model.inventory import InventoryFragment
from pledge.policy_model.sources import Declaration, Declared, KindTable

FORMAT = 3
"""Bumped whenever an entry's layout or meaning changes."""
MAGIC = b"pledge-fragment-cache\n"

def cache_salt(terms: Mapping[str, Iterable[str]]) -> str:
    """What an entry's content depends on besides the file: versions and the vocabulary."""
    described = {
        "format": FORMAT, "pledge": __version__, "pydantic_core": pydantic_core.__version__,
        "python": list(sys.version_info[:2]),
        "vocabulary": {kind: sorted(ids) for kind, ids in sorted(terms.items())},
    }
    text = json.dumps(described, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class CachedFile:
    """One inventory file as the cache gives it back."""

    fragment: InventoryFragment
    section_lines: dict[str, int]
    """Line of each top-level section (YAML), for errors naming a section."""
    declared: KindTable
    """Where each entity is declared (from the cache: decoded when first looked up)."""


class CachedDeclarations(KindTable):
    """Where a cached file declares each entity, each kind decoded on its first look-up.

    Encoded as one JSON line indexing the kinds (``{"kind": [ids_bytes, rows_bytes]}``),
    then for each kind in that order two JSON lists: its ids, and one row per id,
    ``"line<TAB>key<TAB>line<TAB>…"``. Listing the ids of one kind decodes that
    kind's ids only (a file that declares none of them decodes nothing); the rows are
    decoded the first time a finding or an error asks one of its entities for a line,
    and a row's keys are split only for the entity asked about.
    """

    def __init__(self, encoded: bytes) -> None:
        self._encoded = encoded
        self._spans: dict[str, tuple[int, int, int]] | None = None
        self._ids: dict[str, dict[str, int]] = {}
        self._rows: dict[str, list[str]] = {}

    def _kinds(self) -> dict[str, tuple[int, int, int]]:
        """Where each kind's ids and rows lie in the encoded declarations."""
        if self._spans is None:
            end = self._encoded.find(b"\n")
            index = json.loads(self._encoded[:end]) if end >= 0 else {}
            spans, at = {}, end + 1
            for kind, (ids_bytes, rows_bytes) in index.items():
                spans[kind] = (at, at + ids_bytes, at + ids_bytes + rows_bytes)
                at += ids_bytes + rows_bytes
            self._spans = spans
        return self._spans

    def _numbered(self, kind: str) -> dict[str, int]:
        """The ids of one kind, each with its row's position."""
        ids = self._ids.get(kind)
        if ids is None:
            span = self._kinds().get(kind)
            listed = json.loads(self._encoded[span[0]:span[1]]) if span else []
            ids = self._ids[kind] = dict(zip(listed, range(len(listed)), strict=True))
        return ids

    def _row(self, kind: str, ident: str) -> tuple[int | None, list[str]]:
        rows = self._rows.get(kind)
        if rows is None:
            _, middle, end = self._kinds()[kind]
            rows = self._rows[kind] = json.loads(self._encoded[middle:end])
        line, *keys = rows[self._numbered(kind)[ident]].split("\t")
        return (int(line) if line else None), keys

    def __getitem__(self, key: tuple[str, str]) -> Declared:
        line, keys = self._row(*key)
        if not keys:
            return line, None
        return line, dict(zip(keys[::2], map(int, keys[1::2]), strict=True))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for kind in self._kinds():
            yield from zip(repeat(kind), self._numbered(kind))

    def __len__(self) -> int:
        return sum(len(self._numbered(kind)) for kind in self._kinds())

    def ids_of(self, kind: str) -> Iterable[str]:
        """The ids of the entities of ``kind`` the file declares."""
        return self._numbered(kind).keys()

    def line(self, kind: str, ident: str, key: str | None) -> int | None:
        """Line of a declared entity, or of its key ``key`` when the file gives one."""
        line, keys = self._row(kind, ident)
        if key and keys:
            for at in range(0, len(keys) - 1, 2):
                if keys[at] == key:
                    return int(keys[at + 1])
        return line


class _Unkept(Exception):
    """Declarations the cache's encoding cannot hold (a key with a tab in it)."""


def encoded_declarations(found: Iterable[Declaration]) -> bytes | None:
    """Declarations as a cache entry keeps them; ``None`` when they cannot be kept."""
    try:
        return _encode_declarations(found)
    except _Unkept:
        return None


def cached_file(fragment_json: bytes, section_lines: dict[str, int],
                declarations: bytes) -> CachedFile:
    """A file from the parts of an entry: the models validated again from their JSON."""
    return CachedFile(InventoryFragment.model_validate_json(fragment_json), section_lines,
                      CachedDeclarations(declarations))


def _encode_declarations(found: Iterable[Declaration]) -> bytes:
    by_kind: dict[str, dict[str, str]] = {}
    for kind, ident, line, key_lines in found:
        rows = by_kind.get(kind)
        if rows is None:
            rows = by_kind[kind] = {}
        if ident in rows:
            continue  # the first of a repeated id wins, as when the file was read
        row = "" if line is None else str(line)
        if key_lines:
            if "\t".join(key_lines).count("\t") != len(key_lines) - 1:
                raise _Unkept  # a key holding a tab would split apart when read
            row += "\t" + "\t".join(f"{k}\t{n}" for k, n in key_lines.items())
        rows[ident] = row
    index: dict[str, list[int]] = {}
    parts: list[bytes] = []
    for kind, rows in by_kind.items():
        ids = json.dumps(list(rows), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        lines = json.dumps(list(rows.values()), ensure_ascii=False,
                           separators=(",", ":")).encode("utf-8")
        index[kind] = [len(ids), len(lines)]
        parts += (ids, lines)
    return json.dumps(index, separators=(",", ":")).encode("utf-8") + b"\n" + b"".join(parts)


class FragmentCache:
    """The cache directory of one run (see the module's description)."""

    def __init__(self, directory: Path, terms: Mapping[str, Iterable[str]]) -> None:
        self.directory = directory
        self.salt = cache_salt(terms)
        self.hits = 0
        self.misses = 0
        self.written = 0

    def _path(self, sha256: str, kind: str) -> Path:
        return self.directory / self.salt[:24] / f"{sha256}.{kind}"

    def has(self, sha256: str, kind: str) -> bool:
        """Whether an entry for these bytes and this format exists (not whether it is whole)."""
        return self._path(sha256, kind).is_file()

    def get(self, sha256: str, kind: str) -> CachedFile | None:
        """The entry for a file with these bytes and this format, if whole and current."""
        found = self._read(sha256, kind)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def _read(self, sha256: str, kind: str) -> CachedFile | None:
        try:
            data = self._path(sha256, kind).read_bytes()
        except OSError:  # absent (the usual miss) or unreadable: parse the file
            return None
        if not data.startswith(MAGIC):
            return None
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            return None
        try:
            header = json.loads(data[len(MAGIC):end])
            body = memoryview(data)[end + 1:]
            if not (isinstance(header, dict) and header.get("format") == FORMAT
                    and header.get("salt") == self.salt and header.get("pledge") == __version__
                    and header.get("sha256") == sha256 and header.get("kind") == kind
                    and header.get("body_sha256") == hashlib.sha256(body).hexdigest()):
                return None
            split = header["fragment_bytes"]
            lines = header["section_lines"]
            if not (isinstance(split, int) and 0 <= split <= len(body)
                    and isinstance(lines, dict)
                    and all(isinstance(v, int) for v in lines.values())):
                return None
            return cached_file(bytes(body[:split]), lines, bytes(body[split:]))
        except (ValueError, KeyError, TypeError, ValidationError):
            return None

    def put(self, sha256: str, kind: str, fragment: InventoryFragment | bytes,
            section_lines: Mapping[str, int], found: Iterable[Declaration] | bytes) -> None:
        """Keep a clean file's models and declarations (a failed write is only a miss later).

        ``fragment`` may come as its JSON already (:meth:`fragment_json`), made before
        the models' given keys were shared (the JSON of shared keys is not made), and
        ``found`` encoded already (:func:`encoded_declarations`)."""
        fragment_json = (fragment if isinstance(fragment, bytes)
                         else self.fragment_json(fragment))
        declarations = found if isinstance(found, bytes) else encoded_declarations(found)
        if declarations is None:
            return  # not kept: the file is read again next time
        body = fragment_json + declarations
        header: dict[str, Any] = {
            "format": FORMAT, "pledge": __version__, "salt": self.salt, "sha256": sha256,
            "kind": kind, "body_sha256": hashlib.sha256(body).hexdigest(),
            "fragment_bytes": len(fragment_json), "section_lines": dict(section_lines),
        }
        target = self._path(sha256, kind)
        try:
            self._prepare(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(MAGIC + json.dumps(header, sort_keys=True).encode("utf-8")
                                 + b"\n" + body)
                Path(tmp).replace(target)  # atomic: readers see the old entry or the new one
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return
        self.written += 1

    @staticmethod
    def fragment_json(fragment: InventoryFragment) -> bytes:
        """The models as the cache keeps them: the keys given, as JSON."""
        return fragment.model_dump_json(exclude_unset=True).encode("utf-8")

    def _prepare(self, where: Path) -> None:
        """Make the entry directory; mark the cache so that git and backups leave it out."""
        if where.is_dir():
            return
        where.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# pledge's cache of validated inventory files\n*\n",
                              encoding="utf-8")
