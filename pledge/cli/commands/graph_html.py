"""``pledge graph html``: the interactive data map as one self-contained page.

The inventory is checked against the policy first (as ``pledge report`` does,
waivers included) so that the map can mark failing paths and list every
finding about a box. Exit 0 when the page is written, whatever the findings
say (``pledge check`` is the gate); 2 on bad input.
"""

from __future__ import annotations

from pathlib import Path

import click

from pledge import __version__
from pledge.cli.common import (
    EXIT_OK,
    as_of_option,
    get_inventory,
    get_policy,
    limits_option,
    policy_option,
    resolve_as_of,
    waivers_option,
    write_output,
)
from pledge.cli.run import run_with_waivers
from pledge.reports import map_page
from pledge.reports.safe import plain


@click.command("html")
@click.argument("inventory", required=False, type=click.Path(path_type=Path))
@policy_option
@as_of_option
@waivers_option
@limits_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the page to this file (atomically) instead of standard output.")
def html_command(inventory: Path | None, policy_path: Path | None, as_of: str | None,
                 waivers: Path | None, max_file_size: int, output: Path | None) -> int:
    """The data map as one HTML page: search, filter, click to follow the data.

    Self-contained (no network); open it in a browser. Failing paths are those
    of the policy's findings on INVENTORY (default: the bundled one).
    """
    when = resolve_as_of(as_of)
    loaded_policy = get_policy(policy_path, max_file_size)
    loaded = get_inventory(inventory, max_file_size)
    result, fg, warnings, _extra = run_with_waivers(loaded_policy, loaded, as_of=when,
                                                    waivers=waivers, max_size=max_file_size)
    title = loaded.inventory.inventory.name
    write_output(map_page.render(fg, result.findings, title=title, version=__version__), output)
    if output is not None:
        click.echo(f"wrote {plain(output)}: {len(fg.node_ids()):,} nodes, "
                   f"{len(fg.flows):,} flows", err=True)
    for warning in warnings:
        click.echo(f"warning: {plain(warning)}", err=True)
    return EXIT_OK
