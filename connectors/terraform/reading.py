"""A plan read against an inventory: each resource's facts, before and after, and its store.

Resources of a type with fact rules are kept; those of other types are only
counted (never an error). A data-holding resource is tied to a store by its
``pledge-store`` tag or the mapping file; a helper resource (an S3 ACL, a
lifecycle configuration) belongs to the store of the resource it configures.
A data-holding resource mapped to no store, and not ignored by the mapping
file, is an undeclared store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pledge.connectors.terraform.facts import TypeRule, derive, labels_of, rules
from pledge.connectors.terraform.locate import Locator
from pledge.connectors.terraform.mapping import Mapping, unknown_store_error
from pledge.connectors.terraform.plan import Plan, PlanResource
from pledge.policy_model.errors import InputError, raise_if_any
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.loading import InputFile
from pledge.policy_model.sources import Location


@dataclass
class ResourceFacts:
    """One resource with fact rules: its facts before and after the plan, and its store."""

    resource: PlanResource
    rule: TypeRule
    store: str | None
    how: str
    """``tag``, ``mapping``, ``parent`` (a helper resource) or ``""`` (mapped to no store)."""
    before: dict[str, Any]
    after: dict[str, Any]
    locator: Locator

    @property
    def address(self) -> str:
        """The resource's address."""
        return self.resource.address

    @cached_property
    def location(self) -> Location:
        """Its block in the Terraform source, else its entry in the plan (found when asked)."""
        return self.locator.locate(self.resource)


def _facts(rule: TypeRule, res: PlanResource) -> tuple[dict[str, Any], dict[str, Any]]:
    """The facts before and after (told once when the change leaves the values alone)."""
    after = derive(rule, res.after, res.after_unknown, res.region)
    if res.before is not None and res.before == res.after and not res.after_unknown:
        return after, after
    return derive(rule, res.before, None, res.region), after


@dataclass
class PlanReading:
    """What a plan tells about an inventory's stores."""

    plan: Plan
    resources: list[ResourceFacts] = field(default_factory=list)
    undeclared: list[ResourceFacts] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    """(address, reason) of data-holding resources the mapping file leaves out."""
    unknown_types: Counter[str] = field(default_factory=Counter)
    """Resource types without fact rules, with how many resources each."""
    unattached: list[str] = field(default_factory=list)
    """Helper resources whose store could not be told."""
    inputs: list[InputFile] = field(default_factory=list)
    """The plan file and the mapping file read, for the report's inputs."""

    def by_store(self) -> dict[str, list[ResourceFacts]]:
        """The mapped resources of each store, by address."""
        found: dict[str, list[ResourceFacts]] = {}
        for item in self.resources:
            if item.store is not None:
                found.setdefault(item.store, []).append(item)
        return found

    def warnings(self) -> list[str]:
        """What was left out, for the report."""
        notes = []
        total = sum(self.unknown_types.values())
        if total:
            kinds = ", ".join(f"{k} ({n})" if n > 1 else k
                              for k, n in sorted(self.unknown_types.items())[:8])
            more = len(self.unknown_types) - 8
            types = len(self.unknown_types)
            notes.append(f"Terraform: {total} resource{'s' if total != 1 else ''} of {types} "
                         f"type{'s' if types != 1 else ''} without fact rules ignored: "
                         f"{kinds}{f' and {more} more types' if more > 0 else ''}")
        notes += [f"Terraform: {address} holds no personal data per the mapping file "
                  f"({reason})" for address, reason in self.ignored]
        notes += [f"Terraform: {address} configures a store pledge cannot tell; its facts "
                  "are not used" for address in self.unattached]
        return notes


def _store_of(res: PlanResource, rule: TypeRule, mapping: Mapping) -> tuple[str | None, str]:
    values = res.after if res.after is not None else res.before
    return mapping.store_for(res.address, labels_of(rule, values))


def read_against(plan: Plan, inventory: Inventory, mapping: Mapping) -> PlanReading:
    """Map the plan's resources to the inventory's stores and derive their facts."""
    table = rules()
    known = {s.id for s in inventory.stores}
    locator = Locator(plan)
    reading = PlanReading(plan)
    errors: list[InputError] = []
    helpers: list[tuple[PlanResource, TypeRule]] = []
    holders: dict[str, ResourceFacts] = {}
    for res in plan.resources:
        rule = table.get(res.type)
        if rule is None:
            reading.unknown_types[res.type] += 1
            continue
        if rule.holds is None:
            helpers.append((res, rule))
            continue
        store, how = _store_of(res, rule, mapping)
        if store is not None and store not in known:
            location = locator.locate(res)
            line = (mapping.lines or {}).get(res.address) if how == "mapping" else None
            where = (mapping.file.display if how == "mapping" and mapping.file
                     else location.file)
            errors.append(unknown_store_error(
                store, sorted(known), where, line if how == "mapping" else location.line,
                f"the {'mapping of' if how == 'mapping' else 'pledge-store tag of'} "
                f"{res.address}"))
            continue
        item = ResourceFacts(res, rule, store, how, *_facts(rule, res), locator)
        holders[res.address] = item
        reading.resources.append(item)
        if store is None:
            reason = mapping.ignored(res.address)
            if reason is not None:
                reading.ignored.append((res.address, reason))
            else:
                reading.undeclared.append(item)
    raise_if_any(errors)
    for res, rule in helpers:
        parent = next((holders[a] for refs in res.references.values() for a in refs
                       if a in holders and holders[a].rule.holds == rule.acts_on), None)
        if parent is None or parent.store is None:
            if parent is None:
                reading.unattached.append(res.address)
            continue
        reading.resources.append(ResourceFacts(res, rule, parent.store, "parent",
                                               *_facts(rule, res), locator))
    reading.resources.sort(key=lambda r: r.address)
    return reading
