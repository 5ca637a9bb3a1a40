"""Every field of the given categories declares a retention within a maximum, and a disposal.

## What it checks
Every store field whose category is selected by ``categories`` (and, when
``purposes`` is given, whose purposes are selected by it). The field's
retention (its own, else its store's) must be an ISO 8601 duration no longer
than the limit, and its disposal (its own, else its store's) must be one of
``disposal``. The limit is ``max_retention``, or the longest ``overrides`` entry
whose purposes select one of the field's purposes (records the law requires
keeping longer). A missing retention, or ``indefinite``, fails. Durations are
compared on the calendar: P60M is within P5Y, P12M is longer than P365D. A field
whose name says it holds personal data of ``categories`` (the shared label
rules: ``email``, ``date_naissance``...) while its label keeps it out fails too.

## Why it matters
"We retain your personal data only for as long as necessary" is a promise about
every copy: one table kept forever breaks it. Storage limitation is a GDPR
principle, and unlimited retention multiplies the harm of any breach.

## Parameters
- ``categories`` (list of category ids, default ``[user]``): what the limit covers.
- ``purposes`` (list of purpose ids): only fields processed for these.
- ``max_retention`` (ISO 8601 duration, required): the default limit.
- ``overrides`` (list of ``{purposes, max_retention, reason}``): longer limits
  for fields kept for those purposes, such as tax records.
- ``disposal`` (list of ``delete``/``anonymise``, default both): accepted disposal methods.
- ``aspects`` (list of ``duration``/``disposal``, default both): what to check, so
  one promise about how long and another about how data ends can be separate
  commitments. ``max_retention`` is required when ``duration`` is checked.

## Passing example
```yaml
check:
  kind: retention-limit
  max_retention: P3Y
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: customers
      name: Customers
      system: shop
      fields:
        - {name: email, category: user.contact.email, retention: P2Y, disposal: delete}
```

## Failing example
```yaml
check:
  kind: retention-limit
  max_retention: P3Y
inventory:
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: customers
      name: Customers
      system: shop
      fields:
        - {name: email, category: user.contact.email, retention: indefinite, disposal: delete}
```

## References
GDPR Art. 5(1)(e) (storage limitation), Art. 17; ISO/IEC 27701 7.4.7.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pledge.base.strict_model import StrictModel
from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.graph.classes import members
from pledge.checks.judged import PASS, Default, class_scope
from pledge.checks.label_lint import message, mislabelled
from pledge.checks.registry import KindParams, register
from pledge.policy_model.durations import exceeds
from pledge.policy_model.inventory import Disposal
from pledge.policy_model.types import (
    INDEFINITE,
    CategoryIds,
    Duration,
    PurposeIds,
)


class Override(StrictModel):
    """A longer limit for fields kept for given purposes."""

    purposes: PurposeIds = Field(min_length=1)
    max_retention: Duration
    reason: str | None = None


class Params(KindParams):
    """Parameters of retention-limit."""

    kind: Literal["retention-limit"]
    categories: CategoryIds = Field(default=["user"])
    purposes: PurposeIds = Field(default_factory=list)
    max_retention: Duration | None = None
    overrides: list[Override] = Field(default_factory=list)
    disposal: list[Disposal] = Field(default=["delete", "anonymise"])
    aspects: list[Literal["duration", "disposal"]] = Field(
        default=["duration", "disposal"], min_length=1)

    @model_validator(mode="after")
    def _limit_when_duration(self) -> Params:
        if "duration" in self.aspects and self.max_retention is None:
            raise ValueError("max_retention is required when 'duration' is checked")
        return self


@register("retention-limit", code="PLG102", params=Params, noun="fields")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail fields with no, indefinite or too long a retention, or no disposal."""
    graph = ctx.graph
    selected = graph.selection("data_categories", frozenset(params.categories))
    purposes = frozenset(params.purposes)
    wanted = graph.selection("purposes", purposes)
    overrides = [(graph.selection("purposes", frozenset(o.purposes)), o.max_retention)
                 for o in params.overrides]
    check_duration = "duration" in params.aspects
    check_disposal = "disposal" in params.aspects
    limits: dict[tuple[str, ...], str] = {}  # the limit depends on the field's purposes only

    def limit_for(field_purposes: list[str] | tuple[str, ...]) -> str:
        key = tuple(field_purposes)
        limit = limits.get(key)
        if limit is None:
            limit = params.max_retention or "P0D"
            for chosen, longer in overrides:
                if chosen.any(field_purposes) and exceeds(longer, limit):
                    limit = longer
            limits[key] = limit
        return limit

    accepted = params.disposal
    table = ctx.graph.store_table(ctx.inventory)
    verdicts: list[bool] = []  # per field class: every field of a class fails or none does
    judged: list[Default | None] = []  # per field class: what its fields that keep it show
    for number, field_class in enumerate(table.field_classes):
        category, field_purposes = field_class.category, field_class.purposes
        if not selected[category] or (purposes and not wanted.any(field_purposes)):
            verdicts.append(False)
            judged.append(None)
            continue
        ev.checked += table.field_sizes[number]
        retention = field_class.retention
        if check_duration and retention is not None and retention != INDEFINITE:
            too_long = exceeds(retention, limit_for(field_purposes))
        else:
            too_long = check_duration  # no retention, or indefinite
        verdicts.append(too_long or (check_disposal and field_class.disposal not in accepted))
        kept = [f"kept {retention} within {limit_for(field_purposes)}"] if check_duration else []
        kept += [f"disposal {field_class.disposal}"] if check_disposal else []
        judged.append((PASS, f"{category}: {', '.join(kept)}"))
    ev.judge(class_scope("field", table.field_class, judged, table.field_ids))
    for position in members(table.field_class, verdicts):  # the failing fields, in order
        store = table.stores[table.field_store[position]]
        field = table.fields[position]
        retention = field.retention or store.retention
        disposal = field.disposal or store.disposal
        limit = limit_for(field.purposes or store.purposes)
        subject = f"{store.id}.{field.name}"
        facts = {"category": field.category, "retention": retention, "limit": limit,
                 "store": store.id}
        if not check_duration:
            pass
        elif retention is None:
            ev.fail("field", subject, f"field '{field.name}' of store '{store.id}' "
                    f"declares no retention ({field.category})",
                    remediation=f"declare a retention of at most {limit} on the field "
                                "or its store",
                    evidence={"rule": "missing", **facts})
        elif retention == INDEFINITE:
            ev.fail("field", subject, f"field '{field.name}' of store '{store.id}' is "
                    f"kept indefinitely ({field.category})",
                    remediation=f"set a retention of at most {limit} and delete or "
                                "anonymise after it",
                    evidence={"rule": "indefinite", **facts}, key="retention")
        elif exceeds(retention, limit):
            ev.fail("field", subject, f"field '{field.name}' of store '{store.id}' is "
                    f"kept {retention}, longer than the limit {limit}",
                    remediation=f"shorten the retention to {limit} or less",
                    evidence={"rule": "too-long", **facts}, key="retention")
        if check_disposal and disposal not in params.disposal:
            ev.fail("field", subject, f"field '{field.name}' of store '{store.id}' "
                    f"declares no accepted disposal (has {disposal or 'none'})",
                    remediation=f"declare disposal: {' or '.join(params.disposal)}",
                    evidence={"rule": "disposal", **facts, "disposal": disposal})
    for hit in mislabelled(ctx):  # personal data by name, under a label the schedule skips
        field = table.fields[hit.position]
        if not selected[hit.match.category] or selected[field.category]:
            continue
        field_class = table.field_classes[table.field_class[hit.position]]
        if purposes and not wanted.any(field_class.purposes):
            continue
        store = table.stores[table.field_store[hit.position]]
        ev.fail("field", f"{store.id}.{field.name}",
                message(store.id, field.name, field.category, hit.match,
                        "the label keeps it out of this retention rule, the name puts it in"),
                remediation=f"label the field {hit.match.category} (and keep it within the "
                            "rule), or waive this finding if the name misleads",
                evidence={"rule": "label", "category": field.category,
                          "suggested": hit.match.category, "label_rule": hit.match.rule_id,
                          "store": store.id})
