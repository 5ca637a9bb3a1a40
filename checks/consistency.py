"""Consistency of an inventory with itself: what a node sends, it must have.

A flow leaving a store carries data out of it: each category the flow declares
must be held by one of the store's fields (the same category, a finer or a
broader one). A flow leaving an internal system carries what the system keeps
in its stores or receives in a flow. A category sent but not had means the
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

from dataclasses import dataclass
from itertools import compress
from operator import attrgetter
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


_SOURCE = attrgetter("source")


def _IS_SET(value: object) -> bool:  # noqa: N802 - read as a constant predicate
    return value is not None


_FOUND: WeakKeyDictionary[StoreTable, list[UndeclaredSend]] = WeakKeyDictionary()


def undeclared_sends(ctx: CheckContext) -> list[UndeclaredSend]:
    """Every flow, in inventory order, sending from a store what the store does not hold."""
    graph = ctx.graph
    table = graph.store_table(ctx.inventory)
    found = _FOUND.get(table)
    if found is not None:
        return found
    voc = ctx.vocab.data_categories
    where = {store.id: position for position, store in enumerate(table.stores)}
    from_store = list(map(where.get, map(_SOURCE, graph.flow_at)))
    memo: dict[tuple[int, int], tuple[str, ...]] = {}
    found = []
    for position in compress(range(len(from_store)), map(_IS_SET, from_store)):
        store_position = from_store[position]
        assert store_position is not None
        key = (table.store_class[store_position], graph.flow_class[position])
        missing = memo.get(key)
        if missing is None:
            held = table.store_classes[key[0]].categories
            missing = memo[key] = tuple(sorted(
                c for c in graph.flow_classes[key[1]].categories
                if not any(voc.is_selected(c, frozenset({h}))
                           or voc.is_selected(h, frozenset({c})) for h in held)))
        if missing:
            found.append(UndeclaredSend(graph.flow_at[position], table.stores[store_position],
                                        store_position, missing))
    _FOUND[table] = found
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


def _missing(held: frozenset[str], sent: frozenset[str]) -> tuple[str, ...]:
    """The sent categories no held one is, contains or lies under, sorted."""
    missing = []
    for category in sent:
        if category in held:
            continue
        above = _ANCESTORS.get(category)
        if above is None:
            above = _ANCESTORS[category] = tuple(Vocabulary.ancestors(category)[1:])
        if any(a in held for a in above):
            continue
        prefix = category + "."
        if not any(h.startswith(prefix) for h in held):
            missing.append(category)
    return tuple(sorted(missing))


def unheld_sends(ctx: CheckContext) -> list[UnheldSend]:
    """Every flow sending what its source does not have: stores' first, then systems'.

    A store has what its fields hold (the same category, a finer or a broader
    one). An internal system has what its stores' fields hold and what flows
    bring to it or to its stores. A data subject is where data is collected,
    and a third party's own holdings lie outside the inventory (a processor
    makes tokens, a social network has profiles): neither is judged.

    In two steps, each over distinct shapes rather than flows: what a system's
    stores hold, judged once per (stores' classes, flow class); then, only for
    the flows that leaves unexplained, what flows bring to their systems.
    """
    graph = ctx.graph
    found = [UnheldSend(s.flow, "store", s.categories) for s in undeclared_sends(ctx)]
    flows, classes, flow_classes = graph.flow_at, graph.flow_class, graph.flow_classes
    systems = ctx.inventory.systems
    sources, targets = graph.flow_ends()
    senders = set(compress(map(_ID, systems), map(_INTERNAL, map(_TYPE, systems))))
    senders.intersection_update(sources)
    if not senders:
        return found
    table = graph.store_table(ctx.inventory)
    store_system = list(map(_SYSTEM, table.stores))
    owned: dict[str, list[int]] = {}
    for system, store_class in set(compress(zip(store_system, table.store_class, strict=True),
                                            map(senders.__contains__, store_system))):
        owned.setdefault(system, []).append(store_class)
    shapes: dict[frozenset[int], int] = {frozenset(): 0}  # store classes owned -> a number
    shape_of = dict.fromkeys(senders, 0)
    for system, owned_classes in owned.items():
        shape_of[system] = shapes.setdefault(frozenset(owned_classes), len(shapes))
    held = [frozenset(c for n in shape for c in table.store_classes[n].categories)
            for shape in shapes]
    keys = list(zip(map(shape_of.get, sources), classes, strict=True))
    unexplained = {key for key in set(keys) if key[0] is not None
                   and not flow_classes[key[1]].categories <= held[key[0]]
                   and _missing(held[key[0]], flow_classes[key[1]].categories)}
    if not unexplained:
        return found
    suspects = list(compress(range(len(keys)), map(unexplained.__contains__, keys)))
    # what flows bring to the suspects' systems, or to their stores
    bare = {sources[i] for i in suspects}
    ends = dict(zip(bare, bare, strict=True))
    ends.update((s.id, s.system) for s in compress(table.stores,
                                                   map(bare.__contains__, store_system)))
    received: dict[str, set[int]] = {}
    for target, flow_class in set(compress(zip(targets, classes, strict=True),
                                           map(ends.__contains__, targets))):
        received.setdefault(ends[target], set()).add(flow_class)
    memo: dict[tuple[str, int], tuple[str, ...]] = {}
    for position in suspects:
        source, flow_class = sources[position], classes[position]
        missing = memo.get((source, flow_class))
        if missing is None:
            has = held[shape_of[source]].union(
                *(flow_classes[n].categories for n in received.get(source, ())))
            missing = memo[(source, flow_class)] = _missing(
                has, flow_classes[flow_class].categories)
        if missing:
            found.append(UnheldSend(flows[position], "system", missing))
    return found


def _unheld_notice(ctx: CheckContext, sent: UnheldSend) -> Notice:
    flow, cats = sent.flow, ", ".join(sent.categories)
    if sent.source_type == "store":
        why = f"store '{flow.source}' declares no field of it"
        fix = (f"declare the field in store '{flow.source}', or correct the flow's categories")
    else:
        why = (f"system '{flow.source}' neither keeps it in one of its stores nor receives "
               "it in any flow")
        fix = (f"declare the flow that brings it to '{flow.source}' (or the field of its "
               "store that keeps it), or correct the flow's categories")
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
    where that data rests: the graph queries reach it there).
    """
    sources, targets = ctx.graph.flow_ends()
    touched = set(sources)
    touched.update(targets)
    inv = ctx.inventory
    lone_systems = set(map(_ID, inv.systems)).difference(touched)
    store_ids = list(map(_ID, inv.stores))
    lone_stores = set(store_ids).difference(touched)
    if not lone_systems and not lone_stores:
        return []
    kind = {s.id: s.type for s in inv.systems if s.id in lone_systems or s.type == "third_party"}
    if lone_systems:  # a system whose stores take part takes part
        lone_systems.difference_update(map(_SYSTEM, compress(
            inv.stores, map(touched.__contains__, store_ids))))
    found = [("system", ident, kind[ident] == "third_party") for ident in lone_systems]
    for store in inv.stores:
        if store.id in lone_stores:
            third = kind.get(store.system) == "third_party"
            if not (third and store.system in touched):
                found.append(("store", store.id, third))
    return sorted(set(found))


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
