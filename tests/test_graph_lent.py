"""A graph built with another's declared nodes lent (``FlowGraph(..., like=base)``) is the
graph built from scratch: every list, table and networkx view the same.

``pledge diff`` builds the head's graph this way when the head holds the base's
data subjects, systems, stores and processing activities (the head loaded
sharing the base's models): only the flows are sorted again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.generate import generate, write_json
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.inventory import Flow, Inventory
from pledge.policy_model.loading import load_inventory
from pledge.policy_model.vocabulary import default_vocabularies
from tests.conftest import INVENTORY

_NOT_COMPARED = {"inventory", "vocab", "_graph", "_frozen", "_shared", "_store_table",
                 "_built_table"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    path = write_json(generate(200), tmp_path_factory.mktemp("lent") / "inv.json")
    return load_inventory(path).inventory


def _state(graph: FlowGraph) -> dict[str, Any]:
    """Everything a graph holds once its lazy parts are made, its store table's too."""
    graph.node_purpose_sets()
    graph.transport_groups()
    graph.owner_numbers()
    graph.roots()
    graph.subjects()
    graph.flow_sizes  # noqa: B018  (made on first use)
    state = {k: v for k, v in vars(graph).items() if k not in _NOT_COMPARED}
    table = graph.store_table(graph.inventory)
    state["table"] = {k: v for k, v in vars(table).items() if not k.startswith("_")}
    state["table_ids"] = (table.store_ids(), table.field_ids())
    state["transport"] = vars(state.pop("_transport"))
    return state


def _same_networkx(one: nx.MultiDiGraph, other: nx.MultiDiGraph) -> None:
    assert list(one.nodes(data=True)) == list(other.nodes(data=True))
    assert list(one.edges(keys=True, data=True)) == list(other.edges(keys=True, data=True))


def _with_flows(inventory: Inventory, flows: list[Flow]) -> Inventory:
    fields = {name: getattr(inventory, name) for name in type(inventory).model_fields}
    return Inventory.model_construct(**{**fields, "flows": flows})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_lent_graph_is_the_graph_built_afresh(base: Inventory, data: st.DataObject) -> None:
    vocab = default_vocabularies()
    flows = list(base.flows)
    dropped = data.draw(st.sets(st.integers(0, len(flows) - 1), max_size=5))
    kept = [f for i, f in enumerate(flows) if i not in dropped]
    nodes = [s.id for s in base.systems[:50]] + ["undeclared_a", "undeclared_b"]
    for n in range(data.draw(st.integers(0, 4))):
        model = flows[data.draw(st.integers(0, len(flows) - 1))]
        flow_id = data.draw(st.sampled_from([f"added_{n}", model.id]))  # an id repeated too
        target = data.draw(st.sampled_from(nodes))
        at = data.draw(st.integers(0, len(kept)))
        kept.insert(at, model.model_copy(update={"id": flow_id, "target": target}))
    head = _with_flows(base, kept)
    built = FlowGraph(base, vocab)
    lent = FlowGraph(head, vocab, like=built)
    afresh = FlowGraph(head, vocab)
    assert built.declares_as(head, vocab)
    assert _state(lent) == _state(afresh)
    assert lent.store_table(head) is lent.store_table(head)  # kept, not made again
    _same_networkx(lent.graph, afresh.graph)
    assert _state(built) == _state(FlowGraph(base, vocab))  # the lender is left as it was


def test_a_changed_store_or_another_vocabulary_builds_afresh(base: Inventory) -> None:
    vocab = default_vocabularies()
    built = FlowGraph(base, vocab)
    stores = list(base.stores)
    stores[3] = stores[3].model_copy(update={"retention": "P1D"})
    fields = {name: getattr(base, name) for name in type(base).model_fields}
    changed = Inventory.model_construct(**{**fields, "stores": stores})
    assert not built.declares_as(changed, vocab)
    assert not built.declares_as(base, vocab.model_copy() if hasattr(vocab, "model_copy")
                                 else object())  # type: ignore[arg-type]
    fewer = Inventory.model_construct(**{**fields, "systems": base.systems[:-1]})
    assert not built.declares_as(fewer, vocab)
    lent = FlowGraph(changed, vocab, like=built)
    assert _state(lent) == _state(FlowGraph(changed, vocab))


def test_equal_models_lend_as_the_same_objects_do(tmp_path: Path) -> None:
    """The bundled inventory loaded twice: equal models, not the same objects."""
    vocab = default_vocabularies()
    one, two = load_inventory(INVENTORY).inventory, load_inventory(INVENTORY).inventory
    built = FlowGraph(one, vocab)
    assert built.declares_as(two, vocab)
    assert _state(FlowGraph(two, vocab, like=built)) == _state(FlowGraph(two, vocab))
