"""Consistency of an inventory with itself: what a store sends, it must hold.

A flow leaving a store carries data out of it: each category the flow declares
must be held by one of the store's fields (the same category, a finer or a
broader one). A category sent but not held means the store's fields are
incomplete, so checks that judge stores by their fields would pass data they
never saw; the kinds that judge stored data (forbidden-storage) treat such a
category as held, and say so.

Computed once per inventory: flows repeat a few classes from a few kinds of
store, so each (store class, flow class) pair is judged once.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, mul
from weakref import WeakKeyDictionary

from pledge.checks.context import CheckContext
from pledge.checks.graph.tables import StoreTable
from pledge.policy_model.inventory import Flow, Store


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
