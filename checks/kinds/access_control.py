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
  all_employees, employees, internal, guest, anonymous, ``*``, and the same in
  French (``tous_les_employes``, ``tout_le_personnel``), Spanish
  (``todos_los_empleados``), German (``alle_mitarbeiter``) and transliterated
  Arabic (``jami3_al_muwazafin``), accents ignored (a policy may replace the list).
  While the list holds ``*``, a role holding a wildcard (``analyst*``, ``s3:*``)
  is broad too.
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

import unicodedata
from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members, total
from pledge.checks.judged import PASS, Default, class_scope
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Exposure
from pledge.policy_model.types import CategoryIds

PUBLIC_ROLES = [
    "public", "anyone", "everyone", "everybody", "world", "anonymous", "guest",
    "allUsers", "allAuthenticatedUsers", "authenticated_users", "authenticated",
    "all_users", "users", "all_staff", "staff", "all_employees", "employees",
    "all", "internal", "*",
    # French (a Moroccan shop's sellers and staff)
    "tout_le_monde", "tous", "publique", "tous_les_employes", "employes", "tout_le_personnel",
    "personnel", "tous_les_salaries", "salaries", "tous_les_utilisateurs", "utilisateurs",
    # Spanish
    "todos", "todo_el_mundo", "publico", "todos_los_empleados", "empleados",
    "todo_el_personal", "personal", "todos_los_usuarios", "usuarios",
    # German
    "alle", "jeder", "jedermann", "oeffentlich", "alle_mitarbeiter", "mitarbeiter",
    "belegschaft", "alle_benutzer", "benutzer",
    # Arabic, transliterated (jami3 / jamee3: all; muwazafin / muwadhafin: employees)
    "jami3", "jamee3", "al_jami3", "al3amma", "jami3_al_muwazafin", "jamee3_al_muwazafin",
    "jami3_al_muwadhafin", "kul_al_muwazafin", "al_muwazafin", "muwazafin", "muwadhafin",
    "jami3_al_mustakhdimin", "al_mustakhdimin",
]
"""Roles that name no one in particular: the public, or everyone of a broad group, in
English, French, Spanish, German and transliterated Arabic (compared by :func:`role_key`)."""


def role_key(role: str) -> str:
    """A role name compared without case, accents or separators.

    ``All-Staff`` is ``all_staff``; ``tous_les_employés`` is ``tous_les_employes``;
    ``öffentlich`` is ``offentlich`` (and ``oeffentlich`` is listed as well).
    """
    bare = unicodedata.normalize("NFKD", role.lower())
    return "".join(c for c in bare if (c.isalnum() and not unicodedata.combining(c))
                   or c == "*")


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
    wildcards = "*" in forbidden  # then a role holding a wildcard is broad too

    def broad(role: str) -> bool:
        key = role_key(role)
        return key in forbidden or (wildcards and "*" in key)

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
                                or any(map(broad, kind.access_roles))))
            or (exposure_checked and (kind.exposure is None
                                      or kind.exposure in params.forbidden_exposure))
            or (encryption_checked and kind.encrypted is not True)))
        kept = ([f"access roles {', '.join(kind.access_roles)}"] if roles_checked else []) + (
            [f"exposure {kind.exposure}"] if exposure_checked else []) + (
            ["encrypted at rest"] if encryption_checked else [])
        judged.append((PASS, "; ".join(kept)) if applies else None)
    ev.checked += total(table.store_sizes, covered)
    ev.judge(class_scope("store", table.store_class, judged, table.store_ids))
    for position in members(table.store_class, failing):  # in inventory order
        store = table.stores[position]
        open_roles = sorted(filter(broad, store.access_roles))
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
