"""Every flow carrying the given categories uses TLS at or above a minimum version.

## What it checks
Every flow whose categories are selected by ``categories`` (personal data,
``user``, by default) must declare ``transport.tls`` of at least ``min_tls``.
A flow with no TLS, or an older version, fails. Protocols listed in
``exempt_protocols`` (calls inside one process, say) are not checked. ``scope``
narrows the flows to those leaving a data subject's device (``from_subjects``)
or those between systems and stores (``between_systems``); a flow whose
categories all fall under ``exclude_categories`` is left to the commitment that
covers them.

## Why it matters
"We use encryption protocols such as SSL to ensure that data transmitted ... is
secure" is only true if every hop is encrypted; one plain-text hop to a
warehouse or a partner exposes the data to anyone on the path. SSL and TLS 1.0/1.1
are broken; PCI DSS requires strong cryptography in transit.

## Parameters
- ``categories`` (list of category ids, default ``[user]``).
- ``min_tls`` (``1.2`` or ``1.3``, default ``1.2``).
- ``exempt_protocols`` (list of protocol names): flows using these are skipped.
- ``scope`` (``all``, ``from_subjects`` or ``between_systems``, default ``all``).
- ``exclude_categories`` (list of category ids): flows carrying only these are skipped.

## Passing example
```yaml
check:
  kind: transport-encryption
  min_tls: "1.2"
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  flows:
    - id: browse
      source: customers
      target: shop
      categories: [user.contact.email]
      purposes: [essential.service]
      transport: {protocol: https, tls: "1.3"}
```

## Failing example
```yaml
check:
  kind: transport-encryption
  min_tls: "1.2"
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  flows:
    - id: browse
      source: customers
      target: shop
      categories: [user.contact.email]
      purposes: [essential.service]
      transport: {protocol: http}
```

## References
GDPR Art. 32(1)(a); PCI DSS v4.0.1 Req. 4.2.1; NIST SP 800-52 Rev. 2.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members
from pledge.checks.registry import KindParams, register
from pledge.policy_model.types import CategoryIds, TLSVersion, tls_tuple


class Params(KindParams):
    """Parameters of transport-encryption."""

    kind: Literal["transport-encryption"]
    categories: CategoryIds = Field(default_factory=lambda: ["user"])
    min_tls: TLSVersion = "1.2"
    exempt_protocols: list[str] = Field(default_factory=list)
    scope: Literal["all", "from_subjects", "between_systems"] = "all"
    exclude_categories: CategoryIds = Field(default_factory=list)


@register("transport-encryption", code="PLG203", params=Params, noun="flows")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail flows of personal data without TLS at the minimum version."""
    selectors = frozenset(params.categories)
    minimum = tls_tuple(params.min_tls)
    exempt = set(params.exempt_protocols)
    selected = ctx.graph.selection("data_categories", selectors)
    excluded = ctx.graph.selection("data_categories", frozenset(params.exclude_categories))
    groups = ctx.graph.transport_groups()
    verdicts: list[bool] = []  # per class: every flow of a class fails or none does
    for number, group in enumerate(groups.classes):
        if (group.protocol in exempt
                or (params.scope == "from_subjects" and not group.from_subject)
                or (params.scope == "between_systems" and group.from_subject)
                or not any(selected[c] for c in group.categories if not excluded[c])):
            verdicts.append(False)
            continue
        ev.checked += groups.sizes[number]
        verdicts.append(group.tls is None or tls_tuple(group.tls) < minimum)
    for position in members(groups.flow_class, verdicts):  # the failing flows, in order
        flow = ctx.graph.flow_at[position]
        tls = flow.transport.tls
        where = f"{flow.source} -> {flow.target}"
        evidence = {"path": [flow.source, flow.target], "flows": [flow.id],
                    "protocol": flow.transport.protocol, "tls": tls,
                    "categories": sorted(flow.categories)}
        if tls is None:
            ev.fail("flow", flow.id, f"flow '{flow.id}' ({where}) carries personal data over "
                    f"{flow.transport.protocol} without TLS",
                    remediation=f"use TLS {params.min_tls} or later on this hop",
                    evidence={"rule": "no-tls", **evidence}, key="transport")
        elif tls_tuple(tls) < minimum:
            ev.fail("flow", flow.id, f"flow '{flow.id}' ({where}) uses TLS {tls}, below "
                    f"{params.min_tls}",
                    remediation=f"require TLS {params.min_tls} or later",
                    evidence={"rule": "old-tls", **evidence}, key="transport")
