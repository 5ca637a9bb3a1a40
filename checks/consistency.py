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
from itertools import compress
from operator import attrgetter
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
