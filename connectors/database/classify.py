"""Propose a data category for each discovered column, from its name and its sampled values.

Name rules come from the shared label rules (:mod:`pledge.policy_model.label_rules`),
with the table's name as context. Value rules (:mod:`.values`) count how many
sampled values look like card numbers, emails, IBANs or phone numbers; when at
least half of a column's sampled values do, the values decide, whatever the
name says: a ``card_token`` column full of card numbers is a card-number column.
Otherwise the most specific name rule decides. A column neither rule claims is
not proposed as personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from pledge.connectors.database.introspect import Column, Table
from pledge.connectors.database.values import DETECTORS, card_digits
from pledge.policy_model.label_rules import LabelRules, NameMatch

MAJORITY = 0.5
"""Share of a column's sampled values a value rule needs to decide its category."""


@dataclass(frozen=True)
class ColumnVerdict:
    """The proposal for one column and its grounds (counts only, never values)."""

    table: Table
    column: Column
    category: str | None
    reason: str
    name_matches: tuple[NameMatch, ...]
    value_rule: str | None
    """The rule id of the value detector that decided, if one did."""
    card_values: int
    """Sampled values that are full card numbers."""
    last_four: tuple[str, ...]
    """Last four digits of up to three sampled card numbers (all pledge keeps of them)."""

    @property
    def personal(self) -> bool:
        """True when a category was proposed."""
        return self.category is not None


def _specificity(match: NameMatch) -> tuple[int, int, str]:
    """Longest matching pattern first, then the deepest category, then the rule id."""
    return (-len(match.pattern.split()), -match.category.count("."), match.rule_id)


def classify(table: Table, column: Column, rules: LabelRules) -> ColumnVerdict:
    """The proposed category of one column, with the reason in words."""
    matches = tuple(rules.match_column(table.name, column.name, column.type))
    values = column.values
    reasons: list[str] = []
    decided: tuple[str, str] | None = None  # (category, value rule id)
    cards = [d for d in (card_digits(v) for v in values) if d]
    for detector in DETECTORS:
        if detector.text_only and not column.is_text:
            continue
        hits = len(cards) if detector.rule_id == "card-number" else sum(
            1 for v in values if detector.test(v))
        if not hits:
            continue
        share = f"{hits} of {len(values)} sampled values are {detector.noun}"
        if hits >= MAJORITY * len(values) and decided is None:
            decided = (detector.category, detector.rule_id)
            reasons.append(share)
        elif detector.rule_id == "card-number":
            reasons.append(share)  # a minority of card numbers is still worth saying
    category: str | None = None
    named = sorted(matches, key=_specificity)
    if decided is not None:
        category = decided[0]
        agreeing = [m for m in named if m.category == category]
        if agreeing:
            reasons.insert(0, agreeing[0].reason)
        elif named:
            reasons.append(f"whatever the name says ({named[0].reason})")
    elif cards and (column.is_text or any(m.rule_id == "card-number" for m in named)):
        category = "user.financial.credit_card.number"  # fail closed on any card number
        if named:
            reasons.append(f"whatever the name says ({named[0].reason})")
    elif named:
        category = named[0].category
        reasons.insert(0, named[0].reason)
    last_four = tuple(sorted({d[-4:] for d in cards})[:3])
    return ColumnVerdict(
        table=table, column=column, category=category,
        reason="; ".join(reasons) if reasons else "no name or value rule matched",
        name_matches=tuple(named), value_rule=decided[1] if decided else None,
        card_values=len(cards), last_four=last_four)


def classify_table(table: Table, rules: LabelRules) -> list[ColumnVerdict]:
    """Every column of ``table``, in the table's order."""
    return [classify(table, column, rules) for column in table.columns]
