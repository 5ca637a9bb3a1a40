"""Every command's ``--help`` prints its usage: a first step never meets an internal error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from pledge.cli.main import cli, main


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the CLI, as the words a user types."""
    paths: list[tuple[str, ...]] = []
    for name in sorted(group.commands):
        command = group.commands[name]
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


COMMANDS = _command_paths(cli)


def test_the_walk_finds_the_commands_and_subcommands() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"check", "report", "verify", "diff", "graph node", "import fides",
            "export fides", "discover"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_of_every_command_prints_usage(path: tuple[str, ...],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    out, err = capsys.readouterr()
    assert done.value.code == 0, err
    assert out.startswith("Usage: pledge " + " ".join(path)), out[:200]
    assert err == ""


def test_check_help_in_a_process_as_a_user_runs_it() -> None:
    done = subprocess.run([sys.executable, "-m", "pledge", "check", "--help"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "-f, --format [" in done.stdout and "[:PATH]" in done.stdout


def test_a_command_imports_only_what_it_needs(tmp_path: Path) -> None:
    """``pledge check`` starts without the other commands' modules, the connectors to
    databases and Terraform, the Fides import, the diff or networkx; the top-level
    help still lists every command."""
    out = tmp_path / "out.json"
    code = f"""
import sys
from pledge.cli.main import main
try:
    main(["check", "--as-of", "2026-11-29", "-f", "json", "-o", {str(out)!r}])
except SystemExit as done:
    assert done.code == 0, done.code
loaded = [m for m in ("pledge.cli.commands.diff", "pledge.cli.commands.report",
                      "pledge.connectors.database", "pledge.connectors.terraform",
                      "pledge.connectors.fides.importer", "pledge.checks.gating.diff",
                      "networkx") if m in sys.modules]
assert not loaded, loaded
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert out.is_file()
    listed = subprocess.run([sys.executable, "-m", "pledge", "--help"], capture_output=True,
                            text=True, timeout=120, check=True).stdout
    for name in ("check", "diff", "discover", "export", "graph", "import", "report", "verify"):
        assert f"  {name} " in listed, name
