"""A long fuzz run: many generated inputs per target, with a summary to paste or write.

Usage::

    python fuzz/run.py --examples 20000            # spread over every target
    python fuzz/run.py --examples 2000 --target mutated-inventory --seed 7
    python fuzz/run.py --examples 20000 --report docs/hardening.md

Each target is a hypothesis strategy and a ``check_*`` function from
:mod:`fuzz.targets`. A failure is shrunk to a minimal input and printed; the
run goes on with the next target. ``--report`` rewrites the block between the
``<!-- fuzz-run -->`` markers of the given Markdown file with the summary.
Exit 0 when no target failed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from fuzz import targets as t

TARGETS: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], None]]] = {
    "bytes-yaml": (st.binary(max_size=2000), lambda d: t.check_file_bytes(d, ".yaml")),
    "bytes-json": (st.binary(max_size=2000), lambda d: t.check_file_bytes(d, ".json")),
    "yaml-text": (t.yaml_text, lambda s: t.check_file_bytes(
        s.encode("utf-8", "surrogatepass"), ".yaml")),
    "json-text": (t.json_text, lambda s: t.check_file_bytes(s.encode("utf-8", "surrogatepass"),
                                                            ".json")),
    "mutated-inventory": (t.mutated_inventory_file(), lambda f: t.check_inventory_file(*f)),
    "structured-inventory": (t.structured_inventory(), lambda d: t.check_file_bytes(
        t.dump_yaml(d).encode("utf-8", "surrogatepass"), ".yaml")),
    "json-paths-agree": (t.structured_inventory().map(
        lambda d: json.dumps(d, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        | t.json_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
        t.check_json_paths_agree),
    "mutated-policy": (t.mutated_policy(), t.check_policy_text),
    "generated-policy": (t.generated_policy(), t.check_policy_text),
    "cli": (st.tuples(st.binary(max_size=500) | t.yaml_text.map(
        lambda s: s.encode("utf-8", "surrogatepass")),
        st.sampled_from([".yaml", ".json"]), st.sampled_from(["check", "validate", "policy"])),
        lambda a: t.check_cli_on_file(*a)),
}
MARKER = "<!-- fuzz-run -->"


@dataclass
class Outcome:
    """What one target's run did."""

    target: str
    examples: int
    seconds: float
    failure: str | None


def run_target(name: str, examples: int, run_seed: int) -> Outcome:
    """Run one target for ``examples`` examples; a failure is shrunk and kept."""
    strategy, check = TARGETS[name]
    count = [0]

    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.generate, Phase.target, Phase.shrink])
    @given(strategy)
    def prop(value: Any) -> None:
        count[0] += 1
        check(value)

    started = time.perf_counter()
    failure = None
    try:
        prop()
    except Exception as exc:  # the shrunk failing example, reported and kept going
        failure = f"{type(exc).__name__}: {exc}"[:2000]
    return Outcome(name, count[0], time.perf_counter() - started, failure)


def summary(outcomes: list[Outcome], examples: int, run_seed: int) -> str:
    """A Markdown table of the run."""
    total = sum(o.examples for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    lines = [f"`python fuzz/run.py --examples {examples} --seed {run_seed}`: "
             f"{total:,} inputs in {seconds:,.0f} s, "
             f"{sum(1 for o in outcomes if o.failure)} failing target(s).", "",
             "| target | inputs | seconds | result |", "|---|---:|---:|---|"]
    for o in outcomes:
        result = "ok" if not o.failure else o.failure.splitlines()[0].replace("|", "\\|")[:120]
        lines.append(f"| {o.target} | {o.examples:,} | {o.seconds:,.1f} | {result} |")
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> None:
    """Replace the block between the two markers of ``path`` with ``text``."""
    doc = path.read_text(encoding="utf-8")
    before, _, rest = doc.partition(MARKER)
    _, _, after = rest.partition(MARKER)
    if not rest:
        raise SystemExit(f"{path}: no {MARKER} markers")
    path.write_text(f"{before}{MARKER}\n{text}{MARKER}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the targets, print (and maybe write) the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000,
                        help="inputs in all, spread evenly over the targets")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS),
                        help="run only this target (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, help="Markdown file with fuzz-run markers")
    args = parser.parse_args(argv)
    names = args.target or list(TARGETS)
    per_target = max(1, args.examples // len(names))
    outcomes = []
    for name in names:
        outcome = run_target(name, per_target, args.seed)
        print(f"{name}: {outcome.examples} inputs, {outcome.seconds:.1f} s, "
              f"{'ok' if not outcome.failure else 'FAILED'}", flush=True)
        if outcome.failure:
            print(outcome.failure, flush=True)
        outcomes.append(outcome)
    text = summary(outcomes, args.examples, args.seed)
    print(text)
    if args.report:
        write_report(args.report, text)
    return 1 if any(o.failure for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
