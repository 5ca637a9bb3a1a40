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

The lint runs once per inventory, on the store table's shapes (the names and
classes of a store's fields, a few thousand over hundreds of thousands of
stores): each distinct name is matched once, each (name, label) pair judged once,
and only the stores of a shape with a mislabelled field are visited.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress
from operator import itemgetter, not_
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
        # stores repeat a few thousand shapes (their fields' names and classes): each
        # distinct name is matched once, only the shapes holding a name that suggests a
        # category are visited, and each (name, label) pair judged once
        every_name = set(chain.from_iterable(map(itemgetter(0), table.shapes)))
        suggesting = {name: matched for name in sorted(every_name)
                      if (matched := rules.match_name(name))}
        judged: dict[tuple[str, str], tuple[NameMatch, ...]] = {}
        bad: dict[int, list[tuple[int, tuple[NameMatch, ...]]]] = {}
        named = suggesting.keys()
        for shape in compress(range(len(table.shapes)), map(
                not_, map(named.isdisjoint, map(itemgetter(0), table.shapes)))):
            names, classes = table.shapes[shape]
            for offset, (name, field_class) in enumerate(zip(names, classes, strict=True)):
                matches = suggesting.get(name)
                if not matches:
                    continue
                key = (name, table.field_classes[field_class].category)
                hidden = judged.get(key)
                if hidden is None:
                    hidden = judged[key] = tuple(m for m in matches
                                                 if not consistent(key[1], m.category, voc))
                if hidden:
                    bad.setdefault(shape, []).append((offset, hidden))
        shapes, starts = table.store_shape, table.field_start
        found = [Mislabel(starts[store] + offset, m) for store in
                 compress(range(len(shapes)), map(bad.__contains__, shapes))
                 for offset, hidden in bad[shapes[store]] for m in hidden]
        _FOUND[table] = (rules, found)
    return found


def message(store_id: str, field_name: str, label: str, match: NameMatch, why: str) -> str:
    """The finding's words: what the name says, what the label says, why it matters here."""
    return (f"field '{field_name}' of store '{store_id}' is {match.reason}, labelled {label}: "
            f"{why}")
