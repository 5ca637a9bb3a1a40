"""The graph queries (pledge.checks.graph.queries): on MAROSOAP, and on random small graphs.

Every expectation is computed independently of FlowGraph: from the YAML flows
with plain Python, or with networkx on a graph built here.
"""

from __future__ import annotations

from collections import deque
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.checks.graph import queries
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.inventory import (
    ConsentGate,
    DataField,
    DataSubject,
    Flow,
    Inventory,
    InventoryMeta,
    Store,
    System,
    Transport,
)
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies
from tests.conftest import INVENTORY

VOCAB = default_vocabularies()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATEGORIES = ["user.contact", "user.contact.email", "user.contact.phone_number", "user.name",
              "user.device.ip_address"]
PURPOSES = ["essential.service", "marketing.advertising.first_party", "analytics.reporting"]


def selected(category: str, selector: str) -> bool:
    """The vocabulary's selection rule, restated: the id itself or one under it."""
    return category == selector or category.startswith(selector + ".")


@pytest.fixture(scope="module")
def maro() -> FlowGraph:
    return FlowGraph(load_inventory(INVENTORY).inventory, VOCAB)


def _yaml(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((Path(INVENTORY) / f"{name}.yaml").read_text(encoding="utf-8"))[name]


def yaml_flows() -> list[dict[str, Any]]:
    """The declared flows, then a held link from each third party to each store of its that
    no flow enters (where the data the third party receives rests)."""
    flows = _yaml("flows")
    third = {s["id"] for s in _yaml("systems") if s["type"] == "third_party"}
    entered = {f["target"] for f in flows}
    held = [{"id": f"held@{s['id']}", "source": s["system"], "target": s["id"],
             "categories": sorted({f["category"] for f in s["fields"]}), "held": True}
            for s in _yaml("stores") if s["system"] in third and s["id"] not in entered]
    return flows + held


# --- MAROSOAP ---------------------------------------------------------------------------------
def test_recipients_of_email_match_a_fixed_point_over_the_yaml_flows(maro: FlowGraph) -> None:
    flows = [f for f in yaml_flows()
             if any(selected(c, "user.contact.email") for c in f["categories"])]
    # Whatever holds the data after some flows passes it on along the carrying flows.
    holding = {f["source"] for f in flows if not f.get("held")}
    received: set[str] = set()
    changed = True
    while changed:
        changed = False
        for f in flows:
            if f["source"] in holding | received and f["target"] not in received:
                received.add(f["target"])
                changed = True
    result = queries.recipients(maro, frozenset({"user.contact.email"}))
    assert {r.node for r in result.recipients} == received
    assert {"stripe", "zendesk", "brevo", "dhl_express", "web_shop"} <= received
    by_id = {f["id"]: f for f in flows}
    for r in result.recipients:
        path = result.tree.flow_ids(r.node)
        assert len(path) == r.hops and path[-1] == r.flow
        assert by_id[path[-1]]["target"] == r.node and by_id[path[0]]["source"] == r.origin
        for before, after in pairwise(path):
            assert by_id[before]["target"] == by_id[after]["source"]


def test_recipients_report_purposes_senders_and_the_categories_received(maro: FlowGraph) -> None:
    result = queries.recipients(maro, frozenset({"user.contact.email"}))
    brevo = next(r for r in result.recipients if r.node == "brevo")
    assert brevo.purposes == ("marketing.communications.email",)
    assert brevo.senders == ("customer_db",) and brevo.third_party
    assert brevo.categories == ("user.contact.email",)
    hops = result.tree.hops(maro, "brevo")
    assert hops[-1].consent_gate == "marketing_preferences" and hops[-1].gate_type == "opt_out"


def test_broader_counts_flows_declaring_an_ancestor(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "inv"
    shutil.copytree(INVENTORY, root)
    flows = root / "flows.yaml"
    text = flows.read_text(encoding="utf-8")
    precise = ("user.contact.email, user.contact.phone_number,\n"
               "                 user.contact.address, ")
    assert precise in text
    flows.write_text(text.replace(precise, "user.contact, "), encoding="utf-8")
    loose_graph = FlowGraph(load_inventory(root).inventory, VOCAB)
    email = frozenset({"user.contact.email"})
    strict = {r.node for r in queries.recipients(loose_graph, email).recipients}
    loose = {r.node for r in queries.recipients(loose_graph, email, broader=True).recipients}
    assert queries.broader_recipients(loose_graph, email) == sorted(loose - strict) == [
        "customer_db"]
    loose_result = queries.recipients(loose_graph, email, broader=True)
    assert loose_result.tree.flow_ids("brevo") == [
        "customer_account_and_orders", "shop_saves_accounts", "newsletter_sync"]


def test_purpose_filter_narrows_recipients(maro: FlowGraph) -> None:
    result = queries.recipients(maro, frozenset({"user.contact.email"}),
                                frozenset({"marketing"}))
    # brevo's contact lists (its store, kept for the newsletter) hold the email it receives
    assert [r.node for r in result.recipients] == ["brevo", "brevo_contacts"]


def test_paths_to_advertising_networks_pass_the_cookie_gate(maro: FlowGraph) -> None:
    for network in ("meta_ads", "google_ads"):
        result = queries.paths(maro, "visitors", network)
        assert result.paths and not result.truncated
        for path in result.paths:
            assert path[-1].target == network
            assert path[-1].consent_gate == "cookie_consent" and path[-1].gate_type == "opt_in"
        assert queries.paths(maro, "customers", network).paths == ()


def test_paths_are_shortest_first_and_limited(maro: FlowGraph) -> None:
    everything = queries.paths(maro, "customers", "web_shop", limit=1000)
    lengths = [len(p) for p in everything.paths]
    assert lengths == sorted(lengths) and lengths[0] == 1 and not everything.truncated
    two = queries.paths(maro, "customers", "web_shop", limit=2)
    assert len(two.paths) == 2 and two.truncated
    assert [len(p) for p in two.paths] == lengths[:2]


def test_paths_filter_by_category(maro: FlowGraph) -> None:
    follow = queries.flow_filter(maro, frozenset({"user.financial.credit_card"}))
    result = queries.paths(maro, "customers", "order_db", follow)
    assert result.paths
    for path in result.paths:
        for hop in path:
            assert any(selected(c, "user.financial.credit_card") for c in hop.categories)


def test_lineage_both_ways(maro: FlowGraph) -> None:
    down = queries.lineage(maro, "order_db", "downstream", depth=1)
    assert [e.node for e in down.entries] == ["amana", "dhl_express", "invoices",
                                              "recommendation_engine"]
    up = queries.lineage(maro, "tax_authority", "upstream")
    assert [e.node for e in up.entries][:2] == ["invoices", "order_db"]
    assert up.tree.flow_ids("order_db") == ["orders_to_invoices", "tax_declarations"]


def test_holders_of_email_with_retention_and_protection(maro: FlowGraph) -> None:
    found = queries.holders(maro, frozenset({"user.contact.email"}))
    assert [h.store for h in found] == ["brevo_contacts", "customer_db", "order_db",
                                        "seller_db", "zendesk_tickets"]
    customer = found[1]
    assert customer.encryption_at_rest and customer.exposure == "private"
    assert customer.fields[0].retention == "P3Y" and customer.fields[0].disposal == "delete"
    ga = queries.holders(maro, frozenset({"user.device.ip_address"}))
    assert any(f.pseudonymised for h in ga if h.store == "ga4_property" for f in h.fields)


def test_describe_a_node(maro: FlowGraph) -> None:
    info = queries.describe(maro, "stripe")
    assert info["type"] == "system" and info["third_party"]
    assert info["agreements"] == ["dpa", "scc"]
    assert [h["flow"] for h in info["receives"]] == ["card_entry_to_stripe"]
    assert [h["flow"] for h in info["sends"]] == ["stripe_payment_result", "held@stripe_vault"]
    assert {h["store"] for h in info["holds"]} == {"stripe_vault"}
    assert [a["id"] for a in info["processing_activities"]] == ["payments"]


def test_unknown_ids_name_the_nearest(maro: FlowGraph) -> None:
    with pytest.raises(InputErrors) as node:
        queries.check_node(maro, "meta_adds")
    assert node.value.errors[0].code == "PLG-E015"
    assert node.value.errors[0].hint == "did you mean meta_ads?"
    with pytest.raises(InputErrors) as cat:
        queries.check_terms(maro, "data_categories", ["user.contact.emial"])
    assert cat.value.errors[0].code == "PLG-E007"
    assert cat.value.errors[0].hint == "did you mean user.contact.email?"


def test_queries_are_deterministic(maro: FlowGraph) -> None:
    again = FlowGraph(load_inventory(INVENTORY).inventory, VOCAB)
    email = frozenset({"user.contact.email"})
    assert queries.recipients(maro, email).recipients == \
        queries.recipients(again, email).recipients
    assert queries.paths(maro, "customers", "brevo") == queries.paths(again, "customers", "brevo")


# --- random small graphs ----------------------------------------------------------------------
def _transport() -> Transport:
    return Transport.model_construct(protocol="https", tls="1.3", mutual_tls=False)


@st.composite
def graphs(draw: st.DrawFn) -> FlowGraph:
    """A small random inventory: two subjects, systems, a store, flows with any shape."""
    n_systems = draw(st.integers(1, 6))
    systems = [f"sys{i}" for i in range(n_systems)]
    stores = [f"store{i}" for i in range(draw(st.integers(0, 2)))]
    nodes = ["s0", "s1", *systems, *stores]
    flow_specs = draw(st.lists(st.tuples(
        st.sampled_from(nodes), st.sampled_from(nodes),
        st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
        st.lists(st.sampled_from(PURPOSES), min_size=1, max_size=2, unique=True),
        st.booleans()), max_size=16))
    inventory = Inventory.model_construct(
        inventory=InventoryMeta.model_construct(name="random", version=None, description=None),
        organisation=None,
        data_subjects=[DataSubject.model_construct(id=s, name=s, category="customer",
                                                   minimum_age=None, description=None)
                       for s in ("s0", "s1")],
        systems=[System.model_construct(
            id=s, name=s, type=draw(st.sampled_from(["internal", "third_party"])),
            role="backend", country="MA", exposure="internal", purposes=[], agreements=[],
            attestations=[], privacy_policy=None, connection=None, description=None)
            for s in systems],
        stores=[Store.model_construct(
            id=s, name=s, system=systems[0], technology=None, exposure="private",
            encryption_at_rest=False, access_roles=[], purposes=[], retention="P1Y",
            disposal=None, connection=None, description=None,
            fields=[DataField.model_construct(
                name=f"f{j}", category=c, purposes=[], retention=None, disposal=None,
                pseudonymised=False, tokenised=False, encrypted=False, description=None)
                for j, c in enumerate(draw(st.lists(st.sampled_from(CATEGORIES),
                                                    max_size=3)))])
            for s in stores],
        flows=[Flow.model_construct(
            id=f"f{i:02d}", source=src, target=dst, categories=cats, purposes=purps,
            transport=_transport(), consent_gate="gate" if gated else None,
            legal_basis=None, description=None)
            for i, (src, dst, cats, purps, gated) in enumerate(flow_specs)],
        consent_gates=[ConsentGate.model_construct(id="gate", name="Gate", type="opt_in",
                                                   purposes=PURPOSES, mechanism=None,
                                                   description=None)],
        processing_activities=[], attestations=[])
    return FlowGraph(inventory, VOCAB)


def _nx_view(fg: FlowGraph, category: str | None = None) -> nx.MultiDiGraph:
    """The inventory's flows (those carrying ``category``) as a networkx graph, from scratch."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(s.id for s in fg.inventory.data_subjects)
    g.add_nodes_from(s.id for s in fg.inventory.systems)
    g.add_nodes_from(s.id for s in fg.inventory.stores)
    for f in fg.inventory.flows:
        if category is None or any(selected(c, category) for c in f.categories):
            g.add_edge(f.source, f.target, key=f.id)
    # a third party's store no flow enters is held by it: reached from it, by its fields,
    # when the data reaches the third party (or leaves it) at all
    third = {s.id for s in fg.inventory.systems if s.type == "third_party"}
    entered = {f.target for f in fg.inventory.flows}
    touched = {n for edge in g.edges() for n in edge}
    for s in fg.inventory.stores:
        if s.system in third and s.id not in entered and (
                category is None or any(selected(f.category, category) for f in s.fields)) and (
                category is None or s.system in touched):
            g.add_edge(s.system, s.id, key=f"held@{s.id}")
    return g


@SETTINGS
@given(graphs(), st.sampled_from(CATEGORIES))
def test_recipients_are_exactly_what_carrying_flows_reach(fg: FlowGraph, category: str) -> None:
    view = _nx_view(fg, category)
    result = queries.recipients(fg, frozenset({category}))
    found = {r.node: r for r in result.recipients}
    # Reported iff some carrying flow enters it, i.e. reachable in >= 1 carrying hop.
    assert set(found) == {v for _u, v in view.edges()}
    senders = {u for u, _v, key in view.edges(keys=True) if not key.startswith("held@")}
    origins = (senders - set(found)) | (senders & {"s0", "s1"})
    distance = nx.multi_source_dijkstra_path_length(view, origins) if origins else {}
    flows = {f.id: f for f in queries.all_links(fg)}
    for node, r in found.items():
        path = result.tree.flow_ids(node)
        assert path and len(path) == r.hops and path[-1] == r.flow
        assert flows[path[-1]].target == node and flows[path[0]].source == r.origin
        for before, after in pairwise(path):
            assert flows[before].target == flows[after].source
        assert all(any(selected(c, category) for c in flows[f].categories) for f in path)
        if node in distance and node not in origins:  # fed from where data enters: shortest
            assert r.hops == distance[node]
    assert [(r.hops, r.node) for r in result.recipients] == sorted(
        (r.hops, r.node) for r in result.recipients)


@SETTINGS
@given(graphs(), st.integers(1, 4), st.booleans())
def test_lineage_equals_networkx_within_depth(fg: FlowGraph, depth: int, upstream: bool) -> None:
    view = _nx_view(fg)
    if upstream:
        view = view.reverse(copy=True)
    for node in sorted(view.nodes):
        expected = nx.single_source_shortest_path_length(view, node, cutoff=depth)
        expected.pop(node)
        result = queries.lineage(fg, node, "upstream" if upstream else "downstream",
                                 depth=depth)
        assert {e.node: e.distance for e in result.entries} == expected
        unbounded = queries.lineage(fg, node, "upstream" if upstream else "downstream")
        assert {e.node for e in unbounded.entries} == nx.descendants(view, node)
        for e in result.entries:
            assert len(result.tree.flow_ids(e.node)) == e.distance


def _simple_flow_paths(view: nx.MultiDiGraph, source: str, target: str) -> list[list[str]]:
    if source == target:
        return []
    return [[key for _u, _v, key in p] for p in nx.all_simple_edge_paths(view, source, target)]


@SETTINGS
@given(graphs(), st.integers(1, 5), st.data())
def test_paths_are_the_shortest_simple_flow_paths(fg: FlowGraph, limit: int,
                                                  data: st.DataObject) -> None:
    view = _nx_view(fg)
    nodes = sorted(view.nodes)
    source = data.draw(st.sampled_from(nodes))
    target = data.draw(st.sampled_from(nodes))
    every = _simple_flow_paths(view, source, target)
    result = queries.paths(fg, source, target, limit=limit)
    got = [[h.flow for h in p] for p in result.paths]
    assert sorted(len(p) for p in got) == sorted(len(p) for p in every)[:limit]
    assert [len(p) for p in got] == sorted(len(p) for p in got)
    assert len({tuple(p) for p in got}) == len(got)
    assert all(p in every for p in got)
    assert result.truncated == (len(every) > limit)


@SETTINGS
@given(graphs(), st.sampled_from(CATEGORIES))
def test_holders_are_the_stores_with_a_selected_field(fg: FlowGraph, category: str) -> None:
    expected = {s.id for s in fg.inventory.stores
                if any(selected(f.category, category) for f in s.fields)}
    assert {h.store for h in queries.holders(fg, frozenset({category}))} == expected


def test_origin_less_cycles_still_explain_each_recipient() -> None:
    """a -> b -> a with no data source: both receive, each path is one carrying hop."""
    fg = FlowGraph(Inventory.model_construct(
        inventory=InventoryMeta.model_construct(name="cycle", version=None, description=None),
        organisation=None, data_subjects=[],
        systems=[System.model_construct(id=s, name=s, type="internal", role="backend",
                                        country="MA", exposure="internal", purposes=[],
                                        agreements=[], attestations=[], privacy_policy=None,
                                        connection=None, description=None)
                 for s in ("a", "b", "c")],
        stores=[], consent_gates=[], processing_activities=[], attestations=[],
        flows=[Flow.model_construct(id=i, source=s, target=t, categories=["user.name"],
                                    purposes=["essential.service"], transport=_transport(),
                                    consent_gate=None, legal_basis=None, description=None)
               for i, s, t in (("ab", "a", "b"), ("ba", "b", "a"), ("bc", "b", "c"))]), VOCAB)
    result = queries.recipients(fg, frozenset({"user.name"}))
    assert {r.node for r in result.recipients} == {"a", "b", "c"}
    for r in result.recipients:
        path = result.tree.flow_ids(r.node)
        assert len(path) == r.hops >= 1 and fg.flows[path[-1]].target == r.node


def test_bounded_reach_is_breadth_first() -> None:
    """Distances from bounded_reach equal a textbook BFS over the MAROSOAP YAML flows."""
    flows = yaml_flows()
    adjacency: dict[str, list[str]] = {}
    for f in flows:
        adjacency.setdefault(f["source"], []).append(f["target"])
    distance = {"customers": 0}
    queue = deque(["customers"])
    while queue:
        node = queue.popleft()
        for nxt in adjacency.get(node, []):
            if nxt not in distance:
                distance[nxt] = distance[node] + 1
                queue.append(nxt)
    fg = FlowGraph(load_inventory(INVENTORY).inventory, VOCAB)
    _, got = queries.bounded_reach(fg, "customers", queries.accept_all)
    assert got == distance
