"""Property tests for the loader and the graph, on generated inventories."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import networkx as nx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.checks.engine import evaluate
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.loading import load_inventory, load_policy
from pledge.policy_model.vocabulary import default_vocabularies
from tests.conftest import POLICY

VOCAB = default_vocabularies()
CATEGORIES = sorted(t for t in VOCAB.data_categories.terms if t.startswith("user."))
PURPOSES = sorted(VOCAB.purposes.terms)
ROLES = ["storefront", "backend", "payment_processor", "shipping", "analytics", "advertising"]
POLICY_LOADED = load_policy(POLICY)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@st.composite
def inventories(draw: st.DrawFn) -> dict:
    """A structurally valid inventory with random sizes, categories, purposes and flows."""
    n_systems = draw(st.integers(1, 8))
    systems = [{"id": f"sys{i}", "name": f"System {i}",
                "type": draw(st.sampled_from(["internal", "third_party"])),
                "role": draw(st.sampled_from(ROLES)), "country": "MA",
                "agreements": draw(st.lists(st.sampled_from(["dpa", "scc"]), unique=True))}
               for i in range(n_systems)]
    stores = []
    for i in range(draw(st.integers(0, 5))):
        fields = [{"name": f"f{j}", "category": draw(st.sampled_from(CATEGORIES)),
                   "retention": draw(st.sampled_from(["P30D", "P1Y", "P6Y", "indefinite"])),
                   "disposal": draw(st.sampled_from(["delete", "anonymise"]))}
                  for j in range(draw(st.integers(0, 4)))]
        stores.append({"id": f"store{i}", "name": f"Store {i}",
                       "system": f"sys{draw(st.integers(0, n_systems - 1))}",
                       "access_roles": draw(st.lists(st.sampled_from(["ops", "public"]),
                                                     unique=True)),
                       "fields": fields})
    nodes = ["people"] + [s["id"] for s in systems] + [s["id"] for s in stores]
    flows = [{"id": f"flow{k}", "source": draw(st.sampled_from(nodes)),
              "target": draw(st.sampled_from(nodes[1:])),
              "categories": draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3,
                                          unique=True)),
              "purposes": draw(st.lists(st.sampled_from(PURPOSES), min_size=1, max_size=2,
                                        unique=True)),
              "transport": {"protocol": "https",
                            "tls": draw(st.sampled_from(["1.0", "1.2", "1.3"]))}}
             for k in range(draw(st.integers(0, 12)))]
    return {"inventory": {"name": "generated"},
            "data_subjects": [{"id": "people", "name": "People", "category": "customer"}],
            "systems": systems, "stores": stores, "flows": flows}


def _write(root: Path, data: dict, order_seed: int | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for path in root.iterdir():
        path.unlink()
    if order_seed is not None:
        data = {k: (random.Random(order_seed).sample(v, len(v)) if isinstance(v, list) else v)
                for k, v in data.items()}
    for section, value in data.items():
        (root / f"{section}.yaml").write_text(yaml.safe_dump({section: value}, sort_keys=False),
                                              encoding="utf-8")
    return root


@SETTINGS
@given(inventories())
def test_loader_round_trips_and_locates_every_entity(tmp_path: Path, data: dict) -> None:
    loaded = load_inventory(_write(tmp_path / "inv", data))
    inv = loaded.inventory
    for section in ("systems", "stores", "flows"):
        got = [m.model_dump(exclude_defaults=True) for m in getattr(inv, section)]
        assert got == [{k: v for k, v in item.items() if v not in ([], None)}
                       for item in data[section]]
    kinds = {"systems": "system", "stores": "store", "flows": "flow"}
    for section, kind in kinds.items():
        for item in data[section]:
            where = loaded.sources.locate(kind, item["id"])
            assert where is not None
            line = Path(where.file).read_text(encoding="utf-8").splitlines()[where.line - 1]
            assert f"id: {item['id']}" in line


@SETTINGS
@given(inventories(), st.integers(0, 2**16))
def test_findings_do_not_depend_on_declaration_order(tmp_path: Path, data: dict,
                                                     seed: int) -> None:
    as_of = date(2026, 11, 29)
    first = evaluate(POLICY_LOADED.policy, load_inventory(_write(tmp_path / "a", data)),
                     as_of=as_of)
    second = evaluate(POLICY_LOADED.policy, load_inventory(_write(tmp_path / "b", data, seed)),
                      as_of=as_of)
    key = lambda r: [(f.commitment, f.status, f.subject.id, f.fingerprint)  # noqa: E731
                     for f in r.findings]
    assert key(first) == key(second)


@SETTINGS
@given(inventories(), st.sampled_from(CATEGORIES))
def test_reach_equals_networkx_reachability_over_carrying_flows(tmp_path: Path, data: dict,
                                                                category: str) -> None:
    loaded = load_inventory(_write(tmp_path / "inv", data))
    graph = FlowGraph(loaded.inventory, VOCAB)
    selectors = frozenset({category})

    def follow(flow):  # type: ignore[no-untyped-def]
        return graph.carries(flow, selectors)

    parents = graph.reach(["people"], follow)
    carrying = nx.MultiDiGraph()
    carrying.add_nodes_from(graph.graph.nodes)
    carrying.add_edges_from((f.source, f.target) for f in loaded.inventory.flows if follow(f))
    assert set(parents) == {"people"} | nx.descendants(carrying, "people")
    for node in parents:
        hops = graph.path(parents, node)
        if node == "people":
            assert hops == []
            continue
        assert hops[0].source == "people" and hops[-1].target == node
        for hop in hops:
            assert follow(graph.flows[hop.flow])
            assert (graph.flows[hop.flow].source, graph.flows[hop.flow].target) == (
                hop.source, hop.target)
        assert len(hops) == nx.shortest_path_length(carrying, "people", node)
