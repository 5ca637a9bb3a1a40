"""``pledge check --discover``: discover the inventory's databases and check what is real.

With a DSN, that database is discovered. Without one, every store's
``connection:`` is: its host must be on the allow-list given on the command line
(never one from the inventory, which comes from pull requests), its password
comes from the environment, and a connection holding a password is refused.
The discovered tables are compared with the stores (:mod:`.drift`); the
inventory the checks see holds the merged stores, and the policy gains the
drift commitment :data:`DRIFT_ID` carrying the observations. After the run,
:meth:`Probe.annotate` adds the table, column and row count to every finding
on a discovered column.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pledge.checks.engine import RunResult
from pledge.checks.kinds.inventory_drift import Params as DriftParams
from pledge.connectors.database import Discovery
from pledge.connectors.database.classify import ColumnVerdict
from pledge.connectors.database.drift import (
    Comparison,
    card_evidence,
    compare_store,
    described_table,
    same_table,
    undeclared_table,
)
from pledge.connectors.database.dsn import (
    PASSWORD_ENV,
    Target,
    check_allowed,
    parse_target,
    store_password,
)
from pledge.connectors.database.introspect import Table
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.inventory import Store, System
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy
from pledge.policy_model.policy import Commitment
from pledge.policy_model.vocabulary import default_vocabularies

DRIFT_ID = "DISC-001"
DISCOVERED_SYSTEM = "discovered_database"

Discover = Callable[[Target, str | None], Discovery]
"""Discovers one target (optionally one schema): the command line adds its progress bar."""


@dataclass
class Probe:
    """The inventory and policy as checks should see them, and the columns behind fields."""

    inventory: LoadedInventory
    policy: LoadedPolicy
    columns: dict[tuple[str, str], tuple[Table, ColumnVerdict]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Stores left out (host not on the allow-list): said in the report."""

    def annotate(self, result: RunResult) -> None:
        """Add where a finding's field lives in the database (table, column, rows) to it."""
        for index, finding in enumerate(result.findings):
            if finding.subject.type != "field" or "." not in finding.subject.id:
                continue
            store, _, name = finding.subject.id.partition(".")
            found = self.columns.get((store, name))
            if found is None:  # a store id with a dot: try every split
                found = next((self.columns[k] for k in self.columns
                              if f"{k[0]}.{k[1]}" == finding.subject.id), None)
            if found is not None:
                evidence = {**finding.evidence, **card_evidence(*found)}
                result.findings[index] = finding.model_copy(update={"evidence": evidence})


def _key(target: Target) -> tuple[str, str, int | None, str]:
    family = "mysql" if target.backend == "mariadb" else target.backend
    default = {"postgresql": 5432, "mysql": 3306}.get(family)
    return (family, target.host, target.url.port or default, str(target.url.database or ""))


def _schema_of(name: str) -> str | None:
    return name.rsplit(".", 1)[0] if "." in name else None


def _drift_commitment(comparison: Comparison) -> Commitment:
    return Commitment.model_validate({
        "id": DRIFT_ID, "title": "The inventory declares the personal data its databases hold",
        "severity": "high",
        "clause": {"section": "Discovery (pledge check --discover)",
                   "quote": "The inventory describes what the shop's databases really store."},
        "references": [{"framework": "GDPR", "id": "Art. 30"},
                       {"framework": "PCI DSS v4.0.1", "id": "Req. 12.5.2"}],
        "rationale": "Added by pledge check --discover: every column holding personal data is "
                     "declared, every declared field exists, and no label is contradicted by "
                     "the sampled values.",
        "check": DriftParams(kind="inventory-drift", observations=comparison.observations,
                             compared=comparison.compared,
                             agreed=comparison.agreed).model_dump(mode="json"),
    })


def _targets(dsn: str | None, loaded: LoadedInventory, allow_hosts: Iterable[str],
             warnings: list[str]) -> list[tuple[Target, list[Store]]]:
    """Each database to discover, with the declared stores that describe it.

    Without a DSN, a store whose host is not on the allow-list is left out with a
    warning; when no store is left, that is an error.
    """
    stores = [s for s in loaded.inventory.stores if s.connection]
    found: dict[tuple[str, str, int | None, str], tuple[Target, list[Store]]] = {}
    denied: list[InputErrors] = []
    if dsn is not None:
        target = parse_target(dsn, password=os.environ.get(PASSWORD_ENV))
        if list(allow_hosts):
            check_allowed(target, allow_hosts)
        found[_key(target)] = (target, [])
    elif not stores:
        raise InputErrors([InputError(
            "PLG-E019", "--discover without a DSN needs stores with a connection: in the "
            "inventory", None, None, "give a DSN (--discover postgresql://user@host/db) or "
            "add connection: to the stores")])
    for store in stores:
        try:
            target = parse_target(store.connection or "", password=store_password(store.id),
                                  base=loaded.root, from_inventory=True)
        except InputErrors:
            if dsn is not None:  # a store of another database: not this run's business
                continue
            raise
        key = _key(target)
        if dsn is None:
            try:
                check_allowed(target, allow_hosts)
            except InputErrors as refused:
                denied.append(refused)
                warnings.append(f"store '{store.id}' was not discovered: {target.shown} is not "
                                "on the allow-list (--allow-host)")
                continue
            found.setdefault(key, (target, []))
        if key in found:
            found[key][1].append(store)
    if not found and denied:
        raise denied[0]
    return list(found.values())


def probe(dsn: str | None, loaded: LoadedInventory, loaded_policy: LoadedPolicy, *,
          allow_hosts: Iterable[str], schema: str | None, discover: Discover) -> Probe:
    """Discover the databases, compare them with the stores, and return what checks see."""
    vocab = default_vocabularies().data_categories
    comparison = Comparison()
    replaced: set[str] = set()
    taken = {s.id.lower() for s in loaded.inventory.stores}
    extra_systems: list[System] = []
    warnings: list[str] = []
    for target, stores in _targets(dsn, loaded, list(allow_hosts), warnings):
        wanted = {_schema_of(described_table(s)) for s in stores}
        named = sorted(w for w in wanted if w)
        schemas: list[str | None] = [schema] if schema or dsn is not None or None in wanted \
            else list(named)
        tables: list[tuple[Table, list[ColumnVerdict]]] = []
        for each in schemas:
            found = discover(target, each)
            tables += list(zip(found.snapshot.tables, found.verdicts, strict=True))
        described: set[int] = set()
        for store in stores:
            match = next((i for i, (t, _) in enumerate(tables)
                          if same_table(t, described_table(store))), None)
            table, verdicts = tables[match] if match is not None else (None, [])
            if match is not None:
                described.add(match)
            compare_store(store, table, verdicts, vocab, comparison)
            replaced.add(store.id)
        system = stores[0].system if stores else DISCOVERED_SYSTEM
        if not stores and not any(s.id == DISCOVERED_SYSTEM for s in extra_systems):
            extra_systems.append(_discovered_system(loaded))
        for index, (table, verdicts) in enumerate(tables):
            if index not in described:
                undeclared_table(table, verdicts, system=system, connection=target.shown,
                                 technology=target.backend, taken=taken, out=comparison)
    inventory = loaded.inventory
    merged = [*(s for s in inventory.stores if s.id not in replaced), *comparison.stores]
    inventory = inventory.model_copy(update={
        "stores": merged, "systems": [*inventory.systems, *extra_systems]})
    policy = loaded_policy.policy.model_copy(update={
        "commitments": [*loaded_policy.policy.commitments, _drift_commitment(comparison)]})
    return Probe(inventory=dataclasses.replace(loaded, inventory=inventory),
                 policy=dataclasses.replace(loaded_policy, policy=policy),
                 columns=comparison.columns, warnings=warnings)


def _discovered_system(loaded: LoadedInventory) -> System:
    inventory = loaded.inventory
    country = inventory.organisation.country if inventory.organisation else (
        inventory.systems[0].country if inventory.systems else "ZZ")
    return System(id=DISCOVERED_SYSTEM, name="Discovered database", type="internal",
                  role="database", country=country,
                  description="added by pledge check --discover for tables no store describes")
