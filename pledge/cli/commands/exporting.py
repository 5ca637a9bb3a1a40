"""``pledge export``: a pledge inventory written in another tool's format."""

from __future__ import annotations

import click

from pledge.cli.commands.fides import export_fides_command


@click.group("export")
def export_group() -> None:
    """Write the inventory in another tool's format."""


export_group.add_command(export_fides_command)
