"""A memory budget: a 30 MB hostile JSON inventory is refused or checked within 2 GB.

A million small objects each with an unknown key once needed 5 GB (a
validation error per object, each holding its input) and, under a 4 GiB limit,
ended in a MemoryError or a panic in the JSON parser. The real command line
runs here as a subprocess whose address space is limited to 2 GiB
(``RLIMIT_AS``); it must end with a located input error (or a verdict), never
an internal error or a crash, and its peak resident memory is reported.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

from tests.conftest import AS_OF, ROOT

BUDGET = 2 * 1024**3


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (BUDGET, BUDGET))


def hostile_inventory(path: Path, objects: int = 1_000_000) -> Path:
    """About 30 MB of JSON: a million systems, each with an unknown key."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"systems": [')
        handle.write(",".join(f'{{"id":"s{i}","type":"internal","zz":{i}}}'
                              for i in range(objects)))
        handle.write("]}")
    return path


def test_a_30mb_hostile_json_inventory_stays_within_2gb(tmp_path: Path) -> None:
    inventory = hostile_inventory(tmp_path / "huge.json")
    assert inventory.stat().st_size > 30_000_000
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-m", "pledge", "check", str(inventory), "--as-of",
                           AS_OF, "--max-file-size", "100MB", "-f", "json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, preexec_fn=_limit)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "MemoryError" not in proc.stderr and "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr and "panic" not in proc.stderr.lower()
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("pledge: ") for line in lines)
    assert "huge.json" in lines[0] and "PLG-E0" in lines[0]
    assert len(lines) <= 210  # at most 200 problems listed, then how many more
    print(f"peak resident memory {peak_mb:,.0f} MB (children's peak before: "
          f"{before / 1024:,.0f} MB)")
    assert proc.stdout == ""


def test_the_budget_is_really_enforced() -> None:
    """The limit bites: a child that allocates 3 GiB under it fails (else proves nothing)."""
    proc = subprocess.run([sys.executable, "-c", "b = bytearray(3 * 1024**3)"],
                          capture_output=True, text=True, timeout=60, preexec_fn=_limit)
    assert proc.returncode != 0 and "MemoryError" in proc.stderr


def test_the_hostile_file_is_what_the_issue_describes(tmp_path: Path) -> None:
    small = hostile_inventory(tmp_path / "small.json", objects=3)
    data = json.loads(small.read_text(encoding="utf-8"))
    assert [sorted(s) for s in data["systems"]] == [["id", "type", "zz"]] * 3
