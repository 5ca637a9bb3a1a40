"""The data-flow graph: one networkx MultiDiGraph built once from an inventory.

Nodes are data subjects, systems and stores; edges are flows, keyed by flow id,
carrying their categories, purposes, transport and consent gate. Traversals are
breadth-first with parent pointers, so each query is linear in the graph's size
and still returns the path that explains a finding.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from policy_model.inventory import Flow, Inventory
from policy_model.vocabulary import Vocabularies

EdgeFilter = Callable[[Flow], bool]
Parents = dict[str, tuple[str, str] | None]


@dataclass(frozen=True)
class Hop:
    """One step of a path: a flow from ``source`` to ``target``."""

    source: str
    target: str
    flow: str


class FlowGraph:
    """The inventory's flows as a graph, with category-aware traversals."""

    def __init__(self, inventory: Inventory, vocab: Vocabularies) -> None:
        self.inventory = inventory
        self.vocab = vocab
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.flows: dict[str, Flow] = {}
        self._carry_cache: dict[tuple[frozenset[str], frozenset[str], bool], bool] = {}
        activity_purposes: dict[str, set[str]] = {}
        for activity in inventory.processing_activities:
            for system_id in activity.systems:
                activity_purposes.setdefault(system_id, set()).update(activity.purposes)
        g = self.graph
        for subject in inventory.data_subjects:
            g.add_node(subject.id, type="subject", name=subject.name, category=subject.category,
                       third_party=False, purposes=frozenset())
        systems = {s.id: s for s in inventory.systems}
        for system in inventory.systems:
            purposes = frozenset(system.purposes) | frozenset(activity_purposes.get(system.id, ()))
            g.add_node(system.id, type="system", name=system.name, role=system.role,
                       third_party=system.type == "third_party", purposes=purposes,
                       system=system.id)
        for store in inventory.stores:
            owner = systems.get(store.system)
            purposes = set(store.purposes)
            for f in store.fields:
                purposes.update(f.purposes)
            g.add_node(store.id, type="store", name=store.name, system=store.system,
                       role=owner.role if owner else None,
                       third_party=bool(owner and owner.type == "third_party"),
                       purposes=frozenset(purposes))
        for flow in inventory.flows:
            self.flows[flow.id] = flow
            g.add_edge(flow.source, flow.target, key=flow.id,
                       categories=frozenset(flow.categories), purposes=frozenset(flow.purposes),
                       gate=flow.consent_gate)

    # --- node facts -------------------------------------------------------------
    def node(self, node_id: str) -> dict[str, Any]:
        """Attributes of a node."""
        return self.graph.nodes[node_id]  # type: ignore[no-any-return]

    def subjects(self) -> list[str]:
        """Ids of data-subject nodes, sorted."""
        return sorted(n for n, d in self.graph.nodes(data=True) if d["type"] == "subject")

    # --- category and purpose selection -----------------------------------------
    def carries(self, flow: Flow, selectors: frozenset[str], *, broader: bool = False) -> bool:
        """Whether ``flow`` carries a selected category.

        With ``broader``, a flow declaring an ancestor of a selector (say
        ``user.financial`` for ``user.financial.credit_card.number``) counts too:
        it may carry the selected data, so strict checks treat it as carrying.
        """
        cats = frozenset(flow.categories)
        key = (cats, selectors, broader)
        hit = self._carry_cache.get(key)
        if hit is None:
            voc = self.vocab.data_categories
            hit = any(voc.is_selected(c, selectors) or (broader and voc.is_broader(c, selectors))
                      for c in cats)
            self._carry_cache[key] = hit
        return hit

    def purposes_selected(self, purposes: Iterable[str], selectors: frozenset[str]) -> list[str]:
        """The purposes among ``purposes`` that ``selectors`` select, sorted."""
        voc = self.vocab.purposes
        return sorted(p for p in purposes if voc.is_selected(p, selectors))

    # --- traversals ---------------------------------------------------------------
    def out_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows leaving a node, in id order."""
        for _target, edges in sorted(self.graph.adj[node_id].items()):
            for key in sorted(edges):
                yield self.flows[key]

    def in_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows entering a node, in id order."""
        for _source, edges in sorted(self.graph.pred[node_id].items()):
            for key in sorted(edges):
                yield self.flows[key]

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
        step = self.in_flows if reverse else self.out_flows
        while queue:
            node = queue.popleft()
            for flow in step(node):
                if not follow(flow):
                    continue
                nxt = flow.source if reverse else flow.target
                if nxt not in parents:
                    parents[nxt] = (node, flow.id)
                    queue.append(nxt)
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
