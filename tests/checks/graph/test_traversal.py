"""The flow graph's traversal on a small inventory whose every answer is written out by hand.

A data subject feeds a shop; the shop sends card data to a payment provider
and behaviour to an ad network, which passes it on; a store is written from
the shop and read back into it. What each walk reaches, in which order, by
which flow, and what a long path's evidence shows are listed literally here.
"""

from __future__ import annotations

from typing import Any

import pytest

from pledge.checks.graph.flow_graph import FlowGraph, Hop, PathPrefixes
from pledge.policy_model.inventory import Flow, Inventory
from pledge.policy_model.vocabulary import default_vocabularies

VOCAB = default_vocabularies()
HTTPS = {"protocol": "https", "tls": "1.3"}


def _system(node_id: str, kind: str = "internal") -> dict[str, Any]:
    return {"id": node_id, "name": node_id.title(), "type": kind, "role": "backend",
            "country": "MA", "purposes": ["essential.service"]}


def _flow(flow_id: str, source: str, target: str, *categories: str) -> dict[str, Any]:
    return {"id": flow_id, "source": source, "target": target, "categories": list(categories),
            "purposes": ["essential.service"], "transport": HTTPS}


SHOP: dict[str, Any] = {
    "inventory": {"name": "traversal"},
    "data_subjects": [{"id": "people", "name": "People", "category": "customer"}],
    "systems": [_system("shop"), _system("psp", "third_party"), _system("ads", "third_party"),
                _system("broker", "third_party"), _system("idle")],
    "stores": [{"id": "orders", "name": "Orders", "system": "shop",
                "purposes": ["essential.service"], "retention": "P1Y",
                "fields": [{"name": "email", "category": "user.contact.email"}]}],
    "flows": [
        _flow("f1", "people", "shop", "user.contact.email", "user.financial"),
        _flow("f2", "shop", "psp", "user.financial.credit_card.number"),
        _flow("f3", "shop", "ads", "user.behavior"),
        _flow("f4", "ads", "broker", "user.behavior.browsing_history"),
        _flow("f5", "shop", "orders", "user.contact.email"),
        _flow("f6", "orders", "shop", "user.contact.email"),
    ],
}


@pytest.fixture(scope="module")
def shop() -> FlowGraph:
    return FlowGraph(Inventory.model_validate(SHOP), VOCAB)


def test_subjects_and_roots(shop: FlowGraph) -> None:
    assert shop.subjects() == ["people"]
    assert shop.roots() == ["people", "idle"]  # no flow enters them; in the graph's order
    shop.subjects().append("changed")  # each call answers a fresh list
    shop.roots().clear()
    assert shop.subjects() == ["people"] and shop.roots() == ["people", "idle"]


def test_reach_follows_only_the_accepted_flows_in_breadth_first_order(shop: FlowGraph) -> None:
    every = shop.reach(["people"], lambda flow: True)
    assert list(every.items()) == [
        ("people", None), ("shop", ("people", "f1")), ("ads", ("shop", "f3")),
        ("orders", ("shop", "f5")), ("psp", ("shop", "f2")), ("broker", ("ads", "f4"))]
    email = shop.reach(["people"], lambda flow: shop.carries(flow, frozenset({"user.contact"})))
    assert list(email.items()) == [
        ("people", None), ("shop", ("people", "f1")), ("orders", ("shop", "f5"))]
    upstream = shop.reach(["broker"], lambda flow: True, reverse=True)
    assert list(upstream.items()) == [
        ("broker", None), ("ads", ("broker", "f4")), ("shop", ("ads", "f3")),
        ("orders", ("shop", "f6")), ("people", ("shop", "f1"))]


def test_a_walk_by_class_answers_as_the_reach_does(shop: FlowGraph) -> None:
    card = frozenset({"user.financial.credit_card"})
    walk = shop.reach_classes(["people", "nowhere"], shop.carrying(card, broader=True))
    assert walk.nodes() == ["people", "shop", "psp"]  # f1 declares user.financial: broader
    assert walk.recipients() == ["shop", "psp"]
    assert list(walk) == ["people", "shop", "psp"] and len(walk) == 3
    assert walk["psp"] == ("shop", "f2") and walk["people"] is None
    assert "psp" in walk and "ads" not in walk and "nowhere" not in walk
    assert walk.get("ads") is None
    for absent in ("ads", "nowhere"):
        with pytest.raises(KeyError, match=absent):
            walk[absent]
    numbers = shop.numbers(["psp", "ads", "people"])
    assert walk.holds([n for n in numbers if n is not None]) == [True, False, True]
    strict = shop.reach_classes(["people"], shop.carrying(card))
    assert strict.nodes() == ["people"] and strict.recipients() == []


def test_carrying_and_the_flows_and_owners_of_classes(shop: FlowGraph) -> None:
    behaviour = shop.carrying(frozenset({"user.behavior"}))
    assert [f.id for f in shop.flows_of(behaviour)] == ["f3", "f4"]
    assert shop.owners(behaviour) == {"shop", "ads", "broker"}
    email = shop.carrying(frozenset({"user.contact.email"}))
    assert [f.id for f in shop.flows_of(email)] == ["f1", "f5", "f6"]
    assert shop.owners(email) == {"people", "shop"}  # the store stands for its system
    flow: Flow = shop.flow_at[1]
    assert shop.carries(flow, frozenset({"user.financial"}))  # the card number is under it
    assert not shop.carries(flow, frozenset({"user.contact"}))
    assert shop.carries(shop.flow_at[0], frozenset({"user.financial.credit_card"}),
                        broader=True)
    assert not shop.carries(shop.flow_at[0], frozenset({"user.financial.credit_card"}))


def test_flows_in_and_out_by_neighbour_then_id(shop: FlowGraph) -> None:
    assert [f.id for f in shop.out_flows("shop")] == ["f3", "f5", "f2"]
    assert [f.id for f in shop.in_flows("shop")] == ["f6", "f1"]
    assert [f.id for f in shop.out_flows("idle")] == []


def test_path_from_the_source_and_around_a_loop() -> None:
    parents = {"a": None, "b": ("a", "ab"), "c": ("b", "bc")}
    assert FlowGraph.path(parents, "c") == [Hop("a", "b", "ab"), Hop("b", "c", "bc")]
    assert FlowGraph.path(parents, "a") == [] and FlowGraph.path(parents, "z") == []
    loop = {"x": ("y", "yx"), "y": ("x", "xy")}  # no source: the walk stops where it started
    assert FlowGraph.path(loop, "x") == [Hop("x", "y", "xy"), Hop("y", "x", "yx")]


def test_long_path_evidence_names_the_hops_left_out() -> None:
    parents: dict[str, tuple[str, str] | None] = {"n0": None}
    for i in range(1, 8):
        parents[f"n{i}"] = (f"n{i - 1}", f"f{i}")
    prefixes = PathPrefixes(parents, limit=2)
    assert prefixes.evidence("n7", ("g", "out")) == {
        "path": ["n0", "n1", "n2", "… 4 more hops …", "n7", "out"],
        "flows": ["f1", "f2", "…", "f7", "g"], "hops_left_out": 4}
    assert prefixes.evidence("n3") == {"path": ["n0", "n1", "n2", "n3"],
                                       "flows": ["f1", "f2", "f3"]}
    assert prefixes.evidence("n0") == {"path": ["n0"], "flows": []}
    thousands = {"m0": None, **{f"m{i}": (f"m{i - 1}", f"e{i}") for i in range(1, 1300)}}
    far = PathPrefixes(thousands, limit=1).evidence("m1299")
    assert far["path"][2] == "… 1,297 more hops …" and far["hops_left_out"] == 1297
