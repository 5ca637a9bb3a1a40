"""The report's data map is bounded at scale: above MAP_NODES only the failing paths' part.

A whole map of 100,000 systems is about 100 MB of page; above
:data:`pledge.reports.html.MAP_NODES` nodes the report embeds the nodes on failing
paths (failing subjects, evidence paths, the ends of failing flows) and the flows
between them, says so, and leaves the whole map to ``pledge graph html``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benchmarks.generate import generate, write_json
from pledge.reports import data_map, html, map_page
from tests.reports.support import run_inventory


def _data(page: str) -> dict:
    block = re.search(rf'<script type="application/json" id="{map_page.DATA_ID}">(.*?)</script>',
                      page, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))  # type: ignore[no-any-return]


def test_above_the_bound_only_the_failing_paths_are_embedded(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    run = run_inventory(write_json(generate(300, rate=0.2), tmp_path / "inventory.json"))
    graph, findings = run.graph, run.report.findings
    whole_page = html.render(run.report, graph)
    whole = _data(whole_page)
    assert "partial" not in whole and len(whole["nodes"]) == len(graph.node_ids())

    monkeypatch.setattr(html, "MAP_NODES", len(graph.node_ids()) - 1)
    page = html.render(run.report, graph)
    data = _data(page)
    bad_nodes, bad_flows = data_map.failing_elements(findings)
    kept = {n["id"] for n in data["nodes"]}
    assert bad_nodes & set(graph.node_ids()) <= kept  # every failing box is there
    for flow_id in bad_flows & set(graph.flows):  # and every failing flow, with its ends
        flow = graph.flows[flow_id]
        assert {flow.source, flow.target} <= kept
    assert {f["id"] for f in data["flows"]} == {
        f.id for f in graph.flows.values() if f.source in kept and f.target in kept}
    assert kept == data_map.failing_subgraph(graph, findings)
    assert 0 < len(kept) < len(graph.node_ids()) // 2
    assert data["partial"] == {"nodes": len(graph.node_ids()), "flows": len(graph.flows)}
    assert f"The inventory has {len(graph.node_ids()):,} boxes" in page
    assert "pledge graph html</code> draws them all" in page
    assert {f["commitment"] for f in data["findings"]} == {f.commitment for f in findings}
    assert len(page) < len(whole_page)
    assert html.render(run.report, graph) == page  # deterministic
