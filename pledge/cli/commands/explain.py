"""``pledge explain``: what a commitment promises and how it is checked."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import click

from pledge.checks.registry import Kind, all_kinds, get_kind
from pledge.cli.common import EXIT_OK, get_policy, policy_option
from pledge.policy_model.errors import InputError, InputErrors
from pledge.reports.safe import plain, plain_data


def _kind_text(kind: Kind) -> list[str]:
    lines = [f"Kind {kind.name} ({kind.code}, {kind.status} since {kind.since})", ""]
    lines.append(kind.doc.strip())
    return lines


@click.command()
@click.argument("ident")
@policy_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def explain(ident: str, policy_path: Path | None, fmt: str) -> int:
    """Explain IDENT: a commitment id (PAY-001), a kind (forbidden-storage) or code (PLG101)."""
    policy = get_policy(policy_path).policy
    commitment = policy.commitment(ident.upper())
    kind = get_kind(commitment.check.kind) if commitment else get_kind(ident)
    if commitment is None and kind is None:
        known = [c.id for c in policy.commitments] + [k.name for k in all_kinds()] + [
            k.code for k in all_kinds()]
        guess = difflib.get_close_matches(ident.upper(), known, n=1, cutoff=0.4) or \
            difflib.get_close_matches(ident, known, n=1, cutoff=0.4)
        raise InputErrors([InputError("PLG-E015", f"no commitment or kind '{ident}'", None,
                                      None, f"did you mean {guess[0]}?" if guess else
                                      "see `pledge explain --help`")])
    if fmt == "json":
        data: dict[str, object] = {}
        if commitment:
            data["commitment"] = commitment.model_dump(mode="json")
        if kind:
            data["kind"] = {"name": kind.name, "code": kind.code, "status": kind.status,
                            "since": kind.since, "path_based": kind.path_based,
                            "documentation": kind.sections(),
                            "parameters_schema": kind.params.model_json_schema()}
        click.echo(json.dumps(plain_data(data), indent=2, sort_keys=True, ensure_ascii=False))
        return EXIT_OK
    lines: list[str] = []
    if commitment:
        lines += [f"{commitment.id}: {commitment.title}",
                  f"severity: {commitment.severity.value}",
                  f"clause ({commitment.clause.section}):",
                  f"  \"{commitment.clause.quote}\""]
        if commitment.references:
            lines.append("references: " + "; ".join(f"{r.framework} {r.id}"
                                                    for r in commitment.references))
        if commitment.rationale:
            lines.append(f"reading: {commitment.rationale}")
        params = commitment.check.model_dump(mode="json", exclude={"kind"})
        lines.append(f"check: {commitment.check.kind}")
        for key, value in sorted(params.items()):
            lines.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
        lines.append("")
    lines = [plain(line) for line in lines]  # quoted from the policy: no control codes
    if kind:
        lines += _kind_text(kind)
    click.echo("\n".join(lines))
    return EXIT_OK
