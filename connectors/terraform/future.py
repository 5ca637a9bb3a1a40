"""The inventory as it will be once a plan applies: the plan wins where it tells.

Each mapped store takes the facts its resources tell (several resources of one
store combine to the weakest: any unencrypted one makes it unencrypted, the
most exposed one sets the exposure, the longest retention counts). A planned
retention (log-group retention, bucket expiry, queue and stream retention) is
how long the resource keeps every record, so it replaces the store's retention
and its fields' own; backups kept longer than a field's retention lengthen that
field's. Facts the plan cannot tell stay as declared and are listed as
unverified. Where a planned fact contradicts a declared one, the difference is
listed and the findings on that store point at the resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pledge.checks.engine import RunResult
from pledge.checks.findings import Finding, Status, Subject
from pledge.connectors.terraform.facts import EXPOSURE_RANK, country_of, longer, same_retention
from pledge.connectors.terraform.reading import PlanReading, ResourceFacts
from pledge.policy_model.inventory import Inventory, Store
from pledge.policy_model.loading import LoadedInventory
from pledge.policy_model.sources import Location, SourceIndex
from pledge.policy_model.types import INDEFINITE, Severity

Side = Literal["before", "after"]
CHECKED_FACTS = ("exposure", "encryption_at_rest", "retention", "region", "country",
                 "deletion_protection", "access_roles", "disposal")
"""The store facts a plan may verify; a plan never tells access roles or disposal."""
NEVER_TOLD = ("access_roles", "disposal")
COVERAGE_COMMITMENT = "inventory"
COVERAGE_KIND = "undeclared-store"
COVERAGE_CODE = "PLG900"
_RULE_FACTS = {"exposure": ("exposure",), "unencrypted": ("encryption_at_rest",),
               "too-long": ("retention", "backup_retention"), "indefinite": ("retention",)}


@dataclass(frozen=True)
class Contradiction:
    """A fact the plan sets differently from the inventory (the plan wins)."""

    store: str
    fact: str
    declared: Any
    planned: Any
    resource: str


@dataclass
class StorePlan:
    """What a plan tells about one store: the combined facts and who tells each."""

    store: str
    facts: dict[str, Any] = field(default_factory=dict)
    told_by: dict[str, str] = field(default_factory=dict)
    resources: list[ResourceFacts] = field(default_factory=list)


def combine(items: list[ResourceFacts], side: Side) -> StorePlan | None:
    """One store's facts from its resources on one side of the change."""
    if not items:
        return None
    plan = StorePlan(items[0].store or "", resources=items)
    for item in items:
        facts = item.after if side == "after" else item.before
        if (side == "after" and item.resource.after is None) or (
                side == "before" and item.resource.before is None):
            continue
        for name, value in facts.items():
            current = plan.facts.get(name)
            if name not in plan.facts or _weaker(name, current, value):
                plan.facts[name] = value
                plan.told_by[name] = item.address
    if "region" in plan.facts:
        country = country_of(plan.facts["region"])
        if country:
            plan.facts["country"] = country
            plan.told_by["country"] = plan.told_by["region"]
    return plan


def _weaker(name: str, current: Any, value: Any) -> bool:
    """True when ``value`` is the weaker promise of the two (it then counts for the store)."""
    if name in ("encryption_at_rest", "deletion_protection"):
        return current is True and value is False
    if name == "exposure":
        return EXPOSURE_RANK.get(value, 0) > EXPOSURE_RANK.get(current, 0)
    if name in ("retention", "backup_retention"):
        return longer(current, value)
    return False


def _apply(store: Store, plan: StorePlan) -> tuple[Store, list[Contradiction]]:
    facts = plan.facts
    update: dict[str, Any] = {}
    found: list[Contradiction] = []

    def differ(name: str, declared: Any, planned: Any) -> None:
        if declared is not None and declared != planned:
            found.append(Contradiction(store.id, name, declared, planned, plan.told_by[name]))

    for name in ("exposure", "encryption_at_rest", "region", "country", "deletion_protection"):
        if name in facts:
            differ(name, getattr(store, name, None), facts[name])
            update[name] = facts[name]
    fields = list(store.fields)
    retention = facts.get("retention")
    if retention is not None and not same_retention(store.retention, retention):
        differ("retention", store.retention, retention)
        update["retention"] = retention
        for index, fld in enumerate(fields):
            if fld.retention is not None and not same_retention(fld.retention, retention):
                found.append(Contradiction(store.id, f"retention of {fld.name}", fld.retention,
                                           retention, plan.told_by["retention"]))
                fields[index] = fld.model_copy(update={"retention": retention})
    backups = facts.get("backup_retention")
    if backups is not None:
        for index, fld in enumerate(fields):
            kept = fld.retention or update.get("retention") or store.retention
            if kept is not None and kept != INDEFINITE and longer(kept, backups):
                found.append(Contradiction(store.id, f"retention of {fld.name} (backups)",
                                           kept, backups, plan.told_by["backup_retention"]))
                fields[index] = fld.model_copy(update={"retention": backups})
    update["fields"] = fields
    return store.model_copy(update=update), found


@dataclass
class Future:
    """The inventory once the plan applies, and how it differs from the declared one."""

    loaded: LoadedInventory
    reading: PlanReading
    plans: dict[str, StorePlan]
    contradictions: list[Contradiction]
    unverified: dict[str, list[str]]
    """Store -> facts the plan does not tell (they stay as declared)."""
    side: Side = "after"

    def warnings(self) -> list[str]:
        """Contradictions, unverified facts and what was left out, for the report."""
        notes = [f"Terraform: {c.resource} plans {c.fact} {_shown(c.planned)} for store "
                 f"'{c.store}', which the inventory declares {_shown(c.declared)} (the plan "
                 "wins)" for c in self.contradictions]
        told = [f"{store} ({', '.join(f for f in facts if f not in NEVER_TOLD)})"
                for store, facts in self.unverified.items()
                if any(f not in NEVER_TOLD for f in facts)]
        if self.unverified:
            notes.append("Terraform: facts the plan does not tell stay as declared, unverified: "
                         f"{'; '.join(told) + '; ' if told else ''}access roles and disposal "
                         "of every store")
        return notes + self.reading.warnings()

    def annotate(self, result: RunResult) -> None:
        """Point findings on planned facts at their resource; add the undeclared stores."""
        locations: dict[str, ResourceFacts] = {}
        for plan in self.plans.values():
            for item in plan.resources:
                locations.setdefault(item.address, item)
        changed = []
        for finding in result.findings:
            changed.append(self._annotated(finding, locations))
        for item in self.reading.undeclared:
            exists = (item.resource.after if self.side == "after" else item.resource.before)
            if exists is not None:
                changed.append(undeclared_finding(item, self.side))
        changed.sort(key=Finding.sort_key)
        result.findings[:] = changed

    def _annotated(self, finding: Finding, locations: dict[str, ResourceFacts]) -> Finding:
        if not finding.status.failing and finding.status is not Status.WAIVED:
            return finding
        store = (finding.subject.id.split(".", 1)[0] if finding.subject.type == "field"
                 else finding.subject.id if finding.subject.type == "store" else None)
        plan = self.plans.get(store or "")
        if plan is None:
            return finding
        wanted = _RULE_FACTS.get(str(finding.evidence.get("rule")), ())
        told = [(name, plan.told_by[name]) for name in wanted if name in plan.told_by]
        if not told:
            return finding
        name, address = told[0]
        item = locations[address]
        note = f"{address} plans {name.replace('_', ' ')} {_shown(plan.facts[name])}"
        evidence = {**finding.evidence, "terraform": {
            "resource": address, "fact": name, "planned": plan.facts[name],
            "file": item.location.file, "line": item.location.line}}
        return finding.model_copy(update={"message": f"{finding.message} (Terraform: {note})",
                                          "evidence": evidence, "location": item.location})


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def undeclared_finding(item: ResourceFacts, side: Side = "after") -> Finding:
    """A data-holding resource that maps to no inventory store."""
    res = item.resource
    facts = item.after if side == "after" else item.before
    where = f" in {facts['region']}" if facts.get("region") else ""
    return Finding(
        commitment=COVERAGE_COMMITMENT, kind=COVERAGE_KIND, code=COVERAGE_CODE,
        status=Status.FAIL, severity=Severity.HIGH,
        subject=Subject(type="resource", id=res.address),
        message=f"Terraform resource {res.address} ({res.type}, a {item.rule.holds}{where}) "
                "holds data but maps to no inventory store, so no commitment is checked on it",
        remediation="declare the store in the inventory and tag the resource "
                    "pledge-store = <store id>, map it in terraform-mapping.yaml, or list "
                    "it there under ignore: with the reason it holds no personal data",
        evidence={"rule": "undeclared-store", "resource": res.address, "type": res.type,
                  "holds": item.rule.holds, "actions": list(res.actions),
                  "facts": dict(sorted(facts.items()))},
        location=item.location).with_fingerprint()


def future_inventory(loaded: LoadedInventory, reading: PlanReading,
                     side: Side = "after") -> Future:
    """``loaded`` with the plan's facts (of ``side``) applied to the stores it maps."""
    grouped = reading.by_store()
    plans: dict[str, StorePlan] = {}
    for store_id, items in grouped.items():
        plan = combine(items, side)
        if plan is not None and plan.facts:
            plans[store_id] = plan
    stores, contradictions, unverified = [], [], {}
    moved: dict[str, Location] = {}
    for store in loaded.inventory.stores:
        plan = plans.get(store.id)
        if plan is None:
            stores.append(store)
            if store.id in grouped:
                unverified[store.id] = list(CHECKED_FACTS)
            continue
        new, found = _apply(store, plan)
        stores.append(new)
        contradictions += found
        unverified[store.id] = [f for f in CHECKED_FACTS if f not in plan.facts]
        if found:
            first = next(i for i in plan.resources if i.address == found[0].resource)
            moved[store.id] = first.location
    inventory = Inventory.model_construct(**{**dict(loaded.inventory), "stores": stores})
    sources = SourceIndex(entries=dict(loaded.sources.entries),
                          json_texts=loaded.sources.json_texts)
    for store in stores:  # findings on these stores (and fields) point at the resource
        where = moved.get(store.id)
        if where is not None:
            sources.entries[("store", store.id)] = (where.file, where.line, None)
            for fld in store.fields:
                sources.entries[("field", f"{store.id}.{fld.name}")] = (where.file, where.line,
                                                                       None)
    future = LoadedInventory(inventory, sources, list(loaded.files), loaded.root,
                             checked=inventory)
    return Future(future, reading, plans, contradictions,
                  {k: v for k, v in sorted(unverified.items()) if v}, side)
