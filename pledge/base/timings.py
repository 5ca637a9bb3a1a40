"""Where a command's time goes: its phases timed when asked (``--timings``), else nothing.

A command that was asked for timings runs inside :func:`recording`; the layers
below mark their phases with :func:`phase` (the inventory's load, its last
checks, the graph, each commitment, each rendered format). With nothing
recording, :func:`phase` costs one global read, so the marks stay in place on
every run. Work forked to the second core records its own phases, which come
back with its result (:func:`recorded_since`, :func:`add_beside`) and are shown
apart, as they overlap this process's.

Timings are wall and CPU seconds of the process doing the work: they go to
standard error and never into a report, whose bytes stay the same with or
without them.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

SHOWN_CHILDREN = 5
"""A phase with more parts than this shows the slowest this many, then the rest summed."""


@dataclass(frozen=True)
class Lap:
    """One phase: its name, how deep it ran inside others, wall and CPU seconds."""

    name: str
    depth: int
    wall: float
    cpu: float
    beside: bool = False
    """Run in a forked child, alongside this process."""


@dataclass
class Timings:
    """The phases of one command, in the order they ended."""

    laps: list[Lap] = field(default_factory=list)
    depth: int = 0
    started_wall: float = field(default_factory=time.perf_counter)
    started_cpu: float = field(default_factory=time.process_time)
    """CPU seconds this process had spent when the command began (start-up, imports)."""


_active: Timings | None = None
_Row = tuple[str, float | None, float | None]
"""One line of the summary: a phase's name (indented), wall and CPU seconds."""


def active() -> Timings | None:
    """The timings being recorded, or None."""
    return _active


@contextmanager
def recording(enabled: bool) -> Iterator[Timings | None]:
    """Record the phases run inside (when ``enabled``); yields the timings, or None."""
    global _active
    if not enabled:
        yield None
        return
    outer, _active = _active, Timings()
    try:
        yield _active
    finally:
        _active = outer


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the work inside as ``name`` (a no-op unless something is recording)."""
    timings = _active
    if timings is None:
        yield
        return
    wall, cpu = time.perf_counter(), time.process_time()
    depth = timings.depth
    timings.depth = depth + 1
    try:
        yield
    finally:
        timings.depth = depth
        timings.laps.append(Lap(name, depth, time.perf_counter() - wall,
                                time.process_time() - cpu))


def recorded_since(mark: int) -> list[Lap]:
    """The laps recorded after the first ``mark`` ones (what a forked child sends back)."""
    return list(_active.laps[mark:]) if _active is not None else []


def lap_count() -> int:
    """How many laps are recorded so far (0 when nothing is recording)."""
    return len(_active.laps) if _active is not None else 0


def add_beside(laps: list[Lap]) -> None:
    """Add the laps a forked child recorded, shown apart from this process's."""
    if _active is None or not laps:
        return
    base = min(lap.depth for lap in laps)
    _active.laps.extend(replace(lap, depth=lap.depth - base, beside=True) for lap in laps)


def summary(timings: Timings, clean: Callable[[str], str] = str) -> list[str]:
    """The lines that say where the time went, without the program's prefix (``clean``:
    how the phases' names, which hold paths the user gave, are made safe to print).

    This process's phases first, as a tree, then those run beside it, then the
    totals: wall time, and CPU time of this process and of its forked children.
    A phase with many parts (the commitments of the checks) lists its slowest.
    """
    wall = time.perf_counter() - timings.started_wall
    cpu = time.process_time() - timings.started_cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    rows: list[_Row] = [("start-up (before the command)", None, timings.started_cpu)]
    here = [lap for lap in timings.laps if not lap.beside]
    beside = [lap for lap in timings.laps if lap.beside]
    _emit(_nest(here), "", rows, nested=False)
    if beside:
        rows.append(("beside, on the second core:", None, None))
        _emit(_nest(beside), "  ", rows, nested=False)
    rows = [(clean(name), lap_wall, lap_cpu) for name, lap_wall, lap_cpu in rows]
    width = max(len("phase"), *(len(name) for name, _wall, _cpu in rows))
    lines = [f"{'phase':<{width}} {'wall s':>8} {'CPU s':>8}"]
    for name, lap_wall, lap_cpu in rows:
        shown_wall = "" if lap_wall is None else f"{lap_wall:.2f}"
        shown_cpu = "" if lap_cpu is None else f"{lap_cpu:.2f}"
        lines.append(f"{name:<{width}} {shown_wall:>8} {shown_cpu:>8}".rstrip())
    lines.append(f"total {wall:.2f} s; CPU {cpu:.2f} s in this process, "
                 f"{children.ru_utime + children.ru_stime:.2f} s in forked work")
    return lines


_Node = tuple[Lap, list["_Node"]]


def _nest(laps: list[Lap]) -> list[_Node]:
    """The laps (recorded as each ended: parts before their whole) as trees: a lap's parts
    are the deeper laps that ended just before it."""
    stack: list[_Node] = []
    for lap in laps:
        parts: list[_Node] = []
        while stack and stack[-1][0].depth > lap.depth:
            parts.append(stack.pop())
        parts.reverse()
        stack.append((lap, parts))
    return stack


def _emit(nodes: list[_Node], indent: str, rows: list[_Row], *, nested: bool) -> None:
    """Rows for ``nodes``, each whole before its parts; the parts of a phase with many,
    slowest first."""
    shown = nodes
    rest: list[_Node] = []
    if nested and len(nodes) > SHOWN_CHILDREN:
        ranked = sorted(nodes, key=lambda node: -node[0].wall)
        shown, rest = ranked[:SHOWN_CHILDREN], ranked[SHOWN_CHILDREN:]
    for lap, parts in shown:
        rows.append((f"{indent}{lap.name}", lap.wall, lap.cpu))
        _emit(parts, indent + "  ", rows, nested=True)
    if rest:
        rows.append((f"{indent}{len(rest)} more", sum(node[0].wall for node in rest),
                     sum(node[0].cpu for node in rest)))
