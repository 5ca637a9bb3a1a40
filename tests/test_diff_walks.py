"""pledge diff walks only the categories a change can move, and says what walking all says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchmarks.generate import generate, write_yaml
from benchmarks.other_paths import add_a_flow_yaml, middle_file
from pledge.checks.engine import RunResult
from pledge.checks.gating import diff as gating
from pledge.checks.gating.diff import Side, changed_categories, reach_changes
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies
from tests.reports.ci_support import (
    AD_NETWORK,
    CARD_TO_ADS,
    append_text,
    copy_inventory,
    remove_flow,
)

FLOW = """  - id: {id}
    source: {source}
    target: {target}
    categories: [{categories}]
    purposes: [essential.service]
    transport: {{protocol: https, tls: "1.3"}}
"""


def _flow(ident: str, source: str, target: str, categories: str) -> str:
    return FLOW.format(id=ident, source=source, target=target, categories=categories)


def _card_to_a_new_ad_network(root: Path) -> None:
    append_text(root / "systems.yaml", AD_NETWORK)
    append_text(root / "flows.yaml", CARD_TO_ADS)


def _a_new_category_to_a_continuing_recipient(root: Path) -> None:
    # zendesk already receives personal data; a category it did not receive is added
    append_text(root / "flows.yaml", _flow("health_to_zendesk", "customers", "zendesk",
                                       "user.health_and_medical"))


def _a_known_category_by_a_second_path(root: Path) -> None:
    # the same category to the same recipient by another flow: nothing moves
    append_text(root / "flows.yaml", _flow("email_again", "customers", "web_shop",
                                       "user.contact.email"))


def _a_root_entered(root: Path) -> None:
    # a flow into a node no flow entered (it only sends): the origins change, every
    # category is walked
    append_text(root / "flows.yaml", _flow("into_social_login", "web_shop", "social_login",
                                       "user.contact.email"))


def _a_recipient_lost(root: Path) -> None:
    remove_flow(root, "meta_pixel")


EDITS = [_card_to_a_new_ad_network, _a_new_category_to_a_continuing_recipient,
         _a_known_category_by_a_second_path, _a_root_entered, _a_recipient_lost]


def _side(root: Path, share: LoadShare | None = None) -> Side:
    loaded = load_inventory(root, share=share)
    graph = FlowGraph(loaded.inventory, default_vocabularies())
    return Side(loaded.inventory, loaded.sources, graph, RunResult(outcomes=[], findings=[]))


def _walking_every_category(base: FlowGraph, head: FlowGraph,
                            categories: set[str] | frozenset[str],
                            held: object = None) -> set[str]:
    return set(categories)


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__.strip("_"))
def test_reach_changes_are_those_of_walking_every_category(
        tmp_path: Path, edit: object, monkeypatch: pytest.MonkeyPatch) -> None:
    base_root, head_root = copy_inventory(tmp_path, "base"), copy_inventory(tmp_path, "head")
    edit(head_root)  # type: ignore[operator]
    for first, second in ((base_root, head_root), (head_root, base_root)):  # both ways
        base, head = _side(first), _side(second)
        found = reach_changes(base, head)
        with monkeypatch.context() as patch:
            patch.setattr(gating, "changed_categories", _walking_every_category)
            expected = reach_changes(_side(first), _side(second))
        assert found == expected


def test_only_the_categories_a_change_carries_are_walked(tmp_path: Path) -> None:
    base_root, head_root = copy_inventory(tmp_path, "base"), copy_inventory(tmp_path, "head")
    _a_new_category_to_a_continuing_recipient(head_root)
    base, head = _side(base_root).graph, _side(head_root).graph
    every = {c for f in head.flows.values() for c in f.categories}
    walked = changed_categories(base, head, every)
    assert "user.health_and_medical" in walked
    assert "user.contact.email" not in walked and len(walked) < len(every) // 4
    recipients, reach = reach_changes(_side(base_root), _side(head_root))
    assert recipients == []  # zendesk was a recipient already
    assert [(r.change, r.category, r.recipient) for r in reach] == [
        ("added", "user.health_and_medical", "zendesk")]


def test_a_root_entered_or_a_repeated_flow_id_walks_every_category(tmp_path: Path) -> None:
    base_side = _side(copy_inventory(tmp_path, "base"))
    base = base_side.graph
    every = {c for f in base.flows.values() for c in f.categories}
    root = copy_inventory(tmp_path, "entered")
    _a_root_entered(root)
    assert changed_categories(base, _side(root).graph, every) == every
    # the loader refuses a repeated flow id; a graph built from models can hold one
    inventory = base_side.inventory
    again = inventory.flows[0].model_copy(update={"target": "brevo"})
    repeated = inventory.model_copy(update={"flows": [*inventory.flows, again]})
    head = FlowGraph(repeated, default_vocabularies())
    assert head.edges() is None
    assert changed_categories(base, head, every) == every
    walked = reach_changes(base_side, Side(repeated, base_side.sources, head, base_side.result))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gating, "changed_categories", _walking_every_category)
        assert walked == reach_changes(
            base_side, Side(repeated, base_side.sources, head, base_side.result))


def test_a_head_sharing_the_base_walks_what_its_own_flows_carry(tmp_path: Path) -> None:
    # pledge diff loads the head sharing the base's models: the flows of the unchanged
    # files are the base's own objects, and only the categories of the others are walked
    base_root = write_yaml(generate(200), tmp_path / "base", units_per_file=5)
    head_root = tmp_path / "head"
    head_root.mkdir()
    for path in base_root.iterdir():
        (head_root / path.name).write_bytes(path.read_bytes())
    add_a_flow_yaml(head_root, 1)  # user.contact.email, to a system the file names
    changed = middle_file(head_root, "flows").name
    share = LoadShare()
    base, head = _side(base_root, share), _side(head_root, share)
    apart_base, apart_head = _side(base_root), _side(head_root)
    every = base.graph.flow_categories() | head.graph.flow_categories()
    walked = changed_categories(base.graph, head.graph, every)
    # the new flow's category and the broader ones carrying it, of the many in the file
    assert "user.contact.email" in walked and len(walked) < len(every) // 4
    assert all("user.contact.email".startswith(c) for c in walked)
    in_file = yaml.safe_load((head_root / changed).read_text(encoding="utf-8"))["flows"]
    assert len(every) // 4 < len({c for f in in_file for c in f["categories"]})
    for first, second, apart_first, apart_second in ((base, head, apart_base, apart_head),
                                                     (head, base, apart_head, apart_base)):
        found = reach_changes(first, second)
        assert found == reach_changes(apart_first, apart_second)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(gating, "changed_categories", _walking_every_category)
            assert found == reach_changes(first, second)


def test_the_categories_of_the_flows_are_those_each_flow_declares(tmp_path: Path) -> None:
    side = _side(copy_inventory(tmp_path, "base"))
    graph = side.graph
    assert graph.flow_categories() == {c for f in side.inventory.flows for c in f.categories}
    inventory = side.inventory
    again = inventory.flows[0].model_copy(update={"categories": ["user.biometric"]})
    repeated = FlowGraph(inventory.model_copy(update={"flows": [*inventory.flows, again]}),
                         default_vocabularies())
    assert repeated.repeated_flow_ids and not graph.repeated_flow_ids
    # a repeated id: the last flow of the id is the one followed, and its categories count
    assert repeated.flow_categories() == {c for f in repeated.flows.values()
                                          for c in f.categories}
