"""CPU seconds of the checks phase alone: every commitment and the inventory's notices.

Loads an inventory (JSON or YAML), builds its flow graph, then times
:func:`pledge.checks.engine.evaluate` with ``time.process_time()`` (CPU time,
steadier than wall time on a shared machine). Run it in fresh processes, before
and after a change, alternating::

    python benchmarks/generate.py --systems 100000 --out /tmp/inv-100k.json
    python benchmarks/checks_phase.py /tmp/inv-100k.json

Prints one JSON line: checks CPU seconds, failing findings, notices, the load average.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from pledge.checks.engine import evaluate  # noqa: E402
from pledge.checks.graph.flow_graph import FlowGraph  # noqa: E402
from pledge.policy_model.loading import load_inventory, load_policy  # noqa: E402
from pledge.policy_model.vocabulary import default_vocabularies  # noqa: E402

POLICY = ROOT / "policy_model" / "policies" / "marosoap.yaml"


def main(argv: list[str]) -> int:
    """Time the checks phase on the inventory named by ``argv[0]``."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    policy = load_policy(POLICY).policy
    loaded = load_inventory(Path(argv[0]), max_size=1 << 34)
    graph = FlowGraph(loaded.inventory, default_vocabularies())
    started = time.process_time()
    result = evaluate(policy, loaded, as_of=date(2026, 11, 29), graph=graph)
    cpu = time.process_time() - started
    print(json.dumps({"checks_cpu_s": round(cpu, 3),
                      "failing": sum(1 for f in result.findings if f.status.failing),
                      "notices": len(result.notices), "load": os.getloadavg()[0]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
