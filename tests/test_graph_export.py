"""Graph exports read back by real readers: GraphML and node-link JSON through networkx,
DOT through pydot, CSV through the csv module, Mermaid through a small syntax parser.

Each runs on MAROSOAP and on an inventory built to break naive writers: quotes,
backslashes, newlines, markup, terminal escapes, formula-like names, a password
in a DSN, and ids that are keywords or collide once sanitised.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import networkx as nx
import pydot
import pytest

from pledge.checks.graph import queries
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.inventory import (
    ConsentGate,
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
from pledge.reports import graph_export
from pledge.reports.safe import plain
from tests.conftest import INVENTORY

VOCAB = default_vocabularies()
SECRET = "hunter2"
HOSTILE_NAMES = {
    "end": 'Quote " and back\\slash',
    "subgraph": "Line\nbreak and \x1b[31mred\x1b[0m",
    "a.b": "<b>markup</b> & | # ; ] ) }} entity #quot;",
    "a_b": "=HYPERLINK(\"http://evil\")",
    "a-b": f"DSN postgresql://admin:{SECRET}@db.internal/x",
    "node": "Direction Générale des Impôts",
}


def _system(ident: str, name: str, third_party: bool = False) -> System:
    return System.model_construct(
        id=ident, name=name, type="third_party" if third_party else "internal", role="backend",
        country="MA", exposure="internal", purposes=["essential.service"], agreements=[],
        attestations=[], privacy_policy=None, connection=f"https://u:{SECRET}@api/x",
        description=None)


def _flow(ident: str, source: str, target: str, gate: str | None = None) -> Flow:
    return Flow.model_construct(
        id=ident, source=source, target=target, categories=["user.contact.email", "user.name"],
        purposes=["essential.service"],
        transport=Transport.model_construct(protocol="https", tls="1.2", mutual_tls=False),
        consent_gate=gate, legal_basis=None, description=None)


def hostile_graph() -> FlowGraph:
    """Ids and names chosen to break writers that do not escape."""
    inventory = Inventory.model_construct(
        inventory=InventoryMeta.model_construct(name='Hostile "graph"\n', version=None,
                                                description=None),
        organisation=None,
        data_subjects=[DataSubject.model_construct(id="people", name='People "who"',
                                                   category="customer", minimum_age=None,
                                                   description=None)],
        systems=[_system(i, n, third_party=i == "node") for i, n in HOSTILE_NAMES.items()],
        stores=[Store.model_construct(
            id="graph", name="Store\\named graph", system="end", technology=None,
            exposure="private", encryption_at_rest=True, access_roles=[], purposes=[],
            retention=None, disposal=None, connection=f"postgresql://app:{SECRET}@db/x",
            fields=[], description=None)],
        flows=[_flow("f1", "people", "end"), _flow("f2", "end", "subgraph", gate="gate"),
               _flow("f3", "subgraph", "a.b"), _flow("f3-parallel", "subgraph", "a.b"),
               _flow("f4", "a.b", "a_b"), _flow("f5", "a_b", "a-b"), _flow("f6", "a-b", "node"),
               _flow("f7", "end", "graph"), _flow("f8", "node", "end")],
        consent_gates=[ConsentGate.model_construct(id="gate", name="Gate", type="opt_in",
                                                   purposes=["essential.service"],
                                                   mechanism=None, description=None)],
        processing_activities=[], attestations=[])
    return FlowGraph(inventory, VOCAB)


GRAPHS = {"marosoap": lambda: FlowGraph(load_inventory(INVENTORY).inventory, VOCAB),
          "hostile": hostile_graph}


@pytest.fixture(scope="module", params=sorted(GRAPHS))
def fg(request: pytest.FixtureRequest) -> FlowGraph:
    return GRAPHS[request.param]()


def _flows(fg: FlowGraph) -> set[tuple[str, str, str]]:
    """The declared flows, and a held link from each third party to each of its stores that
    no flow enters (found here from the inventory, not from the queries)."""
    third = {s.id for s in fg.inventory.systems if s.type == "third_party"}
    entered = {f.target for f in fg.inventory.flows}
    return {(f.source, f.target, f.id) for f in fg.inventory.flows} | {
        (s.system, s.id, f"held@{s.id}") for s in fg.inventory.stores
        if s.system in third and s.id not in entered}


def test_graphml_round_trips_through_networkx(fg: FlowGraph) -> None:
    text = graph_export.export(fg, "graphml")
    back = nx.read_graphml(io.BytesIO(text.encode("utf-8")), force_multigraph=True)
    assert set(back.nodes) == set(fg.graph.nodes)
    assert {(u, v, k) for u, v, k in back.edges(keys=True)} == _flows(fg)
    for node in fg.graph.nodes:
        assert back.nodes[node]["name"] == plain(fg.node(node)["name"])
        assert back.nodes[node]["third_party"] is bool(fg.node(node)["third_party"])
    for u, v, key, data in back.edges(keys=True, data=True):
        flow = queries.flow_of(fg, key)
        assert data["categories"].split("; ") == sorted(flow.categories)
        assert data.get("consent_gate") == flow.consent_gate and (u, v) == (flow.source,
                                                                            flow.target)


def test_node_link_json_round_trips_through_networkx(fg: FlowGraph) -> None:
    data = json.loads(graph_export.export(fg, "json"))
    assert data["graph"]["format"] == graph_export.GRAPH_FORMAT
    back = nx.node_link_graph(data, edges="links", directed=True, multigraph=True)
    assert set(back.nodes) == set(fg.graph.nodes)
    assert {(u, v, k) for u, v, k in back.edges(keys=True)} == _flows(fg)
    for _u, _v, key, attrs in back.edges(keys=True, data=True):
        assert attrs["categories"] == sorted(queries.flow_of(fg, key).categories)
        assert attrs["purposes"] == sorted(queries.flow_of(fg, key).purposes)


def _dot_unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r'\\(["\\])', r"\1", text[1:-1])


def test_dot_parses_back_with_pydot(fg: FlowGraph) -> None:
    text = graph_export.export(fg, "dot")
    parsed = pydot.graph_from_dot_data(text)
    assert parsed and len(parsed) == 1
    dot = parsed[0]
    nodes = {_dot_unquote(n.get_name()): n for n in dot.get_nodes()
             if n.get_name() not in ("node", "edge", "graph")}
    assert set(nodes) == set(fg.graph.nodes)
    for node, element in nodes.items():
        assert _dot_unquote(element.get("label")) == plain(fg.node(node)["name"])
    edges = {(_dot_unquote(e.get_source()), _dot_unquote(e.get_destination()),
              _dot_unquote(e.get("flow"))) for e in dot.get_edges()}
    assert edges == _flows(fg)
    # networkx's own DOT reader (through pydot) sees the same multigraph.
    back = nx.nx_pydot.from_pydot(dot)
    assert back.number_of_edges() == len(_flows(fg))


_MERMAID_ID = r"n_[A-Za-z0-9_]+"
_MERMAID_LABEL = r'"([^"]*)"'
_MERMAID_NODE = re.compile(
    rf"^  ({_MERMAID_ID})(\[|\(\[|\[\(|\{{\{{){_MERMAID_LABEL}(\]|\]\)|\)\]|\}}\}})$")
_MERMAID_EDGE = re.compile(rf"^  ({_MERMAID_ID}) (-->|-\.->)\|{_MERMAID_LABEL}\| ({_MERMAID_ID})$")
_SHAPES = {"[": "]", "([": "])", "[(": ")]", "{{": "}}"}


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    """A strict parser for the flowchart subset the exporter writes; raises on anything else."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str, str]] = []
    for line in lines[1:]:
        if m := _MERMAID_NODE.match(line):
            ident, opening, label, closing = m.groups()
            assert _SHAPES[opening] == closing, line
            assert ident not in nodes, f"node defined twice: {line}"
            nodes[ident] = label
        elif m := _MERMAID_EDGE.match(line):
            source, arrow, label, target = m.groups()
            assert source in nodes and target in nodes, f"edge to an undefined node: {line}"
            edges.append((source, target, arrow, label))
        else:
            raise AssertionError(f"not Mermaid flowchart syntax: {line!r}")
    for label in [*nodes.values(), *(e[3] for e in edges)]:
        assert not re.search(r"[<>|`\\\n]", label), label
        assert re.fullmatch(r"(?:[^#]|#\d+;)*", label), f"bare # in {label!r}"
    return nodes, edges


def _decode(label: str) -> str:
    return html.unescape(re.sub(r"#(\d+);", r"&#\1;", label))


def test_mermaid_is_well_formed_and_keeps_labels(fg: FlowGraph) -> None:
    nodes, edges = parse_mermaid(graph_export.export(fg, "mermaid"))
    ids = graph_export.mermaid_ids(sorted(fg.graph.nodes))
    assert set(nodes) == set(ids.values()) and len(set(ids.values())) == len(ids)
    for node, ident in ids.items():
        name = fg.node(node)["name"]
        expected = name if name == node else f"{name} ({node})"
        assert _decode(nodes[ident]) == plain(expected)
    back = {(s, t, _decode(label).split(" [")[0]) for s, t, _arrow, label in edges}
    assert back == {(ids[s], ids[t], f) for s, t, f in _flows(fg)}
    gated = {_decode(label).split(" [")[0] for _s, _t, arrow, label in edges if arrow == "-.->"}
    assert gated == {f.id for f in fg.inventory.flows if f.consent_gate}


def test_csv_reads_back_one_row_per_flow(fg: FlowGraph) -> None:
    rows = list(csv.DictReader(io.StringIO(graph_export.export(fg, "csv"))))
    assert {(r["source"], r["target"], r["flow"]) for r in rows} == _flows(fg)
    for row in rows:
        flow = queries.flow_of(fg, row["flow"])
        assert row["categories"].split("; ") == sorted(flow.categories)
        assert row["consent_gate"] == (flow.consent_gate or "")
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "-", "@"), cell


@pytest.mark.parametrize("fmt", sorted(graph_export.EXPORTERS))
def test_exports_hold_no_secret_and_no_control_character(fmt: str) -> None:
    text = graph_export.export(hostile_graph(), fmt)
    assert SECRET not in text
    assert "\x1b" not in text
    assert text == graph_export.export(hostile_graph(), fmt)  # deterministic


@pytest.mark.parametrize("fmt", sorted(graph_export.EXPORTERS))
def test_a_filtered_export_keeps_only_matching_flows(fmt: str) -> None:
    fg = FlowGraph(load_inventory(INVENTORY).inventory, VOCAB)
    follow = queries.flow_filter(fg, frozenset({"user.financial.credit_card"}))
    graph = graph_export.export_graph(fg, follow)
    assert {k for _u, _v, k in graph.edges(keys=True)} == {
        "card_entry_to_stripe", "shop_saves_orders", "stripe_payment_result",
        "held@stripe_vault"}  # Stripe's card vault: where the card data it receives rests
    assert set(graph.nodes) == {"customers", "stripe", "web_shop", "order_db", "stripe_vault"}
    text = graph_export.export(fg, fmt, follow)
    assert "card_entry_to_stripe" in text and "newsletter_sync" not in text


def test_mermaid_ids_are_safe_and_unique() -> None:
    ids = graph_export.mermaid_ids(["a-b", "a.b", "a_b", "end", "x:y"])
    assert len(set(ids.values())) == 5
    assert all(re.fullmatch(r"n_[A-Za-z0-9_]+", v) for v in ids.values())


def test_the_command_offers_every_exporter_and_starts_without_networkx() -> None:
    """``pledge graph export -f`` lists the exporters' names without importing them, and
    a command that never exports a graph starts without networkx (a tenth of a second)."""
    import subprocess
    import sys

    from pledge.cli.commands.graph import EXPORT_FORMATS

    assert tuple(sorted(graph_export.EXPORTERS)) == EXPORT_FORMATS
    code = ("import sys; from pledge.cli.main import cli; "
            "assert 'networkx' not in sys.modules, 'networkx imported at start'")
    subprocess.run([sys.executable, "-c", code], check=True)
