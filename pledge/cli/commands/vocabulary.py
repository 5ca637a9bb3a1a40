"""``pledge vocabulary``: list known data categories, purposes, subjects and legal bases."""

from __future__ import annotations

import click

from pledge.cli.common import EXIT_OK
from pledge.policy_model.vocabulary import KINDS, default_vocabularies
from pledge.reports.safe import plain


@click.command()
@click.argument("kind", required=False, type=click.Choice(KINDS))
@click.option("--under", default=None, help="Only ids under this one (e.g. user.contact).")
def vocabulary(kind: str | None, under: str | None) -> int:
    """List the vocabulary KIND (default: data_categories) with descriptions."""
    voc = default_vocabularies().get(kind or "data_categories")
    ids = voc.descendants(under) if under else sorted(voc.terms)
    for term_id in ids:
        term = voc.terms[term_id]
        mark = "" if term.source == "fideslang" else "  [pledge]"
        click.echo(f"{term_id}  {plain(term.description)}{mark}")
    return EXIT_OK
