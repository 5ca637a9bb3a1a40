"""``pledge import terraform PLAN``: the inventory fragment a Terraform plan derives."""

from __future__ import annotations

from pathlib import Path

import click

from pledge.cli.common import EXIT_OK, get_inventory, limits_option, write_output
from pledge.cli.terraform import mapping_option
from pledge.connectors.terraform import plan_future
from pledge.connectors.terraform.fragment import render_fragment
from pledge.reports.safe import plain


@click.command()
@click.argument("plan", type=click.Path(path_type=Path))
@click.argument("inventory", required=False, type=click.Path(path_type=Path))
@mapping_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the fragment here (default: standard output).")
@limits_option
def terraform(plan: Path, inventory: Path | None, terraform_mapping: Path | None,
              output: Path | None, max_file_size: int) -> int:
    """Write the stores of INVENTORY as PLAN (terraform show -json) will leave them.

    Each store a resource maps to (pledge-store tag or mapping file) is written
    with the facts the plan sets: encryption at rest, exposure, retention,
    region and country, deletion protection. Data stores mapped to no store are
    listed as comments.
    """
    loaded = get_inventory(inventory, max_file_size)
    future = plan_future(loaded, plan, mapping_path=terraform_mapping, max_size=max_file_size)
    write_output(render_fragment(future, future.reading.plan.file.display), output)
    for note in future.warnings():
        click.echo(f"pledge: {plain(note)}", err=True)
    return EXIT_OK
