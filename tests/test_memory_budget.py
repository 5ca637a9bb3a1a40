"""A 30 MB hostile JSON inventory is refused within 2 GB, in seconds, with located errors.

A million small entities with an unknown key and a little nesting, one a line
(the layout large inventories are read a slice at a time in) or all on one
line; or ten thousand entities with three hundred unknown keys each. Validated
whole, pydantic collected millions of errors and needed 3 to 7 GB; now the
first invalid entity settles it and the errors are those of the first part of
the section, parts sized by the text they hold (``pledge check`` in a child
process; its own peak, ``VmHWM``, is measured).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT

BUDGET_MB = 2048
SIZE = 30_000_000

_CHILD = """
import sys
from pathlib import Path
from pledge.cli import main
try:  # given its arguments, main raises SystemExit (the program itself ends the process)
    main(sys.argv[1:])
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
status = Path("/proc/self/status").read_text().splitlines()
peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print("\\nPEAK " + str(peak_kb), file=sys.stderr)
sys.exit(code)
"""

_SMALL = '{"id":"s%d","zz":[[[{"deep":[1]}]]]}'
_WIDE = '{"id":"s%d",' + ",".join(f'"k{k}":1' for k in range(300)) + "}"
SHAPES = {"one-entity-a-line": (_SMALL, "\n"), "one-line": (_SMALL, ""),
          "wide-entities": (_WIDE, "")}


def _hostile(path: Path, shape: str) -> Path:
    item, newline = SHAPES[shape]
    items = (item % i for i in range(SIZE // len(item % 500_000)))
    text = ('{' + newline + '"systems":[' + newline + ("," + newline).join(items) + newline
            + "]" + newline + "}" + newline)
    path.mkdir()
    (path / "inventory.json").write_text(text, encoding="utf-8")
    assert (path / "inventory.json").stat().st_size >= SIZE * 0.95
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_30_mb_hostile_inventory_is_refused_within_2_gb(tmp_path: Path, shape: str) -> None:
    inventory = _hostile(tmp_path / "hostile", shape)
    run = subprocess.run([sys.executable, "-c", _CHILD, "check", str(inventory),
                          "--as-of", AS_OF], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    body, _, peak = run.stderr.rpartition("\nPEAK ")
    peak_mb = int(peak) / 1024
    assert peak_mb <= BUDGET_MB, f"peak {peak_mb:.0f} MB"
    assert run.returncode == 2, run.stderr[-2000:]
    lines = body.strip().splitlines()
    assert "Traceback" not in body and 0 < len(lines) <= 201
    shown = str(inventory / "inventory.json")
    located = re.compile(rf"pledge: {re.escape(shown)}: PLG-E0\d\d ")
    assert all(located.match(line) for line in lines), lines[:3]
    key = "zz" if shape != "wide-entities" else "k0"
    assert f"pledge: {shown}: PLG-E004 unknown key '{key}' at systems[0](s0).{key}" in lines[0]
    more = [line for line in lines if "PLG-E021" in line]
    assert len(more) == 1 and "more problems in this file are not listed" in more[0]
