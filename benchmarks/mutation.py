"""Mutation testing of the commitment kinds and the graph's traversal, one module at a time.

Each module is mutated by mutmut (2.x: it mutates a copy of the repository in
place, so decorated functions such as every kind's ``run`` are mutated too)
and judged by its own kind's fast tests only (pyproject's
``[tool.pledge.mutation]``). The copy lives in a temporary directory and
imports as ``pledge.*`` through symlinks, so the working tree is never
touched. Results go to ``benchmarks/out/mutation/<module>.json`` and the table
between the markers of ``docs/mutation-testing.md``.

    pip install -e '.[mutation]'
    nice -n 15 python benchmarks/mutation.py                   # every kind, then the traversal
    nice -n 15 python benchmarks/mutation.py forbidden_storage # one kind (module stem)
    nice -n 15 python benchmarks/mutation.py flow_graph        # the traversal functions only
    python benchmarks/mutation.py --recheck forbidden_storage  # stored survivors, today's tests
    python benchmarks/mutation.py --collect COPY                # a run stopped early, in COPY

Not run in CI: one to three seconds of CPU per mutant, minutes per module.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "mutation"
DOC = ROOT / "docs" / "mutation-testing.md"
BEGIN, END = "<!-- mutation-table:begin -->", "<!-- mutation-table:end -->"
KINDS = sorted(p.stem for p in (ROOT / "checks" / "kinds").glob("*.py") if p.stem != "__init__")
GRAPH = "checks/graph/flow_graph.py"
# The traversal: the graph's walks and what reads them (a walk's Reached answer, the
# per-flow filter, bounded path evidence), and the queries the kinds start from.
TRAVERSAL = ["subjects", "roots", "owners", "carrying", "flows_of", "_carries",
             "carries", "_first", "_walk", "reach", "reach_classes", "path",
             "_sorted_flows", "out_flows", "in_flows", "source_numbers",
             # Reached (and _FollowEach's __getitem__)
             "order", "__getitem__", "__contains__", "__iter__", "__len__", "holds", "nodes",
             "recipients",
             # PathPrefixes: a finding's path evidence
             "_fill", "evidence", "left_out_marker"]
# Which tests judge each module's mutants: pyproject's [tool.pledge.mutation] (the kinds' fast
# test files, and per kind module a -k expression choosing its own tests among them).
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pledge"][
    "mutation"]
TESTS: list[str] = CONFIG["tests"]
GRAPH_TESTS: list[str] = CONFIG["graph_tests"]
SELECT: dict[str, str] = CONFIG["select"]
# Where the repository's folders sit under the pledge namespace (pyproject's package-dir).
PACKAGE_DIRS = {"checks": "checks", "policy_model": "policy_model", "reports": "reports",
                "connectors": "connectors", "inventories": "inventories"}
IGNORE = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "out", "__pycache__",
                                ".mutmut-cache", ".pytest_cache", ".hypothesis", ".ruff_cache")


def stage() -> Path:
    """A copy of the repository that imports as ``pledge.*`` from ``PYTHONPATH=<copy>``."""
    where = Path(tempfile.mkdtemp(prefix="pledge-mutation-"))
    copy = where / "repo"
    shutil.copytree(ROOT, copy, ignore=IGNORE, symlinks=True)
    for name, folder in PACKAGE_DIRS.items():  # the repository links them; older trees did not
        link = copy / "pledge" / name
        if not link.exists() and not link.is_symlink():
            link.symlink_to(Path("..") / folder)
    return copy


def traversal_patch(copy: Path) -> Path:
    """A patch 'adding' the lines of the traversal functions, so mutmut mutates only those."""
    source = (copy / GRAPH).read_text(encoding="utf-8")
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name in TRAVERSAL:
            body_start = node.body[0].lineno if not (
                isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value,
                                                                  ast.Constant)) else (
                node.body[1].lineno if len(node.body) > 1 else node.end_lineno)
            lines.update(range(body_start, (node.end_lineno or body_start) + 1))
    text = source.splitlines()
    hunks = [f"--- a/{GRAPH}", f"+++ b/{GRAPH}"]
    for number in sorted(lines):
        hunks += [f"@@ -{number - 1},0 +{number},1 @@", "+" + text[number - 1]]
    patch = copy.parent / "traversal.patch"
    patch.write_text("\n".join(hunks) + "\n", encoding="utf-8")
    return patch


def runner_for(module: str) -> str:
    """The test command judging one module's mutants (pyproject's [tool.pledge.mutation])."""
    runner = f"{sys.executable} -m pytest -x -q -p no:cacheprovider -p no:hypothesispytest "
    if module == "flow_graph":
        return runner + " ".join(GRAPH_TESTS)
    keyword = SELECT.get(module, module.split("_")[0])
    return runner + " ".join(TESTS) + f" -k '{keyword}'"


def recheck(copy: Path, module: str, tests: list[str] | None = None) -> dict[str, Any]:
    """Run the stored survivors (and timeouts) of ``module`` again against the current tests.

    Each survivor is applied by hand (its line, found by its text, replaced by the mutated
    line) in the copy, so a module is not mutated from scratch after tests are added: tests
    only ever add kills, so a survivor killed now is killed, and the other mutants stay
    killed. A survivor whose line is no longer in the source is dropped (the code changed:
    measure the module again). ``tests`` (test files, all of the module's selection or some
    of it) replaces the module's runner: a mutant a part of the selection kills, the whole
    selection kills; one that survives the part stays listed.
    """
    result = normalise(json.loads((OUT / f"{module}.json").read_text(encoding="utf-8")))
    source = copy / result["module"]
    original = source.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    kept, killed, gone = [], [], []
    # a timeout may be a slow machine rather than an endless loop: each is run again too, and
    # one the tests now pass is a survivor
    for found in [*result["survivors"], *result["timed_out"]]:
        if not any(x.startswith("-") for x in found["diff"]):
            if found["status"] == "bad_survived":
                kept.append(found)  # mutmut could not show it: it stays a survivor
            continue
        old = next(x[1:] for x in found["diff"] if x.startswith("-"))
        new = next((x[1:] for x in found["diff"] if x.startswith("+")), None)  # None: removed
        at = [i for i, line in enumerate(lines) if line.strip() == old.strip()]
        if not at:
            gone.append(found)
            continue
        near = min(at, key=lambda i: abs(i + 1 - found["line"]))
        indent = lines[near][:len(lines[near]) - len(lines[near].lstrip())]
        mutated = [*lines[:near], *([] if new is None else [indent + new.strip() + "\n"]),
                   *lines[near + 1:]]
        source.write_text("".join(mutated), encoding="utf-8")
        try:
            runner = runner_for(module) if not tests else (
                f"{sys.executable} -m pytest -x -q -p no:cacheprovider -p no:hypothesispytest "
                + " ".join(tests))
            run = subprocess.run(runner, shell=True, cwd=copy, env=env,
                                 capture_output=True, timeout=600, check=False)
            alive = run.returncode == 0
        except subprocess.TimeoutExpired:
            alive = False
        finally:
            source.write_text(original, encoding="utf-8")
        (kept if alive else killed).append({**found, "line": near + 1,
                                            "status": "bad_survived" if alive else "ok_killed"})
        print(f"  line {near + 1}: {'survives' if alive else 'killed'}", flush=True)
    total = result["mutants"] - len(gone)
    return {**result, "mutants": total, "killed": total - len(kept), "timeouts": 0,
            "score": round(100 * (total - len(kept)) / total, 1) if total else 100.0,
            "survivors": kept, "timed_out": [],
            "rechecked_killed": result.get("rechecked_killed", []) + killed}


def run_module(copy: Path, module: str) -> dict[str, Any]:
    """Mutate one module, run its tests against each mutant, and read mutmut's verdicts."""
    cache = copy / ".mutmut-cache"
    if cache.exists():
        cache.unlink()
    path = GRAPH if module == "flow_graph" else f"checks/kinds/{module}.py"
    runner = runner_for(module)
    command = [sys.executable, "-m", "mutmut", "run", "--paths-to-mutate", path,
               "--runner", runner, "--no-progress", "--simple-output"]
    if module == "flow_graph":
        command += ["--use-patch-file", str(traversal_patch(copy))]
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    pristine = (copy / path).read_text(encoding="utf-8")
    left, stalled = None, 0
    while stalled < 3:  # resume while mutmut makes progress
        mutmut(command, copy, env)
        (copy / path).write_text(pristine, encoding="utf-8")  # a lost worker may leave a mutant
        now = untested(copy)
        if not now:
            break
        stalled = 0 if left is None or 0 <= now < left else stalled + 1
        left = now
    if stalled >= 3:
        print(f"  mutmut left {left} mutants untested after three runs without progress",
              flush=True)
    return collect(copy, path)


def has_worker(pid: int) -> bool:
    """Whether the mutmut process ``pid`` still runs tests (Linux /proc): its test worker,
    or the baseline run before it. Its resource tracker outlives a lost worker.
    """
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and b"resource_tracker" not in (
                    stat.parent / "cmdline").read_bytes():
                return True
        except (OSError, IndexError):
            continue
    return False


def mutmut(command: list[str], copy: Path, env: dict[str, str]) -> None:
    """Run mutmut; stop it when its test worker is gone (mutmut 2 then waits forever).

    mutmut 2.x runs the tests in one worker process; if that process dies (killed on a
    shared machine), the parent waits on its queue for ever. The caller restores the
    source and runs mutmut again, which resumes with the mutants not yet tested. mutmut
    runs in a session of its own and the whole session is stopped: a worker left behind
    would go on mutating the module under the next run (which then drops the mutants of
    the line it finds changed, and leaves those of the mutated line untested).
    """
    proc = subprocess.Popen(command, cwd=copy, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    idle = 0.0
    while proc.poll() is None:
        time.sleep(5)
        idle = 0.0 if has_worker(proc.pid) else idle + 5
        if idle >= 20:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            print(f"  mutmut lost its worker; resuming ({untested(copy)} left)", flush=True)


def untested(copy: Path) -> int:
    """How many mutants the cache of the copy still holds untested (-1: none listed yet)."""
    with sqlite3.connect(copy / ".mutmut-cache") as db:
        try:
            return int(db.execute("SELECT count(*) FROM Mutant WHERE status = 'untested'")
                       .fetchone()[0])
        except sqlite3.OperationalError:  # mutmut stopped before listing the mutants
            return -1


def collect(copy: Path, path: str) -> dict[str, Any]:
    """Read mutmut's verdicts for ``path`` from the cache of the copy ``copy``.

    Rerunning ``mutmut run`` in a copy after adding tests retests only the mutants not yet
    killed (mutmut keeps a kill, and retests the rest when the tests change).
    """
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    with sqlite3.connect(copy / ".mutmut-cache") as db:
        rows = db.execute("SELECT m.id, m.status, l.line_number FROM Mutant m "
                          "JOIN Line l ON m.line = l.id ORDER BY m.id").fetchall()
    survivors = []
    left = [{"id": number, "line": line + 1} for number, status, line in rows
            if status == "untested"]
    for number, status, line in rows:
        if status in ("bad_survived", "bad_timeout"):
            shown = subprocess.run([sys.executable, "-m", "mutmut", "show", str(number)],
                                   cwd=copy, env=env, capture_output=True, text=True,
                                   check=False).stdout
            diff = [x for x in shown.splitlines() if x.startswith(("-", "+"))
                    and not x.startswith(("---", "+++"))]
            survivors.append({"id": number, "line": line + 1, "status": status, "diff": diff})
    # "suspicious" mutants were killed, slowly (the machine is shared); a timeout is a mutant
    # the tests stopped (an endless loop), so it counts as killed and is listed
    killed = sum(1 for _n, status, _l in rows if status in ("ok_killed", "ok_suspicious"))
    timeouts = sum(1 for _n, status, _l in rows if status == "bad_timeout")
    # a run stopped early leaves mutants untested: the score is over the tested ones
    total = sum(1 for _n, status, _l in rows if status != "untested")
    return {"module": path, "mutants": total, "untested": len(rows) - total,
            "killed": killed + timeouts, "timeouts": timeouts,
            "score": round(100 * (killed + timeouts) / total, 1) if total else 100.0,
            "survivors": [s for s in survivors if s["status"] == "bad_survived"],
            "timed_out": [s for s in survivors if s["status"] == "bad_timeout"],
            "untested_mutants": left}


def normalise(result: dict[str, Any]) -> dict[str, Any]:
    """A stored result counted as :func:`run_module` counts (older records listed slow kills)."""
    listed = result["survivors"] + result.get("timed_out", [])
    survivors = [s for s in listed if s["status"] == "bad_survived"]
    timed_out = [s for s in listed if s["status"] == "bad_timeout"]
    total = result["mutants"]
    killed = total - len(survivors)
    return {**result, "killed": killed, "timeouts": len(timed_out), "survivors": survivors,
            "timed_out": timed_out, "score": round(100 * killed / total, 1) if total else 100.0}


def write_table(results: list[dict[str, Any]]) -> None:
    """Rewrite the table and the survivor lists between the markers of the doc."""
    rows = ["| module | mutants tested | killed | of which timeouts | score | survivors "
            "| not yet tested |", "|---|---:|---:|---:|---:|---:|---:|"]
    lists: list[str] = []
    for result in results:
        survivors = result["survivors"]
        rows.append(f"| `{result['module']}` | {result['mutants']} | {result['killed']} | "
                    f"{result['timeouts']} | {result['score']} % | {len(survivors)} | "
                    f"{result.get('untested', 0)} |")
        if survivors:
            lists += ["", f"Survivors in `{result['module']}`:", ""]
            for found in survivors:
                change = " → ".join(f"`{line[1:].strip()}`" for line in found["diff"])
                change += "" if any(x.startswith("+") for x in found["diff"]) else " → removed"
                lists.append(f"- line {found['line']}: {change}")
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    DOC.write_text(f"{head}{BEGIN}\n" + "\n".join(rows + lists) + f"\n{END}{tail}",
                   encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"kind module stems or flow_graph "
                                                   f"(default: {', '.join(KINDS)}, flow_graph)")
    parser.add_argument("--table-only", action="store_true",
                        help="only rewrite the doc's table from the stored results")
    parser.add_argument("--recheck", action="store_true",
                        help="run only the stored survivors of the modules again, against "
                             "the current tests")
    parser.add_argument("--tests", nargs="+", metavar="TEST",
                        help="with --recheck: run these test files (part of the module's "
                             "selection) instead of the whole selection")
    parser.add_argument("--collect", metavar="COPY", type=Path,
                        help="read the results of the one module mutated in the copy COPY "
                             "(after rerunning mutmut there with new tests)")
    args = parser.parse_args()
    if args.collect:
        with sqlite3.connect(args.collect / ".mutmut-cache") as db:
            path = db.execute("SELECT filename FROM SourceFile").fetchone()[0]
        result = collect(args.collect, path)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{Path(path).stem}.json").write_text(json.dumps(result, indent=2) + "\n",
                                                    encoding="utf-8")
        args.table_only = True
    modules = [] if args.table_only else args.modules or [*KINDS, "flow_graph"]
    OUT.mkdir(parents=True, exist_ok=True)
    copy = stage() if modules else None
    try:
        for module in modules:
            result = (recheck(copy, module, args.tests) if args.recheck
                      else run_module(copy, module))
            (OUT / f"{module}.json").write_text(json.dumps(result, indent=2) + "\n",
                                                encoding="utf-8")
            print(f"{result['module']}: {result['killed']}/{result['mutants']} killed "
                  f"({result['score']} %), {len(result['survivors'])} survivors", flush=True)
    finally:
        if copy is not None:
            shutil.rmtree(copy.parent, ignore_errors=True)
    order = [*KINDS, "flow_graph"]
    stored = [normalise(json.loads((OUT / f"{m}.json").read_text(encoding="utf-8")))
              for m in order if (OUT / f"{m}.json").exists()]
    if DOC.exists():
        write_table(stored)


if __name__ == "__main__":
    main()
