"""``pledge report``: the audit pack of one run, written into a directory.

The same engine as ``pledge check`` (:func:`pledge.checks.engine.evaluate`, then
:func:`pledge.reports.document.build_report`), rendered as: a self-contained HTML
report, OSCAL assessment results and POA&M, a record of processing activities
(CSV and Markdown), a policy coverage matrix and the JSON report. Every file is
rendered before any is written; the same inputs give the same bytes, and only
``--timestamp`` adds the time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

import click

from pledge.base.memory import paused_gc
from pledge.base.timings import phase
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    as_of_option,
    cache_option,
    get_policy,
    label_rules_option,
    limits_option,
    no_implicit_waivers_option,
    policy_option,
    resolve_as_of,
    strict_inventory_option,
    timings_option,
    write_output,
)
from pledge.cli.confirming import Confirmations
from pledge.cli.forked import Forked
from pledge.cli.process_end import outlive
from pledge.cli.run import run_with_waivers
from pledge.policy_model.label_rules import LabelRules
from pledge.policy_model.loading import LoadedInventory, LoadedPolicy
from pledge.reports import coverage, html, json_report, oscal, pack_manifest, poam, ropa
from pledge.reports.document import Report, build_report
from pledge.reports.safe import plain

OUTPUTS: dict[str, str] = {
    "html": "report.html",
    "oscal": "assessment-results.json",
    "poam": "poam.json",
    "ropa-csv": "ropa.csv",
    "ropa-md": "ropa.md",
    "coverage": "coverage.md",
    "json": "report.json",
}
"""Each format and the file it is written to in --output-dir."""
DEFAULT_DIR = Path("pledge-report")


def now_utc() -> str:
    """The current time, for --timestamp only."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def renderers(report: Report, loaded_policy: LoadedPolicy, loaded: LoadedInventory,
              graph: FlowGraph) -> dict[str, Callable[[], str | bytes]]:
    """How to render each format (lazily: only the asked formats are computed); the
    formats listing every judged subject come as UTF-8 already."""
    policy = loaded_policy.policy

    built: dict[str, Any] = {}  # each built once for the formats that share it

    def matrix() -> coverage.Coverage:
        if "matrix" not in built:
            built["matrix"] = coverage.build(policy, loaded_policy.source_text, report)
        return cast(coverage.Coverage, built["matrix"])

    def record() -> ropa.Record:
        if "record" not in built:
            built["record"] = ropa.build(loaded.inventory, graph)
        return cast(ropa.Record, built["record"])

    return {
        "html": lambda: html.render(report, graph, matrix(),
                                    related=html.related_from(policy)),
        "oscal": lambda: oscal.encoded(report),
        "poam": lambda: poam.render(report),
        "ropa-csv": lambda: ropa.render_csv(record()),
        "ropa-md": lambda: ropa.render_markdown(record()),
        "coverage": lambda: coverage.render_markdown(matrix()),
        "json": lambda: json_report.encoded(report),
    }


ASIDE = "oscal"
"""The format rendered on the second core (the largest beside the JSON report)."""
_LISTING = frozenset({"html", "oscal", "json"})
"""The formats that list every judged subject."""


def _encoded(make: Callable[[], str | bytes], fmt: str) -> bytes | None:
    """One format's bytes (once, for the hash and the file); None when it has nothing."""
    try:
        with phase(f"render {fmt}"):
            made = make()
    except poam.NothingToPlan:
        return None
    return made if isinstance(made, bytes) else made.encode("utf-8")


def _render(make: dict[str, Callable[[], str | bytes]], chosen: list[str], doc: Report
            ) -> dict[str, bytes | None]:
    """Every chosen format's bytes. With two formats or more and a core idle, OSCAL is
    rendered in a forked child (:class:`~pledge.cli.forked.Forked`: the same bytes, and
    the serial path whenever the child fails) while this process renders the rest."""
    if ASIDE not in chosen or len(chosen) < 2:
        return {fmt: _encoded(make[fmt], fmt) for fmt in chosen}
    if _LISTING.intersection(chosen):
        with phase("list the judged subjects"):
            for commitment in doc.commitments:  # listed once, before the child shares them
                doc.judged(commitment.id)
    aside = Forked(partial(_encoded, make[ASIDE], ASIDE))
    try:
        made = {fmt: _encoded(make[fmt], fmt) for fmt in chosen if fmt != ASIDE}
    except BaseException:
        aside.cancel()
        raise
    with phase(f"wait for {ASIDE}, rendered beside"):
        made[ASIDE] = aside.result()
    return made


@click.command()
@click.argument("inventory", required=False, type=click.Path(path_type=Path))
@policy_option
@click.option("--output-dir", type=click.Path(path_type=Path), default=DEFAULT_DIR,
              show_default=True, help="Directory to write the reports into.")
@click.option("-f", "--format", "formats", multiple=True, type=click.Choice(list(OUTPUTS)),
              help="Write only these formats (repeatable; default: all).")
@as_of_option
@click.option("--timestamp", is_flag=True,
              help="Record the current time in the reports (they then differ run to run).")
@click.option("--waivers", type=click.Path(path_type=Path), default=None,
              help="Waiver YAML (default: waivers.yaml in the inventory directory, if any, "
                   "reported as IMPLICIT WAIVERS).")
@no_implicit_waivers_option
@limits_option
@cache_option
@strict_inventory_option
@label_rules_option
@timings_option
def report(inventory: Path | None, policy_path: Path | None, output_dir: Path,
           formats: tuple[str, ...], as_of: str | None, timestamp: bool,
           waivers: Path | None, max_file_size: int, cache: Path | None,
           strict_inventory: bool, label_rules: tuple[Path, ...]) -> int:
    """Write the audit reports of INVENTORY (default: the bundled one) into --output-dir.

    Files: report.html, assessment-results.json (OSCAL), poam.json (OSCAL POA&M,
    only when something is open), ropa.csv, ropa.md, coverage.md, report.json, and
    manifest.json (every input and output file with its sha256, for pledge verify).
    Exit 0 when every commitment holds, 1 on any failure or error, 2 on bad input.
    """
    when = resolve_as_of(as_of)
    rules = LabelRules.load(label_rules) if label_rules else None  # bad files: located, exit 2
    loaded_policy = get_policy(policy_path, max_file_size)
    with Confirmations() as beside:  # the load's last checks beside the graph and checks
        loaded = beside.load(inventory, max_file_size, cache)
        result, graph, warnings, extra = run_with_waivers(
            loaded_policy, loaded, as_of=when, waivers=waivers, max_size=max_file_size,
            label_rules=rules)
        beside.confirm()  # the inventory vouched for before its reports are made
    chosen = [f for f in OUTPUTS if f in formats] if formats else list(OUTPUTS)
    rendered: list[tuple[bytes, Path]] = []
    skipped: list[str] = []
    pack: list[tuple[str, str, str]] = []
    with paused_gc():  # the judged subjects: millions of objects, all kept to the end
        doc = build_report(loaded_policy, loaded, result, as_of=when, extra_inputs=extra,
                           generated_at=now_utc() if timestamp else None, warnings=warnings,
                           written=[output_dir], strict_inventory=strict_inventory)
        make = renderers(doc, loaded_policy, loaded, graph)
        made = _render(make, chosen, doc)
        for fmt in chosen:  # everything rendered before anything is written
            data = made[fmt]
            if data is None:
                skipped.append(fmt)
                continue
            rendered.append((data, output_dir / OUTPUTS[fmt]))
            pack.append((fmt, OUTPUTS[fmt], hashlib.sha256(data).hexdigest()))
        rendered.append((pack_manifest.render(doc, pack).encode("utf-8"),
                         output_dir / pack_manifest.MANIFEST_FILE))
    with phase("write the outputs"):
        for data, path in rendered:
            write_output(data, path)
    s = doc.summary
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s.commitments_by_status.items())
    click.echo(f"{s.result.upper()}: {s.commitments} commitments ({counts}) as of {when}")
    for _data, path in rendered:
        click.echo(f"wrote {plain(path)}")
    if "poam" in skipped:
        stale = output_dir / OUTPUTS["poam"]
        note = ""
        if stale.is_file():
            stale.unlink()
            note = f"; removed the stale {plain(stale)}"
        click.echo("no POA&M: nothing is open (an OSCAL POA&M needs at least one item)" + note)
    for warning in doc.warnings:
        click.echo(f"warning: {plain(warning)}", err=True)
    outlive(loaded, result, graph, doc, make, made, rendered)  # freed by the process's exit
    return EXIT_FAIL if s.result == "fail" else EXIT_OK
