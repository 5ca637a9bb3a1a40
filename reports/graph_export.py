"""The flow graph in formats other tools read: DOT, GraphML, node-link JSON, Mermaid, CSV.

:func:`export_graph` decides the content once (which nodes and flows, with which
attributes, in sorted order); each writer only spells it in its syntax and
escapes every input-derived string for it: DOT quoted strings, XML through
networkx's GraphML writer, JSON through :mod:`json`, Mermaid ids sanitised and
labels quoted with entity codes, CSV through :mod:`csv`. Every string is
redacted first, so a secret in a name or description never reaches an export.
Connection strings are not exported at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import networkx as nx
from networkx.readwrite.graphml import GraphMLWriter

from pledge.checks.graph.flow_graph import EdgeFilter, FlowGraph
from pledge.checks.graph.queries import all_links, hop_info
from pledge.reports.safe import plain, spreadsheet_cell

GRAPH_FORMAT = "pledge-graph/1"


def export_graph(fg: FlowGraph, follow: EdgeFilter | None = None) -> nx.MultiDiGraph:
    """The graph to export: every node and flow (and held link from a third party to
    its store), or only flows ``follow`` accepts and the nodes they touch. Attributes are
    plain values (str, bool, sorted lists); nodes and flows are inserted in id order, so
    every writer is deterministic."""
    flows = sorted((f for f in all_links(fg) if follow is None or follow(f)),
                   key=lambda f: f.id)  # held links too: a third party's stores are reached
    if follow is None:
        nodes = sorted(str(n) for n in fg.graph.nodes)
    else:
        nodes = sorted({n for f in flows for n in (f.source, f.target)})
    out = nx.MultiDiGraph(name=fg.inventory.inventory.name, format=GRAPH_FORMAT)
    for node in nodes:
        attrs = fg.node(node)
        record: dict[str, Any] = {
            "type": attrs["type"], "name": attrs.get("name") or node, "role": attrs.get("role"),
            "third_party": bool(attrs.get("third_party")),
            "system": attrs.get("system") if attrs["type"] == "store" else None,
            "purposes": sorted(attrs.get("purposes", ()))}
        out.add_node(node, **{k: v for k, v in record.items() if v is not None})
    gates = {g.id: g for g in fg.inventory.consent_gates}
    for flow in flows:
        hop = hop_info(fg, flow.id, gates)
        record = {"flow": hop.flow, "categories": list(hop.categories),
                  "purposes": list(hop.purposes), "protocol": hop.protocol, "tls": hop.tls,
                  "mutual_tls": hop.mutual_tls, "consent_gate": hop.consent_gate,
                  "gate_type": hop.gate_type, "legal_basis": hop.legal_basis}
        out.add_edge(flow.source, flow.target, key=flow.id,
                     **{k: v for k, v in record.items() if v is not None})
    return out


def _flat(value: Any, clean: Callable[[str], str]) -> Any:
    """A scalar for formats without lists: lists joined with '; ', strings cleaned."""
    if isinstance(value, list):
        return "; ".join(clean(str(v)) for v in value)
    if isinstance(value, str):
        return clean(value)
    return value


# --- DOT ------------------------------------------------------------------------------------
def dot_quote(text: object) -> str:
    """A DOT quoted string: redacted, control characters escaped, backslash and quote escaped."""
    return '"' + plain(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_SHAPES = {"subject": "ellipse", "system": "box", "store": "cylinder"}


def _dot_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(_flat(value, str))


def _dot_attrs(attrs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={dot_quote(_dot_value(v))}" for k, v in attrs.items())


def to_dot(graph: nx.MultiDiGraph) -> str:
    """Graphviz DOT: every id and attribute quoted; gated flows dashed, labelled with the gate."""
    lines = [f"digraph {dot_quote(graph.graph['name'])} {{", "  graph [rankdir=LR];"]
    for node, data in graph.nodes(data=True):
        # The name is the label: an attribute called "name" clashes with DOT readers' own.
        style = {"label": data["name"], "shape": _DOT_SHAPES[data["type"]]}
        if data["third_party"]:
            style["style"] = "dashed"
        attrs = {k: v for k, v in data.items() if k != "name"}
        lines.append(f"  {dot_quote(node)} [{_dot_attrs({**style, **attrs})}];")
    for source, target, data in graph.edges(data=True):
        style = {"label": data["flow"] + (f" [{data['consent_gate']}]"
                                          if "consent_gate" in data else "")}
        if "consent_gate" in data:
            style["style"] = "dashed"
        lines.append(f"  {dot_quote(source)} -> {dot_quote(target)} "
                     f"[{_dot_attrs({**style, **data})}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- GraphML --------------------------------------------------------------------------------
class _GraphMLWriter(GraphMLWriter):  # type: ignore[misc]  # networkx ships no type hints
    """networkx's GraphML writer, spelling booleans as the schema does (true/false)."""

    def add_data(self, name: str, element_type: type, value: Any, scope: str = "all",
                 default: Any = None) -> Any:
        element = super().add_data(name, element_type, value, scope, default)
        if element_type is bool:  # networkx passes str(value): "True" / "False"
            element.text = str(value).lower()
        return element


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML (yEd, Gephi) through networkx's writer; lists become '; '-joined strings."""
    flat = nx.MultiDiGraph(**{k: plain(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{k: _flat(v, plain) for k, v in data.items()})
    for source, target, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(source, target, key=key, **{k: _flat(v, plain) for k, v in data.items()})
    return '<?xml version="1.0" encoding="utf-8"?>\n' + str(_GraphMLWriter(flat)).rstrip() + "\n"


# --- node-link JSON -------------------------------------------------------------------------
def _redacted(value: Any) -> Any:
    if isinstance(value, str):  # control characters, bidi overrides, lone surrogates escaped
        return plain(value, keep_newlines=True)
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    return value


def to_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON (D3's ``nodes`` and ``links``; networkx's ``node_link_graph`` reads it)."""
    data = nx.node_link_data(graph, edges="links")
    return json.dumps(_redacted(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- Mermaid --------------------------------------------------------------------------------
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/()+=*'!?@$%~^-]")
_MERMAID_SHAPES = {"subject": ('(["', '"])'), "system": ('["', '"]'), "store": ('[("', '")]')}
_MERMAID_THIRD_PARTY = ('{{"', '"}}')


def mermaid_label(text: object) -> str:
    """Label text for inside Mermaid quotes: anything but plain characters as ``#N;``."""
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) or (ch.isalnum() and ord(ch) > 127)
                   else f"#{ord(ch)};" for ch in plain(text))


def mermaid_ids(nodes: list[str]) -> dict[str, str]:
    """Safe, unique Mermaid node ids (``n_`` + the id with other characters as ``_``)."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for node in sorted(nodes):
        base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", node)
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        ids[node] = candidate
    return ids


def to_mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart: subjects stadiums, systems boxes, third parties hexagons, stores
    cylinders; gated flows dotted and labelled with the gate."""
    ids = mermaid_ids([str(n) for n in graph.nodes])
    lines = ["flowchart LR"]
    for node, data in graph.nodes(data=True):
        shape = (_MERMAID_THIRD_PARTY if data["type"] == "system" and data["third_party"]
                 else _MERMAID_SHAPES[data["type"]])
        label = mermaid_label(data["name"] if data["name"] == node
                              else f"{data['name']} ({node})")
        lines.append(f"  {ids[node]}{shape[0]}{label}{shape[1]}")
    for source, target, data in graph.edges(data=True):
        gate = data.get("consent_gate")
        arrow = "-.->" if gate else "-->"
        label = mermaid_label(data["flow"] + (f" [{gate}]" if gate else ""))
        lines.append(f'  {ids[source]} {arrow}|"{label}"| {ids[target]}')
    return "\n".join(lines) + "\n"


# --- CSV ------------------------------------------------------------------------------------
CSV_COLUMNS = ("flow", "source", "source_name", "source_type", "target", "target_name",
               "target_type", "target_third_party", "categories", "purposes", "protocol", "tls",
               "mutual_tls", "consent_gate", "gate_type", "legal_basis")


def csv_cell(value: Any) -> str:
    """A spreadsheet-safe cell: redacted, no control characters, no formula injection."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else spreadsheet_cell(_flat(value, str))


def to_csv(graph: nx.MultiDiGraph) -> str:
    """One row per flow, by flow id, with both ends' names and types; lists '; '-joined."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    nodes = graph.nodes
    for source, target, data in sorted(graph.edges(data=True), key=lambda e: e[2]["flow"]):
        row = {**data, "source": source, "source_name": nodes[source]["name"],
               "source_type": nodes[source]["type"], "target": target,
               "target_name": nodes[target]["name"], "target_type": nodes[target]["type"],
               "target_third_party": nodes[target]["third_party"],
               "mutual_tls": data.get("mutual_tls", False)}
        writer.writerow([csv_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


EXPORTERS: dict[str, Callable[[nx.MultiDiGraph], str]] = {
    "dot": to_dot, "graphml": to_graphml, "json": to_json, "mermaid": to_mermaid, "csv": to_csv,
}


def export(fg: FlowGraph, fmt: str, follow: EdgeFilter | None = None) -> str:
    """The graph (or its ``follow``-selected part) in format ``fmt``."""
    return EXPORTERS[fmt](export_graph(fg, follow))
