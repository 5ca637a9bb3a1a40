"""Path evidence is bounded: a long ungated chain costs seconds and a report linear in size.

A chain of N systems, each flow carrying marketing purposes with no consent
gate, fails the consent commitment once per flow. Before, each finding carried
the whole path from the source (the report grew with N squared: 182 MB of JSON
for 2,000 hops). Now a path shows at most ``PATH_HOPS_SHOWN`` hops from the
source, a marker with the count left out, and the hops into the subject.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pledge.checks.graph.flow_graph import PATH_HOPS_SHOWN, PathPrefixes, left_out_marker
from tests.conftest import AS_OF, INVENTORY, run_inprocess


def chain_inventory(root: Path, hops: int) -> Path:
    """The bundled inventory plus a chain of ``hops`` ungated marketing flows from web_shop."""
    shutil.copytree(INVENTORY, root)
    systems = [{"id": f"c{i}", "name": f"Chain {i}", "type": "internal", "role": "analytics",
                "country": "MA", "purposes": ["marketing.communications"]} for i in range(hops)]
    flows = [{"id": f"f{i}", "source": "web_shop" if i == 0 else f"c{i - 1}",
              "target": f"c{i}", "categories": ["user.contact.email"],
              "purposes": ["marketing.communications"], "transport": {"protocol": "https",
                                                                     "tls": "1.3"}}
             for i in range(hops)]
    (root / "zz-chain.json").write_text(json.dumps({"systems": systems, "flows": flows}),
                                        encoding="utf-8")
    return root


def _report(tmp_path: Path, hops: int) -> tuple[dict[str, object], int]:
    root = chain_inventory(tmp_path / f"inv{hops}", hops)
    out = tmp_path / f"report{hops}.json"
    run = run_inprocess("check", root, "--as-of", AS_OF, "-f", "json", "-o", out)
    assert run.code == 1, run.err[-1000:]
    return json.loads(out.read_text(encoding="utf-8")), out.stat().st_size


def test_a_5000_hop_chain_gives_a_report_linear_in_its_findings(tmp_path: Path) -> None:
    _, small_size = _report(tmp_path, 500)
    large, large_size = _report(tmp_path, 5000)
    failing = [f for f in large["findings"] if f["status"] == "fail"]  # type: ignore[index]
    assert len(failing) >= 5000
    longest = max(len(f["evidence"].get("path", [])) for f in failing)
    assert longest <= PATH_HOPS_SHOWN + 4  # the head, a marker, the last hops
    cut = [f for f in failing if f["evidence"].get("hops_left_out")]
    assert cut and any(left_out_marker(4977) in f["evidence"]["path"] for f in cut)
    # ten times the chain: about ten times the report, not a hundred times
    assert large_size < 13 * small_size, (small_size, large_size)


def test_prefixes_match_the_full_path_when_short_and_cut_when_long() -> None:
    parents: dict[str, tuple[str, str] | None] = {"n0": None}
    for i in range(1, 60):
        parents[f"n{i}"] = (f"n{i - 1}", f"f{i}")
    prefixes = PathPrefixes(parents, limit=5)
    short = prefixes.evidence("n3", ("g", "x"))
    assert short == {"path": ["n0", "n1", "n2", "n3", "x"], "flows": ["f1", "f2", "f3", "g"]}
    long = prefixes.evidence("n59")
    assert long["path"] == ["n0", "n1", "n2", "n3", "n4", "n5", left_out_marker(53), "n59"]
    assert long["flows"] == ["f1", "f2", "f3", "f4", "f5", "…", "f59"]
    assert long["hops_left_out"] == 53
    assert prefixes.evidence("n6") == {"path": [f"n{i}" for i in range(7)],
                                       "flows": [f"f{i}" for i in range(1, 7)]}
