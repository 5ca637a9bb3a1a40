"""What a change to an inventory does to personal data, and to the policy's commitments.

Compares a base and a head inventory, each with its flow graph and its
check results:

- recipients: nodes personal data newly reaches (or no longer reaches), with
  the categories that reach them;
- reach: categories newly reaching (or no longer reaching) a node that was a
  recipient before and still is;
- purposes newly used (or no longer used) anywhere in the inventory;
- retention changes of fields present on both sides;
- sensitive categories newly stored (a store field holding, say, a card number);
- commitments: findings the change newly breaks, and ones it fixes.

A category *reaches* a node when a path of flows from a data subject (or any
node without incoming flows) carries it all the way, a flow declaring a
broader category counting as carrying it (the graph's conservative reading).
Everything is sorted; the same two inventories always give the same diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain, compress
from operator import attrgetter, not_
from typing import Any, Literal, NamedTuple, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from pledge.checks.engine import RunResult
from pledge.checks.findings import Finding, Status
from pledge.checks.graph.flow_graph import FlowGraph, Hop, Reached
from pledge.policy_model.inventory import Inventory, Store
from pledge.policy_model.sources import Location, SourceIndex
from pledge.policy_model.types import Severity

DIFF_FORMAT = "pledge-diff/1"
Change = Literal["added", "removed"]

SENSITIVE_CATEGORIES = (
    "user.authorization.credentials",
    "user.authorization.password",
    "user.biometric",
    "user.childrens",
    "user.criminal_history",
    "user.demographic.political_opinion",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.financial.bank_account",
    "user.financial.credit_card.cvv",
    "user.financial.credit_card.expiry",
    "user.financial.credit_card.number",
    "user.government_id",
    "user.health_and_medical",
)
"""Categories whose new storage a reviewer must see: special categories (GDPR Art. 9),
criminal records, credentials, government ids, and card data PCI DSS protects."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecipientChange(_Model):
    """A node personal data newly reaches, or no longer reaches."""

    change: Change
    recipient: str
    type: str = Field(description="system or store")
    third_party: bool
    role: str | None = None
    categories: list[str]
    path: list[str] = Field(default_factory=list, description="Nodes from a data subject.")
    flows: list[str] = Field(default_factory=list)
    location: Location | None = None


class ReachChange(_Model):
    """A category newly reaching, or no longer reaching, a continuing recipient."""

    change: Change
    category: str
    recipient: str
    third_party: bool
    role: str | None = None
    path: list[str] = Field(default_factory=list)
    flows: list[str] = Field(default_factory=list)
    location: Location | None = None


class PurposeChange(_Model):
    """A purpose newly used, or no longer used, somewhere in the inventory."""

    change: Change
    purpose: str
    used_by: list[str] = Field(description="e.g. 'flow card_to_ads', 'system ad_network'.")


class RetentionChange(_Model):
    """A field whose effective retention (its own, else its store's) changed."""

    store: str
    field: str
    category: str
    base: str | None
    head: str | None
    location: Location | None = None


class SensitiveStorage(_Model):
    """A store field newly holding a sensitive category."""

    store: str
    field: str
    category: str
    new_store: bool
    location: Location | None = None


class InventoryDiff(_Model):
    """The personal-data and compliance effect of going from a base to a head inventory."""

    format: str = DIFF_FORMAT
    base: str = Field(description="The base inventory, as given (a path, or REF:path).")
    head: str
    as_of: date
    fail_on: Severity = Field(Severity.INFO, description="Lowest severity that fails the diff.")
    result: str = Field(description="fail when the change newly breaks a commitment at or "
                                    "above fail_on.")
    recipients: list[RecipientChange] = Field(default_factory=list)
    reach: list[ReachChange] = Field(default_factory=list)
    purposes: list[PurposeChange] = Field(default_factory=list)
    retention: list[RetentionChange] = Field(default_factory=list)
    sensitive_storage: list[SensitiveStorage] = Field(default_factory=list)
    newly_failing: list[Finding] = Field(
        default_factory=list, description="Every newly failing finding, below fail_on too.")
    newly_fixed: list[Finding] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def to_json(self) -> str:
        """Canonical JSON text (sorted keys, two-space indent, trailing newline)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True,
                          ensure_ascii=False) + "\n"

    @property
    def changed(self) -> bool:
        """Whether the change touches personal data or the commitments at all."""
        return any((self.recipients, self.reach, self.purposes, self.retention,
                    self.sensitive_storage, self.newly_failing, self.newly_fixed))


@dataclass(frozen=True)
class Side:
    """One side of a diff: the inventory, where things are declared, its graph and result."""

    inventory: Inventory
    sources: SourceIndex
    graph: FlowGraph
    result: RunResult


# --- reach ------------------------------------------------------------------------------------
KEPT_WALKS = 4
"""Walks :class:`CategoryReach` keeps (the most recently used) for the paths asked next."""


class CategoryReach:
    """Where each category declared on a graph's flows gets to, category by category.

    A category spreads from the origins (data subjects and nodes without
    incoming flows) and, where the inventory does not say how it got there,
    from the source of each flow declaring it. Origins are not recipients of
    what they send. Each walk follows flow classes (no call per flow), and the
    path that brings a category to a node is made only when asked for: a diff
    of two inventories of a hundred thousand systems holds one category's
    walk at a time, not every (category, node) pair with its path.
    """

    def __init__(self, graph: FlowGraph) -> None:
        self.graph = graph
        self.categories = graph.flow_categories()
        self._origins = sorted(set(graph.roots()) | set(graph.subjects()))
        self._walks: dict[str, _Walk] = {}

    def _walk(self, category: str) -> _Walk:
        found = self._walks.pop(category, None)
        if found is None:
            graph = self.graph
            selector = frozenset([category])
            allowed = graph.carrying(selector, broader=True)
            first = graph.reach_classes(self._origins, allowed)
            declared = graph.unreached_sources(graph.carrying(selector), first)
            found = _Walk(first, graph.reach_classes(declared, allowed) if declared else None)
            if len(self._walks) >= KEPT_WALKS:  # forget the least recently used
                del self._walks[next(iter(self._walks))]
        self._walks[category] = found  # the most recently used last
        return found

    def recipients(self, category: str) -> set[str]:
        """The nodes ``category`` reaches from elsewhere (origins sending it excluded)."""
        if category not in self.categories:
            return set()
        walk = self._walk(category)
        found = set(walk.first.recipients())
        if walk.then is not None:
            found.update(set(walk.then.recipients()).difference(walk.first.nodes()))
        return found

    def path(self, category: str, node: str) -> list[Hop]:
        """The shortest path bringing ``category`` to ``node``."""
        return FlowGraph.path(self._walk(category), node)


class _Walk:
    """One category's walk: from the origins, then from sources the first did not reach.

    Reads as the mapping node -> (previous node, flow) of the two walks merged,
    the first's entry winning (what :meth:`FlowGraph.path` follows).
    """

    def __init__(self, first: Reached, then: Reached | None) -> None:
        self.first = first
        self.then = then

    def get(self, node: str) -> tuple[str, str] | None:
        if node in self.first or self.then is None:
            return self.first.get(node)
        return self.then.get(node)


class MovedCategory(NamedTuple):
    """One category's recipients gained and lost between the two sides."""

    category: str
    gained: set[str]
    lost: set[str]

    def nodes(self, change: str) -> set[str]:
        """The recipients ``added`` (gained) or ``removed`` (lost)."""
        return self.gained if change == "added" else self.lost


def _node_facts(graph: FlowGraph, node: str) -> tuple[str, bool, str | None]:
    data = graph.node(node)
    return data["type"], bool(data["third_party"]), data.get("role")


def _route(hops: list[Hop]) -> tuple[list[str], list[str]]:
    if not hops:
        return [], []
    return [hops[0].source, *(h.target for h in hops)], [h.flow for h in hops]


def _declared(sources: SourceIndex, kind: str, ident: str) -> Location | None:
    return sources.locate(kind, ident)


def _origins(graph: FlowGraph) -> set[str]:
    return set(graph.roots()) | set(graph.subjects())


APART_SHARE = 8
"""Flows held apart are "few" below one in this many of both sides' flows."""

Model = TypeVar("Model")


def apart(items: list[Model], others: list[Model]) -> list[Model]:
    """The objects of ``items`` that are not among ``others``' objects, in order (in C passes).

    A diff loads the head sharing the base's models where the bytes are the same
    (:class:`~pledge.policy_model.load_share.LoadShare`), and loaded models are
    never changed: what the head holds as the base's very object is the same on
    both sides, and only the rest must be compared.
    """
    kept = set(map(id, others))
    return list(compress(items, map(not_, map(kept.__contains__, map(id, items)))))


class Apart(Protocol):
    """:func:`apart`, or what answers as it does."""

    def __call__(self, items: list[Model], others: list[Model]) -> list[Model]: ...


class HeldApart:
    """:func:`apart` for one diff: each pair of lists worked out once, whoever asks.

    The lists asked about are kept with the answer, so their ids stay theirs
    while it lives; an inventory's lists are never changed once loaded.
    """

    def __init__(self) -> None:
        self._found: dict[tuple[int, int], tuple[list[Any], list[Any], list[Any]]] = {}

    def __call__(self, items: list[Model], others: list[Model]) -> list[Model]:
        key = (id(items), id(others))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = (apart(items, others), items, others)
        return found[0]


def changed_categories(base: FlowGraph, head: FlowGraph,
                       categories: Iterable[str], held: Apart = apart) -> set[str]:
    """The categories among ``categories`` whose walk may differ between the two graphs.

    A category's recipients depend only on the origins (data subjects and nodes
    no flow enters) and on the (source, target) of the flows carrying it
    (:meth:`FlowGraph.categories_carry`, broader included; the flows declaring
    it exactly are among them): when the origins are the same and no flow
    carrying it was added or removed, it reaches the same nodes on both sides.
    Every category when flow ids repeat (see :meth:`FlowGraph.edges`).

    Only the flows one side holds and the other does not (as objects: a head
    loaded sharing the base's models holds the unchanged ones as the base's very
    objects) can add or remove a (source, target, categories). When those are
    few, the categories they declare are looked at, a superset of those of the
    edges that differ (a category walked though unmoved reaches the same nodes
    on both sides, and the result is the same); else the two sets of edges are
    compared.
    """
    chosen = set(categories)
    if (base.repeated_flow_ids or head.repeated_flow_ids
            or _origins(base) != _origins(head)):
        return chosen
    flows_before, flows_after = base.inventory.flows, head.inventory.flows  # as flow_at
    moved = [*held(flows_after, flows_before), *held(flows_before, flows_after)]
    if len(moved) * APART_SHARE < len(base.flow_at) + len(head.flow_at):
        carried = {frozenset(f.categories) for f in moved}
    else:
        edges_before, edges_after = base.edges(), head.edges()
        assert edges_before is not None and edges_after is not None  # no id repeats
        carried = {cats for _source, _target, cats in edges_before ^ edges_after}
    return {c for c in chosen
            if any(head.categories_carry(cats, frozenset([c]), broader=True) for cats in carried)}


def reach_changes(base: Side, head: Side, held: Apart = apart
                  ) -> tuple[list[RecipientChange], list[ReachChange]]:
    """New and removed recipients, and categories newly reaching continuing recipients.

    Only the categories a change can move are walked on both sides
    (:func:`changed_categories`); the others reach the same nodes on both, and
    are walked (on the head) only when a node one of the moved categories
    gained or lost must be told apart as a new, a former or a continuing
    recipient.
    """
    before, after = CategoryReach(base.graph), CategoryReach(head.graph)
    categories = before.categories | after.categories
    walked = changed_categories(base.graph, head.graph, categories, held)
    nodes_before: set[str] = set()
    nodes_after: set[str] = set()
    # per category, the nodes it newly reaches and no longer reaches (a change touches few)
    moved: list[MovedCategory] = []
    for category in sorted(walked):
        was, now = before.recipients(category), after.recipients(category)
        nodes_before |= was
        nodes_after |= now
        moved.append(MovedCategory(category, now - was, was - now))
    undecided = nodes_before ^ nodes_after  # reached on one side by the moved categories
    for category in sorted(categories - walked):
        if not undecided:
            break
        same = after.recipients(category) & undecided  # the same nodes on both sides
        nodes_before |= same
        nodes_after |= same
        undecided -= same
    recipients: list[RecipientChange] = []
    for change, side, reach, nodes in (("added", head, after, nodes_after - nodes_before),
                                       ("removed", base, before, nodes_before - nodes_after)):
        for node in sorted(nodes):
            # a node reached on one side only: every category reaching it moved with it
            cats = [entry.category for entry in moved if node in entry.nodes(change)]
            kind, third, role = _node_facts(side.graph, node)
            path, flows = _route(reach.path(cats[0], node))
            recipients.append(RecipientChange(
                change=change, recipient=node, type=kind, third_party=third, role=role,
                categories=cats, path=path, flows=flows,
                location=_declared(side.sources, kind, node)))
    continuing = nodes_before & nodes_after
    pairs: list[ReachChange] = []
    for change, side, reach in (("added", head, after), ("removed", base, before)):
        for entry in moved:
            category = entry.category
            for node in sorted(entry.nodes(change) & continuing):
                _, third, role = _node_facts(side.graph, node)
                path, flows = _route(reach.path(category, node))
                pairs.append(ReachChange(
                    change=change, category=category, recipient=node, third_party=third,
                    role=role, path=path, flows=flows,
                    location=_declared(side.sources, "flow", flows[-1]) if flows else None))
    pairs.sort(key=lambda p: (p.recipient, p.change, p.category))
    return recipients, pairs


# --- purposes, retention, sensitive storage ---------------------------------------------------
def purpose_uses(inv: Inventory) -> dict[str, list[str]]:
    """Purpose -> what uses it ('flow x', 'system y', 'field s.f', ...), sorted."""
    uses: dict[str, set[str]] = {}

    def add(purposes: Iterable[str], what: str) -> None:
        for purpose in purposes:
            uses.setdefault(purpose, set()).add(what)

    for flow in inv.flows:
        add(flow.purposes, f"flow {flow.id}")
    for system in inv.systems:
        add(system.purposes, f"system {system.id}")
    for store in inv.stores:
        add(store.purposes, f"store {store.id}")
        for fld in store.fields:
            add(fld.purposes, f"field {store.id}.{fld.name}")
    for activity in inv.processing_activities:
        add(activity.purposes, f"processing_activity {activity.id}")
    for gate in inv.consent_gates:
        add(gate.purposes, f"consent_gate {gate.id}")
    return {p: sorted(w) for p, w in sorted(uses.items())}


_PURPOSES = attrgetter("purposes")
_FIELDS = attrgetter("fields")


def _holders(inv: Inventory) -> list[list[Any]]:
    """What may name a purpose, section by section, the shortest sections first."""
    return [inv.consent_gates, inv.processing_activities, inv.systems, inv.flows, inv.stores]


def _purposes_of(items: list[Any], fields: bool) -> set[str]:
    used = set(chain.from_iterable(map(_PURPOSES, items)))
    if fields:  # stores: their fields' purposes too
        used.update(chain.from_iterable(map(_PURPOSES, chain.from_iterable(map(_FIELDS, items)))))
    return used


def purposes_used(inv: Inventory, among: set[str]) -> set[str]:
    """Which purposes of ``among`` the inventory uses (keys of :func:`purpose_uses`), read
    section by section in C passes until all are found."""
    used: set[str] = set()
    for items in _holders(inv):
        used |= _purposes_of(items, items is inv.stores)
        if among <= used:
            break
    return used & among


def _purposes_apart(inv: Inventory, other: Inventory, held: Apart) -> set[str]:
    """The purposes named by what ``inv`` holds that ``other`` does not hold as its very
    object (:func:`apart`): a superset of those ``inv`` uses and ``other`` does not."""
    return set().union(*(_purposes_of(held(mine, theirs), mine is inv.stores)
                         for mine, theirs in zip(_holders(inv), _holders(other), strict=True)))


def purpose_changes(base: Inventory, head: Inventory, held: Apart = apart
                    ) -> list[PurposeChange]:
    """Purposes the head uses that the base did not, and the reverse.

    Only the purposes named by what one side holds apart from the other
    (:func:`apart`) can be new or gone: each is looked for on the other side,
    section by section until found. What uses each is listed only for the
    purposes that changed.
    """
    gained, lost = _purposes_apart(head, base, held), _purposes_apart(base, head, held)
    added = gained - purposes_used(base, gained) if gained else set()
    removed = lost - purposes_used(head, lost) if lost else set()
    uses_after = purpose_uses(head) if added else {}
    uses_before = purpose_uses(base) if removed else {}
    changes = [PurposeChange(change="added", purpose=p, used_by=uses_after[p])
               for p in sorted(added)]
    changes += [PurposeChange(change="removed", purpose=p, used_by=uses_before[p])
                for p in sorted(removed)]
    return changes


def _fields(inv: Inventory) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(s.id, f.name): (f.category, f.retention or s.retention)
            for s in inv.stores for f in s.fields}


_NAME_AND_RETENTION = attrgetter("name", "retention")


def _retentions(store: Store) -> list[tuple[str, str | None]]:
    return list(map(_NAME_AND_RETENTION, store.fields))


def retention_changes(base: Side, head: Side, held: Apart = apart) -> list[RetentionChange]:
    """Fields on both sides whose effective retention differs.

    Only the head's stores that are not the base's own objects are compared
    (:func:`apart`); those as wholes first (their retention, and each field's
    name and retention, in C passes), and where one of those differs, field by
    field. When a store id repeats on either side, every field is compared by
    (store, field), as the inventory's dictionaries merge them.
    """
    stores_before = {s.id: s for s in base.inventory.stores}
    if (len(stores_before) < len(base.inventory.stores)
            or len(set(map(attrgetter("id"), head.inventory.stores)))
            < len(head.inventory.stores)):
        return _retention_by_field(base, head)
    changed: list[tuple[str, str, str, str | None, str | None]] = []
    for now in held(head.inventory.stores, base.inventory.stores):
        ident = now.id
        was = stores_before.get(ident)
        if was is None or (was.retention == now.retention
                           and _retentions(was) == _retentions(now)):
            continue
        kept = {f.name: f.retention or was.retention for f in was.fields}
        for name, (category, retention) in {f.name: (f.category, f.retention or now.retention)
                                            for f in now.fields}.items():
            if name in kept and kept[name] != retention:
                changed.append((ident, name, category, kept[name], retention))
    changed.sort(key=lambda c: (c[0], c[1]))
    return [RetentionChange(store=s, field=f, category=category, base=was, head=now,
                            location=head.sources.locate("field", f"{s}.{f}"))
            for s, f, category, was, now in changed]


def _retention_by_field(base: Side, head: Side) -> list[RetentionChange]:
    """:func:`retention_changes` by (store, field) over every field of both sides."""
    before, after = _fields(base.inventory), _fields(head.inventory)
    return [RetentionChange(store=s, field=f, category=after[(s, f)][0],
                            base=before[(s, f)][1], head=after[(s, f)][1],
                            location=head.sources.locate("field", f"{s}.{f}"))
            for s, f in sorted(set(before) & set(after))
            if before[(s, f)][1] != after[(s, f)][1]]


def sensitive_storage(base: Side, head: Side, held: Apart = apart) -> list[SensitiveStorage]:
    """Store fields of the head holding a sensitive category the base did not hold there.

    A store the head holds as the base's own object holds nothing new: only the
    others are looked into (:func:`apart`).
    """
    selected = head.graph.vocab.data_categories.selection(frozenset(SENSITIVE_CATEGORIES))
    looked = held(head.inventory.stores, base.inventory.stores)
    sensitive = {c for s in looked for c in {f.category for f in s.fields} if selected[c]}
    holding = [(s, f) for s in looked for f in s.fields if f.category in sensitive]
    if not holding:
        return []
    wanted = {s.id for s, _ in holding}
    had: set[tuple[str, str, str]] = set()
    stores_before: set[str] = set()
    for store in base.inventory.stores:  # only the stores that hold one on the head
        if store.id in wanted:
            stores_before.add(store.id)
            had.update((store.id, f.name, f.category) for f in store.fields)
    found = [SensitiveStorage(store=s.id, field=f.name, category=f.category,
                              new_store=s.id not in stores_before,
                              location=head.sources.locate("field", f"{s.id}.{f.name}"))
             for s, f in holding if (s.id, f.name, f.category) not in had]
    return sorted(found, key=lambda x: (x.store, x.field))


# --- commitments --------------------------------------------------------------------------------
def _failing(result: RunResult) -> dict[str, Finding]:
    return {f.fingerprint: f for f in result.findings if f.status.failing}


def commitment_changes(base: RunResult, head: RunResult) -> tuple[list[Finding], list[Finding]]:
    """Findings failing in the head but not the base, and findings failing in the base
    that the head no longer has at all (waived is not fixed)."""
    before, after = _failing(base), _failing(head)
    present = {f.fingerprint for f in head.findings
               if f.status in (Status.FAIL, Status.ERROR, Status.WAIVED)}
    newly = [f for fp, f in after.items() if fp not in before]
    fixed = [f for fp, f in before.items() if fp not in present]
    return sorted(newly, key=Finding.sort_key), sorted(fixed, key=Finding.sort_key)


def breaks(finding: Finding, fail_on: Severity) -> bool:
    """Whether a newly failing finding fails the diff: errors always, else by severity."""
    return finding.status is Status.ERROR or finding.severity.rank >= fail_on.rank


@dataclass(frozen=True)
class InventoryChanges:
    """What a change does to the inventories themselves (the checks' results not read)."""

    recipients: list[RecipientChange]
    reach: list[ReachChange]
    purposes: list[PurposeChange]
    retention: list[RetentionChange]
    sensitive_storage: list[SensitiveStorage]


def inventory_changes(base: Side, head: Side) -> InventoryChanges:
    """Recipients, reach, purposes, retention and sensitive storage: everything but the
    commitments, so it can be worked out while the checks run (their ``result`` unread).
    What each side holds apart from the other is worked out once for all of them."""
    held = HeldApart()
    recipients, reach = reach_changes(base, head, held)
    return InventoryChanges(recipients, reach,
                            purpose_changes(base.inventory, head.inventory, held),
                            retention_changes(base, head, held),
                            sensitive_storage(base, head, held))


def diff_inventories(base: Side, head: Side, *, base_label: str, head_label: str,
                     as_of: date, fail_on: Severity = Severity.INFO,
                     warnings: list[str] | None = None,
                     changes: InventoryChanges | None = None) -> InventoryDiff:
    """The whole diff of two inventories already loaded, graphed and checked
    (``changes``: :func:`inventory_changes` of the same sides, when already worked out)."""
    changes = changes or inventory_changes(base, head)
    newly, fixed = commitment_changes(base.result, head.result)
    failed = any(breaks(f, fail_on) for f in newly)
    return InventoryDiff(
        base=base_label, head=head_label, as_of=as_of, fail_on=fail_on,
        result="fail" if failed else "pass",
        recipients=changes.recipients, reach=changes.reach, purposes=changes.purposes,
        retention=changes.retention, sensitive_storage=changes.sensitive_storage,
        newly_failing=newly, newly_fixed=fixed, warnings=sorted(warnings or []))
