"""Given categories reach only recipients of given roles, never for banned purposes.

## What it checks
Every flow that carries one of ``categories`` (or declares a broader category
that may hold one), wherever it lies in the graph, so the judgement is
transitive: data forwarded by a permitted recipient is judged again on the next
hop. A flow fails when its target is a third party whose role is not in
``allowed_roles``, an internal node while ``allow_internal`` is false, or when
the flow or its target processes for a purpose selected by ``banned_purposes``.
Each failure carries the shortest path from a data subject that brings the data
there.

## Why it matters
"Your payment details are shared only with trusted third-party payment
processors ... We do not share your payment information for marketing" is a
promise about every path through the system, not one integration: card data
copied into a CRM that syncs to an ad network breaks it two hops away.

## Parameters
- ``categories`` (list of category ids, required).
- ``allowed_roles`` (list of roles): third-party roles that may receive them.
- ``allow_internal`` (bool, default true): internal systems and stores may receive them.
- ``banned_purposes`` (list of purpose ids): purposes no receiving flow or node may have.

## Passing example
```yaml
check:
  kind: recipient-restriction
  categories: [user.financial.credit_card.number]
  allowed_roles: [payment_processor]
  allow_internal: false
  banned_purposes: [marketing]
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: stripe, name: Stripe, type: third_party, role: payment_processor, country: US}
  flows:
    - id: pay
      source: customers
      target: stripe
      categories: [user.financial.credit_card.number]
      purposes: [essential.service.payment_processing]
      transport: {protocol: https, tls: "1.2"}
```

## Failing example
```yaml
check:
  kind: recipient-restriction
  categories: [user.financial.credit_card.number]
  allowed_roles: [payment_processor]
  allow_internal: false
  banned_purposes: [marketing]
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: ads, name: Ad network, type: third_party, role: advertising, country: US}
  flows:
    - id: retarget
      source: customers
      target: ads
      categories: [user.financial.credit_card.number]
      purposes: [marketing.advertising.third_party.targeted]
      transport: {protocol: https, tls: "1.2"}
```

## References
GDPR Art. 5(1)(b) (purpose limitation), Art. 28; PCI DSS v4.0.1 Req. 3, 12.8.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import total
from pledge.checks.graph.flow_graph import PathPrefixes
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Role
from pledge.policy_model.types import CategoryIds, PurposeIds


class Params(KindParams):
    """Parameters of recipient-restriction."""

    kind: Literal["recipient-restriction"]
    categories: CategoryIds = Field(min_length=1)
    allowed_roles: list[Role] = Field(default_factory=list)
    allow_internal: bool = True
    banned_purposes: PurposeIds = Field(default_factory=list)


@register("recipient-restriction", code="PLG201", params=Params, noun="flows",
          path_based=True)
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail flows bringing the categories to a wrong recipient or a banned purpose."""
    graph = ctx.graph
    selectors = frozenset(params.categories)
    banned = frozenset(params.banned_purposes)
    allowed_roles = set(params.allowed_roles)
    banned_of: dict[tuple[str, ...] | frozenset[str], tuple[str, ...]] = {}

    def banned_in(purposes: list[str] | frozenset[str]) -> list[str]:
        key = purposes if isinstance(purposes, frozenset) else tuple(purposes)
        found = banned_of.get(key)
        if found is None:
            found = banned_of[key] = tuple(
                graph.purposes_selected(purposes, banned) if banned else ())
        return list(found)

    # Every flow of a class carries the same categories for the same purposes to the same
    # kind of node: decide once per class, then trace only the flows that fail.
    carried = graph.carrying(selectors, broader=True)
    parents = graph.reach_classes(graph.roots() + graph.subjects(), carried)
    ev.checked += total(graph.flow_sizes, carried)
    failing: list[bool] = []
    for flow_class, carrying in zip(graph.flow_classes, carried, strict=True):
        target = flow_class.target
        failing.append(carrying and (
            target is None  # undeclared: looked at (and refused) below
            or (target.third_party and target.role not in allowed_roles)
            or (not target.third_party and not params.allow_internal)
            or bool(banned_in(flow_class.purposes)) or bool(banned_in(target.purposes))))
    prefixes = PathPrefixes(parents)
    for flow in graph.flows_of(failing):  # in inventory order
        recipient = graph.node(flow.target)
        wrong_recipient = recipient["third_party"] and recipient.get("role") not in allowed_roles
        wrong_internal = not recipient["third_party"] and not params.allow_internal
        bad = banned_in(flow.purposes)
        bad_node = banned_in(recipient["purposes"])
        if not (wrong_recipient or wrong_internal or bad or bad_node):
            continue  # keeps the commitment: no path to trace
        evidence = {**prefixes.evidence(flow.source, (flow.id, flow.target)),
                    "categories": sorted(flow.categories)}
        route = " -> ".join(evidence["path"])
        if wrong_recipient:
            ev.fail("flow", flow.id, f"{', '.join(sorted(flow.categories))} reaches "
                    f"'{flow.target}' ({recipient.get('role')}), not an allowed recipient: {route}",
                    remediation=f"stop the flow, or send it only to "
                                f"{', '.join(sorted(allowed_roles)) or 'no third party'}",
                    evidence={"rule": "recipient", **evidence}, key="target")
        elif wrong_internal:
            ev.fail("flow", flow.id, f"{', '.join(sorted(flow.categories))} reaches internal "
                    f"'{flow.target}': {route}",
                    remediation="send it straight to the allowed processor instead",
                    evidence={"rule": "internal", **evidence}, key="target")
        if bad:
            ev.fail("flow", flow.id, f"flow '{flow.id}' uses {', '.join(flow.categories)} for "
                    f"banned purpose {', '.join(bad)}: {route}",
                    remediation="remove the banned purpose or the category from the flow",
                    evidence={"rule": "flow-purpose", **evidence, "purposes": bad},
                    key="purposes")
        if bad_node and not bad:
            ev.fail("flow", flow.id, f"'{flow.target}' receives "
                    f"{', '.join(sorted(flow.categories))} and processes for banned purpose "
                    f"{', '.join(bad_node)}: {route}",
                    remediation="keep these categories out of that recipient",
                    evidence={"rule": "node-purpose", **evidence, "purposes": bad_node},
                    key="target")
