"""Judgements computed once per inventory give what the per-item computations they replace give.

The label lint judges each store *shape* (its fields' names and classes) once,
and the consistency check each (store class, flow class) pair once. Here each
expectation is computed the plain way, field by field and flow by flow, on
MAROSOAP, every example, an inventory the loader would refuse (ids declared
twice, a store named like a system, nodes only flows name) and one where many
stores share classes under different names, some of them mislabelled.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pledge.checks.consistency import UndeclaredSend, undeclared_groups, undeclared_sends
from pledge.checks.context import CheckContext
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.checks.label_lint import Mislabel, bundled_rules, consistent, mislabelled
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.sources import SourceIndex
from pledge.policy_model.vocabulary import default_vocabularies
from tests.checks.test_graph_classes import CASES, IDS, REFUSED

VOCAB = default_vocabularies()


def _store(ident: str, system: str, names: list[tuple[str, str]]) -> dict[str, Any]:
    return {"id": ident, "name": ident, "system": system, "purposes": ["essential.service"],
            "retention": "P1Y", "fields": [{"name": n, "category": c} for n, c in names]}


SAME_CLASSES_OTHER_NAMES: dict[str, Any] = {
    "inventory": {"name": "shapes"},
    "data_subjects": [{"id": "people", "name": "People", "category": "customer"}],
    "systems": [
        {"id": "shop", "name": "Shop", "type": "internal", "role": "storefront", "country": "MA",
         "purposes": ["essential.service"]},
        {"id": "psp", "name": "PSP", "type": "third_party", "role": "payment_processor",
         "country": "US"}],
    "stores": [  # equal classes, fields named differently: only some names say a card number
        _store("a", "shop", [("email", "user.contact.email"),
                             ("note", "user.financial.bank_account")]),
        _store("b", "shop", [("email", "user.contact.email"),
                             ("cc_number", "user.financial.bank_account")]),
        _store("c", "shop", [("courriel", "user.contact.email"),
                             ("numero_carte", "user.financial.bank_account")]),
        _store("d", "shop", [("email", "system.operations"),
                             ("cc_number", "user.financial.bank_account")]),
        _store("b", "psp", [("pan", "system.operations"), ("cvv2", "system.operations")]),
        _store("e", "shop", [("email", "user.contact.email"),
                             ("cc_number", "user.financial.bank_account")]),
        _store("f", "shop", []),
    ],
    "flows": [
        {"id": f"f{n}", "source": source, "target": target, "categories": categories,
         "purposes": ["essential.service"], "transport": {"protocol": "https", "tls": "1.3"}}
        for n, (source, target, categories) in enumerate([
            ("people", "shop", ["user.contact"]),
            ("a", "psp", ["user.financial.credit_card.number"]),
            ("b", "psp", ["user.contact.email", "user.behavior"]),
            ("c", "psp", ["user.financial"]),
            ("a", "shop", ["user.financial.credit_card.number"]),
            ("f", "psp", ["user.name"]),
            ("shop", "b", ["user.name"]),
            ("e", "ghost", ["user.device.ip_address", "user.contact"]),
            ("d", "d", ["system"]),
        ])],
}

ALL = [*CASES, ("shapes", Inventory.model_validate(SAME_CLASSES_OTHER_NAMES)),
       ("refused-again", Inventory.model_validate(REFUSED))]
ALL_IDS = [*IDS, "shapes", "refused-again"]


def _context(inventory: Inventory, *, own_table: bool) -> CheckContext:
    graph = FlowGraph(inventory, VOCAB)
    if not own_table:  # a table made apart from the graph's build (StoreTable.of)
        inventory = inventory.model_copy()
        assert graph.store_table(inventory).inventory is inventory
    return CheckContext(inventory, graph, VOCAB, SourceIndex(), date(2026, 11, 29))


def plain_mislabelled(inventory: Inventory) -> list[Mislabel]:
    """Field by field: the rules each name matches whose category the label hides."""
    rules, voc = bundled_rules(), VOCAB.data_categories
    fields = [f for s in inventory.stores for f in s.fields]
    return [Mislabel(position, m) for position, field in enumerate(fields)
            for m in rules.match_name(field.name)
            if not consistent(field.category, m.category, voc)]


def plain_undeclared(inventory: Inventory) -> list[UndeclaredSend]:
    """Flow by flow: what a flow from a store (its last declaration) sends that it lacks."""
    voc = VOCAB.data_categories
    where = {store.id: position for position, store in enumerate(inventory.stores)}
    found = []
    for flow in inventory.flows:
        position = where.get(flow.source)
        if position is None:
            continue
        held = {f.category for f in inventory.stores[position].fields}
        missing = tuple(sorted(
            c for c in set(flow.categories)
            if not any(voc.is_selected(c, frozenset({h})) or voc.is_selected(h, frozenset({c}))
                       for h in held)))
        if missing:
            found.append(UndeclaredSend(flow, inventory.stores[position], position, missing))
    return found


@pytest.mark.parametrize(("name", "inventory"), ALL, ids=ALL_IDS)
@pytest.mark.parametrize("own_table", [True, False])
def test_the_label_lint_by_shape_is_the_lint_field_by_field(name: str, inventory: Inventory,
                                                              own_table: bool) -> None:
    ctx = _context(inventory, own_table=own_table)
    assert mislabelled(ctx) == plain_mislabelled(ctx.inventory)
    if name == "shapes":  # the case is not vacuous: names, not classes, decide
        positions = [m.position for m in mislabelled(ctx)]
        assert positions and 1 not in positions and 3 in positions


@pytest.mark.parametrize(("name", "inventory"), ALL, ids=ALL_IDS)
@pytest.mark.parametrize("own_table", [True, False])
def test_undeclared_sends_by_class_pair_are_the_sends_flow_by_flow(
        name: str, inventory: Inventory, own_table: bool) -> None:
    ctx = _context(inventory, own_table=own_table)
    expected = plain_undeclared(ctx.inventory)
    assert undeclared_sends(ctx) == expected
    grouped = sorted((position, store, group.categories) for group in undeclared_groups(ctx)
                     for position, store in zip(group.positions, group.stores, strict=True))
    flows = ctx.graph.flow_at
    assert [(flows[p], s, c) for p, s, c in grouped] == [
        (u.flow, u.store_position, u.categories) for u in expected]
    if name == "shapes":
        assert {u.flow.id for u in expected} == {"f1", "f2", "f4", "f5", "f7"}
