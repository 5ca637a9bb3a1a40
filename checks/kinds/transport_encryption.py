"""Every flow carrying the given categories is encrypted in transit; TLS at a minimum version.

## What it checks
Every flow whose categories are selected by ``categories`` (personal data,
``user``, by default) must travel encrypted. Encryption is a property of the
transport: ``transport.encrypted: true``, a TLS version (``transport.tls``), or
a protocol of the encrypted table (``encrypted_protocols``: https, tls, mtls,
smtps, ftps, wss, sftp, scp, ssh, ipsec, wireguard). ``encrypted: false`` fails,
and so does a transport that says nothing either way (not declared: fail
closed). The TLS version rule applies only to TLS: a flow over a TLS protocol
(``tls_protocols``: https, tls, mtls, ...) or declaring a TLS version must use
at least ``min_tls``, and fails when it does not declare the version; SSH,
SFTP, IPsec and WireGuard have no TLS version to judge. Protocols listed in
``exempt_protocols`` (calls inside one process, say) are not checked.
``scope`` narrows the flows to those leaving a data subject's device
(``from_subjects``) or those between systems and stores (``between_systems``);
a flow whose categories all fall under ``exclude_categories`` is left to the
commitment that covers them.

## Why it matters
"We use encryption protocols such as SSL to ensure that data transmitted ... is
secure" is only true if every hop is encrypted; one plain-text hop to a
warehouse or a partner exposes the data to anyone on the path. "Such as SSL"
names an example, not the only protocol: an SFTP export is encrypted too. SSL
and TLS 1.0/1.1 are broken; PCI DSS requires strong cryptography in transit.

## Parameters
- ``categories`` (list of category ids, default ``[user]``).
- ``min_tls`` (``1.2`` or ``1.3``, default ``1.2``): for TLS transports only.
- ``encrypted_protocols`` (list of protocol names, default the table above):
  protocols that are encrypted by nature.
- ``tls_protocols`` (list of protocol names, default https, tls, mtls, smtps,
  ftps, wss, imaps, ldaps): protocols the TLS version rule applies to.
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
from pledge.checks.graph.tables import TransportClass
from pledge.checks.judged import NOT_APPLICABLE, PASS, Default, class_scope
from pledge.checks.registry import KindParams, register
from pledge.policy_model.types import CategoryIds, TLSVersion, tls_tuple

TLS_PROTOCOLS = ["https", "tls", "mtls", "smtps", "ftps", "wss", "imaps", "ldaps"]
ENCRYPTED_PROTOCOLS = [*TLS_PROTOCOLS, "sftp", "scp", "ssh", "ipsec", "wireguard"]


class Params(KindParams):
    """Parameters of transport-encryption."""

    kind: Literal["transport-encryption"]
    categories: CategoryIds = Field(default_factory=lambda: ["user"])
    min_tls: TLSVersion = "1.2"
    encrypted_protocols: list[str] = Field(default_factory=lambda: list(ENCRYPTED_PROTOCOLS))
    tls_protocols: list[str] = Field(default_factory=lambda: list(TLS_PROTOCOLS))
    exempt_protocols: list[str] = Field(default_factory=list)
    scope: Literal["all", "from_subjects", "between_systems"] = "all"
    exclude_categories: CategoryIds = Field(default_factory=list)


def judge(transport: TransportClass, params: Params) -> tuple[str, str] | None:
    """Why a transport breaks the commitment, as (rule, reason); ``None`` when it keeps it."""
    protocol = transport.protocol.lower()
    encrypted_protocols = {p.lower() for p in params.encrypted_protocols}
    is_tls = transport.tls is not None or protocol in {p.lower() for p in params.tls_protocols}
    if transport.encrypted is False:
        return "unencrypted", f"declares encrypted: false over {transport.protocol}"
    if not is_tls:
        if transport.encrypted or protocol in encrypted_protocols:
            return None  # encrypted by other means than TLS: no TLS version to judge
        return ("not-declared", f"travels over {transport.protocol}, which is not an "
                "encrypted protocol, and its encryption is not declared")
    if transport.tls is None:
        return ("no-tls", f"travels over {transport.protocol} (TLS) but its TLS version is "
                "not declared")
    if tls_tuple(transport.tls) < tls_tuple(params.min_tls):
        return "old-tls", f"uses TLS {transport.tls}, below {params.min_tls}"
    return None


@register("transport-encryption", code="PLG203", params=Params, noun="flows")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail flows of personal data not encrypted in transit, or over too old a TLS."""
    selectors = frozenset(params.categories)
    exempt = set(params.exempt_protocols)
    selected = ctx.graph.selection("data_categories", selectors)
    excluded = ctx.graph.selection("data_categories", frozenset(params.exclude_categories))
    groups = ctx.graph.transport_groups()
    verdicts: list[bool] = []  # per class: every flow of a class fails or none does
    reasons: list[tuple[str, str] | None] = []  # per class: (rule, why) when it fails
    judged: list[Default | None] = []  # per class: what its flows that keep it show
    for number, group in enumerate(groups.classes):
        if ((params.scope == "from_subjects" and not group.from_subject)
                or (params.scope == "between_systems" and group.from_subject)
                or not any(selected[c] for c in group.categories if not excluded[c])):
            verdicts.append(False)
            reasons.append(None)
            judged.append(None)
            continue
        if group.protocol in exempt:
            verdicts.append(False)
            reasons.append(None)
            judged.append((NOT_APPLICABLE, f"over {group.protocol}, an exempt protocol"))
            continue
        ev.checked += groups.sizes[number]
        why = judge(group, params)
        reasons.append(why)
        verdicts.append(why is not None)
        judged.append((PASS, f"over {group.protocol}" + (
            f", TLS {group.tls}" if group.tls else ", an encrypted protocol"
            if group.encrypted is not True else ", declared encrypted")))
    ev.judge(class_scope("flow", groups.flow_class, judged,
                         ctx.graph.flow_ids, key="transport"))
    for position in members(groups.flow_class, verdicts):  # the failing flows, in order
        flow = ctx.graph.flow_at[position]
        why = reasons[groups.flow_class[position]]
        assert why is not None  # a class fails for a reason
        rule, reason = why
        where = f"{flow.source} -> {flow.target}"
        evidence = {"path": [flow.source, flow.target], "flows": [flow.id],
                    "protocol": flow.transport.protocol, "tls": flow.transport.tls,
                    "encrypted": flow.transport.encrypted,
                    "categories": sorted(flow.categories)}
        fix = {"old-tls": f"require TLS {params.min_tls} or later",
               "no-tls": f"declare the TLS version (tls: \"{params.min_tls}\" or later)"}.get(
            rule, f"encrypt this hop (TLS {params.min_tls} or later, SSH, IPsec, WireGuard) "
                  "and declare it (encrypted: true with the protocol)")
        ev.fail("flow", flow.id, f"flow '{flow.id}' ({where}) carries personal data "
                f"unprotected: it {reason}", remediation=fix,
                evidence={"rule": rule, **evidence}, key="transport")
