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


class Owner(NamedTuple):
    """The system owning a store: its type and role (``None``: the system is not declared)."""

    type: str | None
    role: str | None


_NO_OWNER = Owner(None, None)


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


class FieldFacts(NamedTuple):
    """A field's own facts, in the order :data:`_FIELD_FACTS` reads them."""

    category: str
    retention: str | None
    disposal: str | None
    pseudonymised: bool
    tokenised: bool


class StoreKey(NamedTuple):
    """Everything a store's classes depend on: stores with equal keys share their classes."""

    purposes: tuple[str, ...]
    """Its own purposes, else its system's."""
    retention: str | None
    disposal: str | None
    owner: Owner
    access_roles: tuple[str, ...]
    exposure: str | None
    encrypted: bool | None
    facts: tuple[tuple[Any, ...], ...]
    """Each field's :class:`FieldFacts`, as plain tuples (read once per class)."""
    field_purposes: tuple[tuple[str, ...], ...] | None
    """Each field's own purposes; ``None`` when no field declares any."""


class ContextKey(NamedTuple):
    """What a store's fields fall back on, and what its kind is made of."""

    purposes: tuple[str, ...]
    retention: str | None
    disposal: str | None
    all_purposes: frozenset[str] | None
    """The store's purposes and its fields', when some field declares its own."""
    owner: Owner
    access_roles: tuple[str, ...]
    exposure: str | None
    encrypted: bool | None


class StoreContext(NamedTuple):
    """A store's kind, and the purposes, retention and disposal its fields fall back on."""

    kind: StoreKind
    purposes: tuple[str, ...]
    retention: str | None
    disposal: str | None


class FieldKey(NamedTuple):
    """Everything a field's class depends on."""

    facts: tuple[Any, ...]
    purposes: tuple[str, ...]
    context: int
    """The number of its store's :class:`StoreContext`."""


class StoreClassKey(NamedTuple):
    """Everything a store's class depends on."""

    context: int
    categories: frozenset[str]


def _context_of(key: ContextKey) -> StoreContext:
    kind = StoreKind(key.all_purposes or frozenset(key.purposes), key.owner.type,
                     key.owner.role, key.access_roles, key.exposure, key.encrypted)
    return StoreContext(kind, key.purposes, key.retention, key.disposal)


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

    def __init__(self, inventory: Inventory, owners: dict[str, Owner],
                 owner_purposes: dict[str, tuple[str, ...]] | None = None) -> None:
        """An empty table; ``owners`` maps each system id to its :class:`Owner`.

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
        self._contexts: Classes[StoreContext] = Classes(_context_of)
        contexts = self._contexts.described

        def field_class_of(key: FieldKey) -> FieldClass:
            facts = FieldFacts(*key.facts)
            store = contexts[key.context]
            return FieldClass(facts.category, key.purposes or store.purposes,
                              facts.retention or store.retention,
                              facts.disposal or store.disposal, facts.pseudonymised, store.kind,
                              facts.tokenised)

        self._store_classes: Classes[StoreClass] = Classes(
            lambda key: StoreClass(contexts[key.context].kind, key.categories))
        self._field_classes: Classes[FieldClass] = Classes(field_class_of)
        self.store_classes: list[StoreClass] = self._store_classes.described
        self.field_classes: list[FieldClass] = self._field_classes.described
        self._seen: dict[StoreKey, tuple[int, tuple[int, ...], StoreKind]] = {}
        self._store_ids: list[str] = []
        self._field_ids: list[str] = []

    def store_ids(self) -> list[str]:
        """Each store's id, in the order of ``stores`` (made on first use, once)."""
        if len(self._store_ids) != len(self.stores):
            self._store_ids = [store.id for store in self.stores]
        return self._store_ids

    def field_ids(self) -> list[str]:
        """Each field's id (``store.field``), in the order of ``fields`` (made on first use)."""
        if len(self._field_ids) != len(self.fields):
            stores = self.store_ids()
            self._field_ids = [f"{stores[at]}.{field.name}"
                               for at, field in zip(self.field_store, self.fields, strict=True)]
        return self._field_ids

    @classmethod
    def of(cls, inventory: Inventory) -> StoreTable:
        """The table of ``inventory``'s stores."""
        table = cls(inventory, {s.id: Owner(s.type, s.role) for s in inventory.systems},
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
        key = StoreKey(tuple(store.purposes) or self._owner_purposes.get(store.system, ()),
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

    def _class(self, key: StoreKey) -> tuple[int, tuple[int, ...], StoreKind]:
        """The store class, field classes and kind of a store with the facts ``key``."""
        of_fields = key.field_purposes
        union = frozenset(chain(key.purposes, *of_fields)) if of_fields else None
        context = self._contexts[ContextKey(key.purposes, key.retention, key.disposal, union,
                                            key.owner, key.access_roles, key.exposure,
                                            key.encrypted)]
        field_classes = tuple(self._field_classes[FieldKey(facts, purposes, context)]
                              for facts, purposes in zip(key.facts, of_fields or repeat(()),
                                                         strict=False))  # repeat(): endless
        categories = frozenset(FieldFacts(*facts).category for facts in key.facts)
        store_class = self._store_classes[StoreClassKey(context, categories)]
        return store_class, field_classes, self._contexts.described[context].kind

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
        def transport_of(key: tuple[int, bool]) -> TransportClass:
            flow, leaves_subject = flow_classes[key[0]], key[1]  # (flow class, from a subject)
            return TransportClass(flow.protocol, flow.tls, leaves_subject, flow.categories,
                                  flow.encrypted)

        classes: Classes[TransportClass] = Classes(transport_of)
        self.flow_class: array[int] = array("l", map(classes.__getitem__, zip(
            flow_class, from_subject, strict=True)))
        self.classes: list[TransportClass] = classes.described
        self.sizes = sizes(self.flow_class, len(self.classes))
