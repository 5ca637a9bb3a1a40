"""Which commitments run and which failures fail the run: --select, --ignore, --fail-on.

Selectors work like a linter's rule selectors. Each is a commitment id or a
prefix of one (``PAY``, ``PAY-00``, ``PAY-001``) or a kind code or a prefix of
one (``PLG1``, ``PLG101``); several may be given, comma-separated or by
repeating the option. A commitment runs when no ``--select`` is given or one
matches it, unless an ``--ignore`` matches it at least as specifically: the
longer matching selector wins, and on a tie ``--ignore`` wins. A selector that
matches nothing is an input error with a suggestion, never silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from pledge.checks.registry import all_kinds, get_kind
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.policy import Commitment, Policy
from pledge.policy_model.types import Severity

SEVERITIES = tuple(s.value for s in sorted(Severity, key=lambda s: -s.rank))
"""Severity names from most to least severe, for --fail-on."""


def parse_selectors(values: Iterable[str]) -> list[str]:
    """Split comma-separated option values into upper-case selectors, in order, deduplicated."""
    found: list[str] = []
    for value in values:
        for part in value.split(","):
            item = part.strip().upper()
            if item and item not in found:
                found.append(item)
    return found


def kind_code(commitment: Commitment) -> str:
    """The code of a commitment's kind (``PLG000`` for a kind this version does not know)."""
    kind = get_kind(commitment.check.kind)
    return kind.code if kind else "PLG000"


def _specificity(selectors: list[str], names: tuple[str, ...]) -> int:
    """Length of the longest selector that is a prefix of one of ``names`` (0 for none)."""
    return max((len(s) for s in selectors for n in names if n.startswith(s)), default=0)


@dataclass(frozen=True)
class Selection:
    """The --select and --ignore selectors of one run."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def includes(self, commitment_id: str, code: str) -> bool:
        """Whether the commitment with this id and kind code runs."""
        names = (commitment_id, code)
        chosen = _specificity(list(self.select), names) if self.select else 0
        if self.select and chosen == 0:
            return False
        dropped = _specificity(list(self.ignore), names)
        return dropped == 0 or chosen > dropped

    def check_known(self, policy: Policy) -> None:
        """Raise PLG-E015 for a selector that matches no commitment id and no kind code."""
        ids = sorted(c.id for c in policy.commitments)
        codes = sorted({k.code for k in all_kinds()} | {kind_code(c) for c in policy.commitments})
        names = ids + codes
        prefixes = sorted({i.split("-")[0] for i in ids} | {c[:4] for c in codes})
        errors: list[InputError] = []
        for option, selectors in (("--select", self.select), ("--ignore", self.ignore)):
            for selector in selectors:
                if any(n.startswith(selector) for n in names):
                    continue
                longest = [n for n in names + prefixes if selector.startswith(n)]
                guess = sorted(longest, key=len)[-1:] or difflib.get_close_matches(
                    selector, names + prefixes, n=1, cutoff=0.4)
                hint = (f"did you mean {guess[0]}?" if guess
                        else "give a commitment id like PAY-001 or a kind code like PLG101")
                errors.append(InputError("PLG-E015", f"{option} {selector} matches no "
                                         "commitment id or kind code", None, None, hint))
        if errors:
            raise InputErrors(errors)

    def apply(self, policy: Policy) -> Policy:
        """The policy with only the commitments that run (the input is not changed)."""
        if not self.select and not self.ignore:
            return policy
        kept = [c for c in policy.commitments if self.includes(c.id, kind_code(c))]
        return policy.model_copy(update={"commitments": kept})


def severity_floor(name: str | None) -> Severity:
    """The --fail-on severity; by default every failure fails the run."""
    return Severity(name) if name else Severity.INFO
