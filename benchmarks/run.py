"""Time pledge phase by phase on synthetic inventories, and side by side with Rego.

For each size, a synthetic inventory is generated once (``benchmarks/generate.py``)
and checked against the bundled MAROSOAP policy in a fresh process, so that the
peak memory (``ru_maxrss``) is that run's alone. The phases:

- **parse**: reading and parsing the files (JSON or YAML);
- **validate**: the models, vocabulary ids, repeated values and references;
- **graph**: building the flow graph;
- **checks**: every commitment of the policy, findings located in the files.

With ``--rego``, the four rules of ``benchmarks/rego/privacy.rego`` (PAY-001,
RET-001, CON-001, PAY-002) are evaluated on the same JSON file by the Rust Rego
engine (PyPI ``opa-eval``, regorus) in another fresh process; pledge's checks of
the same four commitments are timed alone (a fresh graph, cold caches), the
failing subjects of both are compared, and the ratio is printed.

Usage::

    python benchmarks/run.py --sizes 1000,10000,100000 [--rego] [--format json|yaml] [--repeat 3]
                             [--report]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import (  # noqa: E402
    DEFAULT_AS_OF,
    DEFAULT_RATE,
    DEFAULT_SEED,
    GENERATOR_VERSION,
)
from benchmarks.other_paths import child_cli, measure_other_paths  # noqa: E402
from benchmarks.other_paths import table as other_table  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
REGO_POLICY = ROOT / "benchmarks" / "rego" / "privacy.rego"
REGO_QUERY = "data.pledge.bench.violations"
REGO_COMMITMENTS = ("PAY-001", "RET-001", "CON-001", "PAY-002")
MAX_FILE_SIZE = 1 << 34  # the benchmark's files are far over the 50 MB default on purpose


def _peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- children: each measurement runs in a fresh process ---------------------------------------
def child_pledge(inventory: Path, as_of: date, compare: bool,
                 cache: Path | None = None) -> dict[str, Any]:
    """Load, validate, build the graph and run every check; then the four rules alone."""
    from pledge.checks.context import CheckContext
    from pledge.checks.engine import evaluate, evaluate_commitment
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.policy_model import BUNDLED_POLICY
    from pledge.policy_model.loading import LoadedInventory, load_inventory, load_policy
    from pledge.policy_model.sources import SourceIndex
    from pledge.policy_model.vocabulary import default_vocabularies

    policy = load_policy(BUNDLED_POLICY).policy
    vocab = default_vocabularies()
    baseline = _peak_mb()
    phases: dict[str, float] = {}
    cpu_phases: dict[str, float] = {}  # CPU seconds (user + system): load, graph, checks
    started, cpu = time.perf_counter(), time.process_time()
    loaded = load_inventory(inventory, max_size=MAX_FILE_SIZE, phases=phases, cache=cache)
    cpu_phases["load"] = time.process_time() - cpu
    pristine = dict(loaded.sources.entries)  # before any finding warms the location cache
    mark, cpu_mark = time.perf_counter(), time.process_time()
    graph = FlowGraph(loaded.inventory, vocab)
    phases["graph"] = time.perf_counter() - mark
    cpu_phases["graph"] = time.process_time() - cpu_mark
    mark, cpu_mark = time.perf_counter(), time.process_time()
    result = evaluate(policy, loaded, as_of=as_of, vocab=vocab, graph=graph)
    phases["checks"] = time.perf_counter() - mark
    cpu_phases["checks"] = time.process_time() - cpu_mark
    phases["total"] = time.perf_counter() - started
    cpu = time.process_time() - cpu
    report: dict[str, Any] = {
        "phases": phases, "cpu": cpu, "cpu_phases": cpu_phases, "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
        "failing": sorted([f.commitment, f.subject.type, f.subject.id]
                          for f in result.findings if f.status.failing),
        "findings": len(result.findings),
        "counts": {"systems": len(loaded.inventory.systems),
                   "stores": len(loaded.inventory.stores),
                   "fields": sum(len(s.fields) for s in loaded.inventory.stores),
                   "flows": len(loaded.inventory.flows)},
    }
    if compare:
        cold = LoadedInventory(loaded.inventory, SourceIndex(
            entries=pristine, json_texts=loaded.sources.json_texts), loaded.files, loaded.root)
        mark = time.perf_counter()
        fresh = FlowGraph(cold.inventory, vocab)
        graph_again = time.perf_counter() - mark
        ctx = CheckContext(cold.inventory, fresh, vocab, cold.sources, as_of)
        chosen = [c for c in policy.commitments if c.id in REGO_COMMITMENTS]
        mark = time.perf_counter()
        four = [f for c in chosen for f in evaluate_commitment(ctx, c)[1]]
        report["four"] = {
            "seconds": time.perf_counter() - mark, "graph_seconds": graph_again,
            "failing": {c: sorted({f"{f.subject.type}:{f.subject.id}" for f in four
                                   if f.commitment == c and f.status.failing})
                        for c in REGO_COMMITMENTS},
        }
    return report


def child_rego(inventory: Path) -> dict[str, Any]:
    """Evaluate the four Rego rules on the inventory with regorus (opa-eval)."""
    import opa_eval

    baseline = _peak_mb()
    mark = time.perf_counter()
    text = inventory.read_text(encoding="utf-8")
    engine = opa_eval.OpaEval(str(REGO_POLICY), data_json=text, query=REGO_QUERY)
    del text
    loaded = time.perf_counter() - mark
    mark = time.perf_counter()
    found = engine.evaluate_parsed("{}")
    evaluated = time.perf_counter() - mark
    return {"load": loaded, "eval": evaluated, "peak_mb": _peak_mb(), "baseline_mb": baseline,
            "failing": {c: sorted(found.get(c, [])) for c in REGO_COMMITMENTS}}


def child_report(inventory: Path, as_of: date) -> dict[str, Any]:
    """Run ``pledge report`` (every format) on ``inventory`` in this process; time it."""
    from pledge.cli import main as pledge_main

    with tempfile.TemporaryDirectory(prefix="pledge-bench-report-") as out:
        mark, cpu = time.perf_counter(), time.process_time()
        try:
            pledge_main(["report", str(inventory), "--as-of", as_of.isoformat(),
                         "--max-file-size", str(MAX_FILE_SIZE), "--output-dir", out])
        except SystemExit as exit_:
            if exit_.code not in (0, 1):
                raise
        seconds, cpu = time.perf_counter() - mark, time.process_time() - cpu
        sizes = {p.name: p.stat().st_size for p in sorted(Path(out).iterdir())}
    return {"seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb(), "bytes": sizes}


# --- the parent: generate, run the children, print ------------------------------------------
def _run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({' '.join(args)}):\n{proc.stderr}")
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def _inventory_path(size: int, fmt: str, seed: int, rate: float,
                    out: Path = OUT) -> tuple[Path, Path]:
    stem = f"inventory-{size}-v{GENERATOR_VERSION}-s{seed}-r{rate:g}"
    data = out / (f"{stem}.json" if fmt == "json" else stem)
    return data, out / f"{stem}.manifest.json"


def _ensure_inventory(size: int, fmt: str, seed: int, rate: float, as_of: date,
                      out: Path = OUT) -> Path:
    """Generate the inventory (in its own process) unless it is already there."""
    data, manifest = _inventory_path(size, fmt, seed, rate, out)
    if not (data.exists() and manifest.exists()):
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"),
                        "--systems", str(size), "--format", fmt, "--out", str(data),
                        "--manifest", str(manifest), "--seed", str(seed), "--rate", str(rate),
                        "--as-of", as_of.isoformat()], check=True)
    return data


def _size_mb(path: Path) -> float:
    files = [path] if path.is_file() else list(path.glob("*"))
    return sum(f.stat().st_size for f in files) / 1e6


def _median_run(runs: list[dict[str, Any]], seconds: Callable[[dict[str, Any]], float],
                key: str) -> dict[str, Any]:
    """The run with the median ``seconds``, holding every run's under ``key``, sorted."""
    ordered = sorted(runs, key=seconds)
    chosen = ordered[len(ordered) // 2]
    chosen[key] = [seconds(r) for r in ordered]
    return chosen


def measure(size: int, fmt: str, seed: int, rate: float, as_of: date,
            rego: bool, repeat: int = 1, out: Path = OUT,
            paths: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Measure one size: pledge's phases, and with ``rego`` regorus on the same JSON.

    With ``repeat`` above one, each side runs that many times in fresh processes
    and the run with the median time is reported (every run's time kept too);
    every run must fail the same subjects.
    """
    data = _ensure_inventory(size, fmt, seed, rate, as_of, out)
    manifest_path = _inventory_path(size, fmt, seed, rate, out)[1]
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    row: dict[str, Any] = {"size": size, "format": fmt, "mb": _size_mb(data),
                           "load_average": os.getloadavg()[0]}
    runs = [_run_child(["--child", "pledge", "--inventory", str(data), "--as-of",
                        as_of.isoformat()] + (["--compare"] if rego else []))
            for _ in range(repeat)]
    if any(r["failing"] != runs[0]["failing"] for r in runs):
        raise SystemExit(f"benchmark: runs on {size:,} systems failed different subjects")
    row["pledge"] = _median_run(runs, lambda r: r["phases"]["total"], "totals")
    if rego:
        row["pledge"]["four"]["seconds"] = _median_run(
            [r["four"] for r in runs], lambda f: f["seconds"], "all_seconds")["seconds"]
    planted = {(p["commitment"], p["subject_type"], p["subject_id"])
               for p in manifest["planted"]}
    found = {tuple(item) for item in row["pledge"].pop("failing")}
    row["manifest"] = {"planted": len(planted), "found": len(found),
                       "missed": len(planted - found), "unexpected": len(found - planted)}
    if paths:
        json_data = _ensure_inventory(size, "json", seed, rate, as_of, out)
        yaml_data = _ensure_inventory(size, "yaml", seed, rate, as_of, out)
        other = row["other"] = measure_other_paths(
            size, json_data, yaml_data, out / f"work-{size}", as_of=as_of.isoformat(),
            repeat=repeat, max_size=MAX_FILE_SIZE, which=set(paths), run_child=_run_child,
            median=_median_run)
        for key, result in other.items():  # the same verdicts by every path
            if "failing" in result:
                same = {tuple(item) for item in result.pop("failing")} == planted
                result["planted_found"] = same
                if not same:
                    raise SystemExit(f"benchmark: {key} on {size:,} systems: planted != found")
    if rego:
        json_data = (data if fmt == "json"
                     else _ensure_inventory(size, "json", seed, rate, as_of, out))
        row["rego"] = _median_run([_run_child(["--child", "rego", "--inventory", str(json_data)])
                                   for _ in range(repeat)], lambda r: r["eval"], "evals")
        ours, theirs = row["pledge"]["four"]["failing"], row["rego"]["failing"]
        row["agreement"] = {c: {"pledge": len(ours[c]), "rego": len(theirs[c]),
                                "same": set(ours[c]) == set(theirs[c])}
                            for c in REGO_COMMITMENTS}
    return row


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}"


def table(rows: list[dict[str, Any]], rego: bool) -> str:
    """The results as a Markdown table (phases in seconds, memory in MB)."""
    head = ["systems", "fields", "flows", "input MB", "parse s", "validate s", "graph s",
            "checks s", "total s", "CPU s", "peak MB", "planted = found"]
    if rego:
        head += ["4 rules: pledge s", "regorus load s", "regorus eval s", "regorus peak MB",
                 "eval ratio", "same violations"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        p = row["pledge"]
        ph = p["phases"]
        m = row["manifest"]
        cells = [f"{row['size']:,}", f"{p['counts']['fields']:,}", f"{p['counts']['flows']:,}",
                 f"{row['mb']:.0f}", _fmt_s(ph["parse"]), _fmt_s(ph["validate"]),
                 _fmt_s(ph["graph"]), _fmt_s(ph["checks"]), _fmt_s(ph["total"]),
                 _fmt_s(p["cpu"]), f"{p['peak_mb']:,.0f}",
                 "yes" if not (m["missed"] or m["unexpected"]) else
                 f"no ({m['missed']} missed, {m['unexpected']} unexpected)"]
        if rego:
            four, r = p["four"], row["rego"]
            agree = row["agreement"]
            cells += [_fmt_s(four["seconds"]), _fmt_s(r["load"]), _fmt_s(r["eval"]),
                      f"{r['peak_mb']:,.0f}", f"{r['eval'] / four['seconds']:.1f}x",
                      "yes" if all(a["same"] for a in agree.values()) else "NO"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line (also the entry point of the measuring children)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated numbers of systems (multiples of 10)")
    parser.add_argument("--format", choices=("json", "yaml"), default="json")
    parser.add_argument("--rego", action="store_true",
                        help="also evaluate the four Rego rules with regorus (opa-eval)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE)
    parser.add_argument("--as-of", default=DEFAULT_AS_OF.isoformat())
    parser.add_argument("--report", action="store_true",
                        help="also time `pledge report` (every format) on each inventory")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per size and engine; the median run is reported")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="where generated inventories are kept (default: benchmarks/out)")
    parser.add_argument("--yaml", action="store_true",
                        help="also check each size from YAML files, without and with the cache")
    parser.add_argument("--incremental", action="store_true",
                        help="also check with one YAML file changed since the cache was filled")
    parser.add_argument("--diff", action="store_true",
                        help="also time `pledge diff` (one flow added), from JSON and YAML")
    parser.add_argument("--child", choices=("pledge", "rego", "report", "cli"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--inventory", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--argv", help=argparse.SUPPRESS)
    parser.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    as_of = date.fromisoformat(args.as_of)
    if args.child == "pledge":
        print(json.dumps(child_pledge(args.inventory, as_of, args.compare, args.cache)))
        return 0
    if args.child == "cli":
        print(json.dumps(child_cli(json.loads(args.argv))))
        return 0
    if args.child == "rego":
        print(json.dumps(child_rego(args.inventory)))
        return 0
    if args.child == "report":
        with contextlib.redirect_stdout(sys.stderr):  # pledge's own lines stay off the JSON
            found = child_report(args.inventory, as_of)
        print(json.dumps(found))
        return 0
    if args.rego:
        try:
            import opa_eval  # noqa: F401
        except ImportError:
            print("--rego needs the opa-eval package (pip install -e '.[bench]')",
                  file=sys.stderr)
            return 2
    rows = []
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        print(f"measuring {size:,} systems ({args.format})...", file=sys.stderr, flush=True)
        paths = frozenset(name for name in ("yaml", "incremental", "diff")
                          if getattr(args, name))
        row = measure(size, args.format, args.seed, args.rate, as_of, args.rego,
                      max(1, args.repeat), args.out, paths)
        rows.append(row)
        ph = row["pledge"]["phases"]
        totals = row["pledge"]["totals"]
        spread = f" (runs: {', '.join(f'{t:.2f}' for t in totals)})" if len(totals) > 1 else ""
        print(f"  total {ph['total']:.2f} s{spread}, peak {row['pledge']['peak_mb']:,.0f} MB"
              + (f"; regorus eval {row['rego']['eval']:.2f} s" if args.rego else ""),
              file=sys.stderr, flush=True)
    print(table(rows, args.rego))
    if args.report:
        print("\n| systems | pledge report s | CPU s | peak MB | report.html KB | all files MB |\n"
              "|---|---|---|---|---|---|")
        for row in rows:
            data = _inventory_path(row["size"], args.format, args.seed, args.rate, args.out)[0]
            print(f"measuring pledge report on {row['size']:,} systems...", file=sys.stderr,
                  flush=True)
            found = row["report"] = _median_run(
                [_run_child(["--child", "report", "--inventory", str(data), "--as-of",
                             as_of.isoformat()]) for _ in range(max(1, args.repeat))],
                lambda r: r["seconds"], "runs")
            print(f"| {row['size']:,} | {found['seconds']:.2f} "
                  f"({', '.join(f'{t:.2f}' for t in found['runs'])}) | {found['cpu']:.2f} | "
                  f"{found['peak_mb']:,.0f} | "
                  f"{found['bytes'].get('report.html', 0) / 1000:,.0f} | "
                  f"{sum(found['bytes'].values()) / 1e6:,.1f} |")
    if any("other" in row for row in rows):
        print("\n" + other_table(rows))
    print("\nCPU seconds (user + system) by phase, and per 1,000 systems:\n\n"
          "| systems | load CPU s | graph CPU s | checks CPU s | CPU s | per 1,000 systems: "
          "load / graph / checks ms |\n|---|---|---|---|---|---|")
    for row in rows:
        cp, per = row["pledge"]["cpu_phases"], 1e6 / row["size"]
        print(f"| {row['size']:,} | {cp['load']:.2f} | {cp['graph']:.2f} | {cp['checks']:.2f} | "
              f"{row['pledge']['cpu']:.2f} | {cp['load'] * per:.0f} / {cp['graph'] * per:.0f} / "
              f"{cp['checks'] * per:.0f} |")
    if len(rows) > 1:
        for small, large in itertools.pairwise(rows):
            growth = large["pledge"]["phases"]["total"] / small["pledge"]["phases"]["total"]
            print(f"\n{large['size']:,} systems cost {growth:.1f}x what {small['size']:,} cost "
                  f"({large['size'] / small['size']:.0f}x the systems)")
    if args.rego:
        for row in rows:
            agree = ", ".join(f"{c} {a['pledge']}/{a['rego']}"
                              + ("" if a["same"] else " (DIFFERENT subjects)")
                              for c, a in row["agreement"].items())
            print(f"\n{row['size']:,} systems, failing subjects pledge/regorus: {agree}")
    if args.repeat > 1:
        print(f"\nmedian of {args.repeat} runs in fresh processes; every run's total s:")
        for row in rows:
            runs = ", ".join(f"{t:.2f}" for t in row["pledge"]["totals"])
            evals = (", regorus eval " + ", ".join(f"{t:.2f}" for t in row["rego"]["evals"])
                     if args.rego else "")
            print(f"  {row['size']:,} systems: pledge {runs}{evals}")
    loads = ", ".join(f"{r['load_average']:.1f}" for r in rows)
    print(f"\nload average when each size started: {loads} (2 cores)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
