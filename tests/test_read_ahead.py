"""YAML files read ahead beside the load give the load in line's models, lines and errors.

The load hands its last YAML files to work started beside it
(:mod:`pledge.policy_model.read_ahead`; ``pledge`` forks it to an idle core) and
takes back only the files that work read clean. Here the work is started by a
stand-in that runs it at once, in this process, noting which files it parsed;
and ``pledge`` itself runs with and without the fork (``PLEDGE_FORK``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import generate, write_yaml
from pledge.policy_model import loading, read_ahead
from pledge.policy_model.errors import InputErrors
from pledge.policy_model.loading import LoadedInventory, load_inventory
from pledge.policy_model.read_ahead import AHEAD_SHARE, Read, ahead_positions
from tests.conftest import AS_OF, ROOT


class AtOnce:
    """Starts the work at once, here; its result is kept for the load to ask for."""

    def __init__(self, work: Callable[[], dict[int, Read]]) -> None:
        self.value = work()
        self.cancelled = False

    def result(self) -> dict[int, Read]:
        return self.value

    def cancel(self) -> None:
        self.cancelled = True


class Noting:
    """The files each side parsed: ``ahead`` (inside the work) and ``load``; ``start`` is
    the starter to give the load."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ahead: list[str] = []
        self.load: list[str] = []
        self._side = self.load
        parse = loading._parse_inventory_text

        def noting(text: str, shown: str, is_json: bool) -> Any:
            self._side.append(shown)
            return parse(text, shown, is_json)

        monkeypatch.setattr(loading, "_parse_inventory_text", noting)
        monkeypatch.setattr(read_ahead, "AHEAD_MIN_BYTES", 1)

    def start(self, work: Callable[[], dict[int, Read]]) -> AtOnce:
        self._side = self.ahead
        try:
            return AtOnce(work)
        finally:
            self._side = self.load


@pytest.fixture()
def parsed(monkeypatch: pytest.MonkeyPatch) -> Noting:
    return Noting(monkeypatch)


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_yaml(generate(200, rate=1.0), tmp_path_factory.mktemp("ahead") / "inv",
                      units_per_file=3)


def _same(ahead: LoadedInventory, in_line: LoadedInventory) -> None:
    assert ahead.inventory == in_line.inventory
    assert [f.sha256 for f in ahead.files] == [f.sha256 for f in in_line.files]
    kinds = [("system", s.id) for s in in_line.inventory.systems] + [
        ("store", s.id) for s in in_line.inventory.stores] + [
        ("flow", f.id) for f in in_line.inventory.flows] + [
        ("field", f"{s.id}.{f.name}") for s in in_line.inventory.stores for f in s.fields]
    for kind, ident in kinds:
        for key in (None, "name", "retention", "category"):
            assert ahead.sources.locate(kind, ident, key) == in_line.sources.locate(
                kind, ident, key), (kind, ident, key)


def test_positions_are_the_last_files_about_the_share_of_the_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "AHEAD_MIN_BYTES", 100)
    monkeypatch.setattr(read_ahead, "AHEAD_MAX_BYTES", 10_000)
    assert ahead_positions([10, 20, 30]) == []  # too little to read to pay for a fork
    assert ahead_positions([20_000]) == []  # too much: the work's models would double the peak
    assert ahead_positions([500]) == []  # one file: nothing to do meanwhile
    sizes: list[int | None] = [100, None, 100, 100, 100, 100, None, 100, 100, 100, 100]
    chosen = ahead_positions(sizes)
    files = [n for n, size in enumerate(sizes) if size is not None]
    assert chosen == files[-len(chosen):]  # the last files, in order
    taken = 100 * len(chosen)
    assert taken <= AHEAD_SHARE * 900 < taken + 100  # as many as the share holds
    assert ahead_positions([1000, 50, 50]) == [1, 2]  # the big one is read meanwhile


def test_the_work_reads_the_last_files_and_the_load_takes_them(
        inventory: Path, parsed: Noting) -> None:
    in_line = load_inventory(inventory)
    parsed.load.clear()
    ahead = load_inventory(inventory, beside=parsed.start)
    _same(ahead, in_line)
    names = sorted(p.name for p in inventory.glob("*.yaml"))
    assert parsed.ahead and parsed.load
    assert not set(parsed.ahead) & set(parsed.load)  # each file read once
    assert sorted(Path(s).name for s in parsed.ahead + parsed.load) == names
    assert sorted(parsed.ahead) == parsed.ahead  # the last files, in order
    assert max(parsed.load) < min(parsed.ahead)


def test_a_file_with_an_error_is_read_by_the_load_for_the_same_error(
        tmp_path: Path, inventory: Path, parsed: Noting) -> None:
    broken = tmp_path / "inv"
    broken.mkdir()
    for path in inventory.glob("*.yaml"):
        (broken / path.name).write_bytes(path.read_bytes())
    last = sorted(broken.glob("*.yaml"))[-1]
    text = last.read_text(encoding="utf-8")
    last.write_text(text.replace("  name: ", "  nmae: ", 1), encoding="utf-8")
    with pytest.raises(InputErrors) as in_line:
        load_inventory(broken)
    parsed.load.clear()
    with pytest.raises(InputErrors) as ahead:
        load_inventory(broken, beside=parsed.start)
    assert [e.render() for e in ahead.value.errors] == [e.render() for e in in_line.value.errors]
    assert any(str(last) in e.render() for e in in_line.value.errors)
    assert str(last) in parsed.ahead and str(last) in parsed.load  # read again here


def test_a_file_changed_after_the_work_read_it_is_read_again(
        tmp_path: Path, inventory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "inv"
    copy.mkdir()
    for path in inventory.glob("*.yaml"):
        (copy / path.name).write_bytes(path.read_bytes())
    last = sorted(copy.glob("*.yaml"))[-1]
    monkeypatch.setattr(read_ahead, "AHEAD_MIN_BYTES", 1)

    def then_changed(work: Callable[[], dict[int, Read]]) -> AtOnce:
        started = AtOnce(work)
        text = last.read_text(encoding="utf-8")
        last.write_text(text.replace("  name: ", "  name: changed ", 1), encoding="utf-8")
        return started

    ahead = load_inventory(copy, beside=then_changed)
    _same(ahead, load_inventory(copy))
    assert "changed " in json.dumps(ahead.inventory.model_dump(mode="json"))


def test_the_work_is_stopped_when_the_load_fails_first(
        tmp_path: Path, inventory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "AHEAD_MIN_BYTES", 1)
    started: list[AtOnce] = []

    def keep(work: Callable[[], dict[int, Read]]) -> AtOnce:
        started.append(AtOnce(work))
        return started[-1]

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the load failed")

    monkeypatch.setattr(loading, "_merge", fail)
    with pytest.raises(RuntimeError):
        load_inventory(inventory, beside=keep)
    assert started and started[0].cancelled


def _pledge(args: list[str], fork: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLEDGE_FORK": fork, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pledge", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_pledge_reads_ahead_on_a_forked_core_to_the_same_bytes(tmp_path: Path) -> None:
    """Through the command line, over 2 MB of YAML: forked, the last files are read by
    the child (its phase shows in --timings), and the report and the cache entries are
    the same bytes as read in line."""
    root = write_yaml(generate(2000), tmp_path / "big", units_per_file=40)
    assert sum(p.stat().st_size for p in root.glob("*.yaml")) > 2 << 20
    outputs = {}
    for fork in ("1", "0"):
        cache = tmp_path / f"cache-{fork}"
        done = _pledge(["check", "big", "--as-of", AS_OF, "--cache", str(cache), "-f", "json",
                        "-o", f"out-{fork}.json", "--timings"], fork, tmp_path)
        assert done.returncode == 1, done.stderr  # the planted violations
        assert ("read YAML files ahead" in done.stderr) == (fork == "1"), done.stderr
        outputs[fork] = ((tmp_path / f"out-{fork}.json").read_bytes(),
                         {p.name: p.read_bytes() for p in cache.rglob("*") if p.is_file()})
    assert outputs["1"] == outputs["0"]
    assert len(outputs["1"][1]) > 5
