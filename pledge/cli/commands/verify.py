"""``pledge verify``: does a report still describe the files it was made from, unedited?

Every report carries an evidence manifest: the path and sha256 of each file the
run read (policy, source text, inventory files, waivers) and of every file of
each input directory. ``verify`` reads it from a JSON report (``pledge check
--format json``), the ``manifest.json`` of a ``pledge report`` pack (which also
hashes every file of the pack: HTML, OSCAL, record of processing, coverage
matrix, JSON report), an HTML report (its ``pledge-manifest`` JSON block) or an
OSCAL document (back-matter resources). It hashes the files again (recorded
paths relative to the current directory or ``--base-dir``; the pack's files
relative to the manifest), lists each input directory again, checks the
document's own body hash (JSON report, manifest), and names every file
changed, missing, added, too large, or edited.

The report is input like any other, possibly forged: a recorded path that is
absolute, climbs out with ``..`` or leads outside the base directory through a
symlink is refused before anything is read (exit 2), nothing over
``--max-file-size`` is read, and everything printed is escaped and masked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from pledge.cli.common import EXIT_FAIL, EXIT_OK, limits_option
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.evidence import TOO_LARGE, body_sha256, confined, directory_files
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE, sha256_file
from pledge.reports.html import MANIFEST_FORMAT, MANIFEST_ID
from pledge.reports.json_report import BODY_HASH
from pledge.reports.oscal import INPUT_ROLE_PROP
from pledge.reports.safe import plain

_MANIFEST = re.compile(r'<script type="application/json" id="' + re.escape(MANIFEST_ID)
                       + r'">(.*?)</script>', re.DOTALL)


@dataclass(frozen=True)
class Recorded:
    """One file as the report recorded it."""

    path: str
    role: str
    sha256: str


@dataclass(frozen=True)
class Listing:
    """An input directory as the report listed it: every file, and what was left out."""

    path: str
    files: dict[str, str]
    excluded: tuple[str, ...] = ()


@dataclass
class Manifest:
    """What a report says about its inputs, its pack and itself."""

    kind: str
    inputs: list[Recorded]
    directories: list[Listing] = field(default_factory=list)
    outputs: list[Recorded] = field(default_factory=list)
    body_ok: bool | None = None
    """Whether the document's own body hash holds (``None``: the format carries none)."""
    text: str = ""


def _bad(shown: str, message: str, code: str = "PLG-E017", line: int | None = None,
         hint: str = "give a JSON, HTML or OSCAL report or a manifest.json written by pledge"
         ) -> InputErrors:
    return InputErrors([InputError(code, message, shown, line, hint)])


def _from_oscal(doc: dict[str, Any]) -> list[Recorded]:
    found: list[Recorded] = []
    for resource in (doc.get("back-matter") or {}).get("resources") or []:
        values = {p.get("name"): p.get("value") for p in resource.get("props") or []}
        if INPUT_ROLE_PROP not in values:
            continue
        hashes = [h for link in resource.get("rlinks") or [] for h in link.get("hashes") or []
                  if str(h.get("algorithm", "")).upper() == "SHA-256"]
        if values.get("path") and hashes:
            found.append(Recorded(str(values["path"]), str(values[INPUT_ROLE_PROP]),
                                  str(hashes[0].get("value", ""))))
    return found


def _records(items: object, role_key: str = "role") -> list[Recorded]:
    if not isinstance(items, list):
        return []
    return [Recorded(str(i["path"]), str(i.get(role_key, "")), str(i["sha256"]))
            for i in items if isinstance(i, dict) and "path" in i and "sha256" in i]


def _listings(items: object) -> list[Listing]:
    if not isinstance(items, list):
        return []
    found = []
    for item in items:
        if not isinstance(item, dict) or "path" not in item:
            continue
        files = {str(f["path"]): str(f["sha256"]) for f in item.get("files") or []
                 if isinstance(f, dict) and "path" in f and "sha256" in f}
        excluded = tuple(str(e) for e in item.get("excluded") or [])
        found.append(Listing(str(item["path"]), files, excluded))
    return found


def _body_ok(data: dict[str, Any]) -> bool:
    recorded = data.get(BODY_HASH)
    return isinstance(recorded, str) and recorded == body_sha256(data, BODY_HASH)


def read_manifest(path: Path, shown: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Manifest:
    """The report's kind, its recorded inputs, directories and pack, and its body check."""
    if not path.is_file():
        raise _bad(shown, "no such report file", "PLG-E001")
    if path.stat().st_size > max_size:
        raise _bad(shown, f"the report is larger than {max_size} bytes", "PLG-E011")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _bad(shown, "the report is not UTF-8 text", "PLG-E012") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _bad(shown, f"not valid JSON ({exc.msg} at line {exc.lineno})",
                       "PLG-E002") from None
        except RecursionError:
            raise _bad(shown, "the JSON is nested too deeply", "PLG-E013") from None
        except ValueError:  # an integer longer than Python reads
            raise _bad(shown, "the JSON holds a number too long to read", "PLG-E006") from None
        if not isinstance(data, dict):
            raise _bad(shown, "the JSON is not an object")
        found = _from_json(data, shown)
    else:
        match = _MANIFEST.search(text)
        if match is None:
            raise _bad(shown, f"no evidence manifest (<script id=\"{MANIFEST_ID}\">) found")
        try:
            data = json.loads(match.group(1))
        except (json.JSONDecodeError, RecursionError, ValueError):
            raise _bad(shown, "the embedded evidence manifest is not valid JSON",
                       "PLG-E002") from None
        data = data if isinstance(data, dict) else {}
        found = Manifest("HTML report", _records(data.get("inputs")),
                         _listings(data.get("directories")))
    if not found.inputs:
        raise _bad(shown, f"the {found.kind} records no input files")
    found.text = text
    return found


def _from_json(data: dict[str, Any], shown: str) -> Manifest:
    for key in ("assessment-results", "plan-of-action-and-milestones"):
        if isinstance(data.get(key), dict):
            return Manifest(f"OSCAL {key}", _from_oscal(data[key]))
    fmt = str(data.get("format", ""))
    if fmt == MANIFEST_FORMAT:
        return Manifest("evidence manifest", _records(data.get("inputs")),
                        _listings(data.get("directories")),
                        _records(data.get("outputs"), "format"), _body_ok(data))
    if fmt.startswith("pledge-report/"):
        return Manifest(fmt, _records(data.get("inputs")), _listings(data.get("directories")),
                        body_ok=_body_ok(data))
    raise _bad(shown, "neither a pledge JSON report, a manifest nor an OSCAL document")


def _line_of(text: str, value: str) -> int | None:
    """The line where a recorded value stands in the report's text (as JSON), if found."""
    at = text.find(json.dumps(value, ensure_ascii=False))
    if at < 0:
        at = text.find(json.dumps(value))
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _place(value: str, base: Path, manifest: Manifest, shown: str) -> Path:
    """Where a recorded path lies under ``base``; a path outside it is refused (exit 2)."""
    where = confined(value, base)
    if isinstance(where, str):
        raise _bad(shown, f"the report names a path that {where}: '{plain(value)[:200]}'",
                   "PLG-E014", _line_of(manifest.text, value),
                   "verify reads only files under --base-dir (default: the current "
                   "directory); the report was forged or written elsewhere")
    return where


def check_file(target: Path, sha256: str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """``ok``, ``changed``, ``missing``, or ``too large`` (over ``max_size``: not read).

    Only regular files are hashed: a forged report may name a device or a FIFO.
    """
    if not target.is_file():
        return "missing"
    if target.stat().st_size > max_size:
        return TOO_LARGE
    return "ok" if sha256_file(target) == sha256.lower() else "changed"


def _directory_states(listing: Listing, base: Path, manifest: Manifest, shown: str,
                      max_size: int) -> list[tuple[str, str]]:
    """(state, shown path) of every file recorded in or found now in one input directory."""
    root = _place(listing.path, base, manifest, shown)
    if not root.is_dir():
        return [("missing", listing.path)]
    skip = []
    for excluded in listing.excluded:
        where = confined(excluded, base)
        if isinstance(where, Path):
            skip.append(where.resolve())
    now = dict(directory_files(root, listing.path, skip=frozenset(skip), max_size=max_size))
    states = []
    for name in sorted(set(now) | set(listing.files)):
        if name not in now:
            states.append(("missing", name))
        elif name not in listing.files:
            states.append(("added", name))
        elif now[name] == TOO_LARGE:
            states.append((TOO_LARGE, name))
        else:
            states.append(("ok" if now[name] == listing.files[name].lower() else "changed", name))
    return states


@click.command()
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path))
@click.option("--base-dir", type=click.Path(path_type=Path), default=None,
              help="Resolve the recorded relative paths here (default: the current directory).")
@limits_option
def verify(report_path: Path, base_dir: Path | None, max_file_size: int) -> int:
    """Check that REPORT still describes its input files and directories, and is unedited.

    Exit 0 when everything matches, 1 naming each file changed, missing, added or
    too large (and an edited report), 2 on bad input or a path outside --base-dir.
    """
    shown = plain(report_path)
    manifest = read_manifest(report_path, shown, max_file_size)
    if base_dir is not None and not base_dir.is_dir():
        raise InputErrors([InputError("PLG-E001", "--base-dir is not a directory",
                                      plain(base_dir), None, "check the path")])
    base = base_dir or Path.cwd()
    # Every path is placed (refused when outside) before any file is read.
    inputs = [(r, _place(r.path, base, manifest, shown))
              for r in sorted(manifest.inputs, key=lambda r: (r.role, r.path))]
    pack_dir = report_path.parent
    outputs = [(r, _place(r.path, pack_dir, manifest, shown))
               for r in sorted(manifest.outputs, key=lambda r: r.path)]
    for listing in manifest.directories:
        _place(listing.path, base, manifest, shown)
    rows: list[tuple[str, str, str]] = []
    if manifest.body_ok is not None:
        rows.append(("ok" if manifest.body_ok else "edited", "report", str(report_path)))
    rows += [(check_file(t, r.sha256, max_file_size), r.role, r.path) for r, t in inputs]
    for listing in manifest.directories:
        rows += [(state, "listed", name) for state, name in
                 _directory_states(listing, base, manifest, shown, max_file_size)]
    rows += [(check_file(t, r.sha256, max_file_size), "pack", r.path) for r, t in outputs]
    problems = []
    for state, role, path in rows:
        click.echo(f"{state:<8} {plain(role)[:20]:<10} {plain(path)}")
        if state != "ok":
            problems.append(f"{plain(path)} ({state})")
    files = len(rows) - (manifest.body_ok is not None)
    kind = plain(manifest.kind)[:60]
    if problems:
        click.echo(f"NOT VERIFIED: {shown} ({kind}) no longer describes its inputs: "
                   f"{len(problems)} of {len(rows)} checks failed: " + ", ".join(problems))
        return EXIT_FAIL
    body = " and its own body" if manifest.body_ok is not None else ""
    click.echo(f"VERIFIED: {shown} ({kind}) still describes its {len(manifest.inputs)} "
               f"input files ({files} files checked){body}")
    return EXIT_OK
