"""Where a checking command's policy and inventory come from: pledge's files, or Fides."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pledge.cli.common import get_inventory, get_policy
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy

if TYPE_CHECKING:  # the Fides import is imported when manifests are read
    from pledge.connectors.fides.importer import Imported

SOURCES = ("pledge", "fides")


def import_summary(imported: Imported) -> str:
    """One line: what the manifests gave, and how many notes the import made."""
    inv = imported.inventory
    counts = ", ".join(f"{len(inv[s])} {s.replace('_', ' ')}" for s in
                       ("systems", "stores", "flows", "processing_activities", "data_subjects"))
    rules = len(imported.policy.policy["commitments"]) if imported.policy else 0
    return (f"{len(imported.manifests.files)} manifest(s): {counts}; {rules} policy rule(s); "
            f"{len(imported.notes)} note(s) on what was left out or assumed")


def check_inputs(source: str, inventory: Path | None, policy_path: Path | None,
                 max_size: int) -> tuple[LoadedPolicy, LoadedInventory]:
    """The policy and inventory to check, read as pledge files or imported from Fides.

    From Fides, the manifests are imported in memory; the policy is ``--policy``
    when given, else the manifests' own policies as forbidden-combination commitments.
    """
    if source == "pledge":
        return get_policy(policy_path, max_size), get_inventory(inventory, max_size)
    if inventory is None:
        raise InputErrors([InputError("PLG-E019", "--from fides needs the manifests' path",
                                      None, None, "pledge check --from fides DIR")])
    from pledge.connectors.fides.importer import import_fides, loaded_inventory, loaded_policy

    imported = import_fides([inventory], max_size=max_size)
    click.echo(f"pledge: imported from Fides: {import_summary(imported)} (`pledge import "
               "fides --output DIR` lists them)", err=True)
    policy = get_policy(policy_path, max_size) if policy_path else loaded_policy(imported)
    return policy, loaded_inventory(imported)
