"""The paths beside ``pledge check`` from JSON: YAML, the fragment cache, diff and report.

``benchmarks/run.py --yaml --incremental --diff --report`` measures, per size and
in fresh processes (each the median of ``--repeat`` runs, with its peak memory):

- **yaml**: the same inventory as a directory of YAML files, phase by phase, with
  no cache (``yaml``) and with a warm fragment cache (``yaml, cached``); and end to end
  as a user runs it, ``pledge check FILE.json`` and ``pledge check DIR`` (no cache:
  the last YAML files read ahead on an idle core);
- **incremental**: one file of the YAML directory changed (a store renamed: no
  verdict changes), checked with the cache the previous run left: the changed
  file is parsed, every other file comes from the cache. Timed in-process by
  phase, and end to end as ``pledge check DIR --cache C -f json -o FILE``;
- **diff**: ``pledge diff BASE HEAD`` where HEAD is BASE with one flow added, from
  JSON files (no cache) and from YAML directories with a cache of the base (the
  head's changed file is the one miss).

A cache filled from the YAML directory serves its copies too (entries are keyed
by content), so it is filled once per size.

(``--report`` times ``pledge report``, every format, in ``run.py`` itself.)
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXTRA_FLOW = ('- {{id: bench_extra_flow_{n}, source: customers, target: {target}, '
              'categories: [user.contact.email], purposes: [essential.service], '
              'transport: {{protocol: https, tls: "1.3"}}}}\n')


def child_cli(argv: list[str]) -> dict[str, Any]:
    """Run ``pledge ARGV`` in this process; its wall and CPU seconds, exit code and peak
    memory. The CPU seconds include any process pledge forks (``pledge diff`` runs its
    checks in one), and ``worker_peak_mb`` is such a process's peak (0 for none)."""
    import contextlib
    import resource

    from pledge.cli import main as pledge_main

    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    mark, cpu, forked = time.perf_counter(), time.process_time(), children_cpu()
    code = 0
    with contextlib.redirect_stdout(sys.stderr):
        try:
            pledge_main(argv)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 0
    seconds = time.perf_counter() - mark
    cpu = time.process_time() - cpu + children_cpu() - forked
    if code not in (0, 1):
        raise SystemExit(f"pledge {' '.join(argv)} exited {code}")
    return {"seconds": seconds, "cpu": cpu, "code": code,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def middle_file(directory: Path, section: str) -> Path:
    """The middle numbered file of a section in a generated YAML directory."""
    files = sorted(directory.glob(f"{section}-*.yaml"))
    return files[len(files) // 2]


def rename_a_store(directory: Path, n: int) -> Path:
    """Change one file without changing a verdict: the first store's name gets a suffix."""
    path = middle_file(directory, "stores")
    text = path.read_text(encoding="utf-8")
    start = text.index("\n  name: ") + len("\n  name: ")
    end = text.index("\n", start)
    name = text[start:end].split(" (edit", 1)[0]
    path.write_text(text[:start] + f"{name} (edit {n})" + text[end:], encoding="utf-8")
    return path


def add_a_flow_yaml(directory: Path, n: int) -> None:
    """Append one flow to the middle flows file (to a system the file already names)."""
    path = middle_file(directory, "flows")
    text = path.read_text(encoding="utf-8")
    target = text.split("\n  target: ", 1)[1].split("\n", 1)[0]
    path.write_text(text + EXTRA_FLOW.format(n=n, target=target), encoding="utf-8")


def add_a_flow_json(source: Path, head: Path, n: int) -> None:
    """Copy a generated JSON inventory with one flow added at the start of its flows."""
    text = source.read_text(encoding="utf-8")
    at = text.index('"flows":[\n') + len('"flows":[\n')
    target = text[at:].split('"target":"', 1)[1].split('"', 1)[0]
    flow = {"id": f"bench_extra_flow_{n}", "source": "customers", "target": target,
            "categories": ["user.contact.email"], "purposes": ["essential.service"],
            "transport": {"protocol": "https", "tls": "1.3"}}
    head.write_text(text[:at] + json.dumps(flow, separators=(",", ":")) + ",\n" + text[at:],
                    encoding="utf-8")


def measure_other_paths(size: int, json_path: Path, yaml_dir: Path, work: Path, *,
                        as_of: str, repeat: int, max_size: int, which: set[str],
                        run_child: Callable[[list[str]], dict[str, Any]],
                        median: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Measure the asked paths (``yaml``, ``incremental``, ``diff``) at one size."""
    found: dict[str, Any] = {}
    work.mkdir(parents=True, exist_ok=True)
    pledge_args = ["--as-of", as_of]

    def phases(inventory: Path, cache: Path | None) -> dict[str, Any]:
        args = ["--child", "pledge", "--inventory", str(inventory), *pledge_args]
        return run_child(args + (["--cache", str(cache)] if cache else []))

    def cli(argv: list[str]) -> dict[str, Any]:
        return run_child(["--child", "cli", "--argv", json.dumps(argv)])

    def seconds(r: dict[str, Any]) -> float:
        return float(r["phases"]["total"]) if "phases" in r else float(r["seconds"])

    if which & {"yaml", "incremental", "diff"}:
        found["yaml"] = median([phases(yaml_dir, None) for _ in range(repeat)], seconds, "runs")
        for key, inventory in (("json_cli", json_path), ("yaml_cli", yaml_dir)):
            found[key] = median(  # as a user runs it: YAML files read ahead on an idle core
                [cli(["check", str(inventory), *pledge_args, "--max-file-size", str(max_size),
                      "-f", "sarif", "-o", str(work / "check.sarif")])
                 for _ in range(repeat)], seconds, "runs")
        cache = work / "cache-yaml"
        shutil.rmtree(cache, ignore_errors=True)
        phases(yaml_dir, cache)  # fills the cache
        found["yaml_cached"] = median([phases(yaml_dir, cache) for _ in range(repeat)],
                                      seconds, "runs")
    if "incremental" in which:
        copy = work / "incremental"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(yaml_dir, copy)
        cache = work / "cache-incremental"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(work / "cache-yaml", cache)  # the same bytes: the same entries
        runs, walls = [], []
        for n in range(repeat):
            rename_a_store(copy, n)  # one file changed since the cache was last written
            runs.append(phases(copy, cache))
            rename_a_store(copy, 100 + n)
            walls.append(cli(["check", str(copy), *pledge_args, "--cache", str(cache),
                              "--max-file-size", str(max_size), "-f", "json",
                              "-o", str(work / "incremental.json")]))
        found["incremental"] = median(runs, seconds, "runs")
        found["incremental_cli"] = median(walls, seconds, "runs")
    if "diff" in which:
        head = work / "head.json"
        add_a_flow_json(json_path, head, 0)
        found["diff_json"] = median(
            [cli(["diff", str(json_path), str(head), *pledge_args, "--max-file-size",
                  str(max_size), "-f", "json", "-o", str(work / "diff.json")])
             for _ in range(repeat)], seconds, "runs")
        head.unlink()
        head_dir = work / "head-yaml"
        shutil.rmtree(head_dir, ignore_errors=True)
        shutil.copytree(yaml_dir, head_dir)
        add_a_flow_yaml(head_dir, 0)
        runs = []
        for _ in range(repeat):  # a cache of the base: the head's changed file is the miss
            cache = work / "cache-diff"
            shutil.rmtree(cache, ignore_errors=True)
            shutil.copytree(work / "cache-yaml", cache)
            runs.append(cli(["diff", str(yaml_dir), str(head_dir), *pledge_args, "--cache",
                             str(cache), "--max-file-size", str(max_size), "-f", "json",
                             "-o", str(work / "diff.json")]))
        found["diff_yaml_cached"] = median(runs, seconds, "runs")
    return found


LABELS = {
    "json_cli": "`pledge check FILE.json -f sarif` (end to end)",
    "yaml": "check from YAML, no cache", "yaml_cached": "check from YAML, warm cache",
    "yaml_cli": "`pledge check DIR -f sarif` from YAML, no cache (end to end)",
    "incremental": "one YAML file changed, cache (in-process)",
    "incremental_cli": "one YAML file changed, cache (`pledge check`, end to end)",
    "diff_json": "`pledge diff` JSON files, one flow added",
    "diff_yaml_cached": "`pledge diff` YAML directories, one flow added, cache of the base",
}


def table(rows: list[dict[str, Any]]) -> str:
    """The other paths as a Markdown table, beside the JSON check of the same run."""
    lines = ["| systems | path | parse s | validate s | graph s | checks s | total s | CPU s "
             "| every run s | peak MB | JSON check, same run s |", "|" + "---|" * 11]
    # total s is wall time; CPU s is user + system, a forked worker's included
    for row in rows:
        base = row["pledge"]["phases"]["total"]
        for key, label in LABELS.items():
            found = row.get("other", {}).get(key)
            if found is None:
                continue
            ph = found.get("phases", {})
            cells = [f"{row['size']:,}", label]
            cells += [f"{ph[p]:.2f}" if p in ph else "" for p in
                      ("parse", "validate", "graph", "checks")]
            total = ph.get("total", found.get("seconds", 0.0))
            cells += [f"{total:.2f}", f"{found['cpu']:.2f}",
                      ", ".join(f"{t:.2f}" for t in found["runs"]),
                      f"{found['peak_mb']:,.0f}" + (  # a forked worker's pages: mostly shared
                          f" (worker {found['worker_peak_mb']:,.0f})"
                          if found.get("worker_peak_mb") else ""), f"{base:.2f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
