"""Compare discovered tables with the inventory stores that describe them; merge what is real.

A store describes a table through its ``connection:`` (the database) and the
connection's ``#schema.table`` fragment (or, without one, the store's name).
For each described table the comparison yields drift observations (columns of
personal data the store does not declare, declared fields with no column,
labels the sampled values contradict) and the store as checks should see it:
its declared fields, a discovered field for each undeclared personal-data
column, and the values' category where they contradict the label. Tables no
store describes become stores of their own, so a table of card numbers nobody
declared still meets the no-card-storage commitment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pledge.checks.kinds.inventory_drift import Agreement, Observation
from pledge.connectors.database.classify import ColumnVerdict
from pledge.connectors.database.fragment import store_id
from pledge.connectors.database.introspect import Table
from pledge.policy_model.inventory import DataField, Store
from pledge.policy_model.vocabulary import Vocabulary


def _fragment_table(connection: str | None) -> str | None:
    if connection and "#" in connection:
        return connection.split("#", 1)[1].strip() or None
    return None


def described_table(store: Store) -> str:
    """The table a store describes: its connection's ``#fragment``, else its name."""
    return _fragment_table(store.connection) or store.name


def same_table(table: Table, name: str) -> bool:
    """True when ``name`` (``schema.table`` or ``table``) names ``table``."""
    wanted = name.strip().strip('"').lower()
    return wanted in (table.qualified.lower(), table.name.lower())


def compatible(declared: str, found: str, vocab: Vocabulary) -> bool:
    """True when one category is the other or an ancestor of it."""
    return declared == found or vocab.is_broader(declared, frozenset({found})) or \
        vocab.is_broader(found, frozenset({declared}))


@dataclass
class Comparison:
    """The outcome of comparing one database with the inventory."""

    stores: list[Store] = field(default_factory=list)
    """Every store as checks see it: merged declared stores and undeclared tables."""
    observations: list[Observation] = field(default_factory=list)
    compared: int = 0
    agreed: list[Agreement] = field(default_factory=list)
    """Every compared column or field that raised no observation, with what was found."""
    columns: dict[tuple[str, str], tuple[Table, ColumnVerdict]] = field(default_factory=dict)
    """(store id, field name) -> the table and column behind a merged field."""


def compare_store(store: Store, table: Table | None, verdicts: list[ColumnVerdict],
                  vocab: Vocabulary, out: Comparison) -> None:
    """Compare one declared store with its table; append the merged store and observations."""
    name = described_table(store)
    if table is None:
        out.observations.append(Observation(rule="missing-table", store=store.id, table=name))
        out.stores.append(store)
        return
    by_column = {v.column.name.lower(): v for v in verdicts}
    fields: list[DataField] = []
    declared_names = set()
    for declared in store.fields:
        out.compared += 1
        declared_names.add(declared.name.lower())
        verdict = by_column.get(declared.name.lower())
        if verdict is None:
            out.observations.append(Observation(
                rule="missing-field", store=store.id, field=declared.name, table=table.qualified,
                declared=declared.category, rows=table.rows))
            fields.append(declared)
            continue
        out.columns[(store.id, declared.name)] = (table, verdict)
        found = verdict.category
        if verdict.value_rule and found and not compatible(declared.category, found, vocab):
            out.observations.append(Observation(
                rule="contradicted-label", store=store.id, field=declared.name,
                table=table.qualified, column=verdict.column.name, category=found,
                declared=declared.category, rows=table.rows, reason=verdict.reason))
            fields.append(declared.model_copy(update={"category": found, "tokenised": False}))
        else:
            out.agreed.append(Agreement(store=store.id, field=declared.name,
                                        table=table.qualified, reason=_agreement(
                                            declared.category, verdict, table, vocab)))
            fields.append(declared)
    for verdict in verdicts:
        if verdict.column.name.lower() in declared_names:
            continue
        out.compared += 1
        if not verdict.personal or verdict.category is None:
            out.agreed.append(_no_personal_data(store.id, verdict, table))
            continue
        out.observations.append(Observation(
            rule="undeclared-column", store=store.id, field=verdict.column.name,
            table=table.qualified, column=verdict.column.name, category=verdict.category,
            rows=table.rows, reason=verdict.reason))
        fields.append(DataField(name=verdict.column.name, category=verdict.category,
                                description=f"discovered: {verdict.reason}"))
        out.columns[(store.id, verdict.column.name)] = (table, verdict)
    out.stores.append(store.model_copy(update={"fields": fields}))


def undeclared_table(table: Table, verdicts: list[ColumnVerdict], *, system: str,
                     connection: str, technology: str, taken: set[str],
                     out: Comparison) -> None:
    """A table no store describes: a store of its own, and one observation per personal column."""
    sid = store_id(table, taken)
    fields = []
    for verdict in verdicts:
        out.compared += 1
        if verdict.category is None:
            out.agreed.append(_no_personal_data(sid, verdict, table))
            continue
        out.observations.append(Observation(
            rule="undeclared-column", store=sid, field=verdict.column.name,
            table=table.qualified, column=verdict.column.name, category=verdict.category,
            rows=table.rows, reason=verdict.reason))
        fields.append(DataField(name=verdict.column.name, category=verdict.category,
                                description=f"discovered: {verdict.reason}"))
        out.columns[(sid, verdict.column.name)] = (table, verdict)
    out.stores.append(Store(id=sid, name=table.qualified, system=system, technology=technology,
                            connection=f"{connection}#{table.qualified}", fields=fields,
                            description="discovered: a table no inventory store describes"))


def card_evidence(table: Table, verdict: ColumnVerdict) -> dict[str, Any]:
    """What a finding on a discovered column may show: where, how many rows, last four digits."""
    evidence: dict[str, Any] = {"table": table.qualified, "column": verdict.column.name,
                                "rows": table.rows, "sampled_rows": table.sampled,
                                "discovered": verdict.reason}
    if verdict.card_values:
        evidence["card_numbers_in_sample"] = verdict.card_values
        evidence["last_four"] = list(verdict.last_four)
    return evidence


def _agreement(declared: str, verdict: ColumnVerdict, table: Table, vocab: Vocabulary) -> str:
    """What discovery found of a declared field that raised no observation."""
    where = f"column '{verdict.column.name}' of table {table.qualified} exists"
    found = verdict.category
    if found is None:
        return f"{where}; discovery proposes no category for it"
    if compatible(declared, found, vocab):
        how = "its sampled values" if verdict.value_rule else "its name"
        return f"{where}; {how} say {found}, which agrees with {declared}"
    return (f"{where}; its name suggests {found}, which only sampled values could hold "
            f"against the label {declared}")


def _no_personal_data(store: str, verdict: ColumnVerdict, table: Table) -> Agreement:
    return Agreement(store=store, field=verdict.column.name, table=table.qualified,
                     reason=f"column '{verdict.column.name}' of table {table.qualified} is not "
                            "declared and discovery found no personal data in it")
