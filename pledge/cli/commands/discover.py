"""``pledge discover``: describe a real database as an inventory fragment."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pledge.cli.common import EXIT_OK, write_output
from pledge.cli.discovery import Scan, scan_options
from pledge.connectors.database import check_allowed, parse_target
from pledge.connectors.database.dsn import PASSWORD_ENV
from pledge.connectors.database.fragment import render


@click.command("discover")
@click.argument("dsn")
@scan_options
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the fragment here (default: standard output).")
@click.option("--system", default="database", show_default=True,
              help="The inventory system id the discovered stores belong to.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
              help="When given, the DSN's host must be one of these (repeatable).")
def discover_command(dsn: str, sample: int, schema: str | None, timeout: float,
                     label_rules: tuple[Path, ...], output: Path | None, system: str,
                     allow_hosts: tuple[str, ...]) -> int:
    """Describe the database at DSN as an inventory fragment (YAML) with proposed categories.

    DSN is postgresql://user@host/db, mysql://user@host/db, mariadb://... or a
    SQLite file path. The password comes from the DSN or PLEDGE_DB_PASSWORD and is
    never printed. Reads at most --sample rows of each table, read-only, each
    statement stopped after --timeout seconds.
    """
    target = parse_target(dsn, password=os.environ.get(PASSWORD_ENV))
    if allow_hosts:
        check_allowed(target, allow_hosts)
    found = Scan(sample, schema, timeout, label_rules).run(target)
    write_output(render(found.snapshot, found.verdicts, system=system), output)
    return EXIT_OK
