"""Every store with personal data names its access roles, none public, none internet-exposed.

## What it checks
Every store of an internal system (all stores with ``internal_only: false``)
holding a field of ``categories`` (personal data by default) must list at least
one access role, no role in ``forbidden_roles`` (``public``, ``anyone``,
``allUsers``...), and an exposure not in ``forbidden_exposure``. With
``require_encryption_at_rest`` the store must also be encrypted at rest.

## Why it matters
"Access to your personal data is restricted to authorized personnel only" and
"stored on secure servers that are protected by firewalls" are broken by one
bucket readable by anyone or one database listening on the internet.

## Parameters
- ``categories`` (list of category ids, default ``[user]``).
- ``forbidden_roles`` (list of role names, default public/anyone/everyone/allUsers/*).
- ``forbidden_exposure`` (list of ``internet``/``public``/``internal``; default internet,
  public).
- ``require_encryption_at_rest`` (bool, default false).
- ``internal_only`` (bool, default true): skip stores run by third parties.
- ``aspects`` (list of ``roles``/``exposure``/``encryption``, default all): what
  to check, so "authorised personnel only" and "secure servers behind firewalls"
  can be separate commitments.

## Passing example
```yaml
check:
  kind: access-control
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: customers
      name: Customers
      system: shop
      exposure: private
      access_roles: [support_agent]
      fields:
        - {name: email, category: user.contact.email}
```

## Failing example
```yaml
check:
  kind: access-control
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: customers
      name: Customers
      system: shop
      exposure: internet
      access_roles: [public]
      fields:
        - {name: email, category: user.contact.email}
```

## References
GDPR Art. 32(1)(b), Art. 25; ISO/IEC 27001:2022 A.5.15, A.8.3; PCI DSS v4.0.1 Req. 7.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members, total
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Exposure
from pledge.policy_model.types import CategoryIds

PUBLIC_ROLES = ["public", "anyone", "everyone", "allUsers", "allAuthenticatedUsers", "*"]


class Params(KindParams):
    """Parameters of access-control."""

    kind: Literal["access-control"]
    categories: CategoryIds = Field(default=["user"])
    forbidden_roles: list[str] = Field(default_factory=lambda: list(PUBLIC_ROLES))
    forbidden_exposure: list[Exposure] = Field(default=["internet", "public"])
    require_encryption_at_rest: bool = False
    internal_only: bool = True
    aspects: list[Literal["roles", "exposure", "encryption"]] = Field(
        default=["roles", "exposure", "encryption"], min_length=1)


@register("access-control", code="PLG104", params=Params, noun="stores")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail stores of personal data open to everyone or to the internet."""
    selected = ctx.graph.selection("data_categories", frozenset(params.categories))
    forbidden = {r.lower() for r in params.forbidden_roles}
    roles_checked = "roles" in params.aspects
    exposure_checked = "exposure" in params.aspects
    encryption_checked = "encryption" in params.aspects and params.require_encryption_at_rest
    table = ctx.graph.store_table(ctx.inventory)
    covered: list[bool] = []  # per store class: the commitment applies to its stores
    failing: list[bool] = []  # ... and they break it
    for store_class in table.store_classes:
        kind = store_class.kind
        applies = not (params.internal_only and kind.owner_type == "third_party") and any(
            selected[c] for c in store_class.categories)
        covered.append(applies)
        failing.append(applies and (
            (roles_checked and (not kind.access_roles
                                or any(r.lower() in forbidden for r in kind.access_roles)))
            or (exposure_checked and kind.exposure in params.forbidden_exposure)
            or (encryption_checked and not kind.encrypted)))
    ev.checked += total(table.store_sizes, covered)
    for position in members(table.store_class, failing):  # in inventory order
        store = table.stores[position]
        open_roles = sorted(r for r in store.access_roles if r.lower() in forbidden)
        held = sorted({f.category for f in store.fields if selected[f.category]})
        facts = {"store": store.id, "system": store.system, "categories": held,
                 "access_roles": list(store.access_roles), "exposure": store.exposure}
        if roles_checked and not store.access_roles:
            ev.fail("store", store.id, f"store '{store.id}' holds personal data but names no "
                    "access roles", remediation="list the roles allowed to read it",
                    evidence={"rule": "no-roles", **facts})
        if roles_checked and open_roles:
            ev.fail("store", store.id, f"store '{store.id}' grants access to "
                    f"{', '.join(open_roles)}", remediation="grant access to named staff roles",
                    evidence={"rule": "public-role", **facts}, key="access_roles")
        if exposure_checked and store.exposure in params.forbidden_exposure:
            ev.fail("store", store.id, f"store '{store.id}' is exposed to the "
                    f"{store.exposure}", remediation="put it behind the firewall, on a "
                    "private network", evidence={"rule": "exposure", **facts}, key="exposure")
        if encryption_checked and not store.encryption_at_rest:
            ev.fail("store", store.id, f"store '{store.id}' is not encrypted at rest",
                    remediation="enable encryption at rest",
                    evidence={"rule": "unencrypted", **facts})
