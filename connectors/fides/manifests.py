"""Reading fideslang manifests: YAML files of resources, each remembered with its line.

A manifest is a mapping of resource types to lists (``system:``, ``dataset:``,
``policy:``, ``organization:``, ``data_category:``, ``data_use:``,
``data_subject:``); Fides accepts the keys in any case (``System:``), and so
does pledge. A directory is read file by file (``.yml``, ``.yaml``), sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pledge.policy_model.errors import InputError, InputErrors, raise_if_any
from pledge.policy_model.loading import display_path
from pledge.policy_model.yaml_quick import quick_yaml
from pledge.policy_model.yaml_source import (
    DEFAULT_MAX_FILE_SIZE,
    Located,
    parse_json,
    read_text_and_digest,
)

RESOURCE_TYPES = ("organization", "system", "dataset", "policy", "data_category", "data_use",
                  "data_subject")
IGNORED_TYPES = ("registry", "evaluation", "data_qualifier")
"""Resource types Fides knows that carry nothing pledge models (reported when present)."""
SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class Resource:
    """One resource of a manifest, with where it is declared."""

    type: str
    data: Located
    file: str

    @property
    def line(self) -> int | None:
        """The line the resource starts on."""
        return self.data.line or None

    def key_line(self, key: str) -> int | None:
        """The line of one of its keys (or its own line)."""
        return self.data.key_lines.get(key) or self.line


@dataclass
class Manifests:
    """Every resource read, by type, in file order; and the files read."""

    resources: dict[str, list[Resource]] = field(
        default_factory=lambda: {t: [] for t in RESOURCE_TYPES})
    files: list[tuple[str, Path, str]] = field(default_factory=list)
    """(shown name, path, sha256) of each file read."""
    skipped: list[tuple[str, int | None, str]] = field(default_factory=list)
    """(file, line, what) of the top-level keys pledge has no use for."""

    def of(self, kind: str) -> list[Resource]:
        """The resources of one type."""
        return self.resources[kind]


def manifest_files(paths: list[Path]) -> list[Path]:
    """The files named, and the manifest files under the directories named, sorted."""
    errors = []
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            errors.append(InputError("PLG-E001", "no such file or directory", str(path), None,
                                     "check the path"))
    raise_if_any(errors)
    if not found:
        raise InputErrors([InputError("PLG-E010", "no Fides manifests (.yml, .yaml) found",
                                      ", ".join(str(p) for p in paths), None,
                                      "point pledge at fideslang YAML files or their folder")])
    return found


def read_manifests(paths: list[Path], max_size: int = DEFAULT_MAX_FILE_SIZE) -> Manifests:
    """Read every manifest; all problems are collected and raised together.

    YAML is read by :func:`quick_yaml`: libyaml's events straight to located
    containers, with the located loader's values, lines, errors and guards.
    """
    manifests = Manifests()
    errors: list[InputError] = []
    for path in manifest_files(paths):
        shown = display_path(path)
        try:
            text, digest = read_text_and_digest(path, max_size=max_size, display=shown)
            data = (parse_json(text, shown) if path.suffix.lower() == ".json"
                    else quick_yaml(text, shown))
        except InputError as err:
            errors.append(err)
            continue
        manifests.files.append((shown, path, digest))
        errors.extend(_read_one(data, shown, manifests))
    raise_if_any(errors)
    return manifests


def _read_one(data: Any, shown: str, manifests: Manifests) -> list[InputError]:
    if not isinstance(data, Located):
        return [InputError("PLG-E026", "not a fideslang manifest: the top level must map "
                           f"resource types ({', '.join(RESOURCE_TYPES)}) to lists", shown,
                           getattr(data, "line", None) or 1)]
    errors: list[InputError] = []
    known = 0
    for key, items in data.items():
        kind = key.lower() if isinstance(key, str) else ""
        line = data.key_lines.get(key)
        if kind in IGNORED_TYPES:
            manifests.skipped.append((shown, line, f"'{key}' resources (pledge has no use "
                                                   "for them)"))
            known += 1
            continue
        if kind not in RESOURCE_TYPES:
            errors.append(InputError("PLG-E026", f"'{key}' is not a fideslang resource type",
                                     shown, line, f"use one of {', '.join(RESOURCE_TYPES)}"))
            continue
        known += 1
        if not isinstance(items, list):
            errors.append(InputError("PLG-E026", f"'{key}' must be a list of resources",
                                     shown, line))
            continue
        for item in items:
            if not isinstance(item, Located):
                errors.append(InputError("PLG-E026", f"each '{key}' entry must be a mapping",
                                         shown, getattr(item, "line", None) or line))
                continue
            manifests.resources[kind].append(Resource(kind, item, shown))
    if errors and not known:
        return [InputError("PLG-E026", "not a fideslang manifest: no resource type "
                           f"({', '.join(RESOURCE_TYPES)}) at the top level", shown, 1,
                           "name Fides manifests only")]
    return errors
