"""No processing may combine the given data categories, purposes and data subjects.

## What it checks
Fides' policy rules, with their semantics. The rule has three parts, data
categories, data uses (pledge's purposes) and data subjects, each a list of
``values`` with a ``matches`` mode. Every processing activity is evaluated, once
with its own categories and once per field of each store held by one of its
systems (a field's categories grouped by name); the activity gives the purposes
and, through its data subjects, the subject categories. A declared id matches a
value when the id or one of its ancestors is that value (``user.financial``
catches ``user.financial.credit_card``). Per part, as in Fides:

- ``ANY``: some declared id matches;
- ``ALL``: every declared id matches;
- ``NONE``: no declared id matches;
- ``OTHER``: some declared id does not match.

The combination is forbidden, and the subject fails, when all three parts hold.
Two gaps of Fides' evaluator are closed. A declared id *broader* than a value
(``user`` when the value is ``user.demographic.political_opinion``) may hold it:
Fides lets it pass; pledge reports it as a failure with the verdict ``unclear``
(evidence ``rule: unclear``) and asks for the precise category. And an
activity always names its data subjects (pledge's inventory requires them; the
Fides import gives a declaration without any every data subject, and says so),
so none is silently exempt.

## Why it matters
"We never use your political opinions for advertising" is a promise about a
combination: the data may be held, and advertising may happen, but never that
data for that purpose about those people. Teams that wrote such rules as Fides
policies keep them word for word: ``pledge import fides`` converts them into
commitments of this kind.

## Parameters
- ``data_categories``, ``data_uses``, ``data_subjects`` (each required): a mapping
  with ``matches`` (``ANY``, ``ALL``, ``NONE`` or ``OTHER``) and ``values`` (data
  category, purpose and data subject ids).

## Passing example
```yaml
check:
  kind: forbidden-combination
  data_categories: {matches: ANY, values: [user.demographic.political_opinion]}
  data_uses: {matches: ANY, values: [marketing.advertising]}
  data_subjects: {matches: ANY, values: [customer]}
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  processing_activities:
    - id: ads
      name: Advertising
      purposes: [marketing.advertising]
      legal_basis: consent
      data_subjects: [customers]
      categories: [user.contact.email]
      systems: [shop]
```

## Failing example
```yaml
check:
  kind: forbidden-combination
  data_categories: {matches: ANY, values: [user.demographic.political_opinion]}
  data_uses: {matches: ANY, values: [marketing.advertising]}
  data_subjects: {matches: ANY, values: [customer]}
inventory:
  data_subjects:
    - {id: customers, name: Customers, category: customer}
  systems:
    - {id: shop, name: Shop, type: internal, role: storefront, country: MA}
  stores:
    - id: users
      name: Users
      system: shop
      fields:
        - {name: opinion, category: user.demographic.political_opinion}
  processing_activities:
    - id: ads
      name: Advertising
      purposes: [marketing.advertising.first_party]
      legal_basis: consent
      data_subjects: [customers]
      categories: [user.contact.email]
      systems: [shop]
```

## References
Fides policy rules (fideslang ``PolicyRule``: ``matches`` ANY / ALL / NONE / OTHER);
GDPR Art. 5(1)(b) (purpose limitation), Art. 9 (special categories).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from pledge.base.strict_model import StrictModel
from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.judged import PASS, Scope
from pledge.checks.registry import KindParams, register
from pledge.policy_model.inventory import ProcessingActivity
from pledge.policy_model.types import CategoryIds, PurposeIds, SubjectCategoryId
from pledge.policy_model.vocabulary import Vocabulary

Matches = Literal["ANY", "ALL", "NONE", "OTHER"]
NO, UNCLEAR, YES = 0, 1, 2
"""A part of the rule, or one declared id: does not hold, may hold, holds."""


class CategoryRule(StrictModel):
    """The data-category part of a rule."""

    matches: Matches
    values: CategoryIds = Field(min_length=1)


class UseRule(StrictModel):
    """The data-use (purpose) part of a rule."""

    matches: Matches
    values: PurposeIds = Field(min_length=1)


class SubjectRule(StrictModel):
    """The data-subject part of a rule."""

    matches: Matches
    values: list[SubjectCategoryId] = Field(min_length=1)


class Params(KindParams):
    """Parameters of forbidden-combination."""

    kind: Literal["forbidden-combination"]
    data_categories: CategoryRule
    data_uses: UseRule
    data_subjects: SubjectRule


def declared(term: str, values: frozenset[str]) -> int:
    """YES when ``term`` or an ancestor is a value, UNCLEAR when it is broader than one."""
    if any(a in values for a in Vocabulary.ancestors(term)):
        return YES
    prefix = term + "."
    return UNCLEAR if any(v.startswith(prefix) for v in values) else NO


def part_holds(items: Sequence[int], matches: Matches) -> int:
    """Whether one part of the rule holds over the declared ids' verdicts.

    Fides' semantics where every id is decided; a broader id may go either way,
    so a part that depends on it is UNCLEAR (except OTHER: a broader id reaches
    outside the values, as Fides counts it). Nothing declared never holds.
    """
    if not items:
        return NO
    if matches == "ANY":
        return max(items)
    if matches == "ALL":
        return min(items)
    if matches == "NONE":
        top = max(items)
        return NO if top == YES else YES if top == NO else UNCLEAR
    return YES if any(i != YES for i in items) else NO  # OTHER


_DECISIVE = {"ANY": {YES, UNCLEAR}, "ALL": {YES, UNCLEAR}, "NONE": {NO, UNCLEAR},
             "OTHER": {NO, UNCLEAR}}
"""Per mode, the declared ids a finding names: those that make the part hold (or may)."""


class _Rule:
    """One rule, with each declared id's verdict remembered per part."""

    def __init__(self, params: Params) -> None:
        self.parts: tuple[tuple[frozenset[str], Matches, dict[str, int]], ...] = (
            (frozenset(params.data_categories.values), params.data_categories.matches, {}),
            (frozenset(params.data_uses.values), params.data_uses.matches, {}),
            (frozenset(params.data_subjects.values), params.data_subjects.matches, {}),
        )
        self.decided: tuple[dict[tuple[str, ...], tuple[int, list[str]]], ...] = ({}, {}, {})
        """Per part, the verdict of each list of declared ids met (fields repeat a few)."""

    def part(self, index: int, terms: Sequence[str]) -> tuple[int, list[str]]:
        """The part's verdict and the declared ids that decide it (the list: read, not change)."""
        key = tuple(terms)
        found = self.decided[index].get(key)
        if found is None:
            found = self.decided[index][key] = self._part(index, terms)
        return found

    def _part(self, index: int, terms: Sequence[str]) -> tuple[int, list[str]]:
        values, matches, memo = self.parts[index]
        items = []
        for term in terms:
            verdict = memo.get(term)
            if verdict is None:
                verdict = memo[term] = declared(term, values)
            items.append(verdict)
        wanted = _DECISIVE[matches]
        return part_holds(items, matches), [
            t for t, i in zip(terms, items, strict=True) if i in wanted]


def _activity_parts(rule: _Rule, activity: ProcessingActivity, subjects: dict[str, str],
                    ) -> tuple[int, list[str], list[str]]:
    """The uses and subjects parts of the rule for one activity (the lower verdict)."""
    kinds = list(dict.fromkeys(subjects.get(s, s) for s in activity.data_subjects))
    uses, used = rule.part(1, activity.purposes)
    people, whom = rule.part(2, kinds)
    return min(uses, people), used, whom


@register("forbidden-combination", code="PLG303", params=Params,
          noun="activities and fields")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail each activity, or field an activity processes, that the rule forbids."""
    inv = ctx.inventory
    rule = _Rule(params)
    subjects = {s.id: s.category for s in inv.data_subjects}
    by_system: dict[str, list[tuple[ProcessingActivity, int, list[str], list[str]]]] = {}
    ev.judge(Scope(lambda: (
        ("processing_activity", a.id, PASS, "the rule does not hold for it", None)
        for a in inv.processing_activities)))
    ev.judge(Scope(lambda: (
        ("field", f"{s.id}.{name}", PASS, "the rule does not hold for its category"
         if s.system in by_system else f"no processing activity of system '{s.system}' "
         "matches the rule's uses and data subjects", None)
        for s in inv.stores for name in dict.fromkeys(f.name for f in s.fields))))
    for activity in inv.processing_activities:
        ev.checked += 1
        verdict, used, whom = _activity_parts(rule, activity, subjects)
        if verdict == NO:
            continue  # no field of its systems can make it hold
        for system in dict.fromkeys(activity.systems):
            by_system.setdefault(system, []).append((activity, verdict, used, whom))
        holds, cats = rule.part(0, activity.categories)
        _report(ev, "processing_activity", activity.id, min(verdict, holds), activity.id,
                cats, used, whom, key="categories")
    for store in inv.stores:
        activities = by_system.get(store.system)
        if not activities:
            ev.checked += len({f.name for f in store.fields})
            continue
        grouped: dict[str, list[str]] = {}
        for fld in store.fields:
            grouped.setdefault(fld.name, []).append(fld.category)
        ev.checked += len(grouped)
        for name, categories in grouped.items():
            holds, cats = rule.part(0, list(dict.fromkeys(categories)))
            if holds == NO:
                continue
            worst: tuple[int, str, list[str], list[str], list[str]] | None = None
            for activity, verdict, used, whom in activities:
                found = min(verdict, holds)
                if found != NO and (worst is None or found > worst[0]):
                    worst = (found, activity.id, cats, used, whom)
            if worst is not None:
                _report(ev, "field", f"{store.id}.{name}", *worst)


def _report(ev: Evaluation, subject_type: str, subject_id: str, verdict: int, activity: str,
            cats: list[str], used: list[str], whom: list[str], key: str | None = None) -> None:
    if verdict == NO:
        return
    facts = {"activity": activity, "data_categories": list(cats), "data_uses": used,
             "data_subjects": whom}
    what = (f"{', '.join(cats)} for {', '.join(used)} about {', '.join(whom)}"
            f" (activity '{activity}')")
    if verdict == YES:
        ev.fail(subject_type, subject_id, f"'{subject_id}' processes a forbidden combination: "
                f"{what}", remediation="stop this processing, or change the category, the "
                "purpose or the people it concerns", evidence={"rule": "forbidden", **facts},
                key=key)
    else:
        ev.fail(subject_type, subject_id, f"unclear: '{subject_id}' declares an id broader "
                f"than the rule's, which may hide a forbidden combination: {what}",
                remediation="declare the precise category, purpose or data subject",
                evidence={"rule": "unclear", **facts}, key=key)
