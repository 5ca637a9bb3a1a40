"""Every path from data subjects to processing for given purposes passes a consent gate.

## What it checks
For the purposes in ``purposes`` (profiling, personalised advertising,
behavioural targeting), pledge walks the graph from every data subject along
flows that do not pass a gate covering those purposes. Any flow processing for
such a purpose, or any node doing so, reached that way fails, with the path
that reaches it. A flow passes a gate when its ``consent_gate`` names a gate of
a type in ``gate_types`` whose purposes select the purpose. Each such purpose
used anywhere must also have a gate with an opt-out ``mechanism``.

## Why it matters
"If you wish to opt-out of personalized marketing or profiling, you can do so"
is only true if no route carries people's data to profiling or ad targeting
without passing the place where they can say no.

## Parameters
- ``purposes`` (list of purpose ids, required).
- ``gate_types`` (list of ``opt_in``/``opt_out``, default both).
- ``require_mechanism`` (bool, default true): a gate covering the purposes
  states how to opt out (a placeholder such as ``TBD`` states nothing).

## Passing example
```yaml
check:
  kind: consent-gate
  purposes: [marketing.advertising.third_party.targeted]
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: ads, name: Ads, type: third_party, role: advertising, country: US}
  consent_gates:
    - {id: banner, name: Cookie banner, type: opt_in,
       purposes: [marketing.advertising], mechanism: cookie settings}
  flows:
    - id: pixel
      source: customers
      target: ads
      categories: [user.behavior.browsing_history]
      purposes: [marketing.advertising.third_party.targeted]
      transport: {protocol: https, tls: "1.3"}
      consent_gate: banner
```

## Failing example
```yaml
check:
  kind: consent-gate
  purposes: [marketing.advertising.third_party.targeted]
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: ads, name: Ads, type: third_party, role: advertising, country: US}
  flows:
    - id: pixel
      source: customers
      target: ads
      categories: [user.behavior.browsing_history]
      purposes: [marketing.advertising.third_party.targeted]
      transport: {protocol: https, tls: "1.3"}
```

## References
GDPR Art. 6(1)(a), Art. 7(3), Art. 21(2)-(3) (right to object to direct
marketing and profiling); ePrivacy Directive Art. 5(3).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import total
from pledge.checks.graph.flow_graph import PathPrefixes
from pledge.checks.graph.tables import FlowClass
from pledge.checks.registry import KindParams, register
from pledge.policy_model.placeholders import present
from pledge.policy_model.types import PurposeIds


class Params(KindParams):
    """Parameters of consent-gate."""

    kind: Literal["consent-gate"]
    purposes: PurposeIds = Field(min_length=1)
    gate_types: list[Literal["opt_in", "opt_out"]] = Field(
        default=["opt_in", "opt_out"])
    require_mechanism: bool = True


@register("consent-gate", code="PLG301", params=Params, noun="flows and nodes",
          path_based=True)
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail processing for the purposes reachable without passing a gate."""
    graph = ctx.graph
    voc = ctx.vocab.purposes
    selectors = frozenset(params.purposes)
    gates = {g.id: g for g in ctx.inventory.consent_gates if g.type in params.gate_types}

    chosen = graph.selection("purposes", selectors)
    gate_purposes = {g.id: frozenset(g.purposes) for g in gates.values()}

    def targeted(purposes: object) -> list[str]:
        return sorted(p for p in purposes if chosen[p])  # type: ignore[attr-defined]

    def gated(flow_class: FlowClass) -> bool:
        gate = gates.get(flow_class.gate) if flow_class.gate else None
        if gate is None:
            return False
        wanted = targeted(flow_class.purposes) or sorted(selectors)
        covered = gate_purposes[gate.id]
        return all(voc.is_selected(p, covered) for p in wanted)

    # Every flow of a class shares its gate and purposes: decide once per class.
    passes = [gated(c) for c in graph.flow_classes]
    parents = graph.reach_classes(graph.subjects(), [not g for g in passes])
    used: set[str] = set()
    processes = [any(chosen[p] for p in c.purposes) for c in graph.flow_classes]
    for flow_class, processes_chosen in zip(graph.flow_classes, processes, strict=True):
        if processes_chosen:
            used.update(p for p in flow_class.purposes if chosen[p])
    ev.checked += total(graph.flow_sizes, processes)
    ungated = [hit and not ok for hit, ok in zip(processes, passes, strict=True)]
    prefixes = PathPrefixes(parents)
    for flow in graph.flows_of(ungated):  # in inventory order
        if flow.source not in parents:
            continue
        hit = targeted(flow.purposes)
        evidence = prefixes.evidence(flow.source, (flow.id, flow.target))
        reason = (f"gate '{flow.consent_gate}' does not cover it" if flow.consent_gate
                  else "no consent gate")
        ev.fail("flow", flow.id, f"flow '{flow.id}' processes for {', '.join(hit)} with "
                f"{reason}: {' -> '.join(evidence['path'])}",
                remediation="route it through a consent or opt-out gate covering these "
                            "purposes (consent_gate: ...)",
                evidence={"rule": "ungated-flow", **evidence, "purposes": hit},
                key="consent_gate" if flow.consent_gate else None)
    # reached nodes processing for a chosen purpose (and undeclared ones: refused below)
    processors = graph.reached_where(parents, lambda purposes: purposes is None or any(
        chosen[p] for p in purposes))
    for node_id in sorted(processors):
        if parents[node_id] is None:
            continue
        node = graph.node(node_id)
        hit = targeted(node["purposes"])
        used.update(hit)
        ev.checked += 1
        evidence = prefixes.evidence(node_id)
        ev.fail(node["type"], node_id, f"'{node_id}' processes for {', '.join(hit)} and "
                f"receives data with no gate on the way: {' -> '.join(evidence['path'])}",
                remediation="gate the flows into it, or stop processing for these purposes",
                evidence={"rule": "ungated-node", **evidence, "purposes": hit})
    for purpose in sorted(used):
        covering = [g for g in gates.values() if voc.is_selected(purpose, frozenset(g.purposes))]
        if not covering:
            ev.fail("purpose", purpose, f"no consent or opt-out gate covers {purpose}",
                    remediation="declare a consent_gates entry with this purpose",
                    evidence={"rule": "no-gate", "purpose": purpose})
        elif params.require_mechanism and not any(present(g.mechanism) for g in covering):
            ev.fail("consent_gate", covering[0].id, f"gate '{covering[0].id}' covers "
                    f"{purpose} but states no opt-out mechanism",
                    remediation="describe how people opt out (mechanism: ...)",
                    evidence={"rule": "no-mechanism", "purpose": purpose})
