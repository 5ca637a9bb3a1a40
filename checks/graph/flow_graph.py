"""The data-flow graph, built once from an inventory: nodes, flows and what checks judge.

Nodes are data subjects, systems and stores; edges are flows, keyed by flow id,
carrying their categories, purposes, transport and consent gate
(:attr:`FlowGraph.graph`, a networkx MultiDiGraph made when first asked for).
Traversals are breadth-first with parent pointers over the graph's own lists,
so each query is linear in the graph's size and still returns the path that
explains a finding.

Checks judge hundreds of thousands of flows, stores and fields on a few facts
each, and inventories repeat a few dozen combinations of those facts. So while
the graph is built every flow is sorted into a :class:`~pledge.checks.graph.tables.FlowClass`,
and every store and field into classes (:class:`~pledge.checks.graph.tables.StoreTable`): a
check decides once per class and visits only the members of the classes that
fail (:mod:`pledge.checks.graph.classes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from itertools import chain, compress
from operator import attrgetter, not_
from typing import TYPE_CHECKING, Any, Protocol

from pledge.base.memory import paused_gc
from pledge.base.timings import phase
from pledge.checks.graph.classes import Classes, Memo, members, sizes
from pledge.checks.graph.tables import FlowClass, NodeFacts, Owner, StoreTable, TransportGroups
from pledge.policy_model.inventory import Flow, Inventory
from pledge.policy_model.vocabulary import TermSelection, Vocabularies

if TYPE_CHECKING:  # imported when the networkx graph is first asked for: a tenth of a
    import networkx as nx  # second of every run's start, which most runs never need

EdgeFilter = Callable[[Flow], bool]
_ID = attrgetter("id")
Parents = dict[str, tuple[str, str] | None]
Steps = list[list[int] | None]
"""By node number, the positions of the node's flows out (or in), by the node at the other
end, then flow id; ``None`` for a node with none."""


class ParentLookup(Protocol):
    """What :meth:`FlowGraph.path` follows: node -> (previous node, flow id), or ``None``."""

    def get(self, node: str, /) -> tuple[str, str] | None:
        """The step that reached ``node``; ``None`` for a source or a node not reached."""


@dataclass(frozen=True)
class Hop:
    """One step of a path: a flow from ``source`` to ``target``."""

    source: str
    target: str
    flow: str


_SOURCE_NODE = -1
"""In a traversal's ``via``: the node is a source, reached by no flow."""


class Reached(Mapping[str, "tuple[str, str] | None"]):
    """The nodes a traversal reached, each with the (previous node, flow id) that first did.

    Reads like the dictionary :meth:`FlowGraph.reach` returns (``None`` for the
    sources, iteration in the order reached), without building one: ``via``
    maps the number of each node reached, in the order reached, to the position
    of the flow that first reached it, and ``other_end`` gives the node a flow
    came from.
    """

    def __init__(self, index: dict[str, int], ids: list[str], flow_ids: list[str],
                 via: dict[int, int], other_end: Sequence[int]) -> None:
        self._index = index
        self._ids = ids
        self._flow_ids = flow_ids
        self._via = via
        self._other_end = other_end

    @property
    def order(self) -> list[int]:
        """The numbers of the nodes reached, in the order reached."""
        return list(self._via)

    def numbers(self) -> KeysView[int]:
        """The numbers of the nodes reached (a view, no copy)."""
        return self._via.keys()

    def __getitem__(self, node_id: str) -> tuple[str, str] | None:
        number = self._index.get(node_id)
        if number is None or number not in self._via:
            raise KeyError(node_id)
        position = self._via[number]
        return None if position == _SOURCE_NODE else (self._ids[self._other_end[position]],
                                                       self._flow_ids[position])

    def __contains__(self, node_id: object) -> bool:
        number = self._index.get(node_id)  # type: ignore[call-overload]  # any object asked
        return number is not None and number in self._via

    def __iter__(self) -> Iterator[str]:
        ids = self._ids
        return (ids[number] for number in self._via)

    def __len__(self) -> int:
        return len(self._via)

    def holds(self, numbers: Iterable[int]) -> list[bool]:
        """For each node number, whether the traversal reached that node (one C-level pass)."""
        return list(map(self._via.__contains__, numbers))

    def nodes(self) -> list[str]:
        """Every node reached, the sources first, in the order reached."""
        return list(map(self._ids.__getitem__, self._via))

    def recipients(self) -> list[str]:
        """The nodes reached from another node (the sources left out), in the order reached."""
        via = self._via
        return list(map(self._ids.__getitem__,
                        compress(via, map(_SOURCE_NODE.__ne__, via.values()))))


class _FollowEach:
    """A per-flow filter read as a sequence by flow position (one call per flow looked at)."""

    __slots__ = ("flow_at", "follow")

    def __init__(self, follow: EdgeFilter, flow_at: Sequence[Flow]) -> None:
        self.follow = follow
        self.flow_at = flow_at

    def __getitem__(self, position: int) -> bool:
        return self.follow(self.flow_at[position])


class FlowGraph:
    """The inventory's flows as a graph, with category-aware traversals.

    ``graph`` is the networkx graph, built the first time it is asked for: the
    checks traverse the graph's own lists instead (below), and an inventory of
    a hundred thousand systems makes nearly a million networkx dictionaries.
    ``flow_at[i]`` is the inventory's ``i``-th flow and ``flow_class[i]`` the
    number of its :class:`FlowClass` in ``flow_classes``; ``flow_sizes[n]``
    counts the flows of class ``n``. Each node has a number, its rank in the
    graph's order, so that traversals index lists instead of hashing ids.
    """

    def __init__(self, inventory: Inventory, vocab: Vocabularies, *,
                 like: FlowGraph | None = None) -> None:
        """The graph of ``inventory``; ``like``, a graph of an inventory holding the same
        data subjects, systems, stores and processing activities (the base of a diff, the
        head sharing its models), lends its numbered nodes and store table instead of
        their being made again (:meth:`declares_as`)."""
        self.inventory = inventory
        self.vocab = vocab
        self._graph: nx.MultiDiGraph | None = None
        self.flows: dict[str, Flow] = {}
        self.flow_at: list[Flow] = list(inventory.flows)
        self.flow_classes: list[FlowClass] = []
        self.flow_class: list[int] = []
        self._class_carry: dict[tuple[frozenset[str], frozenset[str], bool], bool] = {}
        self._out: dict[str, list[Flow]] = {}
        self._in: dict[str, list[Flow]] = {}
        self._subjects: list[str] | None = None
        self._subject_ids: list[str] = []  # the data subjects' ids, as declared
        self._roots: list[str] | None = None
        self._purposes_class: tuple[list[frozenset[str] | None], list[int]] | None = None
        self._flow_sizes: list[int] | None = None
        self._transport: TransportGroups | None = None
        # per node number: its id, attributes, owner (its ``system`` attribute, else
        # itself), facts, and the positions of its flows out (its steps)
        self._index: dict[str, int] = {}
        self._ids: list[str] = []
        self._attrs: list[dict[str, Any]] = []
        self._owner: list[str] = []
        self._facts: list[NodeFacts | None] = []
        self._steps: Steps = []
        self._steps_in: Steps | None = None
        self._starts: dict[tuple[str, ...], list[int]] = {}
        # per flow position: the numbers of its source and target, its id
        self._sources: list[int] = []
        self._targets: list[int] = []
        self._flow_ids: list[str] = []
        self._owners: list[int] | None = None
        self._internal: list[int] = []  # numbers of systems declared internal
        self._store_systems: list[str] = []  # each store's system id, in inventory order
        self._repeated_ids = False
        self._store_table = StoreTable(inventory, {})
        self._store_nodes: list[int] = []  # the node number of each store of the table built
        self._built_table = self._store_table
        self._declared = 0  # how many nodes the inventory declares (the others flows name)
        # nodes and flows repeat a few hundred distinct sets: one of each kept
        shared: dict[frozenset[str], frozenset[str]] = {}
        self._shared = shared
        self._frozen: Memo[tuple[str, ...], frozenset[str]] = Memo(
            lambda items: shared.setdefault(frozenset(items), frozenset(items)))
        with paused_gc(), phase("graph"):  # hundreds of thousands of nodes and flows
            if like is not None and like.declares_as(inventory, vocab):
                self._declared_like(like)
            else:
                self._declare(inventory)
            self._add_flows()

    def declares_as(self, inventory: Inventory, vocab: Vocabularies) -> bool:
        """Whether ``inventory`` holds this graph's data subjects, systems, stores and
        processing activities, in the same order (the very same objects, or equal ones),
        read with the same vocabularies: then its declared nodes and store table are this
        graph's (loaded models are never changed)."""
        mine = self.inventory
        return vocab is self.vocab and all(
            len(ours) == len(theirs)
            and all(a is b or a == b for a, b in zip(ours, theirs, strict=True))
            for ours, theirs in ((mine.data_subjects, inventory.data_subjects),
                                 (mine.systems, inventory.systems),
                                 (mine.stores, inventory.stores),
                                 (mine.processing_activities, inventory.processing_activities)))

    def _declared_like(self, like: FlowGraph) -> None:
        """The declared nodes and the store table of ``like`` (see :meth:`declares_as`),
        as :meth:`_declare` would make them: the lists copied, each node's attributes too
        (networkx hands them out), the table's classes shared (never changed once done)."""
        count = self._declared = like._declared
        self._ids = like._ids[:count]
        self._index = dict(zip(self._ids, range(count), strict=True))
        self._attrs = [dict(attrs) for attrs in like._attrs[:count]]
        self._owner = like._owner[:count]
        self._facts = like._facts[:count]
        self._steps = [None] * count
        self._subject_ids = list(like._subject_ids)
        self._internal = list(like._internal)
        self._store_systems = list(like._store_systems)
        self._store_nodes = list(like._store_nodes)
        table = copy(like._built_table)
        table.inventory = self.inventory
        self._store_table = self._built_table = table

    def flow_ids(self) -> list[str]:
        """Each flow's id, in the order of ``flow_at``."""
        return self._flow_ids

    def _declare(self, inventory: Inventory) -> None:
        """Number the declared nodes, with their attributes, and class the stores and fields.

        Nodes come in declaration order (an id declared twice merges its
        attributes into the first's); :meth:`_add_flows` then adds each node
        only flows name, bare, when first named: the order and attributes
        networkx ``add_node`` and ``add_edge`` give (see :attr:`graph`).
        """
        shared = self._shared
        frozen = self._frozen
        distinct: Memo[tuple[bool, str | None, frozenset[str]], NodeFacts] = Memo(
            lambda key: NodeFacts(*key))
        index, ids, attrs_at, owner, facts, steps = (
            self._index, self._ids, self._attrs, self._owner, self._facts, self._steps)

        def add(node_id: str, attrs: dict[str, Any], node_facts: NodeFacts | None) -> int:
            number = index.setdefault(node_id, len(ids))
            if number == len(ids):
                ids.append(node_id)
                attrs_at.append(attrs)
                owner.append(attrs.get("system", node_id))
                facts.append(node_facts)
                steps.append(None)
            else:  # an id declared twice: its node's attributes merge
                merged = attrs_at[number]
                merged.update(attrs)
                owner[number] = merged.get("system", node_id)
                facts[number] = distinct[(merged["third_party"], merged.get("role"),
                                          merged["purposes"])]
            return number

        internal = self._internal
        activity_purposes: dict[str, set[str]] = {}
        for activity in inventory.processing_activities:
            for system_id in activity.systems:
                activity_purposes.setdefault(system_id, set()).update(activity.purposes)
        no_purposes = frozen[()]
        self._subject_ids = [subject.id for subject in inventory.data_subjects]
        for subject in inventory.data_subjects:
            add(subject.id, {"type": "subject", "name": subject.name, "category": subject.category,
                             "third_party": False, "purposes": no_purposes},
                distinct[(False, None, no_purposes)])
        owners: dict[str, Owner] = {}
        for system in inventory.systems:
            system_id, role = system.id, system.role
            extra = activity_purposes.get(system_id)
            purposes = (frozen[(*system.purposes, *extra)] if extra
                        else frozen[tuple(system.purposes)])
            third_party = system.type == "third_party"
            owners[system_id] = Owner(system.type, role)  # the last of an id, as dicts keep
            number = add(system_id, {"type": "system", "name": system.name, "role": role,
                                     "third_party": third_party, "purposes": purposes,
                                     "system": system_id}, distinct[(third_party, role, purposes)])
            if not third_party:
                internal.append(number)
        table = self._store_table = StoreTable(
            inventory, owners, {s.id: tuple(s.purposes) for s in inventory.systems})
        store_systems = self._store_systems
        store_nodes = self._store_nodes.append
        for store in inventory.stores:
            store_systems.append(store.system)
            kind = table.add(store)
            third_party = kind.owner_type == "third_party"
            purposes = shared.setdefault(kind.purposes, kind.purposes)
            store_nodes(add(store.id, {"type": "store", "name": store.name,
                                       "system": store.system, "role": kind.owner_role,
                                       "third_party": third_party, "purposes": purposes},
                            distinct[(third_party, kind.owner_role, purposes)]))
        table.done()
        self._built_table = table
        self._declared = len(ids)

    def _add_flows(self) -> None:
        """Class the flows, and number each node only flows name (bare) when first named."""
        frozen = self._frozen
        index, ids, attrs_at, owner, facts, steps = (
            self._index, self._ids, self._attrs, self._owner, self._facts, self._steps)

        def add(node_id: str) -> int:
            number = index[node_id] = len(ids)
            ids.append(node_id)
            attrs_at.append({})
            owner.append(node_id)
            facts.append(None)
            steps.append(None)
            return number

        flows = self.flows
        classes: Classes[FlowClass] = Classes(lambda key: FlowClass(
            frozen[key[0]], frozen[key[1]], *key[2:]))
        self.flow_classes = classes.described
        flow_class = self.flow_class.append
        sources, targets, flow_ids = (
            self._sources.append, self._targets.append, self._flow_ids.append)
        for position, flow in enumerate(self.flow_at):
            flow_id, source, target, transport = flow.id, flow.source, flow.target, flow.transport
            flows[flow_id] = flow
            start = index.get(source)
            if start is None:  # a node only flows name
                start = add(source)
            end = index.get(target)
            if end is None:
                end = add(target)
            flow_class(classes[(tuple(flow.categories), tuple(flow.purposes), flow.consent_gate,
                                facts[end], transport.protocol, transport.tls,
                                transport.encrypted)])
            sources(start)
            targets(end)
            flow_ids(flow_id)
            found = steps[start]
            if found is None:
                steps[start] = [position]
            else:
                found.append(position)
        if len(flows) < len(self.flow_at):  # a flow id used twice
            self._repeated_ids = True
            self._steps = self._steps_by_id(reverse=False)
        else:
            self._sort_steps(steps, self._targets)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx graph: nodes with their attributes, flows as edges keyed by flow id.

        Built on first use, as ``add_node`` and ``add_edge`` would build it, by
        filling its dictionaries directly: a networkx call per node and edge
        (keyword arguments, a cache clearance, repeated lookups) costs more than
        the work itself on hundreds of thousands of them, and ``add_nodes_from``
        and ``add_edges_from`` run the same code per item. Nodes keep the
        attribute dictionaries :meth:`node` returns; each (source, target, flow
        id) is one edge, whose key dictionary the source's successors and the
        target's predecessors share, its attributes those of its last flow.
        """
        if self._graph is None:
            with paused_gc():
                self._graph = self._networkx()
        return self._graph

    def _networkx(self) -> nx.MultiDiGraph:
        import networkx as nx

        g = nx.MultiDiGraph()
        nodes, succ, pred = g._node, g._succ, g._pred  # see graph's docstring
        outs: list[dict[str, Any]] = []
        ins: list[dict[str, Any]] = []
        for node_id, attrs in zip(self._ids, self._attrs, strict=True):
            nodes[node_id] = attrs
            out: dict[str, Any] = {}
            into: dict[str, Any] = {}
            succ[node_id] = out
            pred[node_id] = into
            outs.append(out)
            ins.append(into)
        ids, classes = self._ids, self.flow_classes
        for flow_id, start, end, number in zip(self._flow_ids, self._sources, self._targets,
                                               self.flow_class, strict=True):
            flow_class = classes[number]
            data = {"categories": flow_class.categories, "purposes": flow_class.purposes,
                    "gate": flow_class.gate}
            source, target, out = ids[start], ids[end], outs[start]
            keyed = out.get(target)
            if keyed is None:
                out[target] = ins[end][source] = {flow_id: data}
            elif flow_id in keyed:  # the same edge again: its attributes updated
                keyed[flow_id].update(data)
            else:
                keyed[flow_id] = data
        return g

    def _sort_steps(self, steps: Steps, ends: list[int]) -> None:
        """Sort each node's steps by the node at their ``ends``, then flow id."""
        by_id = self._flow_ids.__getitem__
        by_end = list(map(self._ids.__getitem__, ends)).__getitem__
        for found in steps:
            if found is not None and len(found) > 1:
                found.sort(key=by_id)
                found.sort(key=by_end)  # stable: by end, then id

    def _steps_by_id(self, *, reverse: bool) -> Steps:
        """Each node's steps when a flow id is used twice: one per (other end, id).

        Edges are keyed by flow id and :attr:`flows` keeps the last flow of each
        id, so a traversal follows that flow (its class, its far end), as it
        did when it looked each edge's flow up by id.
        """
        last = {flow.id: position for position, flow in enumerate(self.flow_at)}
        pairs: dict[int, set[tuple[str, str]]] = {}
        for position, flow in enumerate(self.flow_at):
            node, other = ((self._targets[position], flow.source) if reverse
                           else (self._sources[position], flow.target))
            pairs.setdefault(node, set()).add((other, flow.id))
        steps: Steps = [None] * len(self._ids)
        for node, found in pairs.items():
            steps[node] = [last[key] for _other, key in sorted(found)]
        return steps

    def _steps_into(self) -> Steps:
        """Each node's flows in, by source then id: the steps out, turned round once."""
        if self._steps_in is None:
            if self._repeated_ids:
                self._steps_in = self._steps_by_id(reverse=True)
            else:
                into: Steps = [None] * len(self._ids)
                for position, end in enumerate(self._targets):
                    found = into[end]
                    if found is None:
                        into[end] = [position]
                    else:
                        found.append(position)
                self._sort_steps(into, self._sources)
                self._steps_in = into
        return self._steps_in

    # --- node facts -------------------------------------------------------------
    def node_ids(self) -> list[str]:
        """Every node's id, in the graph's order (declared nodes first, then those flows name)."""
        return list(self._ids)

    def flow_ends(self) -> tuple[list[int], list[int]]:
        """Each flow's source and target node numbers, by the flow's position (read only).

        A node's number is its rank in :meth:`node_ids`; :meth:`number` gives it.
        """
        return self._sources, self._targets

    def numbers(self, node_ids: Iterable[str]) -> list[int | None]:
        """Each node's number (its rank in :meth:`node_ids`); None for an id with no node."""
        return list(map(self._index.get, node_ids))

    def internal_systems(self) -> list[int]:
        """Numbers of the systems declared internal (read only)."""
        return self._internal

    def store_owner_numbers(self) -> list[int | None]:
        """Per store, in inventory order (the store table's), its system's number."""
        return self.numbers(self._store_systems)

    def owner_numbers(self) -> list[int]:
        """Per node number, its owner's: a store's system (itself when the system is not
        declared), any other node itself. Made once."""
        if self._owners is None:
            self._owners = list(map(self._index.get, self._owner, range(len(self._owner))))
        return self._owners

    def node(self, node_id: str) -> dict[str, Any]:
        """Attributes of a node."""
        return self._attrs[self._index[node_id]]

    def subjects(self) -> list[str]:
        """Ids of data-subject nodes, sorted."""
        if self._subjects is None:  # the graph does not change: look once
            # only data subjects are added as such; a later declaration of the same id
            # merges into the node and may make it something else
            attrs, index = self._attrs, self._index
            self._subjects = sorted({n for n in self._subject_ids
                                     if attrs[index[n]]["type"] == "subject"})
        return list(self._subjects)

    def roots(self) -> list[str]:
        """Nodes no flow enters, in the graph's order."""
        if self._roots is None:
            entered = set(self._targets)
            self._roots = list(compress(self._ids, map(not_, map(entered.__contains__,
                                                                 range(len(self._ids))))))
        return list(self._roots)

    def _purpose_classes(self) -> tuple[list[frozenset[str] | None], list[int]]:
        """The distinct purpose sets of the nodes, and each node's number among them."""
        if self._purposes_class is None:  # nodes repeat a few dozen purpose sets: number them
            classes: Classes[frozenset[str] | None] = Classes(lambda key: key)
            self._purposes_class = classes.described, [
                classes[None if f is None else f.purposes] for f in self._facts]
        return self._purposes_class

    def node_purpose_sets(self) -> list[frozenset[str]]:
        """Every distinct set of purposes a declared node processes for."""
        return [p for p in self._purpose_classes()[0] if p is not None]

    def owners(self, verdicts: Sequence[bool]) -> set[str]:
        """Who holds the data at either end of the flows of the classes ``verdicts`` marks true.

        A store stands for its system (its ``system`` attribute); a system, a
        data subject or an undeclared node for itself.
        """
        chosen = list(map(verdicts.__getitem__, self.flow_class))
        ends = set(compress(self._sources, chosen))
        ends.update(compress(self._targets, chosen))
        return set(map(self._owner.__getitem__, ends))

    def store_table(self, inventory: Inventory) -> StoreTable:
        """The stores and fields of ``inventory``, sorted into classes once and kept."""
        if self._store_table.inventory is not inventory:
            self._store_table = StoreTable.of(inventory)
        return self._store_table

    def store_numbers(self, table: StoreTable) -> list[int | None]:
        """The node number of each store of ``table``, in its order (``None``: not a node)."""
        if len(self._store_nodes) == len(table.stores) and table is self._built_table:
            return list(self._store_nodes)
        return list(map(self._index.get, map(_ID, table.stores)))

    def transport_groups(self) -> TransportGroups:
        """The flows sorted by what transport checks judge, once and kept."""
        if self._transport is None:
            subjects = {self._index[s] for s in self.subjects()}
            self._transport = TransportGroups(self.flow_classes, self.flow_class,
                                              map(subjects.__contains__, self._sources))
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

    def source_numbers(self, positions: Iterable[int]) -> list[int]:
        """The node numbers of the sources of the flows at ``positions`` (:meth:`Reached.holds`)."""
        return list(map(self._sources.__getitem__, positions))

    def unreached_sources(self, verdicts: Sequence[bool], reached: Reached) -> list[str]:
        """The sources of the flows of the classes ``verdicts`` marks true that ``reached``
        (a traversal of this graph) did not reach, in id order (in C passes)."""
        numbers = set(map(self._sources.__getitem__, members(self.flow_class, verdicts)))
        numbers.difference_update(reached.numbers())
        return sorted(map(self._ids.__getitem__, numbers))

    def flows_of(self, verdicts: Sequence[bool]) -> list[Flow]:
        """The flows, in inventory order, of the classes ``verdicts`` marks true."""
        flow_at = self.flow_at
        return [flow_at[i] for i in members(self.flow_class, verdicts)]

    # --- category and purpose selection -----------------------------------------
    def _carries(self, categories: frozenset[str], selectors: frozenset[str],
                 broader: bool) -> bool:
        key = (categories, selectors, broader)  # flows repeat a few hundred category sets
        hit = self._class_carry.get(key)
        if hit is None:
            voc = self.vocab.data_categories
            selected = voc.selection(selectors)
            hit = self._class_carry[key] = any(
                selected[c] or (broader and voc.is_broader(c, selectors)) for c in categories)
        return hit

    def categories_carry(self, categories: frozenset[str], selectors: frozenset[str], *,
                         broader: bool = False) -> bool:
        """Whether a flow declaring ``categories`` carries a selected one (:meth:`carries`)."""
        return self._carries(categories, selectors, broader)

    @property
    def repeated_flow_ids(self) -> bool:
        """Whether a flow id is used twice (traversals then follow the last flow of each id)."""
        return self._repeated_ids

    def flow_categories(self) -> frozenset[str]:
        """Every category the flows declare (of a repeated id, the last flow's), from the
        flows' classes (each class made for a flow): no pass over the flows themselves."""
        if self._repeated_ids:
            return frozenset(c for f in self.flows.values() for c in f.categories)
        return frozenset(chain.from_iterable(c.categories for c in self.flow_classes))

    def edges(self) -> set[tuple[str, str, frozenset[str]]] | None:
        """Every (source, target, categories) the flows declare, as a set (made in C passes).

        ``None`` when a flow id is used twice: traversals then follow the last flow
        of each id (:meth:`_steps_by_id`), which the set would not tell.
        """
        if self._repeated_ids:
            return None
        classes = self.flow_classes
        return set(zip(map(self._ids.__getitem__, self._sources),
                       map(self._ids.__getitem__, self._targets),
                       (classes[n].categories for n in self.flow_class), strict=True))

    def carries(self, flow: Flow, selectors: frozenset[str], *, broader: bool = False) -> bool:
        """Whether ``flow`` carries a selected category.

        With ``broader``, a flow declaring an ancestor of a selector (say
        ``user.financial`` for ``user.financial.credit_card.number``) counts too:
        it may carry the selected data, so strict checks treat it as carrying.
        """
        return self._carries(frozenset(flow.categories), selectors, broader)

    def selection(self, vocabulary: str, selectors: frozenset[str]) -> TermSelection:
        """Which ids of ``vocabulary`` ``selectors`` select, as a memoised mapping id -> bool.

        ``graph.selection("data_categories", s)[c]`` equals
        ``vocab.data_categories.is_selected(c, s)``, at the cost of one dict lookup
        once ``c`` has been seen: the checks ask it once per field or flow.
        """
        return self.vocab.get(vocabulary).selection(selectors)

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
            steps = self._steps_into() if reverse else self._steps
            flow_at = self.flow_at
            found = cache[node_id] = [flow_at[p] for p in steps[self._index[node_id]] or ()]
        return found

    def out_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows leaving a node, in id order."""
        yield from self._sorted_flows(node_id, False)

    def in_flows(self, node_id: str) -> Iterator[Flow]:
        """Flows entering a node, in id order."""
        yield from self._sorted_flows(node_id, True)

    def _first(self, sources: Iterable[str]) -> list[int]:
        """The numbers of the sources in the graph, in id order: a traversal's first nodes."""
        given = tuple(sources)
        first = self._starts.get(given)
        if first is None:  # traversals often start from the same many nodes: sort them once
            index = self._index
            first = [index[s] for s in sorted(set(given)) if s in index]
            if len(self._starts) < 8:
                self._starts[given] = first
        return list(first)

    def _walk(self, sources: Iterable[str], accepted: Sequence[bool] | _FollowEach,
              reverse: bool) -> dict[int, int]:
        """The traversal kernel: breadth-first from ``sources`` along the accepted flows.

        ``accepted[p]`` says whether the flow at position ``p`` may be followed.
        Returns each reached node's number, in the order reached (the sources
        first, in id order), with the position of the flow that first reached
        it (:data:`_SOURCE_NODE` for a source): shortest paths in hops, O(V + E).
        """
        order = self._first(sources)
        via = dict.fromkeys(order, _SOURCE_NODE)
        steps = self._steps_into() if reverse else self._steps
        ends = self._sources if reverse else self._targets
        for node in order:  # the loop sees the nodes appended as they are reached
            for position in steps[node] or ():
                if accepted[position]:
                    nxt = ends[position]
                    if nxt not in via:
                        via[nxt] = position
                        order.append(nxt)
        return via

    def reach(self, sources: Iterable[str], follow: EdgeFilter, *,
              reverse: bool = False) -> Parents:
        """Breadth-first reach from ``sources`` along flows that ``follow`` accepts.

        Returns each reached node with the (previous node, flow id) that first
        reached it, ``None`` for the sources. Shortest paths in hops; O(V + E).
        """
        via = self._walk(sources, _FollowEach(follow, self.flow_at), reverse)
        ids, flow_ids = self._ids, self._flow_ids
        other = self._targets if reverse else self._sources
        return {ids[n]: None if p == _SOURCE_NODE else (ids[other[p]], flow_ids[p])
                for n, p in via.items()}

    def reach_classes(self, sources: Iterable[str], allowed: Sequence[bool], *,
                      reverse: bool = False) -> Reached:
        """:meth:`reach` along the flows of the classes ``allowed`` marks true.

        The same answer as ``reach(sources, follow)`` when ``allowed[n]`` is
        ``follow``'s verdict on the flows of class ``n``, without a call per flow:
        the verdict of each flow is looked up from its class once, in one pass.
        """
        accepted = list(map(allowed.__getitem__, self.flow_class))
        via = self._walk(sources, accepted, reverse)
        return Reached(self._index, self._ids, self._flow_ids, via,
                       self._targets if reverse else self._sources)

    @staticmethod
    def path(parents: ParentLookup, node: str) -> list[Hop]:
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


PATH_HOPS_SHOWN = 20
"""A finding's path evidence shows at most this many hops from the source, then one
marker node saying how many hops it leaves out, then the hops into the finding's own
subject. Evidence then grows with the number of findings, not with the square of a
chain's length (a 2,000-hop chain made a 182 MB JSON report before)."""


def left_out_marker(count: int) -> str:
    """The node standing for ``count`` hops left out of a path's evidence."""
    return f"… {count:,} more hops …"


class PathPrefixes:
    """Bounded path evidence for many nodes of one traversal, in time linear in its size.

    The depth of each reached node, and its ancestor at depth :data:`PATH_HOPS_SHOWN`
    (or itself when closer to the source), are memoised: every node is walked once
    however many findings ask, and each finding's evidence costs at most
    :data:`PATH_HOPS_SHOWN` steps.
    """

    def __init__(self, parents: ParentLookup, limit: int = PATH_HOPS_SHOWN) -> None:
        self.parents = parents
        self.limit = limit
        self.depth: dict[str, int] = {}
        self.anchor: dict[str, str] = {}

    def _fill(self, node: str) -> None:
        chain: list[str] = []
        seen: set[str] = set()
        while node not in self.depth:
            step = self.parents.get(node)
            if step is None or node in seen:  # a source (or a loop: treated as one)
                self.depth[node], self.anchor[node] = 0, node
                break
            seen.add(node)
            chain.append(node)
            node = step[0]
        for current in reversed(chain):
            if current in self.depth:
                continue
            step = self.parents.get(current)
            assert step is not None
            depth = self.depth[step[0]] + 1
            self.depth[current] = depth
            self.anchor[current] = current if depth <= self.limit else self.anchor[step[0]]

    def evidence(self, node: str, then: tuple[str, str] | None = None) -> dict[str, Any]:
        """``{"path": [...], "flows": [...]}`` from a source to ``node``, capped; ``then``
        (a flow id and its target) adds one last hop. ``hops_left_out`` counts a cut."""
        self._fill(node)
        anchor = self.anchor[node]
        head = FlowGraph.path(self.parents, anchor)
        nodes = [head[0].source] + [h.target for h in head] if head else [anchor]
        flows = [h.flow for h in head]
        evidence: dict[str, Any] = {"path": nodes, "flows": flows}
        if anchor != node:
            step = self.parents.get(node)
            assert step is not None
            left_out = self.depth[node] - self.depth[anchor] - 1
            if left_out > 0:
                nodes.append(left_out_marker(left_out))
                flows.append("…")
                evidence["hops_left_out"] = left_out
            nodes.append(node)
            flows.append(step[1])
        if then is not None:
            flows.append(then[0])
            nodes.append(then[1])
        return evidence

