"""The data-flow graph: one networkx MultiDiGraph built once from an inventory.

Nodes are data subjects, systems and stores; edges are flows, keyed by flow id,
carrying their categories, purposes, transport and consent gate. Traversals are
breadth-first with parent pointers, so each query is linear in the graph's size
and still returns the path that explains a finding.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from policy_model.inventory import DataField, Flow, Inventory, Store
from policy_model.loading import paused_gc
from policy_model.vocabulary import Vocabularies, Vocabulary

EdgeFilter = Callable[[Flow], bool]
Parents = dict[str, tuple[str, str] | None]


class Selection(dict[str, bool]):
    """Memoised ``vocabulary.is_selected(id, selectors)``: look ids up with ``[id]``."""

    __slots__ = ("selectors", "vocabulary")

    def __init__(self, vocabulary: Vocabulary, selectors: frozenset[str]) -> None:
        super().__init__()
        self.vocabulary = vocabulary
        self.selectors = selectors

    def __missing__(self, term_id: str) -> bool:
        hit = self[term_id] = self.vocabulary.is_selected(term_id, self.selectors)
        return hit

    def any(self, term_ids: Iterable[str]) -> bool:
        """True when any of ``term_ids`` is selected."""
        return any(self[t] for t in term_ids)


@dataclass(frozen=True)
class Hop:
    """One step of a path: a flow from ``source`` to ``target``."""

    source: str
    target: str
    flow: str


class FieldGroups:
    """Every store field, grouped by (category, purposes, retention, disposal).

    Each is the field's own or, when it declares none, its store's: what the
    field-level checks judge. Inventories repeat a few hundred such groups over
    hundreds of thousands of fields, so a check decides once per group and
    visits only the fields of the groups that fail. ``groups`` maps each key to
    the positions of its fields in inventory order; ``stores[i]`` and
    ``fields[i]`` are the store and field at position ``i``.
    """

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.stores: list[Store] = []
        self.fields: list[DataField] = []
        self.groups: dict[tuple[str, tuple[str, ...], str | None, str | None],
                          array[int]] = {}
        groups = self.groups
        position = 0
        for store in inventory.stores:
            store_purposes = tuple(store.purposes)
            for field in store.fields:
                key = (field.category,
                       tuple(field.purposes) if field.purposes else store_purposes,
                       field.retention or store.retention, field.disposal or store.disposal)
                members = groups.get(key)
                if members is None:
                    members = groups[key] = array("l")
                members.append(position)
                position += 1
            self.stores.extend([store] * len(store.fields))
            self.fields.extend(store.fields)


class FlowGroups:
    """Every flow, grouped by (protocol, TLS version, leaves a data subject, categories).

    What transport checks judge a flow on; like :class:`FieldGroups`, a check
    decides once per group. ``groups`` maps each key to the positions of its
    flows in inventory order; ``flows[i]`` is the flow at position ``i``.
    """

    def __init__(self, inventory: Inventory, subjects: set[str]) -> None:
        self.inventory = inventory
        self.flows: list[Flow] = list(inventory.flows)
        self.groups: dict[tuple[str, str | None, bool, tuple[str, ...]], array[int]] = {}
        groups = self.groups
        for position, flow in enumerate(self.flows):
            key = (flow.transport.protocol, flow.transport.tls, flow.source in subjects,
                   tuple(flow.categories))
            members = groups.get(key)
            if members is None:
                members = groups[key] = array("l")
            members.append(position)


class FlowGraph:
    """The inventory's flows as a graph, with category-aware traversals."""

    def __init__(self, inventory: Inventory, vocab: Vocabularies) -> None:
        self.inventory = inventory
        self.vocab = vocab
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.flows: dict[str, Flow] = {}
        self._carry_cache: dict[tuple[tuple[str, ...], frozenset[str], bool], bool] = {}
        self._selections: dict[tuple[str, frozenset[str]], Selection] = {}
        self._out: dict[str, list[Flow]] = {}
        self._in: dict[str, list[Flow]] = {}
        self._subjects: list[str] | None = None
        self._field_groups: FieldGroups | None = None
        self._flow_groups: FlowGroups | None = None
        # (neighbour, flow id) of each node's edges out and in, as the edges are added
        self._pairs: tuple[dict[str, list[tuple[str, str]]], dict[str, list[tuple[str, str]]]] = (
            {}, {})
        with paused_gc():  # hundreds of thousands of long-lived nodes and edges
            self._build(inventory)

    def _build(self, inventory: Inventory) -> None:
        shared: dict[frozenset[str], frozenset[str]] = {}

        def frozen(items: Iterable[str]) -> frozenset[str]:
            # Nodes and edges repeat a few hundred distinct sets: keep one of each.
            value = frozenset(items)
            return shared.setdefault(value, value)

        activity_purposes: dict[str, set[str]] = {}
        for activity in inventory.processing_activities:
            for system_id in activity.systems:
                activity_purposes.setdefault(system_id, set()).update(activity.purposes)
        g = self.graph
        for subject in inventory.data_subjects:
            g.add_node(subject.id, type="subject", name=subject.name, category=subject.category,
                       third_party=False, purposes=frozen(()))
        systems = {s.id: s for s in inventory.systems}
        for system in inventory.systems:
            extra = activity_purposes.get(system.id)
            purposes = frozen([*system.purposes, *extra] if extra else system.purposes)
            g.add_node(system.id, type="system", name=system.name, role=system.role,
                       third_party=system.type == "third_party", purposes=purposes,
                       system=system.id)
        for store in inventory.stores:
            owner = systems.get(store.system)
            from_fields = [p for f in store.fields for p in f.purposes]
            purposes = frozen([*store.purposes, *from_fields] if from_fields else store.purposes)
            g.add_node(store.id, type="store", name=store.name, system=store.system,
                       role=owner.role if owner else None,
                       third_party=bool(owner and owner.type == "third_party"),
                       purposes=purposes)
        pairs_out, pairs_in = self._pairs
        for flow in inventory.flows:
            self.flows[flow.id] = flow
            g.add_edge(flow.source, flow.target, key=flow.id,
                       categories=frozen(flow.categories), purposes=frozen(flow.purposes),
                       gate=flow.consent_gate)
            pairs_out.setdefault(flow.source, []).append((flow.target, flow.id))
            pairs_in.setdefault(flow.target, []).append((flow.source, flow.id))

    # --- node facts -------------------------------------------------------------
    def node(self, node_id: str) -> dict[str, Any]:
        """Attributes of a node."""
        return self.graph.nodes[node_id]  # type: ignore[no-any-return]

    def subjects(self) -> list[str]:
        """Ids of data-subject nodes, sorted."""
        if self._subjects is None:  # the graph does not change: scan its nodes once
            self._subjects = sorted(n for n, d in self.graph.nodes(data=True)
                                    if d["type"] == "subject")
        return list(self._subjects)

    def flow_groups(self, inventory: Inventory) -> FlowGroups:
        """The flows of ``inventory``, grouped by transport, origin and categories.

        Computed once per inventory and kept (see :class:`FlowGroups`).
        """
        if self._flow_groups is None or self._flow_groups.inventory is not inventory:
            self._flow_groups = FlowGroups(inventory, set(self.subjects()))
        return self._flow_groups

    def field_groups(self, inventory: Inventory) -> FieldGroups:
        """The fields of ``inventory``'s stores, grouped by the facts field checks judge.

        Computed once per inventory and kept (see :class:`FieldGroups`).
        """
        if self._field_groups is None or self._field_groups.inventory is not inventory:
            self._field_groups = FieldGroups(inventory)
        return self._field_groups

    # --- category and purpose selection -----------------------------------------
    def carries(self, flow: Flow, selectors: frozenset[str], *, broader: bool = False) -> bool:
        """Whether ``flow`` carries a selected category.

        With ``broader``, a flow declaring an ancestor of a selector (say
        ``user.financial`` for ``user.financial.credit_card.number``) counts too:
        it may carry the selected data, so strict checks treat it as carrying.
        """
        key = (tuple(flow.categories), selectors, broader)
        hit = self._carry_cache.get(key)
        if hit is None:
            voc = self.vocab.data_categories
            hit = any(voc.is_selected(c, selectors) or (broader and voc.is_broader(c, selectors))
                      for c in frozenset(flow.categories))
            self._carry_cache[key] = hit
        return hit

    def selection(self, vocabulary: str, selectors: frozenset[str]) -> Selection:
        """Which ids of ``vocabulary`` ``selectors`` select, as a memoised mapping id -> bool.

        ``graph.selection("data_categories", s)[c]`` equals
        ``vocab.data_categories.is_selected(c, s)``, at the cost of one dict lookup
        once ``c`` has been seen: the checks ask it once per field or flow.
        """
        key = (vocabulary, selectors)
        found = self._selections.get(key)
        if found is None:
            found = self._selections[key] = Selection(self.vocab.get(vocabulary), selectors)
        return found

    def purposes_selected(self, purposes: Iterable[str], selectors: frozenset[str]) -> list[str]:
        """The purposes among ``purposes`` that ``selectors`` select, sorted."""
        voc = self.vocab.purposes
        return sorted(p for p in purposes if voc.is_selected(p, selectors))

    # --- traversals ---------------------------------------------------------------
    def _sorted_flows(self, node_id: str, reverse: bool) -> list[Flow]:
        """A node's flows out (in, with ``reverse``) by neighbour then flow id, sorted once.

        The graph is not changed after it is built, so each node's order is
        computed the first time it is asked for and kept.
        """
        cache = self._in if reverse else self._out
        found = cache.get(node_id)
        if found is None:
            adjacency = self.graph.pred if reverse else self.graph.adj
            found = cache[node_id] = [self.flows[key]
                                      for _other, edges in sorted(adjacency[node_id].items())
                                      for key in sorted(edges)]
        return found

    def _all_sorted_flows(self, reverse: bool) -> dict[str, list[Flow]]:
        """:meth:`_sorted_flows` of every node, from the edges recorded while building.

        A traversal may visit every node; sorting each node's edges through
        networkx's views costs several times more.
        """
        cache = self._in if reverse else self._out
        if len(cache) < len(self.graph):
            pairs = self._pairs[1 if reverse else 0]
            flows = self.flows
            for node in self.graph:
                if node not in cache:  # a repeated (neighbour, id) is one edge, as in networkx
                    cache[node] = [flows[key] for _other, key in sorted(set(pairs.get(node, ())))]
        return cache

    def out_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows leaving a node, in id order."""
        yield from self._sorted_flows(node_id, False)

    def in_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows entering a node, in id order."""
        yield from self._sorted_flows(node_id, True)

    def reach(self, sources: Iterable[str], follow: EdgeFilter, *,
              reverse: bool = False) -> Parents:
        """Breadth-first reach from ``sources`` along flows that ``follow`` accepts.

        Returns each reached node with the (previous node, flow id) that first
        reached it, ``None`` for the sources. Shortest paths in hops; O(V + E).
        """
        parents: Parents = {}
        queue: deque[str] = deque()
        for s in sorted(set(sources)):
            if s in self.graph:
                parents[s] = None
                queue.append(s)
        step = self._all_sorted_flows(reverse)
        popleft, append = queue.popleft, queue.append
        while queue:
            node = popleft()
            for flow in step[node]:
                if not follow(flow):
                    continue
                nxt = flow.source if reverse else flow.target
                if nxt not in parents:
                    parents[nxt] = (node, flow.id)
                    append(nxt)
        return parents

    @staticmethod
    def path(parents: Parents, node: str) -> list[Hop]:
        """The hops from a source to ``node`` recorded by :meth:`reach`."""
        hops: list[Hop] = []
        seen: set[str] = set()
        while (step := parents.get(node)) is not None and node not in seen:
            seen.add(node)
            prev, flow = step
            hops.append(Hop(prev, node, flow))
            node = prev
        hops.reverse()
        return hops


def path_evidence(hops: list[Hop]) -> dict[str, Any]:
    """Evidence for a finding: the nodes and flows of a path, in order."""
    nodes = [hops[0].source] + [h.target for h in hops] if hops else []
    return {"path": nodes, "flows": [h.flow for h in hops]}
