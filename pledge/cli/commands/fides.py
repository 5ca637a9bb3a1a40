"""``pledge import fides``, ``pledge export fides`` and ``pledge check --from fides``."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from pledge.cli.common import EXIT_OK, get_inventory, get_policy, limits_option, write_output
from pledge.connectors.fides.export import export_inventory
from pledge.connectors.fides.importer import (
    REPORT_FILE,
    Imported,
    import_fides,
    loaded_inventory,
    loaded_policy,
    rendered_outputs,
)
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy
from pledge.reports.safe import plain

SOURCES = ("pledge", "fides")
EXPORT_FILES = {"organization": "organization.yml", "system": "systems.yml",
                "dataset": "datasets.yml"}


def _summary(imported: Imported) -> str:
    inv = imported.inventory
    counts = ", ".join(f"{len(inv[s])} {s.replace('_', ' ')}" for s in
                       ("systems", "stores", "flows", "processing_activities", "data_subjects"))
    rules = len(imported.policy.policy["commitments"]) if imported.policy else 0
    return (f"{len(imported.manifests.files)} manifest(s): {counts}; {rules} policy rule(s); "
            f"{len(imported.notes)} note(s) on what was left out or assumed")


def check_inputs(source: str, inventory: Path | None, policy_path: Path | None,
                 max_size: int) -> tuple[LoadedPolicy, LoadedInventory]:
    """The policy and inventory `pledge check` runs on, read as pledge files or from Fides.

    From Fides, the manifests are imported in memory; the policy is ``--policy``
    when given, else the manifests' own policies as forbidden-combination commitments.
    """
    if source == "pledge":
        return get_policy(policy_path, max_size), get_inventory(inventory, max_size)
    if inventory is None:
        raise InputErrors([InputError("PLG-E019", "--from fides needs the manifests' path",
                                      None, None, "pledge check --from fides DIR")])
    imported = import_fides([inventory], max_size=max_size)
    click.echo(f"pledge: imported from Fides: {_summary(imported)} (`pledge import fides "
               "--output DIR` lists them)", err=True)
    policy = get_policy(policy_path, max_size) if policy_path else loaded_policy(imported)
    return policy, loaded_inventory(imported)


@click.command("fides")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Directory for inventory/fides.yaml, policy/fides-policy.yaml (+ its text) "
                   f"and {REPORT_FILE} (default: the inventory on standard output).")
@click.option("--country", default=None, metavar="CC",
              help="ISO 3166-1 code of where the systems process data (Fides records none; "
                   "default ZZ, unknown).")
@limits_option
def import_fides_command(paths: tuple[Path, ...], output: Path | None, country: str | None,
                         max_file_size: int) -> int:
    """Import fideslang manifests (files or folders) as a pledge inventory and policy.

    Systems, datasets (as stores), egress/ingress (as flows), privacy declarations
    (as processing activities), policies (as forbidden-combination commitments)
    and custom taxonomy entries. Whatever the inventory cannot hold as it is, is
    listed in the report, never dropped silently; unknown ids and dangling
    references are errors (exit 2).
    """
    imported = import_fides(list(paths), country=country, max_size=max_file_size)
    loaded_inventory(imported)  # validated before anything is written
    if imported.policy is not None:
        loaded_policy(imported)
    outputs = rendered_outputs(imported)
    if output is None:
        from pledge.connectors.fides.importer import INVENTORY_FILE

        write_output(outputs[INVENTORY_FILE], None)
    else:
        for relative, text in outputs.items():
            write_output(text, output / relative)
    click.echo(f"pledge: {plain(_summary(imported))}"
               + (f"; see {plain(str(output / REPORT_FILE))}" if output else ""), err=True)
    if imported.added_terms:
        click.echo("pledge: custom taxonomy entries were added for this run: check the result "
                   "with `pledge check --from fides`", err=True)
    return EXIT_OK


@click.command("fides")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--inventory", "inventory", type=click.Path(path_type=Path), default=None,
              help="The inventory to export (default: the bundled MAROSOAP inventory).")
@limits_option
def export_fides_command(directory: Path, inventory: Path | None, max_file_size: int) -> int:
    """Write the inventory to DIRECTORY as fideslang manifests.

    organization.yml, systems.yml (privacy declarations, dataset references,
    egress/ingress) and datasets.yml; facts fideslang has no place for are listed
    in export-report.txt.
    """
    loaded = get_inventory(inventory, max_file_size)
    manifest, notes = export_inventory(loaded.inventory)
    outputs = {name: yaml.safe_dump({kind: manifest[kind]}, sort_keys=False, allow_unicode=True,
                                    width=100)
               for kind, name in EXPORT_FILES.items() if manifest.get(kind)}
    outputs["export-report.txt"] = "\n".join(
        ["pledge export fides: facts fideslang has no place for", "",
         f"Notes ({len(notes)}):", *(f"  {n}" for n in notes)]) + "\n"
    for name, text in outputs.items():
        write_output(text, directory / name)
    click.echo(f"pledge: exported {len(manifest.get('system', []))} systems and "
               f"{len(manifest.get('dataset', []))} datasets to {plain(str(directory))}; "
               f"{len(notes)} note(s) in export-report.txt", err=True)
    return EXIT_OK
