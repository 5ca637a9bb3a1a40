"""The label lint: fields whose names say one data category while their labels say another.

An inventory's labels are claims. A field named ``cc_number``, ``pan`` or
``numero_carte`` labelled ``user.financial.bank_account`` escapes every check
that trusts the label. The shared label rules
(:mod:`pledge.policy_model.label_rules`, also used by database discovery) say
which names suggest which category; a field whose name suggests a category its
label neither equals nor refines (nor generalises) is *mislabelled*. The kinds
that judge fields by category (forbidden-storage, retention-limit,
pseudonymisation) fail a mislabelled field when the suggested category is one
they judge and the label hides it ("named like a card number, labelled X").

The lint runs once per inventory, in C-level passes over the store table's
fields: each distinct name is matched once, only the fields whose name
suggests a category are looked at, and each (name, field class) pair is
judged once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from operator import attrgetter
from weakref import WeakKeyDictionary

from pledge.checks.context import CheckContext
from pledge.checks.graph.tables import StoreTable
from pledge.policy_model.label_rules import LabelRules, NameMatch
from pledge.policy_model.vocabulary import Vocabulary


@dataclass(frozen=True)
class Mislabel:
    """A field (by its position in the store table) and the rule its name matches."""

    position: int
    match: NameMatch


_NAME = attrgetter("name")
_FOUND: WeakKeyDictionary[StoreTable, tuple[LabelRules, list[Mislabel]]] = WeakKeyDictionary()


@lru_cache(maxsize=1)
def bundled_rules() -> LabelRules:
    """The bundled label rules, loaded once."""
    return LabelRules.load()


def consistent(label: str, suggested: str, voc: Vocabulary) -> bool:
    """Whether a label agrees with the category a name suggests (same, finer or broader)."""
    return (voc.is_selected(label, frozenset({suggested}))
            or voc.is_selected(suggested, frozenset({label})))


def mislabelled(ctx: CheckContext) -> list[Mislabel]:
    """Every field of the inventory whose name suggests a category its label hides."""
    table = ctx.graph.store_table(ctx.inventory)
    rules = ctx.label_rules or bundled_rules()
    cached = _FOUND.get(table)
    found = cached[1] if cached is not None and cached[0] is rules else None
    if found is None:
        voc = ctx.vocab.data_categories
        # C-level passes over every field: each distinct name matched once, then only the
        # fields whose name suggests a category looked at, each (name, class) judged once
        names = list(map(_NAME, table.fields))
        suggesting = {name: matched for name in sorted(set(names))
                      if (matched := rules.match_name(name))}
        candidates = list(compress(range(len(names)), map(suggesting.__contains__, names)))
        pairs = list(zip(map(names.__getitem__, candidates),
                         map(table.field_class.__getitem__, candidates), strict=True))
        hidden_of: dict[tuple[str, int], tuple[NameMatch, ...]] = {}
        for name, field_class in set(pairs):
            label = table.field_classes[field_class].category
            hidden = tuple(m for m in suggesting[name] if not consistent(label, m.category, voc))
            if hidden:
                hidden_of[(name, field_class)] = hidden
        found = [Mislabel(position, m) for position, pair in compress(
                     zip(candidates, pairs, strict=True), map(hidden_of.__contains__, pairs))
                 for m in hidden_of[pair]]
        _FOUND[table] = (rules, found)
    return found


def message(store_id: str, field_name: str, label: str, match: NameMatch, why: str) -> str:
    """The finding's words: what the name says, what the label says, why it matters here."""
    return (f"field '{field_name}' of store '{store_id}' is {match.reason}, labelled {label}: "
            f"{why}")
