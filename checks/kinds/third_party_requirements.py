"""Third parties exchanging personal data are disclosed, under agreement and attested.

## What it checks
Every third-party system that sends or receives personal data (a flow of
``personal_data`` categories to or from it or one of its stores). Its role must
be in ``disclosed_roles``, the kinds of provider the policy tells people about;
it must hold every agreement in ``required_agreements`` (unless its role is in
``agreement_exempt_roles``, such as authorities); and it must hold, unexpired,
every attestation ``role_attestations`` asks of its role (PCI DSS for payment
processors). An attestation without ``valid_until`` does not count: nobody can
tell whether it is current.

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

from datetime import date
from operator import attrgetter
from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Role
from pledge.policy_model.types import CategoryIds

_ATTESTATION = attrgetter("name", "valid_until")


class Params(KindParams):
    """Parameters of third-party-requirements."""

    kind: Literal["third-party-requirements"]
    disclosed_roles: list[Role] = Field(min_length=1)
    required_agreements: list[str] = Field(default=["dpa"])
    agreement_exempt_roles: list[Role] = Field(default=["authority"])
    role_attestations: dict[Role, list[str]] = Field(default_factory=dict)
    personal_data: CategoryIds = Field(default=["user"])


@register("third-party-requirements", code="PLG202", params=Params, noun="third parties")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail undisclosed, unbound or unattested third parties."""
    exchanging = ctx.graph.owners(ctx.graph.carrying(frozenset(params.personal_data)))
    required = set(params.required_agreements)
    keeps: dict[tuple[str, tuple[str, ...], tuple[tuple[str, date | None], ...]], bool] = {}

    def kept(role: str, agreements: tuple[str, ...],
             attestations: tuple[tuple[str, date | None], ...]) -> bool:
        """Whether a third party of this role, with these agreements and attestations, passes."""
        return (role in params.disclosed_roles
                and (role in params.agreement_exempt_roles or required <= set(agreements))
                and all(any(held == name and until is not None and until >= ctx.as_of
                            for held, until in attestations)
                        for name in params.role_attestations.get(role, [])))

    for system in ctx.inventory.systems:
        if system.type != "third_party" or system.id not in exchanging:
            continue
        ev.checked += 1
        # third parties repeat a few roles, agreements and attestations: judge each once
        key = (system.role, tuple(system.agreements),
               tuple(map(_ATTESTATION, system.attestations)))
        keeps_it = keeps.get(key)
        if keeps_it is None:
            keeps_it = keeps[key] = kept(*key)
        if keeps_it:
            continue  # no finding to build
        facts = {"system": system.id, "role": system.role}
        if system.role not in params.disclosed_roles:
            ev.fail("system", system.id, f"third party '{system.id}' ({system.role}) exchanges "
                    "personal data but the policy discloses no such provider",
                    remediation="stop the exchange, or disclose this kind of provider in "
                                "the policy",
                    evidence={"rule": "undisclosed", **facts}, key="role")
        if system.role not in params.agreement_exempt_roles:
            missing = sorted(set(params.required_agreements) - set(system.agreements))
            if missing:
                ev.fail("system", system.id, f"third party '{system.id}' has no "
                        f"{', '.join(missing)}", remediation="sign the agreement and record "
                        "it under agreements", evidence={"rule": "agreement", **facts,
                                                          "missing": missing})
        for name in params.role_attestations.get(system.role, []):
            held = [a for a in system.attestations if a.name == name]
            valid = [a for a in held if a.valid_until is not None and a.valid_until >= ctx.as_of]
            if not valid:
                state = ("missing" if not held else "expired" if any(
                    a.valid_until is not None for a in held) else "without an expiry date")
                ev.fail("system", system.id, f"third party '{system.id}' ({system.role}) "
                        f"lacks a valid {name} attestation ({state})",
                        remediation=f"record its current {name} attestation with valid_until",
                        evidence={"rule": f"attestation:{name}", **facts, "state": state},
                        key="attestations")
