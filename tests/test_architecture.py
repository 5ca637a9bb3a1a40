"""The package's shape: one namespace, imports that run one way, no import cycles."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent


def _import_graph() -> nx.DiGraph:
    graph = grimp.build_graph("pledge", include_external_packages=False)
    edges = nx.DiGraph()
    for module in graph.modules:
        edges.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            edges.add_edge(module, imported)
    return edges


def test_no_import_cycle_among_the_projects_modules() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(_import_graph()) if len(c) > 1]
    assert cycles == []


def test_the_layer_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "0 broken" in run.stdout


def test_every_package_in_the_tree_is_installed() -> None:
    """A folder with an __init__.py under pledge/ that pyproject does not list would be lost."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {"pledge"}
    for folder, _dirs, files in os.walk(ROOT / "pledge", followlinks=True):
        if "__init__.py" in files:
            found.add(".".join(Path(folder).relative_to(ROOT).parts))
    found.add("pledge.inventories")  # data only: the bundled inventory
    assert found == listed


def test_the_layers_do_not_reach_up_at_run_time() -> None:
    """Loading a policy loads no module of the reports or the command line.

    (The kinds are loaded, through the ``pledge.kinds`` entry points: a policy
    names them.)
    """
    upper = ("pledge.reports", "pledge.cli", "pledge.connectors")
    code = ("import sys, pledge.policy_model.loading, pledge.policy_model.policy;"
            f"print(sorted(m for m in sys.modules if m.startswith({upper!r})))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
