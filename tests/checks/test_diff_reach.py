"""What a change does to the reach of each category, held to the plain definition.

``pledge.checks.gating.diff.CategoryReach`` walks flow classes one category at a time and makes
paths only when asked; here a plain per-flow computation of every
(category, node) pair with its path, straight from the definition, is the
reference, on random inventories and random changes to them.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pledge.checks.engine import RunResult
from pledge.checks.gating.diff import KEPT_WALKS, CategoryReach, Side, reach_changes
from pledge.checks.graph.flow_graph import FlowGraph, Hop
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies
from tests.test_properties import SETTINGS, _write, inventories

VOCAB = default_vocabularies()


def plain_reach(graph: FlowGraph) -> dict[tuple[str, str], list[Hop]]:
    """(category, node) -> path, by the definition: per flow, per category, networkx degrees."""
    g = graph.graph
    origins = sorted({n for n in g if g.in_degree(n) == 0} | set(graph.subjects()))
    found: dict[tuple[str, str], list[Hop]] = {}
    for category in sorted({c for f in graph.flows.values() for c in f.categories}):
        selector = frozenset([category])

        def follow(flow: Any, s: frozenset[str] = selector) -> bool:
            return graph.carries(flow, s, broader=True)

        parents = graph.reach(origins, follow)
        declared = sorted({f.source for f in graph.flows.values()
                           if graph.carries(f, selector)} - set(parents))
        for node, parent in graph.reach(declared, follow).items():
            parents.setdefault(node, parent)
        for node, parent in parents.items():
            if parent is not None:
                found[(category, node)] = FlowGraph.path(parents, node)
    return found


def side(root: Path) -> Side:
    loaded = load_inventory(root)
    return Side(loaded.inventory, loaded.sources, FlowGraph(loaded.inventory, VOCAB),
                RunResult())


def changed(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """``data`` with a few flows dropped, redirected or re-categorised."""
    rng = random.Random(seed)
    head = copy.deepcopy(data)
    flows = head["flows"]
    for _ in range(rng.randint(1, 3)):
        if not flows:
            break
        flow = rng.choice(flows)
        action = rng.choice(["drop", "redirect", "categories"])
        if action == "drop":
            flows.remove(flow)
        elif action == "redirect":
            flow["target"] = rng.choice([s["id"] for s in head["systems"]])
        else:
            flow["categories"] = ["user.financial.credit_card.number"]
    return head


@SETTINGS
@given(inventories())
def test_each_category_reaches_what_the_definition_says(
        tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]) -> None:
    graph = side(_write(tmp_path_factory.mktemp("reach") / "inv", data)).graph
    reference = plain_reach(graph)
    reach = CategoryReach(graph)
    assert reach.categories == {c for f in graph.flows.values() for c in f.categories}
    found = {(c, n) for c in sorted(reach.categories) for n in reach.recipients(c)}
    assert found == set(reference)
    for (category, node), hops in sorted(reference.items()):  # more categories than kept walks
        assert reach.path(category, node) == hops
    assert len(reach._walks) <= KEPT_WALKS  # one walk per category at most a few at a time


@SETTINGS
@given(inventories(), st.integers(0, 2**16))
def test_reach_changes_are_those_of_the_definition(
        tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any], seed: int) -> None:
    base = side(_write(tmp_path_factory.mktemp("base") / "inv", data))
    head = side(_write(tmp_path_factory.mktemp("head") / "inv", changed(data, seed)))
    recipients, pairs = reach_changes(base, head)
    before, after = plain_reach(base.graph), plain_reach(head.graph)
    nodes_before, nodes_after = {n for _c, n in before}, {n for _c, n in after}
    expected = []
    for change, reach, nodes in (("added", after, nodes_after - nodes_before),
                                 ("removed", before, nodes_before - nodes_after)):
        for node in sorted(nodes):
            cats = sorted(c for c, n in reach if n == node)
            hops = reach[(cats[0], node)]
            expected.append((change, node, cats, [h.flow for h in hops]))
    assert [(r.change, r.recipient, r.categories, r.flows) for r in recipients] == expected
    continuing = nodes_before & nodes_after
    expected_pairs = sorted(
        [(n, "added", c, [h.flow for h in after[(c, n)]])
         for c, n in set(after) - set(before) if n in continuing]
        + [(n, "removed", c, [h.flow for h in before[(c, n)]])
           for c, n in set(before) - set(after) if n in continuing])
    assert [(p.recipient, p.change, p.category, p.flows) for p in pairs] == expected_pairs
