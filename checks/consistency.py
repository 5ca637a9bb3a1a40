"""Consistency of an inventory with itself: what a node sends, it must have.

A flow leaving a store carries data out of it: each category the flow declares
must be held by one of the store's fields (the same category, a finer or a
broader one). A flow leaving an internal system carries what the system keeps
in its stores, receives in a flow or collects (a processing activity naming it
records what it processes about data subjects). A category sent but not had means the
inventory is incomplete, so checks that judge stores by their fields would pass
data they never saw: it is an ``error`` notice that fails the run, and the kinds
that judge stored data (forbidden-storage) also treat such a category as held,
and say so. Data subjects (where data is collected) and third parties (their own
holdings lie outside the inventory) are not judged.

Systems, third parties and stores that no flow touches are ``warning`` notices:
nothing the flow checks judge reaches them.

Computed once per inventory: flows repeat a few classes from a few kinds of
store, so each (holdings, flow class) pair is judged once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import add, attrgetter, itemgetter, mul
from typing import cast
from weakref import WeakKeyDictionary

from pledge.checks.context import CheckContext
from pledge.checks.findings import Subject
from pledge.checks.graph.tables import StoreTable
from pledge.checks.notices import Notice
from pledge.policy_model.inventory import Flow, Store
from pledge.policy_model.vocabulary import Vocabulary


@dataclass(frozen=True)
class UndeclaredSend:
    """A flow sending, from a store, categories none of the store's fields holds."""

    flow: Flow
    store: Store
    store_position: int
    categories: tuple[str, ...]




@dataclass(frozen=True)
class SendGroup:
    """The flows sending, from stores of one class, flows of one class, what those stores lack.

    ``positions`` are the flows' positions in the inventory, in order, and
    ``stores`` the positions of their source stores, pair by pair.
    """

    store_class: int
    categories: tuple[str, ...]
    positions: tuple[int, ...]
    stores: tuple[int, ...]


_GROUPS: WeakKeyDictionary[StoreTable, list[SendGroup]] = WeakKeyDictionary()
_FOUND: WeakKeyDictionary[StoreTable, list[UndeclaredSend]] = WeakKeyDictionary()


def undeclared_groups(ctx: CheckContext) -> list[SendGroup]:
    """The flows sending from a store what it does not hold, by (store class, flow class).

    Every flow is numbered by the pair of its source store's class and its own
    class (``-1`` when it leaves no store) in C-level passes; each distinct
    pair is judged once, and only the flows of the pairs that lack something
    are visited. A store id declared twice counts as its last declaration.
    """
    graph = ctx.graph
    table = graph.store_table(ctx.inventory)
    found = _GROUPS.get(table)
    if found is not None:
        return found
    voc = ctx.vocab.data_categories
    width = len(graph.flow_classes)
    nodes = graph.store_numbers(table)
    # by node number: the last store of that id, and its class times the number of flow
    # classes (a flow's pair is that plus its own class); nodes that are no store: none
    last_store = dict(zip(nodes, range(len(nodes)), strict=True))
    last_store.pop(None, None)
    base = dict(zip(nodes, map(mul, table.store_class, repeat(width)), strict=True))
    pairs = list(map(add, map(base.get, graph.source_numbers(range(len(graph.flow_at))),
                              repeat(-width)),
                     graph.flow_class))  # negative: the flow leaves no store
    lacking: dict[int, tuple[str, ...]] = {}
    for pair in set(pairs):
        if pair < 0:
            continue
        store_class, flow_class = divmod(pair, width)
        held = table.store_classes[store_class].categories
        missing = tuple(sorted(
            c for c in graph.flow_classes[flow_class].categories
            if not any(voc.is_selected(c, frozenset({h})) or voc.is_selected(h, frozenset({c}))
                       for h in held)))
        if missing:
            lacking[pair] = missing
    members: dict[int, list[int]] = {}
    for position in compress(range(len(pairs)), map(lacking.__contains__, pairs)):
        members.setdefault(pairs[position], []).append(position)
    found = []
    sources = graph.source_numbers
    for pair, positions in sorted(members.items(), key=lambda item: item[1][0]):
        stores = tuple(map(last_store.__getitem__, sources(positions)))
        found.append(SendGroup(pair // width, lacking[pair], tuple(positions), stores))
    _GROUPS[table] = found
    return found



def undeclared_sends(ctx: CheckContext) -> list[UndeclaredSend]:
    """Every flow, in inventory order, sending from a store what the store does not hold."""
    graph = ctx.graph
    table = graph.store_table(ctx.inventory)
    found = _FOUND.get(table)
    if found is None:
        sends = [(position, store, group.categories) for group in undeclared_groups(ctx)
                 for position, store in zip(group.positions, group.stores, strict=True)]
        found = _FOUND[table] = [
            UndeclaredSend(graph.flow_at[position], table.stores[store], store, categories)
            for position, store, categories in sorted(sends)]
    return found


# --- every flow: what it sends, its source holds, receives or collects ------------------------
@dataclass(frozen=True)
class UnheldSend:
    """A flow sending categories its source neither holds, receives nor collects."""

    flow: Flow
    source_type: str
    """``store`` or ``system``."""
    categories: tuple[str, ...]


_TARGET = attrgetter("target")
_SYSTEM = attrgetter("system")
_ID = attrgetter("id")
_TYPE = attrgetter("type")
_INTERNAL = "internal".__eq__


_ANCESTORS: dict[str, tuple[str, ...]] = {}
_AROUND: dict[frozenset[str], frozenset[str]] = {}


def _above(category: str) -> tuple[str, ...]:
    found = _ANCESTORS.get(category)
    if found is None:
        found = _ANCESTORS[category] = tuple(Vocabulary.ancestors(category)[1:])
    return found


def _missing(held: frozenset[str], sent: frozenset[str]) -> tuple[str, ...]:
    """The sent categories no held one is, contains or lies under, sorted."""
    around = _AROUND.get(held)  # what is held, and every category above it
    if around is None:
        if len(_AROUND) > 4096:
            _AROUND.clear()
        around = _AROUND[held] = held.union(*map(_above, held))
    return tuple(sorted(c for c in sent if c not in around
                        and not any(a in held for a in _above(c))))


def unheld_sends(ctx: CheckContext) -> list[UnheldSend]:
    """Every flow sending what its source does not have: stores' first, then systems'.

    A store has what its fields hold (the same category, a finer or a broader
    one). An internal system has what its stores' fields hold, what flows bring
    to it or to its stores, and what it collects from data subjects (the
    categories of a processing activity naming it). A data subject is where data
    is collected,
    and a third party's own holdings lie outside the inventory (a processor
    makes tokens, a social network has profiles): neither is judged.

    Over node numbers and distinct shapes rather than flows: what a system's
    stores hold is judged once per (stores' classes, flow class); what flows
    bring to a system is read only for the flows that leaves unexplained.
    """
    graph = ctx.graph
    found = [UnheldSend(s.flow, "store", s.categories) for s in undeclared_sends(ctx)]
    classes, flow_classes = graph.flow_class, graph.flow_classes
    sources, targets = graph.flow_ends()
    senders = set(graph.internal_systems())
    senders.intersection_update(sources)
    if not senders:
        return found
    table = graph.store_table(ctx.inventory)
    owner = graph.owner_numbers()
    # None only for a store of an undeclared system, which is never a sender
    store_owner = cast("list[int]", graph.store_owner_numbers())
    shape_of, held = _holdings(senders, store_owner, table)
    keys = list(zip(map(shape_of.get, sources), classes, strict=True))
    unexplained = {key for key in set(keys) if key[0] is not None
                   and not flow_classes[key[1]].categories <= held[key[0]]
                   and _missing(held[key[0]], flow_classes[key[1]].categories)}
    if not unexplained:
        return found
    suspects = list(compress(range(len(keys)), map(unexplained.__contains__, keys)))
    # what flows bring to the suspects' systems, or to their stores
    bare = {sources[i] for i in suspects}
    ends = list(map(owner.__getitem__, targets))
    received: dict[int, set[int]] = {}
    for system, flow_class in set(compress(zip(ends, classes, strict=True),
                                           map(bare.__contains__, ends))):
        received.setdefault(system, set()).add(flow_class)
    # what a processing activity records the system processing about data subjects: collected
    collected: dict[int, set[str]] = {}
    activities = ctx.inventory.processing_activities
    named = list(map(attrgetter("systems"), activities))
    numbers = graph.numbers(chain.from_iterable(named))  # every system named, flat, in C
    of_activity = chain.from_iterable(map(repeat, activities, map(len, named)))
    for number, activity in compress(zip(numbers, of_activity, strict=True),
                                     map(bare.__contains__, numbers)):
        collected.setdefault(cast("int", number), set()).update(activity.categories)
    received_shape: dict[frozenset[int], int] = {}  # classes received -> a number
    shape_in = {system: received_shape.setdefault(frozenset(got), len(received_shape))
                for system, got in received.items()}
    collected_shape: dict[frozenset[str], int] = {}
    shape_got = {system: collected_shape.setdefault(frozenset(got), len(collected_shape))
                 for system, got in collected.items()}
    memo: dict[tuple[int, int | None, int | None, int], tuple[str, ...]] = {}
    flows = graph.flow_at
    for position in suspects:
        source, flow_class = sources[position], classes[position]
        key = (shape_of[source], shape_in.get(source), shape_got.get(source), flow_class)
        missing = memo.get(key)
        if missing is None:
            has = held[key[0]].union(
                *(flow_classes[n].categories for n in received.get(source, ())),
                collected.get(source, ()))
            missing = memo[key] = _missing(has, flow_classes[flow_class].categories)
        if missing:
            found.append(UnheldSend(flows[position], "system", missing))
    return found


def _holdings(senders: set[int], store_owner: list[int], table: StoreTable
              ) -> tuple[dict[int, int], list[frozenset[str]]]:
    """Each sender's holdings by its stores, as a shape number, and each shape's categories.

    A shape is the set of store classes a system owns. Most systems own stores of one
    class: their shape is that class, found by C-level passes (one set of pairs, one
    count, one dict); only systems owning several classes are grouped in Python.
    """
    pairs = set(compress(zip(store_owner, table.store_class, strict=True),
                         map(senders.__contains__, store_owner)))
    counts = Counter(map(itemgetter(0), pairs))
    shapes: dict[frozenset[int], int] = {frozenset(): 0}  # store classes owned -> a number
    shape_of = dict.fromkeys(senders, 0)
    single = dict(pairs)  # system -> its class, right where it owns one class
    of_class = {c: shapes.setdefault(frozenset((c,)), len(shapes))
                for c in sorted(set(single.values()))}
    shape_of.update(zip(single, map(of_class.__getitem__, single.values()), strict=True))
    several: dict[int, set[int]] = {}
    for system, store_class in pairs:
        if counts[system] > 1:
            several.setdefault(system, set()).add(store_class)
    for system, owned in several.items():
        shape_of[system] = shapes.setdefault(frozenset(owned), len(shapes))
    classes = table.store_classes
    return shape_of, [frozenset(c for n in shape for c in classes[n].categories)
                      for shape in shapes]


def _unheld_notice(ctx: CheckContext, sent: UnheldSend) -> Notice:
    flow, cats = sent.flow, ", ".join(sent.categories)
    if sent.source_type == "store":
        why = f"store '{flow.source}' declares no field of it"
        fix = (f"declare the field in store '{flow.source}', or correct the flow's categories")
    else:
        why = (f"system '{flow.source}' neither keeps it in one of its stores, nor receives "
               "it in any flow, nor collects it in a processing activity")
        fix = (f"declare the flow that brings it to '{flow.source}' (or the field of its "
               "store that keeps it, or the processing activity that collects it), or "
               "correct the flow's categories")
    return Notice(
        rule="unheld-category", level="error", subject=Subject(type="flow", id=flow.id),
        message=f"flow '{flow.id}' sends {cats}, but {why}: an inventory that sends what it "
                "does not declare holding cannot be judged on its stores",
        remediation=fix,
        evidence={"rule": "unheld-category", "source": flow.source,
                  "source_type": sent.source_type, "categories": list(sent.categories)},
        location=ctx.sources.locate("flow", flow.id, "categories"),
    ).with_fingerprint()


def isolated_nodes(ctx: CheckContext) -> list[tuple[str, str, bool]]:
    """Systems, third parties and stores no flow touches: (type, id, third party), sorted.

    A system counts as taking part when a flow touches it or one of its stores;
    a third party's store, when a flow touches the third party (its store is
    where that data rests: the graph queries reach it there). Over node numbers:
    set operations, then a look at the few nodes left out.
    """
    graph = ctx.graph
    sources, targets = graph.flow_ends()
    touched = set(sources)
    touched.update(targets)
    ids = graph.node_ids()
    lone = set(range(len(ids))).difference(touched)
    if not lone:
        return []
    owner = graph.owner_numbers()
    busy = set(map(owner.__getitem__, touched))  # systems taking part through a store
    found = []
    for number in lone:
        attrs = graph.node(ids[number])
        kind, third = attrs.get("type"), bool(attrs.get("third_party"))
        if kind == "system" and number not in busy:
            found.append(("system", ids[number], third))
        elif kind == "store" and not (third and owner[number] in touched):
            found.append(("store", ids[number], third))
    return sorted(found)


def _isolated_notice(ctx: CheckContext, node_type: str, ident: str, third: bool) -> Notice:
    what = ("third party" if third else "system") if node_type == "system" else (
        "third-party store" if third else "store")
    return Notice(
        rule="isolated-node", level="warning", subject=Subject(type=node_type, id=ident),
        message=f"{what} '{ident}' takes part in no flow: no data reaches it or leaves it, "
                "so no commitment about flows judges it",
        remediation="declare the flows into and out of it, or remove it from the inventory",
        evidence={"rule": "isolated-node", "third_party": third},
        location=ctx.sources.locate(node_type, ident),
    ).with_fingerprint()


def inventory_notices(ctx: CheckContext) -> list[Notice]:
    """Every inconsistency of the inventory with itself, errors first, sorted."""
    notices = [_unheld_notice(ctx, sent) for sent in unheld_sends(ctx)]
    notices += [_isolated_notice(ctx, *node) for node in isolated_nodes(ctx)]
    return sorted(notices, key=Notice.sort_key)
