"""Reproducibility: the same inputs give byte-identical output in every format.

Two real processes check the same failing inventory and write every output
(``check`` in each :data:`pledge.reports.formats.RENDERERS` format, ``report``, each
``graph export`` format, and the error lines of ``validate`` on broken files).
They differ in everything that must not matter: the hash seed, the locale, the
order the inventory files were created in, and the order directories are
listed in (the second process sees every listing reversed). Every file they
write must be identical, byte for byte. A third check, in this process, turns
every mapping of a JSON inventory inside out (key order) and expects the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pledge.cli import cli
from pledge.reports.formats import RENDERERS
from tests.conftest import AS_OF, INVENTORY, ROOT, run_inprocess

EXAMPLES = ROOT / "inventories" / "examples"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BODY = re.compile(r'"body_sha256": "[0-9a-f]{64}"')  # a hash of a body holding input hashes
"""OSCAL derives its uuids from the inputs' hashes, which differ when the bytes differ."""
# One broken file from each of several examples: many commitments fail at once.
OVERLAY = {"stores.yaml": "PAY-001-card-number-stored", "flows.yaml": "PAY-002-card-posted-to-shop",
           "organisation.yaml": "BRE-001-breach-notice-96h",
           "processing.yaml": "ADM-001-automatic-account-suspension"}

DRIVER = r"""
import contextlib, io, json, os, pathlib, sys

if os.environ.get("PLEDGE_TEST_REVERSE_LISTING"):  # another filesystem's directory order
    real_walk, real_listdir, real_iterdir = os.walk, os.listdir, pathlib.Path.iterdir

    def walk(top, *args, **kwargs):
        for dirpath, dirnames, filenames in real_walk(top, *args, **kwargs):
            dirnames.reverse()
            filenames.reverse()
            yield dirpath, dirnames, filenames

    os.walk = walk
    os.listdir = lambda path=".": list(reversed(real_listdir(path)))
    pathlib.Path.iterdir = lambda self: iter(reversed(list(real_iterdir(self))))

from pledge.cli import main

for name, argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code
    with open(os.path.join("out", name + ".log"), "w", encoding="utf-8", newline="") as handle:
        handle.write(f"exit {code}\n--- stdout\n{out.getvalue()}--- stderr\n{err.getvalue()}")
"""


def _choices(command: click.Command | None, param: str) -> list[str]:
    for p in command.params if command is not None else []:
        if p.name == param and isinstance(p.type, click.Choice):
            return list(p.type.choices)
    return []


def _graph_formats() -> list[str]:
    graph = cli.commands.get("graph")
    return _choices(graph.commands.get("export"), "fmt") if isinstance(graph, click.Group) else []


def failing_inventory_files() -> dict[str, bytes]:
    """The bundled inventory with broken files from several examples, by file name."""
    files = {p.name: p.read_bytes() for p in INVENTORY.iterdir() if p.is_file()}
    for name, example in OVERLAY.items():
        files[name] = (EXAMPLES / example / name).read_bytes()
    return files


def jobs() -> list[tuple[str, list[str]]]:
    """(output name, argv) of every run: all formats of every command that writes them."""
    check = ["check", "inv", "--as-of", AS_OF]
    for fmt in sorted(RENDERERS):
        check += ["-f", fmt, "-o", f"out/check.{fmt}"]
    found: list[tuple[str, list[str]]] = [
        ("check-files", check),
        ("check-stdout", ["check", "inv", "--as-of", AS_OF, "-v"]),
        ("validate-errors", ["validate", "hostile"]),
    ]
    if "report" in cli.commands:
        found.append(("report", ["report", "inv", "--as-of", AS_OF, "--output-dir", "out/report"]))
    found += [(f"graph-{fmt}", ["graph", "export", "inv", "-f", fmt, "-o", f"out/graph.{fmt}"])
              for fmt in _graph_formats()]
    return found


def prepare(base: Path, *, reverse: bool) -> Path:
    """A working directory with ``inv/`` (files created in one order or the other), ``out/``
    and ``hostile/`` (a few broken files, for the order of error messages)."""
    base.mkdir(parents=True)
    (base / "out").mkdir()
    inv = base / "inv"
    inv.mkdir()
    files = failing_inventory_files()
    for name in sorted(files, reverse=reverse):
        (inv / name).write_bytes(files[name])
    hostile = base / "hostile"
    hostile.mkdir()
    broken = sorted(p for p in (ROOT / "tests" / "hostile").glob("inv-*.yaml"))[:10]
    for path in sorted(broken, reverse=reverse):
        shutil.copyfile(path, hostile / path.name)
    return base


def run_driver(cwd: Path, env: dict[str, str]) -> None:
    """Run every job in one fresh interpreter with ``env``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    full.update({"PYTHONPATH": str(ROOT), **env})
    subprocess.run([sys.executable, "-c", DRIVER, json.dumps(jobs())], cwd=cwd, env=full,
                   check=True, timeout=300, capture_output=True)


def outputs(base: Path) -> dict[str, bytes]:
    """Every file written under ``out/``, by relative path."""
    return {p.relative_to(base / "out").as_posix(): p.read_bytes()
            for p in sorted((base / "out").rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes],
                                                                dict[str, bytes]]:
    """The outputs of the two differently-configured processes, run concurrently."""
    base = tmp_path_factory.mktemp("repro")
    first = prepare(base / "a", reverse=False)
    second = prepare(base / "b", reverse=True)
    configs = [(first, {"PYTHONHASHSEED": "1", "LC_ALL": "C", "LANG": "C"}),
               (second, {"PYTHONHASHSEED": "4242", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
                         "PLEDGE_TEST_REVERSE_LISTING": "1"})]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda c: run_driver(*c), configs))
    return outputs(first), outputs(second)


def test_runs_produced_every_output(two_runs: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    first, _ = two_runs
    for fmt in RENDERERS:
        assert first.get(f"check.{fmt}"), f"no {fmt} output"
    assert first["check-files.log"].startswith(b"exit 1\n"), first["check-files.log"][:500]
    assert b"PLG-E0" in first["validate-errors.log"]
    for fmt in _graph_formats():
        assert first.get(f"graph.{fmt}"), f"no graph {fmt} output"
    if "report" in cli.commands:
        assert any(name.startswith("report/") for name in first)


def test_outputs_are_byte_identical_across_seed_locale_and_file_order(
        two_runs: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    first, second = two_runs
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert not different, f"outputs differ: {different}"


def test_listing_order_really_differed(tmp_path: Path) -> None:
    """The second process saw reversed listings: the test exercises what it claims."""
    prepare(tmp_path / "x", reverse=True)
    probe = ("import os, pathlib, sys; exec(sys.argv[1].split('from pledge.cli')[0]); "
             "print(next(os.walk('inv'))[2])")
    env = {**os.environ, "PLEDGE_TEST_REVERSE_LISTING": "1"}
    seen = subprocess.run([sys.executable, "-c", probe, DRIVER], cwd=tmp_path / "x", env=env,
                          capture_output=True, text=True, check=True).stdout
    listed = [p.name for p in (tmp_path / "x" / "inv").iterdir()]
    assert seen.strip() == repr(list(reversed(listed)))


# --- key order, in this process ----------------------------------------------------------------
def _inside_out(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _inside_out(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_inside_out(v) for v in value]
    return value


def _one_entity_per_line(data: dict[str, Any]) -> str:
    """JSON with every entity on its own line, so reordering keys moves no line."""
    parts = []
    for section, value in data.items():
        if isinstance(value, list):
            items = ",\n".join(json.dumps(item, ensure_ascii=False) for item in value)
            parts.append(f"{json.dumps(section)}: [\n{items}\n]")
        else:
            parts.append(f"{json.dumps(section)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _merged_inventory() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for _name, raw in sorted(failing_inventory_files().items()):
        for section, value in yaml.safe_load(raw.decode("utf-8")).items():
            if isinstance(value, list):
                merged.setdefault(section, []).extend(value)
            else:
                merged[section] = value
    return json.loads(json.dumps(merged, default=str))  # dates as text, as pledge reads them


def test_key_order_does_not_change_any_output(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    data = _merged_inventory()
    results: list[dict[str, str]] = []
    turned = {section: _inside_out(value) for section, value in data.items()}  # lines stay
    for variant, content in (("a", data), ("b", turned)):
        work = tmp_path / variant
        work.mkdir()
        text = _one_entity_per_line(content)
        (work / "inv.json").write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        monkeypatch.chdir(work)
        argv = ["check", "inv.json", "--as-of", AS_OF]
        for fmt in sorted(RENDERERS):
            argv += ["-f", fmt, "-o", f"out.{fmt}"]
        run = run_inprocess(*argv)
        assert run.code == 1, run.err
        results.append({fmt: _BODY.sub("<body>", _UUID.sub("<uuid>", (
            work / f"out.{fmt}").read_text(encoding="utf-8").replace(digest, "<sha256>").replace(
            digest[:12], "<sha>"))) for fmt in RENDERERS})
    for fmt in RENDERERS:
        assert results[0][fmt] == results[1][fmt], fmt
