"""The run every checking command shares: the selected commitments, then the waivers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pledge.checks.engine import RunResult, evaluate
from pledge.checks.gating.selection import Selection
from pledge.checks.gating.waivers import apply_waivers, find_waiver_file, load_waivers
from pledge.checks.graph.flow_graph import FlowGraph
from pledge.policy_model.loading import InputFile, LoadedInventory, LoadedPolicy, display_path
from pledge.policy_model.vocabulary import default_vocabularies


def evaluate_selected(loaded_policy: LoadedPolicy, loaded: LoadedInventory, *, as_of: date,
                      selection: Selection, waivers: Path | None, max_size: int,
                      graph: FlowGraph | None = None,
                      ) -> tuple[RunResult, list[str], list[InputFile]]:
    """Run the selected commitments and apply the waivers (given, or the inventory's own).

    Returns the result, warnings about waivers, and the waiver file as an input.
    ``graph`` lets a caller that draws the graph afterwards build it only once.
    """
    selection.check_known(loaded_policy.policy)
    result = evaluate(selection.apply(loaded_policy.policy), loaded, as_of=as_of, graph=graph)
    path = waivers or (find_waiver_file(loaded.root) if loaded.root else None)
    if path is None:
        return result, [], []
    found = load_waivers(path, loaded_policy.policy, display=display_path(path),
                         max_size=max_size)
    warnings = apply_waivers(result, found, as_of)
    return result, warnings, [found.file] if found.file else []


def run_with_waivers(loaded_policy: LoadedPolicy, loaded: LoadedInventory, *, as_of: date,
                     waivers: Path | None, max_size: int,
                     ) -> tuple[RunResult, FlowGraph, list[str], list[InputFile]]:
    """Evaluate every commitment on one graph, kept for drawing, with ``check``'s waivers."""
    graph = FlowGraph(loaded.inventory, default_vocabularies())
    result, warnings, extra = evaluate_selected(loaded_policy, loaded, as_of=as_of,
                                                selection=Selection((), ()), waivers=waivers,
                                                max_size=max_size, graph=graph)
    return result, graph, warnings, extra
