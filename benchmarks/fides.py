"""Time `pledge import fides`, `check --from fides` and `export fides` on a generated manifest.

A manifest of N systems is generated (seeded, so every run sees the same one):
each system has one or two privacy declarations (categories, a data use, data
subjects; one in twenty names none), egress to one or two other systems, and one
system in three is a database with a dataset of three collections (twelve
fields, one nested object) that its declaration references. Four policy rules
use ANY, ALL, NONE and OTHER. The export writes back what the import wrote
(inventory and policy). Each command runs in a fresh process, so the peak
memory (``ru_maxrss``) is that run's alone; the median of ``--repeat`` runs is
printed. Fides' own evaluator (``fides evaluate``) is not run here: it scans
every resource for each key it looks up (see docs/fides.md).

Usage::

    python benchmarks/fides.py [--systems 10000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261206
AS_OF = "2026-11-29"
CATEGORIES = ["user.contact.email", "user.contact.address", "user.name", "user.financial",
              "user.device.cookie_id", "user.behavior.browsing_history",
              "user.demographic.political_opinion", "user.unique_id", "user", "system.operations"]
USES = ["essential.service", "essential.service.payment_processing", "functional.service.improve",
        "marketing.advertising.first_party.targeted", "marketing.advertising.third_party",
        "analytics.reporting"]
SUBJECTS = ["customer", "employee", "prospect"]
RULES = [
    {"name": "no_contact_for_third_party_ads",
     "data_categories": {"matches": "ANY", "values": ["user.contact"]},
     "data_uses": {"matches": "ANY", "values": ["marketing.advertising.third_party"]},
     "data_subjects": {"matches": "ANY", "values": ["customer"]}},
    {"name": "no_political_opinions_for_ads",
     "data_categories": {"matches": "ANY", "values": ["user.demographic.political_opinion"]},
     "data_uses": {"matches": "ANY", "values": ["marketing"]},
     "data_subjects": {"matches": "ALL", "values": ["customer", "prospect"]}},
    {"name": "only_system_data_for_analytics",
     "data_categories": {"matches": "OTHER", "values": ["system"]},
     "data_uses": {"matches": "ANY", "values": ["analytics"]},
     "data_subjects": {"matches": "NONE", "values": ["employee"]}},
    {"name": "employees_not_profiled",
     "data_categories": {"matches": "ANY", "values": ["user.behavior"]},
     "data_uses": {"matches": "ANY", "values": ["marketing", "analytics"]},
     "data_subjects": {"matches": "ANY", "values": ["employee"]}},
]


def generate(systems: int, seed: int = SEED) -> dict[str, list[dict[str, Any]]]:
    """A Fides manifest with ``systems`` systems (deterministic for a seed)."""
    rng = random.Random(seed)
    out_systems, datasets = [], []
    for i in range(systems):
        key = f"system_{i:06d}"
        declarations = []
        for _ in range(rng.choice((1, 1, 2))):
            declaration = {"data_categories": rng.sample(CATEGORIES, rng.randint(1, 3)),
                           "data_use": rng.choice(USES),
                           "data_subjects": [] if rng.random() < 0.05
                           else rng.sample(SUBJECTS, rng.randint(1, 2))}
            declarations.append(declaration)
        system: dict[str, Any] = {"fides_key": key, "name": f"System {i}",
                                  "system_type": "Application", "privacy_declarations":
                                  declarations}
        if i % 3 == 0:
            system["system_type"] = "Database"
            dataset = f"dataset_{i:06d}"
            declarations[0]["dataset_references"] = [dataset]
            datasets.append(_dataset(dataset, rng))
        targets = {rng.randrange(systems) for _ in range(rng.randint(1, 2))} - {i}
        if targets:
            system["egress"] = [{"fides_key": f"system_{t:06d}", "type": "system"}
                                for t in sorted(targets)]
        out_systems.append(system)
    policy = {"fides_key": "generated_policy", "name": "Generated policy", "rules": RULES}
    return {"system": out_systems, "dataset": datasets, "policy": [policy]}


def _dataset(key: str, rng: random.Random) -> dict[str, Any]:
    collections = []
    for name in ("customers", "orders", "events"):
        fields: list[dict[str, Any]] = [
            {"name": f"f{j}", "data_categories": [rng.choice(CATEGORIES)]} for j in range(3)]
        fields.append({"name": "details", "fields": [
            {"name": "note", "data_categories": [rng.choice(CATEGORIES)],
             "retention": rng.choice(("30 days", "2 years", "No retention or erasure policy"))}]})
        collections.append({"name": name, "fields": fields})
    return {"fides_key": key, "name": key, "collections": collections}


_RUN = """
import resource, sys
from pledge.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
usage = resource.getrusage(resource.RUSAGE_SELF)
print(f"peak-kib {usage.ru_maxrss} cpu-s {usage.ru_utime + usage.ru_stime}", file=sys.stderr)
sys.exit(code)
"""


def _timed(argv: list[str]) -> tuple[float, float, float, int]:
    """Wall and CPU seconds, peak MiB and exit code of one fresh `pledge` process.

    Both include the interpreter's start-up; CPU time is what the process itself
    spent, so it holds still on a machine others are using, where wall time does not.
    """
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _RUN, *argv], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pledge {' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
    tail = proc.stderr.rsplit("peak-kib ", 1)[1].split()
    return seconds, float(tail[2]), int(tail[0]) / 1024, proc.returncode


def main() -> None:
    """Generate, then time import and check; print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="Write the manifest here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        manifest = folder / "manifest.yml"
        started = time.perf_counter()
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        manifest.write_text(yaml.dump(generate(args.systems), Dumper=dumper, sort_keys=False,
                                      width=100), encoding="utf-8")
        print(f"generated {args.systems} systems ({manifest.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s")
        rows = []
        for label, argv in (
                ("import fides", ["import", "fides", str(manifest), "-o",
                                  str(Path(scratch) / "out")]),
                ("check --from fides", ["check", "--from", "fides", str(manifest), "--as-of",
                                        AS_OF, "-f", "json", "-o",
                                        str(Path(scratch) / "report.json")]),
                ("export fides", ["export", "fides", str(Path(scratch) / "exported"),
                                  "--inventory", str(Path(scratch) / "out" / "inventory"),
                                  "--policy",
                                  str(Path(scratch) / "out" / "policy" / "fides-policy.yaml")])):
            runs = [_timed(argv) for _ in range(args.repeat)]
            rows.append((label, statistics.median(r[0] for r in runs),
                         statistics.median(r[1] for r in runs), max(r[2] for r in runs),
                         runs[0][3]))
        print(f"\n| command ({args.systems} systems) | wall s (median) | CPU s (median) | "
              "peak MiB | exit |")
        print("|---|---|---|---|---|")
        for label, seconds, cpu, mib, code in rows:
            print(f"| `pledge {label}` | {seconds:.1f} | {cpu:.1f} | {mib:.0f} | {code} |")


if __name__ == "__main__":
    main()
