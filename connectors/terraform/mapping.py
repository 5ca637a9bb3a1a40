"""Which inventory store a Terraform resource is: a ``pledge-store`` tag, or a mapping file.

A resource names its store by a tag or label ``pledge-store = <store id>``
(AWS and Azure tags, Google labels). A mapping file (``terraform-mapping.yaml``,
found beside the plan or in the inventory's directory) maps addresses, or
address patterns, for resources that cannot be tagged, and says which
data-holding resources hold no personal data. The tag wins over the file; an
exact address wins over a pattern.
"""

from __future__ import annotations

import difflib
import fnmatch
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError

from pledge.base.strict_model import StrictModel
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.loading import InputFile, display_path
from pledge.policy_model.types import Identifier
from pledge.policy_model.validation_errors import translate
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE, load_file, sha256_file

TAG = "pledge-store"
MAPPING_FILE_NAMES = ("terraform-mapping.yaml", "terraform-mapping.yml",
                      "terraform-mapping.json")


class ResourceMapping(StrictModel):
    """Resources (by address or glob pattern) that are one inventory store."""

    address: str = Field(min_length=1, description=(
        "A resource address (module.db.aws_db_instance.orders) or a glob pattern "
        "(module.logs.aws_cloudwatch_log_group.*)."))
    store: Identifier = Field(description="The id of the inventory store they are.")
    note: str | None = Field(None, description="Why, for the reviewer.")


class IgnoredResource(StrictModel):
    """Data-holding resources that hold no personal data: not reported as undeclared."""

    address: str = Field(min_length=1, description="A resource address or glob pattern.")
    reason: str = Field(min_length=1, description="Why it holds no personal data.")


class TerraformMapping(StrictModel):
    """The mapping file: Terraform resources to inventory stores."""

    resources: list[ResourceMapping] = Field(default_factory=list)
    ignore: list[IgnoredResource] = Field(default_factory=list)


@dataclass
class Mapping:
    """A loaded mapping file (or none) with the line of each entry."""

    mapping: TerraformMapping
    file: InputFile | None = None
    lines: dict[str, int | None] | None = None

    def store_for(self, address: str, labels: dict[str, str]) -> tuple[str | None, str]:
        """The store a resource is, and how it was told (``tag``, ``mapping``, ``""``)."""
        tagged = labels.get(TAG)
        if tagged:
            return tagged, "tag"
        exact = [m for m in self.mapping.resources if m.address == address]
        if exact:
            return exact[0].store, "mapping"
        for entry in self.mapping.resources:
            if fnmatch.fnmatchcase(address, entry.address):
                return entry.store, "mapping"
        return None, ""

    def ignored(self, address: str) -> str | None:
        """Why a resource is left out, when the mapping file says so."""
        for entry in self.mapping.ignore:
            if fnmatch.fnmatchcase(address, entry.address):
                return entry.reason
        return None


def find_mapping(plan: Path, inventory_root: Path | None) -> Path | None:
    """The mapping file beside the plan, else in the inventory's directory, if any."""
    folders = [plan.parent]
    if inventory_root is not None:
        folders.append(inventory_root if inventory_root.is_dir() else inventory_root.parent)
    for folder in folders:
        for name in MAPPING_FILE_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def load_mapping(path: Path | None, *, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Mapping:
    """Read and validate a mapping file; ``None`` gives an empty mapping (tags only)."""
    if path is None:
        return Mapping(TerraformMapping())
    shown = display_path(path)
    if not path.is_file():
        raise InputErrors([InputError("PLG-E001", "no such file", shown, None,
                                      "give the Terraform mapping file")])
    raw, _ = load_file(path, max_size=max_size, display=shown)
    try:
        mapping = TerraformMapping.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise InputErrors(translate(exc, raw, TerraformMapping, shown)) from None
    lines: dict[str, int | None] = {}
    for item in (raw or {}).get("resources") or [] if isinstance(raw, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("address"), str):
            lines.setdefault(item["address"], getattr(item, "line", None))
    return Mapping(mapping, InputFile(shown, path, sha256_file(path), "terraform-mapping"),
                   lines)


def unknown_store_error(store: str, known: list[str], where: str, line: int | None,
                        how: str) -> InputError:
    """A tag or mapping naming a store the inventory does not declare."""
    guess = difflib.get_close_matches(store, known, n=1, cutoff=0.6)
    hint = f"did you mean {guess[0]}?" if guess else "declare the store in the inventory"
    return InputError("PLG-E008", f"{how} names store '{store}', which the inventory does not "
                      "declare", where, line, hint)
