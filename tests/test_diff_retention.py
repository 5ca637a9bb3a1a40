"""pledge diff compares retention store by store, and finds what comparing every field finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.generate import generate, write_yaml
from pledge.checks.engine import RunResult
from pledge.checks.gating.diff import (
    Side,
    _retention_by_field,
    apart,
    retention_changes,
    sensitive_storage,
)
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies
from tests.reports.ci_support import copy_inventory


def _side(root: Path, share: LoadShare | None = None) -> Side:
    loaded = load_inventory(root, share=share)
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


SHARED_EDITS = {
    "a store's own retention": ("  retention: P2Y\n", "  retention: P10Y\n"),
    "a card number stored": ("  - {name: email, category: user.contact.email}\n",
                             "  - {name: email, category: user.contact.email}\n"
                             "  - {name: pan_copy, category: user.financial.credit_card.number}\n"),
    "a store's field removed": ("  - {name: gender, category: user.demographic.gender}\n", ""),
    "nothing": ("", ""),
}


@pytest.mark.parametrize("edit", sorted(SHARED_EDITS))
def test_stores_shared_with_the_base_are_passed_over_and_change_nothing(
        tmp_path: Path, edit: str) -> None:
    # a head loaded sharing the base's models (as pledge diff loads it) gives what a head
    # loaded apart gives, where every store is compared
    root = write_yaml(generate(200), tmp_path / "base", units_per_file=5)
    head_root = tmp_path / "head"
    head_root.mkdir()
    changed = None
    for path in sorted(root.iterdir()):
        text = path.read_text(encoding="utf-8")
        old, new = SHARED_EDITS[edit]
        if changed is None and old and path.name.startswith("stores") and old in text:
            text, changed = text.replace(old, new, 1), path.name
        (head_root / path.name).write_text(text, encoding="utf-8")
    assert (changed is None) == (edit == "nothing")
    share = LoadShare()
    base, head = _side(root, share), _side(head_root, share)
    apart_base, apart_head = _side(root), _side(head_root)
    looked = apart(head.inventory.stores, base.inventory.stores)
    # the changed file's stores are looked into, every other file's are the base's own
    in_changed = ((head_root / changed).read_text(encoding="utf-8").count("\n- id: ")
                  if changed else 0)
    assert len(looked) == in_changed < len(head.inventory.stores)
    assert len(apart(apart_head.inventory.stores, apart_base.inventory.stores)) == len(
        apart_head.inventory.stores)
    for first, second, apart_first, apart_second in ((base, head, apart_base, apart_head),
                                                     (head, base, apart_head, apart_base)):
        found = retention_changes(first, second)
        assert found == retention_changes(apart_first, apart_second)
        assert found == _retention_by_field(apart_first, apart_second)
        assert sensitive_storage(first, second) == sensitive_storage(apart_first, apart_second)
    assert bool(retention_changes(base, head)) == (edit == "a store's own retention")
    assert bool(sensitive_storage(base, head)) == (edit == "a card number stored")
