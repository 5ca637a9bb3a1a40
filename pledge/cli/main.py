"""The ``pledge`` command line: exit 0 when all pass, 1 on any failure, 2 on bad input."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping

import click

from pledge import __version__
from pledge.cli import process_end
from pledge.cli.common import EXIT_INPUT
from pledge.policy_model.errors import InputError, InputErrors
from pledge.reports.safe import plain

COMMANDS = {
    "check": "check", "diff": "diff", "discover": "discover:discover_command",
    "explain": "explain", "export": "exporting:export_group", "graph": "graph",
    "import": "importing:importing", "init": "init", "policy": "policy", "report": "report",
    "schema": "schema", "validate": "validate", "verify": "verify",
    "vocabulary": "vocabulary",
}
"""Each command and where it is defined (``module[:attribute]`` under
``pledge.cli.commands``): a command's module, and what only it needs (the database
and Terraform connectors, the Fides import, the diff), is imported when it runs."""


class _Commands(MutableMapping[str, click.Command]):
    """The ``pledge`` group's commands by name, each module imported on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            module, _, attribute = COMMANDS[name].partition(":")
            command = getattr(importlib.import_module(f"pledge.cli.commands.{module}"),
                              attribute or module)
            assert isinstance(command, click.Command)
            if isinstance(command, click.Group) and name == "graph":  # in its own module,
                from pledge.cli.commands.graph_html import html_command  # as it runs checks

                command.add_command(html_command)
            self._loaded[name] = command
        return command

    def __setitem__(self, name: str, command: click.Command) -> None:
        raise TypeError("pledge's commands are listed in COMMANDS")

    def __delitem__(self, name: str) -> None:
        raise TypeError("pledge's commands are listed in COMMANDS")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pledge")
def cli() -> None:
    """Check a privacy policy's commitments against a data inventory's flow graph."""


cli.commands = _Commands()  # a mapping that imports each command on demand


def _say(text: str) -> None:
    """One line on standard error, with secrets redacted and control characters escaped."""
    click.echo(f"pledge: {plain(text)}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: map every outcome to exit 0, 1 or 2; never show a traceback.

    Messages quote what users gave (keys, values, paths), so each passes through
    :func:`pledge.reports.safe.plain`: a crafted value cannot colour the terminal, forge
    a line, or print a password it contains. Without ``argv`` it is the program itself
    (``pledge``, ``python -m pledge``): it reads ``sys.argv`` and ends the process
    (:func:`pledge.cli.process_end.end`); with ``argv`` it raises ``SystemExit``.
    """
    try:
        code = cli.main(args=argv, prog_name="pledge", standalone_mode=False)
    except InputErrors as exc:
        for err in exc.errors:
            _say(err.render())
        code = EXIT_INPUT
    except InputError as exc:
        _say(exc.render())
        code = EXIT_INPUT
    except click.exceptions.Abort:
        _say("aborted")
        code = EXIT_INPUT
    except click.ClickException as exc:
        _say(f"PLG-E019 {' '.join(exc.format_message().split())}")
        code = EXIT_INPUT
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        code = EXIT_INPUT
    except BrokenPipeError:  # the reader went away (`pledge check | head`): stop quietly
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_INPUT
    except OSError as exc:  # reading or writing a file the loaders did not vet, e.g. -o
        target = exc.filename2 or exc.filename  # a rename names its destination second
        where = f"{target}: " if target else ""
        _say(f"{where}PLG-E020 cannot read or write the file ({exc.strerror or exc}) "
             "(check the path and its permissions)")
        code = EXIT_INPUT
    except Exception as exc:  # fail closed, but speak to a person, not in a traceback
        if os.environ.get("PLEDGE_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:300]
        _say(f"internal error ({type(exc).__name__}: {detail}); nothing was written. "
             "Set PLEDGE_DEBUG=1 for a traceback and report it.")
        code = EXIT_INPUT
    if code is None:
        code = 0
    code = code if code in (0, 1, 2) else EXIT_INPUT
    if argv is None:  # the program itself: its memory goes back whole (process_end)
        process_end.end(code, EXIT_INPUT)
    process_end.release()
    sys.exit(code)
