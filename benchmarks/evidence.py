"""The cost of judged-subject evidence: the checks phase, listing the subjects, each output.

Generates (or reuses) the synthetic inventory of ``benchmarks/generate.py``,
then in this process: loads it, and ``--repeat`` times builds a fresh graph and
runs every commitment, timing only the checks (CPU seconds, ``process_time``);
unless ``--checks-only``, builds the report, lists every commitment's judged
subjects (the first output to ask pays for it) and renders the JSON report,
JUnit, OSCAL assessment results and the HTML report, each timed (CPU) and
sized. The checks phase records the scopes only; the listing is paid by the
outputs that print it.

Usage::

    python benchmarks/evidence.py --size 100000 [--repeat 3] [--checks-only]

``--checks-only`` runs on any revision: to compare the checks phase before and
after, copy this script into a worktree of the other revision and run it from
there (it imports the checkout it stands in).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import DEFAULT_AS_OF, DEFAULT_RATE, DEFAULT_SEED  # noqa: E402
from benchmarks.run import MAX_FILE_SIZE, OUT, _ensure_inventory  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(size: int, repeat: int, checks_only: bool) -> dict[str, Any]:
    """Checks CPU per run; with the outputs, listing and rendering CPU and sizes."""
    import pledge
    from pledge.checks.engine import evaluate
    from pledge.checks.graph.flow_graph import FlowGraph
    from pledge.policy_model import BUNDLED_POLICY
    from pledge.policy_model.loading import load_inventory, load_policy
    from pledge.policy_model.vocabulary import default_vocabularies

    as_of = DEFAULT_AS_OF
    path = _ensure_inventory(size, "json", DEFAULT_SEED, DEFAULT_RATE, as_of, OUT)
    loaded_policy = load_policy(BUNDLED_POLICY)
    vocab = default_vocabularies()
    loaded = load_inventory(path, max_size=MAX_FILE_SIZE)
    row: dict[str, Any] = {"size": size, "code": str(Path(pledge.__file__).resolve().parent),
                           "load_average": os.getloadavg()[0], "checks_cpu": []}
    result = None
    for _ in range(repeat):
        graph = FlowGraph(loaded.inventory, vocab)
        cpu = time.process_time()
        result = evaluate(loaded_policy.policy, loaded, as_of=as_of, vocab=vocab, graph=graph)
        row["checks_cpu"].append(time.process_time() - cpu)
    row["peak_mb_checks"] = _peak_mb()
    if checks_only or result is None:
        return row
    from pledge.reports import html, json_report, junit, oscal
    from pledge.reports.document import build_report

    report = build_report(loaded_policy, loaded, result, as_of=as_of)
    cpu = time.process_time()
    judged = {c.id: len(report.judged(c.id)) for c in report.commitments}
    row["listing_cpu"] = time.process_time() - cpu
    row["judged"] = judged
    row["judged_total"] = sum(judged.values())
    row["outputs"] = {}
    for name, render in (("json", json_report.render), ("junit", junit.render),
                         ("oscal", oscal.render), ("html", lambda r: html.render(r))):
        cpu = time.process_time()
        text = render(report)
        row["outputs"][name] = {"cpu": time.process_time() - cpu,
                                "mb": len(text.encode("utf-8")) / 1e6}
        del text
    row["peak_mb"] = _peak_mb()
    return row


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100000, help="systems (multiple of 10)")
    parser.add_argument("--repeat", type=int, default=1, help="check runs, each on a fresh graph")
    parser.add_argument("--checks-only", action="store_true",
                        help="time the checks phase only (works on revisions without evidence)")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    args = parser.parse_args(argv)
    row = measure(args.size, max(1, args.repeat), args.checks_only)
    runs = ", ".join(f"{t:.2f}" for t in row["checks_cpu"])
    print(f"{args.size:,} systems, code {row['code']}, load average {row['load_average']:.1f}")
    print(f"checks phase CPU s: {runs} (min {min(row['checks_cpu']):.2f}); "
          f"peak {row['peak_mb_checks']:,.0f} MB")
    if "outputs" in row:
        print(f"judged subjects: {row['judged_total']:,} over {len(row['judged'])} commitments; "
              f"listing them: {row['listing_cpu']:.2f} s CPU")
        print("| output | CPU s | MB |\n|---|---|---|")
        for name, found in row["outputs"].items():
            print(f"| {name} | {found['cpu']:.2f} | {found['mb']:,.1f} |")
        print(f"peak {row['peak_mb']:,.0f} MB")
        biggest = sorted(row["judged"].items(), key=lambda kv: -kv[1])[:8]
        print("most judged: " + ", ".join(f"{c} {n:,}" for c, n in biggest))
    if args.json:
        args.json.write_text(json.dumps(row, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
