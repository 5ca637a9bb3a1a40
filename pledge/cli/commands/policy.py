"""``pledge policy``: work on a policy file (``pledge policy pin POLICY.yaml``)."""

from __future__ import annotations

from pathlib import Path

import click

from pledge.cli.common import EXIT_FAIL, EXIT_OK, limits_option
from pledge.policy_model.loading import display_path
from pledge.policy_model.pinning import pin_source
from pledge.reports.safe import plain


@click.group()
def policy() -> None:
    """Work on a policy file."""


@policy.command()
@click.argument("policy_path", metavar="POLICY", type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 when the pinned sha256 is not the text's.")
@limits_option
def pin(policy_path: Path, check_only: bool, max_file_size: int) -> int:
    """Pin POLICY to the text it quotes: write the text's sha256 into source.sha256.

    Review the changed text (and every quote in the policy) before pinning: the
    pin is what tells pledge the commitments still encode the document.
    """
    shown = display_path(policy_path)
    result = pin_source(policy_path, shown=shown, write=not check_only,
                        max_size=max_file_size)
    source = plain(display_path(result.source))
    if not result.changed:
        click.echo(f"{plain(shown)}: source.sha256 is current ({result.sha256}, {source})")
        return EXIT_OK
    if check_only:
        click.echo(f"{plain(shown)}: source.sha256 is {plain(result.previous or 'missing')}, "
                   f"{source} has {result.sha256}; run: pledge policy pin {plain(shown)}")
        return EXIT_FAIL
    click.echo(f"{plain(shown)}: source.sha256 set to {result.sha256} ({source}); "
               f"was {plain(result.previous or 'missing')}")
    return EXIT_OK
