"""``pledge import``: derive inventory entries from what real systems say about themselves.

One subcommand per source, each in its own module (``pledge import terraform``);
they are registered here.
"""

from __future__ import annotations

import click

from pledge.cli.commands.fides import import_fides_command
from pledge.cli.commands.import_terraform import terraform


@click.group(name="import")
def importing() -> None:
    """Write the inventory entries a source describes (a Terraform plan, ...)."""


importing.add_command(terraform)
importing.add_command(import_fides_command)
