"""``pledge check``: run every commitment and write the report(s)."""

from __future__ import annotations

from pathlib import Path

import click

from pledge.base.memory import paused_gc
from pledge.base.timings import phase
from pledge.checks.findings import Finding, Status
from pledge.checks.gating.baseline import baselined, load_baseline
from pledge.checks.gating.selection import Selection, parse_selectors, severity_floor
from pledge.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    as_of_option,
    cache_option,
    fail_on_option,
    get_policy,
    limits_option,
    policy_option,
    resolve_as_of,
    selectors_option,
    strict_inventory_option,
    timings_option,
    waivers_option,
    write_output,
)
from pledge.cli.confirming import Confirmations
from pledge.cli.discovery import DiscoverRequest, discover_options
from pledge.cli.output_pairing import (
    FormatChoice,
    OrderedOptionsCommand,
    link_base_option,
    pair_outputs,
)
from pledge.cli.process_end import outlive
from pledge.cli.run import evaluate_selected
from pledge.cli.sources import SOURCES, check_inputs
from pledge.cli.terraform import plan_option
from pledge.policy_model.label_rules import LabelRules
from pledge.policy_model.loading import display_path
from pledge.reports import json_report
from pledge.reports import text as text_report
from pledge.reports.document import Gate, Report, build_report
from pledge.reports.formats import RENDERERS, render_format


def _gate_warnings(report_gate: Gate, findings: list[Finding],
                   shown_baseline: str | None) -> list[str]:
    """Say how many failures the gate reports without failing the run, and why."""
    known = sum(1 for f in findings if report_gate.state(f) == "baseline")
    below = sum(1 for f in findings if report_gate.state(f) == "below-threshold")
    warnings = []
    if known:
        warnings.append(f"{known} failing finding{'s are' if known != 1 else ' is'} in the "
                        f"baseline {shown_baseline} and do{'es' if known == 1 else ''} not "
                        "fail the run")
    if below:
        warnings.append(f"{below} failing finding{'s are' if below != 1 else ' is'} below "
                        f"--fail-on {report_gate.fail_on.value} and do"
                        f"{'es' if below == 1 else ''} not fail the run")
    return warnings


def _text(report: Report, verbose: bool) -> str:
    with phase("render text"):
        return text_report.render(report, verbose=verbose)


@click.command(cls=OrderedOptionsCommand)
@click.argument("inventory", required=False, type=click.Path(path_type=Path))
@policy_option
@click.option("--from", "source", type=click.Choice(SOURCES), default="pledge",
              help="What INVENTORY is: pledge inventory files, or Fides manifests imported in "
                   "memory (their policies are the policy unless --policy is given).")
@click.option("-f", "--format", "formats", multiple=True,
              type=FormatChoice(sorted(RENDERERS)), help="Output format; repeat for several.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="File for the --format before it (default: standard output); or "
                   "-f FORMAT:PATH.")
@link_base_option
@as_of_option
@fail_on_option
@selectors_option("--select", "Run only these")
@selectors_option("--ignore", "Skip these")
@click.option("--baseline", type=click.Path(path_type=Path), default=None,
              help="A previous JSON report: its failures are reported but do not fail the run.")
@click.option("--write-baseline", type=click.Path(path_type=Path), default=None,
              help="Write this run's JSON report here as the new baseline.")
@waivers_option
@limits_option
@cache_option
@click.option("-v", "--verbose", is_flag=True, help="Also list manual attestations.")
@strict_inventory_option
@discover_options
@plan_option("Check the inventory as this Terraform plan (terraform show -json) leaves it; "
             "its data stores mapped to no store fail.")
@timings_option
def check(inventory: Path | None, policy_path: Path | None, source: str,
          formats: tuple[str, ...],
          outputs: tuple[Path, ...], as_of: str | None, fail_on: str | None,
          select: tuple[str, ...], ignore: tuple[str, ...], baseline: Path | None,
          write_baseline: Path | None, waivers: Path | None, max_file_size: int,
          cache: Path | None, verbose: bool, strict_inventory: bool,
          discovery: DiscoverRequest | None, label_rules: tuple[Path, ...],
          terraform_plan: Path | None, terraform_mapping: Path | None) -> int:
    """Check INVENTORY (default: the bundled MAROSOAP inventory) against the policy.

    Exit 0 when every commitment holds, 1 on any failure or error that the gate
    (--fail-on, --baseline, waivers) lets fail the run, 2 on bad input.
    """
    plan = pair_outputs(formats, outputs)
    when = resolve_as_of(as_of)
    rules = LabelRules.load(label_rules) if label_rules else None  # bad files: located, exit 2
    selection = Selection(tuple(parse_selectors(select)), tuple(parse_selectors(ignore)))
    beside = Confirmations()  # the load's last checks beside the graph and the checks
    with beside:
        if source == "fides":
            loaded_policy, loaded = check_inputs(source, inventory, policy_path, max_file_size)
        else:
            loaded_policy = get_policy(policy_path, max_file_size)
            loaded = beside.load(inventory, max_file_size, cache)
        probe = discovery.apply(loaded, loaded_policy) if discovery else None
        if probe:  # the databases' real tables in the inventory, the drift commitment too
            loaded, loaded_policy = probe.inventory, probe.policy
        future = None
        if terraform_plan is not None:  # the plan's facts win; findings point at its resources
            from pledge.connectors.terraform import plan_future  # only when a plan is read

            future = plan_future(loaded, terraform_plan, mapping_path=terraform_mapping,
                                 max_size=max_file_size)
            loaded = future.loaded
        known = load_baseline(baseline, max_size=max_file_size) if baseline else frozenset()
        result, warnings, extra = evaluate_selected(loaded_policy, loaded, as_of=when,
                                                    selection=selection, waivers=waivers,
                                                    max_size=max_file_size, label_rules=rules)
        beside.confirm()  # the inventory vouched for before anything is made of the result
    if probe:
        probe.annotate(result)
        warnings += probe.warnings
    if future is not None:
        future.annotate(result)
        warnings += future.warnings()
    gate = None
    if fail_on or selection.select or selection.ignore or baseline or write_baseline:
        baseline_file = write_baseline or baseline
        shown = display_path(baseline_file) if baseline_file else None
        if write_baseline:  # the new baseline holds every current failure
            known = frozenset(f.fingerprint for f in result.findings if f.status is Status.FAIL)
        gate = Gate(fail_on=severity_floor(fail_on), select=list(selection.select),
                    ignore=list(selection.ignore), baseline=shown,
                    baselined=baselined(result.findings, known))
        warnings += _gate_warnings(gate, result.findings, shown)
    written = [output for _fmt, output in plan if output is not None and str(output) != "-"]
    with paused_gc():  # the judged subjects of JSON, JUnit, OSCAL: millions of objects
        report = build_report(loaded_policy, loaded, result, as_of=when, extra_inputs=extra,
                              warnings=warnings, gate=gate, strict_inventory=strict_inventory,
                              written=[*written, *([write_baseline] if write_baseline else [])])
        rendered = [(_text(report, verbose) if fmt == "text"
                     else render_format(fmt, report), output) for fmt, output in plan]
        if write_baseline:
            rendered.append((json_report.encoded(report), write_baseline))
    with phase("write the outputs"):
        for text, output in rendered:  # everything rendered before anything is written
            write_output(text, output)
    outlive(loaded, result, report, rendered)  # freed by the process's exit
    return EXIT_FAIL if report.summary.result == "fail" else EXIT_OK
