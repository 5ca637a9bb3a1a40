"""Two trees of pledge on one inventory file, run alternately: is the newer one slower?

On a shared machine the speed of the machine itself drifts by tens of percent
within an hour, so a figure taken today cannot be compared with one taken last
week. This script runs ``benchmarks/run.py --child pledge`` of each tree in
turn (A, B, A, B, ...) on the same file, in fresh processes, and prints each
run's phases (wall seconds), its CPU seconds (user + system, the child's own,
read from ``getrusage``), its peak memory and its failing findings, then the
medians and the ratio B / A of the median CPU seconds.

A tree is a checkout and the Python that runs it: ``PATH[=PYTHON]``. Without
``=PYTHON`` the tree runs with this interpreter and ``PYTHONPATH`` set to it (a
tree with the ``pledge/`` package, as this one). A tree from before the one
namespace (its packages at the top level) needs its own install: ``python -m
venv OLD/.venv && OLD/.venv/bin/pip install OLD``, then ``OLD=OLD/.venv/bin/python``.

Usage::

    git worktree add --detach /tmp/old 64cf5ff
    python3 -m venv /tmp/old/.venv && /tmp/old/.venv/bin/pip install -q /tmp/old
    python benchmarks/generate.py --systems 100000 --out /tmp/inv-100k.json
    python benchmarks/alternate.py /tmp/inv-100k.json /tmp/old=/tmp/old/.venv/bin/python . \\
        --repeat 5

Run it from outside both trees' package directories or as a script, as above:
the tree given is the one imported. A measurement, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any


def _tree(spec: str) -> tuple[Path, str]:
    path, _, python = spec.partition("=")
    return Path(path).resolve(), python or sys.executable


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(tree: Path, python: str, inventory: Path, as_of: str) -> dict[str, Any]:
    """One fresh run of ``tree``'s child on ``inventory``: phases, CPU, peak, failing."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    before = _cpu_of_children()
    done = subprocess.run(
        [python, str(tree / "benchmarks" / "run.py"), "--child", "pledge", "--inventory",
         str(inventory), "--as-of", as_of],
        capture_output=True, text=True, env=env, cwd=tree.parent, check=False)
    cpu = _cpu_of_children() - before
    if done.returncode != 0:
        raise SystemExit(f"{tree}: the child failed:\n{done.stderr[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {"phases": found["phases"], "cpu": cpu, "peak_mb": found["peak_mb"],
            "failing": len(found["failing"]), "load": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory", type=Path)
    parser.add_argument("a", help="the first tree, PATH[=PYTHON] (the baseline)")
    parser.add_argument("b", help="the second tree, PATH[=PYTHON]")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2026-11-29")
    args = parser.parse_args(argv)
    trees = {"A": _tree(args.a), "B": _tree(args.b)}
    runs: dict[str, list[dict[str, Any]]] = {"A": [], "B": []}
    for _ in range(args.repeat):
        for name, (tree, python) in trees.items():
            run = run_once(tree, python, args.inventory, args.as_of)
            runs[name].append(run)
            phases = " ".join(f"{k} {v:.2f}" for k, v in run["phases"].items())
            print(f"{name} {phases} | cpu {run['cpu']:.2f} | peak {run['peak_mb']:,.0f} MB | "
                  f"failing {run['failing']} | load {run['load']:.2f}", flush=True)
    medians = {name: statistics.median(r["cpu"] for r in found)
               for name, found in runs.items()}
    for name, (tree, _python) in trees.items():
        peak = statistics.median(r["peak_mb"] for r in runs[name])
        print(f"{name} = {tree}: median CPU {medians[name]:.2f} s, median peak {peak:,.0f} MB")
    print(f"B / A (median CPU): {medians['B'] / medians['A']:.3f}")
    if {r["failing"] for r in runs["A"]} != {r["failing"] for r in runs["B"]}:
        print("the trees disagree on the failing findings")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
