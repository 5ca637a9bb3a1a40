"""``pledge verify``: does a report still describe the files it was made from?

Every report carries an evidence manifest: the path and sha256 of the policy,
its source text, each inventory file and the waiver file. ``verify`` reads the
manifest from a JSON report (``pledge check --format json``), an HTML report
(the ``pledge-manifest`` JSON block) or an OSCAL document (back-matter
resources), hashes the files again (paths as recorded, relative to the current
directory or ``--base-dir``) and names every file that changed or is missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from pledge.cli.common import EXIT_FAIL, EXIT_OK, limits_option
from pledge.policy_model.errors import InputError, InputErrors
from pledge.policy_model.yaml_source import DEFAULT_MAX_FILE_SIZE, sha256_file
from pledge.reports.html import MANIFEST_ID
from pledge.reports.oscal import INPUT_ROLE_PROP
from pledge.reports.safe import plain

_MANIFEST = re.compile(r'<script type="application/json" id="' + re.escape(MANIFEST_ID)
                       + r'">(.*?)</script>', re.DOTALL)


@dataclass(frozen=True)
class Recorded:
    """One input file as the report recorded it."""

    path: str
    role: str
    sha256: str


def _bad(shown: str, message: str, code: str = "PLG-E017") -> InputErrors:
    return InputErrors([InputError(code, message, shown, None,
                                   "give a JSON, HTML or OSCAL report written by pledge")])


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


def _from_inputs(inputs: object) -> list[Recorded]:
    if not isinstance(inputs, list):
        return []
    return [Recorded(str(i["path"]), str(i.get("role", "")), str(i["sha256"]))
            for i in inputs if isinstance(i, dict) and "path" in i and "sha256" in i]


def read_manifest(path: Path, shown: str, max_size: int = DEFAULT_MAX_FILE_SIZE
                  ) -> tuple[str, list[Recorded]]:
    """The report's kind and its recorded inputs."""
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
        for key in ("assessment-results", "plan-of-action-and-milestones"):
            if isinstance(data.get(key), dict):
                kind, found = f"OSCAL {key}", _from_oscal(data[key])
                break
        else:
            if not str(data.get("format", "")).startswith("pledge-report/"):
                raise _bad(shown, "neither a pledge JSON report nor an OSCAL document")
            kind, found = str(data["format"]), _from_inputs(data.get("inputs"))
    else:
        match = _MANIFEST.search(text)
        if match is None:
            raise _bad(shown, f"no evidence manifest (<script id=\"{MANIFEST_ID}\">) found")
        try:
            data = json.loads(match.group(1))
        except (json.JSONDecodeError, RecursionError, ValueError):
            raise _bad(shown, "the embedded evidence manifest is not valid JSON",
                       "PLG-E002") from None
        kind, found = "HTML report", _from_inputs(
            data.get("inputs") if isinstance(data, dict) else None)
    if not found:
        raise _bad(shown, f"the {kind} records no input files")
    return kind, found


def check_file(record: Recorded, base: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """``ok``, ``changed``, ``missing``, or ``too large`` (over ``max_size``: not read).

    A report is input like any other: a forged one may name a device or a huge
    file, so nothing over the size limit is hashed, and only regular files are.
    """
    target = Path(record.path)
    if not target.is_absolute():
        target = base / target
    if not target.is_file():
        return "missing"
    if target.stat().st_size > max_size:
        return "too large"
    return "ok" if sha256_file(target) == record.sha256.lower() else "changed"


@click.command()
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path))
@click.option("--base-dir", type=click.Path(path_type=Path), default=None,
              help="Resolve the recorded relative paths here (default: the current directory).")
@limits_option
def verify(report_path: Path, base_dir: Path | None, max_file_size: int) -> int:
    """Recompute the hashes of REPORT's input files and say whether it still describes them.

    Exit 0 when every file matches, 1 naming each changed or missing file, 2 on bad input.
    """
    shown = plain(report_path)
    kind, recorded = read_manifest(report_path, shown, max_file_size)
    base = base_dir or Path.cwd()
    if base_dir is not None and not base_dir.is_dir():
        raise InputErrors([InputError("PLG-E001", "--base-dir is not a directory",
                                      plain(base_dir), None, "check the path")])
    problems: list[str] = []
    for record in sorted(recorded, key=lambda r: (r.role, r.path)):
        state = check_file(record, base, max_file_size)
        click.echo(f"{state:<8} {plain(record.role)[:20]:<10} {plain(record.path)}")
        if state != "ok":
            problems.append(f"{plain(record.path)} ({state})")
    if problems:
        click.echo(f"NOT VERIFIED: {shown} ({plain(kind)[:60]}) no longer describes its inputs: "
                   f"{len(problems)} of {len(recorded)} files changed or missing: "
                   + ", ".join(problems))
        return EXIT_FAIL
    click.echo(f"VERIFIED: {shown} ({plain(kind)[:60]}) still describes its {len(recorded)} "
               "input files")
    return EXIT_OK
