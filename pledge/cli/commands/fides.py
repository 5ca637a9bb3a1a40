"""``pledge import fides`` and ``pledge export fides``."""

from __future__ import annotations

from pathlib import Path

import click

from pledge.cli.common import (
    EXIT_OK,
    get_inventory,
    get_policy,
    limits_option,
    policy_option,
    write_output,
)
from pledge.cli.sources import import_summary
from pledge.connectors.fides.export import export_inventory
from pledge.connectors.fides.export_policy import export_policy
from pledge.connectors.fides.importer import (
    INVENTORY_FILE,
    REPORT_FILE,
    dump_yaml,
    import_fides,
    loaded_inventory,
    loaded_policy,
    rendered_outputs,
)
from pledge.reports.safe import plain

EXPORT_FILES = {"organization": "organization.yml", "system": "systems.yml",
                "dataset": "datasets.yml", "policy": "policy.yml"}


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
        write_output(outputs[INVENTORY_FILE], None)
    else:
        for relative, text in outputs.items():
            write_output(text, output / relative)
    click.echo(f"pledge: {plain(import_summary(imported))}"
               + (f"; see {plain(str(output / REPORT_FILE))}" if output else ""), err=True)
    if imported.added_terms:
        click.echo("pledge: custom taxonomy entries were added for this run: check the result "
                   "with `pledge check --from fides`", err=True)
    return EXIT_OK


@click.command("fides")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--inventory", "inventory", type=click.Path(path_type=Path), default=None,
              help="The inventory to export (default: the bundled MAROSOAP inventory).")
@policy_option
@limits_option
def export_fides_command(directory: Path, inventory: Path | None, policy_path: Path | None,
                         max_file_size: int) -> int:
    """Write the inventory and the policy to DIRECTORY as fideslang manifests.

    organization.yml, systems.yml (privacy declarations, dataset references,
    egress/ingress), datasets.yml and policy.yml (the forbidden-combination
    commitments as Fides policy rules); facts and commitments fideslang has no
    place for are listed in export-report.txt.
    """
    loaded = get_inventory(inventory, max_file_size)
    loaded_policy = get_policy(policy_path, max_file_size)
    manifest, notes = export_inventory(loaded.inventory)
    policies, policy_notes = export_policy(loaded_policy.policy)
    if policies:
        manifest["policy"] = policies
    notes += policy_notes
    outputs = {name: dump_yaml({kind: manifest[kind]})
               for kind, name in EXPORT_FILES.items() if manifest.get(kind)}
    outputs["export-report.txt"] = "\n".join(
        ["pledge export fides: facts and commitments fideslang has no place for", "",
         f"Notes ({len(notes)}):", *(f"  {n}" for n in notes)]) + "\n"
    for name, text in outputs.items():
        write_output(text, directory / name)
    rules = sum(len(p["rules"]) for p in policies)
    click.echo(f"pledge: exported {len(manifest.get('system', []))} systems, "
               f"{len(manifest.get('dataset', []))} datasets and {rules} policy rule(s) to "
               f"{plain(str(directory))}; {len(notes)} note(s) in export-report.txt", err=True)
    return EXIT_OK
