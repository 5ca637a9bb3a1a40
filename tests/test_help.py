"""Every command's ``--help`` prints its usage: a first step never meets an internal error."""

from __future__ import annotations

import subprocess
import sys

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
