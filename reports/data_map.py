"""The data behind the interactive data map: every node, flow, fact and finding, sorted.

:func:`build` turns a :class:`~pledge.checks.graph.flow_graph.FlowGraph` and the
findings of a run into one JSON-ready mapping that the page's script
(``html_assets/map.js``) draws with Cytoscape.js. Layout happens in the browser;
everything here is sorted and every input-derived string passes through
:func:`pledge.reports.safe.plain`, so the same inputs give the same bytes and
no secret reaches the page.

Each node carries a ``group``: the ``group`` its system declares (a team), else
its system's role; a store joins its system's group, people form one group.
Above :data:`GROUP_THRESHOLD` nodes the map starts with one box per group and
opens a group on click (in slices of :data:`SLICE_SIZE` when it is larger).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from pledge.checks.findings import Finding
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.inventory import Store, System
from pledge.reports.safe import plain

MAP_FORMAT = "pledge-map/1"
GROUP_THRESHOLD = 300
"""Above this many nodes the map opens grouped."""
SLICE_SIZE = 120
"""A group of more nodes than this opens in slices of this many (dagre lays out ~100 fast)."""
PEOPLE_GROUP = "people"


@cache
def _text(value: str) -> str:
    """:func:`plain`, remembered: names, ids and categories repeat thousands of times."""
    return plain(value)


def _texts(values: Iterable[str]) -> list[str]:
    return sorted({_text(v) for v in values})


class Lists:
    """Distinct lists, each stored once: flows and stores repeat a few hundred of them.

    :meth:`ref` gives the list's index in :attr:`items` (first come, first numbered;
    the callers go in sorted order, so the numbering is deterministic). The page
    puts each list back in place when it loads.
    """

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._index: dict[tuple[Any, ...], int] = {}

    def ref(self, value: Sequence[str] | Sequence[list[str]]) -> int:
        """The index of ``value``, a list of strings or of rows of strings (appended when new)."""
        key = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.items)
            self.items.append(list(value))
        return found


def group_of(system: System) -> str:
    """The group a system's box joins when the map is grouped."""
    return f"team {system.group}" if system.group else f"role {system.role}"


def failing_elements(findings: Iterable[Finding]) -> tuple[set[str], set[str]]:
    """Node ids and flow ids on failing findings' paths (and failing subjects)."""
    nodes: set[str] = set()
    flows: set[str] = set()
    for f in findings:
        if f.status.failing:
            more_nodes, more_flows = finding_elements(f)
            nodes |= more_nodes
            flows |= more_flows
    return nodes, flows


def finding_elements(f: Finding) -> tuple[set[str], set[str]]:
    """The node ids and flow ids one finding is about: its evidence path and its subject."""
    nodes: set[str] = set()
    flows: set[str] = set()
    path = f.evidence.get("path")
    if isinstance(path, list):
        nodes.update(str(n) for n in path)
    hops = f.evidence.get("flows")
    if isinstance(hops, list):
        flows.update(str(h) for h in hops)
    if f.subject.type == "flow":
        flows.add(f.subject.id)
    elif f.subject.type in ("store", "system", "subject"):
        nodes.add(f.subject.id)
    elif f.subject.type == "field" and "." in f.subject.id:
        nodes.add(f.subject.id.rsplit(".", 1)[0])
    return nodes, flows


def _field_rows(store: Store) -> list[list[str]]:
    """A store's fields as [name, category, retention, disposal] (store defaults applied)."""
    return [[_text(f.name), _text(f.category), _text(f.retention or store.retention or ""),
             _text(f.disposal or store.disposal or "")]
            for f in sorted(store.fields, key=lambda f: (f.name, f.category))]


def _system_facts(system: System, stores: list[str], lists: Lists) -> dict[str, Any]:
    return {"operator": system.type, "role": _text(system.role), "country": system.country,
            "exposure": system.exposure, "agreements": lists.ref(sorted(system.agreements)),
            "attestations": [[_text(a.name), _text(a.level or ""),
                              a.valid_until.isoformat() if a.valid_until else ""]
                             for a in sorted(system.attestations,
                                             key=lambda a: (a.name, str(a.valid_until)))],
            "declared_purposes": lists.ref(_texts(system.purposes)), "stores": sorted(stores),
            **({"group": _text(system.group)} if system.group else {})}


def _store_facts(store: Store, owner: System | None, lists: Lists) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "system": _text(store.system), "technology": _text(store.technology or ""),
        "exposure": store.exposure, "encryption_at_rest": store.encryption_at_rest,
        "access_roles": lists.ref(_texts(store.access_roles)),
        "declared_purposes": lists.ref(_texts(store.purposes)),
        "fields": lists.ref(_field_rows(store)),
        "agreements": lists.ref(sorted(owner.agreements) if owner else [])}
    if owner:
        facts["country"] = owner.country
    return facts


def _nodes(fg: FlowGraph, bad: set[str], lists: Lists,
           only: set[str] | None = None) -> list[dict[str, Any]]:
    inv = fg.inventory
    systems = {s.id: s for s in inv.systems}
    stores = {s.id: s for s in inv.stores}
    subjects = {s.id: s for s in inv.data_subjects}
    held: dict[str, list[str]] = {}
    for store in inv.stores:
        held.setdefault(store.system, []).append(store.id)
    nodes = []
    for node_id in sorted(fg.node_ids() if only is None else only):
        attrs = fg.node(node_id)
        kind = str(attrs["type"])
        entry: dict[str, Any] = {"id": _text(node_id), "name": _text(attrs.get("name") or node_id),
                                 "kind": kind}
        if attrs.get("third_party"):  # false and empty are left out: 20,000 nodes add up
            entry["third_party"] = True
        if node_id in bad:
            entry["failing"] = True
        if kind == "subject" and node_id in subjects:
            subject = subjects[node_id]
            entry["group"] = PEOPLE_GROUP
            entry["facts"] = {"category": _text(subject.category),
                              **({"minimum_age": subject.minimum_age}
                                 if subject.minimum_age is not None else {})}
        elif kind == "system" and node_id in systems:
            entry["group"] = _text(group_of(systems[node_id]))
            entry["facts"] = _system_facts(systems[node_id], held.get(node_id, []), lists)
        elif kind == "store" and node_id in stores:
            owner = systems.get(stores[node_id].system)
            entry["group"] = _text(group_of(owner)) if owner else "stores without a system"
            entry["owner"] = _text(stores[node_id].system)
            entry["facts"] = _store_facts(stores[node_id], owner, lists)
        else:  # named only by a flow: declared nowhere
            entry["group"] = "undeclared"
            entry["facts"] = {}
        nodes.append(entry)
    return nodes


def _flows(fg: FlowGraph, bad: set[str], lists: Lists,
           only: set[str] | None = None) -> list[dict[str, Any]]:
    out = []
    for flow in sorted(fg.flows.values(), key=lambda f: f.id):
        if only is not None and not (flow.source in only and flow.target in only):
            continue
        entry: dict[str, Any] = {
            "id": _text(flow.id), "source": _text(flow.source), "target": _text(flow.target),
            "categories": lists.ref(_texts(flow.categories)),
            "purposes": lists.ref(_texts(flow.purposes)),
            "protocol": _text(flow.transport.protocol)}
        if flow.consent_gate:
            entry["gate"] = _text(flow.consent_gate)
        if flow.transport.tls:
            entry["tls"] = flow.transport.tls
        if flow.id in bad:
            entry["failing"] = True
        out.append(entry)
    return out


def _finding(f: Finding, known_nodes: set[str], known_flows: set[str]) -> dict[str, Any]:
    nodes, flows = finding_elements(f)
    path = f.evidence.get("path")
    return {"commitment": _text(f.commitment), "status": f.status.value,
            "severity": f.severity.value, "subject": [_text(f.subject.type),
                                                      _text(f.subject.id)],
            "message": _text(f.message), "remediation": _text(f.remediation or ""),
            "path": [_text(n) for n in path] if isinstance(path, list) else [],
            "nodes": _texts(nodes & known_nodes), "flows": _texts(flows & known_flows)}


def _terms(fg: FlowGraph, kind: str, used: set[str]) -> dict[str, str]:
    """Each id used (and each of its ancestors) with its vocabulary name."""
    vocab = fg.vocab.get(kind)
    ids = {a for term in used for a in vocab.ancestors(term)}
    return {_text(t): _text(vocab.terms[t].name if t in vocab.terms else t) for t in sorted(ids)}


def failing_subgraph(fg: FlowGraph, findings: Iterable[Finding]) -> set[str]:
    """The nodes on failing findings' paths, failing subjects and the ends of failing flows."""
    nodes, flows = failing_elements(findings)
    for flow_id in flows:
        flow = fg.flows.get(flow_id)
        if flow is not None:
            nodes.update((flow.source, flow.target))
    return nodes & set(fg.node_ids())


def build(fg: FlowGraph, findings: list[Finding], *, title: str,
          only: set[str] | None = None) -> dict[str, Any]:
    """The map's data: nodes, flows, gates, vocabulary names and findings, all sorted.

    A flow's ``categories`` and ``purposes`` and a node's ``agreements``,
    ``declared_purposes``, ``access_roles`` and ``fields`` are indexes into
    ``lists`` (:class:`Lists`); ``failing``, ``third_party``, ``gate`` and ``tls``
    are left out when false or empty. With ``only``, just those nodes and the
    flows between them are embedded, and ``partial`` gives the whole graph's
    counts (a report's map at scale: see :data:`pledge.reports.html.MAP_NODES`).
    """
    bad_nodes, bad_flows = failing_elements(findings)
    inv = fg.inventory
    lists = Lists()
    nodes = _nodes(fg, bad_nodes, lists, only)
    flows = _flows(fg, bad_flows, lists, only)
    categories = {f.category for s in inv.stores for f in s.fields} | {
        c for f in fg.flows.values() for c in f.categories}
    purposes = {p for f in fg.flows.values() for p in f.purposes}
    known_nodes = set(fg.node_ids()) if only is None else set(only)
    known_flows = set(fg.flows) if only is None else {
        f.id for f in fg.flows.values() if f.source in only and f.target in only}
    partial = {} if only is None else {
        "partial": {"nodes": len(fg.node_ids()), "flows": len(fg.flows)}}
    return {
        "format": MAP_FORMAT, "title": _text(title), "threshold": GROUP_THRESHOLD,
        "slice": SLICE_SIZE, **partial,
        "nodes": nodes, "flows": flows, "lists": lists.items,
        "gates": {_text(g.id): {"name": _text(g.name), "type": g.type,
                                "purposes": _texts(g.purposes)}
                  for g in sorted(inv.consent_gates, key=lambda g: g.id)},
        "categories": _terms(fg, "data_categories", categories),
        "purposes": _terms(fg, "purposes", purposes),
        "findings": [_finding(f, known_nodes, known_flows) for f in findings],
    }
