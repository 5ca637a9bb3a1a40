"""Which part of a large flow graph the HTML report draws.

A map of a few dozen boxes shows a shop's data at a glance; one of thousands is
neither legible nor light (a hundred thousand systems made a 160 MB page). Up to
:data:`MAP_NODE_LIMIT` nodes the whole graph is drawn; above it, the nodes and
flows on the paths of failing findings, finding by finding in the report's
order until the limit, so the map shows what an auditor must look at. The whole
graph stays one command away (``pledge graph export``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pledge.checks.findings import Finding
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.inventory import Inventory
from pledge.reports.svg_graph import failing_elements

MAP_NODE_LIMIT = 500
"""The most nodes the report's flow map draws."""


@dataclass(frozen=True)
class Focus:
    """The graph to draw, and how much of the whole it is."""

    graph: FlowGraph
    whole: bool
    nodes: int
    """Nodes of the whole graph."""
    flows: int
    """Flows of the whole graph."""
    findings_drawn: int
    """Failing findings whose paths are drawn (when not ``whole``)."""
    findings_failing: int


def focus(graph: FlowGraph, findings: list[Finding],
          limit: int = MAP_NODE_LIMIT) -> Focus:
    """The whole graph when it has at most ``limit`` nodes, else its failing paths."""
    ids = graph.node_ids()
    nodes, flows = len(ids), len(graph.flows)
    failing = [f for f in findings if f.status.failing]
    if nodes <= limit:
        return Focus(graph, True, nodes, flows, len(failing), len(failing))
    known = set(ids)
    chosen_nodes: set[str] = set()
    chosen_flows: set[str] = set()
    drawn = 0
    for finding in failing:
        more_nodes, more_flows = failing_elements([finding])
        more_flows &= graph.flows.keys()
        for flow_id in more_flows:
            flow = graph.flows[flow_id]
            more_nodes |= {flow.source, flow.target}
        more_nodes &= known
        if len(chosen_nodes | more_nodes) > limit:
            break
        chosen_nodes |= more_nodes
        chosen_flows |= more_flows
        drawn += 1
    return Focus(FlowGraph(_part(graph.inventory, chosen_nodes, chosen_flows), graph.vocab),
                 False, nodes, flows, drawn, len(failing))


def _part(inv: Inventory, nodes: set[str], flows: set[str]) -> Inventory:
    """The inventory cut down to ``nodes`` and the ``flows`` between them."""
    return Inventory.model_construct(
        inventory=inv.inventory, organisation=inv.organisation,
        data_subjects=[s for s in inv.data_subjects if s.id in nodes],
        systems=[s for s in inv.systems if s.id in nodes],
        stores=[s for s in inv.stores if s.id in nodes],
        flows=[f for f in inv.flows if f.id in flows and f.source in nodes
               and f.target in nodes],
        consent_gates=list(inv.consent_gates), processing_activities=[], attestations=[])
