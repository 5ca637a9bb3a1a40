"""pledge's forbidden-combination commitments written back as Fides policies.

The inverse of :mod:`pledge.connectors.fides.to_policy`. Each commitment of kind
``forbidden-combination`` becomes a rule (``data_categories``, ``data_uses``,
``data_subjects``, each ``matches`` and ``values``). A commitment the import made
names its Fides policy and rule in its clause (``Policy <key>, rule <name>
(<description>): ...``) and title (``<policy name>: <rule name>``): they are read
back, so import → export → import gives the same policy, byte for byte. Any other
commitment joins a policy named after pledge's (its title as the rule's name, its
quote as the description). Commitments of other kinds have no Fides equivalent:
each is a note, never dropped in silence.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pledge.connectors.fides.to_policy import PARTS, RATIONALE

if TYPE_CHECKING:
    from pledge.policy_model.policy import Commitment, Policy

KIND = "forbidden-combination"
_FIDES_KEY = re.compile(r"^[a-zA-Z0-9_.<>-]+$")
"""fideslang's FidesKey."""


def _parts(commitment: Commitment) -> dict[str, dict[str, Any]]:
    check = commitment.check
    return {key: {"matches": str(getattr(check, key).matches),
                  "values": [str(v) for v in getattr(check, key).values]}
            for key, _, _ in PARTS}


def _said(parts: dict[str, dict[str, Any]]) -> str:
    return "; ".join(f"{label} {parts[key]['matches']} of {', '.join(parts[key]['values'])}"
                     for key, _, label in PARTS)


def fides_names(commitment: Commitment, parts: dict[str, dict[str, Any]],
                ) -> tuple[str, str, str, str] | None:
    """(policy key, policy name, rule name, rule description) of a commitment the import
    made, read from its clause and title; ``None`` for any other commitment."""
    section = commitment.clause.section or ""
    if not section.startswith("Policy "):
        return None
    key = section.removeprefix("Policy ")
    head, tail = f"Policy {key}, rule ", f": forbidden when {_said(parts)}."
    quote = commitment.clause.quote
    if not _FIDES_KEY.match(key) or not quote.startswith(head) or not quote.endswith(tail):
        return None
    middle = quote[len(head):len(quote) - len(tail)]  # "<name>" or "<name> (<description>)"
    title = commitment.title
    at = title.find(": ")
    while at >= 0:
        policy_name, rule_name = title[:at], title[at + 2:]
        if middle == rule_name:
            return key, policy_name, rule_name, ""
        if middle.startswith(rule_name + " (") and middle.endswith(")"):
            return key, policy_name, rule_name, middle[len(rule_name) + 2:-1]
        at = title.find(": ", at + 1)
    return None


def export_policy(policy: Policy) -> tuple[list[dict[str, Any]], list[str]]:
    """The Fides policies of ``policy``'s forbidden combinations, and a note for each
    commitment (or part of one) fideslang has no place for."""
    policies: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    own_key = policy.id if _FIDES_KEY.match(policy.id) else "pledge_policy"
    for commitment in policy.commitments:
        kind = commitment.check.kind
        if kind != KIND:
            notes.append(f"commitment {commitment.id} ({kind}): a Fides policy holds only "
                         "forbidden combinations of categories, uses and subjects; not exported")
            continue
        parts = _parts(commitment)
        names = fides_names(commitment, parts)
        if names is None:
            key, policy_name = own_key, policy.title
            rule: dict[str, Any] = {"name": commitment.title,
                                    "description": commitment.clause.quote}
        else:
            key, policy_name, rule_name, description = names
            rule = {"name": rule_name, **({"description": description} if description else {})}
        rule.update(parts)
        found = policies.setdefault(key, {"fides_key": key, "name": policy_name, "rules": []})
        found["rules"].append(rule)
        notes.extend(_left_out(commitment, imported=names is not None))
    return list(policies.values()), notes


def _left_out(commitment: Commitment, *, imported: bool) -> list[str]:
    """Notes on what a rule cannot say of its commitment."""
    where = f"commitment {commitment.id}"
    notes = []
    if commitment.severity != "high":
        notes.append(f"{where}: severity '{commitment.severity}' has no place in fideslang "
                     "(an imported rule is 'high'); not exported")
    if not imported:
        notes.append(f"{where}: its id has no place in fideslang (the rule is named after its "
                     "title); not exported")
    for what in ("related", "references"):
        if getattr(commitment, what):
            notes.append(f"{where}: '{what}' has no place in fideslang; not exported")
    if commitment.rationale and commitment.rationale != RATIONALE:
        notes.append(f"{where}: 'rationale' has no place in fideslang; not exported")
    return notes
