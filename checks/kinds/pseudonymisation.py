"""Stores kept for the given purposes hold only pseudonymised identifiers.

## What it checks
Every store whose purposes (its own and its fields') are selected by
``purposes`` (analytics, say). Each of its fields whose category is selected by
``identifier_categories`` must be marked ``pseudonymised: true``, or be of a
category in ``pseudonymous_categories`` (``user.unique_id.pseudonymous``).

A field whose name says it identifies people (``email``, ``client_ip``,
``date_naissance``...) while its label says otherwise is judged on its name (the
shared label rules) and fails unless pseudonymised.

## Why it matters
"We use techniques like data anonymization and pseudonymization" matters most
where data is analysed in bulk: an analytics table keyed by email address
identifies everyone in it the day it leaks.

## Parameters
- ``purposes`` (list of purpose ids, required): the stores to check.
- ``identifier_categories`` (list of category ids): what identifies a person
  (default: contact details, names, IP addresses, account names, government and
  unique ids).
- ``pseudonymous_categories`` (list of category ids, default
  ``[user.unique_id.pseudonymous]``): categories that are pseudonymous by nature.

## Passing example
```yaml
check:
  kind: pseudonymisation
  purposes: [analytics]
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: events
      name: Analytics events
      system: shop
      purposes: [analytics.reporting]
      fields:
        - {name: visitor, category: user.unique_id.pseudonymous}
        - {name: ip, category: user.device.ip_address, pseudonymised: true}
```

## Failing example
```yaml
check:
  kind: pseudonymisation
  purposes: [analytics]
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: events
      name: Analytics events
      system: shop
      purposes: [analytics.reporting]
      fields:
        - {name: email, category: user.contact.email}
```

## References
GDPR Art. 4(5), Art. 25(1), Art. 32(1)(a), Art. 89(1).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members, total
from pledge.checks.graph.tables import StoreKind
from pledge.checks.judged import FAIL, PASS, class_scope
from pledge.checks.label_lint import message, mislabelled
from pledge.checks.registry import KindParams, register
from pledge.policy_model.types import CategoryIds, PurposeIds

IDENTIFIERS = ["user.contact", "user.name", "user.device.ip_address", "user.device.device_id",
               "user.account.username", "user.government_id", "user.unique_id"]


class Params(KindParams):
    """Parameters of pseudonymisation."""

    kind: Literal["pseudonymisation"]
    purposes: PurposeIds = Field(min_length=1)
    identifier_categories: CategoryIds = Field(default_factory=lambda: list(IDENTIFIERS))
    pseudonymous_categories: CategoryIds = Field(
        default_factory=lambda: ["user.unique_id.pseudonymous"])


@register("pseudonymisation", code="PLG103", params=Params, noun="stores")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail identifying fields in stores kept for the given purposes."""
    graph = ctx.graph
    purposes = graph.selection("purposes", frozenset(params.purposes))
    identifiers = graph.selection("data_categories", frozenset(params.identifier_categories))
    pseudonymous = graph.selection("data_categories",
                                   frozenset(params.pseudonymous_categories))
    table = graph.store_table(ctx.inventory)
    matched: dict[StoreKind, list[str]] = {}  # per kind of store: its purposes the check covers
    for store_class in table.store_classes:
        if store_class.kind not in matched:
            matched[store_class.kind] = sorted(p for p in store_class.kind.purposes if purposes[p])
    ev.checked += total(table.store_sizes, [bool(matched[c.kind]) for c in table.store_classes])
    ev.judge(class_scope("store", table.store_class, [
        (PASS, f"kept for {', '.join(matched[c.kind])}: its fields are judged one by one")
        if matched[c.kind] else None for c in table.store_classes],
        table.store_ids))
    exposed = [bool(matched[c.store]) and not c.pseudonymised and not pseudonymous[c.category]
               and identifiers[c.category] for c in table.field_classes]
    ev.judge(class_scope("field", table.field_class, [
        None if not matched[c.store] else (PASS, f"{c.category}, marked pseudonymised")
        if c.pseudonymised else (PASS, f"{c.category}, a pseudonymous category")
        if pseudonymous[c.category] else (PASS, f"{c.category}, not an identifier")
        if not identifiers[c.category] else (FAIL, f"{c.category}, an identifier in the clear")
        for c in table.field_classes], table.field_ids))
    for position in members(table.field_class, exposed):  # in inventory order
        store, field = table.stores[table.field_store[position]], table.fields[position]
        found = matched[table.field_classes[table.field_class[position]].store]
        ev.fail("field", f"{store.id}.{field.name}",
                f"store '{store.id}' is kept for {', '.join(found)} but field "
                f"'{field.name}' holds {field.category} in the clear",
                remediation="replace it with a pseudonymous id (salted hash or token) and "
                            "mark it pseudonymised: true",
                evidence={"rule": "identifier", "store": store.id,
                          "category": field.category, "purposes": found})
    for hit in mislabelled(ctx):  # identifying names under labels that are not
        position = hit.position
        field_class = table.field_classes[table.field_class[position]]
        if (not matched[field_class.store] or field_class.pseudonymised
                or not identifiers[hit.match.category] or identifiers[field_class.category]
                or pseudonymous[field_class.category]):
            continue
        store, field = table.stores[table.field_store[position]], table.fields[position]
        ev.fail("field", f"{store.id}.{field.name}",
                message(store.id, field.name, field.category, hit.match,
                        f"store '{store.id}' is kept for "
                        f"{', '.join(matched[field_class.store])}, and the name says it "
                        "identifies people in the clear"),
                remediation=f"label it {hit.match.category} and pseudonymise it (mark it "
                            "pseudonymised: true), or waive this finding if the name misleads",
                evidence={"rule": "label", "store": store.id, "category": field.category,
                          "suggested": hit.match.category,
                          "label_rule": hit.match.rule_id})
