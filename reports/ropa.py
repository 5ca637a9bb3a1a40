"""Record of processing activities (GDPR Art. 30(1)) derived from the inventory and its graph.

For each processing activity: its purposes, legal basis, categories of data
subjects and of personal data, the recipients its data reaches, transfers to
third countries with their safeguard, retention, and security measures.

Recipients come from the flow graph: a breadth-first reach
(:meth:`FlowGraph.reach`) from the activity's systems, and the stores they own
for its purposes, along flows that carry the activity's data categories for one
of its purposes. So that a system shared by several activities (one web shop)
does not lend every activity every recipient, the walk stays on nodes that the
activity's own data subjects' data (or what authorities and public sources send
for its purposes) can reach at all. Recipients are the third-party systems among the activity's
own systems and the nodes reached. A recipient in another
country than the organisation's is a third-country transfer; its safeguard is
the transfer agreement on record (``scc``, ``adequacy``, ``bcr``) or "none
recorded". Retention lists the fields of those categories in the stores the
activity owns (for its purposes) or reaches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.inventory import Flow, Inventory, ProcessingActivity, Store
from pledge.policy_model.redact import redact_many
from pledge.policy_model.vocabulary import Vocabulary
from pledge.reports.safe import formula_safe, plain, printable

TRANSFER_SAFEGUARDS = ("adequacy", "bcr", "scc")
NOT_DECLARED = "not declared"
"""Shown for a legal basis the inventory leaves out."""

CSV_COLUMNS = ("controller", "activity_id", "activity", "purposes", "legal_basis",
               "data_subjects", "personal_data", "recipients", "third_country_transfers",
               "retention", "security_measures", "automated_decisions", "systems")


@dataclass(frozen=True)
class Recipient:
    """A third party the activity's data reaches."""

    id: str
    name: str
    role: str
    country: str
    safeguards: tuple[str, ...]
    third_country: bool

    @property
    def transfer(self) -> str:
        """The transfer line: name, country and safeguard."""
        guard = ", ".join(self.safeguards) if self.safeguards else "none recorded"
        return f"{self.name} ({self.country}): {guard}"


@dataclass(frozen=True)
class ActivityRecord:
    """One row of the record."""

    id: str
    name: str
    purposes: tuple[str, ...]
    legal_basis: str
    data_subjects: tuple[str, ...]
    categories: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    retention: tuple[str, ...]
    security: tuple[str, ...]
    automated_decisions: tuple[str, ...]
    systems: tuple[str, ...]

    @property
    def transfers(self) -> tuple[Recipient, ...]:
        """Recipients outside the organisation's country."""
        return tuple(r for r in self.recipients if r.third_country)


@dataclass(frozen=True)
class Record:
    """The controller and its activities, in id order."""

    controller: str
    country: str | None
    contact: str | None
    dpo: str | None
    inventory: str
    activities: tuple[ActivityRecord, ...]


def _selected(terms: list[str], selectors: frozenset[str], vocab: Vocabulary) -> bool:
    """Whether a term is selected by, or broader than (so may hold), a selector."""
    return any(vocab.is_selected(t, selectors) or vocab.is_broader(t, selectors) for t in terms)


def _store_purposes(store: Store) -> list[str]:
    found = set(store.purposes)
    for fld in store.fields:
        found.update(fld.purposes)
    return sorted(found)


def _retention(store: Store, categories: frozenset[str], index: _Index) -> str | None:
    values: dict[str, list[str]] = {}
    disposals: set[str] = set()
    for fld in store.fields:
        if not index.category_hit(fld.category, categories):
            continue
        values.setdefault(str(fld.retention or store.retention or "not set"), []).append(
            fld.name)
        if fld.disposal or store.disposal:
            disposals.add(str(fld.disposal or store.disposal))
    if not values:
        return None
    periods = ", ".join(sorted(values))
    disposal = f"; then {', '.join(sorted(disposals))}" if disposals else ""
    return f"{store.name} [{store.id}]: {periods}{disposal}"


class _Index:
    """What every activity's record looks up, made once per inventory.

    An inventory holds thousands of activities: each record must cost the part of
    the graph it walks, not a pass over every system and store. The reach of the
    activity's people depends only on who they are and on the activity's categories
    and purposes, which activities share: each distinct one is walked once.
    """

    def __init__(self, inv: Inventory, graph: FlowGraph) -> None:
        self.inv = inv
        self.graph = graph
        self.systems = {s.id: s for s in inv.systems}
        self.stores = {s.id: s for s in inv.stores}
        self.subjects = {s.id: s for s in inv.data_subjects}
        self.stores_of: dict[str, list[Store]] = {}
        for store in inv.stores:
            self.stores_of.setdefault(store.system, []).append(store)
        roots = set(graph.roots())  # nodes no flow enters
        # authorities and public sources that only send: their data enters for a purpose
        self.feeds = [s.id for s in inv.systems if s.type == "third_party"
                      and s.role in ("authority", "data_source") and s.id in roots]
        # a store no flow enters is taken as fed by its own system
        self.fed_by_system = [s for s in inv.stores if s.id in roots]
        self._reach: dict[tuple[frozenset[str], frozenset[str], frozenset[str]],
                          frozenset[str]] = {}
        self._purposes: dict[tuple[tuple[str, ...], frozenset[str]], bool] = {}
        self._categories: dict[tuple[str, frozenset[str]], bool] = {}

    def category_hit(self, category: str, categories: frozenset[str]) -> bool:
        """Whether a field of ``category`` holds (or may hold) one of ``categories``, memoised:
        activities share their categories, stores repeat a few dozen field categories."""
        key = (category, categories)
        hit = self._categories.get(key)
        if hit is None:
            hit = self._categories[key] = _selected([category], categories,
                                                    self.graph.vocab.data_categories)
        return hit

    def purposes_hit(self, flow: Flow, purposes: frozenset[str]) -> bool:
        """Whether ``flow`` is for one of ``purposes`` (or a broader one), memoised."""
        key = (tuple(flow.purposes), purposes)
        hit = self._purposes.get(key)
        if hit is None:
            hit = self._purposes[key] = _selected(list(flow.purposes), purposes,
                                                  self.graph.vocab.purposes)
        return hit

    def people_reach(self, act: ProcessingActivity) -> frozenset[str]:
        """Nodes the data of the activity's people (or of what sources send for it) can reach."""
        categories, purposes = frozenset(act.categories), frozenset(act.purposes)
        key = (frozenset(act.data_subjects), categories, purposes)
        found = self._reach.get(key)
        if found is None:
            graph = self.graph

            def carrying(flow: Flow) -> bool:
                return graph.carries(flow, categories, broader=True)

            reached = set(graph.reach(act.data_subjects, carrying))
            reached |= set(graph.reach(self.feeds, lambda flow: carrying(flow)
                                       and self.purposes_hit(flow, purposes)))
            reached |= {s.id for s in self.fed_by_system if s.system in reached}
            found = self._reach[key] = frozenset(reached)
        return found


def _activity(act: ProcessingActivity, index: _Index) -> ActivityRecord:
    inv, graph = index.inv, index.graph
    vocab = graph.vocab
    categories = frozenset(act.categories)
    purposes = frozenset(act.purposes)
    systems = index.systems
    people = index.people_reach(act)
    owned = [s for system_id in dict.fromkeys(act.systems)
             for s in index.stores_of.get(system_id, ())
             if s.id in people and _selected(_store_purposes(s), purposes, vocab.purposes)]

    def follow(flow: Flow) -> bool:
        return (flow.target in people and graph.carries(flow, categories, broader=True)
                and index.purposes_hit(flow, purposes))

    reached = graph.reach([*act.systems, *(s.id for s in owned)], follow)
    country = inv.organisation.country if inv.organisation else None
    recipient_ids: set[str] = {s for s in act.systems if s in systems}
    stores: dict[str, Store] = {s.id: s for s in owned}
    store_by_id = index.stores
    for node in reached:
        if node in systems:
            recipient_ids.add(node)
        elif node in store_by_id:
            stores[node] = store_by_id[node]
            recipient_ids.add(store_by_id[node].system)
    recipients = []
    for rid in sorted(recipient_ids):
        system = systems.get(rid)
        if system is None or system.type != "third_party":
            continue
        recipients.append(Recipient(
            system.id, system.name, system.role, system.country,
            tuple(a for a in sorted(system.agreements) if a in TRANSFER_SAFEGUARDS),
            country is not None and system.country != country))
    retention = tuple(r for s in sorted(stores) if (r := _retention(stores[s], categories,
                                                                     index)))
    flows = [graph.flows[step[1]] for _node, step in sorted(reached.items()) if step]
    security = list(inv.organisation.security_measures if inv.organisation else [])
    encrypted = sorted(s for s in stores if stores[s].encryption_at_rest)
    if encrypted:
        security.append(f"encrypted at rest: {', '.join(encrypted)}")
    if flows:
        versions = sorted({f.transport.tls for f in flows if f.transport.tls})
        plain_flows = sorted(f.id for f in flows if not f.transport.tls)
        security.append(f"in transit: TLS {versions[0]}+ on {len(flows) - len(plain_flows)} "
                        f"of {len(flows)} flows" if versions else "in transit: no TLS recorded")
        if plain_flows:
            security.append(f"without TLS: {', '.join(plain_flows)}")
    subjects = index.subjects
    subject_names = tuple(f"{subjects[s].name} ({subjects[s].category})" if s in subjects
                          else s for s in act.data_subjects)
    decisions = tuple(
        d.description + (" (significant effect)" if d.significant_effect else "")
        + (" (human review)" if d.human_review else "") for d in act.automated_decisions)
    return ActivityRecord(act.id, act.name, tuple(act.purposes), act.legal_basis or NOT_DECLARED,
                          subject_names,
                          tuple(act.categories), tuple(recipients), retention, tuple(security),
                          decisions, tuple(act.systems))


def build(inventory: Inventory, graph: FlowGraph) -> Record:
    """The record of processing of ``inventory``."""
    org = inventory.organisation
    index = _Index(inventory, graph)
    activities = tuple(_activity(a, index)
                       for a in sorted(inventory.processing_activities, key=lambda a: a.id))
    return Record(org.name if org else inventory.inventory.name, org.country if org else None,
                  org.privacy_contact if org else None, org.dpo if org else None,
                  inventory.inventory.name, activities)


def _plains(texts: Iterable[str]) -> dict[str, str]:
    """:func:`~pledge.reports.safe.plain` of each distinct text, masked in one pass: a record
    of a hundred thousand systems has hundreds of thousands of cells."""
    distinct = list(set(texts))
    return {text: printable(masked)
            for text, masked in zip(distinct, redact_many(distinct), strict=True)}


def _values(record: Record, a: ActivityRecord) -> list[str]:
    recipients = [f"{r.name} ({r.role}, {r.country})" for r in a.recipients]
    return [record.controller, a.id, a.name, "; ".join(a.purposes), a.legal_basis,
            "; ".join(a.data_subjects), "; ".join(a.categories),
            "; ".join(recipients) or "none", "; ".join(r.transfer for r in a.transfers)
            or "none", "; ".join(a.retention) or "not recorded", "; ".join(a.security),
            "; ".join(a.automated_decisions) or "none", "; ".join(a.systems)]


def render_csv(record: Record) -> str:
    """One row per activity; multiple values joined with '; ' (each cell redacted, on one
    line, never a formula: :func:`~pledge.reports.safe.spreadsheet_cell`)."""
    rows = [_values(record, activity) for activity in record.activities]
    plains = _plains(chain.from_iterable(rows))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for values in rows:
        writer.writerow([formula_safe(plains[v]) for v in values])
    return out.getvalue()


def _md_escape(text: str) -> str:
    # backslash first; brackets and backticks too, so input cannot write a link or code span
    text = text.replace("\\", "\\\\")
    for char in "|[]`":
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _md(text: str) -> str:
    return _md_escape(plain(text))


def render_markdown(record: Record) -> str:
    """The record as Markdown: the controller, then one table per activity."""
    lines = [f"# Record of processing activities: {_md(record.controller)}", "",
             "GDPR Art. 30(1), derived from the inventory "
             f"'{_md(record.inventory)}' and its data-flow graph.", "",
             f"- Controller: {_md(record.controller)}"
             + (f" ({_md(record.country)})" if record.country else ""),
             f"- Contact: {_md(record.contact or 'not recorded')}",
             f"- Data protection officer: {_md(record.dpo or 'not recorded')}",
             f"- Activities: {len(record.activities)}", ""]
    tables = [(a, _md_rows(a)) for a in record.activities]
    plains = _plains(chain.from_iterable((a.name, a.id, *(v for _, v in rows))
                                         for a, rows in tables))
    for a, rows in tables:
        lines += [f"## {_md_escape(plains[a.name])} (`{_md_escape(plains[a.id])}`)", "",
                  "| | |", "|---|---|"]
        lines += [f"| {label} | {_md_escape(plains[value])} |" for label, value in rows]
        lines.append("")
    return "\n".join(lines)


def _md_rows(a: ActivityRecord) -> list[tuple[str, str]]:
    return [("Purposes", ", ".join(a.purposes)), ("Legal basis", a.legal_basis),
            ("Data subjects", ", ".join(a.data_subjects)),
            ("Personal data", ", ".join(a.categories)),
            ("Recipients", "; ".join(f"{r.name} ({r.role}, {r.country})"
                                     for r in a.recipients) or "none"),
            ("Third-country transfers", "; ".join(r.transfer for r in a.transfers)
             or "none"),
            ("Retention", "; ".join(a.retention) or "not recorded"),
            ("Security measures", "; ".join(a.security) or "none recorded"),
            ("Automated decisions", "; ".join(a.automated_decisions) or "none"),
            ("Systems", ", ".join(a.systems))]
