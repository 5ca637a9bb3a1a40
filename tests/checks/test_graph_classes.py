"""The graph's shared structures give what the per-item computations they replace give.

On MAROSOAP, every broken example, and an inventory the loader would refuse
(ids declared twice, a flow id used twice, nodes only flows name), each
expectation is computed here the plain way: networkx's own ``add_node`` and
``add_edge``, a breadth-first search over networkx's adjacency, each flow,
store and field's own facts.
"""

from __future__ import annotations

from collections import deque
from datetime import date
from typing import Any

import networkx as nx
import pytest

from pledge.checks.engine import evaluate
from pledge.checks.graph.classes import members, total
from pledge.checks.graph.flow_graph import FlowGraph, Parents
from pledge.checks.graph.tables import NodeFacts, StoreTable
from pledge.policy_model.inventory import Flow, Inventory
from pledge.policy_model.loading import load_inventory, load_policy
from pledge.policy_model.vocabulary import default_vocabularies
from tests.conftest import AS_OF, EXAMPLES, INVENTORY, POLICY

VOCAB = default_vocabularies()
DIRECTORIES = [INVENTORY, *sorted(p for p in EXAMPLES.iterdir() if p.is_dir())]
SELECTORS = [frozenset({"user"}), frozenset({"user.contact.email"}),
             frozenset({"user.financial.credit_card.number", "user.payment"}),
             frozenset({"user.behavior", "user.device"})]

REFUSED: dict[str, Any] = {  # what the loader refuses, but a library caller may build
    "inventory": {"name": "refused"},
    "data_subjects": [{"id": "people", "name": "People", "category": "customer"},
                      {"id": "shop", "name": "Also a system", "category": "customer"}],
    "systems": [
        {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA",
         "purposes": ["essential.service"]},
        {"id": "psp", "name": "PSP", "type": "third_party", "role": "payment_processor",
         "country": "US"},
        {"id": "psp", "name": "PSP again", "type": "internal", "role": "backend",
         "country": "MA"},
        {"id": "ads", "name": "Ads", "type": "third_party", "role": "advertising",
         "country": "US", "purposes": ["marketing.advertising"]},
    ],
    "stores": [
        {"id": "orders", "name": "Orders", "system": "shop", "purposes": ["essential.service"],
         "retention": "P2Y", "fields": [
             {"name": "email", "category": "user.contact.email"},
             {"name": "card", "category": "user.financial.credit_card.number",
              "purposes": ["essential.service.payment_processing"], "disposal": "delete"}]},
        {"id": "psp", "name": "A store named like a system", "system": "ads", "fields": [
            {"name": "ip", "category": "user.device.ip_address", "pseudonymised": True}]},
        {"id": "lost", "name": "Owner undeclared", "system": "nowhere", "exposure": "internet",
         "fields": [{"name": "name", "category": "user.name", "retention": "indefinite"}]},
    ],
    "flows": [
        {"id": "f1", "source": "people", "target": "shop", "categories": ["user.contact"],
         "purposes": ["essential.service"], "transport": {"protocol": "https", "tls": "1.3"}},
        {"id": "f2", "source": "shop", "target": "psp",
         "categories": ["user.financial.credit_card.number"],
         "purposes": ["essential.service.payment_processing"],
         "transport": {"protocol": "https", "tls": "1.2"}},
        {"id": "f2", "source": "shop", "target": "ads", "categories": ["user.behavior"],
         "purposes": ["marketing.advertising"], "transport": {"protocol": "http"}},
        {"id": "f3", "source": "ghost", "target": "orders", "categories": ["user.name"],
         "purposes": ["essential.service"], "transport": {"protocol": "sftp"}},
        {"id": "f4", "source": "shop", "target": "shop", "categories": ["user"],
         "purposes": ["analytics"], "transport": {"protocol": "internal"}},
        {"id": "f4", "source": "shop", "target": "shop", "categories": ["user.contact"],
         "purposes": ["analytics"], "transport": {"protocol": "internal"}},
        {"id": "f5", "source": "orders", "target": "phantom", "categories": ["user.contact"],
         "purposes": ["marketing"], "transport": {"protocol": "https", "tls": "1.2"}},
    ],
    "processing_activities": [
        {"id": "a1", "name": "Ads", "purposes": ["marketing.advertising.profiling"],
         "legal_basis": "consent", "data_subjects": ["people"], "categories": ["user"],
         "systems": ["ads", "shop"]}],
}


def inventories() -> list[tuple[str, Inventory]]:
    return [(p.name, load_inventory(p).inventory) for p in DIRECTORIES] + [
        ("refused", Inventory.model_validate(REFUSED))]


CASES = inventories()
IDS = [name for name, _ in CASES]


def networkx_graph(inventory: Inventory) -> nx.MultiDiGraph:
    """The graph as networkx's own calls build it (how FlowGraph built it before)."""
    g = nx.MultiDiGraph()
    extra: dict[str, set[str]] = {}
    for activity in inventory.processing_activities:
        for system_id in activity.systems:
            extra.setdefault(system_id, set()).update(activity.purposes)
    for subject in inventory.data_subjects:
        g.add_node(subject.id, type="subject", name=subject.name, category=subject.category,
                   third_party=False, purposes=frozenset())
    systems = {s.id: s for s in inventory.systems}
    for system in inventory.systems:
        g.add_node(system.id, type="system", name=system.name, role=system.role,
                   third_party=system.type == "third_party",
                   purposes=frozenset(system.purposes) | extra.get(system.id, set()),
                   system=system.id)
    for store in inventory.stores:
        owner = systems.get(store.system)
        g.add_node(store.id, type="store", name=store.name, system=store.system,
                   role=owner.role if owner else None,
                   third_party=bool(owner and owner.type == "third_party"),
                   purposes=frozenset(store.purposes or (owner.purposes if owner else ()))
                   .union(*(f.purposes for f in store.fields)))  # a system's, when none
    for flow in inventory.flows:
        g.add_edge(flow.source, flow.target, key=flow.id, categories=frozenset(flow.categories),
                   purposes=frozenset(flow.purposes), gate=flow.consent_gate)
    return g


def plain_reach(g: nx.MultiDiGraph, flows: dict[str, Flow], sources: list[str],
                follow: Any, *, reverse: bool = False) -> Parents:
    """Breadth-first over networkx's adjacency, each node's flows by neighbour then id."""
    parents: Parents = {}
    queue: deque[str] = deque()
    for s in sorted(set(sources)):
        if s in g:
            parents[s] = None
            queue.append(s)
    adjacency = g.pred if reverse else g.adj
    while queue:
        node = queue.popleft()
        for _other, key in sorted((o, k) for o, keyed in adjacency[node].items() for k in keyed):
            flow = flows[key]
            nxt = flow.source if reverse else flow.target
            if follow(flow) and nxt not in parents:
                parents[nxt] = (node, flow.id)
                queue.append(nxt)
    return parents


@pytest.mark.parametrize(("name", "inventory"), CASES, ids=IDS)
def test_the_networkx_graph_is_what_add_node_and_add_edge_build(name: str,
                                                                 inventory: Inventory) -> None:
    fg = FlowGraph(inventory, VOCAB)
    expected = networkx_graph(inventory)
    got = fg.graph
    assert isinstance(got, nx.MultiDiGraph)
    assert list(got.nodes(data=True)) == list(expected.nodes(data=True))
    assert list(got.edges(keys=True, data=True)) == list(expected.edges(keys=True, data=True))
    for node in expected:
        assert list(got.succ[node].items()) == list(expected.succ[node].items())
        assert list(got.pred[node].items()) == list(expected.pred[node].items())
        for other, keyed in got._succ[node].items():
            assert got._pred[other][node] is keyed  # one key dictionary, as networkx shares it
        assert fg.node(node) is got.nodes[node]
        assert [f.id for f in fg.out_flows(node)] == [
            k for _o, keyed in sorted(expected.adj[node].items()) for k in sorted(keyed)]
        assert [f.id for f in fg.in_flows(node)] == [
            k for _o, keyed in sorted(expected.pred[node].items()) for k in sorted(keyed)]
    assert fg.roots() == [n for n in expected if expected.in_degree(n) == 0]


@pytest.mark.parametrize(("name", "inventory"), CASES, ids=IDS)
def test_reach_by_class_is_the_plain_breadth_first_search(name: str,
                                                          inventory: Inventory) -> None:
    fg = FlowGraph(inventory, VOCAB)
    expected = networkx_graph(inventory)
    flows = {f.id: f for f in inventory.flows}
    everything = sorted(expected)
    for selectors in SELECTORS:
        for broader in (False, True):
            def follow(flow: Flow, s: frozenset[str] = selectors, b: bool = broader) -> bool:
                return fg.carries(flow, s, broader=b)

            carrying = fg.carrying(selectors, broader=broader)
            for sources in (["people", "ghost", "missing"], everything[:3], everything):
                for reverse in (False, True):
                    plain = plain_reach(expected, flows, sources, follow, reverse=reverse)
                    assert fg.reach(sources, follow, reverse=reverse) == plain
                    reached = fg.reach_classes(sources, carrying, reverse=reverse)
                    assert list(reached.items()) == list(plain.items())
                    assert len(reached) == len(plain)
                    for node in [*everything, "missing"]:
                        assert (node in reached) == (node in plain)
                        assert reached.get(node) == plain.get(node)
                        assert fg.path(reached, node) == fg.path(plain, node)


@pytest.mark.parametrize(("name", "inventory"), CASES, ids=IDS)
def test_flow_classes_hold_each_flows_facts(name: str, inventory: Inventory) -> None:
    fg = FlowGraph(inventory, VOCAB)
    expected = networkx_graph(inventory)
    subjects = set(fg.subjects()) if name != "refused" else {"people"}
    transport = fg.transport_groups() if name != "refused" else None
    assert fg.flow_at == list(inventory.flows)
    assert sum(fg.flow_sizes) == len(inventory.flows)
    for position, flow in enumerate(inventory.flows):
        flow_class = fg.flow_classes[fg.flow_class[position]]
        target = expected.nodes[flow.target]
        facts = (NodeFacts(target["third_party"], target.get("role"), target["purposes"])
                 if target else None)
        assert flow_class == (frozenset(flow.categories), frozenset(flow.purposes),
                              flow.consent_gate, facts, flow.transport.protocol,
                              flow.transport.tls, flow.transport.encrypted)
        if transport is not None:
            assert transport.classes[transport.flow_class[position]] == (
                flow.transport.protocol, flow.transport.tls, flow.source in subjects,
                frozenset(flow.categories), flow.transport.encrypted)
    for selectors in SELECTORS:
        carrying = fg.carrying(selectors)
        chosen = [f for f in inventory.flows if fg.carries(f, selectors)]
        assert fg.flows_of(carrying) == chosen
        assert members(fg.flow_class, carrying) == [
            i for i, f in enumerate(inventory.flows) if f in chosen]
        assert total(fg.flow_sizes, carrying) == len(chosen)
        owner = {s.id: s.system for s in inventory.stores}
        assert fg.owners(carrying) == {owner.get(end, end) for f in chosen
                                       for end in (f.source, f.target)}


@pytest.mark.parametrize(("name", "inventory"), CASES, ids=IDS)
def test_store_and_field_classes_hold_each_ones_facts(name: str, inventory: Inventory) -> None:
    systems = {s.id: s for s in inventory.systems}
    for table in (FlowGraph(inventory, VOCAB).store_table(inventory), StoreTable.of(inventory)):
        assert table.stores == list(inventory.stores)
        assert table.fields == [f for s in inventory.stores for f in s.fields]
        assert sum(table.store_sizes) == len(table.stores)
        assert sum(table.field_sizes) == len(table.fields)
        kinds = {}
        for position, store in enumerate(inventory.stores):
            owner = systems.get(store.system)
            own = store.purposes or (owner.purposes if owner else [])  # a system's, when none
            kind = (frozenset(own).union(*(f.purposes for f in store.fields)),
                    owner.type if owner else None, owner.role if owner else None,
                    tuple(store.access_roles), store.exposure, store.encryption_at_rest)
            store_class = table.store_classes[table.store_class[position]]
            assert store_class == (kind, frozenset(f.category for f in store.fields))
            kinds[position] = kind
        for position, field in enumerate(table.fields):
            store = table.stores[table.field_store[position]]
            assert any(f is field for f in store.fields)
            assert table.field_classes[table.field_class[position]] == (
                field.category, tuple(field.purposes or store.purposes or (
                    systems[store.system].purposes if store.system in systems else ())),
                field.retention or store.retention, field.disposal or store.disposal,
                field.pseudonymised, kinds[table.field_store[position]], field.tokenised)


def test_the_checks_never_build_the_networkx_graph() -> None:
    loaded = load_inventory(INVENTORY)
    fg = FlowGraph(loaded.inventory, VOCAB)
    result = evaluate(load_policy(POLICY).policy, loaded, as_of=date.fromisoformat(AS_OF),
                      graph=fg)
    assert result.outcomes
    assert fg._graph is None  # made for graph queries and exports only


def test_an_example_is_judged_the_same_with_the_graph_built_or_not() -> None:
    example = EXAMPLES / "CON-001-pixel-without-consent"
    policy = load_policy(POLICY).policy
    as_of = date.fromisoformat(AS_OF)
    lazy = evaluate(policy, load_inventory(example), as_of=as_of)
    loaded = load_inventory(example)
    built = FlowGraph(loaded.inventory, VOCAB)
    assert built.graph.number_of_edges() > 0
    eager = evaluate(policy, loaded, as_of=as_of, graph=built)
    assert [f.model_dump() for f in eager.findings] == [f.model_dump() for f in lazy.findings]
