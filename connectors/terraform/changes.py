"""The changes of a plan that matter for personal data.

A resource's facts before the change (for a resource the plan creates and maps
to a declared store: the store as the inventory declares it) are compared with
its facts after: retention lengthened, encryption removed, made public (or more
exposed), moved region, deletion protection removed, a data store created or
deleted. Everything else a plan changes (instance sizes, tags) is left out.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pledge.connectors.terraform.facts import EXPOSURE_RANK, longer
from pledge.connectors.terraform.reading import PlanReading, ResourceFacts
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.sources import Location

ChangeKind = Literal["new-data-store", "data-store-deleted", "retention-lengthened",
                     "backup-retention-lengthened", "encryption-removed", "made-public",
                     "moved-region", "deletion-protection-removed"]


class PlanChange(BaseModel):
    """One change of a plan that matters for personal data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    change: ChangeKind
    resource: str = Field(description="The resource's address.")
    type: str
    store: str | None = Field(None, description="The inventory store it is, if mapped.")
    before: Any = None
    after: Any = None
    location: Location | None = None

    def describe(self) -> str:
        """One line for a terminal."""
        what = {
            "new-data-store": "new data store",
            "data-store-deleted": "data store deleted",
            "retention-lengthened": "retention lengthened",
            "backup-retention-lengthened": "backup retention lengthened",
            "encryption-removed": "encryption at rest removed",
            "made-public": "made more exposed",
            "moved-region": "moved region",
            "deletion-protection-removed": "deletion protection removed",
        }[self.change]
        store = f" (store {self.store})" if self.store else " (no inventory store)"
        values = ""
        if self.before is not None or self.after is not None:
            values = f": {_text(self.before)} -> {_text(self.after)}"
        return f"{what}: {self.resource}{store}{values}"


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _declared(inventory: Inventory, store: str | None) -> dict[str, Any]:
    for item in inventory.stores:
        if item.id == store:
            return {"encryption_at_rest": item.encryption_at_rest, "exposure": item.exposure,
                    "retention": item.retention, "region": item.region,
                    "deletion_protection": item.deletion_protection}
    return {}


def _compare(item: ResourceFacts, before: dict[str, Any]) -> list[PlanChange]:
    after = item.after
    found: list[tuple[ChangeKind, Any, Any]] = []
    lengthened: tuple[tuple[str, ChangeKind], ...] = (
        ("retention", "retention-lengthened"),
        ("backup_retention", "backup-retention-lengthened"))
    for name, kind in lengthened:
        if longer(before.get(name), after.get(name)):
            found.append((kind, before.get(name), after.get(name)))
    if before.get("encryption_at_rest") is True and after.get("encryption_at_rest") is False:
        found.append(("encryption-removed", True, False))
    old, new = before.get("exposure"), after.get("exposure")
    if old is not None and new is not None and EXPOSURE_RANK.get(new, 0) > EXPOSURE_RANK.get(
            old, 0):
        found.append(("made-public", old, new))
    old, new = before.get("region"), after.get("region")
    if old and new and old != new:
        found.append(("moved-region", old, new))
    if before.get("deletion_protection") is True and after.get("deletion_protection") is False:
        found.append(("deletion-protection-removed", True, False))
    return [PlanChange(change=kind, resource=item.address, type=item.resource.type,
                       store=item.store, before=old_value, after=new_value,
                       location=item.location) for kind, old_value, new_value in found]


def plan_changes(reading: PlanReading, inventory: Inventory) -> list[PlanChange]:
    """The plan's changes that matter for personal data, sorted by resource and change."""
    changes: list[PlanChange] = []
    for item in reading.resources:
        res = item.resource
        if res.deleted:
            if item.rule.holds:
                changes.append(PlanChange(change="data-store-deleted", resource=item.address,
                                          type=res.type, store=item.store,
                                          location=item.location))
            continue
        if res.after is None:
            continue
        if res.before is None:  # created
            if item.rule.holds:
                changes.append(PlanChange(change="new-data-store", resource=item.address,
                                          type=res.type, store=item.store,
                                          location=item.location))
            if item.store is not None:
                changes += _compare(item, _declared(inventory, item.store))
            continue
        changes += _compare(item, item.before)
    return sorted(changes, key=lambda c: (c.resource, c.change))
