"""Fides policies as pledge commitments of kind ``forbidden-combination``.

Each rule of each policy becomes one commitment (``FID-001``, ``FID-002``, ... in
manifest order). pledge's commitments quote the document they encode, word for
word: the import writes that document, one line per rule stating it in words,
and pins it by sha256 like any policy's source text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pledge.connectors.fides.manifests import Manifests
from pledge.policy_model.errors import InputError
from pledge.policy_model.vocabulary import Vocabularies

MATCHES = ("ANY", "ALL", "NONE", "OTHER")
PARTS = (("data_categories", "data_categories", "data categories"),
         ("data_uses", "purposes", "data uses"),
         ("data_subjects", "data_subjects", "data subjects"))
SOURCE_NAME = "fides-policy.txt"
RATIONALE = ("Imported from a Fides policy rule; Fides' matching semantics, with broader "
             "declared ids reported as unclear.")
"""The rationale of every imported commitment (the export leaves it out without a note)."""
_RULE_KEYS = {"fides_key", "name", "description", "data_categories", "data_uses",
              "data_subjects"}


@dataclass
class ImportedPolicy:
    """The policy mapping and the text its commitments quote."""

    policy: dict[str, Any]
    text: str


def rule_sentence(policy: str, name: str, description: str, parts: dict[str, dict[str, Any]],
                  ) -> str:
    """The one line that states a rule (what its commitment quotes)."""
    said = "; ".join(f"{label} {parts[key]['matches']} of {', '.join(parts[key]['values'])}"
                     for key, _, label in PARTS)
    about = f" ({description.rstrip('.')})" if description else ""
    return " ".join(f"Policy {policy}, rule {name}{about}: forbidden when {said}.".split())


NoteAt = tuple[str, int | None, str]


def convert_policies(manifests: Manifests, vocab: Vocabularies,
                     ) -> tuple[ImportedPolicy | None, list[InputError], list[NoteAt]]:
    """The commitments of every Fides rule, the errors, and notes on what was left out."""
    errors: list[InputError] = []
    notes: list[NoteAt] = []
    commitments: list[dict[str, Any]] = []
    lines = ["Fides policies, as imported by pledge (one line per rule).", ""]
    titles = []
    for res in manifests.of("policy"):
        policy_key = str(res.data.get("fides_key") or res.data.get("name") or "policy")
        titles.append(str(res.data.get("name") or policy_key))
        for rule in res.data.get("rules") or []:
            line = getattr(rule, "line", None) or res.line
            if not isinstance(rule, dict):
                errors.append(InputError("PLG-E026", f"policy '{policy_key}': a rule must be a "
                                         "mapping", res.file, line))
                continue
            name = str(rule.get("name") or rule.get("fides_key")
                       or f"rule {len(commitments) + 1}")
            parts = _rule_parts(rule, f"policy '{policy_key}', rule '{name}'", vocab, res.file,
                                line, errors)
            for key in rule:
                if key not in _RULE_KEYS and rule[key] not in (None, "", [], {}):
                    notes.append((res.file, line, f"policy '{policy_key}', rule '{name}': "
                                                  f"'{key}' not imported (pledge's rules have no "
                                                  "such part)"))
            if len(parts) < len(PARTS):
                continue
            sentence = rule_sentence(policy_key, name, str(rule.get("description") or ""), parts)
            lines.append(sentence)
            commitments.append({
                "id": f"FID-{len(commitments) + 1:03d}",
                "title": f"{titles[-1]}: {name}",
                "severity": "high",
                "clause": {"section": f"Policy {policy_key}", "quote": sentence},
                "rationale": RATIONALE,
                "check": {"kind": "forbidden-combination", **parts},
            })
    if not commitments or errors:
        return None, errors, notes
    if len(commitments) > 999:
        errors.append(InputError("PLG-E026", f"{len(commitments)} rules: pledge numbers at most "
                                 "999 commitments per policy", manifests.files[0][0], None,
                                 "split the policies over several imports"))
        return None, errors, notes
    text = "\n".join(lines) + "\n"
    policy = {
        "id": "fides-policies",
        "title": " + ".join(titles) if len(titles) <= 3 else f"{len(titles)} Fides policies",
        "version": hashlib.sha256(text.encode("utf-8")).hexdigest()[:12],
        "organisation": _organisation_name(manifests),
        "source": {"title": "Fides policies (rules stated in words)", "path": SOURCE_NAME,
                   "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()},
        "commitments": commitments,
    }
    return ImportedPolicy(policy, text), errors, notes


def _rule_parts(rule: dict[str, Any], what: str, vocab: Vocabularies, file: str,
                line: int | None, errors: list[InputError]) -> dict[str, dict[str, Any]]:
    """The three parts of a rule, each ``{matches, values}``; an error for each bad one."""
    parts: dict[str, dict[str, Any]] = {}
    for key, vocabulary, _ in PARTS:
        part = rule.get(key)
        matches = str(part.get("matches")).upper() if isinstance(part, dict) else None
        values = part.get("values") if isinstance(part, dict) else None
        if matches not in MATCHES or not isinstance(values, list) or not values:
            errors.append(InputError(
                "PLG-E026", f"{what}: {key} needs matches ({', '.join(MATCHES)}) and a list of "
                "values", file, line, f"e.g. {key}: {{matches: ANY, values: [...]}}"))
            continue
        voc = vocab.get(vocabulary)
        for value in values:
            if value not in voc:
                errors.append(InputError("PLG-E007", f"{what}: unknown {voc.label} '{value}'",
                                         file, line, voc.unknown_hint(str(value))))
        parts[key] = {"matches": matches, "values": [str(v) for v in values]}
    return parts


def _organisation_name(manifests: Manifests) -> str:
    found = manifests.of("organization")
    if found:
        return str(found[0].data.get("name") or found[0].data.get("fides_key"))
    return "Fides manifests"
