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

FORMAT = 2
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
    """Where a cached file declares each entity, decoded on the first look-up.

    Encoded as one JSON object by kind, ``{"kind": {"id": [line, "key<TAB>line<TAB>…"]}}``:
    a few objects per declaration, the ids of one kind listed without touching the
    others, and the keys' lines split only for the entities a finding or an error
    names.
    """

    def __init__(self, encoded: bytes) -> None:
        self._encoded = encoded
        self._table: dict[str, dict[str, list[Any]]] | None = None

    def _decoded(self) -> dict[str, dict[str, list[Any]]]:
        if self._table is None:
            self._table = json.loads(self._encoded)
            self._encoded = b""
        return self._table

    def __getitem__(self, key: tuple[str, str]) -> Declared:
        line, keys = self._decoded()[key[0]][key[1]]
        if not keys:
            return line, None
        parts = keys.split("\t")
        return line, dict(zip(parts[::2], map(int, parts[1::2]), strict=True))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for kind, ids in self._decoded().items():
            yield from zip(repeat(kind), ids)

    def __len__(self) -> int:
        return sum(map(len, self._decoded().values()))

    def ids_of(self, kind: str) -> Iterable[str]:
        """The ids of the entities of ``kind`` the file declares."""
        return self._decoded().get(kind, {}).keys()

    def line(self, kind: str, ident: str, key: str | None) -> int | None:
        """Line of a declared entity, or of its key ``key`` when the file gives one."""
        line, keys = self._decoded()[kind][ident]
        if key and keys:
            parts = keys.split("\t")
            for at in range(0, len(parts) - 1, 2):
                if parts[at] == key:
                    return int(parts[at + 1])
        return line if line is None else int(line)


def _encode_declarations(found: Iterable[Declaration]) -> bytes:
    table: dict[str, dict[str, list[Any]]] = {}
    for kind, ident, line, key_lines in found:
        table.setdefault(kind, {}).setdefault(ident, [line, "\t".join(
            f"{k}\t{n}" for k, n in key_lines.items()) if key_lines else ""])
    return json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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
            fragment = InventoryFragment.model_validate_json(bytes(body[:split]))
        except (ValueError, KeyError, TypeError, ValidationError):
            return None
        return CachedFile(fragment, lines, CachedDeclarations(bytes(body[split:])))

    def put(self, sha256: str, kind: str, fragment: InventoryFragment | bytes,
            section_lines: Mapping[str, int], found: Iterable[Declaration]) -> None:
        """Keep a clean file's models and declarations (a failed write is only a miss later).

        ``fragment`` may come as its JSON already (:meth:`fragment_json`), made before
        the models' given keys were shared (the JSON of shared keys is not made)."""
        fragment_json = (fragment if isinstance(fragment, bytes)
                         else self.fragment_json(fragment))
        body = fragment_json + _encode_declarations(found)
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
