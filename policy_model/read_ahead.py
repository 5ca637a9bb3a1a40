"""YAML files read ahead on an idle core while the load reads the others.

Reading YAML costs most of a cold load: libyaml hands Python an object per event,
about a second per five megabytes. When the caller can start work beside the
load (``pledge`` forks it to an idle core: :class:`~pledge.cli.forked.Forked`),
the load gives the last YAML files, about half the bytes to read, to that work
and reads the first ones itself meanwhile.

The work reads each of its files exactly as the load would (every guard, the
models, the file's last checks) and hands back only the files that came out
clean, in the form the fragment cache keeps (the models as JSON, where each
entity is declared); the load takes them as it takes a cache entry, so the
models, the lines and every report are the same. A file the work did not hand
back (an error in it, a change since the work read it, the work gone) is read by
the load itself, in its turn: the errors, and their order, are those of a load
in line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T", covariant=True)

AHEAD_MIN_BYTES = 2 << 20
"""Below this much YAML left to read, a fork costs more than it saves: read in line."""
AHEAD_MAX_BYTES = 512 << 20
"""Above this much YAML, the work's own models (about ten times the text) would double
the peak memory: read in line."""

AHEAD_SHARE = 0.45
"""The share of the bytes read ahead: less than half, as the work also writes what it read
as JSON, and takes longer beside the load than the load does on its own files."""

Read = tuple[str, bytes, bytes, dict[str, int]]
"""A file read clean ahead: the sha256 of the bytes read, the models as JSON, the
declarations encoded (:class:`~pledge.policy_model.fragment_cache.CachedDeclarations`),
and the line of each top-level section."""


class Started(Protocol[T]):
    """Work started beside the caller: its result when asked for, or stopped."""

    def result(self) -> T:
        """The work's result (waiting for it)."""
        ...

    def cancel(self) -> None:
        """Stop the work; its result is no longer wanted."""
        ...


Beside = Callable[[Callable[[], dict[int, Read]]], Started[dict[int, Read]]]
"""How the caller starts the reading ahead (``None`` to the loader: none)."""


def ahead_positions(sizes: Sequence[int | None]) -> list[int]:
    """The positions of the files to read ahead: the last YAML files (``sizes``: each
    file's bytes, ``None`` for one the load reads itself), about :data:`AHEAD_SHARE` of
    the bytes to read, or none when there is too little or too much to read."""
    total = sum(size for size in sizes if size is not None)
    if not AHEAD_MIN_BYTES <= total <= AHEAD_MAX_BYTES:
        return []
    chosen: list[int] = []
    taken = 0
    for position in range(len(sizes) - 1, -1, -1):
        size = sizes[position]
        if size is None:
            continue
        if taken + size > total * AHEAD_SHARE and chosen:
            break
        chosen.append(position)
        taken += size
    if taken >= total:  # one file holds it all: nothing to do meanwhile
        return []
    return sorted(chosen)
