"""``pledge import fides`` and ``check --from fides``: manifests in, inventory and policy out.

:func:`import_fides` reads the manifests and maps them (nothing is written);
:func:`loaded_inventory` and :func:`loaded_policy` validate the result as the
loaders validate files, with every entity located in the manifest that
declares it; :func:`write_import` writes the inventory, the policy and the
import report to a directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pledge.base.memory import paused_gc
from pledge.connectors.fides.manifests import Manifests, read_manifests
from pledge.connectors.fides.mapping_base import Note
from pledge.connectors.fides.taxonomy import extend_vocabularies
from pledge.connectors.fides.to_inventory import InventoryMapper
from pledge.connectors.fides.to_policy import SOURCE_NAME, ImportedPolicy, convert_policies
from pledge.policy_model.errors import InputError, InputErrors, raise_if_any
from pledge.policy_model.inventory import Inventory
from pledge.policy_model.loading import InputFile, LoadedInventory, LoadedPolicy
from pledge.policy_model.references import reference_errors
from pledge.policy_model.sources import SourceIndex
from pledge.policy_model.vocabulary import Term, Vocabularies, default_vocabularies
from pledge.policy_model.yaml_quick import quick_dump
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE

INVENTORY_FILE = Path("inventory") / "fides.yaml"
POLICY_FILE = Path("policy") / "fides-policy.yaml"
REPORT_FILE = Path("import-report.txt")


@dataclass
class Imported:
    """What the manifests give: the inventory and policy mappings, and what was left out."""

    inventory: dict[str, Any]
    policy: ImportedPolicy | None
    vocab: Vocabularies
    added_terms: list[Term]
    notes: list[Note]
    index: SourceIndex
    manifests: Manifests


def import_fides(paths: list[Path], *, country: str | None = None,
                 max_size: int = DEFAULT_MAX_FILE_SIZE) -> Imported:
    """Read and map the manifests; every problem is raised together as InputErrors."""
    if country is not None and not (len(country) == 2 and country.isalpha()
                                    and country.isupper()):
        raise InputErrors([InputError("PLG-E019", f"--country '{country}' is not an ISO 3166-1 "
                                      "alpha-2 code", None, None, "e.g. --country FR")])
    with paused_gc():  # hundreds of thousands of long-lived containers, nothing cyclic
        manifests = read_manifests(paths, max_size)
        vocab, added, errors = extend_vocabularies(manifests, default_vocabularies())
        mapper = InventoryMapper(manifests, vocab, country)
        inventory = mapper.build()
        policy, policy_errors, policy_notes = convert_policies(manifests, vocab)
    raise_if_any(errors + mapper.errors + policy_errors)
    notes = [Note(f, line, f"{what} not imported") for f, line, what in manifests.skipped]
    notes += mapper.notes + [Note(*n) for n in policy_notes]
    notes += [Note(manifests.files[0][0], None, f"{t.id} ({t.name}) added to the vocabulary for "
                   "this run (a Fides custom taxonomy entry)") for t in added]
    return Imported(inventory, policy, vocab, added, notes, mapper.index, manifests)


def _files(imported: Imported, role: str) -> list[InputFile]:
    return [InputFile(shown, path, digest, role) for shown, path, digest in
            imported.manifests.files]


def loaded_inventory(imported: Imported) -> LoadedInventory:
    """The imported inventory, validated and cross-checked as the loader does."""
    try:
        with paused_gc():
            inventory = Inventory.model_validate(imported.inventory)
    except ValidationError as exc:
        first = imported.manifests.files[0][0]
        raise InputErrors([InputError(
            "PLG-E026", f"the manifests give no valid inventory: {error['msg']} at "
            f"{'.'.join(str(p) for p in error['loc'])}", first, None,
            "fix the value in the manifest") for error in exc.errors()[:20]]) from None
    raise_if_any(reference_errors(inventory, imported.index))
    return LoadedInventory(inventory, imported.index, _files(imported, "inventory"), None,
                           checked=inventory)


def loaded_policy(imported: Imported) -> LoadedPolicy:
    """The Fides rules as a policy of forbidden-combination commitments."""
    from pledge.policy_model.policy import Policy  # needs the kind registry

    if imported.policy is None:
        raise InputErrors([InputError("PLG-E026", "the manifests declare no policy rules",
                                      ", ".join(f[0] for f in imported.manifests.files), None,
                                      "add a Fides policy, or give pledge's own with --policy")])
    policy = Policy.model_validate(imported.policy.policy)
    return LoadedPolicy(policy, _files(imported, "policy"), imported.policy.text)


def report_text(imported: Imported) -> str:
    """The import report: what was read, and each note on one line."""
    lines = ["pledge import fides: what the inventory does not hold as the manifests say it",
             "", "Manifests read:"]
    lines += [f"  {shown} sha256:{digest}" for shown, _, digest in imported.manifests.files]
    lines += ["", f"Notes ({len(imported.notes)}):"]
    lines += [f"  {note.render()}" for note in imported.notes]
    return "\n".join(lines) + "\n"


def dump_yaml(data: Any) -> str:
    """Block-style YAML, keys in the model's order (PyYAML's output, written quickly)."""
    return quick_dump(data, width=100)


def rendered_outputs(imported: Imported) -> dict[Path, str]:
    """Every file ``pledge import fides --output DIR`` writes, relative to DIR."""
    header = ("# Imported from Fides manifests by `pledge import fides`; notes in "
              f"../{REPORT_FILE}.\n")
    outputs = {INVENTORY_FILE: header + dump_yaml(imported.inventory)}
    if imported.policy is not None:
        outputs[POLICY_FILE] = ("# Fides policy rules as pledge commitments.\n"
                                + dump_yaml(imported.policy.policy))
        outputs[POLICY_FILE.parent / SOURCE_NAME] = imported.policy.text
    outputs[REPORT_FILE] = report_text(imported)
    return outputs
