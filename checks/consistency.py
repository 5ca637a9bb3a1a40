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


def _missing(held: frozenset[str], sent: frozenset[str]) -> tuple[str, ...]:
    """The sent categories no held one is, contains or lies under, sorted."""
    around = {a for h in held for a in Vocabulary.ancestors(h)}
    return tuple(sorted(c for c in sent if c not in around
                        and not any(a in held for a in Vocabulary.ancestors(c)[1:])))


def unheld_sends(ctx: CheckContext) -> list[UnheldSend]:
    """Every flow, in inventory order, sending what its source does not have.

    A store has what its fields hold (the same category, a finer or a broader
    one). An internal system has what its stores' fields hold and what flows
    bring to it or to its stores. A data subject is where data is collected,
    and a third party's own holdings lie outside the inventory (a processor
    makes tokens, a social network has profiles): neither is judged. Judged
    once per (holdings, flow class), so repeated shapes cost a lookup.
    """
    graph = ctx.graph
    found: list[UnheldSend] = [
        UnheldSend(s.flow, "store", s.categories) for s in undeclared_sends(ctx)]
    flows = graph.flow_at
    internal = {s.id for s in ctx.inventory.systems if s.type == "internal"}
    senders = internal.intersection(map(_SOURCE, flows))
    if senders:
        table = graph.store_table(ctx.inventory)
        owner = {s.id: s.system for s in table.stores}
        stored: dict[str, set[int]] = {}
        for position, store in enumerate(table.stores):
            if store.system in senders:
                stored.setdefault(store.system, set()).add(table.store_class[position])
        received: dict[str, set[int]] = {}
        for target, flow_class in zip(map(_TARGET, flows), graph.flow_class, strict=True):
            system = target if target in senders else owner.get(target)
            if system in senders:
                received.setdefault(system, set()).add(flow_class)
        holdings: dict[tuple[frozenset[int], frozenset[int]], frozenset[str]] = {}
        held_by: dict[str, frozenset[str]] = {}
        for system in senders:
            key = (frozenset(stored.get(system, ())), frozenset(received.get(system, ())))
            held = holdings.get(key)
            if held is None:
                cats = {c for n in key[0] for c in table.store_classes[n].categories}
                cats.update(c for n in key[1] for c in graph.flow_classes[n].categories)
                held = holdings[key] = frozenset(cats)
            held_by[system] = held
        memo: dict[tuple[int, int], tuple[str, ...]] = {}
        for flow, flow_class in zip(flows, graph.flow_class, strict=True):
            held = held_by.get(flow.source)
            if held is None:
                continue
            pair = (id(held), flow_class)
            missing = memo.get(pair)
            if missing is None:
                missing = memo[pair] = _missing(held, graph.flow_classes[flow_class].categories)
            if missing:
                found.append(UnheldSend(flow, "system", missing))
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
    flows = ctx.graph.flow_at
    touched = set(map(_SOURCE, flows))
    touched.update(map(_TARGET, flows))
    inv = ctx.inventory
    kind = {s.id: s.type for s in inv.systems}
    used = {s.system for s in inv.stores if s.id in touched}
    found = [("system", s.id, s.type == "third_party") for s in inv.systems
             if s.id not in touched and s.id not in used]
    found += [("store", s.id, kind.get(s.system) == "third_party") for s in inv.stores
              if s.id not in touched
              and not (kind.get(s.system) == "third_party" and s.system in touched)]
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
