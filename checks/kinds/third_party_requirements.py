"""Third parties exchanging personal data are disclosed, under agreement and attested.

## What it checks
Every third-party system that sends or receives personal data (a flow of
``personal_data`` categories to or from it or one of its stores). It must be
disclosed: its role is in ``disclosed_roles``, the kinds of provider the policy
tells people about. When the policy's list is illustrative ("such as payment
processors, shipping companies, and customer support platforms": ``disclosure:
illustrative``), a service provider of another role (``service_provider_roles``:
hosting, infrastructure, monitoring, fraud prevention...) is covered when it
meets the condition the text states, holding every ``required_agreements``; with
``disclosure: closed`` ("only ...") the role must be named. A sub-processor
(``processor_of: stripe``) is disclosed by its principal's own disclosure when
the principal's role is in ``subprocessors_of`` ("Stripe may share this
information with its service providers"), and is bound through the principal's
agreements. It must hold every agreement in ``required_agreements`` (unless its
role is in ``agreement_exempt_roles``, such as authorities); and it must hold,
unexpired, every attestation ``role_attestations`` asks of its role (PCI DSS for
payment processors). An attestation without ``valid_until`` does not count:
nobody can tell whether it is current.

## Why it matters
"We ensure that they adhere to strict security standards and are compliant
with data protection regulations" needs a contract (GDPR Art. 28) and proof for
each provider; an undisclosed provider breaks the policy's transparency promise.

## Parameters
- ``disclosed_roles`` (list of roles, required).
- ``required_agreements`` (list, default ``[dpa]``).
- ``agreement_exempt_roles`` (list of roles, default ``[authority]``).
- ``role_attestations`` (mapping role -> list of attestation names).
- ``personal_data`` (list of category ids, default ``[user]``).
- ``disclosure`` (``closed`` or ``illustrative``, default ``closed``): whether
  ``disclosed_roles`` is the whole list or examples of it.
- ``service_provider_roles`` (list of roles): who an illustrative list of service
  providers covers under its condition (default: hosting, infrastructure,
  monitoring, fraud_prevention, fraud_detection, payment_processor, shipping,
  support, email_marketing, analytics, identity, database, backend, accounting).
- ``subprocessors_of`` (list of roles, default none): principals whose own
  processors are disclosed with them.

## Passing example
```yaml
check:
  kind: third-party-requirements
  disclosed_roles: [payment_processor]
  role_attestations: {payment_processor: [pci_dss]}
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - id: stripe
      name: Stripe
      type: third_party
      role: payment_processor
      country: US
      agreements: [dpa, scc]
      attestations: [{name: pci_dss, level: "1", valid_until: "2099-01-01"}]
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
  kind: third-party-requirements
  disclosed_roles: [payment_processor]
  role_attestations: {payment_processor: [pci_dss]}
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

## References
GDPR Art. 13(1)(e), Art. 28, Art. 44-46; PCI DSS v4.0.1 Req. 12.8.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.judged import PASS, Scope
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Role, System
from pledge.policy_model.types import CategoryIds

_ATTESTATION = attrgetter("name", "valid_until")
SERVICE_PROVIDER_ROLES: list[Role] = [
    "hosting", "infrastructure", "monitoring", "fraud_prevention", "fraud_detection",
    "payment_processor", "shipping", "support", "email_marketing", "analytics", "identity",
    "database", "backend", "accounting",
]
"""Roles of providers that process data on the organisation's behalf."""


class Params(KindParams):
    """Parameters of third-party-requirements."""

    kind: Literal["third-party-requirements"]
    disclosed_roles: list[Role] = Field(min_length=1)
    required_agreements: list[str] = Field(default=["dpa"])
    agreement_exempt_roles: list[Role] = Field(default=["authority"])
    role_attestations: dict[Role, list[str]] = Field(default_factory=dict)
    personal_data: CategoryIds = Field(default=["user"])
    disclosure: Literal["closed", "illustrative"] = "closed"
    service_provider_roles: list[Role] = Field(default=list(SERVICE_PROVIDER_ROLES))
    subprocessors_of: list[Role] = Field(default=[])


@register("third-party-requirements", code="PLG202", params=Params, noun="third parties")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail undisclosed, unbound or unattested third parties."""
    exchanging = ctx.graph.owners(ctx.graph.carrying(frozenset(params.personal_data)))
    required = set(params.required_agreements)
    systems = {s.id: s for s in ctx.inventory.systems if s.type == "third_party"}
    keeps: dict[tuple[Any, ...], bool] = {}  # third parties repeat a few facts: judge each once
    ev.judge(Scope(lambda: (
        ("system", s.id, PASS, f"{s.role}: " + (
            "a role the policy discloses" if s.role in params.disclosed_roles
            else f"a sub-processor of '{s.processor_of}'" if s.processor_of
            else "a service provider the policy's illustrative list covers")
         + f"; agreements: {', '.join(s.agreements) or 'none'}", None)
        for s in ctx.inventory.systems if s.type == "third_party" and s.id in exchanging)))
    for system in ctx.inventory.systems:
        if system.type != "third_party" or system.id not in exchanging:
            continue
        ev.checked += 1
        key = (system.role, tuple(system.agreements),
               tuple(map(_ATTESTATION, system.attestations)), system.processor_of)
        if keeps.get(key):
            continue  # kept, as the last third party with these facts did: no finding to build
        before = len(ev.findings)
        _judge(ctx, ev, params, system, systems, required)
        keeps[key] = len(ev.findings) == before and system.processor_of is None


def _judge(ctx: CheckContext, ev: Evaluation, params: Params, system: System,
           systems: dict[str, System], required: set[str]) -> None:
    """Record why one third party breaks the commitment, if it does."""
    facts = {"system": system.id, "role": system.role}
    principal = systems.get(system.processor_of) if system.processor_of else None
    if system.processor_of and (principal is None or principal.type != "third_party"):
        ev.fail("system", system.id, f"third party '{system.id}' is declared the processor "
                f"of '{system.processor_of}', which is not a declared third party",
                remediation="name the third party it works for (processor_of: ...)",
                evidence={"rule": "processor-of", **facts}, key="processor_of")
        principal = None
    via_principal = principal is not None and principal.role in params.subprocessors_of
    named = system.role in params.disclosed_roles
    bound = required <= set(system.agreements) or (
        via_principal and principal is not None and required <= set(principal.agreements))
    covered = (params.disclosure == "illustrative"
               and system.role in params.service_provider_roles and bound)
    if not (named or covered or via_principal):
        if (params.disclosure == "illustrative"
                and system.role in params.service_provider_roles):
            why = (f"the policy's list of providers is illustrative, and a service "
                   f"provider is covered only under {', '.join(sorted(required))}, "
                   "which it does not hold")
        else:
            why = ("the policy discloses no such provider (it names "
                   f"{', '.join(params.disclosed_roles)})")
        ev.fail("system", system.id, f"third party '{system.id}' ({system.role}) exchanges "
                f"personal data but {why}",
                remediation="stop the exchange, sign the agreement, or disclose this kind "
                            "of provider in the policy",
                evidence={"rule": "undisclosed", **facts}, key="role")
    if system.role not in params.agreement_exempt_roles and not bound:
        missing = sorted(required - set(system.agreements))
        ev.fail("system", system.id, f"third party '{system.id}' has no "
                f"{', '.join(missing)}", remediation="sign the agreement and record "
                "it under agreements", evidence={"rule": "agreement", **facts,
                                                  "missing": missing})
    for name in params.role_attestations.get(system.role, []):
        held = [a for a in system.attestations if a.name == name]
        valid = [a for a in held if a.valid_until is not None and a.valid_until >= ctx.as_of]
        if not valid:  # an attestation without valid_until is not declared valid: it fails
            state = ("missing" if not held else "expired" if any(
                a.valid_until is not None for a in held) else "without an expiry date")
            ev.fail("system", system.id, f"third party '{system.id}' ({system.role}) "
                    f"lacks a valid {name} attestation ({state})",
                    remediation=f"record its current {name} attestation with valid_until",
                    evidence={"rule": f"attestation:{name}", **facts, "state": state},
                    key="attestations")
