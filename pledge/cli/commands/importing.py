"""``pledge import``: other tools' descriptions of systems, read as a pledge inventory."""

from __future__ import annotations

import click

from pledge.cli.commands.fides import import_fides_command


@click.group("import")
def import_group() -> None:
    """Import another tool's description of systems and data as a pledge inventory."""


import_group.add_command(import_fides_command)
