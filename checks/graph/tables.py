"""What checks judge nodes, flows, stores and fields on, and the tables that class them.

A :class:`FlowClass` holds what flow checks judge a flow on, a
:class:`StoreClass` and a :class:`FieldClass` what store and field checks judge;
:class:`StoreTable` and :class:`TransportGroups` number every store, field and
flow by its class (see :mod:`pledge.checks.graph.classes`). The graph fills them while it
is built (:class:`~pledge.checks.graph.flow_graph.FlowGraph`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, NamedTuple

from pledge.checks.graph.classes import Classes, sizes
from pledge.policy_model.inventory import DataField, Inventory, Store

_PURPOSES = attrgetter("purposes")
_FIELD_FACTS = attrgetter("category", "retention", "disposal", "pseudonymised", "tokenised")
_NO_OWNER: tuple[str | None, str | None] = (None, None)


class NodeFacts(NamedTuple):
    """What recipient checks judge a declared node on: three of its attributes."""

    third_party: bool
    role: str | None
    purposes: frozenset[str]


class FlowClass(NamedTuple):
    """What flow checks judge a flow on, its source aside.

    ``target`` is the facts of the flow's target node, ``None`` when that node
    is not declared (only flows name it).
    """

    categories: frozenset[str]
    purposes: frozenset[str]
    gate: str | None
    target: NodeFacts | None
    protocol: str
    tls: str | None
    encrypted: bool | None = None
    """The transport's own ``encrypted`` flag (``None``: not declared)."""


class StoreKind(NamedTuple):
    """What checks judge a store on, its fields aside."""

    purposes: frozenset[str]
    """Its own purposes and its fields'."""
    owner_type: str | None
    """The type of the system owning it; ``None`` when that system is not declared."""
    owner_role: str | None
    access_roles: tuple[str, ...]
    exposure: str | None
    """``None`` when not declared."""
    encrypted: bool | None
    """``None`` when not declared."""


class StoreClass(NamedTuple):
    """What checks judge a store on: its kind and the categories of its fields."""

    kind: StoreKind
    categories: frozenset[str]


class FieldClass(NamedTuple):
    """What checks judge a field on: purposes, retention and disposal its own, else its store's."""

    category: str
    purposes: tuple[str, ...]
    retention: str | None
    disposal: str | None
    pseudonymised: bool
    store: StoreKind
    tokenised: bool = False


class StoreTable:
    """Every store and every field of an inventory, each sorted into a class.

    ``stores[i]`` is the ``i``-th store and ``store_class[i]`` the number of its
    :class:`StoreClass` in ``store_classes``; ``fields[j]`` is the ``j``-th field
    (store by store, in order), ``field_store[j]`` the position of its store and
    ``field_class[j]`` the number of its :class:`FieldClass` in ``field_classes``;
    ``store_sizes`` and ``field_sizes`` count the members of each class.
    Inventories repeat a few hundred classes over hundreds of thousands of
    stores and fields: a check decides per class (see :func:`members`).

    The graph fills its table while it builds the store nodes (:meth:`add`),
    which need the same facts; :meth:`of` makes one for any inventory.
    """

    def __init__(self, inventory: Inventory, owners: dict[str, tuple[str, str]],
                 owner_purposes: dict[str, tuple[str, ...]] | None = None) -> None:
        """An empty table; ``owners`` maps each system id to its (type, role).

        ``owner_purposes`` maps each system id to its declared purposes: a store
        that declares none is kept for its system's (an omission is not "none").
        """
        self.inventory = inventory
        self._owner_purposes = owner_purposes or {}
        self.stores: list[Store] = []
        self.fields: list[DataField] = []
        self.store_class: array[int] = array("l")
        self.field_store: array[int] = array("l")
        self.field_class: array[int] = array("l")
        self.store_sizes: list[int] = []
        self.field_sizes: list[int] = []
        self._owners = owners
        # what a store's fields fall back on: its own purposes, retention and disposal
        self._contexts: Classes[tuple[StoreKind, tuple[str, ...], str | None, str | None]] = (
            Classes(lambda key: (StoreKind(key[3] or frozenset(key[0]), *key[4], *key[5:]),
                                 *key[:3])))
        contexts = self._contexts.described

        def field_class_of(key: tuple[Any, ...]) -> FieldClass:
            (category, retention, disposal, pseudonymised, tokenised), purposes, context = key
            kind, store_purposes, store_retention, store_disposal = contexts[context]
            return FieldClass(category, purposes or store_purposes, retention or store_retention,
                              disposal or store_disposal, pseudonymised, kind, tokenised)

        self._store_classes: Classes[StoreClass] = Classes(
            lambda key: StoreClass(contexts[key[0]][0], key[1]))
        self._field_classes: Classes[FieldClass] = Classes(field_class_of)
        self.store_classes: list[StoreClass] = self._store_classes.described
        self.field_classes: list[FieldClass] = self._field_classes.described
        self._seen: dict[tuple[Any, ...], tuple[int, tuple[int, ...], StoreKind]] = {}

    @classmethod
    def of(cls, inventory: Inventory) -> StoreTable:
        """The table of ``inventory``'s stores."""
        table = cls(inventory, {s.id: (s.type, s.role) for s in inventory.systems},
                    {s.id: tuple(s.purposes) for s in inventory.systems})
        for store in inventory.stores:
            table.add(store)
        return table.done()

    def add(self, store: Store) -> StoreKind:
        """Class the next store and its fields; returns the store's kind.

        Stores repeat a few thousand combinations of their own facts and their
        fields': each combination is classed once, field by field, and remembered.
        """
        fields = store.fields
        facts = tuple(map(_FIELD_FACTS, fields))
        of_fields = tuple(map(tuple, map(_PURPOSES, fields))) if any(
            map(_PURPOSES, fields)) else None
        key = (tuple(store.purposes) or self._owner_purposes.get(store.system, ()),
               store.retention, store.disposal,
               self._owners.get(store.system, _NO_OWNER), tuple(store.access_roles),
               store.exposure, store.encryption_at_rest, facts, of_fields)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._class(key)
        store_class, field_classes, kind = found
        self.store_class.append(store_class)
        self.field_class.extend(field_classes)
        self.field_store.extend(repeat(len(self.stores), len(fields)))
        self.fields.extend(fields)
        self.stores.append(store)
        return kind

    def _class(self, key: tuple[Any, ...]) -> tuple[int, tuple[int, ...], StoreKind]:
        """The store class, field classes and kind of a store with the facts ``key``."""
        own, retention, disposal, owner, access_roles, exposure, encrypted, facts, of_fields = key
        union = frozenset(chain(own, *of_fields)) if of_fields else None
        context = self._contexts[(own, retention, disposal, union, owner, access_roles, exposure,
                                  encrypted)]
        field_classes = tuple(map(self._field_classes.__getitem__, zip(
            facts, of_fields or repeat(()), repeat(context))))
        store_class = self._store_classes[(context, frozenset(f[0] for f in facts))]
        return store_class, field_classes, self._contexts.described[context][0]

    def done(self) -> StoreTable:
        """Count the members of each class, once every store is added."""
        self.store_sizes = sizes(self.store_class, len(self.store_classes))
        self.field_sizes = sizes(self.field_class, len(self.field_classes))
        return self


class TransportClass(NamedTuple):
    """What transport checks judge a flow on."""

    protocol: str
    tls: str | None
    from_subject: bool
    """Whether it leaves a data subject."""
    categories: frozenset[str]
    encrypted: bool | None = None


class TransportGroups:
    """Every flow sorted into a :class:`TransportClass`: ``flow_class[i]`` for the ``i``-th flow.

    Made from each flow's :class:`FlowClass` and whether it leaves a data subject.
    """

    def __init__(self, flow_classes: list[FlowClass], flow_class: Iterable[int],
                 from_subject: Iterable[bool]) -> None:
        classes: Classes[TransportClass] = Classes(lambda key: TransportClass(
            flow_classes[key[0]].protocol, flow_classes[key[0]].tls, key[1],
            flow_classes[key[0]].categories, flow_classes[key[0]].encrypted))
        self.flow_class: array[int] = array("l", map(classes.__getitem__, zip(
            flow_class, from_subject, strict=True)))
        self.classes: list[TransportClass] = classes.described
        self.sizes = sizes(self.flow_class, len(self.classes))
