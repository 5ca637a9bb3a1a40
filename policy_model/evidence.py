"""The evidence a report keeps of its inputs, and how ``pledge verify`` reads it back safely.

A report lists every file of each input directory with its sha256 (not only the
files pledge read: a file added beside them, a ``waivers.yaml`` say, can change
the verdict), and the sha256 of its own body. Both sides use these functions, so
what is written is what is checked:

- :func:`directory_files`: every file under a directory, sorted; symlinks are
  never followed (their target text is hashed instead), version-control
  metadata (``.git``, ``.hg``, ``.svn``) and the paths the run wrote are left out;
- :func:`body_sha256`: the sha256 of a JSON document's canonical form (sorted
  keys, no spaces, UTF-8) without its hash field;
- :func:`confined`: where a recorded path lies under a base directory, or why it
  may not be read (absolute, ``..``, a symlink out of the base).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

from pledge.policy_model.loading import bundled_file
from pledge.policy_model.yaml_source import sha256_file

SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn"})
"""Version-control metadata: changes with every fetch, never read by pledge."""
SYMLINK_PREFIX = b"symlink\x00"
TOO_LARGE = "too large"
"""The digest :func:`directory_files` gives a file over its size limit (not read)."""


def link_digest(path: Path) -> str:
    """The sha256 of a symlink: of its target's text, never of what it points at."""
    return hashlib.sha256(SYMLINK_PREFIX + os.fsencode(path.readlink())).hexdigest()


def directory_files(root: Path, shown_root: str, *, skip: frozenset[Path] = frozenset(),
                    known: dict[Path, str] | None = None, max_size: int | None = None
                    ) -> list[tuple[str, str]]:
    """Every file under ``root`` as ``(shown path, sha256)``, sorted by shown path.

    ``skip`` holds resolved paths (files or directories) left out: what this run
    writes there. ``known`` maps paths to digests already computed (the files
    pledge read), so they are not read twice. A file over ``max_size`` is not
    read: its digest is :data:`TOO_LARGE`.
    """
    known = known or {}
    found: list[tuple[str, str]] = []
    prefix = shown_root.rstrip("/")
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            path = here / name
            if name in SKIPPED_DIRECTORIES or _skipped(path, skip):
                continue
            if path.is_symlink():  # listed as a link, not walked
                filenames.append(name)
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            path = here / name
            if _skipped(path, skip):
                continue
            shown = f"{prefix}/{path.relative_to(root).as_posix()}"
            if path.is_symlink():
                digest = link_digest(path)
            elif path.is_file():
                digest = known.get(path) or (
                    TOO_LARGE if max_size is not None and path.stat().st_size > max_size
                    else sha256_file(path))
            else:  # a FIFO, a socket, a device: named, never read
                digest = "not-a-file"
            found.append((shown, digest))
    found.sort()
    return found


def _skipped(path: Path, skip: frozenset[Path]) -> bool:
    if not skip:
        return False
    try:
        return path.resolve() in skip
    except (OSError, RuntimeError):
        return False


def body_sha256(document: dict[str, Any], field: str) -> str:
    """The sha256 of ``document``'s canonical JSON without ``field`` (its own hash)."""
    body = {key: value for key, value in document.items() if key != field}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def confined(shown: str, base: Path) -> Path | str:
    """The file a recorded path names under ``base``, or why it may not be read.

    A ``pledge:`` path names a file shipped with pledge. Any other path must be
    relative, without ``..``, and stay under ``base`` once its symlinks are
    followed: a report is input like any other, and a forged one may name
    ``/etc/shadow`` or ``../../secrets``.
    """
    bundled = bundled_file(shown)
    if bundled is not None:
        return bundled
    if shown.startswith("pledge:"):
        return "climbs out of the pledge package"
    posix = PurePosixPath(shown.replace("\\", "/"))
    if not shown or posix.is_absolute() or Path(shown).is_absolute() or (
            len(shown) > 1 and shown[1] == ":"):
        return "is absolute"
    if ".." in posix.parts:
        return "climbs out with '..'"
    target = base / Path(*posix.parts)
    try:
        real_base, real = base.resolve(), target.resolve()
    except (OSError, RuntimeError):
        return "cannot be resolved (a symlink loop?)"
    if real != real_base and not real.is_relative_to(real_base):
        return "leads outside the base directory through a symlink"
    return target
