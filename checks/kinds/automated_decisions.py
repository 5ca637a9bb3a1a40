"""Automated decisions with significant effects are absent, or open to human review.

## What it checks
Every ``automated_decisions`` entry of every processing activity. With
``allow_significant: false`` a decision with ``significant_effect: true`` fails
outright; otherwise such a decision must have ``human_review: true`` when
``require_human_review`` is set.

## Why it matters
"We do not currently use automated decision-making processes that have
significant legal or other effects on individuals" is a fact about every
processing activity; a new fraud model that blocks accounts on its own changes
it, and GDPR Art. 22 then requires human intervention on request.

## Parameters
- ``allow_significant`` (bool, default false): significant decisions may exist.
- ``require_human_review`` (bool, default true): significant decisions need review.

## Passing example
```yaml
check:
  kind: automated-decisions
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  processing_activities:
    - id: tickets
      name: Ticket routing
      purposes: [essential.service.operations.support]
      legal_basis: contract
      data_subjects: [customers]
      categories: [user.support.request]
      systems: [shop]
      automated_decisions:
        - {description: Route tickets by topic, significant_effect: false}
```

## Failing example
```yaml
check:
  kind: automated-decisions
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  processing_activities:
    - id: fraud
      name: Fraud scoring
      purposes: [essential.fraud_detection]
      legal_basis: legitimate_interests
      data_subjects: [customers]
      categories: [user.payment.transaction]
      systems: [shop]
      automated_decisions:
        - {description: Block accounts automatically, significant_effect: true}
```

## References
GDPR Art. 22, Art. 13(2)(f).
"""

from __future__ import annotations

from typing import Literal

from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.judged import PASS, Scope
from pledge.checks.registry import KindParams, register


class Params(KindParams):
    """Parameters of automated-decisions."""

    kind: Literal["automated-decisions"]
    allow_significant: bool = False
    require_human_review: bool = True


@register("automated-decisions", code="PLG302", params=Params, noun="automated decisions")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail significant automated decisions the policy rules out or leaves unreviewed."""
    ev.judge(Scope(lambda: (
        ("processing_activity", a.id, PASS, "; ".join(
            f"{d.description}: " + ("human review on request" if d.human_review
                                    else "no significant effect" if not d.significant_effect
                                    else "significant effect")
            for d in a.automated_decisions), None)
        for a in ctx.inventory.processing_activities if a.automated_decisions)))
    for activity in ctx.inventory.processing_activities:
        for number, decision in enumerate(activity.automated_decisions, start=1):
            ev.checked += 1
            if not decision.significant_effect:
                continue
            facts = {"activity": activity.id, "decision": decision.description,
                     "human_review": decision.human_review}
            if not params.allow_significant:
                ev.fail("processing_activity", activity.id, f"'{activity.id}' makes an "
                        f"automated decision with significant effects: {decision.description}",
                        remediation="put a person in the loop, or drop the decision",
                        evidence={"rule": f"significant:{number}", **facts},
                        key="automated_decisions")
            elif params.require_human_review and not decision.human_review:
                ev.fail("processing_activity", activity.id, f"'{activity.id}' makes a "
                        f"significant automated decision with no human review: "
                        f"{decision.description}",
                        remediation="offer human review on request (human_review: true)",
                        evidence={"rule": f"no-review:{number}", **facts},
                        key="automated_decisions")
