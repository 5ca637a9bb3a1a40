"""The data-flow graph: one networkx MultiDiGraph built once from an inventory.

Nodes are data subjects, systems and stores; edges are flows, keyed by flow id,
carrying their categories, purposes, transport and consent gate. Traversals are
breadth-first with parent pointers, so each query is linear in the graph's size
and still returns the path that explains a finding.

Checks judge hundreds of thousands of flows, stores and fields on a few facts
each, and inventories repeat a few dozen combinations of those facts. So every
flow is sorted into a :class:`FlowClass` while the graph is built, and every
store and field into classes (:class:`StoreTable`) on first use: a check decides
once per class and visits only the members of the classes that fail.
"""

from __future__ import annotations

from array import array
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import Any, Generic, NamedTuple, TypeVar

import networkx as nx

from policy_model.inventory import DataField, Flow, Inventory, Store
from policy_model.loading import paused_gc
from policy_model.vocabulary import Vocabularies, Vocabulary

EdgeFilter = Callable[[Flow], bool]
Parents = dict[str, tuple[str, str] | None]
Step = tuple[str, str, int]
"""A flow out of (or into) a node: (the node at its other end, flow id, flow class)."""

T = TypeVar("T")
_CATEGORY = attrgetter("category")
_PURPOSES = attrgetter("purposes")
_FIELD_FACTS = attrgetter("category", "retention", "disposal", "pseudonymised")
_SOURCE = attrgetter("source")
_TRANSPORT = attrgetter("transport.protocol", "transport.tls")


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


class Classes(dict[Hashable, int], Generic[T]):
    """Numbers distinct keys in order of first appearance; ``described[n]`` tells what ``n`` is.

    ``classes[key]`` is the key's number, a new one (described by
    ``describe(key)``) the first time: mapped over a million items, only the
    first of each class runs Python code.
    """

    def __init__(self, describe: Callable[[Any], T]) -> None:
        super().__init__()
        self.describe = describe
        self.described: list[T] = []

    def __missing__(self, key: Hashable) -> int:
        number = self[key] = len(self.described)
        self.described.append(self.describe(key))
        return number


def members(classes: Sequence[int], verdicts: Sequence[bool]) -> list[int]:
    """Positions, in order, of the items whose class ``verdicts`` marks true."""
    return list(compress(range(len(classes)), map(verdicts.__getitem__, classes)))


def sizes(classes: Iterable[int], count: int) -> list[int]:
    """How many items each of ``count`` classes has."""
    found = Counter(classes)
    return [found[number] for number in range(count)]


def total(class_sizes: Sequence[int], verdicts: Sequence[bool]) -> int:
    """How many items the classes ``verdicts`` marks true have."""
    return sum(compress(class_sizes, verdicts))


class NodeFacts(NamedTuple):
    """What recipient checks judge a declared node on: three of its attributes."""

    third_party: bool
    role: str | None
    purposes: frozenset[str]


class FlowClass(NamedTuple):
    """What flow checks judge a flow on, its transport aside.

    ``target`` is the facts of the flow's target node, ``None`` when that node
    is not declared (only flows name it).
    """

    categories: frozenset[str]
    purposes: frozenset[str]
    gate: str | None
    target: NodeFacts | None


class StoreKind(NamedTuple):
    """What checks judge a store on, its fields aside."""

    purposes: frozenset[str]
    """Its own purposes and its fields'."""
    owner_type: str | None
    """The type of the system owning it; ``None`` when that system is not declared."""
    owner_role: str | None
    access_roles: tuple[str, ...]
    exposure: str
    encrypted: bool


class StoreClass(NamedTuple):
    """What checks judge a store on: its kind and the categories of its fields."""

    kind: StoreKind
    categories: frozenset[str]


class FieldClass(NamedTuple):
    """What checks judge a field on: purposes, retention and disposal its own, else its store's."""

    category: str
    purposes: tuple[str, ...]
    retention: str | None
    disposal: str | None
    pseudonymised: bool
    store: StoreKind


class StoreTable:
    """Every store and every field of an inventory, each sorted into a class.

    ``stores[i]`` is the ``i``-th store and ``store_class[i]`` the number of its
    :class:`StoreClass` in ``store_classes``; ``fields[j]`` is the ``j``-th field
    (store by store, in order), ``field_store[j]`` the position of its store and
    ``field_class[j]`` the number of its :class:`FieldClass` in ``field_classes``.
    Inventories repeat a few hundred classes over hundreds of thousands of
    stores and fields: a check decides per class (see :func:`members`).
    """

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.stores: list[Store] = list(inventory.stores)
        self.fields: list[DataField] = []
        self.store_class: array[int] = array("l")
        self.field_store: array[int] = array("l")
        self.field_class: array[int] = array("l")
        owners = {s.id: (s.type, s.role) for s in inventory.systems}
        no_owner = (None, None)
        # a store's own purposes, retention and disposal, which its fields fall back on
        contexts: Classes[tuple[StoreKind, tuple[str, ...], str | None, str | None]] = Classes(
            lambda key: (StoreKind(key[3] or frozenset(key[0]), *key[4], *key[5:]), *key[:3]))
        context_of = contexts.described

        def field_class_of(key: tuple[Any, ...]) -> FieldClass:
            (category, retention, disposal, pseudonymised), purposes, context = key
            kind, store_purposes, store_retention, store_disposal = context_of[context]
            return FieldClass(category, purposes or store_purposes, retention or store_retention,
                              disposal or store_disposal, pseudonymised, kind)

        store_classes: Classes[StoreClass] = Classes(
            lambda key: StoreClass(context_of[key[0]][0], key[1]))
        field_classes: Classes[FieldClass] = Classes(field_class_of)
        no_purposes = repeat(())
        for position, store in enumerate(self.stores):
            fields = store.fields
            own = tuple(store.purposes)
            of_fields = list(map(_PURPOSES, fields))
            if any(of_fields):
                union: frozenset[str] | None = frozenset(chain(own, *of_fields))
                purposes: Iterable[tuple[str, ...]] = map(tuple, of_fields)
            else:
                union, purposes = None, no_purposes
            context = contexts[(own, store.retention, store.disposal, union,
                                owners.get(store.system, no_owner), tuple(store.access_roles),
                                store.exposure, store.encryption_at_rest)]
            self.store_class.append(store_classes[(context, frozenset(map(_CATEGORY, fields)))])
            self.field_class.extend(map(field_classes.__getitem__,
                                        zip(map(_FIELD_FACTS, fields), purposes, repeat(context))))
            self.field_store.extend(repeat(position, len(fields)))
            self.fields.extend(fields)
        self.store_classes: list[StoreClass] = store_classes.described
        self.field_classes: list[FieldClass] = field_classes.described
        self.store_sizes = sizes(self.store_class, len(self.store_classes))
        self.field_sizes = sizes(self.field_class, len(self.field_classes))


class TransportClass(NamedTuple):
    """What transport checks judge a flow on."""

    protocol: str
    tls: str | None
    from_subject: bool
    """Whether it leaves a data subject."""
    categories: frozenset[str]


class TransportGroups:
    """Every flow sorted into a :class:`TransportClass`: ``flow_class[i]`` for the ``i``-th flow."""

    def __init__(self, graph: FlowGraph) -> None:
        flows = graph.flow_at
        subjects = set(graph.subjects())
        categories = [c.categories for c in graph.flow_classes]
        classes: Classes[TransportClass] = Classes(
            lambda key: TransportClass(*key[1], key[2], categories[key[0]]))
        self.flow_class: array[int] = array("l", map(classes.__getitem__, zip(
            graph.flow_class, map(_TRANSPORT, flows),
            map(subjects.__contains__, map(_SOURCE, flows)), strict=True)))
        self.classes: list[TransportClass] = classes.described
        self.sizes = sizes(self.flow_class, len(self.classes))


class FlowGraph:
    """The inventory's flows as a graph, with category-aware traversals.

    Besides the networkx graph: ``flow_at[i]`` is the inventory's ``i``-th flow
    and ``flow_class[i]`` the number of its :class:`FlowClass` in
    ``flow_classes``; ``flow_sizes[n]`` counts the flows of class ``n``.
    """

    def __init__(self, inventory: Inventory, vocab: Vocabularies) -> None:
        self.inventory = inventory
        self.vocab = vocab
        self.graph: nx.MultiDiGraph = nx.MultiDiGraph()
        self.flows: dict[str, Flow] = {}
        self.flow_at: list[Flow] = list(inventory.flows)
        self.flow_classes: list[FlowClass] = []
        self.flow_class: array[int] = array("l")
        self._carry_cache: dict[tuple[tuple[str, ...], frozenset[str], bool], bool] = {}
        self._class_carry: dict[tuple[frozenset[str], frozenset[str], bool], bool] = {}
        self._selections: dict[tuple[str, frozenset[str]], Selection] = {}
        self._out: dict[str, list[Flow]] = {}
        self._in: dict[str, list[Flow]] = {}
        self._subjects: list[str] | None = None
        self._roots: list[str] | None = None
        self._by_purposes: dict[frozenset[str] | None, list[str]] | None = None
        self._flow_sizes: list[int] | None = None
        self._store_table: StoreTable | None = None
        self._transport: TransportGroups | None = None
        # each node's flows out (and, once asked for, in), by the node at the other end, then id
        self._steps: dict[str, list[Step]] = {}
        self._steps_in: dict[str, list[Step]] | None = None
        self._repeated_ids = False
        self._preds: dict[str, dict[str, Any]] = {}
        with paused_gc():  # hundreds of thousands of long-lived nodes and edges
            self._build(inventory)

    def _build(self, inventory: Inventory) -> None:
        """Fill the networkx graph's own dictionaries, as ``add_node``/``add_edge`` would.

        A networkx call per node and edge (keyword arguments, a cache
        clearance, repeated lookups) costs more than the graph's own work on
        hundreds of thousands of them, and ``add_nodes_from``/``add_edges_from``
        run the same code per item. The result is the same graph: nodes in
        declaration order with the same attribute dictionaries (an id declared
        twice updates its node's attributes), one edge per (source, target, flow
        id) whose key dictionary the source's successors and the target's
        predecessors share, and a node only flows name added bare when first named.
        """
        shared: dict[frozenset[str], frozenset[str]] = {}
        by_tuple: dict[tuple[str, ...], frozenset[str]] = {}

        def frozen(items: tuple[str, ...]) -> frozenset[str]:
            # Nodes and edges repeat a few hundred distinct sets: keep one of each.
            found = by_tuple.get(items)
            if found is None:
                value = frozenset(items)
                found = by_tuple[items] = shared.setdefault(value, value)
            return found

        g = self.graph
        nodes, succ, pred = g._node, g._succ, g._pred  # see the docstring
        self._preds = pred
        facts: dict[str, NodeFacts] = {}
        distinct: dict[tuple[bool, str | None, frozenset[str]], NodeFacts] = {}

        def add(node_id: str, attrs: dict[str, Any]) -> None:
            if node_id in nodes:  # an id declared twice: its node's attributes merge
                merged = nodes[node_id]
                merged.update(attrs)
                attrs = merged
            else:
                nodes[node_id], succ[node_id], pred[node_id] = attrs, {}, {}
            key = (attrs["third_party"], attrs.get("role"), attrs["purposes"])
            found = distinct.get(key)
            if found is None:
                found = distinct[key] = NodeFacts(*key)
            facts[node_id] = found

        activity_purposes: dict[str, set[str]] = {}
        for activity in inventory.processing_activities:
            for system_id in activity.systems:
                activity_purposes.setdefault(system_id, set()).update(activity.purposes)
        no_purposes = frozen(())
        for subject in inventory.data_subjects:
            add(subject.id, {"type": "subject", "name": subject.name, "category": subject.category,
                             "third_party": False, "purposes": no_purposes})
        owners: dict[str, tuple[str, bool]] = {}
        for system in inventory.systems:
            extra = activity_purposes.get(system.id)
            purposes = (frozen((*system.purposes, *extra)) if extra
                        else frozen(tuple(system.purposes)))
            third_party = system.type == "third_party"
            owners[system.id] = (system.role, third_party)  # the last of an id, as a dict keeps
            add(system.id, {"type": "system", "name": system.name, "role": system.role,
                            "third_party": third_party, "purposes": purposes,
                            "system": system.id})
        no_owner = (None, False)
        for store in inventory.stores:
            role, third_party = owners.get(store.system, no_owner)
            fields = store.fields
            purposes = (frozen((*store.purposes, *chain.from_iterable(map(_PURPOSES, fields))))
                        if any(map(_PURPOSES, fields)) else frozen(tuple(store.purposes)))
            add(store.id, {"type": "store", "name": store.name, "system": store.system,
                           "role": role, "third_party": third_party, "purposes": purposes})
        flows = self.flows
        classes: dict[tuple[Any, ...], int] = {}
        flow_classes = self.flow_classes
        flow_class = self.flow_class.append
        steps = self._steps
        for flow in self.flow_at:
            flow_id, source, target = flow.id, flow.source, flow.target
            flows[flow_id] = flow
            categories = frozen(tuple(flow.categories))
            purposes = frozen(tuple(flow.purposes))
            gate = flow.consent_gate
            out = succ.get(source)
            if out is None:  # a node only flows name
                nodes[source], pred[source] = {}, {}
                out = succ[source] = {}
            into = pred.get(target)
            if into is None:
                nodes[target], succ[target] = {}, {}
                into = pred[target] = {}
            data = {"categories": categories, "purposes": purposes, "gate": gate}
            keyed = out.get(target)
            if keyed is None:
                out[target] = into[source] = {flow_id: data}
            elif flow_id in keyed:  # the same edge again: its attributes updated, as networkx does
                keyed[flow_id].update(data)
            else:
                keyed[flow_id] = data
            key = (categories, purposes, gate, facts.get(target))
            number = classes.get(key)
            if number is None:
                number = classes[key] = len(flow_classes)
                flow_classes.append(FlowClass(*key))
            flow_class(number)
            found = steps.get(source)
            if found is None:
                steps[source] = [(target, flow_id, number)]
            else:
                found.append((target, flow_id, number))
        if len(flows) < len(self.flow_at):  # a flow id used twice
            self._repeated_ids = True
            self._steps = self._steps_by_id(reverse=False)
        else:
            for found in steps.values():
                if len(found) > 1:
                    found.sort()

    def _steps_by_id(self, *, reverse: bool) -> dict[str, list[Step]]:
        """Each node's steps when a flow id is used twice: one per (other end, id).

        Edges are keyed by flow id and :attr:`flows` keeps the last flow of each
        id, so a traversal follows that flow (its class, its far end), as it
        did when it looked each edge's flow up by id.
        """
        last = {flow.id: position for position, flow in enumerate(self.flow_at)}
        pairs: dict[str, set[tuple[str, str]]] = {}
        for flow in self.flow_at:
            node, other = (flow.target, flow.source) if reverse else (flow.source, flow.target)
            pairs.setdefault(node, set()).add((other, flow.id))
        steps: dict[str, list[Step]] = {}
        for node, found in pairs.items():
            steps[node] = []
            for _other, key in sorted(found):
                flow = self.flows[key]
                steps[node].append((flow.source if reverse else flow.target, key,
                                    self.flow_class[last[key]]))
        return steps

    def _steps_into(self) -> dict[str, list[Step]]:
        """Each node's flows in, by source then id: the steps out, turned round once."""
        if self._steps_in is None:
            if self._repeated_ids:
                self._steps_in = self._steps_by_id(reverse=True)
            else:
                into: dict[str, list[Step]] = {}
                for node, found in self._steps.items():
                    for target, flow_id, number in found:
                        step = (node, flow_id, number)
                        if target in into:
                            into[target].append(step)
                        else:
                            into[target] = [step]
                for found in into.values():
                    if len(found) > 1:
                        found.sort()
                self._steps_in = into
        return self._steps_in

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

    def roots(self) -> list[str]:
        """Nodes no flow enters, in the graph's order."""
        if self._roots is None:
            self._roots = [n for n, into in self._preds.items() if not into]
        return list(self._roots)

    def nodes_by_purposes(self) -> dict[frozenset[str] | None, list[str]]:
        """Nodes grouped by their ``purposes`` attribute (``None`` for undeclared nodes).

        Each group lists its nodes in the graph's order; computed once.
        """
        if self._by_purposes is None:
            found: dict[frozenset[str] | None, list[str]] = {}
            for node_id, attrs in self.graph.nodes(data=True):
                purposes = attrs.get("purposes")
                if purposes in found:
                    found[purposes].append(node_id)
                else:
                    found[purposes] = [node_id]
            self._by_purposes = found
        return self._by_purposes

    def store_table(self, inventory: Inventory) -> StoreTable:
        """The stores and fields of ``inventory``, sorted into classes once and kept."""
        if self._store_table is None or self._store_table.inventory is not inventory:
            self._store_table = StoreTable(inventory)
        return self._store_table

    def transport_groups(self) -> TransportGroups:
        """The flows sorted by what transport checks judge, once and kept."""
        if self._transport is None:
            self._transport = TransportGroups(self)
        return self._transport

    # --- flow classes -------------------------------------------------------------
    @property
    def flow_sizes(self) -> list[int]:
        """How many flows each flow class has."""
        if self._flow_sizes is None:
            self._flow_sizes = sizes(self.flow_class, len(self.flow_classes))
        return self._flow_sizes

    def carrying(self, selectors: frozenset[str], *, broader: bool = False) -> list[bool]:
        """For each flow class, whether its flows carry a selected category (:meth:`carries`)."""
        return [self._carries(c.categories, selectors, broader) for c in self.flow_classes]

    def flows_of(self, verdicts: Sequence[bool]) -> list[Flow]:
        """The flows, in inventory order, of the classes ``verdicts`` marks true."""
        flow_at = self.flow_at
        return [flow_at[i] for i in members(self.flow_class, verdicts)]

    def ends(self, verdicts: Sequence[bool]) -> set[str]:
        """The nodes at either end of the flows of the classes ``verdicts`` marks true."""
        if self._repeated_ids:  # the steps follow each id's last flow: ask every flow
            return {end for flow in self.flows_of(verdicts) for end in (flow.source, flow.target)}
        found: set[str] = set()
        for node, steps in self._steps.items():
            targets = [target for target, _flow_id, number in steps if verdicts[number]]
            if targets:
                found.add(node)
                found.update(targets)
        return found

    # --- category and purpose selection -----------------------------------------
    def _carries(self, categories: frozenset[str], selectors: frozenset[str],
                 broader: bool) -> bool:
        key = (categories, selectors, broader)
        hit = self._class_carry.get(key)
        if hit is None:
            voc = self.vocab.data_categories
            hit = self._class_carry[key] = any(
                voc.is_selected(c, selectors) or (broader and voc.is_broader(c, selectors))
                for c in categories)
        return hit

    def carries(self, flow: Flow, selectors: frozenset[str], *, broader: bool = False) -> bool:
        """Whether ``flow`` carries a selected category.

        With ``broader``, a flow declaring an ancestor of a selector (say
        ``user.financial`` for ``user.financial.credit_card.number``) counts too:
        it may carry the selected data, so strict checks treat it as carrying.
        """
        key = (tuple(flow.categories), selectors, broader)
        hit = self._carry_cache.get(key)
        if hit is None:
            hit = self._carry_cache[key] = self._carries(frozenset(flow.categories), selectors,
                                                         broader)
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

    def out_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows leaving a node, in id order."""
        yield from self._sorted_flows(node_id, False)

    def in_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows entering a node, in id order."""
        yield from self._sorted_flows(node_id, True)

    def _start(self, sources: Iterable[str]) -> tuple[Parents, deque[str]]:
        parents: Parents = {}
        queue: deque[str] = deque()
        graph = self.graph
        for s in sorted(set(sources)):
            if s in graph:
                parents[s] = None
                queue.append(s)
        return parents, queue

    def reach(self, sources: Iterable[str], follow: EdgeFilter, *,
              reverse: bool = False) -> Parents:
        """Breadth-first reach from ``sources`` along flows that ``follow`` accepts.

        Returns each reached node with the (previous node, flow id) that first
        reached it, ``None`` for the sources. Shortest paths in hops; O(V + E).
        """
        parents, queue = self._start(sources)
        steps = self._steps_into() if reverse else self._steps
        flows = self.flows
        popleft, append = queue.popleft, queue.append
        while queue:
            node = popleft()
            for nxt, flow_id, _number in steps.get(node, ()):
                if follow(flows[flow_id]) and nxt not in parents:
                    parents[nxt] = (node, flow_id)
                    append(nxt)
        return parents

    def reach_classes(self, sources: Iterable[str], allowed: Sequence[bool], *,
                      reverse: bool = False) -> Parents:
        """:meth:`reach` along the flows of the classes ``allowed`` marks true.

        The same answer as ``reach(sources, follow)`` when ``allowed[n]`` is
        ``follow``'s verdict on the flows of class ``n``, without a call per flow.
        """
        parents, queue = self._start(sources)
        steps = self._steps_into() if reverse else self._steps
        popleft, append = queue.popleft, queue.append
        while queue:
            node = popleft()
            for nxt, flow_id, number in steps.get(node, ()):
                if allowed[number] and nxt not in parents:
                    parents[nxt] = (node, flow_id)
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
