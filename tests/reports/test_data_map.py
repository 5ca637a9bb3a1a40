"""The data map's page and data, read as text: complete, sorted, grouped, byte-identical."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from benchmarks.generate import generate, write_json
from pledge.checks.engine import evaluate
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.loading import load_inventory, load_policy
from pledge.policy_model.vocabulary import default_vocabularies
from pledge.reports import data_map, map_page
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, POLICY, run_pledge

VOCAB = default_vocabularies()
CON_001 = EXAMPLES / "CON-001-pixel-without-consent"


def page_data(page: str) -> dict:
    """The JSON embedded in a map page."""
    block = re.search(rf'<script type="application/json" id="{map_page.DATA_ID}">(.*?)</script>',
                      page, re.DOTALL)
    assert block is not None
    return resolved(json.loads(block.group(1)))


def resolved(data: dict) -> dict:
    """The data with each shared list put back in place, as the page does when it loads."""
    lists = data["lists"]
    for flow in data["flows"]:
        flow["categories"] = lists[flow["categories"]]
        flow["purposes"] = lists[flow["purposes"]]
    for node in data["nodes"]:
        for key in ("agreements", "declared_purposes", "access_roles", "fields"):
            if key in node["facts"]:
                node["facts"][key] = lists[node["facts"][key]]
    return data


def make_map(tmp_path: Path, *inventory: str | Path) -> str:
    out = tmp_path / "map.html"
    run = run_pledge("graph", "html", *inventory, "--as-of", AS_OF, "-o", out)
    assert run.code == 0, run.err
    assert run.out == "" and "wrote" in run.err
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def con001(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_map(tmp_path_factory.mktemp("con001"), CON_001)


def test_the_page_is_self_contained_and_locked_down(con001: str) -> None:
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', con001)
    assert csp is not None
    allowed = set(re.findall(r"'sha256-([^']+)'", csp.group(1)))
    blocks = re.findall(r"<(?:script|style)>(.*?)</(?:script|style)>", con001, re.DOTALL)
    assert len(blocks) == 4  # the style, Cytoscape.js, cytoscape-dagre, the map
    for block in [*blocks, map_page.CYTOSCAPE_STYLE]:
        assert base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() in allowed
    assert csp.group(1).startswith("default-src 'none';")
    assert re.search(r"""\s(?:src|href)=["']?(?:https?:)?//""", con001) is None
    assert map_page.asset("cytoscape.min.js") in con001  # the library, inlined


def test_every_node_flow_and_fact_is_embedded(con001: str) -> None:
    data = page_data(con001)
    graph = FlowGraph(load_inventory(CON_001).inventory, VOCAB)
    assert [n["id"] for n in data["nodes"]] == sorted(graph.node_ids())
    assert [f["id"] for f in data["flows"]] == sorted(graph.flows)
    nodes = {n["id"]: n for n in data["nodes"]}
    shop_db = nodes["customer_db"]
    assert shop_db["owner"] == "web_shop" and shop_db["group"] == nodes["web_shop"]["group"]
    email = [f for f in shop_db["facts"]["fields"] if f[1] == "user.contact.email"]
    assert email and all(row[2] for row in email), "fields carry their retention"
    stripe = nodes["stripe"]["facts"]
    assert stripe["operator"] == "third_party" and "dpa" in stripe["agreements"]
    assert any(a[0] == "pci_dss" for a in stripe["attestations"])
    assert "stripe_vault" in stripe["stores"]
    gated = {f["id"]: f["gate"] for f in data["flows"] if f.get("gate")}
    assert gated == {f.id: f.consent_gate for f in graph.flows.values() if f.consent_gate}
    assert "meta_pixel" not in gated  # the break this example plants
    assert data["gates"]["cookie_consent"]["type"] == "opt_in"
    assert "user.contact" in data["categories"]  # ancestors are offered for the filter


def test_failing_paths_and_findings_are_those_of_the_check(con001: str) -> None:
    data = page_data(con001)
    loaded = load_inventory(CON_001)
    graph = FlowGraph(loaded.inventory, VOCAB)
    result = evaluate(load_policy(POLICY).policy, loaded, as_of=date.fromisoformat(AS_OF),
                      graph=graph)
    bad_nodes, bad_flows = data_map.failing_elements(result.findings)
    assert {n["id"] for n in data["nodes"] if n.get("failing")} == bad_nodes == {
        "visitors", "meta_ads"}
    assert {f["id"] for f in data["flows"] if f.get("failing")} == bad_flows == {"meta_pixel"}
    about_meta = [f for f in data["findings"] if "meta_ads" in f["nodes"]]
    assert {f["commitment"] for f in about_meta if f["status"] == "fail"} == {"CON-001"}
    assert all(f["path"] == ["visitors", "meta_ads"] for f in about_meta
               if f["commitment"] == "CON-001")
    assert len(data["findings"]) == len(result.findings)


def test_the_page_is_byte_identical_across_runs(con001: str, tmp_path: Path) -> None:
    assert make_map(tmp_path, CON_001) == con001


def test_a_declared_group_is_how_systems_group(tmp_path: Path) -> None:
    root = tmp_path / "inventory"
    root.mkdir()
    for path in INVENTORY.glob("*.yaml"):
        (root / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    systems = yaml.safe_load((root / "systems.yaml").read_text(encoding="utf-8"))
    for system in systems["systems"]:
        if system["id"] in ("web_shop", "stripe"):
            system["group"] = "checkout team"
    (root / "systems.yaml").write_text(yaml.safe_dump(systems, sort_keys=False),
                                       encoding="utf-8")
    nodes = {n["id"]: n for n in page_data(make_map(tmp_path, root))["nodes"]}
    assert nodes["web_shop"]["group"] == nodes["stripe"]["group"] == "team checkout team"
    assert nodes["order_db"]["group"] == "team checkout team"  # a store joins its system
    assert nodes["zendesk"]["group"] == "role support"
    assert nodes["customers"]["group"] == data_map.PEOPLE_GROUP


def test_a_large_inventory_is_embedded_whole_and_grouped(tmp_path: Path) -> None:
    path = write_json(generate(1000, rate=0.2), tmp_path / "inventory.json")
    loaded = load_inventory(path)
    graph = FlowGraph(loaded.inventory, VOCAB)
    result = evaluate(load_policy(POLICY).policy, loaded, as_of=date.fromisoformat(AS_OF),
                      graph=graph)
    data = resolved(data_map.build(graph, result.findings, title="t"))
    assert len(data["nodes"]) == len(graph.node_ids()) > data["threshold"]
    groups = {n["group"] for n in data["nodes"]}
    assert data_map.PEOPLE_GROUP in groups and "role storefront" in groups
    assert len(groups) < 20, "a handful of boxes to open with"
    bad_nodes, bad_flows = data_map.failing_elements(result.findings)
    assert bad_flows and {f["id"] for f in data["flows"] if f.get("failing")} == bad_flows & set(
        graph.flows)
    assert {n["id"] for n in data["nodes"] if n.get("failing")} == bad_nodes & set(
        graph.node_ids())


def test_an_unknown_inventory_is_an_input_error(tmp_path: Path) -> None:
    run = run_pledge("graph", "html", tmp_path / "nowhere", "-o", tmp_path / "map.html")
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1 and "Traceback" not in run.err
    assert not (tmp_path / "map.html").exists()
