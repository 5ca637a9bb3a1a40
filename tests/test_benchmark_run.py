"""The benchmark script runs end to end on a small inventory, as its README command does."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_benchmark_measures_every_phase_and_finds_what_was_planted(tmp_path: Path) -> None:
    raw = tmp_path / "raw.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "100,200",
         "--repeat", "2", "--report", "--rego", "--out", str(tmp_path / "out"),
         "--json", str(raw)],
        capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "| 100 |" in proc.stdout and "| 200 |" in proc.stdout
    assert "median of 2 runs" in proc.stdout
    assert "| systems | pledge report s |" in proc.stdout
    assert "failing subjects pledge/regorus" in proc.stdout and "DIFFERENT" not in proc.stdout
    rows = json.loads(raw.read_text(encoding="utf-8"))
    assert [r["size"] for r in rows] == [100, 200]
    for row in rows:
        phases = row["pledge"]["phases"]
        assert set(phases) == {"parse", "validate", "graph", "checks", "total"}
        assert all(seconds > 0 for seconds in phases.values())
        assert len(row["pledge"]["totals"]) == 2
        assert row["pledge"]["counts"]["systems"] == row["size"]
        assert row["manifest"]["planted"] > 0
        assert row["manifest"]["missed"] == row["manifest"]["unexpected"] == 0
        report = row["report"]  # pledge report, every format, timed in its own process
        assert report["seconds"] > 0 and report["peak_mb"] > 0
        assert {"report.html", "report.json", "ropa.csv"} <= set(report["bytes"])
        # regorus ran the four Rego rules on the same file and failed the same subjects
        assert row["rego"]["eval"] > 0 and len(row["rego"]["evals"]) == 2
        assert row["agreement"] and all(a["same"] for a in row["agreement"].values())
        assert row["pledge"]["four"]["seconds"] > 0
    made = sorted(p.name for p in (tmp_path / "out").iterdir())  # nothing under the repository
    assert len(made) == 4 and all(name.startswith(("inventory-100-", "inventory-200-"))
                                  for name in made)


def test_benchmark_measures_yaml_the_cache_an_incremental_run_and_diff(tmp_path: Path) -> None:
    raw = tmp_path / "raw.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "100", "--yaml",
         "--incremental", "--diff", "--out", str(tmp_path / "out"), "--json", str(raw)],
        capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "one YAML file changed, cache" in proc.stdout
    other = json.loads(raw.read_text(encoding="utf-8"))[0]["other"]
    assert set(other) == {"yaml", "yaml_cached", "incremental", "incremental_cli",
                          "diff_json", "diff_yaml_cached", "json_cli", "yaml_cli"}
    for key in ("yaml", "yaml_cached", "incremental"):  # every path: planted = found
        assert other[key]["planted_found"] is True
        assert set(other[key]["phases"]) == {"parse", "validate", "graph", "checks", "total"}
    for key in ("incremental_cli", "diff_json", "diff_yaml_cached", "json_cli", "yaml_cli"):
        assert other[key]["seconds"] > 0 and other[key]["peak_mb"] > 0
    assert other["diff_json"]["code"] == other["diff_yaml_cached"]["code"]
    assert other["json_cli"]["code"] == other["yaml_cli"]["code"] == 1  # the planted failures


def test_page_costs_measures_first_touch_and_copies_after_a_fork() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "page_costs.py"),
                           "--mb", "8"], capture_output=True, text=True, check=False,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split("  ")[0] for line in lines] == [
        "4 KB pages", "4 KB pages", "huge pages asked", "huge pages asked"]
    for line in lines:  # each figure per page, in microseconds
        per_page = [float(us) for us in re.findall(r"\(\s*([\d.]+) us/page\)", line)]
        assert len(per_page) == 2 and all(us > 0 for us in per_page), line


def test_model_layouts_reads_the_same_stores_in_every_layout(tmp_path: Path) -> None:
    from benchmarks.generate import generate, write_json

    generated = generate(200)
    path = write_json(generated, tmp_path / "inventory.json")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "model_layouts.py"),
                           str(path), "--repeat", "1"], capture_output=True, text=True,
                          check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr  # 1 when two layouts read different data
    stores = generated.data["stores"]
    models = len(stores) + sum(len(store.get("fields", [])) for store in stores)
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")
            for line in proc.stdout.splitlines()[2:]}
    assert set(rows) == {"pydantic", "pydantic, fields as dictionaries", "msgspec",
                         "msgspec, patterns left out"}  # msgspec: a test dependency
    for row in rows.values():  # one run each, every store and field made as a model
        assert len(row[2].split(", ")) == 1 and row[4].rstrip(" |") == f"{models:,}"


def test_model_layouts_runs_the_checks_on_structs_to_the_same_findings(tmp_path: Path) -> None:
    from benchmarks.generate import generate, write_json

    path = write_json(generate(200), tmp_path / "inventory.json")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "model_layouts.py"),
                           str(path), "--checks", "--repeat", "1"], capture_output=True,
                          text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr  # 1 when the layouts' findings differ
    rows = [line.split(" | ") for line in proc.stdout.splitlines()[2:]]
    assert [row[0].lstrip("| ") for row in rows] == ["pydantic", "msgspec"]
    findings = {row[5].rstrip(" |") for row in rows}
    assert len(findings) == 1 and int(findings.pop()) > 0  # the planted failures, both
