"""Load and validate a policy file and an inventory (one file or a directory of files).

Everything a user gives is checked before any check runs: syntax, duplicate
keys, the models, vocabulary ids, references between entities, the policy's
source document and quotes. All problems found are raised together as
:class:`~pledge.policy_model.errors.InputErrors`, each with file and line.
"""

from __future__ import annotations

import difflib
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from pledge.base.memory import paused_gc
from pledge.base.strict_model import SharedKeys
from pledge.base.timings import phase
from pledge.policy_model import PROJECT_DIR
from pledge.policy_model.confirmation import Confirmation
from pledge.policy_model.errors import InputError, InputErrors, raise_if_any
from pledge.policy_model.fragment_cache import (
    CachedFile,
    FragmentCache,
    cache_salt,
    cached_file,
    encoded_declarations,
)
from pledge.policy_model.inventory import (
    LIST_SECTIONS,
    SECTIONS,
    Inventory,
    InventoryFragment,
    InventoryMeta,
)
from pledge.policy_model.json_slices import Layout, SliceMemo, Taken, models_from_json
from pledge.policy_model.load_share import LoadShare
from pledge.policy_model.model_scan import scan
from pledge.policy_model.read_ahead import Beside, Read, Started, ahead_positions
from pledge.policy_model.references import reference_errors
from pledge.policy_model.shared_keys import share_given_keys
from pledge.policy_model.sources import Declaration, Declarations, Location, SourceIndex
from pledge.policy_model.validation_errors import translate, translate_errors
from pledge.policy_model.vocabulary import KINDS as VOCABULARY_KINDS
from pledge.policy_model.vocabulary import Vocabularies, default_vocabularies
from pledge.policy_model.vocabulary_check import vocabulary_errors
from pledge.policy_model.yaml_quick import quick_yaml
from pledge.policy_model.yaml_source import (
    DEFAULT_MAX_FILE_SIZE,
    Located,
    QuickParseRefused,
    json_depth_ok,
    json_key_marks,
    load_file,
    parse_json,
    parse_yaml,
    quick_json,
    read_text,
    read_text_and_digest,
    sha256_file,
)

INVENTORY_SUFFIXES = (".yaml", ".yml", ".json")
WAIVER_FILE_NAMES = ("waivers.yaml", "waivers.yml", "pledge-waivers.yaml")
SIDE_FILE_NAMES = ("terraform-mapping.yaml", "terraform-mapping.yml", "terraform-mapping.json")
"""Files beside an inventory that are not part of it (read by ``--terraform``)."""


@dataclass(frozen=True)
class InputFile:
    """A file read as input, with the name it is shown under and its sha256."""

    display: str
    path: Path
    sha256: str
    role: str


@dataclass
class LoadedPolicy:
    """A validated policy and the files it came from."""

    policy: Any  # pledge.policy_model.policy.Policy (imported lazily: it needs the registry)
    files: list[InputFile]
    source_text: str
    locations: dict[str, Location] = field(default_factory=dict)
    """Where each commitment is declared: the policy file as shown, and its line."""


@dataclass
class LoadedInventory:
    """A validated, merged inventory with where each entity is declared."""

    inventory: Inventory
    sources: SourceIndex
    files: list[InputFile] = field(default_factory=list)
    root: Path | None = None
    checked: Inventory | None = field(default=None, repr=False, compare=False)
    """The inventory :func:`load_inventory` built and cross-checked (see below)."""
    shown: str | None = None
    """``root`` as shown (the prefix of its files' shown paths)."""
    unconfirmed: Confirmation | None = field(default=None, repr=False, compare=False)
    """The checks a load asked to confirm later left to run (``confirm_later``): until they
    pass, this inventory is not vouched for, and nothing may be written from it."""

    @property
    def references_checked(self) -> bool:
        """True when ``inventory`` is the one the loader built: ids unique, references declared.

        An inventory swapped in afterwards (``dataclasses.replace``, a library
        caller's) is not vouched for.
        """
        return self.checked is not None and self.checked is self.inventory


BUNDLED_PREFIX = "pledge:"
"""How a file shipped with pledge is shown when it is not under the working directory:
``pledge:policy_model/policies/marosoap.yaml``, relative to the installed package (never
the machine's site-packages path). ``pledge verify`` reads such paths there."""


def display_path(path: Path) -> str:
    """How a path is shown: relative to the working directory when under it; a file
    shipped with pledge elsewhere as ``pledge:`` and its path in the package; else as is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    if not relative.startswith(".."):
        return relative
    try:
        inside = path.resolve().relative_to(PROJECT_DIR)
    except (OSError, RuntimeError, ValueError):  # a symlink loop; not shipped with pledge
        return str(path)
    return BUNDLED_PREFIX + inside.as_posix()


def bundled_file(shown: str) -> Path | None:
    """The file a ``pledge:`` path names inside the installed package (``None`` when ``shown``
    is not one, or climbs out of the package with ``..`` or an absolute path)."""
    if not shown.startswith(BUNDLED_PREFIX):
        return None
    inside = Path(shown.removeprefix(BUNDLED_PREFIX))
    if inside.is_absolute() or ".." in inside.parts or not inside.parts:
        return None
    return PROJECT_DIR / inside


def repeated_values(raw: Any, path: str) -> list[InputError]:
    """A value repeated in a list of strings (every such list is a set: a repeat is a slip).

    Walks the raw document iteratively, so it costs one pass and no recursion.
    A quick pass first asks only whether some list may repeat a value (the
    walk that names paths and lines runs only then).
    """
    if not _may_repeat(raw):
        return []
    errors: list[InputError] = []
    stack: list[tuple[Any, str, int | None]] = [(raw, "", getattr(raw, "line", None))]
    while stack:
        node, where, line = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                key_line = node.key_lines.get(key) if isinstance(node, Located) else None
                stack.append((value, f"{where}.{key}" if where else str(key),
                              key_line or getattr(value, "line", None) or line))
        elif isinstance(node, list):
            if node and all(isinstance(v, str) for v in node):
                errors.extend(
                    InputError("PLG-E018", f"'{value[:80]}' is listed {count} times at {where}",
                               path, line, "remove the repeat")
                    for value, count in Counter(node).items() if count > 1)
                continue
            for index, item in enumerate(node):
                ident = item.get("id") if isinstance(item, dict) else None
                label = f"{where}[{index}]" + (f"({ident})" if isinstance(ident, str) else "")
                stack.append((item, label, getattr(item, "line", None) or line))
    return errors


def _may_repeat(raw: Any) -> bool:
    """False when no list in ``raw`` holds a value twice (checked level by level).

    A list of hashable values with a repeat, strings or not, answers True, and
    :func:`repeated_values` then looks closer; a list holding mappings or lists
    is not hashable and is descended into instead.
    """
    containers = (dict, list)
    level = [raw]
    while level:
        deeper = [v for node in level if isinstance(node, dict) for v in node.values()
                  if isinstance(v, containers)]
        for node in level:
            if isinstance(node, list):
                try:
                    if len(set(node)) != len(node):
                        return True
                except TypeError:  # mappings or lists inside: look at each
                    deeper += [v for v in node if isinstance(v, containers)]
        level = deeper
    return False


# --- policy -------------------------------------------------------------------------------
def load_policy(path: Path, *, vocab: Vocabularies | None = None,
                max_size: int = DEFAULT_MAX_FILE_SIZE, display: str | None = None
                ) -> LoadedPolicy:
    """Load, validate and pin a policy file (shown as ``display``, else :func:`display_path`)."""
    with phase("load the policy"):
        return _load_policy(path, vocab, max_size, display)


def _load_policy(path: Path, vocab: Vocabularies | None, max_size: int, display: str | None
                 ) -> LoadedPolicy:
    from pledge.policy_model.policy import Policy  # needs the kind registry

    vocab = vocab or default_vocabularies()
    shown = display or display_path(path)
    raw, _ = load_file(path, max_size=max_size, display=shown)
    if not isinstance(raw, dict):
        raise InputErrors([InputError("PLG-E017", "a policy file must be a mapping with id, "
                                      "title, version, source and commitments", shown,
                                      getattr(raw, "line", 1))])
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        raise InputErrors(translate(exc, raw, Policy, shown)) from None
    errors = vocabulary_errors(policy, raw, shown, vocab) + repeated_values(raw, shown)
    seen: dict[str, int] = {}
    commitments_raw = raw.get("commitments", [])
    locations: dict[str, Location] = {}
    for index, commitment in enumerate(policy.commitments):
        line = getattr(commitments_raw[index], "line", None)
        locations.setdefault(commitment.id, Location(file=shown, line=line))
        if commitment.id in seen:
            errors.append(InputError("PLG-E009", f"commitment id {commitment.id} is used twice "
                                     f"(first at line {seen[commitment.id]})", shown, line))
        seen.setdefault(commitment.id, line or 0)
    source_path = path.parent / policy.source.path
    try:
        source_path = source_path.resolve()
        source_found = source_path.is_file()
    except (OSError, ValueError, RuntimeError):  # a NUL byte in the path, a symlink loop
        source_found = False
    files = [InputFile(shown, path, sha256_file(path), "policy")]
    source_text = ""
    if not source_found:
        errors.append(InputError("PLG-E016", f"source document {policy.source.path} not found",
                                 shown, raw.key_lines.get("source") if isinstance(raw, Located)
                                 else None, "restore it or fix source.path"))
    else:
        try:  # the same guards as any input: size limit, UTF-8, readable
            source_text = read_text(source_path, max_size=max_size,
                                    display=display_path(source_path))
        except InputError as err:
            raise InputErrors([*errors, err]) from None
        digest = sha256_file(source_path)
        files.append(InputFile(display_path(source_path), source_path, digest, "source"))
        if digest != policy.source.sha256:
            sha_line = None
            if isinstance(raw, Located) and isinstance(raw.get("source"), Located):
                sha_line = raw["source"].key_lines.get("sha256")
            errors.append(InputError("PLG-E016", f"source document {policy.source.path} has "
                                     f"sha256 {digest}, the policy pins "
                                     f"{policy.source.sha256}", shown, sha_line,
                                     f"review the changed text, then run: pledge policy pin "
                                     f"{shown}"))
        for index, commitment in enumerate(policy.commitments):
            for clause in (commitment.clause, *commitment.related):
                if clause.quote not in source_text:
                    line = getattr(commitments_raw[index], "line", None)
                    errors.append(InputError(
                        "PLG-E016", f"{commitment.id}: the quote from '{clause.section}' is not "
                        "verbatim in the source document", shown, line,
                        "copy the words exactly from the document"))
    raise_if_any(errors)
    return LoadedPolicy(policy, files, source_text, locations)


# --- inventory ------------------------------------------------------------------------------
def inventory_files(root: Path, shown_root: str) -> list[tuple[Path, str]]:
    """The inventory files under ``root`` in a stable order, refusing escaping symlinks."""
    if not root.exists():
        raise InputErrors([InputError("PLG-E001", "no such file or directory", shown_root,
                                      None, "check the path")])
    if root.is_file():
        return [(root, shown_root)]
    real_root = root.resolve()
    found: list[tuple[Path, str]] = []
    errors: list[InputError] = []

    def unreadable(exc: OSError) -> None:  # a directory skipped in silence would hide its files
        where = Path(exc.filename) if exc.filename else root
        shown = shown_root if where == root else (
            f"{shown_root.rstrip('/')}/{where.relative_to(root).as_posix()}")
        errors.append(InputError("PLG-E020", f"cannot list the directory ({exc.strerror})",
                                 shown, None, "check its permissions"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        if any(name.endswith(".tf") for name in filenames):  # a Terraform configuration
            dirnames[:] = []  # (its plan JSON is read by --terraform, never as inventory)
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:  # not followed: one pointing out would be silently skipped
            link = Path(dirpath) / name
            problem = _link_problem(link, real_root) if link.is_symlink() else None
            if problem:
                errors.append(InputError("PLG-E014", f"directory {problem}",
                                         f"{shown_root.rstrip('/')}/"
                                         f"{link.relative_to(root).as_posix()}", None,
                                         "copy the files into the inventory instead"))
        for name in sorted(filenames):
            if name.startswith(".") or name in WAIVER_FILE_NAMES or name in SIDE_FILE_NAMES:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            shown = f"{shown_root.rstrip('/')}/{rel}"
            if not name.lower().endswith(INVENTORY_SUFFIXES):
                continue
            if not _is_utf8(shown):  # reports are UTF-8: such a name cannot be written
                errors.append(InputError("PLG-E012", "the file name is not UTF-8",
                                         _escaped(shown), None, "rename it with a UTF-8 name"))
                continue
            problem = _link_problem(path, real_root) if path.is_symlink() else None
            if problem:
                errors.append(InputError("PLG-E014", problem, shown, None,
                                         "copy the file into the inventory instead"))
                continue
            found.append((path, shown))
    raise_if_any(errors)
    found.sort(key=lambda item: item[1])
    return found


def _is_utf8(name: str) -> bool:
    """Whether a name decoded from the file system is valid UTF-8 (no surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(name: str) -> str:
    """A file-system name with its undecodable bytes shown as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _link_problem(link: Path, real_root: Path) -> str | None:
    """Why a symlink may not be followed (it leads outside ``real_root``, or loops), if so."""
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return "symlink loop"
    if not target.is_relative_to(real_root):
        return "symlink points outside the inventory directory"
    return None


_KIND_OF_SECTION = {
    "data_subjects": "subject", "systems": "system", "stores": "store", "flows": "flow",
    "consent_gates": "consent_gate", "processing_activities": "processing_activity",
}


def _dotted_key_lines(mapping: Located, prefix: str = "", depth: int = 0) -> dict[str, int]:
    """The line of every key of a mapping and of its nested mappings, as dotted paths.

    ``breach_response.authority_notification_hours`` then points at its own line,
    not at ``breach_response:``. Nesting is bounded by the loader; facts are a few
    levels deep, and only four levels are indexed.
    """
    lines = {prefix + key: line for key, line in mapping.key_lines.items()}
    if depth < 4:
        for key, value in mapping.items():
            if isinstance(value, Located):
                lines.update(_dotted_key_lines(value, f"{prefix}{key}.", depth + 1))
    return lines


def _declarations(raw: Any) -> list[Declaration]:
    """Where each entity of one parsed file is declared (YAML keeps lines; JSON none)."""
    if not isinstance(raw, Located):
        return []
    found: list[Declaration] = []
    for section, kind in _KIND_OF_SECTION.items():
        for item in raw.get(section) or []:
            if isinstance(item, Located) and isinstance(item.get("id"), str):
                found.append((kind, item["id"], item.line, item.key_lines))
                if section == "stores":
                    found.extend(("field", f"{item['id']}.{fld['name']}", fld.line,
                                  fld.key_lines) for fld in item.get("fields") or []
                                 if isinstance(fld, Located) and isinstance(fld.get("name"), str))
    org = raw.get("organisation")
    if isinstance(org, Located) and isinstance(org.get("id"), str):
        found.append(("organisation", org["id"], org.line, _dotted_key_lines(org)))
    for item in raw.get("attestations") or []:
        if isinstance(item, Located) and isinstance(item.get("commitment"), str):
            found.append(("attestation", item["commitment"], item.line, item.key_lines))
            found.append(("commitment", item["commitment"], item.line, item.key_lines))
    return found


def load_inventory(path: Path, *, vocab: Vocabularies | None = None,
                   display: str | None = None, max_size: int = DEFAULT_MAX_FILE_SIZE,
                   phases: dict[str, float] | None = None,
                   cache: Path | None = None, share: LoadShare | None = None,
                   confirm_later: bool = False, beside: Beside | None = None
                   ) -> LoadedInventory:
    """Load every file of an inventory, validate, merge and cross-check it.

    When ``phases`` is given, the seconds spent reading and parsing files
    (``parse``) and validating them (``validate``: models, vocabulary,
    references) are added to it. With ``cache`` (a directory), files whose
    bytes were loaded clean before are taken from it, and clean files are
    kept there (:mod:`pledge.policy_model.fragment_cache`). With ``share``, the
    files and JSON slices an earlier load with the same share validated are
    taken for the same bytes, and this load's are kept when it is the first
    (:mod:`pledge.policy_model.load_share`).

    With ``confirm_later``, the checks that can only find errors (each file's
    scan, ids and references across files) are left in ``unconfirmed`` for the
    caller to run (:mod:`pledge.policy_model.confirmation`), when the rest of
    the load found nothing wrong; files are kept in the fragment cache only
    once confirmed. When the rest did find something, the load is made again in
    line, so the errors are those of a load in line, in its order.

    With ``beside``, the last YAML files are read ahead by work it starts (on an idle
    core) while this load reads the others (:mod:`pledge.policy_model.read_ahead`).
    """
    started = time.perf_counter()
    parsing = [0.0]
    try:
        with paused_gc(), phase(f"load {display or display_path(path)}"):
            try:
                return _load_inventory(path, vocab, display, max_size, parsing, cache, share,
                                       later=confirm_later, beside=beside)
            except _InLine:  # errors before the checks left: every error, in line
                return _load_inventory(path, vocab, display, max_size, parsing, cache, None,
                                       later=False)
    finally:
        if share is not None:
            share.close()
        if phases is not None:
            total = time.perf_counter() - started
            phases["parse"] = phases.get("parse", 0.0) + parsing[0]
            phases["validate"] = phases.get("validate", 0.0) + total - parsing[0]


class _InLine(Exception):
    """A load confirming later found errors of its own: load again in line, for all of them."""


def _load_inventory(path: Path, vocab: Vocabularies | None, display: str | None,
                    max_size: int, parsing: list[float],
                    cache_dir: Path | None, share: LoadShare | None, *,
                    later: bool, beside: Beside | None = None) -> LoadedInventory:
    vocab = vocab or default_vocabularies()
    shown_root = display or display_path(path)
    files = inventory_files(path, shown_root)
    if not files:
        raise InputErrors([InputError("PLG-E010", "no inventory files (.yaml, .yml, .json) "
                                      "found", shown_root, None,
                                      "point pledge at a directory of inventory files")])
    terms = {kind: vocab.get(kind).terms for kind in VOCABULARY_KINDS}
    cache = FragmentCache(cache_dir, terms) if cache_dir is not None else None
    if share is not None and not share.usable(cache.salt if cache else cache_salt(terms)):
        share = None  # kept against another vocabulary
    memo = share.slices if share is not None else None
    left = Confirmation(shown=shown_root)
    ahead = _Ahead.start(beside, files, max_size, cache, share, terms, vocab)
    try:
        return _load_files(path, files, shown_root, vocab, max_size, parsing, cache, share,
                           memo, terms, left, later=later, ahead=ahead)
    finally:
        ahead.close()


def _load_files(path: Path, files: list[tuple[Path, str]], shown_root: str,
                vocab: Vocabularies, max_size: int, parsing: list[float],
                cache: FragmentCache | None, share: LoadShare | None, memo: SliceMemo | None,
                terms: dict[str, Any], left: Confirmation, *, later: bool, ahead: _Ahead
                ) -> LoadedInventory:
    index = SourceIndex()
    errors: list[InputError] = []
    merged: dict[str, Any] = {s: [] for s in LIST_SECTIONS}
    singles: dict[str, tuple[Any, str]] = {}
    loaded_files: list[InputFile] = []
    for position, (file_path, shown) in enumerate(files):
        started = time.perf_counter()
        is_json = file_path.suffix.lower() == ".json"
        kind = "json" if is_json else "yaml"
        try:
            text, digest = read_text_and_digest(file_path, max_size=max_size, display=shown)
            loaded_files.append(InputFile(shown, file_path, digest, "inventory"))
            cached: CachedFile | None = share.file(digest, kind) if share else None
            if cached is None:  # read ahead (and kept in the cache by the work, if any)
                cached = ahead.take(position, digest)
            if cached is None and cache is not None:
                cached = cache.get(digest, kind)
        except InputError as err:
            parsing[0] += time.perf_counter() - started
            errors.append(err)
            continue
        parsing[0] += time.perf_counter() - started
        layout: Layout = []
        taken = Taken()  # the slices taken from the memo: confirmed by the load that kept them
        direct = (_models_from_json(text, layout, memo, taken) if cached is None and is_json
                  else None)
        if direct is not None:  # no parsed tree at all: the models straight from the text
            raw, quick = dict[str, Any](), True
        elif cached is None:
            started = time.perf_counter()
            try:
                raw, quick = _parse_inventory_text(text, shown, is_json)
            except InputError as err:
                errors.append(err)
                continue
            finally:
                parsing[0] += time.perf_counter() - started
        if cached is not None:  # loaded clean before, byte for byte: its models as they were
            index.add_text(shown, text, is_json=is_json)
            index.defer(shown, cached.declared)
            if share is not None:  # (kept only by the first load: a no-op after)
                share.keep(digest, kind, cached.fragment, cached.section_lines, cached.declared)
            _merge(cached.fragment, cached.section_lines, shown, merged, singles, errors)
            continue
        before = len(errors)
        if raw is None:
            errors.append(InputError("PLG-E010", "empty file", shown, None,
                                     "delete it or add inventory sections"))
            continue
        if not isinstance(raw, dict):
            errors.append(InputError("PLG-E017", "the top level must be a mapping of sections "
                                     f"({', '.join(SECTIONS)})", shown,
                                     getattr(raw, "line", 1)))
            continue
        index.add_text(shown, text, is_json=is_json, layout=layout or None)
        declared = _declarations(raw)  # only used once every file is valid
        deferred = Declarations(())
        if cache is None and share is None and not ahead.positions:
            for kind_of, ident, line, key_lines in declared:
                index.add(kind_of, ident, shown, line, key_lines)
        else:  # every file deferred, so the first declaration still wins across files
            deferred = Declarations(declared)
            index.defer(shown, deferred)
        fragment, part_errors = (direct, []) if direct is not None else _validate_in_parts(
            raw, shown, len(text))
        if part_errors:  # a large file: the first broken slice's errors, without a whole parse
            errors.extend(part_errors)
            continue
        if fragment is None and not _part_sizes(raw, len(text)):  # small: whole at once
            try:
                fragment = InventoryFragment.model_validate(_narrowed(raw))
            except ValidationError as exc:
                if not quick:
                    errors.extend(_fragment_errors(exc, raw, shown))
                    continue
        if fragment is None:  # invalid: the located errors need an exact, whole parse
            try:
                raw = _exact_parse(text, shown, is_json)
            except InputError as err:  # a duplicate key, say: reported before the models
                errors.append(err)
                continue
            try:
                fragment = InventoryFragment.model_validate(_narrowed(raw))
            except ValidationError as exc:
                errors.extend(_fragment_errors(exc, raw, shown))
                continue
        section_lines = raw.key_lines if isinstance(raw, Located) else {}
        confirm = partial(_confirm_file, fragment, text, shown, is_json, quick, terms, vocab,
                          taken if direct is not None and taken.spans else None)
        if later:  # the file's own checks left to the caller; kept in the cache once passed
            kept = cache.fragment_json(fragment) if cache is not None else b""
            left.files.append(partial(_confirmed_kept, confirm, cache, digest, kind, kept,
                                      section_lines, declared))
        else:
            confirmed = confirm()
            errors.extend(confirmed.errors)
            if not confirmed.parsed:  # the exact parse itself failed: the models not merged
                continue
            section_lines = _lines_of(confirmed, section_lines)
            if cache is not None and len(errors) == before:
                cache.put(digest, kind, fragment, section_lines, declared)
        if share is not None and len(errors) == before:
            share.keep(digest, kind, fragment, section_lines, deferred)
        _merge(fragment, section_lines, shown, merged, singles, errors)
        del raw, fragment, declared  # the parsed tree: free it before the next file
    if later and errors:
        raise _InLine
    raise_if_any(errors)
    meta = singles.get("inventory", (InventoryMeta(name=path.resolve().name), ""))[0]
    organisation = singles.get("organisation", (None, ""))[0]
    inventory = Inventory.model_construct(inventory=meta, organisation=organisation, **merged)
    if organisation is None and not any(merged.values()):
        if later:
            raise _InLine
        raise InputErrors([InputError("PLG-E010", "the inventory declares nothing: no "
                                      "organisation, systems, stores or flows", shown_root, None,
                                      "add organisation:, systems:, stores: and flows: sections")])
    if later:
        left.references = partial(reference_errors, inventory, index)
        return LoadedInventory(inventory, index, loaded_files, path, checked=inventory,
                               shown=shown_root, unconfirmed=left)
    raise_if_any(reference_errors(inventory, index))
    return LoadedInventory(inventory, index, loaded_files, path, checked=inventory,
                           shown=shown_root)


class _Confirmed(NamedTuple):
    """One file's remaining checks, done: what :func:`_confirm_file` found."""

    errors: list[InputError]
    exact: Any
    """The exact parse, when one was made (else ``None``)."""
    parsed: bool
    """False when that parse itself failed (its one error is ``errors``)."""


def _confirm_file(fragment: InventoryFragment, text: str, shown: str, is_json: bool,
                  quick: bool, terms: dict[str, Any], vocab: Vocabularies,
                  taken: Taken | None = None) -> _Confirmed:
    """One validated file's remaining checks.

    The models are scanned (:func:`~pledge.policy_model.model_scan.scan`); when
    something needs a closer look (or the file gave keys the models never saw: a
    repeated key), the text is parsed again exactly and the walks that word each
    problem with its line run. A file that took slices a first load kept
    (``taken``) is clean when the rest is: the models and the text it validated
    itself (the first load's confirmation vouches for the slices, and is read
    before this one); else the whole file is looked at, as without them.
    """
    if taken is not None and _rest_clean(fragment, text, taken, terms):
        return _Confirmed([], None, parsed=True)
    found = scan(fragment, terms)
    if found.clean and not (quick and found.keys != json_key_marks(text)):
        return _Confirmed([], None, parsed=True)
    try:
        exact = _exact_parse(text, shown, is_json)
    except InputError as err:
        return _Confirmed([err], None, parsed=False)
    errors = vocabulary_errors(fragment, exact, shown, vocab) if found.unknown_ids else []
    errors.extend(repeated_values(exact, shown))
    return _Confirmed(errors, exact, parsed=True)


def _rest_clean(fragment: InventoryFragment, text: str, taken: Taken,
                terms: dict[str, Any]) -> bool:
    """Whether a sliced JSON file is clean outside the slices it took (see :class:`Taken`):
    its own models scanned clean, and their keys as many as the rest of its text marks."""
    given = fragment.model_fields_set
    rest = InventoryFragment.model_construct(
        _fields_set=set(given),
        **{name: taken.fresh.get(name, getattr(fragment, name)) for name in given})
    found = scan(rest, terms)
    return found.clean and found.keys == json_key_marks(text, taken.spans)


def _lines_of(confirmed: _Confirmed, section_lines: dict[str, int]) -> dict[str, int]:
    """Each section's line: the exact parse's, when one was made."""
    exact = confirmed.exact
    if exact is None:
        return section_lines
    return exact.key_lines if isinstance(exact, Located) else {}


def _confirmed_kept(confirm: Callable[[], _Confirmed], cache: FragmentCache | None,
                    digest: str, kind: str, fragment: bytes,
                    section_lines: dict[str, int], declared: list[Declaration]
                    ) -> list[InputError]:
    """A file's checks run later: its errors; clean, it is kept in the fragment cache
    (``fragment``: its JSON, made while the load could)."""
    confirmed = confirm()
    if cache is not None and confirmed.parsed and not confirmed.errors:
        cache.put(digest, kind, fragment, _lines_of(confirmed, section_lines), declared)
    return confirmed.errors


class _Ahead:
    """The YAML files one load reads ahead beside itself (see :mod:`read_ahead`)."""

    def __init__(self, positions: frozenset[int] = frozenset(),
                 started: Started[dict[int, Read]] | None = None) -> None:
        self.positions = positions
        self._started = started
        self._read: dict[int, Read] | None = None

    @classmethod
    def start(cls, beside: Beside | None, files: list[tuple[Path, str]], max_size: int,
              cache: FragmentCache | None, share: LoadShare | None, terms: dict[str, Any],
              vocab: Vocabularies) -> _Ahead:
        """Start reading ahead the last YAML files, when ``beside`` is given and it pays."""
        if beside is None or (share is not None and share.closed):  # a second load shares
            return cls()
        sizes: list[int | None] = []
        for file_path, _shown in files:
            size = None
            if file_path.suffix.lower() != ".json":
                try:
                    size = file_path.stat().st_size
                except OSError:
                    size = None
            sizes.append(size if size is not None and size <= max_size else None)
        chosen = ahead_positions(sizes)
        if not chosen:
            return cls()
        work = partial(_read_clean, [(n, *files[n]) for n in chosen], max_size, cache, terms,
                       vocab)
        return cls(frozenset(chosen), beside(work))

    def take(self, position: int, digest: str) -> CachedFile | None:
        """The file at ``position`` as read ahead, when it was read clean from these bytes."""
        if position not in self.positions or self._started is None:
            return None
        if self._read is None:
            with phase("wait for the files read beside"):
                self._read = self._started.result()
        found = self._read.pop(position, None)
        if found is None or found[0] != digest:  # not clean, or changed since: read it here
            return None
        try:
            return cached_file(found[1], found[3], found[2])
        except ValueError:  # not what the work wrote (it cannot be): read it here
            return None

    def close(self) -> None:
        """Stop the work when its files are no longer wanted (the load failed early)."""
        if self._started is not None and self._read is None:
            self._started.cancel()
        self._started = None


def _read_clean(chosen: list[tuple[int, Path, str]], max_size: int,
                cache: FragmentCache | None, terms: dict[str, Any], vocab: Vocabularies
                ) -> dict[int, Read]:
    """Read the chosen YAML files as the load would, each one that comes out clean
    (every guard, its models valid, its last checks passed) as a cache entry's parts,
    kept in the fragment cache too when there is one (as the load keeps a clean file)."""
    read: dict[int, Read] = {}
    with phase("read YAML files ahead"):
        for position, file_path, shown in chosen:
            try:
                text, digest = read_text_and_digest(file_path, max_size=max_size,
                                                    display=shown)
            except InputError:
                continue
            if cache is not None and cache.has(digest, "yaml"):
                continue  # the load takes it from the cache
            found = _clean_entry(text, shown, terms, vocab)
            if found is None:
                continue
            fragment_json, section_lines, declared = found
            declarations = encoded_declarations(declared)
            if declarations is None:
                continue
            if cache is not None:
                cache.put(digest, "yaml", fragment_json, section_lines, declarations)
            read[position] = (digest, fragment_json, declarations, section_lines)
    return read


def _clean_entry(text: str, shown: str, terms: dict[str, Any], vocab: Vocabularies
                 ) -> tuple[bytes, dict[str, int], list[Declaration]] | None:
    """One YAML file's models as JSON, section lines and declarations, when the load would
    find nothing wrong with it; ``None`` for anything else (the load then reads it)."""
    try:
        raw, _quick = _parse_inventory_text(text, shown, False)
    except InputError:
        return None
    if not isinstance(raw, dict):
        return None
    declared = _declarations(raw)
    fragment, part_errors = _validate_in_parts(raw, shown, len(text))
    if part_errors:
        return None
    if fragment is None:
        if _part_sizes(raw, len(text)):
            return None
        try:
            fragment = InventoryFragment.model_validate(_narrowed(raw))
        except ValidationError:
            return None
    section_lines = raw.key_lines if isinstance(raw, Located) else {}
    fragment_json = FragmentCache.fragment_json(fragment)
    confirmed = _confirm_file(fragment, text, shown, False, False, terms, vocab)
    if confirmed.errors or not confirmed.parsed:
        return None
    return fragment_json, _lines_of(confirmed, section_lines), declared


def _merge(fragment: InventoryFragment, section_lines: dict[str, int], shown: str,
           merged: dict[str, Any], singles: dict[str, tuple[Any, str]],
           errors: list[InputError]) -> None:
    """Add one file's models to the inventory being merged; one organisation in all."""
    if not isinstance(fragment.model_fields_set, SharedKeys):  # else shared while validated
        share_given_keys([fragment], _SHARED_KEYS)
    for section in LIST_SECTIONS:
        merged[section].extend(getattr(fragment, section))
    for section in ("inventory", "organisation"):
        value = getattr(fragment, section)
        if value is None:
            continue
        if section in singles:
            errors.append(InputError("PLG-E009", f"a second '{section}' section (the first "
                                     f"is in {singles[section][1]})", shown,
                                     section_lines.get(section), "keep one"))
        else:
            singles[section] = (value, shown)


_SHARED_KEYS: dict[frozenset[str], SharedKeys] = {}
"""Every key set the loaded models were given, one instance each (a few dozen)."""


def _models_from_json(text: str, layout: Layout, memo: SliceMemo | None,
                      taken: Taken | None = None) -> InventoryFragment | None:
    """A JSON file's models, validated by pydantic-core straight from the text; or ``None``.

    No tree of Python dictionaries is built in between (on a million systems,
    gigabytes less at the peak, and faster). What holds for :func:`quick_json`
    holds here (its parser is the same): the caller compares the key marks with
    the keys the models received and scans them; a text this path refuses
    (invalid, or not JSON it reads exactly) is read again by the usual path,
    for the data or for the located errors.
    """
    return models_from_json(text, _SHARED_KEYS, layout, memo, taken)


def _parse_inventory_text(text: str, shown: str, is_json: bool) -> tuple[Any, bool]:
    """Parse one file's text: (data, parsed by :func:`quick_json`).

    JSON is parsed by the fast parser first; what it refuses is parsed again
    exactly, for the usual error (or for the data, where only the fast parser
    balks). The caller rules out what the fast parser lets by (see there).
    YAML is read from libyaml's events by :func:`quick_yaml`, which gives
    :func:`parse_yaml`'s values, lines and errors (it hands that parser whatever
    it does not read itself).
    """
    if not is_json:
        return quick_yaml(text, shown), False
    try:
        return quick_json(text), True
    except QuickParseRefused:
        return parse_json(text, shown), False


def _exact_parse(text: str, shown: str, is_json: bool) -> Any:
    """Parse a file's text again with every guard, keeping lines (YAML)."""
    return parse_json(text, shown) if is_json else parse_yaml(text, shown)


def _fragment_errors(exc: ValidationError, raw: Any, shown: str) -> list[InputError]:
    """The validation errors of one file, an unknown section with its nearest name."""
    errors: list[InputError] = []
    for err in translate(exc, raw, InventoryFragment, shown):
        if err.code == "PLG-E004" and err.message.endswith("at (top level)"):
            key = err.message.split("'")[1]
            guess = difflib.get_close_matches(key, SECTIONS, n=1, cutoff=0.6)
            err = InputError("PLG-E004", f"unknown section '{key}'", err.path, err.line,
                             f"did you mean {guess[0]}?" if guess
                             else f"sections: {', '.join(SECTIONS)}")
        errors.append(err)
    return errors


PART_ITEMS = 10_000
"""Sections longer than this are validated this many items at a time (see _validate_in_parts)."""
PART_CHARS = 1 << 20
"""In a file over four times this size, a part holds about this much of its text at most."""
MAX_ENTITY_KEYS = 256
"""An entity read from JSON with more keys than this (no model has a tenth as many fields)
is validated with only its first so many unknown keys: each would be one more error."""

_ITEMS: dict[str, TypeAdapter[list[Any]]] = {}


def _part_sizes(raw: dict[str, Any], chars: int) -> dict[str, int]:
    """The sections to validate in parts, and how many items each part holds.

    Parts hold :data:`PART_ITEMS` items, or fewer in a large file of wide
    entities, so that no part holds much more than :data:`PART_CHARS` of its
    text: the errors of one part (one per unknown key, say) stay few.
    """
    sizes: dict[str, int] = {}
    for section in LIST_SECTIONS:
        items = raw.get(section)
        if not isinstance(items, list):
            continue
        size = PART_ITEMS
        if chars > 4 * PART_CHARS:
            size = max(1, min(size, len(items) * PART_CHARS // chars))
        if len(items) > size:
            sizes[section] = size
    return sizes


def _narrowed(raw: Any) -> Any:
    """``raw`` with each JSON entity of over :data:`MAX_ENTITY_KEYS` keys cut to its model's
    keys and the first unknown ones: as invalid as before, but with a bounded count of errors
    (a million unknown keys on one entity made a million errors, gigabytes)."""
    if not isinstance(raw, dict):
        return raw
    changed = {}
    for section in LIST_SECTIONS:
        items = raw.get(section)
        if isinstance(items, list) and (cut := _narrowed_items(items, section)) is not items:
            changed[section] = cut
    return {**raw, **changed} if changed else raw


def _narrowed_items(items: list[Any], section: str) -> list[Any]:
    """``items`` with their over-wide JSON entities narrowed (see :func:`_narrowed`)."""
    if not any(type(item) is dict and len(item) > MAX_ENTITY_KEYS for item in items):
        return items
    fields = _item_fields(section)
    return [_narrow(item, fields) if type(item) is dict and len(item) > MAX_ENTITY_KEYS
            else item for item in items]


def _item_fields(section: str) -> frozenset[str]:
    annotation: Any = InventoryFragment.model_fields[section].annotation
    return frozenset(annotation.__args__[0].model_fields)


def _narrow(item: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    unknown = [key for key in item if key not in fields][:MAX_ENTITY_KEYS]
    return {key: item[key] for key in item if key in fields} | {k: item[k] for k in unknown}


def _validate_in_parts(raw: dict[str, Any], shown: str = "", chars: int = 0
                       ) -> tuple[InventoryFragment | None, list[InputError]]:
    """Validate a large file a slice of each long section at a time, freeing the slice.

    The parsed tree and the models are never both whole in memory: each slice's
    mappings are dropped as soon as its models exist, and the next slice's
    models take their place (on a hundred thousand systems, half a gigabyte
    less at the peak). Returns ``(None, [])`` for a small file, or when the
    short sections are invalid: the caller then validates the whole file as
    usual. When a slice of a long section is invalid, its errors (at most
    :data:`~pledge.policy_model.validation_errors.MAX_ERRORS_PER_FILE`, items
    numbered in the whole section) are returned at once: validating a million
    broken items whole, or parsing them again with lines, needed 5 GB. On
    success the long sections of ``raw`` are left empty. ``chars``, the text's
    length, sizes the parts (:func:`_part_sizes`).
    """
    sizes = _part_sizes(raw, chars)
    if not sizes:
        return None, []
    big = list(sizes)
    try:
        fragment = InventoryFragment.model_validate(_narrowed({k: v for k, v in raw.items()
                                                               if k not in big}))
        for section in big:
            adapter = _ITEMS.get(section)
            if adapter is None:
                annotation: Any = InventoryFragment.model_fields[section].annotation
                adapter = _ITEMS[section] = TypeAdapter(annotation)
            items: list[Any] = raw[section]
            models: list[Any] = []
            part = sizes[section]
            for start in range(0, len(items), part):
                try:
                    models += adapter.validate_python(_narrowed_items(items[start:start + part],
                                                                      section))
                except ValidationError as exc:
                    if not json_depth_ok(raw):  # the exact parse names that one first
                        return None, []
                    found = [{**e, "loc": (section, e["loc"][0] + start, *e["loc"][1:])}
                             if e["loc"] and isinstance(e["loc"][0], int)
                             else {**e, "loc": (section, *e["loc"])}
                             for e in exc.errors(include_url=False)]
                    return None, translate_errors(found, raw, InventoryFragment, shown)
                items[start:start + part] = [None] * len(items[start:start + part])
            items.clear()
            setattr(fragment, section, models)
        fragment.__pydantic_fields_set__.update(big)  # given, if validated apart
    except ValidationError:
        return None, []
    return fragment, []
