"""``pledge discover``: describe a real database as an inventory fragment."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from pledge.cli.common import EXIT_OK, F, write_output
from pledge.connectors.database import Discovery, Target, check_allowed, discover, parse_target
from pledge.connectors.database.dsn import PASSWORD_ENV
from pledge.connectors.database.fragment import render
from pledge.policy_model.label_rules import LabelRules

DEFAULT_SAMPLE = 1000
DEFAULT_TIMEOUT = 30.0


def scan_options(func: F) -> F:
    """The options every database scan takes: --sample, --schema, --timeout, --label-rules."""
    for option in reversed((
        click.option("--sample", type=click.IntRange(0, 1_000_000), default=DEFAULT_SAMPLE,
                     show_default=True, help="Read at most this many rows of each table."),
        click.option("--schema", default=None,
                     help="Only this schema (default: every user schema; MySQL: the DSN's "
                          "database)."),
        click.option("--timeout", type=click.FloatRange(0.001, 3600), default=DEFAULT_TIMEOUT,
                     show_default=True,
                     help="Seconds allowed to connect and to run each statement."),
        click.option("--label-rules", "label_rules", multiple=True,
                     type=click.Path(path_type=Path),
                     help="A YAML file of extra name rules (adds, or replaces by id)."),
    )):
        func = option(func)
    return func


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[tuple[Callable[[int], Any], Callable[[int], Any]]]:
    """A progress bar on standard error when it is a terminal; silent otherwise."""
    state: dict[str, Any] = {}
    if not sys.stderr.isatty():
        yield (lambda _n: None), (lambda _n: None)
        return

    def start(total: int) -> None:
        state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
        state["bar"].__enter__()

    try:
        yield start, (lambda n: state["bar"].update(n) if "bar" in state else None)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


def run_discovery(target: Target, *, sample: int, timeout: float, schema: str | None,
                  label_rules: tuple[Path, ...]) -> Discovery:
    """Discover ``target`` with a progress bar on a terminal."""
    rules = LabelRules.load(label_rules)
    with progress_bar(f"pledge: reading {target.shown}") as (start, step):
        return discover(target, rules, sample=sample, timeout=timeout, schema=schema,
                        progress=step, on_tables=start)


@click.command()
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

    DSN is postgresql://user@host/db, mysql://user@host/db, mariadb://… or a SQLite
    file path. The password comes from the DSN or PLEDGE_DB_PASSWORD and is never
    printed. Reads at most --sample rows of each table, read-only.
    """
    target = parse_target(dsn, password=os.environ.get(PASSWORD_ENV))
    if allow_hosts:
        check_allowed(target, allow_hosts)
    found = run_discovery(target, sample=sample, timeout=timeout, schema=schema,
                          label_rules=label_rules)
    write_output(render(found.snapshot, found.verdicts, system=system), output)
    return EXIT_OK
