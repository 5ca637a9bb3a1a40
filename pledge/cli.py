"""The ``pledge`` command line: exit 0 when all pass, 1 on any failure, 2 on bad input."""

from __future__ import annotations

import os
import sys

import click

from pledge import __version__
from pledge.commands.check import check
from pledge.commands.diff import diff
from pledge.commands.explain import explain
from pledge.commands.schema import schema
from pledge.commands.validate import validate
from pledge.commands.vocabulary import vocabulary
from pledge.common import EXIT_INPUT
from policy_model.errors import InputError, InputErrors


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pledge")
def cli() -> None:
    """Check a privacy policy's commitments against a data inventory's flow graph."""


for command in (check, diff, validate, explain, schema, vocabulary):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: map every outcome to exit 0, 1 or 2; never show a traceback."""
    try:
        code = cli.main(args=argv, prog_name="pledge", standalone_mode=False)
    except InputErrors as exc:
        for err in exc.errors:
            click.echo(f"pledge: {err.render()}", err=True)
        code = EXIT_INPUT
    except InputError as exc:
        click.echo(f"pledge: {exc.render()}", err=True)
        code = EXIT_INPUT
    except click.exceptions.Abort:
        click.echo("pledge: aborted", err=True)
        code = EXIT_INPUT
    except click.ClickException as exc:
        click.echo(f"pledge: PLG-E019 {' '.join(exc.format_message().split())}", err=True)
        code = EXIT_INPUT
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("pledge: interrupted", err=True)
        code = EXIT_INPUT
    except Exception as exc:  # fail closed, but speak to a person, not in a traceback
        if os.environ.get("PLEDGE_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:300]
        click.echo(f"pledge: internal error ({type(exc).__name__}: {detail}); nothing was "
                   "written. Set PLEDGE_DEBUG=1 for a traceback and report it.", err=True)
        code = EXIT_INPUT
    sys.exit(code if isinstance(code, int) else 0)
