"""What ``pledge discover`` and ``pledge check --discover`` share: options, progress, the probe."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pledge.cli.common import LABEL_RULES_HELP, F
from pledge.policy_model.label_rules import LabelRules
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy

if TYPE_CHECKING:  # the database connectors are imported when a database is read
    from pledge.connectors.database import Discovery, Target

DEFAULT_SAMPLE = 1000
DEFAULT_TIMEOUT = 30.0
_SCAN = ("sample", "schema", "timeout", "label_rules")


def scan_options(func: F) -> F:
    """--sample, --schema, --timeout and --label-rules: how a database is read."""
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
                     type=click.Path(path_type=Path), help=LABEL_RULES_HELP)
    )):
        func = option(func)
    return func


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[tuple[Callable[[int], Any], Callable[[int], Any]]]:
    """(start(total), step(n)) of a progress bar on standard error, only on a terminal."""
    state: dict[str, Any] = {}
    if not sys.stderr.isatty():
        yield (lambda _n: None), (lambda _n: None)
        return

    def start(total: int) -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)
        state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
        state["bar"].__enter__()

    try:
        yield start, (lambda n: state["bar"].update(n) if "bar" in state else None)
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@dataclass(frozen=True)
class Scan:
    """How to read a database: the sample bound, schema, timeout and label rules."""

    sample: int
    schema: str | None
    timeout: float
    label_rules: tuple[Path, ...]

    def rules(self) -> LabelRules:
        """The bundled label rules plus the user's files."""
        return LabelRules.load(self.label_rules)

    def run(self, target: Target, schema: str | None = None,
            rules: LabelRules | None = None) -> Discovery:
        """Discover ``target`` (``schema``, else the scan's), with a progress bar on a terminal."""
        from pledge.connectors.database import discover

        with progress_bar(f"pledge: reading {target.shown}") as (start, step):
            return discover(target, rules or self.rules(), sample=self.sample,
                            timeout=self.timeout, schema=schema or self.schema,
                            progress=step, on_tables=start)


@dataclass(frozen=True)
class DiscoverRequest:
    """``pledge check --discover [DSN]``: which database (None: the stores'), hosts, the scan."""

    dsn: str | None
    allow_hosts: tuple[str, ...]
    scan: Scan

    def apply(self, loaded: LoadedInventory, loaded_policy: LoadedPolicy) -> Any:
        """The probe: the inventory and policy as checks see them, and ``annotate(result)``."""
        from pledge.connectors.database.probe import probe

        rules = self.scan.rules()
        return probe(self.dsn, loaded, loaded_policy, allow_hosts=self.allow_hosts,
                     schema=self.scan.schema,
                     discover=lambda target, schema: self.scan.run(target, schema, rules))


def discover_options(func: F) -> F:
    """``--discover [DSN]``, ``--allow-host`` and the scan options, handed over as ``discovery``.

    The command receives a ``discovery`` argument: a :class:`DiscoverRequest`, or
    None without ``--discover``; and ``label_rules``, the ``--label-rules`` files,
    which the label lint reads whether or not a database is discovered.
    ``pledge check --discover inventory/`` (a directory where the DSN would be)
    means the inventory, its stores' connections discovered.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        dsn = kwargs.pop("discover")
        hosts = tuple(kwargs.pop("allow_hosts"))
        scan = Scan(**{k: kwargs.pop(k) for k in _SCAN})
        request = None
        if dsn is not None:
            if dsn and kwargs.get("inventory") is None and Path(dsn).is_dir():
                kwargs["inventory"], dsn = Path(dsn), ""
            request = DiscoverRequest(dsn or None, hosts, scan)
        # the label lint reads the same rule files as discovery, with or without --discover
        return func(*args, discovery=request, label_rules=scan.label_rules, **kwargs)

    options = (
        click.option("--discover", default=None, is_flag=False, flag_value="",
                     metavar="[DSN]",
                     help="Also discover a database (DSN), or with no DSN every store's "
                          "connection:, and check what it really holds."),
        click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST",
                     help="A host --discover may connect to for a store's connection: "
                          "(repeatable; never read from the inventory)."),
    )
    decorated: Any = scan_options(wrapper)
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]
