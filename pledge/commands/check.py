"""``pledge check``: run every commitment and write the report(s)."""

from __future__ import annotations

from pathlib import Path

import click

from checks.engine import evaluate
from pledge.common import (
    EXIT_FAIL,
    EXIT_OK,
    as_of_option,
    get_inventory,
    get_policy,
    limits_option,
    policy_option,
    resolve_as_of,
    write_output,
)
from policy_model.errors import InputError, InputErrors
from reports import text as text_report
from reports.document import build_report
from reports.formats import RENDERERS


def pair_outputs(formats: tuple[str, ...], outputs: tuple[Path, ...]) -> list[
        tuple[str, Path | None]]:
    """Pair each --format with its --output, in order; one format may go to stdout."""
    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise InputErrors([InputError("PLG-E019", "more --output than --format options",
                                      None, None, "give one --format per --output")])
    if len(formats) > 1 and len(outputs) < len(formats) - 1:
        raise InputErrors([InputError("PLG-E019", "several formats need an --output each "
                                      "(one may go to standard output)", None, None,
                                      "e.g. -f text -f sarif -o pledge.sarif")])
    paired: list[tuple[str, Path | None]] = []
    extra = len(formats) - len(outputs)
    for index, fmt in enumerate(formats):
        paired.append((fmt, None if index < extra else outputs[index - extra]))
    return paired


@click.command()
@click.argument("inventory", required=False, type=click.Path(path_type=Path))
@policy_option
@click.option("-f", "--format", "formats", multiple=True,
              type=click.Choice(sorted(RENDERERS)), help="Output format; repeat for several.")
@click.option("-o", "--output", "outputs", multiple=True, type=click.Path(path_type=Path),
              help="File for the matching --format (default: standard output).")
@as_of_option
@limits_option
@click.option("-v", "--verbose", is_flag=True, help="Also list manual attestations.")
def check(inventory: Path | None, policy_path: Path | None, formats: tuple[str, ...],
          outputs: tuple[Path, ...], as_of: str | None, max_file_size: int,
          verbose: bool) -> int:
    """Check INVENTORY (default: the bundled MAROSOAP inventory) against the policy.

    Exit 0 when every commitment holds, 1 on any failure or error, 2 on bad input.
    """
    plan = pair_outputs(formats, outputs)
    when = resolve_as_of(as_of)
    loaded_policy = get_policy(policy_path, max_file_size)
    loaded = get_inventory(inventory, max_file_size)
    result = evaluate(loaded_policy.policy, loaded, as_of=when)
    report = build_report(loaded_policy, loaded, result, as_of=when)
    rendered = [(text_report.render(report, verbose=verbose) if fmt == "text"
                 else RENDERERS[fmt](report), output) for fmt, output in plan]
    for text, output in rendered:  # everything rendered before anything is written
        write_output(text, output)
    return EXIT_FAIL if result.failed else EXIT_OK
