"""pledge diff compares retention store by store, and finds what comparing every field finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledge.checks.engine import RunResult
from pledge.checks.gating.diff import Side, _retention_by_field, retention_changes
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies
from tests.reports.ci_support import copy_inventory


def _side(root: Path) -> Side:
    loaded = load_inventory(root)
    return Side(loaded.inventory, loaded.sources,
                FlowGraph(loaded.inventory, default_vocabularies()),
                RunResult(outcomes=[], findings=[]))


def _edit(root: Path, old: str, new: str) -> None:
    path = root / "stores.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


EDITS = {
    "a store's own retention (its fields without one follow)": (
        "    retention: P3Y\n", "    retention: P10Y\n"),
    "a field's retention": (
        "{name: customer_id, category: user.unique_id, retention: P5Y}",
        "{name: customer_id, category: user.unique_id, retention: P7Y}"),
    "a field's retention dropped, its store's taking over": (
        "{name: amount, category: user.payment.transaction, retention: P18M}",
        "{name: amount, category: user.payment.transaction}"),
    "a field renamed (neither side compares it)": (
        "{name: email, category: user.contact.email}",
        "{name: email_address, category: user.contact.email}"),
    "nothing": ("", ""),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_retention_changes_are_those_of_every_field(tmp_path: Path, edit: str) -> None:
    base_root, head_root = copy_inventory(tmp_path, "base"), copy_inventory(tmp_path, "head")
    _edit(head_root, *EDITS[edit])
    for first, second in ((base_root, head_root), (head_root, base_root)):
        base, head = _side(first), _side(second)
        found = retention_changes(base, head)
        assert found == _retention_by_field(base, head)
        assert bool(found) == (edit not in ("nothing",
                                            "a field renamed (neither side compares it)"))


def test_a_store_id_declared_twice_is_compared_field_by_field(tmp_path: Path) -> None:
    # the loader refuses a repeated id; an inventory built from models can hold one
    base = _side(copy_inventory(tmp_path, "base"))
    stores = base.inventory.stores
    first = stores[0]
    half = first.model_copy(update={"fields": first.fields[:2], "retention": "P1Y"})
    twice = base.inventory.model_copy(update={"stores": [*stores, half]})
    head = Side(twice, base.sources, FlowGraph(twice, default_vocabularies()), base.result)
    found = retention_changes(base, head)
    assert found == _retention_by_field(base, head)
    assert {(c.store, c.field) for c in found} == {(first.id, f.name) for f in first.fields[:2]
                                                   if f.retention is None}
