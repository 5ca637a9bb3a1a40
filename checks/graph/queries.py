"""Questions people ask the flow graph: recipients, paths, lineage, holders, one node.

Every query is a pure function over a built :class:`~pledge.checks.graph.flow_graph.FlowGraph`;
it returns plain dataclasses (or, for :func:`describe`, a JSON-ready dict) in a
deterministic order, and leaves rendering to the caller. Traversals are
breadth-first with parent pointers, so they run in time linear in the graph's
size. Ids a person typed are checked first: an unknown node, category or
purpose is an :class:`~pledge.policy_model.errors.InputError` that names the nearest
known id.

A third party's store is where the data the third party receives rests, and the
inventory declares no flow inside the third party: each third-party store no flow
enters is linked from its owner by a *held* link (``held@STORE``, transport
``held``, carrying what the store's fields hold), so recipients, paths and lineage
reach it as they reach an internal store through the flow that writes it. The
checks never see these links; they are not flows.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from heapq import heappop, heappush
from itertools import count, groupby, islice
from typing import Any, Literal, NamedTuple
from weakref import WeakKeyDictionary

from pledge.checks.graph.flow_graph import EdgeFilter, FlowGraph, Parents
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.inventory import ConsentGate, Flow, Store, Transport
from pledge.policy_model.redact import redact_connection

Direction = Literal["upstream", "downstream"]
DEFAULT_PATH_LIMIT = 10


# --- checking what a person typed -------------------------------------------------------------
def check_node(fg: FlowGraph, node_id: str) -> str:
    """``node_id`` when the graph has it; otherwise an input error naming the nearest id."""
    if node_id in fg.graph:
        return node_id
    known = sorted(str(n) for n in fg.graph.nodes)
    guess = difflib.get_close_matches(node_id, known, n=1, cutoff=0.5)
    if not guess:
        lowered = {k.lower(): k for k in known}
        close = difflib.get_close_matches(node_id.lower(), lowered, n=1, cutoff=0.5)
        guess = [lowered[close[0]]] if close else []
    hint = f"did you mean {guess[0]}?" if guess else "see `pledge graph export --format csv`"
    raise InputErrors([InputError("PLG-E015", f"no node '{node_id}' in the inventory's graph",
                                  None, None, hint)])


def check_terms(fg: FlowGraph, kind: str, term_ids: Iterable[str]) -> frozenset[str]:
    """The given vocabulary ids as selectors; unknown ones are input errors with a hint."""
    voc = fg.vocab.get(kind)
    ids = frozenset(term_ids)
    errors = [InputError("PLG-E007", f"unknown {voc.label} '{t}'", None, None,
                         voc.unknown_hint(t)) for t in sorted(ids) if t not in voc]
    if errors:
        raise InputErrors(errors)
    return ids


class FlowFilter:
    """A flow filter: carries a selected category and serves a selected purpose.

    Empty selectors mean no condition. With ``broader``, a flow declaring an
    ancestor of a selected category (``user.contact`` for ``user.contact.email``)
    counts as carrying it, since it may. Each id is judged once per filter.
    """

    def __init__(self, fg: FlowGraph, categories: frozenset[str] | None = None,
                 purposes: frozenset[str] | None = None, *, broader: bool = False) -> None:
        self.categories = frozenset(categories or ())
        self.purposes = frozenset(purposes or ())
        self.broader = broader
        self._cat_voc, self._purpose_voc = fg.vocab.data_categories, fg.vocab.purposes
        self._cat_memo: dict[str, bool] = {}
        self._purpose_memo: dict[str, bool] = {}
        # Every known id judged once up front, so most flows are one set operation.
        self._known_cats = frozenset(self._cat_voc.terms)
        self._known_purposes = frozenset(self._purpose_voc.terms)
        self._cats_ok = frozenset(filter(self.category_ok, self._known_cats))
        self._purposes_ok = frozenset(filter(self.purpose_ok, self._known_purposes))

    def category_ok(self, term: str) -> bool:
        """Whether a flow or field declaring ``term`` carries (or may carry) the selection."""
        hit = self._cat_memo.get(term)
        if hit is None:
            voc, cats = self._cat_voc, self.categories
            hit = self._cat_memo[term] = voc.is_selected(term, cats) or (
                self.broader and voc.is_broader(term, cats))
        return hit

    def purpose_ok(self, term: str) -> bool:
        """Whether ``term`` is a selected purpose or under one."""
        hit = self._purpose_memo.get(term)
        if hit is None:
            hit = self._purpose_memo[term] = self._purpose_voc.is_selected(term, self.purposes)
        return hit

    def picked(self, categories: Iterable[str]) -> tuple[str, ...]:
        """The distinct ``categories`` the selection picks (all when there is none), sorted."""
        distinct = set(categories)
        if not self.categories:
            return tuple(sorted(distinct))
        known = self._known_cats
        return tuple(sorted(c for c in distinct
                            if c in self._cats_ok or (c not in known and self.category_ok(c))))

    def __call__(self, flow: Flow) -> bool:
        if self.categories:
            cats = flow.categories
            if self._cats_ok.isdisjoint(cats) and (
                    self._known_cats.issuperset(cats) or not any(map(self.category_ok, cats))):
                return False
        if self.purposes:
            purps = flow.purposes
            if self._purposes_ok.isdisjoint(purps) and (
                    self._known_purposes.issuperset(purps)
                    or not any(map(self.purpose_ok, purps))):
                return False
        return True


def flow_filter(fg: FlowGraph, categories: frozenset[str] | None = None,
                purposes: frozenset[str] | None = None, *, broader: bool = False) -> FlowFilter:
    """The :class:`FlowFilter` for these selectors."""
    return FlowFilter(fg, categories, purposes, broader=broader)


def accept_all(_flow: Flow) -> bool:
    """The filter that follows every flow."""
    return True


# --- held links: a third party's stores, reached from the third party ---------------------------
HELD = "held@"
"""Prefix of a held link's id (``held@stripe_vault``); ``@`` is in no declared id."""
HELD_PROTOCOL = "held"
"""A held link's transport: the data rests where its owner keeps it, nothing travels."""

_HELD: WeakKeyDictionary[FlowGraph, dict[str, Flow]] = WeakKeyDictionary()


def held_links(fg: FlowGraph) -> dict[str, Flow]:
    """The held link of each third-party store no declared flow enters, by link id.

    From the owning system to the store, carrying the categories of the store's
    fields, for the store's purposes (its system's when it declares none).
    """
    found = _HELD.get(fg)
    if found is None:
        found = {}
        nodes = set(fg.node_ids())
        for store in fg.inventory.stores:
            attrs = fg.node(store.id)
            if (attrs.get("type") != "store" or not attrs.get("third_party")
                    or store.system not in nodes or next(fg.in_flows(store.id), None)):
                continue
            link = HELD + store.id
            found[link] = Flow.model_construct(
                id=link, source=store.system, target=store.id,
                categories=sorted({f.category for f in store.fields}),
                purposes=sorted(attrs.get("purposes", ())),
                transport=Transport.model_construct(protocol=HELD_PROTOCOL, tls=None,
                                                    encrypted=None, mutual_tls=False),
                consent_gate=None, legal_basis=None,
                description=f"rests in {store.system}'s store {store.id}")
        _HELD[fg] = found
    return found


def flow_of(fg: FlowGraph, flow_id: str) -> Flow:
    """A declared flow, or a held link, by id."""
    flow = fg.flows.get(flow_id)
    return flow if flow is not None else held_links(fg)[flow_id]


def out_links(fg: FlowGraph, node_id: str) -> list[Flow]:
    """The flows out of a node, then its held links (sorted by id)."""
    held = [f for f in held_links(fg).values() if f.source == node_id]
    return [*fg.out_flows(node_id), *sorted(held, key=lambda f: f.id)]


def in_links(fg: FlowGraph, node_id: str) -> list[Flow]:
    """The flows into a node, or the held link into a third party's store."""
    link = held_links(fg).get(HELD + node_id)
    return [*fg.in_flows(node_id), *([link] if link is not None else [])]


def all_links(fg: FlowGraph) -> list[Flow]:
    """Every declared flow, then every held link."""
    return [*fg.flows.values(), *held_links(fg).values()]


# --- hops -------------------------------------------------------------------------------------
class HopInfo(NamedTuple):
    """One flow on a path, with what it carries and how it is guarded."""

    flow: str
    source: str
    target: str
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    protocol: str
    tls: str | None
    mutual_tls: bool
    consent_gate: str | None
    gate_type: str | None
    legal_basis: str | None


def _gates(fg: FlowGraph) -> dict[str, ConsentGate]:
    return {g.id: g for g in fg.inventory.consent_gates}


def hop_info(fg: FlowGraph, flow_id: str, gates: dict[str, ConsentGate] | None = None) -> HopInfo:
    """The facts of one flow (or held link) as a hop."""
    flow = flow_of(fg, flow_id)
    gates = _gates(fg) if gates is None else gates
    gate = gates.get(flow.consent_gate) if flow.consent_gate else None
    return HopInfo(flow.id, flow.source, flow.target, tuple(sorted(flow.categories)),
                   tuple(sorted(flow.purposes)), flow.transport.protocol, flow.transport.tls,
                   flow.transport.mutual_tls, flow.consent_gate,
                   gate.type if gate else None, flow.legal_basis)


def _hops(fg: FlowGraph, flow_ids: Iterable[str],
          gates: dict[str, ConsentGate]) -> tuple[HopInfo, ...]:
    return tuple(hop_info(fg, f, gates) for f in flow_ids)


# --- search trees ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Tree:
    """A breadth-first search tree: how each reached node was first reached.

    ``parents`` is as :meth:`FlowGraph.reach` returns it (in breadth-first order);
    ``reverse`` says the search ran against the flows (upstream). ``entry`` gives
    a root that itself receives the data the flow that brings it there. Paths
    are read on demand, so a query stays linear however long its paths are.
    """

    parents: Parents
    reverse: bool = False
    entry: dict[str, str] = field(default_factory=dict)

    def flow_ids(self, node: str) -> list[str]:
        """The flows of the tree path to ``node``, in flow direction.

        Downstream: from the root to ``node``; upstream: from ``node`` to the root.
        """
        if self.parents.get(node) is None and node in self.entry:
            return [self.entry[node]]
        flows = [h.flow for h in FlowGraph.path(self.parents, node)]
        if self.reverse:
            flows.reverse()
        return flows

    def hops(self, fg: FlowGraph, node: str) -> tuple[HopInfo, ...]:
        """The tree path to ``node`` as hops (see :meth:`flow_ids`)."""
        return _hops(fg, self.flow_ids(node), _gates(fg))


def _depths(parents: Parents) -> tuple[dict[str, int], dict[str, str]]:
    """Each tree node's hops from its root, and its root, in one pass (breadth-first order)."""
    distance: dict[str, int] = {}
    root: dict[str, str] = {}
    for node, step in parents.items():
        if step is None:
            distance[node], root[node] = 0, node
        else:
            distance[node], root[node] = distance[step[0]] + 1, root[step[0]]
    return distance, root


# --- recipients -------------------------------------------------------------------------------
class Recipient(NamedTuple):
    """A node that receives selected data: what, why, from whom, and how it is first reached.

    ``flow`` is the last flow of a shortest path from ``origin`` (where the data
    enters the graph); the whole path is :meth:`Tree.hops` of the result's tree.
    The first two fields are the sort order: hops, then id.
    """

    hops: int
    node: str
    type: str
    name: str
    third_party: bool
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    senders: tuple[str, ...]
    origin: str
    flow: str


@dataclass(frozen=True)
class Recipients:
    """The answer to :func:`recipients`: the recipients (by hops, then id) and their tree."""

    recipients: list[Recipient]
    tree: Tree


def recipients(fg: FlowGraph, categories: frozenset[str],
               purposes: frozenset[str] | None = None, *,
               broader: bool = False) -> Recipients:
    """Every node that receives a selected category along flows that carry it.

    A node receives the data when a carrying flow enters it. Its path is a
    shortest chain of carrying flows from where the data enters the graph: the
    data subjects, and any node that sends it without receiving it (a data source
    such as a social sign-in). One pass over the flows and one multi-source
    breadth-first search: O(V + E).
    """
    follow = flow_filter(fg, categories, purposes, broader=broader)
    inbound: dict[str, list[Flow]] = {}
    senders: set[str] = set()
    carrying: set[str] = set()
    held: list[Flow] = []
    for flow in all_links(fg):
        if follow(flow):
            carrying.add(flow.id)
            inbound.setdefault(flow.target, []).append(flow)
            if flow.id.startswith(HELD):
                held.append(flow)
            else:
                senders.add(flow.source)

    def known(flow: Flow) -> bool:
        return flow.id in carrying

    subjects = senders.intersection(s.id for s in fg.inventory.data_subjects)
    parents = fg.reach(subjects | (senders - inbound.keys()), known)
    if any(t not in parents for t in inbound if not t.startswith(HELD)):
        seeds = {f.source for t, flows in inbound.items() if t not in parents
                 for f in flows if f.source not in parents and not f.id.startswith(HELD)}
        reached = set(parents)
        for node, step in fg.reach(seeds, lambda f: known(f) and f.target not in reached).items():
            parents.setdefault(node, step)
    for link in held:  # a third party's store: where the data it received rests
        if link.source in parents and link.target not in parents:
            parents[link.target] = (link.source, link.id)
        elif link.source not in parents:  # its owner receives nothing selected
            inbound.pop(link.target, None)
    entry = {n: min(f.id for f in inbound[n])
             for n, step in parents.items() if step is None and n in inbound}
    tree = Tree(parents, entry=entry)
    distance, root = _depths(parents)
    found: list[Recipient] = []
    for node, flows in inbound.items():
        attrs = fg.node(node)
        step = parents[node]
        if step is None:  # a root that also receives: its path is the flow bringing it there
            hops, origin, last = 1, flow_of(fg, entry[node]).source, entry[node]
        else:
            hops, origin, last = distance[node], root[node], step[1]
        found.append(Recipient(
            hops, node, attrs["type"], attrs.get("name") or node,
            bool(attrs.get("third_party")),
            follow.picked(c for f in flows for c in f.categories),
            tuple(sorted({p for f in flows for p in f.purposes})),
            tuple(sorted({f.source for f in flows})), origin, last))
    found.sort()
    return Recipients(found, tree)


def broader_recipients(fg: FlowGraph, categories: frozenset[str],
                       purposes: frozenset[str] | None = None) -> list[str]:
    """Nodes that receive no flow declaring a selected category, but one declaring a
    broader category (``user.contact`` for ``user.contact.email``) that may carry it.

    What ``recipients(..., broader=True)`` would add; sorted, one pass over the flows.
    """
    strict = flow_filter(fg, categories, purposes)
    loose = flow_filter(fg, categories, purposes, broader=True)
    certain = {f.target for f in fg.flows.values() if strict(f)}
    return sorted({f.target for f in fg.flows.values() if f.target not in certain and loose(f)})


# --- paths ------------------------------------------------------------------------------------
DEFAULT_PATH_BUDGET = 200_000
"""Partial paths :func:`paths` may extend before it stops and reports ``truncated``."""


@dataclass(frozen=True)
class PathsResult:
    """Flow paths between two nodes, shortest first."""

    source: str
    target: str
    paths: tuple[tuple[HopInfo, ...], ...]
    truncated: bool


_Partial = tuple[str, str, Any]
"""A partial path as a linked list: (last node, flow id into it, the partial path before)."""


def _unwind(partial: _Partial | None) -> tuple[list[str], list[str]]:
    nodes: list[str] = []
    flows: list[str] = []
    while partial is not None:
        node, flow, partial = partial
        nodes.append(node)
        if flow:
            flows.append(flow)
    return nodes[::-1], flows[::-1]


def paths(fg: FlowGraph, source: str, target: str, follow: EdgeFilter | None = None,
          limit: int = DEFAULT_PATH_LIMIT, *, budget: int = DEFAULT_PATH_BUDGET) -> PathsResult:
    """Simple flow paths from ``source`` to ``target`` along flows ``follow`` accepts.

    Parallel flows are distinct hops. One backward breadth-first search gives
    every node's distance to ``target`` (O(V + E)); a best-first search over
    partial paths, ordered by length so far plus that distance (an exact lower
    bound), then yields simple paths shortest first, touching little more than
    the paths it returns. At most ``limit`` paths, sorted by length, then node
    and flow ids; ``truncated`` tells when more exist, or when ``budget`` partial
    paths were extended before ``limit`` were found.
    """
    follow = follow or accept_all
    if source == target or limit < 1:
        return PathsResult(source, target, (), False)
    _, to_target = bounded_reach(fg, target, follow, reverse=True)
    if source not in to_target:
        return PathsResult(source, target, (), False)
    order = count()
    heap: list[tuple[int, int, int, _Partial]] = [
        (to_target[source], 0, next(order), (source, "", None))]
    found: list[tuple[list[str], list[str]]] = []
    extended = 0
    exhausted = False
    while heap and len(found) <= limit:
        _, depth, _, partial = heappop(heap)
        nodes, flows = _unwind(partial)
        if partial[0] == target:
            found.append((nodes, flows))
            continue
        extended += 1
        if extended > budget:
            exhausted = True
            break
        on_path = set(nodes)
        length = -depth + 1
        for flow in out_links(fg, partial[0]):
            nxt = flow.target
            if nxt in on_path or nxt not in to_target or not follow(flow):
                continue
            heappush(heap, (length + to_target[nxt], -length, next(order),
                            (nxt, flow.id, partial)))
    found.sort(key=lambda p: (len(p[1]), p[0], p[1]))
    gates = _gates(fg)
    return PathsResult(source, target, tuple(_hops(fg, f, gates) for _n, f in found[:limit]),
                       len(found) > limit or exhausted)


# --- lineage ----------------------------------------------------------------------------------
class LineageEntry(NamedTuple):
    """A node upstream or downstream of the queried one, and how it links to it.

    ``flow`` links it to ``neighbour``, its next node toward the queried one on a
    shortest path (the whole path: :meth:`Tree.hops`). The first two fields are
    the sort order: distance, then id.
    """

    distance: int
    node: str
    type: str
    name: str
    direction: Direction
    neighbour: str
    flow: str


@dataclass(frozen=True)
class Lineage:
    """The answer to :func:`lineage`: entries nearest first (then by id), and their tree."""

    node: str
    direction: Direction
    entries: list[LineageEntry]
    tree: Tree


def bounded_reach(fg: FlowGraph, root: str, follow: EdgeFilter, *, reverse: bool = False,
                  depth: int | None = None) -> tuple[Parents, dict[str, int]]:
    """Breadth-first reach from ``root`` at most ``depth`` hops away (None: no bound).

    Returns parent pointers (as :meth:`FlowGraph.reach`, in breadth-first order)
    and each node's distance. Level by level: the same tree as a queue gives.
    """
    parents: Parents = {root: None}
    distance = {root: 0}
    def step(node: str) -> list[Flow]:
        return in_links(fg, node) if reverse else out_links(fg, node)

    check = None if follow is accept_all else follow
    frontier = [root]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        reached: list[str] = []
        for node in frontier:
            for flow in step(node):
                nxt = flow.source if reverse else flow.target
                if nxt in parents or (check is not None and not check(flow)):
                    continue
                parents[nxt] = (node, flow.id)
                distance[nxt] = level
                reached.append(nxt)
        frontier = reached
    return parents, distance


def lineage(fg: FlowGraph, node: str, direction: Direction, *, depth: int | None = None,
            follow: EdgeFilter | None = None) -> Lineage:
    """Where ``node``'s data comes from (upstream) or goes (downstream), nearest first.

    One breadth-first search, at most ``depth`` hops deep: O(V + E), plus sorting
    each level by id.
    """
    reverse = direction == "upstream"
    parents, distance = bounded_reach(fg, node, follow or accept_all, reverse=reverse,
                                      depth=depth)
    nodes = fg.graph.nodes
    entries: list[LineageEntry] = []
    # parents is in breadth-first order, so each distance is one run: sort within it.
    for dist, run in groupby(islice(parents, 1, None), key=distance.__getitem__):
        for other in sorted(run):
            attrs = nodes[other]
            step = parents[other]
            assert step is not None  # only the root, skipped above, has no parent
            entries.append(LineageEntry(dist, other, attrs["type"], attrs.get("name") or other,
                                        direction, step[0], step[1]))
    return Lineage(node, direction, entries, Tree(parents, reverse=reverse))


# --- holders ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeldField:
    """A field of a store that holds a selected category, with its retention and protection."""

    name: str
    category: str
    retention: str | None
    disposal: str | None
    encrypted: bool
    pseudonymised: bool
    tokenised: bool


@dataclass(frozen=True)
class Holder:
    """A store that holds a selected category."""

    store: str
    name: str
    system: str
    third_party: bool
    technology: str | None
    exposure: str | None
    """``None`` when the store does not declare it."""
    encryption_at_rest: bool | None
    """``None`` when the store does not declare it."""
    access_roles: tuple[str, ...]
    fields: tuple[HeldField, ...]


def _held(store: Store, field_filter: Any) -> tuple[HeldField, ...]:
    return tuple(sorted(
        (HeldField(f.name, f.category, f.retention or store.retention,
                   f.disposal or store.disposal, f.encrypted, f.pseudonymised, f.tokenised)
         for f in store.fields if field_filter(f.category)),
        key=lambda h: (h.name, h.category)))


def holders(fg: FlowGraph, categories: frozenset[str], *, broader: bool = False) -> list[Holder]:
    """Stores with a field of a selected category (or, with ``broader``, an ancestor), by id.

    A field's retention and disposal fall back to its store's.
    """
    voc = fg.vocab.data_categories

    def wanted(category: str) -> bool:
        return voc.is_selected(category, categories) or (
            broader and voc.is_broader(category, categories))

    found: list[Holder] = []
    for store in fg.inventory.stores:
        held = _held(store, wanted)
        if held:
            attrs = fg.node(store.id)
            found.append(Holder(store.id, store.name, store.system,
                                bool(attrs.get("third_party")), store.technology,
                                store.exposure, store.encryption_at_rest,
                                tuple(sorted(store.access_roles)), held))
    return sorted(found, key=lambda h: h.store)


# --- one node ---------------------------------------------------------------------------------
def describe(fg: FlowGraph, node_id: str) -> dict[str, Any]:
    """Everything the inventory says about one node, as a JSON-ready dict.

    What it is, what it holds (its stores' fields), what it receives and sends
    (flows, with categories, purposes and gates), for which purposes, under which
    agreements. Connection strings are redacted here already.
    """
    inv = fg.inventory
    attrs = fg.node(node_id)
    kind = attrs["type"]
    gates = _gates(fg)
    info: dict[str, Any] = {"id": node_id, "type": kind, "name": attrs.get("name") or node_id}
    owned: list[Store] = []
    agreements: list[str] = []
    if kind == "subject":
        subject = next(s for s in inv.data_subjects if s.id == node_id)
        info.update(category=subject.category, minimum_age=subject.minimum_age,
                    description=subject.description)
    elif kind == "system":
        system = next(s for s in inv.systems if s.id == node_id)
        agreements = sorted(system.agreements)
        owned = [s for s in inv.stores if s.system == node_id]
        info.update(
            operator=system.type, role=system.role, country=system.country,
            exposure=system.exposure, declared_purposes=sorted(system.purposes),
            attestations=[a.model_dump(mode="json", exclude_none=True)
                          for a in sorted(system.attestations, key=lambda a: a.name)],
            privacy_policy=system.privacy_policy,
            connection=redact_connection(system.connection) if system.connection else None,
            description=system.description,
            processing_activities=[
                {"id": a.id, "name": a.name, "legal_basis": a.legal_basis,
                 "purposes": sorted(a.purposes)}
                for a in sorted(inv.processing_activities, key=lambda a: a.id)
                if node_id in a.systems],
            stores=sorted(s.id for s in owned))
    else:
        store = next(s for s in inv.stores if s.id == node_id)
        owned = [store]
        owner = next((s for s in inv.systems if s.id == store.system), None)
        agreements = sorted(owner.agreements) if owner else []
        info.update(
            system=store.system, technology=store.technology, exposure=store.exposure,
            encryption_at_rest=store.encryption_at_rest,
            access_roles=sorted(store.access_roles), declared_purposes=sorted(store.purposes),
            retention=store.retention, disposal=store.disposal,
            connection=redact_connection(store.connection) if store.connection else None,
            description=store.description)
    info["third_party"] = bool(attrs.get("third_party"))
    info["agreements"] = agreements
    info["holds"] = [
        {"store": s.id, **asdict(h)}
        for s in sorted(owned, key=lambda s: s.id) for h in _held(s, lambda _c: True)]
    receives = [hop_info(fg, f.id, gates) for f in in_links(fg, node_id)]
    sends = [hop_info(fg, f.id, gates) for f in out_links(fg, node_id)]
    info["receives"] = [h._asdict() for h in receives]
    info["sends"] = [h._asdict() for h in sends]
    info["purposes"] = sorted(set(attrs.get("purposes", ()))
                              | {p for h in receives + sends for p in h.purposes})
    used = sorted({h.consent_gate for h in receives + sends if h.consent_gate})
    info["consent_gates"] = [
        {"id": g, "name": gates[g].name, "type": gates[g].type,
         "purposes": sorted(gates[g].purposes), "mechanism": gates[g].mechanism}
        if g in gates else {"id": g} for g in used]
    return info
