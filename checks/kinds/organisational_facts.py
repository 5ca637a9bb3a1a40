"""Facts about the organisation compared with what the policy promises.

## What it checks
Each entry of ``requirements`` names a ``fact`` of the inventory's
``organisation`` section (dotted for nested facts, like
``breach_response.authority_notification_hours``), an ``operator`` and a
``value``. Operators: ``eq``, ``ne``, ``le``, ``lt``, ``ge``, ``gt``,
``true``, ``present`` (declared, and not a placeholder such as ``none``, ``n/a``,
``TBD`` or an address at example.com), ``contains_all`` (a list fact holds every
listed value; for a fact drawn from a vocabulary, such as breach-notice contents
and channels, the listed values must be ids of that vocabulary)
and ``within`` (a date fact no older than the ISO 8601 duration ``value`` on
the evaluation date). A fact that is not declared fails; an inventory without
an ``organisation`` section cannot be judged, which is an error.

## Why it matters
Some promises are about how the organisation works, not where data flows:
breach notice within 72 hours, an age gate at 18, regular audits. Recording
them as facts lets a change to the organisation's procedures be checked like
any other change.

A data subject group that declares its own ``minimum_age`` is held to a
``minimum_user_age`` requirement too: customers served from 16 break "not
intended for individuals under 18" whatever the organisation says. The
absence half of that promise ("we do not knowingly collect personal data from
minors") is held against the flows: a data subject whose category names minors
(``customer.minor``) and sends data in any flow fails a ``minimum_user_age``
requirement of 18 or more.

## Parameters
- ``requirements`` (list, required): ``{fact, operator, value, description}``.

## Passing example
```yaml
check:
  kind: organisational-facts
  requirements:
    - {fact: minimum_user_age, operator: ge, value: 18}
inventory:
  organisation: {id: shop, name: Shop, country: MA, minimum_user_age: 18}
```

## Failing example
```yaml
check:
  kind: organisational-facts
  requirements:
    - {fact: minimum_user_age, operator: ge, value: 18}
inventory:
  organisation: {id: shop, name: Shop, country: MA, minimum_user_age: 16}
```

## References
GDPR Art. 8, Art. 22(3), Art. 32(1)(d), Art. 33(1), Art. 34.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic.fields import FieldInfo

from pledge.base.strict_model import StrictModel
from pledge.checks.context import CheckContext, Evaluation
from pledge.checks.judged import PASS, Item, Scope
from pledge.checks.located_later import Where, default_location
from pledge.checks.registry import KindParams, register
from pledge.policy_model.durations import add, within
from pledge.policy_model.inventory import Organisation
from pledge.policy_model.placeholders import present
from pledge.policy_model.redact import redact
from pledge.policy_model.types import VocabRef
from pledge.policy_model.vocabulary import default_vocabularies

SUBJECT_FACTS = {"minimum_user_age": "minimum_age"}
"""Organisation facts a data subject may restate for its own group (and must then keep)."""

Operator = Literal["eq", "ne", "le", "lt", "ge", "gt", "true", "present", "contains_all",
                   "within"]


def _fact_field(path: str) -> FieldInfo | None:
    """The model field a dotted fact names, or ``None`` when there is no such fact."""
    model: Any = Organisation
    info: FieldInfo  # set by the loop, which runs at least once (split gives a part)
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        annotation = info.annotation
        model = next((a for a in getattr(annotation, "__args__", ()) if hasattr(
            a, "model_fields")), annotation)
    return info


def _fact_exists(path: str) -> bool:
    return _fact_field(path) is not None


def _fact_vocabulary(path: str) -> str | None:
    """The vocabulary a fact's values are drawn from, if any (breach-notice channels...)."""
    info = _fact_field(path)
    refs = [m for m in info.metadata if isinstance(m, VocabRef)] if info else []
    return refs[0].vocabulary if refs else None


class Requirement(StrictModel):
    """One comparison of an organisation fact with a promised value."""

    fact: str
    operator: Operator
    value: Any = None
    description: str | None = None

    @field_validator("fact")
    @classmethod
    def _known_fact(cls, fact: str) -> str:
        if not _fact_exists(fact):
            known = ", ".join(sorted(Organisation.model_fields))
            raise ValueError(f"unknown organisation fact '{fact}' (known: {known})")
        return fact

    @model_validator(mode="after")
    def _values_from_the_fact_vocabulary(self) -> Requirement:
        vocabulary = _fact_vocabulary(self.fact)
        if vocabulary is None or self.operator not in ("contains_all", "eq", "ne"):
            return self
        voc = default_vocabularies().get(vocabulary)
        values = self.value if isinstance(self.value, list) else [self.value]
        for value in values:
            if value not in voc:
                raise ValueError(f"'{value}' is not a {voc.label} for {self.fact}: "
                                 f"{voc.unknown_hint(str(value))}")
        return self


class Params(KindParams):
    """Parameters of organisational-facts."""

    kind: Literal["organisational-facts"]
    requirements: list[Requirement] = Field(min_length=1)


def _compare(actual: Any, operator: str, expected: Any, as_of: date) -> bool:
    if operator == "present":
        return present(actual)
    if operator == "true":
        return actual is True
    if operator == "contains_all":
        return set(expected or []) <= set(actual or [])
    if operator == "within":
        return isinstance(actual, date) and within(actual, as_of, str(expected))
    ops = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "le": lambda a, b: a <= b,
           "lt": lambda a, b: a < b, "ge": lambda a, b: a >= b, "gt": lambda a, b: a > b}
    return bool(ops[operator](actual, expected))


Judging = tuple[str, str, str, Where]
"""A judged subject whose line is looked up only when listed: (type, id, reason, where)."""


def _listed(ctx: CheckContext, judging: list[Judging]) -> list[Item]:
    """The judged subjects with their lines (looked up now: only an output listing them asks)."""
    return [(kind, ident, PASS, reason, default_location(ctx.sources, ctx.policy_locations, at))
            for kind, ident, reason, at in judging]


@register("organisational-facts", code="PLG401", params=Params, noun="facts")
def run(ctx: CheckContext, params: Params, ev: Evaluation) -> None:
    """Fail facts that are missing or differ from the promise."""
    org = ctx.inventory.organisation
    if org is None:
        ev.error("organisation", "organisation", "the inventory has no organisation section, "
                 "so organisational promises cannot be judged",
                 remediation="add an organisation: section with the facts")
        return
    judged: list[Judging] = []
    ev.judge(Scope(lambda: _listed(ctx, judged)))
    for req in params.requirements:
        if req.fact in SUBJECT_FACTS:
            _judge_subjects(ctx, ev, req, judged)
        ev.checked += 1
        actual: Any = org
        for part in req.fact.split("."):
            actual = getattr(actual, part, None) if actual is not None else None
        shown = actual.isoformat() if isinstance(actual, date) else actual
        evidence = {"rule": req.fact, "fact": req.fact, "operator": req.operator,
                    "expected": req.value, "actual": shown}
        where: Where = ("organisation", org.id, req.fact)  # looked up if shown
        judged.append(("organisation", req.fact, f"organisation fact '{req.fact}' is "
                       f"{shown!r}: {_wanted(req)}", where))
        if actual is None and req.operator != "present":
            ev.fail("organisation", req.fact, f"organisation fact '{req.fact}' is not declared",
                    remediation=f"declare organisation.{req.fact}", evidence=evidence,
                    at=where)
        elif not _compare(actual, req.operator, req.value, ctx.as_of):
            want = req.description or f"{req.operator} {req.value}"
            if req.operator == "within" and isinstance(actual, date):
                ends = add(actual, str(req.value)).date()
                want += f" (on the calendar, {req.value} after {shown} is {ends})"
            # masked before repr(): its escapes (\n, \') would split a secret the
            # renderers' masking must see whole
            quoted = repr(redact(shown) if isinstance(shown, str) else [
                redact(v) if isinstance(v, str) else v for v in shown]
                if isinstance(shown, list) else shown)
            ev.fail("organisation", req.fact, f"organisation fact '{req.fact}' is {quoted}; "
                    f"the policy requires {want}",
                    remediation=f"change the practice, then organisation.{req.fact}",
                    evidence=evidence, at=where)


def _wanted(req: Requirement) -> str:
    """What a requirement asks, in words (its description, else its operator and value)."""
    if req.description:
        return req.description
    return req.operator if req.value is None else f"{req.operator} {req.value}"


AGE_OF_MAJORITY = 18
"""Below it a person is a minor; a data subject category with a ``minor`` segment
(``customer.minor``) is a group of people below it, whatever else it declares."""


def _is_minor(category: str) -> bool:
    return "minor" in category.split(".")


def _judge_minors(ctx: CheckContext, ev: Evaluation, req: Requirement) -> None:
    """Fail groups of minors the inventory collects data from, when the promise is 18 or more.

    A promise of absence ("we do not knowingly collect personal data from minors")
    is held against the flows: a data subject whose category says minors and that
    sends data in any flow is data knowingly collected from minors.
    """
    if req.operator not in ("ge", "gt") or not isinstance(req.value, int) or (
            req.value + (req.operator == "gt") < AGE_OF_MAJORITY):
        return
    minors = {s.id: s for s in ctx.inventory.data_subjects if _is_minor(s.category)}
    if not minors:
        return
    sent: dict[str, list[str]] = {}
    for flow in ctx.inventory.flows:
        if flow.source in minors:
            sent.setdefault(flow.source, []).append(flow.id)
    for ident in sorted(sent):
        subject, flows = minors[ident], sorted(sent[ident])
        ev.checked += 1
        ev.fail("subject", ident, f"data subject '{ident}' is a group of minors (category "
                f"{subject.category}) and sends personal data in flow"
                f"{'s' if len(flows) > 1 else ''} {', '.join(flows)}: the policy requires "
                f"{req.fact} {req.operator} {req.value}, and data knowingly collected from "
                "minors breaks it", remediation="stop collecting data from this group, or "
                "remove the flows from it", evidence={
                    "rule": f"{req.fact}:minors", "category": subject.category,
                    "flows": flows, "expected": req.value, "operator": req.operator},
                key="category")


def _judge_subjects(ctx: CheckContext, ev: Evaluation, req: Requirement,
                    judged: list[Judging]) -> None:
    """Hold each data subject's own value of the fact (where declared) to the requirement."""
    key = SUBJECT_FACTS[req.fact]
    if req.fact == "minimum_user_age":
        _judge_minors(ctx, ev, req)
    for subject in ctx.inventory.data_subjects:
        actual = getattr(subject, key)
        if actual is None:
            continue  # the organisation's value applies, judged below
        ev.checked += 1
        judged.append(("subject", subject.id, f"data subject '{subject.id}' declares "
                       f"{key} {actual}: {_wanted(req)}", ("subject", subject.id, key)))
        if not _compare(actual, req.operator, req.value, ctx.as_of):
            want = req.description or f"{req.operator} {req.value}"
            ev.fail("subject", subject.id, f"data subject '{subject.id}' declares {key} "
                    f"{actual}; the policy requires {req.fact} {want}, for every group served",
                    remediation=f"serve this group only at {want}, or stop collecting its data",
                    evidence={"rule": f"{req.fact}:subject", "fact": key,
                              "operator": req.operator, "expected": req.value,
                              "actual": actual}, key=key)
