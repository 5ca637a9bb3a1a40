"""The members of judged classes, listed by iterators, against a member-by-member listing.

:func:`~pledge.checks.judged.class_scope` makes its items from the class column,
the per-class verdicts and the id column with no Python step per member; the id
columns come from the graph's tables, made once for every commitment.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pledge.checks.graph.flow_graph import FlowGraph
from pledge.checks.graph.tables import StoreTable
from pledge.checks.judged import PASS, Default, Item, class_scope
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies

BUNDLED = Path(__file__).resolve().parents[2] / "inventories" / "marosoap"


def _one_by_one(subject_type: str, classes: Sequence[int], defaults: Sequence[Default | None],
                ids: Sequence[str]) -> list[Item]:
    found: list[Item] = []
    for position, number in enumerate(classes):
        if defaults[number] is not None:
            verdict, reason = defaults[number] or (PASS, "")
            found.append((subject_type, ids[position], verdict, reason, None))
    return found


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, n - 1), max_size=30),
    st.lists(st.none() | st.tuples(st.sampled_from(["pass", "fail"]), st.text(max_size=4)),
             min_size=n, max_size=n))))
def test_members_of_judged_classes_in_order(drawn: tuple[list[int], list[Default | None]]
                                            ) -> None:
    classes, defaults = drawn
    ids = [f"item_{n}" for n in range(len(classes))]
    scope = class_scope("field", classes, defaults, lambda: ids, key="retention")
    assert list(scope.items()) == _one_by_one("field", classes, defaults, ids)
    assert list(scope.items()) == list(scope.items())  # asked again: the same
    assert scope.key == "retention"


def test_defaults_filled_in_after_the_scope_is_made_are_read() -> None:
    defaults: list[Default | None] = [None, None]
    scope = class_scope("flow", [0, 1, 1, 0], defaults, lambda: ["a", "b", "c", "d"])
    defaults[1] = ("fail", "no TLS")
    assert list(scope.items()) == [("flow", "b", "fail", "no TLS", None),
                                   ("flow", "c", "fail", "no TLS", None)]


def test_id_columns_are_the_ids_of_the_stores_fields_and_flows() -> None:
    inventory = load_inventory(BUNDLED).inventory
    table = StoreTable.of(inventory)
    assert table.store_ids() == [store.id for store in inventory.stores]
    assert table.field_ids() == [f"{store.id}.{field.name}" for store in inventory.stores
                                 for field in store.fields]
    assert table.field_ids() is table.field_ids()  # made once
    graph = FlowGraph(inventory, default_vocabularies())
    assert graph.flow_ids() == [flow.id for flow in graph.flow_at]
    built = graph.store_table(inventory)  # the graph's own, filled as it built the nodes
    assert built.field_ids() == table.field_ids() and len(built.field_ids()) > 10
