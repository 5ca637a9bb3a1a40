"""Fides custom taxonomy entries (``data_category:``, ``data_use:``, ``data_subject:``).

pledge's vocabulary already holds fideslang's default taxonomy under the same
ids; a manifest's own entries are added for the run. pledge reads the hierarchy
from the dotted id (``user.loyalty.tier`` sits under ``user.loyalty``), so an
entry's ``parent_key`` must be the id's prefix, and the parent must exist.
"""

from __future__ import annotations

from dataclasses import replace

from pledge.connectors.fides.manifests import Manifests
from pledge.policy_model.errors import InputError
from pledge.policy_model.vocabulary import Term, Vocabularies, Vocabulary

VOCABULARY_OF = {"data_category": "data_categories", "data_use": "purposes",
                 "data_subject": "data_subjects"}


def extend_vocabularies(manifests: Manifests, base: Vocabularies,
                        ) -> tuple[Vocabularies, list[Term], list[InputError]]:
    """``base`` with the manifests' own taxonomy entries; the entries added; the errors."""
    errors: list[InputError] = []
    added: list[Term] = []
    extended: dict[str, Vocabulary] = {}
    for resource_type, kind in VOCABULARY_OF.items():
        vocabulary = base.get(kind)
        terms = dict(vocabulary.terms)
        pending = []
        for res in manifests.of(resource_type):
            key = res.data.get("fides_key")
            if not isinstance(key, str) or not key:
                errors.append(InputError("PLG-E026", f"a {resource_type} entry has no fides_key",
                                         res.file, res.line, "give it its id"))
                continue
            parent = res.data.get("parent_key")
            prefix = key.rsplit(".", 1)[0] if "." in key else None
            if (parent or None) != prefix:
                errors.append(InputError(
                    "PLG-E026", f"{resource_type} '{key}' has parent_key '{parent}', but pledge "
                    "reads the hierarchy from the dotted id", res.file, res.key_line("parent_key"),
                    f"name it {prefix + '.' if prefix else ''}<...> under its parent"
                    if prefix else "give a top-level entry no parent_key"))
                continue
            if key in terms:
                continue  # fideslang's default taxonomy, or an entry met twice
            pending.append((key, prefix, res))
            terms[key] = Term(key, str(res.data.get("name") or key),
                              str(res.data.get("description") or ""), "fides")
        for key, prefix, res in pending:
            if prefix is not None and prefix not in terms:
                errors.append(InputError(
                    "PLG-E026", f"{resource_type} '{key}': its parent '{prefix}' is neither in "
                    "the taxonomy nor in the manifests", res.file, res.line,
                    vocabulary.unknown_hint(prefix)))
                continue
            added.append(terms[key])
        extended[kind] = Vocabulary(kind, terms)
    return replace(base, **extended), added, errors
