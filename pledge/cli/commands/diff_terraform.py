"""``pledge diff --terraform PLAN [INVENTORY]``: what a Terraform plan does to personal data.

The inventory is checked twice: with the facts of the plan's resources before
the change, and after it. The plan's changes that matter for personal data
(retention lengthened, encryption removed, made public, moved region, deletion
protection removed, a data store created or deleted) are listed with the
commitments the change newly breaks. Exit 1 when it newly breaks one (a new
data store mapped to no inventory store counts), 0 otherwise, 2 on bad input.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from pledge.checks.engine import RunResult
from pledge.checks.gating.diff import InventoryDiff, Side, diff_inventories
from pledge.checks.gating.selection import Selection, parse_selectors, severity_floor
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    get_inventory,
    get_policy,
    write_output,
)
from pledge.cli.output_pairing import pair_outputs
from pledge.cli.run import evaluate_selected
from pledge.connectors.terraform import Future, read_plan_against
from pledge.connectors.terraform.changes import PlanChange, plan_changes
from pledge.connectors.terraform.future import future_inventory
from pledge.policy_model import BUNDLED_INVENTORY
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import LoadedPolicy, display_path
from pledge.policy_model.vocabulary import default_vocabularies
from pledge.reports.diff import commitment_lines, location_text, verdict_line
from pledge.reports.document import Gate, build_report
from pledge.reports.formats import RENDERERS
from pledge.reports.markdown import md, render_diff
from pledge.reports.safe import plain, plain_data

DIFF_FORMAT = "pledge-terraform-diff/1"


def _side(policy: LoadedPolicy, future: Future, *, when: date, selection: Selection,
          waivers: Path | None, max_size: int) -> tuple[Side, list[str]]:
    loaded = future.loaded
    graph = FlowGraph(loaded.inventory, default_vocabularies())
    result, warnings, _ = evaluate_selected(policy, loaded, as_of=when, selection=selection,
                                            waivers=waivers, max_size=max_size, graph=graph)
    future.annotate(result)
    return Side(loaded.inventory, loaded.sources, graph, result), warnings


def render_text(plan: str, changes: list[PlanChange], diff: InventoryDiff) -> str:
    """The plan's relevant changes, the commitments it newly breaks or keeps, the verdict."""
    lines = [f"pledge diff --terraform: {plain(plan)} against {plain(diff.head)} as of "
             f"{diff.as_of.isoformat()}"]
    if changes:
        lines += ["", "Changes that matter for personal data:"]
        lines += [f"  ~ {plain(c.describe())}{location_text(c.location)}" for c in changes]
    lines += commitment_lines(diff)
    if not changes and not diff.newly_failing and not diff.newly_fixed:
        lines += ["", "No change in the plan matters for personal data."]
    lines += ["", verdict_line(diff, "the plan")]
    lines += [f"warning: {plain(w)}" for w in diff.warnings]
    return "\n".join(lines) + "\n"


def render_json_diff(plan: str, changes: list[PlanChange], diff: InventoryDiff) -> str:
    """The changes and the commitments' diff as canonical JSON."""
    data = {"format": DIFF_FORMAT, "plan": plan,
            "changes": plain_data([c.model_dump(mode="json") for c in changes]),
            "diff": plain_data(diff.model_dump(mode="json"))}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_markdown(changes: list[PlanChange], diff: InventoryDiff) -> str:
    """A table of the relevant changes above the usual diff summary."""
    lines = ["### Terraform changes that matter for personal data", ""]
    if changes:
        lines += ["| change | resource | store | before | after |", "|---|---|---|---|---|"]
        lines += [f"| {md(c.change)} | `{md(c.resource)}` | {md(c.store or '(none)')} | "
                  f"{md(str(c.before) if c.before is not None else '')} | "
                  f"{md(str(c.after) if c.after is not None else '')} |" for c in changes]
    else:
        lines.append("No change in the plan matters for personal data.")
    return "\n".join(lines) + "\n\n" + render_diff(diff)


def terraform_diff(paths: tuple[Path, ...], plan_path: Path, mapping: Path | None, *,
                   git_base: str | None, policy_path: Path | None, formats: tuple[str, ...],
                   outputs: tuple[Path, ...], as_of: date, fail_on: str | None,
                   select: tuple[str, ...], ignore: tuple[str, ...], waivers: Path | None,
                   max_file_size: int) -> int:
    """Run ``pledge diff --terraform``; ``paths`` holds at most the inventory."""
    if git_base is not None:
        raise InputErrors([InputError("PLG-E019", "--git-base and --terraform do not go "
                                      "together: a plan holds its own before and after", None,
                                      None, "give one of them")])
    if len(paths) > 1:
        raise InputErrors([InputError("PLG-E019", "pledge diff --terraform PLAN takes at most "
                                      f"one inventory; got {len(paths)} paths", None, None,
                                      "e.g. pledge diff --terraform plan.json "
                                      "inventories/marosoap")])
    plan_out = pair_outputs(formats, outputs)
    floor = severity_floor(fail_on)
    selection = Selection(tuple(parse_selectors(select)), tuple(parse_selectors(ignore)))
    loaded_policy = get_policy(policy_path, max_file_size)
    loaded = get_inventory(paths[0] if paths else None, max_file_size)
    reading = read_plan_against(loaded, plan_path, mapping_path=mapping,
                                max_size=max_file_size)
    before, after = future_inventory(loaded, reading, "before"), future_inventory(
        loaded, reading, "after")
    after.loaded.files.extend(reading.inputs)
    base, _ = _side(loaded_policy, before, when=as_of, selection=selection, waivers=waivers,
                    max_size=max_file_size)
    head, warnings = _side(loaded_policy, after, when=as_of, selection=selection,
                           waivers=waivers, max_size=max_file_size)
    shown = reading.plan.file.display
    inventory_shown = str(paths[0]) if paths else display_path(BUNDLED_INVENTORY)
    result = diff_inventories(base, head, base_label=f"{inventory_shown} before {shown}",
                              head_label=inventory_shown, as_of=as_of, fail_on=floor,
                              warnings=[*warnings, *reading.warnings()])
    changes = plan_changes(reading, loaded.inventory)
    # the report of what the change newly breaks: its subjects are the newly failing
    # ones (a subject failing before and after must not be listed as passing)
    newly = RunResult(outcomes=[replace(o, scopes=()) for o in head.result.outcomes],
                      findings=result.newly_failing)
    gate = Gate(fail_on=floor, select=list(selection.select), ignore=list(selection.ignore))
    report = build_report(loaded_policy, after.loaded, newly, as_of=as_of, gate=gate,
                          warnings=list(result.warnings))
    rendered: list[tuple[str, Path | None]] = []
    for fmt, output in plan_out:
        if fmt == "text":
            rendered.append((render_text(shown, changes, result), output))
        elif fmt == "json":
            rendered.append((render_json_diff(shown, changes, result), output))
        elif fmt == "markdown":
            rendered.append((render_markdown(changes, result), output))
        else:
            rendered.append((RENDERERS[fmt](report), output))
    for text, output in rendered:  # everything rendered before anything is written
        write_output(text, output)
    return EXIT_FAIL if result.result == "fail" else EXIT_OK
