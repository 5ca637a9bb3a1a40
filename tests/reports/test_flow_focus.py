"""The report's flow map: the whole graph when it is small, the failing paths when not."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from benchmarks.generate import generate, write_json
from pledge.checks.engine import evaluate
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.loading import load_inventory, load_policy
from pledge.policy_model.vocabulary import default_vocabularies
from pledge.reports.flow_focus import MAP_NODE_LIMIT, focus
from pledge.reports.svg_graph import failing_elements
from tests.conftest import AS_OF, INVENTORY, POLICY, run_pledge

VOCAB = default_vocabularies()


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FlowGraph, list]:
    """A generated inventory of 1,000 systems (over 1,200 nodes), violations planted."""
    path = write_json(generate(1000, rate=0.2),
                      tmp_path_factory.mktemp("large") / "inventory.json")
    loaded = load_inventory(path)
    graph = FlowGraph(loaded.inventory, VOCAB)
    result = evaluate(load_policy(POLICY).policy, loaded, as_of=date.fromisoformat(AS_OF),
                      graph=graph)
    return path, graph, result.findings


def test_a_small_graph_is_drawn_whole() -> None:
    loaded = load_inventory(INVENTORY)
    graph = FlowGraph(loaded.inventory, VOCAB)
    shown = focus(graph, [])
    assert shown.whole and shown.graph is graph
    assert shown.nodes == len(graph.node_ids()) <= MAP_NODE_LIMIT


def test_a_large_graph_is_cut_to_the_failing_paths(large: tuple[Path, FlowGraph, list]) -> None:
    _path, graph, findings = large
    shown = focus(graph, findings)
    assert not shown.whole and shown.nodes == len(graph.node_ids()) > MAP_NODE_LIMIT
    drawn = set(shown.graph.node_ids())
    assert 0 < len(drawn) <= MAP_NODE_LIMIT
    failing = [f for f in findings if f.status.failing]
    assert shown.findings_drawn == shown.findings_failing == len(failing)
    bad_nodes, bad_flows = failing_elements(failing)
    assert bad_nodes & set(graph.node_ids()) <= drawn  # every failing node is on the map
    assert set(shown.graph.flows) == bad_flows & set(graph.flows)  # and only failing flows
    for flow in shown.graph.flows.values():  # drawn as in the whole graph
        assert graph.flows[flow.id] is flow


def test_the_limit_stops_at_a_whole_finding(large: tuple[Path, FlowGraph, list]) -> None:
    _path, graph, findings = large
    shown = focus(graph, findings, limit=12)
    assert 0 < shown.findings_drawn < shown.findings_failing
    assert len(shown.graph.node_ids()) <= 12
    drawn = set(shown.graph.node_ids())
    for finding in [f for f in findings if f.status.failing][:shown.findings_drawn]:
        nodes, _flows = failing_elements([finding])
        assert nodes & set(graph.node_ids()) <= drawn


def test_the_report_of_a_large_inventory_says_what_its_map_shows(
        large: tuple[Path, FlowGraph, list], tmp_path: Path) -> None:
    path, graph, _findings = large
    out = tmp_path / "report"
    run = run_pledge("report", path, "--as-of", AS_OF, "--output-dir", out, "-f", "html")
    assert run.code == 1, run.err
    page = (out / "report.html").read_text(encoding="utf-8")
    scope = re.search(r'<p class="map-scope">(.*?)</p>', page)
    assert scope and f"{len(graph.node_ids()):,} boxes" in scope.group(1)
    assert "pledge graph export" in scope.group(1)
    assert 0 < page.count(' data-node="') <= MAP_NODE_LIMIT
    assert len(page) < 2_000_000


def test_the_bundled_report_draws_the_whole_map(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert run_pledge("report", "--as-of", AS_OF, "--output-dir", out, "-f", "html").code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'class="map-scope"' not in page
    loaded = load_inventory(INVENTORY)
    assert page.count(' data-node="') == len(FlowGraph(loaded.inventory, VOCAB).node_ids())
