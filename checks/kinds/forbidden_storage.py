"""No store may hold the given data categories, except at named holders.

## What it checks
Every field of every store whose data category is one of ``categories`` (or a
descendant of one). Such a field fails unless its store belongs to a system in
``allowed_holders`` or to a *third-party* system whose role is in
``allowed_roles``: "not on our servers" exempts the external processor, never
an internal system that calls itself one. A field declared with a broader
category that could hide a forbidden one (say ``user.financial.credit_card``
when the card number is forbidden) fails too: pledge cannot tell it apart, so
it fails closed and asks for a precise category, unless the field is marked
``tokenised: true`` (a processor token holds no card number). A field labelled
with a forbidden category *and* marked ``tokenised`` or ``pseudonymised``
contradicts itself and fails: label a token as a token. Labels are not taken
on trust: a field whose name says it holds a forbidden category (the shared
label rules: ``cc_number``, ``pan``, ``cvv2``, ``numero_carte``,
``cryptogramme``...) while its label says otherwise fails too ("named like a
card number, labelled user.financial.bank_account"); relabel it, or waive the
finding if the name misleads.

## Why it matters
A promise like "we do not store your full card number on our servers" is broken
the moment any table, log or bucket keeps one. Card numbers and security codes
stored outside a PCI DSS environment are the costliest kind of breach.

## Parameters
- ``categories`` (list of data category ids, required): what may not be stored.
- ``allowed_holders`` (list of system ids): systems whose stores may hold them.
- ``allowed_roles`` (list of roles): roles whose third-party systems' stores may
  hold them, e.g. ``payment_processor``.

## Passing example
```yaml
check:
  kind: forbidden-storage
  categories: [user.financial.credit_card.number]
  allowed_roles: [payment_processor]
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: orders
      name: Orders
      system: shop
      fields:
        - {name: card_last4, category: user.financial.credit_card.last_four}
```

## Failing example
```yaml
check:
  kind: forbidden-storage
  categories: [user.financial.credit_card.number]
  allowed_roles: [payment_processor]
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: orders
      name: Orders
      system: shop
      fields:
        - {name: card_number, category: user.financial.credit_card.number}
```

## References
PCI DSS v4.0.1 Req. 3.2, 3.3; GDPR Art. 5(1)(c) (data minimisation).
"""

from __future__ import annotations

from itertools import repeat
from typing import Literal

from pydantic import Field

from pledge.checks.consistency import undeclared_groups
from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members
from pledge.checks.judged import PASS, Default, class_scope
from pledge.checks.label_lint import message, mislabelled
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import Role
from pledge.policy_model.types import CategoryIds


class Params(KindParams):
    """Parameters of forbidden-storage."""

    kind: Literal["forbidden-storage"]
    categories: CategoryIds = Field(min_length=1)
    allowed_holders: list[str] = Field(default_factory=list)
    allowed_roles: list[Role] = Field(default_factory=list)


@register("forbidden-storage", code="PLG101", params=Params, noun="fields")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail every field holding a forbidden category outside the allowed holders."""
    selectors = frozenset(params.categories)
    voc = ctx.vocab.data_categories
    holders = set(params.allowed_holders)
    roles = set(params.allowed_roles)
    selected = ctx.graph.selection("data_categories", selectors)
    table = ctx.graph.store_table(ctx.inventory)
    ev.checked += len(table.fields)
    verdicts: dict[str, int] = {}  # per category: 0 fine, 1 forbidden, 2 may hold a forbidden one
    suspects: list[bool] = []  # per field class: forbidden unless the store's system is a holder
    judged: list[Default | None] = []  # per field class: the fields of a forbidden category
    for field_class in table.field_classes:
        category, kind = field_class.category, field_class.store
        verdict = verdicts.get(category)
        if verdict is None:
            verdict = verdicts[category] = (
                1 if selected[category] else 2 if voc.is_broader(category, selectors) else 0)
        if kind.owner_type == "third_party" and kind.owner_role in roles:
            suspects.append(False)
            judged.append((PASS, f"{category} at a third-party {kind.owner_role}, an allowed "
                                 "holder") if verdict else None)
            continue
        suspect = verdict == 1 or (verdict == 2 and not field_class.tokenised)
        suspects.append(suspect)
        judged.append(None if not verdict else (PASS, f"{category}, held by an allowed holder")
                      if suspect else (PASS, f"{category}, marked tokenised: a processor "
                                             "token, not the forbidden value"))
    ev.judge(class_scope("field", table.field_class, judged, table.field_ids))
    for position in members(table.field_class, suspects):  # in inventory order
        store = table.stores[table.field_store[position]]
        if store.system in holders:
            continue
        field = table.fields[position]
        kind = table.field_classes[table.field_class[position]].store
        facts = {"category": field.category, "store": store.id, "system": store.system}
        internal = (f"; system '{store.system}' is internal, and the role "
                    f"{kind.owner_role} exempts only an external (third-party) processor"
                    if kind.owner_type == "internal" and kind.owner_role in roles else "")
        marked = [flag for flag in ("tokenised", "pseudonymised") if getattr(field, flag)]
        if verdicts[field.category] == 1 and marked:
            ev.fail("field", f"{store.id}.{field.name}",
                    f"field '{field.name}' of store '{store.id}' is labelled "
                    f"{field.category} but marked {' and '.join(marked)}: a token is not a "
                    f"full number, so the label and the flag contradict each other{internal}",
                    remediation="label a processor token user.financial.credit_card.token, "
                                "or remove the field",
                    evidence={"rule": "contradiction", **facts, "flags": marked})
        elif verdicts[field.category] == 1:
            ev.fail("field", f"{store.id}.{field.name}",
                    f"store '{store.id}' of system '{store.system}' holds "
                    f"{field.category} in field '{field.name}'{internal}",
                    remediation="remove the field, or keep only a processor token, the "
                                "brand or the last four digits",
                    evidence={"rule": "forbidden", **facts})
        else:
            hidden = sorted(s for s in selectors if s.startswith(field.category + "."))
            ev.fail("field", f"{store.id}.{field.name}",
                    f"field '{field.name}' of store '{store.id}' is declared as "
                    f"{field.category}, which may hold {', '.join(hidden)}, and is not marked "
                    f"tokenised{internal}",
                    remediation="declare the field's precise category (a token: "
                                "tokenised: true)",
                    evidence={"rule": "ambiguous", **facts})
    for hit in mislabelled(ctx):  # names that say forbidden data where labels do not
        if not selected[hit.match.category]:
            continue
        store = table.stores[table.field_store[hit.position]]
        kind = table.field_classes[table.field_class[hit.position]].store
        if store.system in holders or (kind.owner_type == "third_party"
                                       and kind.owner_role in roles):
            continue
        field = table.fields[hit.position]  # its label hides the name's category: the
        # label is neither that category nor one under it, so a forbidden label failed above
        # for what it says, and the name is reported for what the label does not say
        ev.fail("field", f"{store.id}.{field.name}",
                message(store.id, field.name, field.category, hit.match,
                        f"pledge trusts the name over the label, and {hit.match.category} "
                        "may not be stored here"),
                remediation=f"label the field {hit.match.category} and remove it, or "
                            "waive this finding if the name misleads",
                evidence={"rule": "label", "category": field.category,
                          "suggested": hit.match.category, "label_rule": hit.match.rule_id,
                          "store": store.id, "system": store.system})
    sends: list[tuple[int, int, list[str]]] = []  # (flow position, store position, hidden)
    for group in undeclared_groups(ctx):  # a store sends what it does not declare it holds
        hidden = [c for c in group.categories if selected[c] or voc.is_broader(c, selectors)]
        kind = table.store_classes[group.store_class].kind
        if hidden and not (kind.owner_type == "third_party" and kind.owner_role in roles):
            sends.extend(zip(group.positions, group.stores, repeat(hidden)))
    for position, store_position, hidden in sorted(sends):  # in inventory order
        store, flow = table.stores[store_position], ctx.graph.flow_at[position]
        if store.system in holders:
            continue
        ev.fail("store", store.id, f"store '{store.id}' sends {', '.join(hidden)} in "
                f"flow '{flow.id}' but declares no field of it: what a store sends, it "
                "holds, and it may not hold this",
                remediation="declare the field (and remove it), or correct the flow's "
                            "categories",
                evidence={"rule": "undeclared-holding", "store": store.id,
                          "flow": flow.id, "categories": list(hidden),
                          "system": store.system})
