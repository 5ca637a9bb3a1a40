"""The run every checking command shares: the selected commitments, then the waivers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from pledge.checks.engine import RunResult, evaluate
from pledge.checks.findings import Status
from pledge.checks.gating.selection import Selection
from pledge.checks.gating.waivers import (
    LoadedWaivers,
    apply_waivers,
    find_waiver_file,
    load_waivers,
)
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.label_rules import LabelRules
from pledge.policy_model.loading import InputFile, LoadedInventory, LoadedPolicy, display_path
from pledge.policy_model.vocabulary import default_vocabularies


def evaluate_selected(loaded_policy: LoadedPolicy, loaded: LoadedInventory, *, as_of: date,
                      selection: Selection, waivers: Path | None, max_size: int,
                      graph: FlowGraph | None = None, label_rules: LabelRules | None = None,
                      notices: bool = True, defer_locations: bool = False,
                      ) -> tuple[RunResult, list[str], list[InputFile]]:
    """Run the selected commitments and apply the waivers (given, or the inventory's own).

    Returns the result, warnings about waivers, and the waiver file as an input.
    ``graph`` lets a caller that draws the graph afterwards build it only once;
    ``notices`` False leaves out the inventory's notices, ``defer_locations`` the findings'
    looked-up locations (see ``evaluate``).
    """
    selection.check_known(loaded_policy.policy)
    result = evaluate(selection.apply(loaded_policy.policy), loaded, as_of=as_of, graph=graph,
                      whole_policy=loaded_policy.policy,
                      policy_locations=loaded_policy.locations, label_rules=label_rules,
                      notices=notices, defer_locations=defer_locations)
    implicit = waivers is None
    path = waivers or (find_waiver_file(loaded.root) if loaded.root else None)
    if path is None:
        return result, [], []
    if implicit and not implicit_waivers_allowed():
        return result, [f"{display_path(path)} inside the inventory directory was NOT applied "
                        "(--no-implicit-waivers): give waivers with --waivers FILE"], []
    found = load_waivers(path, loaded_policy.policy, display=display_path(path),
                         max_size=max_size)
    before = {id(f) for f in result.findings if f.status is Status.WAIVED}
    warnings = apply_waivers(result, found, as_of)
    if implicit:
        waived = [f for f in result.findings
                  if f.status is Status.WAIVED and id(f) not in before]
        warnings.insert(0, implicit_waiver_warning(display_path(path), found, len(waived)))
    return result, warnings, [found.file] if found.file else []


NO_IMPLICIT_WAIVERS = "pledge.no_implicit_waivers"


def implicit_waivers_allowed() -> bool:
    """False when ``--no-implicit-waivers`` (or ``PLEDGE_NO_IMPLICIT_WAIVERS=1``) was given."""
    ctx = click.get_current_context(silent=True)
    return not (ctx is not None and ctx.find_root().meta.get(NO_IMPLICIT_WAIVERS))


def implicit_waiver_warning(shown: str, found: LoadedWaivers, waived: int) -> str:
    """The warning every format carries when waivers came from inside the inventory.

    Anyone who can change the inventory (a pull request) can add such a file and
    turn a failure into a pass: the count, what each waiver names and who approved
    it are printed wherever the verdict is.
    """
    listed = "; ".join(f"{w.waiver.target()} (approver {w.waiver.approver}, until "
                       f"{w.waiver.expires.isoformat()})" for w in found.waivers[:20])
    more = f"; and {len(found.waivers) - 20} more" if len(found.waivers) > 20 else ""
    return (f"IMPLICIT WAIVERS: {shown} was found inside the inventory directory and applied: "
            f"{len(found.waivers)} waiver{'s' if len(found.waivers) != 1 else ''}, "
            f"{waived} finding{'s' if waived != 1 else ''} waived: {listed}{more}. In CI, keep "
            "waivers in a protected path and pass --waivers FILE, or use "
            "--no-implicit-waivers")


def run_with_waivers(loaded_policy: LoadedPolicy, loaded: LoadedInventory, *, as_of: date,
                     waivers: Path | None, max_size: int, label_rules: LabelRules | None = None,
                     ) -> tuple[RunResult, FlowGraph, list[str], list[InputFile]]:
    """Evaluate every commitment on one graph, kept for drawing, with ``check``'s waivers
    (and the user's label rules, when given)."""
    graph = FlowGraph(loaded.inventory, default_vocabularies())
    result, warnings, extra = evaluate_selected(loaded_policy, loaded, as_of=as_of,
                                                selection=Selection((), ()), waivers=waivers,
                                                max_size=max_size, graph=graph,
                                                label_rules=label_rules)
    return result, graph, warnings, extra
