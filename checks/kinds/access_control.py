"""Every store with personal data names its access roles, none public, none internet-exposed.

## What it checks
Every store holding a field of ``categories`` (personal data by default),
whoever runs it (a third party's store too, unless ``internal_only: true``),
must list at least one access role, no public or broad role in
``forbidden_roles`` (``public``, ``anyone``, ``all_staff``, ``employees``,
``authenticated_users``...), and declare an exposure not in
``forbidden_exposure``. With ``require_encryption_at_rest`` the store must also
declare ``encryption_at_rest: true``. A store that leaves its exposure or its
encryption out fails: not declared is not private.

## Why it matters
"Access to your personal data is restricted to authorized personnel only" and
"stored on secure servers that are protected by firewalls" are broken by one
bucket readable by anyone or one database listening on the internet.

## Parameters
- ``categories`` (list of category ids, default ``[user]``).
- ``forbidden_roles`` (list of role names): public and broad roles, compared
  without case or separators; default public, anyone, everyone, allUsers,
  allAuthenticatedUsers, authenticated_users, all_users, users, all_staff, staff,
  all_employees, employees, internal, guest, anonymous, ``*`` (a policy may
  replace the list).
- ``forbidden_exposure`` (list of ``internet``/``public``/``internal``; default internet,
  public).
- ``require_encryption_at_rest`` (bool, default false).
- ``internal_only`` (bool, default false): skip stores run by third parties.
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
from pledge.checks.judged import PASS, Default, class_scope
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Exposure
from pledge.policy_model.types import CategoryIds

PUBLIC_ROLES = ["public", "anyone", "everyone", "everybody", "world", "anonymous", "guest",
                "allUsers", "allAuthenticatedUsers", "authenticated_users", "authenticated",
                "all_users", "users", "all_staff", "staff", "all_employees", "employees",
                "all", "internal", "*"]
"""Roles that name no one in particular: the public, or everyone of a broad group."""


def role_key(role: str) -> str:
    """A role name compared without case or separators: ``All-Staff`` is ``all_staff``."""
    return "".join(c for c in role.lower() if c.isalnum() or c == "*")


class Params(KindParams):
    """Parameters of access-control."""

    kind: Literal["access-control"]
    categories: CategoryIds = Field(default=["user"])
    forbidden_roles: list[str] = Field(default_factory=lambda: list(PUBLIC_ROLES))
    forbidden_exposure: list[Exposure] = Field(default=["internet", "public"])
    require_encryption_at_rest: bool = False
    internal_only: bool = False
    aspects: list[Literal["roles", "exposure", "encryption"]] = Field(
        default=["roles", "exposure", "encryption"], min_length=1)


@register("access-control", code="PLG104", params=Params, noun="stores")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail stores of personal data open to everyone or to the internet."""
    selected = ctx.graph.selection("data_categories", frozenset(params.categories))
    forbidden = {role_key(r) for r in params.forbidden_roles}
    roles_checked = "roles" in params.aspects
    exposure_checked = "exposure" in params.aspects
    encryption_checked = "encryption" in params.aspects and params.require_encryption_at_rest
    table = ctx.graph.store_table(ctx.inventory)
    covered: list[bool] = []  # per store class: the commitment applies to its stores
    failing: list[bool] = []  # ... and they break it
    judged: list[Default | None] = []  # ... and what its stores that keep it show
    for store_class in table.store_classes:
        kind = store_class.kind
        applies = not (params.internal_only and kind.owner_type == "third_party") and any(
            selected[c] for c in store_class.categories)
        covered.append(applies)
        failing.append(applies and (
            (roles_checked and (not kind.access_roles
                                or any(role_key(r) in forbidden for r in kind.access_roles)))
            or (exposure_checked and (kind.exposure is None
                                      or kind.exposure in params.forbidden_exposure))
            or (encryption_checked and kind.encrypted is not True)))
        kept = ([f"access roles {', '.join(kind.access_roles)}"] if roles_checked else []) + (
            [f"exposure {kind.exposure}"] if exposure_checked else []) + (
            ["encrypted at rest"] if encryption_checked else [])
        judged.append((PASS, "; ".join(kept)) if applies else None)
    ev.checked += total(table.store_sizes, covered)
    ev.judge(class_scope("store", table.store_class, judged, lambda i: table.stores[i].id))
    for position in members(table.store_class, failing):  # in inventory order
        store = table.stores[position]
        open_roles = sorted(r for r in store.access_roles if role_key(r) in forbidden)
        held = sorted({f.category for f in store.fields if selected[f.category]})
        facts = {"store": store.id, "system": store.system, "categories": held,
                 "access_roles": list(store.access_roles), "exposure": store.exposure}
        if roles_checked and not store.access_roles:
            ev.fail("store", store.id, f"store '{store.id}' holds personal data but names no "
                    "access roles", remediation="list the roles allowed to read it",
                    evidence={"rule": "no-roles", **facts})
        if roles_checked and open_roles:
            ev.fail("store", store.id, f"store '{store.id}' grants access to "
                    f"{', '.join(open_roles)}: a public or broad role, not named staff roles",
                    remediation="grant access to named staff roles (support_agent, ...)",
                    evidence={"rule": "public-role", **facts}, key="access_roles")
        if exposure_checked and store.exposure is None:
            ev.fail("store", store.id, f"store '{store.id}' holds personal data and its "
                    "exposure is not declared, so it cannot be shown to be behind the firewall",
                    remediation="declare exposure: private (or internal) once it is so",
                    evidence={"rule": "exposure-not-declared", **facts})
        elif exposure_checked and store.exposure in params.forbidden_exposure:
            ev.fail("store", store.id, f"store '{store.id}' is exposed to the "
                    f"{store.exposure}", remediation="put it behind the firewall, on a "
                    "private network", evidence={"rule": "exposure", **facts}, key="exposure")
        if encryption_checked and store.encryption_at_rest is None:
            ev.fail("store", store.id, f"store '{store.id}' holds personal data and its "
                    "encryption at rest is not declared",
                    remediation="declare encryption_at_rest: true once it is so",
                    evidence={"rule": "encryption-not-declared", **facts})
        elif encryption_checked and not store.encryption_at_rest:
            ev.fail("store", store.id, f"store '{store.id}' is not encrypted at rest",
                    remediation="enable encryption at rest",
                    evidence={"rule": "unencrypted", **facts})
