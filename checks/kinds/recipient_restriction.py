"""Given categories reach only recipients of given roles, never for banned purposes.

## What it checks
Every flow that carries one of ``categories`` (or declares a broader category
that may hold one), wherever it lies in the graph, so the judgement is
transitive: data forwarded by a permitted recipient is judged again on the next
hop. A flow fails when its target is a third party whose role is not in
``allowed_roles``, an internal node while ``allow_internal`` is false, or when
the flow or its target processes for a purpose selected by ``banned_purposes``.
Two exceptions apply only where the commitment's text makes them
(parameters below): an allowed processor passing data to its own declared
sub-processor, and a disclosure to an authority required by law.
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
- ``allow_subprocessors`` (bool, default false): an allowed third party may pass
  the data on to its own declared sub-processors (``processor_of``), as "Stripe
  may share this information with its service providers" allows.
- ``unless_required_by_law`` (bool, default false): a flow to a recipient of a
  ``law_recipient_roles`` role (default ``[authority]``) whose purposes are all
  legal obligations (``legal_obligation_purposes``, default
  ``essential.legal_obligation``, ``third_party_sharing.legal_obligation``) is
  allowed, as "unless required by law" says.

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

from collections.abc import Collection
from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import total
from pledge.checks.graph.flow_graph import PathPrefixes
from pledge.checks.judged import PASS, Default, class_scope
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
    allow_subprocessors: bool = False
    unless_required_by_law: bool = False
    law_recipient_roles: list[Role] = Field(default=["authority"])
    legal_obligation_purposes: PurposeIds = Field(
        default=["essential.legal_obligation", "third_party_sharing.legal_obligation"])


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

    legal = graph.selection("purposes", frozenset(params.legal_obligation_purposes))
    law_roles = set(params.law_recipient_roles)

    def required_by_law(purposes: frozenset[str] | list[str], third_party: bool,
                        role: str | None) -> bool:
        """A disclosure to an authority for legal obligations only ("unless required by law")."""
        return (params.unless_required_by_law and third_party and role in law_roles
                and bool(purposes) and all(legal[p] for p in purposes))

    # Every flow of a class carries the same categories for the same purposes to the same
    # kind of node: decide once per class, then trace only the flows that fail.
    carried = graph.carrying(selectors, broader=True)
    parents = graph.reach_classes(graph.roots() + graph.subjects(), carried)
    ev.checked += total(graph.flow_sizes, carried)
    failing: list[bool] = []
    judged: list[Default | None] = []  # per class: what its flows that keep it show
    for flow_class, carrying in zip(graph.flow_classes, carried, strict=True):
        target = flow_class.target
        if target is not None and required_by_law(flow_class.purposes, target.third_party,
                                                  target.role):
            failing.append(False)
            judged.append((PASS, f"to a third-party {target.role}, for legal obligations only: "
                                 "required by law") if carrying else None)
            continue
        fails = carrying and (
            target is None  # undeclared: looked at (and refused) below
            or (target.third_party and target.role not in allowed_roles)
            or (not target.third_party and not params.allow_internal)
            or bool(banned_in(flow_class.purposes)) or bool(banned_in(target.purposes)))
        failing.append(fails)
        judged.append(None if not carrying else (
            PASS, "to a sub-processor of an allowed processor") if fails else (
            PASS, (f"to a third-party {target.role}, an allowed recipient"
                   if target is not None and target.third_party else "to an internal system")
            + (", for no banned purpose" if banned else "")))
    ev.judge(class_scope("flow", graph.flow_class, judged, graph.flow_ids,
                         key="target"))
    prefixes = PathPrefixes(parents)
    for flow in graph.flows_of(failing):  # in inventory order
        recipient = graph.node(flow.target)
        wrong_recipient = recipient["third_party"] and recipient.get("role") not in allowed_roles
        if wrong_recipient and params.allow_subprocessors:
            wrong_recipient = not _subprocessor_of_allowed(ctx, flow.source, flow.target,
                                                           allowed_roles)
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


def _subprocessor_of_allowed(ctx: CheckContext, source: str, target: str,
                             allowed_roles: Collection[str]) -> bool:
    """Whether ``target`` is the declared processor of the allowed third party sending to it.

    "Stripe may share this information with its service providers": a flow from an
    allowed processor to its own sub-processor (``processor_of``) is that sharing.
    """
    graph = ctx.graph
    receiver = graph.node(target)
    sender = graph.node(source)
    sender_system = sender.get("system", source)
    if not (sender.get("third_party") and sender.get("role") in allowed_roles):
        return False
    principal = next((s.processor_of for s in ctx.inventory.systems
                      if s.id == receiver.get("system", target)), None)
    return principal is not None and principal == sender_system
