"""Pinning a policy to the text it quotes: the sha256 in ``source.sha256``.

A policy names its source document and pins it by hash, so a changed text is
noticed (PLG-E016) and reviewed before the commitments are trusted again.
:func:`pin_source` computes the hash and writes it into the policy file in
place, keeping every other byte (comments, order, quoting) as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.yaml_source import (
    DEFAULT_MAX_FILE_SIZE,
    Located,
    load_file,
    read_text,
    sha256_file,
)

_SHA_LINE = re.compile(r"^(?P<lead>\s*sha256\s*:\s*)(?P<value>(\"[^\"]*\"|'[^']*'|[^\s#]*))")
_PATH_LINE = re.compile(r"^(?P<indent>\s*)path\s*:")


@dataclass(frozen=True)
class Pin:
    """The outcome of pinning: the text's hash, and the one the policy held before."""

    policy: Path
    source: Path
    sha256: str
    previous: str | None

    @property
    def changed(self) -> bool:
        """True when the policy file had another (or no) hash."""
        return self.previous != self.sha256


def _source_section(path: Path, shown: str, max_size: int) -> tuple[Located, int]:
    raw, _ = load_file(path, max_size=max_size, display=shown)
    source = raw.get("source") if isinstance(raw, Located) else None
    if not isinstance(source, Located) or not isinstance(source.get("path"), str):
        line = raw.key_lines.get("source") if isinstance(raw, Located) else None
        raise InputErrors([InputError("PLG-E016", "the policy has no source.path naming the "
                                      "document it quotes", shown, line,
                                      "add source: {title: ..., path: policy.txt}")])
    return source, source.line


def pin_source(path: Path, *, shown: str | None = None, write: bool = True,
               max_size: int = DEFAULT_MAX_FILE_SIZE) -> Pin:
    """Compute the sha256 of the policy's source document and write it to ``source.sha256``.

    With ``write=False`` nothing is written: the result says whether the pin is current.
    """
    shown = shown or str(path)
    source, _ = _source_section(path, shown, max_size)
    document = path.parent / source["path"]
    if not document.is_file():
        raise InputErrors([InputError("PLG-E016", f"source document {source['path']} not found",
                                      shown, source.key_lines.get("path"),
                                      "fix source.path (relative to the policy file)")])
    read_text(document, max_size=max_size, display=str(document))  # UTF-8, size: as on load
    digest = sha256_file(document)
    previous = source.get("sha256")
    pin = Pin(path, document, digest, previous if isinstance(previous, str) else None)
    if write and pin.changed:
        _write_pin(path, source, digest)
    return pin


def _write_pin(path: Path, source: Located, digest: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    sha_line = source.key_lines.get("sha256")
    if sha_line is not None:
        index = sha_line - 1
        found = _SHA_LINE.match(lines[index])
        if found is None:  # e.g. a flow mapping {path: ..., sha256: ...}: rewrite the value
            lines[index] = re.sub(r"(sha256\s*:\s*)(\"[^\"]*\"|'[^']*'|[0-9a-fA-F]*)",
                                  lambda m: m.group(1) + digest, lines[index], count=1)
        else:
            lines[index] = (found.group("lead") + digest + lines[index][found.end():])
    else:  # no sha256 yet: add it under source.path, indented alike
        index = source.key_lines["path"] - 1
        indent = _PATH_LINE.match(lines[index])
        lead = indent.group("indent") if indent else "  "
        ending = "\n" if lines[index].endswith("\n") else ""
        if not ending:
            lines[index] += "\n"
        lines.insert(index + 1, f"{lead}sha256: {digest}\n")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write("".join(lines))
        Path(tmp).chmod(path.stat().st_mode & 0o777)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
