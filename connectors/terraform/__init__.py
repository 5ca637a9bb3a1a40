"""Terraform plans (``terraform show -json``) read as store facts and undeclared stores.

- :mod:`.plan` reads the plan JSON (no Terraform binary), :mod:`.locate` finds each
  resource's block in the ``.tf`` source;
- :mod:`.facts` derives store facts by the rules kept as data in ``rules.yaml``
  (``regions.yaml`` maps regions to countries);
- :mod:`.mapping` ties resources to inventory stores (``pledge-store`` tag, mapping file);
- :mod:`.reading` maps a plan against an inventory, :mod:`.future` builds the inventory
  as it will be once the plan applies, :mod:`.changes` lists what matters for personal
  data, :mod:`.fragment` writes the derived inventory fragment.
"""

from __future__ import annotations

from pathlib import Path

from pledge.connectors.terraform.future import Future, future_inventory
from pledge.connectors.terraform.mapping import find_mapping, load_mapping
from pledge.connectors.terraform.plan import read_plan
from pledge.connectors.terraform.reading import PlanReading, read_against
from pledge.policy_model.loading import LoadedInventory
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE

__all__ = ["Future", "PlanReading", "plan_future", "read_plan_against"]


def read_plan_against(loaded: LoadedInventory, plan_path: Path, *,
                      mapping_path: Path | None = None,
                      max_size: int = DEFAULT_MAX_FILE_SIZE) -> PlanReading:
    """Read a plan and map it to ``loaded``'s stores (the mapping file found beside either)."""
    plan = read_plan(plan_path, max_size=max_size)
    mapping = load_mapping(mapping_path or find_mapping(plan_path, loaded.root),
                           max_size=max_size)
    reading = read_against(plan, loaded.inventory, mapping)
    reading.inputs = [plan.file, *([mapping.file] if mapping.file else [])]
    return reading


def plan_future(loaded: LoadedInventory, plan_path: Path, *, mapping_path: Path | None = None,
                max_size: int = DEFAULT_MAX_FILE_SIZE) -> Future:
    """``loaded`` as it will be once the plan applies (with what was read, to report)."""
    reading = read_plan_against(loaded, plan_path, mapping_path=mapping_path,
                                max_size=max_size)
    future = future_inventory(loaded, reading)
    future.loaded.files.extend(reading.inputs)
    return future
